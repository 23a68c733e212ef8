// Bindings for the calendar area: klik.Calendar (WorkdayCalendar), klik.Holiday,
// klik.Calendars, klik.easter_sunday, klik.danish_holiday_rules.
#include <pybind11/numpy.h>

#include "bindings.hpp"
#include "casters.hpp"
#include "klik/calendar.hpp"
#include "klik/error.hpp"

namespace {

using namespace klik;
using py::arg;

CalendarProfile profile_of(const py::object& p) {
  if (py::isinstance<CalendarProfile>(p)) return p.cast<CalendarProfile>();
  const auto s = p.cast<std::string>();
  if (s == "municipal") return CalendarProfile::Municipal;
  if (s == "statutory") return CalendarProfile::Statutory;
  throw InvalidArgumentError("profile must be \"municipal\" or \"statutory\", got \"" + s + "\"", "profile");
}

std::string py_date(Date d) {
  return "datetime.date(" + std::to_string(d.year()) + ", " + std::to_string(d.month()) + ", " +
         std::to_string(d.day()) + ")";
}

std::string opt_bool(const std::optional<bool>& b) { return *b ? "True" : "False"; }

std::string repr(const WorkdayCalendar& c) {
  const auto& o = c.options();
  std::string r = "Calendar(profile='" + std::string(code(o.profile)) + "', grundlovsdag=" + opt_bool(o.grundlovsdag) +
                  ", juleaftensdag=" + opt_bool(o.juleaftensdag) + ", nytaarsaftensdag=" + opt_bool(o.nytaarsaftensdag);
  auto list = [&](const char* name, const std::vector<Date>& v) {
    if (v.empty()) return;
    r += std::string(", ") + name + "=[";
    for (std::size_t i = 0; i < v.size(); ++i) r += (i ? ", " : "") + py_date(v[i]);
    r += "]";
  };
  list("extra_closed", o.extra_closed);
  list("extra_open", o.extra_open);
  return r + ")";
}

}  // namespace

