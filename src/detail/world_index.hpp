#pragma once
// Private: the in-memory indexes of one KLIK world, shared by the memory store,
// the SQLite store (which loads into it) and the query engine.
//
// Layout (docs/store.md explains the choice):
// - Catalogue: users in a Boost.MultiIndex container (unique by id and by
//   normalised email); projects, templates and local tasks by id.
// - Tasks: columnar partitions, one per (project, municipality), rows sorted by
//   (end date, key). A row is a KLIK task, or a local task (key has local_bit).
//   Scans (lists, quick status, KOMBIT views, colours for all) read only the
//   columns they need, contiguously.
// - Keyed access: an open-addressing table of TaskRefs (row_index.hpp) finds a
//   row by task id. "A person's tasks" scans the ~12 partitions of their
//   municipality instead of keeping two more hashed indexes over a million rows
//   (they cost ~50 MB at 1M tasks and no list query needs them).

#include <array>
#include <boost/multi_index/hashed_index.hpp>
#include <boost/multi_index/member.hpp>
#include <boost/multi_index/tag.hpp>
#include <boost/multi_index_container.hpp>
#include <map>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "detail/row_index.hpp"
#include "detail/sweep_counts.hpp"
#include "klik/backend.hpp"
#include "klik/calendar.hpp"
#include "klik/dataset.hpp"
#include "klik/deadline.hpp"
#include "klik/model.hpp"
#include "klik/store.hpp"

namespace klik::detail {

namespace bmi = boost::multi_index;

/// Keys of local-task rows carry this bit, so keys of both kinds share one space.
inline constexpr std::uint32_t local_bit = 0x8000'0000u;
inline constexpr std::uint32_t no_user = 0;

struct Partition {
  ProjectId project;
  MunicipalityId municipality;
  std::uint32_t project_slot = 0;
  WorkdayCalendar calendar;  // effective calendar of this municipality and project
  std::int32_t shift = 0;  // working-day shift of the municipality's wave on the project (0: none)

  // Columns, one entry per row, rows ordered by (end, key).
  std::vector<std::uint32_t> key;  // task id, or local task id | local_bit
  std::vector<std::uint32_t> text;  // template slot (tasks) or local slot (local tasks)
  std::vector<std::int32_t> end;  // shown end date (serial): effective_schedule's end
  std::vector<std::uint32_t> responsible;  // user id, 0 = not set
  std::vector<std::uint32_t> performer;
  std::vector<DeadlineDates> dates;
  std::vector<TaskStatus> status;
  std::vector<Priority> priority;
  std::vector<std::uint8_t> phase;
  std::vector<std::uint8_t> theme;
  std::vector<std::uint32_t> version;
  std::vector<std::uint8_t> notified;  // last-notified colour + 1 (the sweep's state); 0: never swept

  /// Calls `f(column)` for each column above, in order: the one place that
  /// lists them (reserve, push_back_row, erase_row, sort_rows, shrink_to_fit
  /// go through it), so a new column is added here and in the declarations only.
  template <class F>
  void for_each_column(F&& f) {
    f(key), f(text), f(end), f(responsible), f(performer), f(dates), f(status), f(priority), f(phase), f(theme),
        f(version), f(notified);
  }
  template <class F>
  void for_each_column(F&& f) const {
    f(key), f(text), f(end), f(responsible), f(performer), f(dates), f(status), f(priority), f(phase), f(theme),
        f(version), f(notified);
  }

  /// The colours of a priority's rows (or the local rows) on any day, without reading them:
  /// the rows whose colour the date decides (not started, started) as two sorted
  /// lists of the day each turns red and the day it turns yellow or red, and how
  /// many rows are grey and done. Counting a colour is then two binary searches
  /// (status_by_municipality, quick_status). Derived from the columns above, never stored:
  /// rebuilt by reindex, kept row by row by a status change (update_task).
  struct ColourRanges {
    std::vector<std::int32_t> red_from;  // sorted
    std::vector<std::int32_t> yellow_from;  // sorted; the earlier of the yellow and red day
    std::uint32_t grey = 0;
    std::uint32_t done = 0;
    /// How many of these rows have each colour on `day`, indexed by DeadlineColour.
    [[nodiscard]] std::array<std::size_t, 5> colours_on(std::int32_t day) const noexcept;
    friend bool operator==(const ColourRanges&, const ColourRanges&) = default;
  };
  /// KLIK rows by Priority, and local rows apart (`local_ranges`).
  std::array<ColourRanges, 4> ranges{};
  ColourRanges local_ranges{};

