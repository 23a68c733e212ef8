// Deadline colours over random tasks and calendars: the dates against a naive
// day-by-day reading of the rules, and the timeline against a day-by-day
// evaluation of the colour.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <klik/deadline.hpp>

namespace {

using klik::Date;
using klik::DeadlineColour;
using klik::TaskStatus;
using klik::WorkdayCalendar;

Date gen_date(std::int32_t lo, std::int32_t hi) { return Date::from_serial(*rc::gen::inRange(lo, hi + 1)); }

WorkdayCalendar gen_calendar(Date lo, Date hi) {
  klik::CalendarOptions o;
  o.profile = *rc::gen::element(klik::CalendarProfile::Municipal, klik::CalendarProfile::Statutory);
  if (*rc::gen::arbitrary<bool>()) o.grundlovsdag = *rc::gen::arbitrary<bool>();
  if (*rc::gen::arbitrary<bool>()) o.juleaftensdag = *rc::gen::arbitrary<bool>();
  const int n_closed = *rc::gen::inRange(0, 15), n_open = *rc::gen::inRange(0, 3);
  for (int i = 0; i < n_closed; ++i) o.extra_closed.push_back(gen_date(lo.serial(), hi.serial()));
  for (int i = 0; i < n_open; ++i) o.extra_open.push_back(gen_date(lo.serial(), hi.serial()));
  return WorkdayCalendar::danish(o);
}

// The rules read naively, one day at a time.
Date naive_on_or_after(const WorkdayCalendar& c, Date d) {
  while (!c.is_workday(d)) ++d;
  return d;
}
Date naive_back(const WorkdayCalendar& c, Date d, int n) {
  while (n > 0) {
    --d;
    if (c.is_workday(d)) --n;
  }
  return d;
}

struct Gen {
  WorkdayCalendar cal;
  klik::Schedule schedule;
  TaskStatus status;
};

Gen gen_task() {
  const Date lo(2023, 11, 1), hi(2024, 8, 1);
  const WorkdayCalendar cal = gen_calendar(lo - 60, hi + 10);
  const Date end = gen_date(lo.serial(), hi.serial());
  klik::Schedule s{end, std::nullopt, std::nullopt};
  if (*rc::gen::arbitrary<bool>())
    s.latest_start = end - *rc::gen::inRange(0, 40);
  else
    s.duration_workdays = *rc::gen::inRange(0, 30);
  const auto status =
      *rc::gen::element(TaskStatus::NotActive, TaskStatus::NotStarted, TaskStatus::Started, TaskStatus::Completed);
  return {cal, s, status};
}

RC_GTEST_PROP(DeadlineProps, DatesFollowTheRulesDayByDay, ()) {
  const auto [cal, s, status] = gen_task();
  const auto d = klik::deadline_dates(s, cal);
  const Date raw_ls = s.latest_start ? *s.latest_start : naive_back(cal, s.end, *s.duration_workdays);
  RC_ASSERT(d.latest_start == naive_on_or_after(cal, raw_ls));
  RC_ASSERT(d.end == naive_on_or_after(cal, s.end));
  RC_ASSERT(d.yellow_if_not_started == naive_back(cal, d.latest_start, 5));
  RC_ASSERT(d.yellow_if_not_started < d.latest_start);
  RC_ASSERT(d.latest_start <= d.end);
}

RC_GTEST_PROP(DeadlineProps, TimelineMatchesDayByDayEvaluation, ()) {
  const auto [cal, s, status] = gen_task();
  const auto d = klik::deadline_dates(s, cal);
  const auto timeline = klik::colour_timeline(status, d);
  const Date from = d.yellow_if_not_started - 20, to = d.end + 20;
  std::vector<klik::ColourChange> seen;
  DeadlineColour prev = klik::colour_on(status, d, from);
  RC_ASSERT(prev == (status == TaskStatus::NotActive   ? DeadlineColour::Grey
                     : status == TaskStatus::Completed ? DeadlineColour::Done
                                                       : DeadlineColour::Green));
  for (Date x = from + 1; x <= to; ++x) {
    const DeadlineColour c = klik::colour_on(status, d, x);
    if (c != prev) {
      seen.push_back({x, prev, c});
      RC_ASSERT(cal.is_workday(x));  // colours change on working days only
      RC_ASSERT(static_cast<int>(c) > static_cast<int>(prev));  // and only get worse with time
    }
    prev = c;
  }
  RC_ASSERT(seen == timeline);
}

RC_GTEST_PROP(DeadlineProps, ExplanationAgreesWithColour, ()) {
  const auto [cal, s, status] = gen_task();
  const auto d = klik::deadline_dates(s, cal);
  const Date today = d.yellow_if_not_started + *rc::gen::inRange(-10, 60);
  const auto x = klik::explain_colour(status, d, cal, today);
  RC_ASSERT(x.colour == klik::colour_on(status, d, today));
  RC_ASSERT(x.workdays_to_latest_start == cal.workdays_between(today, d.latest_start));
  if (x.next_change) {
    RC_ASSERT(x.next_change->date > today);
    RC_ASSERT(x.next_change->from == x.colour);
    RC_ASSERT(klik::colour_on(status, d, x.next_change->date) == x.next_change->to);
    RC_ASSERT(klik::colour_on(status, d, x.next_change->date - 1) == x.colour);
  }
}

}  // namespace
