#pragma once
// Private: what the daily sweep would change, counted without reading a row
// (sweep_transitions, workflows_sweep.hpp). Rows are grouped by their stored
// last-notified colour (the partitions' `notified` column: 0 never swept, else the
// colour + 1). Per group: how many rows are grey and done (the status decides), and
// for the rows whose dates decide (not started, started) two counts by day: the day
// each turns red, and the day it turns yellow or red, kept as prefix-summable blocks.
// The colours of a group on a day are then two prefix sums, so the whole transition
// table costs 12 of them.
//
// The counts cover a window of days, [window_first, window_first + window_days):
// 2000-01-01 to 2089-09-17, KLIK's own dates by far. A row whose day lies before
// or after the window is counted apart; a day inside the window is answered
// exactly whatever the rows hold, and a day outside it only when no row of the
// group lies beyond it (otherwise the caller reads the rows).
//
// Kept by WorldIndex at every write that changes a row's status, deadline dates or
// stored colour (add(..., -1) before, add(..., +1) after).

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "klik/date.hpp"
#include "klik/deadline.hpp"
#include "klik/enums.hpp"

namespace klik::detail {

/// The first day a row is red, and yellow or red: the thresholds colour_reached_on
/// names (deadline.hpp). None when the status alone decides the colour (not active,
/// completed).
struct FirstDays {
  std::int32_t red;
  std::int32_t yellow;
};
inline std::optional<FirstDays> first_days(TaskStatus status, const DeadlineDates& d) noexcept {
  const auto red = colour_reached_on(status, d, DeadlineColour::Red);
  const auto yellow = colour_reached_on(status, d, DeadlineColour::Yellow);
  if (!red || !yellow) return std::nullopt;
  return FirstDays{red->serial(), std::min(yellow->serial(), red->serial())};
}

class SweepCounts {
 public:
  static constexpr std::int32_t window_first = Date::serial_of(2000, 1, 1);
  static constexpr std::size_t window_days = std::size_t{1} << 15;
  /// Groups: the `notified` codes 0 (never swept) to 5 (done).
  static constexpr std::size_t groups = 6;

  /// Counts a row in (`sign` +1) or out (-1) of its group.
  void add(std::uint8_t notified, TaskStatus status, const DeadlineDates& dates, int sign);

  /// Rows by colour on `day` (DeadlineColour order), per group; none when `day` lies
  /// outside the window and some row's day lies beyond it on that side.
  using Table = std::array<std::array<std::size_t, 5>, groups>;
  [[nodiscard]] std::optional<Table> colours_on(std::int32_t day) const;

 private:
  /// Days of one kind (red, yellow-or-red) of one group: a count per day, kept in
  /// blocks of 64 days that exist once a day of theirs is counted, under a Fenwick
  /// tree of the blocks' totals. A store of a few tasks holds a few blocks (256
  /// bytes each) rather than a tree over the whole window (128 KB per kind).
  struct Days {
    static constexpr std::size_t block_days = 64;
    static constexpr std::size_t blocks = window_days / block_days;
    std::vector<std::uint32_t> block_tree;  // Fenwick over the blocks; empty until the first day inside the window
    std::vector<std::uint16_t> slot_of;  // block -> 1 + its index in `days`, 0 while it has none
    std::vector<std::array<std::uint32_t, block_days>> days;
    std::uint32_t below = 0;  // days before the window
    std::uint32_t above = 0;  // days after it
    std::uint32_t count = 0;  // all of them
    void add(std::int32_t day, std::uint32_t delta);
    /// How many days are <= `day`; none when rows beyond the window make it unknown.
    [[nodiscard]] std::optional<std::uint32_t> at_most(std::int32_t day) const;
  };
  struct Group {
    Days red, yellow;
    std::uint32_t grey = 0, done = 0;
  };
  std::array<Group, groups> groups_{};
};

}  // namespace klik::detail
