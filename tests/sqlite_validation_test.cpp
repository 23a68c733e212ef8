// Opening a damaged or hand-edited SQLite file (issue 9): the schema version
// range, validation of every loaded row before anything is written, the file
// left byte-identical when refused, salvage_sqlite for the good rows, and
// read-only opens by a process that cannot write the folder.
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <iterator>

#include "klik/sqlite_store.hpp"
#include "store_test_support.hpp"

using namespace klik;
using klik::testing::read_file;
using klik::testing::TempDir;
using klik::testing::write_file;

namespace {

const Dataset& data() {
  static const Dataset d = klik::testing::small_dataset();
  return d;
}

/// A hash of the bytes of the database and of its log (when present): what must not change.
std::string file_state(const std::string& path) {
  std::string s = std::to_string(std::hash<std::string>{}(read_file(path)));
  if (std::ifstream(path + "-wal").good())
    s += " -wal " + std::to_string(std::hash<std::string>{}(read_file(path + "-wal")));
  return s;
}

/// Runs SQL on the file directly, as a hand edit would (no foreign keys, no CHECKs).
/// `keep_log`: leave the commit in the -wal file (no checkpoint on close).
void raw_sql(const std::string& path, const std::string& sql, bool keep_log = false) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  if (keep_log) sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, ("PRAGMA ignore_check_constraints = ON;" + sql).c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

std::int64_t raw_scalar(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr);
  const std::int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -999;
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

std::string make_file(const TempDir& dir, const std::string& name = "klik.sqlite") {
  return klik::testing::make_sqlite_file(dir, data(), name);
}

std::string open_error(const std::string& path, SqliteOptions o = {}) {
  return klik::testing::sqlite_open_error(path, std::move(o));
}

#define EXPECT_HAS(text, part) \
  EXPECT_NE((text).find(part), std::string::npos) << "no \"" << (part) << "\" in: " << (text)

// Ids of rows the damage below is applied to.
std::uint32_t assigned_user() {
  for (const Task& t : data().tasks)
    if (t.responsible) return t.responsible->value();
  return 0;
}
std::uint32_t first_task() { return data().tasks.front().id.value(); }

}  // namespace

TEST(SqliteValidation, AVersionOutsideTheKnownRangeIsACleanErrorNamingFileAndVersion) {
  TempDir dir;
  const std::string path = make_file(dir);
  // One flipped header byte: user_version is the big-endian int at offset 60.
  std::string bytes = read_file(path);
  bytes[60] = static_cast<char>(0xFF);
  write_file(path, bytes);
  std::string error = open_error(path);
  EXPECT_HAS(error, path);
  EXPECT_HAS(error, "schema version " + std::to_string(static_cast<std::int32_t>(0xFF000000u | sqlite_schema_version)));
  EXPECT_HAS(error, "header is damaged");
  EXPECT_EQ(read_file(path), bytes);
  EXPECT_HAS(open_error(path, {.read_only = true}),
             "schema version " + std::to_string(static_cast<std::int32_t>(0xFF000000u | sqlite_schema_version)));

  raw_sql(path, "PRAGMA user_version = -1;");
  const std::string before = file_state(path);
  error = open_error(path);
  EXPECT_HAS(error, "schema version -1,");
  EXPECT_EQ(file_state(path), before);
  try {
    (void)salvage_sqlite(path);
    ADD_FAILURE() << "salvaged";
  } catch (const StorageError& e) {
    EXPECT_HAS(std::string(e.what()), "schema version -1 ");
  }

  const int newer = sqlite_schema_version + 1;
  raw_sql(path, "PRAGMA user_version = " + std::to_string(newer) + ";");
  EXPECT_HAS(open_error(path), "schema version " + std::to_string(newer) + ", newer than this klik understands (" +
                                   std::to_string(sqlite_schema_version) + ")");
}

