// SweepCounts (detail/sweep_counts.hpp): the sweep's transition counts kept as
// Fenwick trees over a window of days, one pair per stored last-notified colour.
#include "detail/sweep_counts.hpp"

namespace klik::detail {

// Counts are unsigned and change by +1 / -1 (as 2^32 - 1): modular arithmetic, so
// a count taken out is exactly undone whatever the order of the writes.

void SweepCounts::Days::add(std::int32_t day, std::uint32_t delta) {
  count += delta;
  if (day < window_first) {
    below += delta;
    return;
  }
  const auto offset = static_cast<std::uint32_t>(day - window_first);  // day >= window_first
  if (offset >= window_days) {
    above += delta;
    return;
  }
  if (tree.empty()) tree.assign(window_days, 0);
  for (std::size_t i = std::size_t{offset} + 1; i <= window_days; i += i & (~i + 1)) tree[i - 1] += delta;
}

std::optional<std::uint32_t> SweepCounts::Days::at_most(std::int32_t day) const {
  if (day < window_first) {
    if (below != 0) return std::nullopt;  // which of them are <= day is not kept
    return 0u;
  }
  const auto offset = static_cast<std::uint32_t>(day - window_first);
  if (offset >= window_days) {
    if (above != 0) return std::nullopt;
    return count;
  }
  std::uint32_t sum = below;
  if (!tree.empty())
    for (std::size_t i = std::size_t{offset} + 1; i > 0; i -= i & (~i + 1)) sum += tree[i - 1];
  return sum;
}

void SweepCounts::add(std::uint8_t notified, TaskStatus status, const DeadlineDates& dates, int sign) {
  Group& g = groups_[notified < groups ? notified : 0];
  const std::uint32_t delta = sign > 0 ? 1u : ~0u;
  if (const auto f = first_days(status, dates)) {
    g.red.add(f->red, delta);
    g.yellow.add(f->yellow, delta);
  } else if (status == TaskStatus::NotActive) {
    g.grey += delta;
  } else {
    g.done += delta;
  }
}

std::optional<SweepCounts::Table> SweepCounts::colours_on(std::int32_t day) const {
  Table out{};
  for (std::size_t k = 0; k < groups; ++k) {
    const Group& g = groups_[k];
    const auto red = g.red.at_most(day);
    const auto yellow_or_red = g.yellow.at_most(day);
    if (!red || !yellow_or_red) return std::nullopt;
    auto& c = out[k];
    c[static_cast<std::size_t>(DeadlineColour::Green)] = g.yellow.count - *yellow_or_red;
    c[static_cast<std::size_t>(DeadlineColour::Yellow)] = *yellow_or_red - *red;
    c[static_cast<std::size_t>(DeadlineColour::Red)] = *red;
    c[static_cast<std::size_t>(DeadlineColour::Grey)] = g.grey;
    c[static_cast<std::size_t>(DeadlineColour::Done)] = g.done;
  }
  return out;
}

}  // namespace klik::detail
