#pragma once
/// @file rights.hpp
/// @brief The rights model of the manual's Tabel 2 as data, and the evaluator that answers
/// "may this user do this to that?" with a Decision that explains itself.
///
/// A RightsModel is a compiled, immutable set of allow-rules (deny by default).
/// The default model is the manual's Tabel 2 (KOMBIT's model of 2019), compiled into the
/// library from `src/data/rights_model.json`; `RightsModel::from_json()` loads
/// another one at run time and rejects unknown actions, user types and
/// conditions by name. Some boundaries are not rules and no model can open
/// them (tenancy, docs/rights.md): a municipality user never reaches another municipality's
/// objects (they are "not found"), KOMBIT never sees local tasks or internal
/// notes, and only KOMBIT sets or clears `not_active` and publishes projects,
/// waves and templates (create_project, manage_project).
///
/// Targets are described by small fact structs (TaskFacts, a User, a
/// ProjectId), so rights depend on nothing but the model; FactIndex makes
/// facts from a Dataset. See docs/rights.md for the matrix and every rule.
///
/// Thread-safety: RightsModel, Decision, TaskScope and FieldRights are
/// immutable values; share them across threads without locks.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "klik/dataset.hpp"
#include "klik/enums.hpp"
#include "klik/error.hpp"
#include "klik/ids.hpp"
#include "klik/model.hpp"

namespace klik {

/// Everything a rule can allow. Task actions take a TaskFacts target, user
/// actions a User target (AssignUserType also a project), global actions none.
/// Each editable task field has its own action (the manual's padlock per field).
enum class Action : std::uint8_t {
  // --- task actions (target: TaskFacts) ---
  ViewTask,  ///< view_task: see and read the task (and its messages and files)
  ExportTask,  ///< export_task: save the task as PDF
  ViewInternalNotes,  ///< view_internal_notes: read the municipality's internal notes
  EditInternalNotes,  ///< edit_internal_notes: write the internal notes
  BeAssigned,  ///< be_assigned: the actor may be made responsible or performer
  EditResponsible,  ///< edit_responsible: change Ansvarlig
  EditPerformer,  ///< edit_performer: change Udfører
  EditStatus,  ///< edit_status: change status among not started, started, completed
  SetNotActive,  ///< set_not_active: set or clear `not_active` (KOMBIT's alone)
  AddFile,  ///< add_file: attach a file
  DeleteFile,  ///< delete_file: remove a file
  WriteMessage,  ///< write_message: write a message on the task
  CreateLocalTask,  ///< create_local_task: create a local task under this KLIK task
  EditLocalTask,  ///< edit_local_task: change a local task's title, description, end date
  // --- global actions (no target; menus and profile) ---
  ViewTaskList,  ///< view_task_list: the Opgaveliste menu
  ViewProjectList,  ///< view_project_list: the Projektliste menu
  ViewUserManagement,  ///< view_user_management: the Brugerhåndtering menu
  OwnProfile,  ///< own_profile: own profile, password, GDPR page, log out
  // --- user actions (target: a User; AssignUserType also a project) ---
  ViewUser,  ///< view_user: see the user in user management
  CreateUser,  ///< create_user: create this (proposed) user
  DeleteUser,  ///< delete_user
  EditUser,  ///< edit_user: name, organisation, email
  AssignUserType,  ///< assign_user_type: add, remove or change the user's type on a project
  GrantAdministrator,  ///< grant_administrator: grant or revoke the Administrator flag
  ResetPassword,  ///< reset_password: set another user's password
  // --- KOMBIT's side (global; ManageProject takes a project: Target::of(ProjectId)) ---
  CreateProject,  ///< create_project: publish a new project (KOMBIT's alone)
  ManageProject,  ///< manage_project: edit a project, its participants, rollout waves and templates (KOMBIT's alone)
};

/// Number of actions (for dense per-action tables).
inline constexpr std::size_t action_count = 27;

/// What an action applies to.
enum class TargetKind : std::uint8_t { Task, Global, User };

/// Every action in declaration order.
std::span<const Action> all_actions() noexcept;
/// Stable JSON code of an action ("edit_status").
std::string_view code(Action a) noexcept;
/// What the action does, as a verb phrase ("change the status").
std::string_view describe(Action a) noexcept;
/// The kind of target the action takes.
TargetKind target_kind(Action a) noexcept;
/// Parses an action code; throws InvalidArgumentError naming it and the known codes.
Action parse_action(std::string_view code);

/// The facts about a task (or local task) that rights depend on.
struct TaskFacts {
  TaskId id;  ///< the KLIK task; for a local task, its parent
  MunicipalityId municipality;
  ProjectId project;  ///< the template's project (a local task: its parent's)
  std::optional<UserId> responsible;
  std::optional<UserId> performer;
  TaskStatus status = TaskStatus::NotStarted;
  bool local = false;  ///< a local task (lokal opgave)
  LocalTaskId local_id;  ///< set when `local`
  std::optional<UserId> parent_responsible;  ///< a local task's parent's people
  std::optional<UserId> parent_performer;
  friend bool operator==(const TaskFacts&, const TaskFacts&) = default;
};

/// Facts of a KLIK task whose template belongs to `project`.
TaskFacts task_facts(const Task& task, ProjectId project) noexcept;
/// Facts of a local task under `parent` (of `project`).
TaskFacts local_task_facts(const LocalTask& local, const Task& parent, ProjectId project) noexcept;

/// Lookups from a Dataset to facts, built once (hash maps over ids).
/// Holds a pointer to the dataset: it must outlive the index and stay unchanged.
class FactIndex {
 public:
  explicit FactIndex(const Dataset& data);
  /// Facts of a task; NotFoundError when there is no such task.
  [[nodiscard]] TaskFacts task(TaskId id) const;
  /// Facts of a local task; NotFoundError when there is none.
  [[nodiscard]] TaskFacts local_task(LocalTaskId id) const;
  /// A user; NotFoundError when there is none.
  [[nodiscard]] const User& user(UserId id) const;
  /// The project of a template; NotFoundError when there is none.
  [[nodiscard]] ProjectId project_of(TemplateId id) const;
  /// Facts of every task and local task, in dataset order (tasks first).
  [[nodiscard]] std::vector<TaskFacts> all_tasks() const;
  [[nodiscard]] const Dataset& dataset() const noexcept { return *data_; }

