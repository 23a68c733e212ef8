// Several processes on one SQLite file (docs/store.md, "Several processes, one
// database"): concurrent writers in child processes, each through its own
// store, on overlapping tasks. Every write names the version it read, so a
// write overtaken by another process is a ConflictError. Afterwards: no
// accepted write is lost, the state equals a serial replay of the accepted
// writes in sequence order, and the outbox holds exactly one notification per
// accepted write. A store that was not running while others wrote is up to
// date when it opens.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "klik/sqlite_store.hpp"
#include "store_test_support.hpp"

using namespace klik;
using klik::testing::TempDir;

namespace {

constexpr int processes = 4;
constexpr int writes_per_process = 500;
constexpr std::size_t hot_tasks = 8;  // few tasks: the writers overlap all the time

Dataset dataset() { return klik::testing::one_municipality(0.02); }

/// An accepted write as its process saw it: the task, the status set, its notification's key.
struct Accepted {
  std::uint32_t task;
  int status;
  std::string key;
};

Notification note(const std::string& key) {
  Notification n;
  n.event = "task.status";
  n.key = key;
  n.recipients = {UserId(1)};
  n.sender = "process-test";
  n.created = Timestamp(1'700'000'000);
  n.next_attempt = n.created;
  return n;
}

/// One writer process: reads a task, sets another status on the version it read.
[[noreturn]] void writer(const std::string& path, const std::string& report, int id, const std::vector<TaskId>& tasks,
                         int start_fd) {
  int code = 0;
  try {
    auto store = open_sqlite_store(path, {.durability = Durability::Normal, .busy_timeout_ms = 60'000});
    char c;
    while (::read(start_fd, &c, 1) > 0) {
    }  // all writers start together: when the parent closes the pipe
    std::ofstream out(report);
    std::mt19937 rng(static_cast<unsigned>(id) * 7919u + 1);
    for (int i = 0; i < writes_per_process; ++i) {
      const TaskId t = tasks[rng() % tasks.size()];
      const Task read = *store->snapshot()->task(t);
      // Another status than the one read (1..3), so every accepted write is a change.
      std::vector<TaskStatus> others;
      for (int v = 1; v <= 3; ++v)
        if (static_cast<TaskStatus>(v) != read.status) others.push_back(static_cast<TaskStatus>(v));
      const TaskStatus status = others[rng() % others.size()];
      const std::string key = std::to_string(id) + "/" + std::to_string(i);
      const Notification n = note(key);
      try {
        store->update_task({.task = t, .expected_version = read.version, .status = status}, Outgoing(&n, 1));
        out << t.value() << ' ' << static_cast<int>(status) << ' ' << key << '\n';
      } catch (const ConflictError&) {
        // overtaken by another process: not accepted, not recorded
      }
    }
    out.flush();
    code = out ? 0 : 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer %d: %s\n", id, e.what());
    code = 2;
  }
  std::_Exit(code);
}

std::vector<Accepted> read_reports(const std::vector<std::string>& files) {
  std::vector<Accepted> all;
  for (const auto& f : files) {
    std::ifstream in(f);
    Accepted a{};
    while (in >> a.task >> a.status >> a.key) all.push_back(a);
  }
  return all;
}

}  // namespace

TEST(SqliteProcesses, ConcurrentWritersEndInTheSerialReplayOfTheAcceptedWrites) {
  TempDir dir;
  const std::string path = dir.file("shared.sqlite");
  const Dataset initial = dataset();
  std::vector<TaskId> tasks;
  for (std::size_t i = 0; i < hot_tasks; ++i) tasks.push_back(initial.tasks[i * 7].id);
  std::uint64_t start = 0;
  {
    auto s = open_sqlite_store(path, {.durability = Durability::Normal});
    s->import_dataset(initial);
    start = s->sequence();
  }
  // A store that stays open in this process, following the others as they write.
  auto watcher = open_sqlite_store(path);

  std::vector<std::string> reports;
  std::vector<pid_t> children;
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  for (int p = 0; p < processes; ++p) {
    reports.push_back(dir.file("writer" + std::to_string(p) + ".txt"));
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(go[1]);
      writer(path, reports.back(), p, tasks, go[0]);
    }
    children.push_back(pid);
  }
  ::close(go[0]);
  ::close(go[1]);  // go
  for (const pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "a writer died";
    ASSERT_EQ(WEXITSTATUS(status), 0) << "a writer failed (see its message above)";
  }

  std::vector<Accepted> accepted = read_reports(reports);
  ASSERT_GT(accepted.size(), std::size_t{processes * writes_per_process / 4}) << "almost every write conflicted";
  ASSERT_LT(accepted.size(), std::size_t{processes * writes_per_process}) << "no write was ever overtaken";
  // Commit order: each accepted write recorded one notification, and outbox ids increase with commits.
  std::map<std::string, std::uint64_t> outbox_id;
  for (const Notification& n : open_sqlite_store(path)->outbox()) outbox_id[n.key] = n.id;
  for (const Accepted& a : accepted) ASSERT_TRUE(outbox_id.contains(a.key)) << "lost: the accepted write " << a.key;
  std::sort(accepted.begin(), accepted.end(),
            [&](const Accepted& a, const Accepted& b) { return outbox_id.at(a.key) < outbox_id.at(b.key); });

  // The serial replay of the accepted writes, in sequence order.
  Dataset expected = initial;
  std::map<std::uint32_t, Task*> by_id;
  for (Task& t : expected.tasks) by_id[t.id.value()] = &t;
  for (const Accepted& a : accepted) {
    Task& t = *by_id.at(a.task);
    t.status = static_cast<TaskStatus>(a.status);
    ++t.version;
  }

  auto check = [&](Store& s, const char* who) {
    SCOPED_TRACE(who);
    EXPECT_EQ(s.export_dataset(), expected);
    EXPECT_EQ(s.sequence(), start + accepted.size());  // one numbered change per accepted write, no other
    std::multiset<std::string> keys;
    for (const Notification& n : s.outbox()) keys.insert(n.key);
    std::multiset<std::string> want;
    for (const Accepted& a : accepted) want.insert(a.key);
    EXPECT_EQ(keys, want);  // exactly one notification per accepted write
  };
  check(*watcher, "the store that watched");  // caught up by its next snapshot
  check(*open_sqlite_store(path), "a store opened afterwards");
}

TEST(SqliteProcesses, AStoreKilledWhileOthersWriteIsUpToDateWhenItOpensAgain) {
  TempDir dir;
  const std::string path = dir.file("shared.sqlite");
  const Dataset initial = dataset();
  auto a = open_sqlite_store(path, {.durability = Durability::Normal});
  a->import_dataset(initial);
  const pid_t b = ::fork();
  ASSERT_GE(b, 0);
  if (b == 0) {  // B opens the file, then waits to be killed
    auto store = open_sqlite_store(path);
    (void)store->snapshot();
    ::pause();
    std::_Exit(0);
  }
  a->update_task({.task = initial.tasks[0].id, .status = TaskStatus::Completed});
  ::kill(b, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(b, &status, 0), b);
  a->update_task({.task = initial.tasks[1].id, .status = TaskStatus::Completed});
  auto again = open_sqlite_store(path);
  EXPECT_EQ(again->snapshot()->task(initial.tasks[0].id)->status, TaskStatus::Completed);
  EXPECT_EQ(again->snapshot()->task(initial.tasks[1].id)->status, TaskStatus::Completed);
  EXPECT_EQ(again->sequence(), a->sequence());
  EXPECT_EQ(again->integrity_check(), "ok");
}
