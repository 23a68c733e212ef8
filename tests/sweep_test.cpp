// The daily deadline sweep (the manual's Tabel 1 and Tabel 3): idempotency, catch-up after missed
// days, no events for moves to green/grey/done, status changes, keys.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <klik/error.hpp>
#include <klik/sweep.hpp>
#include <klik/synthetic.hpp>
#include <map>
#include <set>

namespace {

using klik::Date;
using klik::DeadlineColour;
using klik::DeadlineDates;
using klik::DeadlineEvent;
using klik::NotifiedColour;
using klik::TaskStatus;
using C = DeadlineColour;

Date D(int y, int m, int d) { return Date(y, m, d); }

struct Tasks {
  std::vector<klik::TaskId> id;
  std::vector<klik::MunicipalityId> municipality;
  std::vector<klik::ProjectId> project;
  std::vector<klik::Priority> priority;
  std::vector<TaskStatus> status;
  std::vector<DeadlineDates> dates;
  void add(TaskStatus s, DeadlineDates d) {
    id.emplace_back(static_cast<std::uint32_t>(id.size() + 1));
    municipality.emplace_back(101);
    project.emplace_back(3);
    priority.push_back(klik::Priority::Mandatory);
    status.push_back(s);
    dates.push_back(d);
  }
  klik::SweepResult run(Date day, const std::vector<NotifiedColour>& last) const {
    return klik::sweep(klik::SweepColumns{id, municipality, project, priority, status, dates, last}, day);
  }
};

// Y = Fri 30 May, LS = Tue 10 June, E = Mon 16 June 2025 (municipal calendar).
const DeadlineDates kDates{D(2025, 5, 30), D(2025, 6, 10), D(2025, 6, 16)};

TEST(Sweep, FirstRunNotifiesYellowAndRedOnly) {
  Tasks t;
  t.add(TaskStatus::NotStarted, kDates);  // yellow on 2 June
  t.add(TaskStatus::Started, kDates);  // green
  t.add(TaskStatus::NotActive, kDates);  // grey
  t.add(TaskStatus::Completed, kDates);  // done
  t.add(TaskStatus::NotStarted, DeadlineDates{D(2025, 5, 20), D(2025, 5, 27), D(2025, 5, 28)});  // red
  const auto r = t.run(D(2025, 6, 2), {});
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].task, klik::TaskId(1));
  EXPECT_EQ(r.events[0].new_colour, C::Yellow);
  EXPECT_EQ(r.events[0].old_colour, std::nullopt);
  EXPECT_EQ(r.events[0].reached_on, D(2025, 5, 30));
  EXPECT_EQ(r.events[0].date, D(2025, 6, 2));
  EXPECT_EQ(r.events[0].municipality, klik::MunicipalityId(101));
  EXPECT_EQ(r.events[0].project, klik::ProjectId(3));
  EXPECT_EQ(r.events[1].task, klik::TaskId(5));
  EXPECT_EQ(r.events[1].new_colour, C::Red);
  EXPECT_EQ(r.events[1].reached_on, D(2025, 5, 27));
  EXPECT_EQ(klik::sweep_key_text(r.events[1]), "deadline/5/red/2025-05-27");
  EXPECT_EQ(r.notified, (std::vector<NotifiedColour>{C::Yellow, C::Green, C::Grey, C::Done, C::Red}));
}

TEST(Sweep, IdempotentOnTheSameDay) {
  Tasks t;
  t.add(TaskStatus::NotStarted, kDates);
  t.add(TaskStatus::Started, kDates);
  const auto first = t.run(D(2025, 6, 16), {});
  EXPECT_EQ(first.events.size(), 2u);
  const auto second = t.run(D(2025, 6, 16), first.notified);
  EXPECT_TRUE(second.events.empty());
  EXPECT_EQ(second.notified, first.notified);
}

TEST(Sweep, DailyRunsNotifyEachRiseOnce) {
  Tasks t;
  t.add(TaskStatus::NotStarted, kDates);
  std::vector<NotifiedColour> last;
  std::vector<DeadlineEvent> all;
  for (Date d = D(2025, 5, 26); d <= D(2025, 6, 20); ++d) {
    auto r = t.run(d, last);
    all.insert(all.end(), r.events.begin(), r.events.end());
    last = r.notified;
  }
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].date, D(2025, 5, 30));
  EXPECT_EQ(all[0].new_colour, C::Yellow);
  EXPECT_EQ(all[0].old_colour, NotifiedColour(C::Green));
  EXPECT_EQ(all[1].date, D(2025, 6, 10));
  EXPECT_EQ(all[1].new_colour, C::Red);
  EXPECT_EQ(all[1].old_colour, NotifiedColour(C::Yellow));
}

