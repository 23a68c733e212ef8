// Fuzzes the audit journal's entry JSON (klik::journal_entry_from_json,
// journal.hpp), which every backend but memory reads back from its rows, and
// what a host and Store::as_of do with an entry they read: the changed fields of
// each object and putting the objects back as they were (detail::Undo reads each
// `before` as its entity). Oracle: an accepted entry round-trips through JSON.
#include <optional>

#include "detail/journal_build.hpp"
#include "fuzz_support.hpp"
#include "klik/journal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace klik;
  std::optional<JournalEntry> e;
  if (!fuzz::accepts([&] { e = journal_entry_from_json(fuzz::text(data, size)); })) return 0;
  std::string json;
  fuzz::must_succeed("to_json of an accepted entry", [&] { json = to_json(*e); });
  fuzz::must_succeed("an accepted entry printed as JSON does not parse", [&] {
    if (journal_entry_from_json(json) != *e) fuzz::finding("journal_entry_from_json(to_json(e)) != e", json);
  });
  for (const ObjectDelta& d : e->objects)
    fuzz::must_succeed("changed_fields of an accepted entry", [&] { (void)changed_fields(d); });
  // As an as-of view undoes it: newest object first, on an empty world.
  Dataset world;
  fuzz::accepts([&] {
    detail::Undo undo(world);
    for (auto it = e->objects.rbegin(); it != e->objects.rend(); ++it) undo.apply(*it);
    undo.finish();
  });
  return 0;
}
