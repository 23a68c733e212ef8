#pragma once
/// @file workflows.hpp
/// @brief The changes people make in KLIK, done properly: checked by the
/// rights model, written to a store, and notified (SPEC §5) in the same
/// transaction through the store's outbox.
///
/// This is the layer a portal or a case system calls on behalf of a signed-in
/// user. Each call re-reads the actor from the store (rights follow the user's
/// current memberships), decides with the rights model, and then:
/// - refuses with NotFoundError when the object is not visible to the actor
///   (another municipality's task is "not found", never "forbidden"), with the
///   same text as for an id that exists nowhere (not_found() in rights.hpp);
/// - refuses with PermissionDeniedError carrying the decision's rule, reason and
///   nearest way to be allowed (user administration too);
/// - otherwise writes the change and its notifications atomically. A change is
///   rights-checked on every field it names, even at the current value; a change
///   with no effect writes nothing (no new version, no notification).
///
/// Notifications follow SPEC §5: a person made responsible or performer is told
/// (that person only); a KOMBIT message on a task goes to the project's
/// Plusbrugere in the municipality and to Standard and Light users who are its
/// responsible or performer; a municipality's message goes to the project's
/// KOMBIT contact mailbox; a KOMBIT message to a wave or project goes to its Plus
/// and Standard users; a created user, and a user added to or removed from a
/// project or given another user type, is told. Readers never get task mail.
///
/// Thread-safety: a Workflows object holds references to its store and clock
/// and is safe to use from several threads as the store is (one writer at a time
/// is serialised by the store).

#include <optional>
#include <string>

#include "klik/deadline.hpp"
#include "klik/rights.hpp"
#include "klik/store.hpp"
#include "klik/workflows_sweep.hpp"

namespace klik {

/// What a user changes on a task. Unset members stay as they are.
struct TaskChange {
  TaskId task;
  std::uint32_t expected_version = 0;  ///< the version the user saw; 0 skips the check
  std::optional<TaskStatus> status{};
  std::optional<std::optional<UserId>> responsible{};  ///< a user, or nullopt inside to clear
  std::optional<std::optional<UserId>> performer{};
};

/// Finds a Danish CPR number (DDMMYY-SSSS whose first six digits are a real
/// date) in `text`: returns its position, or npos. Files must not hold personal data (SPEC §6).
std::size_t find_cpr_number(std::string_view text) noexcept;

class Workflows {
 public:
  /// Uses `store` and `clock` by reference: both must outlive this object.
  Workflows(Store& store, const Clock& clock, RightsModel rights = RightsModel::default_model());

  /// Changes status, responsible and/or performer. Each field named needs its own
  /// right (edit_status, or set_not_active for not_active; edit_responsible;
  /// edit_performer), also when it names the current value; a new assignee must
  /// be assignable on the project. The new responsible and performer are notified
  /// ("task.assigned"). Fields at their current value are not written: a change
  /// with no effect returns the task as it is (same version, no notification).
  Task change_task(UserId actor, const TaskChange& change);

  /// A message on a KLIK task (write_message), routed by the author's side.
  Message write_message(UserId actor, TaskId task, const std::string& text);

  /// A KOMBIT message to a whole project, or to one of its rollout waves.
  Message broadcast(UserId actor, ProjectId project, std::optional<WaveId> wave, const std::string& text);

  /// Reads (view_internal_notes) and writes (edit_internal_notes) a task's internal notes.
  [[nodiscard]] std::string internal_notes(UserId actor, TaskId task) const;
  void set_internal_notes(UserId actor, TaskId task, const std::string& text);

  /// Attaches a file (add_file). Refused with InvalidArgumentError when its text
  /// holds a CPR number; nothing is stored then.
  Attachment add_file(UserId actor, TaskId task, const std::string& file_name, const std::string& media_type,
                      const std::string& content);

  /// Creates a local task under a KLIK task (create_local_task). Its id must be
  /// 0 (InvalidArgumentError otherwise): the store assigns it under its write
  /// lock. Its responsible and performer are notified.
  LocalTask create_local_task(UserId actor, LocalTask task);

  /// Creates a user (SPEC §4.2 rules, user_admin.hpp). The id must be 0
  /// (InvalidArgumentError otherwise): the store assigns it under its write lock,
  /// where it also re-checks the email. The new user is notified ("user.created",
  /// with a link to set a password).
  User create_user(UserId actor, User proposed);
  /// Adds the user to a project, changes their type there, or (nullopt) removes
  /// them from it; their assignments there are cleared when they can no longer
  /// hold them. The user is notified. The last Administrator and Plusbruger rules
  /// are re-checked by the store under its write lock (FailedPreconditionError).
  User set_user_type(UserId actor, UserId user, ProjectId project, std::optional<UserType> type);
  /// Deletes a user; their assignments are cleared, their messages stay. Refused
  /// for a municipality's last Administrator or a project's last Plusbruger there.
  void delete_user(UserId actor, UserId user);

  [[nodiscard]] const RightsModel& rights() const noexcept { return rights_; }

 private:
  Store& store_;
  const Clock& clock_;
  RightsModel rights_;
};

}  // namespace klik
