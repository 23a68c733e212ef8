#pragma once
// One init function per binding file (bind_<area>.cpp), called in order from module.cpp,
// and the threading rule every binding that touches a store follows.

#include <pybind11/pybind11.h>

#include <string>
#include <type_traits>
#include <vector>

#include "casters.hpp"  // every file sees the same casters (text, Date, enums): one definition each
#include "klik/store.hpp"

namespace py = pybind11;
using klik::python::arg_cast;
using klik::python::arg_ref;
using klik::python::type_name;

void init_errors(py::module_& m);
void init_enums(py::module_& m);
void init_model(py::module_& m);
void init_synthetic(py::module_& m);
void init_calendar(py::module_& m);
void init_deadline(py::module_& m);
void init_rights(py::module_& m);
void init_routing(py::module_& m);
void init_store(py::module_& m);
void init_query(py::module_& m);
void init_sqlite(py::module_& m);
void init_postgres(py::module_& m);
void init_workflows(py::module_& m);
void init_accounts(py::module_& m);
void init_publishing(py::module_& m);
void init_simulate(py::module_& m);
void init_email(py::module_& m);

/// A path given as str or os.PathLike.
std::string path_of(const py::object& p);
/// An outbox entry as the dict every binding gives (store.outbox(), MemoryNotifier.delivered, ...).
py::dict notification_dict(const klik::Notification& n);
py::list notification_dicts(const std::vector<klik::Notification>& all);

/// The real clock, for the classes that take `clock=None` (Workflows, Accounts, Publishing).
inline const klik::Clock& system_clock() {
  static const klik::SystemClock clock;
  return clock;
}

// The threading rule (docs/thread-safety.md). A store's locks and the GIL are two
// locks; taking them in both orders deadlocks. So every binding that touches a
// Store, SqliteStore, Workflows or an engine call on a snapshot:
//   1. never waits on a store lock (snapshot() or a mutation) while holding the GIL;
//   2. never takes the GIL while holding a snapshot.
// Mechanically: convert the Python arguments to C++ values first (with the GIL),
// then run the store work inside without_gil(...) -- take the snapshot, compute,
// copy the answer into values that own their data, drop the snapshot -- and build
// Python objects from that answer after the GIL is back. Methods that need no
// Python objects after the call use py::call_guard<py::gil_scoped_release>
// (alias `releases_gil`), which is the same thing for a whole call. No callback
// into Python may run inside (klik's Clock and RightsModel have no Python
// overrides, so nothing in klik calls back).

/// Runs `work` with the GIL released; its result must own its data (no Snapshot,
/// no reference into one), because the snapshot has to die before the GIL returns.
template <class F>
auto without_gil(F&& work) {
  using R = std::invoke_result_t<F&>;
  static_assert(!std::is_same_v<std::decay_t<R>, klik::Snapshot>, "a Snapshot must not outlive without_gil");
  static_assert(!std::is_reference_v<R> && !std::is_pointer_v<R>,
                "without_gil must return a value that owns its data, not a reference into a snapshot");
  py::gil_scoped_release release;
  return work();
}

/// py::call_guard for methods whose whole C++ call follows the rule above.
using releases_gil = py::call_guard<py::gil_scoped_release>;
