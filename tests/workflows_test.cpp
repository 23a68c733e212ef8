// Workflows: rights checked per field, tenancy as "not found", notifications
// routed by the manual's Tabel 3 and Tabel 4 and recorded with the change.
#include "klik/workflows.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <typeinfo>

#include "klik/outbox.hpp"
#include "klik/synthetic.hpp"
#include "workflow_fixture.hpp"

using namespace klik;
using klik::testing::Fixture;

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
    if (u.municipality && *u.municipality != t.municipality && u.type_on(project_of(t)) == UserType::Plus)
      stranger = &u;
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
  const auto project =
      std::find_if(data.projects.begin(), data.projects.end(), [&](const Project& x) { return x.id == p; });
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
    const bool in_wave =
        u.municipality && std::find(wave.members.begin(), wave.members.end(), *u.municipality) != wave.members.end();
    const auto type = u.type_on(wave.project);
    const bool expected = in_wave && (type == UserType::Plus || type == UserType::Standard);
    EXPECT_EQ(std::find(out[0].recipients.begin(), out[0].recipients.end(), u.id) != out[0].recipients.end(), expected);
  }
  const User* plus = find(wave.members.front(), wave.project, UserType::Plus);
  EXPECT_THROW(flows->broadcast(plus->id, wave.project, std::nullopt, "x"), PermissionDeniedError);
}

TEST(Cpr, FindsRealDatesOnly) {
  EXPECT_EQ(find_cpr_number("Borger 010203-1234 har ringet"), 7u);
  EXPECT_EQ(find_cpr_number("290200-4321"), 0u);  // 29 Feb 2000
  EXPECT_EQ(find_cpr_number("310299-1234"), std::string_view::npos);  // no 31 February
  EXPECT_EQ(find_cpr_number("sag 2025-000123-4567"), std::string_view::npos);  // part of a longer number
  EXPECT_EQ(find_cpr_number("tlf 12345678"), std::string_view::npos);
}

