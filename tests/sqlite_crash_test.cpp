// Crash safety of the SQLite store: a writer in a child process is killed with
// SIGKILL at random points of a stream of mutations, hundreds of times. After
// every kill the database is reopened and checked: integrity_check is ok, every
// mutation the writer reported committed is present, none is half-applied, and
// the outbox holds exactly the notifications of the committed mutations.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "klik/sqlite_store.hpp"
#include "store_test_support.hpp"

using namespace klik;

namespace {

Dataset crash_dataset() {
  Dataset d = klik::testing::one_municipality(0.09);
  // Every mutation must be a real change (a change with no effect is no write):
  // the statuses set cycle through status 1, 2, 3, so every task starts at 0.
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

/// What the child writes on `fd` once its store is open, before any mutation.
constexpr std::uint64_t ready = ~std::uint64_t{0};

/// The child: applies mutations from `next` on, reporting each commit on `fd`. Never returns.
[[noreturn]] void writer(const std::string& path, const Dataset& d, int fd) {
  try {
    auto store = open_sqlite_store(path, {.durability = Durability::Normal});
    if (::write(fd, &ready, sizeof ready) != sizeof ready) ::_exit(3);
    std::uint64_t i = store->outbox().size();
    for (;; ++i) {
      const Notification n = notification(i);
      const Task& t = d.tasks[i % d.tasks.size()];
      if (is_message(i)) {
        Message m;
        m.target.task = t.id;
        m.author = UserId(1);
        m.time = n.created;
        m.text = std::to_string(i);
        m.text.insert(0, 1, 'm');
        store->add_message(m, {&n, 1});
      } else {
        store->update_task({.task = t.id, .status = status_of(i, d.tasks.size())}, {&n, 1});
      }
      if (::write(fd, &i, sizeof i) != sizeof i) ::_exit(3);
    }
  } catch (const std::exception& e) {
    const std::string msg = std::string("writer failed: ") + e.what() + "\n";
    (void)::write(2, msg.data(), msg.size());
    ::_exit(2);
  }
}

TEST(SqliteCrash, KilledWritersNeverLoseOrHalfApplyAMutation) {
  klik::testing::TempDir dir;
  const std::string path = dir.file("crash.sqlite");
  const Dataset d = crash_dataset();
  const std::size_t n = d.tasks.size();
  ASSERT_GT(n, 50u);
  open_sqlite_store(path)->import_dataset(d);

  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> delay_us(500, 25'000);
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t reported = 0;  // mutations the writers reported committed, in all
  int kills = 0;
  for (; kills < 300; ++kills) {
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(45)) break;
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      writer(path, d, fds[1]);
    }
    ::close(fds[1]);
    // The kill lands among the mutations, not in the open (which validates the
    // whole file, and takes longer on a loaded machine).
    std::uint64_t first = 0;
    ASSERT_EQ(::read(fds[0], &first, sizeof first), static_cast<ssize_t>(sizeof first)) << "the writer never opened";
    ASSERT_EQ(first, ready);
    ::usleep(static_cast<useconds_t>(delay_us(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the writer died on its own: " << status;
    std::uint64_t i = 0;
    while (::read(fds[0], &i, sizeof i) == sizeof i) reported = std::max(reported, i + 1);
    ::close(fds[0]);

    auto store = open_sqlite_store(path);
    ASSERT_EQ(store->integrity_check(), "ok") << "after kill " << kills;
    // The outbox: exactly the notifications of mutations 0..committed-1, in order.
    const auto outbox = store->outbox();
    const std::uint64_t committed = outbox.size();
    ASSERT_GE(committed, reported) << "a reported commit was lost after kill " << kills;
    ASSERT_LE(committed, reported + 1) << "more commits than the writer made";
    for (std::uint64_t k = 0; k < committed; ++k)
      ASSERT_EQ(outbox[k].key, "m/" + std::to_string(k)) << "after kill " << kills;
    reported = committed;  // a commit not yet reported is committed all the same
    // Every task and message: exactly the committed mutations applied.
    const Snapshot snap = store->snapshot();
    for (std::size_t j = 0; j < n; ++j) {
      std::uint32_t updates = 0;
      std::optional<TaskStatus> last;
      for (std::uint64_t k = j; k < committed; k += n)
        if (!is_message(k)) ++updates, last = status_of(k, n);
      const Task t = *snap->task(d.tasks[j].id);
      ASSERT_EQ(t.version, d.tasks[j].version + updates) << "task " << j << " after kill " << kills;
      ASSERT_EQ(t.status, last.value_or(d.tasks[j].status)) << "task " << j << " after kill " << kills;
    }
  }
  const auto final_store = open_sqlite_store(path);
  const Dataset out = final_store->export_dataset();
  std::uint64_t messages = 0;
  for (std::uint64_t k = 0; k < reported; ++k) messages += is_message(k);
  EXPECT_EQ(out.messages.size(), d.messages.size() + messages);
  EXPECT_GE(kills, 200) << "too few kills for the time budget";
  EXPECT_GT(reported, 500u) << "the writers hardly wrote";
  std::printf("%d kills, %llu committed mutations\n", kills, static_cast<unsigned long long>(reported));
}

}  // namespace
