// The rights model of the manual's Tabel 2 ("Brugertyper og rettigheder") as a table test. Every expected value below
// is written out by hand from the manual's matrix and prose (docs/rights.md), never computed by the code under test.
// Legend: 'Y' allowed, 'n' denied (visible but refused),
// '-' not found (the object is not visible to the actor: "not found", docs/rights.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "klik/error.hpp"
#include "klik/rights.hpp"
#include "klik/synthetic.hpp"

namespace klik {
namespace {

constexpr MunicipalityId kHome{101};
constexpr MunicipalityId kOther{851};
constexpr ProjectId kP{1};
constexpr ProjectId kQ{2};
constexpr UserId kActor{10};
constexpr UserId kSomeoneElse{99};

const std::vector<Project>& projects() {
  static const std::vector<Project> p = [] {
    std::vector<Project> v(2);
    v[0].id = kP;
    v[0].name = "Ydelsesrefusion";
    v[1].id = kQ;
    v[1].name = "Sygedagpenge";
    return v;
  }();
  return p;
}

User municipality_user(std::optional<UserType> type_on_p, bool admin = false, ProjectId project = kP,
                       MunicipalityId m = kHome, UserId id = kActor) {
  User u;
  u.id = id;
  u.email = "u" + std::to_string(id.value()) + "@kommune.dk";
  u.full_name = "User " + std::to_string(id.value());
  u.side = Side::Municipality;
  u.municipality = m;
  u.administrator = admin;
  if (type_on_p) u.memberships.push_back({project, *type_on_p});
  return u;
}

User kombit_user(bool admin, bool manages_p, UserId id = kActor) {
  User u;
  u.id = id;
  u.email = "k" + std::to_string(id.value()) + "@kombit.dk";
  u.side = Side::Kombit;
  u.administrator = admin;
  if (manages_p) u.memberships.push_back({kP, UserType::Standard});
  return u;
}

enum class Assign { Responsible, Performer, Neither };

TaskFacts klik_task(Assign a, MunicipalityId m = kHome, TaskStatus status = TaskStatus::NotStarted) {
  TaskFacts f;
  f.id = TaskId{500};
  f.municipality = m;
  f.project = kP;
  f.status = status;
  f.responsible = kSomeoneElse;
  f.performer = kSomeoneElse;
  if (a == Assign::Responsible) f.responsible = kActor;
  if (a == Assign::Performer) f.performer = kActor;
  return f;
}

char symbol(const Decision& d) {
  switch (d.outcome) {
    case Outcome::Allowed:
      return 'Y';
    case Outcome::Denied:
      return 'n';
    case Outcome::NotFound:
      return '-';
  }
  return '?';
}

const std::vector<Action> kTaskActions = {Action::ViewTask,          Action::ExportTask,   Action::ViewInternalNotes,
                                          Action::EditInternalNotes, Action::BeAssigned,   Action::EditResponsible,
                                          Action::EditPerformer,     Action::EditStatus,   Action::SetNotActive,
                                          Action::AddFile,           Action::DeleteFile,   Action::WriteMessage,
                                          Action::CreateLocalTask,   Action::EditLocalTask};

// Rows follow kTaskActions. Columns: for each actor (Plus, Standard, Light,
// Reader, Administrator without a type on the project) the task has the actor
// as responsible, as performer, or neither: "RPN RPN RPN RPN RPN".
// A KLIK task of the actor's municipality, on a project the actor is a member of.
const std::vector<std::string> kMemberSameMunicipality = {
    // Plus Std  Light Read Admin
    "YYY YYY YY- YYY ---",  // view_task
    "YYY YYY YY- YYY ---",  // export_task
    "YYY YYY YY- YYY ---",  // view_internal_notes
    "YYY YYY YY- nnn ---",  // edit_internal_notes
    "YYY YYY YYY nnn nnn",  // be_assigned
    "YYY YYn YY- nnn ---",  // edit_responsible
    "YYY YYn YY- nnn ---",  // edit_performer
    "YYY YYn YY- nnn ---",  // edit_status
    "nnn nnn nn- nnn ---",  // set_not_active (KOMBIT's alone)
    "YYY YYn YY- nnn ---",  // add_file
    "YYY YYn YY- nnn ---",  // delete_file
    "YYY YYn YY- nnn ---",  // write_message
    "YYY nnn nn- nnn ---",  // create_local_task
    "nnn nnn nn- nnn ---",  // edit_local_task (this is not a local task)
};
// The actor holds the type on another project (not a member of the task's project).
const std::vector<std::string> kNotMemberSameMunicipality = {
    "--- --- --- --- ---",  // view_task
    "--- --- --- --- ---",  // export_task
    "--- --- --- --- ---",  // view_internal_notes
    "--- --- --- --- ---",  // edit_internal_notes
    "nnn nnn nnn nnn nnn",  // be_assigned: visible question, but no type on the project
    "--- --- --- --- ---",  // edit_responsible
    "--- --- --- --- ---",  // edit_performer
    "--- --- --- --- ---",  // edit_status
    "--- --- --- --- ---",  // set_not_active
    "--- --- --- --- ---",  // add_file
    "--- --- --- --- ---",  // delete_file
    "--- --- --- --- ---",  // write_message
    "--- --- --- --- ---",  // create_local_task
    "--- --- --- --- ---",  // edit_local_task
};
// Another municipality's task: never anything, and never "forbidden" (not found).
const std::string kOtherMunicipalityRow = "--- --- --- --- ---";

struct Actor {
  std::optional<UserType> type;
  bool admin;
};
const Actor kActors[] = {{UserType::Plus, false},
                         {UserType::Standard, false},
                         {UserType::Light, false},
                         {UserType::Reader, false},
                         {std::nullopt, true}};
const Assign kAssigns[] = {Assign::Responsible, Assign::Performer, Assign::Neither};

TEST(RightsMatrix, WholeTaskMatrixOfSpec41) {
  const RightsModel& rights = RightsModel::default_model();
  int checked = 0;
  for (bool member : {true, false}) {
    for (bool same : {true, false}) {
      for (std::size_t row = 0; row < kTaskActions.size(); ++row) {
        const Action action = kTaskActions[row];
        const std::string& expected_row = !same    ? kOtherMunicipalityRow
                                          : member ? kMemberSameMunicipality[row]
                                                   : kNotMemberSameMunicipality[row];
        std::size_t col = 0;
        for (const Actor& a : kActors) {
          for (Assign as : kAssigns) {
            while (expected_row[col] == ' ') ++col;
            const char expected = expected_row[col++];
            const User actor = municipality_user(a.type, a.admin, member ? kP : kQ);
            const TaskFacts task = klik_task(as, same ? kHome : kOther);
            const Decision d = rights.decide(actor, action, task, projects());
            EXPECT_EQ(symbol(d), expected)
                << code(action) << " type=" << (a.type ? code(*a.type) : "admin") << " assign=" << int(as)
                << " member=" << member << " same=" << same << " reason=" << d.reason;
            EXPECT_EQ(rights.allows(actor, action, task), expected == 'Y');
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 14 * 15 * 4);
}

TEST(RightsMatrix, AdministratorFlagAddsNoTaskRights) {
  // An Administrator who is Light-bruger on the project has exactly Light's rights.
  const RightsModel& rights = RightsModel::default_model();
  const User admin_light = municipality_user(UserType::Light, true);
  const User light = municipality_user(UserType::Light, false);
  for (Action a : kTaskActions)
    for (Assign as : kAssigns)
      EXPECT_EQ(rights.allows(admin_light, a, klik_task(as)), rights.allows(light, a, klik_task(as))) << code(a);
  EXPECT_FALSE(rights.allows(admin_light, Action::EditStatus, klik_task(Assign::Neither)));
}

// KOMBIT: columns are a KOMBIT user who manages no project, the implementation
// manager of the task's project, the KOMBIT administrator. The task's
// municipality makes no difference (KOMBIT sees all municipalities).
const std::vector<std::string> kKombitKlikTask = {
    "YYY",  // view_task
    "YYY",  // export_task
    "nnn",  // view_internal_notes: never
    "nnn",  // edit_internal_notes: never
    "nnn",  // be_assigned
    "nnn",  // edit_responsible
    "nnn",  // edit_performer
    "nnn",  // edit_status
    "nYY",  // set_not_active: managers on their projects, the administrator everywhere
    "nnn",  // add_file
    "nYY",  // delete_file (KOMBIT removes files with personal data)
    "nYY",  // write_message
    "nnn",  // create_local_task
    "nnn",  // edit_local_task
};

TEST(RightsMatrix, KombitOnKlikTasksOfEveryMunicipality) {
  const RightsModel& rights = RightsModel::default_model();
  const User kombit[] = {kombit_user(false, false), kombit_user(false, true), kombit_user(true, false)};
  for (MunicipalityId m : {kHome, kOther}) {
    for (std::size_t row = 0; row < kTaskActions.size(); ++row) {
      for (std::size_t col = 0; col < 3; ++col) {
        const Decision d = rights.decide(kombit[col], kTaskActions[row], klik_task(Assign::Neither, m), projects());
        EXPECT_EQ(symbol(d), kKombitKlikTask[row][col]) << code(kTaskActions[row]) << " col=" << col << " " << d.reason;
      }
    }
  }
}

TEST(RightsMatrix, KombitNeverSeesLocalTasks) {
  const RightsModel& rights = RightsModel::default_model();
  TaskFacts local = klik_task(Assign::Neither);
  local.local = true;
  local.local_id = LocalTaskId{7};
  for (const User& k : {kombit_user(false, false), kombit_user(false, true), kombit_user(true, true)})
    for (Action a : kTaskActions) {
      const Decision d = rights.decide(k, a, local, projects());
      EXPECT_EQ(symbol(d), '-') << code(a);
      EXPECT_EQ(d.reason, "local task not found");
    }
}

// Local tasks follow the parent's project (docs/rights.md). Columns: Plus (neither),
// Light responsible of the local task, Light responsible of the parent only,
// Light neither, Reader neither.
const std::vector<std::string> kLocalTask = {
    "YYY-Y",  // view_task
    "YYY-Y",  // export_task
    "nnn-n",  // view_internal_notes (notes belong to KLIK tasks)
    "nnn-n",  // edit_internal_notes
    "YYYYn",  // be_assigned
    "YYn-n",  // edit_responsible: its own people work it
    "YYn-n",  // edit_performer
    "YYn-n",  // edit_status
    "nnn-n",  // set_not_active
    "nnn-n",  // add_file (files belong to KLIK tasks)
    "nnn-n",  // delete_file
    "nnn-n",  // write_message (messages go to KOMBIT)
    "nnn-n",  // create_local_task (not under a local task)
    "Ynn-n",  // edit_local_task: Plusbruger
};

TEST(RightsMatrix, LocalTasksFollowTheParentsProject) {
  const RightsModel& rights = RightsModel::default_model();
  auto local = [](bool own, bool parent) {
    TaskFacts f = klik_task(Assign::Neither);
    f.local = true;
    f.local_id = LocalTaskId{7};
    f.responsible = own ? std::optional<UserId>(kActor) : std::nullopt;
    f.performer.reset();
    f.parent_responsible = parent ? std::optional<UserId>(kActor) : std::optional<UserId>(kSomeoneElse);
    return f;
  };
  struct Case {
    User actor;
    TaskFacts task;
  };
  const Case cases[] = {
      {municipality_user(UserType::Plus), local(false, false)},
      {municipality_user(UserType::Light), local(true, false)},
      {municipality_user(UserType::Light), local(false, true)},
      {municipality_user(UserType::Light), local(false, false)},
      {municipality_user(UserType::Reader), local(false, false)},
  };
  for (std::size_t row = 0; row < kTaskActions.size(); ++row)
    for (std::size_t col = 0; col < 5; ++col) {
      const Decision d = rights.decide(cases[col].actor, kTaskActions[row], cases[col].task, projects());
      EXPECT_EQ(symbol(d), kLocalTask[row][col]) << code(kTaskActions[row]) << " col=" << col << " " << d.reason;
    }
}

TEST(RightsMatrix, OnlyKombitTouchesNotActive) {
  const RightsModel& rights = RightsModel::default_model();
  const TaskFacts inactive = klik_task(Assign::Responsible, kHome, TaskStatus::NotActive);
  for (UserType t : {UserType::Plus, UserType::Standard, UserType::Light}) {
    const User u = municipality_user(t);
    EXPECT_TRUE(rights.allows(u, Action::ViewTask, inactive));
    EXPECT_FALSE(rights.allows(u, Action::EditStatus, inactive)) << code(t);
    EXPECT_FALSE(rights.allows(u, Action::SetNotActive, inactive)) << code(t);
  }
  const Decision d = rights.decide(municipality_user(UserType::Plus), Action::EditStatus, inactive, projects());
  EXPECT_EQ(d.reason,
            "Plusbruger on project Ydelsesrefusion may change status only while the task is active (not Ikke aktiv)");
  EXPECT_TRUE(rights.allows(kombit_user(false, true), Action::SetNotActive, inactive));
}

// Global actions. Columns: Administrator without projects, Plus, Standard,
// Light, Reader, a user without projects, a KOMBIT user.
const std::vector<std::pair<Action, std::string>> kGlobal = {
    {Action::ViewTaskList, "YYYYYYY"},
    {Action::ViewProjectList, "nYYYnnY"},
    {Action::ViewUserManagement, "YYYYYYn"},
    {Action::OwnProfile, "YYYYYYY"},
};

TEST(RightsMatrix, MenusAndProfile) {
  const RightsModel& rights = RightsModel::default_model();
  const User actors[] = {municipality_user(std::nullopt, true),
                         municipality_user(UserType::Plus),
                         municipality_user(UserType::Standard),
                         municipality_user(UserType::Light),
                         municipality_user(UserType::Reader),
                         municipality_user(std::nullopt, false),
                         kombit_user(false, false)};
  for (const auto& [action, row] : kGlobal)
    for (std::size_t col = 0; col < 7; ++col)
      EXPECT_EQ(symbol(rights.decide(actors[col], action)), row[col]) << code(action) << " col=" << col;
}

// User actions. Actors: Administrator (no projects), then Plus, Standard, Light,
// Reader on P. Targets: a user of the same municipality on P, one of the same
// municipality only on Q, one of another municipality on P.
struct UserRow {
  Action action;
  std::optional<ProjectId> project;
  std::string shares, not_shares, other;
};
const std::vector<UserRow> kUserRows = {
    {Action::ViewUser, std::nullopt, "YYYYY", "YYYYY", "-----"},
    // Creating a user with a type on Q needs assign_user_type on Q (issue 9: decide agrees with the validators).
    {Action::CreateUser, std::nullopt, "YYnnn", "Ynnnn", "nnnnn"},
    {Action::DeleteUser, std::nullopt, "Ynnnn", "Ynnnn", "-----"},
    {Action::EditUser, std::nullopt, "YYnnn", "Ynnnn", "-----"},
    // A Plusbruger assigns types only to users of their projects (manual: "Administrér eksisterende brugere"), under
    // assign_user_type's own rule.
    {Action::AssignUserType, kP, "YYnnn", "Ynnnn", "-----"},
    {Action::AssignUserType, kQ, "Ynnnn", "Ynnnn", "-----"},
    {Action::GrantAdministrator, std::nullopt, "Ynnnn", "Ynnnn", "-----"},
    {Action::ResetPassword, std::nullopt, "YYnnn", "Ynnnn", "-----"},
};

TEST(RightsMatrix, UserAdministration) {
  const RightsModel& rights = RightsModel::default_model();
  const User actors[] = {municipality_user(std::nullopt, true), municipality_user(UserType::Plus),
                         municipality_user(UserType::Standard), municipality_user(UserType::Light),
                         municipality_user(UserType::Reader)};
  const User shares = municipality_user(UserType::Light, false, kP, kHome, UserId{20});
  const User not_shares = municipality_user(UserType::Light, false, kQ, kHome, UserId{21});
  const User other = municipality_user(UserType::Light, false, kP, kOther, UserId{22});
  for (const UserRow& row : kUserRows)
    for (std::size_t col = 0; col < 5; ++col) {
      EXPECT_EQ(symbol(rights.decide(actors[col], row.action, Target::of(shares, row.project))), row.shares[col])
          << code(row.action) << " shares col=" << col;
      EXPECT_EQ(symbol(rights.decide(actors[col], row.action, Target::of(not_shares, row.project))),
                row.not_shares[col])
          << code(row.action) << " not_shares col=" << col;
      EXPECT_EQ(symbol(rights.decide(actors[col], row.action, Target::of(other, row.project))), row.other[col])
          << code(row.action) << " other col=" << col;
    }
}

TEST(RightsExplanations, GrantNamesRuleTypeAndProject) {
  const RightsModel& rights = RightsModel::default_model();
  const Decision d =
      rights.decide(municipality_user(UserType::Light), Action::EditStatus, klik_task(Assign::Performer), projects());
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(d.rule, "assigned_edit_status");
  EXPECT_EQ(d.reason,
            "Light-bruger on project Ydelsesrefusion may change status where they are responsible or performer "
            "while the task is active");
}

TEST(RightsExplanations, DenialSaysOnlyWhenResponsibleOrPerformer) {
  const RightsModel& rights = RightsModel::default_model();
  // A Light-bruger sees a local task through its parent, but may not work it.
  TaskFacts f = klik_task(Assign::Neither);
  f.local = true;
  f.responsible.reset();
  f.performer.reset();
  f.parent_responsible = kActor;
  const Decision d = rights.decide(municipality_user(UserType::Light), Action::EditStatus, f, projects());
  EXPECT_EQ(d.outcome, Outcome::Denied);
  EXPECT_EQ(d.reason,
            "Light-bruger on project Ydelsesrefusion may change status only on tasks where they are responsible or "
            "performer");
  EXPECT_EQ(d.nearest, "allowed if responsible or performer");
  EXPECT_EQ(d.nearest_rule, "assigned_edit_status");
}

TEST(RightsExplanations, DenialSaysAllowedAsPlusbruger) {
  const RightsModel& rights = RightsModel::default_model();
  const Decision d =
      rights.decide(municipality_user(UserType::Reader), Action::EditStatus, klik_task(Assign::Neither), projects());
  EXPECT_EQ(d.outcome, Outcome::Denied);
  EXPECT_EQ(d.rule, "default_deny");
  EXPECT_EQ(d.nearest, "allowed as Plusbruger");
  EXPECT_EQ(d.nearest_rule, "plus_edit_status");
  EXPECT_EQ(d.reason, "Læser on project Ydelsesrefusion may not change status; allowed as Plusbruger");
}

TEST(RightsExplanations, OtherMunicipalityIsNotFoundAndNamesNothing) {
  const RightsModel& rights = RightsModel::default_model();
  const Decision d = rights.decide(municipality_user(UserType::Plus), Action::EditStatus,
                                   klik_task(Assign::Neither, kOther), projects());
  EXPECT_EQ(d.outcome, Outcome::NotFound);
  EXPECT_FALSE(d.visible());
  EXPECT_EQ(d.reason, "task not found");
  EXPECT_EQ(d.rule, "not_visible");
  EXPECT_TRUE(d.nearest.empty());
  // The same words as for a task of the own municipality that the user may not see.
  const Decision own =
      rights.decide(municipality_user(UserType::Light), Action::EditStatus, klik_task(Assign::Neither), projects());
  EXPECT_EQ(own.reason, d.reason);
  EXPECT_EQ(own.rule, d.rule);
}

TEST(RightsExplanations, RequireThrowsNotFoundOrPermissionDenied) {
  const RightsModel& rights = RightsModel::default_model();
  EXPECT_THROW(
      require(rights.decide(municipality_user(UserType::Plus), Action::ViewTask, klik_task(Assign::Neither, kOther))),
      NotFoundError);
  try {
    require(rights.decide(municipality_user(UserType::Reader), Action::EditStatus, klik_task(Assign::Neither)));
    FAIL() << "expected PermissionDeniedError";
  } catch (const PermissionDeniedError& e) {
    EXPECT_EQ(e.code(), ErrorCode::PermissionDenied);
    EXPECT_EQ(e.rule(), "default_deny");
    EXPECT_EQ(e.nearest(), "allowed as Plusbruger");
  }
  EXPECT_NO_THROW(
      require(rights.decide(municipality_user(UserType::Plus), Action::EditStatus, klik_task(Assign::Neither))));
}

TEST(RightsTargets, WrongTargetIsAnError) {
  const RightsModel& rights = RightsModel::default_model();
  const User u = municipality_user(UserType::Plus);
  EXPECT_THROW((void)rights.decide(u, Action::EditStatus), InvalidArgumentError);
  EXPECT_THROW((void)rights.decide(u, Action::AssignUserType, Target::of(u)), InvalidArgumentError);
}

TEST(RightsCapabilities, PlusLightAdminKombit) {
  const RightsModel& rights = RightsModel::default_model();
  const Capabilities plus = rights.capabilities(municipality_user(UserType::Plus));
  EXPECT_TRUE(plus.task_list);
  EXPECT_TRUE(plus.project_list);
  EXPECT_TRUE(plus.user_management);
  EXPECT_TRUE(plus.create_users);
  EXPECT_FALSE(plus.delete_users);
  EXPECT_FALSE(plus.grant_administrator);
  EXPECT_FALSE(plus.assign_in_all_projects);
  EXPECT_EQ(plus.assign_projects, std::vector<ProjectId>{kP});
  EXPECT_EQ(plus.local_task_projects, std::vector<ProjectId>{kP});

  const Capabilities light = rights.capabilities(municipality_user(UserType::Light));
  EXPECT_TRUE(light.project_list);
  EXPECT_FALSE(light.create_users);
  EXPECT_TRUE(light.local_task_projects.empty());

  const Capabilities reader = rights.capabilities(municipality_user(UserType::Reader));
  EXPECT_FALSE(reader.project_list);
  EXPECT_TRUE(reader.user_management);

  const Capabilities admin = rights.capabilities(municipality_user(std::nullopt, true));
  EXPECT_TRUE(admin.create_users);
  EXPECT_TRUE(admin.delete_users);
  EXPECT_TRUE(admin.grant_administrator);
  EXPECT_TRUE(admin.assign_in_all_projects);
  EXPECT_FALSE(admin.project_list);

  const Capabilities manager = rights.capabilities(kombit_user(false, true));
  EXPECT_TRUE(manager.all_municipalities);
  EXPECT_FALSE(manager.user_management);
  EXPECT_EQ(manager.not_active_projects, std::vector<ProjectId>{kP});
  EXPECT_FALSE(manager.not_active_all_projects);
  EXPECT_TRUE(rights.capabilities(kombit_user(true, false)).not_active_all_projects);
}

TEST(RightsScope, ShapesForPlusLightReaderKombit) {
  const RightsModel& rights = RightsModel::default_model();
  User u = municipality_user(UserType::Plus);
  u.memberships.push_back({kQ, UserType::Light});
  const TaskScope s = rights.task_scope(u);
  EXPECT_EQ(s.side, Side::Municipality);
  EXPECT_EQ(s.municipality, kHome);
  EXPECT_EQ(s.all_tasks, std::vector<ProjectId>{kP});
  EXPECT_EQ(s.assigned_only, std::vector<ProjectId>{kQ});
  EXPECT_FALSE(s.all_projects);
  EXPECT_TRUE(s.local_tasks);

  const TaskScope k = rights.task_scope(kombit_user(false, true));
  EXPECT_EQ(k.side, Side::Kombit);
  EXPECT_TRUE(k.all_projects);
  EXPECT_FALSE(k.local_tasks);
  EXPECT_FALSE(k.municipality.has_value());

  const TaskScope admin = rights.task_scope(municipality_user(std::nullopt, true));
  EXPECT_TRUE(admin.all_tasks.empty());
  EXPECT_TRUE(admin.assigned_only.empty());
}

TEST(RightsFieldRights, PadlocksForAPage) {
  const RightsModel& rights = RightsModel::default_model();
  const std::vector<TaskFacts> page = {klik_task(Assign::Responsible), klik_task(Assign::Neither),
                                       klik_task(Assign::Neither, kOther)};
  const auto padlocks = rights.field_rights(municipality_user(UserType::Standard), page);
  ASSERT_EQ(padlocks.size(), 3u);
  EXPECT_TRUE(padlocks[0].visible);
  EXPECT_TRUE(padlocks[0].can(Action::EditStatus));
  EXPECT_TRUE(padlocks[0].can(Action::EditResponsible));
  EXPECT_FALSE(padlocks[0].can(Action::SetNotActive));
  EXPECT_TRUE(padlocks[1].visible);
  EXPECT_FALSE(padlocks[1].can(Action::EditStatus));
  EXPECT_TRUE(padlocks[1].can(Action::EditInternalNotes));
  EXPECT_FALSE(padlocks[2].visible);
  EXPECT_EQ(padlocks[2].mask, 0u);
}

TEST(RightsWhoCan, AssigneePicker) {
  const RightsModel& rights = RightsModel::default_model();
  const std::vector<User> users = {
      municipality_user(UserType::Plus, false, kP, kHome, UserId{1}),
      municipality_user(UserType::Reader, false, kP, kHome, UserId{2}),
      municipality_user(UserType::Light, false, kP, kHome, UserId{3}),
      municipality_user(UserType::Light, false, kP, kOther, UserId{4}),
      municipality_user(UserType::Standard, false, kQ, kHome, UserId{5}),
      kombit_user(true, false, UserId{6}),
  };
  const TaskFacts task = klik_task(Assign::Neither);
  const auto grants = rights.who_can(Action::BeAssigned, Target::of(task), users, projects());
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_EQ(grants[0].user, UserId{1});
  EXPECT_EQ(grants[1].user, UserId{3});
  EXPECT_EQ(grants[1].rule, "assignable");
  EXPECT_EQ(grants[1].reason, "Light-bruger on project Ydelsesrefusion may be made responsible or performer");
}

// --- loading models ---

TEST(RightsModelJson, DefaultRoundTrips) {
  const RightsModel& d = RightsModel::default_model();
  const RightsModel again = RightsModel::from_json(d.to_json());
  EXPECT_EQ(again.name(), d.name());
  ASSERT_EQ(again.rules().size(), d.rules().size());
  for (std::size_t i = 0; i < d.rules().size(); ++i) EXPECT_EQ(again.rules()[i], d.rules()[i]);
}

std::string one_rule(const std::string& rule) { return R"({"name": "test", "version": 2, "rules": [)" + rule + "]}"; }

void expect_invalid(const std::string& text, const std::string& fragment) {
  try {
    (void)RightsModel::from_json(text);
    FAIL() << "expected InvalidArgumentError containing " << fragment;
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(RightsModelJson, UnknownNamesAreErrorsThatNameThem) {
  expect_invalid(one_rule(R"({"id": "r", "actions": ["fly"], "party": "municipality", "who": ["plus"]})"),
                 "/rules/0/actions/0: unknown action \"fly\"");
  expect_invalid(one_rule(R"({"id": "r", "actions": ["view_task"], "party": "municipality", "who": ["boss"]})"),
                 "/rules/0/who/0: unknown user type \"boss\"");
  expect_invalid(one_rule(R"({"id": "r", "actions": ["view_task"], "party": "municipality", "who": ["plus"],
                              "conditions": ["full_moon"]})"),
                 "/rules/0/conditions/0: unknown condition \"full_moon\"");
  expect_invalid(one_rule(R"({"id": "r", "actions": ["view_task"], "party": "county", "who": ["plus"]})"),
                 "unknown party \"county\"");
  expect_invalid(one_rule(R"({"id": "r", "actions": ["view_task"], "party": "municipality", "who": ["plus"],
                              "effect": "deny"})"),
                 "effect");
}

TEST(RightsModelJson, BoundariesCannotBeOpened) {
  expect_invalid(one_rule(R"({"id": "r", "actions": ["set_not_active"], "party": "municipality", "who": ["plus"]})"),
                 "KOMBIT's alone");
  expect_invalid(one_rule(R"({"id": "r", "actions": ["view_internal_notes"], "party": "kombit", "who": ["any"]})"),
                 "never be granted to KOMBIT");
  expect_invalid(one_rule(R"({"id": "r", "actions": ["edit_status"], "party": "municipality", "who": ["plus"],
                              "conditions": ["target_is_self"]})"),
                 "does not apply to action 'edit_status'");
}

TEST(RightsModelJson, ChangedModelIsUsed) {
  // KOMBIT changes its mind: Læser may now write messages on every task of their projects.
  const RightsModel m = RightsModel::from_json(one_rule(
      R"({"id": "member_view", "actions": ["view_task"], "party": "municipality", "who": ["reader"]},
         {"id": "reader_messages", "actions": ["write_message"], "party": "municipality", "who": ["reader"],
          "conditions": ["same_municipality", "not_local_task"]})"));
  const Decision d =
      m.decide(municipality_user(UserType::Reader), Action::WriteMessage, klik_task(Assign::Neither), projects());
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(d.rule, "reader_messages");
  EXPECT_FALSE(m.allows(municipality_user(UserType::Plus), Action::WriteMessage, klik_task(Assign::Neither)));
  EXPECT_FALSE(RightsModel::default_model().allows(municipality_user(UserType::Reader), Action::WriteMessage,
                                                   klik_task(Assign::Neither)));
}

TEST(RightsActions, CodesRoundTrip) {
  EXPECT_EQ(all_actions().size(), action_count);
  for (Action a : all_actions()) EXPECT_EQ(parse_action(code(a)), a);
  EXPECT_EQ(code(Action::EditStatus), "edit_status");
  EXPECT_THROW((void)parse_action("edit_everything"), InvalidArgumentError);
}

TEST(RightsFacts, FactIndexTakesTheProjectFromTheTemplateAndTheParent) {
  synthetic::Options o;
  o.municipalities = 2;
  o.scale = 0.25;
  o.local_task_share = 0.2;
  o.content = false;
  const Dataset d = synthetic::generate(o);
  ASSERT_FALSE(d.local_tasks.empty());
  const FactIndex index(d);
  const Task& t = d.tasks.back();
  const TaskFacts f = index.task(t.id);
  EXPECT_EQ(f.id, t.id);
  EXPECT_EQ(f.municipality, t.municipality);
  EXPECT_EQ(f.project, index.project_of(t.template_id));
  EXPECT_EQ(f.responsible, t.responsible);
  EXPECT_FALSE(f.local);
  const LocalTask& l = d.local_tasks.front();
  const TaskFacts lf = index.local_task(l.id);
  const TaskFacts parent = index.task(l.parent);
  EXPECT_TRUE(lf.local);
  EXPECT_EQ(lf.local_id, l.id);
  EXPECT_EQ(lf.id, l.parent);
  EXPECT_EQ(lf.project, parent.project);
  EXPECT_EQ(lf.responsible, l.responsible);
  EXPECT_EQ(lf.parent_responsible, parent.responsible);
  EXPECT_EQ(index.all_tasks().size(), d.tasks.size() + d.local_tasks.size());
  EXPECT_THROW((void)index.task(TaskId{4000000000u}), NotFoundError);
  EXPECT_THROW((void)index.user(UserId{4000000000u}), NotFoundError);
}

TEST(RightsThreads, OneModelSharedByManyThreads) {
  const RightsModel rights = RightsModel::default_model();  // a copy shares the same tables
  const User light = municipality_user(UserType::Light);
  std::vector<int> allowed(4, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < 20000; ++k) {
        const TaskFacts f = klik_task(k % 2 ? Assign::Responsible : Assign::Neither);
        allowed[static_cast<std::size_t>(i)] += rights.decide(light, Action::EditStatus, f).allowed() ? 1 : 0;
      }
    });
  for (auto& t : threads) t.join();
  for (int a : allowed) EXPECT_EQ(a, 10000);
}

// Issue 9: the not-found of decide() (an object the actor may not see) and the one
// of a lookup by an id that exists nowhere are the same bytes, for every kind.
TEST(NotFound, DecideAndLookupsSayTheSameForEveryKind) {
  synthetic::Options o;
  o.municipalities = 2;
  o.scale = 0.1;
  o.local_task_share = 0.05;
  const Dataset d = synthetic::generate(o);
  const FactIndex index(d);
  const RightsModel& rights = RightsModel::default_model();
  const MunicipalityId home = d.municipalities[0].id;
  const User& actor = *std::find_if(d.users.begin(), d.users.end(),
                                    [&](const User& u) { return u.municipality == home && !u.memberships.empty(); });
  auto lookup = [](auto&& f) {
    try {
      f();
    } catch (const NotFoundError& e) {
      return std::string(e.what());
    }
    return std::string("found");
  };
  const auto task = std::find_if(d.tasks.begin(), d.tasks.end(), [&](const Task& t) { return t.municipality != home; });
  ASSERT_NE(task, d.tasks.end());
  EXPECT_EQ(rights.decide(actor, Action::ViewTask, index.task(task->id)).reason,
            lookup([&] { (void)index.task(TaskId(2'000'000'000)); }));
  const auto local = std::find_if(d.local_tasks.begin(), d.local_tasks.end(),
                                  [&](const LocalTask& l) { return l.municipality != home; });
  ASSERT_NE(local, d.local_tasks.end());
  EXPECT_EQ(rights.decide(actor, Action::ViewTask, index.local_task(local->id)).reason,
            lookup([&] { (void)index.local_task(LocalTaskId(2'000'000'000)); }));
  const auto user = std::find_if(d.users.begin(), d.users.end(),
                                 [&](const User& u) { return u.side == Side::Municipality && u.municipality != home; });
  ASSERT_NE(user, d.users.end());
  EXPECT_EQ(rights.decide(actor, Action::ViewUser, Target::of(*user)).reason,
            lookup([&] { (void)index.user(UserId(3'000'000)); }));
  EXPECT_EQ(lookup([&] { (void)index.project_of(TemplateId(3'000'000)); }), not_found_message(ObjectKind::Template));
  // The texts name no id and no place.
  EXPECT_EQ(not_found_message(ObjectKind::Task), "task not found");
  EXPECT_EQ(not_found_message(ObjectKind::User, "responsible"), "responsible: user not found");
}

}  // namespace
}  // namespace klik
