#pragma once
/// @file dataset.hpp
/// @brief A whole KLIK world as plain vectors: what import, export and the
/// generator exchange, and what stores are loaded from.

#include <string>
#include <vector>

#include "klik/model.hpp"

namespace klik {

/// Every entity of one KLIK installation. Plain data; `validate()` checks that
/// it is consistent (unique ids and emails, references that resolve).
struct Dataset {
  std::vector<Municipality> municipalities;
  std::vector<Project> projects;
  std::vector<RolloutWave> waves;
  std::vector<TaskTemplate> templates;
  std::vector<Task> tasks;
  std::vector<LocalTask> local_tasks;
  std::vector<User> users;
  std::vector<Message> messages;
  std::vector<Attachment> attachments;
  std::vector<InternalNote> internal_notes;
  /// Account records (password hashes, reset links, throttling), by user id.
  /// Only in backups: Store::export_dataset() leaves them out unless asked.
  std::vector<Credentials> credentials;
  friend bool operator==(const Dataset&, const Dataset&) = default;
};

/// One problem found in a Dataset, with the JSON path of the offending value
/// (e.g. "/tasks/17/responsible").
struct Violation {
  std::string path;
  std::string message;
  friend bool operator==(const Violation&, const Violation&) = default;
};

/// Every consistency problem of `data` (empty when it is consistent): duplicate
/// ids or emails, references to missing objects, a municipality user without a
/// municipality, a template with both or neither of latest start and duration,
/// latest start after end, phase/theme outside the project's lists, a task of a
/// municipality that does not take part in the project (allowed only not
/// active: it left the project), a wave member that does not take part in the
/// wave's project or is in another wave of it, people assigned to a task of
/// another municipality, and so on.
std::vector<Violation> validate(const Dataset& data);

[[noreturn]] void throw_violation(const Violation& v);

/// Throws InvalidArgumentError listing the violations when there are any.
void require_valid(const Dataset& data);

/// The checks of one entity on its own, before any cross-reference: every text
/// field is valid UTF-8 (the violation names the byte offset) and every
/// enumeration holds one of its enumerators. validate(Dataset) runs them on
/// every entity; stores run them on each object a mutation writes. Paths are
/// `path` + "/field".
void check_fields(const Municipality& v, const std::string& path, std::vector<Violation>& out);
void check_fields(const Project& v, const std::string& path, std::vector<Violation>& out);
void check_fields(const RolloutWave& v, const std::string& path, std::vector<Violation>& out);
void check_fields(const TaskTemplate& v, const std::string& path, std::vector<Violation>& out);
void check_fields(const Task& v, const std::string& path, std::vector<Violation>& out);
void check_fields(const LocalTask& v, const std::string& path, std::vector<Violation>& out);
void check_fields(const User& v, const std::string& path, std::vector<Violation>& out);
void check_fields(const Message& v, const std::string& path, std::vector<Violation>& out);
void check_fields(const Attachment& v, const std::string& path, std::vector<Violation>& out);
void check_fields(const InternalNote& v, const std::string& path, std::vector<Violation>& out);
/// A password hash: printable ASCII, at most 512 bytes (libsodium's own strings
/// are about 100); a reset-token hash: empty or 64 lower-case hex digits.
void check_fields(const Credentials& v, const std::string& path, std::vector<Violation>& out);

/// check_fields for one entity, throwing InvalidArgumentError on the first problem
/// (where() is the field's name, e.g. "email").
template <class T>
void require_valid_fields(const T& v) {
  std::vector<Violation> out;
  check_fields(v, "", out);
  if (!out.empty()) throw_violation(out.front());
}

/// Throws InvalidArgumentError(v.message, v.path without its leading '/').
[[noreturn]] void throw_violation(const Violation& v);

}  // namespace klik
