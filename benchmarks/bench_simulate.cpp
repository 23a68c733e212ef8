// What-if (issue 10): a rollout wave's shift simulated over the national
// datasets (300k, 1M tasks), target < 50 ms. The scenario moves the wave whose
// municipalities hold the most tasks of its project 10 working days earlier,
// judged today and on a date four weeks on; nothing is written. Measured:
// - BM_SimulateWaveShift: Publishing::simulate as a portal calls it (snapshot,
//   rights check, simulate()) by the KOMBIT administrator;
// - BM_SimulateWaveShiftWorld: simulate() alone on a held snapshot;
// - BM_ApplyWaveShiftBaseline: the raw baseline, the same shift applied for real
//   and undone (two Publishing::set_wave_shift calls: the store recomputes the same rows).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <klik/publishing.hpp>
#include <klik/simulate.hpp>
#include <klik/store.hpp>

#include "bench_support.hpp"

namespace {

using namespace klik;

const Date today(2026, 3, 2);

void counters(benchmark::State& state, const Simulation& sim, const Dataset& d) {
  state.counters["tasks_affected"] = static_cast<double>(sim.affected);
  state.counters["red_today"] = static_cast<double>(sim.red_today.size());
  state.counters["sweep_events"] = static_cast<double>(sim.sweep_events.size());
  state.counters["tasks_total"] = static_cast<double>(d.tasks.size());
}

void BM_SimulateWaveShift(benchmark::State& state) {
  const Dataset& d = bench::dataset(static_cast<int>(state.range(0)));
  auto store = make_memory_store(d);
  const FixedClock clock(today);
  const Publishing kombit(*store, clock);
  const Scenario scenario = Scenario{}.shift_wave(bench::largest_wave(d).first.id, -10);
  const UserId admin = bench::kombit_admin(d).id;
  Simulation sim;
  for (auto _ : state) {
    sim = kombit.simulate(admin, scenario, today + 28);
    benchmark::DoNotOptimize(sim);
  }
  counters(state, sim, d);
}
BENCHMARK(BM_SimulateWaveShift)->ArgName("size")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_SimulateWaveShiftWorld(benchmark::State& state) {
  const Dataset& d = bench::dataset(static_cast<int>(state.range(0)));
  auto store = make_memory_store(d);
  const Scenario scenario = Scenario{}.shift_wave(bench::largest_wave(d).first.id, -10);
  const Snapshot snap = store->snapshot();
  Simulation sim;
  for (auto _ : state) {
    sim = simulate(snap.world(), scenario, today, today + 28);
    benchmark::DoNotOptimize(sim);
  }
  counters(state, sim, d);
}
BENCHMARK(BM_SimulateWaveShiftWorld)->ArgName("size")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_ApplyWaveShiftBaseline(benchmark::State& state) {
  const Dataset& d = bench::dataset(static_cast<int>(state.range(0)));
  auto store = make_memory_store(d);
  const FixedClock clock(today);
  Publishing kombit(*store, clock);
  const RolloutWave wave = bench::largest_wave(d).first;
  const UserId admin = bench::kombit_admin(d).id;
  for (auto _ : state) {
    benchmark::DoNotOptimize(kombit.set_wave_shift(admin, wave.id, wave.shift_workdays - 10));
    benchmark::DoNotOptimize(kombit.set_wave_shift(admin, wave.id, wave.shift_workdays));
  }
  state.counters["tasks_total"] = static_cast<double>(d.tasks.size());
}
BENCHMARK(BM_ApplyWaveShiftBaseline)->ArgName("size")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
