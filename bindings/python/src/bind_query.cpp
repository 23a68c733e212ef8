// TaskQuery, PersonFilter, SortKey and klik.NOT_SET. Keyword construction accepts
// the forms a notebook user types (ids or names, enums or their codes/labels, dates
// or ISO strings); the value is always canonical and checked, so == compares meaning.
#include <pybind11/operators.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "casters.hpp"
#include "klik/error.hpp"
#include "klik/query.hpp"

namespace {

using namespace klik;
using py::arg;

/// The type of klik.NOT_SET, the "not set" (Ikke påført) value of responsible/performer.
struct NotSet {};

std::string type_of(const py::handle& h) { return py::str(py::type::of(h).attr("__name__")).cast<std::string>(); }

/// None -> [], a str/int/enum/other scalar -> [it], any other iterable -> its items.
std::vector<py::object> items(const py::object& obj) {
  std::vector<py::object> out;
  if (obj.is_none()) return out;
  if (py::isinstance<py::str>(obj) || py::isinstance<py::int_>(obj) || !py::isinstance<py::iterable>(obj)) {
    out.push_back(obj);
    return out;
  }
  for (auto h : obj) out.push_back(py::reinterpret_borrow<py::object>(h));
  return out;
}

bool is_int(const py::handle& h) { return py::isinstance<py::int_>(h) && !py::isinstance<py::bool_>(h); }

std::uint32_t u32_of(const py::handle& h, const char* field) {
  const auto v = h.cast<long long>();
  if (v < 0 || v > static_cast<long long>(std::numeric_limits<std::uint32_t>::max()))
    throw InvalidArgumentError("id " + std::to_string(v) + " is out of range", field);
  return static_cast<std::uint32_t>(v);
}

template <class IdT>
std::variant<IdT, std::string> ref_of(const py::handle& h, const char* field, const char* what) {
  if (is_int(h)) return IdT(u32_of(h, field));
  if (py::isinstance<py::str>(h)) return h.cast<std::string>();
  throw py::type_error(std::string(field) + ": expected an int (" + what + " id) or a str, got " + type_of(h));
}

std::vector<ProjectRef> projects_of(const py::object& obj) {
  std::vector<ProjectRef> out;
  for (const auto& h : items(obj)) out.push_back(ref_of<ProjectId>(h, "projects", "project"));
  return out;
}

std::vector<std::uint8_t> numbers_of(const py::object& obj, const char* field) {
  std::vector<std::uint8_t> out;
  for (const auto& h : items(obj)) {
    if (!is_int(h)) throw py::type_error(std::string(field) + ": expected int numbers, got " + type_of(h));
    const auto v = h.cast<long long>();
    if (v < 1 || v > 255) throw InvalidArgumentError("numbers are 1-255, got " + std::to_string(v), field);
    out.push_back(static_cast<std::uint8_t>(v));
  }
  return out;
}

template <class E>
std::vector<E> enums_of(const py::object& obj, const char* field) {
  std::vector<E> out;
  for (const auto& h : items(obj)) {
    if (py::isinstance<py::str>(h)) {
      try {
        out.push_back(parse<E>(h.cast<std::string>()));
      } catch (const InvalidArgumentError& e) {
        throw InvalidArgumentError(e.what(), field);
      }
    } else {
      try {
        out.push_back(h.cast<E>());
      } catch (const py::cast_error&) {
        throw py::type_error(std::string(field) + ": expected " + std::string(enum_name<E>()) + " or str, got " +
                             type_of(h));
      }
    }
  }
  return out;
}

PersonFilter person_of(const py::object& obj, const char* field) {
  if (obj.is_none()) return {};
  if (py::isinstance<PersonFilter>(obj)) return obj.cast<PersonFilter>();
  PersonFilter f;
  for (const auto& h : items(obj)) {
    if (h.is_none() || py::isinstance<NotSet>(h))
      f.not_set = true;
    else
      f.users.push_back(ref_of<UserId>(h, field, "user"));
  }
  return f;
}

std::optional<Date> date_of(const py::object& obj, const char* field) {
  if (obj.is_none()) return std::nullopt;
  if (py::isinstance<py::str>(obj)) {
    try {
      return Date::parse(obj.cast<std::string>());
    } catch (const InvalidArgumentError& e) {
      throw InvalidArgumentError(e.what(), field);
    }
  }
  try {
    return obj.cast<Date>();
  } catch (const py::cast_error&) {
    throw py::type_error(std::string(field) + ": expected a datetime.date or an ISO date str, got " + type_of(obj));
  }
}

TaskColumn column_of(const py::handle& h) {
  if (py::isinstance<py::str>(h)) {
    try {
      return parse_task_column(h.cast<std::string>());
    } catch (const InvalidArgumentError& e) {
      throw InvalidArgumentError(e.what(), "sort");
    }
  }
  try {
    return h.cast<TaskColumn>();
  } catch (const py::cast_error&) {
    throw py::type_error("sort: expected a TaskColumn or a column code str, got " + type_of(h));
  }
}

bool column_of_maybe(const py::handle& h) {
  try {
    (void)parse_task_column(h.cast<std::string>());
    return true;
  } catch (const InvalidArgumentError&) {
    return false;
  }
}

SortKey sort_key_of(const py::handle& h) {
  if (py::isinstance<SortKey>(h)) return h.cast<SortKey>();
  if (py::isinstance<py::tuple>(h)) {
    const auto t = h.cast<py::tuple>();
    if (t.size() != 2) throw py::type_error("sort: a tuple must be (column, 'asc' | 'desc')");
    SortKey k{column_of(t[0]), false};
    if (py::isinstance<py::bool_>(t[1])) {
      k.descending = t[1].cast<bool>();
    } else {
      const std::string dir = py::str(t[1]).cast<std::string>();
      if (dir == "desc" || dir == "DESC")
        k.descending = true;
      else if (dir != "asc" && dir != "ASC")
        throw InvalidArgumentError("sort direction must be 'asc' or 'desc', got '" + dir + "'", "sort");
    }
    return k;
  }
  return SortKey{column_of(h), false};
}

std::vector<SortKey> sort_of(const py::object& obj) {
  std::vector<SortKey> out;
  if (obj.is_none()) return out;
  // One (column, direction) tuple is one key: "asc"/"desc" are not columns, so this is unambiguous.
  const bool one_tuple =
      py::isinstance<py::tuple>(obj) && py::len(obj) == 2 &&
      (py::isinstance<py::bool_>(obj.cast<py::tuple>()[1]) ||
       (py::isinstance<py::str>(obj.cast<py::tuple>()[1]) && !column_of_maybe(obj.cast<py::tuple>()[1])));
  if (one_tuple || py::isinstance<py::str>(obj) || py::isinstance<SortKey>(obj) || py::isinstance<TaskColumn>(obj)) {
    out.push_back(sort_key_of(obj));
    return out;
  }
  for (auto h : obj) out.push_back(sort_key_of(h));
  return out;
}

py::list refs_to_py(const auto& refs) {
  py::list out;
  for (const auto& r : refs) {
    if (r.index() == 0)
      out.append(std::get<0>(r).value());
    else
      out.append(std::get<1>(r));
  }
  return out;
}

std::string person_repr(const PersonFilter& f) {
  std::string s = "PersonFilter(users=" + py::repr(refs_to_py(f.users)).cast<std::string>();
  if (f.not_set) s += ", not_set=True";
  if (f.negated) s += ", negated=True";
  return s + ")";
}

std::string query_repr(const TaskQuery& q) {
  const std::string text = to_text(q);
  if (text.empty()) return "TaskQuery()";
  return "TaskQuery.parse(" + py::repr(py::str(text)).cast<std::string>() + ")";
}

FilterField field_of(const py::object& obj) {
  if (py::isinstance<py::str>(obj)) return parse_filter_field(obj.cast<std::string>());
  return obj.cast<FilterField>();
}

py::object json_module() { return py::module_::import("json"); }

}  // namespace

