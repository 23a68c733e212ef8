// Properties of working-day arithmetic, on random calendars (profiles, closing
// days, extra closed and open dates) and random dates, including the
// precomputed table against the rule-based path.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <klik/calendar.hpp>

#include "detail/calendar_access.hpp"

namespace {

using klik::CalendarOptions;
using klik::Date;
using klik::WorkdayCalendar;
using Slow = klik::detail::CalendarAccess;

const std::int32_t k1990 = Date(1990, 1, 1).serial();
const std::int32_t k2100 = Date(2100, 12, 31).serial();

Date gen_date(std::int32_t lo, std::int32_t hi) { return Date::from_serial(*rc::gen::inRange(lo, hi + 1)); }

WorkdayCalendar gen_calendar() {
  CalendarOptions o;
  o.profile = *rc::gen::element(klik::CalendarProfile::Municipal, klik::CalendarProfile::Statutory);
  const int toggles = *rc::gen::inRange(0, 27);
  auto pick = [](int v) -> std::optional<bool> { return v == 0 ? std::nullopt : std::optional<bool>(v == 1); };
  o.grundlovsdag = pick(toggles % 3);
  o.juleaftensdag = pick(toggles / 3 % 3);
  o.nytaarsaftensdag = pick(toggles / 9 % 3);
  const int n_closed = *rc::gen::inRange(0, 6), n_open = *rc::gen::inRange(0, 4);
  for (int i = 0; i < n_closed; ++i) o.extra_closed.push_back(gen_date(k1990, k2100));
  for (int i = 0; i < n_open; ++i) o.extra_open.push_back(gen_date(k1990, k2100));
  return WorkdayCalendar::danish(o);
}

RC_GTEST_PROP(WorkdayCalendarProps, BetweenInvertsAdd, ()) {
  const auto cal = gen_calendar();
  const Date d = cal.next_workday_or_same(gen_date(k1990, k2100));
  const auto n = *rc::gen::inRange(-3000, 3001);
  const Date e = cal.add_workdays(d, n);
  RC_ASSERT(cal.workdays_between(d, e) == n);
  RC_ASSERT(cal.is_workday(e));
  RC_ASSERT((n > 0) == (e > d) || n == 0);
}

RC_GTEST_PROP(WorkdayCalendarProps, AddConventionsOnAnyDay, ()) {
  const auto cal = gen_calendar();
  const Date d = gen_date(k1990, k2100);
  // n = 0: d or the next working day.
  const Date z = cal.add_workdays(d, 0);
  RC_ASSERT(cal.is_workday(z));
  RC_ASSERT(z >= d);
  for (Date x = d; x < z; ++x) RC_ASSERT(!cal.is_workday(x));
  // +1: the first working day strictly after d; -1: the last strictly before.
  const Date next = cal.add_workdays(d, 1), prev = cal.add_workdays(d, -1);
  RC_ASSERT(next > d && cal.is_workday(next) && cal.workdays_between(d + 1, next) == 0);
  RC_ASSERT(prev < d && cal.is_workday(prev) && cal.workdays_between(prev + 1, d) == 0);
  RC_ASSERT(cal.next_workday(d) == next);
  RC_ASSERT(cal.previous_workday(d) == prev);
  // Composition from any day: n steps forward = 1 step then n - 1.
  const auto n = *rc::gen::inRange(2, 400);
  RC_ASSERT(cal.add_workdays(d, n) == cal.add_workdays(next, n - 1));
  RC_ASSERT(cal.add_workdays(d, -n) == cal.add_workdays(prev, -(n - 1)));
}

RC_GTEST_PROP(WorkdayCalendarProps, BetweenIsAdditiveAndAntisymmetric, ()) {
  const auto cal = gen_calendar();
  const Date a = gen_date(k1990, k2100), b = gen_date(k1990, k2100), c = gen_date(k1990, k2100);
  RC_ASSERT(cal.workdays_between(a, b) == -cal.workdays_between(b, a));
  RC_ASSERT(cal.workdays_between(a, c) == cal.workdays_between(a, b) + cal.workdays_between(b, c));
}

RC_GTEST_PROP(WorkdayCalendarProps, BetweenCountsDaysOneByOne, ()) {
  const auto cal = gen_calendar();
  const Date a = gen_date(k1990, k2100);
  const Date b = a + *rc::gen::inRange(0, 800);
  std::int64_t n = 0;
  for (Date x = a; x < b; ++x) n += cal.is_workday(x);
  RC_ASSERT(cal.workdays_between(a, b) == n);
}

RC_GTEST_PROP(WorkdayCalendarProps, TableAgreesWithRules, ()) {
  const auto cal = gen_calendar();
  const Date a = gen_date(k1990 - 30000, k2100 + 30000);
  const Date b = gen_date(k1990 - 30000, k2100 + 30000);
  RC_ASSERT(cal.is_workday(a) == Slow::slow_is_workday(cal, a));
  RC_ASSERT(cal.workdays_between(a, b) == Slow::slow_workdays_between(cal, a, b));
  const auto n = *rc::gen::inRange(-20000, 20001);
  RC_ASSERT(cal.add_workdays(a, n) == Slow::slow_add_workdays(cal, a, n));
}

RC_GTEST_PROP(WorkdayCalendarProps, FarDatesStayConsistent, ()) {
  const auto cal = gen_calendar();
  const Date d = cal.next_workday_or_same(gen_date(Date(1500, 1, 1).serial(), Date(9900, 1, 1).serial()));
  const auto n = *rc::gen::inRange(-5000, 5001);
  const Date e = cal.add_workdays(d, n);
  RC_ASSERT(cal.workdays_between(d, e) == n);
}

}  // namespace
