// Danish working-day calendar (the manual's Tabel 1, "Deadline"): QuantLib-style holiday tables
// written out by hand, plus every holiday 1990-2100 against rules written
// independently here (Knuth's Easter, TAOCP 1.3.2 ex. 14).
#include <gtest/gtest.h>

#include <klik/calendar.hpp>
#include <klik/error.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

using klik::CalendarOptions;
using klik::CalendarProfile;
using klik::Date;
using klik::Holiday;
using klik::WorkdayCalendar;

Date D(int y, int m, int d) { return Date(y, m, d); }

using Expected = std::vector<std::pair<Date, std::string>>;

void expect_holidays(const WorkdayCalendar& cal, int year, const Expected& expected) {
  const std::vector<Holiday> got = cal.holidays(year);
  std::set<std::pair<Date, std::string>> calc, exp(expected.begin(), expected.end());
  for (const Holiday& h : got) calc.insert({h.date, h.danish_name});
  for (const auto& e : exp)
    EXPECT_TRUE(calc.count(e)) << year << ": expected but not calculated: " << e.first.iso() << " " << e.second;
  for (const auto& c : calc)
    EXPECT_TRUE(exp.count(c)) << year << ": calculated but not expected: " << c.first.iso() << " " << c.second;
  EXPECT_EQ(got.size(), expected.size());
  for (std::size_t i = 1; i < got.size(); ++i) EXPECT_LE(got[i - 1].date, got[i].date) << "holidays are in date order";
}

TEST(Easter, KnownDates) {
  EXPECT_EQ(klik::easter_sunday(2008), D(2008, 3, 23));  // early
  EXPECT_EQ(klik::easter_sunday(2011), D(2011, 4, 24));  // late
  EXPECT_EQ(klik::easter_sunday(2038), D(2038, 4, 25));  // latest possible
  EXPECT_EQ(klik::easter_sunday(1943), D(1943, 4, 25));
  EXPECT_EQ(klik::easter_sunday(1818), D(1818, 3, 22));  // earliest possible
  EXPECT_EQ(klik::easter_sunday(2285), D(2285, 3, 22));
  EXPECT_EQ(klik::easter_sunday(2000), D(2000, 4, 23));
  EXPECT_EQ(klik::easter_sunday(2019), D(2019, 4, 21));
  EXPECT_EQ(klik::easter_sunday(2023), D(2023, 4, 9));
  EXPECT_EQ(klik::easter_sunday(2024), D(2024, 3, 31));
  EXPECT_EQ(klik::easter_sunday(2025), D(2025, 4, 20));
  EXPECT_THROW((void)klik::easter_sunday(1399), klik::InvalidArgumentError);
}

TEST(DanishCalendar, Holidays2008EarlyEaster) {
  expect_holidays(WorkdayCalendar::danish(), 2008,
                  {{D(2008, 1, 1), "Nytårsdag"},
                   {D(2008, 3, 20), "Skærtorsdag"},
                   {D(2008, 3, 21), "Langfredag"},
                   {D(2008, 3, 23), "Påskedag"},
                   {D(2008, 3, 24), "2. påskedag"},
                   {D(2008, 4, 18), "Store Bededag"},
                   {D(2008, 5, 1), "Kristi Himmelfartsdag"},
                   {D(2008, 5, 11), "Pinsedag"},
                   {D(2008, 5, 12), "2. pinsedag"},
                   {D(2008, 6, 5), "Grundlovsdag"},
                   {D(2008, 12, 24), "Juleaftensdag"},
                   {D(2008, 12, 25), "Juledag"},
                   {D(2008, 12, 26), "2. juledag"},
                   {D(2008, 12, 31), "Nytårsaftensdag"}});
}

