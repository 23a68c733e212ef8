#pragma once
/// @file deadline.hpp
/// @brief Deadline colours (the manual's Tabel 1, "Deadline"): when a task turns yellow and red,
/// the dates it will change colour, the reasons behind a colour, and "today"
/// in Copenhagen from an injected clock.
///
/// The rules, with Danish deadline practice (a deadline on a closed day moves
/// to the next working day), on the calendar of the task's municipality:
/// - effective latest start LS = next_workday_or_same(latest start), where the
///   latest start is given, or end minus the duration in working days
///   (`add_workdays(end, -duration)`; duration 0: the end date itself);
/// - effective end E = next_workday_or_same(end);
/// - not started: yellow from Y = add_workdays(LS, -5), red from LS;
/// - started: yellow from LS, red from E (LS == E: green straight to red);
/// - not active: grey; completed: done; otherwise green.
/// The colour on any date d (working day or not) compares d with those three
/// dates, so colours only ever change on working days. A latest start after
/// the end, a negative duration, or neither latest start nor duration is
/// invalid input (InvalidArgumentError), never a silent colour.
/// See docs/calendar-rules.md for worked examples in Danish terms.
///
/// Thread-safety: every function is pure; clocks are immutable.

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "klik/calendar.hpp"
#include "klik/date.hpp"
#include "klik/enums.hpp"
#include "klik/model.hpp"

namespace klik {

// ---- clocks -------------------------------------------------------------

/// Where "now" comes from. Nothing in klik reads the system clock directly.
class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual Timestamp now() const = 0;
};

/// The machine's clock (UTC seconds).
class SystemClock final : public Clock {
 public:
  [[nodiscard]] Timestamp now() const override;
};

