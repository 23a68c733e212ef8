// Working days, deadline colours and the deadline sweep on the national
// datasets (300k and 1M tasks), each next to its naive day-by-day baseline.
//   build-*/benchmarks/bench_calendar --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// KLIK_BENCH_SMOKE=1 uses a tiny dataset (CI).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <klik/calendar.hpp>
#include <klik/deadline.hpp>
#include <klik/sweep.hpp>
#include <klik/synthetic.hpp>
#include <map>
#include <memory>
#include <random>
#include <unordered_map>

namespace {

using klik::Date;
using klik::DeadlineColour;
using klik::WorkdayCalendar;

bool smoke() { return std::getenv("KLIK_BENCH_SMOKE") != nullptr; }

const WorkdayCalendar& cal() {
  static const WorkdayCalendar c = [] {
    WorkdayCalendar w;
    (void)w.is_workday(Date(2025, 1, 1));  // build the table outside the timings
    return w;
  }();
  return c;
}

// ---- naive baselines: the rules evaluated per call, and day-by-day loops ----

bool naive_is_workday(Date d) {
  if (d.is_weekend()) return false;
  const int y = d.year();
  const Date easter = klik::easter_sunday(y);
  for (const klik::HolidayRule& r : klik::danish_holiday_rules()) {
    if (y < r.first_year || y > r.last_year) continue;
    const Date h = r.kind == klik::HolidayRule::Kind::Fixed ? Date(y, r.month, r.day) : easter + r.easter_offset;
    if (h == d) return false;
  }
  return true;
}

Date naive_add(Date d, int n) {
  if (n == 0) {
    while (!naive_is_workday(d)) ++d;
    return d;
  }
  const int step = n > 0 ? 1 : -1;
  for (int k = n > 0 ? n : -n; k > 0;) {
    d += step;
    if (naive_is_workday(d)) --k;
  }
  return d;
}

std::int64_t naive_between(Date a, Date b) {
  std::int64_t n = 0;
  for (Date x = a; x < b; ++x) n += naive_is_workday(x);
  return n;
}

klik::DeadlineDates naive_dates(const klik::Schedule& s) {
  Date ls = s.latest_start ? *s.latest_start : naive_add(s.end, -*s.duration_workdays);
  if (!s.latest_start && *s.duration_workdays == 0) ls = s.end;
  ls = naive_add(ls, 0);
  return {naive_add(ls, -5), ls, naive_add(s.end, 0)};
}

struct Inputs {
  std::vector<Date> dates;
  std::vector<int> offsets;
  std::vector<Date> ends;
};

const Inputs& inputs() {
  static const Inputs in = [] {
    Inputs x;
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> day(Date(2000, 1, 1).serial(), Date(2100, 1, 1).serial());
    std::uniform_int_distribution<int> off(-60, 60), span(0, 120);
    for (int i = 0; i < 4096; ++i) {
      x.dates.push_back(Date::from_serial(day(rng)));
      x.offsets.push_back(off(rng));
      x.ends.push_back(x.dates.back() + span(rng));
    }
    return x;
  }();
  return in;
}

void BM_IsWorkday(benchmark::State& state) {
  const auto& in = inputs();
  const auto& c = cal();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(c.is_workday(in.dates[i++ & 4095]));
  }
}
BENCHMARK(BM_IsWorkday);

void BM_IsWorkday_NaiveRules(benchmark::State& state) {
  const auto& in = inputs();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(naive_is_workday(in.dates[i++ & 4095]));
}
BENCHMARK(BM_IsWorkday_NaiveRules);

void BM_AddWorkdays(benchmark::State& state) {
  const auto& in = inputs();
  const auto& c = cal();
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & 4095;
    benchmark::DoNotOptimize(c.add_workdays(in.dates[k], in.offsets[k]));
  }
}
BENCHMARK(BM_AddWorkdays);

void BM_AddWorkdays_NaiveDayByDay(benchmark::State& state) {
  const auto& in = inputs();
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & 4095;
    benchmark::DoNotOptimize(naive_add(in.dates[k], in.offsets[k]));
  }
}
BENCHMARK(BM_AddWorkdays_NaiveDayByDay);

void BM_WorkdaysBetween(benchmark::State& state) {
  const auto& in = inputs();
  const auto& c = cal();
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & 4095;
    benchmark::DoNotOptimize(c.workdays_between(in.dates[k], in.ends[k]));
  }
}
BENCHMARK(BM_WorkdaysBetween);

void BM_WorkdaysBetween_NaiveDayByDay(benchmark::State& state) {
  const auto& in = inputs();
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & 4095;
    benchmark::DoNotOptimize(naive_between(in.dates[k], in.ends[k]));
  }
}
BENCHMARK(BM_WorkdaysBetween_NaiveDayByDay);

// ---- national datasets ----------------------------------------------------

struct World {
  klik::Dataset data;
  klik::Calendars cals;
  klik::SweepTable table;
  Date today;
};

