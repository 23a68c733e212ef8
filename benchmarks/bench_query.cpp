// Task-list queries Q1-Q5 of issue 12 on the national datasets (300k, 1M tasks),
// three engines in one binary, each answer checked equal before anything is timed:
//
//   klik    the public API as a host calls it: take a snapshot, look the viewer
//           up, call the engine (list_tasks, quick_status, status_by_municipality,
//           task_columns; for the sweep's counts sweep_transitions, and the
//           sweep itself with its rows, sweep_store, which does not write).
//   sqlite  SQLite as a capable DBA would tune it: a file-backed database (WAL,
//           large mmap and cache, synchronous=NORMAL), the deadline thresholds
//           precomputed as columns (red_from, yellow_from) so "red today" is an
//           index range, a covering (often partial) index per query, a person ->
//           task table for "my tasks", ANALYZE, statements prepared once and
//           bound per run, every selected column read.
//   layout  the layout limit: a hand-written struct-of-arrays clustered by
//           (municipality, project, end date, key) with an offset table per
//           (municipality, project), sorted red-from / yellow-from dates per
//           partition and a per-person posting list: the minimum work per query.
//
//   Q1 a Plusbruger's first page: the largest municipality's largest project,
//      status in (not started, started), responsible not set, by end date, 50 rows
//   Q2 quick status (counts by colour) of the municipality user who sees the most
//   Q3 KOMBIT: red critical-path and mandatory tasks per municipality of the largest project
//   Q4 the Light-bruger with the most tasks: their yellow and red tasks, every row
//   Q5 the daily sweep against the stored last-notified colours: stored -> new
//      colour transitions (and how many are rises, i.e. notifications)
//
// Rows are KLIK tasks and local tasks, as in klik's task list (a local task's
// key is its id with bit 31 set, so it sorts after the tasks of its end date).
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <klik/national_views.hpp>
#include <klik/rights.hpp>
#include <klik/store.hpp>
#include <klik/sweep.hpp>
#include <klik/task_list.hpp>
#include <klik/workflows_sweep.hpp>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bench_support.hpp"

namespace {

using namespace klik;

const Date today(2026, 3, 2);

constexpr std::int32_t never = INT32_MAX;  // red_from / yellow_from of a task that cannot turn yellow or red
constexpr std::uint32_t local_bit = 0x8000'0000u;
constexpr std::uint8_t not_notified = 5;  // stored colour "never swept"
constexpr std::size_t page_size = 50;

// ---- the answers every engine must agree on ----

/// One list row as the benchmark compares it (what a list shows, minus texts).
struct ListRow {
  std::uint32_t task = 0;  // the KLIK task; for a local task its parent
  std::uint32_t local = 0;  // 0 for KLIK tasks
  std::int32_t end = 0;
  TaskStatus status = TaskStatus::NotStarted;
  DeadlineColour colour = DeadlineColour::Green;
  std::uint32_t performer = 0;  // 0 = not set
  friend bool operator==(const ListRow&, const ListRow&) = default;
};

using Counts = std::array<std::size_t, 5>;  // by DeadlineColour
using RedByMunicipality = std::vector<std::pair<std::uint16_t, std::size_t>>;  // non-zero, by municipality

/// Q5: tasks by (stored colour or never swept, new colour), only where they differ.
struct Transitions {
  std::array<std::array<std::size_t, 5>, 6> cells{};
  [[nodiscard]] std::size_t changed() const {
    std::size_t n = 0;
    for (const auto& row : cells)
      for (std::size_t c : row) n += c;
    return n;
  }
  /// The changes that are notifications: the level (green/grey/done/none 0,
  /// yellow 1, red 2) rose.
  [[nodiscard]] std::size_t rises() const {
    auto level = [](std::size_t c) { return c == 1 ? 1 : c == 2 ? 2 : 0; };
    std::size_t n = 0;
    for (std::size_t s = 0; s < 6; ++s)
      for (std::size_t c = 0; c < 5; ++c)
        if (level(c) > (s == not_notified ? 0 : level(s))) n += cells[s][c];
    return n;
  }
  friend bool operator==(const Transitions&, const Transitions&) = default;
};

/// The colour from the precomputed thresholds (what colour_on decides for the status).
constexpr DeadlineColour colour_from(TaskStatus s, std::int32_t red_from, std::int32_t yellow_from,
                                     std::int32_t day) noexcept {
  if (s == TaskStatus::NotActive) return DeadlineColour::Grey;
  if (s == TaskStatus::Completed) return DeadlineColour::Done;
  return day >= red_from ? DeadlineColour::Red : day >= yellow_from ? DeadlineColour::Yellow : DeadlineColour::Green;
}

struct Thresholds {
  std::int32_t red_from = never;
  std::int32_t yellow_from = never;
};

/// From which day a task of this status is red and yellow (deadline.hpp's rules).
Thresholds thresholds(TaskStatus s, const DeadlineDates& d) {
  switch (s) {
    case TaskStatus::NotStarted:
      return {d.latest_start.serial(), d.yellow_if_not_started.serial()};
    case TaskStatus::Started:
      return {d.end.serial(), d.latest_start.serial()};
    default:
      return {};
  }
}

// ---- the world as a host reads it through the public API ----

/// One task or local task with everything the baselines store.
struct Row {
  std::uint32_t key = 0;  // task id, or local task id | local_bit
  std::uint32_t task = 0, local = 0;
  std::uint16_t municipality = 0;
  std::uint32_t project = 0;
  std::int32_t end = 0;  // the shown end date (effective_schedule's end)
  DeadlineDates dates;
  TaskStatus status = TaskStatus::NotStarted;
  Priority priority = Priority::Mandatory;
  std::uint32_t responsible = 0, performer = 0, parent_responsible = 0, parent_performer = 0;
  std::int32_t red_from = never, yellow_from = never;
  std::uint8_t notified = not_notified;
};

/// Every row, sorted by key, with its dates from klik's public deadline functions
/// (effective_schedule with the wave's shift on the effective calendar; a local
/// task is judged as a task of duration 0 on its parent's calendar).
std::vector<Row> build_rows(const Dataset& d, const World& w) {
  std::unordered_map<TemplateId, const TaskTemplate*> tpl;
  for (const TaskTemplate& t : d.templates) tpl[t.id] = &t;
  std::map<std::pair<std::uint16_t, std::uint32_t>, std::pair<WorkdayCalendar, std::int32_t>> cal;
  auto calendar = [&](MunicipalityId m, ProjectId p) -> const std::pair<WorkdayCalendar, std::int32_t>& {
    auto it = cal.find({m.value(), p.value()});
    if (it == cal.end())
      it = cal.emplace(std::pair{m.value(), p.value()},
                       std::pair{w.calendars().effective(m, p), wave_shift(d.waves, p, m)})
               .first;
    return it->second;
  };
  std::vector<Row> rows;
  rows.reserve(d.tasks.size() + d.local_tasks.size());
  std::unordered_map<std::uint32_t, std::size_t> at;
  for (const Task& t : d.tasks) {
    const TaskTemplate& tp = *tpl.at(t.template_id);
    const auto& [cal_of, shift] = calendar(t.municipality, tp.project);
    const Schedule s = effective_schedule(tp, t, shift, cal_of);
    Row r;
    r.key = r.task = t.id.value();
    r.municipality = t.municipality.value();
    r.project = tp.project.value();
    r.end = s.end.serial();
    r.dates = deadline_dates(s, cal_of);
    r.status = t.status;
    r.priority = tp.priority;
    r.responsible = t.responsible ? t.responsible->value() : 0;
    r.performer = t.performer ? t.performer->value() : 0;
    at[r.key] = rows.size();
    rows.push_back(r);
  }
  for (const LocalTask& l : d.local_tasks) {
    const Row& parent = rows[at.at(l.parent.value())];
    const auto& [cal_of, shift] = calendar(MunicipalityId(parent.municipality), ProjectId(parent.project));
    Row r;
    r.key = l.id.value() | local_bit;
    r.task = parent.task;
    r.local = l.id.value();
    r.municipality = parent.municipality;
    r.project = parent.project;
    r.end = l.end.serial();
    r.dates = deadline_dates(Schedule{l.end, std::nullopt, 0}, cal_of);
    r.status = l.status;
    r.priority = Priority::Local;
    r.responsible = l.responsible ? l.responsible->value() : 0;
    r.performer = l.performer ? l.performer->value() : 0;
    r.parent_responsible = parent.responsible;
    r.parent_performer = parent.performer;
    rows.push_back(r);
  }
  for (Row& r : rows) {
    const Thresholds th = thresholds(r.status, r.dates);
    r.red_from = th.red_from;
    r.yellow_from = th.yellow_from;
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.key < b.key; });
  return rows;
}

