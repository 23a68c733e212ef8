// Crash safety of the PostgreSQL backend, modelled on sqlite_crash_test.cpp: a
// writer in a child process is killed with SIGKILL at random points of a
// stream of commits, hundreds of times; and once the server itself is stopped
// with `pg_ctl stop -m immediate` (no checkpoint: recovery replays the WAL)
// mid-stream and started again. After each, every commit the writer reported
// is present, none is half-applied, and the outbox holds exactly one entry per
// commit. The writer commits through the Backend interface, as a Store does.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "klik/postgres_store.hpp"
#include "klik/synthetic.hpp"
#include "pg_test_support.hpp"
#include "store_test_support.hpp"

using namespace klik;

namespace {

Dataset crash_dataset() {
  Dataset d = klik::testing::one_municipality(0.09);
  for (Task& t : d.tasks) t.status = TaskStatus::NotActive;
  return d;
}

/// Mutation i: every fifth adds a message, the others set a task's status;
/// each records one notification whose key is "m/<i>".
bool is_message(std::uint64_t i) { return i % 5 == 4; }
TaskStatus status_of(std::uint64_t i, std::size_t n) { return static_cast<TaskStatus>(1 + (i / n) % 3); }

Notification notification(std::uint64_t i) {
  Notification n;
  n.event = is_message(i) ? "message.municipality_task" : "task.status";
  n.key = "m/" + std::to_string(i);
  n.recipients = {UserId(1)};
  n.sender = "crash-test";
  n.payload = "{\"i\":" + std::to_string(i) + "}";
  n.created = Timestamp(1'700'000'000 + static_cast<std::int64_t>(i));
  n.next_attempt = n.created;
  return n;
}

constexpr std::uint64_t ready = ~std::uint64_t{0};

/// The child: loads, then commits mutations from the outbox's length on,
/// reporting each commit on `fd`. Exits 2 when the server goes away.
[[noreturn]] void writer(const std::string& url, int fd) {
  try {
    auto backend = open_postgres_backend(url);
    StoredWorld w = backend->load();
    std::vector<Task>& tasks = w.data.tasks;
    std::uint64_t seq = w.sequence;
    std::uint64_t i = backend->outbox().size();
    if (::write(fd, &ready, sizeof ready) != sizeof ready) ::_exit(3);
    for (;; ++i) {
      const Notification n = notification(i);
      Task& t = tasks[i % tasks.size()];
      if (is_message(i)) {
        Message m;
        m.id = MessageId(1'000'000 + i);
        m.target.task = t.id;
        m.author = UserId(1);
        m.time = n.created;
        m.text = "m" + std::to_string(i);
        seq = backend->commit(MessageAdded{m}, {&n, 1}, {}, seq);
      } else {
        Task next = t;
        next.status = status_of(i, tasks.size());
        next.version += 1;
        seq = backend->commit(TaskChanged{next, TaskStatusField}, {&n, 1}, {}, seq);
        t = next;
      }
      if (::write(fd, &i, sizeof i) != sizeof i) ::_exit(3);
    }
  } catch (const std::exception& e) {
    const std::string msg = std::string("writer stopped: ") + e.what() + "\n";
    (void)::write(2, msg.data(), msg.size());
    ::_exit(2);
  }
}

/// Checks the database against `reported` (commits the writers reported);
/// returns the number committed.
std::uint64_t check(const std::string& url, const Dataset& d, std::uint64_t reported, const std::string& when) {
  auto backend = open_postgres_backend(url);
  const auto outbox = backend->outbox();
  const std::uint64_t committed = outbox.size();
  EXPECT_GE(committed, reported) << "a reported commit was lost " << when;
  EXPECT_LE(committed, reported + 1) << "more commits than the writer made " << when;
  for (std::uint64_t k = 0; k < committed; ++k)
    if (outbox[k].key != "m/" + std::to_string(k)) {
      ADD_FAILURE() << "outbox entry " << k << " is " << outbox[k].key << " " << when;
      break;
    }
  const StoredWorld w = backend->load();
  EXPECT_EQ(w.sequence, 1 + committed) << "one sequence number per commit " << when;
  const auto log = backend->changes_since(1);
  EXPECT_TRUE(log.has_value() && log->size() == committed) << "the change log " << when;
  const std::size_t n = d.tasks.size();
  for (std::size_t j = 0; j < n; ++j) {
    std::uint32_t updates = 0;
    std::optional<TaskStatus> last;
    for (std::uint64_t k = j; k < committed; k += n)
      if (!is_message(k)) ++updates, last = status_of(k, n);
    const Task& t = w.data.tasks.at(j);
    if (t.version != d.tasks[j].version + updates || t.status != last.value_or(d.tasks[j].status)) {
      ADD_FAILURE() << "task " << j << " half applied " << when;
      break;
    }
  }
  std::uint64_t messages = 0;
  for (std::uint64_t k = 0; k < committed; ++k) messages += is_message(k);
  EXPECT_EQ(w.data.messages.size(), d.messages.size() + messages) << when;
  return committed;
}

struct Writer {
  pid_t pid = -1;
  int fd = -1;
};

Writer start_writer(const std::string& url) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    writer(url + "&application_name=crash-writer", fds[1]);
  }
  ::close(fds[1]);
  std::uint64_t first = 0;
  EXPECT_EQ(::read(fds[0], &first, sizeof first), static_cast<ssize_t>(sizeof first)) << "the writer never opened";
  EXPECT_EQ(first, ready);
  return {pid, fds[0]};
}

