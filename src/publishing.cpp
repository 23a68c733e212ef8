// KOMBIT's side (include/klik/publishing.hpp): rights, then the store's KOMBIT
// calls with the notifications of the manual's Tabel 4.
#include "klik/publishing.hpp"

#include <algorithm>

#include "detail/json_io.hpp"
#include "detail/workflow_support.hpp"
#include "klik/notification.hpp"

namespace klik {

using detail::actor_of;
using detail::attributed;

namespace {

const Project& project_of(const World& w, ProjectId id) {
  const Project* p = w.project(id);
  if (!p) throw not_found(ObjectKind::Project);
  return *p;
}

const RolloutWave& wave_of(const World& w, WaveId id) {
  const auto& waves = w.waves();
  const auto it = std::find_if(waves.begin(), waves.end(), [&](const RolloutWave& x) { return x.id == id; });
  if (it == waves.end()) throw not_found(ObjectKind::Wave);
  return *it;
}

const TaskTemplate& template_of(const World& w, TemplateId id) {
  const TaskTemplate* t = w.task_template(id);
  if (!t) throw not_found(ObjectKind::Template);
  return *t;
}

bool has(const std::vector<MunicipalityId>& v, MunicipalityId m) { return std::find(v.begin(), v.end(), m) != v.end(); }

class Notes {
 public:
  Notes(const User& sender, Timestamp now) : sender_(sender), now_(now) {}

  /// Adds a notification to the routed recipients (none: nothing to send).
  void add(NotificationEvent event, Recipients to, std::string link, const detail::json& payload) {
    if (to.empty()) return;
    Notification n;
    n.event = code(event);
    n.sender = "KOMBIT KLIK (" + sender_.full_name + ")";
    n.link = std::move(link);
    n.payload = payload.dump();
    n.created = now_;
    n.next_attempt = now_;
    detail::address(n, std::move(to));
    out.push_back(std::move(n));
  }

  std::vector<Notification> out;

 private:
  const User& sender_;
  Timestamp now_;
};

std::string project_link(ProjectId p) { return "/projects/" + std::to_string(p.value()); }

/// The notifications of a project going from `before` to `after` (participants
/// joined or left; other fields changed), read from the world before the change.
void project_notes(const World& w, RecipientResolver& route, const Project& before, const Project& after,
                   Notes& notes) {
  const std::string link = project_link(after.id);
  for (MunicipalityId m : after.participants)
    if (!has(before.participants, m))
      notes.add(NotificationEvent::ProjectJoined, route.project_event(NotificationEvent::ProjectJoined, after, {&m, 1}),
                link, {{"project", after.id.value()}, {"municipality", m.value()}});
  for (MunicipalityId m : before.participants) {
    if (has(after.participants, m)) continue;
    notes.add(NotificationEvent::ProjectLeft, route.project_event(NotificationEvent::ProjectLeft, before, {&m, 1}),
              link, {{"project", after.id.value()}, {"municipality", m.value()}});
    // Every member there (by id, as World::users() is) leaves the project with it.
    for (const User* u : w.users())
      if (u->side == Side::Municipality && u->municipality == m && u->type_on(after.id))
        notes.add(NotificationEvent::UserRemovedFromProject,
                  route.user_event(NotificationEvent::UserRemovedFromProject, *u), link,
                  {{"user", u->id.value()}, {"project", after.id.value()}});
  }
  Project fields_before = before, fields_after = after;
  fields_before.participants.clear(), fields_after.participants.clear();
  if (fields_before != fields_after) {
    std::vector<MunicipalityId> stay;
    for (MunicipalityId m : after.participants)
      if (has(before.participants, m)) stay.push_back(m);
    notes.add(NotificationEvent::ProjectChanged, route.project_event(NotificationEvent::ProjectChanged, after, stay),
              link, {{"project", after.id.value()}});
  }
}

}  // namespace

Publishing::Publishing(Store& store, const Clock& clock, RightsModel rights, NotificationRouting routing)
    : store_(store), clock_(clock), rights_(std::move(rights)), routing_(std::move(routing)) {}

// ---- projects ----

Project Publishing::create_project(UserId actor_id, Project proposed) {
  detail::require_no_id(proposed.id, "project");
  Announce<Project> announce;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    require(rights_.decide(actor, Action::CreateProject, Target::none(), snap->projects()));
    // Each participating municipality is told as its users are now (by default its
    // Administrators: no one takes part in the new project yet).
    RecipientResolver route(routing_, rights_, snap.world());
    std::vector<std::pair<MunicipalityId, Recipients>> told;
    for (MunicipalityId m : proposed.participants)
      told.emplace_back(m, route.project_event(NotificationEvent::ProjectJoined, proposed, {&m, 1}));
    const Timestamp now = clock_.now();
    announce = [actor, now, told](const Project& stored) {
      Notes notes(actor, now);
      for (const auto& [m, to] : told)
        notes.add(NotificationEvent::ProjectJoined, to, project_link(stored.id),
                  {{"project", stored.id.value()}, {"municipality", m.value()}});
      return notes.out;
    };
  }
  return store_.create_project(proposed, announce, attributed(actor_id, "create_project", clock_));
}

