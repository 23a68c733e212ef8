#include "klik/workflows.hpp"

#include <algorithm>
#include <set>

#include "detail/json_io.hpp"
#include "detail/workflow_support.hpp"
#include "detail/world_index.hpp"
#include "klik/accounts.hpp"
#include "klik/notification.hpp"
#include "klik/user_admin.hpp"

namespace klik {

namespace {

bool digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int two(std::string_view s, std::size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

bool real_day(int day, int month, int yy) {
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > days[month - 1]) return false;
  if (month == 2 && day == 29) {
    // valid in 19yy or 20yy
    auto leap = [](int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; };
    return leap(1900 + yy) || leap(2000 + yy);
  }
  return true;
}

using detail::actor_of;
using detail::address;
using detail::all_users;
using detail::attributed;
using detail::facts_of;
using detail::notification;
using detail::target_of;
using detail::task_link;

}  // namespace

std::size_t find_cpr_number(std::string_view text) noexcept {
  for (std::size_t i = 0; i + 11 <= text.size(); ++i) {
    if (text[i + 6] != '-' || !digits(text.substr(i, 6)) || !digits(text.substr(i + 7, 4))) continue;
    // not part of a longer number
    if (i > 0 && text[i - 1] >= '0' && text[i - 1] <= '9') continue;
    if (i + 11 < text.size() && text[i + 11] >= '0' && text[i + 11] <= '9') continue;
    if (real_day(two(text, i), two(text, i + 2), two(text, i + 4))) return i;
  }
  return std::string_view::npos;
}

Workflows::Workflows(Store& store, const Clock& clock, RightsModel rights, NotificationRouting routing)
    : store_(store), clock_(clock), rights_(std::move(rights)), routing_(std::move(routing)) {}

Task Workflows::change_task(UserId actor_id, const TaskChange& change) {
  std::vector<Notification> notes;
  TaskUpdate update;
  update.task = change.task;
  update.expected_version = change.expected_version;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const TaskFacts facts = facts_of(snap.world(), change.task);
    const std::span<const Project> projects(snap->projects());
    require(rights_.decide(actor, Action::ViewTask, facts, projects));
    const Timestamp now = clock_.now();
    // Each field named needs its right, even at the value it has: a change is
    // judged on what it asks for. Only what differs is written and notified.
    std::vector<std::pair<UserId, const char*>> assigned;  // new people, told once the change is known
    if (change.status) {
      const bool kombit_only = *change.status == TaskStatus::NotActive || facts.status == TaskStatus::NotActive;
      require(rights_.decide(actor, kombit_only ? Action::SetNotActive : Action::EditStatus, facts, projects));
      update.status = change.status;
    }
    auto assign = [&](const std::optional<std::optional<UserId>>& wanted, const std::optional<UserId>& current,
                      Action action, const char* role) {
      if (!wanted) return;
      require(rights_.decide(actor, action, facts, projects));
      if (const auto& who = *wanted) {
        const User* person = snap->user(*who);
        // Someone of another municipality is "not found" to this actor, like every other object of theirs.
        if (!person || (actor.side == Side::Municipality && person->municipality != actor.municipality))
          throw not_found(ObjectKind::User, role);
        const Decision can = rights_.decide(*person, Action::BeAssigned, facts, projects);
        if (!can.allowed())
          throw InvalidArgumentError(person->full_name + " cannot be made " + role + ": " + can.reason, role);
        if (*wanted != current) assigned.emplace_back(*who, role);
      }
      (action == Action::EditResponsible ? update.responsible : update.performer) = *wanted;
    };
    assign(change.responsible, facts.responsible, Action::EditResponsible, "responsible");
    assign(change.performer, facts.performer, Action::EditPerformer, "performer");
    // Routed on the task as it will be: a new assignee holds it (and so may see it).
    TaskFacts after = facts;
    if (change.responsible) after.responsible = *change.responsible;
    if (change.performer) after.performer = *change.performer;
    if (change.status) after.status = *change.status;
    RecipientResolver route(routing_, rights_, snap.world());
    for (const auto& [who, role] : assigned) {
      Recipients to = route.task_event(NotificationEvent::TaskAssigned, after, who);
      if (to.empty()) continue;
      Notification n = notification("task.assigned", actor, task_link(change.task),
                                    {{"task", change.task.value()}, {"role", role}}, now);
      address(n, std::move(to));
      n.key = "task.assigned/" + std::to_string(change.task.value()) + "/" + role + "/" + std::to_string(who.value()) +
              "/" + std::to_string(now.unix_seconds());
      notes.push_back(std::move(n));
    }
  }
  // The store applies only what differs; a change with no effect is no write
  // (no new version, no notification), judged on the task as it is when it is written.
  return store_.update_task(update, notes, attributed(actor_id, "change_task", clock_));
}