const World& world(int which) {  // 0: ~300k tasks, 1: ~1M tasks
  static std::map<int, std::unique_ptr<World>> cache;
  auto& w = cache[which];
  if (!w) {
    w = std::make_unique<World>();
    klik::synthetic::Options o;
    o.content = false;
    o.local_task_share = 0;
    if (smoke()) {
      o.municipalities = 3;
      o.scale = 0.25;
    } else {
      o.scale = which == 0 ? 1.0 : 3.5;
    }
    w->data = klik::synthetic::generate(o);
    w->table = klik::sweep_table(w->data, w->cals);
    // A day in the middle of the end dates, so every colour occurs.
    std::vector<Date> ends;
    for (const auto& t : w->data.templates) ends.push_back(t.end);
    std::nth_element(ends.begin(), ends.begin() + static_cast<std::ptrdiff_t>(ends.size() / 2), ends.end());
    w->today = ends[ends.size() / 2];
  }
  return *w;
}

void BM_DeadlineDates(benchmark::State& state) {
  const World& w = world(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(klik::deadline_dates(w.data.templates, w.data.tasks, w.cals));
  state.counters["tasks"] = static_cast<double>(w.data.tasks.size());
}
BENCHMARK(BM_DeadlineDates)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_Colours(benchmark::State& state) {
  const World& w = world(static_cast<int>(state.range(0)));
  std::vector<DeadlineColour> out(w.table.status.size());
  for (auto _ : state) {
    klik::colours_on(w.table.status, w.table.dates, w.today, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["tasks"] = static_cast<double>(out.size());
}
BENCHMARK(BM_Colours)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Baseline: each task's colour from its template, dates stepped day by day.
void BM_Colours_NaiveDayByDay(benchmark::State& state) {
  const World& w = world(static_cast<int>(state.range(0)));
  std::vector<DeadlineColour> out(w.data.tasks.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < w.data.tasks.size(); ++i) {
      const klik::Task& t = w.data.tasks[i];
      const auto& tpl = w.data.templates[t.template_id.value() - 1];
      out[i] = klik::colour_on(t.status, naive_dates(klik::schedule_of(tpl, t)), w.today);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["tasks"] = static_cast<double>(out.size());
}
BENCHMARK(BM_Colours_NaiveDayByDay)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(1);

// The sweep as the daily job runs it: yesterday's colours in, today's out.
void BM_Sweep_Daily(benchmark::State& state) {
  const World& w = world(static_cast<int>(state.range(0)));
  auto cols = w.table.columns();
  const auto yesterday = klik::sweep(cols, w.today - 1).notified;
  cols.last_notified = yesterday;
  std::vector<klik::NotifiedColour> next(yesterday.size());
  std::vector<klik::DeadlineEvent> events;
  for (auto _ : state) {
    events.clear();
    klik::sweep(cols, w.today, next, events);
    benchmark::DoNotOptimize(events.data());
    benchmark::DoNotOptimize(next.data());
  }
  state.counters["tasks"] = static_cast<double>(next.size());
  state.counters["events"] = static_cast<double>(events.size());
}
BENCHMARK(BM_Sweep_Daily)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The first sweep ever (nothing notified): every yellow and red task is an event.
void BM_Sweep_First(benchmark::State& state) {
  const World& w = world(static_cast<int>(state.range(0)));
  const auto cols = w.table.columns();
  std::vector<klik::NotifiedColour> next(w.table.task.size());
  std::vector<klik::DeadlineEvent> events;
  for (auto _ : state) {
    events.clear();
    klik::sweep(cols, w.today, next, events);
    benchmark::DoNotOptimize(events.data());
  }
  state.counters["events"] = static_cast<double>(events.size());
}
BENCHMARK(BM_Sweep_First)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Baseline: per task, colour from the template (dates stepped day by day) and
// last-notified colours in a hash map.
void BM_Sweep_NaiveDayByDay(benchmark::State& state) {
  const World& w = world(static_cast<int>(state.range(0)));
  std::unordered_map<std::uint32_t, DeadlineColour> last;
  for (std::size_t i = 0; i < w.data.tasks.size(); ++i)
    last[w.data.tasks[i].id.value()] = klik::colour_on(w.table.status[i], w.table.dates[i], w.today - 1);
  std::vector<klik::DeadlineEvent> events;
  for (auto _ : state) {
    events.clear();
    for (const klik::Task& t : w.data.tasks) {
      const auto& tpl = w.data.templates[t.template_id.value() - 1];
      const auto d = naive_dates(klik::schedule_of(tpl, t));
      const DeadlineColour c = klik::colour_on(t.status, d, w.today);
      auto& l = last[t.id.value()];
      const int lv = l == DeadlineColour::Yellow ? 1 : l == DeadlineColour::Red ? 2 : 0;
      const int cv = c == DeadlineColour::Yellow ? 1 : c == DeadlineColour::Red ? 2 : 0;
      if (cv > lv)
        events.push_back(
            klik::DeadlineEvent{t.id, t.municipality, tpl.project, tpl.priority, l, c, w.today, w.today, 0});
    }
    benchmark::DoNotOptimize(events.data());
  }
  state.counters["events"] = static_cast<double>(events.size());
}
BENCHMARK(BM_Sweep_NaiveDayByDay)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(1);

// The whole convenience call: deadline dates for the dataset plus the sweep.
void BM_Sweep_DatasetConvenience(benchmark::State& state) {
  const World& w = world(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(klik::sweep(w.data, w.cals, w.today));
}
BENCHMARK(BM_Sweep_DatasetConvenience)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