TEST_F(Fixture, FilesWithACprNumberAreRefusedBeforeTheyAreStored) {
  const auto t =
      std::find_if(data.tasks.begin(), data.tasks.end(), [](const Task& x) { return x.responsible.has_value(); });
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

// ---------------------------------------------------------------------------
// Issue 9: concurrency, not-found, no-op changes, refusals with their detail.
// ---------------------------------------------------------------------------

namespace {

/// Runs two calls on two threads at once; returns how many succeeded, and the
/// errors of the others.
int race(const std::function<void()>& a, const std::function<void()>& b, std::vector<std::string>* errors = nullptr) {
  std::atomic<int> ok{0};
  std::mutex m;
  std::barrier<> start(2);  // both calls begin together
  auto run = [&](const std::function<void()>& f) {
    start.arrive_and_wait();
    try {
      f();
      ++ok;
    } catch (const Error& e) {
      const std::lock_guard lock(m);
      if (errors) errors->push_back(std::string(to_string(e.code())) + ": " + e.what());
    }
  };
  std::thread x(run, a), y(run, b);
  x.join();
  y.join();
  return ok.load();
}

/// What a call ended with: the exception's type, code and message (or "ok").
std::string outcome_of(const std::function<void()>& f) {
  try {
    f();
    return "ok";
  } catch (const PermissionDeniedError& e) {
    return std::string("PermissionDenied|") + e.what() + "|" + e.rule() + "|" + e.nearest();
  } catch (const InvalidArgumentError& e) {
    return std::string("InvalidArgument|") + e.what() + "|" + e.where();
  } catch (const Error& e) {
    return std::string(typeid(e).name()) + "|" + std::string(to_string(e.code())) + "|" + e.what();
  }
}

}  // namespace

TEST_F(Fixture, ConcurrentCreationsThroughWorkflowsAllSurvive) {
  const Municipality& m = data.municipalities.front();
  const User& admin = *std::find_if(data.users.begin(), data.users.end(),
                                    [&](const User& u) { return u.municipality == m.id && u.administrator; });
  const Task& parent =
      *std::find_if(data.tasks.begin(), data.tasks.end(), [&](const Task& t) { return t.municipality == m.id; });
  const User* plus = find(m.id, project_of(parent), UserType::Plus);
  ASSERT_NE(plus, nullptr);
  // The store assigns ids and checks emails inside its write lock (it is one
  // concrete class over its backend), so these races are decided there.
  Workflows& gflows = *flows;
  auto new_user = [&](const std::string& name) {
    User u;
    u.email = name + "@kommune.dk";
    u.full_name = name;
    u.municipality = m.id;
    return u;
  };
  EXPECT_EQ(race([&] { gflows.create_user(admin.id, new_user("ada")); },
                 [&] { gflows.create_user(admin.id, new_user("bo")); }),
            2);
  // The same email twice at once: the store's check under its lock lets one through.
  std::vector<std::string> errors;
  EXPECT_EQ(race([&] { gflows.create_user(admin.id, new_user("same")); },
                 [&] { gflows.create_user(admin.id, new_user("same")); }, &errors),
            1);
  ASSERT_EQ(errors.size(), 1u);
  // Refused by the workflow's check or by the store's under its lock: the same error kind either way.
  EXPECT_EQ(errors[0].rfind("already_exists: a user with email ", 0), 0u) << errors[0];
  EXPECT_NE(errors[0].find("same@kommune.dk"), std::string::npos) << errors[0];
  LocalTask l;
  l.parent = parent.id;
  l.title = "Lokal";
  l.end = Date(2026, 6, 30);
  EXPECT_EQ(race([&] { gflows.create_local_task(plus->id, l); }, [&] { gflows.create_local_task(plus->id, l); }), 2);
  {
    const Snapshot snap = store->snapshot();
    const User* ada = snap->user_by_email("ada@kommune.dk");
    const User* bo = snap->user_by_email("bo@kommune.dk");
    ASSERT_TRUE(ada && bo);
    EXPECT_NE(ada->id, bo->id);
    EXPECT_EQ(snap->users().size(), data.users.size() + 3);
    EXPECT_EQ(snap->local_task_count(), data.local_tasks.size() + 2);
  }
  // Free-running: N threads creating at once, all N survive with distinct ids.
  constexpr int n = 8;
  std::vector<std::thread> pool;
  std::vector<User> made(n);
  for (int i = 0; i < n; ++i)
    pool.emplace_back([&, i] { made[i] = flows->create_user(admin.id, new_user("racer" + std::to_string(i))); });
  for (auto& t : pool) t.join();
  std::set<UserId> ids;
  for (const User& u : made) ids.insert(u.id);
  EXPECT_EQ(ids.size(), std::size_t{n});
  const Snapshot snap = store->snapshot();
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(snap->user_by_email("racer" + std::to_string(i) + "@kommune.dk")->id, made[i].id);
  // Each "user.created" names its own user.
  std::set<UserId> told;
  for (const Notification& note : outbox())
    if (note.event == "user.created") told.insert(note.recipients.at(0));
  EXPECT_EQ(told.size(), std::size_t{n + 3});
  // A caller does not choose ids (it would learn which exist).
  User chosen = new_user("valgt");
  chosen.id = UserId(4'000'000);
  EXPECT_THROW(flows->create_user(admin.id, chosen), InvalidArgumentError);
}

TEST_F(Fixture, TwoAdministratorsDeletingEachOtherLeaveOne) {
  const MunicipalityId m = data.municipalities.front().id;
  // Exactly two Administrators in m, without projects (so only the Administrator rule is in play).
  Dataset d = data;
  std::set<UserId> assigned;
  for (const Task& t : d.tasks)
    for (const auto& who : {t.responsible, t.performer})
      if (who) assigned.insert(*who);
  for (const LocalTask& t : d.local_tasks)
    for (const auto& who : {t.responsible, t.performer})
      if (who) assigned.insert(*who);
  std::vector<UserId> admins;
  for (User& u : d.users) {
    if (u.municipality != m) continue;
    u.administrator = false;
    const bool plus = std::any_of(u.memberships.begin(), u.memberships.end(),
                                  [](const Membership& ms) { return ms.type == UserType::Plus; });
    if (admins.size() < 2 && !assigned.contains(u.id) && !plus) {
      u.administrator = true;
      u.memberships.clear();
      admins.push_back(u.id);
    }
  }
  ASSERT_EQ(admins.size(), 2u);
  store->import_dataset(d);
  // Through the workflows: whichever writes second is refused, by the store's
  // invariant (both decided on the same state) or because its actor is gone.
  std::vector<std::string> errors;
  EXPECT_EQ(race([&] { flows->delete_user(admins[0], admins[1]); }, [&] { flows->delete_user(admins[1], admins[0]); },
                 &errors),
            1);
  ASSERT_EQ(errors.size(), 1u);
  {
    const Snapshot snap = store->snapshot();
    EXPECT_EQ(int(snap->user(admins[0]) != nullptr) + int(snap->user(admins[1]) != nullptr), 1);
  }
  // At the store, both removals checked under one lock: exactly one is refused, by the invariant.
  store->import_dataset(d);
  errors.clear();
  EXPECT_EQ(race([&] { store->remove_user(admins[1]); }, [&] { store->remove_user(admins[0]); }, &errors), 1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("failed_precondition: "), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("last Administrator"), std::string::npos) << errors[0];
  const Snapshot snap = store->snapshot();
  EXPECT_EQ(int(snap->user(admins[0]) != nullptr) + int(snap->user(admins[1]) != nullptr), 1);
}

TEST_F(Fixture, TwoPlusbrugereDemotingEachOtherLeaveOne) {
  const MunicipalityId m = data.municipalities.front().id;
  const ProjectId p = data.projects.front().id;
  Dataset d = data;
  std::vector<UserId> plus;
  for (User& u : d.users)
    for (Membership& ms : u.memberships)
      if (u.municipality == m && ms.project == p && ms.type == UserType::Plus) {
        if (plus.size() < 2) {
          plus.push_back(u.id);
        } else {
          ms.type = UserType::Standard;
        }
      }
  ASSERT_EQ(plus.size(), 2u);
  store->import_dataset(d);
  // Through the workflows: the second is refused (by the store's invariant, or
  // because its actor is no longer a Plusbruger).
  std::vector<std::string> errors;
  EXPECT_EQ(race([&] { flows->set_user_type(plus[0], plus[1], p, UserType::Standard); },
                 [&] { flows->set_user_type(plus[1], plus[0], p, UserType::Standard); }, &errors),
            1);
  ASSERT_EQ(errors.size(), 1u);
  {
    const Snapshot snap = store->snapshot();
    EXPECT_EQ(
        int(snap->user(plus[0])->type_on(p) == UserType::Plus) + int(snap->user(plus[1])->type_on(p) == UserType::Plus),
        1);
  }
  // At the store: exactly one demotion is refused, by the invariant.
  store->import_dataset(d);
  errors.clear();
  auto demote = [&](UserId id) {
    User u = *store->snapshot()->user(id);
    for (Membership& ms : u.memberships)
      if (ms.project == p) ms.type = UserType::Standard;
    return u;
  };
  const User a = demote(plus[0]), b = demote(plus[1]);
  EXPECT_EQ(race([&] { store->put_user(a); }, [&] { store->put_user(b); }, &errors), 1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("last Plusbruger"), std::string::npos) << errors[0];
  const Snapshot snap = store->snapshot();
  EXPECT_EQ(
      int(snap->user(plus[0])->type_on(p) == UserType::Plus) + int(snap->user(plus[1])->type_on(p) == UserType::Plus),
      1);
}

// Not-found is the same bytes whether the object exists elsewhere (another
// municipality, or not visible to the actor) or nowhere.
TEST_F(Fixture, NotFoundIsTheSameWhetherTheObjectExistsElsewhereOrNowhere) {
  const MunicipalityId home = data.municipalities[0].id;
  const Task& mine =
      *std::find_if(data.tasks.begin(), data.tasks.end(), [&](const Task& t) { return t.municipality == home; });
  const ProjectId p = project_of(mine);
  const User* plus = find(home, p, UserType::Plus);
  const User& admin = *std::find_if(data.users.begin(), data.users.end(),
                                    [&](const User& u) { return u.municipality == home && u.administrator; });
  ASSERT_NE(plus, nullptr);
  const Task& theirs = *std::find_if(data.tasks.begin(), data.tasks.end(),
                                     [&](const Task& t) { return t.municipality != home && project_of(t) == p; });
  const User& stranger = *std::find_if(data.users.begin(), data.users.end(), [&](const User& u) {
    return u.side == Side::Municipality && u.municipality != home && u.type_on(p) == UserType::Plus;
  });
  // A task of the own municipality that a Light-bruger may not see.
  const User* light = nullptr;
  const Task* hidden = nullptr;
  for (const User& u : data.users)
    if (!light && u.municipality == home && u.type_on(p) == UserType::Light) light = &u;
  ASSERT_NE(light, nullptr);
  for (const Task& t : data.tasks)
    if (!hidden && t.municipality == home && project_of(t) == p && t.responsible != light->id &&
        t.performer != light->id)
      hidden = &t;
  ASSERT_NE(hidden, nullptr);
  const TaskId nowhere(2'000'000'000);
  const UserId nobody(3'000'000);

  using Call = std::function<void(UserId actor, TaskId task)>;
  const std::vector<std::pair<std::string, Call>> task_calls = {
      {"change_task", [&](UserId a, TaskId t) { flows->change_task(a, {.task = t, .status = TaskStatus::Started}); }},
      {"change_task responsible",
       [&](UserId a, TaskId t) { flows->change_task(a, {.task = t, .responsible = std::optional(a)}); }},
      {"write_message", [&](UserId a, TaskId t) { flows->write_message(a, t, "hej"); }},
      {"internal_notes", [&](UserId a, TaskId t) { (void)flows->internal_notes(a, t); }},
      {"set_internal_notes", [&](UserId a, TaskId t) { flows->set_internal_notes(a, t, "note"); }},
      {"add_file", [&](UserId a, TaskId t) { flows->add_file(a, t, "a.txt", "text/plain", "x"); }},
      {"create_local_task",
       [&](UserId a, TaskId t) {
         LocalTask l;
         l.parent = t;
         l.title = "L";
         l.end = Date(2026, 6, 30);
         flows->create_local_task(a, l);
       }},
  };
  for (const auto& entry : task_calls) {  // (clang 14 cannot capture structured bindings)
    const std::string& name = entry.first;
    const Call& call = entry.second;
    const std::string none = outcome_of([&] { call(plus->id, nowhere); });
    EXPECT_EQ(none.rfind("N4klik13NotFoundErrorE|", 0), 0u) << name << ": " << none;
    EXPECT_EQ(outcome_of([&] { call(plus->id, theirs.id); }), none) << name << " (another municipality)";
    EXPECT_EQ(outcome_of([&] { call(light->id, hidden->id); }), outcome_of([&] { call(light->id, nowhere); }))
        << name << " (not visible)";
  }
  // decide() says the same for a task the actor may not see.
  const Decision d = flows->rights().decide(*plus, Action::ViewTask, task_facts(theirs, p));
  EXPECT_EQ(d.reason, not_found_message(ObjectKind::Task));

  // Users: as a target of user administration, and as an assignee.
  using UserCall = std::function<void(UserId target)>;
  const std::vector<std::pair<std::string, UserCall>> user_calls = {
      {"set_user_type", [&](UserId u) { flows->set_user_type(admin.id, u, p, UserType::Standard); }},
      {"remove from project", [&](UserId u) { flows->set_user_type(admin.id, u, p, std::nullopt); }},
      {"delete_user", [&](UserId u) { flows->delete_user(admin.id, u); }},
      {"kombit set_user_type", [&](UserId u) { flows->set_user_type(kombit_admin().id, u, p, UserType::Standard); }},
      {"change_task performer", [&](UserId u) { flows->change_task(plus->id, {.task = mine.id, .performer = u}); }},
  };
  for (const auto& entry : user_calls) {
    const std::string& name = entry.first;
    const UserCall& call = entry.second;
    const std::string none = outcome_of([&] { call(nobody); });
    EXPECT_EQ(none.rfind("N4klik13NotFoundErrorE|", 0), 0u) << name << ": " << none;
    EXPECT_EQ(outcome_of([&] { call(stranger.id); }), none) << name;
  }
  // An actor that does not exist.
  EXPECT_EQ(outcome_of([&] { flows->change_task(nobody, {.task = mine.id}); }),
            outcome_of([&] { flows->delete_user(admin.id, nobody); }));

  // Rollout waves: one of another project is as unknown as one that does not exist.
  const RolloutWave& wave = data.waves.front();
  const auto other_project =
      std::find_if(data.projects.begin(), data.projects.end(), [&](const Project& x) { return x.id != wave.project; });
  ASSERT_NE(other_project, data.projects.end());
  EXPECT_EQ(outcome_of([&] { flows->broadcast(kombit_admin().id, other_project->id, wave.id, "x"); }),
            outcome_of([&] { flows->broadcast(kombit_admin().id, other_project->id, WaveId(60'000), "x"); }));
  EXPECT_EQ(outcome_of([&] { flows->set_user_type(admin.id, plus->id, ProjectId(60'000), UserType::Light); }),
            "N4klik13NotFoundErrorE|not_found|project not found");
}

// A change is judged on what it asks for; one with no effect is no write.
TEST_F(Fixture, ChangesAreCheckedOnWhatTheyAskAndNoOpsWriteNothing) {
  const Task& t = data.tasks.front();
  const ProjectId p = project_of(t);
  const User* reader = find(t.municipality, p, UserType::Reader);
  const User* plus = find(t.municipality, p, UserType::Plus);
  ASSERT_TRUE(reader && plus);
  // A Læser naming the status it already has: refused (it asks to change the status).
  EXPECT_THROW(flows->change_task(reader->id, {.task = t.id, .status = t.status}), PermissionDeniedError);
  EXPECT_THROW(flows->change_task(reader->id, {.task = t.id, .responsible = std::optional(t.responsible)}),
               PermissionDeniedError);
  // KOMBIT may not edit people, even to the current value.
  EXPECT_THROW(flows->change_task(kombit_admin().id, {.task = t.id, .performer = std::optional(t.performer)}),
               PermissionDeniedError);
  // An empty change, and a Plusbruger's change to the current values: nothing written.
  EXPECT_EQ(flows->change_task(reader->id, {.task = t.id}), t);
  EXPECT_EQ(flows->change_task(plus->id, {.task = t.id,
                                          .expected_version = t.version,
                                          .status = t.status,
                                          .responsible = std::optional(t.responsible),
                                          .performer = std::optional(t.performer)}),
            t);
  EXPECT_EQ(store->snapshot()->task(t.id)->version, t.version);
  EXPECT_TRUE(outbox().empty());
  // The same for user types: a Læser asking for a type is refused; the same type is no write.
  const User* other = find(t.municipality, p, UserType::Standard);
  ASSERT_NE(other, nullptr);
  EXPECT_THROW(flows->set_user_type(reader->id, other->id, p, UserType::Standard), PermissionDeniedError);
  EXPECT_EQ(flows->set_user_type(plus->id, other->id, p, UserType::Standard), user(other->id));
  EXPECT_EQ(store->snapshot()->user(other->id)->version, user(other->id).version);
  EXPECT_TRUE(outbox().empty());
}

// Refusals of user administration carry the decision, like task refusals.
TEST_F(Fixture, UserAdministrationRefusalsCarryTheDecision) {
  const MunicipalityId m = data.municipalities.front().id;
  const ProjectId p = data.projects.front().id;
  // A Plusbruger (not Administrator) on p who does not hold some other project q.
  const User* plus = nullptr;
  const Project* q = nullptr;
  for (const User& u : data.users)
    for (const Project& x : data.projects)
      if (!plus && u.municipality == m && u.type_on(p) == UserType::Plus && !u.administrator && !u.type_on(x.id)) {
        plus = &u;
        q = &x;
      }
  ASSERT_TRUE(plus && q);
  const User* target = find(m, p, UserType::Standard);
  ASSERT_NE(target, nullptr);
  const RightsModel& rights = flows->rights();
  const auto projects = std::span<const Project>(data.projects);
  try {
    flows->delete_user(plus->id, target->id);
    FAIL() << "a Plusbruger deleted a user";
  } catch (const PermissionDeniedError& e) {
    const Decision d = rights.decide(*plus, Action::DeleteUser, Target::of(*target), projects);
    EXPECT_EQ(e.rule(), d.rule);
    EXPECT_EQ(e.nearest(), d.nearest);
    EXPECT_EQ(e.nearest_rule(), d.nearest_rule);
    EXPECT_EQ(e.what(), d.reason);
    EXPECT_FALSE(e.nearest().empty());
  }
  // A project the Plusbruger does not hold.
  try {
    flows->set_user_type(plus->id, target->id, q->id, UserType::Light);
    FAIL() << "a Plusbruger granted a project they do not hold";
  } catch (const PermissionDeniedError& e) {
    const Decision d = rights.decide(*plus, Action::AssignUserType, Target::of(*target, q->id), projects);
    EXPECT_EQ(e.rule(), d.rule);
    EXPECT_EQ(e.nearest(), d.nearest);
    EXPECT_FALSE(e.rule().empty());
    EXPECT_FALSE(e.nearest().empty());
  }
}
