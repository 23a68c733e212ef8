#pragma once
/// @file query_engine.hpp
/// @brief Evaluates task-list queries for a viewer over a store's indexes:
/// pages, quick status, columnar export, and KOMBIT's national views (SPEC §3).
///
/// The viewer's rights decide which tasks enter at all (RightsModel::task_scope):
/// a Light-bruger's list holds only their tasks, a municipality user never sees
/// another municipality, KOMBIT never sees local tasks. The engine reads the
/// store's partitions (one per project and municipality, rows by end date) and
/// its by-person index, picks the smaller source, and never materialises the
/// whole dataset for one page.
///
/// Every function takes a World from a live Snapshot (see store.hpp) and a
/// `today` on which deadline colours are judged. Results own their data.
/// Thread-safety: pure functions of their arguments; run any number at once.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "klik/query.hpp"
#include "klik/rights.hpp"
#include "klik/store.hpp"

namespace klik {

/// One row of the task list (opgaveliste): the columns of SPEC §3 plus ids.
/// A light view: `project_name` and `title` point into the world, so a row is
/// valid while the Snapshot it came from lives (copy them to keep them longer).
struct TaskRow {
  TaskId task;                       ///< the KLIK task; for a local task, its parent
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
  std::vector<std::uint32_t> performer;    ///< 0 = not set
  std::vector<std::string> title;
  [[nodiscard]] std::size_t size() const noexcept { return task.size(); }
};
TaskColumns task_columns(const World& world, const RightsModel& rights, const User& viewer, const TaskQuery& query,
                         Date today);

// ---- KOMBIT's national views (KLIK tasks only; never local tasks or notes) ----

/// For one project, per municipality: counts by colour and priority.
struct MunicipalityStatus {
  MunicipalityId municipality;
  std::array<std::array<std::size_t, 4>, 5> counts{};  ///< [colour][priority]
  [[nodiscard]] std::size_t count(DeadlineColour c, Priority p) const noexcept {
    return counts[static_cast<std::size_t>(c)][static_cast<std::size_t>(p)];
  }
  /// Red critical-path plus red mandatory tasks: what KOMBIT follows up on.
  [[nodiscard]] std::size_t red_followed_up() const noexcept {
    return count(DeadlineColour::Red, Priority::CriticalPath) + count(DeadlineColour::Red, Priority::Mandatory);
  }
};
/// Throws NotFoundError unless `viewer` may see the project's tasks nationally.
std::vector<MunicipalityStatus> status_by_municipality(const World& world, const RightsModel& rights,
                                                       const User& viewer, ProjectId project, Date today);

/// Progress of one project by phase: counts by status, nationally (KOMBIT) or for
/// the viewer's municipality.
struct PhaseProgress {
  std::uint8_t phase = 0;
  std::string name;
  std::array<std::size_t, 4> by_status{};  ///< indexed by TaskStatus
  [[nodiscard]] double completed_share() const noexcept;
};
std::vector<PhaseProgress> progress_by_phase(const World& world, const RightsModel& rights, const User& viewer,
                                             ProjectId project);

/// Participating municipalities that have no Plusbruger on the project.
std::vector<MunicipalityId> municipalities_without_plus(const World& world, ProjectId project);

/// Colours of every KLIK task on `today` and how many differ from the previous
/// working day (national; for monitoring and the sweep's sanity checks).
struct ColourChangeSummary {
  ColourCounts today;
  std::size_t changed = 0;
  Date previous;
};
ColourChangeSummary colours_with_changes(const World& world, Date today);

// ---- the same filter mechanism for the project and user lists ----

/// Filters of the project list (projektliste). Like TaskQuery's, they list as
/// chips, come off one at a time or all at once, and read and write JSON
/// ({"name_contains": "...", "user_types": ["plus"]}; unknown fields are errors).
struct ProjectQuery {
  std::string name_contains;          ///< case-insensitive
  std::vector<UserType> user_types;   ///< the viewer's type on the project
  /// Codes of the applied filters, in field order: "name_contains", "user_types".
  [[nodiscard]] std::vector<std::string> applied_filters() const;
  /// A copy without the filter `code`; InvalidArgumentError for an unknown code.
  [[nodiscard]] ProjectQuery without(std::string_view code) const;
  friend bool operator==(const ProjectQuery&, const ProjectQuery&) = default;
};
std::string to_json(const ProjectQuery& q);
ProjectQuery project_query_from_json(std::string_view text);
struct ProjectRow {
  ProjectId project;
  std::string name;
  std::optional<UserType> viewer_type;
  Date deadline;
  Date period_start;
  Date period_end;
  std::string kombit_contact;
  std::string contact_mail;
};
/// The projects the viewer takes part in (KOMBIT: all), filtered, by name.
std::vector<ProjectRow> list_projects(const World& world, const RightsModel& rights, const User& viewer,
                                      const ProjectQuery& query);

/// Filters of the user list (brugerhåndtering): chips and JSON as ProjectQuery
/// ({"projects": [3, "Ydelsesrefusion"], "user_types": ["light"], "administrator": true, "text": "anne"}).
struct UserQuery {
  std::vector<ProjectRef> projects;  ///< members of any of these
  std::vector<UserType> user_types;  ///< with one of these types (on the chosen projects, or any)
  std::optional<bool> administrator;
  std::string text;                  ///< in name or email, case-insensitive
  /// Codes of the applied filters: "projects", "user_types", "administrator", "text".
  [[nodiscard]] std::vector<std::string> applied_filters() const;
  [[nodiscard]] UserQuery without(std::string_view code) const;
  friend bool operator==(const UserQuery&, const UserQuery&) = default;
};
std::string to_json(const UserQuery& q);
UserQuery user_query_from_json(std::string_view text);
/// Users of the viewer's municipality that the viewer may see, filtered, by name.
std::vector<User> list_users(const World& world, const RightsModel& rights, const User& viewer,
                             const UserQuery& query);

// ---- visibility pushed into a host's database ----

/// A parameterised SQL WHERE fragment and its parameters ('?' placeholders, in order).
struct SqlPredicate {
  std::string where;
  std::vector<std::int64_t> params;
};
/// The viewer's visibility as SQL over the column layout of docs/query.md
/// ("Visibility in your own database"): a table with columns kind (0 task, 1
/// local task), municipality, project, responsible, performer, parent_responsible,
/// parent_performer (NULL when not set). Rows it selects are exactly the rows
/// the engine would show to the viewer.
SqlPredicate visibility_sql(const RightsModel& rights, const User& viewer);

}  // namespace klik
