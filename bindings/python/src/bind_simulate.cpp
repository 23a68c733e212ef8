// klik.Scenario and the answer of Publishing.simulate: what-if over a store, nothing written.
#include <pybind11/operators.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "casters.hpp"
#include "klik/publishing.hpp"
#include "klik/simulate.hpp"

namespace {

using namespace klik;
using py::arg;

/// Python's name of an enum value ("DeadlineColour.RED"), read from the bound enum.
template <class E>
std::string enum_repr(E v) {
  const py::object o = py::cast(v);
  return std::string(py::str(o.get_type().attr("__name__"))) + "." + std::string(py::str(o.attr("name")));
}

std::string date_repr(Date d) { return py::repr(py::cast(d)); }

std::string change_repr(const ScenarioChange& change) {
  if (const auto* w = std::get_if<WaveShiftChange>(&change))
    return (w->relative ? "shift_wave(wave=" : "set_wave_shift(wave=") + std::to_string(w->wave.value()) +
           ", workdays=" + std::to_string(w->workdays) + ")";
  if (const auto* t = std::get_if<TemplateDatesChange>(&change)) {
    std::string s = "move_template(template=" + std::to_string(t->template_id.value());
    if (t->end) s += ", end=" + date_repr(*t->end);
    if (t->latest_start) s += ", latest_start=" + date_repr(*t->latest_start);
    if (t->duration_workdays) s += ", duration_workdays=" + std::to_string(*t->duration_workdays);
    return s + ")";
  }
  const auto& s = std::get<StatusChange>(change);
  std::string tasks;
  for (std::size_t i = 0; i < s.tasks.size() && i < 5; ++i)
    tasks += (i ? ", " : "") + std::to_string(s.tasks[i].value());
  if (s.tasks.size() > 5) tasks += ", ... " + std::to_string(s.tasks.size()) + " tasks";
  return "set_status(tasks=[" + tasks + "], status=" + enum_repr(s.status) + ")";
}

std::string comparison_repr(const ColourComparison& c) {
  std::string s = "ColourComparison(";
  for (DeadlineColour k : all_values<DeadlineColour>())
    s += std::string(code(k)) + "=" + std::to_string(c.before[k]) + "->" + std::to_string(c.after[k]) +
         (k == DeadlineColour::Done ? ")" : ", ");
  return s;
}

}  // namespace

