#include "klik/model.hpp"

#include <gtest/gtest.h>

using namespace klik;

TEST(Model, TaskInstanceIsSmall) {
  // A task carries no text of its own; templates hold it once (the manual's Tabel 1).
  EXPECT_LE(sizeof(Task), 64u);
}

TEST(Model, EmailsCompareTrimmedAndCaseInsensitive) {
  EXPECT_EQ(normalise_email("  Anne.Jensen@Aalborg.DK\t"), "anne.jensen@aalborg.dk");
  EXPECT_EQ(normalise_email("x@y.dk"), "x@y.dk");
  EXPECT_EQ(normalise_email("   "), "");
}

TEST(Model, TypeOnProject) {
  User u;
  u.memberships = {{ProjectId(1), UserType::Plus}, {ProjectId(3), UserType::Reader}};
  EXPECT_EQ(u.type_on(ProjectId(1)), UserType::Plus);
  EXPECT_EQ(u.type_on(ProjectId(3)), UserType::Reader);
  EXPECT_FALSE(u.type_on(ProjectId(2)).has_value());
}

TEST(Ids, AreDistinctTypes) {
  static_assert(!std::is_convertible_v<TaskId, UserId>);
  static_assert(!std::is_convertible_v<std::uint32_t, TaskId>);
  EXPECT_LT(TaskId(1), TaskId(2));
  EXPECT_EQ(to_string(MunicipalityId(851)), "851");
}
