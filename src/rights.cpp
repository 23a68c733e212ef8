#include "klik/rights.hpp"
#include "klik/text.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>
#include <string>

#include "detail/embedded.hpp"
#include "detail/json_io.hpp"
#include "klik/error.hpp"

namespace klik {
namespace {

using detail::json;

// ---------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------

struct ActionInfo {
  Action action;
  std::string_view code;
  std::string_view phrase;
  TargetKind kind;
};

constexpr std::array<ActionInfo, action_count> action_table = {{
    {Action::ViewTask, "view_task", "see tasks", TargetKind::Task},
    {Action::ExportTask, "export_task", "export tasks", TargetKind::Task},
    {Action::ViewInternalNotes, "view_internal_notes", "read internal notes", TargetKind::Task},
    {Action::EditInternalNotes, "edit_internal_notes", "edit internal notes", TargetKind::Task},
    {Action::BeAssigned, "be_assigned", "be made responsible or performer", TargetKind::Task},
    {Action::EditResponsible, "edit_responsible", "change responsible", TargetKind::Task},
    {Action::EditPerformer, "edit_performer", "change performer", TargetKind::Task},
    {Action::EditStatus, "edit_status", "change status", TargetKind::Task},
    {Action::SetNotActive, "set_not_active", "set or clear not active", TargetKind::Task},
    {Action::AddFile, "add_file", "add files", TargetKind::Task},
    {Action::DeleteFile, "delete_file", "delete files", TargetKind::Task},
    {Action::WriteMessage, "write_message", "write messages", TargetKind::Task},
    {Action::CreateLocalTask, "create_local_task", "create local tasks", TargetKind::Task},
    {Action::EditLocalTask, "edit_local_task", "edit local tasks", TargetKind::Task},
    {Action::ViewTaskList, "view_task_list", "see the task list", TargetKind::Global},
    {Action::ViewProjectList, "view_project_list", "see the project list", TargetKind::Global},
    {Action::ViewUserManagement, "view_user_management", "see user management", TargetKind::Global},
    {Action::OwnProfile, "own_profile", "use their own profile", TargetKind::Global},
    {Action::ViewUser, "view_user", "see the user", TargetKind::User},
    {Action::CreateUser, "create_user", "create users", TargetKind::User},
    {Action::DeleteUser, "delete_user", "delete users", TargetKind::User},
    {Action::EditUser, "edit_user", "edit user details", TargetKind::User},
    {Action::AssignUserType, "assign_user_type", "assign user types", TargetKind::User},
    {Action::GrantAdministrator, "grant_administrator", "grant or revoke Administrator", TargetKind::User},
    {Action::ResetPassword, "reset_password", "reset passwords", TargetKind::User},
    {Action::CreateProject, "create_project", "create projects", TargetKind::Global},
    {Action::ManageProject, "manage_project", "manage the project, its waves and its templates", TargetKind::Global},
}};

constexpr std::array<Action, action_count> all_action_values = [] {
  std::array<Action, action_count> out{};
  for (std::size_t i = 0; i < action_count; ++i) out[i] = static_cast<Action>(i);
  return out;
}();

constexpr std::size_t idx(Action a) { return static_cast<std::size_t>(a); }

// ---------------------------------------------------------------------------
// Subjects ("who") and conditions
// ---------------------------------------------------------------------------

enum : std::uint8_t {
  kPlus = 1u << 0,
  kStandard = 1u << 1,
  kLight = 1u << 2,
  kReader = 1u << 3,
  kAdmin = 1u << 4,
  kAny = 1u << 5,
};
constexpr std::uint8_t type_bit(UserType t) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(t)); }

struct WhoInfo {
  std::string_view code;
  std::uint8_t bit;
};
constexpr std::array<WhoInfo, 6> who_table = {{
    {"plus", kPlus},
    {"standard", kStandard},
    {"light", kLight},
    {"reader", kReader},
    {"administrator", kAdmin},
    {"any", kAny},
}};

enum Cond : std::uint16_t {
  kSameMunicipality = 1u << 0,
  kRespOrPerf = 1u << 1,
  kParentRespOrPerf = 1u << 2,
  kMemberOfProject = 1u << 3,
  kSharesProject = 1u << 4,
  kTargetIsSelf = 1u << 5,
  kKombitManager = 1u << 6,
  kNotLocal = 1u << 7,
  kIsLocal = 1u << 8,
  kTaskActive = 1u << 9,
};

enum KindMask : std::uint8_t { kOnTask = 1, kOnGlobal = 2, kOnUser = 4 };
enum PartyMask : std::uint8_t { kMuni = 1, kKombit = 2 };

struct CondInfo {
  std::string_view code;
  std::uint16_t bit;
  std::uint8_t kinds;  // target kinds it applies to
  std::uint8_t parties;  // parties whose rules may use it
  std::string_view grant;  // phrase appended to a grant ("" when it goes without saying)
  std::string_view only;  // phrase after "only" in a denial
  std::string_view hint;  // the nearest-way hint
};

