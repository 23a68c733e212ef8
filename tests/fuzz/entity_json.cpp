// Fuzzes klik::from_json<T> for every entity type (klik/json.hpp, docs/json.md):
// each input is read as each type. Oracle: an accepted entity round-trips.
#include <optional>

#include "fuzz_support.hpp"
#include "klik/json.hpp"

namespace {

template <class T>
void read_as(std::string_view text, const char* type) {
  std::optional<T> v;
  if (!klik::fuzz::accepts([&] { v = klik::from_json<T>(text); })) return;
  std::string json;
  klik::fuzz::must_succeed(type, [&] { json = klik::to_json(*v); });
  klik::fuzz::must_succeed(type, [&] {
    if (klik::from_json<T>(json) != *v) klik::fuzz::finding("from_json(to_json(v)) != v", json);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace klik;
  const std::string_view text = fuzz::text(data, size);
  read_as<Municipality>(text, "Municipality round trip");
  read_as<Project>(text, "Project round trip");
  read_as<RolloutWave>(text, "RolloutWave round trip");
  read_as<TaskTemplate>(text, "TaskTemplate round trip");
  read_as<Task>(text, "Task round trip");
  read_as<LocalTask>(text, "LocalTask round trip");
  read_as<User>(text, "User round trip");
  read_as<Message>(text, "Message round trip");
  read_as<Attachment>(text, "Attachment round trip");
  read_as<InternalNote>(text, "InternalNote round trip");
  return 0;
}
