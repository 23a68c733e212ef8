#pragma once
/// @file calendar.hpp
/// @brief Danish working days (the manual's Tabel 1, "Deadline"): holiday rules as data, immutable
/// calendars with O(1) arithmetic, and the layered calendars of KLIK
/// (national, a municipality's closing days, project exceptions).
///
/// Conventions (see docs/calendar-rules.md for worked examples):
/// - A working day (arbejdsdag) is a Monday-Friday that is not closed, or any
///   date a project exception explicitly opens.
/// - `add_workdays(d, n)`: n > 0 gives the n-th working day after d (from a
///   Saturday, +1 is the Monday); n < 0 the |n|-th working day before d; n = 0
///   gives d itself when it is a working day, else the next working day.
/// - `workdays_between(a, b)`: the number of working days w with a <= w < b;
///   when b < a, minus the count for [b, a). So
///   `workdays_between(d, add_workdays(d, n)) == n` for a working day d.
/// - `next_workday(d)` is strictly after d, `previous_workday(d)` strictly before.
///
/// Speed: dates 1900-01-01..2200-12-31 use a precomputed table (built once per
/// distinct calendar, on first use, shared between copies): every operation is a
/// few array reads. Outside that range the same answers are computed exactly
/// from the rules, year by year (slower, still correct for any klik::Date).
///
/// Thread-safety: WorkdayCalendar is an immutable value; copies share their
/// table; every const member may be called concurrently. Calendars (the
/// registry) may be read concurrently; its setters must not race with anything.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "klik/date.hpp"
#include "klik/ids.hpp"

namespace klik {

namespace detail {
struct CalendarAccess;  // tests compare the table with the rule-based path
}

/// Why a day is closed.
enum class HolidayCategory : std::uint8_t {
  Statutory,  ///< a helligdag (Nytårsdag, påske, pinse, jul, Store Bededag up to 2023 ...)
  Grundlovsdag,  ///< 5 June: not a helligdag, closed in the municipal profile
  Juleaftensdag,  ///< 24 December: closed in the municipal profile
  Nytaarsaftensdag,  ///< 31 December: closed in the municipal profile
  Extra,  ///< a closing day added to one calendar (a municipality's or a project's)
};

/// One dated holiday rule. The rules are data: a change of law adds a
/// `last_year` (Store Bededag: 2023) instead of rewriting the past.
struct HolidayRule {
  enum class Kind : std::uint8_t { Fixed, EasterOffset };
  std::string_view danish_name;  ///< "Store Bededag"
  std::string_view english_name;  ///< "General Prayer Day"
  Kind kind = Kind::Fixed;
  int month = 0;  ///< Fixed: month 1-12
  int day = 0;  ///< Fixed: day of month
  int easter_offset = 0;  ///< EasterOffset: days after Easter Sunday (negative: before)
  int first_year = 1400;  ///< first year the rule applies
  int last_year = 9999;  ///< last year the rule applies (inclusive)
  HolidayCategory category = HolidayCategory::Statutory;
};

/// The Danish rules klik knows, in calendar order within a year.
std::span<const HolidayRule> danish_holiday_rules() noexcept;

/// Easter Sunday of `year` (Gregorian computus, the "anonymous" algorithm).
/// Throws InvalidArgumentError outside 1400-9999.
Date easter_sunday(int year);

/// A named closed day of one calendar in one year.
struct Holiday {
  Date date;
  std::string danish_name;  ///< "2. påskedag"; "Lukkedag" for extra closing days
  std::string english_name;  ///< "Easter Monday"; "Closing day" for extra closing days
  HolidayCategory category = HolidayCategory::Statutory;
  friend bool operator==(const Holiday&, const Holiday&) = default;
};

/// Named sets of closing days.
enum class CalendarProfile : std::uint8_t {
  Municipal,  ///< helligdage + Grundlovsdag, Juleaftensdag, Nytårsaftensdag (KLIK's default)
  Statutory,  ///< helligdage only
};

/// How to build a calendar. Plain struct; defaults give KLIK's municipal calendar.
struct CalendarOptions {
  CalendarProfile profile = CalendarProfile::Municipal;
  /// Each closing day on its own; empty = as the profile says.
  std::optional<bool> grundlovsdag{};
  std::optional<bool> juleaftensdag{};
  std::optional<bool> nytaarsaftensdag{};
  /// Extra closed days (a municipality's or a project's closing days).
  std::vector<Date> extra_closed{};
  /// Days a project exception opens (a working day even on a weekend or holiday).
  /// A date in both lists is open.
  std::vector<Date> extra_open{};
};

/// A Danish working-day calendar. Immutable value; cheap to copy (shared table).
class WorkdayCalendar {
 public:
  /// The municipal calendar (CalendarOptions{}).
  WorkdayCalendar();
  /// Builds a calendar; cheap: the table is built on first use, and calendars
  /// without extra dates share one process-wide table per option combination.
  static WorkdayCalendar danish(const CalendarOptions& options = {});