  [[nodiscard]] std::size_t size() const noexcept { return key.size(); }
  [[nodiscard]] bool is_local(std::size_t row) const noexcept { return key[row] & local_bit; }
  /// Recomputes `ranges` and `local_ranges` from the rows.
  void rebuild_ranges();
  /// Which ranges row `r` counts in: its priority's, or ranges.size() for local_ranges.
  [[nodiscard]] std::size_t ranges_index(std::size_t r) const noexcept;
  /// The ranges row `r` counts in.
  ColourRanges& ranges_of(std::size_t r) noexcept;
  /// Takes one row out of / puts it into `ranges` (around a change to its status).
  void ranges_out(std::size_t row);
  void ranges_in(std::size_t row);
  void reserve(std::size_t n);
  void push_back_row();
  void erase_row(std::size_t row);
  /// Re-establishes the (end, key) order after an end date changed.
  void sort_rows();
  void shrink_to_fit();
};

struct UserEntry {
  User user;
  std::string email_key;  // normalise_email(user.email)
  UserId id() const noexcept { return user.id; }
};
struct by_id {};
struct by_email {};
struct UserIdKey {
  using result_type = UserId;
  UserId operator()(const UserEntry& e) const noexcept { return e.user.id; }
};
using Users = bmi::multi_index_container<
    UserEntry, bmi::indexed_by<
                   bmi::hashed_unique<bmi::tag<by_id>, UserIdKey, std::hash<UserId>>,
                   bmi::hashed_unique<bmi::tag<by_email>, bmi::member<UserEntry, std::string, &UserEntry::email_key>>>>;

struct TemplateEntry {
  TaskTemplate tpl;
  std::uint32_t project_slot = 0;
  std::string folded_title;
};

struct LocalEntry {
  LocalTask task;
  std::string folded_title;
};

/// Which fields each recent version of a task or user changed, so a
/// ConflictError can name them. Bounded: the last `depth` versions per object.
class ChangeLog {
 public:
  enum Kind : std::uint32_t { TaskKind = 0, UserKind = 1 };
  static constexpr std::size_t depth = field_log_depth;
  void record(Kind kind, std::uint32_t id, std::uint32_t version, std::uint32_t mask);
  /// The union of the masks of versions read+1..current; empty when the log
  /// does not reach back that far.
  [[nodiscard]] std::optional<std::uint32_t> changed_since(Kind kind, std::uint32_t id, std::uint32_t read,
                                                           std::uint32_t current) const;
  void clear() { log_.clear(); }
  /// Every entry as (kind, id, version, mask), for persistence.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [k, v] : log_)
      for (const auto& [version, mask] : v) f(static_cast<Kind>(k >> 32), static_cast<std::uint32_t>(k), version, mask);
  }

 private:
  std::unordered_map<std::uint64_t, std::vector<std::pair<std::uint32_t, std::uint32_t>>> log_;
};

std::uint32_t task_update_mask(const TaskUpdate& u) noexcept;
std::uint32_t user_diff_mask(const User& before, const User& after) noexcept;

struct TaskOverrides {
  std::optional<Date> end;
  std::optional<Date> latest_start;
};

class WorldIndex {
 public:
  WorldIndex() = default;
  /// Builds every index from a validated dataset.
  WorldIndex(const Dataset& data, Calendars calendars);

  // catalogue
  std::vector<Municipality> municipalities;
  std::vector<Project> projects;
  std::unordered_map<ProjectId, std::uint32_t> project_slot;
  std::unordered_map<std::string, std::uint32_t> project_by_name;
  std::vector<std::uint32_t> project_name_rank;  // by slot: position in name order
  std::vector<RolloutWave> waves;
  std::vector<TemplateEntry> templates;
  std::unordered_map<TemplateId, std::uint32_t> template_slot;
  Users users;
  std::vector<LocalEntry> locals;  // by local slot; removed ones have id 0
  std::unordered_map<LocalTaskId, std::uint32_t> local_slot;
  std::unordered_map<TaskId, std::string> notes;
  std::vector<Message> messages;
  std::vector<Attachment> attachments;
  std::unordered_map<TaskId, TaskOverrides> overrides;
  Calendars calendars;
  // account records by user (accounts.hpp): not reachable through World
  std::map<UserId, Credentials> credentials;
  // conflict history (not part of a Dataset); the deadline sweep's state is the
  // partitions' `notified` column (a local task's goes with its row when it is deleted)
  ChangeLog changes;
  // every row counted by its stored colour, status and deadline dates (sweep_transitions);
  // kept by every write below
  SweepCounts sweep_counts;