/// The users who see a row through being assigned: its responsible and performer,
/// and for a local task its parent's (each once, never 0).
template <class F>
void assignees(const Row& r, F&& f) {
  std::array<std::uint32_t, 4> who{r.responsible, r.performer, r.parent_responsible, r.parent_performer};
  for (auto it = who.begin(); it != who.end(); ++it)
    if (*it && std::find(who.begin(), it, *it) == it) f(*it);
}

/// A municipality viewer's scope, from RightsModel::task_scope: the projects
/// seen whole and those seen only where assigned (never both).
struct ViewerScope {
  std::uint16_t municipality = 0;
  std::vector<std::uint32_t> all, assigned;
};

ViewerScope scope_of(const User& u) {
  const TaskScope s = RightsModel::default_model().task_scope(u);
  if (s.side != Side::Municipality || !s.municipality || s.all_projects || !s.local_tasks)
    throw std::runtime_error("bench_query: viewer " + std::to_string(u.id.value()) +
                             " has a scope this benchmark does not model");
  ViewerScope v;
  v.municipality = s.municipality->value();
  for (ProjectId p : s.all_tasks) v.all.push_back(p.value());
  for (ProjectId p : s.assigned_only)
    if (std::find(s.all_tasks.begin(), s.all_tasks.end(), p) == s.all_tasks.end()) v.assigned.push_back(p.value());
  std::sort(v.all.begin(), v.all.end());
  std::sort(v.assigned.begin(), v.assigned.end());
  return v;
}

