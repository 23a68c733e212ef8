// User administration (manual: "Opret en bruger i KLIK", "Administrér eksisterende brugere"): each invariant broken
// once, with its message.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "klik/error.hpp"
#include "klik/user_admin.hpp"

namespace klik {
namespace {

constexpr MunicipalityId kHome{101};
constexpr MunicipalityId kOther{851};
constexpr ProjectId kP{1};
constexpr ProjectId kQ{2};

User make(std::uint32_t id, std::string name, MunicipalityId m, bool admin, std::vector<Membership> ms) {
  User u;
  u.id = UserId(id);
  u.full_name = std::move(name);
  u.email = "user" + std::to_string(id) + "@kommune.dk";
  u.side = Side::Municipality;
  u.municipality = m;
  u.administrator = admin;
  u.memberships = std::move(ms);
  return u;
}

struct Fixture : ::testing::Test {
  const RightsModel& rights = RightsModel::default_model();
  std::vector<Project> projects = [] {
    std::vector<Project> v(2);
    v[0].id = kP;
    v[0].name = "Ydelsesrefusion";
    v[1].id = kQ;
    v[1].name = "Sygedagpenge";
    return v;
  }();
  std::vector<User> users = {
      make(1, "Anna Admin", kHome, true, {}),
      make(2, "Per Plus", kHome, false, {{kP, UserType::Plus}, {kQ, UserType::Light}}),
      make(3, "Qasim Plus", kHome, false, {{kQ, UserType::Plus}}),
      make(4, "Lise Light", kHome, false, {{kP, UserType::Light}}),
      make(5, "Rasmus Reader", kHome, false, {{kQ, UserType::Reader}}),
      make(6, "Xenia Admin", kOther, true, {}),
      make(7, "Ole Plus", kOther, false, {{kP, UserType::Plus}}),
  };
  const User& admin() const { return users[0]; }
  const User& plus_p() const { return users[1]; }
  const User& plus_q() const { return users[2]; }
  const User& light() const { return users[3]; }
  const User& reader() const { return users[4]; }
  const User& other_admin() const { return users[5]; }

  User proposed(std::string email, std::vector<Membership> ms) const {
    User u = make(100, "New Person", kHome, false, std::move(ms));
    u.email = std::move(email);
    return u;
  }
};

std::vector<AdminViolationKind> kinds(const std::vector<AdminViolation>& v) {
  std::vector<AdminViolationKind> out;
  for (const auto& x : v) out.push_back(x.kind);
  return out;
}

TEST_F(Fixture, CreatingAnExistingEmailFailsTrimmedAndCaseInsensitive) {
  const auto v = validate_create_user(rights, admin(), proposed("  USER4@Kommune.DK ", {}), users, projects);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, AdminViolationKind::EmailTaken);
  EXPECT_EQ(v[0].field, "email");
  EXPECT_EQ(v[0].message, "a user with email 'user4@kommune.dk' already exists");
  EXPECT_THROW(throw_if_any(v), AlreadyExistsError);
  // Another municipality's user holds the email too: emails are unique nationally.
  EXPECT_EQ(kinds(validate_create_user(rights, admin(), proposed("user7@kommune.dk", {}), users, projects)),
            std::vector{AdminViolationKind::EmailTaken});
  EXPECT_TRUE(validate_create_user(rights, admin(), proposed("new@kommune.dk", {}), users, projects).empty());
}

TEST_F(Fixture, ChangingEmailToAnotherUsersFails) {
  const auto v = validate_edit_details(rights, admin(), light(), "Lise Light", "", "User5@kommune.dk", users, projects);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].message, "a user with email 'user5@kommune.dk' already exists");
  // Changing the case of one's own email is no clash.
  EXPECT_TRUE(
      validate_edit_details(rights, admin(), light(), "Lise Light", "", "USER4@kommune.dk", users, projects).empty());
}

TEST_F(Fixture, EmailMustBeAnAddress) {
  const auto v = validate_create_user(rights, admin(), proposed("not an email", {}), users, projects);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, AdminViolationKind::InvalidEmail);
  EXPECT_EQ(v[0].message, "'not an email' is not an email address");
  EXPECT_THROW(throw_if_any(v), InvalidArgumentError);
}