constexpr std::array<CondInfo, 10> cond_table = {{
    {"same_municipality", kSameMunicipality, kOnTask | kOnUser, kMuni, "", "in their own municipality",
     "allowed only in their own municipality"},
    {"is_responsible_or_performer", kRespOrPerf, kOnTask, kMuni, " where they are responsible or performer",
     "on tasks where they are responsible or performer", "allowed if responsible or performer"},
    {"parent_responsible_or_performer", kParentRespOrPerf, kOnTask, kMuni,
     " that are local tasks under tasks where they are responsible or performer",
     "on local tasks under tasks where they are responsible or performer",
     "allowed if responsible or performer of the parent task"},
    {"member_of_project", kMemberOfProject, kOnTask | kOnGlobal | kOnUser, kMuni, " on their projects",
     "on their projects", "allowed if member of the project"},
    {"shares_project_with_target", kSharesProject, kOnUser, kMuni, " for users of their projects",
     "for users who share one of their projects", "allowed if the user shares one of their projects"},
    {"target_is_self", kTargetIsSelf, kOnUser, kMuni | kKombit, " of themselves", "of themselves",
     "allowed only for themselves"},
    {"kombit_manager_of_project", kKombitManager, kOnTask | kOnGlobal, kKombit, " on the projects they manage",
     "on the projects they manage", "allowed for the project's KOMBIT implementation manager"},
    {"not_local_task", kNotLocal, kOnTask, kMuni | kKombit, "", "on KLIK tasks (not local tasks)",
     "allowed only on KLIK tasks, not local tasks"},
    {"is_local_task", kIsLocal, kOnTask, kMuni, "", "on local tasks", "allowed only on local tasks"},
    {"task_active", kTaskActive, kOnTask, kMuni | kKombit, " while the task is active",
     "while the task is active (not Ikke aktiv)", "allowed only while the task is active"},
}};

constexpr std::array<std::string_view, 10> condition_code_list = {
    cond_table[0].code, cond_table[1].code, cond_table[2].code, cond_table[3].code, cond_table[4].code,
    cond_table[5].code, cond_table[6].code, cond_table[7].code, cond_table[8].code, cond_table[9].code};

// Boundaries no model can open (tenancy, docs/rights.md): actions that no KOMBIT rule may
// grant, and actions that only KOMBIT may be granted.
bool kombit_forbidden(Action a) {
  return a == Action::ViewInternalNotes || a == Action::EditInternalNotes || a == Action::CreateLocalTask ||
         a == Action::EditLocalTask;
}
bool municipality_forbidden(Action a) {
  return a == Action::SetNotActive || a == Action::CreateProject || a == Action::ManageProject;
}