bool in(const std::vector<std::uint32_t>& v, std::uint32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// ---- engine 3: the layout limit ----

class Layout {
 public:
  explicit Layout(const std::vector<Row>& rows);

  [[nodiscard]] std::vector<ListRow> q1(std::uint16_t m, std::uint32_t p, std::int32_t day) const;
  /// Q1's total (every match, not only the page): klik's page carries it; checked, not timed.
  [[nodiscard]] std::size_t q1_total(std::uint16_t m, std::uint32_t p) const;
  [[nodiscard]] Counts q2(std::uint32_t viewer, const ViewerScope& s, std::int32_t day) const;
  [[nodiscard]] RedByMunicipality q3(std::uint32_t p, std::int32_t day) const;
  [[nodiscard]] std::vector<ListRow> q4(std::uint32_t viewer, const ViewerScope& s, std::int32_t day) const;
  /// Q5 as the minimum work: per stored colour, sorted red-from / yellow-from
  /// dates and counts by status, so every cell is a binary search or a count.
  [[nodiscard]] Transitions q5(std::int32_t day) const;
  /// Q5 as one pass over every row (the reference for the sweep).
  [[nodiscard]] Transitions q5_single_pass(std::int32_t day) const;
  [[nodiscard]] std::size_t partition_size(std::uint16_t m, std::uint32_t p) const {
    const Part* part = find(m, p);
    return part ? part->end - part->begin : 0;
  }
  [[nodiscard]] std::size_t assigned_rows(std::uint32_t user) const {
    const auto it = by_person_.find(user);
    return it == by_person_.end() ? 0 : it->second.size();
  }

 private:
  struct Part {
    std::uint16_t municipality = 0;
    std::uint32_t begin = 0, end = 0;
    std::uint32_t grey = 0, done = 0;
    std::vector<std::int32_t> red_sorted, yellow_sorted;  // every row (tasks and local tasks)
    std::vector<std::int32_t> followed_red_sorted;  // KLIK tasks of priority critical path or mandatory
  };
  [[nodiscard]] const Part* find(std::uint16_t m, std::uint32_t p) const {
    if (m >= municipalities_ || p >= projects_) return nullptr;
    const std::int32_t i = part_at_[std::size_t{m} * projects_ + p];
    return i < 0 ? nullptr : &parts_[static_cast<std::size_t>(i)];
  }
  [[nodiscard]] ListRow row(std::size_t r, std::int32_t day) const {
    return {task_[r], local_[r], end_[r], status_[r], colour_from(status_[r], red_[r], yellow_[r], day), performer_[r]};
  }

  // columns, clustered by (municipality, project, end, key)
  std::vector<std::uint32_t> task_, local_, responsible_, performer_, project_;
  std::vector<std::int32_t> end_, red_, yellow_;
  std::vector<TaskStatus> status_;
  std::vector<std::uint8_t> notified_;
  // offset table: (municipality id, project id) -> partition
  std::size_t municipalities_ = 0, projects_ = 0;
  std::vector<std::int32_t> part_at_;
  std::vector<Part> parts_;
  std::vector<std::vector<std::uint32_t>> parts_by_project_;  // by project id, in municipality order
  // user -> rows they see by assignment, by (end, key)
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> by_person_;
  // by stored colour (0-4, 5 never swept): what Q5 counts
  struct Stored {
    std::vector<std::int32_t> red_sorted, yellow_sorted;
    std::size_t active = 0, grey = 0, done = 0;
  };
  std::array<Stored, 6> stored_;
};

Layout::Layout(const std::vector<Row>& input) {
  std::vector<const Row*> rows;
  for (const Row& r : input) rows.push_back(&r);
  std::sort(rows.begin(), rows.end(), [](const Row* a, const Row* b) {
    return std::tie(a->municipality, a->project, a->end, a->key) <
           std::tie(b->municipality, b->project, b->end, b->key);
  });
  for (const Row* r : rows) {
    municipalities_ = std::max<std::size_t>(municipalities_, r->municipality + 1u);
    projects_ = std::max<std::size_t>(projects_, r->project + 1u);
  }
  part_at_.assign(municipalities_ * projects_, -1);
  parts_by_project_.resize(projects_);
  for (std::uint32_t i = 0; i < rows.size(); ++i) {
    const Row& r = *rows[i];
    task_.push_back(r.task), local_.push_back(r.local), responsible_.push_back(r.responsible);
    performer_.push_back(r.performer), project_.push_back(r.project), end_.push_back(r.end);
    red_.push_back(r.red_from), yellow_.push_back(r.yellow_from), status_.push_back(r.status);
    notified_.push_back(r.notified);
    std::int32_t& slot = part_at_[std::size_t{r.municipality} * projects_ + r.project];
    if (slot < 0) {
      slot = static_cast<std::int32_t>(parts_.size());
      parts_.push_back({r.municipality, i, i, 0, 0, {}, {}, {}});
      parts_by_project_[r.project].push_back(static_cast<std::uint32_t>(slot));
    }
    Part& p = parts_[static_cast<std::size_t>(slot)];
    p.end = i + 1;
    p.grey += r.status == TaskStatus::NotActive;
    p.done += r.status == TaskStatus::Completed;
    if (r.red_from != never) p.red_sorted.push_back(r.red_from);
    if (r.yellow_from != never) p.yellow_sorted.push_back(r.yellow_from);
    if (r.red_from != never && !r.local && (r.priority == Priority::CriticalPath || r.priority == Priority::Mandatory))
      p.followed_red_sorted.push_back(r.red_from);
    assignees(r, [&](std::uint32_t u) { by_person_[u].push_back(i); });
    Stored& st = stored_[r.notified];
    st.grey += r.status == TaskStatus::NotActive;
    st.done += r.status == TaskStatus::Completed;
    st.active += r.red_from != never;
    if (r.red_from != never) st.red_sorted.push_back(r.red_from), st.yellow_sorted.push_back(r.yellow_from);
  }
  for (Stored& st : stored_)
    for (auto* v : {&st.red_sorted, &st.yellow_sorted}) std::sort(v->begin(), v->end());
  for (Part& p : parts_)
    for (auto* v : {&p.red_sorted, &p.yellow_sorted, &p.followed_red_sorted}) std::sort(v->begin(), v->end());
  for (auto& [user, list] : by_person_)
    std::sort(list.begin(), list.end(), [&](std::uint32_t a, std::uint32_t b) {
      return std::pair(end_[a], rows[a]->key) < std::pair(end_[b], rows[b]->key);
    });
}

std::vector<ListRow> Layout::q1(std::uint16_t m, std::uint32_t p, std::int32_t day) const {
  std::vector<ListRow> out;
  out.reserve(page_size);
  const Part* part = find(m, p);
  if (!part) return out;
  for (std::uint32_t r = part->begin; r < part->end && out.size() < page_size; ++r)
    if ((status_[r] == TaskStatus::NotStarted || status_[r] == TaskStatus::Started) && responsible_[r] == 0)
      out.push_back(row(r, day));
  return out;
}

std::size_t Layout::q1_total(std::uint16_t m, std::uint32_t p) const {
  std::size_t n = 0;
  if (const Part* part = find(m, p))
    for (std::uint32_t r = part->begin; r < part->end; ++r)
      n += (status_[r] == TaskStatus::NotStarted || status_[r] == TaskStatus::Started) && responsible_[r] == 0;
  return n;
}

Counts Layout::q2(std::uint32_t viewer, const ViewerScope& s, std::int32_t day) const {
  Counts c{};
  for (std::uint32_t p : s.all) {
    const Part* part = find(s.municipality, p);
    if (!part) continue;
    const auto red = static_cast<std::size_t>(std::upper_bound(part->red_sorted.begin(), part->red_sorted.end(), day) -
                                              part->red_sorted.begin());
    const auto yellow_or_red = static_cast<std::size_t>(
        std::upper_bound(part->yellow_sorted.begin(), part->yellow_sorted.end(), day) - part->yellow_sorted.begin());
    c[2] += red;
    c[1] += yellow_or_red - red;
    c[3] += part->grey;
    c[4] += part->done;
    c[0] += (part->end - part->begin) - part->grey - part->done - yellow_or_red;
  }
  if (!s.assigned.empty())
    if (const auto it = by_person_.find(viewer); it != by_person_.end())
      for (std::uint32_t r : it->second)
        if (in(s.assigned, project_[r]))
          ++c[static_cast<std::size_t>(colour_from(status_[r], red_[r], yellow_[r], day))];
  return c;
}

RedByMunicipality Layout::q3(std::uint32_t p, std::int32_t day) const {
  RedByMunicipality out;
  if (p >= projects_) return out;
  for (std::uint32_t pi : parts_by_project_[p]) {
    const Part& part = parts_[pi];
    const auto n = static_cast<std::size_t>(
        std::upper_bound(part.followed_red_sorted.begin(), part.followed_red_sorted.end(), day) -
        part.followed_red_sorted.begin());
    if (n) out.emplace_back(part.municipality, n);
  }
  return out;
}

std::vector<ListRow> Layout::q4(std::uint32_t viewer, const ViewerScope& s, std::int32_t day) const {
  std::vector<ListRow> out;
  if (!s.all.empty()) throw std::runtime_error("bench_query: the Q4 viewer must see only assigned tasks");
  const auto it = by_person_.find(viewer);
  if (it == by_person_.end()) return out;
  for (std::uint32_t r : it->second)
    if (yellow_[r] <= day && in(s.assigned, project_[r])) out.push_back(row(r, day));
  return out;
}

Transitions Layout::q5(std::int32_t day) const {
  Transitions t;
  for (std::size_t s = 0; s < 6; ++s) {
    const Stored& st = stored_[s];
    const auto red = static_cast<std::size_t>(std::upper_bound(st.red_sorted.begin(), st.red_sorted.end(), day) -
                                              st.red_sorted.begin());
    const auto yellow_or_red = static_cast<std::size_t>(
        std::upper_bound(st.yellow_sorted.begin(), st.yellow_sorted.end(), day) - st.yellow_sorted.begin());
    t.cells[s] = {st.active - yellow_or_red, yellow_or_red - red, red, st.grey, st.done};
    if (s < 5) t.cells[s][s] = 0;
  }
  return t;
}

Transitions Layout::q5_single_pass(std::int32_t day) const {
  // Branch-free: the colour is a table lookup on (status, day >= yellow_from + day >= red_from),
  // counted in four lanes of a flat (stored * 8 + new) table so increments do not wait on each other.
  static constexpr std::array<std::array<std::uint8_t, 3>, 4> lut{{{3, 3, 3}, {0, 1, 2}, {0, 1, 2}, {4, 4, 4}}};
  std::array<std::array<std::size_t, 48>, 4> lanes{};
  const std::size_t n = status_.size();
  const TaskStatus* status = status_.data();
  const std::int32_t* red = red_.data();
  const std::int32_t* yellow = yellow_.data();
  const std::uint8_t* stored = notified_.data();
  for (std::size_t r = 0; r < n; ++r) {
    const auto step = static_cast<std::size_t>(day >= yellow[r]) + static_cast<std::size_t>(day >= red[r]);
    const std::size_t now = lut[static_cast<std::size_t>(status[r])][step];
    lanes[r & 3u][std::size_t{stored[r]} * 8 + now] += 1;
  }
  Transitions t;
  for (std::size_t s = 0; s < 6; ++s)
    for (std::size_t c = 0; c < 5; ++c)
      if (s != c) t.cells[s][c] = lanes[0][s * 8 + c] + lanes[1][s * 8 + c] + lanes[2][s * 8 + c] + lanes[3][s * 8 + c];
  return t;
}

// ---- engine 2: SQLite, tuned ----

void check(int rc, sqlite3* db, const std::string& what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error("bench_query sqlite: " + what + ": " + sqlite3_errmsg(db));
}

class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    check(sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &st_, nullptr), db, sql);
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  sqlite3_stmt* get() const noexcept { return st_; }
  bool step() {
    const int rc = sqlite3_step(st_);
    check(rc, db_, "step");
    return rc == SQLITE_ROW;
  }
  void reset() { sqlite3_reset(st_); }
  std::int64_t column(int i) const { return sqlite3_column_int64(st_, i); }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(st_, i, v); }
  /// The plan SQLite chose (EXPLAIN QUERY PLAN), one step per line.
  std::string plan() const {
    std::string out;
    sqlite3_stmt* q = nullptr;
    const std::string sql = std::string("EXPLAIN QUERY PLAN ") + sqlite3_sql(st_);
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &q, nullptr) != SQLITE_OK) return "?";
    while (sqlite3_step(q) == SQLITE_ROW)
      out += std::string("      ") + reinterpret_cast<const char*>(sqlite3_column_text(q, 3)) + "\n";
    sqlite3_finalize(q);
    return out;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

