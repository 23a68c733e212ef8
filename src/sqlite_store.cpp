// The SQLite backend (include/klik/sqlite_store.hpp, docs/store.md): every
// change a Store commits becomes one SQLite transaction -- its rows, its
// notifications in the outbox, and its entry in the change sequence, from which
// stores in other processes catch up.
#include "klik/sqlite_store.hpp"

#include "klik/rights.hpp"
#include "klik/text.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <limits>
#include <mutex>

#include "detail/json_io.hpp"
#include "detail/overloaded.hpp"
#include "detail/sql_values.hpp"
#include "detail/sqlite.hpp"
#include "detail/sqlite_rows.hpp"

namespace klik {

namespace {

namespace sql = detail::sql;

// ---- schema: one entry per version; migrations[i] takes version i to i + 1 ----

constexpr const char* schema_v1 = R"sql(
CREATE TABLE municipality(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE project(id INTEGER PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE wave(id INTEGER PRIMARY KEY, project INTEGER NOT NULL REFERENCES project(id), doc TEXT NOT NULL);
CREATE TABLE template(id INTEGER PRIMARY KEY, project INTEGER NOT NULL REFERENCES project(id), doc TEXT NOT NULL);
CREATE TABLE user(
  id INTEGER PRIMARY KEY, email TEXT NOT NULL, email_key TEXT NOT NULL UNIQUE, full_name TEXT NOT NULL,
  organisation TEXT NOT NULL, side INTEGER NOT NULL, municipality INTEGER REFERENCES municipality(id),
  administrator INTEGER NOT NULL, password_hash TEXT NOT NULL, version INTEGER NOT NULL);
CREATE TABLE membership(
  user INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE, project INTEGER NOT NULL REFERENCES project(id),
  type INTEGER NOT NULL, PRIMARY KEY(user, project)) WITHOUT ROWID;
CREATE TABLE task(
  id INTEGER PRIMARY KEY, template INTEGER NOT NULL REFERENCES template(id),
  municipality INTEGER NOT NULL REFERENCES municipality(id), status INTEGER NOT NULL CHECK(status BETWEEN 0 AND 3),
  responsible INTEGER REFERENCES user(id), performer INTEGER REFERENCES user(id),
  end_override INTEGER, latest_start_override INTEGER, version INTEGER NOT NULL,
  notified INTEGER CHECK(notified BETWEEN 0 AND 4));
CREATE INDEX task_responsible ON task(responsible);
CREATE INDEX task_performer ON task(performer);
CREATE TABLE local_task(
  id INTEGER PRIMARY KEY, parent INTEGER NOT NULL REFERENCES task(id),
  municipality INTEGER NOT NULL REFERENCES municipality(id), title TEXT NOT NULL,
  responsible INTEGER REFERENCES user(id), performer INTEGER REFERENCES user(id), status INTEGER NOT NULL,
  end_date INTEGER NOT NULL, description TEXT NOT NULL, version INTEGER NOT NULL);
CREATE INDEX local_task_parent ON local_task(parent);
CREATE TABLE message(
  id INTEGER PRIMARY KEY, task INTEGER REFERENCES task(id), project INTEGER REFERENCES project(id),
  wave INTEGER REFERENCES wave(id), author INTEGER NOT NULL, author_side INTEGER NOT NULL, time INTEGER NOT NULL,
  text TEXT NOT NULL);
CREATE TABLE attachment(
  id INTEGER PRIMARY KEY, task INTEGER NOT NULL REFERENCES task(id), file_name TEXT NOT NULL,
  media_type TEXT NOT NULL, size INTEGER NOT NULL, uploaded_by INTEGER NOT NULL, time INTEGER NOT NULL,
  content BLOB NOT NULL);
CREATE TABLE internal_note(task INTEGER PRIMARY KEY REFERENCES task(id), text TEXT NOT NULL);
CREATE TABLE outbox(
  id INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL, key TEXT NOT NULL, recipients TEXT NOT NULL,
  mailbox TEXT NOT NULL, sender TEXT NOT NULL, link TEXT NOT NULL, payload TEXT NOT NULL, created INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL, delivered INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '');
CREATE INDEX outbox_pending ON outbox(next_attempt) WHERE delivered = 0;
)sql";

// Version 2: which fields each version of a task or user changed (ConflictError names them).
constexpr const char* schema_v2 = R"sql(
CREATE TABLE change_log(
  kind INTEGER NOT NULL, id INTEGER NOT NULL, version INTEGER NOT NULL, fields INTEGER NOT NULL,
  PRIMARY KEY(kind, id, version)) WITHOUT ROWID;
)sql";

// Version 3: the change sequence. Every commit is numbered; a store in another
// process applies the changes after the last number it has seen. A "reload" row
// (an import) tells it to load everything instead.
constexpr const char* schema_v3 = R"sql(
CREATE TABLE change_sequence(
  seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, kind TEXT NOT NULL, change TEXT NOT NULL);
)sql";

// Version 4: account records (accounts.hpp) in their own table. Existing
// password hashes move there; user.password_hash stays, always empty (SQLite
// drops columns only by rebuilding the table).
constexpr const char* schema_v4 = R"sql(
CREATE TABLE credentials(
  user INTEGER PRIMARY KEY REFERENCES user(id) ON DELETE CASCADE, password_hash TEXT NOT NULL,
  reset_token_hash TEXT NOT NULL, reset_expires INTEGER NOT NULL, failed_logins INTEGER NOT NULL,
  throttled_until INTEGER NOT NULL);
INSERT INTO credentials(user, password_hash, reset_token_hash, reset_expires, failed_logins, throttled_until)
  SELECT id, password_hash, '', 0, 0, 0 FROM user WHERE password_hash <> '';
UPDATE user SET password_hash = '' WHERE password_hash <> '';
)sql";

// Version 5: local tasks' last-notified colour (the deadline sweep judges them too).
constexpr const char* schema_v5 = R"sql(
ALTER TABLE local_task ADD COLUMN notified INTEGER CHECK(notified BETWEEN 0 AND 4);
)sql";

// Version 6: the audit journal (journal.hpp). One row per journaled write
// (`entry` is its JSON), one journal_object row per object it touched, so an
// object's history is an index range. The journal starts when the file gets it.
constexpr const char* schema_v6 = R"sql(
CREATE TABLE journal(
  id INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL, at INTEGER NOT NULL, actor INTEGER,
  operation TEXT NOT NULL, entry TEXT NOT NULL);
CREATE INDEX journal_at ON journal(at);
CREATE TABLE journal_object(
  kind INTEGER NOT NULL, id INTEGER NOT NULL, entry INTEGER NOT NULL, PRIMARY KEY(kind, id, entry)) WITHOUT ROWID;
INSERT INTO journal(seq, at, actor, operation, entry) VALUES(0, CAST(strftime('%s', 'now') AS INTEGER), NULL,
  'journal_started', json_object('sequence', 0, 'at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'actor', NULL,
  'operation', 'journal_started', 'objects', json_array()));
)sql";

// Version 7 (issue 14): dead letters in the outbox -- entries the dispatcher gave
// up on, never pending again until requeued -- and the users' choice of one
// daily digest mail for deadline changes. The pending index leaves dead letters
// out; a second partial index lists and counts them.
constexpr const char* schema_v7 = R"sql(
ALTER TABLE outbox ADD COLUMN dead INTEGER NOT NULL DEFAULT 0;
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox(next_attempt) WHERE delivered = 0 AND dead = 0;
CREATE INDEX outbox_dead ON outbox(id) WHERE dead <> 0;
ALTER TABLE user ADD COLUMN daily_digest INTEGER NOT NULL DEFAULT 0;
)sql";

