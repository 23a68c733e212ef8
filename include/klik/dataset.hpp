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
/// municipality that does not take part in the project, people assigned to a
/// task of another municipality, and so on.
std::vector<Violation> validate(const Dataset& data);

/// Throws InvalidArgumentError listing the violations when there are any.
void require_valid(const Dataset& data);

}  // namespace klik
