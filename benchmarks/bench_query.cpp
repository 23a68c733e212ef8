// Task-list queries Q1-Q5 of issue 5 on the national datasets (300k, 1M tasks):
// klik's engine, the same queries in SQLite (prepared statements, best indexes,
// the same precomputed deadline dates, visibility from klik::visibility_sql),
// and a naive full scan (decide() and colour() per task), in one binary.
//
//   Q1 a Plusbruger's list in one project: status in (not_started, started),
//      responsible not set, by end date, first page of 50 (+ total)
//   Q2 quick status by colour for a user across all their projects
//   Q3 KOMBIT: for one project, red critical-path and mandatory tasks per municipality
//   Q4 a Light-bruger's yellow or red tasks, first page of 50 (+ total)
//   Q5 colours of every task on a date, and how many changed since the previous working day
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <klik/query_engine.hpp>
#include <klik/rights.hpp>
#include <klik/store.hpp>
#include <map>
#include <stdexcept>
#include <string>

#include "bench_support.hpp"

namespace {

using namespace klik;

const Date today(2026, 3, 2);

/// A task's dates as klik defines them (the wave's shift applied; overrides win):
/// what every baseline must compute to answer the same question as the engine.
Schedule effective(const Dataset& d, const TaskTemplate& tp, const Task& t, const WorkdayCalendar& cal) {
  static std::map<const Dataset*, std::map<std::pair<ProjectId, MunicipalityId>, std::int32_t>> cache;
  auto& shifts = cache[&d];
  if (shifts.empty())
    for (const RolloutWave& w : d.waves)
      for (MunicipalityId m : w.members) shifts[{w.project, m}] = w.shift_workdays;
  const auto it = shifts.find({tp.project, t.municipality});
  return effective_schedule(tp, t, it == shifts.end() ? 0 : it->second, cal);
}

struct Fixture {
  const Dataset* data = nullptr;
  std::unique_ptr<Store> store;
  const User* plus = nullptr;   // Plusbruger, Q1/Q2
  ProjectId plus_project;
  const User* light = nullptr;  // Light-bruger with the most tasks, Q4
  const User* kombit = nullptr; // KOMBIT administrator, Q3
  ProjectId q3_project;
  TaskQuery q1, q2, q4;
  sqlite3* db = nullptr;
  double store_mb = 0;
};

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

void load_sqlite(Fixture& f) {
  sqlite3_open(":memory:", &f.db);
  auto exec = [&](const char* sql) { check(sqlite3_exec(f.db, sql, nullptr, nullptr, nullptr), f.db, sql); };
  exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;");
  exec("CREATE TABLE tasks (rowkey INTEGER PRIMARY KEY, kind INTEGER NOT NULL, municipality INTEGER NOT NULL,"
       " project INTEGER NOT NULL, status INTEGER NOT NULL, priority INTEGER NOT NULL, responsible INTEGER,"
       " performer INTEGER, parent_responsible INTEGER, parent_performer INTEGER, end_date INTEGER NOT NULL,"
       " yellow_ns INTEGER NOT NULL, latest_start INTEGER NOT NULL, end_adj INTEGER NOT NULL)");
  // The same precomputed deadline dates klik keeps, taken from klik's own export of each row.
  const Snapshot snap = f.store->snapshot();
  sqlite3_stmt* ins = nullptr;
  check(sqlite3_prepare_v2(f.db, "INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &ins, nullptr), f.db,
        "insert");
  exec("BEGIN");
  std::unordered_map<TemplateId, const TaskTemplate*> tpl;
  for (const auto& t : f.data->templates) tpl[t.id] = &t;
  const Calendars& cals = snap->calendars();
  for (const Task& t : f.data->tasks) {
    const TaskTemplate& tp = *tpl.at(t.template_id);
    const WorkdayCalendar cal = cals.effective(t.municipality, tp.project);
    const DeadlineDates dd = deadline_dates(effective(*f.data, tp, t, cal), cal);
    sqlite3_reset(ins);
    sqlite3_bind_int64(ins, 1, t.id.value());
    sqlite3_bind_int(ins, 2, 0);
    sqlite3_bind_int(ins, 3, t.municipality.value());
    sqlite3_bind_int64(ins, 4, tp.project.value());
    sqlite3_bind_int(ins, 5, static_cast<int>(t.status));
    sqlite3_bind_int(ins, 6, static_cast<int>(tp.priority));
    if (t.responsible) sqlite3_bind_int64(ins, 7, t.responsible->value()); else sqlite3_bind_null(ins, 7);
    if (t.performer) sqlite3_bind_int64(ins, 8, t.performer->value()); else sqlite3_bind_null(ins, 8);
    sqlite3_bind_null(ins, 9);
    sqlite3_bind_null(ins, 10);
    sqlite3_bind_int(ins, 11, (t.end_override ? *t.end_override : tp.end).serial());
    sqlite3_bind_int(ins, 12, dd.yellow_if_not_started.serial());
    sqlite3_bind_int(ins, 13, dd.latest_start.serial());
    sqlite3_bind_int(ins, 14, dd.end.serial());
    check(sqlite3_step(ins), f.db, "insert row");
  }
  exec("COMMIT");
  sqlite3_finalize(ins);
  exec("CREATE INDEX by_partition ON tasks(municipality, project, status, end_date);"
       "CREATE INDEX by_responsible ON tasks(responsible);"
       "CREATE INDEX by_performer ON tasks(performer);"
       "CREATE INDEX by_project ON tasks(project, priority);"
       "ANALYZE;");
}

// colour in SQL from the same thresholds: 0 green, 1 yellow, 2 red, 3 grey, 4 done
const char* colour_sql(const char* day) {
  static std::string s[2];
  std::string& out = s[std::string(day) == "?1" ? 0 : 1];
  out = std::string("(CASE status WHEN 0 THEN 3 WHEN 3 THEN 4 WHEN 1 THEN (CASE WHEN ") + day +
        " >= latest_start THEN 2 WHEN " + day + " >= yellow_ns THEN 1 ELSE 0 END) ELSE (CASE WHEN " + day +
        " >= end_adj THEN 2 WHEN " + day + " >= latest_start THEN 1 ELSE 0 END) END)";
  return out.c_str();
}

Fixture& fixture(int size) {
  static std::map<int, std::unique_ptr<Fixture>> cache;
  auto& slot = cache[size];
  if (slot) return *slot;
  slot = std::make_unique<Fixture>();
  Fixture& f = *slot;
  f.data = &bench::dataset(size);
  const double before = bench::heap_bytes();
  f.store = make_memory_store(*f.data);
  f.store_mb = (bench::heap_bytes() - before) / 1e6;
  // viewers: the first Plusbruger; the Light-bruger with the most assignments; the KOMBIT administrator
  std::unordered_map<std::uint32_t, int> assigned;
  for (const Task& t : f.data->tasks) {
    if (t.responsible) ++assigned[t.responsible->value()];
    if (t.performer && t.performer != t.responsible) ++assigned[t.performer->value()];
  }
  int best = -1;
  for (const User& u : f.data->users) {
    if (u.side == Side::Kombit) {
      if (u.administrator) f.kombit = &u;
      continue;
    }
    if (!f.plus && !u.memberships.empty() && u.memberships[0].type == UserType::Plus) {
      f.plus = &u;
      f.plus_project = u.memberships[0].project;
    }
    const bool all_light = !u.memberships.empty() && std::all_of(u.memberships.begin(), u.memberships.end(),
                                                                 [](const Membership& m) { return m.type == UserType::Light; });
    if (all_light && assigned[u.id.value()] > best) {
      best = assigned[u.id.value()];
      f.light = &u;
    }
  }
  f.q3_project = f.plus_project;
  f.q1.projects = {f.plus_project};
  f.q1.statuses = {TaskStatus::NotStarted, TaskStatus::Started};
  f.q1.responsible.not_set = true;
  f.q1.sort = {{TaskColumn::EndDate, false}};
  f.q4.colours = {DeadlineColour::Yellow, DeadlineColour::Red};
  load_sqlite(f);
  return f;
}

// ---- klik ----

void BM_Q1_klik(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  const Snapshot snap = f.store->snapshot();
  std::size_t total = 0;
  for (auto _ : state) {
    TaskPage p = list_tasks(snap.world(), RightsModel::default_model(), *f.plus, f.q1, today);
    total = p.total;
    benchmark::DoNotOptimize(p);
  }
  state.counters["matches"] = static_cast<double>(total);
  state.counters["store_MB"] = f.store_mb;
}

void BM_Q2_klik(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  const Snapshot snap = f.store->snapshot();
  ColourCounts c;
  for (auto _ : state) {
    c = quick_status(snap.world(), RightsModel::default_model(), *f.plus, f.q2, today);
    benchmark::DoNotOptimize(c);
  }
  state.counters["tasks"] = static_cast<double>(c.total());
}

void BM_Q3_klik(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  const Snapshot snap = f.store->snapshot();
  std::size_t red = 0;
  for (auto _ : state) {
    auto v = status_by_municipality(snap.world(), RightsModel::default_model(), *f.kombit, f.q3_project, today);
    red = 0;
    for (const auto& m : v) red += m.red_followed_up();
    benchmark::DoNotOptimize(v);
  }
  state.counters["red_followed_up"] = static_cast<double>(red);
}

void BM_Q4_klik(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  const Snapshot snap = f.store->snapshot();
  std::size_t total = 0;
  for (auto _ : state) {
    TaskPage p = list_tasks(snap.world(), RightsModel::default_model(), *f.light, f.q4, today);
    total = p.total;
    benchmark::DoNotOptimize(p);
  }
  state.counters["matches"] = static_cast<double>(total);
}

void BM_Q5_klik(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  const Snapshot snap = f.store->snapshot();
  std::size_t changed = 0;
  for (auto _ : state) {
    auto s = colours_with_changes(snap.world(), today);
    changed = s.changed;
    benchmark::DoNotOptimize(s);
  }
  state.counters["changed"] = static_cast<double>(changed);
  state.counters["tasks"] = static_cast<double>(f.data->tasks.size());
}

// ---- SQLite, same data, prepared statements ----

struct Stmt {
  sqlite3_stmt* st = nullptr;
  Stmt(sqlite3* db, const std::string& sql) { check(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), db, sql.c_str()); }
  ~Stmt() { sqlite3_finalize(st); }
  std::int64_t run() {
    std::int64_t rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) rows += 1 + sqlite3_column_int64(st, 0) * 0;
    sqlite3_reset(st);
    return rows;
  }
};

