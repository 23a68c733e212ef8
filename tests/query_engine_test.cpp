// The task-list engine against a straightforward reference: a plain loop over
// every task of the dataset, asking rights.decide per task, filtering and
// sorting by hand. Same rows, same order, same totals, for thousands of random
// queries and viewers.
#include "klik/query_engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <set>

#include "colour_writes.hpp"
#include "klik/synthetic.hpp"

#include <nlohmann/json.hpp>

using namespace klik;

namespace {

struct World0 {
  Dataset data;
  std::unique_ptr<Store> store;
  RightsModel rights = RightsModel::default_model();
  Calendars calendars;
  World0() {
    synthetic::Options o;
    o.municipalities = 4;
    o.scale = 0.34;  // 4 projects
    o.local_task_share = 0.05;
    data = synthetic::generate(o);
    calendars.set_municipality_closed(MunicipalityId(147), {Date(2025, 3, 14), Date(2026, 5, 15)});
    store = make_memory_store(data, calendars);
  }
  /// A KOMBIT administrator (the last in the data), or null.
  [[nodiscard]] const User* kombit() const {
    const User* found = nullptr;
    for (const User& u : data.users)
      if (u.side == Side::Kombit && u.administrator) found = &u;
    return found;
  }
};

const World0& world0() {
  static const World0 w;
  return w;
}

/// What the reference computes for one row.
struct RefRow {
  std::uint32_t task;
  std::uint32_t local;
  ProjectId project;
  std::string project_name;
  std::string folded_title;
  std::uint8_t phase, theme;
  DeadlineColour colour;
  Priority priority;
  TaskStatus status;
  Date end;
  MunicipalityId municipality;
  std::optional<UserId> responsible, performer;
};

bool person_passes(const PersonFilter& f, const std::optional<UserId>& who, const Dataset& d) {
  if (!f.active()) return true;
  bool in = false;
  if (!who) {
    in = f.not_set;
  } else {
    for (const UserRef& r : f.users) {
      if (const auto* id = std::get_if<UserId>(&r))
        in = in || *id == *who;
      else
        for (const User& u : d.users)
          if (u.id == *who && normalise_email(u.email) == normalise_email(std::get<std::string>(r))) in = true;
    }
  }
  return in != f.negated;
}

std::vector<RefRow> reference(const World0& w, const User& viewer, const TaskQuery& q, Date today) {
  const Dataset& d = w.data;
  FactIndex facts(d);
  std::vector<RefRow> out;
  auto project_name = [&](ProjectId p) {
    for (const auto& pr : d.projects)
      if (pr.id == p) return pr.name;
    return std::string();
  };
  auto project_ok = [&](ProjectId p) {
    if (q.projects.empty()) return true;
    for (const ProjectRef& r : q.projects) {
      if (const auto* id = std::get_if<ProjectId>(&r)) {
        if (*id == p) return true;
      } else if (std::get<std::string>(r) == project_name(p)) {
        return true;
      }
    }
    return false;
  };
  auto passes = [&](const RefRow& r) {
    auto in = [](const auto& v, auto x) { return v.empty() || std::find(v.begin(), v.end(), x) != v.end(); };
    return project_ok(r.project) && in(q.phases, r.phase) && in(q.themes, r.theme) && in(q.statuses, r.status) &&
           in(q.priorities, r.priority) && in(q.colours, r.colour) && person_passes(q.responsible, r.responsible, d) &&
           person_passes(q.performer, r.performer, d) &&
           r.folded_title.find(fold_case(q.title_contains)) != std::string::npos &&
           (!q.end_from || r.end >= *q.end_from) && (!q.end_to || r.end <= *q.end_to);
  };
  for (const Task& t : d.tasks) {
    const TaskFacts f = facts.task(t.id);
    if (!w.rights.decide(viewer, Action::ViewTask, Target::of(f)).allowed()) continue;
    const TaskTemplate& tpl = d.templates[t.template_id.value() - 1];
    // The one definition of a task's dates: the template's shifted by the wave, the task's overrides winning.
    const WorkdayCalendar cal = w.calendars.effective(t.municipality, f.project);
    const Schedule s = effective_schedule(tpl, t, wave_shift(d.waves, f.project, t.municipality), cal);
    RefRow r{t.id.value(),         0,          f.project, project_name(f.project),
             fold_case(tpl.title), tpl.phase,  tpl.theme, colour(t.status, s, cal, today),
             tpl.priority,         t.status,   s.end,     t.municipality,
             t.responsible,        t.performer};
    if (passes(r)) out.push_back(r);
  }
  for (const LocalTask& l : d.local_tasks) {
    const TaskFacts f = facts.local_task(l.id);
    if (!w.rights.decide(viewer, Action::ViewTask, Target::of(f)).allowed()) continue;
    const Task& parent = *std::find_if(d.tasks.begin(), d.tasks.end(), [&](const Task& t) { return t.id == l.parent; });
    const TaskTemplate& tpl = d.templates[parent.template_id.value() - 1];
    RefRow r{
        l.parent.value(),
        l.id.value(),
        f.project,
        project_name(f.project),
        fold_case(l.title),
        tpl.phase,
        tpl.theme,
        colour(l.status, Schedule{l.end, std::nullopt, 0}, w.calendars.effective(l.municipality, f.project), today),
        Priority::Local,
        l.status,
        l.end,
        l.municipality,
        l.responsible,
        l.performer};
    if (passes(r)) out.push_back(r);
  }
  std::vector<SortKey> keys = q.sort;
  if (keys.empty()) keys.push_back({TaskColumn::EndDate, false});
  auto key_of = [](const RefRow& r) -> std::int64_t { return r.local ? (r.local | 0x80000000ll) : r.task; };
  std::stable_sort(out.begin(), out.end(), [&](const RefRow& a, const RefRow& b) {
    for (const SortKey& k : keys) {
      int c = 0;
      auto cmp = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
      switch (k.column) {
        case TaskColumn::Project:
          c = cmp(std::tie(a.project_name, a.project), std::tie(b.project_name, b.project));
          break;
        case TaskColumn::Title:
          c = cmp(a.folded_title, b.folded_title);
          break;
        case TaskColumn::Phase:
          c = cmp(a.phase, b.phase);
          break;
        case TaskColumn::Theme:
          c = cmp(a.theme, b.theme);
          break;
        case TaskColumn::Deadline:
          c = cmp(a.colour, b.colour);
          break;
        case TaskColumn::Priority:
          c = cmp(a.priority, b.priority);
          break;
        case TaskColumn::Status:
          c = cmp(a.status, b.status);
          break;
        case TaskColumn::EndDate:
          c = cmp(a.end, b.end);
          break;
        case TaskColumn::Municipality:
          c = cmp(a.municipality, b.municipality);
          break;
        case TaskColumn::Id:
          c = cmp(key_of(a), key_of(b));
          break;
      }
      if (c) return k.descending ? c > 0 : c < 0;
    }
    return key_of(a) < key_of(b);
  });
  return out;
}

template <class E>
std::vector<E> random_subset(std::mt19937& rng) {
  std::vector<E> out;
  for (E v : all_values<E>())
    if (rng() % 3 == 0) out.push_back(v);
  return out;
}

TaskQuery random_query(std::mt19937& rng, const Dataset& d, const User& viewer) {
  TaskQuery q;
  if (rng() % 2) {
    const Project& p = d.projects[rng() % d.projects.size()];
    q.projects.push_back(rng() % 2 ? ProjectRef(p.id) : ProjectRef(p.name));
    if (rng() % 3 == 0) q.phases = {static_cast<std::uint8_t>(1 + rng() % 6), static_cast<std::uint8_t>(1 + rng() % 6)};
    if (rng() % 4 == 0) q.themes = {static_cast<std::uint8_t>(1 + rng() % 8)};
  }
  if (rng() % 2) q.statuses = random_subset<TaskStatus>(rng);
  if (rng() % 3 == 0) q.priorities = random_subset<Priority>(rng);
  if (rng() % 3 == 0) q.colours = random_subset<DeadlineColour>(rng);
  auto person = [&](PersonFilter& f) {
    const int kind = static_cast<int>(rng() % 6);
    if (kind == 0) f.not_set = true;
    if (kind == 1) f.users.push_back(viewer.id);
    if (kind == 2) {
      f.users.push_back(UserId(viewer.id));
      f.not_set = true;
      f.negated = true;
    }
    if (kind == 3) f.negated = true, f.not_set = true;  // is not empty
  };
  person(q.responsible);
  person(q.performer);
  if (rng() % 5 == 0) q.title_contains = std::vector<std::string>{"test", "DATA", "plan", "æ"}[rng() % 4];
  if (rng() % 4 == 0) q.end_from = Date(2025, 1, 1) + static_cast<std::int32_t>(rng() % 900);
  if (rng() % 4 == 0) q.end_to = Date(2026, 6, 1) + static_cast<std::int32_t>(rng() % 900);
  if (q.end_from && q.end_to && *q.end_from > *q.end_to) std::swap(q.end_from, q.end_to);
  const int nkeys = static_cast<int>(rng() % 3);
  for (int i = 0; i < nkeys; ++i) {
    const auto column = static_cast<TaskColumn>(rng() % 10);
    if (std::none_of(q.sort.begin(), q.sort.end(), [&](const SortKey& k) { return k.column == column; }))
      q.sort.push_back({column, rng() % 2 == 0});
  }
  q.limit = static_cast<std::uint32_t>(1 + rng() % 60);
  q.offset = static_cast<std::uint32_t>(rng() % 3 == 0 ? rng() % 100 : 0);
  return q;
}

std::vector<const User*> viewers(const Dataset& d, std::mt19937& rng, int n) {
  std::vector<const User*> out;
  for (int i = 0; i < n; ++i) out.push_back(&d.users[rng() % d.users.size()]);
  for (const User& u : d.users)
    if (u.side == Side::Kombit) {
      out.push_back(&u);
      break;
    }
  return out;
}

/// How many of `n` randomized cases to run: all, or a share under the sanitizer
/// builds of scripts/test (KLIK_TEST_SCALE=0.2), where each case costs several times more.
int scaled(int n) {
  const char* s = std::getenv("KLIK_TEST_SCALE");
  const double f = s ? std::atof(s) : 1.0;
  return f > 0 && f < 1 ? std::max(1, static_cast<int>(n * f)) : n;
}

}  // namespace