Project Publishing::edit_project(UserId actor_id, const Project& project) {
  return write_project(actor_id, project, "edit_project");
}

Project Publishing::write_project(UserId actor_id, const Project& project, const char* operation) {
  std::vector<Notification> out;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const Project& before = project_of(snap.world(), project.id);
    require(rights_.decide(actor, Action::ManageProject, Target::of(project.id), snap->projects()));
    Notes notes(actor, clock_.now());
    RecipientResolver route(routing_, rights_, snap.world());
    project_notes(snap.world(), route, before, project, notes);
    out = std::move(notes.out);
  }
  return store_.put_project(project, out, attributed(actor_id, operation, clock_));
}

Project Publishing::join_project(UserId actor_id, ProjectId project, MunicipalityId municipality) {
  Project after;
  {
    const Snapshot snap = store_.snapshot();
    after = project_of(snap.world(), project);
    if (!snap->municipality(municipality)) throw not_found(ObjectKind::Municipality);
    if (!has(after.participants, municipality)) after.participants.push_back(municipality);
  }
  return write_project(actor_id, after, "join_project");
}

Project Publishing::leave_project(UserId actor_id, ProjectId project, MunicipalityId municipality) {
  Project after;
  {
    const Snapshot snap = store_.snapshot();
    after = project_of(snap.world(), project);
    if (!snap->municipality(municipality)) throw not_found(ObjectKind::Municipality);
    std::erase(after.participants, municipality);
  }
  return write_project(actor_id, after, "leave_project");
}

// ---- rollout waves ----

RolloutWave Publishing::create_wave(UserId actor_id, RolloutWave proposed) {
  detail::require_no_id(proposed.id, "wave");
  Announce<RolloutWave> announce;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const Project& p = project_of(snap.world(), proposed.project);
    require(rights_.decide(actor, Action::ManageProject, Target::of(proposed.project), snap->projects()));
    const Recipients told = RecipientResolver(routing_, rights_, snap.world())
                                .project_event(NotificationEvent::WaveChanged, p, proposed.members);
    const Timestamp now = clock_.now();
    announce = [actor, now, told](const RolloutWave& stored) {
      Notes notes(actor, now);
      notes.add(NotificationEvent::WaveChanged, told, project_link(stored.project),
                {{"project", stored.project.value()},
                 {"wave", stored.id.value()},
                 {"shift_workdays", stored.shift_workdays}});
      return notes.out;
    };
  }
  return store_.create_wave(proposed, announce, attributed(actor_id, "create_wave", clock_));
}

RolloutWave Publishing::edit_wave(UserId actor_id, const RolloutWave& wave) {
  return write_wave(actor_id, wave, "edit_wave");
}

RolloutWave Publishing::write_wave(UserId actor_id, const RolloutWave& wave, const char* operation) {
  std::vector<Notification> out;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const RolloutWave& before = wave_of(snap.world(), wave.id);
    require(rights_.decide(actor, Action::ManageProject, Target::of(before.project), snap->projects()));
    std::vector<MunicipalityId> touched = before.members;
    for (MunicipalityId m : wave.members)
      if (!has(touched, m)) touched.push_back(m);
    Notes notes(actor, clock_.now());
    notes.add(
        NotificationEvent::WaveChanged,
        RecipientResolver(routing_, rights_, snap.world())
            .project_event(NotificationEvent::WaveChanged, project_of(snap.world(), before.project), touched),
        project_link(before.project),
        {{"project", before.project.value()}, {"wave", wave.id.value()}, {"shift_workdays", wave.shift_workdays}});
    out = std::move(notes.out);
  }
  return store_.put_wave(wave, out, attributed(actor_id, operation, clock_));
}

