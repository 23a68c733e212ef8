#pragma once
/// @file backend.hpp
/// @brief The storage seam: what a Store asks of the place its data lives.
///
/// A Store (store.hpp) keeps one KLIK world in in-memory indexes and owns
/// everything that makes a write correct: the locks, validation, the user-administration invariants (docs/rights.md),
/// version checks and the order "durable first, visible second".
/// A Backend only makes changes durable and gives them back. It sees each
/// change as a typed value (`Change` below) that the Store has already checked,
/// and commits it with its notifications in one atomic step. Implementations in
/// klik: the memory backend (make_memory_store), SQLite (sqlite_store.hpp) and
/// PostgreSQL (postgres_store.hpp); examples/jsonl_backend shows one written
/// against the installed headers only. docs/store.md describes the protocol.
///
/// Several stores (in several processes) may share one backend's database.
/// Every commit gets the next number of a change sequence; a store remembers
/// the last number it has applied and commits only on top of it. When another
/// store committed first, the backend throws StaleError; the store then reads
/// the changes it missed (changes_since), applies them exactly as its own
/// writes, checks its write again and retries. So writes from all processes are
/// serial, and every store converges to the same state.
///
/// Thread-safety: a Store calls commit, replace and load with its write lock
/// held, so one at a time; the read methods (read_attachment, the outbox reads,
/// changes_since, may_have_changes) may be called from several threads at once
/// and must be safe for that.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "klik/dataset.hpp"
#include "klik/deadline.hpp"
#include "klik/error.hpp"
#include "klik/journal.hpp"
#include "klik/model.hpp"
#include "klik/notification.hpp"

