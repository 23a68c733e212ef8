// RowIndex (src/detail/row_index.hpp): the open-addressing table that finds a row
// by key, checked against std::unordered_map through random inserts, moves and
// erases -- with keys that crowd into few home slots, so runs wrap around the end
// of the table and backward-shift deletion is exercised -- and through growth.
#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <vector>

#include "detail/row_index.hpp"

using klik::detail::RowIndex;
using klik::detail::TaskRef;

namespace {

void expect_equal(const RowIndex& index, const std::unordered_map<std::uint32_t, TaskRef>& want,
                  const std::vector<std::uint32_t>& probes, const std::string& where) {
  ASSERT_EQ(index.size(), want.size()) << where;
  std::size_t seen = 0;
  index.for_each([&](const TaskRef& r) {
    const auto it = want.find(r.key);
    ASSERT_NE(it, want.end()) << where << ": key " << r.key << " should not be there";
    EXPECT_EQ(r.partition, it->second.partition) << where;
    EXPECT_EQ(r.row, it->second.row) << where;
    ++seen;
  });
  EXPECT_EQ(seen, want.size()) << where;
  for (std::uint32_t k : probes) {
    const TaskRef* got = index.find(k);
    const auto it = want.find(k);
    ASSERT_EQ(got != nullptr, it != want.end()) << where << ": key " << k;
    if (got) {
      EXPECT_EQ(got->row, it->second.row) << where << ": key " << k;
    }
  }
}

}  // namespace

TEST(RowIndex, AgreesWithAHashMapThroughRandomWrites) {
  for (const std::uint32_t spread : {40u, 1'000u, 0x7fff'ffffu}) {
    std::mt19937 rng(spread);
    auto below = [&rng](std::uint32_t m) { return static_cast<std::uint32_t>(rng() % m); };
    RowIndex index;
    std::unordered_map<std::uint32_t, TaskRef> want;
    std::vector<std::uint32_t> probes;
    for (int step = 0; step < 4000; ++step) {
      // Keys of tasks (1..spread) and of local tasks (bit 31 set).
      std::uint32_t key = 1 + below(spread);
      if (below(4) == 0) key |= 0x8000'0000u;
      probes.push_back(key);
      switch (below(3)) {
        case 0: {
          const TaskRef ref{key, below(100), below(1000)};
          EXPECT_EQ(index.insert(ref), want.emplace(key, ref).second) << "insert " << key;
          break;
        }
        case 1: {
          const std::uint32_t p = below(100), r = below(1000);
          const auto it = want.find(key);
          EXPECT_EQ(index.move(key, p, r), it != want.end()) << "move " << key;
          if (it != want.end()) it->second.partition = p, it->second.row = r;
          break;
        }
        default:
          EXPECT_EQ(index.erase(key), want.erase(key) == 1) << "erase " << key;
      }
      if (step % 97 == 0)
        expect_equal(index, want, probes, "spread " + std::to_string(spread) + " step " + std::to_string(step));
    }
    expect_equal(index, want, probes, "spread " + std::to_string(spread) + " at the end");
  }
}

TEST(RowIndex, GrowsAndStaysCompact) {
  RowIndex index;
  EXPECT_EQ(index.find(1), nullptr);  // empty: nothing, no crash
  EXPECT_FALSE(index.erase(1));
  EXPECT_FALSE(index.insert({0, 0, 0}));  // key 0 is never a row
  const std::uint32_t n = 200'000;
  for (std::uint32_t k = 1; k <= n; ++k) ASSERT_TRUE(index.insert({k, k % 7, k}));
  EXPECT_FALSE(index.insert({n, 0, 0}));  // already there: unchanged
  EXPECT_EQ(index.find(n)->row, n);
  EXPECT_EQ(index.size(), n);
  // At most ~1.8 slots of 12 bytes a row even right after growing by half.
  EXPECT_LE(index.capacity_bytes(), std::size_t{n} * 12 * 18 / 10);
  for (std::uint32_t k = 1; k <= n; k += 2) ASSERT_TRUE(index.erase(k));
  for (std::uint32_t k = 1; k <= n; ++k) ASSERT_EQ(index.find(k) != nullptr, k % 2 == 0) << k;
  RowIndex reserved;
  reserved.reserve(n);
  const std::size_t bytes = reserved.capacity_bytes();
  for (std::uint32_t k = 1; k <= n; ++k) reserved.insert({k, 0, k});
  EXPECT_EQ(reserved.capacity_bytes(), bytes);  // reserve(n) holds n rows without growing
  EXPECT_LE(bytes, std::size_t{n} * 12 * 12 / 10);  // ~15 bytes a row
}