void init_calendar(py::module_& m) {
  py::class_<Holiday>(m, "Holiday", "A named closed day of one calendar in one year.")
      .def(py::init([](Date date, std::string name, std::string english_name, HolidayCategory category) {
             return Holiday{date, std::move(name), std::move(english_name), category};
           }),
           arg("date"), arg("name"), arg("english_name"), arg("category") = HolidayCategory::Statutory)
      .def_readonly("date", &Holiday::date, "The date.")
      .def_readonly("name", &Holiday::danish_name,
                    "Danish name, e.g. '2. påskedag'; 'Lukkedag' for extra closing days.")
      .def_readonly("english_name", &Holiday::english_name, "English name, e.g. 'Easter Monday'.")
      .def_readonly("category", &Holiday::category, "klik.HolidayCategory.")
      .def(
          "__eq__", [](const Holiday& a, const Holiday& b) { return a == b; }, arg("other"))
      .def("__hash__",
           [](const Holiday& h) { return std::hash<Date>{}(h.date) ^ std::hash<std::string>{}(h.danish_name); })
      .def("__repr__", [](const Holiday& h) {
        return "Holiday(date=" + py_date(h.date) + ", name='" + h.danish_name + "', category=HolidayCategory." +
               std::string(h.category == HolidayCategory::Statutory          ? "STATUTORY"
                           : h.category == HolidayCategory::Grundlovsdag     ? "GRUNDLOVSDAG"
                           : h.category == HolidayCategory::Juleaftensdag    ? "JULEAFTENSDAG"
                           : h.category == HolidayCategory::Nytaarsaftensdag ? "NYTAARSAFTENSDAG"
                                                                             : "EXTRA") +
               ")";
      });

  py::class_<WorkdayCalendar>(m, "Calendar",
                              "A Danish working-day calendar (immutable). Calendar() is the municipal calendar; "
                              "see Calendar.danish() for the options and docs/calendar-rules.md for the rules.")
      .def(py::init<>(), "The municipal calendar (helligdage + Grundlovsdag, Juleaftensdag, Nytårsaftensdag).")
      .def_static(
          "danish",
          [](const py::object& profile, std::optional<bool> grundlovsdag, std::optional<bool> juleaftensdag,
             std::optional<bool> nytaarsaftensdag, std::vector<Date> extra_closed, std::vector<Date> extra_open) {
            CalendarOptions o;
            o.profile = profile_of(profile);
            o.grundlovsdag = grundlovsdag;
            o.juleaftensdag = juleaftensdag;
            o.nytaarsaftensdag = nytaarsaftensdag;
            o.extra_closed = std::move(extra_closed);
            o.extra_open = std::move(extra_open);
            return WorkdayCalendar::danish(o);
          },
          arg("profile") = "municipal", arg("grundlovsdag") = py::none(), arg("juleaftensdag") = py::none(),
          arg("nytaarsaftensdag") = py::none(), arg("extra_closed") = std::vector<Date>{},
          arg("extra_open") = std::vector<Date>{},
          "A Danish calendar. profile: 'municipal' (default) or 'statutory' (helligdage only); each closing day "
          "can be switched on or off alone (None: as the profile says); extra_closed: local closing days; "
          "extra_open: days a project exception opens.")
      .def("is_workday", &WorkdayCalendar::is_workday, arg("date"), "True for a working day (arbejdsdag).")
      .def("is_holiday", &WorkdayCalendar::is_holiday, arg("date"), "Closed although it is a Monday-Friday.")
      .def("add_workdays", &WorkdayCalendar::add_workdays, arg("date"), arg("n"),
           "n > 0: the n-th working day after date; n < 0: the |n|-th before; n = 0: date if it is a working "
           "day, else the next one.")
      .def("workdays_between", &WorkdayCalendar::workdays_between, arg("start"), arg("end"),
           "Working days w with start <= w < end (negative when end < start).")
      .def("next_workday", &WorkdayCalendar::next_workday, arg("date"), "The first working day strictly after date.")
      .def("previous_workday", &WorkdayCalendar::previous_workday, arg("date"),
           "The last working day strictly before date.")
      .def("next_workday_or_same", &WorkdayCalendar::next_workday_or_same, arg("date"),
           "date if it is a working day, else the next one (a deadline on a closed day moves forward).")
      .def("holidays", &WorkdayCalendar::holidays, arg("year"), "The named closed days of a year, by date.")
      .def(
          "with_closed", [](const WorkdayCalendar& c, const std::vector<Date>& d) { return c.with_closed(d); },
          arg("dates"), "This calendar with more closed days.")
      .def(
          "with_open", [](const WorkdayCalendar& c, const std::vector<Date>& d) { return c.with_open(d); },
          arg("dates"), "This calendar with days opened.")
      .def(
          "is_workday_array",
          [](const WorkdayCalendar& c, py::array_t<std::int64_t, py::array::forcecast> days) {
            auto in = days.unchecked<1>();
            py::array_t<bool> out(in.shape(0));
            auto o = out.mutable_unchecked<1>();
            for (py::ssize_t i = 0; i < in.shape(0); ++i)
              o(i) = c.is_workday(Date::from_serial(static_cast<std::int32_t>(in(i))));
            return out;
          },
          arg("days"), "Vectorised is_workday over days since 1970-01-01 (e.g. numpy datetime64[D] .astype('int64')).")
      .def_property_readonly(
          "profile", [](const WorkdayCalendar& c) { return c.options().profile; }, "The profile.")
      .def_property_readonly(
          "grundlovsdag", [](const WorkdayCalendar& c) { return *c.options().grundlovsdag; },
          "Grundlovsdag (5 June) is closed.")
      .def_property_readonly(
          "juleaftensdag", [](const WorkdayCalendar& c) { return *c.options().juleaftensdag; },
          "Juleaftensdag (24 December) is closed.")
      .def_property_readonly(
          "nytaarsaftensdag", [](const WorkdayCalendar& c) { return *c.options().nytaarsaftensdag; },
          "Nytårsaftensdag (31 December) is closed.")
      .def_property_readonly(
          "extra_closed", [](const WorkdayCalendar& c) { return c.options().extra_closed; },
          "Extra closed days, sorted.")
      .def_property_readonly(
          "extra_open", [](const WorkdayCalendar& c) { return c.options().extra_open; },
          "Days opened by an exception, sorted.")
      .def(
          "__eq__", [](const WorkdayCalendar& a, const WorkdayCalendar& b) { return a == b; }, arg("other"))
      .def("__hash__",
           [](const WorkdayCalendar& c) {
             const auto& o = c.options();
             return (*o.grundlovsdag ? 1 : 0) + (*o.juleaftensdag ? 2 : 0) + (*o.nytaarsaftensdag ? 4 : 0) +
                    8 * (o.extra_closed.size() + 31 * o.extra_open.size());
           })
      .def("__repr__", &repr);

  py::class_<Calendars>(m, "Calendars",
                        "Layered calendars: national, a municipality's closing days, a project's exceptions.")
      .def(py::init<>(), "National calendar: the municipal profile.")
      .def(py::init<WorkdayCalendar>(), arg("national"))
      .def("set_municipality_closed", &Calendars::set_municipality_closed, arg("municipality"), arg("closed"),
           "Replaces the municipality's own closing days.")
      .def("set_project_exceptions", &Calendars::set_project_exceptions, arg("project"), arg("closed"),
           arg("open") = std::vector<Date>{}, "Replaces the project's exceptions (days closed, days opened).")
      .def_property_readonly("national", &Calendars::national, "The national calendar.")
      .def("for_municipality", &Calendars::for_municipality, arg("municipality"),
           "National + the municipality's closing days.")
      .def("effective", &Calendars::effective, arg("municipality"), arg("project"),
           "The calendar a task of this municipality and project is judged on.")
      .def("__repr__", [](const Calendars& c) {
        return "Calendars(national=" + repr(c.national()) +
               ", municipalities=" + std::to_string(c.municipality_closed().size()) +
               ", projects=" + std::to_string(c.project_exceptions().size()) + ")";
      });

  m.def("easter_sunday", &easter_sunday, arg("year"), "Easter Sunday (Gregorian computus).");
  m.def(
      "danish_holiday_rules",
      [] {
        py::list out;
        for (const HolidayRule& r : danish_holiday_rules()) {
          py::dict d;
          d["name"] = std::string(r.danish_name);
          d["english_name"] = std::string(r.english_name);
          d["kind"] = r.kind == HolidayRule::Kind::Fixed ? "fixed" : "easter_offset";
          if (r.kind == HolidayRule::Kind::Fixed) {
            d["month"] = r.month;
            d["day"] = r.day;
          } else {
            d["easter_offset"] = r.easter_offset;
          }
          d["first_year"] = r.first_year;
          d["last_year"] = r.last_year;
          d["category"] = r.category;
          out.append(d);
        }
        return out;
      },
      "The Danish holiday rules klik applies, as data (dicts).");
}
