#pragma once
// Private: where each row of a WorldIndex lives, by key (task id, or local task id
// | local_bit). An open-addressing hash table of 12-byte entries with linear
// probing, filled to at most 85%: about 15 bytes a row, against ~50 for the
// Boost.MultiIndex hashed index it replaces (a node of its own per row, two
// pointers and an allocation header each), and a lookup is a probe or two in one
// array instead of a chase through nodes. Boost 1.74 has no flat hash map (it came
// with 1.81), std::unordered_map is node-based too.
//
// Deletion shifts the following entries of the run back (no tombstones), so an
// entry's place changes only on insert (which may grow the table) and erase:
// pointers from find() are good until the next of those.

#include <cstdint>
#include <vector>

namespace klik::detail {

/// Where a row lives.
struct TaskRef {
  std::uint32_t key;
  std::uint32_t partition;
  std::uint32_t row;
};

class RowIndex {
 public:
  /// Room for `n` rows without growing.
  void reserve(std::size_t n);
  /// Adds a row; false (nothing changed) when `ref.key` is there already. Key 0 is
  /// never a row (ids start at 1).
  bool insert(const TaskRef& ref);
  [[nodiscard]] const TaskRef* find(std::uint32_t key) const noexcept;
  /// Starts loading the slot where `key` would be (for a loop that looks up many keys).
  void prefetch(std::uint32_t key) const noexcept {
    if (!slots_.empty()) __builtin_prefetch(&slots_[home(key)]);
  }
  /// Moves an existing row; false when there is no such key.
  bool move(std::uint32_t key, std::uint32_t partition, std::uint32_t row) noexcept;
  /// Removes a row; false when there is no such key.
  bool erase(std::uint32_t key) noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// Bytes of the table (for the memory figures).
  [[nodiscard]] std::size_t capacity_bytes() const noexcept { return slots_.capacity() * sizeof(TaskRef); }
  /// Calls f(ref) for every row, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (const TaskRef& s : slots_)
      if (s.key != 0) f(s);
  }

 private:
  [[nodiscard]] std::size_t home(std::uint32_t key) const noexcept {
    // Fibonacci scrambling, then Lemire's multiply-shift onto any table size. (The
    // key itself modulo the size would keep a partition's neighbouring ids in
    // neighbouring slots, but sequential ids then form one long run, and linear
    // probing walks it: opening 1M tasks took 12 s.)
    const std::uint32_t h = key * 0x9E37'79B1u;
    return static_cast<std::size_t>((std::uint64_t{h} * slots_.size()) >> 32);
  }
  [[nodiscard]] std::size_t next(std::size_t i) const noexcept { return i + 1 == slots_.size() ? 0 : i + 1; }
  [[nodiscard]] std::size_t slot_of(std::uint32_t key) const noexcept;  // slots_.size() when absent
  void rehash(std::size_t slots);

  std::vector<TaskRef> slots_;  // key 0: empty
  std::size_t size_ = 0;
};

}  // namespace klik::detail
