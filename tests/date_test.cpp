#include "klik/date.hpp"

#include <gtest/gtest.h>

#include "klik/error.hpp"

using klik::Date;
using klik::Timestamp;
using klik::Weekday;

TEST(Date, EpochAndSerial) {
  EXPECT_EQ(Date(1970, 1, 1).serial(), 0);
  EXPECT_EQ(Date(1970, 1, 2).serial(), 1);
  EXPECT_EQ(Date(1969, 12, 31).serial(), -1);
  EXPECT_EQ(Date(2024, 2, 29) - Date(2024, 2, 1), 28);
  EXPECT_EQ(Date::from_serial(Date(2026, 11, 28).serial()), Date(2026, 11, 28));
}

TEST(Date, YearMonthDayRoundTrip) {
  for (Date d(1899, 12, 25); d < Date(1901, 3, 5); ++d) {
    EXPECT_EQ(Date(d.year(), d.month(), d.day()), d);
  }
  const Date d(2026, 11, 28);
  EXPECT_EQ(d.year(), 2026);
  EXPECT_EQ(d.month(), 11);
  EXPECT_EQ(d.day(), 28);
}

TEST(Date, Weekday) {
  EXPECT_EQ(Date(1970, 1, 1).weekday(), Weekday::Thursday);
  EXPECT_EQ(Date(2026, 11, 28).weekday(), Weekday::Saturday);
  EXPECT_EQ(Date(2024, 1, 1).weekday(), Weekday::Monday);
  EXPECT_EQ(Date(1900, 1, 1).weekday(), Weekday::Monday);
  EXPECT_TRUE(Date(2026, 11, 29).is_weekend());
  EXPECT_FALSE(Date(2026, 11, 30).is_weekend());
}

TEST(Date, IsoAndParse) {
  EXPECT_EQ(Date(2023, 5, 5).iso(), "2023-05-05");
  EXPECT_EQ(Date::parse("2024-02-29"), Date(2024, 2, 29));
  EXPECT_THROW(Date::parse("2023-02-29"), klik::InvalidArgumentError);
  EXPECT_THROW(Date::parse("2023-2-01"), klik::InvalidArgumentError);
  EXPECT_THROW(Date::parse("tomorrow"), klik::InvalidArgumentError);
  try {
    Date::parse("2023-13-01");
    FAIL();
  } catch (const klik::InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("2023-13-01"), std::string::npos);
  }
}

TEST(Date, RejectsOutOfRange) {
  EXPECT_THROW(Date(1399, 12, 31), klik::InvalidArgumentError);
  EXPECT_THROW(Date(10000, 1, 1), klik::InvalidArgumentError);
  EXPECT_NO_THROW(Date(1400, 1, 1));
  EXPECT_NO_THROW(Date(9999, 12, 31));
}

TEST(Timestamp, IsoRoundTripAndOffsets) {
  const Timestamp t = Timestamp::parse("2026-11-28T06:30:00Z");
  EXPECT_EQ(t.iso(), "2026-11-28T06:30:00Z");
  EXPECT_EQ(Timestamp::parse("2026-11-28T07:30:00+01:00"), t);
  EXPECT_EQ(Timestamp::parse("1969-12-31T23:59:59Z").unix_seconds(), -1);
  EXPECT_EQ(Timestamp(-1).iso(), "1969-12-31T23:59:59Z");
  EXPECT_THROW(Timestamp::parse("2026-11-28 25:00:00Z"), klik::InvalidArgumentError);
  EXPECT_THROW(Timestamp::parse("2026-11-28T06:30:00"), klik::InvalidArgumentError);
}
