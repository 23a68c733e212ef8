// Fuzzes the task query JSON form (klik::task_query_from_json, docs/query.md).
// Oracle: an accepted query round-trips through JSON and through the text syntax.
#include <optional>

#include "fuzz_support.hpp"
#include "klik/query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace klik;
  std::optional<TaskQuery> q;
  if (!fuzz::accepts([&] { q = task_query_from_json(fuzz::text(data, size)); })) return 0;
  std::string json;
  fuzz::must_succeed("to_json of an accepted query", [&] { json = to_json(*q); });
  fuzz::must_succeed("an accepted query printed as JSON does not parse", [&] {
    if (task_query_from_json(json) != *q) fuzz::finding("task_query_from_json(to_json(q)) != q", json);
  });
  std::string printed;
  fuzz::must_succeed("to_text of an accepted query", [&] { printed = to_text(*q); });
  fuzz::must_succeed("an accepted query printed as text does not parse", [&] {
    if (parse_task_query(printed) != *q) fuzz::finding("parse(to_text(q)) != q", printed);
  });
  return 0;
}
