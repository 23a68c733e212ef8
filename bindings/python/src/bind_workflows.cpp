// klik.Workflows: the rights-checked, notified changes users make.
#include "bindings.hpp"
#include "casters.hpp"
#include "klik/pdf.hpp"
#include "klik/text.hpp"
#include "klik/workflows.hpp"

namespace {

using namespace klik;
using py::arg;

/// Keyword arguments like TaskChange: responsible=None clears, leaving it out keeps.
TaskChange task_change(TaskId task, const py::kwargs& kw) {
  TaskChange c;
  c.task = task;
  for (const auto& [k, v] : kw) {
    const std::string key = py::str(k);
    if (key == "status")
      c.status = arg_cast<TaskStatus>(v, "status");
    else if (key == "responsible")
      c.responsible = arg_cast<std::optional<UserId>>(v, "responsible");
    else if (key == "performer")
      c.performer = arg_cast<std::optional<UserId>>(v, "performer");
    else if (key == "expected_version")
      c.expected_version = arg_cast<std::uint32_t>(v, "expected_version");
    else
      throw InvalidArgumentError(
          "unknown task field \"" + key + "\" (status, responsible, performer, expected_version)", key);
  }
  return c;
}

/// Keyword arguments like LocalTaskChange.
LocalTaskChange local_task_change(LocalTaskId task, const py::kwargs& kw) {
  LocalTaskChange c;
  c.task = task;
  for (const auto& [k, v] : kw) {
    const std::string key = py::str(k);
    if (key == "title")
      c.title = arg_cast<std::string>(v, "title");
    else if (key == "description")
      c.description = arg_cast<std::string>(v, "description");
    else if (key == "end")
      c.end = arg_cast<Date>(v, "end");
    else if (key == "status")
      c.status = arg_cast<TaskStatus>(v, "status");
    else if (key == "responsible")
      c.responsible = arg_cast<std::optional<UserId>>(v, "responsible");
    else if (key == "performer")
      c.performer = arg_cast<std::optional<UserId>>(v, "performer");
    else if (key == "expected_version")
      c.expected_version = arg_cast<std::uint32_t>(v, "expected_version");
    else
      throw InvalidArgumentError("unknown local task field \"" + excerpt(key) +
                                     "\" (title, description, end, status, responsible, performer, expected_version)",
                                 key);
  }
  return c;
}

/// Keyword arguments like UserDetailsChange.
UserDetailsChange user_details_change(UserId user, const py::kwargs& kw) {
  UserDetailsChange c;
  c.user = user;
  for (const auto& [k, v] : kw) {
    const std::string key = py::str(k);
    if (key == "full_name")
      c.full_name = arg_cast<std::string>(v, "full_name");
    else if (key == "email")
      c.email = arg_cast<std::string>(v, "email");
    else if (key == "organisation")
      c.organisation = arg_cast<std::string>(v, "organisation");
    else if (key == "expected_version")
      c.expected_version = arg_cast<std::uint32_t>(v, "expected_version");
    else
      throw InvalidArgumentError(
          "unknown user detail \"" + excerpt(key) + "\" (full_name, email, organisation, expected_version)", key);
  }
  return c;
}

}  // namespace

