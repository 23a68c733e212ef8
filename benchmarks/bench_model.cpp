// Bytes per task instance: the Task value, the dataset's task vector, and the
// in-memory store's indexes, on the 300k and 1M national datasets.
#include <benchmark/benchmark.h>

#include <klik/store.hpp>

#include "bench_support.hpp"

namespace {

void BM_BytesPerTask_Dataset(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  for (auto _ : state) {
    const double before = bench::heap_bytes();
    auto d = std::make_unique<klik::Dataset>(klik::synthetic::generate(bench::options(size)));
    const double tasks_bytes = static_cast<double>(d->tasks.capacity() * sizeof(klik::Task));
    const double all = bench::heap_bytes() - before;
    state.counters["tasks"] = static_cast<double>(d->tasks.size());
    state.counters["sizeof_Task"] = sizeof(klik::Task);
    state.counters["task_vector_bytes_per_task"] = tasks_bytes / static_cast<double>(d->tasks.size());
    state.counters["whole_dataset_bytes_per_task"] = all / static_cast<double>(d->tasks.size());
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_BytesPerTask_Dataset)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_BytesPerTask_MemoryStore(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const klik::Dataset& d = bench::dataset(size);
  for (auto _ : state) {
    const double before = bench::heap_bytes();
    auto store = klik::make_memory_store(d);
    const double bytes = bench::heap_bytes() - before;
    state.counters["tasks"] = static_cast<double>(d.tasks.size());
    state.counters["store_bytes_per_task"] = bytes / static_cast<double>(d.tasks.size() + d.local_tasks.size());
    state.counters["store_MB"] = bytes / 1e6;
    benchmark::DoNotOptimize(store);
  }
}
BENCHMARK(BM_BytesPerTask_MemoryStore)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