 private:
  const Dataset* data_;
  std::unordered_map<TemplateId, ProjectId> template_project_;
  std::unordered_map<TaskId, std::size_t> task_;
  std::unordered_map<LocalTaskId, std::size_t> local_;
  std::unordered_map<UserId, std::size_t> user_;
};

/// What an action is aimed at: nothing (global), a task, or a user (and a project).
struct Target {
  const TaskFacts* task = nullptr;
  const User* user = nullptr;
  std::optional<ProjectId> project;

  static Target none() noexcept { return {}; }
  static Target of(const TaskFacts& t) noexcept { return {&t, nullptr, std::nullopt}; }
  static Target of(const User& u, std::optional<ProjectId> project = std::nullopt) noexcept {
    return {nullptr, &u, project};
  }
  static Target of(ProjectId project) noexcept { return {nullptr, nullptr, project}; }
};

/// How a decision came out.
enum class Outcome : std::uint8_t {
  Allowed,  ///< a rule allows it
  Denied,  ///< the target is visible, but no rule allows the action
  NotFound,  ///< the target is not visible to the actor: it must be reported as "not found"
};

/// Stable code of an outcome ("allowed", "denied", "not_found").
std::string_view code(Outcome o) noexcept;
/// Stable code of a target kind ("task", "global", "user").
std::string_view code(TargetKind k) noexcept;

/// The answer of the evaluator, with its explanation (docs/rights.md).
struct Decision {
  Outcome outcome = Outcome::Denied;
  /// The rule that decided: a rule id of the model when allowed; otherwise
  /// "default_deny", "tenancy", "not_visible" or "kombit_boundary".
  std::string rule;
  /// Readable English with the Danish user-type names.
  std::string reason;
  /// For denials, the nearest way it would have been allowed ("allowed as
  /// Plusbruger", "allowed if responsible or performer"); empty if none.
  std::string nearest;
  /// The id of the rule `nearest` refers to (empty if none).
  std::string nearest_rule;

