// klik.open(path): the SQLite store as a klik.Store (klik.SqliteStore), with
// JSON import/export, the outbox, the deadline sweep through it, and context
// manager support.
#include <pybind11/stl.h>

#include <fstream>
#include <sstream>

#include "bindings.hpp"
#include "casters.hpp"
#include "klik/deadline.hpp"
#include "klik/json.hpp"
#include "klik/notification.hpp"
#include "klik/notifier.hpp"
#include "klik/rights.hpp"
#include "klik/routing.hpp"
#include "klik/sqlite_store.hpp"
#include "klik/workflows_sweep.hpp"

namespace {

using namespace klik;
using py::arg;

/// A path given as str or os.PathLike.
}  // namespace

std::string path_of(const py::object& p) { return py::str(py::module_::import("os").attr("fspath")(p)); }

py::dict notification_dict(const klik::Notification& n) {
  py::dict d;
  d["id"] = n.id;
  d["event"] = n.event;
  d["key"] = n.key;
  py::list r;
  for (klik::UserId u : n.recipients) r.append(u.value());
  d["recipients"] = r;
  d["mailbox"] = n.mailbox;
  d["sender"] = n.sender;
  d["link"] = n.link;
  d["payload"] = n.payload;
  d["created"] = n.created.iso();
  d["attempts"] = n.attempts;
  d["next_attempt"] = n.next_attempt.iso();
  d["delivered"] = n.delivered;
  d["last_error"] = n.last_error;
  d["dead_letter"] = n.dead_letter;
  return d;
}

py::list notification_dicts(const std::vector<klik::Notification>& all) {
  py::list out;
  for (const klik::Notification& n : all) out.append(notification_dict(n));
  return out;
}

namespace {

/// "now" is injected (an aware datetime or a klik.Clock), defaulting to the real current time.
Timestamp now_of(const py::object& now_arg) {
  if (now_arg.is_none()) return SystemClock().now();
  if (py::isinstance<Clock>(now_arg)) return now_arg.cast<const Clock&>().now();
  if (py::isinstance(now_arg, py::module_::import("datetime").attr("datetime"))) return now_arg.cast<Timestamp>();
  throw py::type_error("now must be an aware datetime.datetime or a klik.Clock, not " +
                       std::string(py::str(now_arg.get_type().attr("__name__"))));
}

}  // namespace