TEST(DanishCalendar, Holidays2011LateEaster) {
  expect_holidays(WorkdayCalendar::danish(), 2011,
                  {{D(2011, 1, 1), "Nytårsdag"},
                   {D(2011, 4, 21), "Skærtorsdag"},
                   {D(2011, 4, 22), "Langfredag"},
                   {D(2011, 4, 24), "Påskedag"},
                   {D(2011, 4, 25), "2. påskedag"},
                   {D(2011, 5, 20), "Store Bededag"},
                   {D(2011, 6, 2), "Kristi Himmelfartsdag"},
                   {D(2011, 6, 5), "Grundlovsdag"},
                   {D(2011, 6, 12), "Pinsedag"},
                   {D(2011, 6, 13), "2. pinsedag"},
                   {D(2011, 12, 24), "Juleaftensdag"},
                   {D(2011, 12, 25), "Juledag"},
                   {D(2011, 12, 26), "2. juledag"},
                   {D(2011, 12, 31), "Nytårsaftensdag"}});
}

TEST(DanishCalendar, Holidays2023LastStoreBededag) {
  expect_holidays(WorkdayCalendar::danish(), 2023,
                  {{D(2023, 1, 1), "Nytårsdag"},
                   {D(2023, 4, 6), "Skærtorsdag"},
                   {D(2023, 4, 7), "Langfredag"},
                   {D(2023, 4, 9), "Påskedag"},
                   {D(2023, 4, 10), "2. påskedag"},
                   {D(2023, 5, 5), "Store Bededag"},
                   {D(2023, 5, 18), "Kristi Himmelfartsdag"},
                   {D(2023, 5, 28), "Pinsedag"},
                   {D(2023, 5, 29), "2. pinsedag"},
                   {D(2023, 6, 5), "Grundlovsdag"},
                   {D(2023, 12, 24), "Juleaftensdag"},
                   {D(2023, 12, 25), "Juledag"},
                   {D(2023, 12, 26), "2. juledag"},
                   {D(2023, 12, 31), "Nytårsaftensdag"}});
  const auto cal = WorkdayCalendar::danish();
  EXPECT_FALSE(cal.is_workday(D(2023, 5, 5)));
  EXPECT_TRUE(cal.is_holiday(D(2023, 5, 5)));
}

TEST(DanishCalendar, Holidays2024StoreBededagAbolished) {
  expect_holidays(WorkdayCalendar::danish(), 2024,
                  {{D(2024, 1, 1), "Nytårsdag"},
                   {D(2024, 3, 28), "Skærtorsdag"},
                   {D(2024, 3, 29), "Langfredag"},
                   {D(2024, 3, 31), "Påskedag"},
                   {D(2024, 4, 1), "2. påskedag"},
                   {D(2024, 5, 9), "Kristi Himmelfartsdag"},
                   {D(2024, 5, 19), "Pinsedag"},
                   {D(2024, 5, 20), "2. pinsedag"},
                   {D(2024, 6, 5), "Grundlovsdag"},
                   {D(2024, 12, 24), "Juleaftensdag"},
                   {D(2024, 12, 25), "Juledag"},
                   {D(2024, 12, 26), "2. juledag"},
                   {D(2024, 12, 31), "Nytårsaftensdag"}});
  const auto cal = WorkdayCalendar::danish();
  EXPECT_TRUE(cal.is_workday(D(2024, 4, 26))) << "the Friday that would have been Store Bededag";
  EXPECT_TRUE(cal.is_workday(D(2025, 5, 16)));
}

TEST(DanishCalendar, Holidays2038LatestEaster) {
  expect_holidays(WorkdayCalendar::danish(), 2038,
                  {{D(2038, 1, 1), "Nytårsdag"},
                   {D(2038, 4, 22), "Skærtorsdag"},
                   {D(2038, 4, 23), "Langfredag"},
                   {D(2038, 4, 25), "Påskedag"},
                   {D(2038, 4, 26), "2. påskedag"},
                   {D(2038, 6, 3), "Kristi Himmelfartsdag"},
                   {D(2038, 6, 5), "Grundlovsdag"},
                   {D(2038, 6, 13), "Pinsedag"},
                   {D(2038, 6, 14), "2. pinsedag"},
                   {D(2038, 12, 24), "Juleaftensdag"},
                   {D(2038, 12, 25), "Juledag"},
                   {D(2038, 12, 26), "2. juledag"},
                   {D(2038, 12, 31), "Nytårsaftensdag"}});
}

