// The store's thread-safety contract: many readers, one writer. Run in the
// normal suite and, built with -DKLIK_TSAN=ON, under ThreadSanitizer
// (scripts/test does both).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "klik/backend.hpp"
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

namespace {

/// The memory backend, with commits that wait until the test lets them go: a
/// durable backend's fsync, held open.
class HeldCommitBackend final : public Backend {
 public:
  explicit HeldCommitBackend(std::unique_ptr<Backend> inner) : inner_(std::move(inner)) {}
  std::promise<void> entered;  ///< set when a commit starts waiting
  std::promise<void> release;  ///< the commit goes on when this is set

  StoredWorld load() override { return inner_->load(); }
  std::uint64_t commit(const Change& change, Outgoing notify, const JournalEntry& journal,
                       std::uint64_t after) override {
    if (hold_) {
      hold_ = false;
      entered.set_value();
      release.get_future().wait();
    }
    return inner_->commit(change, notify, journal, after);
  }
  std::uint64_t replace(const Dataset& data, const JournalEntry& journal, std::uint64_t after) override {
    return inner_->replace(data, journal, after);
  }
  std::optional<std::vector<SequencedChange>> changes_since(std::uint64_t after) const override {
    return inner_->changes_since(after);
  }
  void read_attachment(AttachmentId id, const std::function<void(std::string_view)>& sink) const override {
    inner_->read_attachment(id, sink);
  }
  std::vector<JournalEntry> journal(const JournalQuery& query) const override { return inner_->journal(query); }
  std::size_t prune_journal(Timestamp before) override { return inner_->prune_journal(before); }
  std::vector<Notification> pending_notifications(Timestamp now, std::size_t limit) const override {
    return inner_->pending_notifications(now, limit);
  }
  std::vector<Notification> outbox() const override { return inner_->outbox(); }
  void mark_delivered(std::span<const std::uint64_t> ids) override { inner_->mark_delivered(ids); }
  void reschedule(std::uint64_t id, Timestamp next_attempt, const std::string& error) override {
    inner_->reschedule(id, next_attempt, error);
  }
  void give_up(std::uint64_t id, const std::string& error) override { inner_->give_up(id, error); }
  void requeue(std::span<const std::uint64_t> ids, Timestamp next_attempt) override {
    inner_->requeue(ids, next_attempt);
  }
  std::vector<Notification> dead_letters(std::size_t limit) const override { return inner_->dead_letters(limit); }
  OutboxCounts outbox_counts(Timestamp now) const override { return inner_->outbox_counts(now); }
  void hold_next_commit() { hold_ = true; }

 private:
  std::unique_ptr<Backend> inner_;
  std::atomic<bool> hold_{false};
};

}  // namespace

// A write holds the indexes only to apply a committed change: while its backend
// commits (SQLite's fsync), readers read the state before it, and see the change
// once it is durable and applied.
TEST(StoreThreads, ReadersReadWhileAWriteCommits) {
  synthetic::Options o;
  o.municipalities = 2;
  o.scale = 0.1;
  const Dataset d = synthetic::generate(o);
  auto owned = std::make_unique<HeldCommitBackend>(make_memory_backend());
  HeldCommitBackend& backend = *owned;
  Store store(std::move(owned));
  store.import_dataset(d);
  const Task& t = d.tasks.front();
  const TaskStatus before = t.status;
  const TaskStatus after = before == TaskStatus::Started ? TaskStatus::Completed : TaskStatus::Started;

  backend.hold_next_commit();
  auto entered = backend.entered.get_future();
  auto writer = std::async(std::launch::async, [&] { return store.update_task({.task = t.id, .status = after}); });
  ASSERT_EQ(entered.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  // The commit is under way: a reader on another thread is not kept waiting.
  auto read = std::async(std::launch::async, [&] { return store.snapshot()->task(t.id)->status; });
  const bool answered = read.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  backend.release.set_value();
  ASSERT_TRUE(answered) << "a reader waited for another thread's commit";
  EXPECT_EQ(read.get(), before);  // not yet durable: not yet visible
  EXPECT_EQ(writer.get().status, after);
  EXPECT_EQ(store.snapshot()->task(t.id)->status, after);
}