RolloutWave Publishing::set_wave_shift(UserId actor_id, WaveId wave, std::int32_t shift_workdays) {
  RolloutWave after;
  {
    const Snapshot snap = store_.snapshot();
    after = wave_of(snap.world(), wave);
  }
  after.shift_workdays = shift_workdays;
  return write_wave(actor_id, after, "set_wave_shift");
}

// ---- task templates ----

TaskTemplate Publishing::publish_template(UserId actor_id, TaskTemplate proposed) {
  detail::require_no_id(proposed.id, "template");
  Announce<TaskTemplate> announce;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const Project& p = project_of(snap.world(), proposed.project);
    require(rights_.decide(actor, Action::ManageProject, Target::of(p.id), snap->projects()));
    const Recipients told = RecipientResolver(routing_, rights_, snap.world())
                                .project_event(NotificationEvent::TemplatePublished, p, p.participants);
    const Timestamp now = clock_.now();
    announce = [actor, now, told](const TaskTemplate& stored) {
      Notes notes(actor, now);
      notes.add(NotificationEvent::TemplatePublished, told, project_link(stored.project),
                {{"project", stored.project.value()}, {"template", stored.id.value()}, {"title", stored.title}});
      return notes.out;
    };
  }
  return store_.publish_template(proposed, announce, attributed(actor_id, "publish_template", clock_));
}

TaskTemplate Publishing::edit_template(UserId actor_id, const TaskTemplate& tpl) {
  std::vector<Notification> out;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const TaskTemplate& before = template_of(snap.world(), tpl.id);
    const Project& p = project_of(snap.world(), before.project);
    require(rights_.decide(actor, Action::ManageProject, Target::of(p.id), snap->projects()));
    Notes notes(actor, clock_.now());
    notes.add(NotificationEvent::TemplateChanged,
              RecipientResolver(routing_, rights_, snap.world())
                  .project_event(NotificationEvent::TemplateChanged, p, p.participants),
              project_link(p.id), {{"project", p.id.value()}, {"template", tpl.id.value()}, {"title", tpl.title}});
    out = std::move(notes.out);
  }
  return store_.put_template(tpl, out, attributed(actor_id, "edit_template", clock_));
}

std::vector<Task> Publishing::withdraw_template(UserId actor_id, TemplateId tpl) {
  std::vector<Notification> out;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const TaskTemplate& t = template_of(snap.world(), tpl);
    const Project& p = project_of(snap.world(), t.project);
    require(rights_.decide(actor, Action::ManageProject, Target::of(p.id), snap->projects()));
    Notes notes(actor, clock_.now());
    notes.add(NotificationEvent::TemplateWithdrawn,
              RecipientResolver(routing_, rights_, snap.world())
                  .project_event(NotificationEvent::TemplateWithdrawn, p, p.participants),
              project_link(p.id), {{"project", p.id.value()}, {"template", tpl.value()}, {"title", t.title}});
    out = std::move(notes.out);
  }
  return store_.withdraw_template(tpl, out, attributed(actor_id, "withdraw_template", clock_));
}

// ---- not active ----

Task Publishing::set_not_active(UserId actor_id, TaskId task, bool not_active) {
  TaskUpdate update;
  update.task = task;
  std::vector<Notification> out;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const auto t = snap->task(task);
    const auto project = snap->project_of(task);
    if (!t || !project) throw not_found(ObjectKind::Task);
    const TaskFacts facts = task_facts(*t, *project);
    const std::span<const Project> projects(snap->projects());
    require(rights_.decide(actor, Action::ViewTask, facts, projects));
    require(rights_.decide(actor, Action::SetNotActive, facts, projects));
    const bool is = t->status == TaskStatus::NotActive;
    if (is == not_active) return *t;  // nothing to change
    update.status = not_active ? TaskStatus::NotActive : TaskStatus::NotStarted;
    update.expected_version = t->version;
    const NotificationEvent event = not_active ? NotificationEvent::TaskNotActive : NotificationEvent::TaskReactivated;
    Notes notes(actor, clock_.now());
    notes.add(event, RecipientResolver(routing_, rights_, snap.world()).task_event(event, facts),
              "/tasks/" + std::to_string(task.value()), {{"task", task.value()}});
    out = std::move(notes.out);
  }
  return store_.update_task(update, out, attributed(actor_id, "set_not_active", clock_));
}

}  // namespace klik