TEST(DanishCalendar, StatutoryProfileHasOnlyHelligdage) {
  const auto cal = WorkdayCalendar::danish({.profile = CalendarProfile::Statutory});
  expect_holidays(cal, 2024,
                  {{D(2024, 1, 1), "Nytårsdag"},
                   {D(2024, 3, 28), "Skærtorsdag"},
                   {D(2024, 3, 29), "Langfredag"},
                   {D(2024, 3, 31), "Påskedag"},
                   {D(2024, 4, 1), "2. påskedag"},
                   {D(2024, 5, 9), "Kristi Himmelfartsdag"},
                   {D(2024, 5, 19), "Pinsedag"},
                   {D(2024, 5, 20), "2. pinsedag"},
                   {D(2024, 12, 25), "Juledag"},
                   {D(2024, 12, 26), "2. juledag"}});
  EXPECT_TRUE(cal.is_workday(D(2024, 6, 5)));  // Grundlovsdag, a Wednesday
  EXPECT_TRUE(cal.is_workday(D(2024, 12, 24)));  // Tuesday
  EXPECT_TRUE(cal.is_workday(D(2024, 12, 31)));  // Tuesday
}

TEST(DanishCalendar, ClosingDaysSwitchOneByOne) {
  // 2024: Grundlovsdag Wednesday, Juleaftensdag Tuesday, Nytårsaftensdag Tuesday.
  const Date g = D(2024, 6, 5), j = D(2024, 12, 24), n = D(2024, 12, 31);
  struct Case {
    CalendarOptions o;
    bool g, j, n;  // working?
  };
  const std::vector<Case> cases = {
      {{}, false, false, false},
      {{.grundlovsdag = false}, true, false, false},
      {{.juleaftensdag = false}, false, true, false},
      {{.nytaarsaftensdag = false}, false, false, true},
      {{.profile = CalendarProfile::Statutory}, true, true, true},
      {{.profile = CalendarProfile::Statutory, .grundlovsdag = true}, false, true, true},
      {{.profile = CalendarProfile::Statutory, .juleaftensdag = true}, true, false, true},
      {{.profile = CalendarProfile::Statutory, .nytaarsaftensdag = true}, true, true, false},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto cal = WorkdayCalendar::danish(cases[i].o);
    EXPECT_EQ(cal.is_workday(g), cases[i].g) << "case " << i;
    EXPECT_EQ(cal.is_workday(j), cases[i].j) << "case " << i;
    EXPECT_EQ(cal.is_workday(n), cases[i].n) << "case " << i;
    EXPECT_FALSE(cal.is_workday(D(2024, 12, 25))) << "Juledag is always closed";
  }
  EXPECT_EQ(WorkdayCalendar::danish({.grundlovsdag = false}),
            WorkdayCalendar::danish(
                {.profile = CalendarProfile::Statutory, .juleaftensdag = true, .nytaarsaftensdag = true}));
  EXPECT_FALSE(WorkdayCalendar::danish() == WorkdayCalendar::danish({.profile = CalendarProfile::Statutory}));
}

TEST(DanishCalendar, FridayAfterAscensionIsAWorkingDay) {
  EXPECT_TRUE(WorkdayCalendar().is_workday(D(2025, 5, 30)));
  EXPECT_FALSE(WorkdayCalendar().is_workday(D(2025, 5, 29)));
}

TEST(DanishCalendar, GrundlovsdagOnlyFrom1849) {
  const auto cal = WorkdayCalendar::danish();
  EXPECT_TRUE(cal.is_workday(D(1848, 6, 5)));  // a Monday, before the constitution
  EXPECT_FALSE(cal.is_workday(D(1850, 6, 5)));  // a Wednesday
}

// ---- conventions --------------------------------------------------------

