#include "klik/municipalities.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace klik;

TEST(Municipalities, NinetyEightOfficialCodesInOrder) {
  const auto all = danish_municipalities();
  ASSERT_EQ(all.size(), 98u);
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_GE(all[i].code.value(), 101);
    EXPECT_LE(all[i].code.value(), 860);
    if (i) {
      EXPECT_LT(all[i - 1].code, all[i].code);
    }
    EXPECT_TRUE(names.insert(all[i].name).second) << all[i].name;
  }
  EXPECT_EQ(all.front().name, "København");
  EXPECT_EQ(all.back().name, "Hjørring");
}

TEST(Municipalities, LookupByKommunekode) {
  EXPECT_EQ(find_municipality(MunicipalityId(851))->name, "Aalborg");
  EXPECT_EQ(find_municipality(MunicipalityId(751))->name, "Aarhus");
  EXPECT_EQ(find_municipality(MunicipalityId(461))->name, "Odense");
  EXPECT_EQ(find_municipality(MunicipalityId(492))->name, "Ærø");
  EXPECT_FALSE(find_municipality(MunicipalityId(411)).has_value());  // Christiansø is not a kommune
  EXPECT_FALSE(find_municipality(MunicipalityId(999)).has_value());
}
