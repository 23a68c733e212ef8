#pragma once
/// @file workflows.hpp
/// @brief The changes people make in KLIK, done properly: checked by the
/// rights model, written to a store, and notified (the manual's Tabel 3 and Tabel 4) in the same
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
/// Notifications follow the manual's Tabel 3 and Tabel 4: a person made responsible or performer is told
/// (that person only); a KOMBIT message on a task goes to the project's
/// Plusbrugere in the municipality and to Standard and Light users who are its
/// responsible or performer; a municipality's message goes to the project's
/// KOMBIT contact mailbox; a KOMBIT message to a wave or project goes to its Plus
/// and Standard users; a created user, and a user added to or removed from a
/// project or given another user type, is told. Readers never get task mail.
/// That is the default routing: the recipients of every event come from the
/// NotificationRouting given (routing.hpp), which can be overridden like the
/// rights model and never reaches anyone who may not see the object.
///
/// Thread-safety: a Workflows object holds references to its store and clock
/// and is safe to use from several threads as the store is (one writer at a time
/// is serialised by the store).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "klik/deadline.hpp"
#include "klik/rights.hpp"
#include "klik/routing.hpp"
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

/// What a user changes on a local task. Unset members stay as they are.
struct LocalTaskChange {
  LocalTaskId task;
  std::uint32_t expected_version = 0;  ///< the version the user saw; 0 skips the check
  std::optional<std::string> title{};
  std::optional<std::string> description{};
  std::optional<Date> end{};
  std::optional<TaskStatus> status{};  ///< not started, started or completed (never not active)
  std::optional<std::optional<UserId>> responsible{};
  std::optional<std::optional<UserId>> performer{};
};

/// What changes in a user's details (Administrér eksisterende brugere). Unset members stay.
struct UserDetailsChange {
  UserId user;
  std::uint32_t expected_version = 0;  ///< the version the editor saw; 0 skips the check
  std::optional<std::string> full_name{};
  std::optional<std::string> email{};
  std::optional<std::string> organisation{};
};

/// One page of a task's message thread.
struct MessagePage {
  std::vector<Message> messages;  ///< oldest first
  std::size_t offset = 0;  ///< of the first message here, in the whole thread
  std::size_t total = 0;  ///< messages in the whole thread
};

/// Finds a Danish CPR number (DDMMYY-SSSS whose first six digits are a real
/// date) in `text`: returns its position, or npos. Files must not hold personal
/// data (the manual's "Tilføj en fil til en opgave").
std::size_t find_cpr_number(std::string_view text) noexcept;

class Workflows {
 public:
  /// Uses `store` and `clock` by reference: both must outlive this object.
  /// `routing` decides who is told about what (routing.hpp; the manual's Tabel 3 and Tabel 4 by default).
  Workflows(Store& store, const Clock& clock, RightsModel rights = RightsModel::default_model(),
            NotificationRouting routing = NotificationRouting::default_routing());

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

  // ---- the municipality's side: reading, files, local tasks (workflows.md) ----

  /// A task's message thread as its viewers read it (view_task), oldest first:
  /// the messages on the task (KOMBIT's and the municipality's) and KOMBIT's
  /// broadcasts to its project or to a rollout wave its municipality is in
  /// (World::thread). `limit` is 1..1000 (InvalidArgumentError otherwise); an
  /// offset past the end gives an empty page.
  [[nodiscard]] MessagePage messages(UserId actor, TaskId task, std::size_t offset = 0, std::size_t limit = 50) const;

  /// A task's files (view_task), metadata only, by id.
  [[nodiscard]] std::vector<Attachment> files(UserId actor, TaskId task) const;
  /// Streams a file's content to `sink` in chunks (view_task on its task). A file
  /// on a task the actor may not see is "attachment not found", as a missing one.
  void read_file(UserId actor, AttachmentId file, const std::function<void(std::string_view)>& sink) const;
  /// Deletes a file and its content (delete_file on its task: who may add files
  /// there, and KOMBIT's implementation managers and administrator).
  void delete_file(UserId actor, AttachmentId file);

  /// Changes a local task. Title, description and end date need edit_local_task;
  /// status edit_status; responsible and performer edit_responsible /
  /// edit_performer (each on the local task, whose rights follow its parent's
  /// project) and a new person be_assigned on the parent. Completing it is a
  /// change of status to completed. New people are notified ("task.assigned").
  /// Fields at their current value are not written (no new version).
  LocalTask change_local_task(UserId actor, const LocalTaskChange& change);
  /// Deletes a local task (edit_local_task). `expected_version` as in LocalTaskChange.
  void delete_local_task(UserId actor, LocalTaskId task, std::uint32_t expected_version = 0);

  // ---- users ----

  /// Changes a user's name, email or organisation: one's own (own_profile), or
  /// another's within user administration (edit_user: an Administrator for the
  /// users of their municipality, a Plusbruger for users of their projects). The
  /// email stays unique (AlreadyExistsError). A change with no effect writes nothing.
  User edit_user(UserId actor, const UserDetailsChange& change);
  /// Grants or revokes the Administrator flag (grant_administrator). Revoking the
  /// municipality's last Administrator is refused (FailedPreconditionError).
  User set_administrator(UserId actor, UserId user, bool administrator);
  /// Chooses whether deadline changes reach the user as one mail a day
  /// (User::daily_digest): the user themself (own_profile), or whoever may edit
  /// the user's details (edit_user). A change with no effect writes nothing.
  User set_daily_digest(UserId actor, UserId user, bool daily_digest);

  /// Creates a user (the user-administration rules, docs/rights.md, user_admin.hpp). The id must be 0
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

  // ---- history (the audit journal, journal.hpp) ----

  /// A task's history, newest first, for those who may see the task (view_task;
  /// "task not found" otherwise): the journal entries that changed the task
  /// record, and for those who may read its internal notes (view_internal_notes)
  /// the entries that changed them. Each entry holds only those objects (an
  /// entry that also changed a user shows the task alone). `limit` is 1..1000.
  [[nodiscard]] std::vector<JournalEntry> task_history(UserId actor, TaskId task, std::size_t limit = 100) const;
  /// A user's history, newest first, for those who may see the user (view_user;
  /// "user not found" otherwise): changes to the user record and to their
  /// account (password set, reset link sent, failed logins -- never a hash).
  /// `limit` is 1..1000.
  [[nodiscard]] std::vector<JournalEntry> user_history(UserId actor, UserId user, std::size_t limit = 100) const;

  [[nodiscard]] const RightsModel& rights() const noexcept { return rights_; }
  [[nodiscard]] const NotificationRouting& routing() const noexcept { return routing_; }

 private:
  Store& store_;
  const Clock& clock_;
  RightsModel rights_;
  NotificationRouting routing_;
};

}  // namespace klik