  [[nodiscard]] bool allowed() const noexcept { return outcome == Outcome::Allowed; }
  [[nodiscard]] bool visible() const noexcept { return outcome != Outcome::NotFound; }
  explicit operator bool() const noexcept { return allowed(); }
  friend bool operator==(const Decision&, const Decision&) = default;
};

/// The kinds of object a caller names by id.
enum class ObjectKind : std::uint8_t {
  Task,
  LocalTask,
  User,
  Project,
  Template,
  Wave,
  Message,
  Attachment,
  Municipality,
  Notification
};

/// The one not-found text of a kind: "task not found", "local task not found",
/// "user not found", ... It names neither the id nor where the object is, so a
/// caller learns nothing from it: an object of another municipality, one the
/// caller may not see and one that exists nowhere give the same bytes. `role`
/// (optional) names which of the caller's arguments it was ("responsible: user not found").
std::string not_found_message(ObjectKind kind, std::string_view role = {});
/// The one not-found error of a kind: NotFoundError(not_found_message(kind, role)).
/// Every not-found of workflows, stores and decide() goes through it.
NotFoundError not_found(ObjectKind kind, std::string_view role = {});

/// Throws when `d` is not an allowance: NotFoundError for Outcome::NotFound (its
/// message never names the object), PermissionDeniedError carrying the decision
/// for Outcome::Denied. What workflows call after decide().
void require(const Decision& d);

/// One user who may do something, and why.
struct Grant {
  UserId user;
  std::string rule;
  std::string reason;
  friend bool operator==(const Grant&, const Grant&) = default;
};

/// The menus and global actions one user has (the manual's "Hvad kan jeg se").
struct Capabilities {
  bool task_list = false;  ///< Opgaveliste
  bool project_list = false;  ///< Projektliste
  bool user_management = false;  ///< Brugerhåndtering
  bool own_profile = false;  ///< [Dit navn]: profile, password, GDPR, log out
  bool create_users = false;  ///< may create users (in some project, or anywhere for Administrators)
  bool delete_users = false;  ///< may delete users of the municipality
  bool grant_administrator = false;
  bool assign_in_all_projects = false;  ///< may assign user types in every project (Administrator)
  std::vector<ProjectId> assign_projects;  ///< otherwise: the projects in which they may
  std::vector<ProjectId> local_task_projects;  ///< projects in which they may create local tasks
  std::vector<ProjectId> not_active_projects;  ///< KOMBIT: projects whose tasks they may (de)activate
  bool not_active_all_projects = false;  ///< KOMBIT administrator: every project
  bool all_municipalities = false;  ///< KOMBIT: sees every municipality's KLIK tasks
  friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

/// What part of the task list a viewer may see, in a form an index can answer.
///
/// A KLIK task is visible iff (all_projects or its project is in all_tasks) or
/// (its project is in assigned_only and the viewer is its responsible or
/// performer), and, for municipality users, it belongs to `municipality`.
/// A local task (only when `local_tasks`) follows its parent's project: visible
/// iff its project is in all_tasks, or in assigned_only and the viewer is
/// responsible or performer of the local task or of its parent.
struct TaskScope {
  Side side = Side::Municipality;  ///< Kombit: all municipalities
  std::optional<MunicipalityId> municipality;  ///< set for municipality users
  std::vector<ProjectId> all_tasks;  ///< every task of these projects is visible
  std::vector<ProjectId> assigned_only;  ///< only tasks where the viewer is responsible or performer
  bool all_projects = false;  ///< KOMBIT: every project (then all_tasks is empty)
  bool local_tasks = false;  ///< local tasks included (never for KOMBIT)
  /// Whether a task with these facts is in the scope of `viewer` (the index's answer, one task at a time).
  [[nodiscard]] bool contains(const TaskFacts& t, UserId viewer) const noexcept;
  friend bool operator==(const TaskScope&, const TaskScope&) = default;
};

/// The padlocks of one task for one user: which task actions are open.
struct FieldRights {
  TaskId task;
  bool local = false;
  LocalTaskId local_id;
  bool visible = false;  ///< false: the task is "not found" to the user (everything closed)
  std::uint32_t mask = 0;  ///< bit i set: Action(i) is allowed
  [[nodiscard]] bool can(Action a) const noexcept { return (mask >> static_cast<unsigned>(a)) & 1u; }
  friend bool operator==(const FieldRights&, const FieldRights&) = default;
};

/// One rule of a model, as loaded (for documentation, audits and the Python API).
struct RuleInfo {
  std::string id;
  std::vector<Action> actions;  ///< the actions it allows
  Side party = Side::Municipality;
  std::vector<std::string> who;  ///< "plus", "standard", "light", "reader", "administrator" or "any"
  std::vector<std::string> conditions;  ///< condition codes, all of which must hold
  std::string description;  ///< the rule in words (optional in the JSON)
  friend bool operator==(const RuleInfo&, const RuleInfo&) = default;
};

/// A compiled rights model. Cheap to copy (shares its immutable tables).
class RightsModel {
 public:
  /// The default model (the manual's Tabel 2), compiled into the library.
  static const RightsModel& default_model();
  /// Loads and validates a model; throws InvalidArgumentError naming the JSON
  /// path and the unknown action, user type or condition.
  static RightsModel from_json(std::string_view text);
  /// The condition codes a rule may use.
  static std::span<const std::string_view> condition_codes() noexcept;

