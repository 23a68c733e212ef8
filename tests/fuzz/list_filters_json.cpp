// Fuzzes the project and user list filters' JSON (klik::project_query_from_json,
// klik::user_query_from_json; src/list_filters.cpp): each input is read as both.
// Oracle: an accepted filter round-trips and its chips come off one by one.
#include <optional>

#include "fuzz_support.hpp"
#include "klik/query_engine.hpp"

namespace {

template <class Q, class Read>
void check(std::string_view text, Read read, const char* what) {
  std::optional<Q> q;
  if (!klik::fuzz::accepts([&] { q = read(text); })) return;
  klik::fuzz::must_succeed(what, [&] {
    const std::string json = klik::to_json(*q);
    if (read(json) != *q) klik::fuzz::finding("from_json(to_json(q)) != q", json);
    Q bare = *q;
    for (const std::string& chip : q->applied_filters()) bare = bare.without(chip);
    if (!bare.applied_filters().empty() || read(klik::to_json(bare)) != bare)
      klik::fuzz::finding("removing every chip leaves a filter", klik::to_json(bare));
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace klik;
  const std::string_view text = fuzz::text(data, size);
  check<ProjectQuery>(text, project_query_from_json, "ProjectQuery round trip");
  check<UserQuery>(text, user_query_from_json, "UserQuery round trip");
  return 0;
}
