#include "klik/deadline.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "detail/colour_lut.hpp"
#include "klik/error.hpp"

namespace klik {

// ---- clocks ---------------------------------------------------------------

Timestamp SystemClock::now() const {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return Timestamp(s.count());
}

namespace {

/// The last Sunday of `month` in `year`.
constexpr Date last_sunday(int year, int month) noexcept {
  const Date last = Date::from_serial(Date::serial_of(year, month, Date::days_in_month(year, month)));
  return last - (static_cast<std::int32_t>(last.weekday()) + 1) % 7;  // Sunday is 6 in ISO order
}
static_assert(last_sunday(2025, 3) == Date::from_serial(Date::serial_of(2025, 3, 30)));
static_assert(last_sunday(2025, 10) == Date::from_serial(Date::serial_of(2025, 10, 26)));

}  // namespace

Date copenhagen_date(Timestamp t) {
  // CET (UTC+1), and CEST (UTC+2) by the EU rule: from 01:00 UTC on the last
  // Sunday of March to 01:00 UTC on the last Sunday of October.
  const std::int64_t s = t.unix_seconds();
  const int year = t.utc_date().year();
  const auto at_one_utc = [](Date d) { return static_cast<std::int64_t>(d.serial()) * 86400 + 3600; };
  const bool summer = s >= at_one_utc(last_sunday(year, 3)) && s < at_one_utc(last_sunday(year, 10));
  return Timestamp(s + (summer ? 7200 : 3600)).utc_date();
}

Date today_in_copenhagen(const Clock& clock) { return copenhagen_date(clock.now()); }

// ---- schedules --------------------------------------------------------------

Schedule schedule_of(const TaskTemplate& tpl, const Task& task) {
  Schedule s{task.end_override.value_or(tpl.end), tpl.latest_start, tpl.duration_workdays};
  if (task.latest_start_override) {
    s.latest_start = task.latest_start_override;
    s.duration_workdays.reset();
  }
  return s;
}

Schedule shift_schedule(const Schedule& s, std::int32_t workdays, const WorkdayCalendar& cal) {
  if (workdays == 0) return s;
  Schedule out = s;
  out.end = cal.add_workdays(s.end, workdays);
  if (s.latest_start) out.latest_start = cal.add_workdays(*s.latest_start, workdays);
  return out;
}

std::int32_t wave_shift(std::span<const RolloutWave> waves, ProjectId project, MunicipalityId municipality) noexcept {
  for (const RolloutWave& w : waves)
    if (w.project == project && std::find(w.members.begin(), w.members.end(), municipality) != w.members.end())
      return w.shift_workdays;
  return 0;
}

Schedule effective_schedule(const TaskTemplate& tpl, const Task& task, std::int32_t shift, const WorkdayCalendar& cal) {
  // An override takes the task out of its wave's shift: its dates are KOMBIT's for
  // this one municipality, and a shifted latest start could pass an overridden end.
  if (task.end_override || task.latest_start_override) return schedule_of(tpl, task);
  return shift_schedule(Schedule{tpl.end, tpl.latest_start, tpl.duration_workdays}, shift, cal);
}

void validate_schedule(const Schedule& s) {
  if (s.latest_start) {
    if (*s.latest_start > s.end)
      throw InvalidArgumentError("latest start " + s.latest_start->iso() + " is after the end date " + s.end.iso(),
                                 "latest_start");
    return;
  }
  if (!s.duration_workdays)
    throw InvalidArgumentError(
        "a schedule needs a latest start or a duration in working days (end " + s.end.iso() + ")", "duration_workdays");
  if (*s.duration_workdays < 0)
    throw InvalidArgumentError(
        "duration must not be negative, got " + std::to_string(*s.duration_workdays) + " working days",
        "duration_workdays");
}

void validate_template(const TaskTemplate& tpl) {
  if (tpl.latest_start.has_value() == tpl.duration_workdays.has_value())
    throw InvalidArgumentError(
        "template " + std::to_string(tpl.id.value()) + ": exactly one of latest start and duration must be given",
        "latest_start");
  try {
    validate_schedule(Schedule{tpl.end, tpl.latest_start, tpl.duration_workdays});
  } catch (const InvalidArgumentError& e) {
    throw InvalidArgumentError("template " + std::to_string(tpl.id.value()) + ": " + e.what(), e.where());
  }
}

DeadlineDates deadline_dates(const Schedule& s, const WorkdayCalendar& cal) {
  validate_schedule(s);
  Date ls = s.end;
  if (s.latest_start)
    ls = *s.latest_start;
  else if (*s.duration_workdays > 0)
    ls = cal.add_workdays(s.end, -*s.duration_workdays);
  ls = cal.next_workday_or_same(ls);
  return DeadlineDates{cal.add_workdays(ls, -5), ls, cal.next_workday_or_same(s.end)};
}

void colours_on(std::span<const TaskStatus> status, std::span<const DeadlineDates> dates, Date today,
                std::span<DeadlineColour> out) {
  KLIK_REQUIRE(status.size() == dates.size() && dates.size() == out.size(),
               "colours_on: status, dates and out must have the same size");
  const std::int32_t t = today.serial();
  const std::size_t n = status.size();
  const TaskStatus* st = status.data();
  const DeadlineDates* dd = dates.data();
  DeadlineColour* o = out.data();
  for (std::size_t i = 0; i < n; ++i) o[i] = detail::fast_colour(st[i], dd[i], t);
}

std::optional<Date> colour_reached_on(TaskStatus status, const DeadlineDates& d, DeadlineColour colour) noexcept {
  if (status == TaskStatus::NotStarted) {
    if (colour == DeadlineColour::Yellow) return d.yellow_if_not_started;
    if (colour == DeadlineColour::Red) return d.latest_start;
  } else if (status == TaskStatus::Started) {
    if (colour == DeadlineColour::Yellow) return d.latest_start;
    if (colour == DeadlineColour::Red) return d.end;
  }
  return std::nullopt;
}

DeadlineColour colour(TaskStatus status, const Schedule& s, const WorkdayCalendar& cal, Date today) {
  return colour_on(status, deadline_dates(s, cal), today);
}

DeadlineColour colour(const TaskTemplate& tpl, const Task& task, const WorkdayCalendar& cal, Date today) {
  return colour(task.status, schedule_of(tpl, task), cal, today);
}

std::vector<DeadlineDates> deadline_dates(std::span<const TaskTemplate> templates, std::span<const Task> tasks,
                                          const Calendars& cals, std::span<const RolloutWave> waves) {
  std::vector<DeadlineDates> out(tasks.size());
  // The shift of each (project, municipality) in a wave; the rest have none.
  std::map<std::pair<ProjectId, MunicipalityId>, std::int32_t> shifts;
  for (const RolloutWave& w : waves)
    for (MunicipalityId m : w.members) shifts.emplace(std::pair{w.project, m}, w.shift_workdays);
  // Dates without overrides are the same for every task of one template, calendar and shift.
  const bool uniform = cals.uniform();
  std::map<std::pair<std::size_t, std::int32_t>, DeadlineDates> per_template;
  std::optional<std::pair<MunicipalityId, ProjectId>> current;
  WorkdayCalendar cal = cals.national();
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const Task& t = tasks[i];
    const std::size_t k = t.template_id.value() - 1;
    KLIK_REQUIRE(k < templates.size() && templates[k].id == t.template_id,
                 "deadline_dates: task " + std::to_string(t.id.value()) + " names template " +
                     std::to_string(t.template_id.value()) + ", which is not at index id - 1");
    const TaskTemplate& tpl = templates[k];
    const auto sh = shifts.find({tpl.project, t.municipality});
    const std::int32_t shift = sh == shifts.end() ? 0 : sh->second;
    if (!uniform) {
      const std::pair key{t.municipality, tpl.project};
      if (current != key) {
        cal = cals.effective(t.municipality, tpl.project);
        current = key;
      }
    }
    if (!uniform || t.end_override || t.latest_start_override) {
      out[i] = deadline_dates(effective_schedule(tpl, t, shift, cal), cal);
      continue;
    }
    const auto [it, fresh] = per_template.try_emplace({k, shift});
    if (fresh) it->second = deadline_dates(effective_schedule(tpl, t, shift, cal), cal);
    out[i] = it->second;
  }
  return out;
}