// A refused old file is not migrated: byte-identical afterwards (with its log).
TEST(SqliteValidation, ARefusedFileIsNotMigratedAndStaysByteIdentical) {
  for (const int version : {1, sqlite_schema_version - 1})
    for (const bool in_log : {false, true}) {
      SCOPED_TRACE(in_log ? "damage in the -wal file" : "damage in the main file");
      SCOPED_TRACE("schema version " + std::to_string(version));
      TempDir dir;
      const std::string path = make_file(dir);
      raw_sql(path, klik::testing::sqlite_downgrade_sql(version));  // as klik with that schema wrote it
      raw_sql(path, "UPDATE template SET doc = '{\"id\": 1, ' WHERE id = (SELECT min(id) FROM template);", in_log);
      if (in_log) {
        ASSERT_GT(read_file(path + "-wal").size(), 0u);
      }
      const std::string before = file_state(path);
      const std::string error = open_error(path);
      EXPECT_HAS(error, "table template, id 1, column doc: is not a valid document");
      EXPECT_EQ(file_state(path), before);
      EXPECT_EQ(raw_scalar(path, "PRAGMA user_version"), version);
      EXPECT_EQ(raw_scalar(path, "SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'dead'"), 0);
      EXPECT_EQ(raw_scalar(path, "SELECT count(*) FROM pragma_table_info('user') WHERE name = 'daily_digest'"), 0);
    }
}

TEST(SqliteValidation, AGoodOldFileIsStillMigratedAndAReadOnlyOpenReadsItUnmigrated) {
  TempDir dir;
  const std::string path = make_file(dir);
  raw_sql(path, klik::testing::sqlite_downgrade_sql(1));
  {
    auto ro = open_sqlite_store(path, {.read_only = true});
    EXPECT_EQ(ro->schema_version(), 1);
    EXPECT_EQ(ro->export_dataset(), data());
  }
  auto s = open_sqlite_store(path);
  EXPECT_EQ(s->schema_version(), sqlite_schema_version);
  EXPECT_EQ(s->export_dataset(), data());
}

struct Damage {
  const char* name;
  std::function<std::string()> sql;
  std::vector<std::string> expected;  // parts of the error message
};

TEST(SqliteValidation, EveryBadValueOrReferenceIsAStorageErrorNamingTableRowAndColumn) {
  const std::uint32_t user = assigned_user();
  const std::uint32_t task = first_task();
  const std::string u = std::to_string(user), t = std::to_string(task);
  ASSERT_NE(user, 0u);
  const std::string long_text(5000, 'x');
  const std::vector<Damage> cases = {
      {"side out of range",
       [&] { return "UPDATE user SET side = 99 WHERE id = " + u; },
       {"table user, id " + u + ", column side: 99 is not a Side (0 municipality, 1 kombit)"}},
      {"daily digest neither 0 nor 1",
       [&] { return "UPDATE user SET daily_digest = 2 WHERE id = " + u; },
       {"table user, id " + u + ", column daily_digest: 2 is outside 0..1"}},
      {"status out of range",
       [&] { return "UPDATE task SET status = 7 WHERE id = " + t; },
       {"table task, id " + t + ", column status: 7 is not a TaskStatus (0 not_active"}},
      {"notified colour out of range",
       [&] { return "UPDATE task SET notified = -3 WHERE id = " + t; },
       {"column notified: -3 is not a DeadlineColour"}},
      {"membership type",
       [&] { return "UPDATE membership SET type = 4 WHERE user = " + u; },
       {"table membership, user " + u + ", column type: 4 is not a UserType"}},
      {"task id 2^63-1",
       [&] { return "UPDATE task SET id = 9223372036854775807 WHERE id = " + t; },
       {"table task, id 9223372036854775807, column id: 9223372036854775807 is outside 1..2147483647"}},
      {"task id -1",
       [&] { return "UPDATE task SET id = -1 WHERE id = " + t; },
       {"table task, id -1, column id: -1 is outside 1..2147483647"}},
      {"deleted user still responsible",
       [&] { return "DELETE FROM user WHERE id = " + u; },
       {"column responsible: unknown user " + u}},
      {"unknown municipality",
       [&] { return "UPDATE task SET municipality = 999, responsible = NULL, performer = NULL WHERE id = " + t; },
       {"table task, id " + t + ", column municipality: unknown municipality 999"}},
      {"invalid UTF-8",
       [&] { return "UPDATE user SET full_name = CAST(X'4AC3A6C3' AS TEXT) WHERE id = " + u; },
       {"table user, id " + u + ", column full_name: is not valid UTF-8 (byte 3 of 4)"}},
      {"text in an integer column",
       [&] { return "UPDATE task SET version = '" + long_text + "' WHERE id = " + t; },
       {"table task, id " + t + ", column version: holds text \"xxxx", "\"… (4920 more bytes), not an integer"}},
      {"date out of range",
       [&] { return "UPDATE task SET end_override = 3000000 WHERE id = " + t; },
       {"column end_override: day 3000000 is not a date in 1400-9999"}},
      {"unknown template",
       [&] { return "UPDATE task SET template = 4242 WHERE id = " + t; },
       {"table task, id " + t + ", column template: unknown template 4242"}},
      {"bytes in a text column",
       [&] { return "UPDATE municipality SET name = X'FF' WHERE id = (SELECT min(id) FROM municipality)"; },
       {"table municipality", "column name: is not valid UTF-8 (byte 0 of 1)"}},
  };
  for (const Damage& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    const std::string path = make_file(dir);
    // Recreate the tables without constraints where a hand edit would need that.
    raw_sql(path, c.sql());
    const std::string before = file_state(path);
    const std::string error = open_error(path);
    EXPECT_HAS(error, "database " + path + " has invalid rows: ");
    for (const std::string& part : c.expected) EXPECT_HAS(error, part);
    EXPECT_HAS(error, "klik.salvage_sqlite");
    EXPECT_LT(error.size(), 1200u) << "input quoted without bound";
    EXPECT_EQ(file_state(path), before);
    EXPECT_HAS(open_error(path, {.read_only = true}), "has invalid rows");
  }
}

