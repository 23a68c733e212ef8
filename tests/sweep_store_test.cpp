// sweep_store (workflows_sweep.hpp): the daily sweep over a store's indexes against
// its stored last-notified colours, without writing. Checked against the plain
// per-task reference (the dataset sweep of sweep.hpp for KLIK tasks, colour_on per
// local task) on random worlds, before and after sweeps that recorded colours,
// across a reopen of the SQLite file, and against what sweep_to_outbox records.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <tuple>

#include "colour_writes.hpp"
#include "klik/sqlite_store.hpp"
#include "klik/store.hpp"
#include "klik/sweep.hpp"
#include "klik/synthetic.hpp"
#include "klik/workflows_sweep.hpp"
#include "store_test_support.hpp"

using namespace klik;
using klik::testing::colour_moving_write;
using klik::testing::TempDir;

namespace {

// (local task id or 0, task id): a row of either kind.
using RowKey = std::pair<std::uint32_t, std::uint32_t>;

RowKey key_of(const DeadlineEvent& e) { return {e.local_task.value(), e.task.value()}; }
RowKey key_of(const NotifiedChange& c) { return {c.local_task.value(), c.task.value()}; }

/// The plain reference: every task judged on its own, against `last` (the colours
/// the reference itself remembers from the sweeps it recorded).
struct Reference {
  std::map<RowKey, DeadlineColour> last;

  StoreSweep run(const Store& store, Date day) const {
    const Dataset data = store.export_dataset();
    const Calendars cals = store.snapshot()->calendars();
    StoreSweep out;
    // KLIK tasks: the dataset sweep (deadline dates per task, waves applied).
    std::vector<NotifiedColour> stored;
    for (const Task& t : data.tasks) {
      const auto it = last.find({0u, t.id.value()});
      stored.push_back(it == last.end() ? NotifiedColour{} : NotifiedColour(it->second));
    }
    const SweepResult r = sweep(data, cals, day, stored);
    out.events = r.events;
    for (std::size_t i = 0; i < data.tasks.size(); ++i)
      if (r.notified[i] != stored[i]) out.changes.push_back({data.tasks[i].id, {}, stored[i], *r.notified[i]});
    // Local tasks: their own end on their parent's calendar, no latest start.
    std::map<TaskId, const Task*> task_by_id;
    for (const Task& t : data.tasks) task_by_id[t.id] = &t;
    std::map<TemplateId, ProjectId> project_of;
    for (const TaskTemplate& tpl : data.templates) project_of[tpl.id] = tpl.project;
    for (const LocalTask& l : data.local_tasks) {
      const Task& parent = *task_by_id.at(l.parent);
      const ProjectId project = project_of.at(parent.template_id);
      const DeadlineDates d =
          deadline_dates(Schedule{l.end, std::nullopt, 0}, cals.effective(parent.municipality, project));
      const DeadlineColour now = colour_on(l.status, d, day);
      const auto it = last.find({l.id.value(), l.parent.value()});
      const NotifiedColour before = it == last.end() ? NotifiedColour{} : NotifiedColour(it->second);
      auto level = [](NotifiedColour c) {
        return !c ? 0 : *c == DeadlineColour::Yellow ? 1 : *c == DeadlineColour::Red ? 2 : 0;
      };
      if (level(now) > level(before)) {
        const Date reached = *colour_reached_on(l.status, d, now);
        out.events.push_back(DeadlineEvent{l.parent, parent.municipality, project, Priority::Local, before, now, day,
                                           reached, sweep_key(l.id, now, reached), l.id});
      }
      if (NotifiedColour(now) != before) out.changes.push_back({l.parent, l.id, before, now});
    }
    out.tasks = data.tasks.size() + data.local_tasks.size();
    return out;
  }

  void record(const StoreSweep& s) {
    for (const NotifiedChange& c : s.changes) last[key_of(c)] = c.colour;
  }
};

template <class T>
std::vector<T> by_row(std::vector<T> v) {
  std::sort(v.begin(), v.end(), [](const T& a, const T& b) { return key_of(a) < key_of(b); });
  return v;
}

void expect_same(const StoreSweep& got, const StoreSweep& want, const std::string& where) {
  EXPECT_EQ(got.tasks, want.tasks) << where;
  EXPECT_EQ(by_row(got.events), by_row(want.events)) << where;
  EXPECT_EQ(by_row(got.changes), by_row(want.changes)) << where;
}

/// The transitions counted from a sweep's changes, as sweep_transitions counts them.
SweepTransitions transitions_of(const StoreSweep& s) {
  SweepTransitions t;
  for (const NotifiedChange& c : s.changes)
    ++t.rows[c.stored ? static_cast<std::size_t>(*c.stored) : SweepTransitions::never_swept]
            [static_cast<std::size_t>(c.colour)];
  return t;
}

synthetic::Options small_world(std::uint64_t seed) {
  synthetic::Options o;
  o.seed = seed;
  o.scale = 0.02;
  o.municipalities = 6;
  o.local_task_share = 0.1;
  o.content = false;
  return o;
}

}  // namespace

