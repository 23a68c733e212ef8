// Bindings for the rights area: klik.Rights (the model and its evaluator),
// klik.TaskFacts, klik.FactIndex, klik.Decision and the batch forms, and the
// user-administration validators (the manual's Tabel 2).
#include <pybind11/operators.h>

#include <sstream>

#include "bindings.hpp"
#include "casters.hpp"
#include "klik/error.hpp"
#include "klik/rights.hpp"
#include "klik/user_admin.hpp"

namespace {

using namespace klik;
using py::arg;

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string opt_id(const std::optional<UserId>& u) { return u ? std::to_string(u->value()) : "None"; }

// A list of users from a klik.UserList or any iterable of klik.User.
std::vector<User> users_of(const py::object& users) {
  if (py::isinstance<std::vector<User>>(users)) return users.cast<std::vector<User>>();
  std::vector<User> out;
  for (const py::handle& h : users) out.push_back(arg_ref<User>(h, "users", "klik.User items"));
  return out;
}

std::vector<Project> projects_of(const py::object& projects) {
  std::vector<Project> out;
  if (projects.is_none()) return out;
  if (py::isinstance<std::vector<Project>>(projects)) return projects.cast<std::vector<Project>>();
  for (const py::handle& h : projects) out.push_back(arg_ref<Project>(h, "projects", "klik.Project items"));
  return out;
}

std::vector<TaskFacts> facts_of(const py::object& tasks) {
  std::vector<TaskFacts> out;
  for (const py::handle& h : tasks) out.push_back(arg_ref<TaskFacts>(h, "tasks", "klik.TaskFacts items"));
  return out;
}

// Facts of a task of a dataset, by a linear look-up (use FactIndex for many).
TaskFacts facts_from_dataset(const Dataset& d, std::optional<TaskId> task_id, std::optional<LocalTaskId> local_id) {
  auto project_of = [&](TemplateId t) {
    for (const TaskTemplate& tpl : d.templates)
      if (tpl.id == t) return tpl.project;
    throw NotFoundError("no template " + to_string(t));
  };
  auto task_of = [&](TaskId id) -> const Task& {
    for (const Task& t : d.tasks)
      if (t.id == id) return t;
    throw NotFoundError("no task " + to_string(id));
  };
  if (local_id) {
    for (const LocalTask& l : d.local_tasks)
      if (l.id == *local_id) {
        const Task& parent = task_of(l.parent);
        return local_task_facts(l, parent, project_of(parent.template_id));
      }
    throw NotFoundError("no local task " + to_string(*local_id));
  }
  KLIK_REQUIRE(task_id.has_value(), "give task_id or local_task_id");
  const Task& t = task_of(*task_id);
  return task_facts(t, project_of(t.template_id));
}

// Holds whatever a Target points to, so the pointers stay valid during the call.
struct TargetArgs {
  std::optional<TaskFacts> task;
  std::optional<User> user;
  std::optional<ProjectId> project;
  std::vector<Project> projects;
  Target target() const {
    Target t;
    if (task) t.task = &*task;
    if (user) t.user = &*user;
    t.project = project;
    return t;
  }
};

TargetArgs make_target(const py::object& task, const py::object& user, const py::object& project,
                       const py::object& dataset, const py::object& task_id, const py::object& local_task_id,
                       const py::object& projects) {
  TargetArgs a;
  if (!project.is_none()) a.project = arg_cast<ProjectId>(project, "project");
  if (!user.is_none()) a.user = arg_ref<User>(user, "user", "a klik.User");
  if (!task.is_none()) {
    if (py::isinstance<TaskFacts>(task)) {
      a.task = task.cast<TaskFacts>();
    } else if (py::isinstance<Task>(task)) {
      if (!dataset.is_none()) {
        a.task = facts_from_dataset(arg_ref<Dataset>(dataset, "dataset", "a klik.Dataset"), task.cast<const Task&>().id,
                                    std::nullopt);
      } else {
        KLIK_REQUIRE(a.project.has_value(), "a klik.Task needs project= (or dataset=) to make its facts");
        a.task = task_facts(task.cast<const Task&>(), *a.project);
        a.project.reset();
      }
    } else {
      throw py::type_error("task: expected a klik.TaskFacts or a klik.Task, got " + type_name(task));
    }
  } else if (!task_id.is_none() || !local_task_id.is_none()) {
    KLIK_REQUIRE(!dataset.is_none(), "task_id and local_task_id need dataset=");
    a.task = facts_from_dataset(arg_ref<Dataset>(dataset, "dataset", "a klik.Dataset"),
                                arg_cast<std::optional<TaskId>>(task_id, "task_id"),
                                arg_cast<std::optional<LocalTaskId>>(local_task_id, "local_task_id"));
  }
  a.projects = projects_of(projects);
  if (a.projects.empty() && !dataset.is_none())
    a.projects = arg_ref<Dataset>(dataset, "dataset", "a klik.Dataset").projects;
  return a;
}

std::string repr(const Decision& d) {
  std::string out = "Decision(outcome=Outcome." +
                    std::string(d.outcome == Outcome::Allowed  ? "ALLOWED"
                                : d.outcome == Outcome::Denied ? "DENIED"
                                                               : "NOT_FOUND") +
                    ", rule=" + quote(d.rule) + ", reason=" + quote(d.reason);
  if (!d.nearest.empty()) out += ", nearest=" + quote(d.nearest);
  return out + ")";
}

std::string repr_ids(const std::vector<ProjectId>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i].value());
  return out + "]";
}

}  // namespace