TEST(QueryEngine, PagesMatchTheReference) {
  const World0& w = world0();
  std::mt19937 rng(7);
  const Snapshot snap = w.store->snapshot();
  int compared = 0, nonempty = 0;
  for (const User* viewer : viewers(w.data, rng, scaled(60))) {
    for (int i = 0; i < 40; ++i) {
      const TaskQuery q = random_query(rng, w.data, *viewer);
      const Date today = Date(2025, 1, 1) + static_cast<std::int32_t>(rng() % 1400);
      const auto expected = reference(w, *viewer, q, today);
      const TaskPage page = list_tasks(snap.world(), w.rights, *viewer, q, today);
      ASSERT_EQ(page.total, expected.size()) << to_text(q) << " viewer " << viewer->id.value();
      const std::size_t from = std::min<std::size_t>(q.offset, expected.size());
      const std::size_t to = std::min<std::size_t>(from + q.limit, expected.size());
      ASSERT_EQ(page.rows.size(), to - from) << to_text(q);
      for (std::size_t k = 0; k < page.rows.size(); ++k) {
        const RefRow& e = expected[from + k];
        const TaskRow& r = page.rows[k];
        ASSERT_EQ(r.task.value(), e.task) << to_text(q) << " row " << k;
        ASSERT_EQ(r.local ? r.local->value() : 0u, e.local) << to_text(q) << " row " << k;
        ASSERT_EQ(r.colour, e.colour);
        ASSERT_EQ(r.end, e.end);
        ASSERT_EQ(r.priority, e.priority);
      }
      ++compared;
      nonempty += !expected.empty();
    }
  }
  EXPECT_GT(nonempty, compared / 3) << "random queries should often match something";
}

