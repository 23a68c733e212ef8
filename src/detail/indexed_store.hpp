#pragma once
// Private: the Store logic shared by the memory and the SQLite store.
//
// Every mutation runs under the write lock in three steps: validate against the
// in-memory indexes (throwing before anything changes), persist() the change
// with its notifications (the SQLite store writes one transaction and commits;
// the memory store appends to its outbox), then apply it to the indexes. So a
// reader never sees a change that is not durable, and a failed write leaves
// both disk and memory as they were.

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "detail/world_index.hpp"
#include "klik/rights.hpp"  // not_found(): the one not-found error per kind
#include "klik/store.hpp"

namespace klik::detail {

/// One validated change, as persist() receives it.
struct Change {
  enum class Kind {
    Task, UserPut, UserRemove, LocalPut, LocalRemove, Message, Notes, Attachment, Sweep, Enqueue
  } kind = Kind::Enqueue;
  std::vector<Task> tasks;          // Task: the task after; UserRemove: tasks whose assignments were cleared
  std::uint32_t mask = 0;           // Task / UserPut: changed fields
  std::vector<std::uint32_t> task_masks;  // UserRemove: the changed fields of each of `tasks`
  User user;                        // UserPut: the user after
  UserId removed_user;
  std::vector<LocalTask> locals;    // LocalPut: the local task; UserRemove: cleared local tasks
  LocalTaskId removed_local;
  Message message;
  TaskId notes_task;
  std::string notes_text;
  const Attachment* attachment = nullptr;  // with content
  std::span<const std::pair<TaskId, LastNotified>> colours;
};

class IndexedStore : public Store {
 public:
  explicit IndexedStore(Calendars calendars) : calendars_(std::move(calendars)) {}

  Snapshot snapshot() const override;
  void import_dataset(const Dataset& data) override;
  Dataset export_dataset() const override;
  Task update_task(const TaskUpdate& update, Outgoing notify = {}) override;
  User create_user(const User& user, const Announce<User>& announce = {}) override;
  User put_user(const User& user, std::uint32_t expected_version = 0, Outgoing notify = {}) override;
  void remove_user(UserId user, Outgoing notify = {}) override;
  LocalTask create_local_task(const LocalTask& task, const Announce<LocalTask>& announce = {}) override;
  LocalTask put_local_task(const LocalTask& task, Outgoing notify = {}) override;
  void remove_local_task(LocalTaskId id, Outgoing notify = {}) override;
  Message add_message(const Message& message, Outgoing notify = {}) override;
  void set_internal_notes(TaskId task, const std::string& text) override;
  Attachment add_attachment(const Attachment& attachment, Outgoing notify = {}) override;
  std::vector<Attachment> attachments(TaskId task) const override;
  std::vector<std::pair<TaskId, DeadlineColour>> notified_colours() const override;
  void record_sweep(std::span<const std::pair<TaskId, LastNotified>> colours, Outgoing notify) override;
  void enqueue(Outgoing notify) override;

 protected:
  /// Makes `change` and `notify` durable, or throws leaving nothing changed.
  /// Called with the write lock held, after validation, before the indexes change.
  virtual void persist(const Change& change, Outgoing notify) = 0;
  /// Replaces everything durable with `data` (import); throws leaving the old data.
  virtual void persist_import(const Dataset& data) = 0;
  /// Throws when the store takes no writes at all (a read-only SQLite store).
  /// Mutations that may turn out to change nothing call it first, so such a
  /// store refuses every write call alike.
  virtual void require_writable() const {}
  /// Whether attachment content stays in the indexes (memory store) or only on disk.
  virtual bool content_in_memory() const noexcept = 0;
  /// Fills attachment content for export (stores that keep it on disk).
  virtual void load_content(Dataset&) const {}

  /// Installs a freshly loaded index (no persistence); used by loaders.
  void install(std::unique_ptr<WorldIndex> index);
  /// The same with the write lock already held.
  void install_locked(std::unique_ptr<WorldIndex> index);
  static void check_dataset(const Dataset& data);
  /// The tasks and local tasks whose assignments to `user` (on `projects`, or all
  /// when empty) a change clears, as they will be stored; task field masks alongside.
  void collect_cleared(UserId user, std::span<const ProjectId> projects, Change& c) const;
  /// The common end of create_user and put_user (write lock held): checks the
  /// user's shape, the unique email and SPEC §4.2's invariants against the users
  /// as stored, then persists and applies.
  /// `announce`, when given, builds the notifications instead of `notify`.
  User store_user(const std::optional<User>& before, const User& stored, std::uint32_t mask, Outgoing notify,
                  const Announce<User>* announce = nullptr);
  /// The common end of create_local_task and put_local_task (write lock held).
  LocalTask store_local_task(const LocalTask& stored, Outgoing notify, const Announce<LocalTask>* announce = nullptr);

  /// Writers go first: a writer takes the gate, then waits for the readers
  /// inside to leave; new readers queue at the gate meanwhile. Without it, a
  /// steady stream of readers (pthread rwlocks prefer readers) starves writers.
  struct WriteLock {
    std::unique_lock<std::mutex> gate;
    std::unique_lock<std::shared_mutex> lock;
  };
  [[nodiscard]] WriteLock write_lock() const {
    std::unique_lock gate(gate_);
    std::unique_lock lock(mutex_);
    return {std::move(gate), std::move(lock)};
  }
  [[nodiscard]] std::shared_lock<std::shared_mutex> read_lock() const {
    const std::lock_guard gate(gate_);
    return std::shared_lock(mutex_);
  }

  Calendars calendars_;
  mutable std::mutex gate_;
  mutable std::shared_mutex mutex_;
  std::unique_ptr<WorldIndex> index_ = std::make_unique<WorldIndex>();
  std::uint64_t next_message_ = 1;
  std::uint64_t next_attachment_ = 1;
  std::uint64_t next_user_ = 1;   // above every user id seen (users, message authors, uploaders)
  std::uint64_t next_local_ = 1;  // above every local task id seen
};

}  // namespace klik::detail
