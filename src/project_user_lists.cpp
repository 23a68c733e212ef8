// The project list (projektliste) and the user list (brugerhåndtering), with
// the same filter mechanism as the task list (their filter values live in
// list_filters.cpp).
#include "klik/project_user_lists.hpp"

#include <algorithm>
#include <tuple>

#include "detail/task_plan.hpp"
#include "klik/error.hpp"
#include "klik/text.hpp"

namespace klik {

std::vector<ProjectRow> list_projects(const World& world, const RightsModel& rights, const User& viewer,
                                      const ProjectQuery& query) {
  std::vector<ProjectRow> out;
  if (!rights.capabilities(viewer).project_list) return out;
  const std::string needle = fold_case(query.name_contains);
  for (const Project& p : world.projects()) {
    std::optional<UserType> type;
    if (viewer.side == Side::Municipality) {
      type = viewer.type_on(p.id);
      if (!type) continue;
    }
    if (!query.user_types.empty() &&
        (!type || std::find(query.user_types.begin(), query.user_types.end(), *type) == query.user_types.end()))
      continue;
    if (!needle.empty() && fold_case(p.name).find(needle) == std::string::npos) continue;
    out.push_back({p.id, p.name, type, p.deadline, p.period_start, p.period_end, p.kombit_contact, p.contact_mail});
  }
  std::sort(out.begin(), out.end(), [](const ProjectRow& a, const ProjectRow& b) {
    return std::tie(a.name, a.project) < std::tie(b.name, b.project);
  });
  return out;
}

std::vector<User> list_users(const World& world, const RightsModel& rights, const User& viewer,
                             const UserQuery& query) {
  std::vector<ProjectId> projects;
  for (const ProjectRef& ref : query.projects) {
    const Project* p = detail::find_project(world, ref);
    if (!p) throw InvalidArgumentError("unknown project in the user filter", "projects");
    projects.push_back(p->id);
  }
  const std::string needle = fold_case(query.text);
  std::vector<User> out;
  for (const User* u : world.users()) {
    if (!rights.decide(viewer, Action::ViewUser, Target::of(*u)).allowed()) continue;
    if (query.administrator && u->administrator != *query.administrator) continue;
    if (!projects.empty() || !query.user_types.empty()) {
      bool match = false;
      for (const Membership& m : u->memberships) {
        if (!projects.empty() && !detail::contains(projects, m.project)) continue;
        if (!query.user_types.empty() &&
            std::find(query.user_types.begin(), query.user_types.end(), m.type) == query.user_types.end())
          continue;
        match = true;
      }
      if (!match) continue;
    }
    if (!needle.empty() && fold_case(u->full_name).find(needle) == std::string::npos &&
        normalise_email(u->email).find(needle) == std::string::npos)
      continue;
    out.push_back(*u);
  }
  std::sort(out.begin(), out.end(),
            [](const User& a, const User& b) { return std::tie(a.full_name, a.id) < std::tie(b.full_name, b.id); });
  return out;
}

}  // namespace klik
