// RowIndex (detail/row_index.hpp): rows by key in one open-addressing table.
#include "detail/row_index.hpp"

#include <algorithm>
#include <utility>

namespace klik::detail {

namespace {
/// Whether `rows` rows fill `slots` slots beyond 85%.
bool too_full(std::size_t rows, std::size_t slots) { return rows * 20 > slots * 17; }
/// The fewest slots that hold `rows` rows at most 85% full, and never fewer than 16.
std::size_t slots_for(std::size_t rows) { return std::max<std::size_t>(16, rows * 20 / 17 + 1); }
}  // namespace

void RowIndex::reserve(std::size_t n) {
  if (slots_for(n) > slots_.size()) rehash(slots_for(n));
}

void RowIndex::rehash(std::size_t slots) {
  std::vector<TaskRef> old = std::exchange(slots_, std::vector<TaskRef>(slots, TaskRef{0, 0, 0}));
  for (const TaskRef& s : old) {
    if (s.key == 0) continue;
    std::size_t i = home(s.key);
    while (slots_[i].key != 0) i = next(i);
    slots_[i] = s;
  }
}

std::size_t RowIndex::slot_of(std::uint32_t key) const noexcept {
  if (slots_.empty() || key == 0) return slots_.size();
  for (std::size_t i = home(key);; i = next(i)) {
    if (slots_[i].key == key) return i;
    if (slots_[i].key == 0) return slots_.size();
  }
}

bool RowIndex::insert(const TaskRef& ref) {
  if (ref.key == 0) return false;
  // Beyond 85% full, grow to hold half as many rows again (reserve() sizes a table
  // for exactly n rows: 1M rows in 1.18M slots).
  if (too_full(size_ + 1, slots_.size())) rehash(slots_for((size_ + 1) * 3 / 2));
  // One walk along the run: the key is there already, or the first empty slot is its place.
  std::size_t i = home(ref.key);
  for (; slots_[i].key != 0; i = next(i))
    if (slots_[i].key == ref.key) return false;
  slots_[i] = ref;
  ++size_;
  return true;
}

const TaskRef* RowIndex::find(std::uint32_t key) const noexcept {
  const std::size_t i = slot_of(key);
  return i == slots_.size() ? nullptr : &slots_[i];
}

bool RowIndex::move(std::uint32_t key, std::uint32_t partition, std::uint32_t row) noexcept {
  const std::size_t i = slot_of(key);
  if (i == slots_.size()) return false;
  slots_[i].partition = partition;
  slots_[i].row = row;
  return true;
}

bool RowIndex::erase(std::uint32_t key) noexcept {
  std::size_t hole = slot_of(key);
  if (hole == slots_.size()) return false;
  // Backward-shift deletion: an entry after the hole in the same run moves into it
  // when its home does not lie cyclically in (hole, j], i.e. when the hole is on
  // its probe path.
  for (std::size_t j = next(hole);; j = next(j)) {
    if (slots_[j].key == 0) break;
    const std::size_t h = home(slots_[j].key);
    const bool home_after_hole = hole < j ? (h > hole && h <= j) : (h > hole || h <= j);
    if (home_after_hole) continue;
    slots_[hole] = slots_[j];
    hole = j;
  }
  slots_[hole] = TaskRef{0, 0, 0};
  --size_;
  return true;
}

}  // namespace klik::detail