/// Waits until the server has ended the killed writer's sessions: a COMMIT it
/// sent just before dying may still complete (committed, never reported), and
/// must not land after the check counted.
void wait_for_sessions_to_end(klik::testing::PgCluster& cluster) {
  for (int i = 0; i < 500; ++i) {
    const std::string n =
        cluster.psql("crash", "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'crash-writer'");
    if (n == "0\n") return;
    ::usleep(2000);
  }
  ADD_FAILURE() << "the killed writer's sessions did not end";
}

/// Waits for the writer and reads what it reported; returns its wait status.
int finish(Writer w, std::uint64_t& reported) {
  int status = 0;
  ::waitpid(w.pid, &status, 0);
  if (::testing::Test::HasFailure()) return status;
  wait_for_sessions_to_end(klik::testing::shared_pg_cluster());
  std::uint64_t i = 0;
  while (::read(w.fd, &i, sizeof i) == sizeof i) reported = std::max(reported, i + 1);
  ::close(w.fd);
  return status;
}

TEST(PostgresCrash, KilledWritersAndAnImmediateServerStopNeverLoseOrHalfApplyACommit) {
  auto& cluster = klik::testing::shared_pg_cluster();
  const std::string url = cluster.create_database("crash");
  const Dataset d = crash_dataset();
  ASSERT_GT(d.tasks.size(), 50u);
  open_postgres_backend(url)->replace(d, {}, 0);

  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> delay_us(500, 25'000);
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t reported = 0;
  int kills = 0;
  // A fixed number of kills, not a time budget: how many fit in a given time
  // depends on the machine's load, and the property needs the count. The
  // deadline only guards against a hang.
  constexpr int wanted_kills = 150;
  for (; kills < wanted_kills; ++kills) {
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(240)) break;
    const Writer w = start_writer(url);
    ::usleep(static_cast<useconds_t>(delay_us(rng)));
    ::kill(w.pid, SIGKILL);
    const int status = finish(w, reported);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the writer died on its own: " << status;
    reported = check(url, d, reported, "after kill " + std::to_string(kills));
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_EQ(kills, wanted_kills) << "the kills did not finish in four minutes";

  // The server stopped without a checkpoint while a writer commits, then restarted.
  const std::uint64_t before = reported;
  const auto survivor = open_postgres_backend(url);  // open across the restart
  const Writer w = start_writer(url);
  ::usleep(200'000);
  cluster.stop("immediate");
  int status = 0;
  ::waitpid(w.pid, &status, 0);
  for (std::uint64_t i = 0; ::read(w.fd, &i, sizeof i) == sizeof i;) reported = std::max(reported, i + 1);
  ::close(w.fd);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << "the writer should stop with an error: " << status;
  EXPECT_GT(reported, before) << "the writer committed nothing before the stop";
  cluster.start();
  reported = check(url, d, reported, "after pg_ctl stop -m immediate");
  // A backend open across the restart reconnects: the call that finds the
  // connection broken fails, the next one works.
  try {
    (void)survivor->outbox();
  } catch (const StorageError&) {
  }
  EXPECT_EQ(survivor->outbox().size(), reported);
  EXPECT_EQ(survivor->load().sequence, 1 + reported);
  // And the database takes writes again.
  const Writer again = start_writer(url);
  ::usleep(50'000);
  ::kill(again.pid, SIGKILL);
  finish(again, reported);
  reported = check(url, d, reported, "after the restart");
  // The kills must have met writers that were committing: on average more than
  // one commit per writer (how many more depends on the machine's load).
  EXPECT_GT(reported, static_cast<std::uint64_t>(kills)) << "the writers hardly wrote";
  std::printf("%d kills, %llu committed mutations\n", kills, static_cast<unsigned long long>(reported));
}

}  // namespace
