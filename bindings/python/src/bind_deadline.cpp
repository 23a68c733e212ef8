// Bindings for the deadline area (filled in by the issue that builds it).
#include "bindings.hpp"
#include "casters.hpp"

void init_deadline(py::module_& m) { (void)m; }
