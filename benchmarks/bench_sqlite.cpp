// The SQLite store: opening and loading the national datasets, bulk import, and
// the latency of one mutation with its outbox entry. Baselines: the same work
// without a disk (memory store) and loading the dataset from a JSON document.
//
//   build/benchmarks/bench_sqlite --benchmark_min_time=1
//   KLIK_BENCH_SMOKE=1 build/benchmarks/bench_sqlite   (tiny data, as CI runs it)
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "klik/json.hpp"
#include "klik/sqlite_store.hpp"
#include "klik/store.hpp"
#include "klik/synthetic.hpp"

namespace {

bool smoke() { return std::getenv("KLIK_BENCH_SMOKE") != nullptr; }

/// Dataset by label: 0 = national (300k), 1 = 1M tasks.
const klik::Dataset& dataset(int which) {
  static std::map<int, klik::Dataset> cache;
  auto it = cache.find(which);
  if (it == cache.end()) {
    klik::synthetic::Options o;
    o.content = false;
    if (smoke()) {
      o.municipalities = 2;
      o.scale = 0.09;
    } else if (which == 1) {
      o.scale = 3.5;
    }
    it = cache.emplace(which, klik::synthetic::generate(o)).first;
  }
  return it->second;
}

std::string temp_dir() {
  static const std::string dir = [] {
    std::string t = (std::filesystem::temp_directory_path() / "klik-bench-XXXXXX").string();
    if (!::mkdtemp(t.data())) std::abort();
    std::atexit([] { std::filesystem::remove_all(temp_dir()); });
    return t;
  }();
  return dir;
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

/// A closed database file holding dataset(which), made once.
const std::string& database(int which) {
  static std::map<int, std::string> files;
  auto it = files.find(which);
  if (it == files.end()) {
    const std::string path = temp_dir() + "/open-" + std::to_string(which) + ".sqlite";
    auto s = klik::open_sqlite_store(path, {.durability = klik::Durability::Normal});
    s->import_dataset(dataset(which));
    s->close();
    it = files.emplace(which, path).first;
  }
  return it->second;
}

void BM_SqliteOpen(benchmark::State& state) {
  const int which = static_cast<int>(state.range(0));
  const std::string& path = database(which);
  for (auto _ : state) {
    auto s = klik::open_sqlite_store(path);
    benchmark::DoNotOptimize(s->snapshot()->task_count());
  }
  state.counters["tasks"] = static_cast<double>(dataset(which).tasks.size());
}
BENCHMARK(BM_SqliteOpen)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(3);

/// Baseline: the same world kept as a JSON document, parsed and indexed in memory.
void BM_JsonDocumentLoad(benchmark::State& state) {
  const std::string text = klik::to_json(dataset(0));
  for (auto _ : state) {
    auto s = klik::make_memory_store(klik::from_json<klik::Dataset>(text));
    benchmark::DoNotOptimize(s->snapshot()->task_count());
  }
  state.counters["tasks"] = static_cast<double>(dataset(0).tasks.size());
}
BENCHMARK(BM_JsonDocumentLoad)->Unit(benchmark::kMillisecond)->Iterations(2);

void BM_SqliteImport(benchmark::State& state) {
  const int which = static_cast<int>(state.range(0));
  const klik::Dataset& d = dataset(which);
  const std::string path = temp_dir() + "/import.sqlite";
  for (auto _ : state) {
    state.PauseTiming();
    remove_db(path);
    auto s = klik::open_sqlite_store(path);
    state.ResumeTiming();
    s->import_dataset(d);
    benchmark::DoNotOptimize(s->snapshot()->task_count());
  }
  state.counters["tasks"] = static_cast<double>(d.tasks.size());
}
BENCHMARK(BM_SqliteImport)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(2);

/// Baseline: importing into the memory store (validation and indexes, no disk).
void BM_MemoryImport(benchmark::State& state) {
  const klik::Dataset& d = dataset(0);
  for (auto _ : state) {
    auto s = klik::make_memory_store(d);
    benchmark::DoNotOptimize(s->snapshot()->task_count());
  }
}
BENCHMARK(BM_MemoryImport)->Unit(benchmark::kMillisecond)->Iterations(2);

/// One task update with one outbox entry; reports median and p99 latency.
void mutation_latency(benchmark::State& state, klik::Store& store) {
  const klik::Dataset& d = dataset(0);
  klik::Notification n;
  n.event = "task.status";
  n.recipients = {klik::UserId(1)};
  n.payload = R"({"bench":true})";
  std::vector<double> us;
  std::size_t i = 0;
  for (auto _ : state) {
    const klik::Task& t = d.tasks[(i * 7919) % d.tasks.size()];
    // A real change each time (a change with no effect is no write).
    const klik::TaskStatus now = store.snapshot()->task(t.id)->status;
    const auto next = now == klik::TaskStatus::Started ? klik::TaskStatus::Completed : klik::TaskStatus::Started;
    const auto t0 = std::chrono::steady_clock::now();
    const klik::Task stored = store.update_task({.task = t.id, .status = next}, {&n, 1});
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    benchmark::DoNotOptimize(stored.version);
    ++i;
  }
  std::sort(us.begin(), us.end());
  state.counters["median_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

void BM_SqliteMutation(benchmark::State& state) {
  const auto durability = state.range(0) == 0 ? klik::Durability::Full : klik::Durability::Normal;
  const std::string path = temp_dir() + "/mutate-" + std::to_string(state.range(0)) + ".sqlite";
  remove_db(path);
  std::filesystem::copy_file(database(0), path);
  auto s = klik::open_sqlite_store(path, {.durability = durability});
  mutation_latency(state, *s);
}
BENCHMARK(BM_SqliteMutation)->ArgName("normal")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

/// Baseline: the same mutation in the memory store (no disk).
void BM_MemoryMutation(benchmark::State& state) {
  auto s = klik::make_memory_store(dataset(0));
  mutation_latency(state, *s);
}
BENCHMARK(BM_MemoryMutation)->Unit(benchmark::kMicrosecond);

/// Two stores on one file (two connections, as two processes would have): A
/// commits an update, B's next snapshot finds the file changed (PRAGMA
/// data_version), reads the change from change_sequence and applies it.
/// Reports the latency of that snapshot (commit returned -> B sees it).
void BM_SqlitePropagation(benchmark::State& state) {
  const klik::Dataset& d = dataset(0);
  const std::string path = temp_dir() + "/propagate.sqlite";
  remove_db(path);
  std::filesystem::copy_file(database(0), path);
  auto a = klik::open_sqlite_store(path, {.durability = klik::Durability::Normal});
  auto b = klik::open_sqlite_store(path, {.durability = klik::Durability::Normal});
  std::vector<double> us;
  std::size_t i = 0;
  for (auto _ : state) {
    const klik::Task& t = d.tasks[(i * 7919) % d.tasks.size()];
    const klik::TaskStatus now = a->snapshot()->task(t.id)->status;
    const auto next = now == klik::TaskStatus::Started ? klik::TaskStatus::Completed : klik::TaskStatus::Started;
    state.PauseTiming();
    (void)a->update_task({.task = t.id, .status = next});
    state.ResumeTiming();
    const auto t0 = std::chrono::steady_clock::now();
    const bool seen = b->snapshot()->task(t.id)->status == next;
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!seen) state.SkipWithError("B did not see A's commit at its next snapshot");
    ++i;
  }
  std::sort(us.begin(), us.end());
  state.counters["median_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}
BENCHMARK(BM_SqlitePropagation)->Unit(benchmark::kMicrosecond);

/// What following other processes costs a reader when nothing changed: one
/// snapshot of a SQLite store (asks PRAGMA data_version) against the memory store's.
/// Arg: SqliteOptions::follow_interval_ms (0: ask at every snapshot).
void BM_SnapshotSqlite(benchmark::State& state) {
  const std::string path = temp_dir() + "/snapshot.sqlite";
  remove_db(path);
  std::filesystem::copy_file(database(0), path);
  auto s = klik::open_sqlite_store(
      path, {.durability = klik::Durability::Normal, .follow_interval_ms = static_cast<int>(state.range(0))});
  for (auto _ : state) benchmark::DoNotOptimize(s->snapshot()->task_count());
}
BENCHMARK(BM_SnapshotSqlite)->ArgName("follow_interval_ms")->Arg(0)->Arg(50)->Unit(benchmark::kNanosecond);

void BM_SnapshotMemory(benchmark::State& state) {
  auto s = klik::make_memory_store(dataset(0));
  for (auto _ : state) benchmark::DoNotOptimize(s->snapshot()->task_count());
}
BENCHMARK(BM_SnapshotMemory)->Unit(benchmark::kNanosecond);

}  // namespace
