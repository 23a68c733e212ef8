// Bindings for the store area (filled in by the issue that builds it).
#include "bindings.hpp"
#include "casters.hpp"

void init_store(py::module_& m) { (void)m; }
