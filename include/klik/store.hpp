#pragma once
/// @file store.hpp
/// @brief The storage interface the rest of klik depends on, and the world
/// view a store hands to readers.
///
/// A Store owns one KLIK world. Readers take a Snapshot: a consistent view that
/// holds a shared lock for its lifetime, so any number of readers run at once
/// and a writer waits until they are done. Writers call the mutation methods;
/// each mutation is atomic (all its index updates or none) and bumps the
/// changed object's version (a mutation that changes nothing writes nothing).
/// Where the data lives is a Backend (backend.hpp): make_memory_store() (here),
/// SQLite (sqlite_store.hpp), PostgreSQL, or one of your own.
///
/// Thread-safety:
/// - many concurrent readers (snapshot() and the const methods), one writer at a time;
///   mutations from several threads are serialised by the store;
/// - a Snapshot must not outlive its store. A thread that holds a Snapshot may
///   read the store again (its reads share the snapshot's lock and state), but
///   its writes, refresh() and close() throw FailedPreconditionError: they would
///   wait for the snapshot, that is for the thread itself;
/// - values returned by copy (Task, User, ...) are the caller's; references
///   obtained through a Snapshot are valid while that Snapshot lives.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "klik/backend.hpp"
#include "klik/calendar.hpp"
#include "klik/dataset.hpp"
#include "klik/deadline.hpp"
#include "klik/error.hpp"
#include "klik/journal.hpp"
#include "klik/model.hpp"
#include "klik/notification.hpp"

namespace klik {

namespace detail {
class WorldIndex;
}

/// The read side of a world: the catalogue (municipalities, projects,
/// templates, users, local tasks) and the task index. Obtained from a Snapshot.
class World {
 public:
  explicit World(const detail::WorldIndex& index) noexcept : index_(&index) {}

  [[nodiscard]] std::size_t task_count() const noexcept;
  [[nodiscard]] std::size_t local_task_count() const noexcept;
  [[nodiscard]] const std::vector<Municipality>& municipalities() const noexcept;
  [[nodiscard]] const std::vector<Project>& projects() const noexcept;
  [[nodiscard]] const Calendars& calendars() const noexcept;

  [[nodiscard]] const Project* project(ProjectId id) const noexcept;
  /// By exact name.
  [[nodiscard]] const Project* project_by_name(std::string_view name) const noexcept;
  [[nodiscard]] const Municipality* municipality(MunicipalityId id) const noexcept;
  [[nodiscard]] const TaskTemplate* task_template(TemplateId id) const noexcept;
  [[nodiscard]] const User* user(UserId id) const noexcept;
  /// By email, compared as normalise_email does.
  [[nodiscard]] const User* user_by_email(std::string_view email) const noexcept;
  [[nodiscard]] std::vector<const User*> users() const;
  [[nodiscard]] const LocalTask* local_task(LocalTaskId id) const noexcept;
  /// The local tasks under a KLIK task, by id (no rights checked: a host filters them
  /// with view_task on local_task_facts, as the PDF export does).
  [[nodiscard]] std::vector<const LocalTask*> local_tasks(TaskId parent) const;
  [[nodiscard]] std::optional<Task> task(TaskId id) const;
  /// The project of a task (through its template).
  [[nodiscard]] std::optional<ProjectId> project_of(TaskId id) const;
  [[nodiscard]] const std::vector<RolloutWave>& waves() const noexcept;
  [[nodiscard]] std::optional<std::string> internal_notes(TaskId id) const;
  /// An attachment's metadata (its content is read through the Store), or null.
  [[nodiscard]] const Attachment* attachment(AttachmentId id) const noexcept;
  /// A task's attachments (metadata), by id.
  [[nodiscard]] std::vector<const Attachment*> attachments(TaskId task) const;
  /// A task's message thread, oldest first (by time, then id): the messages on the
  /// task, and KOMBIT's broadcasts to its project or to a rollout wave of that
  /// project that its municipality is in. Empty for an unknown task.
  [[nodiscard]] std::vector<const Message*> thread(TaskId task) const;

  /// The index the query engine reads (private layout, src/detail).
  [[nodiscard]] const detail::WorldIndex& index() const noexcept { return *index_; }

