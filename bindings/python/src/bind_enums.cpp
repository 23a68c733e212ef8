// All enum bindings live here, so the later move to py::native_enum
// (pybind11 >= 3) is one edit.
#include <string>
#include <vector>

#include "bindings.hpp"
#include "klik/accounts.hpp"
#include "klik/calendar.hpp"
#include "klik/enums.hpp"
#include "klik/error.hpp"
#include "klik/query.hpp"
#include "klik/rights.hpp"
#include "klik/user_admin.hpp"

namespace {

/// The checks every bound enum gets (casters.hpp): its values and text forms are
/// registered for the caster, and the constructor and unpickling refuse a number
/// that is not one of its values (TaskStatus(4) is klik.ValidationError).
template <class E, class Parse>
void check_enum(py::enum_<E>& e, const char* name, std::initializer_list<std::pair<const char*, E>> values,
                Parse parse_fn) {
  using Info = klik::python::EnumInfo<E>;
  Info::name = name;
  Info::values.clear();
  for (const auto& [n, v] : values) Info::values.push_back(v);
  Info::parse = [parse_fn](std::string_view text) { return parse_fn(std::string(text)); };

  static const auto from_number = [](long long n) {
    for (E v : Info::values)
      if (static_cast<long long>(v) == n) return v;
    throw klik::InvalidArgumentError(Info::name + " has no value " + std::to_string(n) + " (" + Info::range() + ")",
                                     "value");
  };
  py::delattr(e, "__init__");
  e.def(py::init([](const py::object& value) -> E {
          if (py::isinstance<py::int_>(value) && !py::isinstance<py::bool_>(value))
            return from_number(value.cast<long long>());
          if (py::isinstance<py::str>(value)) return Info::parse(value.cast<std::string>());
          throw py::type_error(Info::name + "(value): expected an int or a str, got " + type_name(value));
        }),
        py::arg("value"));
  e.attr("__setstate__") = py::cpp_function(
      [](py::detail::value_and_holder& v_h, long long state) {
        py::detail::initimpl::setstate<py::class_<E>>(v_h, from_number(state), Py_TYPE(v_h.inst) != v_h.type->type);
      },
      py::detail::is_new_style_constructor(), py::name("__setstate__"), py::is_method(e), py::arg("state"));
}

template <class E>
void bind_enum(py::module_& m, const char* name, const char* doc,
               std::initializer_list<std::pair<const char*, E>> values) {
  py::enum_<E> e(m, name, doc);
  for (const auto& [n, v] : values) e.value(n, v);
  check_enum(e, name, values, [](const std::string& text) { return klik::parse<E>(text); });
  e.def_property_readonly(
       "code", [](E v) { return std::string(klik::code(v)); }, "Stable JSON code, e.g. 'not_started'.")
      .def_property_readonly(
          "english", [](E v) { return std::string(klik::english(v)); }, "English name.")
      .def_property_readonly(
          "danish", [](E v) { return std::string(klik::danish(v)); }, "The Danish label KOMBIT's manual uses.")
      .def_static(
          "parse", [](const std::string& text) { return klik::parse<E>(text); }, py::arg("text"),
          "Parses a code, English name or Danish label (exact); raises klik.ValidationError otherwise.");
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

// Enums that have only a code (no English name or Danish label): TaskColumn, FilterField.
template <class E, class Parse>
void bind_code_enum(py::module_& m, const char* name, const char* doc,
                    std::initializer_list<std::pair<const char*, E>> values, Parse parse_fn) {
  py::enum_<E> e(m, name, doc);
  for (const auto& [n, v] : values) e.value(n, v);
  check_enum(e, name, values, parse_fn);
  e.def_property_readonly(
       "code", [](E v) { return std::string(klik::code(v)); }, "Stable code, e.g. 'end_date'.")
      .def_static(
          "parse", [parse_fn](const std::string& text) { return parse_fn(text); }, py::arg("text"),
          "Parses a code; raises klik.ValidationError otherwise.");
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

/// Parses an enum that has only codes, by its code.
template <class E>
E parse_code(const std::string& text, const char* what) {
  for (E v : klik::python::EnumInfo<E>::values)
    if (klik::code(v) == text) return v;
  throw klik::InvalidArgumentError(std::string("unknown ") + what + " '" + text.substr(0, 80) + "'");
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
  // Calendar enums (calendar.hpp): code only, no Danish label of their own.
  bind_code_enum<HolidayCategory>(
      m, "HolidayCategory", "Why a day is closed.",
      {{"STATUTORY", HolidayCategory::Statutory},
       {"GRUNDLOVSDAG", HolidayCategory::Grundlovsdag},
       {"JULEAFTENSDAG", HolidayCategory::Juleaftensdag},
       {"NYTAARSAFTENSDAG", HolidayCategory::Nytaarsaftensdag},
       {"EXTRA", HolidayCategory::Extra}},
      [](const std::string& t) { return parse_code<HolidayCategory>(t, "holiday category"); });
  bind_code_enum<LoginOutcome>(
      m, "LoginOutcome", "How a login attempt came out (klik.Accounts.login).",
      {{"SUCCESS", LoginOutcome::Success}, {"REFUSED", LoginOutcome::Refused}, {"THROTTLED", LoginOutcome::Throttled}},
      [](const std::string& t) { return parse_code<LoginOutcome>(t, "login outcome"); });
  bind_code_enum<CalendarProfile>(
      m, "CalendarProfile", "Named sets of closing days.",
      {{"MUNICIPAL", CalendarProfile::Municipal}, {"STATUTORY", CalendarProfile::Statutory}},
      [](const std::string& t) { return parse_code<CalendarProfile>(t, "calendar profile"); });
  bind_code_enum<TaskColumn>(m, "TaskColumn", "A column of the task list, usable as a sort key.",
                             {{"PROJECT", TaskColumn::Project},
                              {"TITLE", TaskColumn::Title},
                              {"PHASE", TaskColumn::Phase},
                              {"THEME", TaskColumn::Theme},
                              {"DEADLINE", TaskColumn::Deadline},
                              {"PRIORITY", TaskColumn::Priority},
                              {"STATUS", TaskColumn::Status},
                              {"END_DATE", TaskColumn::EndDate},
                              {"MUNICIPALITY", TaskColumn::Municipality},
                              {"ID", TaskColumn::Id}},
                             [](const std::string& t) { return parse_task_column(t); });
  bind_code_enum<FilterField>(m, "FilterField", "One applied filter of the task list (a chip in 'Anvendte filtre').",
                              {{"PROJECT", FilterField::Project},
                               {"PHASE", FilterField::Phase},
                               {"THEME", FilterField::Theme},
                               {"STATUS", FilterField::Status},
                               {"PRIORITY", FilterField::Priority},
                               {"COLOUR", FilterField::Colour},
                               {"RESPONSIBLE", FilterField::Responsible},
                               {"PERFORMER", FilterField::Performer},
                               {"TITLE", FilterField::Title},
                               {"END_FROM", FilterField::EndFrom},
                               {"END_TO", FilterField::EndTo}},
                              [](const std::string& t) { return parse_filter_field(t); });
  // --- rights (rights.hpp, user_admin.hpp) ---
  bind_code_enum<Action>(m, "Action", "Everything a rights rule can allow (one action per editable task field).",
                         {{"VIEW_TASK", Action::ViewTask},
                          {"EXPORT_TASK", Action::ExportTask},
                          {"VIEW_INTERNAL_NOTES", Action::ViewInternalNotes},
                          {"EDIT_INTERNAL_NOTES", Action::EditInternalNotes},
                          {"BE_ASSIGNED", Action::BeAssigned},
                          {"EDIT_RESPONSIBLE", Action::EditResponsible},
                          {"EDIT_PERFORMER", Action::EditPerformer},
                          {"EDIT_STATUS", Action::EditStatus},
                          {"SET_NOT_ACTIVE", Action::SetNotActive},
                          {"ADD_FILE", Action::AddFile},
                          {"DELETE_FILE", Action::DeleteFile},
                          {"WRITE_MESSAGE", Action::WriteMessage},
                          {"CREATE_LOCAL_TASK", Action::CreateLocalTask},
                          {"EDIT_LOCAL_TASK", Action::EditLocalTask},
                          {"VIEW_TASK_LIST", Action::ViewTaskList},
                          {"VIEW_PROJECT_LIST", Action::ViewProjectList},
                          {"VIEW_USER_MANAGEMENT", Action::ViewUserManagement},
                          {"OWN_PROFILE", Action::OwnProfile},
                          {"VIEW_USER", Action::ViewUser},
                          {"CREATE_USER", Action::CreateUser},
                          {"DELETE_USER", Action::DeleteUser},
                          {"EDIT_USER", Action::EditUser},
                          {"ASSIGN_USER_TYPE", Action::AssignUserType},
                          {"GRANT_ADMINISTRATOR", Action::GrantAdministrator},
                          {"RESET_PASSWORD", Action::ResetPassword},
                          {"CREATE_PROJECT", Action::CreateProject},
                          {"MANAGE_PROJECT", Action::ManageProject}},
                         [](const std::string& t) { return parse_action(t); });
  bind_code_enum<Outcome>(
      m, "Outcome", "How a rights decision came out.",
      {{"ALLOWED", Outcome::Allowed}, {"DENIED", Outcome::Denied}, {"NOT_FOUND", Outcome::NotFound}},
      [](const std::string& t) { return parse_code<Outcome>(t, "outcome"); });
  bind_code_enum<AdminViolationKind>(
      m, "AdminViolationKind", "What kind of rule a user-administration change breaks.",
      {{"NOT_PERMITTED", AdminViolationKind::NotPermitted},
       {"NOT_FOUND", AdminViolationKind::NotFound},
       {"EMAIL_TAKEN", AdminViolationKind::EmailTaken},
       {"INVALID_EMAIL", AdminViolationKind::InvalidEmail},
       {"PROJECT_NOT_HELD", AdminViolationKind::ProjectNotHeld},
       {"LAST_ADMINISTRATOR", AdminViolationKind::LastAdministrator},
       {"LAST_PLUSBRUGER", AdminViolationKind::LastPlusbruger},
       {"INVALID_CHANGE", AdminViolationKind::InvalidChange}},
      [](const std::string& t) { return parse_code<AdminViolationKind>(t, "violation kind"); });
}
