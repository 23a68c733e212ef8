#pragma once
/// @file task_list.hpp
/// @brief The task list (opgaveliste, the manual's "Se opgaver i projektet" and Tabel 1) evaluated for a viewer over a
/// store's indexes: pages with cursors, quick status, columnar export.
///
/// The viewer's rights decide which tasks enter at all (RightsModel::task_scope):
/// a Light-bruger's list holds only their tasks, a municipality user never sees
/// another municipality, KOMBIT never sees local tasks. The engine reads the
/// store's partitions (one per project and municipality, rows by end date) and
/// its by-person index, picks the smaller source, and never materialises the
/// whole dataset for one page.
///
/// Every function takes a World from a live Snapshot (see store.hpp) and a
/// `today` on which deadline colours are judged. Results own their data unless
/// a comment says they are views.
/// Thread-safety: pure functions of their arguments; run any number at once.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "klik/deadline.hpp"
#include "klik/query.hpp"
#include "klik/rights.hpp"
#include "klik/store.hpp"

namespace klik {

/// One row of the task list (opgaveliste): the columns of the manual's "Se opgaver i projektet" and Tabel 1 plus ids.
/// A light view: `project_name` and `title` point into the world, so a row is
/// valid while the Snapshot it came from lives (copy them to keep them longer).
struct TaskRow {
  TaskId task;  ///< the KLIK task; for a local task, its parent
  std::optional<LocalTaskId> local;  ///< set for local tasks
  ProjectId project;
  std::string_view project_name;
  std::optional<UserType> viewer_type;  ///< the viewer's user type on the project (municipality users)
  MunicipalityId municipality;
  std::string_view title;
  std::uint8_t phase = 0;
  std::uint8_t theme = 0;
  DeadlineColour colour = DeadlineColour::Green;
  Priority priority = Priority::Mandatory;
  TaskStatus status = TaskStatus::NotStarted;
  Date end;
  std::optional<UserId> responsible;
  std::optional<UserId> performer;
  std::uint32_t version = 0;
  friend bool operator==(const TaskRow&, const TaskRow&) = default;
};

/// One page of the list: its rows, how many match in all, and the cursor that
/// continues after this page (empty on the last page). Rows are views: keep the
/// Snapshot alive while you use them.
struct TaskPage {
  std::vector<TaskRow> rows;
  std::size_t total = 0;
  std::string next_cursor;
};

/// Counts by deadline colour (quick status), indexed by DeadlineColour.
struct ColourCounts {
  std::array<std::size_t, 5> counts{};
  [[nodiscard]] std::size_t operator[](DeadlineColour c) const noexcept { return counts[static_cast<std::size_t>(c)]; }
  [[nodiscard]] std::size_t total() const noexcept;
  friend bool operator==(const ColourCounts&, const ColourCounts&) = default;
};

/// A page of `viewer`'s task list. Throws InvalidArgumentError for a bad query
/// (phase without project, an unknown project or user name, a cursor from
/// another query) and NotFoundError for a project or user the viewer may not know.
TaskPage list_tasks(const World& world, const RightsModel& rights, const User& viewer, const TaskQuery& query,
                    Date today);

/// Why a task of the list has its colour on `today`: the rule and its Danish hover
/// text (deadline.hpp's ColourExplanation), judged on exactly the dates and calendar
/// the list judges it on (the wave's shift, the template's dates and the task's
/// overrides, the municipality's and project's working days). `local` names a local
/// task of `task`. None when there is no such task. No rights are checked: a host
/// asks view_task first, as for the task itself.
std::optional<ColourExplanation> explain_task_colour(const World& world, TaskId task, Date today,
                                                     std::optional<LocalTaskId> local = std::nullopt);

/// Quick status: the viewer's tasks counted by colour. With `apply_filters`
/// false only the project filter of `query` is used ("for one project or all").
ColourCounts quick_status(const World& world, const RightsModel& rights, const User& viewer, const TaskQuery& query,
                          Date today, bool apply_filters = true);

/// Every row matching `query` (sorted, no paging) as columns: what notebooks
/// turn into a DataFrame without a Python object per task.
struct TaskColumns {
  std::vector<std::uint32_t> task;
  std::vector<std::uint32_t> local;  ///< 0 for KLIK tasks
  std::vector<std::uint32_t> project;
  std::vector<std::uint16_t> municipality;
  std::vector<std::uint8_t> phase;
  std::vector<std::uint8_t> theme;
  std::vector<DeadlineColour> colour;
  std::vector<Priority> priority;
  std::vector<TaskStatus> status;
  std::vector<std::int32_t> end;  ///< Date serials (days since 1970-01-01)
  std::vector<std::uint32_t> responsible;  ///< 0 = not set
  std::vector<std::uint32_t> performer;  ///< 0 = not set
  /// Titles in Apache Arrow's string layout: row i's title is the bytes
  /// title_chars[title_offsets[i], title_offsets[i + 1]) (title(i)), one buffer for
  /// every row rather than a string each.
  std::string title_chars;
  std::vector<std::uint32_t> title_offsets;  ///< size() + 1 entries, the first 0
  [[nodiscard]] std::size_t size() const noexcept { return task.size(); }
  /// Row `row`'s title (a view into title_chars).
  [[nodiscard]] std::string_view title(std::size_t row) const noexcept {
    return std::string_view(title_chars).substr(title_offsets[row], title_offsets[row + 1] - title_offsets[row]);
  }
};
TaskColumns task_columns(const World& world, const RightsModel& rights, const User& viewer, const TaskQuery& query,
                         Date today);

}  // namespace klik
