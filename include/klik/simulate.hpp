#pragma once
/// @file simulate.hpp
/// @brief What-if: the deadline colours, red tasks and sweep events a
/// change would bring, computed over a world without changing it.
///
/// A Scenario lists hypothetical changes of the kinds KOMBIT and the
/// municipalities make: a rollout wave's working-day shift (set, or moved by N),
/// a template's end date and latest start (or duration), and the status of a set
/// of tasks. simulate() judges them on a World (a Snapshot's view of a store) as
/// the store would after the real calls (Store::put_wave, Store::put_template,
/// Store::update_task; Publishing::set_wave_shift, edit_template and
/// Workflows::change_task), and reports the difference. Nothing is written.
///
/// How: the store's index already holds every task's deadline dates and status
/// in columns. A scenario touches few of them, so only the rows it affects are
/// recomputed, into a small delta beside the columns (copy-on-write; the world
/// is not copied): the tasks of a shifted wave's municipalities on its project
/// (without a date override of their own: an override is absolute, and the
/// wave's shift does not apply to such a task, deadline.hpp effective_schedule),
/// every instance of a moved template (overrides applied), and the tasks named by
/// a status change. Its cost follows the tasks affected, not the world.
///
/// What is reported, over the *affected tasks*: the KLIK tasks whose deadline
/// dates or status differ under the scenario. Every other task keeps its colour
/// and its sweep event, so a total of the world (a municipality's red tasks, the
/// day's sweep) changes by exactly after - before of these counts. Local tasks
/// are never affected (their dates are their municipality's own; a scenario
/// names KLIK tasks only).
///
/// Thread-safety: pure functions of their arguments (read a World under its
/// Snapshot); Scenario and Simulation are plain values.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "klik/date.hpp"
#include "klik/enums.hpp"
#include "klik/ids.hpp"
#include "klik/store.hpp"
#include "klik/sweep.hpp"
#include "klik/task_list.hpp"

namespace klik {

// ---- the scenario ---------------------------------------------------------

/// A wave's working-day shift: set to `workdays`, or (relative) moved by `workdays`
/// from the shift it has at that point of the scenario.
struct WaveShiftChange {
  WaveId wave;
  std::int32_t workdays = 0;
  bool relative = false;
  friend bool operator==(const WaveShiftChange&, const WaveShiftChange&) = default;
};

/// A template's dates: each member that is set replaces the template's value.
/// A latest start replaces the duration and a duration the latest start (a
/// template has exactly one of them); setting both is invalid.
struct TemplateDatesChange {
  TemplateId template_id;
  std::optional<Date> end;
  std::optional<Date> latest_start;
  std::optional<std::int32_t> duration_workdays;
  friend bool operator==(const TemplateDatesChange&, const TemplateDatesChange&) = default;
};

/// The status of each of `tasks` (KLIK tasks) set to `status`.
struct StatusChange {
  std::vector<TaskId> tasks;
  TaskStatus status = TaskStatus::Started;
  friend bool operator==(const StatusChange&, const StatusChange&) = default;
};

using ScenarioChange = std::variant<WaveShiftChange, TemplateDatesChange, StatusChange>;

/// Hypothetical changes, applied in order (a later change of the same wave,
/// template field or task wins; relative wave shifts add up).
struct Scenario {
  std::vector<ScenarioChange> changes;

  /// The wave's shift becomes `workdays` (as Publishing::set_wave_shift).
  Scenario& set_wave_shift(WaveId wave, std::int32_t workdays);
  /// The wave's shift moves by `workdays` (negative: earlier).
  Scenario& shift_wave(WaveId wave, std::int32_t workdays);
  /// The template's end and/or latest start, or its duration (see TemplateDatesChange).
  Scenario& move_template(TemplateId tpl, std::optional<Date> end, std::optional<Date> latest_start = std::nullopt,
                          std::optional<std::int32_t> duration_workdays = std::nullopt);
  /// The status of `tasks` (completed, started, not started or not active).
  Scenario& set_status(std::vector<TaskId> tasks, TaskStatus status);

