// The SQLite store beyond the shared contract (store_contract_test.cpp):
// schema versions and migrations, bad and hostile files, read-only use, a full
// disk, and readers in other threads and another process.
#include "klik/sqlite_store.hpp"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>

#include <atomic>
#include <fstream>
#include <iterator>
#include <thread>

#include "klik/publishing.hpp"
#include "klik/query_engine.hpp"
#include "store_test_support.hpp"

using namespace klik;
using klik::testing::read_file;
using klik::testing::sqlite_downgrade_sql;
using klik::testing::TempDir;
using klik::testing::write_file;

namespace {

const Dataset& data() {
  static const Dataset d = klik::testing::small_dataset();
  return d;
}

/// Runs SQL on the file directly (as another tool would).
void raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

/// The first column of the first row of a query, run on the file directly.
std::int64_t raw_count(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::int64_t n = -1;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

/// A closed store file holding data() (checkpointed: no -wal file).
std::string make_file(const TempDir& dir, const std::string& name = "klik.sqlite") {
  return klik::testing::make_sqlite_file(dir, data(), name);
}

std::string open_error(const std::string& path, SqliteOptions o = {}) {
  return klik::testing::sqlite_open_error(path, std::move(o));
}

TEST(SqliteStore, CreatesAnEmptyStoreAtTheCurrentSchemaVersion) {
  TempDir dir;
  auto s = open_sqlite_store(dir.file("new.sqlite"));
  EXPECT_EQ(s->schema_version(), sqlite_schema_version);
  EXPECT_EQ(s->snapshot()->task_count(), 0u);
  EXPECT_EQ(s->integrity_check(), "ok");
  s->close();
  EXPECT_TRUE(s->closed());
  EXPECT_THROW((void)s->snapshot(), FailedPreconditionError);
  s->close();  // idempotent
  const std::string absent = open_error(dir.file("absent.sqlite"), {.create = false});
  EXPECT_NE(absent.find("no such file"), std::string::npos) << absent;
}

TEST(SqliteStore, MigratesAVersion1FileForward) {
  TempDir dir;
  const std::string path = make_file(dir);
  // What klik with schema 1 wrote: no change_log table.
  raw_sql(path, sqlite_downgrade_sql(1));
  auto s = open_sqlite_store(path);
  EXPECT_EQ(s->schema_version(), sqlite_schema_version);
  EXPECT_EQ(s->export_dataset(), data());
  const Task t = data().tasks[0];
  s->update_task({.task = t.id, .status = TaskStatus::Completed});  // writes to change_log
  try {
    s->update_task({.task = t.id, .expected_version = t.version, .status = TaskStatus::Started});
    FAIL();
  } catch (const ConflictError& e) {
    EXPECT_EQ(e.changed_fields(), std::vector<std::string>{"status"});
  }
}

TEST(SqliteStore, SchemaFourMovesPasswordHashesIntoCredentials) {
  TempDir dir;
  const std::string path = make_file(dir);
  const UserId u = data().users[1].id;
  // What klik with schema 3 wrote: the hash on the user row, no credentials table.
  raw_sql(path, sqlite_downgrade_sql(3) +
                    "UPDATE user SET password_hash = '$argon2id$v=19$m=8,t=1,p=1$old' WHERE id = " +
                    std::to_string(u.value()) + ";");
  {
    // A read-only open does not migrate, and still reads the hash as credentials.
    auto ro = open_sqlite_store(path, {.read_only = true});
    EXPECT_EQ(ro->schema_version(), 3);
    EXPECT_EQ(ro->credentials(u).password_hash, "$argon2id$v=19$m=8,t=1,p=1$old");
  }
  auto s = open_sqlite_store(path);
  EXPECT_EQ(s->schema_version(), sqlite_schema_version);
  EXPECT_EQ(s->credentials(u).password_hash, "$argon2id$v=19$m=8,t=1,p=1$old");
  EXPECT_EQ(s->export_dataset(), data());
  s.reset();
  // Moved, not copied: the user row holds no hash any more.
  EXPECT_EQ(raw_count(path, "SELECT count(*) FROM user WHERE password_hash <> ''"), 0);
  EXPECT_EQ(raw_count(path, "SELECT count(*) FROM credentials"), 1);
  auto again = open_sqlite_store(path, {.read_only = true});
  EXPECT_EQ(again->credentials(u).password_hash, "$argon2id$v=19$m=8,t=1,p=1$old");
}

// Every older schema migrates forward keeping everything; a read-only open reads
// it as it is. Version 7 added dead letters and the daily digest: an old file's
// entries are not dead, its users get no digest.
TEST(SqliteStore, MigratesAFileOfEveryOlderVersionForward) {
  for (int version = 1; version < sqlite_schema_version; ++version) {
    SCOPED_TRACE("schema version " + std::to_string(version));
    TempDir dir;
    const std::string path = make_file(dir);
    {
      auto s = open_sqlite_store(path);
      Notification n;
      n.event = "task.status";
      n.recipients = {data().users[0].id};
      n.created = n.next_attempt = Timestamp(1'700'000'000);
      const Notification two[] = {n, n};
      s->enqueue(two);
      const std::uint64_t first[] = {s->outbox()[0].id};
      s->mark_delivered(first);
      s->reschedule(s->outbox()[1].id, Timestamp(1'700'000'060), "smtp down");
    }
    raw_sql(path, sqlite_downgrade_sql(version));
    const Timestamp now(1'700'000'100);
    const OutboxCounts counts{.pending = 1, .due = 1, .dead = 0, .delivered = 1};
    {
      auto ro = open_sqlite_store(path, {.read_only = true});
      EXPECT_EQ(ro->schema_version(), version);
      EXPECT_EQ(ro->export_dataset(), data());
      EXPECT_EQ(ro->outbox_counts(now), counts);
      EXPECT_EQ(ro->pending_notifications(now, 10).size(), 1u);
      EXPECT_TRUE(ro->dead_letters(10).empty());
    }
    auto s = open_sqlite_store(path);
    EXPECT_EQ(s->schema_version(), sqlite_schema_version);
    EXPECT_EQ(s->export_dataset(), data());
    for (const User& u : s->export_dataset().users) EXPECT_FALSE(u.daily_digest);
    const auto box = s->outbox();
    ASSERT_EQ(box.size(), 2u);
    EXPECT_TRUE(box[0].delivered);
    EXPECT_EQ(box[1].attempts, 1u);
    EXPECT_EQ(box[1].last_error, "smtp down");
    EXPECT_FALSE(box[0].dead_letter || box[1].dead_letter);
    EXPECT_EQ(s->outbox_counts(now), counts);
    s->give_up(box[1].id, "mailbox unavailable");  // the new column is written
    EXPECT_EQ(s->outbox_counts(now), (OutboxCounts{.pending = 0, .due = 0, .dead = 1, .delivered = 1}));
  }
}

// The counts and the pending list read index ranges, not the whole outbox.
TEST(SqliteStore, OutboxCountsAndPendingEntriesUseTheirPartialIndexes) {
  TempDir dir;
  const std::string path = make_file(dir);
  auto plan = [&](const std::string& query) {
    sqlite3* db = nullptr;
    std::string out;
    if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + query).c_str(), -1, &st, nullptr) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW)
          out += reinterpret_cast<const char*>(sqlite3_column_text(st, 3)) + std::string("\n");
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return out;
  };
  EXPECT_NE(
      plan("SELECT count(*) FROM outbox WHERE delivered = 0 AND dead = 0 AND next_attempt <= 5").find("outbox_pending"),
      std::string::npos);
  EXPECT_NE(plan("SELECT count(*) FROM outbox WHERE delivered = 0 AND dead = 0").find("outbox_pending"),
            std::string::npos);
  EXPECT_NE(plan("SELECT id FROM outbox WHERE dead <> 0 ORDER BY id").find("outbox_dead"), std::string::npos);
}

TEST(SqliteStore, RefusesAFileFromANewerKlikAndLeavesItAlone) {
  TempDir dir;
  const std::string path = make_file(dir);
  raw_sql(path, "PRAGMA user_version = 99;");
  const std::string before = read_file(path);
  const std::string error = open_error(path);
  EXPECT_NE(
      error.find("schema version 99, newer than this klik understands (" + std::to_string(sqlite_schema_version) + ")"),
      std::string::npos)
      << error;
  EXPECT_EQ(read_file(path), before);
}

TEST(SqliteStore, RefusesFilesThatAreNotKlikStores) {
  TempDir dir;
  const std::string text = dir.file("notes.txt");
  std::string junk;
  for (int i = 0; i < 300; ++i) junk += "this is not a database, just text. ";
  write_file(text, junk);
  std::string error = open_error(text);
  EXPECT_NE(error.find("not a klik SQLite database"), std::string::npos) << error;
  EXPECT_EQ(read_file(text), junk);

  const std::string other = dir.file("other.sqlite");
  raw_sql(other, "CREATE TABLE invoices(id INTEGER PRIMARY KEY, amount REAL);");
  error = open_error(other);
  EXPECT_NE(error.find("not a klik store"), std::string::npos) << error;

  error = open_error(dir.path().string());
  EXPECT_NE(error.find("directory"), std::string::npos) << error;
}

TEST(SqliteStore, CorruptAndTruncatedFilesGiveAClearErrorAndAreNotModified) {
  TempDir dir;
  const std::string path = make_file(dir);
  const std::string good = read_file(path);
  ASSERT_GT(good.size(), 16'384u);

  std::string corrupt = good;
  for (std::size_t i = 4096; i < corrupt.size(); ++i) corrupt[i] = static_cast<char>(0xA5 ^ (i * 31));
  write_file(path, corrupt);
  std::string error = open_error(path);
  EXPECT_NE(error.find("corrupt"), std::string::npos) << error;
  EXPECT_EQ(read_file(path), corrupt);

  const std::string truncated = good.substr(0, good.size() / 2);
  write_file(path, truncated);
  error = open_error(path);
  EXPECT_NE(error.find("corrupt or truncated"), std::string::npos) << error;
  EXPECT_EQ(read_file(path), truncated);

  write_file(path, good);  // the intact file still opens
  EXPECT_EQ(open_sqlite_store(path)->export_dataset(), data());
}

TEST(SqliteStore, ReadOnlyStoresAndLocations) {
  TempDir dir;
  const std::string path = make_file(dir);
  {
    auto ro = open_sqlite_store(path, {.read_only = true});
    EXPECT_EQ(ro->snapshot()->task_count(), data().tasks.size());
    const TaskStatus other =
        data().tasks[0].status == TaskStatus::Started ? TaskStatus::Completed : TaskStatus::Started;
    EXPECT_THROW(ro->update_task({.task = data().tasks[0].id, .status = other}), StorageError);
    // Even a change with no effect: a read-only store refuses every write call alike.
    EXPECT_THROW(ro->update_task({.task = data().tasks[0].id}), StorageError);
    EXPECT_EQ(ro->snapshot()->task(data().tasks[0].id), data().tasks[0]);
  }
  // A location nobody may create files in (not even root).
  const std::string error = open_error("/proc/klik-cannot-exist/klik.sqlite");
  EXPECT_NE(error.find("cannot open database"), std::string::npos) << error;
  if (::geteuid() != 0) {
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    const std::string e2 = open_error(dir.file("new.sqlite"));
    EXPECT_NE(e2.find("cannot open"), std::string::npos) << e2;
  }
}

TEST(SqliteStore, AFullDiskFailsTheWriteAndKeepsTheData) {
  TempDir dir;
  const std::string path = dir.file("small.sqlite");
  synthetic::Options o;
  o.municipalities = 1;
  o.scale = 0.09;
  const Dataset tiny = synthetic::generate(o);
  {
    auto s = open_sqlite_store(path);
    s->import_dataset(tiny);
  }
  const std::int64_t pages = [&] {
    auto s = open_sqlite_store(path);
    s->close();
    return static_cast<std::int64_t>(std::filesystem::file_size(path) / 4096);
  }();
  auto s = open_sqlite_store(path, {.max_pages = pages + 8});
  // A bigger import does not fit: refused, old data kept (in memory and on disk).
  try {
    s->import_dataset(data());
    FAIL() << "expected a full disk";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("full"), std::string::npos) << e.what();
  }
  EXPECT_EQ(s->snapshot()->task_count(), tiny.tasks.size());
  // So does a large attachment; a small mutation still works afterwards.
  Attachment a;
  a.task = tiny.tasks[0].id;
  a.file_name = "big.bin";
  a.content.assign(1 << 20, 'x');
  EXPECT_THROW(s->add_attachment(a), StorageError);
  EXPECT_EQ(s->attachments(a.task).size(), std::count_if(tiny.attachments.begin(), tiny.attachments.end(),
                                                         [&](const Attachment& x) { return x.task == a.task; }));
  const TaskStatus changed =
      tiny.tasks[0].status == TaskStatus::Completed ? TaskStatus::Started : TaskStatus::Completed;
  s->update_task({.task = tiny.tasks[0].id, .status = changed});
  s.reset();
  auto again = open_sqlite_store(path);
  EXPECT_EQ(again->integrity_check(), "ok");
  Dataset expected = tiny;
  expected.tasks[0].status = changed;
  ++expected.tasks[0].version;
  EXPECT_EQ(again->export_dataset(), expected);
}

TEST(SqliteStore, TwoWritersOnOneFileSeeEachOthersCommits) {
  TempDir dir;
  const std::string path = make_file(dir);
  auto a = open_sqlite_store(path);
  auto b = open_sqlite_store(path);
  const TaskId t0 = data().tasks[0].id, t1 = data().tasks[1].id;
  const Task read_by_b = *b->snapshot()->task(t0);
  a->update_task({.task = t0, .status = TaskStatus::Completed});
  // b's next snapshot has a's commit; its write lands on top of it.
  EXPECT_EQ(b->snapshot()->task(t0)->status, TaskStatus::Completed);
  b->update_task({.task = t1, .status = TaskStatus::Completed});
  EXPECT_EQ(a->snapshot()->task(t1)->status, TaskStatus::Completed);
  EXPECT_EQ(a->sequence(), b->sequence());
  // A write based on what b read before a's commit is a conflict naming the field.
  try {
    b->update_task({.task = t0, .expected_version = read_by_b.version, .status = TaskStatus::NotStarted});
    ADD_FAILURE() << "a stale write was accepted";
  } catch (const ConflictError& e) {
    EXPECT_EQ(e.changed_fields(), std::vector<std::string>{"status"});
  }
  // A write without a version, made on a stale state, is checked again on the new one.
  a->update_task({.task = t1, .status = TaskStatus::Started});
  b->update_task({.task = t0, .status = TaskStatus::Started});  // b is behind: it catches up, then commits
  EXPECT_EQ(b->snapshot()->task(t1)->status, TaskStatus::Started);
  EXPECT_EQ(a->snapshot()->task(t0)->status, TaskStatus::Started);
  EXPECT_EQ(a->export_dataset(), b->export_dataset());
  a.reset();
  b.reset();
  EXPECT_EQ(open_sqlite_store(path)->snapshot()->task(t0)->status, TaskStatus::Started);
}

TEST(SqliteStore, AnotherStoreCatchesUpWithKombitsChanges) {
  // The change sequence carries ProjectSaved, WaveSaved and TemplateSaved as JSON;
  // a store on the same file applies them as its own (the shift's dates included).
  TempDir dir;
  const std::string path = make_file(dir);
  auto a = open_sqlite_store(path);
  auto b = open_sqlite_store(path);
  const FixedClock clock(Date(2025, 9, 1));
  Publishing kombit(*a, clock);
  const auto admin =
      std::find_if(data().users.begin(), data().users.end(), [](const User& u) { return u.email == "klik@kombit.dk"; });
  const RolloutWave& wave = data().waves.front();
  kombit.set_wave_shift(admin->id, wave.id, 7);
  TaskTemplate t{.project = wave.project, .title = "Ny", .end = Date(2026, 5, 29), .duration_workdays = 3};
  const TaskTemplate published = kombit.publish_template(admin->id, t);
  kombit.withdraw_template(admin->id, published.id);
  kombit.leave_project(admin->id, wave.project, data().projects.front().participants.back());
  EXPECT_EQ(b->refresh(), 4u);
  EXPECT_EQ(a->export_dataset(), b->export_dataset());
  EXPECT_EQ(a->sequence(), b->sequence());
  // The index of b computed the same dates: its list equals a's.
  const User viewer = *admin;
  const Snapshot sa = a->snapshot(), sb = b->snapshot();
  TaskQuery q;
  q.limit = 5000;
  EXPECT_EQ(list_tasks(sa.world(), RightsModel::default_model(), viewer, q, Date(2026, 1, 5)).rows,
            list_tasks(sb.world(), RightsModel::default_model(), viewer, q, Date(2026, 1, 5)).rows);
}

TEST(SqliteStore, AFollowIntervalDelaysReadsButNeverWrites) {
  TempDir dir;
  const std::string path = make_file(dir);
  auto a = open_sqlite_store(path);
  auto b = open_sqlite_store(path, {.follow_interval_ms = 3'600'000});
  const TaskId t0 = data().tasks[0].id, t1 = data().tasks[1].id;
  const TaskStatus before = b->snapshot()->task(t0)->status;  // b asked the file now
  const TaskStatus next = before == TaskStatus::Completed ? TaskStatus::Started : TaskStatus::Completed;
  a->update_task({.task = t0, .status = next});
  EXPECT_EQ(b->snapshot()->task(t0)->status, before);  // within the interval: not asked again
  const TaskStatus t1_next =
      b->snapshot()->task(t1)->status == TaskStatus::Completed ? TaskStatus::Started : TaskStatus::Completed;
  b->update_task({.task = t1, .status = t1_next});  // a real write catches up first (StaleError, retry)
  EXPECT_EQ(b->snapshot()->task(t0)->status, next);
  a->update_task({.task = t0, .status = before});
  EXPECT_EQ(b->refresh(), 1u);  // refresh asks whatever the interval
  EXPECT_EQ(b->snapshot()->task(t0)->status, before);
  EXPECT_EQ(a->export_dataset(), b->export_dataset());
}

TEST(SqliteStore, ReaderThreadsSeeOnlyCommittedStates) {
  TempDir dir;
  auto s = open_sqlite_store(dir.file("threads.sqlite"), {.durability = Durability::Normal});
  Dataset d = data();
  for (Task& t : d.tasks) t.status = TaskStatus::NotActive;  // so that every update below is a change
  s->import_dataset(d);
  const std::size_t n = 50;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, reads{0};
  auto reader = [&] {
    std::vector<std::uint32_t> last(n, 0);
    while (!done) {
      const Snapshot snap = s->snapshot();
      // Tasks 0..n-1 are updated in order, one commit each: versions never go back,
      // and never differ by more than one between neighbours (no torn states).
      std::uint32_t prev = 0;
      for (std::size_t j = 0; j < n; ++j) {
        const std::uint32_t v = snap->task(data().tasks[j].id)->version;
        if (v < last[j] || (j > 0 && v > prev)) ++bad;
        last[j] = v;
        prev = v;
      }
      ++reads;
    }
  };
  std::thread r1(reader), r2(reader);
  for (int round = 0; round < 3; ++round)
    for (std::size_t j = 0; j < n; ++j)
      s->update_task({.task = data().tasks[j].id, .status = static_cast<TaskStatus>(1 + round % 3)});
  done = true;
  r1.join();
  r2.join();
  EXPECT_EQ(bad, 0);
  EXPECT_GT(reads, 0);
}

TEST(SqliteStore, AnotherProcessReadsOnlyCommittedStates) {
  TempDir dir;
  const std::string path = make_file(dir);
  int go[2], result[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(result), 0);
  // Fork before this process opens the file: a SQLite connection must not cross a fork.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    char c;
    if (::read(go[0], &c, 1) != 1) ::_exit(3);
    int failures = 0, opens = 0;
    std::int64_t seen = 0;
    try {
      for (; opens < 25; ++opens) {
        auto s = open_sqlite_store(path, {.read_only = true});
        std::int64_t bumps = 0;
        const Snapshot snap = s->snapshot();
        for (const Task& t : data().tasks) bumps += snap->task(t.id)->version - t.version;
        const auto outbox = static_cast<std::int64_t>(s->outbox().size());
        // Each mutation is one version bump plus one notification, committed together.
        if (bumps < seen || bumps > outbox) ++failures;
        seen = outbox;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "reader: %s\n", e.what());
      failures = 1000;
    }
    const int out[2] = {failures, opens};
    (void)::write(result[1], out, sizeof out);
    ::_exit(0);
  }
  auto s = open_sqlite_store(path, {.durability = Durability::Normal});
  (void)::write(go[1], "g", 1);
  Notification n;
  n.event = "task.status";
  for (int i = 0; i < 3000; ++i) {
    const Task& t = data().tasks[static_cast<std::size_t>(i) % data().tasks.size()];
    s->update_task({.task = t.id, .status = static_cast<TaskStatus>(1 + i % 3)}, {&n, 1});
  }
  int out[2] = {-1, -1};
  ASSERT_EQ(::read(result[0], out, sizeof out), static_cast<ssize_t>(sizeof out));
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(out[0], 0) << "the reader process saw an uncommitted or torn state";
  EXPECT_EQ(out[1], 25);
}

}  // namespace
