#include <gtest/gtest.h>

#include "klik/error.hpp"
#include "klik/query_engine.hpp"

using namespace klik;

TEST(ListFilters, ProjectQueryChipsAndJson) {
  ProjectQuery q{"ydelse", {UserType::Plus, UserType::Light}};
  EXPECT_EQ(q.applied_filters(), (std::vector<std::string>{"name_contains", "user_types"}));
  EXPECT_EQ(q.without("user_types").applied_filters(), std::vector<std::string>{"name_contains"});
  EXPECT_EQ(to_json(q), R"({"name_contains":"ydelse","user_types":["plus","light"]})");
  EXPECT_EQ(project_query_from_json(to_json(q)), q);
  EXPECT_EQ(project_query_from_json(R"({"user_types": ["Plusbruger"]})").user_types,
            std::vector<UserType>{UserType::Plus});
  EXPECT_EQ(project_query_from_json("{}"), ProjectQuery{});
  EXPECT_THROW(q.without("status"), InvalidArgumentError);
  try {
    project_query_from_json(R"({"user_types": ["boss"]})");
    FAIL();
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(e.where(), "/user_types/0");
  }
  try {
    project_query_from_json(R"({"name": "x"})");
    FAIL();
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(e.where(), "/name");
  }
}

TEST(ListFilters, UserQueryChipsAndJson) {
  UserQuery q;
  q.projects = {ProjectId(3), std::string("Ydelsesrefusion")};
  q.user_types = {UserType::Light};
  q.administrator = false;
  q.text = "anne";
  EXPECT_EQ(q.applied_filters(), (std::vector<std::string>{"projects", "user_types", "administrator", "text"}));
  EXPECT_EQ(q.without("administrator").applied_filters(), (std::vector<std::string>{"projects", "user_types", "text"}));
  EXPECT_EQ(user_query_from_json(to_json(q)), q);
  EXPECT_EQ(to_json(UserQuery{}), "{}");
  EXPECT_THROW(user_query_from_json(R"({"projects": [0]})"), InvalidArgumentError);
  EXPECT_THROW(user_query_from_json(R"({"administrator": "yes"})"), InvalidArgumentError);
}