std::string join_codes(auto&& range) {
  std::string out;
  for (const auto& v : range) {
    if (!out.empty()) out += ", ";
    out += v.code;
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Free functions on actions
// ---------------------------------------------------------------------------

std::span<const Action> all_actions() noexcept { return all_action_values; }
std::string_view code(Action a) noexcept { return action_table[idx(a)].code; }
std::string_view describe(Action a) noexcept { return action_table[idx(a)].phrase; }
TargetKind target_kind(Action a) noexcept { return action_table[idx(a)].kind; }

std::string_view code(Outcome o) noexcept {
  switch (o) {
    case Outcome::Allowed:
      return "allowed";
    case Outcome::Denied:
      return "denied";
    case Outcome::NotFound:
      return "not_found";
  }
  return "unknown";
}

std::string_view code(TargetKind k) noexcept {
  switch (k) {
    case TargetKind::Task:
      return "task";
    case TargetKind::Global:
      return "global";
    case TargetKind::User:
      return "user";
  }
  return "unknown";
}

Action parse_action(std::string_view text) {
  for (const auto& a : action_table)
    if (a.code == text) return a.action;
  throw InvalidArgumentError("unknown action " + excerpt(text) + " (known: " + join_codes(action_table) + ")");
}

// ---------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------

TaskFacts task_facts(const Task& task, ProjectId project) noexcept {
  TaskFacts f;
  f.id = task.id;
  f.municipality = task.municipality;
  f.project = project;
  f.responsible = task.responsible;
  f.performer = task.performer;
  f.status = task.status;
  return f;
}

TaskFacts local_task_facts(const LocalTask& local, const Task& parent, ProjectId project) noexcept {
  TaskFacts f;
  f.id = parent.id;
  f.municipality = local.municipality;
  f.project = project;
  f.responsible = local.responsible;
  f.performer = local.performer;
  f.status = local.status;
  f.local = true;
  f.local_id = local.id;
  f.parent_responsible = parent.responsible;
  f.parent_performer = parent.performer;
  return f;
}

FactIndex::FactIndex(const Dataset& data) : data_(&data) {
  template_project_.reserve(data.templates.size());
  for (const auto& t : data.templates) template_project_.emplace(t.id, t.project);
  task_.reserve(data.tasks.size());
  for (std::size_t i = 0; i < data.tasks.size(); ++i) task_.emplace(data.tasks[i].id, i);
  for (std::size_t i = 0; i < data.local_tasks.size(); ++i) local_.emplace(data.local_tasks[i].id, i);
  for (std::size_t i = 0; i < data.users.size(); ++i) user_.emplace(data.users[i].id, i);
}

ProjectId FactIndex::project_of(TemplateId id) const {
  const auto it = template_project_.find(id);
  if (it == template_project_.end()) throw not_found(ObjectKind::Template);
  return it->second;
}

TaskFacts FactIndex::task(TaskId id) const {
  const auto it = task_.find(id);
  if (it == task_.end()) throw not_found(ObjectKind::Task);
  const Task& t = data_->tasks[it->second];
  return task_facts(t, project_of(t.template_id));
}

TaskFacts FactIndex::local_task(LocalTaskId id) const {
  const auto it = local_.find(id);
  if (it == local_.end()) throw not_found(ObjectKind::LocalTask);
  const LocalTask& l = data_->local_tasks[it->second];
  const auto p = task_.find(l.parent);
  if (p == task_.end()) throw not_found(ObjectKind::Task);
  const Task& parent = data_->tasks[p->second];
  return local_task_facts(l, parent, project_of(parent.template_id));
}

const User& FactIndex::user(UserId id) const {
  const auto it = user_.find(id);
  if (it == user_.end()) throw not_found(ObjectKind::User);
  return data_->users[it->second];
}

std::vector<TaskFacts> FactIndex::all_tasks() const {
  std::vector<TaskFacts> out;
  out.reserve(data_->tasks.size() + data_->local_tasks.size());
  for (const Task& t : data_->tasks) out.push_back(task_facts(t, project_of(t.template_id)));
  for (const LocalTask& l : data_->local_tasks) out.push_back(local_task(l.id));
  return out;
}

// ---------------------------------------------------------------------------
// The compiled model
// ---------------------------------------------------------------------------

struct RightsModel::Impl {
  struct Compiled {
    std::uint16_t rule;  // index into rules
    std::uint8_t who;
    std::uint16_t conditions;
  };
  std::string name;
  std::int64_t version = 1;
  std::vector<RuleInfo> rules;
  // by_action[action][party]: the rules to try, in model order.
  std::array<std::array<std::vector<Compiled>, 2>, action_count> by_action;
};

namespace {

using Impl = RightsModel::Impl;
using Compiled = Impl::Compiled;

std::vector<std::string> read_string_list(const json& j, const std::string& path) {
  if (!j.is_array()) throw InvalidArgumentError("expected an array of strings", path);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < j.size(); ++i) out.push_back(detail::string_at(j[i], path + "/" + std::to_string(i)));
  return out;
}

std::shared_ptr<const Impl> compile(std::string_view text) {
  const json root = detail::parse_text(text, {.max_bytes = std::size_t{16} << 20, .max_depth = detail::max_json_depth});
  detail::ObjectReader top(root, "");
  auto impl = std::make_shared<Impl>();
  impl->name = top.string("name");
  impl->version = top.integer("version", 1, std::numeric_limits<std::int32_t>::max());
  const json& rules = top.require("rules");
  top.finish();
  if (!rules.is_array()) throw InvalidArgumentError("expected an array of rules", "/rules");
  if (rules.size() > std::numeric_limits<std::uint16_t>::max()) throw InvalidArgumentError("too many rules", "/rules");
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const std::string path = "/rules/" + std::to_string(i);
    detail::ObjectReader r(rules[i], path);
    RuleInfo info;
    info.id = r.string("id");
    if (info.id.empty()) throw InvalidArgumentError("a rule id must not be empty", r.field_path("id"));
    for (const auto& other : impl->rules)
      if (other.id == info.id) throw InvalidArgumentError("duplicate rule id " + excerpt(info.id), r.field_path("id"));
    const auto action_codes = read_string_list(r.require("actions"), r.field_path("actions"));
    if (action_codes.empty()) throw InvalidArgumentError("a rule needs at least one action", r.field_path("actions"));
    const std::string party = r.string("party");
    if (party == "municipality") {
      info.party = Side::Municipality;
    } else if (party == "kombit") {
      info.party = Side::Kombit;
    } else {
      throw InvalidArgumentError("unknown party " + excerpt(party) + " (known: municipality, kombit)",
                                 r.field_path("party"));
    }
    info.who = read_string_list(r.require("who"), r.field_path("who"));
    if (info.who.empty()) throw InvalidArgumentError("a rule needs at least one subject", r.field_path("who"));
    const json* conds = r.find("conditions");
    if (conds) info.conditions = read_string_list(*conds, r.field_path("conditions"));
    info.description = r.string_or("description", "");
    r.finish();

    std::uint8_t who = 0;
    for (std::size_t k = 0; k < info.who.size(); ++k) {
      const std::string wpath = r.field_path("who") + "/" + std::to_string(k);
      const auto it =
          std::find_if(who_table.begin(), who_table.end(), [&](const WhoInfo& w) { return w.code == info.who[k]; });
      if (it == who_table.end())
        throw InvalidArgumentError(
            "unknown user type " + excerpt(info.who[k]) + " (known: " + join_codes(who_table) + ")", wpath);
      if (info.party == Side::Kombit && (it->bit & (kPlus | kStandard | kLight | kReader)))
        throw InvalidArgumentError(
            "user type '" + info.who[k] + "' is a municipality user type; KOMBIT rules name 'any' or 'administrator'",
            wpath);
      who |= it->bit;
    }
    std::uint16_t cmask = 0;
    std::uint8_t kinds_needed = 0;
    for (std::size_t k = 0; k < info.conditions.size(); ++k) {
      const std::string cpath = r.field_path("conditions") + "/" + std::to_string(k);
      const auto it = std::find_if(cond_table.begin(), cond_table.end(),
                                   [&](const CondInfo& c) { return c.code == info.conditions[k]; });
      if (it == cond_table.end())
        throw InvalidArgumentError(
            "unknown condition " + excerpt(info.conditions[k]) + " (known: " + join_codes(cond_table) + ")", cpath);
      const std::uint8_t party_bit = info.party == Side::Kombit ? kKombit : kMuni;
      if (!(it->parties & party_bit))
        throw InvalidArgumentError(
            "condition '" + info.conditions[k] + "' does not apply to " + std::string(code(info.party)) + " rules",
            cpath);
      cmask |= it->bit;
      (void)kinds_needed;
    }
    for (std::size_t k = 0; k < action_codes.size(); ++k) {
      const std::string apath = r.field_path("actions") + "/" + std::to_string(k);
      const auto it = std::find_if(action_table.begin(), action_table.end(),
                                   [&](const ActionInfo& a) { return a.code == action_codes[k]; });
      if (it == action_table.end())
        throw InvalidArgumentError(
            "unknown action " + excerpt(action_codes[k]) + " (known: " + join_codes(action_table) + ")", apath);
      const Action a = it->action;
      if (info.party == Side::Kombit && kombit_forbidden(a))
        throw InvalidArgumentError("action '" + action_codes[k] +
                                       "' can never be granted to KOMBIT (local tasks and internal notes are the "
                                       "municipality's own)",
                                   apath);
      if (info.party == Side::Municipality && municipality_forbidden(a))
        throw InvalidArgumentError("action '" + action_codes[k] + "' is KOMBIT's alone", apath);
      const std::uint8_t kind_bit = it->kind == TargetKind::Task     ? kOnTask
                                    : it->kind == TargetKind::Global ? kOnGlobal
                                                                     : kOnUser;
      for (const auto& c : cond_table)
        if ((cmask & c.bit) && !(c.kinds & kind_bit))
          throw InvalidArgumentError(
              "condition '" + std::string(c.code) + "' does not apply to action '" + action_codes[k] + "'",
              r.field_path("conditions"));
      if (a == Action::ViewTask && (cmask & kTaskActive))
        throw InvalidArgumentError("view_task rules may not depend on the task's status (task lists are indexed)",
                                   r.field_path("conditions"));
      info.actions.push_back(a);
      impl->by_action[idx(a)][static_cast<std::size_t>(info.party)].push_back(
          Compiled{static_cast<std::uint16_t>(i), who, cmask});
    }
    impl->rules.push_back(std::move(info));
  }
  return impl;
}

// Sentinel ids for probing the model with hypothetical targets.
constexpr ProjectId kNoProject{std::numeric_limits<std::uint32_t>::max()};
constexpr UserId kNoUser{std::numeric_limits<std::uint32_t>::max()};

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

enum class Gate : std::uint8_t { None, NotFound, KombitBoundary, DefaultDeny, Part };

struct Raw {
  Outcome outcome = Outcome::Denied;
  Gate gate = Gate::DefaultDeny;
  const Compiled* rule = nullptr;
  // Gate::Part: the part of a composite action that is refused (create_user:
  // assign_user_type on `part_project`, or grant_administrator).
  Action part = Action::ViewTask;
  std::optional<ProjectId> part_project{};
};

bool is_people(const std::optional<UserId>& a, const std::optional<UserId>& b, UserId id) noexcept {
  return (a && *a == id) || (b && *b == id);
}

std::uint8_t held_mask(const User& actor, const Target& t) noexcept {
  std::uint8_t m = kAny;
  if (actor.administrator) m |= kAdmin;
  if (actor.side == Side::Kombit) return m;
  if (t.task) {
    for (const Membership& ms : actor.memberships)
      if (ms.project == t.task->project) return static_cast<std::uint8_t>(m | type_bit(ms.type));
  } else if (t.project) {
    for (const Membership& ms : actor.memberships)
      if (ms.project == *t.project) return static_cast<std::uint8_t>(m | type_bit(ms.type));
  } else {
    for (const Membership& ms : actor.memberships) m |= type_bit(ms.type);
  }
  return m;
}

std::optional<ProjectId> target_project(const Target& t) noexcept {
  if (t.task) return t.task->project;
  return t.project;
}

bool condition_holds(std::uint16_t bit, std::uint8_t who, const User& actor, const Target& t) noexcept {
  switch (bit) {
    case kSameMunicipality:
      if (!actor.municipality) return false;
      if (t.task) return t.task->municipality == *actor.municipality;
      if (t.user) return t.user->municipality && *t.user->municipality == *actor.municipality;
      return true;
    case kRespOrPerf:
      return t.task && is_people(t.task->responsible, t.task->performer, actor.id);
    case kParentRespOrPerf:
      return t.task && t.task->local && is_people(t.task->parent_responsible, t.task->parent_performer, actor.id);
    case kMemberOfProject: {
      const auto p = target_project(t);
      return p && actor.type_on(*p).has_value();
    }
    case kSharesProject: {
      if (!t.user) return false;
      const bool any_type = who & (kAdmin | kAny);
      for (const Membership& ms : actor.memberships)
        if ((any_type || (who & type_bit(ms.type))) && t.user->type_on(ms.project)) return true;
      return false;
    }
    case kTargetIsSelf:
      return t.user && t.user->id == actor.id && t.user->side == actor.side;
    case kKombitManager: {
      const auto p = target_project(t);
      return actor.side == Side::Kombit && p && actor.type_on(*p).has_value();
    }
    case kNotLocal:
      return t.task && !t.task->local;
    case kIsLocal:
      return t.task && t.task->local;
    case kTaskActive:
      return t.task && t.task->status != TaskStatus::NotActive;
    default:
      return false;
  }
}

bool conditions_hold(std::uint16_t mask, std::uint8_t who, const User& actor, const Target& t) noexcept {
  while (mask) {
    const auto bit = static_cast<std::uint16_t>(mask & (~mask + 1u));
    if (!condition_holds(bit, who, actor, t)) return false;
    mask = static_cast<std::uint16_t>(mask & ~bit);
  }
  return true;
}

const Compiled* match(const Impl& m, const User& actor, Action a, const Target& t, std::uint8_t held) noexcept {
  for (const Compiled& c : m.by_action[idx(a)][static_cast<std::size_t>(actor.side)])
    if ((c.who & held) && conditions_hold(c.conditions, c.who, actor, t)) return &c;
  return nullptr;
}

void check_target(Action a, const Target& t) {
  switch (target_kind(a)) {
    case TargetKind::Task:
      KLIK_REQUIRE(t.task != nullptr, "action '" + std::string(code(a)) + "' needs a task");
      break;
    case TargetKind::User:
      KLIK_REQUIRE(t.user != nullptr, "action '" + std::string(code(a)) + "' needs a user");
      KLIK_REQUIRE(a != Action::AssignUserType || t.project.has_value(), "action 'assign_user_type' needs a project");
      break;
    case TargetKind::Global:
      break;
  }
}

Raw evaluate(const Impl& m, const User& actor, Action a, const Target& t) {  // NOLINT(misc-no-recursion)
  check_target(a, t);
  const TargetKind kind = target_kind(a);
  const std::uint8_t held = held_mask(actor, t);
  if (kind == TargetKind::Task) {
    const TaskFacts& f = *t.task;
    if (actor.side == Side::Municipality) {
      if (!actor.municipality || *actor.municipality != f.municipality) return {Outcome::NotFound, Gate::NotFound};
    } else {
      if (f.local) return {Outcome::NotFound, Gate::NotFound};
      if (kombit_forbidden(a)) return {Outcome::Denied, Gate::KombitBoundary};
    }
    if (a != Action::ViewTask && a != Action::BeAssigned && !match(m, actor, Action::ViewTask, t, held))
      return {Outcome::NotFound, Gate::NotFound};
  } else if (kind == TargetKind::User && a != Action::CreateUser) {
    const User& u = *t.user;
    if (actor.side == Side::Municipality &&
        (u.side != Side::Municipality || !actor.municipality || u.municipality != actor.municipality))
      return {Outcome::NotFound, Gate::NotFound};
    if (a != Action::ViewUser && !match(m, actor, Action::ViewUser, t, held_mask(actor, Target::of(u))))
      return {Outcome::NotFound, Gate::NotFound};
  }
  if (const Compiled* c = match(m, actor, a, t, held)) {
    // Creating a user with user types and the Administrator flag is creating it
    // and granting each of them: every part needs its own right, so decide()
    // and the user-administration validators agree (user_admin.hpp).
    if (a == Action::CreateUser) {
      for (const Membership& ms : t.user->memberships)
        if (evaluate(m, actor, Action::AssignUserType, Target::of(*t.user, ms.project)).outcome != Outcome::Allowed)
          return {Outcome::Denied, Gate::Part, nullptr, Action::AssignUserType, ms.project};
      if (t.user->administrator &&
          evaluate(m, actor, Action::GrantAdministrator, Target::of(*t.user)).outcome != Outcome::Allowed)
        return {Outcome::Denied, Gate::Part, nullptr, Action::GrantAdministrator};
    }
    return {Outcome::Allowed, Gate::None, c};
  }
  if (a == Action::ViewTask || a == Action::ViewUser) return {Outcome::NotFound, Gate::NotFound};
  return {Outcome::Denied, Gate::DefaultDeny};
}

// ---------------------------------------------------------------------------
// Explanations
// ---------------------------------------------------------------------------

std::string project_label(ProjectId p, std::span<const Project> projects) {
  for (const Project& pr : projects)
    if (pr.id == p) return pr.name;
  return std::to_string(p.value());
}

std::string who_phrase(std::uint8_t who, Side party) {
  if (party == Side::Kombit) {
    if (who & kAny) return "every KOMBIT user";
    return "the KOMBIT administrator";
  }
  std::vector<std::string> names;
  for (UserType ut : all_values<UserType>())
    if (who & type_bit(ut)) names.emplace_back(danish(ut));
  if (who & kAdmin) names.emplace_back("Administrator");
  if (who & kAny) return "every municipality user";
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += names[i];
  }
  return out;
}

