// Fuzzes klik::from_json<T> for every entity type (klik/json.hpp, docs/json.md):
// each input is read as each type. Oracle: an accepted entity round-trips.
//
// Every from_json<T> is the same parse of the text (detail::parse_text with the
// entity limits of json.cpp) followed by reading a T from the parsed value
// (detail::read_value<T>). The first type goes through the public entry whole;
// the other nine read one value parsed once, not nine more parses of the same
// bytes, which took most of each input's time (and found nothing the one parse
// does not) and left a ten-million-input run at a few hundred inputs a second.
#include <optional>

#include "detail/json_io.hpp"
#include "fuzz_support.hpp"
#include "klik/json.hpp"

namespace {

template <class T>
void round_trip(const T& v, const char* type) {
  std::string json;
  klik::fuzz::must_succeed(type, [&] { json = klik::to_json(v); });
  klik::fuzz::must_succeed(type, [&] {
    if (klik::from_json<T>(json) != v) klik::fuzz::finding("from_json(to_json(v)) != v", json);
  });
}

/// The public entry point, text to T.
template <class T>
void read_as(std::string_view text, const char* type) {
  std::optional<T> v;
  if (klik::fuzz::accepts([&] { v = klik::from_json<T>(text); })) round_trip(*v, type);
}

/// What from_json<T> does after its parse.
template <class T>
void read_parsed(const klik::detail::json& j, const char* type) {
  std::optional<T> v;
  if (klik::fuzz::accepts([&] { v = klik::detail::read_value<T>(j, ""); })) round_trip(*v, type);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace klik;
  const std::string_view text = fuzz::text(data, size);
  read_as<Municipality>(text, "Municipality round trip");
  // json.cpp's entity limits: 256 MiB, nested at most 64 deep.
  constexpr detail::ParseLimits entity_limits{.max_bytes = std::size_t{256} << 20, .max_depth = detail::max_json_depth};
  detail::json j;
  if (!fuzz::accepts([&] { j = detail::parse_text(text, entity_limits); })) return 0;
  read_parsed<Project>(j, "Project round trip");
  read_parsed<RolloutWave>(j, "RolloutWave round trip");
  read_parsed<TaskTemplate>(j, "TaskTemplate round trip");
  read_parsed<Task>(j, "Task round trip");
  read_parsed<LocalTask>(j, "LocalTask round trip");
  read_parsed<User>(j, "User round trip");
  read_parsed<Message>(j, "Message round trip");
  read_parsed<Attachment>(j, "Attachment round trip");
  read_parsed<InternalNote>(j, "InternalNote round trip");
  return 0;
}