TEST(SweepStore, EqualsThePlainReferenceOnRandomWorldsBeforeAndAfterRecordedSweeps) {
  std::size_t events = 0, local_events = 0, after_recorded = 0;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const Dataset data = synthetic::generate(small_world(seed));
    TempDir dir;
    std::unique_ptr<Store> store = open_sqlite_store(dir.file("klik.sqlite"), {.durability = Durability::Normal});
    store->import_dataset(data);
    Reference ref;
    std::mt19937 rng(static_cast<std::uint32_t>(seed));
    Date day(2026, 1, 5);
    Timestamp now(1'767'600'000);
    for (int step = 0; step < 8; ++step) {
      const std::string where = "seed " + std::to_string(seed) + " step " + std::to_string(step);
      // Random status changes, and a local task edited, created or removed.
      const Dataset cur = store->export_dataset();
      for (int k = 0; k < 20; ++k) {
        const Task& t = cur.tasks[rng() % cur.tasks.size()];
        store->update_task({.task = t.id, .status = static_cast<TaskStatus>(rng() % 4)});
      }
      if (!cur.local_tasks.empty()) {
        LocalTask l = cur.local_tasks[rng() % cur.local_tasks.size()];
        switch (rng() % 3) {
          case 0:
            l.title += " (ret)";
            l.status = static_cast<TaskStatus>(1 + rng() % 3);  // never not active
            store->put_local_task(l);
            break;
          case 1:
            store->remove_local_task(l.id);
            ref.last.erase({l.id.value(), l.parent.value()});
            break;
          default:
            l.id = LocalTaskId();
            l.end = day + (static_cast<std::int32_t>(rng() % 30) - 10);
            store->create_local_task(l);
        }
      }
      day = day + static_cast<std::int32_t>(rng() % 20);
      const StoreSweep got = sweep_store(*store, day);
      events += got.events.size();
      local_events += static_cast<std::size_t>(std::count_if(
          got.events.begin(), got.events.end(), [](const DeadlineEvent& e) { return e.local_task.value() != 0; }));
      after_recorded += ref.last.empty() ? 0 : got.events.size();
      expect_same(got, ref.run(*store, day), where);
      // The counts the store keeps say the same without reading the rows.
      const SweepTransitions counted = sweep_transitions(*store, day);
      EXPECT_EQ(counted, transitions_of(got)) << where;
      EXPECT_EQ(counted.changes(), got.changes.size()) << where;
      EXPECT_EQ(counted.rises(), got.events.size()) << where;
      // Split between threads: the same result, in the same order.
      const StoreSweep split = sweep_store(*store, day, 2);
      EXPECT_EQ(split.events, got.events) << where;
      EXPECT_EQ(split.changes, got.changes) << where;
      if (rng() % 3 != 0) {  // record it (as the daily job does), sometimes across a reopen
        const std::size_t before = store->outbox().size();
        const OutboxSweep rec = sweep_to_outbox(*store, day, now);
        EXPECT_EQ(rec.tasks, got.tasks) << where;
        EXPECT_EQ(rec.events, got.events.size()) << where;
        EXPECT_EQ(rec.colour_changes, got.changes.size()) << where;
        const auto outbox = store->outbox();
        ASSERT_EQ(outbox.size(), before + got.events.size()) << where;
        for (std::size_t i = 0; i < got.events.size(); ++i)
          EXPECT_EQ(outbox[before + i].key, sweep_key_text(got.events[i])) << where;
        ref.record(got);
        if (rng() % 2 == 0) {
          store.reset();
          store = open_sqlite_store(dir.file("klik.sqlite"));
        }
        EXPECT_TRUE(sweep_store(*store, day).changes.empty()) << where;  // idempotent once recorded
      }
    }
  }
  EXPECT_GT(after_recorded, 0u);  // the worlds did rise, local tasks too, also after recorded sweeps
  EXPECT_GT(local_events, 0u);
  EXPECT_GT(events, after_recorded);
}

