// Bindings for the deadline area: clocks, schedules, colours, timelines,
// explanations, the vectorised colours and the daily sweep.
#include <pybind11/numpy.h>

#include "bindings.hpp"
#include "casters.hpp"
#include "klik/deadline.hpp"
#include "klik/error.hpp"
#include "klik/store.hpp"
#include "klik/sweep.hpp"
#include "klik/workflows_sweep.hpp"

namespace {

using namespace klik;
using py::arg;

std::string py_date(Date d) {
  return "datetime.date(" + std::to_string(d.year()) + ", " + std::to_string(d.month()) + ", " +
         std::to_string(d.day()) + ")";
}
std::string colour_name(DeadlineColour c) {
  switch (c) {
    case DeadlineColour::Green:
      return "DeadlineColour.GREEN";
    case DeadlineColour::Yellow:
      return "DeadlineColour.YELLOW";
    case DeadlineColour::Red:
      return "DeadlineColour.RED";
    case DeadlineColour::Grey:
      return "DeadlineColour.GREY";
    case DeadlineColour::Done:
      return "DeadlineColour.DONE";
  }
  return "?";
}

const Calendars& cals_or_default(const std::optional<Calendars>& c) {
  static const Calendars national;
  return c ? *c : national;
}

}  // namespace

void init_deadline(py::module_& m) {
  // ---- clocks
  py::class_<Clock>(m, "Clock", "Where 'now' comes from (klik never reads the system clock directly).")
      .def("now", &Clock::now, "The current instant (aware UTC datetime).")
      .def(
          "today", [](const Clock& c) { return today_in_copenhagen(c); }, "Today's date in Europe/Copenhagen.");
  py::class_<SystemClock, Clock>(m, "SystemClock", "The machine's clock.")
      .def(py::init<>())
      .def("__repr__", [](const SystemClock&) { return std::string("SystemClock()"); });
  py::class_<FixedClock, Clock>(m, "FixedClock", "A clock stopped at one instant (tests, replays).")
      .def(py::init<Timestamp>(), arg("instant"), "Stopped at an aware datetime.")
      .def(py::init<Date>(), arg("date"), "Stopped at noon Copenhagen time on a date.")
      .def("set", &FixedClock::set, arg("instant"), "Moves the clock to an aware datetime (stepping through time).")
      .def("__repr__", [](const FixedClock& c) { return "FixedClock('" + c.now().iso() + "')"; });
  m.def("today_in_copenhagen", &today_in_copenhagen, arg("clock"), "The clock's date in Europe/Copenhagen.");
  m.def("copenhagen_date", &copenhagen_date, arg("instant"), "The local date in Europe/Copenhagen at an instant.");

  // ---- schedules and dates
  py::class_<Schedule>(m, "Schedule", "When a task is judged: end date and latest start or duration (working days).")
      .def(py::init([](Date end, std::optional<Date> latest_start, std::optional<std::int32_t> duration) {
             return Schedule{end, latest_start, duration};
           }),
           arg("end"), arg("latest_start") = py::none(), arg("duration_workdays") = py::none())
      .def_readwrite("end", &Schedule::end, "Last day to finish.")
      .def_readwrite("latest_start", &Schedule::latest_start, "Last day to begin (wins over the duration).")
      .def_readwrite("duration_workdays", &Schedule::duration_workdays, "Duration in working days.")
      .def(
          "__eq__", [](const Schedule& a, const Schedule& b) { return a == b; }, arg("other"))
      .def("__repr__", [](const Schedule& s) {
        std::string r = "Schedule(end=" + py_date(s.end);
        if (s.latest_start) r += ", latest_start=" + py_date(*s.latest_start);
        if (s.duration_workdays) r += ", duration_workdays=" + std::to_string(*s.duration_workdays);
        return r + ")";
      });
  m.def("shift_schedule", &shift_schedule, arg("schedule"), arg("workdays"), arg("calendar"),
        "A rollout wave's shift: end and given latest start moved by working days (duration kept).");
  m.def("schedule_of", &schedule_of, arg("template"), arg("task"), "The template's dates with the task's overrides.");
  m.def("effective_schedule", &effective_schedule, arg("template"), arg("task"), arg("shift"), arg("calendar"),
        "The dates a task is judged on: the template's shifted by the wave's working days on the calendar, "
        "then the task's own overrides (absolute) win.");
  m.def(
      "wave_shift",
      [](const std::vector<RolloutWave>& waves, ProjectId project, MunicipalityId municipality) {
        return wave_shift(waves, project, municipality);
      },
      arg("waves"), arg("project"), arg("municipality"),
      "The shift of the municipality's rollout wave on the project (0 when in none).");
  m.def("validate_schedule", &validate_schedule, arg("schedule"),
        "Raises klik.ValidationError for a schedule that cannot be judged.");
  m.def("validate_template", &validate_template, arg("template"),
        "Raises klik.ValidationError when the template must not be published (e.g. latest start after end).");

  py::class_<DeadlineDates>(m, "DeadlineDates", "The three threshold dates that decide every colour of a task.")
      .def(py::init([](Date y, Date ls, Date e) {
             return DeadlineDates{y, ls, e};
           }),
           arg("yellow_if_not_started"), arg("latest_start"), arg("end"))
      .def_readonly("yellow_if_not_started", &DeadlineDates::yellow_if_not_started,
                    "5 working days before the latest start.")
      .def_readonly("latest_start", &DeadlineDates::latest_start, "Latest start, moved to a working day.")
      .def_readonly("end", &DeadlineDates::end, "End date, moved to a working day.")
      .def(
          "__eq__", [](const DeadlineDates& a, const DeadlineDates& b) { return a == b; }, arg("other"))
      .def("__hash__",
           [](const DeadlineDates& d) {
             return std::hash<Date>{}(d.yellow_if_not_started) ^ (std::hash<Date>{}(d.latest_start) << 1) ^
                    (std::hash<Date>{}(d.end) << 2);
           })
      .def("__repr__", [](const DeadlineDates& d) {
        return "DeadlineDates(yellow_if_not_started=" + py_date(d.yellow_if_not_started) +
               ", latest_start=" + py_date(d.latest_start) + ", end=" + py_date(d.end) + ")";
      });
  m.def("deadline_dates", py::overload_cast<const Schedule&, const WorkdayCalendar&>(&deadline_dates), arg("schedule"),
        arg("calendar") = WorkdayCalendar(),
        "Threshold dates on a calendar; raises klik.ValidationError for a bad schedule.");

  // ---- colours
  m.def(
      "colour_on", [](TaskStatus s, const DeadlineDates& d, Date today) { return colour_on(s, d, today); },
      arg("status"), arg("dates"), arg("today"), "The colour from known threshold dates.");
  m.def("colour", py::overload_cast<TaskStatus, const Schedule&, const WorkdayCalendar&, Date>(&colour), arg("status"),
        arg("schedule"), arg("calendar"), arg("today"), "The colour of a task from its schedule.");
  m.def("colour", py::overload_cast<const TaskTemplate&, const Task&, const WorkdayCalendar&, Date>(&colour),
        arg("template"), arg("task"), arg("calendar"), arg("today"), "The colour of a task from its template.");
  m.def(
      "colours",
      [](const Dataset& data, Date today, const std::optional<Calendars>& calendars) {
        std::vector<DeadlineDates> dates;
        {
          py::gil_scoped_release release;
          dates = deadline_dates(data.templates, data.tasks, cals_or_default(calendars), data.waves);
        }
        std::vector<TaskStatus> status(data.tasks.size());
        for (std::size_t i = 0; i < status.size(); ++i) status[i] = data.tasks[i].status;
        py::array_t<std::uint8_t> out(static_cast<py::ssize_t>(status.size()));
        auto* o = reinterpret_cast<DeadlineColour*>(out.mutable_data());
        colours_on(status, dates, today, std::span<DeadlineColour>(o, status.size()));
        return out;
      },
      arg("dataset"), arg("today"), arg("calendars") = py::none(),
      "Colours of every task of a dataset (one call), as a numpy uint8 array of int(DeadlineColour), "
      "aligned with dataset.tasks.");

  py::class_<ColourChange>(m, "ColourChange", "From `date` on, the task is `to` (it was `from_colour` before).")
      .def_readonly("date", &ColourChange::date, "The first day of the new colour.")
      .def_readonly("from_colour", &ColourChange::from, "The colour until the day before.")
      .def_readonly("to", &ColourChange::to, "The colour from `date` on.")
      .def(
          "__eq__", [](const ColourChange& a, const ColourChange& b) { return a == b; }, arg("other"))
      .def("__repr__", [](const ColourChange& c) {
        return "ColourChange(date=" + py_date(c.date) + ", from_colour=" + colour_name(c.from) +
               ", to=" + colour_name(c.to) + ")";
      });
  m.def("colour_timeline", py::overload_cast<TaskStatus, const DeadlineDates&>(&colour_timeline), arg("status"),
        arg("dates"), "The dates on which the colour changes if nothing else changes.");
  m.def("colour_timeline",
        py::overload_cast<const TaskTemplate&, const Task&, const WorkdayCalendar&>(&colour_timeline), arg("template"),
        arg("task"), arg("calendar") = WorkdayCalendar(),
        "The dates on which the task's colour changes if nothing else changes.");

  py::class_<ColourExplanation>(m, "ColourExplanation", "The rule and working-day counts behind a colour.")
      .def_readonly("colour", &ColourExplanation::colour, "The colour today.")
      .def_readonly("status", &ColourExplanation::status, "The status judged.")
      .def_readonly("today", &ColourExplanation::today, "The date of evaluation.")
      .def_readonly("dates", &ColourExplanation::dates, "The threshold dates.")
      .def_readonly("workdays_to_latest_start", &ColourExplanation::workdays_to_latest_start,
                    "workdays_between(today, latest start); negative once passed.")
      .def_readonly("workdays_to_end", &ColourExplanation::workdays_to_end,
                    "workdays_between(today, end); negative once passed.")
      .def_readonly("next_change", &ColourExplanation::next_change, "The next change of colour, or None.")
      .def_readonly("rule", &ColourExplanation::rule, "The rule applied, in English.")
      .def_readonly("text", &ColourExplanation::text, "The Danish hover text.")
      .def(
          "__str__", [](const ColourExplanation& x) { return x.text; }, "The Danish hover text.")
      .def("__repr__", [](const ColourExplanation& x) {
        return "ColourExplanation(colour=" + colour_name(x.colour) + ", rule='" + x.rule + "')";
      });
  m.def("explain_colour",
        py::overload_cast<TaskStatus, const DeadlineDates&, const WorkdayCalendar&, Date>(&explain_colour),
        arg("status"), arg("dates"), arg("calendar"), arg("today"), "Why a task has its colour today.");
  m.def("explain_colour",
        py::overload_cast<const TaskTemplate&, const Task&, const WorkdayCalendar&, Date>(&explain_colour),
        arg("template"), arg("task"), arg("calendar"), arg("today"), "Why a task has its colour today.");
  m.def("danish_date", &danish_date, arg("date"), "A date as Danish text: 'mandag 9. juni 2025'.");

  // ---- sweep
  py::class_<DeadlineEvent>(m, "DeadlineEvent", "A notification: a task rose to yellow or red.")
      .def_readonly("task", &DeadlineEvent::task, "The task id (for a local task: its parent's).")
      .def_property_readonly(
          "local_task",
          [](const DeadlineEvent& e) {
            return e.local_task.value() != 0 ? std::optional<LocalTaskId>(e.local_task) : std::nullopt;
          },
          "The local task the event is about, or None for a KLIK task.")
      .def_readonly("municipality", &DeadlineEvent::municipality, "The municipality (kommunekode).")
      .def_readonly("project", &DeadlineEvent::project, "The project id.")
      .def_readonly("priority", &DeadlineEvent::priority, "The task's priority.")
      .def_readonly("old_colour", &DeadlineEvent::old_colour, "The colour last notified (None: never swept).")
      .def_readonly("new_colour", &DeadlineEvent::new_colour, "YELLOW or RED.")
      .def_readonly("date", &DeadlineEvent::date, "The sweep date.")
      .def_readonly("reached_on", &DeadlineEvent::reached_on, "The threshold date the colour was reached on.")
      .def_readonly("idempotency_key", &DeadlineEvent::idempotency_key,
                    "(task, new colour, reached_on) packed into an int; independent of the sweep date.")
      .def_property_readonly(
          "key", [](const DeadlineEvent& e) { return sweep_key_text(e); },
          "The key as text: 'deadline/<task>/<colour>/<date>'.")
      .def(
          "__eq__", [](const DeadlineEvent& a, const DeadlineEvent& b) { return a == b; }, arg("other"))
      .def("__hash__", [](const DeadlineEvent& e) { return e.idempotency_key; })
      .def("__repr__", [](const DeadlineEvent& e) {
        return "DeadlineEvent(task=" + std::to_string(e.task.value()) + ", new_colour=" + colour_name(e.new_colour) +
               ", reached_on=" + py_date(e.reached_on) + ", date=" + py_date(e.date) + ")";
      });
  py::class_<SweepResult>(m, "SweepResult", "What a sweep produced.")
      .def_readonly("events", &SweepResult::events, "The events, in task order.")
      .def_readonly("notified", &SweepResult::notified,
                    "The new last-notified colour per task (pass it to the next sweep).")
      .def(
          "__len__", [](const SweepResult& r) { return r.events.size(); }, "Number of events.")
      .def(
          "to_columns",
          [](const SweepResult& r) {
            const auto n = static_cast<py::ssize_t>(r.events.size());
            py::array_t<std::int64_t> task(n), municipality(n), project(n), date(n), reached(n);
            py::array_t<std::uint64_t> key(n);
            py::array_t<std::uint8_t> priority(n), new_colour(n);
            py::array_t<std::int8_t> old_colour(n);
            for (py::ssize_t i = 0; i < n; ++i) {
              const DeadlineEvent& e = r.events[static_cast<std::size_t>(i)];
              task.mutable_at(i) = e.task.value();
              municipality.mutable_at(i) = e.municipality.value();
              project.mutable_at(i) = e.project.value();
              date.mutable_at(i) = e.date.serial();
              reached.mutable_at(i) = e.reached_on.serial();
              key.mutable_at(i) = e.idempotency_key;
              priority.mutable_at(i) = static_cast<std::uint8_t>(e.priority);
              new_colour.mutable_at(i) = static_cast<std::uint8_t>(e.new_colour);
              old_colour.mutable_at(i) = e.old_colour ? static_cast<std::int8_t>(*e.old_colour) : std::int8_t{-1};
            }
            py::dict d;
            d["task"] = task;
            d["municipality"] = municipality;
            d["project"] = project;
            d["priority"] = priority;
            d["old_colour"] = old_colour;
            d["new_colour"] = new_colour;
            d["date"] = date.attr("astype")("datetime64[D]");
            d["reached_on"] = reached.attr("astype")("datetime64[D]");
            d["idempotency_key"] = key;
            return d;
          },
          "The events as a dict of numpy arrays (ids int64, priority and colours as int codes, old_colour -1 "
          "for never notified, dates datetime64[D]): pandas.DataFrame(result.to_columns()).")
      .def("__repr__", [](const SweepResult& r) {
        return "SweepResult(events=" + std::to_string(r.events.size()) +
               ", tasks=" + std::to_string(r.notified.size()) + ")";
      });
  m.def(
      "sweep",
      [](const Dataset& data, Date day, const std::optional<std::vector<NotifiedColour>>& last_notified,
         const std::optional<Calendars>& calendars) {
        const std::vector<NotifiedColour> none;
        const auto& last = last_notified ? *last_notified : none;
        py::gil_scoped_release release;
        return sweep(data, cals_or_default(calendars), day, last);
      },
      arg("dataset"), arg("day"), arg("last_notified") = py::none(), arg("calendars") = py::none(),
      "The daily deadline sweep for `day`: events for tasks that rose to yellow or red since the colour last "
      "notified (None: never swept), and the new last-notified colours. Idempotent; catches up after missed days.");
  py::class_<NotifiedChange>(m, "NotifiedChange",
                             "A row whose last-notified colour a sweep would change: stored -> colour.")
      .def_readonly("task", &NotifiedChange::task, "The task id (for a local task: its parent's).")
      .def_property_readonly(
          "local_task",
          [](const NotifiedChange& c) {
            return c.local_task.value() != 0 ? std::optional<LocalTaskId>(c.local_task) : std::nullopt;
          },
          "The local task the change is about, or None for a KLIK task.")
      .def_readonly("stored", &NotifiedChange::stored, "The colour last notified (None: never swept).")
      .def_readonly("colour", &NotifiedChange::colour, "The colour on the sweep day: the new last-notified colour.")
      .def(
          "__eq__", [](const NotifiedChange& a, const NotifiedChange& b) { return a == b; }, arg("other"))
      .def("__hash__",
           [](const NotifiedChange& c) {
             return py::hash(py::make_tuple(c.task.value(), c.local_task.value(),
                                            c.stored ? static_cast<int>(*c.stored) : -1, static_cast<int>(c.colour)));
           })
      .def("__repr__", [](const NotifiedChange& c) {
        return "NotifiedChange(task=" + std::to_string(c.task.value()) +
               (c.local_task.value() != 0 ? ", local_task=" + std::to_string(c.local_task.value()) : std::string()) +
               ", stored=" + (c.stored ? colour_name(*c.stored) : std::string("None")) +
               ", colour=" + colour_name(c.colour) + ")";
      });
  py::class_<StoreSweep>(m, "StoreSweep", "What the daily sweep of a store finds, without writing (klik.sweep_store).")
      .def_readonly("tasks", &StoreSweep::tasks, "Tasks and local tasks judged.")
      .def_readonly("events", &StoreSweep::events, "The rises to yellow or red, in store row order.")
      .def_readonly("changes", &StoreSweep::changes,
                    "Every stored -> new last-notified colour transition (what Store.sweep would record).")
      .def(
          "__len__", [](const StoreSweep& r) { return r.events.size(); }, "Number of events.")
      .def("__repr__", [](const StoreSweep& r) {
        return "StoreSweep(tasks=" + std::to_string(r.tasks) + ", events=" + std::to_string(r.events.size()) +
               ", changes=" + std::to_string(r.changes.size()) + ")";
      });
  m.def(
      "sweep_store",
      [](const Store& store, Date day, unsigned threads) {
        return without_gil([&] { return sweep_store(store, day, threads); });
      },
      arg("store"), arg("day"), py::kw_only(), arg("threads") = 1u,
      "The daily deadline sweep of a store for `day`, judged against its stored last-notified colours, without "
      "writing: the events Store.sweep would record and every stored -> new colour transition. One pass over "
      "the store's rows under one snapshot; `threads` > 1 splits it (same result).");
  py::class_<SweepTransitions>(m, "SweepTransitions",
                               "How many rows the daily sweep on a day would move from each stored last-notified "
                               "colour to each colour (klik.sweep_transitions).")
      .def_property_readonly("changes", &SweepTransitions::changes,
                             "Every row whose last-notified colour would change (len(sweep_store(...).changes)).")
      .def_property_readonly("rises", &SweepTransitions::rises,
                             "The rises to yellow or red, one notification each (len(sweep_store(...).events)).")
      .def(
          "count",
          [](const SweepTransitions& t, std::optional<DeadlineColour> stored, DeadlineColour now) {
            return t.rows[stored ? static_cast<std::size_t>(*stored) : SweepTransitions::never_swept]
                         [static_cast<std::size_t>(now)];
          },
          arg("stored"), arg("now"),
          "Rows whose stored colour is `stored` (None: never swept) and whose colour on the day is `now`; 0 "
          "when they are the same colour.")
      .def(
          "items",
          [](const SweepTransitions& t) {
            py::list out;
            for (std::size_t s = 0; s < t.rows.size(); ++s)
              for (std::size_t c = 0; c < t.rows[s].size(); ++c) {
                if (t.rows[s][c] == 0) continue;
                const py::object stored = s == SweepTransitions::never_swept ? py::object(py::none())
                                                                             : py::cast(static_cast<DeadlineColour>(s));
                out.append(py::make_tuple(stored, static_cast<DeadlineColour>(c), t.rows[s][c]));
              }
            return out;
          },
          "The transitions that occur, as (stored colour or None, colour on the day, rows) tuples.")
      .def(
          "__eq__", [](const SweepTransitions& a, const SweepTransitions& b) { return a == b; }, arg("other"))
      .def("__repr__", [](const SweepTransitions& t) {
        return "SweepTransitions(changes=" + std::to_string(t.changes()) + ", rises=" + std::to_string(t.rises()) + ")";
      });
  m.def(
      "sweep_transitions",
      [](const Store& store, Date day) { return without_gil([&] { return sweep_transitions(store, day); }); },
      arg("store"), arg("day"),
      "The transitions sweep_store would find on `day`, counted without reading the rows (the store keeps "
      "them counted; a few dozen additions whatever its size, for days 2000-01-01 to 2089-09-17).");
  m.def(
      "sweep_key",
      [](TaskId task, DeadlineColour colour, Date reached_on, std::optional<LocalTaskId> local_task) {
        return local_task ? sweep_key(*local_task, colour, reached_on) : sweep_key(task, colour, reached_on);
      },
      arg("task"), arg("colour"), arg("reached_on"), arg("local_task") = py::none(),
      "The idempotency key of a rise (of `local_task` under `task` when given).");
}