std::string list(const std::vector<std::uint32_t>& v) {
  std::string s;
  for (std::uint32_t x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return s;
}

class Sql {
 public:
  Sql(const std::vector<Row>& rows, std::uint32_t q2_viewer, const ViewerScope& q2_scope, std::uint32_t q4_viewer,
      const ViewerScope& q4_scope);
  ~Sql();
  Sql(const Sql&) = delete;
  Sql& operator=(const Sql&) = delete;

  std::vector<ListRow> q1(std::uint16_t m, std::uint32_t p, std::int32_t day);
  Counts q2(std::int32_t day);
  RedByMunicipality q3(std::uint32_t p, std::int32_t day);
  std::vector<ListRow> q4(std::int32_t day);
  Transitions q5(std::int32_t day);
  std::string plans() const;
  double file_mb() const;

 private:
  void exec(const std::string& sql) { check(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), db_, sql); }
  ListRow list_row(const Stmt& s, std::int32_t day) const {
    // columns: task, local, end_date, status, red_from, yellow_from, performer
    const auto status = static_cast<TaskStatus>(s.column(3));
    return {static_cast<std::uint32_t>(s.column(0)),
            static_cast<std::uint32_t>(s.column(1)),
            static_cast<std::int32_t>(s.column(2)),
            status,
            colour_from(status, static_cast<std::int32_t>(s.column(4)), static_cast<std::int32_t>(s.column(5)), day),
            static_cast<std::uint32_t>(s.column(6))};
  }

  std::filesystem::path dir_;
  sqlite3* db_ = nullptr;
  std::uint32_t q2_viewer_, q4_viewer_;
  ViewerScope q2_scope_, q4_scope_;
  std::unique_ptr<Stmt> q1_, q2_all_, q2_assigned_, q3_, q4_, q5_;
};