  // tasks
  std::vector<Partition> partitions;
  std::unordered_map<std::uint64_t, std::uint32_t> partition_of;  // (project << 16 | municipality)
  std::vector<std::vector<std::uint32_t>> partitions_by_project;  // by project slot, in municipality order
  RowIndex refs;  // where each row lives, by key
  std::size_t task_rows = 0;
  std::size_t local_rows = 0;

  static std::uint64_t partition_key(ProjectId p, MunicipalityId m) noexcept {
    return (std::uint64_t{p.value()} << 16) | m.value();
  }
  const Partition* find_partition(ProjectId p, MunicipalityId m) const noexcept;
  const TaskRef* find_ref(std::uint32_t key) const noexcept;
  /// Keys of the rows where `user` is responsible or performer (each once,
  /// ascending), on `projects` only when that list is not empty.
  std::vector<std::uint32_t> keys_assigned_to(UserId user, std::span<const ProjectId> projects = {}) const;
  const User* find_user(UserId id) const noexcept;
  /// The last-notified colour of the row with `key` (empty: never swept, or no such row).
  std::optional<DeadlineColour> notified_of(std::uint32_t key) const noexcept;
  /// Sets it; false (nothing changed) when there is no such row.
  bool set_notified(std::uint32_t key, std::optional<DeadlineColour> colour) noexcept;

  /// The Task value of a task row.
  Task task_at(const Partition& part, std::size_t row) const;
  LocalTask local_at(const Partition& part, std::size_t row) const;
  const std::string& folded_title(const Partition& part, std::size_t row) const;
  const std::string& title(const Partition& part, std::size_t row) const;
  /// The parent task id of a local row (its LocalTask's, kept once in `locals`
  /// rather than as a column that KLIK rows would fill with zeros).
  [[nodiscard]] std::uint32_t parent_of(const Partition& part, std::size_t row) const noexcept {
    return locals[part.text[row]].task.parent.value();
  }

  /// The deadline dates `t` would have (throws InvalidArgumentError on a bad
  /// schedule): effective_schedule() with its municipality's wave shift.
  DeadlineDates task_dates(const Task& t) const;
  /// The shift of `m`'s wave on `p` as the waves are now (0: in none).
  std::int32_t shift_of(ProjectId p, MunicipalityId m) const noexcept;
  /// The effective schedule of a task row's template with its overrides on a
  /// partition (its calendar and shift), and its deadline dates.
  Schedule schedule_for(const Partition& part, const TaskTemplate& tpl, const TaskOverrides* o) const;
  DeadlineDates dates_for(const Partition& part, const TaskTemplate& tpl, const TaskOverrides* o) const;

  /// Mutations (callers hold the write lock and have validated the change).
  /// Applies the fields `update` sets and gives the row `version`.
  Task update_task(const TaskUpdate& update, std::uint32_t version);
  void put_user(const User& user);
  void remove_user(UserId user);
  LocalTask put_local_task(const LocalTask& task);
  void remove_local_task(LocalTaskId id);
  /// Adds or replaces a project (by id).
  void put_project(const Project& project);
  /// Adds or replaces a wave (by id); the dates of the tasks of its old and new
  /// members on its project follow their new shift.
  void put_wave(const RolloutWave& wave);
  /// Adds or replaces a template (by id); its tasks' dates and columns follow.
  void put_template(const TaskTemplate& tpl);
  /// Adds new tasks (ids unused, templates known).
  void add_tasks(std::span<const Task> tasks);
  /// The world as data; account records only when `with_credentials`.
  Dataset to_dataset(bool with_credentials = false) const;

 private:
  std::uint32_t ensure_partition(ProjectId p, MunicipalityId m);
  void add_task_row(const Task& t);
  void add_local_row(std::uint32_t local_slot);
  void reindex_partition(std::uint32_t partition);
  /// Recomputes the dates and end of every task row of a partition (after its
  /// shift or a template changed), then re-sorts it.
  void recompute_partition(std::uint32_t partition);
  void rank_projects();
  DeadlineDates dates_for_local(const Partition& part, const LocalTask& l) const;
  void shrink();
  /// Counts row `r` of `part` in (+1) or out (-1) of sweep_counts.
  void count_for_sweep(const Partition& part, std::size_t r, int sign);
};

}  // namespace klik::detail