 private:
  const detail::WorldIndex* index_;
};

namespace detail {
struct HeldReadLock;
}

/// A consistent read view; holds the store's shared lock until destroyed (the
/// last Snapshot of it, when a thread takes several: they share one lock).
/// While a Snapshot taken on a thread lives, that thread's reads of the same
/// store (another snapshot, export_dataset, journal, ...) share its lock and
/// see the same state, and its writes throw FailedPreconditionError instead of
/// waiting for themselves.
class Snapshot {
 public:
  Snapshot(Snapshot&&) noexcept = default;
  Snapshot& operator=(Snapshot&&) noexcept = default;
  ~Snapshot();
  [[nodiscard]] const World& world() const noexcept { return world_; }
  const World* operator->() const noexcept { return &world_; }

 private:
  friend class Store;
  Snapshot(std::shared_ptr<detail::HeldReadLock> lock, const detail::WorldIndex& index) noexcept;

  std::shared_ptr<detail::HeldReadLock> lock_;
  World world_;
};

/// A change to one task's municipal fields. Unset members are left as they are.
struct TaskUpdate {
  TaskId task;
  /// The version the writer read; 0 skips the check. A mismatch throws ConflictError.
  std::uint32_t expected_version = 0;
  std::optional<TaskStatus> status{};
  std::optional<std::optional<UserId>> responsible{};  ///< set to nullopt-in-optional to clear
  std::optional<std::optional<UserId>> performer{};
  std::optional<std::optional<Date>> end_override{};
  std::optional<std::optional<Date>> latest_start_override{};
};

/// Builds the notifications of a creation from the object as it will be stored
/// (its new id assigned). Stores call it under their write lock.
template <class T>
using Announce = std::function<std::vector<Notification>(const T&)>;

/// The last deadline colour notified for a task (empty: never swept).
using LastNotified = std::optional<DeadlineColour>;

/// One KLIK world: in-memory indexes for reading, written through a Backend.
///
/// The Store owns everything that makes a write correct, whatever the backend:
/// the locks, validation, the user-administration invariants (docs/rights.md), version checks, and the order
/// of a write (check, then commit through the backend, then change the indexes,
/// so a reader never sees a change that is not durable and a failed write
/// changes nothing). The backend (backend.hpp) only makes changes durable.
///
/// Several stores may share one database (one per process): each catches up
/// with the others' commits before a snapshot and before each write, and a
/// write based on a state another store has changed is retried on the new
/// state (or refused with ConflictError when it named a version).
///
/// Every mutation takes `notify`: notifications caused by the change, recorded
/// in the outbox atomically with it (outbox.hpp). Ids of recorded notifications
/// are assigned by the backend, increasing.
class Store {
 public:
  /// A store over `backend`: loads everything from it (validating what the
  /// backend has not validated itself). Tasks are judged on `calendars`.
  explicit Store(std::unique_ptr<Backend> backend, Calendars calendars = {});
  virtual ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// A consistent view for reading (shared lock). Catches up with changes other
  /// stores committed to the same database first.
  [[nodiscard]] Snapshot snapshot() const;

  /// Replaces the whole world with `data` (validated first; on error nothing changes).
  /// The last-notified colours are cleared; the outbox is kept (no committed
  /// notification is ever dropped).
  void import_dataset(const Dataset& data, const Attribution& by = {});
  /// The whole world as plain data (attachments with their content). Account
  /// records (password hashes) only when `with_credentials`: a backup asks for
  /// them explicitly; every other export leaves them out.
  [[nodiscard]] Dataset export_dataset(bool with_credentials = false) const;

  /// Applies a task update atomically and returns the task as stored (version bumped).
  /// Throws NotFoundError, InvalidArgumentError (e.g. an assignee who cannot be
  /// assigned) or ConflictError. Only what differs is applied: an update whose
  /// every field already has the asked value changes nothing, so the task is
  /// returned as it is, its version is not bumped and nothing is recorded (not
  /// even `notify`).
  Task update_task(const TaskUpdate& update, Outgoing notify = {}, const Attribution& by = {});