void init_workflows(py::module_& m) {
  m.def(
      "find_cpr_number",
      [](const std::string& text) -> std::optional<std::size_t> {
        const auto at = find_cpr_number(text);
        return at == std::string_view::npos ? std::nullopt : std::optional(at);
      },
      arg("text"), "Byte position of a Danish CPR number (DDMMYY-SSSS with a real date) in text, or None.");

  // The PDF export (pdf.hpp) reads like Workflows.messages: one rights-checked read of a task.
  m.def(
      "task_pdf",
      [](const Store& store, UserId viewer, TaskId task, const py::object& today, const py::object& rights) {
        const Date day = today.is_none() ? today_in_copenhagen(system_clock()) : arg_cast<Date>(today, "today");
        if (!rights.is_none() && !py::isinstance<RightsModel>(rights))
          throw py::type_error("rights must be a klik.Rights or None, got " + type_name(rights));
        const RightsModel& model = rights.is_none() ? RightsModel::default_model() : rights.cast<const RightsModel&>();
        // The snapshot is taken and released inside export_pdf, then the file is rendered: all without the GIL.
        const std::string pdf = without_gil([&] { return export_pdf(store, viewer, task, day, model); });
        return py::bytes(pdf);
      },
      arg("store"), arg("viewer"), arg("task"), py::kw_only(), arg("today") = py::none(), arg("rights") = py::none(),
      "The task as `viewer` (a user id) may see it, as the bytes of an A4 PDF file in Danish (the manual's \"Gem "
      "opgave som PDF-fil\"); `today` (default: today in Copenhagen) is the export date in each page's header and "
      "the day the colour is judged on. Needs export_task: a task the viewer may not see raises klik.NotFound; "
      "internal notes only for viewers with view_internal_notes.");

  py::class_<MessagePage>(m, "MessagePage", "One page of a task's message thread, oldest first.")
      .def_readonly("messages", &MessagePage::messages)
      .def_readonly("offset", &MessagePage::offset, "Position of the first message here in the whole thread.")
      .def_readonly("total", &MessagePage::total, "Messages in the whole thread.")
      .def("__len__", [](const MessagePage& p) { return p.messages.size(); })
      .def("__repr__", [](const MessagePage& p) {
        return "MessagePage(offset=" + std::to_string(p.offset) + ", messages=" + std::to_string(p.messages.size()) +
               ", total=" + std::to_string(p.total) + ")";
      });

  py::class_<Workflows>(
      m, "Workflows",
      "The changes users make, checked by the rights model and notified (the manual's Tabel 3 and Tabel 4) in the same "
      "transaction. Refusals raise klik.NotFound (not visible) or klik.PermissionDenied (with "
      ".decision details).")
      .def(py::init([](std::shared_ptr<Store> store, const py::object& clock, const py::object& rights,
                       const py::object& routing) {
             const Clock& c = clock.is_none() ? system_clock() : clock.cast<const Clock&>();
             RightsModel r = rights.is_none() ? RightsModel::default_model() : rights.cast<RightsModel>();
             NotificationRouting n =
                 routing.is_none() ? NotificationRouting::default_routing() : routing.cast<NotificationRouting>();
             return std::make_unique<Workflows>(*store, c, std::move(r), std::move(n));
           }),
           arg("store"), arg("clock") = py::none(), arg("rights") = py::none(), arg("routing") = py::none(),
           py::keep_alive<1, 2>(), py::keep_alive<1, 3>(),
           "Workflows over `store`; `clock` defaults to the system clock.")
      // The threading rule (bindings.hpp): every workflow waits for the store's locks, so
      // each runs with the GIL released; arguments are C++ values by then.
      .def(
          "change_task",
          [](Workflows& w, UserId actor, TaskId task, const py::kwargs& kw) {
            const TaskChange c = task_change(task, kw);
            return without_gil([&] { return w.change_task(actor, c); });
          },
          arg("actor"), arg("task"),
          "Changes status, responsible and/or performer as `actor` (keyword arguments; responsible=None clears; "
          "status takes a klik.TaskStatus or its code, English or Danish name). Newly assigned people are "
          "notified.")
      .def("write_message", &Workflows::write_message, arg("actor"), arg("task"), arg("text"), releases_gil(),
           "A message on a task; municipality messages go to the project's mailbox, KOMBIT's to the municipality.")
      .def("broadcast", &Workflows::broadcast, arg("actor"), arg("project"), arg("wave") = py::none(), arg("text"),
           releases_gil(), "A KOMBIT message to a whole project or one rollout wave.")
      .def("internal_notes", &Workflows::internal_notes, arg("actor"), arg("task"), releases_gil())
      .def("set_internal_notes", &Workflows::set_internal_notes, arg("actor"), arg("task"), arg("text"), releases_gil())
      .def(
          "add_file",
          [](Workflows& w, UserId actor, TaskId task, const std::string& file_name, const py::bytes& content,
             const std::string& media_type) {
            const std::string bytes = content;
            return without_gil([&] { return w.add_file(actor, task, file_name, media_type, bytes); });
          },
          arg("actor"), arg("task"), arg("file_name"), arg("content"), arg("media_type") = "application/octet-stream",
          "Attaches a file; refused (klik.ValidationError) when it holds a CPR number.")
      .def("create_local_task", &Workflows::create_local_task, arg("actor"), arg("task"), releases_gil())
      .def("create_user", &Workflows::create_user, arg("actor"), arg("user"), releases_gil(),
           "Creates a user (the user-administration rules, docs/rights.md); the id is assigned when 0; the user is "
           "notified.")
      .def("set_user_type", &Workflows::set_user_type, arg("actor"), arg("user"), arg("project"), arg("type"),
           releases_gil(),
           "Adds the user to the project, changes their type, or (type=None) removes them; the user is notified.")
      .def("delete_user", &Workflows::delete_user, arg("actor"), arg("user"), releases_gil())
      .def("messages", &Workflows::messages, arg("actor"), arg("task"), arg("offset") = 0, arg("limit") = 50,
           releases_gil(),
           "A page of the task's message thread, oldest first: its messages and KOMBIT's broadcasts that reach it.")
      .def("task_history", &Workflows::task_history, arg("actor"), arg("task"), arg("limit") = 100, releases_gil(),
           "The task's history from the journal, newest first (view_task; its internal notes' history only for "
           "their readers). A list of klik.JournalEntry.")
      .def("user_history", &Workflows::user_history, arg("actor"), arg("user"), arg("limit") = 100, releases_gil(),
           "A user's history from the journal, newest first (view_user): the user record and their account "
           "(never a password hash).")
      .def("files", &Workflows::files, arg("actor"), arg("task"), releases_gil(), "The task's files (metadata).")
      .def(
          "read_file",
          [](const Workflows& w, UserId actor, AttachmentId file) {
            // Collected without the GIL (the backend streams it under its own lock), handed over as bytes.
            std::string content = without_gil([&] {
              std::string out;
              w.read_file(actor, file, [&](std::string_view chunk) { out.append(chunk); });
              return out;
            });
            return py::bytes(content);
          },
          arg("actor"), arg("file"), "A file's content (view_task on its task).")
      .def("delete_file", &Workflows::delete_file, arg("actor"), arg("file"), releases_gil(),
           "Deletes a file (delete_file on its task).")
      .def(
          "change_local_task",
          [](Workflows& w, UserId actor, LocalTaskId task, const py::kwargs& kw) {
            const LocalTaskChange c = local_task_change(task, kw);
            return without_gil([&] { return w.change_local_task(actor, c); });
          },
          arg("actor"), arg("task"),
          "Changes a local task (keyword arguments title, description, end, status, responsible, performer, "
          "expected_version); status=klik.TaskStatus.COMPLETED completes it.")
      .def("delete_local_task", &Workflows::delete_local_task, arg("actor"), arg("task"), arg("expected_version") = 0,
           releases_gil())
      .def(
          "edit_user",
          [](Workflows& w, UserId actor, UserId user, const py::kwargs& kw) {
            const UserDetailsChange c = user_details_change(user, kw);
            return without_gil([&] { return w.edit_user(actor, c); });
          },
          arg("actor"), arg("user"),
          "Changes a user's full_name, email and/or organisation (own profile, or within user administration).")
      .def("set_administrator", &Workflows::set_administrator, arg("actor"), arg("user"), arg("administrator"),
           releases_gil(), "Grants or revokes the Administrator flag.")
      .def("set_daily_digest", &Workflows::set_daily_digest, arg("actor"), arg("user"), arg("daily_digest"),
           releases_gil(),
           "Chooses one daily mail for deadline changes instead of one per event: the user themself, or whoever may "
           "edit the user's details.");
}
