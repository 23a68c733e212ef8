// All enum bindings live here, so the later move to py::native_enum
// (pybind11 >= 3) is one edit.
#include <string>
#include <vector>

#include "bindings.hpp"
#include "klik/enums.hpp"

namespace {

template <class E>
void bind_enum(py::module_& m, const char* name, const char* doc,
               std::initializer_list<std::pair<const char*, E>> values) {
  py::enum_<E> e(m, name, doc);
  for (const auto& [n, v] : values) e.value(n, v);
  e.def_property_readonly("code", [](E v) { return std::string(klik::code(v)); }, "Stable JSON code, e.g. 'not_started'.")
      .def_property_readonly("english", [](E v) { return std::string(klik::english(v)); }, "English name.")
      .def_property_readonly("danish", [](E v) { return std::string(klik::danish(v)); },
                             "The Danish label KOMBIT's manual uses.")
      .def_static("parse", [](const std::string& text) { return klik::parse<E>(text); }, py::arg("text"),
                  "Parses a code, English name or Danish label (exact); raises klik.ValidationError otherwise.")
      .def("__str__", [](E v) { return std::string(klik::code(v)); });
  std::vector<std::pair<std::string, E>> names;
  for (const auto& [n, v] : values) names.emplace_back(n, v);
  e.attr("__repr__") = py::cpp_function(
      [name = std::string(name), names](E v) {
        for (const auto& [n, value] : names)
          if (value == v) return name + "." + n;
        return name + ".?";
      },
      py::is_method(e));
}

}  // namespace

void init_enums(py::module_& m) {
  using namespace klik;
  bind_enum<TaskStatus>(m, "TaskStatus", "Status of a task (Status).",
                        {{"NOT_ACTIVE", TaskStatus::NotActive},
                         {"NOT_STARTED", TaskStatus::NotStarted},
                         {"STARTED", TaskStatus::Started},
                         {"COMPLETED", TaskStatus::Completed}});
  bind_enum<Priority>(m, "Priority", "Priority of a task (Prioritet).",
                      {{"CRITICAL_PATH", Priority::CriticalPath},
                       {"MANDATORY", Priority::Mandatory},
                       {"RECOMMENDED", Priority::Recommended},
                       {"LOCAL", Priority::Local}});
  bind_enum<UserType>(m, "UserType", "A user's type on one project (brugertype).",
                      {{"PLUS", UserType::Plus},
                       {"STANDARD", UserType::Standard},
                       {"LIGHT", UserType::Light},
                       {"READER", UserType::Reader}});
  bind_enum<DeadlineColour>(m, "DeadlineColour", "The deadline marker of a task.",
                            {{"GREEN", DeadlineColour::Green},
                             {"YELLOW", DeadlineColour::Yellow},
                             {"RED", DeadlineColour::Red},
                             {"GREY", DeadlineColour::Grey},
                             {"DONE", DeadlineColour::Done}});
  bind_enum<Side>(m, "Side", "Which side of KLIK a user or message belongs to.",
                  {{"MUNICIPALITY", Side::Municipality}, {"KOMBIT", Side::Kombit}});
}
