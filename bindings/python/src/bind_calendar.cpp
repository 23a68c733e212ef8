// Bindings for the calendar area (filled in by the issue that builds it).
#include "bindings.hpp"
#include "casters.hpp"

void init_calendar(py::module_& m) { (void)m; }
