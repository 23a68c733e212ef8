#pragma once
// The rule-based (slow) path of WorkdayCalendar, for tests that check the
// precomputed table against it. Not part of the public API.

#include <cstdint>

#include "klik/calendar.hpp"

namespace klik::detail {

struct CalendarAccess {
  static bool slow_is_workday(const WorkdayCalendar& cal, Date d);
  /// Working days in [a, b) (negative when b < a), from the rules.
  static std::int64_t slow_workdays_between(const WorkdayCalendar& cal, Date a, Date b);
  /// add_workdays from the rules (n = 0: d or the next working day).
  static Date slow_add_workdays(const WorkdayCalendar& cal, Date d, std::int32_t n);
};

}  // namespace klik::detail