void init_rights(py::module_& m) {
  // --- facts ---
  py::class_<TaskFacts>(m, "TaskFacts", "The facts about a task (or local task) that rights depend on.")
      .def(py::init([](TaskId id, MunicipalityId municipality, ProjectId project, std::optional<UserId> responsible,
                       std::optional<UserId> performer, TaskStatus status, bool local, LocalTaskId local_id,
                       std::optional<UserId> parent_responsible, std::optional<UserId> parent_performer) {
             TaskFacts f;
             f.id = id;
             f.municipality = municipality;
             f.project = project;
             f.responsible = responsible;
             f.performer = performer;
             f.status = status;
             f.local = local;
             f.local_id = local_id;
             f.parent_responsible = parent_responsible;
             f.parent_performer = parent_performer;
             return f;
           }),
           arg("id"), arg("municipality"), arg("project"), arg("responsible") = py::none(),
           arg("performer") = py::none(), arg("status") = TaskStatus::NotStarted, arg("local") = false,
           arg("local_id") = LocalTaskId{}, arg("parent_responsible") = py::none(),
           arg("parent_performer") = py::none())
      .def_readwrite("id", &TaskFacts::id, "The KLIK task; for a local task, its parent.")
      .def_readwrite("municipality", &TaskFacts::municipality)
      .def_readwrite("project", &TaskFacts::project)
      .def_readwrite("responsible", &TaskFacts::responsible)
      .def_readwrite("performer", &TaskFacts::performer)
      .def_readwrite("status", &TaskFacts::status)
      .def_readwrite("local", &TaskFacts::local)
      .def_readwrite("local_id", &TaskFacts::local_id)
      .def_readwrite("parent_responsible", &TaskFacts::parent_responsible)
      .def_readwrite("parent_performer", &TaskFacts::parent_performer)
      .def(py::self == py::self)
      .def("__hash__", [](const TaskFacts& f) { return std::hash<TaskId>{}(f.id) ^ (f.local_id.value() * 31u); })
      .def_static(
          "from_task", [](const Task& t, ProjectId project) { return task_facts(t, project); }, arg("task"),
          arg("project"), "Facts of a klik.Task whose template belongs to `project`.")
      .def_static(
          "from_dataset",
          [](const Dataset& d, std::optional<TaskId> task_id, std::optional<LocalTaskId> local_task_id) {
            return facts_from_dataset(d, task_id, local_task_id);
          },
          arg("dataset"), arg("task_id") = py::none(), arg("local_task_id") = py::none(),
          "Facts of a task or local task of a dataset (a linear look-up; use klik.FactIndex for many).")
      .def("__repr__", [](const TaskFacts& f) {
        std::ostringstream o;
        o << "TaskFacts(id=" << f.id.value() << ", municipality=" << f.municipality.value()
          << ", project=" << f.project.value() << ", responsible=" << opt_id(f.responsible)
          << ", performer=" << opt_id(f.performer) << ", status=TaskStatus." << code(f.status);
        if (f.local) o << ", local=True, local_id=" << f.local_id.value();
        o << ")";
        std::string s = o.str();
        // TaskStatus.<CODE> in upper case, as the enum prints.
        const auto pos = s.find("TaskStatus.") + 11;
        for (std::size_t i = pos; i < s.size() && s[i] != ',' && s[i] != ')'; ++i)
          s[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
        return s;
      });

  py::class_<FactIndex>(m, "FactIndex", "Look-ups from a Dataset to facts, built once (keeps the dataset alive).")
      .def(py::init<const Dataset&>(), arg("dataset"), py::keep_alive<1, 2>())
      .def("task", &FactIndex::task, arg("id"), "Facts of a task; raises klik.NotFound if there is none.")
      .def("local_task", &FactIndex::local_task, arg("id"), "Facts of a local task; raises klik.NotFound.")
      .def("user", &FactIndex::user, arg("id"), py::return_value_policy::copy, "A user; raises klik.NotFound.")
      .def("project_of", &FactIndex::project_of, arg("template"), "The project of a template.")
      .def("all_tasks", &FactIndex::all_tasks, "Facts of every task and local task (tasks first).")
      .def("__repr__", [](const FactIndex& f) {
        return "FactIndex(tasks=" + std::to_string(f.dataset().tasks.size()) +
               ", local_tasks=" + std::to_string(f.dataset().local_tasks.size()) + ")";
      });

  // --- decisions and batch results ---
  py::class_<Decision>(m, "Decision", "A rights decision with its explanation (rule, reason, nearest way).")
      .def(py::init([](Outcome outcome, std::string rule, std::string reason, std::string nearest,
                       std::string nearest_rule) {
             return Decision{outcome, std::move(rule), std::move(reason), std::move(nearest), std::move(nearest_rule)};
           }),
           arg("outcome"), arg("rule") = "", arg("reason") = "", arg("nearest") = "", arg("nearest_rule") = "")
      .def_readonly("outcome", &Decision::outcome)
      .def_property_readonly("allowed", &Decision::allowed, "True when a rule allows it.")
      .def_property_readonly("visible", &Decision::visible, "False when the target is 'not found' to the actor.")
      .def_readonly("rule", &Decision::rule, "The deciding rule's id (or default_deny, not_visible, kombit_boundary).")
      .def_readonly("reason", &Decision::reason, "Readable English with the Danish user-type names.")
      .def_readonly("nearest", &Decision::nearest, "For denials: the nearest way it would be allowed ('' if none).")
      .def_readonly("nearest_rule", &Decision::nearest_rule)
      .def("__bool__", &Decision::allowed)
      .def(py::self == py::self)
      .def("__hash__", [](const Decision& d) { return std::hash<std::string>{}(d.rule + "\n" + d.reason); })
      .def("__repr__", [](const Decision& d) { return repr(d); });

  m.def("require", &require, arg("decision"),
        "Raises klik.NotFound (not visible) or klik.PermissionDenied (denied, with .decision) unless allowed.");

  py::class_<Grant>(m, "Grant", "One user who may do something, and why.")
      .def_readonly("user", &Grant::user)
      .def_readonly("rule", &Grant::rule)
      .def_readonly("reason", &Grant::reason)
      .def(py::self == py::self)
      .def("__repr__", [](const Grant& g) {
        return "Grant(user=" + std::to_string(g.user.value()) + ", rule=" + quote(g.rule) +
               ", reason=" + quote(g.reason) + ")";
      });

  py::class_<Capabilities>(m, "Capabilities", "The menus and global actions of one user.")
      .def_readonly("task_list", &Capabilities::task_list)
      .def_readonly("project_list", &Capabilities::project_list)
      .def_readonly("user_management", &Capabilities::user_management)
      .def_readonly("own_profile", &Capabilities::own_profile)
      .def_readonly("create_users", &Capabilities::create_users)
      .def_readonly("delete_users", &Capabilities::delete_users)
      .def_readonly("grant_administrator", &Capabilities::grant_administrator)
      .def_readonly("assign_in_all_projects", &Capabilities::assign_in_all_projects)
      .def_readonly("assign_projects", &Capabilities::assign_projects)
      .def_readonly("local_task_projects", &Capabilities::local_task_projects)
      .def_readonly("not_active_projects", &Capabilities::not_active_projects)
      .def_readonly("not_active_all_projects", &Capabilities::not_active_all_projects)
      .def_readonly("all_municipalities", &Capabilities::all_municipalities)
      .def(py::self == py::self)
      .def("__repr__", [](const Capabilities& c) {
        auto b = [](bool v) { return v ? "True" : "False"; };
        return std::string("Capabilities(task_list=") + b(c.task_list) + ", project_list=" + b(c.project_list) +
               ", user_management=" + b(c.user_management) + ", create_users=" + b(c.create_users) +
               ", delete_users=" + b(c.delete_users) + ", grant_administrator=" + b(c.grant_administrator) +
               ", assign_projects=" + (c.assign_in_all_projects ? std::string("'all'") : repr_ids(c.assign_projects)) +
               ", local_task_projects=" + repr_ids(c.local_task_projects) + ")";
      });

  py::class_<TaskScope>(m, "TaskScope", "The part of the task list a viewer may see, in a form an index answers.")
      .def_readonly("side", &TaskScope::side)
      .def_readonly("municipality", &TaskScope::municipality)
      .def_readonly("all_tasks", &TaskScope::all_tasks, "Projects whose every task is visible.")
      .def_readonly("assigned_only", &TaskScope::assigned_only,
                    "Projects where only tasks the viewer is responsible or performer of are visible.")
      .def_readonly("all_projects", &TaskScope::all_projects)
      .def_readonly("local_tasks", &TaskScope::local_tasks)
      .def("contains", &TaskScope::contains, arg("task"), arg("viewer"), "Whether a task is in the scope.")
      .def(py::self == py::self)
      .def("__repr__", [](const TaskScope& s) {
        return std::string("TaskScope(side=Side.") + (s.side == Side::Kombit ? "KOMBIT" : "MUNICIPALITY") +
               ", municipality=" + (s.municipality ? std::to_string(s.municipality->value()) : "None") +
               ", all_tasks=" + repr_ids(s.all_tasks) + ", assigned_only=" + repr_ids(s.assigned_only) +
               ", all_projects=" + (s.all_projects ? "True" : "False") +
               ", local_tasks=" + (s.local_tasks ? "True" : "False") + ")";
      });

  py::class_<FieldRights>(m, "FieldRights", "The padlocks of one task for one user.")
      .def_readonly("task", &FieldRights::task)
      .def_readonly("local", &FieldRights::local)
      .def_readonly("local_id", &FieldRights::local_id)
      .def_readonly("visible", &FieldRights::visible)
      .def_readonly("mask", &FieldRights::mask, "Bit i set: Action(i) is allowed.")
      .def("can", &FieldRights::can, arg("action"), "Whether the padlock of `action` is open.")
      .def(
          "allowed_actions",
          [](const FieldRights& f) {
            std::vector<Action> out;
            for (Action a : all_actions())
              if (f.can(a)) out.push_back(a);
            return out;
          },
          "The open padlocks, as actions.")
      .def(py::self == py::self)
      .def("__repr__", [](const FieldRights& f) {
        std::string out = "FieldRights(task=" + std::to_string(f.task.value());
        if (f.local) out += ", local_id=" + std::to_string(f.local_id.value());
        out += std::string(", visible=") + (f.visible ? "True" : "False") + ", open=[";
        bool first = true;
        for (Action a : all_actions())
          if (f.can(a)) {
            out += (first ? "" : ", ") + std::string(code(a));
            first = false;
          }
        return out + "])";
      });

  py::class_<RuleInfo>(m, "RuleInfo", "One rule of a rights model, as loaded.")
      .def_readonly("id", &RuleInfo::id)
      .def_readonly("actions", &RuleInfo::actions)
      .def_readonly("party", &RuleInfo::party)
      .def_readonly("who", &RuleInfo::who)
      .def_readonly("conditions", &RuleInfo::conditions)
      .def_readonly("description", &RuleInfo::description)
      .def(py::self == py::self)
      .def("__repr__", [](const RuleInfo& r) { return "RuleInfo(id=" + quote(r.id) + ")"; });

  py::class_<AdminViolation>(m, "AdminViolation", "One broken rule of a proposed user-administration change.")
      .def_readonly("kind", &AdminViolation::kind)
      .def_readonly("field", &AdminViolation::field)
      .def_readonly("message", &AdminViolation::message)
      .def(py::self == py::self)
      .def("__repr__", [](const AdminViolation& v) {
        return "AdminViolation(kind=AdminViolationKind." +
               [&] {
                 std::string c(code(v.kind));
                 for (char& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                 return c;
               }() +
               ", field=" + quote(v.field) + ", message=" + quote(v.message) + ")";
      });

  py::class_<ClearedAssignment>(m, "ClearedAssignment", "A responsible/performer assignment a change clears.")
      .def_readonly("task", &ClearedAssignment::task)
      .def_readonly("local", &ClearedAssignment::local)
      .def_readonly("local_id", &ClearedAssignment::local_id)
      .def_readonly("responsible", &ClearedAssignment::responsible)
      .def_readonly("performer", &ClearedAssignment::performer)
      .def(py::self == py::self)
      .def("__repr__", [](const ClearedAssignment& c) {
        std::string out = "ClearedAssignment(task=" + std::to_string(c.task.value());
        if (c.local) out += ", local_id=" + std::to_string(c.local_id.value());
        return out + ", responsible=" + (c.responsible ? "True" : "False") +
               ", performer=" + (c.performer ? "True" : "False") + ")";
      });

  // --- the model ---
  py::class_<RightsModel> rights(
      m, "Rights", "A compiled, immutable rights model and its evaluator (the manual's Tabel 2). Thread-safe.");
  rights
      .def_static(
          "default", [] { return RightsModel::default_model(); },
          "The default model (the manual's Tabel 2, KOMBIT's model of 2019), compiled into the library.")
      .def_static("from_json", &RightsModel::from_json, arg("text"),
                  "Loads and validates a model; raises klik.ValidationError naming the unknown action, user type or "
                  "condition and its JSON path.")
      .def_static(
          "condition_codes",
          [] {
            std::vector<std::string> out;
            for (auto c : RightsModel::condition_codes()) out.emplace_back(c);
            return out;
          },
          "The condition codes a rule may use.")
      .def_property_readonly("name", &RightsModel::name)
      .def_property_readonly(
          "rules", [](const RightsModel& r) { return std::vector<RuleInfo>(r.rules().begin(), r.rules().end()); },
          "The rules in the model's order.")
      .def("to_json", &RightsModel::to_json, arg("indent") = 2, "The model as JSON.")
      .def(
          "decide",
          [](const RightsModel& r, const User& actor, Action action, const py::object& task, const py::object& user,
             const py::object& project, const py::object& dataset, const py::object& task_id,
             const py::object& local_task_id, const py::object& projects) {
            const TargetArgs a = make_target(task, user, project, dataset, task_id, local_task_id, projects);
            return r.decide(actor, action, a.target(), a.projects);
          },
          arg("actor"), arg("action"), py::kw_only(), arg("task") = py::none(), arg("user") = py::none(),
          arg("project") = py::none(), arg("dataset") = py::none(), arg("task_id") = py::none(),
          arg("local_task_id") = py::none(), arg("projects") = py::none(),
          "Whether `actor` may do `action`, with the rule, the reason and the nearest way. Task actions take "
          "task= (a klik.TaskFacts, or a klik.Task with project= or dataset=) or dataset= with task_id= / "
          "local_task_id=; user actions take user= (and project= for ASSIGN_USER_TYPE). projects= (or dataset=) "
          "lets reasons name projects.")
      .def(
          "allows",
          [](const RightsModel& r, const User& actor, Action action, const py::object& task, const py::object& user,
             const py::object& project, const py::object& dataset, const py::object& task_id,
             const py::object& local_task_id) {
            const TargetArgs a = make_target(task, user, project, dataset, task_id, local_task_id, py::none());
            return r.allows(actor, action, a.target());
          },
          arg("actor"), arg("action"), py::kw_only(), arg("task") = py::none(), arg("user") = py::none(),
          arg("project") = py::none(), arg("dataset") = py::none(), arg("task_id") = py::none(),
          arg("local_task_id") = py::none(), "Only whether it is allowed (the fast check).")
      .def(
          "who_can",
          [](const RightsModel& r, Action action, const py::object& users, const py::object& task,
             const py::object& user, const py::object& project, const py::object& dataset, const py::object& task_id,
             const py::object& local_task_id, const py::object& projects) {
            const TargetArgs a = make_target(task, user, project, dataset, task_id, local_task_id, projects);
            const std::vector<User> all =
                users.is_none() && !dataset.is_none() ? dataset.cast<const Dataset&>().users : users_of(users);
            return r.who_can(action, a.target(), all, a.projects);
          },
          arg("action"), arg("users") = py::none(), py::kw_only(), arg("task") = py::none(), arg("user") = py::none(),
          arg("project") = py::none(), arg("dataset") = py::none(), arg("task_id") = py::none(),
          arg("local_task_id") = py::none(), arg("projects") = py::none(),
          "The users (default: the dataset's) who may do `action` to the target, each with the reason.")
      .def("capabilities", &RightsModel::capabilities, arg("user"), "The menus and global actions of `user`.")
      .def("task_scope", &RightsModel::task_scope, arg("viewer"),
           "The tasks `viewer` may see, as a scope an index answers.")
      .def(
          "field_rights",
          [](const RightsModel& r, const User& user, const py::object& tasks) {
            const auto facts = facts_of(tasks);
            return r.field_rights(user, facts);
          },
          arg("user"), arg("tasks"), "The padlocks of a page of tasks (a list of klik.TaskFacts).")
      .def(
          "visible_tasks",
          [](const RightsModel& r, const User& viewer, const py::object& tasks) {
            const auto facts = facts_of(tasks);
            return visible_tasks(r.task_scope(viewer), viewer.id, facts);
          },
          arg("viewer"), arg("tasks"), "The ids of the tasks among `tasks` that `viewer` may see.")
      // user administration
      .def(
          "validate_user_change",
          [](const RightsModel& r, const User& actor, std::optional<User> before, std::optional<User> after,
             const py::object& users, const py::object& projects) {
            return validate_user_change(r, actor, before, after, users_of(users), projects_of(projects));
          },
          arg("actor"), arg("before"), arg("after"), arg("users"), arg("projects") = py::none(),
          "Every violation of changing `before` into `after` (None before: create; None after: delete).")
      .def(
          "validate_create_user",
          [](const RightsModel& r, const User& actor, const User& proposed, const py::object& users,
             const py::object& projects) {
            return validate_create_user(r, actor, proposed, users_of(users), projects_of(projects));
          },
          arg("actor"), arg("proposed"), arg("users"), arg("projects") = py::none(),
          "Every violation of creating `proposed`.")
      .def(
          "validate_delete_user",
          [](const RightsModel& r, const User& actor, const User& target, const py::object& users,
             const py::object& projects) {
            return validate_delete_user(r, actor, target, users_of(users), projects_of(projects));
          },
          arg("actor"), arg("target"), arg("users"), arg("projects") = py::none(),
          "Every violation of deleting `target`.")
      .def(
          "validate_edit_details",
          [](const RightsModel& r, const User& actor, const User& target, const std::string& full_name,
             const std::string& organisation, const std::string& email, const py::object& users,
             const py::object& projects) {
            return validate_edit_details(r, actor, target, full_name, organisation, email, users_of(users),
                                         projects_of(projects));
          },
          arg("actor"), arg("target"), arg("full_name"), arg("organisation"), arg("email"), arg("users"),
          arg("projects") = py::none(), "Every violation of changing name, organisation and email.")
      .def(
          "validate_set_user_type",
          [](const RightsModel& r, const User& actor, const User& target, ProjectId project, UserType type,
             const py::object& users, const py::object& projects) {
            return validate_set_user_type(r, actor, target, project, type, users_of(users), projects_of(projects));
          },
          arg("actor"), arg("target"), arg("project"), arg("type"), arg("users"), arg("projects") = py::none(),
          "Every violation of adding `target` to `project` with `type` (or changing their type there).")
      .def(
          "validate_remove_project",
          [](const RightsModel& r, const User& actor, const User& target, ProjectId project, const py::object& users,
             const py::object& projects) {
            return validate_remove_project(r, actor, target, project, users_of(users), projects_of(projects));
          },
          arg("actor"), arg("target"), arg("project"), arg("users"), arg("projects") = py::none(),
          "Every violation of removing `target` from `project`.")
      .def(
          "validate_set_administrator",
          [](const RightsModel& r, const User& actor, const User& target, bool administrator, const py::object& users,
             const py::object& projects) {
            return validate_set_administrator(r, actor, target, administrator, users_of(users), projects_of(projects));
          },
          arg("actor"), arg("target"), arg("administrator"), arg("users"), arg("projects") = py::none(),
          "Every violation of granting (True) or revoking (False) the Administrator flag.")
      .def(
          "validate_set_daily_digest",
          [](const RightsModel& r, const User& actor, const User& target, const py::object& projects) {
            return validate_set_daily_digest(r, actor, target, projects_of(projects));
          },
          arg("actor"), arg("target"), arg("projects") = py::none(),
          "Every violation of `actor` choosing `target`'s daily digest (the user themself, or an editor of their "
          "details).")
      .def(
          "validate_reset_password",
          [](const RightsModel& r, const User& actor, const User& target, const py::object& projects) {
            return validate_reset_password(r, actor, target, projects_of(projects));
          },
          arg("actor"), arg("target"), arg("projects") = py::none(), "Every violation of setting another's password.")
      .def("__repr__", [](const RightsModel& r) {
        return "Rights(name=" + quote(r.name()) + ", rules=" + std::to_string(r.rules().size()) + ")";
      });

  m.def("throw_if_any", &throw_if_any, arg("violations"),
        "Raises for the first violation (klik.AlreadyExists, klik.NotFound, klik.PermissionDenied, "
        "klik.FailedPrecondition or klik.ValidationError), with every message in the text.");
  m.def(
      "cleared_assignments",
      [](std::optional<User> before, std::optional<User> after, const py::object& tasks) {
        if (py::isinstance<Dataset>(tasks)) return cleared_assignments(before, after, tasks.cast<const Dataset&>());
        const auto facts = facts_of(tasks);
        return cleared_assignments(before, after, facts);
      },
      arg("before"), arg("after"), arg("tasks"),
      "The responsible/performer assignments cleared when `before` becomes `after` (None: deleted); `tasks` is a "
      "klik.Dataset or a list of klik.TaskFacts.");
}