  // ---- users and local tasks ----
  //
  // Creation and change are separate calls. New ids are assigned by the store
  // under its write lock (above every id it has seen), so concurrent creations
  // never collide; nothing replaces an object by accident. Every user write
  // keeps the user-administration invariants (docs/rights.md), checked against the users as stored inside
  // the same critical section: the email stays unique (AlreadyExistsError), a
  // municipality keeps an Administrator and each of its projects a Plusbruger
  // (FailedPreconditionError, user_admin.hpp invariant_violations()). Only
  // import_dataset() loads a whole world without these checks.

  /// Creates a user; an id of 0 is assigned, a given id must be unused
  /// (AlreadyExistsError). The version is 1. Memberships must name existing
  /// projects (InvalidArgumentError). `announce` (optional) builds the
  /// notifications from the user as stored (with its id), recorded with it; it
  /// runs under the write lock and must not call the store. Returns the stored user.
  User create_user(const User& user, const Announce<User>& announce = {}, const Attribution& by = {});
  /// create_user with the new user's account record (`account.user` is set to
  /// the new id) written in the same transaction: Workflows::create_user stores
  /// the hash of the "set your password" link's token this way.
  User create_user(const User& user, const Announce<User>& announce, const Credentials& account,
                   const Attribution& by = {});
  /// Changes an existing user (NotFoundError when there is none: create_user adds
  /// users). `expected_version` as in TaskUpdate. A user equal to the stored one
  /// changes nothing (returned as stored, no new version, nothing recorded).
  /// Returns the stored user.
  User put_user(const User& user, std::uint32_t expected_version = 0, Outgoing notify = {}, const Attribution& by = {});
  /// Removes a user and clears their assignments (tasks show "not set"; their
  /// versions are bumped). Refused (FailedPreconditionError) for the last
  /// Administrator of a municipality or the last Plusbruger of one of its projects.
  void remove_user(UserId user, Outgoing notify = {}, const Attribution& by = {});
  /// Creates a local task under its parent; an id of 0 is assigned, a given id
  /// must be unused (AlreadyExistsError). The version is 1. `announce` as in create_user.
  LocalTask create_local_task(const LocalTask& task, const Announce<LocalTask>& announce = {},
                              const Attribution& by = {});
  /// Changes an existing local task (NotFoundError when there is none). A task
  /// equal to the stored one changes nothing. `expected_version` as in TaskUpdate
  /// (ConflictError; local tasks keep no field log, so it names no fields).
  LocalTask put_local_task(const LocalTask& task, std::uint32_t expected_version = 0, Outgoing notify = {},
                           const Attribution& by = {});
  /// Removes a local task. `expected_version` as in put_local_task.
  void remove_local_task(LocalTaskId id, std::uint32_t expected_version = 0, Outgoing notify = {},
                         const Attribution& by = {});

  // ---- account records (accounts.hpp) ----

  /// A user's account record; a default one (no password) when none is stored.
  /// Throws NotFoundError for an unknown user. Not part of a Snapshot's World on
  /// purpose: readers never see password hashes.
  [[nodiscard]] Credentials credentials(UserId user) const;
  /// Changes a user's account record atomically: `change` gets the record as
  /// stored and returns the new one, or nullopt to write nothing (then `notify`
  /// is not recorded either). It runs under the write lock, so a read-modify-
  /// write (a failed-login count) never loses an update; it must be quick (no
  /// password hashing) and must not call the store. The record's `user` stays
  /// `user`. Returns the record as stored. Throws NotFoundError for an unknown user.
  Credentials update_credentials(UserId user,
                                 const std::function<std::optional<Credentials>(const Credentials&)>& change,
                                 Outgoing notify = {}, const Attribution& by = {});

  // ---- KOMBIT's catalogue: projects, rollout waves, task templates ----
  //
  // What KOMBIT publishes (publishing.hpp checks rights and builds the
  // notifications). Each call is one atomic write with the tasks it creates or
  // changes; new ids (projects, waves, templates, tasks) are assigned by the
  // store under its write lock, above every id it has seen. A call whose
  // object equals the stored one changes nothing (nothing recorded).

