#pragma once
// Type casters: klik::Date <-> datetime.date, klik::Timestamp <-> aware
// datetime.datetime (UTC), strong ids <-> int.

#include <datetime.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "klik/date.hpp"
#include "klik/ids.hpp"

namespace pybind11::detail {

inline void ensure_datetime_api() {
  if (!PyDateTimeAPI) {
    PyDateTime_IMPORT;
  }
}

template <>
struct type_caster<klik::Date> {
  PYBIND11_TYPE_CASTER(klik::Date, const_name("datetime.date"));

  bool load(handle src, bool) {
    ensure_datetime_api();
    if (!src || !PyDate_Check(src.ptr()) || PyDateTime_Check(src.ptr())) return false;
    value = klik::Date(PyDateTime_GET_YEAR(src.ptr()), PyDateTime_GET_MONTH(src.ptr()), PyDateTime_GET_DAY(src.ptr()));
    return true;
  }

  static handle cast(klik::Date d, return_value_policy, handle) {
    ensure_datetime_api();
    return PyDate_FromDate(d.year(), d.month(), d.day());
  }
};

template <>
struct type_caster<klik::Timestamp> {
  PYBIND11_TYPE_CASTER(klik::Timestamp, const_name("datetime.datetime"));

  bool load(handle src, bool) {
    ensure_datetime_api();
    if (!src || !PyDateTime_Check(src.ptr())) return false;
    object tzinfo = src.attr("tzinfo");
    if (tzinfo.is_none()) throw value_error("klik needs an aware datetime (with tzinfo), got a naive one");
    const double seconds = src.attr("timestamp")().cast<double>();
    value = klik::Timestamp(static_cast<std::int64_t>(std::floor(seconds)));
    return true;
  }

  static handle cast(klik::Timestamp t, return_value_policy, handle) {
    ensure_datetime_api();
    object datetime = module_::import("datetime");
    object utc = datetime.attr("timezone").attr("utc");
    return datetime.attr("datetime")
        .attr("fromtimestamp")(t.unix_seconds(), utc)
        .release();
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