void bind_all(sqlite3_stmt* st, const SqlPredicate& pred, int first) {
  for (std::size_t i = 0; i < pred.params.size(); ++i) sqlite3_bind_int64(st, first + static_cast<int>(i), pred.params[i]);
}

void BM_Q1_sqlite(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  const SqlPredicate vis = visibility_sql(RightsModel::default_model(), *f.plus);
  const std::string where = " FROM tasks WHERE project = ?1 AND status IN (1, 2) AND responsible IS NULL AND " + vis.where;
  // numbered ?1 first, the fragment's ? follow it
  Stmt page(f.db, "SELECT rowkey, end_date, status" + where + " ORDER BY end_date, rowkey LIMIT 50");
  Stmt count(f.db, "SELECT COUNT(*)" + where);
  for (Stmt* s : {&page, &count}) {
    sqlite3_bind_int64(s->st, 1, f.plus_project.value());
    bind_all(s->st, vis, 2);
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(page.run());
    benchmark::DoNotOptimize(count.run());
  }
}

void BM_Q2_sqlite(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  const SqlPredicate vis = visibility_sql(RightsModel::default_model(), *f.plus);
  Stmt q(f.db, std::string("SELECT ") + colour_sql("?1") + " AS c, COUNT(*) FROM tasks WHERE " + vis.where +
                   " GROUP BY c");
  sqlite3_bind_int(q.st, 1, today.serial());
  bind_all(q.st, vis, 2);
  for (auto _ : state) benchmark::DoNotOptimize(q.run());
}

