// klik.Store (the storage interface, with klik.MemoryStore as its in-memory
// implementation) and the task-list engine on it: pages, quick status, columns
// for DataFrames, KOMBIT's views, project and user lists, SQL visibility.
#include <pybind11/numpy.h>
#include <pybind11/operators.h>

#include "bindings.hpp"
#include "casters.hpp"
#include "klik/deadline.hpp"
#include "klik/query_engine.hpp"
#include "klik/store.hpp"
#include "klik/text.hpp"

namespace {

using namespace klik;
using py::arg;

/// A viewer as given: a klik.User, a user id or an email. Converted with the GIL,
/// resolved in a snapshot without it (bindings.hpp: the threading rule).
using ViewerRef = std::variant<User, UserId, std::string>;

ViewerRef viewer_ref(const py::object& viewer, const char* param = "viewer") {
  if (py::isinstance<User>(viewer)) return viewer.cast<User>();
  if (py::isinstance<py::int_>(viewer) && !py::isinstance<py::bool_>(viewer)) return viewer.cast<UserId>();
  if (py::isinstance<py::str>(viewer)) return viewer.cast<std::string>();
  throw py::type_error(std::string(param) + " must be a klik.User, a user id or an email, got " + type_name(viewer));
}

/// The user `ref` names in `world`, or nullptr.
const User* find_user(const World& world, const ViewerRef& ref) {
  if (const auto* u = std::get_if<User>(&ref)) return u;
  if (const auto* id = std::get_if<UserId>(&ref)) return world.user(*id);
  return world.user_by_email(std::get<std::string>(ref));
}

User resolve_viewer(const World& world, const ViewerRef& ref) {
  if (const User* u = find_user(world, ref)) return *u;
  if (const auto* id = std::get_if<UserId>(&ref)) throw NotFoundError("viewer: no user " + std::to_string(id->value()));
  throw NotFoundError("viewer: no user " + std::get<std::string>(ref));
}

TaskQuery to_query(const py::object& q) {
  if (q.is_none()) return TaskQuery{};
  if (py::isinstance<py::str>(q)) return parse_task_query(q.cast<std::string>());
  if (!py::isinstance<TaskQuery>(q))
    throw py::type_error("query must be a klik.TaskQuery, its text (str) or None, got " + type_name(q));
  return q.cast<TaskQuery>();
}

Date to_today(const py::object& today) {
  if (today.is_none()) return today_in_copenhagen(SystemClock());
  return arg_cast<Date>(today, "today");
}

const RightsModel& to_rights(const py::object& rights) {
  if (rights.is_none()) return RightsModel::default_model();
  if (!py::isinstance<RightsModel>(rights))
    throw py::type_error("rights must be a klik.RightsModel or None, got " + type_name(rights));
  return rights.cast<const RightsModel&>();
}

template <class T>
py::array_t<T> numpy_of(std::vector<T>&& v) {
  auto* heap = new std::vector<T>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({static_cast<py::ssize_t>(heap->size())}, {sizeof(T)}, heap->data(), owner);
}

template <class E>
py::array_t<std::uint8_t> codes_of(std::vector<E>&& v) {
  std::vector<std::uint8_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = static_cast<std::uint8_t>(v[i]);
  return numpy_of(std::move(out));
}

py::dict columns_dict(TaskColumns&& c) {
  py::module_ np = py::module_::import("numpy");
  py::dict d;
  py::list titles(c.size());  // before the columns are moved out (size() reads one)
  for (std::size_t i = 0; i < c.size(); ++i) {
    const std::string_view t = c.title(i);
    titles[i] = py::str(t.data(), t.size());
  }
  d["task"] = numpy_of(std::move(c.task)).attr("astype")("int64");
  d["local_task"] = numpy_of(std::move(c.local)).attr("astype")("int64");
  d["project"] = numpy_of(std::move(c.project)).attr("astype")("int64");
  d["municipality"] = numpy_of(std::move(c.municipality)).attr("astype")("int64");
  d["phase"] = numpy_of(std::move(c.phase));
  d["theme"] = numpy_of(std::move(c.theme));
  d["colour"] = codes_of(std::move(c.colour));
  d["priority"] = codes_of(std::move(c.priority));
  d["status"] = codes_of(std::move(c.status));
  d["end"] = numpy_of(std::move(c.end)).attr("astype")("datetime64[D]");
  d["responsible"] = numpy_of(std::move(c.responsible)).attr("astype")("int64");
  d["performer"] = numpy_of(std::move(c.performer)).attr("astype")("int64");
  d["title"] = np.attr("array")(titles, "object");
  return d;
}

/// A TaskRow that owns its strings: Python keeps rows after the snapshot is gone.
struct OwnedRow : TaskRow {
  std::string title_text, project_name_text;
  explicit OwnedRow(const TaskRow& r) : TaskRow(r), title_text(r.title), project_name_text(r.project_name) {
    title = title_text;
    project_name = project_name_text;
  }
  OwnedRow(const OwnedRow& o) : OwnedRow(static_cast<const TaskRow&>(o)) {}
  OwnedRow& operator=(const OwnedRow&) = delete;
};

struct OwnedPage {
  std::vector<OwnedRow> rows;
  std::size_t total = 0;
  std::string next_cursor;
  explicit OwnedPage(TaskPage&& p) : total(p.total), next_cursor(std::move(p.next_cursor)) {
    rows.reserve(p.rows.size());
    for (const TaskRow& r : p.rows) rows.emplace_back(r);
  }
};

/// The filter-value methods ProjectQuery and UserQuery share: chips, removal, JSON, ==, repr.
/// A JSON object text as a Python dict (json.loads), or None for an empty text.
py::object json_or_none(const std::string& text) {
  if (text.empty()) return py::none();
  return py::module_::import("json").attr("loads")(text);
}

template <class Q>
void bind_list_filter(py::class_<Q>& c, const char* name, Q (*from_json_fn)(std::string_view)) {
  c.def("applied_filters", &Q::applied_filters, "Codes of the applied filters (the chips).")
      .def("without", &Q::without, arg("filter"), "A copy without one filter.")
      .def("to_json", [](const Q& q) { return to_json(q); })
      .def_static("from_json", from_json_fn, arg("text"))
      .def(py::self == py::self)
      .def("__repr__", [name = std::string(name)](const Q& q) { return name + ".from_json('" + to_json(q) + "')"; });
}

}  // namespace

