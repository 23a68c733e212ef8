// The PostgreSQL backend on a throwaway local server (tests/pg_test_support.hpp,
// fsync on, Unix socket): importing and loading the national dataset at 300k
// and 1M tasks, and one mutation with its notification, change_log row and
// NOTIFY (median and p99 as counters, microseconds).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "bench_support.hpp"
#include "klik/postgres_store.hpp"
#include "pg_test_support.hpp"

namespace {

klik::testing::PgCluster& cluster() { return klik::testing::shared_pg_cluster(); }

/// A database holding dataset(size), imported once per size.
const std::string& loaded(int size) {
  static std::map<int, std::string> urls;
  auto& url = urls[size];
  if (url.empty()) {
    url = cluster().create_database("bench" + std::to_string(size));
    klik::open_postgres_backend(url)->replace(bench::dataset(size), {}, 0);
  }
  return url;
}

void BM_PostgresImport(benchmark::State& state) {
  const klik::Dataset& d = bench::dataset(static_cast<int>(state.range(0)));
  const std::string url = cluster().create_database("import" + std::to_string(state.range(0)));
  auto backend = klik::open_postgres_backend(url);
  std::uint64_t seq = 0;
  for (auto _ : state) seq = backend->replace(d, {}, seq);
  state.counters["tasks"] = static_cast<double>(d.tasks.size());
}
BENCHMARK(BM_PostgresImport)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(2);

void BM_PostgresLoad(benchmark::State& state) {
  auto backend = klik::open_postgres_backend(loaded(static_cast<int>(state.range(0))));
  std::size_t tasks = 0;
  for (auto _ : state) {
    klik::StoredWorld w = backend->load();
    tasks = w.data.tasks.size();
    benchmark::DoNotOptimize(w);
  }
  state.counters["tasks"] = static_cast<double>(tasks);
}
BENCHMARK(BM_PostgresLoad)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_PostgresMutation(benchmark::State& state) {
  auto backend = klik::open_postgres_backend(loaded(0));
  klik::StoredWorld w = backend->load();
  std::uint64_t seq = w.sequence;
  std::vector<double> us;
  std::size_t i = 0;
  for (auto _ : state) {
    klik::Task t = w.data.tasks[i++ % w.data.tasks.size()];
    t.status = t.status == klik::TaskStatus::Started ? klik::TaskStatus::Completed : klik::TaskStatus::Started;
    t.version += 1;
    klik::Notification n;
    n.event = "task.status";
    n.recipients = {klik::UserId(1)};
    n.payload = "{}";
    const auto start = std::chrono::steady_clock::now();
    seq = backend->commit(klik::TaskChanged{t, klik::TaskStatusField}, {&n, 1}, {}, seq);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
    w.data.tasks[(i - 1) % w.data.tasks.size()] = t;
  }
  std::sort(us.begin(), us.end());
  state.counters["median_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}
BENCHMARK(BM_PostgresMutation)->Unit(benchmark::kMicrosecond);

}  // namespace