TEST_F(Fixture, PlusbrugerGrantsOnlyTheirOwnProjects) {
  // Per is Plusbruger on P but only Light-bruger on Q.
  const auto v = validate_create_user(
      rights, plus_p(), proposed("new@kommune.dk", {{kP, UserType::Standard}, {kQ, UserType::Light}}), users, projects);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, AdminViolationKind::ProjectNotHeld);
  EXPECT_EQ(v[0].field, "memberships/2");
  EXPECT_EQ(v[0].message,
            "a Plusbruger can grant only projects where they are Plusbruger themselves, not project "
            "Sygedagpenge");
  EXPECT_THROW(throw_if_any(v), PermissionDeniedError);
  EXPECT_TRUE(
      validate_create_user(rights, plus_p(), proposed("new@kommune.dk", {{kP, UserType::Plus}}), users, projects)
          .empty());
  // Adding Lise (who shares P) to Q is granting Q: refused.
  EXPECT_EQ(kinds(validate_set_user_type(rights, plus_p(), light(), kQ, UserType::Light, users, projects)),
            std::vector{AdminViolationKind::ProjectNotHeld});
  EXPECT_TRUE(validate_set_user_type(rights, plus_p(), light(), kP, UserType::Standard, users, projects).empty());
}

TEST_F(Fixture, PlusbrugerEditsOnlyUsersSharingTheirProject) {
  // Rasmus is only on Q, where Per is not Plusbruger.
  const auto v = validate_edit_details(rights, plus_p(), reader(), "Rasmus R", "", reader().email, users, projects);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, AdminViolationKind::NotPermitted);
  EXPECT_EQ(v[0].message, "Plusbruger may edit user details only for users who share one of their projects");
  EXPECT_TRUE(validate_edit_details(rights, plus_p(), light(), "Lise L", "", light().email, users, projects).empty());
  EXPECT_EQ(kinds(validate_reset_password(rights, plus_p(), reader(), projects)),
            std::vector{AdminViolationKind::NotPermitted});
  EXPECT_TRUE(validate_reset_password(rights, plus_p(), light(), projects).empty());
  EXPECT_TRUE(validate_reset_password(rights, admin(), reader(), projects).empty());
}

TEST_F(Fixture, OnlyAdministratorsDeleteUsersAndGrantAdministrator) {
  const auto del = validate_delete_user(rights, plus_p(), light(), users, projects);
  ASSERT_EQ(del.size(), 1u);
  EXPECT_EQ(del[0].kind, AdminViolationKind::NotPermitted);
  EXPECT_EQ(del[0].message, "Plusbruger may not delete users; allowed as Administrator");
  const auto grant = validate_set_administrator(rights, plus_p(), light(), true, users, projects);
  ASSERT_EQ(grant.size(), 1u);
  EXPECT_EQ(grant[0].field, "administrator");
  EXPECT_EQ(grant[0].message, "Plusbruger may not grant or revoke Administrator; allowed as Administrator");
  EXPECT_TRUE(validate_set_administrator(rights, admin(), light(), true, users, projects).empty());
  EXPECT_TRUE(validate_delete_user(rights, admin(), light(), users, projects).empty());
}

TEST_F(Fixture, MunicipalityKeepsAnAdministrator) {
  const auto v = validate_set_administrator(rights, admin(), admin(), false, users, projects);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, AdminViolationKind::LastAdministrator);
  EXPECT_EQ(v[0].message,
            "'Anna Admin' is the last Administrator of municipality 101; every municipality keeps at least one "
            "Administrator");
  EXPECT_THROW(throw_if_any(v), FailedPreconditionError);
  EXPECT_EQ(kinds(validate_delete_user(rights, admin(), admin(), users, projects)),
            std::vector{AdminViolationKind::LastAdministrator});
  // With a second Administrator in the municipality, both are fine.
  users[3].administrator = true;
  EXPECT_TRUE(validate_set_administrator(rights, admin(), admin(), false, users, projects).empty());
  EXPECT_TRUE(validate_delete_user(rights, admin(), admin(), users, projects).empty());
}

