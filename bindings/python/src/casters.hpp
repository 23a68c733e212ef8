#pragma once
// Type casters: how Python values become klik's C++ values, for every binding.
//   text (std::string, std::string_view): str only -- bytes are refused (TypeError),
//       a str that is not valid Unicode (lone surrogates) is klik.ValidationError;
//   klik::Date: datetime.date, datetime.datetime (its Europe/Copenhagen date; a naive
//       one is read as Copenhagen local time, so its own date), an ISO 'YYYY-MM-DD' str,
//       numpy.datetime64 (and pandas.Timestamp, a datetime subclass);
//   klik::Timestamp <-> datetime.datetime: out aware (UTC); in aware, or naive read as
//       Europe/Copenhagen local time;
//   strong ids <-> int;
//   enums (TaskStatus, Action, ...): the bound enum, or its code / English / Danish
//       name as str; a value outside the enum (TaskStatus(4) made some other way) is
//       klik.ValidationError.
// A value of the wrong type makes the caster answer "no" (pybind11 raises TypeError
// listing the signature); arg_cast<T>(obj, "param") is the same conversion for
// bindings that take py::object or **kwargs, and names the parameter in its errors.

#include <datetime.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "klik/calendar.hpp"
#include "klik/date.hpp"
#include "klik/deadline.hpp"
#include "klik/enums.hpp"
#include "klik/error.hpp"
#include "klik/ids.hpp"
#include "klik/query.hpp"
#include "klik/rights.hpp"
#include "klik/user_admin.hpp"

namespace klik::python {

/// The Python type name of a value, for error messages.
inline std::string type_name(pybind11::handle h) { return pybind11::str(pybind11::type::of(h).attr("__name__")); }

/// Every value of a bound enum and how its text forms parse; filled by bind_enums.cpp.
template <class E>
struct EnumInfo {
  static inline std::vector<E> values;
  static inline std::string name;
  static inline std::function<E(std::string_view)> parse;
  /// "values 0-3" for messages (klik's enums are dense from 0).
  static std::string range() { return "values 0-" + std::to_string(values.empty() ? 0 : values.size() - 1); }
  static bool valid(E v) {
    for (E x : values)
      if (x == v) return true;
    return false;
  }
};

/// `text` as UTF-8; throws klik::InvalidArgumentError when the str cannot be UTF-8
/// (a lone surrogate, e.g. from a surrogateescape decode), naming the character offset.
inline std::string utf8_of(PyObject* text) {
  Py_ssize_t n = 0;
  const char* p = PyUnicode_AsUTF8AndSize(text, &n);
  if (p) return std::string(p, static_cast<std::size_t>(n));
  PyErr_Clear();
  const Py_ssize_t len = PyUnicode_GetLength(text);
  Py_ssize_t at = 0;
  for (; at < len; ++at) {
    const Py_UCS4 c = PyUnicode_ReadChar(text, at);
    if (c >= 0xD800 && c <= 0xDFFF) break;
  }
  throw klik::InvalidArgumentError("text is not valid Unicode: a lone surrogate at character " + std::to_string(at));
}

}  // namespace klik::python