// ---- timelines and explanations ---------------------------------------------

std::vector<ColourChange> colour_timeline(TaskStatus status, const DeadlineDates& d) {
  using C = DeadlineColour;
  std::vector<ColourChange> out;
  if (status == TaskStatus::NotStarted) {
    out.push_back({d.yellow_if_not_started, C::Green, C::Yellow});
    out.push_back({d.latest_start, C::Yellow, C::Red});
  } else if (status == TaskStatus::Started) {
    if (d.latest_start < d.end) {
      out.push_back({d.latest_start, C::Green, C::Yellow});
      out.push_back({d.end, C::Yellow, C::Red});
    } else {
      out.push_back({d.end, C::Green, C::Red});
    }
  }
  return out;
}

std::vector<ColourChange> colour_timeline(const TaskTemplate& tpl, const Task& task, const WorkdayCalendar& cal) {
  return colour_timeline(task.status, deadline_dates(schedule_of(tpl, task), cal));
}

std::string danish_date(Date d) {
  static constexpr const char* weekdays[] = {"mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"};
  static constexpr const char* months[] = {"januar", "februar", "marts",     "april",   "maj",      "juni",
                                           "juli",   "august",  "september", "oktober", "november", "december"};
  return std::string(weekdays[static_cast<int>(d.weekday())]) + " " + std::to_string(d.day()) + ". " +
         months[d.month() - 1] + " " + std::to_string(d.year());
}

