// klik.PostgresStore, and klik.open(path_or_url): a "postgresql://" or
// "postgres://" URL opens the PostgreSQL store, anything else the SQLite file
// as before (the SQLite open bound in bind_sqlite.cpp, which must run first).
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "casters.hpp"
#include "klik/postgres_store.hpp"

namespace {

using namespace klik;
using py::arg;
using namespace pybind11::literals;

}  // namespace

void init_postgres(py::module_& m) {
  py::class_<PostgresStore, Store, std::shared_ptr<PostgresStore>>(
      m, "PostgresStore",
      "A klik.Store kept in a PostgreSQL database (see klik.open), shared with any number of other processes: "
      "a store catches up with their commits before each snapshot and each write. Use it as a context manager "
      "to close its connections.")
      .def_property_readonly("server", &PostgresStore::server,
                             "The server and database as 'user@host:port/db' (never the password).")
      .def_property_readonly("closed", &PostgresStore::closed, "True after close().")
      .def(
          "close", [](PostgresStore& s) { s.close(); }, releases_gil(),
          "Closes the connections; later use raises klik.FailedPrecondition. Idempotent.")
      .def("__enter__", [](const std::shared_ptr<PostgresStore>& s) { return s; })
      .def(
          "__exit__",
          [](PostgresStore& s, const py::object&, const py::object&, const py::object&) {
            without_gil([&] {
              s.close();
              return 0;
            });
            return false;
          },
          "Closes the store.")
      .def("__repr__", [](const PostgresStore& s) {
        if (s.closed()) return std::string("PostgresStore(closed)");
        const std::size_t tasks = without_gil([&] { return s.snapshot()->task_count(); });
        return "PostgresStore(" + py::repr(py::str(s.server())).cast<std::string>() +
               ", tasks=" + std::to_string(tasks) + ")";
      });

  // klik.open: the SQLite open (bind_sqlite.cpp) for paths, PostgreSQL for URLs.
  const py::object sqlite_open = m.attr("open");
  m.attr("open") = py::cpp_function(
      [sqlite_open](const py::object& path, bool create, bool read_only, const std::string& durability,
                    const py::object& calendars, int follow_interval_ms, int connect_timeout) -> py::object {
        if (!py::isinstance<py::str>(path) || !is_postgres_url(path.cast<std::string>()))
          return sqlite_open(path, "create"_a = create, "read_only"_a = read_only, "durability"_a = durability,
                             "calendars"_a = calendars, "follow_interval_ms"_a = follow_interval_ms);
        if (durability != "full")
          throw InvalidArgumentError(
              "durability applies to SQLite files; a PostgreSQL server's is its own setting (synchronous_commit)",
              "durability");
        if (follow_interval_ms != 0)
          throw InvalidArgumentError(
              "follow_interval_ms applies to SQLite files; a PostgreSQL store is told of other processes' commits "
              "(LISTEN/NOTIFY)",
              "follow_interval_ms");
        PostgresOptions o;
        o.create = create;
        o.read_only = read_only;
        o.connect_timeout_seconds = connect_timeout;
        if (!calendars.is_none()) o.calendars = calendars.cast<Calendars>();
        const std::string url = path.cast<std::string>();
        std::shared_ptr<PostgresStore> store;
        {
          py::gil_scoped_release release;
          store = open_postgres_store(url, std::move(o));
        }
        return py::cast(store);
      },
      py::name("open"), py::scope(m), arg("path"), py::kw_only(), arg("create") = true, arg("read_only") = false,
      arg("durability") = "full", arg("calendars") = py::none(), arg("follow_interval_ms") = 0,
      arg("connect_timeout") = 10,
      "Opens a klik store. A 'postgresql://' or 'postgres://' URL (libpq's form, e.g. "
      "'postgresql://klik@db.example/klik') opens a klik.PostgresStore in that database, creating the schema "
      "when it has none (create=True); anything else is a SQLite file path, opened (created when absent) as a "
      "klik.SqliteStore. read_only=True writes nothing. durability ('full' or 'normal') and "
      "follow_interval_ms are SQLite's (see the SQLite open's options); connect_timeout (seconds) PostgreSQL's. "
      "Failures raise klik.StorageError naming the file or server "
      "(never a password).");
}