TEST(QueryEngine, TaskColumnsMatchTheReference) {
  const World0& w = world0();
  std::mt19937 rng(17);
  const Snapshot snap = w.store->snapshot();
  for (const User* viewer : viewers(w.data, rng, scaled(40))) {
    for (int i = 0; i < 10; ++i) {
      TaskQuery q = random_query(rng, w.data, *viewer);
      if (i % 2) q.sort.clear();  // the default order half of the time (its own sort path)
      const Date today = Date(2025, 1, 1) + static_cast<std::int32_t>(rng() % 1400);
      const auto expected = reference(w, *viewer, q, today);
      const TaskColumns c = task_columns(snap.world(), w.rights, *viewer, q, today);
      ASSERT_EQ(c.task.size(), expected.size()) << to_text(q);
      for (std::size_t k = 0; k < expected.size(); ++k) {
        ASSERT_EQ(c.task[k], expected[k].task) << to_text(q) << " row " << k;
        ASSERT_EQ(c.local[k], expected[k].local) << to_text(q) << " row " << k;
        ASSERT_EQ(c.end[k], expected[k].end.serial());
        ASSERT_EQ(fold_case(c.title(k)), expected[k].folded_title) << to_text(q) << " row " << k;
      }
      ASSERT_EQ(c.title_offsets.size(), c.size() + 1);
      ASSERT_EQ(c.title_offsets.back(), c.title_chars.size());
    }
  }
}

