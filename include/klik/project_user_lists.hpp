#pragma once
/// @file project_user_lists.hpp
/// @brief The project list (projektliste) and the user list (brugerhåndtering)
/// for a viewer, with the task list's filter mechanism: filters as values that
/// list as chips, come off one at a time, and read and write JSON.
///
/// Thread-safety: pure functions of their arguments; run any number at once.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "klik/query.hpp"
#include "klik/rights.hpp"
#include "klik/store.hpp"

namespace klik {

/// Filters of the project list (projektliste). Like TaskQuery's, they list as
/// chips, come off one at a time or all at once, and read and write JSON
/// ({"name_contains": "...", "user_types": ["plus"]}; unknown fields are errors).
struct ProjectQuery {
  std::string name_contains;  ///< case-insensitive
  std::vector<UserType> user_types;  ///< the viewer's type on the project
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
  std::string text;  ///< in name or email, case-insensitive
  /// Codes of the applied filters: "projects", "user_types", "administrator", "text".
  [[nodiscard]] std::vector<std::string> applied_filters() const;
  [[nodiscard]] UserQuery without(std::string_view code) const;
  friend bool operator==(const UserQuery&, const UserQuery&) = default;
};
std::string to_json(const UserQuery& q);
UserQuery user_query_from_json(std::string_view text);
/// Users of the viewer's municipality that the viewer may see, filtered, by name.
std::vector<User> list_users(const World& world, const RightsModel& rights, const User& viewer, const UserQuery& query);

}  // namespace klik
