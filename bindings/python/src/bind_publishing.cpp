// klik.Publishing: KOMBIT's side (projects, rollout waves, templates), rights-checked and notified.
#include "bindings.hpp"
#include "casters.hpp"
#include "klik/publishing.hpp"

namespace {

using namespace klik;
using py::arg;

}  // namespace

void init_publishing(py::module_& m) {
  py::class_<Publishing>(m, "Publishing",
                         "KOMBIT's side: projects, rollout waves and task templates, checked by the rights model "
                         "(create_project, manage_project, set_not_active) and notified in the same transaction. "
                         "Refusals raise klik.NotFound or klik.PermissionDenied (with .decision details).")
      .def(py::init([](std::shared_ptr<Store> store, const py::object& clock, const py::object& rights,
                       const py::object& routing) {
             const Clock& c = clock.is_none() ? system_clock() : clock.cast<const Clock&>();
             RightsModel r = rights.is_none() ? RightsModel::default_model() : rights.cast<RightsModel>();
             NotificationRouting n =
                 routing.is_none() ? NotificationRouting::default_routing() : routing.cast<NotificationRouting>();
             return std::make_unique<Publishing>(*store, c, std::move(r), std::move(n));
           }),
           arg("store"), arg("clock") = py::none(), arg("rights") = py::none(), arg("routing") = py::none(),
           py::keep_alive<1, 2>(), py::keep_alive<1, 3>(),
           "Publishing over `store`; `clock` defaults to the system clock.")
      // The threading rule (bindings.hpp): every call waits for the store's locks, so each
      // runs with the GIL released; arguments are C++ values by then.
      .def("create_project", &Publishing::create_project, arg("actor"), arg("project"), releases_gil(),
           "Creates a project (its id must be 0: klik assigns it).")
      .def("edit_project", &Publishing::edit_project, arg("actor"), arg("project"), releases_gil(),
           "Changes a project's fields or participants.")
      .def("join_project", &Publishing::join_project, arg("actor"), arg("project"), arg("municipality"), releases_gil(),
           "The municipality joins: one task per template it lacks.")
      .def("leave_project", &Publishing::leave_project, arg("actor"), arg("project"), arg("municipality"),
           releases_gil(),
           "The municipality leaves: its tasks stay, not active; its users' memberships of the project end.")
      .def("create_wave", &Publishing::create_wave, arg("actor"), arg("wave"), releases_gil(),
           "Creates a rollout wave (its id must be 0); a municipality is in at most one wave per project.")
      .def("edit_wave", &Publishing::edit_wave, arg("actor"), arg("wave"), releases_gil(),
           "Changes a wave's name, members or shift.")
      .def("set_wave_shift", &Publishing::set_wave_shift, arg("actor"), arg("wave"), arg("shift_workdays"),
           releases_gil(), "Moves the deadlines of the wave's municipalities' tasks by working days, atomically.")
      .def("publish_template", &Publishing::publish_template, arg("actor"), arg("template"), releases_gil(),
           "Publishes a template (id 0) with one task per participating municipality.")
      .def("edit_template", &Publishing::edit_template, arg("actor"), arg("template"), releases_gil(),
           "Changes a template's text or dates; every instance follows.")
      .def("withdraw_template", &Publishing::withdraw_template, arg("actor"), arg("template"), releases_gil(),
           "Makes every instance not active; returns the tasks changed.")
      .def("set_not_active", &Publishing::set_not_active, arg("actor"), arg("task"), arg("not_active"), releases_gil(),
           "Sets (True) or clears (False: back to not started) a task's not active status.");
}
