#pragma once
// Private to the SQL backends (sqlite_store.cpp, postgres_store.cpp): klik values as
// the integers their columns hold.

#include <cstdint>
#include <optional>

#include "klik/date.hpp"
#include "klik/ids.hpp"

namespace klik::detail::sql_values {

/// An enumerator as its stored number.
template <class E>
std::int64_t num(E e) {
  return static_cast<std::int64_t>(e);
}
/// A person reference, NULL when not set.
inline std::optional<std::int64_t> uid(const std::optional<UserId>& u) {
  return u ? std::optional<std::int64_t>(u->value()) : std::nullopt;
}
/// A date as its serial day number, NULL when not set.
inline std::optional<std::int64_t> day(const std::optional<Date>& d) {
  return d ? std::optional<std::int64_t>(d->serial()) : std::nullopt;
}

}  // namespace klik::detail::sql_values
