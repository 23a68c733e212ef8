// klik.Error and its subclasses. Each also derives from the matching built-in
// Python exception, so `except LookupError` catches klik.NotFound.
#include <stdexcept>

#include "bindings.hpp"
#include "klik/error.hpp"
#include "klik/store.hpp"

namespace {

py::object make_exception(py::module_& m, const char* name, py::handle bases, const char* doc) {
  std::string qualified = std::string("klik.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (!type) throw py::error_already_set();
  py::object obj = py::reinterpret_steal<py::object>(type);
  m.add_object(name, obj);
  return obj;
}

/// Text for a Python message: UTF-8 with invalid bytes shown as \x.. escapes, so a
/// message quoting bad input is never lost (PyErr_SetString would leave it empty).
py::str text_of(std::string_view s) {
  PyObject* u = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "backslashreplace");
  if (!u) {
    PyErr_Clear();
    return py::str("(message not decodable)");
  }
  return py::reinterpret_steal<py::str>(u);
}

}  // namespace

void init_errors(py::module_& m) {
  static py::handle error = make_exception(m, "Error", PyExc_Exception, "Base of every error klik raises.");
  static py::handle validation =
      make_exception(m, "ValidationError", py::make_tuple(error, py::handle(PyExc_ValueError)),
                     "Malformed input: a bad value, document or query; `.where` names the field or JSON path "
                     "when known ('' otherwise).");
  static py::handle not_found = make_exception(m, "NotFound", py::make_tuple(error, py::handle(PyExc_LookupError)),
                                               "The object does not exist, or is not visible to the caller.");
  static py::handle already = make_exception(m, "AlreadyExists", py::make_tuple(error),
                                             "Creating something whose key is taken (e.g. a user's email).");
  static py::handle denied =
      make_exception(m, "PermissionDenied", py::make_tuple(error, py::handle(PyExc_PermissionError)),
                     "The rights model refused the action; `.decision` says why.");
  static py::handle precondition =
      make_exception(m, "FailedPrecondition", py::make_tuple(error), "The current state forbids the change.");
  static py::handle conflict = make_exception(m, "Conflict", py::make_tuple(error),
                                              "A write based on a stale version lost against a newer one; "
                                              "`.changed_fields` names what changed since.");
  static py::handle storage = make_exception(m, "StorageError", py::make_tuple(error, py::handle(PyExc_OSError)),
                                             "The storage backend failed.");

  // Every exception arrives with a message (invalid UTF-8 in it is shown as \x.. escapes,
  // never an empty message) and with its structured detail as attributes:
  // ValidationError.where, Conflict.changed_fields, PermissionDenied.rule/.reason/.nearest/.decision.
  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const klik::PermissionDeniedError& e) {
      py::str message = text_of(e.what());
      py::object exc = py::reinterpret_borrow<py::object>(denied)(message);
      exc.attr("rule") = text_of(e.rule());
      exc.attr("reason") = message;
      exc.attr("nearest") = text_of(e.nearest());
      try {
        py::module_ core = py::module_::import("klik._klik");
        exc.attr("decision") = core.attr("Decision")(py::arg("outcome") = core.attr("Outcome").attr("DENIED"),
                                                     py::arg("rule") = exc.attr("rule"), py::arg("reason") = message,
                                                     py::arg("nearest") = exc.attr("nearest"),
                                                     py::arg("nearest_rule") = text_of(e.nearest_rule()));
      } catch (const py::error_already_set&) {
        exc.attr("decision") = py::none();
      }
      PyErr_SetObject(denied.ptr(), exc.ptr());
    } catch (const klik::Error& e) {
      py::handle* type = &error;
      switch (e.code()) {
        case klik::ErrorCode::InvalidArgument:
          type = &validation;
          break;
        case klik::ErrorCode::NotFound:
          type = &not_found;
          break;
        case klik::ErrorCode::AlreadyExists:
          type = &already;
          break;
        case klik::ErrorCode::PermissionDenied:
          type = &denied;
          break;
        case klik::ErrorCode::FailedPrecondition:
          type = &precondition;
          break;
        case klik::ErrorCode::Conflict:
          type = &conflict;
          break;
        case klik::ErrorCode::Storage:
          type = &storage;
          break;
        case klik::ErrorCode::Internal:
          type = &error;
          break;
      }
      py::object exc = py::reinterpret_borrow<py::object>(*type)(text_of(e.what()));
      if (type == &validation) {
        const auto* invalid = dynamic_cast<const klik::InvalidArgumentError*>(&e);
        exc.attr("where") = invalid ? text_of(invalid->where()) : py::str("");
      } else if (type == &conflict) {
        py::list fields;
        if (const auto* c = dynamic_cast<const klik::ConflictError*>(&e))
          for (const std::string& f : c->changed_fields()) fields.append(text_of(f));
        exc.attr("changed_fields") = fields;
      } else if (type == &denied) {
        exc.attr("rule") = py::str("");
        exc.attr("reason") = exc.attr("args")[py::int_(0)];
        exc.attr("nearest") = py::str("");
        exc.attr("decision") = py::none();
      }
      PyErr_SetObject(type->ptr(), exc.ptr());
    } catch (const py::builtin_exception&) {
      throw;  // pybind11's own (TypeError, ...): its translator sets them
    } catch (const py::error_already_set&) {
      throw;
    } catch (const std::bad_alloc&) {
      throw;  // the standard exceptions pybind11 maps (MemoryError, ValueError, IndexError, ...) stay its own
    } catch (const std::invalid_argument&) {
      throw;
    } catch (const std::out_of_range&) {
      throw;
    } catch (const std::length_error&) {
      throw;
    } catch (const std::domain_error&) {
      throw;
    } catch (const std::range_error&) {
      throw;
    } catch (const std::overflow_error&) {
      throw;
    } catch (const std::exception& e) {
      // Not klik's (a bug or a library's): RuntimeError, with a readable message.
      PyErr_SetObject(PyExc_RuntimeError, text_of(e.what()).ptr());
    }
  });
}