Sql::Sql(const std::vector<Row>& rows, std::uint32_t q2_viewer, const ViewerScope& q2_scope, std::uint32_t q4_viewer,
         const ViewerScope& q4_scope)
    : q2_viewer_(q2_viewer), q4_viewer_(q4_viewer), q2_scope_(q2_scope), q4_scope_(q4_scope) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/klik_bench_query_XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("bench_query: cannot create a temporary directory");
  dir_ = pattern;
  const std::string file = (dir_ / "tasks.db").string();
  check(sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), db_, "open");
  exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=4294967296;"
      "PRAGMA cache_size=-1048576; PRAGMA temp_store=MEMORY;");
  // The thresholds are precomputed per row for its status now (a writer keeps them
  // with the status): red_from / yellow_from = the first red / yellow day, `never`
  // for not active and completed rows. rowkey = klik's row key (task id, or local
  // task id | 2^31), the tie-breaker of every sort.
  exec(
      "CREATE TABLE tasks (rowkey INTEGER PRIMARY KEY, task INTEGER NOT NULL, local INTEGER NOT NULL,"
      " kind INTEGER NOT NULL, municipality INTEGER NOT NULL, project INTEGER NOT NULL, status INTEGER NOT NULL,"
      " priority INTEGER NOT NULL, responsible INTEGER, performer INTEGER, end_date INTEGER NOT NULL,"
      " red_from INTEGER NOT NULL, yellow_from INTEGER NOT NULL, notified INTEGER NOT NULL)");
  // Who sees a row by being assigned (responsible, performer, a local task's parent's
  // people): a covering index over the union of the four person columns.
  exec(
      "CREATE TABLE person_tasks (user INTEGER NOT NULL, rowkey INTEGER NOT NULL, municipality INTEGER NOT NULL,"
      " project INTEGER NOT NULL, end_date INTEGER NOT NULL, task INTEGER NOT NULL, local INTEGER NOT NULL,"
      " status INTEGER NOT NULL, red_from INTEGER NOT NULL, yellow_from INTEGER NOT NULL, performer INTEGER,"
      " PRIMARY KEY (user, rowkey)) WITHOUT ROWID");
  exec(
      "CREATE TABLE participants (project INTEGER NOT NULL, municipality INTEGER NOT NULL,"
      " PRIMARY KEY (project, municipality)) WITHOUT ROWID");
  {
    Stmt ins(db_, "INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    Stmt part(db_, "INSERT OR IGNORE INTO participants VALUES (?, ?)");
    Stmt person(db_, "INSERT INTO person_tasks VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    exec("BEGIN");
    for (const Row& r : rows) {
      ins.reset();
      ins.bind(1, r.key), ins.bind(2, r.task), ins.bind(3, r.local), ins.bind(4, r.local ? 1 : 0);
      ins.bind(5, r.municipality), ins.bind(6, r.project), ins.bind(7, static_cast<int>(r.status));
      ins.bind(8, static_cast<int>(r.priority));
      if (r.responsible)
        ins.bind(9, r.responsible);
      else
        sqlite3_bind_null(ins.get(), 9);
      if (r.performer)
        ins.bind(10, r.performer);
      else
        sqlite3_bind_null(ins.get(), 10);
      ins.bind(11, r.end), ins.bind(12, r.red_from), ins.bind(13, r.yellow_from), ins.bind(14, r.notified);
      ins.step();
      if (!r.local) {
        part.reset();
        part.bind(1, r.project), part.bind(2, r.municipality);
        part.step();
      }
      assignees(r, [&](std::uint32_t u) {
        person.reset();
        person.bind(1, u), person.bind(2, r.key), person.bind(3, r.municipality), person.bind(4, r.project);
        person.bind(5, r.end), person.bind(6, r.task), person.bind(7, r.local),
            person.bind(8, static_cast<int>(r.status));
        person.bind(9, r.red_from), person.bind(10, r.yellow_from);
        if (r.performer)
          person.bind(11, r.performer);
        else
          sqlite3_bind_null(person.get(), 11);
        person.step();
      });
    }
    exec("COMMIT");
  }
  // One covering index per query.
  exec(
      "CREATE INDEX q1_open_unassigned ON tasks(municipality, project, end_date, rowkey, task, local, status,"
      " red_from, yellow_from, performer, responsible) WHERE responsible IS NULL AND status IN (1, 2);"
      "CREATE INDEX q2_status ON tasks(municipality, project, status);"
      "CREATE INDEX q2_red ON tasks(municipality, project, red_from);"
      "CREATE INDEX q2_yellow ON tasks(municipality, project, yellow_from);"
      "CREATE INDEX q3_followed_red ON tasks(project, municipality, red_from, kind, priority)"
      " WHERE kind = 0 AND priority IN (0, 1);"
      "CREATE INDEX q2_person ON person_tasks(user, municipality, project, status, red_from, yellow_from);"
      "CREATE INDEX q4_person_late ON person_tasks(user, yellow_from, municipality, project, end_date, rowkey, task,"
      " local, status, red_from, performer);"
      "CREATE INDEX q5_red ON tasks(notified, red_from, yellow_from);"
      "CREATE INDEX q5_yellow ON tasks(notified, yellow_from, red_from);"
      "CREATE INDEX q5_status ON tasks(notified, status);"
      "ANALYZE; PRAGMA optimize;");

  const std::string cols = "task, local, end_date, status, red_from, yellow_from, performer";
  q1_ = std::make_unique<Stmt>(db_, "SELECT " + cols +
                                        " FROM tasks WHERE municipality = ?1 AND project = ?2 AND responsible IS NULL"
                                        " AND status IN (1, 2) ORDER BY end_date, rowkey LIMIT 50");
  // Q2: each colour is an index range of its own over the viewer's partitions
  // (project ids written into the statement: the DBA's predicate for this viewer).
  if (!q2_scope_.all.empty()) {
    const std::string part = " FROM tasks WHERE municipality = ?1 AND project IN (" + list(q2_scope_.all) + ") AND ";
    q2_all_ = std::make_unique<Stmt>(db_, "SELECT (SELECT COUNT(*)" + part + "red_from <= ?2), (SELECT COUNT(*)" +
                                              part + "yellow_from <= ?2), (SELECT COUNT(*)" + part +
                                              "yellow_from > ?2 AND yellow_from < " + std::to_string(never) +
                                              "), (SELECT COUNT(*)" + part + "status = 0), (SELECT COUNT(*)" + part +
                                              "status = 3)");
  }
  if (!q2_scope_.assigned.empty())
    q2_assigned_ = std::make_unique<Stmt>(db_,
                                          "SELECT status, red_from, yellow_from FROM person_tasks WHERE user = ?1"
                                          " AND municipality = ?2 AND project IN (" +
                                              list(q2_scope_.assigned) + ")");
  // One index range per participating municipality (a range count each, no GROUP BY
  // sorter). Left to itself the planner skip-scans q2_red and looks every row up,
  // so the DBA pins the partial index.
  q3_ = std::make_unique<Stmt>(db_,
                               "SELECT p.municipality, (SELECT COUNT(*) FROM tasks INDEXED BY q3_followed_red"
                               " WHERE project = ?1 AND municipality = p.municipality AND kind = 0 AND"
                               " priority IN (0, 1) AND red_from <= ?2) FROM participants p WHERE p.project = ?1"
                               " ORDER BY p.municipality");
  if (!q4_scope_.all.empty()) throw std::runtime_error("bench_query: the Q4 viewer must see only assigned tasks");
  q4_ = std::make_unique<Stmt>(db_, "SELECT " + cols +
                                        " FROM person_tasks WHERE user = ?1 AND municipality = ?2 AND"
                                        " project IN (" +
                                        list(q4_scope_.assigned) +
                                        ") AND yellow_from <= ?3"
                                        " ORDER BY end_date, rowkey");
  // Q5: one index range per (stored, new) pair that differ; on a daily run each
  // range holds only the rows that changed.
  std::string q5 = "SELECT ";
  for (int s = 0; s <= 5; ++s)
    for (int c = 0; c <= 4; ++c) {
      if (s == c) continue;
      std::string where = "notified = " + std::to_string(s) + " AND ";
      switch (c) {
        case 0:
          where += "yellow_from > ?1 AND yellow_from < " + std::to_string(never);
          break;
        case 1:  // stored red: the rows whose red day moved past today (by red_from); else by yellow_from
          where += s == 2 ? "red_from > ?1 AND red_from < " + std::to_string(never) + " AND yellow_from <= ?1"
                          : "yellow_from <= ?1 AND red_from > ?1";
          break;
        case 2:
          where += "red_from <= ?1";
          break;
        case 3:
          where += "status = 0";
          break;
        case 4:
          where += "status = 3";
          break;
      }
      const char* index = c == 2 || (c == 1 && s == 2) ? "q5_red" : c >= 3 ? "q5_status" : "q5_yellow";
      q5 += std::string(q5.size() > 7 ? ", " : "") + "(SELECT COUNT(*) FROM tasks INDEXED BY " + index + " WHERE " +
            where + ")";
    }
  q5_ = std::make_unique<Stmt>(db_, q5);
}

Sql::~Sql() {
  q1_.reset(), q2_all_.reset(), q2_assigned_.reset(), q3_.reset(), q4_.reset(), q5_.reset();
  sqlite3_close_v2(db_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

double Sql::file_mb() const {
  std::error_code ec;
  const auto size = std::filesystem::file_size(dir_ / "tasks.db", ec);
  return ec ? 0.0 : static_cast<double>(size) / 1e6;
}

std::string Sql::plans() const {
  std::string out;
  const std::pair<const char*, const Stmt*> all[] = {
      {"Q1", q1_.get()}, {"Q2 (all)", q2_all_.get()}, {"Q2 (assigned)", q2_assigned_.get()},
      {"Q3", q3_.get()}, {"Q4", q4_.get()},           {"Q5", q5_.get()}};
  for (const auto& [name, st] : all)
    if (st) out += std::string("    ") + name + ":\n" + st->plan();
  return out;
}

std::vector<ListRow> Sql::q1(std::uint16_t m, std::uint32_t p, std::int32_t day) {
  std::vector<ListRow> out;
  out.reserve(page_size);
  q1_->bind(1, m), q1_->bind(2, p);
  while (q1_->step()) out.push_back(list_row(*q1_, day));
  q1_->reset();
  return out;
}

Counts Sql::q2(std::int32_t day) {
  Counts c{};
  if (q2_all_) {
    q2_all_->bind(1, q2_scope_.municipality), q2_all_->bind(2, day);
    if (q2_all_->step()) {
      const auto red = static_cast<std::size_t>(q2_all_->column(0));
      const auto yellow_or_red = static_cast<std::size_t>(q2_all_->column(1));
      c[2] += red, c[1] += yellow_or_red - red, c[0] += static_cast<std::size_t>(q2_all_->column(2));
      c[3] += static_cast<std::size_t>(q2_all_->column(3)), c[4] += static_cast<std::size_t>(q2_all_->column(4));
    }
    q2_all_->reset();
  }
  if (q2_assigned_) {
    q2_assigned_->bind(1, q2_viewer_), q2_assigned_->bind(2, q2_scope_.municipality);
    while (q2_assigned_->step())
      ++c[static_cast<std::size_t>(colour_from(static_cast<TaskStatus>(q2_assigned_->column(0)),
                                               static_cast<std::int32_t>(q2_assigned_->column(1)),
                                               static_cast<std::int32_t>(q2_assigned_->column(2)), day))];
    q2_assigned_->reset();
  }
  return c;
}

RedByMunicipality Sql::q3(std::uint32_t p, std::int32_t day) {
  RedByMunicipality out;
  q3_->bind(1, p), q3_->bind(2, day);
  while (q3_->step())
    if (const auto n = static_cast<std::size_t>(q3_->column(1)))
      out.emplace_back(static_cast<std::uint16_t>(q3_->column(0)), n);
  q3_->reset();
  return out;
}

std::vector<ListRow> Sql::q4(std::int32_t day) {
  std::vector<ListRow> out;
  q4_->bind(1, q4_viewer_), q4_->bind(2, q4_scope_.municipality), q4_->bind(3, day);
  while (q4_->step()) out.push_back(list_row(*q4_, day));
  q4_->reset();
  return out;
}

Transitions Sql::q5(std::int32_t day) {
  Transitions t;
  q5_->bind(1, day);
  if (q5_->step()) {
    int i = 0;
    for (std::size_t s = 0; s <= 5; ++s)
      for (std::size_t c = 0; c <= 4; ++c)
        if (s != c) t.cells[s][c] = static_cast<std::size_t>(q5_->column(i++));
  }
  q5_->reset();
  return t;
}

// ---- the fixture: one world, its viewers and the three engines ----

struct Fixture {
  const Dataset* data = nullptr;
  std::unique_ptr<Store> store;
  // viewers and their targets
  UserId plus;  // Q1
  std::uint16_t q1_municipality = 0;
  std::uint32_t q1_project = 0;
  UserId q2_user;  // Q2: the municipality user who sees the most rows
  ViewerScope q2_scope;
  UserId kombit;  // Q3
  std::uint32_t q3_project = 0;
  std::size_t q3_tasks = 0;
  UserId light;  // Q4
  ViewerScope q4_scope;
  TaskQuery q1, q2, q4;
  // Q5: yesterday's sweep is recorded from these columns (rows in row-key order);
  // the events of klik's last Q5 run
  SweepTable sweep_table;
  std::vector<LocalTaskId> sweep_local;
  std::vector<DeadlineEvent> events;
  std::size_t sweep_task_rows = 0;
  // the baselines
  std::unique_ptr<Sql> sql;
  std::unique_ptr<Layout> layout;
  std::size_t rows = 0;
};

ListRow list_row(const TaskRow& r) {
  return {r.task.value(), r.local ? r.local->value() : 0u,        r.end.serial(), r.status,
          r.colour,       r.performer ? r.performer->value() : 0u};
}

// ---- engine 1: klik's public API as a host calls it ----

std::vector<ListRow> klik_q1_rows(Fixture& f, std::size_t* total) {
  const Snapshot snap = f.store->snapshot();
  const TaskPage p = list_tasks(snap.world(), RightsModel::default_model(), *snap->user(f.plus), f.q1, today);
  *total = p.total;
  std::vector<ListRow> out;
  for (const TaskRow& r : p.rows) out.push_back(list_row(r));
  return out;
}

Counts klik_q2(Fixture& f) {
  const Snapshot snap = f.store->snapshot();
  return quick_status(snap.world(), RightsModel::default_model(), *snap->user(f.q2_user), f.q2, today).counts;
}

RedByMunicipality klik_q3(Fixture& f) {
  const Snapshot snap = f.store->snapshot();
  const auto v = status_by_municipality(snap.world(), RightsModel::default_model(), *snap->user(f.kombit),
                                        ProjectId(f.q3_project), today);
  RedByMunicipality out;
  for (const MunicipalityStatus& m : v)
    if (const std::size_t n = m.red_followed_up()) out.emplace_back(m.municipality.value(), n);
  return out;
}

TaskColumns klik_q4_columns(Fixture& f) {
  const Snapshot snap = f.store->snapshot();
  return task_columns(snap.world(), RightsModel::default_model(), *snap->user(f.light), f.q4, today);
}

std::vector<ListRow> klik_q4_rows(Fixture& f) {
  const TaskColumns c = klik_q4_columns(f);
  std::vector<ListRow> out;
  for (std::size_t i = 0; i < c.size(); ++i)
    out.push_back({c.task[i], c.local[i], c.end[i], c.status[i], c.colour[i], c.performer[i]});
  return out;
}

/// Q4 the other public way: list_tasks pages of 50 (the portal's page), following
/// the cursor until the last page, in one snapshot.
std::vector<ListRow> klik_q4_pages(Fixture& f) {
  const Snapshot snap = f.store->snapshot();
  const User& viewer = *snap->user(f.light);
  TaskQuery q = f.q4;
  std::vector<ListRow> out;
  for (;;) {
    const TaskPage p = list_tasks(snap.world(), RightsModel::default_model(), viewer, q, today);
    for (const TaskRow& r : p.rows) out.push_back(list_row(r));
    if (p.next_cursor.empty()) return out;
    q.cursor = p.next_cursor;
  }
}

/// Q5 through the public API: sweep_store (workflows_sweep.hpp), the store-level
/// sweep that does not write, over the store's rows and their stored colours under
/// one snapshot; the transitions counted from its changes. `threads` as sweep_store's.
Transitions klik_q5(Fixture& f, unsigned threads = 1) {
  StoreSweep r = sweep_store(*f.store, today, threads);
  Transitions t;
  for (const NotifiedChange& c : r.changes)
    ++t.cells[c.stored ? static_cast<std::size_t>(*c.stored) : not_notified][static_cast<std::size_t>(c.colour)];
  f.events = std::move(r.events);
  return t;
}

/// Q5 as klik answers the count: sweep_transitions (workflows_sweep.hpp), from the
/// per-stored-colour counts every write keeps, under one snapshot.
Transitions klik_q5_counts(Fixture& f) {
  static_assert(SweepTransitions::never_swept == not_notified);
  Transitions t;
  t.cells = sweep_transitions(*f.store, today).rows;
  return t;
}

// ---- setup and the equality check ----

[[noreturn]] void mismatch(const std::string& what, int size) {
  std::fprintf(stderr, "bench_query: %s: the engines disagree on the %s world; nothing is timed\n", what.c_str(),
               size == 0 ? "300k" : "1M");
  std::exit(1);
}

std::string show(const std::vector<ListRow>& v) {
  std::string s = std::to_string(v.size()) + " rows:";
  for (std::size_t i = 0; i < v.size() && i < 5; ++i)
    s += " (" + std::to_string(v[i].task) + "/" + std::to_string(v[i].local) + " end " + std::to_string(v[i].end) +
         " st " + std::to_string(static_cast<int>(v[i].status)) + " c " +
         std::to_string(static_cast<int>(v[i].colour)) + " perf " + std::to_string(v[i].performer) + ")";
  return s;
}

void check_equal(Fixture& f, int size) {
  const std::int32_t day = today.serial();
  std::size_t k1_total = 0;
  const auto k1 = klik_q1_rows(f, &k1_total), s1 = f.sql->q1(f.q1_municipality, f.q1_project, day),
             l1 = f.layout->q1(f.q1_municipality, f.q1_project, day);
  if (k1 != s1) mismatch("Q1 klik " + show(k1) + " vs sqlite " + show(s1), size);
  if (k1 != l1) mismatch("Q1 klik " + show(k1) + " vs layout " + show(l1), size);
  if (k1_total != f.layout->q1_total(f.q1_municipality, f.q1_project)) mismatch("Q1's total", size);
  const auto k2 = klik_q2(f), s2 = f.sql->q2(day), l2 = f.layout->q2(f.q2_user.value(), f.q2_scope, day);
  if (k2 != s2 || k2 != l2) mismatch("Q2", size);
  const auto k3 = klik_q3(f), s3 = f.sql->q3(f.q3_project, day), l3 = f.layout->q3(f.q3_project, day);
  if (k3 != s3 || k3 != l3) mismatch("Q3", size);
  const auto k4 = klik_q4_rows(f), s4 = f.sql->q4(day), l4 = f.layout->q4(f.light.value(), f.q4_scope, day);
  if (k4 != s4) mismatch("Q4 klik " + show(k4) + " vs sqlite " + show(s4), size);
  if (k4 != l4) mismatch("Q4 klik " + show(k4) + " vs layout " + show(l4), size);
  if (k4 != klik_q4_pages(f)) mismatch("Q4 klik's pages vs its columns", size);
  const auto k5 = klik_q5(f), s5 = f.sql->q5(day), l5 = f.layout->q5(day), p5 = f.layout->q5_single_pass(day);
  if (k5 != s5 || k5 != l5 || k5 != p5) mismatch("Q5", size);
  if (klik_q5_counts(f) != k5) mismatch("Q5 klik's counts vs its sweep", size);
  if (k5.rises() != f.events.size()) mismatch("Q5 rises vs the sweep's events", size);
  const std::vector<DeadlineEvent> events = f.events;
  if (klik_q5(f, 2) != k5 || f.events != events) mismatch("Q5 klik on two threads", size);
  std::fprintf(
      stderr,
      "bench_query %s world (%zu rows): answers equal. Q1 %zu rows; Q2 %zu tasks (g %zu y %zu r %zu grey %zu "
      "done %zu); Q3 %zu red followed-up in %zu municipalities; Q4 %zu rows; Q5 %zu changes, %zu rises\n",
      size == 0 ? "300k" : "1M", f.rows, k1.size(), k2[0] + k2[1] + k2[2] + k2[3] + k2[4], k2[0], k2[1], k2[2], k2[3],
      k2[4],
      [&] {
        std::size_t n = 0;
        for (const auto& [m, c] : k3) n += c;
        return n;
      }(),
      k3.size(), k4.size(), k5.changed(), k5.rises());
  std::fprintf(stderr,
               "  viewers: Q1 user %u, municipality %u, project %u (%zu rows); Q2 user %u sees %zu projects whole and "
               "%zu where assigned (%zu rows by assignment); Q3 project %u (%zu KLIK tasks); Q4 user %u (%zu rows by "
               "assignment)\n",
               f.plus.value(), f.q1_municipality, f.q1_project,
               f.layout->partition_size(f.q1_municipality, f.q1_project), f.q2_user.value(), f.q2_scope.all.size(),
               f.q2_scope.assigned.size(), f.layout->assigned_rows(f.q2_user.value()), f.q3_project, f.q3_tasks,
               f.light.value(), f.layout->assigned_rows(f.light.value()));
  std::fprintf(stderr, "  SQLite plans (file %.0f MB):\n%s", f.sql->file_mb(), f.sql->plans().c_str());
}

Fixture& fixture(int size) {
  static std::map<int, std::unique_ptr<Fixture>> cache;
  auto& slot = cache[size];
  if (slot) return *slot;
  slot = std::make_unique<Fixture>();
  Fixture& f = *slot;
  f.data = &bench::dataset(size);
  const Dataset& d = *f.data;
  f.store = make_memory_store(d);
  std::vector<Row> rows = [&] {
    const Snapshot snap = f.store->snapshot();
    return build_rows(d, snap.world());
  }();
  f.rows = rows.size();

  // The stored last-notified colours: yesterday's daily sweep, recorded in the store.
  f.sweep_task_rows = static_cast<std::size_t>(
      std::partition_point(rows.begin(), rows.end(), [](const Row& r) { return !(r.key & local_bit); }) - rows.begin());
  for (const Row& r : rows) {
    f.sweep_table.task.push_back(TaskId(r.task));
    f.sweep_table.municipality.push_back(MunicipalityId(r.municipality));
    f.sweep_table.project.push_back(ProjectId(r.project));
    f.sweep_table.priority.push_back(r.priority);
    f.sweep_table.status.push_back(r.status);
    f.sweep_table.dates.push_back(r.dates);
    f.sweep_local.push_back(LocalTaskId(r.local));
  }
  {
    const Date yesterday = f.store->snapshot()->calendars().national().previous_workday(today);
    SweepColumns cols = f.sweep_table.columns();
    cols.local_task = f.sweep_local;
    const SweepResult before = sweep(cols, yesterday);
    std::vector<std::pair<TaskId, LastNotified>> tasks;
    std::vector<std::pair<LocalTaskId, LastNotified>> locals;
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (rows[i].local)
        locals.emplace_back(LocalTaskId(rows[i].local), before.notified[i]);
      else
        tasks.emplace_back(TaskId(rows[i].task), before.notified[i]);
    f.store->record_sweep(tasks, {}, locals);
    // read back through the public API, as the baselines' column
    const auto stored = f.store->notified_colours();
    const auto stored_local = f.store->notified_local_colours();
    std::unordered_map<std::uint32_t, std::uint8_t> colour;
    for (const auto& [id, c] : stored) colour[id.value()] = static_cast<std::uint8_t>(c);
    for (const auto& [id, c] : stored_local) colour[id.value() | local_bit] = static_cast<std::uint8_t>(c);
    for (Row& r : rows)
      if (const auto it = colour.find(r.key); it != colour.end()) r.notified = it->second;
  }

  // Viewers, chosen so that the work grows with the data.
  std::map<std::uint16_t, std::size_t> per_municipality;
  std::map<std::pair<std::uint16_t, std::uint32_t>, std::size_t> per_partition;
  std::map<std::uint32_t, std::size_t> per_project;
  for (const Row& r : rows) {
    ++per_municipality[r.municipality];
    ++per_partition[{r.municipality, r.project}];
    if (!r.local) ++per_project[r.project];
  }
  f.q1_municipality = std::max_element(per_municipality.begin(), per_municipality.end(), [](auto& a, auto& b) {
                        return a.second < b.second;
                      })->first;
  std::size_t best = 0;
  for (const auto& [k, n] : per_partition)
    if (k.first == f.q1_municipality && n > best) best = n, f.q1_project = k.second;
  f.q3_project = std::max_element(per_project.begin(), per_project.end(), [](auto& a, auto& b) {
                   return a.second < b.second;
                 })->first;
  f.q3_tasks = per_project[f.q3_project];
  f.layout = std::make_unique<Layout>(rows);
  std::size_t q2_best = 0, q4_best = 0;
  bool have_plus = false, have_light = false, have_kombit = false;
  for (const User& u : d.users) {
    if (u.side == Side::Kombit) {
      if (u.administrator && !have_kombit) f.kombit = u.id, have_kombit = true;
      continue;
    }
    if (u.memberships.empty()) continue;
    if (!have_plus && u.municipality && u.municipality->value() == f.q1_municipality &&
        u.type_on(ProjectId(f.q1_project)) == UserType::Plus)
      f.plus = u.id, have_plus = true;
    const ViewerScope s = scope_of(u);
    std::size_t sees = f.layout->assigned_rows(u.id.value());
    for (std::uint32_t p : s.all) sees += f.layout->partition_size(s.municipality, p);
    if (sees > q2_best) q2_best = sees, f.q2_user = u.id, f.q2_scope = s;
    const bool all_light = std::all_of(u.memberships.begin(), u.memberships.end(),
                                       [](const Membership& m) { return m.type == UserType::Light; });
    if (all_light && f.layout->assigned_rows(u.id.value()) > q4_best)
      q4_best = f.layout->assigned_rows(u.id.value()), f.light = u.id, f.q4_scope = s, have_light = true;
  }
  if (!have_plus || !have_light || !have_kombit)
    throw std::runtime_error("bench_query: the dataset lacks a Plusbruger, a Light-bruger or a KOMBIT administrator");
  if (!in(scope_of(*f.store->snapshot()->user(f.plus)).all, f.q1_project))
    throw std::runtime_error("bench_query: the Q1 Plusbruger does not see the whole project");
  f.q1.projects = {ProjectId(f.q1_project)};
  f.q1.statuses = {TaskStatus::NotStarted, TaskStatus::Started};
  f.q1.responsible.not_set = true;
  f.q1.sort = {{TaskColumn::EndDate, false}};
  f.q1.limit = page_size;
  f.q4.colours = {DeadlineColour::Yellow, DeadlineColour::Red};

  f.sql = std::make_unique<Sql>(rows, f.q2_user.value(), f.q2_scope, f.light.value(), f.q4_scope);
  check_equal(f, size);
  return f;
}

// ---- the benchmarks ----

void BM_Q1_klik(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  std::size_t total = 0;
  for (auto _ : state) {
    const Snapshot snap = f.store->snapshot();
    TaskPage p = list_tasks(snap.world(), RightsModel::default_model(), *snap->user(f.plus), f.q1, today);
    total = p.total;
    benchmark::DoNotOptimize(p);
  }
  state.counters["matches"] = static_cast<double>(total);
}

void BM_Q1_sqlite(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f.sql->q1(f.q1_municipality, f.q1_project, today.serial()));
}

void BM_Q1_layout(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f.layout->q1(f.q1_municipality, f.q1_project, today.serial()));
}

void BM_Q2_klik(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  Counts c{};
  for (auto _ : state) {
    c = klik_q2(f);
    benchmark::DoNotOptimize(c);
  }
  state.counters["tasks"] = static_cast<double>(c[0] + c[1] + c[2] + c[3] + c[4]);
}

void BM_Q2_sqlite(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f.sql->q2(today.serial()));
}

