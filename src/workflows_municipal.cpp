// Workflows of the municipality's side (workflows.hpp): reading a task's thread and
// files, deleting files, the life cycle of local tasks, and users' details and
// Administrator flag. Each call decides with the rights model on a snapshot, then
// writes through the store with its notifications in the same transaction.
#include <algorithm>
#include <set>

#include "detail/json_io.hpp"
#include "detail/workflow_support.hpp"
#include "klik/notification.hpp"
#include "klik/user_admin.hpp"
#include "klik/workflows.hpp"

namespace klik {

using detail::actor_of;
using detail::address;
using detail::all_users;
using detail::attributed;
using detail::facts_of;
using detail::notification;
using detail::target_of;
using detail::task_link;

namespace {

/// How often a write based on a snapshot is tried again when someone else changed
/// the object in between and the caller named no version (so wants the newest).
constexpr int max_attempts = 8;

/// A local task with the facts its rights are decided on; another municipality's
/// local task is "local task not found", as a missing one (decide() says the same).
struct LocalRead {
  LocalTask task;
  TaskFacts facts;
};

LocalRead local_of(const World& w, LocalTaskId id) {
  const LocalTask* local = w.local_task(id);
  if (!local) throw not_found(ObjectKind::LocalTask);
  const auto parent = w.task(local->parent);
  const auto project = w.project_of(local->parent);
  if (!parent || !project) throw not_found(ObjectKind::LocalTask);
  return {*local, local_task_facts(*local, *parent, *project)};
}

/// The attachment and the facts of its task, or "attachment not found" for an
/// attachment on a task the actor may not see, as for one that exists nowhere.
std::pair<Attachment, TaskFacts> file_of(const World& w, const RightsModel& rights, const User& actor,
                                         AttachmentId id) {
  const Attachment* a = w.attachment(id);
  if (!a) throw not_found(ObjectKind::Attachment);
  const auto task = w.task(a->task);
  const auto project = w.project_of(a->task);
  if (!task || !project) throw not_found(ObjectKind::Attachment);
  const TaskFacts facts = task_facts(*task, *project);
  if (rights.decide(actor, Action::ViewTask, facts, w.projects()).outcome == Outcome::NotFound)
    throw not_found(ObjectKind::Attachment);
  return {*a, facts};
}

/// Runs `attempt` again (on a new snapshot) when its write met a newer version and
/// the caller had named none: the change is then judged and applied on the newest state.
template <class F>
auto retrying(std::uint32_t expected_version, F&& attempt) {
  for (int i = 1;; ++i) {
    try {
      return attempt();
    } catch (const ConflictError&) {
      if (expected_version != 0 || i == max_attempts) throw;
    }
  }
}

}  // namespace

MessagePage Workflows::messages(UserId actor_id, TaskId task, std::size_t offset, std::size_t limit) const {
  if (limit < 1 || limit > 1000)
    throw InvalidArgumentError("limit must be 1..1000, not " + std::to_string(limit), "limit");
  const Snapshot snap = store_.snapshot();
  const User actor = actor_of(snap.world(), actor_id);
  require(rights_.decide(actor, Action::ViewTask, facts_of(snap.world(), task), snap->projects()));
  const std::vector<const Message*> thread = snap->thread(task);
  MessagePage page;
  page.total = thread.size();
  page.offset = std::min(offset, thread.size());
  const std::size_t end = page.offset + std::min(limit, thread.size() - page.offset);
  for (std::size_t i = page.offset; i < end; ++i) page.messages.push_back(*thread[i]);
  return page;
}

std::vector<Attachment> Workflows::files(UserId actor_id, TaskId task) const {
  const Snapshot snap = store_.snapshot();
  const User actor = actor_of(snap.world(), actor_id);
  require(rights_.decide(actor, Action::ViewTask, facts_of(snap.world(), task), snap->projects()));
  std::vector<Attachment> out;
  for (const Attachment* a : snap->attachments(task)) out.push_back(*a);  // the index holds no content
  return out;
}

void Workflows::read_file(UserId actor_id, AttachmentId file, const std::function<void(std::string_view)>& sink) const {
  {
    const Snapshot snap = store_.snapshot();  // released before streaming: the content is the backend's
    const User actor = actor_of(snap.world(), actor_id);
    const auto [meta, facts] = file_of(snap.world(), rights_, actor, file);
    require(rights_.decide(actor, Action::ViewTask, facts, snap->projects()));
  }
  store_.read_attachment(file, sink);
}

void Workflows::delete_file(UserId actor_id, AttachmentId file) {
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const auto [meta, facts] = file_of(snap.world(), rights_, actor, file);
    require(rights_.decide(actor, Action::DeleteFile, facts, snap->projects()));
  }
  store_.remove_attachment(file, {}, attributed(actor_id, "delete_file", clock_));
}

