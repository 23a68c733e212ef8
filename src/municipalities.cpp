#include "klik/municipalities.hpp"

#include <algorithm>
#include <array>

namespace klik {
namespace {

using M = MunicipalityInfo;
// Danmarks Statistik's kommunekoder, in force since the 2007 structural reform.
constexpr std::array<M, 98> list = {{
    {MunicipalityId(101), "København"},
    {MunicipalityId(147), "Frederiksberg"},
    {MunicipalityId(151), "Ballerup"},
    {MunicipalityId(153), "Brøndby"},
    {MunicipalityId(155), "Dragør"},
    {MunicipalityId(157), "Gentofte"},
    {MunicipalityId(159), "Gladsaxe"},
    {MunicipalityId(161), "Glostrup"},
    {MunicipalityId(163), "Herlev"},
    {MunicipalityId(165), "Albertslund"},
    {MunicipalityId(167), "Hvidovre"},
    {MunicipalityId(169), "Høje-Taastrup"},
    {MunicipalityId(173), "Lyngby-Taarbæk"},
    {MunicipalityId(175), "Rødovre"},
    {MunicipalityId(183), "Ishøj"},
    {MunicipalityId(185), "Tårnby"},
    {MunicipalityId(187), "Vallensbæk"},
    {MunicipalityId(190), "Furesø"},
    {MunicipalityId(201), "Allerød"},
    {MunicipalityId(210), "Fredensborg"},
    {MunicipalityId(217), "Helsingør"},
    {MunicipalityId(219), "Hillerød"},
    {MunicipalityId(223), "Hørsholm"},
    {MunicipalityId(230), "Rudersdal"},
    {MunicipalityId(240), "Egedal"},
    {MunicipalityId(250), "Frederikssund"},
    {MunicipalityId(253), "Greve"},
    {MunicipalityId(259), "Køge"},
    {MunicipalityId(260), "Halsnæs"},
    {MunicipalityId(265), "Roskilde"},
    {MunicipalityId(269), "Solrød"},
    {MunicipalityId(270), "Gribskov"},
    {MunicipalityId(306), "Odsherred"},
    {MunicipalityId(316), "Holbæk"},
    {MunicipalityId(320), "Faxe"},
    {MunicipalityId(326), "Kalundborg"},
    {MunicipalityId(329), "Ringsted"},
    {MunicipalityId(330), "Slagelse"},
    {MunicipalityId(336), "Stevns"},
    {MunicipalityId(340), "Sorø"},
    {MunicipalityId(350), "Lejre"},
    {MunicipalityId(360), "Lolland"},
    {MunicipalityId(370), "Næstved"},
    {MunicipalityId(376), "Guldborgsund"},
    {MunicipalityId(390), "Vordingborg"},
    {MunicipalityId(400), "Bornholm"},
    {MunicipalityId(410), "Middelfart"},
    {MunicipalityId(420), "Assens"},
    {MunicipalityId(430), "Faaborg-Midtfyn"},
    {MunicipalityId(440), "Kerteminde"},
    {MunicipalityId(450), "Nyborg"},
    {MunicipalityId(461), "Odense"},
    {MunicipalityId(479), "Svendborg"},
    {MunicipalityId(480), "Nordfyns"},
    {MunicipalityId(482), "Langeland"},
    {MunicipalityId(492), "Ærø"},
    {MunicipalityId(510), "Haderslev"},
    {MunicipalityId(530), "Billund"},
    {MunicipalityId(540), "Sønderborg"},
    {MunicipalityId(550), "Tønder"},
    {MunicipalityId(561), "Esbjerg"},
    {MunicipalityId(563), "Fanø"},
    {MunicipalityId(573), "Varde"},
    {MunicipalityId(575), "Vejen"},
    {MunicipalityId(580), "Aabenraa"},
    {MunicipalityId(607), "Fredericia"},
    {MunicipalityId(615), "Horsens"},
    {MunicipalityId(621), "Kolding"},
    {MunicipalityId(630), "Vejle"},
    {MunicipalityId(657), "Herning"},
    {MunicipalityId(661), "Holstebro"},
    {MunicipalityId(665), "Lemvig"},
    {MunicipalityId(671), "Struer"},
    {MunicipalityId(706), "Syddjurs"},
    {MunicipalityId(707), "Norddjurs"},
    {MunicipalityId(710), "Favrskov"},
    {MunicipalityId(727), "Odder"},
    {MunicipalityId(730), "Randers"},
    {MunicipalityId(740), "Silkeborg"},
    {MunicipalityId(741), "Samsø"},
    {MunicipalityId(746), "Skanderborg"},
    {MunicipalityId(751), "Aarhus"},
    {MunicipalityId(756), "Ikast-Brande"},
    {MunicipalityId(760), "Ringkøbing-Skjern"},
    {MunicipalityId(766), "Hedensted"},
    {MunicipalityId(773), "Morsø"},
    {MunicipalityId(779), "Skive"},
    {MunicipalityId(787), "Thisted"},
    {MunicipalityId(791), "Viborg"},
    {MunicipalityId(810), "Brønderslev"},
    {MunicipalityId(813), "Frederikshavn"},
    {MunicipalityId(820), "Vesthimmerlands"},
    {MunicipalityId(825), "Læsø"},
    {MunicipalityId(840), "Rebild"},
    {MunicipalityId(846), "Mariagerfjord"},
    {MunicipalityId(849), "Jammerbugt"},
    {MunicipalityId(851), "Aalborg"},
    {MunicipalityId(860), "Hjørring"},
}};

}  // namespace

std::span<const MunicipalityInfo> danish_municipalities() noexcept { return list; }

std::optional<MunicipalityInfo> find_municipality(MunicipalityId code) noexcept {
  const auto it =
      std::lower_bound(list.begin(), list.end(), code, [](const M& m, MunicipalityId c) { return m.code < c; });
  if (it == list.end() || it->code != code) return std::nullopt;
  return *it;
}

}  // namespace klik
