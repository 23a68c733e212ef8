// SweepCounts (src/detail/sweep_counts.hpp): the sweep's colour counts by stored
// colour, checked against colour_on over the rows themselves through random rows put
// in and taken out -- with deadlines before the window, across many of its 64-day
// blocks (both ends of a block, the window's last day) and after it -- and asked on
// days inside and outside the window.
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

#include "detail/sweep_counts.hpp"

using klik::Date;
using klik::DeadlineColour;
using klik::DeadlineDates;
using klik::TaskStatus;
using klik::detail::SweepCounts;

namespace {

struct Row {
  std::uint8_t notified;
  TaskStatus status;
  DeadlineDates dates;
};

constexpr std::int32_t first = SweepCounts::window_first;
constexpr auto last = static_cast<std::int32_t>(first + SweepCounts::window_days - 1);

/// A day from one of the places that matter: before the window, at its edges, at a
/// block's edges, anywhere inside, after it.
std::int32_t some_day(std::mt19937& rng, bool outside) {
  std::uniform_int_distribution<int> kind(0, outside ? 5 : 3);
  switch (kind(rng)) {
    case 0:
      return first + std::uniform_int_distribution<std::int32_t>(0, 3)(rng);
    case 1:
      return last - std::uniform_int_distribution<std::int32_t>(0, 3)(rng);
    case 2: {  // the first or last day of a 64-day block
      const auto block = std::uniform_int_distribution<std::int32_t>(0, 511)(rng);
      return first + block * 64 + (rng() % 2 ? 0 : 63);
    }
    case 3:
      return std::uniform_int_distribution<std::int32_t>(first, last)(rng);
    case 4:
      return first - std::uniform_int_distribution<std::int32_t>(1, 4000)(rng);
    default:
      return last + std::uniform_int_distribution<std::int32_t>(1, 4000)(rng);
  }
}

Row some_row(std::mt19937& rng, bool outside) {
  Row r{};
  r.notified = static_cast<std::uint8_t>(rng() % SweepCounts::groups);
  r.status = static_cast<TaskStatus>(rng() % 4);
  const std::int32_t end = some_day(rng, outside);
  const auto before = [&](std::int32_t d) { return d - std::uniform_int_distribution<std::int32_t>(0, 20)(rng); };
  const std::int32_t start = before(end);
  r.dates = DeadlineDates{Date::from_serial(before(start)), Date::from_serial(start), Date::from_serial(end)};
  return r;
}

/// Counts by group and colour on `day` from the rows themselves.
SweepCounts::Table reference(const std::vector<Row>& rows, std::int32_t day) {
  SweepCounts::Table t{};
  for (const Row& r : rows)
    ++t[r.notified][static_cast<std::size_t>(klik::colour_on(r.status, r.dates, Date::from_serial(day)))];
  return t;
}

void run(std::uint32_t seed, bool outside) {
  std::mt19937 rng(seed);
  SweepCounts counts;
  std::vector<Row> rows;
  for (int step = 0; step < 3000; ++step) {
    if (!rows.empty() && rng() % 3 == 0) {  // take a row out
      const std::size_t i = rng() % rows.size();
      counts.add(rows[i].notified, rows[i].status, rows[i].dates, -1);
      rows[i] = rows.back();
      rows.pop_back();
    } else {
      rows.push_back(some_row(rng, outside));
      counts.add(rows.back().notified, rows.back().status, rows.back().dates, +1);
    }
    if (step % 50 != 0) continue;
    for (int q = 0; q < 8; ++q) {
      const std::int32_t day = some_day(rng, true);
      const bool beyond_day = std::any_of(rows.begin(), rows.end(), [&](const Row& r) {
        const auto d = klik::detail::first_days(r.status, r.dates);
        if (!d) return false;
        if (day < first) return d->red < first || d->yellow < first;
        if (day > last) return d->red > last || d->yellow > last;
        return false;
      });
      const auto got = counts.colours_on(day);
      if (beyond_day) {
        // Unknown from the counts alone: the caller reads the rows.
        EXPECT_FALSE(got.has_value()) << "seed " << seed << " step " << step << " day " << day;
      } else {
        ASSERT_TRUE(got.has_value()) << "seed " << seed << " step " << step << " day " << day;
        ASSERT_EQ(*got, reference(rows, day)) << "seed " << seed << " step " << step << " day " << day;
      }
    }
  }
}

}  // namespace

TEST(SweepCounts, EqualTheRowsColoursInsideTheWindow) {
  for (std::uint32_t seed = 1; seed <= 12; ++seed) run(seed, false);
}

TEST(SweepCounts, KnowWhenRowsOutsideTheWindowMakeADayUnknown) {
  for (std::uint32_t seed = 100; seed <= 112; ++seed) run(seed, true);
}

TEST(SweepCounts, ARowTakenOutLeavesNothingBehind) {
  SweepCounts counts;
  const DeadlineDates d{Date(2026, 3, 2), Date(2026, 3, 9), Date(2026, 3, 20)};
  counts.add(3, TaskStatus::Started, d, +1);
  counts.add(3, TaskStatus::Started, d, -1);
  const auto got = counts.colours_on(Date(2026, 3, 10).serial());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, SweepCounts::Table{});
}
