// The compiled core of the Python package `klik` (imported as klik._klik and
// re-exported by klik/__init__.py). Each area binds itself in its own file.
#include "bindings.hpp"
#include "klik/version.hpp"

PYBIND11_MODULE(_klik, m) {
  m.doc() = "Compiled core of klik; import the package `klik` instead.";
  m.attr("__version__") = std::string(klik::version());
  init_errors(m);
  init_enums(m);
  init_model(m);
  init_synthetic(m);
  init_calendar(m);
  init_deadline(m);
  init_rights(m);
  init_routing(m);
  init_store(m);
  init_query(m);
  init_sqlite(m);
  init_email(m);
  init_postgres(m);  // after init_sqlite: klik.open dispatches paths to it
  init_workflows(m);
  init_accounts(m);
  init_publishing(m);
  init_simulate(m);  // after init_publishing: adds Publishing.simulate
}
