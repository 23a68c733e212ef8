// klik.Error and its subclasses. Each also derives from the matching built-in
// Python exception, so `except LookupError` catches klik.NotFound.
#include "bindings.hpp"
#include "klik/error.hpp"

namespace {

py::object make_exception(py::module_& m, const char* name, py::handle bases, const char* doc) {
  std::string qualified = std::string("klik.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (!type) throw py::error_already_set();
  py::object obj = py::reinterpret_steal<py::object>(type);
  m.add_object(name, obj);
  return obj;
}

}  // namespace

void init_errors(py::module_& m) {
  static py::handle error = make_exception(m, "Error", PyExc_Exception, "Base of every error klik raises.");
  static py::handle validation = make_exception(m, "ValidationError", py::make_tuple(error, py::handle(PyExc_ValueError)),
                                                "Malformed input: a bad value, document or query.");
  static py::handle not_found = make_exception(m, "NotFound", py::make_tuple(error, py::handle(PyExc_LookupError)),
                                               "The object does not exist, or is not visible to the caller.");
  static py::handle already = make_exception(m, "AlreadyExists", py::make_tuple(error),
                                             "Creating something whose key is taken (e.g. a user's email).");
  static py::handle denied = make_exception(m, "PermissionDenied",
                                            py::make_tuple(error, py::handle(PyExc_PermissionError)),
                                            "The rights model refused the action; `.decision` says why.");
  static py::handle precondition = make_exception(m, "FailedPrecondition", py::make_tuple(error),
                                                  "The current state forbids the change.");
  static py::handle conflict = make_exception(m, "Conflict", py::make_tuple(error),
                                              "A write based on a stale version lost against a newer one.");
  static py::handle storage = make_exception(m, "StorageError", py::make_tuple(error, py::handle(PyExc_OSError)),
                                             "The storage backend failed.");

  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const klik::PermissionDeniedError& e) {
      // klik.PermissionDenied carries the decision: .decision, .rule, .reason, .nearest.
      py::object exc = py::reinterpret_borrow<py::object>(denied)(e.what());
      exc.attr("rule") = e.rule();
      exc.attr("reason") = std::string(e.what());
      exc.attr("nearest") = e.nearest();
      try {
        exc.attr("decision") = py::module_::import("klik._klik")
                                   .attr("Decision")(py::arg("outcome") = py::module_::import("klik._klik")
                                                                              .attr("Outcome")
                                                                              .attr("DENIED"),
                                                     py::arg("rule") = e.rule(), py::arg("reason") = e.what(),
                                                     py::arg("nearest") = e.nearest(),
                                                     py::arg("nearest_rule") = e.nearest_rule());
      } catch (const py::error_already_set&) {
        exc.attr("decision") = py::none();
      }
      PyErr_SetObject(denied.ptr(), exc.ptr());
    } catch (const klik::Error& e) {
      py::handle* type = &error;
      switch (e.code()) {
        case klik::ErrorCode::InvalidArgument: type = &validation; break;
        case klik::ErrorCode::NotFound: type = &not_found; break;
        case klik::ErrorCode::AlreadyExists: type = &already; break;
        case klik::ErrorCode::PermissionDenied: type = &denied; break;
        case klik::ErrorCode::FailedPrecondition: type = &precondition; break;
        case klik::ErrorCode::Conflict: type = &conflict; break;
        case klik::ErrorCode::Storage: type = &storage; break;
        case klik::ErrorCode::Internal: type = &error; break;
      }
      PyErr_SetString(type->ptr(), e.what());
    }
  });
}