namespace klik {

// ---- the fields a change names (a ConflictError names them in words) ----

/// Bits of TaskChanged::fields.
enum TaskField : std::uint32_t {
  TaskStatusField = 1,
  TaskResponsibleField = 2,
  TaskPerformerField = 4,
  TaskEndField = 8,  ///< end_override
  TaskLatestStartField = 16,  ///< latest_start_override
  TaskAllFields = 31
};
/// Bits of UserSaved::fields.
enum UserField : std::uint32_t {
  UserEmailField = 1,
  UserFullNameField = 2,
  UserOrganisationField = 4,
  UserSideField = 8,
  UserMunicipalityField = 16,
  UserAdministratorField = 32,
  UserMembershipsField = 64,
  UserPasswordField = 128,  ///< unused since passwords live in Credentials; kept so older logs read
  UserDailyDigestField = 256,
  UserAllFields = 511
};
/// "status", "responsible", ... for the bits set in `fields`, in bit order.
std::vector<std::string> task_field_names(std::uint32_t fields);
std::vector<std::string> user_field_names(std::uint32_t fields);

// ---- changes: one type per kind of write ----

/// Tasks and local tasks whose responsible or performer a user change cleared
/// (user administration: a user who leaves a project or becomes Læser there, or is removed).
struct ClearedAssignments {
  std::vector<Task> tasks{};  ///< as stored after (versions bumped)
  std::vector<std::uint32_t> task_fields;  ///< TaskField bits cleared, one per task
  std::vector<LocalTask> local_tasks{};  ///< as stored after (versions bumped)
  friend bool operator==(const ClearedAssignments&, const ClearedAssignments&) = default;
};

/// A task's municipal fields changed.
struct TaskChanged {
  Task task{};  ///< as stored after (version bumped)
  std::uint32_t fields = 0;  ///< TaskField bits that changed
  friend bool operator==(const TaskChanged&, const TaskChanged&) = default;
};

/// A user was created or changed.
struct UserSaved {
  User user{};  ///< as stored after (a new user has version 1)
  bool created = false;
  std::uint32_t fields = 0;  ///< UserField bits that changed (all for a new user)
  ClearedAssignments cleared{};
  /// A new user's account record, written with it (Workflows::create_user: the
  /// hash of the "set your password" link's token); empty otherwise.
  std::optional<Credentials> credentials{};
  friend bool operator==(const UserSaved&, const UserSaved&) = default;
};

/// A user was removed (their assignments cleared).
struct UserRemoved {
  UserId user{};
  ClearedAssignments cleared{};
  friend bool operator==(const UserRemoved&, const UserRemoved&) = default;
};

/// A local task was created or changed.
struct LocalTaskSaved {
  LocalTask task{};  ///< as stored after (a new one has version 1)
  bool created = false;
  friend bool operator==(const LocalTaskSaved&, const LocalTaskSaved&) = default;
};

struct LocalTaskRemoved {
  LocalTaskId task{};
  friend bool operator==(const LocalTaskRemoved&, const LocalTaskRemoved&) = default;
};

struct MessageAdded {
  Message message{};  ///< with its assigned id
  friend bool operator==(const MessageAdded&, const MessageAdded&) = default;
};

/// A task's internal notes were set (empty text: removed).
struct NotesSet {
  TaskId task{};
  std::string text{};
  friend bool operator==(const NotesSet&, const NotesSet&) = default;
};

/// An attachment was added. On commit, `attachment.content` holds the file;
/// in changes read back from the sequence (changes_since) it is empty, and the
/// content is read with read_attachment.
struct AttachmentAdded {
  Attachment attachment{};
  friend bool operator==(const AttachmentAdded&, const AttachmentAdded&) = default;
};

/// A deadline sweep recorded the last-notified colours (empty: cleared).
struct ColoursNotified {
  std::vector<std::pair<TaskId, std::optional<DeadlineColour>>> colours{};
  /// The same for local tasks (the sweep judges them too).
  std::vector<std::pair<LocalTaskId, std::optional<DeadlineColour>>> local_colours = {};
  friend bool operator==(const ColoursNotified&, const ColoursNotified&) = default;
};

/// Notifications recorded on their own (Store::enqueue).
struct NotificationsOnly {
  friend bool operator==(const NotificationsOnly&, const NotificationsOnly&) = default;
};

/// An attachment was deleted, its content with it.
struct AttachmentRemoved {
  AttachmentId attachment{};
  friend bool operator==(const AttachmentRemoved&, const AttachmentRemoved&) = default;
};

/// A user's account record was written (accounts.hpp): a password set or
/// re-hashed, a reset link sent or used, a failed or successful login. Replaces
/// the user's record as a whole. (A removed user's record goes with UserRemoved.)
struct CredentialsSaved {
  Credentials credentials{};
  friend bool operator==(const CredentialsSaved&, const CredentialsSaved&) = default;
};

// ---- KOMBIT's side: projects, waves, templates (publishing.hpp) ----

/// Tasks a KOMBIT change creates or changes with it, as stored after.
struct TaskBatch {
  std::vector<Task> added{};  ///< new tasks (version 1)
  std::vector<Task> changed{};  ///< changed tasks (versions bumped)
  std::vector<std::uint32_t> changed_fields;  ///< TaskField bits, one per changed task
  std::vector<LocalTask> local_changed{};  ///< local tasks whose assignments were cleared (versions bumped)
  friend bool operator==(const TaskBatch&, const TaskBatch&) = default;
};

/// A project was created or edited. A municipality that joined got a task per
/// template it lacked (`tasks.added`). One that left had its tasks made not
/// active (`tasks.changed`), its users' memberships of the project removed
/// (`users`, as stored after) and with them their assignments there (user administration,
/// docs/rights.md), and was taken out of the project's waves (`waves`, as stored after).
struct ProjectSaved {
  Project project{};
  bool created = false;
  TaskBatch tasks{};
  std::vector<RolloutWave> waves{};
  std::vector<User> users{};
  friend bool operator==(const ProjectSaved&, const ProjectSaved&) = default;
};

/// A rollout wave was created or changed (name, members, shift). No task row
/// changes: the dates of its members' tasks follow from the wave (deadline.hpp,
/// effective_schedule).
struct WaveSaved {
  RolloutWave wave{};
  bool created = false;
  friend bool operator==(const WaveSaved&, const WaveSaved&) = default;
};

/// A template was published (created, with one task per participating
/// municipality in `tasks.added`), edited (text or dates: its tasks follow), or
/// withdrawn (its tasks made not active in `tasks.changed`).
struct TemplateSaved {
  TaskTemplate tpl{};
  bool created = false;
  TaskBatch tasks{};
  friend bool operator==(const TemplateSaved&, const TemplateSaved&) = default;
};

/// One checked write, as a backend commits it. New kinds are appended at the end.
using Change = std::variant<TaskChanged, UserSaved, UserRemoved, LocalTaskSaved, LocalTaskRemoved, MessageAdded,
                            NotesSet, AttachmentAdded, ColoursNotified, NotificationsOnly, AttachmentRemoved,
                            CredentialsSaved, ProjectSaved, WaveSaved, TemplateSaved>;

/// The kind of a change in words: "task", "user", "user_removed", "local_task",
/// "local_task_removed", "message", "notes", "attachment", "colours", "notifications",
/// "attachment_removed", "credentials", "project", "wave", "template".
std::string_view change_kind(const Change& change) noexcept;

/// A change as one compact JSON object ({"kind": ..., ...}), attachment content
/// left out; what SQL backends keep in their change sequence.
std::string to_json(const Change& change);
/// Reads what to_json(Change) wrote. Throws ValidationError naming the path.
Change change_from_json(std::string_view text);

/// A committed change with its place in the sequence.
struct SequencedChange {
  std::uint64_t sequence = 0;
  Change change{};
};

// ---- what a backend gives back on load ----

/// How many recent versions per task or user the field log keeps.
inline constexpr std::uint32_t field_log_depth = 32;

/// The changed fields of one recent version of a task or user: what lets a
/// ConflictError name the fields after a restart.
struct FieldLogEntry {
  enum class Object : std::uint8_t { Task = 0, User = 1 };
  Object object = Object::Task;
  std::uint32_t id = 0;
  std::uint32_t version = 0;
  std::uint32_t fields = 0;
  friend bool operator==(const FieldLogEntry&, const FieldLogEntry&) = default;
};

/// Everything durable, as one consistent state.
struct StoredWorld {
  /// The world; attachments without content.
  Dataset data{};
  /// The last-notified colour of every task that has one.
  std::vector<std::pair<TaskId, DeadlineColour>> notified{};
  /// The same for local tasks.
  std::vector<std::pair<LocalTaskId, DeadlineColour>> notified_local = {};
  /// Recent field changes (the last field_log_depth versions per object are used).
  std::vector<FieldLogEntry> field_log{};
  /// The number of the last change `data` includes (0: none yet).
  std::uint64_t sequence = 0;
  /// Changes to apply on top of `data`, numbered sequence + 1, + 2, ... without
  /// gaps: a backend that keeps a log of changes (event sourcing, like
  /// examples/jsonl_backend.hpp) hands the log since its last full state here,
  /// and the store applies it exactly as it applies its own writes.
  std::vector<SequencedChange> replay{};
  /// The backend has already run validate() on `data` (and quoted its own
  /// rows in errors); otherwise the store validates it on load.
  bool validated = false;
};

/// Thrown by Backend::commit when the sequence has moved past the number the
/// store gave: another store committed first. The store catches up and retries.
class StaleError : public Error {
 public:
  explicit StaleError(const std::string& message) : Error(ErrorCode::Conflict, message) {}
};

/// The persistence interface a Store writes through. See the file comment.
class Backend {
 public:
  virtual ~Backend() = default;
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  /// Everything durable, read in one consistent view. Called when a store opens
  /// and when it must reload (changes_since could not replay the gap).
  [[nodiscard]] virtual StoredWorld load() = 0;