void init_store(py::module_& m) {
  py::class_<OwnedRow>(m, "TaskRow", "One row of the task list.")
      .def_readonly("task", &OwnedRow::task, "The KLIK task; for a local task, its parent.")
      .def_readonly("local", &OwnedRow::local, "The local task's id, or None for KLIK tasks.")
      .def_readonly("project", &OwnedRow::project)
      .def_readonly("project_name", &OwnedRow::project_name_text)
      .def_readonly("viewer_type", &OwnedRow::viewer_type, "The viewer's user type on the project.")
      .def_readonly("municipality", &OwnedRow::municipality)
      .def_readonly("title", &OwnedRow::title_text)
      .def_readonly("phase", &OwnedRow::phase)
      .def_readonly("theme", &OwnedRow::theme)
      .def_readonly("colour", &OwnedRow::colour)
      .def_readonly("priority", &OwnedRow::priority)
      .def_readonly("status", &OwnedRow::status)
      .def_readonly("end", &OwnedRow::end)
      .def_readonly("responsible", &OwnedRow::responsible)
      .def_readonly("performer", &OwnedRow::performer)
      .def_readonly("version", &OwnedRow::version)
      .def("__eq__", [](const OwnedRow& a,
                        const OwnedRow& b) { return static_cast<const TaskRow&>(a) == static_cast<const TaskRow&>(b); })
      .def("__repr__", [](const OwnedRow& r) {
        std::string s = "TaskRow(task=" + std::to_string(r.task.value());
        if (r.local) s += ", local=" + std::to_string(r.local->value());
        return s + ", project='" + r.project_name_text + "', title='" + r.title_text + "', colour=DeadlineColour." +
               py::cast(r.colour).attr("name").cast<std::string>() + ", status=TaskStatus." +
               py::cast(r.status).attr("name").cast<std::string>() + ", end=" + r.end.iso() + ")";
      });

  py::class_<OwnedPage>(m, "TaskPage", "One page of a task list: rows, total matches, next cursor.")
      .def_readonly("rows", &OwnedPage::rows)
      .def_readonly("total", &OwnedPage::total, "How many rows match the query in all.")
      .def_readonly("next_cursor", &OwnedPage::next_cursor, "Continues after this page; '' on the last page.")
      .def("__len__", [](const OwnedPage& p) { return p.rows.size(); })
      .def("__iter__", [](const OwnedPage& p) { return py::iter(py::cast(p.rows)); })
      .def("__getitem__",
           [](const OwnedPage& p, std::size_t i) {
             if (i >= p.rows.size()) throw py::index_error();
             return p.rows[i];
           })
      .def("__repr__", [](const OwnedPage& p) {
        return "TaskPage(rows=" + std::to_string(p.rows.size()) + ", total=" + std::to_string(p.total) +
               ", next_cursor=" + (p.next_cursor.empty() ? "''" : "'...'") + ")";
      });

  py::class_<ColourCounts>(m, "ColourCounts", "Counts by deadline colour (quick status).")
      .def("__getitem__", [](const ColourCounts& c, DeadlineColour k) { return c[k]; })
      .def_property_readonly("total", &ColourCounts::total)
      .def(
          "to_dict",
          [](const ColourCounts& c) {
            py::dict d;
            for (DeadlineColour k : all_values<DeadlineColour>()) d[py::str(std::string(code(k)))] = c[k];
            return d;
          },
          "{'green': n, 'yellow': n, 'red': n, 'grey': n, 'done': n}")
      .def(py::self == py::self)
      .def("__repr__", [](const ColourCounts& c) {
        std::string s = "ColourCounts(";
        for (DeadlineColour k : all_values<DeadlineColour>())
          s += std::string(code(k)) + "=" + std::to_string(c[k]) + (k == DeadlineColour::Done ? ")" : ", ");
        return s;
      });

  py::class_<MunicipalityStatus>(m, "MunicipalityStatus", "One municipality's counts by colour and priority.")
      .def_readonly("municipality", &MunicipalityStatus::municipality)
      .def("count", &MunicipalityStatus::count, arg("colour"), arg("priority"))
      .def_property_readonly("red_followed_up", &MunicipalityStatus::red_followed_up,
                             "Red critical-path plus red mandatory tasks.")
      .def("__repr__", [](const MunicipalityStatus& s) {
        return "MunicipalityStatus(municipality=" + std::to_string(s.municipality.value()) +
               ", red_followed_up=" + std::to_string(s.red_followed_up()) + ")";
      });

  py::class_<PhaseProgress>(m, "PhaseProgress", "Progress of one phase: counts by status.")
      .def_readonly("phase", &PhaseProgress::phase)
      .def_readonly("name", &PhaseProgress::name)
      .def(
          "count", [](const PhaseProgress& p, TaskStatus s) { return p.by_status[static_cast<std::size_t>(s)]; },
          arg("status"))
      .def_property_readonly("completed_share", &PhaseProgress::completed_share)
      .def("__repr__", [](const PhaseProgress& p) {
        return "PhaseProgress(phase=" + std::to_string(p.phase) + ", name='" + p.name + "')";
      });

  py::class_<ColourChangeSummary>(m, "ColourChangeSummary", "Colours of all tasks on a date, and the changes.")
      .def_readonly("today", &ColourChangeSummary::today)
      .def_readonly("changed", &ColourChangeSummary::changed,
                    "KLIK tasks whose colour on `previous` differs from today's (same status, two dates).")
      .def_readonly("previous", &ColourChangeSummary::previous, "The previous national working day.");

  py::class_<ProjectRow>(m, "ProjectRow", "One row of the project list (projektliste).")
      .def_readonly("project", &ProjectRow::project)
      .def_readonly("name", &ProjectRow::name)
      .def_readonly("viewer_type", &ProjectRow::viewer_type)
      .def_readonly("deadline", &ProjectRow::deadline)
      .def_readonly("period_start", &ProjectRow::period_start)
      .def_readonly("period_end", &ProjectRow::period_end)
      .def_readonly("kombit_contact", &ProjectRow::kombit_contact)
      .def_readonly("contact_mail", &ProjectRow::contact_mail)
      .def("__repr__", [](const ProjectRow& r) {
        return "ProjectRow(project=" + std::to_string(r.project.value()) + ", name='" + r.name + "')";
      });

  py::class_<ProjectQuery> project_query(m, "ProjectQuery",
                                         "Filters of the project list: chips and JSON like TaskQuery's.");
  project_query
      .def(py::init([](std::string name_contains, std::vector<UserType> user_types) {
             return ProjectQuery{std::move(name_contains), std::move(user_types)};
           }),
           arg("name_contains") = "", arg("user_types") = std::vector<UserType>{})
      .def_readwrite("name_contains", &ProjectQuery::name_contains)
      .def_readwrite("user_types", &ProjectQuery::user_types);
  bind_list_filter(project_query, "ProjectQuery", &project_query_from_json);

  py::class_<UserQuery> user_query(m, "UserQuery", "Filters of the user list: chips and JSON like TaskQuery's.");
  user_query
      .def(py::init([](const std::vector<py::object>& projects, std::vector<UserType> user_types,
                       std::optional<bool> administrator, std::string text) {
             UserQuery q;
             for (const py::object& p : projects) {
               if (py::isinstance<py::str>(p))
                 q.projects.emplace_back(p.cast<std::string>());
               else
                 q.projects.emplace_back(arg_cast<ProjectId>(p, "projects"));
             }
             q.user_types = std::move(user_types);
             q.administrator = administrator;
             q.text = std::move(text);
             return q;
           }),
           arg("projects") = std::vector<py::object>{}, arg("user_types") = std::vector<UserType>{},
           arg("administrator") = py::none(), arg("text") = "")
      .def_readwrite("user_types", &UserQuery::user_types)
      .def_readwrite("administrator", &UserQuery::administrator)
      .def_readwrite("text", &UserQuery::text);
  bind_list_filter(user_query, "UserQuery", &user_query_from_json);

  // Every method follows the threading rule of bindings.hpp: Python arguments are
  // converted first, the snapshot lives only inside without_gil, and Python objects
  // are built from owned values after it is gone.
  py::class_<ObjectDelta>(m, "ObjectDelta",
                          "One object as a journaled change found and left it (None where it did not exist).")
      .def_property_readonly(
          "kind", [](const ObjectDelta& d) { return std::string(code(d.kind)); },
          "\"task\", \"local_task\", \"user\", \"project\", \"wave\", \"template\", "
          "\"message\", \"attachment\", \"notes\" or \"account\".")
      .def_readonly("id", &ObjectDelta::id)
      .def_property_readonly(
          "before", [](const ObjectDelta& d) { return json_or_none(d.before); },
          "The object before the change, as a dict (its JSON form), or None.")
      .def_property_readonly(
          "after", [](const ObjectDelta& d) { return json_or_none(d.after); },
          "The object after the change, as a dict, or None.")
      .def_property_readonly("fields", &changed_fields, "The names of the fields that changed.")
      .def("__repr__", [](const ObjectDelta& d) {
        std::string fields;
        for (const std::string& f : changed_fields(d)) fields += (fields.empty() ? "'" : ", '") + f + "'";
        return "ObjectDelta(kind='" + std::string(code(d.kind)) + "', id=" + std::to_string(d.id) + ", fields=[" +
               fields + "])";
      });

  py::class_<JournalEntry>(m, "JournalEntry", "One journaled write: who, when, which operation, what it changed.")
      .def_readonly("sequence", &JournalEntry::sequence, "The change's number in the store's change sequence.")
      .def_readonly("at", &JournalEntry::at)
      .def_readonly("actor", &JournalEntry::actor, "The user who made it, or None for the system.")
      .def_readonly("operation", &JournalEntry::operation)
      .def_readonly("objects", &JournalEntry::objects)
      .def("to_json", [](const JournalEntry& e) { return to_json(e); })
      .def("__repr__", [](const JournalEntry& e) {
        return "JournalEntry(sequence=" + std::to_string(e.sequence) + ", at='" + e.at.iso() +
               "', actor=" + (e.actor ? std::to_string(e.actor->value()) : std::string("None")) + ", operation='" +
               e.operation + "', objects=" + std::to_string(e.objects.size()) + ")";
      });

  using StorePtr = std::shared_ptr<Store>;
  py::class_<Store, StorePtr>(m, "Store",
                              "A KLIK world in a store (klik.MemoryStore, klik.open for SQLite), and the task "
                              "list on it. Thread-safe: many readers, one writer; every method releases the GIL "
                              "while it waits for or holds the store.")
      .def(
          "__len__", [](const Store& s) { return without_gil([&] { return s.snapshot()->task_count(); }); },
          "Number of KLIK tasks.")
      .def(
          "refresh", [](Store& s) { return s.refresh(); }, releases_gil(),
          "Applies the changes other processes committed to the same database since this store last looked, "
          "and returns how many (reads and writes do this by themselves; call it to catch up ahead of time).")
      .def_property_readonly(
          "sequence", [](const Store& s) { return s.sequence(); }, releases_gil(),
          "The number of the last committed change this store has applied (its place in the database's "
          "change sequence).")
      .def(
          "journal",
          [](const Store& s, const std::optional<std::string>& kind, std::uint64_t id,
             const std::optional<Timestamp>& after, const std::optional<std::size_t>& limit) {
            JournalQuery q;
            if (kind) {
              q.kind = journal_object_from_code(*kind);
              if (!q.kind)
                throw InvalidArgumentError("unknown object kind \"" + excerpt(*kind) +
                                               "\" (task, local_task, user, project, wave, template, message, "
                                               "attachment, notes, account)",
                                           "kind");
              q.id = id;
            }
            q.after = after;
            if (limit) q.limit = *limit;
            return without_gil([&] { return s.journal(q); });
          },
          arg("kind") = py::none(), arg("id") = 0, arg("after") = py::none(), arg("limit") = py::none(),
          "Journal entries, newest first: all, those touching one object (kind and id), those after an instant. "
          "No rights are checked: Workflows.task_history and user_history do.")
      .def("prune_journal", &Store::prune_journal, arg("before"), releases_gil(),
           "Deletes the journal entries older than `before` (the retention policy) and returns how many.")
      .def(
          "as_of", [](const Store& s, Timestamp when) { return StorePtr(without_gil([&] { return s.as_of(when); })); },
          arg("when"),
          "The world as it was at `when`: a read-only klik.Store answering every query (judge colours with "
          "today=<that day>). Raises klik.FailedPrecondition when the journal does not reach back so far.")
      .def(
          "tasks",
          [](const Store& s, const py::object& viewer, const py::object& query, const py::object& today,
             const py::object& rights) {
            const TaskQuery q = to_query(query);
            const Date d = to_today(today);
            const RightsModel& r = to_rights(rights);
            const ViewerRef who = viewer_ref(viewer);
            return without_gil([&] {
              const Snapshot snap = s.snapshot();
              return OwnedPage(list_tasks(snap.world(), r, resolve_viewer(snap.world(), who), q, d));
            });
          },
          arg("viewer"), arg("query") = py::none(), arg("today") = py::none(), arg("rights") = py::none(),
          "A page of the viewer's task list. `viewer`: klik.User, user id or email; `query`: klik.TaskQuery, "
          "its text form, or None; `today`: the date colours are judged on (default: today in Copenhagen).")
      .def(
          "quick_status",
          [](const Store& s, const py::object& viewer, const py::object& query, const py::object& today,
             bool apply_filters, const py::object& rights) {
            const TaskQuery q = to_query(query);
            const Date d = to_today(today);
            const RightsModel& r = to_rights(rights);
            const ViewerRef who = viewer_ref(viewer);
            return without_gil([&] {
              const Snapshot snap = s.snapshot();
              return quick_status(snap.world(), r, resolve_viewer(snap.world(), who), q, d, apply_filters);
            });
          },
          arg("viewer"), arg("query") = py::none(), arg("today") = py::none(), arg("apply_filters") = true,
          arg("rights") = py::none(),
          "Counts of the viewer's tasks by colour; with apply_filters=False only the query's projects count.")
      .def(
          "explain_colour",
          [](const Store& s, TaskId task, const py::object& today, std::optional<LocalTaskId> local) {
            const Date d = to_today(today);
            return without_gil([&] { return explain_task_colour(s.snapshot().world(), task, d, local); });
          },
          arg("task"), arg("today") = py::none(), arg("local") = py::none(),
          "Why the task (or its local task `local`) has its colour on `today`: a klik.ColourExplanation judged on "
          "the list's own dates and calendar (wave shift, overrides, working days), or None when there is no such "
          "task. No rights are checked.")
      .def(
          "columns",
          [](const Store& s, const py::object& viewer, const py::object& query, const py::object& today,
             const py::object& rights) {
            const TaskQuery q = to_query(query);
            const Date d = to_today(today);
            const RightsModel& r = to_rights(rights);
            const ViewerRef who = viewer_ref(viewer);
            TaskColumns c = without_gil([&] {
              const Snapshot snap = s.snapshot();
              return task_columns(snap.world(), r, resolve_viewer(snap.world(), who), q, d);
            });
            return columns_dict(std::move(c));
          },
          arg("viewer"), arg("query") = py::none(), arg("today") = py::none(), arg("rights") = py::none(),
          "Every matching row (sorted, unpaged) as a dict of numpy arrays: int64 ids, datetime64[D] end dates, "
          "uint8 category codes (colour, priority, status: the enums' values). pandas.DataFrame(...) takes it "
          "as is.")
      .def(
          "status_by_municipality",
          [](const Store& s, const py::object& viewer, ProjectId project, const py::object& today) {
            const Date d = to_today(today);
            const ViewerRef who = viewer_ref(viewer);
            return without_gil([&] {
              const Snapshot snap = s.snapshot();
              return status_by_municipality(snap.world(), RightsModel::default_model(),
                                            resolve_viewer(snap.world(), who), project, d);
            });
          },
          arg("viewer"), arg("project"), arg("today") = py::none(),
          "KOMBIT: for one project, per municipality, counts by colour and priority.")
      .def(
          "progress_by_phase",
          [](const Store& s, const py::object& viewer, ProjectId project) {
            const ViewerRef who = viewer_ref(viewer);
            return without_gil([&] {
              const Snapshot snap = s.snapshot();
              return progress_by_phase(snap.world(), RightsModel::default_model(), resolve_viewer(snap.world(), who),
                                       project);
            });
          },
          arg("viewer"), arg("project"), "Progress of a project by phase (counts by status).")
      .def(
          "municipalities_without_plus",
          [](const Store& s, ProjectId project) {
            return without_gil([&] { return municipalities_without_plus(s.snapshot().world(), project); });
          },
          arg("project"), "Participating municipalities with no Plusbruger on the project.")
      .def(
          "colours_with_changes",
          [](const Store& s, const py::object& today) {
            const Date d = to_today(today);
            return without_gil([&] {
              const Snapshot snap = s.snapshot();
              return colours_with_changes(snap.world(), d);
            });
          },
          arg("today") = py::none(),
          "Colours of every KLIK task on a date and how many differ from their colour on the previous national "
          "working day, both judged by the tasks' statuses now (what the calendar alone changed); not a "
          "comparison with the stored last-notified colours (for that: klik.sweep_store).")
      .def(
          "projects",
          [](const Store& s, const py::object& viewer, const std::optional<ProjectQuery>& query,
             const std::string& name_contains, const std::vector<UserType>& user_types) {
            const ViewerRef who = viewer_ref(viewer);
            const ProjectQuery q = query ? *query : ProjectQuery{name_contains, user_types};
            return without_gil([&] {
              const Snapshot snap = s.snapshot();
              return list_projects(snap.world(), RightsModel::default_model(), resolve_viewer(snap.world(), who), q);
            });
          },
          arg("viewer"), arg("query") = py::none(), arg("name_contains") = "",
          arg("user_types") = std::vector<UserType>{},
          "The viewer's project list (projektliste), filtered by a klik.ProjectQuery or the keyword filters.")
      .def(
          "users",
          [](const Store& s, const py::object& viewer, const std::optional<UserQuery>& query,
             const std::vector<ProjectId>& projects, const std::vector<UserType>& user_types,
             std::optional<bool> administrator, const std::string& text) {
            const ViewerRef who = viewer_ref(viewer);
            UserQuery q;
            if (query) {
              q = *query;
            } else {
              for (ProjectId p : projects) q.projects.emplace_back(p);
              q.user_types = user_types;
              q.administrator = administrator;
              q.text = text;
            }
            return without_gil([&] {
              const Snapshot snap = s.snapshot();
              return list_users(snap.world(), RightsModel::default_model(), resolve_viewer(snap.world(), who), q);
            });
          },
          arg("viewer"), arg("query") = py::none(), arg("projects") = std::vector<ProjectId>{},
          arg("user_types") = std::vector<UserType>{}, arg("administrator") = py::none(), arg("text") = "",
          "The user list (brugerhåndtering) the viewer may see, filtered by project and user type.")
      .def(
          "task", [](const Store& s, TaskId id) { return without_gil([&] { return s.snapshot()->task(id); }); },
          arg("id"), "The task, or None.")
      .def(
          "user",
          [](const Store& s, const py::object& who) {
            const ViewerRef ref = viewer_ref(who, "id_or_email");
            return without_gil([&]() -> std::optional<User> {
              const Snapshot snap = s.snapshot();
              const User* u = find_user(snap.world(), ref);
              return u ? std::optional(*u) : std::nullopt;
            });
          },
          arg("id_or_email"), "The user with this id or email, or None.")
      .def(
          "template",
          [](const Store& s, TemplateId id) {
            return without_gil([&]() -> std::optional<TaskTemplate> {
              const Snapshot snap = s.snapshot();
              const TaskTemplate* t = snap->task_template(id);
              return t ? std::optional(*t) : std::nullopt;
            });
          },
          arg("id"), "The task template, or None.")
      .def("export", &Store::export_dataset, arg("with_credentials") = false, releases_gil(),
           "The whole world as a klik.Dataset; account records (password hashes) only with "
           "with_credentials=True, for a backup.")
      .def("credentials", &Store::credentials, arg("user"), releases_gil(),
           "The user's account record (klik.Credentials; docs/accounts.md); raises klik.NotFound for an unknown user.")
      .def(
          "import_dataset", [](Store& s, const Dataset& d) { s.import_dataset(d); }, arg("dataset"), releases_gil(),
          "Replaces the whole world (validated first; on error nothing changes).")
      .def(
          "update_task",
          [](Store& s, TaskId task, const py::kwargs& kw) {
            TaskUpdate u;
            u.task = task;
            for (const auto& [k, v] : kw) {
              const std::string key = py::str(k);
              if (key == "status")
                u.status = arg_cast<TaskStatus>(v, "status");
              else if (key == "responsible")
                u.responsible = arg_cast<std::optional<UserId>>(v, "responsible");
              else if (key == "performer")
                u.performer = arg_cast<std::optional<UserId>>(v, "performer");
              else if (key == "end_override")
                u.end_override = arg_cast<std::optional<Date>>(v, "end_override");
              else if (key == "latest_start_override")
                u.latest_start_override = arg_cast<std::optional<Date>>(v, "latest_start_override");
              else if (key == "expected_version")
                u.expected_version = arg_cast<std::uint32_t>(v, "expected_version");
              else
                throw InvalidArgumentError("unknown task field \"" + key + "\"", key);
            }
            return without_gil([&] { return s.update_task(u); });  // no notifications: workflows decide those
          },
          arg("task"),
          "Changes a task's status, responsible, performer or date overrides (keyword arguments; None clears a "
          "person). expected_version=N refuses a stale write with klik.Conflict. Returns the stored task. No "
          "rights are checked here: that is the workflows' job.")
      .def(
          "create_user", [](Store& s, const User& u) { return s.create_user(u); }, arg("user"), releases_gil(),
          "Adds a new user; an id of 0 is assigned by the store (under its write lock, so concurrent creations "
          "never collide), a taken id is klik.AlreadyExists. The email must be unused. Returns the stored user. "
          "No rights are checked here: Workflows.create_user does that.")
      .def(
          "put_user", [](Store& s, const User& u, std::uint32_t v) { return s.put_user(u, v); }, arg("user"),
          arg("expected_version") = 0, releases_gil(),
          "Changes an existing user (klik.NotFound when there is none: create_user adds users). The email stays "
          "unique, and a municipality keeps an Administrator and each project a Plusbruger "
          "(klik.FailedPrecondition). A change with no effect returns the user unchanged. Returns the stored "
          "user.")
      .def(
          "remove_user", [](Store& s, UserId u) { s.remove_user(u); }, arg("user"), releases_gil(),
          "Removes a user and clears their assignments.");

  m.def(
      "MemoryStore",
      [](const py::object& dataset, const py::object& calendars) -> std::shared_ptr<Store> {
        Dataset d = dataset.is_none() ? Dataset{} : arg_ref<Dataset>(dataset, "dataset", "a klik.Dataset or None");
        Calendars c =
            calendars.is_none() ? Calendars{} : arg_ref<Calendars>(calendars, "calendars", "a klik.Calendars or None");
        py::gil_scoped_release release;
        return make_memory_store(d, std::move(c));
      },
      arg("dataset") = py::none(), arg("calendars") = py::none(),
      "An in-memory store holding `dataset` (validated; tasks judged on `calendars`, default: the Danish "
      "municipal calendar).");

  m.def(
      "visibility_sql",
      [](const py::object& viewer, const py::object& rights) {
        const User v = arg_ref<User>(viewer, "viewer", "a klik.User");
        const SqlPredicate p = visibility_sql(to_rights(rights), v);
        return py::make_tuple(p.where, p.params);
      },
      arg("viewer"), arg("rights") = py::none(),
      "The viewer's visibility as a parameterised SQL WHERE fragment and its parameters, over the column "
      "layout in docs/task-list.md.");
}
