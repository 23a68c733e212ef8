// The entities of the manual's Tabel 1 and Dataset. Every entity has keyword construction,
// ==, to_json/from_json and to_dict/from_dict; __repr__ is added in klik/__init__.py.
#include <pybind11/operators.h>

#include "bindings.hpp"
#include "casters.hpp"
#include "klik/error.hpp"
#include "klik/json.hpp"
#include "klik/municipalities.hpp"

namespace {

using namespace klik;
using py::arg;

template <class T>
py::class_<T> entity(py::module_& m, const char* name, const char* doc) {
  py::class_<T> c(m, name, doc);
  c.def(py::self == py::self)
      .def(
          "to_json", [](const T& v, int indent) { return to_json(v, indent); }, arg("indent") = -1,
          "This object as JSON text (see docs/json.md); indent < 0 gives compact JSON.")
      .def_static(
          "from_json", [](const std::string& text) { return from_json<T>(text); }, arg("text"),
          "Parses JSON text; raises klik.ValidationError naming the JSON path of any problem.")
      .def(
          "to_dict", [](const T& v) { return py::module_::import("json").attr("loads")(to_json(v)); },
          "This object as plain Python data (the JSON form).")
      .def_static(
          "from_dict",
          [](const py::object& d) {
            return from_json<T>(py::module_::import("json").attr("dumps")(d).template cast<std::string>());
          },
          arg("data"), "Builds the object from plain Python data (the JSON form).")
      .def("__copy__", [](const T& v) { return T(v); })
      .def(
          "__deepcopy__", [](const T& v, const py::object&) { return T(v); }, arg("memo"))
      .def(py::pickle([](const T& v) { return to_json(v); },
                      [](const std::string& text) { return from_json<T>(text); }));
  return c;
}

template <class T>
void bind_list(py::module_& m, const char* name) {
  py::bind_vector<std::vector<T>>(m, name, py::module_local(false));
}

}  // namespace

