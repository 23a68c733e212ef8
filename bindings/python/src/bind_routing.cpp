// klik.NotificationRouting: who is told about what (the manual's Tabel 3 and Tabel 4) as data, and its codes.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "casters.hpp"
#include "klik/routing.hpp"

namespace {

using namespace klik;
using py::arg;

std::vector<std::string> audience_codes(const std::vector<Audience>& audiences) {
  std::vector<std::string> out;
  for (Audience a : audiences) out.emplace_back(code(a));
  return out;
}

}  // namespace

void init_routing(py::module_& m) {
  py::class_<NotificationRouting>(
      m, "NotificationRouting",
      "Who is told about what (the manual's Tabel 3 and Tabel 4): every notification event mapped to a set of "
      "audiences. Immutable; give it to klik.Workflows, klik.Publishing, klik.Accounts and Store.sweep. Whatever it "
      "names, only users who may see the object are told (Readers never get task mail).")
      .def_static(
          "default", [] { return NotificationRouting::default_routing(); },
          "The default routing (the manual's Tabel 3 and Tabel 4), compiled into the library.")
      .def_static("from_json", &NotificationRouting::from_json, arg("text"),
                  "Loads and validates a routing; raises klik.ValidationError naming the unknown or missing event, "
                  "the unknown audience or the one an event cannot take, and its JSON path.")
      .def_static(
          "event_codes",
          [] {
            std::vector<std::string> out;
            for (NotificationEvent e : all_notification_events()) out.emplace_back(code(e));
            return out;
          },
          "Every notification event's code, in order.")
      .def_static(
          "audience_codes",
          [] {
            return audience_codes({all_audiences().begin(), all_audiences().end()});
          },
          "Every audience's code, in order (there is no Reader audience).")
      .def_static(
          "describe_event",
          [](const std::string& event) { return std::string(describe(parse_notification_event(event))); }, arg("event"),
          "What the event is, in words.")
      .def_static(
          "describe_audience",
          [](const std::string& audience) { return std::string(describe(parse_audience(audience))); }, arg("audience"),
          "Who the audience is, in words.")
      .def_static(
          "scope", [](const std::string& event) { return std::string(code(scope(parse_notification_event(event)))); },
          arg("event"), "What the event is about: 'task', 'project' or 'user'.")
      .def_static(
          "can_route",
          [](const std::string& event, const std::string& audience) {
            return can_route(parse_notification_event(event), parse_audience(audience));
          },
          arg("event"), arg("audience"), "Whether a routing may name `audience` for `event`.")
      .def_property_readonly("name", &NotificationRouting::name)
      .def_property_readonly("version", &NotificationRouting::version)
      .def(
          "audiences",
          [](const NotificationRouting& r, const std::string& event) {
            return audience_codes(r.audiences(parse_notification_event(event)));
          },
          arg("event"), "The audiences of `event`, as codes.")
      .def(
          "note",
          [](const NotificationRouting& r, const std::string& event) {
            return r.note(parse_notification_event(event));
          },
          arg("event"), "Where the event's row comes from (e.g. the manual's table).")
      .def(
          "table",
          [](const NotificationRouting& r) {
            py::dict out;
            for (NotificationEvent e : all_notification_events())
              out[py::str(std::string(code(e)))] = audience_codes(r.audiences(e));
            return out;
          },
          "The whole table: {event: [audience, ...]}.")
      .def(
          "with_route",
          [](const NotificationRouting& r, const std::string& event, const std::vector<std::string>& audiences) {
            std::vector<Audience> parsed;
            for (const std::string& a : audiences) parsed.push_back(parse_audience(a));
            return r.with(parse_notification_event(event), parsed);
          },
          arg("event"), arg("audiences"),
          "A copy in which `event` goes to `audiences` (codes); raises klik.ValidationError for an unknown code or "
          "an audience the event cannot take.")
      .def("to_json", &NotificationRouting::to_json, arg("indent") = 2,
           "The routing as JSON (from_json reads it back).")
      .def(
          "__eq__", [](const NotificationRouting& a, const NotificationRouting& b) { return a == b; },
          py::is_operator())
      .def("__hash__", [](const NotificationRouting& r) { return py::hash(py::str(r.to_json(-1))); })
      .def("__repr__", [](const NotificationRouting& r) { return "<klik.NotificationRouting " + r.name() + ">"; });
}