namespace pybind11::detail {

// datetime.h gives every translation unit its own `static PyDateTime_CAPI* PyDateTimeAPI`.
// So this function must be per translation unit too (static): as a plain `inline`
// function the linker kept one copy, which filled one unit's pointer, and the casters
// of every other unit read a null one. The optimiser had hidden it by inlining the
// copies; the module built at -O0 under UBSan showed it ("member access within null
// pointer of type 'PyDateTime_CAPI'"). The casters below call it in their own bodies,
// so each reads the pointer it has just filled.
static inline void ensure_datetime_api() {
  if (!PyDateTimeAPI) {
    PyDateTime_IMPORT;
  }
}

/// klik's text is str. pybind11 would also take bytes (and decode nothing), so
/// b'...' reached klik's validators unchecked; here it is a TypeError.
template <class Text>
struct klik_text_caster : string_caster<Text, std::is_same_v<Text, std::string_view>> {
  std::string storage;
  bool load(handle src, bool convert) {
    if (!src) return false;
    if (PyUnicode_Check(src.ptr())) {
      storage = klik::python::utf8_of(src.ptr());
      this->value = Text(storage);
      return true;
    }
    if (convert && (PyBytes_Check(src.ptr()) || PyByteArray_Check(src.ptr())))
      throw type_error("klik text must be str, got " + klik::python::type_name(src) +
                       " (decode it first, e.g. value.decode('utf-8'))");
    return false;
  }
};

template <>
struct type_caster<std::string> : klik_text_caster<std::string> {};
template <>
struct type_caster<std::string_view> : klik_text_caster<std::string_view> {};

/// A bound klik enum: the enum itself (checked to be one of its values) or, when
/// conversion is allowed, its code / English / Danish name as str.
template <class E>
struct klik_enum_caster : type_caster_base<E> {
  E parsed{};
  bool load(handle src, bool convert) {
    using Info = klik::python::EnumInfo<E>;
    if (src && PyUnicode_Check(src.ptr())) {
      if (!convert || !Info::parse) return false;
      parsed = Info::parse(klik::python::utf8_of(src.ptr()));
      this->value = &parsed;
      return true;
    }
    if (!src || src.is_none() || !type_caster_base<E>::load(src, convert)) return false;
    const E v = *static_cast<const E*>(this->value);
    if (!Info::valid(v))
      throw klik::InvalidArgumentError(
          Info::name + " has no value " +
          std::to_string(static_cast<long long>(static_cast<std::underlying_type_t<E>>(v))) + " (" + Info::range() +
          ")");
    return true;
  }
};

#define KLIK_ENUM_CASTER(E) \
  template <>               \
  struct type_caster<E> : klik_enum_caster<E> {};
KLIK_ENUM_CASTER(klik::TaskStatus)
KLIK_ENUM_CASTER(klik::Priority)
KLIK_ENUM_CASTER(klik::UserType)
KLIK_ENUM_CASTER(klik::DeadlineColour)
KLIK_ENUM_CASTER(klik::Side)
KLIK_ENUM_CASTER(klik::HolidayCategory)
KLIK_ENUM_CASTER(klik::CalendarProfile)
KLIK_ENUM_CASTER(klik::TaskColumn)
KLIK_ENUM_CASTER(klik::FilterField)
KLIK_ENUM_CASTER(klik::Action)
KLIK_ENUM_CASTER(klik::Outcome)
KLIK_ENUM_CASTER(klik::AdminViolationKind)
#undef KLIK_ENUM_CASTER

template <>
struct type_caster<klik::Date> {
  PYBIND11_TYPE_CASTER(klik::Date, const_name("datetime.date"));

  bool load(handle src, bool) {
    ensure_datetime_api();
    if (!src) return false;
    PyObject* p = src.ptr();
    if (PyDateTime_Check(p)) {
      object tzinfo = src.attr("tzinfo");
      if (tzinfo.is_none()) {  // naive: Copenhagen local time, so its own date
        value = klik::Date(PyDateTime_GET_YEAR(p), PyDateTime_GET_MONTH(p), PyDateTime_GET_DAY(p));
      } else {
        const double seconds = src.attr("timestamp")().cast<double>();
        value = klik::copenhagen_date(klik::Timestamp(static_cast<std::int64_t>(std::floor(seconds))));
      }
      return true;
    }
    if (PyDate_Check(p)) {
      value = klik::Date(PyDateTime_GET_YEAR(p), PyDateTime_GET_MONTH(p), PyDateTime_GET_DAY(p));
      return true;
    }
    if (PyUnicode_Check(p)) {
      value = klik::Date::parse(klik::python::utf8_of(p));
      return true;
    }
    return load_numpy(src);
  }

  static handle cast(klik::Date d, return_value_policy, handle) {
    ensure_datetime_api();
    return PyDate_FromDate(d.year(), d.month(), d.day());
  }

 private:
  /// numpy.datetime64 (any unit): its day, counted from 1970-01-01 like klik::Date.
  bool load_numpy(handle src) {
    PyObject* modules = PyImport_GetModuleDict();
    PyObject* np = PyDict_GetItemString(modules, "numpy");  // only if numpy is in use already
    if (!np) return false;
    object datetime64 = reinterpret_borrow<object>(np).attr("datetime64");
    if (!isinstance(src, datetime64)) return false;
    if (reinterpret_borrow<object>(np).attr("isnat")(src).cast<bool>())
      throw klik::InvalidArgumentError("a date is needed, got numpy.datetime64('NaT')");
    const auto days = src.attr("astype")("datetime64[D]").attr("astype")("int64").cast<long long>();
    static const auto first = klik::Date(1400, 1, 1).serial(), last = klik::Date(9999, 12, 31).serial();
    if (days < first || days > last) throw klik::InvalidArgumentError("date outside 1400-9999");
    value = klik::Date::from_serial(static_cast<std::int32_t>(days));
    return true;
  }
};

template <>
struct type_caster<klik::Timestamp> {
  PYBIND11_TYPE_CASTER(klik::Timestamp, const_name("datetime.datetime"));

