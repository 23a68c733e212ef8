#include "klik/synthetic.hpp"

#include <algorithm>
#include <array>
#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/discrete_distribution.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>
#include <string>

#include "klik/error.hpp"
#include "klik/municipalities.hpp"

namespace klik::synthetic {
namespace {

using Engine = boost::random::mt19937_64;

constexpr std::array<std::string_view, 12> project_names = {
    "Ydelsesrefusion",
    "Kommunernes Ydelsessystem",
    "SAPA",
    "Fælleskommunalt Adgangsstyringssystem",
    "Serviceplatformen",
    "Støttesystemerne",
    "Kommunernes Sygedagpengesystem",
    "FLIS",
    "Sag og dokument",
    "KY Beskæftigelse",
    "Fordeling",
    "Organisation",
};
constexpr std::array<std::string_view, 6> phase_names = {"Forberedelse", "Analyse",        "Design og opsætning",
                                                         "Test",         "Idriftsættelse", "Forvaltning"};
constexpr std::array<std::string_view, 8> theme_names = {"Organisation",  "Teknik",  "Data", "Uddannelse",
                                                         "Kommunikation", "Økonomi", "Jura", "Drift"};
constexpr std::array<std::string_view, 16> verbs = {
    "Udpeg", "Beskriv",    "Afklar",      "Gennemfør", "Test",          "Godkend",  "Planlæg", "Kortlæg",
    "Opsæt", "Dokumentér", "Informér om", "Uddan",     "Kvalitetssikr", "Ryd op i", "Etabler", "Evaluér"};
constexpr std::array<std::string_view, 20> objects = {"lokal projektorganisation",
                                                      "snitflader til fagsystemer",
                                                      "brugeradministration",
                                                      "datamigrering",
                                                      "adgangsrettigheder",
                                                      "testplan",
                                                      "slutbrugeruddannelse",
                                                      "driftsaftale",
                                                      "it-arkitektur",
                                                      "arbejdsgange",
                                                      "kommunikationsplan",
                                                      "superbrugere",
                                                      "integrationer",
                                                      "stamdata",
                                                      "sikkerhedsgodkendelse",
                                                      "beredskabsplan",
                                                      "leverandørkontakt",
                                                      "økonomiopfølgning",
                                                      "lokale tilpasninger",
                                                      "gevinstrealisering"};
constexpr std::array<std::string_view, 24> first_names = {
    "Anne",   "Mette",  "Hanne",   "Susanne", "Lene",  "Marianne", "Camilla", "Louise",
    "Pia",    "Maria",  "Kirsten", "Karen",   "Peter", "Jens",     "Lars",    "Michael",
    "Henrik", "Thomas", "Søren",   "Jan",     "Niels", "Rasmus",   "Mads",    "Jesper"};
constexpr std::array<std::string_view, 20> last_names = {
    "Jensen",   "Nielsen",      "Hansen",    "Pedersen", "Andersen", "Christensen", "Larsen",
    "Sørensen", "Rasmussen",    "Jørgensen", "Petersen", "Madsen",   "Kristensen",  "Olsen",
    "Thomsen",  "Christiansen", "Poulsen",   "Johansen", "Møller",   "Mortensen"};

int uniform(Engine& rng, int lo, int hi) { return boost::random::uniform_int_distribution<int>(lo, hi)(rng); }
bool chance(Engine& rng, double p) { return boost::random::bernoulli_distribution<double>(p)(rng); }
template <std::size_t N>
std::size_t pick(Engine& rng, const std::array<double, N>& weights) {
  return boost::random::discrete_distribution<std::size_t>(weights.begin(), weights.end())(rng);
}
template <class C>
const auto& one_of(Engine& rng, const C& c) {
  return c[static_cast<std::size_t>(uniform(rng, 0, static_cast<int>(c.size()) - 1))];
}

/// "Ringkøbing-Skjern" -> "ringkoebing-skjern": a plausible mail domain label.
std::string ascii_label(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c == 0xC3 && i + 1 < name.size()) {
      const unsigned char d = static_cast<unsigned char>(name[++i]);
      switch (d) {
        case 0xA6:
        case 0x86:
          out += "ae";
          break;  // æ Æ
        case 0xB8:
        case 0x98:
          out += "oe";
          break;  // ø Ø
        case 0xA5:
        case 0x85:
          out += "aa";
          break;  // å Å
        case 0xA9:
        case 0x89:
          out += "e";
          break;  // é É
        default:
          out += "x";
          break;
      }
    } else if (c == ' ') {
      out += '-';
    } else {
      out += static_cast<char>(std::tolower(c));
    }
  }
  return out;
}

