// All enum bindings live here, so the later move to py::native_enum
// (pybind11 >= 3) is one edit.
#include <string>
#include <vector>

#include "bindings.hpp"
#include "klik/calendar.hpp"
#include "klik/enums.hpp"
#include "klik/error.hpp"
#include "klik/query.hpp"
#include "klik/rights.hpp"
#include "klik/user_admin.hpp"

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
  e.def_property_readonly("code", [](E v) { return std::string(klik::code(v)); }, "Stable code, e.g. 'end_date'.")
      .def_static("parse", [parse_fn](const std::string& text) { return parse_fn(text); }, py::arg("text"),
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
  py::enum_<HolidayCategory>(m, "HolidayCategory", "Why a day is closed.")
      .value("STATUTORY", HolidayCategory::Statutory)
      .value("GRUNDLOVSDAG", HolidayCategory::Grundlovsdag)
      .value("JULEAFTENSDAG", HolidayCategory::Juleaftensdag)
      .value("NYTAARSAFTENSDAG", HolidayCategory::Nytaarsaftensdag)
      .value("EXTRA", HolidayCategory::Extra)
      .def_property_readonly("code", [](HolidayCategory v) { return std::string(klik::code(v)); }, "Stable code.");
  py::enum_<CalendarProfile>(m, "CalendarProfile", "Named sets of closing days.")
      .value("MUNICIPAL", CalendarProfile::Municipal)
      .value("STATUTORY", CalendarProfile::Statutory)
      .def_property_readonly("code", [](CalendarProfile v) { return std::string(klik::code(v)); }, "Stable code.");
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
                          {"RESET_PASSWORD", Action::ResetPassword}},
                         [](const std::string& t) { return parse_action(t); });
  bind_code_enum<Outcome>(m, "Outcome", "How a rights decision came out.",
                          {{"ALLOWED", Outcome::Allowed}, {"DENIED", Outcome::Denied}, {"NOT_FOUND", Outcome::NotFound}},
                          [](const std::string& t) {
                            for (Outcome o : {Outcome::Allowed, Outcome::Denied, Outcome::NotFound})
                              if (code(o) == t) return o;
                            throw InvalidArgumentError("unknown outcome '" + t + "'");
                          });
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
      [](const std::string& t) {
        for (int i = 0; i < 8; ++i)
          if (code(static_cast<AdminViolationKind>(i)) == t) return static_cast<AdminViolationKind>(i);
        throw InvalidArgumentError("unknown violation kind '" + t + "'");
      });
}