void init_query(py::module_& m) {
  py::class_<NotSet>(m, "NotSetType", "The type of klik.NOT_SET.")
      .def("__repr__", [](const NotSet&) { return "klik.NOT_SET"; })
      .def("__eq__", [](const NotSet&, const py::object& other) { return py::isinstance<NotSet>(other); })
      .def("__hash__", [](const NotSet&) { return 0x4b4c494b; });
  m.attr("NOT_SET") = py::cast(NotSet{});

  py::class_<PersonFilter>(m, "PersonFilter",
                           "A filter on responsible or performer: users (ids or emails) and/or 'not set' (Ikke "
                           "påført). negated=True is the exact complement of the same filter: a task whose person is "
                           "not set passes PersonFilter([17], negated=True) and fails PersonFilter([17], "
                           "not_set=True, negated=True).")
      .def(py::init([](const py::object& users, bool not_set, bool negated) {
             PersonFilter f = person_of(users, "users");
             f.not_set = f.not_set || not_set;
             f.negated = negated;
             return f;
           }),
           arg("users") = py::none(), arg("not_set") = false, arg("negated") = false,
           "users: ints (ids), strs (emails), None or klik.NOT_SET (meaning 'not set').")
      .def_property_readonly(
          "users", [](const PersonFilter& f) { return refs_to_py(f.users); }, "User ids (int) and emails (str).")
      .def_readonly("not_set", &PersonFilter::not_set, "Whether 'not set' (Ikke påført) is one of the values.")
      .def_readonly("negated", &PersonFilter::negated, "Whether the filter is 'not in' rather than 'in'.")
      .def_property_readonly("active", &PersonFilter::active, "Whether the filter filters at all.")
      .def(
          "__invert__",
          [](const PersonFilter& f) {
            PersonFilter g = f;
            g.negated = !g.negated;
            return g;
          },
          "The negated filter (its exact complement).")
      .def(py::self == py::self)
      .def("__hash__", [](const PersonFilter& f) { return py::hash(py::str(person_repr(f))); })
      .def("__repr__", &person_repr);

  py::class_<SortKey>(m, "SortKey", "One sort key of the task list: a column, ascending or descending.")
      .def(py::init([](const py::object& column, bool descending) {
             return SortKey{column_of(column), descending};
           }),
           arg("column"), arg("descending") = false, "column: a TaskColumn or its code ('end_date').")
      .def_readonly("column", &SortKey::column, "The column.")
      .def_readonly("descending", &SortKey::descending, "True for descending order.")
      .def(py::self == py::self)
      .def("__hash__", [](const SortKey& k) { return static_cast<int>(k.column) * 2 + k.descending; })
      .def("__repr__", [](const SortKey& k) {
        return "SortKey(" + py::repr(py::cast(k.column)).cast<std::string>() +
               (k.descending ? ", descending=True)" : ")");
      });

  py::class_<TaskQuery>(
      m, "TaskQuery",
      "The task list's filters, sort and page (the manual's 'Se opgaver i projektet' and Tabel 1), as a canonical, "
      "checked value. Build it with keyword "
      "arguments or TaskQuery.parse(text); str(q) is the canonical text, q.to_json() the JSON form (docs/query.md).")
      .def(py::init([](const py::object& projects, const py::object& phases, const py::object& themes,
                       const py::object& statuses, const py::object& priorities, const py::object& colours,
                       const py::object& responsible, const py::object& performer, std::string title_contains,
                       const py::object& end_from, const py::object& end_to, const py::object& sort,
                       std::uint32_t offset, std::uint32_t limit, std::string cursor) {
             TaskQuery q;
             q.projects = projects_of(projects);
             q.phases = numbers_of(phases, "phases");
             q.themes = numbers_of(themes, "themes");
             q.statuses = enums_of<TaskStatus>(statuses, "statuses");
             q.priorities = enums_of<Priority>(priorities, "priorities");
             q.colours = enums_of<DeadlineColour>(colours, "colours");
             q.responsible = person_of(responsible, "responsible");
             q.performer = person_of(performer, "performer");
             q.title_contains = std::move(title_contains);
             q.end_from = date_of(end_from, "end_from");
             q.end_to = date_of(end_to, "end_to");
             q.sort = sort_of(sort);
             q.offset = offset;
             q.limit = limit;
             q.cursor = std::move(cursor);
             q = q.canonical();
             q.check();
             return q;
           }),
           py::kw_only(), arg("projects") = py::none(), arg("phases") = py::none(), arg("themes") = py::none(),
           arg("statuses") = py::none(), arg("priorities") = py::none(), arg("colours") = py::none(),
           arg("responsible") = py::none(), arg("performer") = py::none(), arg("title_contains") = "",
           arg("end_from") = py::none(), arg("end_to") = py::none(), arg("sort") = py::none(), arg("offset") = 0,
           arg("limit") = 50, arg("cursor") = "",
           "Every filter takes one value or a list. projects: ints (ids) or strs (names); phases/themes: numbers "
           "(need a project); statuses/priorities/colours: enums or their codes/English/Danish labels; "
           "responsible/performer: ints (ids), strs (emails), klik.NOT_SET or None inside a list for 'not set', "
           "or a klik.PersonFilter (negation); end_from/end_to: datetime.date or 'YYYY-MM-DD' (inclusive); sort: "
           "column codes, TaskColumn, SortKey or (column, 'asc'|'desc') tuples. Raises klik.ValidationError for a "
           "bad query (e.g. phases without a project).")
      .def_static("parse", &parse_task_query, arg("text"),
                  "Parses the text syntax (docs/query.md); raises klik.ValidationError naming the position.")
      .def(
          "to_text", [](const TaskQuery& q) { return to_text(q); }, "The canonical text form.")
      .def("__str__", [](const TaskQuery& q) { return to_text(q); })
      .def("__repr__", &query_repr)
      .def(
          "to_json", [](const TaskQuery& q, int indent) { return to_json(q, indent); }, arg("indent") = -1,
          "The JSON form (docs/query.md); indent < 0 gives compact JSON.")
      .def_static("from_json", &task_query_from_json, arg("text"),
                  "Parses the JSON form; raises klik.ValidationError naming the JSON path of any problem.")
      .def(
          "to_dict", [](const TaskQuery& q) { return json_module().attr("loads")(to_json(q)); },
          "The JSON form as plain Python data.")
      .def_static(
          "from_dict",
          [](const py::object& d) { return task_query_from_json(json_module().attr("dumps")(d).cast<std::string>()); },
          arg("data"), "Builds a query from plain Python data (the JSON form).")
      .def("applied_filters", &TaskQuery::applied_filters,
           "The applied filters in the filter panel's order (the chips).")
      .def("filter_count", &TaskQuery::filter_count, "The number of applied filters.")
      .def(
          "without", [](const TaskQuery& q, const py::object& field) { return q.without(field_of(field)); },
          arg("field"),
          "A copy without one filter (a FilterField or its code). Removing the project removes phase and theme "
          "too; offset and cursor start over.")
      .def("reset_filters", &TaskQuery::reset_filters,
           "A copy with every filter removed; sort and page size kept, offset and cursor cleared.")
      .def("check", &TaskQuery::check, "Raises klik.ValidationError if the query is invalid (never for a built one).")
      .def_property_readonly(
          "projects", [](const TaskQuery& q) { return refs_to_py(q.projects); }, "Project ids (int) and names (str).")
      .def_readonly("phases", &TaskQuery::phases, "Phase numbers (1-based).")
      .def_readonly("themes", &TaskQuery::themes, "Theme numbers (1-based).")
      .def_readonly("statuses", &TaskQuery::statuses, "Statuses, in enum order.")
      .def_readonly("priorities", &TaskQuery::priorities, "Priorities, in enum order.")
      .def_readonly("colours", &TaskQuery::colours, "Deadline colours, in enum order.")
      .def_readonly("responsible", &TaskQuery::responsible, "The responsible (Ansvarlig) filter.")
      .def_readonly("performer", &TaskQuery::performer, "The performer (Udfører) filter.")
      .def_readonly("title_contains", &TaskQuery::title_contains, "Case-insensitive title substring ('' = none).")
      .def_readonly("end_from", &TaskQuery::end_from, "End date on or after, or None.")
      .def_readonly("end_to", &TaskQuery::end_to, "End date on or before, or None.")
      .def_readonly("sort", &TaskQuery::sort, "Sort keys (ties always by task id).")
      .def_readonly("offset", &TaskQuery::offset, "Rows to skip.")
      .def_readonly("limit", &TaskQuery::limit, "Page size, 1-10000.")
      .def_readonly("cursor", &TaskQuery::cursor, "Opaque cursor ('' = none).")
      .def(py::self == py::self)
      .def("__hash__", [](const TaskQuery& q) { return py::hash(py::str(to_json(q))); })
      .def("__copy__", [](const TaskQuery& q) { return q; })
      .def(
          "__deepcopy__", [](const TaskQuery& q, const py::object&) { return q; }, arg("memo"))
      .def(py::pickle([](const TaskQuery& q) { return to_json(q); },
                      [](const std::string& text) { return task_query_from_json(text); }));
}
