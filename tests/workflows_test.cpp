// Workflows: rights checked per field, tenancy as "not found", notifications
// routed by SPEC §5 and recorded with the change.
#include "klik/workflows.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "klik/outbox.hpp"
#include "klik/synthetic.hpp"

using namespace klik;

namespace {

struct Fixture : ::testing::Test {
  Dataset data;
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

}  // namespace

TEST_F(Fixture, LightUserChangesStatusOnlyOnTheirOwnTasks) {
  // a task whose responsible is a Light-bruger
  const Task* own = nullptr;
  for (const Task& t : data.tasks)
    if (t.responsible && user(*t.responsible).type_on(project_of(t)) == UserType::Light &&
        t.status == TaskStatus::NotStarted) {
      own = &t;
      break;
    }
  ASSERT_NE(own, nullptr);
  const UserId light = *own->responsible;
  const Task done = flows->change_task(light, {.task = own->id, .status = TaskStatus::Started});
  EXPECT_EQ(done.status, TaskStatus::Started);

  // a task of the same project and municipality that is not theirs: they cannot even see it
  const auto other = std::find_if(data.tasks.begin(), data.tasks.end(), [&](const Task& t) {
    return t.municipality == own->municipality && project_of(t) == project_of(*own) && t.responsible != light &&
           t.performer != light;
  });
  ASSERT_NE(other, data.tasks.end());
  EXPECT_THROW(flows->change_task(light, {.task = other->id, .status = TaskStatus::Started}), NotFoundError);
}

TEST_F(Fixture, RefusalsCarryTheDecision) {
  // A Læser sees every task of the project but may change nothing.
  const Task& t = data.tasks.front();
  const User* reader = find(t.municipality, project_of(t), UserType::Reader);
  ASSERT_NE(reader, nullptr);
  try {
    const TaskStatus other = t.status == TaskStatus::Completed ? TaskStatus::Started : TaskStatus::Completed;
    flows->change_task(reader->id, {.task = t.id, .status = other});
    FAIL() << "a Læser changed a status";
  } catch (const PermissionDeniedError& e) {
    EXPECT_NE(std::string(e.what()).find("Læser"), std::string::npos) << e.what();
    EXPECT_FALSE(e.rule().empty());
  }
  EXPECT_EQ(store->snapshot()->task(t.id)->status, t.status);
}

TEST_F(Fixture, AnotherMunicipalitysTaskIsNotFound) {
  const Task& t = data.tasks.front();
  const User* stranger = nullptr;
  for (const User& u : data.users)
    if (u.municipality && *u.municipality != t.municipality && u.type_on(project_of(t)) == UserType::Plus) stranger = &u;
  ASSERT_NE(stranger, nullptr);
  try {
    flows->change_task(stranger->id, {.task = t.id, .status = TaskStatus::Completed});
    FAIL();
  } catch (const NotFoundError& e) {
    EXPECT_EQ(std::string(e.what()).find(std::to_string(t.municipality.value())), std::string::npos)
        << "must not reveal whose task it is: " << e.what();
  }
}

TEST_F(Fixture, OnlyKombitSetsNotActive) {
  const auto t = std::find_if(data.tasks.begin(), data.tasks.end(),
                              [](const Task& x) { return x.status == TaskStatus::NotStarted; });
  const User* plus = find(t->municipality, project_of(*t), UserType::Plus);
  ASSERT_NE(plus, nullptr);
  EXPECT_THROW(flows->change_task(plus->id, {.task = t->id, .status = TaskStatus::NotActive}), PermissionDeniedError);
  EXPECT_EQ(flows->change_task(kombit_admin().id, {.task = t->id, .status = TaskStatus::NotActive}).status,
            TaskStatus::NotActive);
}

TEST_F(Fixture, AssigningNotifiesThatUserOnly) {
  const Task& t = data.tasks[5];
  const User* plus = find(t.municipality, project_of(t), UserType::Plus);
  const User* standard = find(t.municipality, project_of(t), UserType::Standard, t.responsible.value_or(UserId()));
  ASSERT_TRUE(plus && standard);
  const Task after = flows->change_task(plus->id, {.task = t.id, .responsible = standard->id});
  EXPECT_EQ(after.responsible, standard->id);
  const auto out = outbox();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event, "task.assigned");
  EXPECT_EQ(out[0].recipients, std::vector<UserId>{standard->id});
  EXPECT_EQ(out[0].link, "/tasks/" + std::to_string(t.id.value()));
  // clearing notifies nobody
  flows->change_task(plus->id, {.task = t.id, .responsible = std::optional<UserId>()});
  EXPECT_EQ(outbox().size(), 1u);
}

TEST_F(Fixture, OnlyAssignableUsersCanBeAssigned) {
  const Task& t = data.tasks[7];
  const User* plus = find(t.municipality, project_of(t), UserType::Plus);
  const User* reader = find(t.municipality, project_of(t), UserType::Reader);
  ASSERT_TRUE(plus && reader);
  EXPECT_THROW(flows->change_task(plus->id, {.task = t.id, .performer = reader->id}), InvalidArgumentError);
  const User* stranger = nullptr;
  for (const User& u : data.users)
    if (u.municipality && *u.municipality != t.municipality) stranger = &u;
  EXPECT_THROW(flows->change_task(plus->id, {.task = t.id, .performer = stranger->id}), NotFoundError);
  EXPECT_TRUE(outbox().empty());
}

