#pragma once
// Private: reading a klik SQLite file's rows into a Dataset, every value
// checked on the way (integer columns are integers in their type's range,
// enums are known values, dates lie in 1400-9999, text is UTF-8, JSON
// documents read as their entity), then the cross-references checked by the
// library's dataset validation (validate() in dataset.hpp). The strict open
// (sqlite_store.cpp) refuses a file with any problem; salvage_sqlite keeps the
// rows that pass.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/sqlite.hpp"
#include "klik/dataset.hpp"
#include "klik/enums.hpp"
#include "klik/sqlite_store.hpp"

namespace klik::detail::sql {

/// What read_rows found: the rows that passed their column checks, where each
/// came from, and the problems of the rest.
struct LoadedRows {
  Dataset data;
  /// The key of each row of data's collections (the id column; internal notes: their task).
  std::vector<std::int64_t> municipality, project, wave, templ, task, local_task, user, message, attachment, note,
      credentials;
  /// The last-notified colour of each task that has one.
  std::vector<std::pair<TaskId, DeadlineColour>> notified;
  /// The same for local tasks (schema 5 on).
  std::vector<std::pair<LocalTaskId, DeadlineColour>> notified_local;
  /// change_log rows: kind, id, version, fields.
  std::vector<std::array<std::uint32_t, 4>> change_log;
  /// The number of the last change in change_sequence (0: none, or schema < 3).
  std::uint64_t sequence = 0;
  /// Rows left out (dropped) or fields cleared, and why.
  std::vector<DroppedRow> problems;
};

/// Reads every table of a klik file at schema `version` (1..sqlite_schema_version)
/// in the caller's read transaction. `with_content`: attachment content too
/// (salvage); otherwise metadata only. A row with a bad value is left out and
/// listed in `problems`; a bad person reference (responsible, performer) is
/// cleared instead and listed with `cleared`. Throws StorageError only for
/// SQLite failures (corruption, I/O).
LoadedRows read_rows(const Database& db, std::int64_t version, bool with_content);

/// Runs the dataset validation over `rows.data` and lists each violation in
/// `rows.problems`, naming the table, row and column. With `repair`, drops the
/// offending rows (clearing dangling person references, dropping bad
/// memberships only) until the data is consistent; without, leaves the data.
void check_references(LoadedRows& rows, bool repair);

/// "table user, id 3, column side: 99 is not a side (...)".
std::string describe(const DroppedRow& p);

}  // namespace klik::detail::sql
