#pragma once
// Shared by the benchmarks: datasets by size (cached), smoke mode, memory readings.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <klik/synthetic.hpp>
#include <map>
#include <memory>
#include <utility>

namespace bench {

/// CI runs every benchmark once on tiny data (KLIK_BENCH_SMOKE=1).
inline bool smoke() { return std::getenv("KLIK_BENCH_SMOKE") != nullptr; }

/// The national dataset at 300k (size 0) or 1M (size 1) tasks; tiny in smoke mode.
inline klik::synthetic::Options options(int size) {
  klik::synthetic::Options o;
  o.content = false;
  if (smoke()) {
    o.municipalities = 4;
    o.scale = 0.25;
  } else {
    o.scale = size == 0 ? 1.0 : 3.5;
  }
  return o;
}

inline const klik::Dataset& dataset(int size) {
  static std::map<int, std::unique_ptr<klik::Dataset>> cache;
  auto& slot = cache[size];
  if (!slot) slot = std::make_unique<klik::Dataset>(klik::synthetic::generate(options(size)));
  return *slot;
}

/// The rollout wave whose members hold the most tasks of its project, and how
/// many (the wave a "move a wave" benchmark moves).
inline std::pair<klik::RolloutWave, std::size_t> largest_wave(const klik::Dataset& d) {
  klik::RolloutWave best;
  std::size_t most = 0;
  for (const klik::RolloutWave& w : d.waves) {
    std::size_t n = 0;
    for (const klik::Task& t : d.tasks)
      if (std::find(w.members.begin(), w.members.end(), t.municipality) != w.members.end() &&
          d.templates[t.template_id.value() - 1].project == w.project)
        ++n;
    if (n > most) best = w, most = n;
  }
  return {best, most};
}

/// The generated world's KOMBIT administrator.
inline const klik::User& kombit_admin(const klik::Dataset& d) {
  return *std::find_if(d.users.begin(), d.users.end(), [](const klik::User& u) { return u.email == "klik@kombit.dk"; });
}

/// Resident set size in bytes (Linux /proc/self/statm).
inline double rss_bytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

/// Heap bytes in use (glibc), for measuring one structure's footprint.
inline double heap_bytes() {
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<double>(mi.uordblks + mi.hblkhd);
}

}  // namespace bench