TEST_F(Fixture, ProjectKeepsAPlusbrugerPerMunicipality) {
  // Ole is Plusbruger on P in 851: he does not count for 101.
  const auto removed = validate_remove_project(rights, admin(), plus_p(), kP, users, projects);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].kind, AdminViolationKind::LastPlusbruger);
  EXPECT_EQ(removed[0].field, "memberships/1");
  EXPECT_EQ(removed[0].message,
            "'Per Plus' is the last Plusbruger of project Ydelsesrefusion in municipality 101; every project keeps "
            "at least one Plusbruger per municipality");
  EXPECT_EQ(kinds(validate_set_user_type(rights, admin(), plus_p(), kP, UserType::Reader, users, projects)),
            std::vector{AdminViolationKind::LastPlusbruger});
  EXPECT_EQ(kinds(validate_delete_user(rights, admin(), plus_q(), users, projects)),
            std::vector{AdminViolationKind::LastPlusbruger});
  // A Plusbruger cannot demote themselves either when they are the last one.
  EXPECT_EQ(kinds(validate_set_user_type(rights, plus_p(), plus_p(), kP, UserType::Standard, users, projects)),
            std::vector{AdminViolationKind::LastPlusbruger});
  // Once Lise is Plusbruger on P as well, Per may go.
  users[3].memberships[0].type = UserType::Plus;
  EXPECT_TRUE(validate_remove_project(rights, admin(), plus_p(), kP, users, projects).empty());
}

TEST_F(Fixture, AnotherMunicipalitysUserIsNotFound) {
  const auto v = validate_edit_details(rights, other_admin(), light(), "X", "", light().email, users, projects);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, AdminViolationKind::NotFound);
  EXPECT_EQ(v[0].message, "user not found");
  EXPECT_THROW(throw_if_any(v), NotFoundError);
  EXPECT_EQ(kinds(validate_delete_user(rights, other_admin(), light(), users, projects)),
            std::vector{AdminViolationKind::NotFound});
  // Creating a user in another municipality is refused (there is nothing to find).
  User elsewhere = proposed("new@kommune.dk", {});
  elsewhere.municipality = kOther;
  EXPECT_EQ(kinds(validate_create_user(rights, admin(), elsewhere, users, projects)),
            std::vector{AdminViolationKind::NotPermitted});
}

TEST_F(Fixture, MalformedChangesAreRefused) {
  User moved = light();
  moved.municipality = kOther;
  const auto v = validate_user_change(rights, admin(), light(), moved, users, projects);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, AdminViolationKind::InvalidChange);
  User twice = proposed("new@kommune.dk", {{kP, UserType::Light}, {kP, UserType::Reader}});
  EXPECT_EQ(kinds(validate_create_user(rights, admin(), twice, users, projects)),
            std::vector{AdminViolationKind::InvalidChange});
}

TEST_F(Fixture, EveryViolationIsReturned) {
  // Per: the email is taken AND Q is not his to grant.
  const auto v =
      validate_create_user(rights, plus_p(), proposed("user2@kommune.dk", {{kQ, UserType::Light}}), users, projects);
  EXPECT_EQ(kinds(v), (std::vector{AdminViolationKind::EmailTaken, AdminViolationKind::ProjectNotHeld}));
  try {
    throw_if_any(v);
    FAIL();
  } catch (const AlreadyExistsError& e) {
    EXPECT_NE(std::string(e.what()).find("already exists; a Plusbruger can grant only"), std::string::npos);
  }
}

// Issue 14: the daily digest is the user's own choice (own_profile) or an editor's (edit_user).
TEST_F(Fixture, TheDailyDigestIsTheUsersOwnChoiceOrAnEditors) {
  EXPECT_TRUE(validate_set_daily_digest(rights, reader(), reader(), projects).empty());
  EXPECT_TRUE(validate_set_daily_digest(rights, light(), light(), projects).empty());
  EXPECT_TRUE(validate_set_daily_digest(rights, admin(), reader(), projects).empty());
  EXPECT_TRUE(validate_set_daily_digest(rights, plus_p(), light(), projects).empty()) << "they share project P";
  const auto refused = validate_set_daily_digest(rights, light(), reader(), projects);
  ASSERT_EQ(kinds(refused), std::vector{AdminViolationKind::NotPermitted});
  EXPECT_EQ(refused[0].field, "daily_digest");
  EXPECT_EQ(kinds(validate_set_daily_digest(rights, other_admin(), reader(), projects)),
            std::vector{AdminViolationKind::NotFound});
  User kombit = make(50, "Karen KOMBIT", kHome, false, {});
  kombit.side = Side::Kombit;
  kombit.municipality.reset();
  EXPECT_TRUE(validate_set_daily_digest(rights, kombit, kombit, projects).empty());
  // A whole-user change checks the same right for the digest part.
  User digest = reader();
  digest.daily_digest = true;
  EXPECT_TRUE(validate_user_change(rights, reader(), reader(), digest, users, projects).empty());
  EXPECT_EQ(kinds(validate_user_change(rights, light(), reader(), digest, users, projects)),
            std::vector{AdminViolationKind::NotPermitted});
}

