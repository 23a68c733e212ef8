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
