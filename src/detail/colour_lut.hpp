#pragma once
// Branch-free deadline colour: a 32-entry table indexed by the status and the
// three comparisons with the threshold dates (statuses arrive in random order,
// so a chain of branches mispredicts about every other task).

#include <array>
#include <cstdint>

#include "klik/deadline.hpp"

namespace klik::detail {

struct ColourLut {
  std::array<std::uint8_t, 32> c{};
  constexpr ColourLut() {
    for (unsigned s = 0; s < 4; ++s)
      for (unsigned y = 0; y < 2; ++y)
        for (unsigned l = 0; l < 2; ++l)
          for (unsigned e = 0; e < 2; ++e) {
            const auto st = static_cast<TaskStatus>(s);
            unsigned v = 0;
            if (st == TaskStatus::NotActive)
              v = static_cast<unsigned>(DeadlineColour::Grey);
            else if (st == TaskStatus::Completed)
              v = static_cast<unsigned>(DeadlineColour::Done);
            else if (st == TaskStatus::NotStarted)
              v = l ? 2u : y ? 1u : 0u;
            else
              v = e ? 2u : l ? 1u : 0u;
            c[s << 3 | y << 2 | l << 1 | e] = static_cast<std::uint8_t>(v);
          }
  }
};
inline constexpr ColourLut kColourLut{};

/// colour_on without branches.
inline DeadlineColour fast_colour(TaskStatus status, const DeadlineDates& d, std::int32_t today) noexcept {
  const unsigned y = today >= d.yellow_if_not_started.serial();
  const unsigned l = today >= d.latest_start.serial();
  const unsigned e = today >= d.end.serial();
  return static_cast<DeadlineColour>(kColourLut.c[(static_cast<unsigned>(status) & 3u) << 3 | y << 2 | l << 1 | e]);
}

}  // namespace klik::detail