TEST_F(Fixture, ReaderEditsOwnDetailsButNotOwnProjects) {
  EXPECT_TRUE(validate_edit_details(rights, reader(), reader(), "R", "", reader().email, users, projects).empty());
  EXPECT_EQ(kinds(validate_set_user_type(rights, reader(), reader(), kQ, UserType::Plus, users, projects)),
            std::vector{AdminViolationKind::NotPermitted});
}

// --- consequences ---

TaskFacts task(std::uint32_t id, MunicipalityId m, ProjectId p, std::optional<std::uint32_t> r,
               std::optional<std::uint32_t> perf) {
  TaskFacts f;
  f.id = TaskId(id);
  f.municipality = m;
  f.project = p;
  if (r) f.responsible = UserId(*r);
  if (perf) f.performer = UserId(*perf);
  return f;
}

TEST(UserAdminConsequences, LeavingAProjectClearsItsAssignments) {
  User lise = make(4, "Lise", kHome, false, {{kP, UserType::Light}, {kQ, UserType::Standard}});
  TaskFacts local = task(13, kHome, kP, 4, std::nullopt);
  local.local = true;
  local.local_id = LocalTaskId(9);
  const std::vector<TaskFacts> tasks = {
      task(10, kHome, kP, 4, 4),  // both fields
      task(11, kHome, kP, 2, 4),  // performer only
      task(12, kHome, kQ, 4, std::nullopt),  // another project: stays
      local,  // a local task of P: cleared
      task(14, kOther, kP, 4, std::nullopt),  // (inconsistent) other municipality: not touched
      task(15, kHome, kP, 2, 3),  // not hers
  };
  User left = lise;
  left.memberships = {{kQ, UserType::Standard}};
  const std::vector<ClearedAssignment> expected = {
      {TaskId(10), false, LocalTaskId{}, true, true},
      {TaskId(11), false, LocalTaskId{}, false, true},
      {TaskId(13), true, LocalTaskId(9), true, false},
  };
  EXPECT_EQ(cleared_assignments(lise, left, tasks), expected);

  User demoted = lise;
  demoted.memberships[0].type = UserType::Reader;
  EXPECT_EQ(cleared_assignments(lise, demoted, tasks), expected);

  User promoted = lise;
  promoted.memberships[0].type = UserType::Plus;
  EXPECT_TRUE(cleared_assignments(lise, promoted, tasks).empty());

  const auto deleted = cleared_assignments(lise, std::nullopt, tasks);
  ASSERT_EQ(deleted.size(), 4u);
  EXPECT_EQ(deleted[2], (ClearedAssignment{TaskId(12), false, LocalTaskId{}, true, false}));
}

// ---- issue 9: reasons that read well and name the real rule; decide() agrees ----

TEST_F(Fixture, ANonMemberIsNamedPlainly) {
  // Qasim is Plusbruger on Q only; P is not his.
  const Decision d = rights.decide(plus_q(), Action::AssignUserType, Target::of(light(), kP), projects);
  EXPECT_EQ(d.reason,
            "A Plusbruger of other projects who is not a member of project Ydelsesrefusion may not assign user types; "
            "allowed as Administrator");
  const auto v = validate_set_user_type(rights, plus_q(), light(), kP, UserType::Standard, users, projects);
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v[0].kind, AdminViolationKind::ProjectNotHeld);
  EXPECT_EQ(v[0].rule, d.rule);
  EXPECT_EQ(v[0].nearest, "allowed as Administrator");
  try {
    throw_if_any(v);
    FAIL();
  } catch (const PermissionDeniedError& e) {
    EXPECT_EQ(e.rule(), "default_deny");
    EXPECT_EQ(e.nearest(), "allowed as Administrator");
    EXPECT_EQ(e.nearest_rule(), d.nearest_rule);
  }
}