  [[nodiscard]] bool empty() const noexcept { return changes.empty(); }
  friend bool operator==(const Scenario&, const Scenario&) = default;
};

// ---- the answer -----------------------------------------------------------

/// Colour counts of the same tasks without and with the scenario.
struct ColourComparison {
  ColourCounts before;
  ColourCounts after;
  /// after - before for one colour (positive: more tasks of that colour).
  [[nodiscard]] std::ptrdiff_t change(DeadlineColour c) const noexcept {
    return static_cast<std::ptrdiff_t>(after[c]) - static_cast<std::ptrdiff_t>(before[c]);
  }
  friend bool operator==(const ColourComparison&, const ColourComparison&) = default;
};

/// The affected tasks of one municipality and priority.
struct SimulatedGroup {
  MunicipalityId municipality;
  Priority priority = Priority::Mandatory;
  ColourComparison today;
  std::optional<ColourComparison> on;  ///< on Simulation::on, when given
  friend bool operator==(const SimulatedGroup&, const SimulatedGroup&) = default;
};

/// A task that is not red without the scenario and red with it (on the day in question).
struct SimulatedTask {
  TaskId task;
  MunicipalityId municipality;
  ProjectId project;
  Priority priority = Priority::Mandatory;
  DeadlineColour before = DeadlineColour::Green;  ///< its colour that day without the scenario
  DeadlineColour after = DeadlineColour::Red;  ///< with it
  Date red_from;  ///< with the scenario: the date from which it is red
  friend bool operator==(const SimulatedTask&, const SimulatedTask&) = default;
};

/// What a scenario would change, over the affected tasks (see the file comment).
struct Simulation {
  Date today;
  std::optional<Date> on;  ///< the chosen date, if any
  /// KLIK tasks whose deadline dates or status differ under the scenario.
  std::size_t affected = 0;
  /// Of those, how many change colour today (on `on`).
  std::size_t changed_today = 0;
  std::size_t changed_on = 0;
  /// Colours of the affected tasks today, all together.
  ColourComparison today_total;
  /// The same on `on` (set when `on` is).
  std::optional<ColourComparison> on_total;
  /// Per municipality and priority, by (municipality, priority); only groups with affected tasks.
  std::vector<SimulatedGroup> by_municipality;
  /// Tasks not red today that would be red today, by task id.
  std::vector<SimulatedTask> red_today;
  /// Tasks not red on `on` that would be red on `on`, by task id (empty without `on`).
  std::vector<SimulatedTask> red_on;
  /// The events the daily sweep run today (sweep_to_outbox) would emit for the
  /// affected tasks in the simulated state: a rise of each task's colour today
  /// above its stored last-notified colour (sweep.hpp), with the idempotency key
  /// the real sweep would give it. By task id. The sweep's events for every
  /// other task are the same with or without the scenario.
  std::vector<DeadlineEvent> sweep_events;
  /// The events the same sweep emits for the same tasks without the scenario,
  /// by task id (what the scenario replaces).
  std::vector<DeadlineEvent> sweep_events_without;
};

/// Judges `scenario` on `world` for `today` (and `on`, when given), changing
/// nothing. Validates the scenario first: an unknown wave, template or task is
/// NotFoundError (not_found() of its kind, rights.hpp); a wave's resulting shift
/// beyond ±1000 working days, a template whose dates could not be published
/// (validate_template), a task with a date override whose dates the moved template
/// would make invalid, or a template change setting both a latest start and a
/// duration is InvalidArgumentError -- as the real calls would refuse them.
/// Unchecked: callers acting for a user go through Publishing::simulate.
Simulation simulate(const World& world, const Scenario& scenario, Date today, std::optional<Date> on = std::nullopt);

}  // namespace klik
