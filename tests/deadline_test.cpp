// Deadline colours (the manual's Tabel 1, "Deadline"), every boundary on both sides, on the municipal
// calendar around Kristi Himmelfart, Grundlovsdag and pinse 2025:
//   May 2025:  Thu 29 Kristi Himmelfartsdag (closed), Fri 30 working
//   June 2025: Mon 2, Tue 3, Wed 4 working; Thu 5 Grundlovsdag (closed); Fri 6 working;
//              Sat 7, Sun 8 Pinsedag, Mon 9 2. pinsedag (closed); Tue 10 ... Fri 13 working;
//              Sat 14, Sun 15; Mon 16 working.
#include <gtest/gtest.h>

#include <klik/deadline.hpp>
#include <klik/error.hpp>

namespace {

using klik::Date;
using klik::DeadlineColour;
using klik::DeadlineDates;
using klik::Schedule;
using klik::TaskStatus;
using klik::WorkdayCalendar;
using C = DeadlineColour;

Date D(int y, int m, int d) { return Date(y, m, d); }

const WorkdayCalendar cal;

DeadlineColour at(TaskStatus s, const Schedule& sch, Date today) { return klik::colour(s, sch, cal, today); }

TEST(DeadlineDates, GivenLatestStart) {
  const auto d = klik::deadline_dates(Schedule{D(2025, 6, 20), D(2025, 6, 10), std::nullopt}, cal);
  EXPECT_EQ(d.latest_start, D(2025, 6, 10));
  EXPECT_EQ(d.end, D(2025, 6, 20));
  // 5 working days before Tue 10 June: Fri 6, Wed 4, Tue 3, Mon 2, Fri 30 May.
  EXPECT_EQ(d.yellow_if_not_started, D(2025, 5, 30));
}

TEST(DeadlineDates, WeekendAndHolidayDatesMoveToTheNextWorkingDay) {
  const auto d = klik::deadline_dates(Schedule{D(2025, 6, 14), D(2025, 6, 7), std::nullopt}, cal);
  EXPECT_EQ(d.latest_start, D(2025, 6, 10));  // Saturday 7 June -> Tuesday 10 June (pinse)
  EXPECT_EQ(d.end, D(2025, 6, 16));  // Saturday 14 June -> Monday 16 June
  const auto g = klik::deadline_dates(Schedule{D(2025, 6, 5), D(2025, 6, 5), std::nullopt}, cal);
  EXPECT_EQ(g.end, D(2025, 6, 6));  // Grundlovsdag -> Friday
  const auto s = klik::deadline_dates(Schedule{D(2025, 6, 5), D(2025, 6, 5), std::nullopt},
                                      WorkdayCalendar::danish({.profile = klik::CalendarProfile::Statutory}));
  EXPECT_EQ(s.end, D(2025, 6, 5));  // a working day on the statutory calendar
}

TEST(DeadlineDates, Duration) {
  // end Fri 13 June, 3 working days: Thu 12, Wed 11, Tue 10.
  EXPECT_EQ(klik::deadline_dates(Schedule{D(2025, 6, 13), std::nullopt, 3}, cal).latest_start, D(2025, 6, 10));
  // end Sat 14 June, 3 working days back from the Saturday: Fri 13, Thu 12, Wed 11.
  const auto sat = klik::deadline_dates(Schedule{D(2025, 6, 14), std::nullopt, 3}, cal);
  EXPECT_EQ(sat.latest_start, D(2025, 6, 11));
  EXPECT_EQ(sat.end, D(2025, 6, 16));
  // duration 0: latest start = end.
  const auto zero = klik::deadline_dates(Schedule{D(2025, 6, 13), std::nullopt, 0}, cal);
  EXPECT_EQ(zero.latest_start, D(2025, 6, 13));
  EXPECT_EQ(zero.end, D(2025, 6, 13));
  EXPECT_EQ(zero.yellow_if_not_started, D(2025, 6, 4));  // 12, 11, 10, 6, 4 (9 and 5 closed)
  // duration 0 with a Sunday end: both move to Monday.
  const auto sun = klik::deadline_dates(Schedule{D(2025, 6, 15), std::nullopt, 0}, cal);
  EXPECT_EQ(sun.latest_start, D(2025, 6, 16));
  EXPECT_EQ(sun.end, D(2025, 6, 16));
}

TEST(DeadlineDates, InvalidSchedulesAreErrorsNotColours) {
  EXPECT_THROW((void)klik::deadline_dates(Schedule{D(2025, 6, 10), D(2025, 6, 11), std::nullopt}, cal),
               klik::InvalidArgumentError);
  EXPECT_THROW((void)klik::colour(TaskStatus::NotStarted, Schedule{D(2025, 6, 10), D(2025, 6, 11), std::nullopt}, cal,
                                  D(2025, 6, 1)),
               klik::InvalidArgumentError);
  EXPECT_THROW((void)klik::deadline_dates(Schedule{D(2025, 6, 10), std::nullopt, -1}, cal), klik::InvalidArgumentError);
  EXPECT_THROW((void)klik::deadline_dates(Schedule{D(2025, 6, 10), std::nullopt, std::nullopt}, cal),
               klik::InvalidArgumentError);
  // Latest start on the end date is fine.
  EXPECT_NO_THROW((void)klik::deadline_dates(Schedule{D(2025, 6, 10), D(2025, 6, 10), std::nullopt}, cal));

  klik::TaskTemplate tpl;
  tpl.id = klik::TemplateId(7);
  tpl.end = D(2025, 6, 10);
  tpl.latest_start = D(2025, 6, 11);
  try {
    klik::validate_template(tpl);
    FAIL() << "latest start after end must not publish";
  } catch (const klik::InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("2025-06-11 is after the end date 2025-06-10"), std::string::npos) << e.what();
  }
  tpl.latest_start = D(2025, 6, 9);
  EXPECT_NO_THROW(klik::validate_template(tpl));
  tpl.duration_workdays = 3;  // both given
  EXPECT_THROW(klik::validate_template(tpl), klik::InvalidArgumentError);
  tpl.latest_start.reset();
  EXPECT_NO_THROW(klik::validate_template(tpl));
}

