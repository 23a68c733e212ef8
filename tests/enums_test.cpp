#include "klik/enums.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "klik/error.hpp"

using namespace klik;

TEST(Enums, CodesEnglishAndDanish) {
  EXPECT_EQ(code(TaskStatus::NotStarted), "not_started");
  EXPECT_EQ(danish(TaskStatus::NotStarted), "Ikke påbegyndt");
  EXPECT_EQ(danish(TaskStatus::Completed), "Fuldført");
  EXPECT_EQ(danish(Priority::CriticalPath), "Obligatorisk på kritisk vej");
  EXPECT_EQ(danish(UserType::Reader), "Læser");
  EXPECT_EQ(danish(UserType::Light), "Light-bruger");
  EXPECT_EQ(code(DeadlineColour::Grey), "grey");
  EXPECT_EQ(danish(DeadlineColour::Red), "Rød");
  EXPECT_EQ(english(Priority::Recommended), "Recommended");
}

template <class E>
void expect_round_trips() {
  std::set<std::string_view> codes;
  for (E v : all_values<E>()) {
    EXPECT_EQ(parse<E>(code(v)), v);
    EXPECT_EQ(parse<E>(english(v)), v);
    EXPECT_EQ(parse<E>(danish(v)), v);
    EXPECT_TRUE(codes.insert(code(v)).second) << "duplicate code " << code(v);
  }
  EXPECT_EQ(all_values<E>().size(), value_count<E>());
}

TEST(Enums, EverySpellingParses) {
  expect_round_trips<TaskStatus>();
  expect_round_trips<Priority>();
  expect_round_trips<UserType>();
  expect_round_trips<DeadlineColour>();
  expect_round_trips<Side>();
}

TEST(Enums, DanishIsCaseAndAccentExact) {
  EXPECT_THROW(parse<TaskStatus>("ikke påbegyndt"), InvalidArgumentError);
  EXPECT_THROW(parse<TaskStatus>("Ikke pabegyndt"), InvalidArgumentError);
  EXPECT_THROW(parse<TaskStatus>("NOT_STARTED"), InvalidArgumentError);
  EXPECT_THROW(parse<UserType>("Laeser"), InvalidArgumentError);
  EXPECT_THROW(parse<Priority>(""), InvalidArgumentError);
}

TEST(Enums, ErrorNamesTheValueAndTheChoices) {
  try {
    parse<TaskStatus>("paused");
    FAIL() << "expected an error";
  } catch (const InvalidArgumentError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("TaskStatus"), std::string::npos) << what;
    EXPECT_NE(what.find("\"paused\""), std::string::npos) << what;
    EXPECT_NE(what.find("not_started (Ikke påbegyndt)"), std::string::npos) << what;
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
  }
}
