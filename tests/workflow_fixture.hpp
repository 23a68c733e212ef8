#pragma once
// The fixture of the workflow tests (workflows_test.cpp, workflows_municipal_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "klik/store.hpp"
#include "klik/synthetic.hpp"
#include "klik/workflows.hpp"

namespace klik::testing {

/// A small synthetic world (3 municipalities) in a memory store, with Workflows on a fixed clock.
struct Fixture : ::testing::Test {
  klik::Dataset data;
  std::unique_ptr<Store> store;
  FixedClock clock{Date(2026, 3, 2)};
  std::unique_ptr<Workflows> flows;

  void SetUp() override {
    synthetic::Options o;
    o.municipalities = 3;
    o.scale = 0.25;
    data = synthetic::generate(o);
    store = make_memory_store(data);
    flows = std::make_unique<Workflows>(*store, clock);
  }
  ProjectId project_of(const Task& t) const { return data.templates[t.template_id.value() - 1].project; }
  const User& user(UserId id) const {
    return *std::find_if(data.users.begin(), data.users.end(), [&](const User& u) { return u.id == id; });
  }
  /// A user of `m` with `type` on `p` (and not `not_this`).
  const User* find(MunicipalityId m, ProjectId p, UserType type, UserId not_this = UserId()) const {
    for (const User& u : data.users)
      if (u.municipality == m && u.type_on(p) == type && u.id != not_this) return &u;
    return nullptr;
  }
  const User& kombit_admin() const {
    return *std::find_if(data.users.begin(), data.users.end(),
                         [](const User& u) { return u.side == Side::Kombit && u.administrator; });
  }
  std::vector<Notification> outbox() const { return store->outbox(); }
};

}  // namespace klik::testing