TEST(Colour, NotStartedBoundaries) {
  const Schedule s{D(2025, 6, 20), D(2025, 6, 10), std::nullopt};
  EXPECT_EQ(at(TaskStatus::NotStarted, s, D(2025, 5, 28)), C::Green);
  EXPECT_EQ(at(TaskStatus::NotStarted, s, D(2025, 5, 29)), C::Green);  // holiday, the day before yellow
  EXPECT_EQ(at(TaskStatus::NotStarted, s, D(2025, 5, 30)), C::Yellow);  // 5 working days before latest start
  EXPECT_EQ(at(TaskStatus::NotStarted, s, D(2025, 6, 8)), C::Yellow);  // a non-working today
  EXPECT_EQ(at(TaskStatus::NotStarted, s, D(2025, 6, 9)), C::Yellow);  // the day before latest start
  EXPECT_EQ(at(TaskStatus::NotStarted, s, D(2025, 6, 10)), C::Red);  // latest start
  EXPECT_EQ(at(TaskStatus::NotStarted, s, D(2025, 6, 30)), C::Red);
}

TEST(Colour, StartedBoundaries) {
  const Schedule s{D(2025, 6, 14), D(2025, 6, 7), std::nullopt};  // LS -> Tue 10, end -> Mon 16
  EXPECT_EQ(at(TaskStatus::Started, s, D(2025, 6, 6)), C::Green);
  EXPECT_EQ(at(TaskStatus::Started, s, D(2025, 6, 7)), C::Green);  // the given latest start, a Saturday
  EXPECT_EQ(at(TaskStatus::Started, s, D(2025, 6, 9)), C::Green);
  EXPECT_EQ(at(TaskStatus::Started, s, D(2025, 6, 10)), C::Yellow);
  EXPECT_EQ(at(TaskStatus::Started, s, D(2025, 6, 13)), C::Yellow);
  EXPECT_EQ(at(TaskStatus::Started, s, D(2025, 6, 14)), C::Yellow);  // the given end, a Saturday
  EXPECT_EQ(at(TaskStatus::Started, s, D(2025, 6, 15)), C::Yellow);
  EXPECT_EQ(at(TaskStatus::Started, s, D(2025, 6, 16)), C::Red);
}

