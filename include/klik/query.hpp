#pragma once
/// @file query.hpp
/// @brief TaskQuery: the filters, sort and paging of the task list (the manual's "Se opgaver i projektet" and Tabel 1),
/// as a value with two faces -- JSON for hosts and portals, and a short text
/// syntax for people, notebooks and tests. Both parse to the same value and
/// print back canonically.
///
/// Text syntax (docs/query.md has the grammar):
///
///     project = "Ydelsesrefusion" and status in (not_started, started)
///       and responsible is empty order by end_date
///
/// Values may be codes, English names or Danish labels ("Ikke påbegyndt").
/// A query is evaluated for a viewer by the engine in task_list.hpp; the
/// viewer's rights decide which tasks enter at all.
///
/// Thread-safety: plain values.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "klik/date.hpp"
#include "klik/enums.hpp"
#include "klik/ids.hpp"
#include "klik/text.hpp"  // fold_case, the title search's case folding

namespace klik {

/// A project named by id or by exact name (names are resolved when the query runs).
using ProjectRef = std::variant<ProjectId, std::string>;
/// A user named by id or by email (emails compared as normalise_email does).
using UserRef = std::variant<UserId, std::string>;

/// A filter on responsible or performer ("Ansvarlig", "Udfører").
///
/// Semantics, including "not set" (Ikke påført) under negation:
/// - inactive (no users, `not_set` false, not negated): no filtering;
/// - `in (users..., empty)`: the person is one of `users`, or is not set when `not_set`;
/// - `not in (users..., empty)` (negated): the exact complement of the same `in` over
///   all tasks: a task whose person is not set passes `not in (anne)`, and fails
///   `not in (anne, empty)`. `is empty` is `in (empty)`; `is not empty` is `not in (empty)`.
struct PersonFilter {
  std::vector<UserRef> users;
  bool not_set = false;
  bool negated = false;
  [[nodiscard]] bool active() const noexcept { return !users.empty() || not_set || negated; }
  friend bool operator==(const PersonFilter&, const PersonFilter&) = default;
};

/// The columns of the task list (the manual's "Se opgaver i projektet" and Tabel 1), usable as sort keys.
enum class TaskColumn : std::uint8_t {
  Project,  ///< project name
  Title,  ///< task title (case-insensitive order)
  Phase,
  Theme,
  Deadline,  ///< deadline colour, in the order green, yellow, red, grey, done
  Priority,  ///< in the order critical_path, mandatory, recommended, local
  Status,  ///< in the order not_active, not_started, started, completed
  EndDate,  ///< the task's end date (after overrides)
  Municipality,  ///< kommunekode (KOMBIT's views)
  Id,  ///< the task id (always the implicit last key)
};

std::string_view code(TaskColumn c) noexcept;
/// Parses a column code ("end_date") or its English name ("End date"); throws InvalidArgumentError.
TaskColumn parse_task_column(std::string_view text);

struct SortKey {
  TaskColumn column = TaskColumn::EndDate;
  bool descending = false;
  friend bool operator==(const SortKey&, const SortKey&) = default;
};

/// One filter of the task list (the manual's "Se opgaver i projektet") that is
/// applied, as a portal shows it in "Anvendte filtre".
enum class FilterField : std::uint8_t {
  Project,
  Phase,
  Theme,
  Status,
  Priority,
  Colour,
  Responsible,
  Performer,
  Title,
  EndFrom,
  EndTo,
};
std::string_view code(FilterField f) noexcept;
/// Parses a filter code ("status", "end_from"); throws InvalidArgumentError naming the accepted ones.
FilterField parse_filter_field(std::string_view text);

/// The task list's filters, sort and page. Every filter is multi-valued; an empty
/// list means "no filter on this field". Phase and theme need a project.
struct TaskQuery {
  std::vector<ProjectRef> projects;
  std::vector<std::uint8_t> phases;  ///< 1-based phase numbers; only with a project
  std::vector<std::uint8_t> themes;  ///< 1-based theme numbers; only with a project
  std::vector<TaskStatus> statuses;
  std::vector<Priority> priorities;
  std::vector<DeadlineColour> colours;  ///< judged on the date the query runs for
  PersonFilter responsible;
  PersonFilter performer;
  std::string title_contains;  ///< case-insensitive substring of the title (Danish letters folded too)
  std::optional<Date> end_from;  ///< end date on or after (inclusive)
  std::optional<Date> end_to;  ///< end date on or before (inclusive)

  std::vector<SortKey> sort;  ///< empty: by end date; ties always broken by task id ascending
  std::uint32_t offset = 0;
  std::uint32_t limit = 50;  ///< page size, 1-10000
  std::string cursor;  ///< opaque; when set, continues after the page that returned it (offset ignored)

  friend bool operator==(const TaskQuery&, const TaskQuery&) = default;

  /// A copy in canonical form: enum values in declaration order, ids ascending
  /// (before names and emails), names and emails in the order given; duplicates
  /// removed. Both parsers return canonical queries, so two spellings of one
  /// query compare equal.
  [[nodiscard]] TaskQuery canonical() const;

  /// Throws InvalidArgumentError naming the field when the query cannot be
  /// valid whatever the data (phase or theme without a project, limit 0 ...).
  void check() const;

  /// The applied filters, in the filter panel's order (the portal's chips). Sort and page are not filters.
  [[nodiscard]] std::vector<FilterField> applied_filters() const;
  /// Same as applied_filters().size(): the number on the filter icon.
  [[nodiscard]] std::size_t filter_count() const;
  /// A copy without one filter. Removing the project filter also removes phase and
  /// theme (they need a project). When a filter is removed the page position
  /// (offset, cursor) starts over; removing a filter that is not applied changes nothing.
  [[nodiscard]] TaskQuery without(FilterField field) const;
  /// A copy with every filter removed (sort and page size kept, offset and cursor
  /// cleared): "Nulstil alle".
  [[nodiscard]] TaskQuery reset_filters() const;
};

/// The longest query text parse_task_query reads (1 MiB).
inline constexpr std::size_t max_query_text_bytes = std::size_t{1} << 20;

/// Parses the text syntax; throws InvalidArgumentError whose where() is
/// "position N" and whose message says what was expected there. Text longer
/// than max_query_text_bytes or not valid UTF-8 (where() "query") is refused
/// before parsing.
TaskQuery parse_task_query(std::string_view text);
/// Prints a query canonically in the text syntax (parse_task_query(to_text(q)) == q).
std::string to_text(const TaskQuery& q);
/// JSON form (docs/query.md). Unknown fields and values are errors naming them.
std::string to_json(const TaskQuery& q, int indent = -1);
TaskQuery task_query_from_json(std::string_view text);

}  // namespace klik
