// Fuzzes klik::RightsModel::from_json (klik/rights.hpp, docs/rights.md).
// Oracle: an accepted model prints (to_json) to a model that prints the same.
#include <optional>

#include "fuzz_support.hpp"
#include "klik/rights.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace klik;
  std::optional<RightsModel> m;
  if (!fuzz::accepts([&] { m = RightsModel::from_json(fuzz::text(data, size)); })) return 0;
  std::string json;
  fuzz::must_succeed("to_json of an accepted rights model", [&] { json = m->to_json(); });
  fuzz::must_succeed("an accepted rights model printed as JSON does not load", [&] {
    if (RightsModel::from_json(json).to_json() != json) fuzz::finding("rights model JSON is not a fixed point", json);
  });
  return 0;
}