TEST(WorkdayArithmetic, AddFromWeekendAndHoliday) {
  const WorkdayCalendar cal;
  EXPECT_EQ(cal.add_workdays(D(2025, 6, 14), 1), D(2025, 6, 16));  // Saturday +1 = Monday
  EXPECT_EQ(cal.add_workdays(D(2025, 6, 15), 1), D(2025, 6, 16));  // Sunday +1 = Monday
  EXPECT_EQ(cal.add_workdays(D(2025, 6, 13), 1), D(2025, 6, 16));  // Friday +1 = Monday
  EXPECT_EQ(cal.add_workdays(D(2025, 6, 7), 1), D(2025, 6, 10));  // Saturday before 2. pinsedag: Tuesday
  EXPECT_EQ(cal.add_workdays(D(2025, 6, 14), -1), D(2025, 6, 13));  // Saturday -1 = Friday
  EXPECT_EQ(cal.add_workdays(D(2025, 6, 16), -1), D(2025, 6, 13));  // Monday -1 = Friday
  EXPECT_EQ(cal.add_workdays(D(2025, 6, 14), 0), D(2025, 6, 16));  // 0 on a closed day: next working day
  EXPECT_EQ(cal.add_workdays(D(2025, 6, 16), 0), D(2025, 6, 16));  // 0 on a working day: itself
  EXPECT_EQ(cal.add_workdays(D(2025, 4, 16), 1), D(2025, 4, 22));  // over Easter
  EXPECT_EQ(cal.add_workdays(D(2025, 4, 22), -1), D(2025, 4, 16));
  EXPECT_EQ(cal.add_workdays(D(2025, 4, 16), 5), D(2025, 4, 28));
  EXPECT_EQ(cal.add_workdays(D(2025, 12, 23), 1), D(2025, 12, 29));  // over Christmas
  EXPECT_EQ(cal.add_workdays(D(2025, 12, 30), 1), D(2026, 1, 2));  // over Nytår
  EXPECT_EQ(cal.next_workday(D(2025, 12, 23)), D(2025, 12, 29));
  EXPECT_EQ(cal.previous_workday(D(2025, 12, 29)), D(2025, 12, 23));
  EXPECT_EQ(cal.next_workday_or_same(D(2025, 12, 24)), D(2025, 12, 29));
  EXPECT_EQ(cal.next_workday_or_same(D(2025, 12, 23)), D(2025, 12, 23));
}

TEST(WorkdayArithmetic, BetweenIsHalfOpenAndAntisymmetric) {
  const WorkdayCalendar cal;
  EXPECT_EQ(cal.workdays_between(D(2025, 4, 14), D(2025, 4, 22)), 3);  // Mon, Tue, Wed before Easter
  EXPECT_EQ(cal.workdays_between(D(2025, 4, 22), D(2025, 4, 14)), -3);
  EXPECT_EQ(cal.workdays_between(D(2025, 4, 14), D(2025, 4, 14)), 0);
  EXPECT_EQ(cal.workdays_between(D(2025, 4, 14), D(2025, 4, 15)), 1);
  EXPECT_EQ(cal.workdays_between(D(2025, 6, 14), D(2025, 6, 16)), 0);  // a weekend
  EXPECT_EQ(cal.workdays_between(D(2025, 12, 22), D(2026, 1, 5)), 5);  // 22, 23, 29, 30 Dec, 2 Jan
  EXPECT_EQ(cal.workdays_between(D(2024, 1, 1), D(2025, 1, 1)), 366 - 104 - 11);  // 2024: 251 working days
  EXPECT_EQ(
      WorkdayCalendar::danish({.profile = CalendarProfile::Statutory}).workdays_between(D(2024, 1, 1), D(2025, 1, 1)),
      366 - 104 - 8);
}

