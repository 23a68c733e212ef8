#pragma once
/// @file sqlite_store.hpp
/// @brief The embedded durable store: a Store kept in one SQLite file.
///
/// Opening loads what the query engine needs into the same in-memory indexes
/// as the memory store, so lists are as fast as in memory. Every mutation is
/// written through to SQLite in one transaction (with the notifications it
/// causes, in the outbox table) and committed before the indexes change and
/// readers can see it. Attachment content and the outbox live only on disk.
/// docs/store.md describes the schema, migrations and durability.
///
/// Several processes may open the same file, for writing or read-only
/// (`SqliteOptions::read_only`). Every commit is numbered in the file's change
/// sequence; before a snapshot a store checks whether the file changed
/// (PRAGMA data_version) and applies the changes it has not seen, and a write
/// based on an older state is checked again on the new one (store.hpp).
///
/// Thread-safety: as every Store (store.hpp).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "klik/calendar.hpp"
#include "klik/dataset.hpp"
#include "klik/store.hpp"

namespace klik {

/// The schema version this klik writes (PRAGMA user_version). Older files are
/// migrated forward on open; newer ones are refused.
inline constexpr int sqlite_schema_version = 7;

/// How a commit reaches the disk (PRAGMA synchronous in WAL mode).
enum class Durability {
  /// fsync of the write-ahead log at every commit: a committed mutation survives
  /// a power loss or OS crash. The default.
  Full,
  /// No fsync at commit (only at checkpoints): a committed mutation survives a
  /// crash or kill of the process, but the last commits may be lost on a power
  /// loss or OS crash. The database is never corrupted either way.
  Normal,
};

struct SqliteOptions {
  /// Tasks are judged on these calendars (not stored in the file).
  Calendars calendars{};
  Durability durability = Durability::Full;
  /// Open without writing to the file or its folder (an older schema is read as
  /// it is, not migrated; mutations throw StorageError). Needs read access only
  /// when the folder is writable, the -wal and -shm exist and are readable, or
  /// there is no -wal holding commits (then SQLite's immutable mode is used);
  /// docs/store.md has the details.
  bool read_only = false;
  /// Create the file when it does not exist.
  bool create = true;
  /// PRAGMA max_page_count (0: no limit). A write that would grow the file beyond it
  /// fails with StorageError ("database or disk is full") and changes nothing.
  std::int64_t max_pages = 0;
  /// How long a write waits for another connection's lock, in milliseconds.
  int busy_timeout_ms = 5000;
  /// How often a reader asks whether other processes committed to the file
  /// (PRAGMA data_version, about 5 us), in milliseconds. 0 (the default): at
  /// every snapshot, so a commit anywhere is visible to the next read. A portal
  /// with many reads per second may set e.g. 50: a snapshot then costs what a
  /// memory store's does, and another process's commit shows within that time.
  /// Writes always see every commit first, whatever the interval.
  int follow_interval_ms = 0;
};

class SqliteBackend;

/// A Store in a SQLite file: the Store's indexes over a SQLite backend, with
/// the file's own calls. Create with open_sqlite_store().
class SqliteStore : public Store {
 public:
  SqliteStore(std::unique_ptr<SqliteBackend> backend, Calendars calendars);
  ~SqliteStore() override;

  /// The file's path.
  [[nodiscard]] const std::string& path() const;
  /// The file's schema version (PRAGMA user_version).
  [[nodiscard]] int schema_version() const;
  /// PRAGMA integrity_check: "ok", or SQLite's list of problems.
  [[nodiscard]] std::string integrity_check() const;

 private:
  [[nodiscard]] SqliteBackend& sqlite() const;
};

/// Opens (or creates) the store in `path`, migrating an older schema forward.
///
/// Everything loaded is checked before anything is written: the schema version
/// (0..sqlite_schema_version), the tables, every value (ids in range, enums
/// known, dates in 1400-9999, text UTF-8, JSON documents readable) and the
/// references between rows (as validate() checks a Dataset). Throws
/// StorageError naming the file (and, for a bad row, the table, row and column)
/// for a file that is not a klik SQLite database, a corrupt or truncated one,
/// one from a newer klik, one with invalid rows (salvage_sqlite() recovers the
/// good ones), or a location that cannot be opened or written; the file is
/// never modified in those cases (no migration runs on a file that is refused).
///
/// A read-only open needs only read access: see docs/store.md for the exact
/// conditions when the folder is not writable.
std::unique_ptr<SqliteStore> open_sqlite_store(const std::string& path, SqliteOptions options = {});

/// One row salvage_sqlite() left out (or one field it cleared), and why.
struct DroppedRow {
  std::string table;  ///< the SQLite table: "task", "user", "membership", ...
  std::int64_t id = 0;  ///< the row's id (internal_note: its task; membership: its user)
  std::string column;  ///< the offending column ("" when the row as a whole is at fault)
  std::string reason;  ///< what was wrong, in klik's words (input quoted to at most ~80 characters)
  /// Only `column` was cleared (a person reference to a user that is gone or
  /// may not be assigned); the row itself was kept.
  bool cleared = false;
  friend bool operator==(const DroppedRow&, const DroppedRow&) = default;
};

/// What salvage_sqlite() recovered.
struct SqliteSalvage {
  /// Every row that passes the checks open_sqlite_store() makes, consistent as a
  /// whole (validate(data) is empty): import it into a fresh store.
  Dataset data;
  /// What was left out or cleared, in the order found.
  std::vector<DroppedRow> dropped;
};

/// Reads the klik SQLite file `path` read-only (it is never modified) and
/// returns the rows that are good, for a file open_sqlite_store() refuses
/// because of invalid rows. Rows with a bad value are dropped; then, until the
/// data is consistent, rows whose references do not resolve are dropped (with
/// what depends on them), except that a dangling responsible or performer is
/// cleared and a bad membership dropped from its user. Attachment content is
/// included. Throws StorageError for a file it cannot read at all (not SQLite,
/// not a klik store, a schema version outside 1..sqlite_schema_version, or a
/// table SQLite reports corrupt).
SqliteSalvage salvage_sqlite(const std::string& path);

}  // namespace klik