TEST(Sweep, CatchUpAfterTenDaysGivesOneEventWithTheDailyKey) {
  Tasks t;
  t.add(TaskStatus::NotStarted, kDates);
  const auto before = t.run(D(2025, 5, 28), {});
  EXPECT_TRUE(before.events.empty());
  // Down from 29 May to 7 June; back on 8 June... and the task went yellow then red by 11 June.
  const auto catchup = t.run(D(2025, 6, 11), before.notified);
  ASSERT_EQ(catchup.events.size(), 1u);
  EXPECT_EQ(catchup.events[0].new_colour, C::Red);
  EXPECT_EQ(catchup.events[0].old_colour, NotifiedColour(C::Green));
  // The daily run's red event, on 10 June, had the same key.
  const auto daily_red = t.run(D(2025, 6, 10), std::vector<NotifiedColour>{C::Yellow});
  ASSERT_EQ(daily_red.events.size(), 1u);
  EXPECT_EQ(daily_red.events[0].idempotency_key, catchup.events[0].idempotency_key);
  EXPECT_NE(daily_red.events[0].date, catchup.events[0].date);
}

TEST(Sweep, NoEventsForMovesToGreenGreyOrDoneAndRisesNotifyAgain) {
  Tasks t;
  t.add(TaskStatus::NotStarted, kDates);
  auto r = t.run(D(2025, 6, 2), {});  // yellow
  ASSERT_EQ(r.events.size(), 1u);
  t.status[0] = TaskStatus::Started;  // started before the latest start: green again
  r = t.run(D(2025, 6, 3), r.notified);
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.notified[0], NotifiedColour(C::Green));
  r = t.run(D(2025, 6, 10), r.notified);  // started: yellow from LS
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].new_colour, C::Yellow);
  EXPECT_EQ(r.events[0].reached_on, D(2025, 6, 10));
  t.status[0] = TaskStatus::Completed;
  r = t.run(D(2025, 6, 17), r.notified);
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.notified[0], NotifiedColour(C::Done));
  t.status[0] = TaskStatus::NotActive;
  r = t.run(D(2025, 6, 18), r.notified);
  EXPECT_TRUE(r.events.empty());
  t.status[0] = TaskStatus::Started;  // reopened after the end: red, notified again
  r = t.run(D(2025, 6, 19), r.notified);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].new_colour, C::Red);
  EXPECT_EQ(r.events[0].old_colour, NotifiedColour(C::Grey));
}

TEST(Sweep, StatusChangeIsJudgedByTheStatusNow) {
  Tasks t;
  t.add(TaskStatus::NotStarted, kDates);
  auto r = t.run(D(2025, 6, 11), {});  // not started after LS: red
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].new_colour, C::Red);
  EXPECT_EQ(r.events[0].reached_on, D(2025, 6, 10));
  t.status[0] = TaskStatus::Started;  // started: yellow until E; a fall, no event
  r = t.run(D(2025, 6, 12), r.notified);
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.notified[0], NotifiedColour(C::Yellow));
  r = t.run(D(2025, 6, 16), r.notified);  // red from E, under the started rule
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].new_colour, C::Red);
  EXPECT_EQ(r.events[0].reached_on, D(2025, 6, 16));
  EXPECT_EQ(klik::sweep_key_text(r.events[0]), "deadline/1/red/2025-06-16");
}

TEST(Sweep, KeysAreInjective) {
  std::set<std::uint64_t> keys;
  for (std::uint32_t task : {1u, 2u, 4000000000u})
    for (C c : {C::Yellow, C::Red})
      for (Date d : {D(1400, 1, 1), D(2025, 6, 10), D(2025, 6, 11), D(9999, 12, 31)})
        EXPECT_TRUE(keys.insert(klik::sweep_key(klik::TaskId(task), c, d)).second);
}