void init_model(py::module_& m) {
  bind_list<Municipality>(m, "MunicipalityList");
  bind_list<Project>(m, "ProjectList");
  bind_list<RolloutWave>(m, "RolloutWaveList");
  bind_list<TaskTemplate>(m, "TaskTemplateList");
  bind_list<Task>(m, "TaskList");
  bind_list<LocalTask>(m, "LocalTaskList");
  bind_list<User>(m, "UserList");
  bind_list<Message>(m, "MessageList");
  bind_list<Attachment>(m, "AttachmentList");
  bind_list<InternalNote>(m, "InternalNoteList");

  entity<Municipality>(m, "Municipality", "A kommune; `id` is its official three-digit kommunekode.")
      .def(py::init([](MunicipalityId id, std::string name) {
             return Municipality{id, std::move(name)};
           }),
           arg("id"), arg("name"))
      .def_readwrite("id", &Municipality::id)
      .def_readwrite("name", &Municipality::name);

  entity<Project>(m, "Project", "A shared IT project published by KOMBIT (projekt).")
      .def(py::init([](ProjectId id, std::string name, Date deadline, Date period_start, Date period_end,
                       std::string description, std::string kombit_contact, std::string contact_mail,
                       std::vector<std::string> phases, std::vector<std::string> themes,
                       std::vector<MunicipalityId> participants) {
             return Project{id,
                            std::move(name),
                            std::move(description),
                            deadline,
                            period_start,
                            period_end,
                            std::move(kombit_contact),
                            std::move(contact_mail),
                            std::move(phases),
                            std::move(themes),
                            std::move(participants)};
           }),
           arg("id"), arg("name"), arg("deadline"), arg("period_start"), arg("period_end"), arg("description") = "",
           arg("kombit_contact") = "", arg("contact_mail") = "", arg("phases") = std::vector<std::string>{},
           arg("themes") = std::vector<std::string>{}, arg("participants") = std::vector<MunicipalityId>{})
      .def_readwrite("id", &Project::id)
      .def_readwrite("name", &Project::name)
      .def_readwrite("description", &Project::description)
      .def_readwrite("deadline", &Project::deadline)
      .def_readwrite("period_start", &Project::period_start)
      .def_readwrite("period_end", &Project::period_end)
      .def_readwrite("kombit_contact", &Project::kombit_contact)
      .def_readwrite("contact_mail", &Project::contact_mail)
      .def_readwrite("phases", &Project::phases, "Phase names; phases are numbered from 1 (a copy: assign to change).")
      .def_readwrite("themes", &Project::themes, "Theme names; numbered from 1 (a copy: assign to change).")
      .def_readwrite("participants", &Project::participants, "Kommunekoder taking part (a copy: assign to change).");

  entity<RolloutWave>(m, "RolloutWave", "A rollout wave (udrulningsbølge) of a project.")
      .def(py::init([](WaveId id, ProjectId project, std::string name, std::vector<MunicipalityId> members,
                       std::int32_t shift_workdays) {
             return RolloutWave{id, project, std::move(name), std::move(members), shift_workdays};
           }),
           arg("id"), arg("project"), arg("name"), arg("members") = std::vector<MunicipalityId>{},
           arg("shift_workdays") = 0)
      .def_readwrite("id", &RolloutWave::id)
      .def_readwrite("project", &RolloutWave::project)
      .def_readwrite("name", &RolloutWave::name)
      .def_readwrite("members", &RolloutWave::members)
      .def_readwrite("shift_workdays", &RolloutWave::shift_workdays);

  entity<TaskTemplate>(m, "TaskTemplate", "A KLIK task as KOMBIT publishes it, shared by all municipalities.")
      .def(py::init([](TemplateId id, ProjectId project, std::string title, Date end, std::optional<Date> latest_start,
                       std::optional<std::int32_t> duration_workdays, int phase, int theme, Priority priority,
                       std::string goal, std::string description, std::string method, std::string result,
                       bool documentation_required) {
             KLIK_REQUIRE(phase >= 1 && phase <= 255, "phase must be 1-255");
             KLIK_REQUIRE(theme >= 1 && theme <= 255, "theme must be 1-255");
             KLIK_REQUIRE(latest_start.has_value() != duration_workdays.has_value(),
                          "give exactly one of latest_start and duration_workdays");
             TaskTemplate t;
             t.id = id;
             t.project = project;
             t.title = std::move(title);
             t.end = end;
             t.latest_start = latest_start;
             t.duration_workdays = duration_workdays;
             t.phase = static_cast<std::uint8_t>(phase);
             t.theme = static_cast<std::uint8_t>(theme);
             t.priority = priority;
             t.goal = std::move(goal);
             t.description = std::move(description);
             t.method = std::move(method);
             t.result = std::move(result);
             t.documentation_required = documentation_required;
             return t;
           }),
           arg("id"), arg("project"), arg("title"), arg("end"), arg("latest_start") = py::none(),
           arg("duration_workdays") = py::none(), arg("phase") = 1, arg("theme") = 1,
           arg("priority") = Priority::Mandatory, arg("goal") = "", arg("description") = "", arg("method") = "",
           arg("result") = "", arg("documentation_required") = false)
      .def_readwrite("id", &TaskTemplate::id)
      .def_readwrite("project", &TaskTemplate::project)
      .def_readwrite("title", &TaskTemplate::title)
      .def_readwrite("phase", &TaskTemplate::phase)
      .def_readwrite("theme", &TaskTemplate::theme)
      .def_readwrite("priority", &TaskTemplate::priority)
      .def_readwrite("goal", &TaskTemplate::goal)
      .def_readwrite("description", &TaskTemplate::description)
      .def_readwrite("method", &TaskTemplate::method)
      .def_readwrite("result", &TaskTemplate::result)
      .def_readwrite("end", &TaskTemplate::end)
      .def_readwrite("latest_start", &TaskTemplate::latest_start)
      .def_readwrite("duration_workdays", &TaskTemplate::duration_workdays)
      .def_readwrite("documentation_required", &TaskTemplate::documentation_required);

  entity<Task>(m, "Task", "One municipality's instance of a TaskTemplate.")
      .def(py::init([](TaskId id, TemplateId tpl, MunicipalityId municipality, TaskStatus status,
                       std::optional<UserId> responsible, std::optional<UserId> performer,
                       std::optional<Date> end_override, std::optional<Date> latest_start_override,
                       std::uint32_t version) {
             return Task{id,        tpl,          municipality,          status, responsible,
                         performer, end_override, latest_start_override, version};
           }),
           arg("id"), arg("template"), arg("municipality"), arg("status") = TaskStatus::NotStarted,
           arg("responsible") = py::none(), arg("performer") = py::none(), arg("end_override") = py::none(),
           arg("latest_start_override") = py::none(), arg("version") = 1)
      .def_readwrite("id", &Task::id)
      .def_readwrite("template", &Task::template_id)
      .def_readwrite("municipality", &Task::municipality)
      .def_readwrite("status", &Task::status)
      .def_readwrite("responsible", &Task::responsible)
      .def_readwrite("performer", &Task::performer)
      .def_readwrite("end_override", &Task::end_override)
      .def_readwrite("latest_start_override", &Task::latest_start_override)
      .def_readwrite("version", &Task::version);

  entity<LocalTask>(m, "LocalTask", "A municipality's own task under a KLIK task (lokal opgave).")
      .def(py::init([](LocalTaskId id, TaskId parent, MunicipalityId municipality, std::string title, Date end,
                       TaskStatus status, std::optional<UserId> responsible, std::optional<UserId> performer,
                       std::string description, std::uint32_t version) {
             return LocalTask{id,        parent, municipality, std::move(title),       responsible,
                              performer, status, end,          std::move(description), version};
           }),
           arg("id"), arg("parent"), arg("municipality"), arg("title"), arg("end"),
           arg("status") = TaskStatus::NotStarted, arg("responsible") = py::none(), arg("performer") = py::none(),
           arg("description") = "", arg("version") = 1)
      .def_readwrite("id", &LocalTask::id)
      .def_readwrite("parent", &LocalTask::parent)
      .def_readwrite("municipality", &LocalTask::municipality)
      .def_readwrite("title", &LocalTask::title)
      .def_readwrite("responsible", &LocalTask::responsible)
      .def_readwrite("performer", &LocalTask::performer)
      .def_readwrite("status", &LocalTask::status)
      .def_readwrite("end", &LocalTask::end)
      .def_readwrite("description", &LocalTask::description)
      .def_readwrite("version", &LocalTask::version)
      .def_property_readonly(
          "priority", [](const LocalTask&) { return Priority::Local; }, "Always Priority.LOCAL.");

  py::class_<Membership>(m, "Membership", "A user's user type on one project.")
      .def(py::self == py::self)
      .def(py::init([](ProjectId project, UserType type) {
             return Membership{project, type};
           }),
           arg("project"), arg("type"))
      .def_readwrite("project", &Membership::project)
      .def_readwrite("type", &Membership::type);

  entity<User>(m, "User", "A person using KLIK (municipality or KOMBIT side).")
      .def(py::init([](UserId id, std::string email, std::string full_name, std::optional<MunicipalityId> municipality,
                       std::string organisation, Side side, bool administrator, std::vector<Membership> memberships,
                       std::uint32_t version, bool daily_digest) {
             return User{id,      std::move(email), std::move(full_name), std::move(organisation),
                         side,    municipality,     administrator,        std::move(memberships),
                         version, daily_digest};
           }),
           arg("id"), arg("email"), arg("full_name"), arg("municipality") = py::none(), arg("organisation") = "",
           arg("side") = Side::Municipality, arg("administrator") = false,
           arg("memberships") = std::vector<Membership>{}, arg("version") = 1, arg("daily_digest") = false)
      .def_readwrite("id", &User::id)
      .def_readwrite("email", &User::email)
      .def_readwrite("full_name", &User::full_name)
      .def_readwrite("organisation", &User::organisation)
      .def_readwrite("side", &User::side)
      .def_readwrite("municipality", &User::municipality)
      .def_readwrite("administrator", &User::administrator)
      .def_readwrite("memberships", &User::memberships, "Memberships (a copy: assign to change).")
      .def_readwrite("version", &User::version)
      .def_readwrite("daily_digest", &User::daily_digest,
                     "Deadline changes (deadline.yellow / deadline.red) come as one mail a day instead of one per "
                     "event.")
      .def("type_on", &User::type_on, arg("project"), "The user's type on the project, or None.");

  entity<Message>(m, "Message", "A message (besked) on a task, or a KOMBIT broadcast to a project or wave.")
      .def(py::init([](MessageId id, UserId author, Timestamp time, std::string text, std::optional<TaskId> task,
                       std::optional<ProjectId> project, std::optional<WaveId> wave, Side author_side) {
             return Message{id, MessageTarget{task, project, wave}, author, author_side, time, std::move(text)};
           }),
           arg("id"), arg("author"), arg("time"), arg("text"), arg("task") = py::none(), arg("project") = py::none(),
           arg("wave") = py::none(), arg("author_side") = Side::Municipality)
      .def_readwrite("id", &Message::id)
      .def_property(
          "task", [](const Message& v) { return v.target.task; },
          [](Message& v, std::optional<TaskId> t) { v.target.task = t; })
      .def_property(
          "project", [](const Message& v) { return v.target.project; },
          [](Message& v, std::optional<ProjectId> p) { v.target.project = p; })
      .def_property(
          "wave", [](const Message& v) { return v.target.wave; },
          [](Message& v, std::optional<WaveId> w) { v.target.wave = w; })
      .def_readwrite("author", &Message::author)
      .def_readwrite("author_side", &Message::author_side)
      .def_readwrite("time", &Message::time)
      .def_readwrite("text", &Message::text);

  entity<Attachment>(m, "Attachment", "A file attached to a task.")
      .def(py::init([](AttachmentId id, TaskId task, std::string file_name, UserId uploaded_by, Timestamp time,
                       py::bytes content, std::string media_type) {
             std::string bytes = content;
             const auto size = bytes.size();
             return Attachment{id,          task, std::move(file_name), std::move(media_type), size,
                               uploaded_by, time, std::move(bytes)};
           }),
           arg("id"), arg("task"), arg("file_name"), arg("uploaded_by"), arg("time"), arg("content") = py::bytes(),
           arg("media_type") = "application/octet-stream")
      .def_readwrite("id", &Attachment::id)
      .def_readwrite("task", &Attachment::task)
      .def_readwrite("file_name", &Attachment::file_name)
      .def_readwrite("media_type", &Attachment::media_type)
      .def_readwrite("size", &Attachment::size)
      .def_readwrite("uploaded_by", &Attachment::uploaded_by)
      .def_readwrite("time", &Attachment::time)
      .def_property(
          "content", [](const Attachment& a) { return py::bytes(a.content); },
          [](Attachment& a, const py::bytes& b) {
            a.content = b;
            a.size = a.content.size();
          },
          "The file's bytes.");

  entity<InternalNote>(m, "InternalNote", "The municipality's internal notes on a task (never shown to KOMBIT).")
      .def(py::init([](TaskId task, std::string text) {
             return InternalNote{task, std::move(text)};
           }),
           arg("task"), arg("text"))
      .def_readwrite("task", &InternalNote::task)
      .def_readwrite("text", &InternalNote::text);

  py::class_<Violation>(m, "Violation", "One consistency problem of a Dataset.")
      .def_readonly("path", &Violation::path, "JSON path of the offending value.")
      .def_readonly("message", &Violation::message)
      .def(py::self == py::self)
      .def("__repr__",
           [](const Violation& v) { return "Violation(path='" + v.path + "', message='" + v.message + "')"; });

  entity<Dataset>(m, "Dataset", "A whole KLIK world: every entity, as list-like collections.")
      .def(py::init<>())
      .def_readwrite("municipalities", &Dataset::municipalities)
      .def_readwrite("projects", &Dataset::projects)
      .def_readwrite("waves", &Dataset::waves)
      .def_readwrite("templates", &Dataset::templates)
      .def_readwrite("tasks", &Dataset::tasks)
      .def_readwrite("local_tasks", &Dataset::local_tasks)
      .def_readwrite("users", &Dataset::users)
      .def_readwrite("messages", &Dataset::messages)
      .def_readwrite("attachments", &Dataset::attachments)
      .def_readwrite("internal_notes", &Dataset::internal_notes)
      .def_property_readonly(
          "credentials", [](const Dataset& d) { return d.credentials; },
          "Account records (a list of klik.Credentials): only in a backup, store.export(with_credentials=True).")
      .def(
          "validate", [](const Dataset& d) { return validate(d); },
          "Every consistency problem (empty list when consistent).")
      .def("__repr__", [](const Dataset& d) {
        return "Dataset(municipalities=" + std::to_string(d.municipalities.size()) +
               ", projects=" + std::to_string(d.projects.size()) + ", templates=" + std::to_string(d.templates.size()) +
               ", tasks=" + std::to_string(d.tasks.size()) + ", local_tasks=" + std::to_string(d.local_tasks.size()) +
               ", users=" + std::to_string(d.users.size()) + ")";
      });

  m.def(
      "danish_municipalities",
      [] {
        std::vector<Municipality> out;
        for (const auto& info : danish_municipalities()) out.push_back({info.code, std::string(info.name)});
        return out;
      },
      "The official 98 municipalities (kommunekode and name), by kommunekode.");
  m.def("normalise_email", &normalise_email, arg("email"),
        "Trims and lower-cases an email the way klik compares them.");
}
