// Bindings for the query area (filled in by the issue that builds it).
#include "bindings.hpp"
#include "casters.hpp"

void init_query(py::module_& m) { (void)m; }
