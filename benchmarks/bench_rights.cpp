// Rights: single checks, full decisions, and the visible-task set of a
// Plusbruger, a Light-bruger and a KOMBIT user on the national dataset (scale
// 3.5, about 1M tasks), answered from a task scope and an index versus the
// naive per-task decide loop.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <unordered_map>
#include <vector>

#include "klik/rights.hpp"
#include "klik/synthetic.hpp"

namespace {

using namespace klik;

struct World {
  Dataset data;
  std::vector<TaskFacts> facts;
  // The index a store keeps: tasks by (municipality, project), by project, and by person.
  std::map<std::pair<std::uint16_t, std::uint32_t>, std::vector<TaskId>> by_municipality_project;
  std::unordered_map<std::uint32_t, std::vector<TaskId>> by_project;
  std::unordered_map<UserId, std::vector<std::size_t>> by_person;
  const User* plus = nullptr;
  const User* light = nullptr;
  const User* kombit = nullptr;
};

const World& world() {
  static const World world_ = [] {
    World w;
    synthetic::Options o;
    o.content = false;
    if (std::getenv("KLIK_BENCH_SMOKE")) {
      o.municipalities = 3;
      o.scale = 0.25;
    } else {
      o.scale = 3.5;
    }
    w.data = synthetic::generate(o);
    const FactIndex index(w.data);
    w.facts = index.all_tasks();
    for (std::size_t i = 0; i < w.facts.size(); ++i) {
      const TaskFacts& f = w.facts[i];
      w.by_municipality_project[{f.municipality.value(), f.project.value()}].push_back(f.id);
      if (!f.local) w.by_project[f.project.value()].push_back(f.id);
      std::vector<UserId> people;
      for (const auto& p : {f.responsible, f.performer, f.parent_responsible, f.parent_performer})
        if (p && std::find(people.begin(), people.end(), *p) == people.end()) people.push_back(*p);
      for (UserId p : people) w.by_person[p].push_back(i);
    }
    // The Plusbruger and Light-bruger with the most assigned tasks, and the KOMBIT administrator.
    std::size_t best_plus = 0, best_light = 0;
    for (const User& u : w.data.users) {
      if (u.side == Side::Kombit) {
        if (u.administrator) w.kombit = &u;
        continue;
      }
      const auto it = w.by_person.find(u.id);
      const std::size_t n = it == w.by_person.end() ? 0 : it->second.size();
      const bool all_light =
          !u.memberships.empty() && std::all_of(u.memberships.begin(), u.memberships.end(),
                                                [](const Membership& m) { return m.type == UserType::Light; });
      const bool any_plus = std::any_of(u.memberships.begin(), u.memberships.end(),
                                        [](const Membership& m) { return m.type == UserType::Plus; });
      if (all_light && (!w.light || n > best_light)) w.light = &u, best_light = n;
      if (any_plus && (!w.plus || n > best_plus)) w.plus = &u, best_plus = n;
    }
    return w;
  }();
  return world_;
}

const User& viewer(int which) {
  const World& w = world();
  return which == 0 ? *w.plus : which == 1 ? *w.light : *w.kombit;
}

// --- single checks ---

void BM_AllowsSingleCheck(benchmark::State& state) {
  const RightsModel& rights = RightsModel::default_model();
  const World& w = world();
  const User& u = *w.light;
  // The Light-bruger's own tasks: the rule that grants needs the assignment condition.
  std::vector<TaskFacts> mine;
  for (std::size_t i : w.by_person.at(u.id)) mine.push_back(w.facts[i]);
  std::size_t i = 0, allowed = 0;
  for (auto _ : state) {
    allowed += rights.allows(u, Action::EditStatus, mine[i]);
    if (++i == mine.size()) i = 0;
  }
  benchmark::DoNotOptimize(allowed);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AllowsSingleCheck);

void BM_AllowsSingleCheckDenied(benchmark::State& state) {
  const RightsModel& rights = RightsModel::default_model();
  const World& w = world();
  const User& u = *w.plus;
  std::size_t i = 0, allowed = 0;
  for (auto _ : state) {
    allowed += rights.allows(u, Action::EditStatus, w.facts[i]);  // mostly another municipality: not found
    if (++i == w.facts.size()) i = 0;
  }
  benchmark::DoNotOptimize(allowed);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AllowsSingleCheckDenied);

void BM_DecideWithReason(benchmark::State& state) {
  const RightsModel& rights = RightsModel::default_model();
  const World& w = world();
  const User& u = *w.light;
  std::vector<TaskFacts> mine;
  for (std::size_t i : w.by_person.at(u.id)) mine.push_back(w.facts[i]);
  std::size_t i = 0;
  for (auto _ : state) {
    Decision d = rights.decide(u, Action::EditStatus, mine[i], w.data.projects);
    benchmark::DoNotOptimize(d);
    if (++i == mine.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecideWithReason);

// --- the visible-task set ---

// Scope from the model, then the index answers it (what the task list does).
void BM_VisibleTasksScopeIndex(benchmark::State& state) {
  const RightsModel& rights = RightsModel::default_model();
  const World& w = world();
  const User& u = viewer(static_cast<int>(state.range(0)));
  std::size_t count = 0;
  for (auto _ : state) {
    const TaskScope s = rights.task_scope(u);
    std::vector<TaskId> out;
    if (s.all_projects && !s.municipality) {
      for (const auto& [p, ids] : w.by_project) out.insert(out.end(), ids.begin(), ids.end());
    } else {
      for (ProjectId p : s.all_tasks) {
        if (s.municipality) {
          const auto it = w.by_municipality_project.find({s.municipality->value(), p.value()});
          if (it != w.by_municipality_project.end()) out.insert(out.end(), it->second.begin(), it->second.end());
        } else {
          const auto it = w.by_project.find(p.value());
          if (it != w.by_project.end()) out.insert(out.end(), it->second.begin(), it->second.end());
        }
      }
      if (!s.assigned_only.empty()) {
        const auto it = w.by_person.find(u.id);
        if (it != w.by_person.end())
          for (std::size_t i : it->second) {
            const TaskFacts& f = w.facts[i];
            if (std::binary_search(s.assigned_only.begin(), s.assigned_only.end(), f.project) && s.contains(f, u.id))
              out.push_back(f.id);
          }
      }
    }
    count = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["visible"] = static_cast<double>(count);
}
BENCHMARK(BM_VisibleTasksScopeIndex)->Arg(0)->Arg(1)->Arg(2)->ArgNames({"viewer"})->Unit(benchmark::kMillisecond);

// Scope checked task by task (no index): one pass over all facts.
void BM_VisibleTasksScopeScan(benchmark::State& state) {
  const RightsModel& rights = RightsModel::default_model();
  const World& w = world();
  const User& u = viewer(static_cast<int>(state.range(0)));
  std::size_t count = 0;
  for (auto _ : state) {
    const auto ids = visible_tasks(rights.task_scope(u), u.id, w.facts);
    count = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.counters["visible"] = static_cast<double>(count);
}
BENCHMARK(BM_VisibleTasksScopeScan)->Arg(0)->Arg(1)->Arg(2)->ArgNames({"viewer"})->Unit(benchmark::kMillisecond);

// Baseline: decide(view_task) for every task.
void BM_VisibleTasksNaiveDecide(benchmark::State& state) {
  const RightsModel& rights = RightsModel::default_model();
  const World& w = world();
  const User& u = viewer(static_cast<int>(state.range(0)));
  std::size_t count = 0;
  for (auto _ : state) {
    std::vector<TaskId> out;
    for (const TaskFacts& f : w.facts)
      if (rights.decide(u, Action::ViewTask, f).allowed()) out.push_back(f.id);
    count = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["visible"] = static_cast<double>(count);
}
BENCHMARK(BM_VisibleTasksNaiveDecide)->Arg(0)->Arg(1)->Arg(2)->ArgNames({"viewer"})->Unit(benchmark::kMillisecond);

}  // namespace