/// A clock stopped at one instant (tests, replays).
class FixedClock final : public Clock {
 public:
  explicit FixedClock(Timestamp t) noexcept : t_(t.unix_seconds()) {}
  /// Noon Copenhagen time on `d` (so "today" is `d` whatever the season).
  explicit FixedClock(Date d) noexcept : t_(static_cast<std::int64_t>(d.serial()) * 86400 + 11 * 3600) {}
  [[nodiscard]] Timestamp now() const override { return Timestamp(t_.load(std::memory_order_relaxed)); }
  /// Moves the clock (tests and replays stepping through time); safe while other
  /// threads read it.
  void set(Timestamp t) noexcept { t_.store(t.unix_seconds(), std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> t_;
};

/// The local date in Europe/Copenhagen at instant `t`: CET (UTC+1), CEST
/// (UTC+2) from the last Sunday of March 01:00 UTC to the last Sunday of
/// October 01:00 UTC (the EU rule, applied to every year; no TZ database).
Date copenhagen_date(Timestamp t);
/// copenhagen_date(clock.now()).
Date today_in_copenhagen(const Clock& clock);

// ---- schedules and threshold dates --------------------------------------

/// When a task is judged: its dates after overrides.
struct Schedule {
  Date end;
  std::optional<Date> latest_start;  ///< wins over the duration when both are set
  std::optional<std::int32_t> duration_workdays;  ///< used when latest_start is empty
  friend bool operator==(const Schedule&, const Schedule&) = default;
};

/// The schedule of a task: template dates with the task's overrides applied
/// (end_override replaces the end; latest_start_override replaces the latest
/// start or the duration).
Schedule schedule_of(const TaskTemplate& tpl, const Task& task);

/// A rollout wave's shift (RolloutWave::shift_workdays) applied to a schedule:
/// the end date and a given latest start each move `workdays` working days on
/// `cal` (add_workdays; 0 leaves the schedule as it is); a duration is kept.
/// schedule_of() does not know waves: effective_schedule() combines the two.
Schedule shift_schedule(const Schedule& s, std::int32_t workdays, const WorkdayCalendar& cal);

/// The working-day shift of `municipality`'s rollout wave on `project`: the
/// wave's shift_workdays, or 0 when the municipality is in no wave of the project.
/// (A municipality is in at most one wave per project; validate() checks it.)
std::int32_t wave_shift(std::span<const RolloutWave> waves, ProjectId project, MunicipalityId municipality) noexcept;

/// The one definition of a task's effective dates (the manual's Tabel 1), which every list,
/// quick status, colour, national view and sweep in klik uses:
/// - a task with an override of its own (end_override or latest_start_override)
///   is judged on schedule_of(tpl, task): the override is absolute and wins, and
///   the wave's shift does not apply to that task at all (so a shifted latest
///   start can never pass an overridden end);
/// - otherwise the template's dates, shifted by `shift` working days on `cal`
///   (the task's own calendar; shift_schedule: end and a given latest start
///   move, a duration is kept), where `shift` is wave_shift() of the task's
///   municipality on the template's project.
/// With shift 0 this is schedule_of(tpl, task).
Schedule effective_schedule(const TaskTemplate& tpl, const Task& task, std::int32_t shift, const WorkdayCalendar& cal);

/// Throws InvalidArgumentError (naming the dates) when the schedule cannot be
/// judged: neither latest start nor duration, a negative duration, or a latest
/// start after the end.
void validate_schedule(const Schedule& s);
/// validate_schedule for a template as KOMBIT publishes it (also: exactly one
/// of latest start and duration). Call it when the template is published.
void validate_template(const TaskTemplate& tpl);

/// The three threshold dates that decide every colour of a task, on a given calendar.
struct DeadlineDates {
  Date yellow_if_not_started;  ///< add_workdays(latest_start, -5)
  Date latest_start;  ///< already moved to a working day
  Date end;  ///< already moved to a working day
  friend constexpr bool operator==(const DeadlineDates&, const DeadlineDates&) = default;
};

/// Throws InvalidArgumentError on bad schedules (see validate_schedule).
DeadlineDates deadline_dates(const Schedule& s, const WorkdayCalendar& cal);

/// O(1), no calendar needed once the dates are known.
constexpr DeadlineColour colour_on(TaskStatus status, const DeadlineDates& d, Date today) noexcept {
  switch (status) {
    case TaskStatus::NotActive:
      return DeadlineColour::Grey;
    case TaskStatus::Completed:
      return DeadlineColour::Done;
    case TaskStatus::NotStarted:
      return today >= d.latest_start            ? DeadlineColour::Red
             : today >= d.yellow_if_not_started ? DeadlineColour::Yellow
                                                : DeadlineColour::Green;
    case TaskStatus::Started:
      return today >= d.end            ? DeadlineColour::Red
             : today >= d.latest_start ? DeadlineColour::Yellow
                                       : DeadlineColour::Green;
  }
  return DeadlineColour::Green;
}

/// Vectorised colour_on: out[i] = colour_on(status[i], dates[i], today).
/// All spans must have the same size (InvalidArgumentError otherwise).
void colours_on(std::span<const TaskStatus> status, std::span<const DeadlineDates> dates, Date today,
                std::span<DeadlineColour> out);

/// The date from which a task of this status has had `colour`, if the colour
/// is yellow or red under these dates (the threshold it crossed); otherwise empty.
std::optional<Date> colour_reached_on(TaskStatus status, const DeadlineDates& d, DeadlineColour colour) noexcept;

/// Colour of a task from its schedule (validates it).
DeadlineColour colour(TaskStatus status, const Schedule& s, const WorkdayCalendar& cal, Date today);
/// Colour of a task from its template (overrides applied, no wave shift: use
/// colour(task.status, effective_schedule(...), cal, today) for a shifted wave).
DeadlineColour colour(const TaskTemplate& tpl, const Task& task, const WorkdayCalendar& cal, Date today);

/// Deadline dates for every task of `tasks`, on each task's effective calendar
/// (`cals.effective(municipality, project)`), from its effective_schedule()
/// with the shift of its municipality's wave among `waves` (a Dataset's waves;
/// none: no shift); `templates` is indexed by TemplateId - 1 (as in a
/// klik::Dataset). Computed once per template, calendar and shift; tasks with
/// overrides on their own.
std::vector<DeadlineDates> deadline_dates(std::span<const TaskTemplate> templates, std::span<const Task> tasks,
                                          const Calendars& cals, std::span<const RolloutWave> waves = {});

// ---- timelines and explanations -----------------------------------------

/// A change of colour: from `date` on, the task is `to` (it was `from` the day before).
struct ColourChange {
  Date date;
  DeadlineColour from;
  DeadlineColour to;
  friend bool operator==(const ColourChange&, const ColourChange&) = default;
};

/// The exact dates on which the task's colour changes if nothing else changes
/// (status, dates, calendar): not started: green->yellow on Y, yellow->red on
/// LS; started: green->yellow on LS, yellow->red on E (or green->red on E when
/// LS == E); not active and completed: none. In date order.
std::vector<ColourChange> colour_timeline(TaskStatus status, const DeadlineDates& d);
/// From a template and task: overrides applied, no wave shift (for a task of a
/// shifted wave, pass deadline_dates(effective_schedule(...), cal) to the first form).
std::vector<ColourChange> colour_timeline(const TaskTemplate& tpl, const Task& task, const WorkdayCalendar& cal);

/// The rule and the working-day counts behind a colour (the dynamic form of
/// KLIK's hover text).
struct ColourExplanation {
  DeadlineColour colour = DeadlineColour::Green;
  TaskStatus status = TaskStatus::NotStarted;
  Date today;
  DeadlineDates dates;
  /// Working days from today to the latest start / end: workdays_between(today, LS), (today, E).
  /// Negative once passed.
  std::int64_t workdays_to_latest_start = 0;
  std::int64_t workdays_to_end = 0;
  /// The date of the next change of colour, if any.
  std::optional<ColourChange> next_change;
  /// The rule applied, in English ("not_started: red from the latest start 2025-06-09").
  std::string rule;
  /// The same in Danish, for the hover text ("Ikke påbegyndt: rød fra seneste start mandag 9. juni 2025").
  std::string text;
};

ColourExplanation explain_colour(TaskStatus status, const DeadlineDates& d, const WorkdayCalendar& cal, Date today);
/// From a template and task: overrides applied, no wave shift (as colour_timeline).
ColourExplanation explain_colour(const TaskTemplate& tpl, const Task& task, const WorkdayCalendar& cal, Date today);

/// "mandag 9. juni 2025": a date as Danish text.
std::string danish_date(Date d);

}  // namespace klik
