// SweepCounts (detail/sweep_counts.hpp): the sweep's transition counts kept as
// counts by day (blocks under a Fenwick tree), one pair per stored last-notified colour.
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
  const std::size_t block = offset / block_days;
  if (block_tree.empty()) {
    block_tree.assign(blocks, 0);
    slot_of.assign(blocks, 0);
  }
  if (slot_of[block] == 0) {
    days.emplace_back();  // value-initialised: zeros
    slot_of[block] = static_cast<std::uint16_t>(days.size());  // at most `blocks` (512) of them
  }
  days[slot_of[block] - 1u][offset % block_days] += delta;
  for (std::size_t i = block + 1; i <= blocks; i += i & (~i + 1)) block_tree[i - 1] += delta;
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
  if (block_tree.empty()) return sum;
  const std::size_t block = offset / block_days;
  for (std::size_t i = block; i > 0; i -= i & (~i + 1)) sum += block_tree[i - 1];  // the blocks before
  if (const std::uint16_t slot = slot_of[block]; slot != 0) {
    const auto& d = days[slot - 1u];
    for (std::size_t k = 0; k <= offset % block_days; ++k) sum += d[k];
  }
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