// The actor as the subject of a sentence: "Light-bruger on project Ydelsesrefusion".
std::string actor_phrase(const User& actor, const Target& t, std::uint8_t rule_who, std::span<const Project> projects) {
  const auto p = target_project(t);
  if (actor.side == Side::Kombit) {
    if (actor.administrator && (rule_who & kAdmin) && !(rule_who & kAny)) return "KOMBIT administrator";
    if (p && actor.type_on(*p)) return "KOMBIT implementation manager of project " + project_label(*p, projects);
    return actor.administrator ? "KOMBIT administrator" : "KOMBIT user";
  }
  if (p) {
    if (const auto ut = actor.type_on(*p); ut && (rule_who & type_bit(*ut)))
      return std::string(danish(*ut)) + " on project " + project_label(*p, projects);
    if (actor.administrator && (rule_who & kAdmin)) return "Administrator";
    if (const auto ut = actor.type_on(*p))
      return std::string(danish(*ut)) + " on project " + project_label(*p, projects);
    // Not a member of the project: say what they are elsewhere, without commas
    // (the phrase is the subject of "... may not ..." and of "... may ... only ...").
    const std::string outside = " who is not a member of project " + project_label(*p, projects);
    if (actor.administrator) return "An Administrator" + outside;
    for (UserType ut : all_values<UserType>())
      if (std::any_of(actor.memberships.begin(), actor.memberships.end(),
                      [&](const Membership& m) { return m.type == ut; }))
        return "A " + std::string(danish(ut)) + " of other projects" + outside;
    return "A user" + outside;
  }
  if (actor.administrator && (rule_who & kAdmin)) return "Administrator";
  for (UserType ut : all_values<UserType>())
    if ((rule_who & type_bit(ut)) && std::any_of(actor.memberships.begin(), actor.memberships.end(),
                                                 [&](const Membership& m) { return m.type == ut; }))
      return std::string(danish(ut));
  if (rule_who & kAny) return "Municipality user";
  if (actor.administrator) return "Administrator";
  for (UserType ut : all_values<UserType>())
    if (std::any_of(actor.memberships.begin(), actor.memberships.end(),
                    [&](const Membership& m) { return m.type == ut; }))
      return std::string(danish(ut));
  return "A user without projects";
}

