// klik.Workflows: the rights-checked, notified changes users make.
#include "bindings.hpp"
#include "casters.hpp"
#include "klik/workflows.hpp"

namespace {

using namespace klik;
using py::arg;

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

/// Keyword arguments like TaskChange: responsible=None clears, leaving it out keeps.
TaskChange task_change(TaskId task, const py::kwargs& kw) {
  TaskChange c;
  c.task = task;
  for (const auto& [k, v] : kw) {
    const std::string key = py::str(k);
    if (key == "status") c.status = arg_cast<TaskStatus>(v, "status");
    else if (key == "responsible") c.responsible = arg_cast<std::optional<UserId>>(v, "responsible");
    else if (key == "performer") c.performer = arg_cast<std::optional<UserId>>(v, "performer");
    else if (key == "expected_version") c.expected_version = arg_cast<std::uint32_t>(v, "expected_version");
    else throw InvalidArgumentError("unknown task field \"" + key + "\" (status, responsible, performer, expected_version)", key);
  }
  return c;
}

}  // namespace

void init_workflows(py::module_& m) {
  m.def("find_cpr_number", [](const std::string& text) -> std::optional<std::size_t> {
        const auto at = find_cpr_number(text);
        return at == std::string_view::npos ? std::nullopt : std::optional(at);
      }, arg("text"), "Byte position of a Danish CPR number (DDMMYY-SSSS with a real date) in text, or None.");

  py::class_<Workflows>(m, "Workflows",
                        "The changes users make, checked by the rights model and notified (SPEC §5) in the same "
                        "transaction. Refusals raise klik.NotFound (not visible) or klik.PermissionDenied (with "
                        ".decision details).")
      .def(py::init([](std::shared_ptr<Store> store, const py::object& clock, const py::object& rights) {
             const Clock& c = clock.is_none() ? system_clock() : clock.cast<const Clock&>();
             RightsModel r = rights.is_none() ? RightsModel::default_model() : rights.cast<RightsModel>();
             return std::make_unique<Workflows>(*store, c, std::move(r));
           }),
           arg("store"), arg("clock") = py::none(), arg("rights") = py::none(), py::keep_alive<1, 2>(),
           py::keep_alive<1, 3>(), "Workflows over `store`; `clock` defaults to the system clock.")
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
      .def("set_internal_notes", &Workflows::set_internal_notes, arg("actor"), arg("task"), arg("text"),
           releases_gil())
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
           "Creates a user (SPEC §4.2 rules); the id is assigned when 0; the user is notified.")
      .def("set_user_type", &Workflows::set_user_type, arg("actor"), arg("user"), arg("project"), arg("type"),
           releases_gil(),
           "Adds the user to the project, changes their type, or (type=None) removes them; the user is notified.")
      .def("delete_user", &Workflows::delete_user, arg("actor"), arg("user"), releases_gil());
}
