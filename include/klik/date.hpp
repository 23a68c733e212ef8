#pragma once
/// @file date.hpp
/// @brief klik::Date, a calendar date, and klik::Timestamp, an instant.
///
/// Date is a serial day number (days since 1970-01-01), so comparisons and
/// day arithmetic are integer operations. Date::serial_of and Date::civil are
/// klik's one conversion between year/month/day and serials (proleptic
/// Gregorian, Howard Hinnant's days_from_civil/civil_from_days, O(1) and
/// constexpr): the calendar, the Copenhagen clock, storage and the bindings all
/// go through them. Valid dates are 1400-01-01 to 9999-12-31.
/// Thread-safety: plain values.

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace klik {

/// A date as its year, month (1-12) and day of the month (1-31).
struct CivilDate {
  int year = 1970;
  int month = 1;
  int day = 1;
  friend constexpr bool operator==(const CivilDate&, const CivilDate&) = default;
};

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
  /// The serial of year/month/day, unchecked: any year, month 1-12, and a day
  /// that may run past the month's end (2024-02-30 is 2024-03-01).
  static constexpr std::int32_t serial_of(int year, int month, int day) noexcept {
    year -= month <= 2;
    const int era = (year >= 0 ? year : year - 399) / 400;
    const int yoe = year - era * 400;  // [0, 399]
    const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;  // from 1 March
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // [0, 146096]
    return era * 146097 + doe - 719468;
  }
  static constexpr bool is_leap_year(int year) noexcept {
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  }
  /// 28-31; `month` 1-12.
  static constexpr int days_in_month(int year, int month) noexcept {
    return month == 2 ? 28 + is_leap_year(year) : 30 + ((month + (month > 7)) & 1);
  }
  /// Parses "YYYY-MM-DD"; throws InvalidArgumentError naming the text otherwise.
  static Date parse(std::string_view iso);

  [[nodiscard]] constexpr std::int32_t serial() const noexcept { return serial_; }
  /// Year, month and day; the inverse of serial_of.
  [[nodiscard]] constexpr CivilDate civil() const noexcept {
    const int z = serial_ + 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const int doe = z - era * 146097;  // [0, 146096]
    const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
    const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  // [0, 365], from 1 March
    const int mp = (5 * doy + 2) / 153;  // [0, 11]
    const int month = mp + (mp < 10 ? 3 : -9);
    return {yoe + era * 400 + (month <= 2), month, doy - (153 * mp + 2) / 5 + 1};
  }
  [[nodiscard]] constexpr int year() const noexcept { return civil().year; }
  [[nodiscard]] constexpr int month() const noexcept { return civil().month; }
  [[nodiscard]] constexpr int day() const noexcept { return civil().day; }
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
  constexpr Date& operator+=(std::int32_t days) noexcept {
    serial_ += days;
    return *this;
  }
  constexpr Date& operator-=(std::int32_t days) noexcept {
    serial_ -= days;
    return *this;
  }
  constexpr Date& operator++() noexcept {
    ++serial_;
    return *this;
  }
  constexpr Date& operator--() noexcept {
    --serial_;
    return *this;
  }
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
  /// The date of this instant in UTC.
  [[nodiscard]] constexpr Date utc_date() const noexcept {
    return Date::from_serial(static_cast<std::int32_t>(s_ / 86400 - (s_ % 86400 < 0)));
  }
  /// Seconds since midnight UTC, 0-86399.
  [[nodiscard]] constexpr std::int32_t utc_second_of_day() const noexcept {
    return static_cast<std::int32_t>(s_ % 86400 + (s_ % 86400 < 0 ? 86400 : 0));
  }
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
