#pragma once
/// @file store.hpp
/// @brief The storage interface the rest of klik depends on, and the world
/// view a store hands to readers.
///
/// A Store owns one KLIK world. Readers take a Snapshot: a consistent view that
/// holds a shared lock for its lifetime, so any number of readers run at once
/// and a writer waits until they are done. Writers call the mutation methods;
/// each mutation is atomic (all its index updates or none) and bumps the
/// changed object's version (a mutation that changes nothing writes nothing). Implementations: make_memory_store() (here) and
/// the SQLite store (sqlite_store.hpp), which keeps the same in-memory indexes
/// and writes every mutation through to disk first.
///
/// Thread-safety contract (every implementation):
/// - many concurrent readers (snapshot() and the const methods), one writer at a time;
///   mutations from several threads are serialised by the store;
/// - a Snapshot must not outlive its store, and a thread must not mutate the store
///   while it holds a Snapshot (it would wait for itself);
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

#include "klik/calendar.hpp"
#include "klik/dataset.hpp"
#include "klik/deadline.hpp"
#include "klik/error.hpp"
#include "klik/model.hpp"
#include "klik/outbox.hpp"

namespace klik {

namespace detail {
class WorldIndex;
}

/// A write based on a stale version: names the fields that changed since the
/// version the writer read (in changed_fields() and in the message) (task: "status", "responsible", "performer",
/// "end_override", "latest_start_override"; user: "email", "full_name",
/// "organisation", "side", "municipality", "administrator", "memberships",
/// "password_hash"). Stores keep a short per-object log of which fields each
/// version changed; when the read version is older than that log, every field
/// is named.
class ConflictError : public Error {
 public:
  ConflictError(const std::string& message, std::vector<std::string> changed_fields)
      : Error(ErrorCode::Conflict, message), changed_fields_(std::move(changed_fields)) {}
  [[nodiscard]] const std::vector<std::string>& changed_fields() const noexcept { return changed_fields_; }

 private:
  std::vector<std::string> changed_fields_;
};

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
  [[nodiscard]] std::optional<Task> task(TaskId id) const;
  /// The project of a task (through its template).
  [[nodiscard]] std::optional<ProjectId> project_of(TaskId id) const;
  [[nodiscard]] const std::vector<RolloutWave>& waves() const noexcept;
  [[nodiscard]] std::optional<std::string> internal_notes(TaskId id) const;

  /// The index the query engine reads (private layout, src/detail).
  [[nodiscard]] const detail::WorldIndex& index() const noexcept { return *index_; }

 private:
  const detail::WorldIndex* index_;
};

/// A consistent read view; holds the store's shared lock until destroyed.
class Snapshot {
 public:
  Snapshot(std::shared_lock<std::shared_mutex> lock, const detail::WorldIndex& index) noexcept
      : lock_(std::move(lock)), world_(index) {}
  [[nodiscard]] const World& world() const noexcept { return world_; }
  const World* operator->() const noexcept { return &world_; }

 private:
  std::shared_lock<std::shared_mutex> lock_;
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

/// The storage interface. Narrow on purpose: reads go through snapshot().
///
/// Every mutation takes `notify`: notifications caused by the change, recorded
/// in the outbox atomically with it (outbox.hpp). Ids of recorded notifications
/// are assigned by the store, increasing.
class Store {
 public:
  virtual ~Store() = default;
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// A consistent view for reading (shared lock).
  [[nodiscard]] virtual Snapshot snapshot() const = 0;

  /// Replaces the whole world with `data` (validated first; on error nothing changes).
  /// The last-notified colours are cleared; the outbox is kept (no committed
  /// notification is ever dropped).
  virtual void import_dataset(const Dataset& data) = 0;
  /// The whole world as plain data (attachments with their content).
  [[nodiscard]] virtual Dataset export_dataset() const = 0;

  /// Applies a task update atomically and returns the task as stored (version bumped).
  /// Throws NotFoundError, InvalidArgumentError (e.g. an assignee who cannot be
  /// assigned) or ConflictError. Only what differs is applied: an update whose
  /// every field already has the asked value changes nothing, so the task is
  /// returned as it is, its version is not bumped and nothing is recorded (not
  /// even `notify`).
  virtual Task update_task(const TaskUpdate& update, Outgoing notify = {}) = 0;

