// KOMBIT's side (issue 10): setting a rollout wave's working-day shift on the
// national datasets (300k, 1M tasks). One write moves the deadlines of every
// task of the wave's municipalities in the project; the store recomputes their
// precomputed dates under its write lock. Each iteration is a real change
// (the shift alternates between +10 and 0 working days).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <klik/publishing.hpp>
#include <klik/sqlite_store.hpp>
#include <klik/store.hpp>

#include "bench_support.hpp"

namespace {

using namespace klik;

void run(benchmark::State& state, Store& store, const Dataset& d) {
  const FixedClock clock(Date(2026, 3, 2));
  Publishing kombit(store, clock);
  const auto [wave, tasks] = bench::largest_wave(d);
  const UserId admin = bench::kombit_admin(d).id;
  std::int32_t shift = 0;
  for (auto _ : state) {
    shift = shift == 0 ? 10 : 0;
    benchmark::DoNotOptimize(kombit.set_wave_shift(admin, wave.id, shift));
  }
  state.counters["tasks_moved"] = static_cast<double>(tasks);
  state.counters["tasks_total"] = static_cast<double>(d.tasks.size());
}

void BM_WaveShiftMemory(benchmark::State& state) {
  const Dataset& d = bench::dataset(static_cast<int>(state.range(0)));
  auto store = make_memory_store(d);
  run(state, *store, d);
}
BENCHMARK(BM_WaveShiftMemory)->ArgName("size")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_WaveShiftSqlite(benchmark::State& state) {
  const Dataset& d = bench::dataset(static_cast<int>(state.range(0)));
  const auto path = (std::filesystem::temp_directory_path() / "klik-bench-wave.sqlite").string();
  std::filesystem::remove(path);
  {
    auto store = open_sqlite_store(path, {.durability = Durability::Normal});
    store->import_dataset(d);
    run(state, *store, d);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}
BENCHMARK(BM_WaveShiftSqlite)->ArgName("size")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