void BM_Q2_layout(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f.layout->q2(f.q2_user.value(), f.q2_scope, today.serial()));
}

void BM_Q3_klik(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(klik_q3(f));
}

void BM_Q3_sqlite(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f.sql->q3(f.q3_project, today.serial()));
}

void BM_Q3_layout(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f.layout->q3(f.q3_project, today.serial()));
}

void BM_Q4_klik(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  std::size_t rows = 0;
  for (auto _ : state) {
    TaskColumns c = klik_q4_columns(f);
    rows = c.size();
    benchmark::DoNotOptimize(c);
  }
  state.counters["rows"] = static_cast<double>(rows);
}

// Q4 through list_tasks and its cursor (informative: task_columns is klik's all-rows call).
void BM_Q4_klik_pages(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(klik_q4_pages(f));
}

void BM_Q4_sqlite(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f.sql->q4(today.serial()));
}

void BM_Q4_layout(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f.layout->q4(f.light.value(), f.q4_scope, today.serial()));
}

void BM_Q5_klik(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(klik_q5_counts(f));
}

// The sweep itself, with its rows (the events and every change), not only the counts.
void BM_Q5_klik_sweep_store(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(klik_q5(f));
  state.counters["rows"] = static_cast<double>(f.rows);
}

void BM_Q5_klik_2threads(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(klik_q5(f, 2));
  state.counters["rows"] = static_cast<double>(f.rows);
}