TEST(SweepStore, WritesNothingAndMatchesTheStoredColoursReadBack) {
  const Dataset data = synthetic::generate(small_world(7));
  auto store = make_memory_store(data);
  const Date day(2026, 3, 2);
  const StoreSweep first = sweep_store(*store, day);
  EXPECT_EQ(first.changes.size(), data.tasks.size() + data.local_tasks.size());  // never swept
  EXPECT_TRUE(store->notified_colours().empty());
  EXPECT_TRUE(store->outbox().empty());
  EXPECT_EQ(sweep_store(*store, day).events, first.events);  // nothing was written
  sweep_to_outbox(*store, day, Timestamp(1'772'445'600));
  // notified_colours() reads the same column, by id.
  std::vector<std::pair<TaskId, DeadlineColour>> tasks;
  std::vector<std::pair<LocalTaskId, DeadlineColour>> locals;
  for (const NotifiedChange& c : first.changes)
    if (c.local_task.value() != 0)
      locals.emplace_back(c.local_task, c.colour);
    else
      tasks.emplace_back(c.task, c.colour);
  std::sort(tasks.begin(), tasks.end());
  std::sort(locals.begin(), locals.end());
  EXPECT_EQ(store->notified_colours(), tasks);
  EXPECT_EQ(store->notified_local_colours(), locals);
}

// sweep_transitions counts from per-stored-colour counts by day that every write
// keeps (src/detail/sweep_counts.hpp): after each kind of write that moves a colour or
// a stored colour -- status, date overrides, a wave shift, a template's dates, local
// tasks created, edited and removed, recorded sweeps, a reopen -- they equal the
// counts of sweep_store's rows, on days inside the counts' window and outside it
// (where a deadline beyond the window makes it read the rows).
TEST(SweepStore, TransitionsFollowEveryKindOfWrite) {
  const Dataset data = synthetic::generate(small_world(11));
  TempDir dir;
  std::unique_ptr<Store> store = open_sqlite_store(dir.file("klik.sqlite"), {.durability = Durability::Normal});
  store->import_dataset(data);
  std::mt19937 rng(23);
  Date day(2025, 11, 3);
  std::size_t compared = 0, changes = 0;
  for (int step = 0; step < 36; ++step) {
    const std::string where = "step " + std::to_string(step);
    const Dataset cur = store->export_dataset();
    switch (step % 6) {
      case 0:
      case 1:
      case 2:
      case 3:
        colour_moving_write(*store, cur, rng, step % 6, day + (static_cast<std::int32_t>(rng() % 60) - 20));
        break;
      case 4:
        if (!cur.local_tasks.empty()) {
          LocalTask l = cur.local_tasks[rng() % cur.local_tasks.size()];
          switch (rng() % 3) {
            case 0:
              l.end = day + static_cast<std::int32_t>(rng() % 20);
              l.status = static_cast<TaskStatus>(1 + rng() % 3);  // never not active
              store->put_local_task(l);
              break;
            case 1:
              store->remove_local_task(l.id);
              break;
            default:
              l.id = LocalTaskId();
              l.end = day + static_cast<std::int32_t>(rng() % 30);
              store->create_local_task(l);
          }
        }
        break;
      default:  // the daily run records the colours, sometimes across a reopen
        sweep_to_outbox(*store, day, Timestamp(1'762'153'200 + step));
        if (rng() % 2 == 0) {
          store.reset();
          store = open_sqlite_store(dir.file("klik.sqlite"));
        }
    }
    if (step == 20) {  // a local task due beyond the counts' window (2089-09-17)
      LocalTask l = cur.local_tasks.front();
      l.id = LocalTaskId();
      l.end = Date(2095, 6, 1);
      store->create_local_task(l);
    }
    day = day + static_cast<std::int32_t>(rng() % 5);
    for (const Date d : {day, day + 30, Date(1999, 6, 1), Date(2096, 1, 2), Date(2100, 1, 1)}) {
      const StoreSweep rows = sweep_store(*store, d);
      EXPECT_EQ(sweep_transitions(*store, d), transitions_of(rows)) << where << " on " << d.iso();
      changes += rows.changes.size();
      ++compared;
    }
  }
  EXPECT_EQ(compared, 36u * 5);
  EXPECT_GT(changes, 0u);
}
