// Bindings for the rights area (filled in by the issue that builds it).
#include "bindings.hpp"
#include "casters.hpp"

void init_rights(py::module_& m) { (void)m; }
