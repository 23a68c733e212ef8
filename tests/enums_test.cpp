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

// Any letter case, Danish letters included ("farve = rød" as the manual writes it);
// the letters themselves are exact: "a" is not "å", "ae" is not "æ".
TEST(Enums, AnyLetterCaseButExactLetters) {
  EXPECT_EQ(parse<TaskStatus>("ikke påbegyndt"), TaskStatus::NotStarted);
  EXPECT_EQ(parse<TaskStatus>("IKKE PÅBEGYNDT"), TaskStatus::NotStarted);
  EXPECT_EQ(parse<TaskStatus>("NOT_STARTED"), TaskStatus::NotStarted);
  EXPECT_EQ(parse<TaskStatus>("fuldført"), TaskStatus::Completed);
  EXPECT_EQ(parse<DeadlineColour>("rød"), DeadlineColour::Red);
  EXPECT_EQ(parse<DeadlineColour>("GRÅ"), DeadlineColour::Grey);
  EXPECT_EQ(parse<UserType>("læser"), UserType::Reader);
  EXPECT_EQ(parse<Priority>("obligatorisk på kritisk vej"), Priority::CriticalPath);
  EXPECT_THROW(parse<TaskStatus>("Ikke pabegyndt"), InvalidArgumentError);
  EXPECT_THROW(parse<UserType>("Laeser"), InvalidArgumentError);
  EXPECT_THROW(parse<DeadlineColour>("rod"), InvalidArgumentError);
  EXPECT_THROW(parse<TaskStatus>("not started "), InvalidArgumentError);
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
