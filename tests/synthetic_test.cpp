#include "klik/synthetic.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "klik/error.hpp"
#include "klik/json.hpp"

using namespace klik;

namespace {
const Dataset& national() {
  static const Dataset d = synthetic::generate();
  return d;
}
double share(std::size_t n, std::size_t total) { return static_cast<double>(n) / static_cast<double>(total); }
}  // namespace

TEST(Synthetic, DeterministicFromSeed) {
  synthetic::Options o;
  o.municipalities = 5;
  EXPECT_EQ(synthetic::generate(o), synthetic::generate(o));
  synthetic::Options other = o;
  other.seed = o.seed + 1;
  EXPECT_NE(synthetic::generate(o).tasks, synthetic::generate(other).tasks);
}

TEST(Synthetic, NationalShape) {
  const Dataset& d = national();
  EXPECT_EQ(d.municipalities.size(), 98u);
  EXPECT_EQ(d.projects.size(), 12u);
  EXPECT_GT(d.tasks.size(), 250'000u);
  EXPECT_LT(d.tasks.size(), 350'000u);
  std::map<ProjectId, int> per_project;
  for (const auto& t : d.templates) ++per_project[t.project];
  for (const auto& [p, n] : per_project) {
    EXPECT_GE(n, 150);
    EXPECT_LE(n, 400);
  }
  EXPECT_TRUE(validate(d).empty()) << validate(d).front().path << ": " << validate(d).front().message;
}

TEST(Synthetic, Distributions) {
  const Dataset& d = national();
  std::array<std::size_t, 4> status{}, priority{};
  std::size_t unset_responsible = 0, unset_performer = 0;
  for (const auto& t : d.tasks) {
    ++status[static_cast<std::size_t>(t.status)];
    unset_responsible += !t.responsible;
    unset_performer += !t.performer;
  }
  for (const auto& t : d.templates) ++priority[static_cast<std::size_t>(t.priority)];
  const auto n = d.tasks.size();
  EXPECT_NEAR(share(status[0], n), 0.10, 0.01);
  EXPECT_NEAR(share(status[1], n), 0.40, 0.01);
  EXPECT_NEAR(share(status[2], n), 0.30, 0.01);
  EXPECT_NEAR(share(status[3], n), 0.20, 0.01);
  const auto m = d.templates.size();
  EXPECT_NEAR(share(priority[0], m), 0.15, 0.03);
  EXPECT_NEAR(share(priority[1], m), 0.40, 0.03);
  EXPECT_NEAR(share(priority[2], m), 0.35, 0.03);
  EXPECT_NEAR(share(priority[3], m), 0.10, 0.03);
  EXPECT_NEAR(share(unset_responsible, n), 0.30, 0.02);
  EXPECT_NEAR(share(unset_performer, n), 0.30, 0.02);
  for (const auto& t : d.templates) {
    EXPECT_GE(t.end, Date(2025, 1, 1));
    EXPECT_LE(t.end, Date(2028, 12, 31));
    if (t.duration_workdays) {
      EXPECT_GE(*t.duration_workdays, 1);
      EXPECT_LE(*t.duration_workdays, 40);
    }
  }
  EXPECT_FALSE(d.local_tasks.empty());
}

TEST(Synthetic, UsersAndUserTypes) {
  const Dataset& d = national();
  std::map<MunicipalityId, int> users, admins;
  std::set<std::pair<MunicipalityId, ProjectId>> plus;
  for (const auto& u : d.users) {
    if (u.side == Side::Kombit) continue;
    ++users[*u.municipality];
    admins[*u.municipality] += u.administrator;
    for (const auto& ms : u.memberships)
      if (ms.type == UserType::Plus) plus.insert({*u.municipality, ms.project});
  }
  for (const auto& m : d.municipalities) {
    EXPECT_GE(users[m.id], 20);
    EXPECT_LE(users[m.id], 150);
    EXPECT_GE(admins[m.id], 1) << "municipality " << m.id.value() << " has no Administrator";
  }
  for (const auto& p : d.projects)
    for (MunicipalityId m : p.participants)
      EXPECT_TRUE(plus.count({m, p.id})) << "no Plusbruger for project " << p.id.value() << " in " << m.value();
}

TEST(Synthetic, ScaleReachesAMillion) {
  synthetic::Options o;
  o.scale = 3.5;
  o.content = false;
  o.local_task_share = 0;
  const Dataset d = synthetic::generate(o);
  EXPECT_GT(d.tasks.size(), 1'000'000u);
}

TEST(Synthetic, RejectsBadOptions) {
  synthetic::Options o;
  o.municipalities = 0;
  EXPECT_THROW(synthetic::generate(o), InvalidArgumentError);
  o = {};
  o.scale = -1;
  EXPECT_THROW(synthetic::generate(o), InvalidArgumentError);
}