  /// Makes `change`, `notify` and `journal` durable in one atomic step, on top
  /// of change number `after`; returns the change's number (after + 1, which is
  /// also `journal.sequence`). The notifications get outbox ids, increasing.
  /// Throws StaleError when the sequence is past `after` (nothing written); any
  /// other error also leaves nothing written.
  virtual std::uint64_t commit(const Change& change, Outgoing notify, const JournalEntry& journal,
                               std::uint64_t after) = 0;

  /// Replaces the world with `data` (an import; attachments with content) and
  /// appends `journal` (operation "import", no objects); the outbox and the
  /// journal are kept and the last-notified colours cleared. Returns the new
  /// sequence number; changes_since() across it answers nullopt. Throws StaleError
  /// as commit does.
  virtual std::uint64_t replace(const Dataset& data, const JournalEntry& journal, std::uint64_t after) = 0;

  /// The changes committed after number `after`, in order (possibly none). nullopt
  /// when they cannot be replayed one by one (an import happened, or the log no
  /// longer reaches back): the store then loads everything again.
  [[nodiscard]] virtual std::optional<std::vector<SequencedChange>> changes_since(std::uint64_t after) const = 0;

  /// Cheap hint: may the database hold changes this backend has not handed out
  /// (by load, commit or changes_since)? A store asks before each snapshot and
  /// each write, and catches up when the answer is yes; the answer stays yes
  /// until it has. Backends used by one process only answer false. Called from
  /// any thread, also after close() (then false).
  [[nodiscard]] virtual bool may_have_changes() const { return false; }

