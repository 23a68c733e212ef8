#pragma once
// One init function per binding file (bind_<area>.cpp), called in order from module.cpp.

#include <pybind11/pybind11.h>

namespace py = pybind11;

void init_errors(py::module_& m);
void init_enums(py::module_& m);
void init_model(py::module_& m);
void init_synthetic(py::module_& m);
void init_calendar(py::module_& m);
void init_deadline(py::module_& m);
void init_rights(py::module_& m);
void init_store(py::module_& m);
void init_query(py::module_& m);
void init_sqlite(py::module_& m);
void init_workflows(py::module_& m);