void BM_Q5_layout_single_pass(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f.layout->q5_single_pass(today.serial()));
}

// Not an engine of its own: what reading every stored colour by id costs a host
// (Store::notified_colours and notified_local_colours; sweep_store needs neither).
void BM_Q5_klik_read_stored(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto tasks = f.store->notified_colours();
    auto locals = f.store->notified_local_colours();
    benchmark::DoNotOptimize(tasks);
    benchmark::DoNotOptimize(locals);
  }
}

void BM_Q5_sqlite(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f.sql->q5(today.serial()));
}

void BM_Q5_layout(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f.layout->q5(today.serial()));
}

void sizes(benchmark::internal::Benchmark* b) {
  b->Arg(0);
  if (!bench::smoke()) b->Arg(1);
  b->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_Q1_klik)->Apply(sizes);
BENCHMARK(BM_Q1_sqlite)->Apply(sizes);
BENCHMARK(BM_Q1_layout)->Apply(sizes);
BENCHMARK(BM_Q2_klik)->Apply(sizes);
BENCHMARK(BM_Q2_sqlite)->Apply(sizes);
BENCHMARK(BM_Q2_layout)->Apply(sizes);
BENCHMARK(BM_Q3_klik)->Apply(sizes);
BENCHMARK(BM_Q3_sqlite)->Apply(sizes);
BENCHMARK(BM_Q3_layout)->Apply(sizes);
BENCHMARK(BM_Q4_klik)->Apply(sizes);
BENCHMARK(BM_Q4_sqlite)->Apply(sizes);
BENCHMARK(BM_Q4_layout)->Apply(sizes);
BENCHMARK(BM_Q5_klik)->Apply(sizes);
BENCHMARK(BM_Q5_klik_sweep_store)->Apply(sizes);
BENCHMARK(BM_Q5_klik_2threads)->Apply(sizes);
BENCHMARK(BM_Q5_sqlite)->Apply(sizes);
BENCHMARK(BM_Q5_layout)->Apply(sizes);
BENCHMARK(BM_Q5_layout_single_pass)->Apply(sizes);
BENCHMARK(BM_Q4_klik_pages)->Apply(sizes);
BENCHMARK(BM_Q5_klik_read_stored)->Apply(sizes);

}  // namespace