Message Workflows::write_message(UserId actor_id, TaskId task, const std::string& text) {
  KLIK_REQUIRE(!text.empty(), "a message needs text");
  Message m;
  std::vector<Notification> notes;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const TaskFacts facts = facts_of(snap.world(), task);
    const std::span<const Project> projects(snap->projects());
    require(rights_.decide(actor, Action::WriteMessage, facts, projects));
    const Timestamp now = clock_.now();
    m.target.task = task;
    m.author = actor.id;
    m.author_side = actor.side;
    m.time = now;
    m.text = text;
    // By default (the manual's Tabel 4): KOMBIT's message to the Plusbrugere and to the task's
    // responsible and performer; the municipality's to the project's KOMBIT contact mailbox.
    const NotificationEvent event =
        actor.side == Side::Kombit ? NotificationEvent::MessageKombitTask : NotificationEvent::MessageMunicipalityTask;
    Notification n =
        notification(std::string(code(event)), actor, task_link(task), {{"task", task.value()}, {"text", text}}, now);
    address(n, RecipientResolver(routing_, rights_, snap.world()).task_event(event, facts));
    if (!n.recipients.empty() || !n.mailbox.empty()) notes.push_back(std::move(n));
  }
  return store_.add_message(m, notes, attributed(actor_id, "write_message", clock_));
}

Message Workflows::broadcast(UserId actor_id, ProjectId project, std::optional<WaveId> wave, const std::string& text) {
  KLIK_REQUIRE(!text.empty(), "a message needs text");
  Message m;
  std::vector<Notification> notes;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const Project* p = snap->project(project);
    if (!p) throw not_found(ObjectKind::Project);
    if (actor.side != Side::Kombit || (!actor.administrator && !actor.type_on(project)))
      throw PermissionDeniedError("only KOMBIT's administrator and the project's implementation managers write to a " +
                                      std::string(wave ? "rollout wave" : "whole project"),
                                  "kombit_broadcast", "allowed as KOMBIT implementation manager of the project");
    std::vector<MunicipalityId> municipalities = p->participants;
    if (wave) {
      const auto& waves = snap->waves();
      const auto it = std::find_if(waves.begin(), waves.end(),
                                   [&](const RolloutWave& w) { return w.id == *wave && w.project == project; });
      if (it == waves.end()) throw not_found(ObjectKind::Wave);
      municipalities = it->members;
    }
    const Timestamp now = clock_.now();
    m.target.project = wave ? std::nullopt : std::optional(project);
    m.target.wave = wave;
    m.author = actor.id;
    m.author_side = Side::Kombit;
    m.time = now;
    m.text = text;
    const NotificationEvent event =
        wave ? NotificationEvent::MessageKombitWave : NotificationEvent::MessageKombitProject;
    detail::json payload = {{"project", project.value()}, {"text", text}};
    if (wave) payload["wave"] = wave->value();
    Notification n =
        notification(std::string(code(event)), actor, "/projects/" + std::to_string(project.value()), payload, now);
    address(n, RecipientResolver(routing_, rights_, snap.world()).project_event(event, *p, municipalities));
    if (!n.recipients.empty() || !n.mailbox.empty()) notes.push_back(std::move(n));
  }
  return store_.add_message(m, notes, attributed(actor_id, "broadcast", clock_));
}