std::string grant_conditions(std::uint16_t mask) {
  std::string out;
  for (const auto& c : cond_table) {
    if (!(mask & c.bit) || c.grant.empty()) continue;
    if (c.bit == kIsLocal && (mask & kParentRespOrPerf)) continue;
    out += c.grant;
  }
  return out;
}

std::string failing_phrase(std::uint16_t failing, const char* field) {
  std::string out;
  for (const auto& c : cond_table) {
    if (!(failing & c.bit)) continue;
    if (!out.empty()) out += " and ";
    out += std::string_view(field) == "only" ? c.only : c.hint;
  }
  return out;
}

std::uint16_t failing_mask(const Compiled& c, const User& actor, const Target& t) {
  std::uint16_t out = 0;
  for (const auto& ci : cond_table)
    if ((c.conditions & ci.bit) && !condition_holds(ci.bit, c.who, actor, t)) out |= ci.bit;
  return out;
}

Decision explain(const Impl& m, const User& actor, Action a, const Target& t,  // NOLINT(misc-no-recursion)
                 const Raw& raw, std::span<const Project> projects) {
  Decision d;
  d.outcome = raw.outcome;
  const std::string phrase(describe(a));
  if (raw.outcome == Outcome::Allowed) {
    const RuleInfo& rule = m.rules[raw.rule->rule];
    d.rule = rule.id;
    d.reason =
        actor_phrase(actor, t, raw.rule->who, projects) + " may " + phrase + grant_conditions(raw.rule->conditions);
    return d;
  }
  if (raw.gate == Gate::NotFound) {
    d.rule = "not_visible";
    d.reason = target_kind(a) == TargetKind::User ? not_found_message(ObjectKind::User)
               : t.task && t.task->local          ? not_found_message(ObjectKind::LocalTask)
                                                  : not_found_message(ObjectKind::Task);
    return d;
  }
  if (raw.gate == Gate::Part) {
    const Target part = raw.part_project ? Target::of(*t.user, *raw.part_project) : Target::of(*t.user);
    Decision sub = explain(m, actor, raw.part, part, evaluate(m, actor, raw.part, part), projects);
    d.rule = std::move(sub.rule);
    d.nearest = std::move(sub.nearest);
    d.nearest_rule = std::move(sub.nearest_rule);
    d.reason = std::move(sub.reason) + (raw.part_project ? " (needed to create a user with a user type on project " +
                                                               project_label(*raw.part_project, projects) + ")"
                                                         : std::string(" (needed to create an Administrator)"));
    return d;
  }
  if (raw.gate == Gate::KombitBoundary) {
    d.rule = "kombit_boundary";
    d.reason = "KOMBIT never sees a municipality's internal notes or local tasks";
    return d;
  }
  d.rule = "default_deny";
  const std::uint8_t held = held_mask(actor, t);
  const auto& candidates = m.by_action[idx(a)][static_cast<std::size_t>(actor.side)];
  // (1) a rule for the actor's kind of user whose conditions fail.
  const Compiled* best = nullptr;
  std::uint16_t best_failing = 0;
  for (const Compiled& c : candidates) {
    if (!(c.who & held)) continue;
    const std::uint16_t f = failing_mask(c, actor, t);
    if (!best || std::popcount(f) < std::popcount(best_failing)) {
      best = &c;
      best_failing = f;
    }
  }
  if (best) {
    d.reason = actor_phrase(actor, t, best->who, projects) + " may " + phrase + " only " +
               failing_phrase(best_failing, "only");
    d.nearest = failing_phrase(best_failing, "hint");
    d.nearest_rule = m.rules[best->rule].id;
    return d;
  }
  // (2) a rule whose conditions hold, for another kind of user; else (3) any rule.
  for (const Compiled& c : candidates) {
    if (failing_mask(c, actor, t) == 0) {
      best = &c;
      break;
    }
  }
  if (!best && !candidates.empty()) best = &candidates.front();
  const std::string subject = actor_phrase(actor, t, 0, projects);
  if (best) {
    const std::uint16_t f = failing_mask(*best, actor, t);
    d.nearest = "allowed as " + who_phrase(best->who, actor.side);
    if (f) d.nearest += " " + failing_phrase(f, "only");
    d.nearest_rule = m.rules[best->rule].id;
    d.reason = subject + " may not " + phrase + "; " + d.nearest;
  } else {
    d.reason = subject + " may not " + phrase + ": no rule of the model allows it for " +
               (actor.side == Side::Kombit ? "KOMBIT" : "municipality users");
  }
  return d;
}

}  // namespace

