#pragma once
/// @file json.hpp
/// @brief JSON for every entity and for whole datasets (docs/json.md,
/// docs/dataset.schema.json).
///
/// Reading is strict: a malformed or incomplete document throws
/// InvalidArgumentError whose where() is the JSON path of the problem
/// ("/tasks/3/status") and whose message says what was wrong. Unknown fields
/// are errors too, so a typo never silently drops data. Reading a dataset
/// builds a new value and validates it as a whole before returning it, so
/// nothing is ever half-imported.

#include <string>
#include <string_view>

#include "klik/dataset.hpp"
#include "klik/model.hpp"

namespace klik {

/// Serialises one entity or a dataset. `indent` < 0 gives compact JSON.
std::string to_json(const Municipality& v, int indent = -1);
std::string to_json(const Project& v, int indent = -1);
std::string to_json(const RolloutWave& v, int indent = -1);
std::string to_json(const TaskTemplate& v, int indent = -1);
std::string to_json(const Task& v, int indent = -1);
std::string to_json(const LocalTask& v, int indent = -1);
std::string to_json(const User& v, int indent = -1);
std::string to_json(const Message& v, int indent = -1);
std::string to_json(const Attachment& v, int indent = -1);
std::string to_json(const InternalNote& v, int indent = -1);
std::string to_json(const Dataset& v, int indent = -1);

/// Parses one entity (T is any type to_json accepts). Throws InvalidArgumentError.
template <class T>
T from_json(std::string_view text);

/// The format version written into exported datasets ("format": "klik-dataset/1").
inline constexpr std::string_view dataset_format = "klik-dataset/1";

}  // namespace klik