TEST(WorkdayArithmetic, ExtraClosedAndOpenDays) {
  const WorkdayCalendar base;
  const std::vector<Date> closed{D(2025, 6, 13)};  // a local closing Friday
  const auto local = base.with_closed(closed);
  EXPECT_FALSE(local.is_workday(D(2025, 6, 13)));
  EXPECT_TRUE(local.is_holiday(D(2025, 6, 13)));
  EXPECT_EQ(local.add_workdays(D(2025, 6, 12), 1), D(2025, 6, 16));
  EXPECT_EQ(local.workdays_between(D(2025, 6, 9), D(2025, 6, 16)), 3);  // Tue-Thu (Mon is 2. pinsedag)
  const auto hs = local.holidays(2025);
  const bool found = std::any_of(hs.begin(), hs.end(), [](const Holiday& h) {
    return h.date == D(2025, 6, 13) && h.danish_name == "Lukkedag" && h.category == klik::HolidayCategory::Extra;
  });
  EXPECT_TRUE(found);

  const std::vector<Date> open{D(2025, 6, 14), D(2025, 6, 13)};  // a go-live Saturday; reopen the Friday
  const auto project = local.with_open(open);
  EXPECT_TRUE(project.is_workday(D(2025, 6, 14)));
  EXPECT_TRUE(project.is_workday(D(2025, 6, 13)));
  EXPECT_EQ(project.add_workdays(D(2025, 6, 13), 1), D(2025, 6, 14));
  EXPECT_EQ(project.workdays_between(D(2025, 6, 13), D(2025, 6, 16)), 2);
  // Opening a holiday.
  const std::vector<Date> juledag{D(2025, 12, 25)};
  EXPECT_TRUE(base.with_open(juledag).is_workday(D(2025, 12, 25)));
  EXPECT_EQ(base.with_open(juledag).holidays(2025).size(), base.holidays(2025).size() - 1);
  // Closing it again wins (last layer).
  EXPECT_FALSE(base.with_open(juledag).with_closed(juledag).is_workday(D(2025, 12, 25)));
}

TEST(WorkdayArithmetic, OutsideTheTableStillExact) {
  const WorkdayCalendar cal;
  // 2300: Easter 2300 is 10 April (Knuth); 2. påskedag 11 April is a Tuesday? check by rules:
  const Date easter2300 = klik::easter_sunday(2300);
  EXPECT_FALSE(cal.is_workday(easter2300 + 1));
  EXPECT_EQ(cal.add_workdays(D(2300, 12, 23), 1), cal.next_workday(D(2300, 12, 23)));
  EXPECT_TRUE(cal.is_workday(D(1850, 1, 2)));  // a Wednesday
  EXPECT_FALSE(cal.is_workday(D(1850, 1, 1)));
  // Across the table's edges.
  EXPECT_EQ(cal.add_workdays(D(2200, 12, 30), 2),
            D(2201, 1, 5));  // Tue 30, Wed 31 closed, Thu 1 Jan closed, Fri 2, Mon 5
  EXPECT_EQ(cal.add_workdays(D(2201, 1, 5), -2), D(2200, 12, 30));
  EXPECT_EQ(cal.workdays_between(D(2200, 12, 30), D(2201, 1, 5)), 2);
  EXPECT_EQ(cal.add_workdays(D(1900, 1, 2), -1), D(1899, 12, 29));  // Fri; 1 Jan 1900 Monday closed
  EXPECT_EQ(cal.workdays_between(D(1899, 12, 29), D(1900, 1, 2)), 1);
  // Far out: one year of working days, at year 5000.
  const std::int64_t n5000 = cal.workdays_between(D(5000, 1, 1), D(5001, 1, 1));
  EXPECT_GT(n5000, 240);
  EXPECT_LT(n5000, 255);
  EXPECT_EQ(cal.add_workdays(cal.next_workday_or_same(D(5000, 1, 1)), static_cast<std::int32_t>(n5000)),
            cal.next_workday_or_same(D(5001, 1, 1)));
  EXPECT_THROW((void)cal.add_workdays(D(9999, 12, 30), 5), klik::InvalidArgumentError);
  EXPECT_THROW((void)cal.add_workdays(D(1400, 1, 3), -5), klik::InvalidArgumentError);
}

// ---- every holiday 1990-2100 against independent rules ----------------------

Date knuth_easter(int y) {
  const int g = y % 19 + 1, c = y / 100 + 1, x = 3 * c / 4 - 12, z = (8 * c + 5) / 25 - 5;
  const int d = 5 * y / 4 - x - 10;
  int e = (11 * g + 20 + z - x) % 30;
  if ((e == 25 && g > 11) || e == 24) ++e;
  int n = 44 - e;
  if (n < 21) n += 30;
  n = n + 7 - (d + n) % 7;
  return n > 31 ? D(y, 4, n - 31) : D(y, 3, n);
}