Date weekday_on_or_before(Date d) {
  while (d.is_weekend()) d -= 1;
  return d;
}

}  // namespace

Dataset generate(const Options& o) {
  KLIK_REQUIRE(o.scale > 0 && o.scale <= 100, "synthetic scale must be in (0, 100], got " + std::to_string(o.scale));
  KLIK_REQUIRE(o.municipalities >= 1 && o.municipalities <= 98,
               "synthetic municipalities must be 1-98, got " + std::to_string(o.municipalities));
  KLIK_REQUIRE(o.participation > 0 && o.participation <= 1,
               "synthetic participation must be in (0, 1], got " + std::to_string(o.participation));
  KLIK_REQUIRE(o.local_task_share >= 0 && o.local_task_share <= 1,
               "synthetic local_task_share must be in [0, 1], got " + std::to_string(o.local_task_share));

  Engine rng(o.seed);
  Dataset d;

  const auto all = danish_municipalities();
  for (int i = 0; i < o.municipalities; ++i) d.municipalities.push_back({all[i].code, std::string(all[i].name)});

  // Projects and their templates.
  const int n_projects = std::max(1, static_cast<int>(std::lround(12 * o.scale)));
  const Date first_end(2025, 1, 1);
  const int end_span = Date(2028, 12, 31) - first_end;
  std::uint32_t next_template = 1;
  for (int p = 0; p < n_projects; ++p) {
    Project proj;
    proj.id = ProjectId(static_cast<std::uint32_t>(p + 1));
    proj.name = std::string(project_names[p % 12]);
    if (p >= 12) proj.name += " " + std::to_string(p / 12 + 1);
    proj.description = "Implementering af " + proj.name + " i kommunerne.";
    proj.period_start = Date(2024, 1, 1) + uniform(rng, 0, 364);
    proj.period_end = Date(2028, 12, 31) - uniform(rng, 0, 180);
    proj.deadline = proj.period_end - uniform(rng, 0, 60);
    proj.kombit_contact = std::string(one_of(rng, first_names)) + " " + std::string(one_of(rng, last_names));
    proj.contact_mail = ascii_label(proj.name) + "@kombit.dk";
    for (auto ph : phase_names) proj.phases.emplace_back(ph);
    for (auto th : theme_names) proj.themes.emplace_back(th);
    for (const auto& m : d.municipalities)
      if (chance(rng, o.participation)) proj.participants.push_back(m.id);
    if (proj.participants.empty()) proj.participants.push_back(d.municipalities.front().id);

    const int n_templates = uniform(rng, 150, 400);
    for (int t = 0; t < n_templates; ++t) {
      TaskTemplate tpl;
      tpl.id = TemplateId(next_template++);
      tpl.project = proj.id;
      tpl.title = std::string(one_of(rng, verbs)) + " " + std::string(one_of(rng, objects));
      tpl.phase = static_cast<std::uint8_t>(uniform(rng, 1, 6));
      tpl.theme = static_cast<std::uint8_t>(uniform(rng, 1, 8));
      tpl.priority = static_cast<Priority>(pick(rng, std::array<double, 4>{15, 40, 35, 10}));
      tpl.goal = "At " + proj.name + " kan tages i brug som planlagt.";
      tpl.description = "Kommunen skal " + tpl.title + " som led i fase " + std::to_string(tpl.phase) + ".";
      tpl.method = "Se projektets implementeringshåndbog.";
      tpl.result = "Opgaven er løst og dokumenteret.";
      Date end = first_end + uniform(rng, 0, end_span);
      if (!chance(rng, 0.03)) end = weekday_on_or_before(end);  // a few land on weekends on purpose
      tpl.end = end;
      if (chance(rng, 0.15))
        tpl.latest_start = end - uniform(rng, 0, 56);
      else
        tpl.duration_workdays = uniform(rng, 1, 40);
      tpl.documentation_required = chance(rng, 0.1);
      d.templates.push_back(std::move(tpl));
    }
    d.projects.push_back(std::move(proj));
  }

  // Rollout waves: each project's participants in three waves, each wave
  // 10 working days after the one before (its tasks' dates follow the shift;
  // deadline.hpp, effective_schedule). No random draws: the rest of the world
  // is the same as without shifts.
  std::uint32_t next_wave = 1;
  for (const Project& p : d.projects) {
    for (int w = 0; w < 3; ++w) {
      RolloutWave wave{WaveId(next_wave++), p.id, "Bølge " + std::to_string(w + 1), {}, 10 * w};
      for (std::size_t i = static_cast<std::size_t>(w); i < p.participants.size(); i += 3)
        wave.members.push_back(p.participants[i]);
      d.waves.push_back(std::move(wave));
    }
  }

  // Users per municipality, with per-project user types.
  std::vector<std::vector<ProjectId>> projects_of(1000);
  for (const Project& p : d.projects)
    for (MunicipalityId m : p.participants) projects_of[m.value()].push_back(p.id);

  std::uint32_t next_user = 1;
  // assignable[muni][project] -> users who may be responsible/performer
  std::vector<std::vector<std::vector<UserId>>> assignable(1000);
  for (const Municipality& m : d.municipalities) {
    const auto& mine = projects_of[m.id.value()];
    const int n_users = uniform(rng, 20, 150);
    const std::string domain = ascii_label(m.name) + ".dk";
    const std::size_t first_index = d.users.size();
    for (int u = 0; u < n_users; ++u) {
      User user;
      user.id = UserId(next_user++);
      const std::string first(one_of(rng, first_names)), last(one_of(rng, last_names));
      user.full_name = first + " " + last;
      user.email = ascii_label(first) + "." + ascii_label(last) + "." + std::to_string(user.id.value()) + "@" + domain;
      user.organisation = m.name + " Kommune";
      user.municipality = m.id;
      user.administrator = (u == 0) || chance(rng, 0.03);
      if (!mine.empty()) {
        const int k = std::min<int>(uniform(rng, 1, 4), static_cast<int>(mine.size()));
        std::vector<ProjectId> pool = mine;
        for (int j = 0; j < k; ++j) {
          const auto idx = static_cast<std::size_t>(uniform(rng, j, static_cast<int>(pool.size()) - 1));
          std::swap(pool[static_cast<std::size_t>(j)], pool[idx]);
          const auto type = static_cast<UserType>(pick(rng, std::array<double, 4>{10, 30, 35, 25}));
          user.memberships.push_back({pool[static_cast<std::size_t>(j)], type});
        }
        std::sort(user.memberships.begin(), user.memberships.end(),
                  [](const Membership& a, const Membership& b) { return a.project < b.project; });
      }
      d.users.push_back(std::move(user));
    }
    // Every participating project has a Plusbruger in the municipality.
    for (ProjectId pid : mine) {
      bool has_plus = false;
      for (std::size_t i = first_index; i < d.users.size() && !has_plus; ++i)
        has_plus = d.users[i].type_on(pid) == UserType::Plus;
      if (has_plus) continue;
      User& chosen = d.users[first_index + static_cast<std::size_t>(uniform(rng, 0, n_users - 1))];
      auto it = std::find_if(chosen.memberships.begin(), chosen.memberships.end(),
                             [&](const Membership& ms) { return ms.project == pid; });
      if (it != chosen.memberships.end()) {
        it->type = UserType::Plus;
      } else {
        chosen.memberships.push_back({pid, UserType::Plus});
        std::sort(chosen.memberships.begin(), chosen.memberships.end(),
                  [](const Membership& a, const Membership& b) { return a.project < b.project; });
      }
    }
    auto& table = assignable[m.id.value()];
    table.resize(d.projects.size() + 1);
    for (std::size_t i = first_index; i < d.users.size(); ++i)
      for (const Membership& ms : d.users[i].memberships)
        if (ms.type != UserType::Reader) table[ms.project.value()].push_back(d.users[i].id);
  }

  // KOMBIT: an administrator and one implementation manager per project.
  {
    User admin;
    admin.id = UserId(next_user++);
    admin.email = "klik@kombit.dk";
    admin.full_name = "KLIK Administration";
    admin.organisation = "KOMBIT";
    admin.side = Side::Kombit;
    admin.administrator = true;
    d.users.push_back(std::move(admin));
    for (const Project& p : d.projects) {
      User manager;
      manager.id = UserId(next_user++);
      manager.full_name = p.kombit_contact;
      manager.email = "implementering." + std::to_string(p.id.value()) + "@kombit.dk";
      manager.organisation = "KOMBIT";
      manager.side = Side::Kombit;
      manager.memberships.push_back({p.id, UserType::Standard});
      d.users.push_back(std::move(manager));
    }
  }

  // Task instances: one per template and participating municipality.
  std::size_t expected = 0;
  for (const TaskTemplate& t : d.templates) expected += d.projects[t.project.value() - 1].participants.size();
  d.tasks.reserve(expected);
  std::uint32_t next_task = 1;
  for (const Project& p : d.projects) {
    const auto first_tpl =
        std::find_if(d.templates.begin(), d.templates.end(), [&](const TaskTemplate& t) { return t.project == p.id; });
    for (MunicipalityId m : p.participants) {
      const auto& people = assignable[m.value()][p.id.value()];
      auto someone = [&]() -> std::optional<UserId> {
        if (people.empty() || chance(rng, 0.3)) return std::nullopt;
        return one_of(rng, people);
      };
      for (auto t = first_tpl; t != d.templates.end() && t->project == p.id; ++t) {
        Task task;
        task.id = TaskId(next_task++);
        task.template_id = t->id;
        task.municipality = m;
        task.status = static_cast<TaskStatus>(pick(rng, std::array<double, 4>{10, 40, 30, 20}));
        task.responsible = someone();
        task.performer = someone();
        // KOMBIT's own override of one municipality's end date (it wins over the wave's shift).
        if (chance(rng, 0.01)) task.end_override = t->end + uniform(rng, 1, 30);
        d.tasks.push_back(task);
      }
    }
  }

  // Local tasks under a few KLIK tasks.
  std::uint32_t next_local = 1;
  if (o.local_task_share > 0) {
    for (const Task& t : d.tasks) {
      if (!chance(rng, o.local_task_share)) continue;
      const TaskTemplate& tpl = d.templates[t.template_id.value() - 1];
      const auto& people = assignable[t.municipality.value()][tpl.project.value()];
      const int n = uniform(rng, 1, 3);
      for (int i = 0; i < n; ++i) {
        LocalTask l;
        l.id = LocalTaskId(next_local++);
        l.parent = t.id;
        l.municipality = t.municipality;
        l.title = "Lokal: " + std::string(one_of(rng, verbs)) + " " + std::string(one_of(rng, objects));
        if (!people.empty() && chance(rng, 0.8)) l.responsible = one_of(rng, people);
        if (!people.empty() && chance(rng, 0.6)) l.performer = one_of(rng, people);
        l.status = static_cast<TaskStatus>(1 + pick(rng, std::array<double, 3>{50, 30, 20}));
        l.end = tpl.end - uniform(rng, 0, 30);
        l.description = "Lokalt afledt opgave.";
        d.local_tasks.push_back(std::move(l));
      }
    }
  }

  if (o.content) {
    const Timestamp base = Timestamp(Date(2025, 1, 1).serial() * std::int64_t{86400});
    std::uint64_t next_message = 1, next_attachment = 1;
    for (const Task& t : d.tasks) {
      const TaskTemplate& tpl = d.templates[t.template_id.value() - 1];
      if (chance(rng, 0.01)) {
        const int n = uniform(rng, 1, 3);
        std::int64_t time = base.unix_seconds() + uniform(rng, 0, 365 * 86400);
        for (int i = 0; i < n; ++i) {
          Message msg;
          msg.id = MessageId(next_message++);
          msg.target.task = t.id;
          const bool from_kombit = (i % 2 == 0);
          msg.author_side = from_kombit ? Side::Kombit : Side::Municipality;
          if (from_kombit) {
            msg.author = d.users[d.users.size() - d.projects.size() + tpl.project.value() - 1].id;
            msg.text = "Hvordan går det med opgaven? Husk slutdatoen " + tpl.end.iso() + ".";
          } else {
            const auto& people = assignable[t.municipality.value()][tpl.project.value()];
            if (people.empty()) break;
            msg.author = one_of(rng, people);
            msg.text = "Vi er i gang og forventer at blive færdige til tiden.";
          }
          time += uniform(rng, 3600, 5 * 86400);
          msg.time = Timestamp(time);
          d.messages.push_back(std::move(msg));
        }
      }
      if (chance(rng, 0.02)) d.internal_notes.push_back({t.id, "Aftalt på styregruppemøde; følges op i næste uge."});
      if (chance(rng, 0.002) && (t.responsible || t.performer)) {
        Attachment a;
        a.id = AttachmentId(next_attachment++);
        a.task = t.id;
        a.file_name = "dokumentation-" + std::to_string(t.id.value()) + ".txt";
        a.media_type = "text/plain";
        a.content = "Dokumentation for opgaven \"" + tpl.title + "\": gennemført og godkendt.\n";
        a.size = a.content.size();
        a.uploaded_by = t.responsible ? *t.responsible : *t.performer;
        a.time = Timestamp(base.unix_seconds() + uniform(rng, 0, 700 * 86400));
        d.attachments.push_back(std::move(a));
      }
    }
    for (const Project& p : d.projects) {
      Message msg;
      msg.id = MessageId(next_message++);
      msg.target.project = p.id;
      msg.author_side = Side::Kombit;
      msg.author = d.users[d.users.size() - d.projects.size() + p.id.value() - 1].id;
      msg.time = Timestamp(base.unix_seconds() + uniform(rng, 0, 365 * 86400));
      msg.text = "Nyt om " + p.name + ": opgaverne for næste fase er publiceret.";
      d.messages.push_back(std::move(msg));
    }
  }
  return d;
}

}  // namespace klik::synthetic
