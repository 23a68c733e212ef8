// Fuzzes klik::from_json<Dataset> (a whole import, validated as a whole).
// Oracle: an accepted dataset is valid and round-trips through JSON.
#include <optional>

#include "fuzz_support.hpp"
#include "klik/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace klik;
  std::optional<Dataset> d;
  if (!fuzz::accepts([&] { d = from_json<Dataset>(fuzz::text(data, size)); })) return 0;
  fuzz::must_succeed("an accepted dataset is invalid", [&] { require_valid(*d); });
  std::string json;
  fuzz::must_succeed("to_json of an accepted dataset", [&] { json = to_json(*d); });
  fuzz::must_succeed("an accepted dataset printed as JSON does not parse", [&] {
    if (from_json<Dataset>(json) != *d) fuzz::finding("from_json(to_json(d)) != d");
  });
  return 0;
}