  /// Streams an attachment's content to `sink` in chunks. Throws NotFoundError
  /// (not_found(ObjectKind::Attachment)).
  virtual void read_attachment(AttachmentId id, const std::function<void(std::string_view)>& sink) const = 0;

  // ---- the journal (journal.hpp; entries written by commit and replace) ----

  /// Entries meeting `query`, newest first (the reverse order of writing).
  [[nodiscard]] virtual std::vector<JournalEntry> journal(const JournalQuery& query) const = 0;
  /// Deletes entries older than `before` (at < before) and appends the
  /// "journal_pruned" marker (sequence 0, at = before), in one transaction.
  /// Returns how many entries were deleted.
  virtual std::size_t prune_journal(Timestamp before) = 0;

  // ---- the outbox (notifications recorded by commit) ----

  /// Undelivered notifications due at `now` (next_attempt <= now), oldest id
  /// first; never a dead letter.
  [[nodiscard]] virtual std::vector<Notification> pending_notifications(Timestamp now, std::size_t limit) const = 0;
  /// Every notification recorded, by id.
  [[nodiscard]] virtual std::vector<Notification> outbox() const = 0;
  /// Marks notifications delivered, all or none (NotFoundError for an unknown id).
  virtual void mark_delivered(std::span<const std::uint64_t> ids) = 0;
  /// Counts a failed attempt and defers the entry to `next_attempt`.
  virtual void reschedule(std::uint64_t id, Timestamp next_attempt, const std::string& error) = 0;
  /// Counts a failed attempt and makes the entry a dead letter with `error` as
  /// its last_error, in one step (NotFoundError for an unknown id).
  virtual void give_up(std::uint64_t id, const std::string& error) = 0;
  /// An operator's retry of dead letters: each becomes pending again, due at
  /// `next_attempt`, with attempts reset to 0 (a full round of retries) and its
  /// last_error kept until the next failure. All or none: NotFoundError for an
  /// unknown id, FailedPreconditionError for one that is not a dead letter.
  virtual void requeue(std::span<const std::uint64_t> ids, Timestamp next_attempt) = 0;
  /// Up to `limit` dead letters, oldest id first. The default filters outbox();
  /// the klik backends answer from an index.
  [[nodiscard]] virtual std::vector<Notification> dead_letters(std::size_t limit) const;
  /// The outbox's entries counted by state (OutboxCounts). The default counts
  /// outbox(); the klik backends count index ranges (see docs/store.md).
  [[nodiscard]] virtual OutboxCounts outbox_counts(Timestamp now) const;

  /// Throws (StorageError) when the backend takes no writes at all, e.g. a
  /// file opened read-only; a store asks before writes that may change nothing.
  virtual void require_writable() const {}
  /// Releases the database (checkpoints, closes connections). Later calls may
  /// throw FailedPreconditionError. Idempotent.
  virtual void close() {}
};

}  // namespace klik