constexpr const char* migrations[] = {schema_v1, schema_v2, schema_v3, schema_v4, schema_v5, schema_v6, schema_v7};
static_assert(std::size(migrations) == sqlite_schema_version);

std::string recipients_text(const std::vector<UserId>& r) {
  std::string s;
  for (UserId u : r) {
    if (!s.empty()) s += ',';
    s += std::to_string(u.value());
  }
  return s;
}

/// The outbox's recipients column ("3,17,42"); empty for anything else (a damaged row).
std::optional<std::vector<UserId>> parse_recipients(std::string_view s) {
  std::vector<UserId> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    const auto part = s.substr(0, comma);
    std::uint32_t v = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (ec != std::errc() || end != part.data() + part.size() || v == 0) return std::nullopt;
    out.emplace_back(v);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

using detail::sql_values::day;
using detail::sql_values::num;
using detail::sql_values::uid;

}  // namespace

class SqliteBackend final : public Backend {
 public:
  SqliteBackend(const std::string& path, const SqliteOptions& options);

  StoredWorld load() override;
  std::uint64_t commit(const Change& change, Outgoing notify, const JournalEntry& journal,
                       std::uint64_t after) override;
  std::uint64_t replace(const Dataset& data, const JournalEntry& journal, std::uint64_t after) override;
  std::vector<JournalEntry> journal(const JournalQuery& query) const override;
  std::size_t prune_journal(Timestamp before) override;
  std::optional<std::vector<SequencedChange>> changes_since(std::uint64_t after) const override;
  bool may_have_changes() const override;
  void read_attachment(AttachmentId id, const std::function<void(std::string_view)>& sink) const override;
  std::vector<Notification> pending_notifications(Timestamp now, std::size_t limit) const override;
  std::vector<Notification> outbox() const override;
  void mark_delivered(std::span<const std::uint64_t> ids) override;
  void reschedule(std::uint64_t id, Timestamp next_attempt, const std::string& error) override;
  void give_up(std::uint64_t id, const std::string& error) override;
  void requeue(std::span<const std::uint64_t> ids, Timestamp next_attempt) override;
  std::vector<Notification> dead_letters(std::size_t limit) const override;
  OutboxCounts outbox_counts(Timestamp now) const override;
  void require_writable() const override {
    if (options_.read_only) throw StorageError("database " + path_ + " is open read-only");
  }
  void close() override;

  int schema_version() const {
    std::lock_guard lock(db_mutex_);
    require_open();
    return static_cast<int>(db_.scalar("PRAGMA user_version"));
  }
  std::string integrity_check() const;
  const std::string& path() const noexcept { return path_; }

 private:
  std::int64_t open_connection(bool wal_had_frames);
  void check_tables(std::int64_t version);
  detail::sql::LoadedRows read_checked(std::int64_t version);
  void migrate(std::int64_t version);
  void require_open() const {
    if (!db_) throw FailedPreconditionError("the SQLite store is closed");
  }
  /// Inside BEGIN IMMEDIATE: throws StaleError unless the sequence ends at `after`.
  void check_head(std::uint64_t after);
  std::uint64_t head() const;
  void write_sequence(std::uint64_t seq, std::string_view kind, const std::string& change);
  void write_outbox(Outgoing notify);
  void write_journal(const JournalEntry& e);
  void write_task(const Task& t);
  void write_local(const LocalTask& l);
  void write_user(const User& u);
  void write_credentials(const Credentials& c);
  void write_change_log(FieldLogEntry::Object kind, std::uint32_t id, std::uint32_t version, std::uint32_t mask);
  void write_attachment(const Attachment& a);
  void write_message(const Message& m);
  /// Tasks and local tasks whose assignments a user change cleared (with their change-log rows).
  void write_cleared(const ClearedAssignments& c);
  void write_catalogue(const char* table, std::uint32_t id, std::optional<std::uint32_t> project,
                       const std::string& name, const std::string& doc);
  void write_batch(const TaskBatch& b);
  std::vector<Notification> read_outbox(sql::Statement& s) const;
  /// The outbox's dead-letter column in a query: "dead", or "0" in a file older than version 7.
  const char* dead_column() const;

  std::string path_;
  SqliteOptions options_;
  mutable std::mutex db_mutex_;  // the connection and its statements: one user at a time
  mutable sql::Database db_;
  mutable std::int64_t data_version_ = 0;  // PRAGMA data_version when this connection last read everything new
  std::optional<detail::sql::LoadedRows> opened_;  // what the open read, for the first load()
  mutable std::optional<sql::Statement> data_version_query_;  // prepared once: asked before every snapshot
  // follow_interval_ms: when data_version was last read (steady clock, ns) and what it
  // said. Atomics: within the interval a reader answers from them without the
  // connection's mutex, which a commit holds through its fsync.
  mutable std::atomic<std::int64_t> last_asked_ns_{std::numeric_limits<std::int64_t>::min() / 2};
  mutable std::atomic<bool> last_answer_{false};
};

namespace {

namespace fs = std::filesystem;

/// `path` as a SQLite URI filename ("file:" + path, with %, ? and # escaped).
std::string uri_of(const std::string& path, const char* parameters) {
  std::string out = "file:";
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      static constexpr char hex[] = "0123456789ABCDEF";
      out += '%';
      out += hex[(static_cast<unsigned char>(c) >> 4) & 0xF];
      out += hex[static_cast<unsigned char>(c) & 0xF];
    } else {
      out += c;
    }
  }
  return out + "?" + parameters;
}

/// Size of `path` in bytes, or -1 when it does not exist.
std::int64_t file_size_or_absent(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? -1 : static_cast<std::int64_t>(size);
}

/// The tables each schema version has (sanity check before anything is read).
constexpr const char* tables_v1[] = {"municipality", "project",    "wave",          "template",
                                     "user",         "membership", "task",          "local_task",
                                     "message",      "attachment", "internal_note", "outbox"};

/// PRAGMA user_version without throwing: SQLite's result code, the version in `version`.
int probe_version(sqlite3* db, std::int64_t& version) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      version = sqlite3_column_int64(stmt, 0);
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(stmt);
  return rc;
}

}  // namespace