namespace {
std::string danish_colour(DeadlineColour c) {
  switch (c) {
    case DeadlineColour::Green:
      return "grøn";
    case DeadlineColour::Yellow:
      return "gul";
    case DeadlineColour::Red:
      return "rød";
    case DeadlineColour::Grey:
      return "grå";
    case DeadlineColour::Done:
      return "fuldført (flueben)";
  }
  return "?";
}
std::string days(std::int64_t n) { return std::to_string(n) + (n == 1 || n == -1 ? " arbejdsdag" : " arbejdsdage"); }
}  // namespace

ColourExplanation explain_colour(TaskStatus status, const DeadlineDates& d, const WorkdayCalendar& cal, Date today) {
  ColourExplanation x;
  x.colour = colour_on(status, d, today);
  x.status = status;
  x.today = today;
  x.dates = d;
  x.workdays_to_latest_start = cal.workdays_between(today, d.latest_start);
  x.workdays_to_end = cal.workdays_between(today, d.end);
  for (const ColourChange& c : colour_timeline(status, d))
    if (c.date > today) {
      x.next_change = c;
      break;
    }
  const std::string st(danish(status));
  switch (status) {
    case TaskStatus::NotActive:
      x.rule = "not_active: always grey";
      x.text = st + ": altid grå.";
      return x;
    case TaskStatus::Completed:
      x.rule = "completed: always done";
      x.text = st + ": fuldført (flueben).";
      return x;
    case TaskStatus::NotStarted:
      x.rule = "not_started: yellow from " + d.yellow_if_not_started.iso() +
               " (5 working days before the latest start), red from the latest start " + d.latest_start.iso();
      x.text = st + ": gul fra " + danish_date(d.yellow_if_not_started) +
               " (5 arbejdsdage før seneste start), rød fra seneste start " + danish_date(d.latest_start) + ".";
      break;
    case TaskStatus::Started:
      x.rule =
          "started: yellow from the latest start " + d.latest_start.iso() + ", red from the end date " + d.end.iso();
      x.text = st + ": gul fra seneste start " + danish_date(d.latest_start) + ", rød fra slutdatoen " +
               danish_date(d.end) + ".";
      break;
  }
  x.text += " I dag, " + danish_date(today) + ", er den " + danish_colour(x.colour) + ": ";
  if (x.workdays_to_latest_start > 0)
    x.text += days(x.workdays_to_latest_start) + " til seneste start, ";
  else if (status == TaskStatus::NotStarted)
    x.text += "seneste start er overskredet, ";
  x.text += x.workdays_to_end > 0 ? days(x.workdays_to_end) + " til slutdatoen." : "slutdatoen er nået.";
  if (x.next_change)
    x.text += " Bliver " + danish_colour(x.next_change->to) + " " + danish_date(x.next_change->date) + ".";
  return x;
}

ColourExplanation explain_colour(const TaskTemplate& tpl, const Task& task, const WorkdayCalendar& cal, Date today) {
  return explain_colour(task.status, deadline_dates(schedule_of(tpl, task), cal), cal, today);
}

}  // namespace klik