void BM_Q3_sqlite(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  Stmt q(f.db, std::string("SELECT municipality, COUNT(*) FROM tasks WHERE project = ?2 AND kind = 0 AND priority IN "
                           "(0, 1) AND ") + colour_sql("?1") + " = 2 GROUP BY municipality");
  sqlite3_bind_int(q.st, 1, today.serial());
  sqlite3_bind_int64(q.st, 2, f.q3_project.value());
  for (auto _ : state) benchmark::DoNotOptimize(q.run());
}

void BM_Q4_sqlite(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  const SqlPredicate vis = visibility_sql(RightsModel::default_model(), *f.light);
  const std::string where = std::string(" FROM tasks WHERE ") + colour_sql("?1") + " IN (1, 2) AND " + vis.where;
  Stmt page(f.db, "SELECT rowkey, end_date" + where + " ORDER BY end_date, rowkey LIMIT 50");
  Stmt count(f.db, "SELECT COUNT(*)" + where);
  for (Stmt* s : {&page, &count}) {
    sqlite3_bind_int(s->st, 1, today.serial());
    bind_all(s->st, vis, 2);
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(page.run());
    benchmark::DoNotOptimize(count.run());
  }
}

void BM_Q5_sqlite(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  const Date previous = f.store->snapshot()->calendars().national().previous_workday(today);
  Stmt q(f.db, std::string("SELECT c, COUNT(*), SUM(c != p) FROM (SELECT ") + colour_sql("?1") + " AS c, " +
                   colour_sql("?2") + " AS p FROM tasks WHERE kind = 0) GROUP BY c");
  sqlite3_bind_int(q.st, 1, today.serial());
  sqlite3_bind_int(q.st, 2, previous.serial());
  for (auto _ : state) benchmark::DoNotOptimize(q.run());
}