TEST(SqliteValidation, SalvageKeepsTheGoodRowsAndSaysWhatItDroppedOrCleared) {
  TempDir dir;
  const std::string path = make_file(dir);
  const std::uint32_t user = assigned_user();
  const std::uint32_t task = first_task();
  // A deleted user still responsible, a task with a bad id, and a bad enum.
  std::uint32_t other = 0;
  for (const User& x : data().users)
    if (x.id.value() != user && x.side == Side::Municipality) other = x.id.value();
  ASSERT_NE(other, 0u);
  raw_sql(path, "DELETE FROM user WHERE id = " + std::to_string(user) + "; UPDATE task SET id = -1 WHERE id = " +
                    std::to_string(task) + "; UPDATE user SET side = 99 WHERE id = " + std::to_string(other));
  const std::string before = file_state(path);
  const SqliteSalvage s = salvage_sqlite(path);
  EXPECT_EQ(file_state(path), before);
  EXPECT_TRUE(validate(s.data).empty());

  auto has = [&](const std::string& table, std::int64_t id, const std::string& column, bool cleared) {
    for (const DroppedRow& d : s.dropped)
      if (d.table == table && d.id == id && d.column == column && d.cleared == cleared) return true;
    return false;
  };
  EXPECT_TRUE(has("task", -1, "id", false));
  EXPECT_TRUE(has("user", other, "side", false));
  for (const DroppedRow& d : s.dropped) EXPECT_FALSE(d.reason.empty());

  // Users: all but the two. Tasks: all but the one with a bad id; nobody assigned who is gone.
  EXPECT_EQ(s.data.users.size(), data().users.size() - 2);
  EXPECT_EQ(s.data.tasks.size(), data().tasks.size() - 1);
  std::size_t cleared = 0;
  for (const Task& t : data().tasks)
    if (t.id.value() != task && (t.responsible == UserId(user) || t.responsible == UserId(other))) ++cleared;
  ASSERT_GT(cleared, 0u);
  std::size_t cleared_listed = 0;
  for (const DroppedRow& d : s.dropped)
    if (d.table == "task" && d.column == "responsible" && d.cleared) ++cleared_listed;
  EXPECT_EQ(cleared_listed, cleared);
  for (const Task& t : s.data.tasks) {
    EXPECT_NE(t.responsible, UserId(user));
    EXPECT_NE(t.responsible, UserId(other));
  }
  // What depended on the dropped task went with it; attachment content came along.
  for (const Attachment& a : s.data.attachments) EXPECT_NE(a.task, TaskId(task));
  for (const LocalTask& l : s.data.local_tasks) EXPECT_NE(l.parent, TaskId(task));
  std::size_t with_content = 0;
  for (const Attachment& a : s.data.attachments) with_content += a.content.size() == a.size && a.size > 0;
  EXPECT_EQ(with_content, s.data.attachments.size());

  // The good rows import into a fresh file, which opens.
  const std::string fresh = dir.file("fresh.sqlite");
  open_sqlite_store(fresh)->import_dataset(s.data);
  EXPECT_EQ(open_sqlite_store(fresh)->export_dataset(), s.data);

  // A sound file salvages to exactly its data.
  const SqliteSalvage all = salvage_sqlite(make_file(dir, "sound.sqlite"));
  EXPECT_TRUE(all.dropped.empty());
  EXPECT_EQ(all.data, data());
  EXPECT_THROW((void)salvage_sqlite(dir.file("absent.sqlite")), StorageError);
}