TEST_F(Fixture, MessagesAreRoutedBySide) {
  const auto t = std::find_if(data.tasks.begin(), data.tasks.end(), [&](const Task& x) {
    return x.responsible && user(*x.responsible).type_on(project_of(x)) == UserType::Standard;
  });
  ASSERT_NE(t, data.tasks.end());
  const ProjectId p = project_of(*t);
  // municipality -> the project's KOMBIT mailbox
  const User* plus = find(t->municipality, p, UserType::Plus);
  flows->write_message(plus->id, t->id, "Vi har et spørgsmål.");
  auto out = outbox();
  ASSERT_EQ(out.size(), 1u);
  const auto project = std::find_if(data.projects.begin(), data.projects.end(), [&](const Project& x) { return x.id == p; });
  EXPECT_EQ(out[0].mailbox, project->contact_mail);
  EXPECT_TRUE(out[0].recipients.empty());
  // KOMBIT -> Plusbrugere always, the Standardbruger holding the task, never Readers
  flows->write_message(kombit_admin().id, t->id, "Hvordan går det?");
  out = outbox();
  ASSERT_EQ(out.size(), 2u);
  const auto& to = out[1].recipients;
  EXPECT_NE(std::find(to.begin(), to.end(), *t->responsible), to.end());
  for (const User& u : data.users) {
    if (u.municipality != t->municipality) {
      EXPECT_EQ(std::find(to.begin(), to.end(), u.id), to.end());
      continue;
    }
    const auto type = u.type_on(p);
    const bool holds = t->responsible == u.id || t->performer == u.id;
    const bool expected = type == UserType::Plus || (holds && (type == UserType::Standard || type == UserType::Light));
    EXPECT_EQ(std::find(to.begin(), to.end(), u.id) != to.end(), expected) << "user " << u.id.value();
  }
}

TEST_F(Fixture, WaveBroadcastReachesPlusAndStandardOfItsMunicipalities) {
  const RolloutWave& wave = data.waves.front();
  ASSERT_FALSE(wave.members.empty());
  flows->broadcast(kombit_admin().id, wave.project, wave.id, "Bølge 1 går i drift.");
  const auto out = outbox();
  ASSERT_EQ(out.size(), 1u);
  for (const User& u : data.users) {
    const bool in_wave = u.municipality && std::find(wave.members.begin(), wave.members.end(), *u.municipality) !=
                                               wave.members.end();
    const auto type = u.type_on(wave.project);
    const bool expected = in_wave && (type == UserType::Plus || type == UserType::Standard);
    EXPECT_EQ(std::find(out[0].recipients.begin(), out[0].recipients.end(), u.id) != out[0].recipients.end(), expected);
  }
  const User* plus = find(wave.members.front(), wave.project, UserType::Plus);
  EXPECT_THROW(flows->broadcast(plus->id, wave.project, std::nullopt, "x"), PermissionDeniedError);
}

TEST(Cpr, FindsRealDatesOnly) {
  EXPECT_EQ(find_cpr_number("Borger 010203-1234 har ringet"), 7u);
  EXPECT_EQ(find_cpr_number("290200-4321"), 0u);                            // 29 Feb 2000
  EXPECT_EQ(find_cpr_number("310299-1234"), std::string_view::npos);         // no 31 February
  EXPECT_EQ(find_cpr_number("sag 2025-000123-4567"), std::string_view::npos);  // part of a longer number
  EXPECT_EQ(find_cpr_number("tlf 12345678"), std::string_view::npos);
}

TEST_F(Fixture, FilesWithACprNumberAreRefusedBeforeTheyAreStored) {
  const auto t = std::find_if(data.tasks.begin(), data.tasks.end(), [](const Task& x) { return x.responsible.has_value(); });
  const UserId who = *t->responsible;
  EXPECT_THROW(flows->add_file(who, t->id, "liste.txt", "text/plain", "Navn: X, cpr 121280-1234\n"),
               InvalidArgumentError);
  EXPECT_TRUE(store->attachments(t->id).empty());
  const Attachment ok = flows->add_file(who, t->id, "referat.txt", "text/plain", "Ingen personoplysninger.\n");
  EXPECT_EQ(store->attachments(t->id).size(), 1u);
  EXPECT_EQ(ok.size, std::string("Ingen personoplysninger.\n").size());
}

TEST_F(Fixture, UserAdministrationNotifiesAndKeepsTheRules) {
  const Municipality& m = data.municipalities.front();
  const User& admin = *std::find_if(data.users.begin(), data.users.end(),
                                    [&](const User& u) { return u.municipality == m.id && u.administrator; });
  const ProjectId p = data.projects.front().id;
  User anne;
  anne.email = "Anne.Ny@Kommune.dk";
  anne.full_name = "Anne Ny";
  anne.municipality = m.id;
  anne.memberships = {{p, UserType::Light}};
  const User created = flows->create_user(admin.id, anne);
  EXPECT_NE(created.id.value(), 0u);
  auto out = outbox();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event, "user.created");
  EXPECT_EQ(out[0].recipients, std::vector<UserId>{created.id});
  anne.email = "  anne.ny@kommune.DK ";
  EXPECT_THROW(flows->create_user(admin.id, anne), AlreadyExistsError);

  // assign Anne a task, then make her Læser: the assignment is cleared and she is told
  const auto t = std::find_if(data.tasks.begin(), data.tasks.end(),
                              [&](const Task& x) { return x.municipality == m.id && project_of(x) == p; });
  flows->change_task(admin.id == created.id ? admin.id : find(m.id, p, UserType::Plus)->id,
                     {.task = t->id, .performer = created.id});
  flows->set_user_type(admin.id, created.id, p, UserType::Reader);
  EXPECT_FALSE(store->snapshot()->task(t->id)->performer.has_value());
  out = outbox();
  EXPECT_EQ(out.back().event, "user.type_changed");
  EXPECT_EQ(out.back().recipients, std::vector<UserId>{created.id});
}