TEST(Sweep, LocalTasksHaveKeysOfTheirOwn) {
  // Task ids in a store are below 2^31 (the local-task bit); local keys never equal theirs.
  std::set<std::uint64_t> keys;
  for (std::uint32_t id : {1u, 2u, 0x7FFF'FFFFu})
    for (C c : {C::Yellow, C::Red})
      for (Date d : {D(1400, 1, 1), D(2025, 6, 10), D(9999, 12, 31)}) {
        EXPECT_TRUE(keys.insert(klik::sweep_key(klik::TaskId(id), c, d)).second);
        EXPECT_TRUE(keys.insert(klik::sweep_key(klik::LocalTaskId(id), c, d)).second);
      }
  // A local row in the columns: the event names it, keyed and spelled as a local task's.
  Tasks t;
  t.add(TaskStatus::NotStarted, kDates);
  t.add(TaskStatus::NotStarted, kDates);
  const klik::LocalTaskId local[] = {klik::LocalTaskId(), klik::LocalTaskId(9)};
  const auto r = klik::sweep(
      klik::SweepColumns{t.id, t.municipality, t.project, t.priority, t.status, t.dates, {}, local}, D(2025, 6, 16));
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].local_task, klik::LocalTaskId());
  EXPECT_EQ(r.events[1].local_task, klik::LocalTaskId(9));
  EXPECT_EQ(r.events[1].task, t.id[1]);  // its parent
  EXPECT_EQ(r.events[1].idempotency_key,
            klik::sweep_key(klik::LocalTaskId(9), r.events[1].new_colour, r.events[1].reached_on));
  EXPECT_EQ(klik::sweep_key_text(r.events[1]).rfind("deadline/local/9/", 0), 0u) << klik::sweep_key_text(r.events[1]);
}

TEST(Sweep, ColumnSizesMustMatch) {
  Tasks t;
  t.add(TaskStatus::NotStarted, kDates);
  t.status.push_back(TaskStatus::Started);
  EXPECT_THROW((void)t.run(D(2025, 6, 2), {}), klik::InvalidArgumentError);
}

// Catch-up equals daily: over random tasks with fixed statuses, a sweep after
// k missed days emits, for each task, exactly the last event the daily runs
// emitted for it in that window, with the same key.
RC_GTEST_PROP(SweepProps, CatchUpEqualsLastDailyEvent, ()) {
  Tasks t;
  const int n = *rc::gen::inRange(1, 40);
  const Date base(2025, 3, 3);
  for (int i = 0; i < n; ++i) {
    const Date y = base + *rc::gen::inRange(0, 40);
    const Date ls = y + *rc::gen::inRange(1, 15);
    const Date e = ls + *rc::gen::inRange(0, 15);
    t.add(*rc::gen::element(TaskStatus::NotActive, TaskStatus::NotStarted, TaskStatus::Started, TaskStatus::Completed),
          DeadlineDates{y, ls, e});
  }
  const Date start = base + *rc::gen::inRange(-5, 30);
  const int k = *rc::gen::inRange(1, 30);
  const auto first = t.run(start, {});
  std::vector<NotifiedColour> last = first.notified;
  std::map<std::uint32_t, DeadlineEvent> last_daily;
  for (Date d = start + 1; d <= start + k; ++d) {
    const auto r = t.run(d, last);
    for (const auto& e : r.events) last_daily[e.task.value()] = e;
    last = r.notified;
  }
  const auto catchup = t.run(start + k, first.notified);
  RC_ASSERT(catchup.notified == last);
  RC_ASSERT(catchup.events.size() == last_daily.size());
  for (const auto& e : catchup.events) {
    const auto it = last_daily.find(e.task.value());
    RC_ASSERT(it != last_daily.end());
    RC_ASSERT(it->second.idempotency_key == e.idempotency_key);
    RC_ASSERT(it->second.new_colour == e.new_colour);
  }
  RC_ASSERT(t.run(start + k, catchup.notified).events.empty());
}

TEST(Sweep, OverADataset) {
  klik::synthetic::Options o;
  o.municipalities = 3;
  o.scale = 0.25;
  o.content = false;
  const klik::Dataset world = klik::synthetic::generate(o);
  klik::Calendars cals;
  const Date day = world.templates.front().end;
  const auto r = klik::sweep(world, cals, day);
  ASSERT_EQ(r.notified.size(), world.tasks.size());
  std::size_t rising = 0;
  for (std::size_t i = 0; i < world.tasks.size(); ++i) {
    const auto& task = world.tasks[i];
    const auto& tpl = world.templates[task.template_id.value() - 1];
    // The task's effective dates: its wave's shift applies (the generator shifts waves 2 and 3).
    const klik::WorkdayCalendar cal = cals.national();
    const klik::Schedule s =
        klik::effective_schedule(tpl, task, klik::wave_shift(world.waves, tpl.project, task.municipality), cal);
    const C c = klik::colour(task.status, s, cal, day);
    EXPECT_EQ(r.notified[i], NotifiedColour(c));
    rising += c == C::Yellow || c == C::Red;
  }
  EXPECT_EQ(r.events.size(), rising);
  EXPECT_GT(rising, 0u);
  EXPECT_TRUE(klik::sweep(world, cals, day, r.notified).events.empty());
  std::vector<NotifiedColour> wrong(3);
  EXPECT_THROW((void)klik::sweep(world, cals, day, wrong), klik::InvalidArgumentError);
}

}  // namespace
