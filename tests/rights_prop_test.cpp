// Properties of the rights evaluator on random worlds (municipalities, users
// with random memberships and flags, KOMBIT users, tasks and local tasks with
// random people and statuses).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <vector>

#include "klik/rights.hpp"

namespace klik {
namespace {

struct World {
  std::vector<User> users;
  std::vector<TaskFacts> tasks;
  std::vector<ProjectId> projects;
  std::vector<MunicipalityId> municipalities;
};

std::optional<UserId> maybe_user(const std::vector<User>& users) {
  const int pick = *rc::gen::inRange<int>(-1, static_cast<int>(users.size()));
  if (pick < 0) return std::nullopt;
  return users[static_cast<std::size_t>(pick)].id;
}

World gen_world() {
  World w;
  const MunicipalityId codes[] = {MunicipalityId{101}, MunicipalityId{147}, MunicipalityId{851}};
  const int nm = *rc::gen::inRange(1, 4);
  for (int i = 0; i < nm; ++i) w.municipalities.push_back(codes[i]);
  const int np = *rc::gen::inRange(1, 4);
  for (int i = 1; i <= np; ++i) w.projects.push_back(ProjectId(static_cast<std::uint32_t>(i)));
  const int nu = *rc::gen::inRange(1, 10);
  for (int i = 0; i < nu; ++i) {
    User u;
    u.id = UserId(static_cast<std::uint32_t>(i + 1));
    u.email = std::to_string(i);  // (built by appending: GCC 12 warns falsely on "literal" + string)
    u.email += "@x.dk";
    const bool kombit = *rc::gen::inRange(0, 5) == 0;
    u.side = kombit ? Side::Kombit : Side::Municipality;
    if (!kombit) u.municipality = *rc::gen::elementOf(w.municipalities);
    u.administrator = *rc::gen::inRange(0, 4) == 0;
    for (ProjectId p : w.projects) {
      const int t = *rc::gen::inRange(0, 6);  // 0-3 a type, 4-5 no membership
      if (t < 4) u.memberships.push_back({p, static_cast<UserType>(t)});
    }
    w.users.push_back(std::move(u));
  }
  const int nt = *rc::gen::inRange(1, 16);
  for (int i = 0; i < nt; ++i) {
    TaskFacts f;
    f.id = TaskId(static_cast<std::uint32_t>(100 + i));
    f.municipality = *rc::gen::elementOf(w.municipalities);
    f.project = *rc::gen::elementOf(w.projects);
    f.responsible = maybe_user(w.users);
    f.performer = maybe_user(w.users);
    f.status = static_cast<TaskStatus>(*rc::gen::inRange(0, 4));
    if (*rc::gen::inRange(0, 3) == 0) {
      f.local = true;
      f.local_id = LocalTaskId(static_cast<std::uint32_t>(i + 1));
      f.parent_responsible = maybe_user(w.users);
      f.parent_performer = maybe_user(w.users);
    }
    w.tasks.push_back(f);
  }
  return w;
}

std::vector<Action> actions_of(TargetKind kind) {
  std::vector<Action> out;
  for (Action a : all_actions())
    if (target_kind(a) == kind) out.push_back(a);
  return out;
}

bool is_read_only(Action a) {
  return a == Action::ViewTask || a == Action::ExportTask || a == Action::ViewInternalNotes;
}

const RightsModel& rights() { return RightsModel::default_model(); }

RC_GTEST_PROP(RightsProps, NoUserReachesAnotherMunicipality, ()) {
  const World w = gen_world();
  for (const User& u : w.users) {
    if (u.side != Side::Municipality) continue;
    for (const TaskFacts& t : w.tasks) {
      if (t.municipality == *u.municipality) continue;
      for (Action a : actions_of(TargetKind::Task)) {
        const Decision d = rights().decide(u, a, t);
        RC_ASSERT(d.outcome == Outcome::NotFound);
        RC_ASSERT(d.reason == (t.local ? "local task not found" : "task not found"));
        RC_ASSERT(d.nearest.empty());
      }
    }
    for (const User& other : w.users) {
      if (other.side == Side::Municipality && other.municipality == u.municipality) continue;
      for (Action a : actions_of(TargetKind::User)) {
        const Decision d = rights().decide(u, a, Target::of(other, w.projects.front()));
        RC_ASSERT(!d.allowed());
        if (a != Action::CreateUser) RC_ASSERT(d.outcome == Outcome::NotFound);
      }
    }
  }
}

RC_GTEST_PROP(RightsProps, KombitNeverSeesLocalTasksOrInternalNotes, ()) {
  const World w = gen_world();
  for (const User& u : w.users) {
    if (u.side != Side::Kombit) continue;
    for (const TaskFacts& t : w.tasks) {
      if (t.local)
        for (Action a : actions_of(TargetKind::Task)) RC_ASSERT(rights().decide(u, a, t).outcome == Outcome::NotFound);
      RC_ASSERT(!rights().allows(u, Action::ViewInternalNotes, t));
      RC_ASSERT(!rights().allows(u, Action::EditInternalNotes, t));
    }
    const TaskScope s = rights().task_scope(u);
    RC_ASSERT(!s.local_tasks);
  }
}

RC_GTEST_PROP(RightsProps, ReaderNeverChangesAnything, ()) {
  const World w = gen_world();
  for (const User& u : w.users)
    for (const TaskFacts& t : w.tasks) {
      // A municipality Læser (KOMBIT users' memberships name managed projects, not user types).
      if (u.side != Side::Municipality || u.type_on(t.project) != UserType::Reader) continue;
      for (Action a : actions_of(TargetKind::Task))
        if (!is_read_only(a)) RC_ASSERT(!rights().allows(u, a, t));
    }
}

RC_GTEST_PROP(RightsProps, OnlyKombitTouchesNotActive, ()) {
  const World w = gen_world();
  for (const User& u : w.users)
    for (const TaskFacts& t : w.tasks) {
      if (u.side == Side::Municipality) RC_ASSERT(!rights().allows(u, Action::SetNotActive, t));
      if (u.side == Side::Municipality && t.status == TaskStatus::NotActive)
        RC_ASSERT(!rights().allows(u, Action::EditStatus, t));
    }
}

RC_GTEST_PROP(RightsProps, RemovingRightsNeverGrants, ()) {
  const World w = gen_world();
  const User& u = *rc::gen::elementOf(w.users);
  // Fewer rights: drop one membership, the Administrator flag, or an assignment.
  User less = u;
  if (!less.memberships.empty() && *rc::gen::arbitrary<bool>()) {
    less.memberships.erase(less.memberships.begin() +
                           *rc::gen::inRange<std::ptrdiff_t>(0, static_cast<std::ptrdiff_t>(less.memberships.size())));
  } else {
    less.administrator = false;
  }
  for (const TaskFacts& t : w.tasks) {
    TaskFacts unassigned = t;
    if (unassigned.responsible == u.id) unassigned.responsible.reset();
    if (unassigned.performer == u.id) unassigned.performer.reset();
    if (unassigned.parent_responsible == u.id) unassigned.parent_responsible.reset();
    for (Action a : actions_of(TargetKind::Task)) {
      if (rights().allows(less, a, t)) RC_ASSERT(rights().allows(u, a, t));
      if (rights().allows(u, a, unassigned)) RC_ASSERT(rights().allows(u, a, t));
    }
  }
  for (const User& target : w.users)
    for (Action a : actions_of(TargetKind::User))
      for (ProjectId p : w.projects)
        if (rights().allows(less, a, Target::of(target, p))) RC_ASSERT(rights().allows(u, a, Target::of(target, p)));
  for (Action a : actions_of(TargetKind::Global))
    if (rights().allows(less, a)) RC_ASSERT(rights().allows(u, a));
}

RC_GTEST_PROP(RightsProps, WhoCanEqualsBruteForce, ()) {
  const World w = gen_world();
  const TaskFacts& t = *rc::gen::elementOf(w.tasks);
  for (Action a : actions_of(TargetKind::Task)) {
    const auto grants = rights().who_can(a, Target::of(t), w.users);
    std::vector<Grant> brute;
    for (const User& u : w.users) {
      const Decision d = rights().decide(u, a, t);
      if (d.allowed()) brute.push_back(Grant{u.id, d.rule, d.reason});
    }
    RC_ASSERT(grants == brute);
  }
  const User& target = *rc::gen::elementOf(w.users);
  for (Action a : actions_of(TargetKind::User)) {
    const Target tg = Target::of(target, w.projects.front());
    const auto grants = rights().who_can(a, tg, w.users);
    std::vector<UserId> brute;
    for (const User& u : w.users)
      if (rights().decide(u, a, tg).allowed()) brute.push_back(u.id);
    std::vector<UserId> got;
    for (const Grant& g : grants) got.push_back(g.user);
    RC_ASSERT(got == brute);
  }
}

RC_GTEST_PROP(RightsProps, TaskScopeAgreesWithDecide, ()) {
  const World w = gen_world();
  for (const User& u : w.users) {
    const TaskScope s = rights().task_scope(u);
    std::vector<TaskId> by_decide;
    for (const TaskFacts& t : w.tasks) {
      const bool seen = rights().decide(u, Action::ViewTask, t).allowed();
      RC_ASSERT(s.contains(t, u.id) == seen);
      if (seen) by_decide.push_back(t.id);
    }
    RC_ASSERT(visible_tasks(s, u.id, w.tasks) == by_decide);
  }
}

RC_GTEST_PROP(RightsProps, FieldRightsAgreeWithDecide, ()) {
  const World w = gen_world();
  const User& u = *rc::gen::elementOf(w.users);
  const auto padlocks = rights().field_rights(u, w.tasks);
  RC_ASSERT(padlocks.size() == w.tasks.size());
  for (std::size_t i = 0; i < w.tasks.size(); ++i) {
    RC_ASSERT(padlocks[i].visible == rights().allows(u, Action::ViewTask, w.tasks[i]));
    for (Action a : actions_of(TargetKind::Task)) RC_ASSERT(padlocks[i].can(a) == rights().allows(u, a, w.tasks[i]));
  }
}

RC_GTEST_PROP(RightsProps, AllowsAgreesWithDecide, ()) {
  const World w = gen_world();
  for (const User& u : w.users)
    for (const TaskFacts& t : w.tasks)
      for (Action a : actions_of(TargetKind::Task)) {
        const Decision d = rights().decide(u, a, t);
        RC_ASSERT(rights().allows(u, a, t) == d.allowed());
        RC_ASSERT(!d.rule.empty());
        RC_ASSERT(!d.reason.empty());
      }
}

}  // namespace
}  // namespace klik