void init_simulate(py::module_& m) {
  py::class_<Scenario>(m, "Scenario",
                       "Hypothetical changes for Publishing.simulate, applied in order; each method returns the "
                       "scenario, so calls chain: klik.Scenario().shift_wave(wave, -10).set_status(tasks, "
                       "klik.TaskStatus.COMPLETED).")
      .def(py::init<>())
      .def(
          "set_wave_shift",
          [](Scenario& s, WaveId wave, std::int32_t workdays) -> Scenario& { return s.set_wave_shift(wave, workdays); },
          arg("wave"), arg("workdays"), py::return_value_policy::reference_internal,
          "The wave's working-day shift becomes `workdays` (as Publishing.set_wave_shift).")
      .def(
          "shift_wave",
          [](Scenario& s, WaveId wave, std::int32_t workdays) -> Scenario& { return s.shift_wave(wave, workdays); },
          arg("wave"), arg("workdays"), py::return_value_policy::reference_internal,
          "The wave's shift moves by `workdays` working days (negative: earlier).")
      .def(
          "move_template",
          [](Scenario& s, TemplateId tpl, std::optional<Date> end, std::optional<Date> latest_start,
             std::optional<std::int32_t> duration) -> Scenario& {
            return s.move_template(tpl, end, latest_start, duration);
          },
          arg("template"), py::kw_only(), arg("end") = py::none(), arg("latest_start") = py::none(),
          arg("duration_workdays") = py::none(), py::return_value_policy::reference_internal,
          "The template's end and/or latest start, or its duration (a latest start replaces the duration and a "
          "duration the latest start; not both).")
      .def(
          "set_status",
          [](Scenario& s, std::vector<TaskId> tasks, TaskStatus status) -> Scenario& {
            return s.set_status(std::move(tasks), status);
          },
          arg("tasks"), arg("status"), py::return_value_policy::reference_internal,
          "The status of each task id in `tasks`.")
      .def(
          "__len__", [](const Scenario& s) { return s.changes.size(); }, "Number of changes.")
      .def(py::self == py::self)
      .def("__repr__", [](const Scenario& s) {
        std::string r = "Scenario(";
        for (std::size_t i = 0; i < s.changes.size(); ++i) r += (i ? ", " : "") + change_repr(s.changes[i]);
        return r + ")";
      });

  py::class_<ColourComparison>(m, "ColourComparison", "Colour counts of the same tasks without and with a scenario.")
      .def_readonly("before", &ColourComparison::before, "Without the scenario.")
      .def_readonly("after", &ColourComparison::after, "With it.")
      .def("change", &ColourComparison::change, arg("colour"), "after - before for one colour.")
      .def(py::self == py::self)
      .def("__repr__", &comparison_repr);

  py::class_<SimulatedGroup>(m, "SimulatedGroup", "The affected tasks of one municipality and priority.")
      .def_readonly("municipality", &SimulatedGroup::municipality)
      .def_readonly("priority", &SimulatedGroup::priority)
      .def_readonly("today", &SimulatedGroup::today, "Colours today without and with the scenario.")
      .def_readonly("on", &SimulatedGroup::on, "The same on the chosen date (None without one).")
      .def("__repr__", [](const SimulatedGroup& g) {
        return "SimulatedGroup(municipality=" + std::to_string(g.municipality.value()) +
               ", priority=" + enum_repr(g.priority) + ", today=" + comparison_repr(g.today) + ")";
      });

  py::class_<SimulatedTask>(m, "SimulatedTask", "A task that would be red and is not without the scenario.")
      .def_readonly("task", &SimulatedTask::task)
      .def_readonly("municipality", &SimulatedTask::municipality)
      .def_readonly("project", &SimulatedTask::project)
      .def_readonly("priority", &SimulatedTask::priority)
      .def_readonly("before", &SimulatedTask::before, "Its colour that day without the scenario.")
      .def_readonly("after", &SimulatedTask::after, "With it (RED).")
      .def_readonly("red_from", &SimulatedTask::red_from, "With the scenario: the date from which it is red.")
      .def(py::self == py::self)
      .def("__repr__", [](const SimulatedTask& t) {
        return "SimulatedTask(task=" + std::to_string(t.task.value()) +
               ", municipality=" + std::to_string(t.municipality.value()) +
               ", project=" + std::to_string(t.project.value()) + ", before=" + enum_repr(t.before) +
               ", red_from=" + date_repr(t.red_from) + ")";
      });

  py::class_<Simulation>(m, "Simulation",
                         "What a scenario would change, over the affected tasks (those whose dates or status "
                         "differ); every other task keeps its colour and its sweep event.")
      .def_readonly("today", &Simulation::today)
      .def_readonly("on", &Simulation::on, "The chosen date, or None.")
      .def_readonly("affected", &Simulation::affected, "Tasks whose deadline dates or status differ.")
      .def_readonly("changed_today", &Simulation::changed_today, "Of those, how many change colour today.")
      .def_readonly("changed_on", &Simulation::changed_on, "... on the chosen date.")
      .def_readonly("today_total", &Simulation::today_total, "Colours of the affected tasks today.")
      .def_readonly("on_total", &Simulation::on_total, "The same on the chosen date (None without one).")
      .def_readonly("by_municipality", &Simulation::by_municipality,
                    "Per municipality and priority (groups with affected tasks), in that order.")
      .def_readonly("red_today", &Simulation::red_today, "Tasks that would turn red today, by task id.")
      .def_readonly("red_on", &Simulation::red_on, "Tasks that would be red on the chosen date and are not, by id.")
      .def_readonly("sweep_events", &Simulation::sweep_events,
                    "The events today's sweep would emit for the affected tasks with the scenario, by task id.")
      .def_readonly("sweep_events_without", &Simulation::sweep_events_without,
                    "The events the same sweep emits for them without it.")
      .def("__repr__", [](const Simulation& s) {
        std::string r = "Simulation(today=" + date_repr(s.today);
        if (s.on) r += ", on=" + date_repr(*s.on);
        return r + ", affected=" + std::to_string(s.affected) +
               ", red_today=" + std::to_string(s.today_total.before[DeadlineColour::Red]) + "->" +
               std::to_string(s.today_total.after[DeadlineColour::Red]) +
               ", turning_red_today=" + std::to_string(s.red_today.size()) +
               ", sweep_events=" + std::to_string(s.sweep_events.size()) + ")";
      });

  // Publishing.simulate, on the class bind_publishing.cpp made.
  auto publishing = py::reinterpret_borrow<py::class_<Publishing>>(m.attr("Publishing"));
  publishing.def(
      "simulate",
      [](const Publishing& p, UserId actor, const Scenario& scenario, std::optional<Date> on) {
        const Scenario copy = scenario;  // a value of our own before the GIL goes
        return without_gil([&] { return p.simulate(actor, copy, on); });
      },
      arg("actor"), arg("scenario"), arg("on") = py::none(),
      "What `scenario` would change today (the clock's date) and on `on`, without writing anything. Rights as the "
      "real calls: manage_project for wave and template changes, view_task and edit_status for statuses "
      "(klik.PermissionDenied, klik.NotFound).");
}
