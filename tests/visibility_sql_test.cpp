// The viewer's visibility pushed into a host's own database: on random data,
// paging in SQLite with the generated WHERE fragment gives exactly the rows the
// engine gives.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>

#include "klik/query_engine.hpp"
#include "klik/synthetic.hpp"

using namespace klik;

namespace {

struct Db {
  sqlite3* db = nullptr;
  Db() { EXPECT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK); }
  ~Db() { sqlite3_close_v2(db); }
  void exec(const char* sql) {
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  }
};

void bind_optional(sqlite3_stmt* st, int i, const std::optional<UserId>& u) {
  if (u)
    sqlite3_bind_int64(st, i, u->value());
  else
    sqlite3_bind_null(st, i);
}

}  // namespace

TEST(VisibilitySql, PagingInSqliteMatchesTheEngine) {
  synthetic::Options o;
  o.municipalities = 3;
  o.scale = 0.25;
  o.local_task_share = 0.08;
  o.seed = 99;
  const Dataset d = synthetic::generate(o);
  const auto store = make_memory_store(d);
  const RightsModel& rights = RightsModel::default_model();

  // The documented column layout (docs/task-list.md), plus the host's own sort columns.
  Db db;
  db.exec(
      "CREATE TABLE tasks (rowkey INTEGER PRIMARY KEY, kind INTEGER NOT NULL, municipality INTEGER NOT NULL,"
      " project INTEGER NOT NULL, responsible INTEGER, performer INTEGER, parent_responsible INTEGER,"
      " parent_performer INTEGER, end_date INTEGER NOT NULL)");
  sqlite3_stmt* ins = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db.db, "INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?)", -1, &ins, nullptr), SQLITE_OK);
  std::unordered_map<TaskId, const Task*> by_id;
  for (const Task& t : d.tasks) by_id[t.id] = &t;
  auto project_of = [&](const Task& t) { return d.templates[t.template_id.value() - 1].project; };
  // The end date the engine shows: the one definition of a task's dates (the wave's shift applied).
  auto end_of = [&](const Task& t) {
    const TaskTemplate& tpl = d.templates[t.template_id.value() - 1];
    const WorkdayCalendar cal = Calendars{}.effective(t.municipality, tpl.project);
    return effective_schedule(tpl, t, wave_shift(d.waves, tpl.project, t.municipality), cal).end;
  };
  for (const Task& t : d.tasks) {
    sqlite3_reset(ins);
    sqlite3_bind_int64(ins, 1, t.id.value());
    sqlite3_bind_int(ins, 2, 0);
    sqlite3_bind_int(ins, 3, t.municipality.value());
    sqlite3_bind_int64(ins, 4, project_of(t).value());
    bind_optional(ins, 5, t.responsible);
    bind_optional(ins, 6, t.performer);
    sqlite3_bind_null(ins, 7);
    sqlite3_bind_null(ins, 8);
    sqlite3_bind_int(ins, 9, end_of(t).serial());
    ASSERT_EQ(sqlite3_step(ins), SQLITE_DONE);
  }
  for (const LocalTask& l : d.local_tasks) {
    const Task& parent = *by_id.at(l.parent);
    sqlite3_reset(ins);
    sqlite3_bind_int64(ins, 1, std::int64_t{l.id.value()} | 0x80000000ll);
    sqlite3_bind_int(ins, 2, 1);
    sqlite3_bind_int(ins, 3, l.municipality.value());
    sqlite3_bind_int64(ins, 4, project_of(parent).value());
    bind_optional(ins, 5, l.responsible);
    bind_optional(ins, 6, l.performer);
    bind_optional(ins, 7, parent.responsible);
    bind_optional(ins, 8, parent.performer);
    sqlite3_bind_int(ins, 9, l.end.serial());
    ASSERT_EQ(sqlite3_step(ins), SQLITE_DONE);
  }
  sqlite3_finalize(ins);

  std::mt19937 rng(5);
  const Snapshot snap = store->snapshot();
  int compared_rows = 0;
  for (int i = 0; i < 120; ++i) {
    const User& viewer = d.users[rng() % d.users.size()];
    const SqlPredicate pred = visibility_sql(rights, viewer);
    const std::string sql =
        "SELECT rowkey FROM tasks WHERE " + pred.where + " ORDER BY end_date, rowkey LIMIT ? OFFSET ?";
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db.db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db.db) << "\n"
                                                                                   << sql;
    TaskQuery q;
    q.limit = 25;
    for (std::uint32_t page = 0; page < 4; ++page) {
      q.offset = page * q.limit;
      sqlite3_reset(st);
      int k = 1;
      for (std::int64_t p : pred.params) sqlite3_bind_int64(st, k++, p);
      sqlite3_bind_int(st, k++, static_cast<int>(q.limit));
      sqlite3_bind_int(st, k++, static_cast<int>(q.offset));
      std::vector<std::int64_t> from_sql;
      while (sqlite3_step(st) == SQLITE_ROW) from_sql.push_back(sqlite3_column_int64(st, 0));
      const TaskPage pg = list_tasks(snap.world(), rights, viewer, q, Date(2026, 1, 1));
      std::vector<std::int64_t> from_engine;
      for (const TaskRow& r : pg.rows)
        from_engine.push_back(r.local ? (std::int64_t{r.local->value()} | 0x80000000ll) : r.task.value());
      ASSERT_EQ(from_sql, from_engine) << "viewer " << viewer.id.value() << " page " << page << "\n" << sql;
      compared_rows += static_cast<int>(from_sql.size());
    }
    sqlite3_finalize(st);
  }
  EXPECT_GT(compared_rows, 2000);
}