TEST(Colour, StartedWithEndOnSaturdayBeforePinseTurnsRedOnTuesday) {
  // docs/calendar-rules.md: "Påbegyndt opgave med slutdato lørdag 7. juni 2025 bliver rød tirsdag 10. juni".
  const Schedule s{D(2025, 6, 7), D(2025, 6, 2), std::nullopt};
  EXPECT_EQ(at(TaskStatus::Started, s, D(2025, 6, 9)), C::Yellow);
  EXPECT_EQ(at(TaskStatus::Started, s, D(2025, 6, 10)), C::Red);
}

TEST(Colour, DurationZeroStartedGoesGreenToRed) {
  const Schedule s{D(2025, 6, 13), std::nullopt, 0};
  EXPECT_EQ(at(TaskStatus::Started, s, D(2025, 6, 12)), C::Green);
  EXPECT_EQ(at(TaskStatus::Started, s, D(2025, 6, 13)), C::Red);
  EXPECT_EQ(at(TaskStatus::NotStarted, s, D(2025, 6, 3)), C::Green);
  EXPECT_EQ(at(TaskStatus::NotStarted, s, D(2025, 6, 4)), C::Yellow);
  EXPECT_EQ(at(TaskStatus::NotStarted, s, D(2025, 6, 13)), C::Red);
}

TEST(Colour, NotActiveAndCompletedIgnoreDates) {
  const Schedule s{D(2025, 6, 13), std::nullopt, 0};
  for (Date d : {D(2020, 1, 1), D(2025, 6, 13), D(2030, 1, 1)}) {
    EXPECT_EQ(at(TaskStatus::NotActive, s, d), C::Grey);
    EXPECT_EQ(at(TaskStatus::Completed, s, d), C::Done);
  }
}

TEST(Colour, StartingATaskCanMoveItBackToGreen) {
  const Schedule s{D(2025, 6, 20), D(2025, 6, 10), std::nullopt};
  EXPECT_EQ(at(TaskStatus::NotStarted, s, D(2025, 6, 2)), C::Yellow);
  EXPECT_EQ(at(TaskStatus::Started, s, D(2025, 6, 2)), C::Green);
}

TEST(Colour, ScheduleOfAppliesOverrides) {
  klik::TaskTemplate tpl;
  tpl.end = D(2025, 6, 20);
  tpl.duration_workdays = 5;
  klik::Task task;
  EXPECT_EQ(klik::schedule_of(tpl, task), (Schedule{D(2025, 6, 20), std::nullopt, 5}));
  task.end_override = D(2025, 6, 27);
  EXPECT_EQ(klik::schedule_of(tpl, task), (Schedule{D(2025, 6, 27), std::nullopt, 5}));
  task.latest_start_override = D(2025, 6, 23);
  EXPECT_EQ(klik::schedule_of(tpl, task), (Schedule{D(2025, 6, 27), D(2025, 6, 23), std::nullopt}));
  task.status = TaskStatus::NotStarted;
  EXPECT_EQ(klik::colour(tpl, task, cal, D(2025, 6, 23)), C::Red);
  EXPECT_EQ(klik::colour(tpl, task, cal, D(2025, 6, 20)), C::Yellow);
}

TEST(DeadlineDates, WaveShiftMovesDatesByWorkingDays) {
  const Schedule s{D(2025, 6, 13), D(2025, 6, 4), std::nullopt};
  // +2 working days: Fri 13 -> Mon 16, Tue 17 June; Wed 4 + 1 = Fri 6 (Thu 5 Grundlovsdag),
  // + 2 = Tue 10 (Mon 9 2. pinsedag).
  EXPECT_EQ(klik::shift_schedule(s, 2, cal), (Schedule{D(2025, 6, 17), D(2025, 6, 10), std::nullopt}));
  EXPECT_EQ(klik::shift_schedule(s, -1, cal), (Schedule{D(2025, 6, 12), D(2025, 6, 3), std::nullopt}));
  EXPECT_EQ(klik::shift_schedule(s, 0, cal), s);
  const Schedule d{D(2025, 6, 13), std::nullopt, 4};
  EXPECT_EQ(klik::shift_schedule(d, 1, cal), (Schedule{D(2025, 6, 16), std::nullopt, 4}));
}

