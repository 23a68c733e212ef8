#include "klik/text.hpp"
#include "klik/date.hpp"

#include <boost/date_time/gregorian/gregorian.hpp>
#include <boost/date_time/posix_time/posix_time.hpp>
#include <cstdio>
#include <string>

#include "klik/error.hpp"

namespace klik {
namespace {

namespace bg = boost::gregorian;

const long epoch_day_number = bg::date(1970, 1, 1).day_number();

bg::date to_boost(std::int32_t serial) {
  return bg::date(bg::date::date_rep_type(static_cast<bg::date::date_int_type>(epoch_day_number + serial)));
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

Date::Date(int year, int month, int day) {
  try {
    const bg::date d(static_cast<unsigned short>(year), static_cast<unsigned short>(month),
                     static_cast<unsigned short>(day));
    serial_ = static_cast<std::int32_t>(d.day_number() - epoch_day_number);
  } catch (const std::exception&) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
    throw InvalidArgumentError(std::string("not a valid date: ") + buf +
                               " (years 1400-9999, real months and days)");
  }
  if (year < 1400 || year > 9999) {
    throw InvalidArgumentError("not a valid date: year " + std::to_string(year) + " is outside 1400-9999");
  }
}

Date Date::parse(std::string_view iso) {
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-' || !all_digits(iso.substr(0, 4)) ||
      !all_digits(iso.substr(5, 2)) || !all_digits(iso.substr(8, 2))) {
    throw InvalidArgumentError("expected a date as YYYY-MM-DD, got " + excerpt(iso));
  }
  return Date(to_int(iso.substr(0, 4)), to_int(iso.substr(5, 2)), to_int(iso.substr(8, 2)));
}

int Date::year() const { return to_boost(serial_).year(); }
int Date::month() const { return to_boost(serial_).month(); }
int Date::day() const { return to_boost(serial_).day(); }

std::string Date::iso() const {
  const auto ymd = to_boost(serial_).year_month_day();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(ymd.year), static_cast<int>(ymd.month),
                static_cast<int>(ymd.day));
  return buf;
}

Timestamp Timestamp::parse(std::string_view iso) {
  // YYYY-MM-DDTHH:MM:SS followed by Z or +HH:MM / -HH:MM
  auto fail = [&] {
    throw InvalidArgumentError("expected a time as YYYY-MM-DDTHH:MM:SSZ, got " + excerpt(iso));
  };
  if (iso.size() < 20 || (iso[10] != 'T' && iso[10] != ' ') || iso[13] != ':' || iso[16] != ':') fail();
  const auto hh = iso.substr(11, 2), mm = iso.substr(14, 2), ss = iso.substr(17, 2);
  if (!all_digits(hh) || !all_digits(mm) || !all_digits(ss)) fail();
  const int h = to_int(hh), m = to_int(mm), s = to_int(ss);
  if (h > 23 || m > 59 || s > 60) fail();
  const Date d = Date::parse(iso.substr(0, 10));
  const auto zone = iso.substr(19);
  std::int64_t offset = 0;
  if (zone == "Z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             all_digits(zone.substr(1, 2)) && all_digits(zone.substr(4, 2))) {
    offset = (to_int(zone.substr(1, 2)) * 60 + to_int(zone.substr(4, 2))) * 60;
    if (zone[0] == '-') offset = -offset;
  } else {
    fail();
  }
  return Timestamp(static_cast<std::int64_t>(d.serial()) * 86400 + h * 3600 + m * 60 + s - offset);
}

std::string Timestamp::iso() const {
  std::int64_t days = s_ / 86400;
  std::int64_t rem = s_ % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const Date d = Date::from_serial(static_cast<std::int32_t>(days));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", d.iso().c_str(), static_cast<int>(rem / 3600),
                static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return buf;
}

}  // namespace klik