std::string Workflows::internal_notes(UserId actor_id, TaskId task) const {
  const Snapshot snap = store_.snapshot();
  const User actor = actor_of(snap.world(), actor_id);
  const TaskFacts facts = facts_of(snap.world(), task);
  require(rights_.decide(actor, Action::ViewInternalNotes, facts, snap->projects()));
  return snap->internal_notes(task).value_or("");
}

void Workflows::set_internal_notes(UserId actor_id, TaskId task, const std::string& text) {
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const TaskFacts facts = facts_of(snap.world(), task);
    require(rights_.decide(actor, Action::EditInternalNotes, facts, snap->projects()));
  }
  store_.set_internal_notes(task, text, attributed(actor_id, "set_internal_notes", clock_));
}

Attachment Workflows::add_file(UserId actor_id, TaskId task, const std::string& file_name,
                               const std::string& media_type, const std::string& content) {
  KLIK_REQUIRE(!file_name.empty(), "a file needs a name");
  Attachment a;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const TaskFacts facts = facts_of(snap.world(), task);
    require(rights_.decide(actor, Action::AddFile, facts, snap->projects()));
    if (const std::size_t at = find_cpr_number(content); at != std::string_view::npos)
      throw InvalidArgumentError("the file \"" + file_name + "\" holds what looks like a CPR number at byte " +
                                     std::to_string(at) + "; files in KLIK must not contain personal data",
                                 "content");
    a.task = task;
    a.file_name = file_name;
    a.media_type = media_type.empty() ? "application/octet-stream" : media_type;
    a.uploaded_by = actor.id;
    a.time = clock_.now();
    a.content = content;
    a.size = content.size();
  }
  return store_.add_attachment(a, {}, attributed(actor_id, "add_file", clock_));
}

LocalTask Workflows::create_local_task(UserId actor_id, LocalTask task) {
  detail::require_no_id(task.id, "local task");
  Announce<LocalTask> announce;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const TaskFacts parent = facts_of(snap.world(), task.parent);
    const std::span<const Project> projects(snap->projects());
    require(rights_.decide(actor, Action::CreateLocalTask, parent, projects));
    task.municipality = parent.municipality;
    const Timestamp now = clock_.now();
    // Routed now, on the local task as it will be stored (its people hold it).
    const TaskFacts facts = local_task_facts(task, *snap->task(task.parent), parent.project);
    RecipientResolver route(routing_, rights_, snap.world());
    std::vector<std::pair<const char*, Recipients>> routed;
    std::set<UserId> told;
    for (const auto& [who, role] :
         {std::pair{task.responsible, "responsible"}, std::pair{task.performer, "performer"}}) {
      if (!who || !told.insert(*who).second) continue;
      routed.emplace_back(role, route.task_event(NotificationEvent::TaskAssigned, facts, *who));
    }
    // The notifications name the new id, which the store assigns under its write lock.
    announce = [actor, now, routed](const LocalTask& stored) {
      std::vector<Notification> notes;
      for (const auto& [role, to] : routed) {
        if (to.empty()) continue;
        Notification n = notification("task.assigned", actor, task_link(stored.parent),
                                      {{"local_task", stored.id.value()}, {"role", role}}, now);
        address(n, to);
        notes.push_back(std::move(n));
      }
      return notes;
    };
  }
  return store_.create_local_task(task, announce, attributed(actor_id, "create_local_task", clock_));
}

