// Resolving a task-list query against one world and viewer: which partitions
// the viewer's rights open (RightsModel::task_scope), and the filters with
// their project and user references looked up.
#include "detail/task_plan.hpp"

#include "klik/error.hpp"
#include "klik/text.hpp"

namespace klik::detail {

namespace {

template <class E>
std::uint32_t mask_of(const std::vector<E>& values) {
  std::uint32_t m = 0;
  for (E v : values) m |= 1u << static_cast<unsigned>(v);
  return m;
}

std::uint32_t resolve_user(const World& world, const User& viewer, const UserRef& ref, const char* field) {
  const User* u = nullptr;
  std::string name;
  if (const auto* id = std::get_if<UserId>(&ref)) {
    u = world.user(*id);
    name = std::to_string(id->value());
  } else {
    const std::string& email = std::get<std::string>(ref);
    name = excerpt(email);
    u = world.user_by_email(email);
  }
  // Another municipality's user is "not found": their existence is not revealed.
  if (!u || (viewer.side == Side::Municipality && u->municipality != viewer.municipality))
    throw NotFoundError(std::string(field) + ": no user " + name + " in your municipality");
  return u->id.value();
}

PersonMatch resolve_person(const World& world, const User& viewer, const PersonFilter& f, const char* field) {
  PersonMatch m;
  m.active = f.active();
  m.negated = f.negated;
  m.not_set = f.not_set;
  for (const UserRef& r : f.users) m.users.push_back(resolve_user(world, viewer, r, field));
  return m;
}

}  // namespace

Plan make_plan(const World& world, const RightsModel& rights, const User& viewer, const TaskQuery& q, Date today,
               bool filters) {
  q.check();
  const WorldIndex& w = world.index();
  Plan plan;
  plan.w = &w;
  plan.viewer = viewer.id.value();
  plan.today = today;
  plan.today_serial = today.serial();

  // Projects named by the query (resolved; unknown names are errors).
  std::vector<ProjectId> wanted;
  for (const ProjectRef& ref : q.projects) {
    const Project* p = find_project(world, ref);
    if (!p) {
      if (const auto* id = std::get_if<ProjectId>(&ref))
        throw NotFoundError("projects: no project " + std::to_string(id->value()));
      throw InvalidArgumentError("no project named " + excerpt(std::get<std::string>(ref)), "projects");
    }
    wanted.push_back(p->id);
  }
  auto chosen = [&](ProjectId p) { return wanted.empty() || contains(wanted, p); };

  const TaskScope scope = rights.task_scope(viewer);
  plan.kombit = scope.side == Side::Kombit;
  plan.locals = scope.local_tasks && !plan.kombit;
  if (plan.kombit) {
    for (std::uint32_t slot = 0; slot < w.projects.size(); ++slot) {
      const ProjectId p = w.projects[slot].id;
      if (!chosen(p) || !(scope.all_projects || contains(scope.all_tasks, p))) continue;
      for (std::uint32_t pi : w.partitions_by_project[slot]) plan.sources.push_back({pi, Mode::All});
    }
  } else if (scope.municipality) {
    if (scope.all_projects)  // a model may let a municipality see every project of its own
      for (const Partition& part : w.partitions)
        if (part.municipality == *scope.municipality && chosen(part.project))
          plan.sources.push_back({static_cast<std::uint32_t>(&part - w.partitions.data()), Mode::All});
    for (ProjectId p : scope.all_projects ? std::vector<ProjectId>{} : scope.all_tasks)
      if (chosen(p))
        if (auto it = w.partition_of.find(WorldIndex::partition_key(p, *scope.municipality));
            it != w.partition_of.end())
          plan.sources.push_back({it->second, Mode::All});
    for (ProjectId p : scope.all_projects ? std::vector<ProjectId>{} : scope.assigned_only)
      if (chosen(p) && !contains(scope.all_tasks, p))
        if (auto it = w.partition_of.find(WorldIndex::partition_key(p, *scope.municipality));
            it != w.partition_of.end())
          plan.sources.push_back({it->second, Mode::AssignedOnly});
  }
  std::sort(plan.sources.begin(), plan.sources.end(),
            [](const Source& a, const Source& b) { return a.partition < b.partition; });

  if (!filters) return plan;
  plan.status_mask = mask_of(q.statuses);
  plan.priority_mask = mask_of(q.priorities);
  plan.colour_mask = mask_of(q.colours);
  plan.need_colour = plan.colour_mask != 0;
  for (auto ph : q.phases) plan.phases.set(ph), plan.phase_filter = true;
  for (auto th : q.themes) plan.themes.set(th), plan.theme_filter = true;
  plan.responsible = resolve_person(world, viewer, q.responsible, "responsible");
  plan.performer = resolve_person(world, viewer, q.performer, "performer");
  // "Tasks of these people" only ever lies in those people's municipalities: for a
  // national viewer that cuts a million rows down to a few municipalities' partitions.
  for (const PersonMatch* m : {&plan.responsible, &plan.performer}) {
    if (!m->active || m->negated || m->not_set) continue;
    std::vector<MunicipalityId> homes;
    for (std::uint32_t id : m->users)
      if (const User* u = world.user(UserId(id)); u && u->municipality) homes.push_back(*u->municipality);
    std::erase_if(plan.sources, [&](const Source& src) {
      return std::find(homes.begin(), homes.end(), w.partitions[src.partition].municipality) == homes.end();
    });
  }
  plan.title = fold_case(q.title_contains);
  if (q.end_from) plan.end_from = q.end_from->serial();
  if (q.end_to) plan.end_to = q.end_to->serial();
  return plan;
}

}  // namespace klik::detail