TEST(Colour, VectorisedEqualsScalar) {
  const DeadlineDates d{D(2025, 5, 30), D(2025, 6, 10), D(2025, 6, 16)};
  std::vector<TaskStatus> st;
  std::vector<DeadlineDates> dd;
  for (TaskStatus s : klik::all_values<TaskStatus>()) {
    st.push_back(s);
    dd.push_back(d);
  }
  for (Date today = D(2025, 5, 20); today < D(2025, 6, 25); ++today) {
    std::vector<DeadlineColour> out(st.size());
    klik::colours_on(st, dd, today, out);
    for (std::size_t i = 0; i < st.size(); ++i) EXPECT_EQ(out[i], klik::colour_on(st[i], d, today));
  }
  std::vector<DeadlineColour> wrong(1);
  EXPECT_THROW(klik::colours_on(st, dd, D(2025, 6, 1), wrong), klik::InvalidArgumentError);
}

TEST(Timeline, ChangeDates) {
  const DeadlineDates d{D(2025, 5, 30), D(2025, 6, 10), D(2025, 6, 16)};
  EXPECT_EQ(
      klik::colour_timeline(TaskStatus::NotStarted, d),
      (std::vector<klik::ColourChange>{{D(2025, 5, 30), C::Green, C::Yellow}, {D(2025, 6, 10), C::Yellow, C::Red}}));
  EXPECT_EQ(
      klik::colour_timeline(TaskStatus::Started, d),
      (std::vector<klik::ColourChange>{{D(2025, 6, 10), C::Green, C::Yellow}, {D(2025, 6, 16), C::Yellow, C::Red}}));
  const DeadlineDates same{D(2025, 6, 4), D(2025, 6, 13), D(2025, 6, 13)};
  EXPECT_EQ(klik::colour_timeline(TaskStatus::Started, same),
            (std::vector<klik::ColourChange>{{D(2025, 6, 13), C::Green, C::Red}}));
  EXPECT_TRUE(klik::colour_timeline(TaskStatus::Completed, d).empty());
  EXPECT_TRUE(klik::colour_timeline(TaskStatus::NotActive, d).empty());
}

TEST(Explain, CountsAndText) {
  const DeadlineDates d{D(2025, 5, 30), D(2025, 6, 10), D(2025, 6, 20)};
  const auto x = klik::explain_colour(TaskStatus::NotStarted, d, cal, D(2025, 6, 2));
  EXPECT_EQ(x.colour, C::Yellow);
  EXPECT_EQ(x.workdays_to_latest_start, 4);  // 2, 3, 4, 6 June
  EXPECT_EQ(x.workdays_to_end, 12);  // + 10-13, 16-19 June
  ASSERT_TRUE(x.next_change.has_value());
  EXPECT_EQ(*x.next_change, (klik::ColourChange{D(2025, 6, 10), C::Yellow, C::Red}));
  EXPECT_NE(x.text.find("rød fra seneste start tirsdag 10. juni 2025"), std::string::npos) << x.text;
  EXPECT_NE(x.text.find("4 arbejdsdage til seneste start"), std::string::npos) << x.text;
  EXPECT_NE(x.rule.find("not_started"), std::string::npos);
  const auto late = klik::explain_colour(TaskStatus::Started, d, cal, D(2025, 6, 23));
  EXPECT_EQ(late.colour, C::Red);
  EXPECT_EQ(late.workdays_to_end, -1);
  EXPECT_FALSE(late.next_change.has_value());
  EXPECT_EQ(klik::danish_date(D(2025, 6, 7)), "lørdag 7. juni 2025");
}