// ---- naive full scan: every task, decide() and colour() each time ----

struct Naive {
  FactIndex facts;
  std::unordered_map<TemplateId, const TaskTemplate*> tpl;
  Calendars cals;
  explicit Naive(const Dataset& d) : facts(d) {
    for (const auto& t : d.templates) tpl[t.id] = &t;
  }
};

Naive& naive(int size) {
  static std::map<int, std::unique_ptr<Naive>> cache;
  auto& slot = cache[size];
  if (!slot) slot = std::make_unique<Naive>(bench::dataset(size));
  return *slot;
}

template <class F>
void naive_scan(const Fixture& f, Naive& n, const User& viewer, F&& on_visible) {
  const RightsModel& rights = RightsModel::default_model();
  for (const Task& t : f.data->tasks) {
    const TaskTemplate& tp = *n.tpl.at(t.template_id);
    const TaskFacts facts = task_facts(t, tp.project);
    if (!rights.allows(viewer, Action::ViewTask, facts)) continue;
    on_visible(t, tp);
  }
}

void BM_Q1_naive(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  Naive& n = naive(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::vector<std::pair<std::int32_t, std::uint32_t>> hits;
    naive_scan(f, n, *f.plus, [&](const Task& t, const TaskTemplate& tp) {
      if (tp.project == f.plus_project && (t.status == TaskStatus::NotStarted || t.status == TaskStatus::Started) &&
          !t.responsible)
        hits.emplace_back((t.end_override ? *t.end_override : tp.end).serial(), t.id.value());
    });
    const auto k = std::min<std::size_t>(50, hits.size());
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(k), hits.end());
    benchmark::DoNotOptimize(hits);
  }
}