  // ---- users and local tasks ----
  //
  // Creation and change are separate calls. New ids are assigned by the store
  // under its write lock (above every id it has seen), so concurrent creations
  // never collide; nothing replaces an object by accident. Every user write
  // keeps SPEC §4.2's invariants, checked against the users as stored inside
  // the same critical section: the email stays unique (AlreadyExistsError), a
  // municipality keeps an Administrator and each of its projects a Plusbruger
  // (FailedPreconditionError, user_admin.hpp invariant_violations()). Only
  // import_dataset() loads a whole world without these checks.

  /// Creates a user; an id of 0 is assigned, a given id must be unused
  /// (AlreadyExistsError). The version is 1. Memberships must name existing
  /// projects (InvalidArgumentError). `announce` (optional) builds the
  /// notifications from the user as stored (with its id), recorded with it; it
  /// runs under the write lock and must not call the store. Returns the stored user.
  virtual User create_user(const User& user, const Announce<User>& announce = {}) = 0;
  /// Changes an existing user (NotFoundError when there is none: create_user adds
  /// users). `expected_version` as in TaskUpdate. A user equal to the stored one
  /// changes nothing (returned as stored, no new version, nothing recorded).
  /// Returns the stored user.
  virtual User put_user(const User& user, std::uint32_t expected_version = 0, Outgoing notify = {}) = 0;
  /// Removes a user and clears their assignments (tasks show "not set"; their
  /// versions are bumped). Refused (FailedPreconditionError) for the last
  /// Administrator of a municipality or the last Plusbruger of one of its projects.
  virtual void remove_user(UserId user, Outgoing notify = {}) = 0;
  /// Creates a local task under its parent; an id of 0 is assigned, a given id
  /// must be unused (AlreadyExistsError). The version is 1. `announce` as in create_user.
  virtual LocalTask create_local_task(const LocalTask& task, const Announce<LocalTask>& announce = {}) = 0;
  /// Changes an existing local task (NotFoundError when there is none). A task
  /// equal to the stored one changes nothing.
  virtual LocalTask put_local_task(const LocalTask& task, Outgoing notify = {}) = 0;
  virtual void remove_local_task(LocalTaskId id, Outgoing notify = {}) = 0;

  // ---- messages, notes, attachments ----

  /// Appends a message; an id of 0 is assigned (max + 1). Returns the stored message.
  virtual Message add_message(const Message& message, Outgoing notify = {}) = 0;
  /// Sets a task's internal notes; empty text removes them. Throws NotFoundError.
  virtual void set_internal_notes(TaskId task, const std::string& text) = 0;
  /// Stores an attachment with its content (`size` is taken from the content);
  /// an id of 0 is assigned. Returns the metadata (content left empty).
  virtual Attachment add_attachment(const Attachment& attachment, Outgoing notify = {}) = 0;
  /// Streams an attachment's content to `sink` in chunks. Throws NotFoundError.
  virtual void read_attachment(AttachmentId id, const std::function<void(std::string_view)>& sink) const = 0;
  /// An attachment's whole content.
  [[nodiscard]] std::string attachment_content(AttachmentId id) const;
  /// Attachment metadata of one task (content empty), by id.
  [[nodiscard]] virtual std::vector<Attachment> attachments(TaskId task) const = 0;

  // ---- deadline sweep state ----

  /// The last-notified colour of every task that has one, by task id.
  [[nodiscard]] virtual std::vector<std::pair<TaskId, DeadlineColour>> notified_colours() const = 0;
  /// Records a sweep: the new last-notified colours (empty clears) and its
  /// notifications, in one transaction.
  virtual void record_sweep(std::span<const std::pair<TaskId, LastNotified>> colours, Outgoing notify) = 0;

  // ---- outbox ----

  /// Records notifications on their own (no other change).
  virtual void enqueue(Outgoing notify) = 0;
  /// Undelivered notifications due at `now` (next_attempt <= now), oldest id first.
  [[nodiscard]] virtual std::vector<Notification> pending_notifications(Timestamp now, std::size_t limit) const = 0;
  /// Every notification recorded (delivered or not), by id.
  [[nodiscard]] virtual std::vector<Notification> outbox() const = 0;
  /// Marks notifications delivered, all in one transaction.
  virtual void mark_delivered(std::span<const std::uint64_t> ids) = 0;
  /// Counts a failed attempt and defers the entry to `next_attempt`.
  virtual void reschedule(std::uint64_t id, Timestamp next_attempt, const std::string& error) = 0;
};

/// An in-memory store, empty or loaded from a dataset. Tasks are judged on `calendars`.
std::unique_ptr<Store> make_memory_store(const Dataset& data = {}, Calendars calendars = {});

}  // namespace klik
