#pragma once
/// @file journal.hpp
/// @brief The audit journal: who changed what, when, through which operation,
/// with every changed object as it was before and after.
///
/// Every write a Store makes appends one JournalEntry in the same transaction
/// as the change and its notifications (backend.hpp, Backend::commit): a crash
/// keeps all three or none. The entry is built by the Store from the change and
/// the state it replaces, so every backend journals the same thing.
/// Store::journal() reads it back, Workflows::task_history()/user_history()
/// show an object's history to whoever may see the object, and Store::as_of()
/// rebuilds the world as it was at an instant by undoing the entries after it.
///
/// Retention: the journal keeps everything until the host prunes it
/// (Store::prune_journal); an as-of view reaches back to the last prune or
/// import, whichever is later (docs/journal.md).
///
/// Thread-safety: plain values; MemoryJournal is safe for concurrent use.

#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "klik/date.hpp"
#include "klik/ids.hpp"

namespace klik {

/// Who makes a write, through which operation, and when. Every Store mutation
/// takes one (default: the system, the change's own kind, the system clock).
struct Attribution {
  /// The user who made it; none for the system (a sweep, an import, a host's own write).
  std::optional<UserId> actor{};
  /// The operation, e.g. "change_task", "put_wave"; empty: the change's kind
  /// (change_kind in backend.hpp).
  std::string operation{};
  /// When; none: the store reads the system clock.
  std::optional<Timestamp> at{};
};

/// The kinds of object the journal records.
enum class JournalObject : std::uint8_t {
  Task = 0,
  LocalTask = 1,
  User = 2,
  Project = 3,
  Wave = 4,
  Template = 5,
  Message = 6,
  Attachment = 7,
  Notes = 8,
  Account = 9
};
/// "task", "local_task", "user", "project", "wave", "template", "message",
/// "attachment", "notes", "account".
std::string_view code(JournalObject kind) noexcept;
/// The kind of a code; nullopt for anything else.
std::optional<JournalObject> journal_object_from_code(std::string_view code) noexcept;

/// One object as a change found and left it: the entity's JSON (json.hpp) before
/// and after, empty where it did not exist (created: `before` empty; deleted:
/// `after` empty). Notes are {"task", "text"}. An account holds no secret: only
/// {"user", "password_set", "reset_link_outstanding", "reset_expires",
/// "failed_logins", "throttled_until"}.
struct ObjectDelta {
  JournalObject kind = JournalObject::Task;
  std::uint64_t id = 0;  ///< the object's id (notes: the task's)
  std::string before;  ///< compact JSON object, or empty
  std::string after;  ///< compact JSON object, or empty
  friend bool operator==(const ObjectDelta&, const ObjectDelta&) = default;
};

/// The top-level fields whose values differ between `before` and `after`, in
/// the order they appear (every field of the one that exists, for a creation
/// or deletion). Never "version".
std::vector<std::string> changed_fields(const ObjectDelta& delta);

/// One journaled write.
struct JournalEntry {
  /// The change's number in the store's change sequence (backend.hpp); 0 for
  /// the journal's own markers (operation "journal_pruned").
  std::uint64_t sequence = 0;
  Timestamp at;
  std::optional<UserId> actor;
  /// The operation ("change_task", ...); "import" for an import, which replaces
  /// the whole world and records no objects; "journal_pruned" marks where a
  /// prune cut the journal (`at` is the cut-off).
  std::string operation;
  /// The objects the change touched, in the order it touched them. Empty for
  /// writes that change no object a user sees (a sweep's last-notified colours,
  /// notifications on their own) and for markers.
  std::vector<ObjectDelta> objects;
  friend bool operator==(const JournalEntry&, const JournalEntry&) = default;
};

/// The entry as one compact JSON object: {"sequence", "at" (ISO 8601),
/// "actor" (null for the system), "operation", "objects": [{"kind", "id",
/// "before", "after"} with before/after JSON objects or null]}.
std::string to_json(const JournalEntry& entry);
/// Reads what to_json(JournalEntry) wrote. Throws InvalidArgumentError naming the JSON path.
JournalEntry journal_entry_from_json(std::string_view text);

/// Which entries to read. All conditions hold together.
struct JournalQuery {
  /// Only entries touching this object (with `id`).
  std::optional<JournalObject> kind{};
  std::uint64_t id = 0;
  /// Only entries after this instant (at > after), e.g. for an as-of view.
  std::optional<Timestamp> after{};
  /// Only entries of changes numbered at most this (a consistent read).
  std::uint64_t max_sequence = std::numeric_limits<std::uint64_t>::max();
  /// At most this many, newest first (in the reverse order of writing).
  std::size_t limit = std::numeric_limits<std::size_t>::max();
};

/// The entry a prune appends where it cut the journal (Backend::prune_journal):
/// sequence 0, `at` the cut-off, operation "journal_pruned", no objects.
JournalEntry journal_pruned_marker(Timestamp before);

/// True when `entry` meets `query`'s conditions (not the limit).
bool matches(const JournalEntry& entry, const JournalQuery& query) noexcept;

/// A journal kept in memory, for backends that keep nothing elsewhere (the
/// memory backend; examples/jsonl_backend.hpp rebuilds one from its file).
class MemoryJournal {
 public:
  void append(JournalEntry entry);
  /// Entries meeting `query`, newest first.
  [[nodiscard]] std::vector<JournalEntry> read(const JournalQuery& query) const;
  /// Drops entries older than `before` (at < before) and appends the
  /// "journal_pruned" marker. Returns how many were dropped.
  std::size_t prune(Timestamp before);
  void clear();

 private:
  void index(std::size_t position);

  mutable std::mutex mutex_;
  std::vector<JournalEntry> entries_;  // in append order
  /// Positions in entries_ of the entries touching each object, ascending: a
  /// history reads its object's entries, not the whole journal.
  struct ObjectHash {
    std::size_t operator()(const std::pair<JournalObject, std::uint64_t>& k) const noexcept {
      return std::hash<std::uint64_t>{}(k.second * 16 + static_cast<std::uint64_t>(k.first));
    }
  };
  std::unordered_map<std::pair<JournalObject, std::uint64_t>, std::vector<std::size_t>, ObjectHash> by_object_;
};

}  // namespace klik
