#pragma once
// Private: nlohmann-based reading and writing of the model, shared by json.cpp,
// the stores and anything else that speaks JSON. Reading is strict and
// path-aware: every error is an InvalidArgumentError naming the JSON path.

#include <nlohmann/json.hpp>
#include <string>

#include "klik/dataset.hpp"
#include "klik/error.hpp"
#include "klik/model.hpp"

namespace klik::detail {

using json = nlohmann::json;

json to_json_value(const Municipality& v);
json to_json_value(const Project& v);
json to_json_value(const RolloutWave& v);
json to_json_value(const TaskTemplate& v);
json to_json_value(const Task& v);
json to_json_value(const LocalTask& v);
json to_json_value(const User& v);
json to_json_value(const Message& v);
json to_json_value(const Attachment& v);
json to_json_value(const InternalNote& v);
json to_json_value(const Credentials& v);
json to_json_value(const Dataset& v);

/// Reads a T from `j`; `path` is the JSON path of `j` ("" for the root).
template <class T>
T read_value(const json& j, const std::string& path);

/// The deepest nesting any JSON klik reads may have (klik's own documents
/// nest at most 5 levels).
inline constexpr std::size_t max_json_depth = 64;

/// What one parse accepts: documents larger or deeper are refused before or
/// while parsing, never after.
struct ParseLimits {
  std::size_t max_bytes = std::size_t{1} << 20;
  std::size_t max_depth = max_json_depth;
};

/// Parses text to a json value within `limits`. Invalid UTF-8 names the byte
/// offset, a syntax error its byte; every failure is an InvalidArgumentError in
/// klik's words, quoting no input.
json parse_text(std::string_view text, const ParseLimits& limits = {});

/// Serialises a value; a string that is not UTF-8 is an InvalidArgumentError.
std::string dump_text(const json& j, int indent = -1);

/// A short description of a value for an error message ("an object", "the
/// string \"abc\"", "the number 1.5"): bounded, whatever the value.
std::string describe(const json& j);

std::string base64_encode(std::string_view bytes);
/// Throws InvalidArgumentError (with `path`) on bad input.
std::string base64_decode(std::string_view text, const std::string& path);

/// A strict view of one JSON object: typed getters that name the path on
/// error, and finish() that rejects fields nobody asked for.
class ObjectReader {
 public:
  ObjectReader(const json& j, std::string path);
  const json* find(const char* key);
  const json& require(const char* key);
  std::string field_path(const char* key) const { return path_ + "/" + key; }
  const std::string& path() const { return path_; }

  std::string string(const char* key);
  std::string string_or(const char* key, std::string fallback);
  bool boolean_or(const char* key, bool fallback);
  std::int64_t integer(const char* key, std::int64_t min, std::int64_t max);
  std::optional<std::int64_t> optional_integer(const char* key, std::int64_t min, std::int64_t max);
  Date date(const char* key);
  std::optional<Date> optional_date(const char* key);
  /// Throws naming the first key that was never read.
  void finish() const;

 private:
  const json& j_;
  std::string path_;
  std::vector<std::string> seen_;
};

std::int64_t integer_at(const json& j, const std::string& path, std::int64_t min, std::int64_t max);
std::string string_at(const json& j, const std::string& path);

/// An enumeration value (code, English name or Danish label), the error naming `path`.
template <class E>
E enum_at(const json& j, const std::string& path) {
  if (!j.is_string()) throw InvalidArgumentError("expected a " + std::string(enum_name<E>()) + " string", path);
  try {
    return parse<E>(j.get_ref<const std::string&>());
  } catch (const InvalidArgumentError& e) {
    throw InvalidArgumentError(e.what(), path);
  }
}

}  // namespace klik::detail