std::set<std::pair<Date, std::string>> independent_holidays(int y, bool closing_days) {
  const Date e = knuth_easter(y);
  std::set<std::pair<Date, std::string>> s = {{D(y, 1, 1), "Nytårsdag"}, {e - 3, "Skærtorsdag"},
                                              {e - 2, "Langfredag"},     {e, "Påskedag"},
                                              {e + 1, "2. påskedag"},    {e + 39, "Kristi Himmelfartsdag"},
                                              {e + 49, "Pinsedag"},      {e + 50, "2. pinsedag"},
                                              {D(y, 12, 25), "Juledag"}, {D(y, 12, 26), "2. juledag"}};
  if (y <= 2023) s.insert({e + 26, "Store Bededag"});
  if (closing_days) {
    s.insert({D(y, 6, 5), "Grundlovsdag"});
    s.insert({D(y, 12, 24), "Juleaftensdag"});
    s.insert({D(y, 12, 31), "Nytårsaftensdag"});
  }
  return s;
}

TEST(DanishCalendar, EveryHoliday1990To2100MatchesIndependentRules) {
  for (const bool municipal : {true, false}) {
    const auto cal =
        WorkdayCalendar::danish({.profile = municipal ? CalendarProfile::Municipal : CalendarProfile::Statutory});
    for (int y = 1990; y <= 2100; ++y) {
      const auto exp = independent_holidays(y, municipal);
      std::set<std::pair<Date, std::string>> calc;
      for (const Holiday& h : cal.holidays(y)) calc.insert({h.date, h.danish_name});
      for (const auto& x : exp)
        EXPECT_TRUE(calc.count(x)) << "expected but not calculated: " << x.first.iso() << " " << x.second;
      for (const auto& x : calc)
        EXPECT_TRUE(exp.count(x)) << "calculated but not expected: " << x.first.iso() << " " << x.second;
      std::set<Date> closed;
      for (const auto& x : exp) closed.insert(x.first);
      for (Date d = D(y, 1, 1); d < D(y + 1, 1, 1); ++d) {
        const bool expected = !d.is_weekend() && !closed.count(d);
        ASSERT_EQ(cal.is_workday(d), expected) << d.iso();
      }
    }
  }
}

// ---- layered calendars ------------------------------------------------------

TEST(Calendars, MunicipalityAndProjectLayers) {
  klik::Calendars cals;
  const klik::MunicipalityId kbh(101), aal(851);
  const klik::ProjectId p1(1), p2(2);
  cals.set_municipality_closed(kbh, {D(2025, 6, 13)});
  cals.set_project_exceptions(p1, {D(2025, 6, 12)}, {D(2025, 6, 13), D(2025, 6, 14)});
  EXPECT_FALSE(cals.uniform());
  EXPECT_TRUE(cals.national().is_workday(D(2025, 6, 13)));
  EXPECT_FALSE(cals.for_municipality(kbh).is_workday(D(2025, 6, 13)));
  EXPECT_TRUE(cals.for_municipality(aal).is_workday(D(2025, 6, 13)));
  EXPECT_EQ(cals.for_municipality(aal), cals.national());
  EXPECT_FALSE(cals.effective(kbh, p2).is_workday(D(2025, 6, 13)));
  const auto e = cals.effective(kbh, p1);
  EXPECT_TRUE(e.is_workday(D(2025, 6, 13))) << "the project opens the municipality's closing day";
  EXPECT_TRUE(e.is_workday(D(2025, 6, 14)));
  EXPECT_FALSE(e.is_workday(D(2025, 6, 12)));
  EXPECT_FALSE(cals.effective(aal, p1).is_workday(D(2025, 6, 12)));
  EXPECT_EQ(cals.effective(kbh, p1), e) << "cached and equal";
  cals.set_municipality_closed(kbh, {});
  EXPECT_TRUE(cals.for_municipality(kbh).is_workday(D(2025, 6, 13)));
}

TEST(Calendars, RulesAreData) {
  const auto rules = klik::danish_holiday_rules();
  ASSERT_EQ(rules.size(), 14u);
  const auto sb =
      std::find_if(rules.begin(), rules.end(), [](const auto& r) { return r.danish_name == "Store Bededag"; });
  ASSERT_NE(sb, rules.end());
  EXPECT_EQ(sb->easter_offset, 26);
  EXPECT_EQ(sb->last_year, 2023);
}

}  // namespace