void init_sqlite(py::module_& m) {
  // What every store does with files and the outbox, whatever its backend: on klik.Store.
  auto store = py::reinterpret_borrow<py::class_<Store, std::shared_ptr<Store>>>(m.attr("Store"));
  store
      .def(
          "import_json",
          [](Store& s, const py::object& source) {
            std::string text;
            if (py::isinstance<py::str>(source) &&
                source.cast<std::string>().find_first_not_of(" \t\r\n") != std::string::npos &&
                source.cast<std::string>()[source.cast<std::string>().find_first_not_of(" \t\r\n")] == '{') {
              text = source.cast<std::string>();
            } else {
              const std::string path = path_of(source);
              std::ifstream in(path, std::ios::binary);
              if (!in) throw StorageError("cannot read " + path);
              std::ostringstream ss;
              ss << in.rdbuf();
              text = ss.str();
            }
            without_gil([&] {
              s.import_dataset(from_json<Dataset>(text));
              return 0;
            });
          },
          arg("source"),
          "Replaces the whole world with a dataset JSON document (docs/json.md), given as a path or as the JSON "
          "text itself, in one transaction. Validated first: on error nothing changes.")
      .def(
          "export_json",
          [](const Store& s, const py::object& path, int indent, bool with_credentials) -> py::object {
            std::string text;
            text = without_gil([&] { return to_json(s.export_dataset(with_credentials), indent); });
            if (path.is_none()) return py::str(text);
            const std::string p = path_of(path);
            std::ofstream out(p, std::ios::binary | std::ios::trunc);
            out << text;
            if (!out) throw StorageError("cannot write " + p);
            return py::none();
          },
          arg("path") = py::none(), arg("indent") = -1, arg("with_credentials") = false,
          "The whole world as a dataset JSON document: written to `path`, or returned as text when no path "
          "is given. Password hashes only with with_credentials=True (a backup).")
      .def(
          "outbox", [](const Store& s) { return notification_dicts(without_gil([&] { return s.outbox(); })); },
          "Every notification in the outbox (delivered, pending or dead letter) as dicts, oldest first.")
      .def(
          "pending_notifications",
          [](const Store& s, const py::object& now_arg, std::size_t limit) {
            const Timestamp now = now_of(now_arg);
            return notification_dicts(without_gil([&] { return s.pending_notifications(now, limit); }));
          },
          arg("now") = py::none(), arg("limit") = 100,
          "Up to `limit` undelivered notifications due at `now` (an aware datetime or a klik.Clock; default: the "
          "real current time), oldest first; never a dead letter.")
      .def(
          "dead_letters",
          [](const Store& s, std::size_t limit) {
            return notification_dicts(without_gil([&] { return s.dead_letters(limit); }));
          },
          arg("limit") = 100,
          "Up to `limit` dead letters (notifications the dispatcher gave up on after its max_attempts; "
          "last_error says why), oldest first.")
      .def(
          "outbox_counts",
          [](const Store& s, const py::object& now_arg) {
            const Timestamp now = now_of(now_arg);
            const OutboxCounts c = without_gil([&] { return s.outbox_counts(now); });
            py::dict d;
            d["pending"] = c.pending;
            d["due"] = c.due;
            d["dead"] = c.dead;
            d["delivered"] = c.delivered;
            return d;
          },
          arg("now") = py::none(),
          "The outbox counted by state: pending (undelivered, not dead), due (of those, due at `now`), dead "
          "(dead letters) and delivered.")
      .def(
          "give_up",
          [](Store& s, std::uint64_t id, const std::string& error) {
            without_gil([&] {
              s.give_up(id, error);
              return 0;
            });
          },
          arg("id"), arg("error"),
          "Makes a notification a dead letter with `error` as its last error (counts the attempt); what the "
          "dispatcher does after its max_attempts-th failure. klik.NotFound for an unknown id.")
      .def(
          "requeue",
          [](Store& s, const std::vector<std::uint64_t>& ids, const py::object& at) {
            const Timestamp when = now_of(at);
            without_gil([&] {
              s.requeue(ids, when);
              return 0;
            });
          },
          arg("ids"), arg("at") = py::none(),
          "An operator's retry of dead letters: pending again, due at `at` (default: now), with attempts reset "
          "to 0. All or none: klik.NotFound for an unknown id, klik.FailedPrecondition for one that is not a "
          "dead letter.")
      .def(
          "sweep",
          [](Store& s, const std::optional<Date>& day_arg, const py::object& notifications, const py::object& now_arg,
             const py::object& rights_arg, const py::object& routing_arg) {
            const RightsModel rights =
                rights_arg.is_none() ? RightsModel::default_model() : rights_arg.cast<RightsModel>();
            const NotificationRouting routing = routing_arg.is_none() ? NotificationRouting::default_routing()
                                                                      : routing_arg.cast<NotificationRouting>();
            const Timestamp now = now_of(now_arg);
            const Date day = day_arg ? *day_arg : copenhagen_date(now);
            py::dict d;
            OutboxSweep r;
            std::size_t delivered = 0;
            r = without_gil([&] { return sweep_to_outbox(s, day, now, rights, routing); });
            if (!notifications.is_none()) {
              const std::string file = path_of(notifications);
              delivered = without_gil([&] {
                JsonLinesNotifier sink(file);
                Dispatcher dispatcher(s, sink);
                return dispatcher.drain(now);
              });
            }
            d["tasks"] = r.tasks;
            d["events"] = r.events;
            d["colour_changes"] = r.colour_changes;
            d["delivered"] = delivered;
            return d;
          },
          arg("day") = py::none(), arg("notifications") = py::none(), py::kw_only(), arg("now") = py::none(),
          arg("rights") = py::none(), arg("routing") = py::none(),
          "Runs the deadline sweep for `day` (default: today in Copenhagen at `now`): records each rise to "
          "yellow or red as a notification in the outbox (with the new last-notified colours, in one "
          "transaction) and, when `notifications` names a file, delivers the notifications due at `now` to it "
          "as JSON lines. `now` is an aware datetime or a klik.Clock; default: the real current time. `routing` "
          "(a klik.NotificationRouting) and `rights` (a klik.Rights) decide who is told; default: the manual's Tabel 3 "
          "and Tabel 4. "
          "Returns counts.");

  py::class_<SqliteStore, Store, std::shared_ptr<SqliteStore>>(
      m, "SqliteStore",
      "A klik.Store kept in a SQLite file (see klik.open). Every change is committed to the file before it is "
      "visible; use it as a context manager to close it cleanly.")
      .def_property_readonly("path", &SqliteStore::path, "The database file.")
      .def_property_readonly("closed", &SqliteStore::closed, "True after close().")
      .def_property_readonly("schema_version", &SqliteStore::schema_version, releases_gil(),
                             "The file's schema version.")
      .def("integrity_check", &SqliteStore::integrity_check, releases_gil(),
           "SQLite's integrity check: 'ok' or the problems.")
      .def(
          "close", [](SqliteStore& s) { s.close(); }, releases_gil(),
          "Checkpoints and closes the file; later use raises klik.FailedPrecondition. Idempotent.")
      .def("__enter__", [](const std::shared_ptr<SqliteStore>& s) { return s; })
      .def(
          "__exit__",
          [](SqliteStore& s, const py::object&, const py::object&, const py::object&) {
            without_gil([&] {
              s.close();
              return 0;
            });
            return false;
          },
          "Closes the store.")
      .def("__repr__", [](const SqliteStore& s) {
        if (s.closed()) return std::string("SqliteStore(closed)");
        const std::size_t tasks = without_gil([&] { return s.snapshot()->task_count(); });
        return "SqliteStore(" + py::repr(py::str(s.path())).cast<std::string>() + ", tasks=" + std::to_string(tasks) +
               ")";
      });

  m.def(
      "salvage_sqlite",
      [](const py::object& path) {
        const std::string p = path_of(path);
        SqliteSalvage r;
        {
          py::gil_scoped_release release;
          r = salvage_sqlite(p);
        }
        py::list dropped;
        for (const DroppedRow& x : r.dropped) {
          py::dict d;
          d["table"] = x.table;
          d["id"] = x.id;
          d["column"] = x.column;
          d["reason"] = x.reason;
          d["cleared"] = x.cleared;
          dropped.append(d);
        }
        return py::make_tuple(py::cast(std::move(r.data)), dropped);
      },
      arg("path"),
      "Reads a klik SQLite file that klik.open refuses because of invalid rows, without changing it, and "
      "returns (dataset, dropped): a klik.Dataset of the rows that pass every check (import it into a fresh "
      "file) and a list of dicts (table, id, column, reason, cleared) naming what was left out, or only "
      "cleared (a dangling responsible or performer), and why.");

  m.def(
      "open",
      [](const py::object& path, bool create, bool read_only, const std::string& durability,
         const py::object& calendars, int follow_interval_ms) -> std::shared_ptr<SqliteStore> {
        SqliteOptions o;
        if (follow_interval_ms < 0) throw InvalidArgumentError("must be 0 or more milliseconds", "follow_interval_ms");
        o.follow_interval_ms = follow_interval_ms;
        o.create = create;
        o.read_only = read_only;
        if (durability == "full")
          o.durability = Durability::Full;
        else if (durability == "normal")
          o.durability = Durability::Normal;
        else
          throw InvalidArgumentError("durability must be \"full\" or \"normal\"", "durability");
        if (!calendars.is_none()) o.calendars = calendars.cast<Calendars>();
        const std::string p = path_of(path);
        py::gil_scoped_release release;
        return std::shared_ptr<SqliteStore>(open_sqlite_store(p, std::move(o)));
      },
      arg("path"), py::kw_only(), arg("create") = true, arg("read_only") = false, arg("durability") = "full",
      arg("calendars") = py::none(), arg("follow_interval_ms") = 0,
      "Opens the klik store in the SQLite file `path`, creating it when absent (create=True), and returns a "
      "klik.SqliteStore (a klik.Store: every query works on it). An older file is migrated forward; a file "
      "from a newer klik, a corrupt file, one with invalid rows (klik.salvage_sqlite recovers the good ones) or "
      "one that is not a klik store raises klik.StorageError naming the problem, and is left unchanged. "
      "read_only=True writes nothing and needs only read access (conditions: docs/store.md). "
      "durability='full' fsyncs every commit; 'normal' survives a crash of the process but may lose the last "
      "commits on a power loss. Several processes may open one file: each store applies the others' commits "
      "before it reads, asking the file at every read (follow_interval_ms=0) or at most every follow_interval_ms "
      "milliseconds.");
}