  bool load(handle src, bool) {
    ensure_datetime_api();
    if (!src || !PyDateTime_Check(src.ptr())) return false;
    object aware = reinterpret_borrow<object>(src);
    if (src.attr("tzinfo").is_none()) {  // naive: Copenhagen local time, as for dates
      // Leaked on purpose: a static py::object would be released after the interpreter is gone.
      static const object* copenhagen = new object(module_::import("zoneinfo").attr("ZoneInfo")("Europe/Copenhagen"));
      aware = src.attr("replace")(arg("tzinfo") = *copenhagen);
    }
    const double seconds = aware.attr("timestamp")().cast<double>();
    value = klik::Timestamp(static_cast<std::int64_t>(std::floor(seconds)));
    return true;
  }

  static handle cast(klik::Timestamp t, return_value_policy, handle) {
    ensure_datetime_api();
    object datetime = module_::import("datetime");
    object utc = datetime.attr("timezone").attr("utc");
    return datetime.attr("datetime").attr("fromtimestamp")(t.unix_seconds(), utc).release();
  }
};

template <class Tag, class Rep>
struct type_caster<klik::Id<Tag, Rep>> {
  using IdT = klik::Id<Tag, Rep>;
  PYBIND11_TYPE_CASTER(IdT, const_name("int"));

  bool load(handle src, bool convert) {
    make_caster<Rep> inner;
    if (!src || PyBool_Check(src.ptr()) || !PyLong_Check(src.ptr())) return false;
    if (!inner.load(src, convert)) return false;
    value = IdT(cast_op<Rep>(inner));
    return true;
  }

  static handle cast(IdT id, return_value_policy, handle) { return PyLong_FromUnsignedLongLong(id.value()); }
};

}  // namespace pybind11::detail

namespace klik::python {

/// What a parameter of type T takes, in words, for TypeError messages.
template <class T>
struct Expected {
  static std::string name() {
    if constexpr (std::is_enum_v<T>)
      return "klik." + EnumInfo<T>::name + " or its code, English or Danish name (str)";
    else
      return pybind11::detail::make_caster<T>::name.text;
  }
};
template <>
struct Expected<klik::Date> {
  static std::string name() {
    return "a date (datetime.date, datetime.datetime, numpy.datetime64 or an ISO 'YYYY-MM-DD' str)";
  }
};
template <class T>
struct Expected<std::optional<T>> {
  static std::string name() { return Expected<T>::name() + " or None"; }
};

/// `obj` converted to T as the casters above do, for bindings that take py::object
/// or **kwargs: a wrong type is TypeError and a bad value klik.ValidationError, both
/// naming `param`.
template <class T>
T arg_cast(pybind11::handle obj, const char* param) {
  namespace py = pybind11;
  py::detail::make_caster<T> caster;
  bool ok = false;
  try {
    ok = caster.load(obj, true);
  } catch (const klik::InvalidArgumentError& e) {
    throw klik::InvalidArgumentError(std::string(param) + ": " + e.what(), param);
  } catch (const py::type_error& e) {
    throw py::type_error(std::string(param) + ": " + e.what());
  }
  if (!ok) throw py::type_error(std::string(param) + ": expected " + Expected<T>::name() + ", got " + type_name(obj));
  return py::detail::cast_op<T>(std::move(caster));
}

/// `obj` as a reference to the bound C++ object it wraps (valid while `obj` lives);
/// a TypeError naming `param` when it is not one.
template <class T>
const T& arg_ref(pybind11::handle obj, const char* param, const char* what) {
  if (!pybind11::isinstance<T>(obj))
    throw pybind11::type_error(std::string(param) + ": expected " + what + ", got " + type_name(obj));
  return obj.cast<const T&>();
}

}  // namespace klik::python

#include <pybind11/stl_bind.h>

#include "klik/dataset.hpp"

// Entity vectors are bound as opaque list-like types (klik.TaskList, ...), so a
// Dataset of a million tasks is never copied into Python objects wholesale.
PYBIND11_MAKE_OPAQUE(std::vector<klik::Municipality>)
PYBIND11_MAKE_OPAQUE(std::vector<klik::Project>)
PYBIND11_MAKE_OPAQUE(std::vector<klik::RolloutWave>)
PYBIND11_MAKE_OPAQUE(std::vector<klik::TaskTemplate>)
PYBIND11_MAKE_OPAQUE(std::vector<klik::Task>)
PYBIND11_MAKE_OPAQUE(std::vector<klik::LocalTask>)
PYBIND11_MAKE_OPAQUE(std::vector<klik::User>)
PYBIND11_MAKE_OPAQUE(std::vector<klik::Message>)
PYBIND11_MAKE_OPAQUE(std::vector<klik::Attachment>)
PYBIND11_MAKE_OPAQUE(std::vector<klik::InternalNote>)