TEST_F(Fixture, AssigningATypeToAUserOfNoSharedProjectNamesTheAssignRule) {
  // Per (Plusbruger on P) adding Rasmus (only on Q, where Per is no Plusbruger) to P.
  const auto v = validate_set_user_type(rights, plus_p(), reader(), kP, UserType::Light, users, projects);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, AdminViolationKind::NotPermitted);
  EXPECT_EQ(v[0].message,
            "Plusbruger on project Ydelsesrefusion may assign user types only for users who share one of their "
            "projects");
  EXPECT_EQ(v[0].nearest_rule, "plus_assign_user_type");
  EXPECT_EQ(v[0].nearest, "allowed if the user shares one of their projects");
}

TEST_F(Fixture, CreateUserDecisionRefusesWhatTheValidatorRefuses) {
  User onto_q = proposed("new@kommune.dk", {{kQ, UserType::Light}});
  const Decision d = rights.decide(plus_p(), Action::CreateUser, Target::of(onto_q), projects);
  EXPECT_FALSE(d.allowed());
  EXPECT_NE(d.reason.find("(needed to create a user with a user type on project Sygedagpenge)"), std::string::npos)
      << d.reason;
  EXPECT_FALSE(d.nearest.empty());
  User made_admin = proposed("new@kommune.dk", {{kP, UserType::Light}});
  made_admin.administrator = true;
  EXPECT_FALSE(rights.decide(plus_p(), Action::CreateUser, Target::of(made_admin), projects).allowed());
  made_admin.administrator = false;
  EXPECT_TRUE(rights.decide(plus_p(), Action::CreateUser, Target::of(made_admin), projects).allowed());
}

// A one-part change asks for its right even when it would change nothing.
TEST_F(Fixture, AskingForTheCurrentValueStillNeedsTheRight) {
  // Lise is Light-bruger on P: she may not assign types, not even Light to herself.
  EXPECT_EQ(kinds(validate_set_user_type(rights, light(), light(), kP, UserType::Light, users, projects)),
            std::vector{AdminViolationKind::NotPermitted});
  EXPECT_EQ(kinds(validate_remove_project(rights, reader(), light(), kQ, users, projects)),
            std::vector{AdminViolationKind::NotPermitted});
  EXPECT_EQ(kinds(validate_set_administrator(rights, plus_p(), light(), false, users, projects)),
            std::vector{AdminViolationKind::NotPermitted});
  EXPECT_EQ(kinds(validate_edit_details(rights, plus_p(), reader(), reader().full_name, reader().organisation,
                                        reader().email, users, projects)),
            std::vector{AdminViolationKind::NotPermitted});
  // Who has the right may ask for what is already so.
  EXPECT_TRUE(validate_set_user_type(rights, admin(), light(), kP, UserType::Light, users, projects).empty());
}