LocalTask Workflows::change_local_task(UserId actor_id, const LocalTaskChange& change) {
  if (change.status == TaskStatus::NotActive)
    throw InvalidArgumentError("a local task cannot be not active (only KOMBIT's tasks can)", "status");
  return retrying(change.expected_version, [&] {
    std::vector<Notification> notes;
    LocalTask after;
    std::uint32_t read = 0;
    {
      const Snapshot snap = store_.snapshot();
      const User actor = actor_of(snap.world(), actor_id);
      const LocalRead local = local_of(snap.world(), change.task);
      const std::span<const Project> projects(snap->projects());
      require(rights_.decide(actor, Action::ViewTask, local.facts, projects));
      after = local.task;
      read = change.expected_version != 0 ? change.expected_version : local.task.version;
      // Each field named needs its right, also at the value it has (as change_task).
      if (change.title || change.description || change.end)
        require(rights_.decide(actor, Action::EditLocalTask, local.facts, projects));
      if (change.title) {
        KLIK_REQUIRE(!change.title->empty(), "a local task needs a title");
        after.title = *change.title;
      }
      if (change.description) after.description = *change.description;
      if (change.end) after.end = *change.end;
      if (change.status) {
        require(rights_.decide(actor, Action::EditStatus, local.facts, projects));
        after.status = *change.status;
      }
      const Timestamp now = clock_.now();
      // The parent's facts decide who may be assigned (be_assigned is about the KLIK task's project).
      const TaskFacts parent = facts_of(snap.world(), local.task.parent);
      std::vector<std::pair<UserId, const char*>> assigned;  // new people, told once the change is known
      auto assign = [&](const std::optional<std::optional<UserId>>& wanted, std::optional<UserId>& field, Action action,
                        const char* role) {
        if (!wanted) return;
        require(rights_.decide(actor, action, local.facts, projects));
        if (const auto& who = *wanted) {
          const User* person = snap->user(*who);
          if (!person || (actor.side == Side::Municipality && person->municipality != actor.municipality))
            throw not_found(ObjectKind::User, role);
          const Decision can = rights_.decide(*person, Action::BeAssigned, parent, projects);
          if (!can.allowed())
            throw InvalidArgumentError(person->full_name + " cannot be made " + role + ": " + can.reason, role);
          if (*wanted != field) assigned.emplace_back(*who, role);
        }
        field = *wanted;
      };
      assign(change.responsible, after.responsible, Action::EditResponsible, "responsible");
      assign(change.performer, after.performer, Action::EditPerformer, "performer");
      if (after == local.task) return local.task;  // nothing changes: no write, no notification
      // Routed on the local task as it will be: a new assignee holds it (and so may see it).
      const TaskFacts routed_on = local_task_facts(after, *snap->task(local.task.parent), parent.project);
      RecipientResolver route(routing_, rights_, snap.world());
      for (const auto& [who, role] : assigned) {
        Recipients to = route.task_event(NotificationEvent::TaskAssigned, routed_on, who);
        if (to.empty()) continue;
        Notification n = notification("task.assigned", actor, task_link(local.task.parent),
                                      {{"local_task", change.task.value()}, {"role", role}}, now);
        address(n, std::move(to));
        n.key = "task.assigned/local/" + std::to_string(change.task.value()) + "/" + role + "/" +
                std::to_string(who.value()) + "/" + std::to_string(now.unix_seconds());
        notes.push_back(std::move(n));
      }
    }
    return store_.put_local_task(after, read, notes, attributed(actor_id, "change_local_task", clock_));
  });
}

void Workflows::delete_local_task(UserId actor_id, LocalTaskId task, std::uint32_t expected_version) {
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const LocalRead local = local_of(snap.world(), task);
    require(rights_.decide(actor, Action::EditLocalTask, local.facts, snap->projects()));
  }
  store_.remove_local_task(task, expected_version, {}, attributed(actor_id, "delete_local_task", clock_));
}

User Workflows::edit_user(UserId actor_id, const UserDetailsChange& change) {
  return retrying(change.expected_version, [&] {
    User after;
    std::uint32_t read = 0;
    {
      const Snapshot snap = store_.snapshot();
      const User actor = actor_of(snap.world(), actor_id);
      const User* target = target_of(snap.world(), actor, change.user);
      after = *target;
      read = change.expected_version != 0 ? change.expected_version : target->version;
      if (change.full_name) after.full_name = *change.full_name;
      if (change.email) after.email = *change.email;
      if (change.organisation) after.organisation = *change.organisation;
      throw_if_any(validate_edit_details(rights_, actor, *target, after.full_name, after.organisation, after.email,
                                         all_users(snap.world()), snap->projects()));
    }
    // The store re-checks that the email is unique under its write lock.
    return store_.put_user(after, read, {}, attributed(actor_id, "edit_user", clock_));
  });
}

User Workflows::set_administrator(UserId actor_id, UserId user_id, bool administrator) {
  return retrying(0, [&] {
    User after;
    std::uint32_t read = 0;
    {
      const Snapshot snap = store_.snapshot();
      const User actor = actor_of(snap.world(), actor_id);
      const User* target = target_of(snap.world(), actor, user_id);
      throw_if_any(validate_set_administrator(rights_, actor, *target, administrator, all_users(snap.world()),
                                              snap->projects()));
      after = *target;
      after.administrator = administrator;
      read = target->version;
    }
    // The last-Administrator rule is checked again by the store under its write lock.
    return store_.put_user(after, read, {}, attributed(actor_id, "set_administrator", clock_));
  });
}

User Workflows::set_daily_digest(UserId actor_id, UserId user_id, bool daily_digest) {
  return retrying(0, [&] {
    User after;
    std::uint32_t read = 0;
    {
      const Snapshot snap = store_.snapshot();
      const User actor = actor_of(snap.world(), actor_id);
      const User* target = target_of(snap.world(), actor, user_id);
      throw_if_any(validate_set_daily_digest(rights_, actor, *target, snap->projects()));
      after = *target;
      after.daily_digest = daily_digest;
      read = target->version;
    }
    return store_.put_user(after, read, {}, attributed(actor_id, "set_daily_digest", clock_));
  });
}

}  // namespace klik
