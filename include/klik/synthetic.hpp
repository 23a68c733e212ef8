#pragma once
/// @file synthetic.hpp
/// @brief klik::synthetic: a deterministic national dataset for tests, demos
/// and benchmarks.
///
/// The same options give the same dataset on every platform (Boost.Random's
/// engines and distributions are specified exactly). At scale 1.0: the 98
/// municipalities, 12 projects of 150-400 templates, about 300,000 tasks and
/// about 8,000 users; scale 3.5 gives about 1,000,000 tasks (the number of
/// projects grows with the scale).

#include <cstdint>

#include "klik/dataset.hpp"

namespace klik::synthetic {

/// Knobs of the generator. Defaults give the national dataset of docs/benchmarks.md.
struct Options {
  std::uint64_t seed = 20181116;  ///< any value; same seed, same data
  double scale = 1.0;  ///< multiplies the number of projects (12 at 1.0)
  /// Number of municipalities to use, from the start of the official list (1-98).
  int municipalities = 98;
  /// Share of municipalities taking part in each project (0-1).
  double participation = 0.92;
  /// Share of tasks that get one or more local tasks.
  double local_task_share = 0.02;
  /// Include messages, internal notes and small attachments (text-heavy; off for benchmarks).
  bool content = true;
};

/// Generates a dataset. Throws InvalidArgumentError for out-of-range options.
Dataset generate(const Options& options = {});

}  // namespace klik::synthetic
