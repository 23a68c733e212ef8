// The store's thread-safety contract: many readers, one writer. Run in the
// normal suite and, built with -DKLIK_TSAN=ON, under ThreadSanitizer
// (scripts/test does both).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "klik/query_engine.hpp"
#include "klik/synthetic.hpp"

using namespace klik;

TEST(StoreThreads, ReadersSeeConsistentSnapshotsWhileOneWriterWrites) {
  synthetic::Options o;
  o.municipalities = 3;
  o.scale = 0.25;
  const Dataset d = synthetic::generate(o);
  const auto store = make_memory_store(d);
  const RightsModel& rights = RightsModel::default_model();
  const User* kombit = nullptr;
  for (const User& u : d.users)
    if (u.side == Side::Kombit && u.administrator) kombit = &u;
  ASSERT_NE(kombit, nullptr);

  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, inconsistent{0};
  auto reader = [&] {
    TaskQuery all;
    all.limit = 1;
    TaskQuery completed = all;
    completed.statuses = {TaskStatus::Completed};
    while (!done.load()) {
      const Snapshot snap = store->snapshot();
      // Within one snapshot, the list, its quick status and the columns agree.
      const TaskPage page = list_tasks(snap.world(), rights, *kombit, completed, Date(2026, 1, 1));
      const ColourCounts counts = quick_status(snap.world(), rights, *kombit, all, Date(2026, 1, 1));
      if (page.total != counts[DeadlineColour::Done]) ++inconsistent;
      ++reads;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back(reader);
  // One writer: complete and reopen tasks.
  for (int i = 0; i < 600; ++i) {
    const Task& t = d.tasks[static_cast<std::size_t>(i * 7) % d.tasks.size()];
    store->update_task({.task = t.id, .status = i % 2 ? TaskStatus::Started : TaskStatus::Completed});
  }
  // Let the readers finish a few rounds after the last write.
  const int seen = reads.load();
  while (reads.load() < seen + 6) std::this_thread::yield();
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_GT(reads.load(), 6);
}

// A thread holding a snapshot: its writes refuse instead of waiting for itself,
// its reads share the snapshot's lock (even behind a waiting writer), and the
// store is writable again once the last of its snapshots is gone.
TEST(StoreThreads, AThreadHoldingASnapshotReadsOnItAndCannotWrite) {
  synthetic::Options o;
  o.municipalities = 2;
  o.scale = 0.1;
  const Dataset d = synthetic::generate(o);
  const auto store = make_memory_store(d);
  const Task t = d.tasks.front();
  const TaskStatus other = t.status == TaskStatus::Started ? TaskStatus::Completed : TaskStatus::Started;
  std::atomic<bool> written{false};
  std::thread writer;
  {
    const Snapshot outer = store->snapshot();
    try {
      (void)store->update_task({.task = t.id, .status = other});
      FAIL() << "a write under this thread's snapshot went through";
    } catch (const FailedPreconditionError& e) {
      EXPECT_NE(std::string(e.what()).find("holds a Snapshot"), std::string::npos) << e.what();
    }
    EXPECT_THROW(store->refresh(), FailedPreconditionError);
    EXPECT_THROW(store->close(), FailedPreconditionError);
    EXPECT_FALSE(store->closed());
    EXPECT_EQ(outer->task(t.id)->status, t.status);  // nothing was written

    // Another thread's write waits for the snapshot; meanwhile this thread's
    // reads (a nested snapshot, an export) go on, on the snapshot's state,
    // although the writer holds the gate new readers queue at.
    writer = std::thread([&] {
      (void)store->update_task({.task = t.id, .status = other});
      written = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    {
      Snapshot inner = store->snapshot();
      EXPECT_EQ(inner->task(t.id)->status, t.status);
      EXPECT_EQ(store->export_dataset().tasks.size(), d.tasks.size());
      { const Snapshot moved = std::move(inner); }  // a moved-from snapshot holds nothing
      EXPECT_FALSE(written.load());
    }
    EXPECT_FALSE(written.load());  // the outer snapshot still holds the lock
  }
  writer.join();  // released with `outer`
  EXPECT_TRUE(written.load());
  EXPECT_EQ(store->snapshot()->task(t.id)->status, other);
  EXPECT_NO_THROW((void)store->update_task({.task = t.id, .status = t.status}));  // no snapshot now
}