// ---------------------------------------------------------------------------
// RightsModel
// ---------------------------------------------------------------------------

const RightsModel& RightsModel::default_model() {
  static const RightsModel model = [] {
    const std::string_view text = detail::embedded_file("rights_model.json");
    KLIK_ASSERT(!text.empty());
    return RightsModel(compile(text));
  }();
  return model;
}

RightsModel RightsModel::from_json(std::string_view text) { return RightsModel(compile(text)); }

std::span<const std::string_view> RightsModel::condition_codes() noexcept { return condition_code_list; }

const std::string& RightsModel::name() const noexcept { return impl_->name; }
std::span<const RuleInfo> RightsModel::rules() const noexcept { return impl_->rules; }

std::string RightsModel::to_json(int indent) const {
  json root = json::object();
  root["name"] = impl_->name;
  root["version"] = impl_->version;
  json rules = json::array();
  for (const RuleInfo& r : impl_->rules) {
    json j = json::object();
    j["id"] = r.id;
    json actions = json::array();
    for (Action a : r.actions) actions.push_back(std::string(code(a)));
    j["actions"] = actions;
    j["party"] = std::string(code(r.party));
    j["who"] = r.who;
    j["conditions"] = r.conditions;
    if (!r.description.empty()) j["description"] = r.description;
    rules.push_back(std::move(j));
  }
  root["rules"] = std::move(rules);
  return root.dump(indent);
}

