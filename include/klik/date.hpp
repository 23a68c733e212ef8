#pragma once
/// @file date.hpp
/// @brief klik::Date, a calendar date, and klik::Timestamp, an instant.
///
/// Date is a serial day number (days since 1970-01-01), so comparisons and
/// day arithmetic are integer operations. Year/month/day conversions go
/// through Boost.Date_Time in the implementation; valid years are 1400-9999
/// (Boost's Gregorian range). Thread-safety: plain values.

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace klik {

/// Day of the week, ISO order.
enum class Weekday : std::uint8_t { Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday };

class Date {
 public:
  /// 1970-01-01.
  constexpr Date() noexcept = default;
  /// Throws InvalidArgumentError when the date does not exist (e.g. 2023-02-29)
  /// or lies outside 1400-9999.
  Date(int year, int month, int day);

  /// The date `serial` days after 1970-01-01 (negative: before).
  static constexpr Date from_serial(std::int32_t serial) noexcept { return Date(serial, 0); }
  /// Parses "YYYY-MM-DD"; throws InvalidArgumentError naming the text otherwise.
  static Date parse(std::string_view iso);

  [[nodiscard]] constexpr std::int32_t serial() const noexcept { return serial_; }
  [[nodiscard]] int year() const;
  [[nodiscard]] int month() const;
  [[nodiscard]] int day() const;
  /// 1970-01-01 was a Thursday; computed without Boost.
  [[nodiscard]] constexpr Weekday weekday() const noexcept {
    const int w = static_cast<int>(((static_cast<std::int64_t>(serial_) % 7) + 7 + 3) % 7);
    return static_cast<Weekday>(w);
  }
  [[nodiscard]] constexpr bool is_weekend() const noexcept { return weekday() >= Weekday::Saturday; }
  /// "YYYY-MM-DD".
  [[nodiscard]] std::string iso() const;

  constexpr Date operator+(std::int32_t days) const noexcept { return Date(serial_ + days, 0); }
  constexpr Date operator-(std::int32_t days) const noexcept { return Date(serial_ - days, 0); }
  /// Calendar days from `other` to this date.
  constexpr std::int32_t operator-(Date other) const noexcept { return serial_ - other.serial_; }
  constexpr Date& operator+=(std::int32_t days) noexcept { serial_ += days; return *this; }
  constexpr Date& operator-=(std::int32_t days) noexcept { serial_ -= days; return *this; }
  constexpr Date& operator++() noexcept { ++serial_; return *this; }
  constexpr Date& operator--() noexcept { --serial_; return *this; }
  friend constexpr auto operator<=>(Date, Date) noexcept = default;
  friend constexpr bool operator==(Date, Date) noexcept = default;

 private:
  constexpr Date(std::int32_t serial, int) noexcept : serial_(serial) {}
  std::int32_t serial_ = 0;
};

/// An instant, in whole seconds since 1970-01-01T00:00:00Z (UTC).
class Timestamp {
 public:
  constexpr Timestamp() noexcept = default;
  constexpr explicit Timestamp(std::int64_t unix_seconds) noexcept : s_(unix_seconds) {}
  [[nodiscard]] constexpr std::int64_t unix_seconds() const noexcept { return s_; }
  /// Parses ISO 8601 "YYYY-MM-DDTHH:MM:SSZ" (also with a "+HH:MM" offset).
  static Timestamp parse(std::string_view iso);
  /// "YYYY-MM-DDTHH:MM:SSZ".
  [[nodiscard]] std::string iso() const;
  friend constexpr auto operator<=>(Timestamp, Timestamp) noexcept = default;
  friend constexpr bool operator==(Timestamp, Timestamp) noexcept = default;

 private:
  std::int64_t s_ = 0;
};

}  // namespace klik

template <>
struct std::hash<klik::Date> {
  std::size_t operator()(klik::Date d) const noexcept { return std::hash<std::int32_t>{}(d.serial()); }
};