  /// The model's name and version as given in its JSON.
  [[nodiscard]] const std::string& name() const noexcept;
  /// The rules in the model's order.
  [[nodiscard]] std::span<const RuleInfo> rules() const noexcept;
  /// The model as JSON (the loaded text, normalised).
  [[nodiscard]] std::string to_json(int indent = 2) const;

  /// The fast check: only whether `actor` may do `action` to `target`
  /// (no explanation, no allocation). Throws InvalidArgumentError when the
  /// target does not fit the action (e.g. a task action without a task).
  [[nodiscard]] bool allows(const User& actor, Action action, const Target& target = {}) const;
  [[nodiscard]] bool allows(const User& actor, Action action, const TaskFacts& task) const {
    return allows(actor, action, Target::of(task));
  }

  /// The full decision with its rule, reason and nearest way to be allowed.
  /// `projects` (optional) lets reasons name projects by name.
  [[nodiscard]] Decision decide(const User& actor, Action action, const Target& target = {},
                                std::span<const Project> projects = {}) const;
  [[nodiscard]] Decision decide(const User& actor, Action action, const TaskFacts& task,
                                std::span<const Project> projects = {}) const {
    return decide(actor, action, Target::of(task), projects);
  }

  /// The users among `users` who may do `action` to `target`, each with the
  /// reason. Equal to filtering `users` by decide(); in `users` order.
  [[nodiscard]] std::vector<Grant> who_can(Action action, const Target& target, std::span<const User> users,
                                           std::span<const Project> projects = {}) const;

  /// Menus and global actions of `user`.
  [[nodiscard]] Capabilities capabilities(const User& user) const;

  /// The tasks `viewer` may see, as a scope an index answers (derived from the
  /// model's view_task rules; agrees with decide(ViewTask) on every task).
  [[nodiscard]] TaskScope task_scope(const User& viewer) const;

  /// The padlocks of a page of tasks at once.
  [[nodiscard]] std::vector<FieldRights> field_rights(const User& user, std::span<const TaskFacts> tasks) const;

  struct Impl;

 private:
  explicit RightsModel(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

/// The visible tasks of `viewer` among `tasks` (by asking the scope, not per-task decide).
std::vector<TaskId> visible_tasks(const TaskScope& scope, UserId viewer, std::span<const TaskFacts> tasks);

// ---- visibility pushed into a host's database ----

/// A parameterised SQL WHERE fragment and its parameters ('?' placeholders, in order).
struct SqlPredicate {
  std::string where;
  std::vector<std::int64_t> params;
};
/// The viewer's visibility as SQL over the column layout of docs/task-list.md
/// ("Visibility in your own database"): a table with columns kind (0 task, 1
/// local task), municipality, project, responsible, performer, parent_responsible,
/// parent_performer (NULL when not set). Rows it selects are exactly the rows
/// the engine would show to the viewer.
SqlPredicate visibility_sql(const RightsModel& rights, const User& viewer);

}  // namespace klik