bool RightsModel::allows(const User& actor, Action action, const Target& target) const {
  return evaluate(*impl_, actor, action, target).outcome == Outcome::Allowed;
}

Decision RightsModel::decide(const User& actor, Action action, const Target& target,
                             std::span<const Project> projects) const {
  const Raw raw = evaluate(*impl_, actor, action, target);
  return explain(*impl_, actor, action, target, raw, projects);
}

std::vector<Grant> RightsModel::who_can(Action action, const Target& target, std::span<const User> users,
                                        std::span<const Project> projects) const {
  check_target(action, target);
  std::vector<Grant> out;
  for (const User& u : users) {
    // Tenancy prunes most users before any rule is tried.
    if (u.side == Side::Municipality && target.task && u.municipality != target.task->municipality) continue;
    const Raw raw = evaluate(*impl_, u, action, target);
    if (raw.outcome != Outcome::Allowed) continue;
    Decision d = explain(*impl_, u, action, target, raw, projects);
    out.push_back(Grant{u.id, std::move(d.rule), std::move(d.reason)});
  }
  return out;
}

Capabilities RightsModel::capabilities(const User& user) const {
  Capabilities c;
  c.task_list = allows(user, Action::ViewTaskList);
  c.project_list = allows(user, Action::ViewProjectList);
  c.user_management = allows(user, Action::ViewUserManagement);
  c.own_profile = allows(user, Action::OwnProfile);
  User probe;
  probe.id = kNoUser;
  probe.side = Side::Municipality;
  probe.municipality = user.municipality;
  if (user.side == Side::Municipality && user.municipality) {
    c.create_users = allows(user, Action::CreateUser, Target::of(probe));
    c.delete_users = allows(user, Action::DeleteUser, Target::of(probe));
    c.grant_administrator = allows(user, Action::GrantAdministrator, Target::of(probe));
    c.assign_in_all_projects = allows(user, Action::AssignUserType, Target::of(probe, kNoProject));
    for (const Membership& ms : user.memberships) {
      User member = probe;  // a user of the project (rules may require a shared project)
      member.memberships = {{ms.project, UserType::Reader}};
      if (!c.assign_in_all_projects && allows(user, Action::AssignUserType, Target::of(member, ms.project)))
        c.assign_projects.push_back(ms.project);
      TaskFacts f;
      f.municipality = *user.municipality;
      f.project = ms.project;
      if (allows(user, Action::CreateLocalTask, f)) c.local_task_projects.push_back(ms.project);
    }
  }
  if (user.side == Side::Kombit) {
    TaskFacts f;
    f.project = kNoProject;
    c.not_active_all_projects = allows(user, Action::SetNotActive, f);
    c.all_municipalities = allows(user, Action::ViewTask, f);
    if (!c.not_active_all_projects)
      for (const Membership& ms : user.memberships) {
        f.project = ms.project;
        if (allows(user, Action::SetNotActive, f)) c.not_active_projects.push_back(ms.project);
      }
  }
  return c;
}

