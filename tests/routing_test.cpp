// The notification routing as data (routing.hpp): the default table is the manual's Tabel 3 and Tabel 4 and
// gives exactly the recipients the workflows gave before it was data; overrides
// change recipients through the real workflows; no override reaches anyone who may
// not see the object.
#include "klik/routing.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <string>

#include "klik/accounts.hpp"
#include "klik/publishing.hpp"
#include "klik/workflows.hpp"
#include "workflow_fixture.hpp"

namespace klik {
namespace {

using testing::Fixture;
using E = NotificationEvent;
using A = Audience;

std::vector<Audience> to(std::initializer_list<Audience> a) { return a; }

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

TEST(RoutingTable, TheDefaultIsSpecSection5) {
  const NotificationRouting& r = NotificationRouting::default_routing();
  EXPECT_EQ(all_notification_events().size(), notification_event_count);
  EXPECT_EQ(r.audiences(E::DeadlineYellow), to({A::Plus, A::Responsible, A::Performer}));
  EXPECT_EQ(r.audiences(E::DeadlineRed), to({A::Plus, A::Responsible, A::Performer}));
  EXPECT_EQ(r.audiences(E::MessageKombitTask), to({A::Plus, A::Responsible, A::Performer}));
  EXPECT_EQ(r.audiences(E::MessageMunicipalityTask), to({A::ContactMailbox}));
  EXPECT_EQ(r.audiences(E::MessageKombitWave), to({A::Plus, A::Standard}));
  EXPECT_EQ(r.audiences(E::MessageKombitProject), to({A::Plus, A::Standard}));
  EXPECT_EQ(r.audiences(E::TaskAssigned), to({A::Subject}));
  EXPECT_EQ(r.audiences(E::ProjectJoined), to({A::Administrators}));
  for (E e : {E::UserCreated, E::UserAddedToProject, E::UserRemovedFromProject, E::UserTypeChanged,
              E::UserPasswordChanged, E::UserPasswordReset})
    EXPECT_EQ(r.audiences(e), to({A::Subject})) << code(e);
  for (E e : {E::ProjectChanged, E::WaveChanged, E::TemplatePublished, E::TemplateChanged, E::TemplateWithdrawn})
    EXPECT_EQ(r.audiences(e), to({A::Plus, A::Standard})) << code(e);
  // Every row says where it comes from.
  for (E e : all_notification_events()) EXPECT_FALSE(r.note(e).empty()) << code(e);
  EXPECT_NE(r.note(E::MessageKombitTask).find("Tabel 4"), std::string::npos);
  EXPECT_NE(r.note(E::DeadlineRed).find("Tabel 3"), std::string::npos);
}

TEST(RoutingTable, CodesRoundTrip) {
  for (E e : all_notification_events()) EXPECT_EQ(parse_notification_event(code(e)), e);
  for (A a : all_audiences()) EXPECT_EQ(parse_audience(code(a)), a);
  EXPECT_THROW((void)parse_audience("reader"), InvalidArgumentError);  // there is no Reader audience
  EXPECT_THROW((void)parse_notification_event("deadline.green"), InvalidArgumentError);
}

TEST(RoutingTable, JsonRoundTrips) {
  const NotificationRouting& d = NotificationRouting::default_routing();
  EXPECT_EQ(NotificationRouting::from_json(d.to_json()), d);
  EXPECT_EQ(NotificationRouting::from_json(d.to_json(-1)), d);
  const NotificationRouting changed = d.with(E::DeadlineRed, to({A::Plus, A::Administrators}));
  EXPECT_NE(changed, d);
  const NotificationRouting back = NotificationRouting::from_json(changed.to_json());
  EXPECT_EQ(back, changed);
  EXPECT_EQ(back.audiences(E::DeadlineRed), to({A::Plus, A::Administrators}));
  EXPECT_EQ(back.audiences(E::DeadlineYellow), d.audiences(E::DeadlineYellow));
}

/// The default table as JSON with `edit` applied.
std::string edited(const std::function<void(nlohmann::json&)>& edit) {
  auto j = nlohmann::json::parse(NotificationRouting::default_routing().to_json());
  edit(j);
  return j.dump();
}

/// The path of the InvalidArgumentError `text` raises (fails when it loads).
std::string error_path(const std::string& text, std::string* message = nullptr) {
  try {
    (void)NotificationRouting::from_json(text);
  } catch (const InvalidArgumentError& e) {
    if (message) *message = e.what();
    return e.where();
  }
  ADD_FAILURE() << "loaded: " << text.substr(0, 200);
  return {};
}

TEST(RoutingTable, BadJsonNamesThePath) {
  std::string msg;
  EXPECT_EQ(error_path(edited([](auto& j) { j["routes"][1]["to"][0] = "reader"; }), &msg), "/routes/1/to/0");
  EXPECT_NE(msg.find("unknown audience"), std::string::npos) << msg;
  EXPECT_NE(msg.find("contact_mailbox"), std::string::npos) << msg;  // names the known ones
  EXPECT_EQ(error_path(edited([](auto& j) { j["routes"][2]["event"] = "deadline.purple"; }), &msg), "/routes/2/event");
  EXPECT_NE(msg.find("unknown notification event"), std::string::npos) << msg;
  EXPECT_EQ(error_path(edited([](auto& j) { j["routes"].erase(3); }), &msg), "/routes");
  EXPECT_NE(msg.find("task.not_active"), std::string::npos) << msg;  // the event left out
  EXPECT_EQ(error_path(edited([](auto& j) { j["routes"][3]["event"] = "deadline.red"; })), "/routes/3/event");
  EXPECT_EQ(error_path(edited([](auto& j) { j["routes"][0]["to"] = {"subject", "subject"}; })), "/routes/0/to/1");
  EXPECT_EQ(error_path(edited([](auto& j) { j["routes"][0]["whom"] = 1; })), "/routes/0/whom");
  EXPECT_EQ(error_path(edited([](auto& j) { j["routes"][0]["to"] = "subject"; })), "/routes/0/to");
  EXPECT_EQ(error_path(edited([](auto& j) { j["routes"][0]["to"][0] = 7; })), "/routes/0/to/0");
  EXPECT_EQ(error_path(edited([](auto& j) { j.erase("name"); })), "/name");
  // An audience the event cannot take: responsible of a project event.
  const auto changed = [](auto& j) {
    for (auto& row : j["routes"])
      if (row["event"] == "project.changed") row["to"].push_back("responsible");
  };
  EXPECT_EQ(error_path(edited(changed), &msg).rfind("/routes/", 0), 0u);
  EXPECT_NE(msg.find("does not apply"), std::string::npos) << msg;
  // A password link reaches its subject only.
  const auto leak = [](auto& j) {
    for (auto& row : j["routes"])
      if (row["event"] == "user.password_reset") row["to"].push_back("administrators");
  };
  EXPECT_EQ(error_path(edited(leak), &msg), "/routes/21/to/1");
  EXPECT_NE(msg.find("password link"), std::string::npos) << msg;
  EXPECT_THROW((void)NotificationRouting::default_routing().with(E::UserCreated, to({A::Administrators})),
               InvalidArgumentError);
  // Not JSON, too deep, too large: refused by the bounded parser, as every klik JSON.
  EXPECT_THROW((void)NotificationRouting::from_json("{"), InvalidArgumentError);
  EXPECT_THROW((void)NotificationRouting::from_json(std::string(100'000, '[') + std::string(100'000, ']')),
               InvalidArgumentError);
  EXPECT_THROW((void)NotificationRouting::from_json(std::string(2 << 20, ' ')), InvalidArgumentError);
}

TEST(RoutingTable, WhichAudiencesAnEventCanTake) {
  EXPECT_TRUE(can_route(E::DeadlineRed, A::Responsible));
  EXPECT_FALSE(can_route(E::WaveChanged, A::Performer));
  EXPECT_FALSE(can_route(E::UserTypeChanged, A::Plus));
  EXPECT_TRUE(can_route(E::UserTypeChanged, A::Administrators));
  EXPECT_FALSE(can_route(E::ProjectChanged, A::Subject));
  EXPECT_FALSE(can_route(E::UserCreated, A::Administrators));
  EXPECT_TRUE(can_route(E::UserCreated, A::Subject));
}

// ---------------------------------------------------------------------------
// The default table gives the recipients the workflows gave by hand before
// ---------------------------------------------------------------------------

struct Routing : Fixture {
  std::vector<Notification> of(std::string_view event) const {
    std::vector<Notification> out;
    for (const Notification& n : outbox())
      if (n.event == event) out.push_back(n);
    return out;
  }
  /// The project's users of `types` in `municipalities`, by id (the old hand-written rule).
  std::vector<UserId> members(ProjectId p, const std::vector<MunicipalityId>& municipalities,
                              std::initializer_list<UserType> types) const {
    std::vector<UserId> out;
    for (const User& u : data.users) {
      if (u.side != Side::Municipality || !u.municipality ||
          std::find(municipalities.begin(), municipalities.end(), *u.municipality) == municipalities.end())
        continue;
      const auto type = u.type_on(p);
      if (type && std::find(types.begin(), types.end(), *type) != types.end()) out.push_back(u.id);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::vector<UserId> with(std::vector<UserId> v, std::initializer_list<std::optional<UserId>> more) {
    for (const auto& m : more)
      if (m) v.push_back(*m);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  }
  const Project& project(ProjectId p) const {
    return *std::find_if(data.projects.begin(), data.projects.end(), [&](const Project& x) { return x.id == p; });
  }
  /// Whether `u` may be told about task `t` (the invariant).
  bool may_see(UserId id, TaskId t) const {
    const Snapshot snap = store->snapshot();
    const User* u = snap->user(id);
    const auto task = snap->task(t);
    if (!u || !task) return false;
    const TaskFacts facts = task_facts(*task, *snap->project_of(t));
    return u->municipality == facts.municipality && u->type_on(facts.project) != UserType::Reader &&
           RightsModel::default_model().allows(*u, Action::ViewTask, facts);
  }
};

TEST_F(Routing, DefaultTaskMailIsWhatItWas) {
  const UserId kombit = kombit_admin().id;
  std::size_t checked = 0;
  for (const Task& t : data.tasks) {
    if (checked == 20) break;
    if (t.status == TaskStatus::NotActive) continue;
    ++checked;
    const ProjectId p = project_of(t);
    const std::vector<UserId> plus = members(p, {t.municipality}, {UserType::Plus});
    // KOMBIT on the task: Plusbrugere always, Standard and Light users who hold it.
    std::vector<UserId> expected = plus;
    for (const auto& h : {t.responsible, t.performer})
      if (h && (user(*h).type_on(p) == UserType::Standard || user(*h).type_on(p) == UserType::Light))
        expected.push_back(*h);
    expected = with(expected, {});
    const std::size_t before = of("message.kombit_task").size();
    flows->write_message(kombit, t.id, "Spørgsmål fra KOMBIT");
    const auto sent = of("message.kombit_task");
    if (expected.empty()) {
      EXPECT_EQ(sent.size(), before);  // no one to tell: no notification, as before
    } else {
      ASSERT_EQ(sent.size(), before + 1);
      EXPECT_EQ(sent.back().recipients, expected);
    }
    // The municipality's message: the project's KOMBIT mailbox, no users.
    if (!plus.empty()) {
      flows->write_message(plus.front(), t.id, "Svar fra kommunen");
      const Notification n = of("message.municipality_task").back();
      EXPECT_EQ(n.mailbox, project(p).contact_mail);
      EXPECT_TRUE(n.recipients.empty());
    }
  }
  EXPECT_EQ(checked, 20u);
}

TEST_F(Routing, DefaultDeadlineAndNotActiveMailIsWhatItWas) {
  sweep_to_outbox(*store, Date(2026, 6, 1), clock.now());
  const auto deadline = of("deadline.red");
  ASSERT_FALSE(deadline.empty());
  for (const Notification& n : deadline) {
    const auto payload = nlohmann::json::parse(n.payload);
    if (payload.contains("local_task")) continue;
    const Task& t = data.tasks[payload["task"].get<std::uint32_t>() - 1];
    ASSERT_EQ(t.id.value(), payload["task"].get<std::uint32_t>());
    EXPECT_EQ(n.recipients,
              with(members(project_of(t), {t.municipality}, {UserType::Plus}), {t.responsible, t.performer}))
        << n.payload;
  }
  // task.not_active / task.reactivated: the same people.
  Publishing kombit(*store, clock);
  const Task& t = *std::find_if(data.tasks.begin(), data.tasks.end(),
                                [](const Task& x) { return x.status != TaskStatus::NotActive && x.responsible; });
  kombit.set_not_active(kombit_admin().id, t.id, true);
  kombit.set_not_active(kombit_admin().id, t.id, false);
  const auto expected = with(members(project_of(t), {t.municipality}, {UserType::Plus}), {t.responsible, t.performer});
  EXPECT_EQ(of("task.not_active").back().recipients, expected);
  EXPECT_EQ(of("task.reactivated").back().recipients, expected);
}

TEST_F(Routing, DefaultProjectAndUserMailIsWhatItWas) {
  const RolloutWave& wave = data.waves.front();
  const Project& p = project(wave.project);
  flows->broadcast(kombit_admin().id, p.id, std::nullopt, "Til hele projektet");
  EXPECT_EQ(of("message.kombit_project").back().recipients,
            members(p.id, p.participants, {UserType::Plus, UserType::Standard}));
  flows->broadcast(kombit_admin().id, p.id, wave.id, "Til bølgen");
  EXPECT_EQ(of("message.kombit_wave").back().recipients,
            members(p.id, wave.members, {UserType::Plus, UserType::Standard}));
  Publishing kombit(*store, clock);
  TaskTemplate tpl;
  tpl.project = p.id;
  tpl.title = "Ny opgave";
  tpl.phase = 1;
  tpl.theme = 1;
  tpl.end = Date(2026, 9, 1);
  tpl.duration_workdays = 5;
  kombit.publish_template(kombit_admin().id, tpl);
  EXPECT_EQ(of("template.published").back().recipients,
            members(p.id, p.participants, {UserType::Plus, UserType::Standard}));
  // project.joined: the joining municipality's Administrators.
  const auto outside = std::find_if(data.municipalities.begin(), data.municipalities.end(), [&](const Municipality& m) {
    return std::find(p.participants.begin(), p.participants.end(), m.id) == p.participants.end();
  });
  if (outside != data.municipalities.end()) {
    kombit.join_project(kombit_admin().id, p.id, outside->id);
    std::vector<UserId> admins;
    for (const User& u : data.users)
      if (u.municipality == outside->id && u.administrator) admins.push_back(u.id);
    EXPECT_EQ(of("project.joined").back().recipients, admins);
  }
  // A user's type changed: that user.
  const MunicipalityId m = p.participants.front();
  const User* light = find(m, p.id, UserType::Light);
  const User* admin = nullptr;
  for (const User& u : data.users)
    if (u.municipality == m && u.administrator) admin = &u;
  ASSERT_TRUE(light && admin);
  flows->set_user_type(admin->id, light->id, p.id, UserType::Standard);
  EXPECT_EQ(of("user.type_changed").back().recipients, std::vector<UserId>{light->id});
}

// ---------------------------------------------------------------------------
// Overrides change recipients through the real workflows, within the invariant
// ---------------------------------------------------------------------------

TEST_F(Routing, DeadlineMailAlsoToStandardUsersAndAdministrators) {
  const NotificationRouting routing = NotificationRouting::default_routing().with(
      E::DeadlineRed, to({A::Plus, A::Standard, A::Responsible, A::Performer, A::Administrators}));
  sweep_to_outbox(*store, Date(2026, 6, 1), clock.now(), RightsModel::default_model(), routing);
  std::size_t wider = 0;
  for (const Notification& n : of("deadline.red")) {
    const auto payload = nlohmann::json::parse(n.payload);
    if (payload.contains("local_task")) continue;
    const Task& t = data.tasks[payload["task"].get<std::uint32_t>() - 1];
    const ProjectId p = project_of(t);
    std::vector<UserId> expected =
        with(members(p, {t.municipality}, {UserType::Plus, UserType::Standard}), {t.responsible, t.performer});
    // Administrators only where they may see the task (a Plus or Standard type there).
    for (const User& u : data.users)
      if (u.municipality == t.municipality && u.administrator && may_see(u.id, t.id)) expected.push_back(u.id);
    std::sort(expected.begin(), expected.end());
    expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
    EXPECT_EQ(n.recipients, expected) << n.payload;
    if (n.recipients.size() > with(members(p, {t.municipality}, {UserType::Plus}), {t.responsible, t.performer}).size())
      ++wider;
    for (UserId u : n.recipients) EXPECT_TRUE(may_see(u, t.id)) << u.value();
  }
  EXPECT_GT(wider, 0u);  // the override reached someone the default does not
}

TEST_F(Routing, KombitMessageAlsoToStandardUsersButNeverToThoseWhoMayNotSee) {
  // Standard users see every task of their projects: they are told. Light users and
  // Administrators are named too, but only those who may see the task are told.
  const NotificationRouting routing = NotificationRouting::default_routing().with(
      E::MessageKombitTask, to({A::Plus, A::Standard, A::Light, A::Administrators, A::Responsible, A::Performer}));
  Workflows wide(*store, clock, RightsModel::default_model(), routing);
  EXPECT_EQ(wide.routing(), routing);
  std::size_t light_left_out = 0, standard_told = 0;
  for (const Task& t : data.tasks) {
    if (t.status == TaskStatus::NotActive) continue;
    wide.write_message(kombit_admin().id, t.id, "Til alle");
    const auto to_users = of("message.kombit_task").back().recipients;
    const ProjectId p = project_of(t);
    for (const User& u : data.users) {
      const bool told = std::find(to_users.begin(), to_users.end(), u.id) != to_users.end();
      if (u.municipality != t.municipality || u.side != Side::Municipality) {
        EXPECT_FALSE(told) << "another municipality's user " << u.id.value();
        continue;
      }
      const auto type = u.type_on(p);
      if (type == UserType::Reader) {
        EXPECT_FALSE(told) << "a Læser " << u.id.value();
      }
      if (type == UserType::Standard) {
        EXPECT_TRUE(told);
        standard_told += !(t.responsible == u.id || t.performer == u.id);
      }
      if (type == UserType::Light && !(t.responsible == u.id || t.performer == u.id)) {
        EXPECT_FALSE(told) << "a Light-bruger who does not hold the task";
        ++light_left_out;
      }
      EXPECT_EQ(told, may_see(u.id, t.id) && (type || u.administrator)) << u.id.value();
    }
    if (light_left_out > 0 && standard_told > 0) break;
  }
  EXPECT_GT(light_left_out, 0u);
  EXPECT_GT(standard_told, 0u);
}

TEST_F(Routing, TheKombitMailboxIsToldOfKlikTasksNeverOfLocalTasks) {
  const NotificationRouting routing =
      NotificationRouting::default_routing().with(E::TaskAssigned, to({A::Subject, A::ContactMailbox}));
  Workflows flows2(*store, clock, RightsModel::default_model(), routing);
  const Task& t = *std::find_if(data.tasks.begin(), data.tasks.end(),
                                [](const Task& x) { return x.status != TaskStatus::NotActive; });
  const ProjectId p = project_of(t);
  const User* plus = find(t.municipality, p, UserType::Plus);
  const User* standard = find(t.municipality, p, UserType::Standard);
  ASSERT_TRUE(plus && standard);
  flows2.change_task(plus->id, {.task = t.id, .performer = standard->id == t.performer ? plus->id : standard->id});
  const Notification klik_task = of("task.assigned").back();
  EXPECT_EQ(klik_task.mailbox, project(p).contact_mail);
  LocalTask l;
  l.parent = t.id;
  l.title = "Lokal";
  l.end = Date(2026, 5, 1);
  l.responsible = standard->id;
  flows2.create_local_task(plus->id, l);
  const Notification local = of("task.assigned").back();
  EXPECT_TRUE(nlohmann::json::parse(local.payload).contains("local_task"));
  EXPECT_EQ(local.recipients, std::vector<UserId>{standard->id});
  EXPECT_TRUE(local.mailbox.empty());  // KOMBIT never sees local tasks
}

TEST_F(Routing, ProjectMailStaysWithItsMunicipalitiesAndParticipants) {
  const NotificationRouting routing = NotificationRouting::default_routing().with(
      E::MessageKombitWave, to({A::Plus, A::Standard, A::Light, A::Administrators, A::ContactMailbox}));
  Workflows wide(*store, clock, RightsModel::default_model(), routing);
  const RolloutWave& wave = data.waves.front();
  wide.broadcast(kombit_admin().id, wave.project, wave.id, "Til bølgen");
  const Notification n = of("message.kombit_wave").back();
  EXPECT_EQ(n.mailbox, project(wave.project).contact_mail);
  std::vector<UserId> expected;
  for (const User& u : data.users) {
    if (!u.municipality || std::find(wave.members.begin(), wave.members.end(), *u.municipality) == wave.members.end())
      continue;
    const auto type = u.type_on(wave.project);
    if ((type && *type != UserType::Reader) || u.administrator) expected.push_back(u.id);
  }
  EXPECT_EQ(n.recipients, expected);
  EXPECT_GT(n.recipients.size(), members(wave.project, wave.members, {UserType::Plus, UserType::Standard}).size());
}

TEST_F(Routing, AnEmptyRouteSendsNothing) {
  const NotificationRouting quiet =
      NotificationRouting::default_routing().with(E::UserPasswordChanged, {}).with(E::MessageKombitTask, {});
  Workflows flows2(*store, clock, RightsModel::default_model(), quiet);
  const Task& t = *std::find_if(data.tasks.begin(), data.tasks.end(),
                                [](const Task& x) { return x.status != TaskStatus::NotActive; });
  const std::size_t before = outbox().size();
  flows2.write_message(kombit_admin().id, t.id, "Ingen får besked");
  EXPECT_EQ(outbox().size(), before);
  AccountPolicy fast;
  fast.hashing = HashParameters::minimum();
  Accounts accounts(*store, clock, fast, RightsModel::default_model(), quiet);
  const User* plus = find(t.municipality, project_of(t), UserType::Plus);
  const User* admin = nullptr;
  for (const User& u : data.users)
    if (u.municipality == t.municipality && u.administrator && u.id != plus->id) admin = &u;
  ASSERT_NE(admin, nullptr);
  accounts.send_reset_link(admin->id, plus->id);  // still routed by default: to its subject
  ASSERT_EQ(of("user.password_reset").size(), 1u);
  EXPECT_EQ(of("user.password_reset").back().recipients, std::vector<UserId>{plus->id});
}

// ---------------------------------------------------------------------------
// The resolver on its own
// ---------------------------------------------------------------------------

TEST_F(Routing, TheResolverFiltersReadersAndOtherMunicipalities) {
  const Task& t = data.tasks.front();
  const ProjectId p = project_of(t);
  const User* reader = find(t.municipality, p, UserType::Reader);
  const User* plus = find(t.municipality, p, UserType::Plus);
  ASSERT_TRUE(reader && plus);
  const User* stranger = nullptr;
  for (const User& u : data.users)
    if (u.side == Side::Municipality && u.municipality != t.municipality && u.type_on(p) == UserType::Plus)
      stranger = &u;
  ASSERT_NE(stranger, nullptr);
  const Snapshot snap = store->snapshot();
  RecipientResolver route(NotificationRouting::default_routing(), RightsModel::default_model(), snap.world());
  TaskFacts facts = task_facts(*snap->task(t.id), p);
  // A Læser sees the task, but never gets task mail; another municipality's user is never told.
  EXPECT_TRUE(RightsModel::default_model().allows(*reader, Action::ViewTask, facts));
  EXPECT_TRUE(route.task_event(E::TaskAssigned, facts, reader->id).users.empty());
  EXPECT_TRUE(route.task_event(E::TaskAssigned, facts, stranger->id).users.empty());
  EXPECT_EQ(route.task_event(E::TaskAssigned, facts, plus->id).users, std::vector<UserId>{plus->id});
  facts.responsible = reader->id;  // inconsistent data: still not told
  for (UserId u : route.task_event(E::DeadlineRed, facts).users) EXPECT_NE(u, reader->id);
  // Events are resolved in their own scope.
  EXPECT_THROW((void)route.user_event(E::DeadlineRed, *plus), InvalidArgumentError);
  EXPECT_THROW((void)route.task_event(E::UserCreated, facts), InvalidArgumentError);
}

}  // namespace
}  // namespace klik