TEST(QueryEngine, QuickStatusMatchesTheReference) {
  const World0& w = world0();
  std::mt19937 rng(11);
  const Snapshot snap = w.store->snapshot();
  for (const User* viewer : viewers(w.data, rng, scaled(40))) {
    const TaskQuery q = random_query(rng, w.data, *viewer);
    const Date today = Date(2025, 6, 2) + static_cast<std::int32_t>(rng() % 700);
    ColourCounts expected;
    for (const RefRow& r : reference(w, *viewer, q, today)) ++expected.counts[static_cast<std::size_t>(r.colour)];
    EXPECT_EQ(quick_status(snap.world(), w.rights, *viewer, q, today), expected) << to_text(q);
    TaskQuery only_project;
    only_project.projects = q.projects;
    ColourCounts unfiltered;
    for (const RefRow& r : reference(w, *viewer, only_project, today))
      ++unfiltered.counts[static_cast<std::size_t>(r.colour)];
    EXPECT_EQ(quick_status(snap.world(), w.rights, *viewer, q, today, false), unfiltered);
  }
}

// explain_task_colour judges a task on the list's own dates: for a KLIK task, the
// explanation equals the one the public functions give from the template, the
// task, the wave's shift and the layered calendar; for every row, its colour is the
// row's.
TEST(QueryEngine, ExplainTaskColourAgreesWithTheListAndThePublicRules) {
  const World0& w = world0();
  const Snapshot snap = w.store->snapshot();
  const User* plus = nullptr;
  for (const User& u : w.data.users)
    if (!plus && u.side == Side::Municipality && !u.memberships.empty() && u.memberships[0].type == UserType::Plus)
      plus = &u;
  ASSERT_NE(plus, nullptr);
  std::size_t locals = 0, klik_tasks = 0;
  for (const Date today : {Date(2025, 3, 14), Date(2025, 9, 1), Date(2026, 5, 15)}) {
    for (const User* viewer : {w.kombit(), plus}) {
      const TaskColumns rows = task_columns(snap.world(), w.rights, *viewer, TaskQuery{}, today);
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto local =
            rows.local[i] ? std::optional<LocalTaskId>(LocalTaskId(rows.local[i])) : std::optional<LocalTaskId>();
        const auto e = explain_task_colour(snap.world(), TaskId(rows.task[i]), today, local);
        ASSERT_TRUE(e.has_value()) << rows.task[i];
        EXPECT_EQ(e->colour, rows.colour[i]) << rows.task[i];
        EXPECT_FALSE(e->text.empty());
        if (local) {
          ++locals;
          continue;
        }
        ++klik_tasks;
        const Task& t = w.data.tasks[rows.task[i] - 1];
        ASSERT_EQ(t.id.value(), rows.task[i]);
        const TaskTemplate& tpl = w.data.templates[t.template_id.value() - 1];
        const WorkdayCalendar cal = w.calendars.effective(t.municipality, tpl.project);
        const Schedule s = effective_schedule(tpl, t, wave_shift(w.data.waves, tpl.project, t.municipality), cal);
        const ColourExplanation want = explain_colour(t.status, deadline_dates(s, cal), cal, today);
        EXPECT_EQ(e->rule, want.rule);
        EXPECT_EQ(e->text, want.text);
        EXPECT_EQ(e->dates, want.dates);
        EXPECT_EQ(e->workdays_to_end, want.workdays_to_end);
      }
    }
  }
  EXPECT_GT(locals, 0u);
  EXPECT_GT(klik_tasks, 0u);
  // No such task, a local task under another parent, ids no row can have.
  const Date day(2025, 3, 14);
  EXPECT_FALSE(explain_task_colour(snap.world(), TaskId(999'999), day));
  ASSERT_FALSE(w.data.local_tasks.empty());
  const LocalTask& lt = w.data.local_tasks.front();
  EXPECT_TRUE(explain_task_colour(snap.world(), lt.parent, day, lt.id));
  EXPECT_FALSE(explain_task_colour(snap.world(), TaskId(lt.parent.value() + 1), day, lt.id));
  EXPECT_FALSE(explain_task_colour(snap.world(), TaskId(lt.id.value() | 0x8000'0000u), day));
  EXPECT_FALSE(explain_task_colour(snap.world(), lt.parent, day, LocalTaskId(lt.id.value() | 0x8000'0000u)));
}

TEST(QueryEngine, CursorPagingVisitsEveryRowOnce) {
  const World0& w = world0();
  std::mt19937 rng(3);
  const Snapshot snap = w.store->snapshot();
  for (const User* viewer : viewers(w.data, rng, 10)) {
    TaskQuery q = random_query(rng, w.data, *viewer);
    q.offset = 0;
    q.limit = 7;
    const Date today(2026, 3, 2);
    const auto expected = reference(w, *viewer, q, today);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> seen;
    for (int guard = 0; guard < 10000; ++guard) {
      const TaskPage page = list_tasks(snap.world(), w.rights, *viewer, q, today);
      for (const TaskRow& r : page.rows) seen.emplace_back(r.task.value(), r.local ? r.local->value() : 0);
      if (page.next_cursor.empty()) break;
      q.cursor = page.next_cursor;
    }
    ASSERT_EQ(seen.size(), expected.size());
    for (std::size_t i = 0; i < seen.size(); ++i) {
      EXPECT_EQ(seen[i].first, expected[i].task);
      EXPECT_EQ(seen[i].second, expected[i].local);
    }
  }
}

TEST(QueryEngine, CursorStaysCorrectAcrossMutations) {
  World0 w;  // own store: this test mutates it
  const User* plus = nullptr;
  for (const User& u : w.data.users)
    if (u.side == Side::Municipality && !u.memberships.empty() && u.memberships[0].type == UserType::Plus) {
      plus = &u;
      break;
    }
  ASSERT_NE(plus, nullptr);
  TaskQuery q;
  q.projects = {plus->memberships[0].project};
  q.limit = 20;
  q.sort = {{TaskColumn::Status, false}};
  const Date today(2026, 1, 5);
  std::set<std::uint32_t> before_ids;
  TaskPage first;
  {
    const Snapshot snap = w.store->snapshot();
    first = list_tasks(snap.world(), w.rights, *plus, q, today);
    TaskQuery all = q;
    all.limit = 10000;
    for (const TaskRow& r : list_tasks(snap.world(), w.rights, *plus, all, today).rows)
      if (!r.local) before_ids.insert(r.task.value());
  }
  ASSERT_FALSE(first.next_cursor.empty());
  // Between pages: complete the first page's tasks (they move to the end of the
  // status order) and change a few others.
  std::set<std::uint32_t> changed;
  for (const TaskRow& r : first.rows) {
    if (r.local) continue;
    w.store->update_task({.task = r.task, .status = TaskStatus::Completed});
    changed.insert(r.task.value());
  }
  q.cursor = first.next_cursor;
  std::vector<std::uint32_t> rest;
  for (int guard = 0; guard < 1000; ++guard) {
    const Snapshot snap = w.store->snapshot();
    const TaskPage page = list_tasks(snap.world(), w.rights, *plus, q, today);
    for (const TaskRow& r : page.rows)
      if (!r.local) rest.push_back(r.task.value());
    if (page.next_cursor.empty()) break;
    q.cursor = page.next_cursor;
  }
  // Unchanged rows: each exactly once over both passes; none lost, none repeated.
  std::multiset<std::uint32_t> all(rest.begin(), rest.end());
  for (const TaskRow& r : first.rows)
    if (!r.local) all.insert(r.task.value());
  for (std::uint32_t id : before_ids) {
    if (changed.count(id)) continue;
    EXPECT_EQ(all.count(id), 1u) << "task " << id;
  }
}

TEST(QueryEngine, BadQueriesGiveClearErrors) {
  const World0& w = world0();
  const Snapshot snap = w.store->snapshot();
  const User& viewer = w.data.users.front();
  TaskQuery q;
  q.phases = {1};
  EXPECT_THROW(list_tasks(snap.world(), w.rights, viewer, q, Date(2026, 1, 1)), InvalidArgumentError);
  q = {};
  q.projects = {std::string("Ingen Sådan")};
  try {
    list_tasks(snap.world(), w.rights, viewer, q, Date(2026, 1, 1));
    FAIL();
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("Ingen Sådan"), std::string::npos);
  }
  // a user of another municipality is "not found", never revealed
  const User* other = nullptr;
  for (const User& u : w.data.users)
    if (u.municipality && u.municipality != viewer.municipality) other = &u;
  ASSERT_NE(other, nullptr);
  q = {};
  q.responsible.users = {other->id};
  EXPECT_THROW(list_tasks(snap.world(), w.rights, viewer, q, Date(2026, 1, 1)), NotFoundError);
  q = {};
  q.cursor = "bm90IGEgY3Vyc29y";
  EXPECT_THROW(list_tasks(snap.world(), w.rights, viewer, q, Date(2026, 1, 1)), InvalidArgumentError);
}

// The fingerprint of the last query is remembered per thread: a cursor still
// belongs to its own query only, whichever queries ran in between.
TEST(QueryEngine, CursorsStayBoundToTheirQueryAcrossInterleavedQueries) {
  const World0& w = world0();
  const Snapshot snap = w.store->snapshot();
  const User* kombit = w.kombit();
  ASSERT_NE(kombit, nullptr);
  const Date today(2026, 1, 5);
  TaskQuery a;
  a.limit = 5;
  TaskQuery b = a;
  b.statuses = {TaskStatus::NotStarted};
  const TaskPage pa = list_tasks(snap.world(), w.rights, *kombit, a, today);
  const TaskPage pb = list_tasks(snap.world(), w.rights, *kombit, b, today);
  ASSERT_FALSE(pa.next_cursor.empty());
  ASSERT_FALSE(pb.next_cursor.empty());
  EXPECT_NE(pa.next_cursor, pb.next_cursor);
  TaskQuery b_with_a = b;
  b_with_a.cursor = pa.next_cursor;
  EXPECT_THROW(list_tasks(snap.world(), w.rights, *kombit, b_with_a, today), InvalidArgumentError);
  TaskQuery a_next = a;
  a_next.cursor = pa.next_cursor;
  const TaskPage pa2 = list_tasks(snap.world(), w.rights, *kombit, a_next, today);
  TaskQuery a_all = a;
  a_all.limit = 10;
  const TaskPage whole = list_tasks(snap.world(), w.rights, *kombit, a_all, today);
  ASSERT_EQ(whole.rows.size(), 10u);
  ASSERT_EQ(pa2.rows.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(pa2.rows[i].task, whole.rows[i + 5].task);
  // the page size is not part of the query's identity: a cursor continues with another limit
  TaskQuery a_other_limit = a_next;
  a_other_limit.limit = 3;
  EXPECT_EQ(list_tasks(snap.world(), w.rights, *kombit, a_other_limit, today).rows.size(), 3u);
}

TEST(QueryEngine, KombitViewsNeverIncludeLocalTasks) {
  const World0& w = world0();
  const Snapshot snap = w.store->snapshot();
  const User* kombit = w.kombit();
  ASSERT_NE(kombit, nullptr);
  TaskQuery q;
  q.limit = 10000;
  const auto cols = task_columns(snap.world(), w.rights, *kombit, q, Date(2026, 1, 1));
  EXPECT_EQ(cols.size(), w.data.tasks.size());
  EXPECT_TRUE(std::all_of(cols.local.begin(), cols.local.end(), [](std::uint32_t l) { return l == 0; }));
  const ProjectId p = w.data.projects[0].id;
  const auto per = status_by_municipality(snap.world(), w.rights, *kombit, p, Date(2026, 1, 1));
  std::size_t sum = 0;
  for (const auto& m : per)
    for (const auto& row : m.counts)
      for (auto n : row) sum += n;
  std::size_t expected = 0;
  for (const Task& t : w.data.tasks)
    if (w.data.templates[t.template_id.value() - 1].project == p) ++expected;
  EXPECT_EQ(sum, expected);
  // a municipality user may not use the national view
  EXPECT_THROW(status_by_municipality(snap.world(), w.rights, w.data.users.front(), p, Date(2026, 1, 1)),
               NotFoundError);
}

TEST(QueryEngine, AModelThatOpensEveryProjectOfTheMunicipality) {
  // A changed model: every municipality user sees every task of their municipality,
  // whatever their memberships (task_scope gives all_projects for them).
  nlohmann::json model = nlohmann::json::parse(RightsModel::default_model().to_json());
  model["rules"].push_back({{"id", "everyone_reads_everything"},
                            {"actions", {"view_task"}},
                            {"party", "municipality"},
                            {"who", {"any"}},
                            {"conditions", {"same_municipality"}}});
  const RightsModel open = RightsModel::from_json(model.dump());
  const World0& w = world0();
  const Snapshot snap = w.store->snapshot();
  FactIndex facts(w.data);
  int checked = 0;
  for (const User& viewer : w.data.users) {
    if (viewer.side != Side::Municipality || checked++ > 40) continue;
    ASSERT_TRUE(open.task_scope(viewer).all_projects);
    std::size_t expected = 0;
    for (const TaskFacts& f : facts.all_tasks()) expected += open.allows(viewer, Action::ViewTask, f);
    TaskQuery q;
    q.limit = 1;
    EXPECT_EQ(list_tasks(snap.world(), open, viewer, q, Date(2026, 1, 1)).total, expected) << viewer.id.value();
    EXPECT_EQ(visibility_sql(open, viewer).params.size(), 1u);  // only the municipality
  }
}

TEST(QueryEngine, ProjectAndUserListsUseTheViewersRights) {
  const World0& w = world0();
  const Snapshot snap = w.store->snapshot();
  // A Plusbruger's project list: exactly their projects, with their user type; filters narrow it.
  const User* plus = nullptr;
  for (const User& u : w.data.users)
    if (u.side == Side::Municipality && u.memberships.size() >= 2 && u.memberships[0].type == UserType::Plus) plus = &u;
  ASSERT_NE(plus, nullptr);
  const auto rows = list_projects(snap.world(), w.rights, *plus, {});
  ASSERT_EQ(rows.size(), plus->memberships.size());
  for (const ProjectRow& r : rows) EXPECT_EQ(r.viewer_type, plus->type_on(r.project));
  const auto only_plus = list_projects(snap.world(), w.rights, *plus, {"", {UserType::Plus}});
  for (const ProjectRow& r : only_plus) EXPECT_EQ(r.viewer_type, UserType::Plus);
  EXPECT_EQ(only_plus.size(),
            static_cast<std::size_t>(std::count_if(plus->memberships.begin(), plus->memberships.end(),
                                                   [](const Membership& m) { return m.type == UserType::Plus; })));
  // A user who is Læser everywhere has no project list (the manual's Tabel 2).
  for (const User& u : w.data.users)
    if (u.side == Side::Municipality && !u.memberships.empty() &&
        std::all_of(u.memberships.begin(), u.memberships.end(),
                    [](const Membership& m) { return m.type == UserType::Reader; })) {
      EXPECT_TRUE(list_projects(snap.world(), w.rights, u, {}).empty());
      break;
    }
  // The user list: only the viewer's municipality; filtered by project and user type.
  const ProjectId p = plus->memberships[0].project;
  UserQuery q;
  q.projects = {p};
  q.user_types = {UserType::Light};
  const auto users = list_users(snap.world(), w.rights, *plus, q);
  std::size_t expected = 0;
  for (const User& u : w.data.users)
    expected += u.municipality == plus->municipality && u.type_on(p) == UserType::Light;
  EXPECT_EQ(users.size(), expected);
  for (const User& u : users) {
    EXPECT_EQ(u.municipality, plus->municipality);
    EXPECT_EQ(u.type_on(p), UserType::Light);
  }
  q = {};
  q.text = "@";  // every email matches
  for (const User& u : list_users(snap.world(), w.rights, *plus, q)) EXPECT_EQ(u.municipality, plus->municipality);
}

TEST(QueryEngine, KombitFilteringOnePersonsTasks) {
  const World0& w = world0();
  const Snapshot snap = w.store->snapshot();
  const User* kombit = w.kombit();
  std::mt19937 rng(17);
  for (int i = 0; i < 30; ++i) {
    const Task& t = w.data.tasks[rng() % w.data.tasks.size()];
    if (!t.responsible) continue;
    TaskQuery q;
    q.responsible.users = {*t.responsible};
    q.limit = 10000;
    const auto expected = reference(w, *kombit, q, Date(2026, 1, 1));
    const TaskPage page = list_tasks(snap.world(), w.rights, *kombit, q, Date(2026, 1, 1));
    ASSERT_EQ(page.total, expected.size());
    ASSERT_GT(page.total, 0u);
    for (std::size_t k = 0; k < expected.size(); ++k) EXPECT_EQ(page.rows[k].task.value(), expected[k].task);
  }
}

// status_by_municipality and quick_status count from per-partition sorted "first red
// day" lists that every write keeps (Partition::ranges): after each kind of write that
// moves a colour -- status, date overrides, a wave shift, a template's priority and
// dates, local tasks -- the counts equal colour_on per task (KOMBIT's view, without
// local tasks) and the row-by-row count (quick_status, with them).
TEST(QueryEngine, StatusByMunicipalityFollowsEveryKindOfWrite) {
  synthetic::Options o;
  o.seed = 5;
  o.municipalities = 5;
  o.scale = 0.2;  // 2 projects
  o.local_task_share = 0.1;
  o.content = false;
  const Dataset start = synthetic::generate(o);
  Calendars cals;
  cals.set_municipality_closed(start.municipalities.front().id, {Date(2025, 3, 14), Date(2026, 5, 15)});
  const std::unique_ptr<Store> store = make_memory_store(start, cals);
  const RightsModel rights = RightsModel::default_model();
  const User* kombit = nullptr;
  for (const User& u : start.users)
    if (u.side == Side::Kombit && u.administrator) kombit = &u;
  ASSERT_NE(kombit, nullptr);
  std::mt19937 rng(11);
  std::size_t red = 0, compared = 0;
  for (int step = 0; step < 40; ++step) {
    const Dataset cur = store->export_dataset();
    const Date base = Date(2025, 1, 1) + static_cast<std::int32_t>(rng() % 600);
    switch (step % 5) {
      case 0:
      case 1:
      case 2:
      case 3:
        klik::testing::colour_moving_write(*store, cur, rng, step % 5, base);
        break;
      default:
        if (!cur.local_tasks.empty() && rng() % 2) {
          store->remove_local_task(cur.local_tasks[rng() % cur.local_tasks.size()].id);
        } else if (!cur.local_tasks.empty()) {
          LocalTask l = cur.local_tasks[rng() % cur.local_tasks.size()];
          l.id = LocalTaskId();
          l.end = base;
          store->create_local_task(l);
        }
    }
    // The reference: every task's colour on its own.
    const Dataset now = store->export_dataset();
    std::map<TemplateId, const TaskTemplate*> tpl_of;
    for (const TaskTemplate& tpl : now.templates) tpl_of[tpl.id] = &tpl;
    const Snapshot snap = store->snapshot();
    for (const Project& p : now.projects) {
      const Date day = Date(2025, 1, 1) + static_cast<std::int32_t>(rng() % 900);
      std::map<MunicipalityId, MunicipalityStatus> want;
      for (const Task& task : now.tasks) {
        const TaskTemplate& tpl = *tpl_of.at(task.template_id);
        if (tpl.project != p.id) continue;
        const WorkdayCalendar cal = cals.effective(task.municipality, p.id);
        const DeadlineDates d =
            deadline_dates(effective_schedule(tpl, task, wave_shift(now.waves, p.id, task.municipality), cal), cal);
        MunicipalityStatus& s = want[task.municipality];
        s.municipality = task.municipality;
        ++s.counts[static_cast<std::size_t>(colour_on(task.status, d, day))][static_cast<std::size_t>(tpl.priority)];
      }
      std::vector<MunicipalityStatus> expected;
      for (const auto& [m, s] : want) expected.push_back(s);
      const auto got = status_by_municipality(snap.world(), rights, *kombit, p.id, day);
      ASSERT_EQ(got.size(), expected.size()) << "step " << step << " project " << p.id.value();
      for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].municipality, expected[i].municipality) << "step " << step;
        EXPECT_EQ(got[i].counts, expected[i].counts)
            << "step " << step << " project " << p.id.value() << " municipality " << got[i].municipality.value();
        red += got[i].count(DeadlineColour::Red, Priority::CriticalPath);
      }
      ++compared;
    }
    // quick_status counts a partition its viewer sees whole from the same ranges (KLIK
    // and local rows); a filter that keeps every row makes it read the rows instead.
    TaskQuery every_status;
    every_status.statuses = {TaskStatus::NotActive, TaskStatus::NotStarted, TaskStatus::Started, TaskStatus::Completed};
    const Date day = Date(2025, 1, 1) + static_cast<std::int32_t>(rng() % 900);
    for (std::size_t i = 0; i < now.users.size(); i += 1 + now.users.size() / 6) {
      const User& viewer = now.users[i];
      EXPECT_EQ(quick_status(snap.world(), rights, viewer, TaskQuery{}, day),
                quick_status(snap.world(), rights, viewer, every_status, day))
          << "step " << step << " viewer " << viewer.id.value();
    }
  }
  EXPECT_GE(compared, 80u);  // every project after every step
  EXPECT_GT(red, 0u);  // the days chosen do find red tasks
}