// For every actor, target and change: the validators refuse for a rights reason
// exactly when the matching decide() refuses, with the same rule and nearest.
TEST_F(Fixture, ValidatorsAndDecideAgreeOnEveryChange) {
  std::vector<User> actors = users;
  User kombit = make(50, "Karen KOMBIT", kHome, false, {{kP, UserType::Plus}});
  kombit.side = Side::Kombit;
  kombit.municipality.reset();
  actors.push_back(kombit);
  kombit.id = UserId(51);
  kombit.administrator = true;
  actors.push_back(kombit);
  actors.push_back(make(8, "Pia PlusBegge", kHome, false, {{kP, UserType::Plus}, {kQ, UserType::Plus}}));
  actors.push_back(make(9, "Sara Standard", kHome, false, {{kP, UserType::Standard}}));
  std::vector<User> all = users;
  all.insert(all.end(), actors.end() - 4, actors.end());

  auto is_rights = [](const AdminViolation& v) {
    return v.kind == AdminViolationKind::NotPermitted || v.kind == AdminViolationKind::ProjectNotHeld ||
           v.kind == AdminViolationKind::NotFound;
  };
  std::size_t checked = 0, refused = 0;
  auto agree = [&](const std::vector<AdminViolation>& v, const Decision& d, const std::string& what) {
    const auto first = std::find_if(v.begin(), v.end(), is_rights);
    ++checked;
    refused += !d.allowed();
    EXPECT_EQ(first != v.end(), !d.allowed()) << what << ": " << d.reason;
    EXPECT_EQ(d.reason.find(", may"), std::string::npos) << what << ": " << d.reason;  // no stray comma
    if (first != v.end() && first->kind != AdminViolationKind::NotFound && !d.allowed()) {
      EXPECT_EQ(first->rule, d.rule) << what;
      EXPECT_EQ(first->nearest, d.nearest) << what;
      EXPECT_EQ(first->nearest_rule, d.nearest_rule) << what;
    }
  };
  const std::vector<std::optional<UserType>> types = {std::nullopt, UserType::Plus, UserType::Standard, UserType::Light,
                                                      UserType::Reader};
  for (const User& actor : actors) {
    const std::string who = actor.full_name;
    // Creation: every combination of types on P and Q, with and without the flag, in both municipalities.
    for (MunicipalityId m : {kHome, kOther})
      for (const auto& tp : types)
        for (const auto& tq : types)
          for (bool flag : {false, true}) {
            User u = proposed("fresh@kommune.dk", {});
            u.municipality = m;
            u.administrator = flag;
            if (tp) u.memberships.push_back({kP, *tp});
            if (tq) u.memberships.push_back({kQ, *tq});
            agree(validate_create_user(rights, actor, u, all, projects),
                  rights.decide(actor, Action::CreateUser, Target::of(u), projects), who + " creates");
          }
    for (const User& target : all) {
      const std::string on = who + " -> " + target.full_name;
      for (ProjectId p : {kP, kQ}) {
        const Decision assign = rights.decide(actor, Action::AssignUserType, Target::of(target, p), projects);
        for (const auto& t : types)
          if (t) agree(validate_set_user_type(rights, actor, target, p, *t, all, projects), assign, on + " set type");
        agree(validate_remove_project(rights, actor, target, p, all, projects), assign, on + " remove");
      }
      agree(validate_delete_user(rights, actor, target, all, projects),
            rights.decide(actor, Action::DeleteUser, Target::of(target), projects), on + " delete");
      const Decision edit = rights.decide(actor, Action::EditUser, Target::of(target), projects);
      agree(validate_edit_details(rights, actor, target, "Nyt Navn", target.organisation, target.email, all, projects),
            edit, on + " rename");
      agree(validate_edit_details(rights, actor, target, target.full_name, target.organisation, target.email, all,
                                  projects),
            edit, on + " same details");
      const Decision grant = rights.decide(actor, Action::GrantAdministrator, Target::of(target), projects);
      for (bool flag : {false, true})
        agree(validate_set_administrator(rights, actor, target, flag, all, projects), grant, on + " flag");
      agree(validate_reset_password(rights, actor, target, projects),
            rights.decide(actor, Action::ResetPassword, Target::of(target), projects), on + " password");
    }
  }
  EXPECT_GT(checked, 2000u);
  EXPECT_GT(refused, checked / 4);
  EXPECT_LT(refused, checked);
}

// The invariants alone, as stores check them under their write lock.
TEST_F(Fixture, InvariantsHoldWhoeverWrites) {
  std::vector<const User*> ptrs;
  for (const User& u : users) ptrs.push_back(&u);
  User demoted = admin();
  demoted.administrator = false;
  EXPECT_EQ(kinds(invariant_violations(admin(), demoted, ptrs, projects)),
            std::vector{AdminViolationKind::LastAdministrator});
  EXPECT_EQ(kinds(invariant_violations(admin(), std::nullopt, ptrs, projects)),
            std::vector{AdminViolationKind::LastAdministrator});
  // Moving the last Administrator to another municipality takes them away too.
  User moved = admin();
  moved.municipality = kOther;
  EXPECT_EQ(kinds(invariant_violations(admin(), moved, ptrs, projects)),
            std::vector{AdminViolationKind::LastAdministrator});
  User reader_now = plus_q();
  reader_now.memberships = {{kQ, UserType::Reader}};
  const auto v = invariant_violations(plus_q(), reader_now, ptrs, projects);
  ASSERT_EQ(kinds(v), std::vector{AdminViolationKind::LastPlusbruger});
  EXPECT_EQ(v[0].message,
            "'Qasim Plus' is the last Plusbruger of project Sygedagpenge in municipality 101; every "
            "project keeps at least one Plusbruger per municipality");
  EXPECT_TRUE(invariant_violations(std::nullopt, admin(), ptrs, projects).empty());
  EXPECT_TRUE(invariant_violations(light(), std::nullopt, ptrs, projects).empty());
}

}  // namespace
}  // namespace klik
