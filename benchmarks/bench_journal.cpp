// The audit journal (issue 10): building an as-of view of the national world,
// reading one task's history, and what journaling adds to a write.
//
//   build/benchmarks/bench_journal --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <klik/deadline.hpp>
#include <klik/journal.hpp>
#include <klik/store.hpp>
#include <klik/task_list.hpp>

#include "bench_support.hpp"

namespace {

using bench::dataset;

/// The first benchmark change is stamped an hour from now: after the import
/// that made the store (stamped by the system clock), which a view cannot cross.
const std::int64_t start_seconds = klik::SystemClock().now().unix_seconds() + 3600;

/// A memory store over the world with `changes` task updates journaled one
/// second apart from `start_seconds` on, spread over the world's tasks.
std::unique_ptr<klik::Store> store_with_history(int size, std::int64_t changes) {
  const klik::Dataset& d = dataset(size);
  auto store = klik::make_memory_store(d);
  for (std::int64_t i = 0; i < changes; ++i) {
    const klik::Task& t = d.tasks[static_cast<std::size_t>(i * 7919) % d.tasks.size()];
    const klik::TaskStatus now = store->snapshot()->task(t.id)->status;
    const auto next = now == klik::TaskStatus::Started ? klik::TaskStatus::Completed : klik::TaskStatus::Started;
    store->update_task({.task = t.id, .status = next}, {},
                       {.actor = {}, .operation = "bench", .at = klik::Timestamp(start_seconds + i)});
  }
  return store;
}

/// as_of reaching back over `undone` of 10,000 journaled changes: the world is
/// copied out of the indexes, the changes are undone, and a read-only store is
/// indexed (and validated) over the result. Target at 1M tasks: < 1 s.
void BM_AsOf(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const std::int64_t changes = bench::smoke() ? 100 : 10'000;
  const std::int64_t undone = std::min<std::int64_t>(state.range(1), changes);
  const auto store = store_with_history(size, changes);
  const klik::Timestamp when(start_seconds + changes - 1 - undone);
  for (auto _ : state) {
    auto view = store->as_of(when);
    benchmark::DoNotOptimize(view.get());
  }
  state.counters["tasks"] = static_cast<double>(dataset(size).tasks.size());
  state.counters["undone"] = static_cast<double>(undone);
}
BENCHMARK(BM_AsOf)
    ->ArgNames({"world", "undone"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({1, 1'000})
    ->Args({1, 10'000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

/// One task's last 100 entries out of a journal of 100,100 (the memory
/// backend's index by object).
void BM_TaskHistory(benchmark::State& state) {
  const std::int64_t changes = bench::smoke() ? 100 : 100'000;
  const auto store = store_with_history(0, changes);
  const klik::Task& t = dataset(0).tasks[1];
  for (std::int64_t i = 0; i < 100; ++i)  // a hundred more changes to this task
    store->update_task({.task = t.id, .status = i % 2 ? klik::TaskStatus::Started : klik::TaskStatus::Completed}, {},
                       {.actor = {}, .operation = "bench", .at = klik::Timestamp(start_seconds + changes + i)});
  for (auto _ : state) {
    auto entries = store->journal({.kind = klik::JournalObject::Task, .id = t.id.value(), .limit = 100});
    if (entries.size() != 100) state.SkipWithError("the history does not hold the hundred changes");
    benchmark::DoNotOptimize(entries.data());
  }
}
BENCHMARK(BM_TaskHistory)->Unit(benchmark::kMicrosecond);

/// A task update in the memory store, which journals it (building the entry:
/// the task's JSON before and after) -- and the heap each entry keeps.
void BM_JournaledUpdate(benchmark::State& state) {
  const klik::Dataset& d = dataset(0);
  auto store = klik::make_memory_store(d);
  const double heap_before = bench::heap_bytes();
  std::size_t i = 0;
  for (auto _ : state) {
    const klik::Task& t = d.tasks[(i * 7919) % d.tasks.size()];
    const klik::TaskStatus now = store->snapshot()->task(t.id)->status;
    const auto next = now == klik::TaskStatus::Started ? klik::TaskStatus::Completed : klik::TaskStatus::Started;
    const klik::Task stored =
        store->update_task({.task = t.id, .status = next}, {}, {.actor = klik::UserId(1), .operation = "change_task"});
    benchmark::DoNotOptimize(stored.version);
    ++i;
  }
  state.counters["heap_bytes_per_write"] = (bench::heap_bytes() - heap_before) / static_cast<double>(i);
}
BENCHMARK(BM_JournaledUpdate)->Unit(benchmark::kMicrosecond);

}  // namespace