  /// Creates a project; an id of 0 is assigned, a given id must be unused
  /// (AlreadyExistsError). Its name must be unique and non-empty, its
  /// participants known municipalities, each once. A new project has no
  /// templates, so no tasks. Returns the stored project.
  Project create_project(const Project& project, const Announce<Project>& announce = {}, const Attribution& by = {});
  /// Changes a project (NotFoundError when there is none). Phases and themes
  /// may grow, not drop below what a template uses. A municipality that joins
  /// gets one task per template of the project it lacks (not started, or not
  /// active for a withdrawn template: one whose instances are all not active).
  /// A municipality that leaves keeps its tasks, made not active; its users'
  /// memberships of the project are removed with their assignments there (user administration,
  /// docs/rights.md), and it leaves the project's waves.
  Project put_project(const Project& project, Outgoing notify = {}, const Attribution& by = {});
  /// Creates a rollout wave; an id of 0 is assigned. Its members must take part
  /// in its project, and a municipality is in at most one wave per project
  /// (InvalidArgumentError). Its shift applies at once (deadline.hpp, effective_schedule).
  RolloutWave create_wave(const RolloutWave& wave, const Announce<RolloutWave>& announce = {},
                          const Attribution& by = {});
  /// Changes a wave's name, members or shift (within ±1000 working days;
  /// NotFoundError when there is none; a wave stays in its project). One atomic
  /// step for every task it moves (no task row or version changes: the dates
  /// follow from the wave).
  RolloutWave put_wave(const RolloutWave& wave, Outgoing notify = {}, const Attribution& by = {});
  /// Publishes a template (validate_template; phase and theme of its project): an
  /// id of 0 is assigned, and one task per participating municipality is created
  /// with it (ids assigned, not started, version 1). Returns the stored template.
  TaskTemplate publish_template(const TaskTemplate& tpl, const Announce<TaskTemplate>& announce = {},
                                const Attribution& by = {});
  /// Changes a template's text or dates (NotFoundError when there is none; it
  /// stays in its project). Every instance follows (no task version changes).
  TaskTemplate put_template(const TaskTemplate& tpl, Outgoing notify = {}, const Attribution& by = {});
  /// Withdraws a template: every instance not yet not active becomes not active
  /// (versions bumped). Returns the instances changed.
  std::vector<Task> withdraw_template(TemplateId id, Outgoing notify = {}, const Attribution& by = {});

  // ---- messages, notes, attachments ----

  /// Appends a message; an id of 0 is assigned (max + 1). Returns the stored message.
  Message add_message(const Message& message, Outgoing notify = {}, const Attribution& by = {});
  /// Sets a task's internal notes; empty text removes them. Throws NotFoundError.
  void set_internal_notes(TaskId task, const std::string& text, const Attribution& by = {});
  /// Stores an attachment with its content (`size` is taken from the content);
  /// an id of 0 is assigned. Returns the metadata (content left empty).
  Attachment add_attachment(const Attachment& attachment, Outgoing notify = {}, const Attribution& by = {});
  /// Deletes an attachment and its content. Throws NotFoundError.
  void remove_attachment(AttachmentId id, Outgoing notify = {}, const Attribution& by = {});
  /// Streams an attachment's content to `sink` in chunks. Throws NotFoundError.
  void read_attachment(AttachmentId id, const std::function<void(std::string_view)>& sink) const;
  /// An attachment's whole content.
  [[nodiscard]] std::string attachment_content(AttachmentId id) const;
  /// Attachment metadata of one task (content empty), by id.
  [[nodiscard]] std::vector<Attachment> attachments(TaskId task) const;

  // ---- deadline sweep state ----

  /// The last-notified colour of every task that has one, by task id.
  [[nodiscard]] std::vector<std::pair<TaskId, DeadlineColour>> notified_colours() const;
  /// The same for local tasks, by local task id.
  [[nodiscard]] std::vector<std::pair<LocalTaskId, DeadlineColour>> notified_local_colours() const;
  /// Records a sweep: the new last-notified colours of tasks and local tasks
  /// (empty clears) and its notifications, in one transaction.
  void record_sweep(std::span<const std::pair<TaskId, LastNotified>> colours, Outgoing notify,
                    std::span<const std::pair<LocalTaskId, LastNotified>> local_colours = {},
                    const Attribution& by = {});

  // ---- outbox ----