TEST(Clock, CopenhagenDateAcrossMidnightAndDst) {
  using klik::Timestamp;
  // Winter (CET, UTC+1): local midnight is 23:00 UTC.
  EXPECT_EQ(klik::copenhagen_date(Timestamp::parse("2025-12-31T22:59:59Z")), D(2025, 12, 31));
  EXPECT_EQ(klik::copenhagen_date(Timestamp::parse("2025-12-31T23:00:00Z")), D(2026, 1, 1));
  // Summer (CEST, UTC+2): local midnight is 22:00 UTC.
  EXPECT_EQ(klik::copenhagen_date(Timestamp::parse("2025-06-30T21:59:59Z")), D(2025, 6, 30));
  EXPECT_EQ(klik::copenhagen_date(Timestamp::parse("2025-06-30T22:00:00Z")), D(2025, 7, 1));
  // The switch days: 30 March 2025 and 26 October 2025 (last Sundays).
  EXPECT_EQ(klik::copenhagen_date(Timestamp::parse("2025-03-29T22:59:59Z")), D(2025, 3, 29));
  EXPECT_EQ(klik::copenhagen_date(Timestamp::parse("2025-03-29T23:00:00Z")), D(2025, 3, 30));  // still CET
  EXPECT_EQ(klik::copenhagen_date(Timestamp::parse("2025-03-30T21:59:59Z")), D(2025, 3, 30));
  EXPECT_EQ(klik::copenhagen_date(Timestamp::parse("2025-03-30T22:00:00Z")), D(2025, 3, 31));  // now CEST
  EXPECT_EQ(klik::copenhagen_date(Timestamp::parse("2025-10-25T21:59:59Z")), D(2025, 10, 25));
  EXPECT_EQ(klik::copenhagen_date(Timestamp::parse("2025-10-25T22:00:00Z")), D(2025, 10, 26));  // CEST
  EXPECT_EQ(klik::copenhagen_date(Timestamp::parse("2025-10-26T22:59:59Z")), D(2025, 10, 26));  // CET again
  EXPECT_EQ(klik::copenhagen_date(Timestamp::parse("2025-10-26T23:00:00Z")), D(2025, 10, 27));
  const klik::FixedClock fixed(D(2025, 6, 7));
  EXPECT_EQ(klik::today_in_copenhagen(fixed), D(2025, 6, 7));
  const klik::FixedClock winter(D(2025, 1, 7));
  EXPECT_EQ(klik::today_in_copenhagen(winter), D(2025, 1, 7));
  const klik::SystemClock sys;
  EXPECT_GT(klik::today_in_copenhagen(sys), D(2024, 1, 1));
}

TEST(DeadlineDates, BulkMatchesPerTask) {
  std::vector<klik::TaskTemplate> templates(2);
  templates[0].id = klik::TemplateId(1);
  templates[0].project = klik::ProjectId(1);
  templates[0].end = D(2025, 6, 14);
  templates[0].duration_workdays = 3;
  templates[1].id = klik::TemplateId(2);
  templates[1].project = klik::ProjectId(1);
  templates[1].end = D(2025, 6, 20);
  templates[1].latest_start = D(2025, 6, 7);
  std::vector<klik::Task> tasks;
  for (std::uint32_t i = 0; i < 6; ++i) {
    klik::Task t;
    t.id = klik::TaskId(i + 1);
    t.template_id = klik::TemplateId(i % 2 + 1);
    t.municipality = klik::MunicipalityId(i < 3 ? 101 : 851);
    if (i == 2) t.end_override = D(2025, 6, 27);
    tasks.push_back(t);
  }
  klik::Calendars cals;
  for (const bool layered : {false, true}) {
    if (layered) cals.set_municipality_closed(klik::MunicipalityId(851), {D(2025, 6, 11)});
    const auto dates = klik::deadline_dates(templates, tasks, cals);
    ASSERT_EQ(dates.size(), tasks.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const auto& tpl = templates[tasks[i].template_id.value() - 1];
      EXPECT_EQ(dates[i], klik::deadline_dates(klik::schedule_of(tpl, tasks[i]),
                                               cals.effective(tasks[i].municipality, tpl.project)))
          << i;
    }
  }
  // 851 closes Wed 11 June: 3 working days before Sat 14 June are Fri 13, Thu 12, Tue 10.
  EXPECT_EQ(klik::deadline_dates(templates, tasks, cals)[3].latest_start, D(2025, 6, 10));
  EXPECT_EQ(klik::deadline_dates(templates, tasks, cals)[0].latest_start, D(2025, 6, 11));
}

}  // namespace