SqliteBackend::SqliteBackend(const std::string& path, const SqliteOptions& options) : path_(path), options_(options) {
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (!exists && (!options_.create || options_.read_only))
    throw StorageError("cannot open database " + path + ": no such file");
  if (exists && fs::is_directory(path, ec)) throw StorageError("cannot open database " + path + ": it is a directory");
  // A log with commits not yet in the main file: on a refusal it is left as it was (no checkpoint on close).
  const bool wal_had_frames = file_size_or_absent(path + "-wal") > 0;
  try {
    const std::int64_t version = open_connection(wal_had_frames);
    if (version < 0 || version > sqlite_schema_version) {
      if (version > sqlite_schema_version)
        throw StorageError("database " + path + " has schema version " + std::to_string(version) +
                           ", newer than this klik understands (" + std::to_string(sqlite_schema_version) +
                           "): open it with a newer klik");
      throw StorageError("database " + path + " has schema version " + std::to_string(version) +
                         ", which no klik writes (0.." + std::to_string(sqlite_schema_version) +
                         "): its header is damaged; restore it from a backup");
    }
    check_tables(version);
    // Connection settings only: nothing here writes to the file.
    db_.exec("PRAGMA foreign_keys = ON");
    db_.exec("PRAGMA cache_size = -65536");  // 64 MiB
    if (options_.max_pages > 0) db_.scalar("PRAGMA max_page_count = " + std::to_string(options_.max_pages));
    // Everything is read and checked before the first write (WAL switch, migration).
    auto rows = version > 0 ? read_checked(version) : detail::sql::LoadedRows{};
    if (!options_.read_only) {
      if (db_.text("PRAGMA journal_mode = WAL") != "wal")
        throw StorageError("cannot switch " + path_ + " to WAL journal mode");
      db_.exec(options_.durability == Durability::Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
      if (version < sqlite_schema_version) {
        migrate(version);
        if (version > 0)
          rows = read_checked(sqlite_schema_version);
        else
          data_version_ = db_.scalar("PRAGMA data_version");
      }
    }
    opened_ = std::move(rows);
  } catch (const StorageError& e) {
    const std::string msg = e.what();
    if (db_ && wal_had_frames) sqlite3_db_config(db_.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    db_.close();
    if (msg.find(" has invalid rows: ") != std::string::npos) throw;  // its quotes of row values are not SQLite's words
    if (msg.find("not a database") != std::string::npos)
      throw StorageError("cannot open " + path + ": not a klik SQLite database (" + msg + ")");
    if (msg.find("malformed") != std::string::npos || msg.find("corrupt") != std::string::npos)
      throw StorageError("cannot open " + path + ": the database file is corrupt or truncated (" + msg +
                         "); restore it from a backup");
    throw;
  } catch (...) {
    if (db_ && wal_had_frames) sqlite3_db_config(db_.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    db_.close();
    throw;
  }
}

std::int64_t SqliteBackend::open_connection(bool wal_had_frames) {
  std::int64_t version = 0;
  if (!options_.read_only) {
    db_ = sql::Database(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
    sqlite3_busy_timeout(db_.get(), options_.busy_timeout_ms);
    // The first read tells a SQLite file from anything else.
    if (const int rc = probe_version(db_.get(), version); rc != SQLITE_OK) db_.fail(rc, "cannot read database");
    return version;
  }
  // Read-only: no write to the file or the folder. A WAL-mode file needs its -shm
  // (SQLite creates it, or reads an existing one); where neither is possible and
  // the log holds nothing, the file alone is the database: open it immutable.
  const int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
  db_ = sql::Database(path_, flags, uri_of(path_, "mode=ro"));
  sqlite3_busy_timeout(db_.get(), options_.busy_timeout_ms);
  const int rc = probe_version(db_.get(), version);
  if (rc == SQLITE_OK) return version;
  const int primary = rc & 0xff;
  if (primary != SQLITE_READONLY && primary != SQLITE_CANTOPEN) db_.fail(rc, "cannot read database");
  const std::string dir = fs::path(path_).parent_path().string();
  if (wal_had_frames || file_size_or_absent(path_ + "-wal") > 0)
    throw StorageError("cannot open " + path_ + " read-only: its write-ahead log " + path_ +
                       "-wal holds commits, and reading them needs " + path_ +
                       "-shm, which this process can "
                       "neither read nor create in " +
                       (dir.empty() ? std::string(".") : dir) +
                       ". Let the writer close the store (that empties the log), give this process write access "
                       "to the folder, or copy the file with its -wal to a folder it can write");
  db_ = sql::Database(path_, flags, uri_of(path_, "mode=ro&immutable=1"));
  if (const int rc2 = probe_version(db_.get(), version); rc2 != SQLITE_OK) db_.fail(rc2, "cannot read database");
  return version;
}

void SqliteBackend::check_tables(std::int64_t version) {
  if (version == 0) {
    if (db_.scalar("SELECT count(*) FROM sqlite_schema") > 0)
      throw StorageError("database " + path_ + " is a SQLite file but not a klik store (user_version 0, not empty)");
    if (options_.read_only) throw StorageError("database " + path_ + " is empty: it holds no klik store yet");
    return;
  }
  if (db_.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'task'") == 0)
    throw StorageError("database " + path_ + " is a SQLite file but not a klik store");
  sql::Statement s(db_, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?");
  std::vector<const char*> tables(std::begin(tables_v1), std::end(tables_v1));
  if (version >= 2) tables.push_back("change_log");
  if (version >= 3) tables.push_back("change_sequence");
  if (version >= 4) tables.push_back("credentials");
  if (version >= 6) tables.push_back("journal"), tables.push_back("journal_object");
  for (const char* t : tables) {
    s.bind(1, t);
    const bool present = s.step() && s.integer(0) > 0;
    s.reset();
    if (!present)
      throw StorageError("database " + path_ + " lacks table " + t + " of klik schema version " +
                         std::to_string(version) + ": it is damaged or not a klik store");
  }
}

detail::sql::LoadedRows SqliteBackend::read_checked(std::int64_t version) {
  detail::sql::LoadedRows rows;
  {
    sql::Transaction tx(db_, false);  // one read transaction: a consistent state
    rows = detail::sql::read_rows(db_, version, false);
    if (version >= 3) rows.sequence = head();
    data_version_ = db_.scalar("PRAGMA data_version");
    tx.commit();
  }
  detail::sql::check_references(rows, false);
  if (!rows.problems.empty()) {
    std::string msg = "database " + path_ + " has invalid rows: ";
    for (std::size_t i = 0; i < rows.problems.size() && i < 3; ++i) {
      if (i) msg += "; ";
      msg += detail::sql::describe(rows.problems[i]);
    }
    if (rows.problems.size() > 3) msg += "; ... (" + std::to_string(rows.problems.size()) + " problems in all)";
    msg +=
        ". The file was not changed; salvage_sqlite (Python: klik.salvage_sqlite) recovers the good rows "
        "into a Dataset to import into a fresh file";
    throw StorageError(msg);
  }
  return rows;
}

void SqliteBackend::migrate(std::int64_t version) {
  // Validated already (read_checked): a refused file is never migrated.
  sql::Transaction tx(db_);
  if (version > 0 && db_.scalar("PRAGMA data_version") != data_version_)
    throw FailedPreconditionError("database " + path_ +
                                  " was changed by another connection while it was opened: "
                                  "open it again");
  if (version > 0) {
    const std::string check = db_.text("PRAGMA quick_check");
    if (check != "ok")
      throw StorageError("database " + path_ + " fails SQLite's quick check (" + check.substr(0, 80) +
                         "): the database file is corrupt; restore it from a backup");
  }
  for (auto v = version; v < sqlite_schema_version; ++v) db_.exec(migrations[v]);
  db_.exec("PRAGMA user_version = " + std::to_string(sqlite_schema_version));
  tx.commit();
}

StoredWorld SqliteBackend::load() {
  std::lock_guard lock(db_mutex_);
  require_open();
  detail::sql::LoadedRows rows;
  if (opened_) {
    rows = std::move(*opened_);
    opened_.reset();
  } else {
    rows = read_checked(db_.scalar("PRAGMA user_version"));
  }
  StoredWorld w;
  w.data = std::move(rows.data);
  w.notified = std::move(rows.notified);
  w.notified_local = std::move(rows.notified_local);
  w.field_log.reserve(rows.change_log.size());
  for (const auto& [kind, id, version, fields] : rows.change_log)
    w.field_log.push_back({kind == 1 ? FieldLogEntry::Object::User : FieldLogEntry::Object::Task, id, version, fields});
  w.sequence = rows.sequence;
  w.validated = true;  // read_checked ran validate() and named the rows
  return w;
}

std::uint64_t SqliteBackend::head() const {
  if (db_.scalar("PRAGMA user_version") < 3) return 0;  // a read-only store of an older file
  return static_cast<std::uint64_t>(db_.scalar("SELECT coalesce(max(seq), 0) FROM change_sequence"));
}

void SqliteBackend::check_head(std::uint64_t after) {
  require_writable();
  if (const std::uint64_t now = head(); now != after)
    throw StaleError("database " + path_ + " is at change " + std::to_string(now) + ", this store at " +
                     std::to_string(after));
}

void SqliteBackend::write_sequence(std::uint64_t seq, std::string_view kind, const std::string& change) {
  sql::Statement s(db_, "INSERT INTO change_sequence(seq, time, kind, change) VALUES(?,?,?,?)");
  s.bind(1, static_cast<std::int64_t>(seq)).bind(2, SystemClock().now().unix_seconds());
  s.bind(3, std::string(kind)).bind(4, change).run();
}

bool SqliteBackend::may_have_changes() const {
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  const std::int64_t interval = std::int64_t{options_.follow_interval_ms} * 1'000'000;
  if (interval > 0 && now - last_asked_ns_.load(std::memory_order_acquire) < interval)
    return last_answer_.load(std::memory_order_relaxed);
  std::lock_guard lock(db_mutex_);
  if (!db_) return false;
  if (!data_version_query_) data_version_query_.emplace(db_, "PRAGMA data_version");
  sql::Statement& q = *data_version_query_;
  const bool row = q.step();
  const std::int64_t version = row ? q.integer(0) : data_version_;
  q.reset();  // holds no read transaction between calls
  const bool answer = version != data_version_;
  last_answer_.store(answer, std::memory_order_relaxed);
  last_asked_ns_.store(now, std::memory_order_release);
  return answer;
}

std::optional<std::vector<SequencedChange>> SqliteBackend::changes_since(std::uint64_t after) const {
  std::lock_guard lock(db_mutex_);
  require_open();
  std::vector<SequencedChange> out;
  sql::Transaction tx(db_, false);  // one read transaction: the version and the rows agree
  const std::int64_t version = db_.scalar("PRAGMA data_version");
  if (db_.scalar("PRAGMA user_version") >= 3) {
    // Behind the store (the file was restored from a backup, or replaced): load it again.
    if (head() < after) return std::nullopt;
    sql::Statement s(db_, "SELECT seq, kind, change FROM change_sequence WHERE seq > ? ORDER BY seq");
    s.bind(1, static_cast<std::int64_t>(after));
    std::uint64_t expect = after + 1;
    while (s.step()) {
      const auto seq = static_cast<std::uint64_t>(s.integer(0));
      if (seq != expect || s.text_view(1) == "reload") return std::nullopt;  // a gap or an import: load again
      try {
        out.push_back({seq, change_from_json(s.text_view(2))});
      } catch (const Error& e) {
        throw StorageError("database " + path_ + ": table change_sequence, seq " + std::to_string(seq) +
                           ", column change: " + e.what());
      }
      ++expect;
    }
  }
  tx.commit();
  data_version_ = version;
  last_answer_.store(false, std::memory_order_relaxed);
  return out;
}

void SqliteBackend::write_journal(const JournalEntry& e) {
  sql::Statement s(db_, "INSERT INTO journal(seq, at, actor, operation, entry) VALUES(?,?,?,?,?)");
  s.bind(1, static_cast<std::int64_t>(e.sequence)).bind(2, e.at.unix_seconds());
  e.actor ? s.bind(3, std::int64_t{e.actor->value()}) : s.bind_null(3);
  s.bind(4, e.operation).bind(5, to_json(e)).run();
  const std::int64_t id = db_.scalar("SELECT last_insert_rowid()");
  sql::Statement o(db_, "INSERT OR IGNORE INTO journal_object(kind, id, entry) VALUES(?,?,?)");
  for (const ObjectDelta& d : e.objects)
    o.bind(1, static_cast<std::int64_t>(d.kind)).bind(2, static_cast<std::int64_t>(d.id)).bind(3, id).run();
}

std::vector<JournalEntry> SqliteBackend::journal(const JournalQuery& q) const {
  std::lock_guard lock(db_mutex_);
  require_open();
  std::vector<JournalEntry> out;
  if (db_.scalar("PRAGMA user_version") < 6) return out;  // a read-only store of an older file: no journal
  const auto max_seq = static_cast<std::int64_t>(std::min<std::uint64_t>(q.max_sequence, INT64_MAX));
  const std::int64_t after = q.after ? q.after->unix_seconds() : INT64_MIN;
  const std::int64_t limit = q.limit >= static_cast<std::size_t>(INT64_MAX) ? -1 : static_cast<std::int64_t>(q.limit);
  sql::Statement s(db_, q.kind ? "SELECT j.id, j.entry FROM journal_object o JOIN journal j ON j.id = o.entry "
                                 "WHERE j.seq <= ?1 AND j.at > ?2 AND o.kind = ?4 AND o.id = ?5 "
                                 "ORDER BY j.id DESC LIMIT ?3"
                               : "SELECT id, entry FROM journal WHERE seq <= ?1 AND at > ?2 ORDER BY id DESC LIMIT ?3");
  s.bind(1, max_seq).bind(2, after).bind(3, limit);
  if (q.kind) s.bind(4, static_cast<std::int64_t>(*q.kind)).bind(5, static_cast<std::int64_t>(q.id));
  while (s.step()) {
    try {
      out.push_back(journal_entry_from_json(s.text_view(1)));
    } catch (const Error& e) {
      throw StorageError("database " + path_ + ": table journal, id " + std::to_string(s.integer(0)) +
                         ", column entry: " + e.what());
    }
  }
  return out;
}

std::size_t SqliteBackend::prune_journal(Timestamp before) {
  std::lock_guard lock(db_mutex_);
  require_open();
  require_writable();
  sql::Transaction tx(db_);
  sql::Statement o(db_, "DELETE FROM journal_object WHERE entry IN (SELECT id FROM journal WHERE at < ?)");
  o.bind(1, before.unix_seconds()).run();
  sql::Statement s(db_, "DELETE FROM journal WHERE at < ?");
  s.bind(1, before.unix_seconds()).run();
  const auto n = static_cast<std::size_t>(db_.scalar("SELECT changes()"));
  write_journal(journal_pruned_marker(before));
  tx.commit();
  return n;
}

void SqliteBackend::write_outbox(Outgoing notify) {
  if (notify.empty()) return;
  sql::Statement s(db_,
                   "INSERT INTO outbox(event, key, recipients, mailbox, sender, link, payload, created, next_attempt) "
                   "VALUES(?,?,?,?,?,?,?,?,?)");
  for (const Notification& n : notify) {
    s.bind(1, n.event).bind(2, n.key).bind(3, recipients_text(n.recipients)).bind(4, n.mailbox).bind(5, n.sender);
    s.bind(6, n.link).bind(7, n.payload.empty() ? std::string("{}") : n.payload).bind(8, n.created.unix_seconds());
    s.bind(9, n.next_attempt.unix_seconds());
    s.run();
  }
}

void SqliteBackend::write_task(const Task& t) {
  sql::Statement s(db_,
                   "UPDATE task SET status=?, responsible=?, performer=?, end_override=?, latest_start_override=?, "
                   "version=? WHERE id=?");
  s.bind(1, num(t.status)).bind(2, uid(t.responsible)).bind(3, uid(t.performer));
  s.bind(4, day(t.end_override)).bind(5, day(t.latest_start_override)).bind(6, std::int64_t{t.version});
  s.bind(7, std::int64_t{t.id.value()});
  s.run();
}

void SqliteBackend::write_local(const LocalTask& l) {
  sql::Statement s(db_,
                   // An upsert, not INSERT OR REPLACE: the row keeps its last-notified colour.
                   "INSERT INTO local_task(id, parent, municipality, title, responsible, performer, status, "
                   "end_date, description, version) VALUES(?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                   "parent=excluded.parent, municipality=excluded.municipality, title=excluded.title, "
                   "responsible=excluded.responsible, performer=excluded.performer, status=excluded.status, "
                   "end_date=excluded.end_date, description=excluded.description, version=excluded.version");
  s.bind(1, std::int64_t{l.id.value()}).bind(2, std::int64_t{l.parent.value()});
  s.bind(3, std::int64_t{l.municipality.value()}).bind(4, l.title).bind(5, uid(l.responsible));
  s.bind(6, uid(l.performer)).bind(7, num(l.status)).bind(8, std::int64_t{l.end.serial()});
  s.bind(9, l.description).bind(10, std::int64_t{l.version});
  s.run();
}

void SqliteBackend::write_user(const User& u) {
  sql::Statement s(db_,
                   "INSERT INTO user(id, email, email_key, full_name, organisation, side, municipality, administrator, "
                   "password_hash, version, daily_digest) VALUES(?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                   "email=excluded.email, email_key=excluded.email_key, full_name=excluded.full_name, "
                   "organisation=excluded.organisation, side=excluded.side, municipality=excluded.municipality, "
                   "administrator=excluded.administrator, password_hash=excluded.password_hash, "
                   "version=excluded.version, daily_digest=excluded.daily_digest");
  s.bind(1, std::int64_t{u.id.value()}).bind(2, u.email).bind(3, normalise_email(u.email)).bind(4, u.full_name);
  s.bind(5, u.organisation).bind(6, num(u.side));
  if (u.municipality)
    s.bind(7, std::int64_t{u.municipality->value()});
  else
    s.bind_null(7);
  s.bind(8, std::int64_t{u.administrator}).bind(9, std::string()).bind(10, std::int64_t{u.version});
  s.bind(11, std::int64_t{u.daily_digest});
  s.run();
  sql::Statement del(db_, "DELETE FROM membership WHERE user=?");
  del.bind(1, std::int64_t{u.id.value()}).run();
  sql::Statement ins(db_, "INSERT INTO membership(user, project, type) VALUES(?,?,?)");
  for (const Membership& m : u.memberships)
    ins.bind(1, std::int64_t{u.id.value()}).bind(2, std::int64_t{m.project.value()}).bind(3, num(m.type)).run();
}

void SqliteBackend::write_credentials(const Credentials& c) {
  sql::Statement s(db_,
                   "INSERT OR REPLACE INTO credentials(user, password_hash, reset_token_hash, reset_expires, "
                   "failed_logins, throttled_until) VALUES(?,?,?,?,?,?)");
  s.bind(1, std::int64_t{c.user.value()}).bind(2, c.password_hash).bind(3, c.reset_token_hash);
  s.bind(4, c.reset_expires.unix_seconds()).bind(5, std::int64_t{c.failed_logins});
  s.bind(6, c.throttled_until.unix_seconds()).run();
}

void SqliteBackend::write_change_log(FieldLogEntry::Object kind, std::uint32_t id, std::uint32_t version,
                                     std::uint32_t mask) {
  sql::Statement s(db_, "INSERT OR REPLACE INTO change_log(kind, id, version, fields) VALUES(?,?,?,?)");
  s.bind(1, static_cast<std::int64_t>(kind))
      .bind(2, std::int64_t{id})
      .bind(3, std::int64_t{version})
      .bind(4, std::int64_t{mask});
  s.run();
  if (version > field_log_depth) {
    sql::Statement trim(db_, "DELETE FROM change_log WHERE kind=? AND id=? AND version<=?");
    trim.bind(1, static_cast<std::int64_t>(kind)).bind(2, std::int64_t{id});
    trim.bind(3, std::int64_t{version} - std::int64_t{field_log_depth}).run();
  }
}

void SqliteBackend::write_message(const Message& m) {
  sql::Statement s(db_,
                   "INSERT INTO message(id, task, project, wave, author, author_side, time, text) "
                   "VALUES(?,?,?,?,?,?,?,?)");
  s.bind(1, static_cast<std::int64_t>(m.id.value()));
  m.target.task ? s.bind(2, std::int64_t{m.target.task->value()}) : s.bind_null(2);
  m.target.project ? s.bind(3, std::int64_t{m.target.project->value()}) : s.bind_null(3);
  m.target.wave ? s.bind(4, std::int64_t{m.target.wave->value()}) : s.bind_null(4);
  s.bind(5, std::int64_t{m.author.value()}).bind(6, num(m.author_side)).bind(7, m.time.unix_seconds());
  s.bind(8, m.text).run();
}

void SqliteBackend::write_attachment(const Attachment& a) {
  sql::Statement s(db_,
                   "INSERT INTO attachment(id, task, file_name, media_type, size, uploaded_by, time, content) "
                   "VALUES(?,?,?,?,?,?,?,?)");
  s.bind(1, static_cast<std::int64_t>(a.id.value())).bind(2, std::int64_t{a.task.value()}).bind(3, a.file_name);
  s.bind(4, a.media_type).bind(5, static_cast<std::int64_t>(a.content.size()));
  s.bind(6, std::int64_t{a.uploaded_by.value()}).bind(7, a.time.unix_seconds());
  s.bind_zeroblob(8, static_cast<std::int64_t>(a.content.size()));
  s.run();
  // Stream the content into the reserved blob in chunks (no second copy of the whole file).
  sqlite3_blob* blob = nullptr;
  int rc =
      sqlite3_blob_open(db_.get(), "main", "attachment", "content", static_cast<sqlite3_int64>(a.id.value()), 1, &blob);
  if (rc != SQLITE_OK) db_.fail(rc, "cannot open attachment blob");
  constexpr std::size_t chunk = 64 * 1024;
  for (std::size_t at = 0; at < a.content.size() && rc == SQLITE_OK; at += chunk) {
    const auto n = std::min(chunk, a.content.size() - at);
    rc = sqlite3_blob_write(blob, a.content.data() + at, static_cast<int>(n), static_cast<int>(at));
  }
  sqlite3_blob_close(blob);
  if (rc != SQLITE_OK) db_.fail(rc, "cannot write attachment content");
}

void SqliteBackend::write_cleared(const ClearedAssignments& c) {
  for (std::size_t i = 0; i < c.tasks.size(); ++i) {
    write_task(c.tasks[i]);
    write_change_log(FieldLogEntry::Object::Task, c.tasks[i].id.value(), c.tasks[i].version, c.task_fields.at(i));
  }
  for (const LocalTask& l : c.local_tasks) write_local(l);
}

void SqliteBackend::write_catalogue(const char* table, std::uint32_t id, std::optional<std::uint32_t> project,
                                    const std::string& name, const std::string& doc) {
  // project(id, name, doc); wave and template (id, project, doc): the entity as its JSON document.
  const std::string t(table);
  if (project) {
    sql::Statement s(db_, "INSERT INTO " + t +
                              "(id, project, doc) VALUES(?,?,?) ON CONFLICT(id) DO UPDATE SET "
                              "project=excluded.project, doc=excluded.doc");
    s.bind(1, std::int64_t{id}).bind(2, std::int64_t{*project}).bind(3, doc).run();
  } else {
    sql::Statement s(db_, "INSERT INTO " + t +
                              "(id, name, doc) VALUES(?,?,?) ON CONFLICT(id) DO UPDATE SET "
                              "name=excluded.name, doc=excluded.doc");
    s.bind(1, std::int64_t{id}).bind(2, name).bind(3, doc).run();
  }
}

void SqliteBackend::write_batch(const TaskBatch& b) {
  for (std::size_t i = 0; i < b.changed.size(); ++i) {
    write_task(b.changed[i]);
    write_change_log(FieldLogEntry::Object::Task, b.changed[i].id.value(), b.changed[i].version,
                     b.changed_fields.at(i));
  }
  for (const LocalTask& l : b.local_changed) write_local(l);
  if (b.added.empty()) return;
  sql::Statement s(db_,
                   "INSERT INTO task(id, template, municipality, status, responsible, performer, end_override, "
                   "latest_start_override, version) VALUES(?,?,?,?,?,?,?,?,?)");
  for (const Task& t : b.added) {
    s.bind(1, std::int64_t{t.id.value()}).bind(2, std::int64_t{t.template_id.value()});
    s.bind(3, std::int64_t{t.municipality.value()}).bind(4, num(t.status)).bind(5, uid(t.responsible));
    s.bind(6, uid(t.performer)).bind(7, day(t.end_override)).bind(8, day(t.latest_start_override));
    s.bind(9, std::int64_t{t.version}).run();
  }
}

std::uint64_t SqliteBackend::commit(const Change& change, Outgoing notify, const JournalEntry& journal,
                                    std::uint64_t after) {
  std::lock_guard lock(db_mutex_);
  require_open();
  sql::Transaction tx(db_);  // BEGIN IMMEDIATE: one writer at a time, across processes
  check_head(after);
  std::visit(detail::Overloaded{
                 [&](const TaskChanged& c) {
                   write_task(c.task);
                   write_change_log(FieldLogEntry::Object::Task, c.task.id.value(), c.task.version, c.fields);
                 },
                 [&](const UserSaved& c) {
                   write_user(c.user);
                   if (c.credentials) write_credentials(*c.credentials);
                   write_change_log(FieldLogEntry::Object::User, c.user.id.value(), c.user.version, c.fields);
                   write_cleared(c.cleared);
                 },
                 [&](const UserRemoved& c) {
                   write_cleared(c.cleared);
                   sql::Statement cr(db_, "DELETE FROM credentials WHERE user=?");
                   cr.bind(1, std::int64_t{c.user.value()}).run();
                   sql::Statement s(db_, "DELETE FROM user WHERE id=?");
                   s.bind(1, std::int64_t{c.user.value()}).run();
                 },
                 [&](const LocalTaskSaved& c) { write_local(c.task); },
                 [&](const LocalTaskRemoved& c) {
                   sql::Statement s(db_, "DELETE FROM local_task WHERE id=?");
                   s.bind(1, std::int64_t{c.task.value()}).run();
                 },
                 [&](const MessageAdded& c) { write_message(c.message); },
                 [&](const NotesSet& c) {
                   if (c.text.empty()) {
                     sql::Statement s(db_, "DELETE FROM internal_note WHERE task=?");
                     s.bind(1, std::int64_t{c.task.value()}).run();
                   } else {
                     sql::Statement s(db_, "INSERT OR REPLACE INTO internal_note(task, text) VALUES(?,?)");
                     s.bind(1, std::int64_t{c.task.value()}).bind(2, c.text).run();
                   }
                 },
                 [&](const AttachmentAdded& c) { write_attachment(c.attachment); },
                 [&](const ColoursNotified& c) {
                   sql::Statement s(db_, "UPDATE task SET notified=? WHERE id=?");
                   for (const auto& [task, colour] : c.colours) {
                     colour ? s.bind(1, num(*colour)) : s.bind_null(1);
                     s.bind(2, std::int64_t{task.value()}).run();
                   }
                   sql::Statement l(db_, "UPDATE local_task SET notified=? WHERE id=?");
                   for (const auto& [local, colour] : c.local_colours) {
                     colour ? l.bind(1, num(*colour)) : l.bind_null(1);
                     l.bind(2, std::int64_t{local.value()}).run();
                   }
                 },
                 [&](const NotificationsOnly&) {},
                 [&](const AttachmentRemoved& c) {
                   sql::Statement s(db_, "DELETE FROM attachment WHERE id=?");
                   s.bind(1, static_cast<std::int64_t>(c.attachment.value())).run();
                 },
                 [&](const CredentialsSaved& c) { write_credentials(c.credentials); },
                 [&](const ProjectSaved& c) {
                   write_catalogue("project", c.project.id.value(), std::nullopt, c.project.name,
                                   detail::to_json_value(c.project).dump());
                   for (const User& u : c.users) {
                     write_user(u);
                     write_change_log(FieldLogEntry::Object::User, u.id.value(), u.version, UserMembershipsField);
                   }
                   for (const RolloutWave& w : c.waves)
                     write_catalogue("wave", w.id.value(), w.project.value(), {}, detail::to_json_value(w).dump());
                   write_batch(c.tasks);
                 },
                 [&](const WaveSaved& c) {
                   write_catalogue("wave", c.wave.id.value(), c.wave.project.value(), {},
                                   detail::to_json_value(c.wave).dump());
                 },
                 [&](const TemplateSaved& c) {
                   write_catalogue("template", c.tpl.id.value(), c.tpl.project.value(), {},
                                   detail::to_json_value(c.tpl).dump());
                   write_batch(c.tasks);
                 },
             },
             change);
  write_outbox(notify);
  write_sequence(after + 1, change_kind(change), to_json(change));
  write_journal(journal);
  tx.commit();
  return after + 1;
}

std::uint64_t SqliteBackend::replace(const Dataset& data, const JournalEntry& journal, std::uint64_t after) {
  std::lock_guard lock(db_mutex_);
  require_open();
  sql::Transaction tx(db_);
  check_head(after);
  // Children before parents; the outbox and the change sequence stay.
  db_.exec(
      "DELETE FROM change_log; DELETE FROM credentials; DELETE FROM internal_note; DELETE FROM attachment; DELETE FROM "
      "message; "
      "DELETE FROM local_task; DELETE FROM task; DELETE FROM membership; DELETE FROM user; DELETE FROM template; "
      "DELETE FROM wave; DELETE FROM project; DELETE FROM municipality; "
      "DROP INDEX IF EXISTS task_responsible; DROP INDEX IF EXISTS task_performer;");
  {
    sql::Statement s(db_, "INSERT INTO municipality(id, name) VALUES(?,?)");
    for (const auto& m : data.municipalities) s.bind(1, std::int64_t{m.id.value()}).bind(2, m.name).run();
  }
  {
    sql::Statement s(db_, "INSERT INTO project(id, name, doc) VALUES(?,?,?)");
    for (const auto& p : data.projects)
      s.bind(1, std::int64_t{p.id.value()}).bind(2, p.name).bind(3, detail::to_json_value(p).dump()).run();
  }
  {
    sql::Statement s(db_, "INSERT INTO wave(id, project, doc) VALUES(?,?,?)");
    for (const auto& w : data.waves)
      s.bind(1, std::int64_t{w.id.value()})
          .bind(2, std::int64_t{w.project.value()})
          .bind(3, detail::to_json_value(w).dump())
          .run();
  }
  {
    sql::Statement s(db_, "INSERT INTO template(id, project, doc) VALUES(?,?,?)");
    for (const auto& t : data.templates)
      s.bind(1, std::int64_t{t.id.value()})
          .bind(2, std::int64_t{t.project.value()})
          .bind(3, detail::to_json_value(t).dump())
          .run();
  }
  for (const auto& u : data.users) write_user(u);
  for (const auto& c : data.credentials) write_credentials(c);
  {
    sql::Statement s(db_,
                     "INSERT INTO task(id, template, municipality, status, responsible, performer, end_override, "
                     "latest_start_override, version) VALUES(?,?,?,?,?,?,?,?,?)");
    for (const Task& t : data.tasks) {
      s.bind(1, std::int64_t{t.id.value()}).bind(2, std::int64_t{t.template_id.value()});
      s.bind(3, std::int64_t{t.municipality.value()}).bind(4, num(t.status)).bind(5, uid(t.responsible));
      s.bind(6, uid(t.performer)).bind(7, day(t.end_override)).bind(8, day(t.latest_start_override));
      s.bind(9, std::int64_t{t.version}).run();
    }
  }
  for (const auto& l : data.local_tasks) write_local(l);
  for (const auto& m : data.messages) write_message(m);
  for (const auto& a : data.attachments) write_attachment(a);
  {
    sql::Statement s(db_, "INSERT INTO internal_note(task, text) VALUES(?,?)");
    for (const auto& n : data.internal_notes) s.bind(1, std::int64_t{n.task.value()}).bind(2, n.text).run();
  }
  // Building the indexes after the rows is faster than maintaining them row by row.
  db_.exec("CREATE INDEX task_responsible ON task(responsible); CREATE INDEX task_performer ON task(performer);");
  write_sequence(after + 1, "reload", "{}");
  write_journal(journal);
  tx.commit();
  return after + 1;
}

void SqliteBackend::read_attachment(AttachmentId id, const std::function<void(std::string_view)>& sink) const {
  std::lock_guard lock(db_mutex_);
  if (!db_) throw FailedPreconditionError("the store is closed");
  sqlite3_blob* blob = nullptr;
  int rc =
      sqlite3_blob_open(db_.get(), "main", "attachment", "content", static_cast<sqlite3_int64>(id.value()), 0, &blob);
  if (rc != SQLITE_OK) {
    sqlite3_blob_close(blob);
    if ((rc & 0xff) == SQLITE_ERROR) throw not_found(ObjectKind::Attachment);
    db_.fail(rc, "cannot read attachment " + std::to_string(id.value()));
  }
  const int size = sqlite3_blob_bytes(blob);
  std::string buf(64 * 1024, '\0');
  for (int at = 0; at < size && rc == SQLITE_OK; at += static_cast<int>(buf.size())) {
    const int n = std::min(size - at, static_cast<int>(buf.size()));
    rc = sqlite3_blob_read(blob, buf.data(), n, at);
    if (rc == SQLITE_OK) sink(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
  sqlite3_blob_close(blob);
  if (rc != SQLITE_OK) db_.fail(rc, "cannot read attachment " + std::to_string(id.value()));
}

std::vector<Notification> SqliteBackend::read_outbox(sql::Statement& s) const {
  std::vector<Notification> out;
  while (s.step()) {
    Notification n;
    n.id = static_cast<std::uint64_t>(s.integer(0));
    n.event = s.text(1);
    n.key = s.text(2);
    auto recipients = parse_recipients(s.text_view(3));
    if (!recipients)
      throw StorageError("database " + path_ + ": table outbox, id " + std::to_string(n.id) +
                         ", column recipients: not a list of user ids");
    n.recipients = std::move(*recipients);
    static constexpr std::pair<int, const char*> texts[] = {
        {1, "event"}, {2, "key"}, {4, "mailbox"}, {5, "sender"}, {6, "link"}, {7, "payload"}, {12, "last_error"}};
    for (const auto& [col, name] : texts)
      if (const auto at = invalid_utf8_offset(s.text_view(col)))
        throw StorageError("database " + path_ + ": table outbox, id " + std::to_string(n.id) + ", column " + name +
                           ": is not valid UTF-8 (byte " + std::to_string(*at) + ")");
    n.mailbox = s.text(4);
    n.sender = s.text(5);
    n.link = s.text(6);
    n.payload = s.text(7);
    n.created = Timestamp(s.integer(8));
    n.attempts = static_cast<std::uint32_t>(s.integer(9));
    n.next_attempt = Timestamp(s.integer(10));
    n.delivered = s.integer(11) != 0;
    n.last_error = s.text(12);
    n.dead_letter = s.integer(13) != 0;
    out.push_back(std::move(n));
  }
  return out;
}

#define KLIK_OUTBOX_COLUMNS \
  "id, event, key, recipients, mailbox, sender, link, payload, created, attempts, next_attempt, delivered, last_error"

const char* SqliteBackend::dead_column() const {
  // A file older than version 7 (open read-only, so not migrated) has no dead letters.
  return db_.scalar("PRAGMA user_version") >= 7 ? "dead" : "0";
}

std::vector<Notification> SqliteBackend::pending_notifications(Timestamp now, std::size_t limit) const {
  std::lock_guard lock(db_mutex_);
  if (!db_) throw FailedPreconditionError("the store is closed");
  const std::string dead = dead_column();
  // The terms imply outbox_pending's condition: an index range over the pending entries.
  sql::Statement s(db_, "SELECT " KLIK_OUTBOX_COLUMNS ", " + dead + " FROM outbox WHERE delivered = 0 AND " + dead +
                            " = 0 AND next_attempt <= ? ORDER BY id LIMIT ?");
  s.bind(1, now.unix_seconds()).bind(2, static_cast<std::int64_t>(limit));
  return read_outbox(s);
}

std::vector<Notification> SqliteBackend::outbox() const {
  std::lock_guard lock(db_mutex_);
  if (!db_) throw FailedPreconditionError("the store is closed");
  sql::Statement s(db_, "SELECT " KLIK_OUTBOX_COLUMNS ", " + std::string(dead_column()) + " FROM outbox ORDER BY id");
  return read_outbox(s);
}

std::vector<Notification> SqliteBackend::dead_letters(std::size_t limit) const {
  std::lock_guard lock(db_mutex_);
  if (!db_) throw FailedPreconditionError("the store is closed");
  if (std::string_view(dead_column()) != "dead") return {};
  sql::Statement s(db_, "SELECT " KLIK_OUTBOX_COLUMNS ", dead FROM outbox WHERE dead <> 0 ORDER BY id LIMIT ?");
  s.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max())));
  return read_outbox(s);
}

OutboxCounts SqliteBackend::outbox_counts(Timestamp now) const {
  std::lock_guard lock(db_mutex_);
  if (!db_) throw FailedPreconditionError("the store is closed");
  const std::string dead = dead_column();
  const std::string pending = "delivered = 0 AND " + dead + " = 0";
  // One statement, one consistent state. pending and due are ranges of outbox_pending,
  // dead of outbox_dead; only the total (for delivered) reads the whole table.
  sql::Statement s(db_, "SELECT (SELECT count(*) FROM outbox WHERE " + pending +
                            "), (SELECT count(*) FROM outbox WHERE " + pending +
                            " AND next_attempt <= ?), (SELECT count(*) FROM outbox WHERE " + dead +
                            " <> 0), (SELECT count(*) FROM outbox)");
  s.bind(1, now.unix_seconds());
  OutboxCounts c;
  if (s.step()) {
    c.pending = static_cast<std::uint64_t>(s.integer(0));
    c.due = static_cast<std::uint64_t>(s.integer(1));
    c.dead = static_cast<std::uint64_t>(s.integer(2));
    c.delivered = static_cast<std::uint64_t>(s.integer(3)) - c.pending - c.dead;
  }
  return c;
}

void SqliteBackend::mark_delivered(std::span<const std::uint64_t> ids) {
  std::lock_guard lock(db_mutex_);
  if (!db_) throw FailedPreconditionError("the store is closed");
  if (options_.read_only) throw StorageError("database " + path_ + " is open read-only");
  sql::Transaction tx(db_);
  sql::Statement s(db_, "UPDATE outbox SET delivered = 1 WHERE id = ?");
  for (const std::uint64_t id : ids) {
    s.bind(1, static_cast<std::int64_t>(id)).run();
    if (sqlite3_changes(db_.get()) == 0) throw not_found(ObjectKind::Notification);
  }
  tx.commit();
}

void SqliteBackend::reschedule(std::uint64_t id, Timestamp next_attempt, const std::string& error) {
  std::lock_guard lock(db_mutex_);
  if (!db_) throw FailedPreconditionError("the store is closed");
  if (options_.read_only) throw StorageError("database " + path_ + " is open read-only");
  sql::Statement s(db_, "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, last_error = ? WHERE id = ?");
  s.bind(1, next_attempt.unix_seconds()).bind(2, error).bind(3, static_cast<std::int64_t>(id)).run();
  if (sqlite3_changes(db_.get()) == 0) throw not_found(ObjectKind::Notification);
}

void SqliteBackend::give_up(std::uint64_t id, const std::string& error) {
  std::lock_guard lock(db_mutex_);
  if (!db_) throw FailedPreconditionError("the store is closed");
  require_writable();
  sql::Statement s(db_, "UPDATE outbox SET attempts = attempts + 1, dead = 1, last_error = ? WHERE id = ?");
  s.bind(1, error).bind(2, static_cast<std::int64_t>(id)).run();
  if (sqlite3_changes(db_.get()) == 0) throw not_found(ObjectKind::Notification);
}

void SqliteBackend::requeue(std::span<const std::uint64_t> ids, Timestamp next_attempt) {
  std::lock_guard lock(db_mutex_);
  if (!db_) throw FailedPreconditionError("the store is closed");
  require_writable();
  sql::Transaction tx(db_);
  sql::Statement check(db_, "SELECT dead FROM outbox WHERE id = ?");
  sql::Statement s(db_, "UPDATE outbox SET dead = 0, attempts = 0, next_attempt = ? WHERE id = ?");
  for (const std::uint64_t id : ids) {
    check.bind(1, static_cast<std::int64_t>(id));
    if (!check.step()) throw not_found(ObjectKind::Notification);  // rolled back
    const bool dead = check.integer(0) != 0;
    check.reset();
    if (!dead) throw FailedPreconditionError("notification " + std::to_string(id) + " is not a dead letter");
    s.bind(1, next_attempt.unix_seconds()).bind(2, static_cast<std::int64_t>(id)).run();
  }
  tx.commit();
}

std::string SqliteBackend::integrity_check() const {
  std::lock_guard lock(db_mutex_);
  if (!db_) throw FailedPreconditionError("the store is closed");
  sql::Statement s(db_, "PRAGMA integrity_check");
  std::string out;
  while (s.step()) {
    if (!out.empty()) out += '\n';
    out += s.text_view(0);
  }
  sql::Statement fk(db_, "PRAGMA foreign_key_check");
  while (fk.step()) out += "\nforeign key violation in " + fk.text(0) + " row " + std::to_string(fk.integer(1));
  return out;
}

void SqliteBackend::close() {
  std::lock_guard db_lock(db_mutex_);
  if (!db_) return;
  data_version_query_.reset();  // finalized before the connection closes
  if (!options_.read_only) sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  db_.close();
}

// ---- SqliteStore: a Store over a SqliteBackend, with the file's own calls ----

SqliteStore::SqliteStore(std::unique_ptr<SqliteBackend> backend, Calendars calendars)
    : Store(std::move(backend), std::move(calendars)) {}

SqliteStore::~SqliteStore() = default;

SqliteBackend& SqliteStore::sqlite() const {
  if (closed()) throw FailedPreconditionError("the SQLite store is closed");
  return static_cast<SqliteBackend&>(backend());
}

const std::string& SqliteStore::path() const { return sqlite().path(); }
int SqliteStore::schema_version() const { return sqlite().schema_version(); }
std::string SqliteStore::integrity_check() const { return sqlite().integrity_check(); }

std::unique_ptr<SqliteStore> open_sqlite_store(const std::string& path, SqliteOptions options) {
  auto backend = std::make_unique<SqliteBackend>(path, options);
  return std::make_unique<SqliteStore>(std::move(backend), std::move(options.calendars));
}

SqliteSalvage salvage_sqlite(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw StorageError("cannot salvage " + path + ": no such file");
  if (fs::is_directory(path, ec)) throw StorageError("cannot salvage " + path + ": it is a directory");
  // Read-only: the file and its log stay as they are. Without a log holding
  // commits the file alone is the database: read it immutable (no -wal or -shm
  // is created); otherwise through SQLite's read-only WAL access.
  const int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
  const bool log = file_size_or_absent(path + "-wal") > 0;
  sql::Database db(path, flags, uri_of(path, log ? "mode=ro" : "mode=ro&immutable=1"));
  std::int64_t version = 0;
  const int rc = probe_version(db.get(), version);
  try {
    if (rc != SQLITE_OK) db.fail(rc, "cannot read database");
    if (version < 1 || version > sqlite_schema_version)
      throw StorageError("cannot salvage " + path + ": schema version " + std::to_string(version) +
                         " is not one this klik reads (1.." + std::to_string(sqlite_schema_version) + ")");
    detail::sql::LoadedRows rows;
    {
      sql::Transaction tx(db, false);
      rows = detail::sql::read_rows(db, version, true);
      tx.commit();
    }
    detail::sql::check_references(rows, true);
    return {std::move(rows.data), std::move(rows.problems)};
  } catch (const StorageError& e) {
    const std::string msg = e.what();
    if (msg.find("not a database") != std::string::npos)
      throw StorageError("cannot salvage " + path + ": not a klik SQLite database (" + msg + ")");
    if (msg.find("no such table") != std::string::npos || msg.find("no such column") != std::string::npos)
      throw StorageError("cannot salvage " + path + ": not a klik store (" + msg + ")");
    throw;
  }
}

}  // namespace klik