User Workflows::create_user(UserId actor_id, User proposed) {
  detail::require_no_id(proposed.id, "user");
  Announce<User> announce;
  ResetToken token;
  Credentials account;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const std::vector<User> users = all_users(snap.world());
    throw_if_any(validate_create_user(rights_, actor, proposed, users, snap->projects()));
    const Timestamp now = clock_.now();
    // The "set your password" link (the manual's Tabel 3 and Tabel 4): a fresh reset token whose hash is
    // stored with the user, the token itself only in the notification's link.
    token = new_reset_token();
    account.reset_token_hash = token.hash;
    account.reset_expires = Timestamp(now.unix_seconds() + AccountPolicy{}.reset_link_seconds);
    // The new user is routed inside the store's write (no world there): user.created
    // carries the password link, so only its subject can be routed to (routing.hpp).
    announce = [this, actor, now, plain = token.token](const User& stored) {
      Recipients to = RecipientResolver(routing_, rights_).user_event(NotificationEvent::UserCreated, stored);
      if (to.empty()) return std::vector<Notification>{};
      Notification n =
          notification("user.created", actor, reset_link(stored.id, plain), {{"user", stored.id.value()}}, now);
      address(n, std::move(to));
      return std::vector<Notification>{std::move(n)};
    };
  }
  // The store assigns the id and re-checks the email under its write lock, and
  // writes the account record and the notification in the same transaction.
  return store_.create_user(proposed, announce, account, attributed(actor_id, "create_user", clock_));
}

User Workflows::set_user_type(UserId actor_id, UserId user_id, ProjectId project, std::optional<UserType> type) {
  std::vector<Notification> notes;
  User after;
  std::uint32_t version = 0;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const User* target = target_of(snap.world(), actor, user_id);
    if (!snap->project(project)) throw not_found(ObjectKind::Project);
    const std::vector<User> users = all_users(snap.world());
    const auto before_type = target->type_on(project);
    throw_if_any(type ? validate_set_user_type(rights_, actor, *target, project, *type, users, snap->projects())
                      : validate_remove_project(rights_, actor, *target, project, users, snap->projects()));
    after = *target;
    version = target->version;
    auto it = std::find_if(after.memberships.begin(), after.memberships.end(),
                           [&](const Membership& m) { return m.project == project; });
    if (!type) {
      if (it != after.memberships.end()) after.memberships.erase(it);
    } else if (it != after.memberships.end()) {
      it->type = *type;
    } else {
      after.memberships.push_back({project, *type});
      std::sort(after.memberships.begin(), after.memberships.end(),
                [](const Membership& a, const Membership& b) { return a.project < b.project; });
    }
    const NotificationEvent event = !type          ? NotificationEvent::UserRemovedFromProject
                                    : !before_type ? NotificationEvent::UserAddedToProject
                                                   : NotificationEvent::UserTypeChanged;
    if (before_type != type) {
      detail::json payload = {{"user", user_id.value()}, {"project", project.value()}};
      if (type) payload["type"] = std::string(code(*type));
      Notification n = notification(std::string(code(event)), actor, "/projects/" + std::to_string(project.value()),
                                    payload, clock_.now());
      address(n, RecipientResolver(routing_, rights_, snap.world()).user_event(event, *target));
      if (!n.recipients.empty()) notes.push_back(std::move(n));
    }
  }
  // The store re-checks the last Administrator and Plusbruger against the users
  // as they are when it writes, and writes nothing when nothing changes.
  return store_.put_user(after, version, notes, attributed(actor_id, "set_user_type", clock_));
}

void Workflows::delete_user(UserId actor_id, UserId user_id) {
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const User* target = target_of(snap.world(), actor, user_id);
    const std::vector<User> users = all_users(snap.world());
    throw_if_any(validate_delete_user(rights_, actor, *target, users, snap->projects()));
  }
  store_.remove_user(
      user_id, {},
      attributed(actor_id, "delete_user", clock_));  // re-checks the invariants under the store's write lock
}

}  // namespace klik