  /// Records notifications on their own (no other change).
  void enqueue(Outgoing notify, const Attribution& by = {});
  /// Undelivered notifications due at `now` (next_attempt <= now), oldest id
  /// first; never a dead letter.
  [[nodiscard]] std::vector<Notification> pending_notifications(Timestamp now, std::size_t limit) const;
  /// Every notification recorded (delivered, pending or dead letter), by id.
  [[nodiscard]] std::vector<Notification> outbox() const;
  /// Marks notifications delivered, all in one transaction.
  void mark_delivered(std::span<const std::uint64_t> ids);
  /// Counts a failed attempt and defers the entry to `next_attempt`.
  void reschedule(std::uint64_t id, Timestamp next_attempt, const std::string& error);
  /// Counts a failed attempt and gives the entry up: a dead letter with `error`
  /// as its last_error, in one transaction. NotFoundError for an unknown id.
  void give_up(std::uint64_t id, const std::string& error);
  /// An operator's retry of dead letters: pending again, due at `next_attempt`,
  /// attempts reset to 0 (the dispatcher gives them a full round of
  /// max_attempts again), last_error kept until the next failure. All in one
  /// transaction, or none: NotFoundError for an unknown id,
  /// FailedPreconditionError for an id that is not a dead letter.
  void requeue(std::span<const std::uint64_t> ids, Timestamp next_attempt);
  /// Up to `limit` dead letters, oldest id first.
  [[nodiscard]] std::vector<Notification> dead_letters(std::size_t limit) const;
  /// The outbox counted by state at `now` (pending, due, dead, delivered);
  /// index counts in the SQL backends, cheap enough for a metrics endpoint.
  [[nodiscard]] OutboxCounts outbox_counts(Timestamp now) const;

  // ---- the audit journal (journal.hpp) ----
  //
  // Every mutation above takes `by`: who makes it, through which operation and
  // when. The store builds the journal entry (the objects before and after)
  // and the backend writes it in the same transaction as the change.

  /// Journal entries meeting `query`, newest first, up to the last change this
  /// store has applied. No rights are checked here: Workflows::task_history and
  /// user_history show a history to those who may see it.
  [[nodiscard]] std::vector<JournalEntry> journal(const JournalQuery& query = {}) const;
  /// The retention policy's one operation: deletes the entries older than
  /// `before` and records that the journal was cut there. Nothing is pruned
  /// otherwise. Returns how many entries were deleted.
  std::size_t prune_journal(Timestamp before);
  /// The world as it was at `when`: a read-only store (its writes throw
  /// FailedPreconditionError) answering every query a live one does, built from
  /// this store's state by undoing its newest changes while they are stamped
  /// after `when` (so the view is the world after the newest change stamped at
  /// or before it, a state the world was really in). Read its
  /// colours on the day you ask about (the `today` of a query). It holds no
  /// file content, outbox or last-notified colours: its export_dataset lists
  /// the files as they were with empty content, and reading a file's content
  /// from it throws FailedPreconditionError (read it from the live store). Throws
  /// FailedPreconditionError when the journal does not reach back to `when`
  /// (an import, a prune or the journal's start lies after it).
  [[nodiscard]] std::unique_ptr<Store> as_of(Timestamp when) const;

  // ---- several stores on one database ----

  /// Applies the changes other stores committed since this one last looked, as
  /// its own writes would have (snapshot() and every write do this first).
  /// Returns how many were applied (a reload counts as one).
  std::size_t refresh();
  /// The number of the last change this store has applied (backend.hpp).
  [[nodiscard]] std::uint64_t sequence() const;

  /// Closes the backend (SQLite: checkpoints the log and closes the file).
  /// Later calls throw FailedPreconditionError. No Snapshot may be alive. Idempotent.
  void close();
  [[nodiscard]] bool closed() const noexcept;

 protected:
  /// The backend, for subclasses that add backend-specific calls.
  [[nodiscard]] Backend& backend() const;

 private:
  struct Core;
  std::unique_ptr<Core> core_;
};

/// A backend that keeps nothing beyond the process (the outbox and attachment
/// content in memory), for one store.
std::unique_ptr<Backend> make_memory_backend();

/// An in-memory store, empty or loaded from a dataset. Tasks are judged on `calendars`.
std::unique_ptr<Store> make_memory_store(const Dataset& data = {}, Calendars calendars = {});

}  // namespace klik