namespace {

/// Runs `body` in a child process as an unprivileged user (uid/gid 65534 when
/// running as root; otherwise as ourselves); returns its exit status.
int as_unprivileged(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(90);
    int rc = 91;
    try {
      rc = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      rc = 92;
    }
    ::_exit(rc);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

}  // namespace

TEST(SqliteValidation, AReaderThatCannotWriteTheFolderOpensReadOnly) {
  TempDir dir;
  const std::string path = make_file(dir);
  // Readable by all, writable by nobody but the owner (root: the child drops to uid 65534).
  ::chmod(dir.path().c_str(), 0755);
  ::chmod(path.c_str(), 0644);
  if (::geteuid() != 0) ::chmod(dir.path().c_str(), 0555);
  const std::size_t tasks = data().tasks.size();

  // 1. A closed store (no -wal, no -shm): opens (immutable; nothing to recover).
  EXPECT_EQ(as_unprivileged([&] {
              if (::access(dir.path().c_str(), W_OK) == 0) return 10;  // the test would prove nothing
              auto s = open_sqlite_store(path, {.read_only = true});
              const Attachment& a = data().attachments[0];
              std::string content;
              s->read_attachment(a.id, [&](std::string_view chunk) { content.append(chunk); });
              return s->snapshot()->task_count() == tasks && content == a.content ? 0 : 11;
            }),
            0);
  EXPECT_FALSE(std::ifstream(path + "-shm").good());

  // 2. A writer has it open (its -wal and -shm exist, readable): the reader sees its commits.
  if (::geteuid() != 0) ::chmod(dir.path().c_str(), 0755);
  auto writer = open_sqlite_store(path);
  const Task t = data().tasks[0];
  writer->update_task({.task = t.id, .status = TaskStatus::Completed});
  if (::geteuid() != 0) ::chmod(dir.path().c_str(), 0555);
  EXPECT_EQ(as_unprivileged([&] {
              auto s = open_sqlite_store(path, {.read_only = true});
              return s->snapshot()->task(t.id)->status == TaskStatus::Completed ? 0 : 12;
            }),
            0);

  // 3. A log with commits but no -shm (a writer was killed; the -shm is gone):
  //    it truly cannot be read without writing; the error says what to do.
  if (::geteuid() != 0) ::chmod(dir.path().c_str(), 0755);
  writer.reset();  // closes without the store's checkpoint; SQLite checkpoints on close
  raw_sql(path, "UPDATE task SET version = version + 1 WHERE id = " + std::to_string(t.id.value()), true);
  ::unlink((path + "-shm").c_str());
  ASSERT_GT(read_file(path + "-wal").size(), 0u);
  ::chmod((path + "-wal").c_str(), 0644);
  if (::geteuid() != 0) ::chmod(dir.path().c_str(), 0555);
  EXPECT_EQ(as_unprivileged([&] {
              const std::string e = open_error(path, {.read_only = true});
              std::fprintf(stderr, "%s\n", e.c_str());
              return e.find("read-only: its write-ahead log") != std::string::npos &&
                             e.find("Let the writer close the store") != std::string::npos
                         ? 0
                         : 13;
            }),
            0);
}

TEST(SqliteValidation, ADamagedOutboxRowIsAStorageErrorNotAWrongRecipient) {
  TempDir dir;
  const std::string path = make_file(dir);
  {
    auto s = open_sqlite_store(path);
    Notification n;
    n.event = "test";
    n.recipients = {UserId(3), UserId(17)};
    s->enqueue(std::span<const Notification>(&n, 1));
    ASSERT_EQ(s->outbox().at(0).recipients, (std::vector<UserId>{UserId(3), UserId(17)}));
  }
  raw_sql(path, "UPDATE outbox SET recipients = '3,x17'");
  auto s = open_sqlite_store(path);
  try {
    (void)s->outbox();
    ADD_FAILURE() << "read";
  } catch (const StorageError& e) {
    EXPECT_HAS(std::string(e.what()), "table outbox, id 1, column recipients: not a list of user ids");
  }
  raw_sql(path, "UPDATE outbox SET recipients = '3', payload = CAST(X'7B22C3' AS TEXT)");
  s = open_sqlite_store(path);  // the old store's handle is replaced
  try {
    (void)s->outbox();
    ADD_FAILURE() << "read";
  } catch (const StorageError& e) {
    EXPECT_HAS(std::string(e.what()), "table outbox, id 1, column payload: is not valid UTF-8 (byte 2)");
  }
}
