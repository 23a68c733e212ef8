#pragma once
/// @file sweep.hpp
/// @brief The daily deadline sweep (the manual's Tabel 1 and Tabel 3) as a pure function over columns.
///
/// For each task: its colour on the sweep date (colour_on, by its status now)
/// is compared with the colour last notified. An event is emitted when the
/// task *rose*: its level (green/grey/done/none 0, yellow 1, red 2) is above
/// the level of the last notified colour. The new last-notified colour is
/// always the colour now, so a task that falls back (to green, grey, done, or
/// from red to yellow after a status change) is notified again when it rises
/// again. Hence:
/// - idempotent: a second run on the same day (with the new colours) emits nothing;
/// - catch-up: after missed days a task gets one event, for its colour now
///   (a task that went green -> yellow -> red while the sweep was down gets
///   one "red" event, not two);
/// - every event carries an idempotency key made of (task, new colour, the
///   date the colour was reached: the threshold date under the task's status
///   now). It does not depend on the day the sweep runs, so a daily run and a
///   catch-up produce the same key for the same rise, and a rerun after a crash
///   (before the new colours were saved) repeats keys a consumer has seen.
///
/// Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "klik/calendar.hpp"
#include "klik/dataset.hpp"
#include "klik/deadline.hpp"
#include "klik/enums.hpp"
#include "klik/ids.hpp"

namespace klik {

/// The colour last notified for a task; empty: never swept.
using NotifiedColour = std::optional<DeadlineColour>;

/// One notification: a task (or a local task) rose to yellow or red.
struct DeadlineEvent {
  TaskId task;  ///< the KLIK task; for a local task, its parent
  MunicipalityId municipality;
  ProjectId project;
  Priority priority = Priority::Mandatory;
  NotifiedColour old_colour;  ///< the colour last notified (empty: never swept)
  DeadlineColour new_colour = DeadlineColour::Yellow;
  Date date;  ///< the sweep date
  Date reached_on;  ///< the threshold date from which the task has had new_colour
  /// (task, new colour, reached_on) packed into 64 bits; see sweep_key().
  std::uint64_t idempotency_key = 0;
  /// Set when the event is about a local task under `task` (0: about `task` itself).
  LocalTaskId local_task{};
  friend bool operator==(const DeadlineEvent&, const DeadlineEvent&) = default;
};

/// The key of a rise: bits 63..32 the task id, bit 31 set for red, bits 0..30
/// the reached-on date as days since 1400-01-01. Injective.
std::uint64_t sweep_key(TaskId task, DeadlineColour colour, Date reached_on) noexcept;
/// The key of a local task's rise: as sweep_key with the local task's id and bit 63
/// set (task ids are below 2^31), so no local key equals a task's. Injective.
std::uint64_t sweep_key(LocalTaskId local_task, DeadlineColour colour, Date reached_on) noexcept;
/// The key as text: "deadline/<task>/<colour code>/<YYYY-MM-DD>", for a local task
/// "deadline/local/<local task>/<colour code>/<YYYY-MM-DD>".
std::string sweep_key_text(const DeadlineEvent& e);

/// The sweep's input, one entry per task in every span (same sizes).
struct SweepColumns {
  std::span<const TaskId> task;
  std::span<const MunicipalityId> municipality;
  std::span<const ProjectId> project;
  std::span<const Priority> priority;
  std::span<const TaskStatus> status;
  std::span<const DeadlineDates> dates;
  /// Last notified colours; may be empty (nothing notified yet).
  std::span<const NotifiedColour> last_notified;
  /// Local tasks: empty (every entry is a KLIK task), or one per entry, 0 for a KLIK
  /// task and the local task's id for a local one (whose `task` is its parent).
  std::span<const LocalTaskId> local_task = {};
};

/// Runs the sweep for `day`: appends the events to `events` (in task order)
/// and writes each task's new last-notified colour to `notified` (same size as
/// the columns; may alias last_notified). Throws InvalidArgumentError on size mismatches.
void sweep(const SweepColumns& in, Date day, std::span<NotifiedColour> notified, std::vector<DeadlineEvent>& events);

/// What a sweep produced.
struct SweepResult {
  std::vector<DeadlineEvent> events;
  std::vector<NotifiedColour> notified;  ///< the new last-notified colour per task
};

/// Columnar sweep returning a SweepResult.
SweepResult sweep(const SweepColumns& in, Date day);

/// The sweep over a whole dataset: each task judged on the calendar of its
/// municipality and project (`cals`), `last_notified` empty or one per
/// `data.tasks` entry. Templates must be at index TemplateId - 1 (as the
/// generator and JSON import produce them).
SweepResult sweep(const Dataset& data, const Calendars& cals, Date day,
                  std::span<const NotifiedColour> last_notified = {});

/// The dataset's columns for repeated sweeps (deadline dates computed once).
struct SweepTable {
  std::vector<TaskId> task;
  std::vector<MunicipalityId> municipality;
  std::vector<ProjectId> project;
  std::vector<Priority> priority;
  std::vector<TaskStatus> status;
  std::vector<DeadlineDates> dates;
  /// Spans over this table (last_notified left empty).
  [[nodiscard]] SweepColumns columns() const noexcept {
    return SweepColumns{task, municipality, project, priority, status, dates, {}};
  }
};
SweepTable sweep_table(const Dataset& data, const Calendars& cals);

}  // namespace klik
