// Fuzzes klik::change_from_json (klik/backend.hpp): what SQL backends keep in their
// change sequence and another process reads back, so a damaged log row must be an
// error, never a crash. Oracle: an accepted change writes back as the same text.
#include <optional>
#include <string>

#include "fuzz_support.hpp"
#include "klik/backend.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace klik;
  const std::string_view text = fuzz::text(data, size);
  std::optional<Change> change;
  if (!fuzz::accepts([&] { change = change_from_json(text); })) return 0;
  // An attachment's content never goes into the log, so the oracle compares texts
  // (to_json after one round trip), not the values.
  std::string once, twice;
  fuzz::must_succeed("to_json of a read change", [&] { once = to_json(*change); });
  fuzz::must_succeed("change round trip", [&] { twice = to_json(change_from_json(once)); });
  if (once != twice) fuzz::finding("to_json(change_from_json(to_json(c))) != to_json(c)", once);
  return 0;
}