void BM_Q5_naive(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  Naive& n = naive(static_cast<int>(state.range(0)));
  const Date previous = n.cals.national().previous_workday(today);
  for (auto _ : state) {
    std::size_t changed = 0;
    for (const Task& t : f.data->tasks) {
      const TaskTemplate& tp = *n.tpl.at(t.template_id);
      const auto cal = n.cals.effective(t.municipality, tp.project);
      const Schedule s = effective(*f.data, tp, t, cal);
      changed += colour(t.status, s, cal, today) != colour(t.status, s, cal, previous);
    }
    benchmark::DoNotOptimize(changed);
  }
}

void BM_Q2_naive(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  Naive& n = naive(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::array<std::size_t, 5> counts{};
    naive_scan(f, n, *f.plus, [&](const Task& t, const TaskTemplate& tp) {
      const auto cal = n.cals.effective(t.municipality, tp.project);
      ++counts[static_cast<std::size_t>(colour(t.status, effective(*f.data, tp, t, cal), cal, today))];
    });
    benchmark::DoNotOptimize(counts);
  }
}

void BM_Q3_naive(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  Naive& n = naive(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::map<MunicipalityId, std::size_t> red;
    naive_scan(f, n, *f.kombit, [&](const Task& t, const TaskTemplate& tp) {
      if (tp.project != f.q3_project || (tp.priority != Priority::CriticalPath && tp.priority != Priority::Mandatory))
        return;
      const auto cal = n.cals.effective(t.municipality, tp.project);
      if (colour(t.status, effective(*f.data, tp, t, cal), cal, today) == DeadlineColour::Red)
        ++red[t.municipality];
    });
    benchmark::DoNotOptimize(red);
  }
}

void BM_Q4_naive(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  Naive& n = naive(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::vector<std::pair<std::int32_t, std::uint32_t>> hits;
    naive_scan(f, n, *f.light, [&](const Task& t, const TaskTemplate& tp) {
      const auto cal = n.cals.effective(t.municipality, tp.project);
      const Schedule s = effective(*f.data, tp, t, cal);
      const DeadlineColour c = colour(t.status, s, cal, today);
      if (c == DeadlineColour::Yellow || c == DeadlineColour::Red) hits.emplace_back(s.end.serial(), t.id.value());
    });
    const auto k = std::min<std::size_t>(50, hits.size());
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(k), hits.end());
    benchmark::DoNotOptimize(hits);
  }
}

void sizes(benchmark::internal::Benchmark* b) {
  b->Arg(0);
  if (!bench::smoke()) b->Arg(1);
  b->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_Q1_klik)->Apply(sizes);
BENCHMARK(BM_Q1_sqlite)->Apply(sizes);
BENCHMARK(BM_Q1_naive)->Apply(sizes);
BENCHMARK(BM_Q2_klik)->Apply(sizes);
BENCHMARK(BM_Q2_sqlite)->Apply(sizes);
BENCHMARK(BM_Q2_naive)->Apply(sizes);
BENCHMARK(BM_Q3_klik)->Apply(sizes);
BENCHMARK(BM_Q3_sqlite)->Apply(sizes);
BENCHMARK(BM_Q3_naive)->Apply(sizes);
BENCHMARK(BM_Q4_klik)->Apply(sizes);
BENCHMARK(BM_Q4_sqlite)->Apply(sizes);
BENCHMARK(BM_Q4_naive)->Apply(sizes);
BENCHMARK(BM_Q5_klik)->Apply(sizes);
BENCHMARK(BM_Q5_sqlite)->Apply(sizes);
BENCHMARK(BM_Q5_naive)->Apply(sizes);

}  // namespace
