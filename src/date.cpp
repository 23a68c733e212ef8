#include "klik/date.hpp"
#include "klik/text.hpp"

#include <cstdio>
#include <string>

#include "klik/error.hpp"

namespace klik {
namespace {

static_assert(Date::serial_of(1970, 1, 1) == 0);
static_assert(Date::serial_of(1900, 1, 1) == -25567);
static_assert(Date::serial_of(2000, 3, 1) == 11017);
static_assert(Date::from_serial(-25568).civil() == CivilDate{1899, 12, 31});
static_assert(Date::from_serial(11016).civil() == CivilDate{2000, 2, 29});
static_assert(Date::days_in_month(1900, 2) == 28 && Date::days_in_month(2000, 2) == 29 &&
              Date::days_in_month(2024, 12) == 31 && Date::days_in_month(2024, 11) == 30);

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
  if (year < 1400 || year > 9999 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
    throw InvalidArgumentError(std::string("not a valid date: ") + buf + " (years 1400-9999, real months and days)");
  }
  serial_ = serial_of(year, month, day);
}

Date Date::parse(std::string_view iso) {
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-' || !all_digits(iso.substr(0, 4)) ||
      !all_digits(iso.substr(5, 2)) || !all_digits(iso.substr(8, 2))) {
    throw InvalidArgumentError("expected a date as YYYY-MM-DD, got " + excerpt(iso));
  }
  return Date(to_int(iso.substr(0, 4)), to_int(iso.substr(5, 2)), to_int(iso.substr(8, 2)));
}

std::string Date::iso() const {
  const CivilDate c = civil();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

Timestamp Timestamp::parse(std::string_view iso) {
  // YYYY-MM-DDTHH:MM:SS followed by Z or +HH:MM / -HH:MM
  auto fail = [&] { throw InvalidArgumentError("expected a time as YYYY-MM-DDTHH:MM:SSZ, got " + excerpt(iso)); };
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
  const Date d = utc_date();
  const std::int32_t rem = utc_second_of_day();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", d.iso().c_str(), static_cast<int>(rem / 3600),
                static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return buf;
}

}  // namespace klik