TaskScope RightsModel::task_scope(const User& viewer) const {
  TaskScope s;
  s.side = viewer.side;
  TaskFacts probe;
  probe.project = kNoProject;
  if (viewer.side == Side::Kombit) {
    probe.municipality = MunicipalityId{0};
    if (allows(viewer, Action::ViewTask, probe)) {
      s.all_projects = true;
      return s;
    }
    for (const Membership& ms : viewer.memberships) {
      probe.project = ms.project;
      if (allows(viewer, Action::ViewTask, probe)) s.all_tasks.push_back(ms.project);
    }
    std::sort(s.all_tasks.begin(), s.all_tasks.end());
    return s;
  }
  if (!viewer.municipality) return s;
  s.municipality = viewer.municipality;
  probe.municipality = *viewer.municipality;
  if (allows(viewer, Action::ViewTask, probe)) {
    s.all_projects = true;  // every project of the municipality, whatever the memberships
  }
  for (const Membership& ms : viewer.memberships) {
    probe.project = ms.project;
    probe.responsible.reset();
    probe.local = false;
    if (!s.all_projects) {
      if (allows(viewer, Action::ViewTask, probe)) {
        s.all_tasks.push_back(ms.project);
      } else {
        probe.responsible = viewer.id;
        if (allows(viewer, Action::ViewTask, probe)) s.assigned_only.push_back(ms.project);
      }
    }
    probe.local = true;
    probe.responsible = viewer.id;
    if (allows(viewer, Action::ViewTask, probe)) s.local_tasks = true;
  }
  std::sort(s.all_tasks.begin(), s.all_tasks.end());
  std::sort(s.assigned_only.begin(), s.assigned_only.end());
  return s;
}

std::vector<FieldRights> RightsModel::field_rights(const User& user, std::span<const TaskFacts> tasks) const {
  std::vector<FieldRights> out;
  out.reserve(tasks.size());
  for (const TaskFacts& f : tasks) {
    FieldRights r;
    r.task = f.id;
    r.local = f.local;
    r.local_id = f.local_id;
    const Target t = Target::of(f);
    r.visible = allows(user, Action::ViewTask, t);
    for (Action a : all_actions()) {
      if (target_kind(a) != TargetKind::Task) continue;
      if ((a == Action::BeAssigned || r.visible) && allows(user, a, t)) r.mask |= 1u << idx(a);
    }
    out.push_back(r);
  }
  return out;
}

bool TaskScope::contains(const TaskFacts& t, UserId viewer) const noexcept {
  if (side == Side::Municipality) {
    if (!municipality || t.municipality != *municipality) return false;
  } else if (t.local) {
    return false;
  }
  if (t.local && !local_tasks) return false;
  if (all_projects) return true;
  if (std::binary_search(all_tasks.begin(), all_tasks.end(), t.project)) return true;
  if (std::binary_search(assigned_only.begin(), assigned_only.end(), t.project)) {
    if (is_people(t.responsible, t.performer, viewer)) return true;
    if (t.local && is_people(t.parent_responsible, t.parent_performer, viewer)) return true;
  }
  return false;
}

std::vector<TaskId> visible_tasks(const TaskScope& scope, UserId viewer, std::span<const TaskFacts> tasks) {
  std::vector<TaskId> out;
  for (const TaskFacts& t : tasks)
    if (scope.contains(t, viewer)) out.push_back(t.id);
  return out;
}

SqlPredicate visibility_sql(const RightsModel& rights, const User& viewer) {
  const TaskScope scope = rights.task_scope(viewer);
  SqlPredicate out;
  auto in_list = [&](const std::vector<ProjectId>& ps) {
    if (ps.empty()) return std::string("0");
    std::string s = "project IN (";
    for (std::size_t i = 0; i < ps.size(); ++i) {
      s += i ? ", ?" : "?";
      out.params.push_back(ps[i].value());
    }
    return s + ")";
  };
  if (scope.side == Side::Kombit) {
    out.where = scope.all_projects ? "(kind = 0)" : "(kind = 0 AND " + in_list(scope.all_tasks) + ")";
    return out;
  }
  if (!scope.municipality) {
    out.where = "(0)";
    return out;
  }
  out.where = "(municipality = ?";
  out.params.push_back(scope.municipality->value());
  if (!scope.local_tasks) out.where += " AND kind = 0";
  if (scope.all_projects) {
    out.where += ")";
    return out;
  }
  out.where += " AND (" + in_list(scope.all_tasks);
  std::string assigned = in_list(scope.assigned_only);
  const std::int64_t v = viewer.id.value();
  out.where +=
      " OR (" + assigned +
      " AND (responsible = ? OR performer = ? OR (kind = 1 AND (parent_responsible = ? OR parent_performer = ?)))))";
  out.params.insert(out.params.end(), {v, v, v, v});
  out.where += ")";
  return out;
}

std::string not_found_message(ObjectKind kind, std::string_view role) {
  std::string_view what = "object";
  switch (kind) {
    case ObjectKind::Task:
      what = "task";
      break;
    case ObjectKind::LocalTask:
      what = "local task";
      break;
    case ObjectKind::User:
      what = "user";
      break;
    case ObjectKind::Project:
      what = "project";
      break;
    case ObjectKind::Template:
      what = "template";
      break;
    case ObjectKind::Wave:
      what = "rollout wave";
      break;
    case ObjectKind::Message:
      what = "message";
      break;
    case ObjectKind::Attachment:
      what = "attachment";
      break;
    case ObjectKind::Municipality:
      what = "municipality";
      break;
    case ObjectKind::Notification:
      what = "notification";
      break;
  }
  std::string out;
  if (!role.empty()) out.append(role).append(": ");
  out.append(what).append(" not found");
  return out;
}

NotFoundError not_found(ObjectKind kind, std::string_view role) { return NotFoundError(not_found_message(kind, role)); }

void require(const Decision& d) {
  if (d.outcome == Outcome::Allowed) return;
  if (d.outcome == Outcome::NotFound) throw NotFoundError(d.reason);  // not_found_message(): see explain()
  throw PermissionDeniedError(d.reason, d.rule, d.nearest, d.nearest_rule);
}

}  // namespace klik
