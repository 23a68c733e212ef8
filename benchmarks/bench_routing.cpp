// Notification routing (routing.hpp): what resolving the recipients of a deadline
// event costs, as the sweep does for each event (up to hundreds of thousands on a
// first sweep), against the hand-written routing it replaced (the project's
// Plusbrugere per (project, municipality) from a hash map, plus the responsible and
// performer; no rights check). Every KLIK task of the national dataset is one event.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <klik/rights.hpp>
#include <klik/routing.hpp>
#include <klik/store.hpp>
#include <unordered_map>

#include "bench_support.hpp"

namespace {

using namespace klik;

struct World {
  std::unique_ptr<Store> store;
  std::vector<TaskFacts> facts;
};

World& world(int size) {
  static std::map<int, World> cache;
  World& w = cache[size];
  if (!w.store) {
    const Dataset& d = bench::dataset(size);
    w.store = make_memory_store(d);
    w.facts.reserve(d.tasks.size());
    for (const Task& t : d.tasks) w.facts.push_back(task_facts(t, d.templates[t.template_id.value() - 1].project));
  }
  return w;
}

void BM_Route_DeadlineEvents(benchmark::State& state) {
  World& w = world(static_cast<int>(state.range(0)));
  const Snapshot snap = w.store->snapshot();
  std::size_t told = 0;
  for (auto _ : state) {
    RecipientResolver route(NotificationRouting::default_routing(), RightsModel::default_model(), snap.world());
    for (const TaskFacts& f : w.facts) told += route.task_event(NotificationEvent::DeadlineRed, f).users.size();
    benchmark::DoNotOptimize(told);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.facts.size()));
  state.counters["events"] = static_cast<double>(w.facts.size());
}
BENCHMARK(BM_Route_DeadlineEvents)->Arg(0)->Unit(benchmark::kMillisecond);

void BM_Route_DeadlineEvents_HandWritten(benchmark::State& state) {
  World& w = world(static_cast<int>(state.range(0)));
  const Snapshot snap = w.store->snapshot();
  std::size_t told = 0;
  for (auto _ : state) {
    std::unordered_map<std::uint64_t, std::vector<UserId>> plus;
    for (const User* u : snap->users()) {
      if (u->side != Side::Municipality || !u->municipality) continue;
      for (const Membership& m : u->memberships)
        if (m.type == UserType::Plus)
          plus[(std::uint64_t{m.project.value()} << 16) | u->municipality->value()].push_back(u->id);
    }
    for (const TaskFacts& f : w.facts) {
      std::vector<UserId> to;
      if (const auto it = plus.find((std::uint64_t{f.project.value()} << 16) | f.municipality.value());
          it != plus.end())
        to = it->second;
      for (const auto& who : {f.responsible, f.performer})
        if (who) to.push_back(*who);
      std::sort(to.begin(), to.end());
      to.erase(std::unique(to.begin(), to.end()), to.end());
      told += to.size();
    }
    benchmark::DoNotOptimize(told);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.facts.size()));
  state.counters["events"] = static_cast<double>(w.facts.size());
}
BENCHMARK(BM_Route_DeadlineEvents_HandWritten)->Arg(0)->Unit(benchmark::kMillisecond);

}  // namespace