  /// The options this calendar was built with, normalised: the three closing
  /// days resolved to true/false, extra dates sorted and unique.
  [[nodiscard]] const CalendarOptions& options() const noexcept;

  [[nodiscard]] bool is_workday(Date d) const;
  /// Closed although it is a Monday-Friday (a holiday or an extra closing day).
  [[nodiscard]] bool is_holiday(Date d) const;
  /// See the conventions at the top of this file. Throws InvalidArgumentError
  /// when the answer would fall outside 1400-9999.
  [[nodiscard]] Date add_workdays(Date d, std::int32_t n) const;
  /// Working days w with a <= w < b (negative when b < a).
  [[nodiscard]] std::int64_t workdays_between(Date a, Date b) const;
  /// The first working day strictly after d.
  [[nodiscard]] Date next_workday(Date d) const;
  /// The last working day strictly before d.
  [[nodiscard]] Date previous_workday(Date d) const;
  /// d when it is a working day, else the next one (Danish "Following": a
  /// deadline on a closed day moves to the next working day). Same as add_workdays(d, 0).
  [[nodiscard]] Date next_workday_or_same(Date d) const;
  /// The named closed days of `year` on this calendar (weekends included when a
  /// holiday falls on one; days a project exception opens left out), by date.
  [[nodiscard]] std::vector<Holiday> holidays(int year) const;

  /// This calendar with more closed days (they also stop being opened).
  [[nodiscard]] WorkdayCalendar with_closed(std::span<const Date> dates) const;
  /// This calendar with days opened (they also stop being closed).
  [[nodiscard]] WorkdayCalendar with_open(std::span<const Date> dates) const;

  /// Same options (hence the same working days).
  friend bool operator==(const WorkdayCalendar& a, const WorkdayCalendar& b);

  /// First and last date of the fast table.
  static Date table_first() noexcept;
  static Date table_last() noexcept;

  struct Impl;

 private:
  friend struct detail::CalendarAccess;
  explicit WorkdayCalendar(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

/// The calendars of KLIK, layered: the national calendar, then a
/// municipality's own closing days, then a project's exceptions. A task is
/// judged on `effective(its municipality, its project)`. Overlay calendars are
/// built once and reused (thread-safe cache).
class Calendars {
 public:
  /// National calendar: the municipal profile.
  Calendars();
  explicit Calendars(WorkdayCalendar national);

  /// Replaces the municipality's own closing days.
  void set_municipality_closed(MunicipalityId municipality, std::vector<Date> closed);
  /// Replaces the project's exceptions: days closed and days opened (the open
  /// list wins over every lower layer).
  void set_project_exceptions(ProjectId project, std::vector<Date> closed, std::vector<Date> open = {});

  [[nodiscard]] const WorkdayCalendar& national() const noexcept { return national_; }
  /// National + the municipality's closing days.
  [[nodiscard]] WorkdayCalendar for_municipality(MunicipalityId municipality) const;
  /// National + municipality + project exceptions.
  [[nodiscard]] WorkdayCalendar effective(MunicipalityId municipality, ProjectId project) const;

  [[nodiscard]] const std::map<MunicipalityId, std::vector<Date>>& municipality_closed() const noexcept {
    return municipality_closed_;
  }
  struct ProjectExceptions {
    std::vector<Date> closed;
    std::vector<Date> open;
  };
  [[nodiscard]] const std::map<ProjectId, ProjectExceptions>& project_exceptions() const noexcept {
    return project_exceptions_;
  }
  /// True when no municipality or project has its own days: every task uses national().
  [[nodiscard]] bool uniform() const noexcept { return municipality_closed_.empty() && project_exceptions_.empty(); }

 private:
  struct Cache;
  WorkdayCalendar national_;
  std::map<MunicipalityId, std::vector<Date>> municipality_closed_;
  std::map<ProjectId, ProjectExceptions> project_exceptions_;
  std::shared_ptr<Cache> cache_;
};

std::string_view code(HolidayCategory v) noexcept;
std::string_view code(CalendarProfile v) noexcept;

}  // namespace klik
