// The municipality's side of the workflows: a task's thread, its files, local
// tasks' life cycle, users' details and the Administrator flag -- each checked
// by the rights model, another municipality's object "not found", byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "klik/workflows.hpp"
#include "workflow_fixture.hpp"

using namespace klik;

namespace {

struct MunicipalSide : klik::testing::Fixture {
  /// A not-started task with a responsible, and the people around it.
  const Task& task() const {
    return *std::find_if(data.tasks.begin(), data.tasks.end(), [&](const Task& t) {
      return t.status == TaskStatus::NotStarted && t.responsible &&
             find(t.municipality, project_of(t), UserType::Plus) &&
             find(t.municipality, project_of(t), UserType::Reader) && stranger_of(t);
    });
  }
  const User* stranger_of(const Task& t) const {
    for (const User& u : data.users)
      if (u.municipality && *u.municipality != t.municipality && u.type_on(project_of(t)) == UserType::Plus) return &u;
    return nullptr;
  }
  /// The text of the exception `f` throws (empty when it throws none).
  template <class E, class F>
  static std::string message_of(F&& f) {
    try {
      f();
    } catch (const E& e) {
      return e.what();
    }
    return {};
  }
};

}  // namespace

TEST_F(MunicipalSide, AThreadHoldsTheTaskMessagesAndTheBroadcastsThatReachItOldestFirst) {
  const Task& t = task();
  const ProjectId p = project_of(t);
  const User& plus = *find(t.municipality, p, UserType::Plus);
  const auto& waves = data.waves;
  const auto in = std::find_if(waves.begin(), waves.end(), [&](const RolloutWave& w) {
    return w.project == p && std::find(w.members.begin(), w.members.end(), t.municipality) != w.members.end();
  });
  const auto out = std::find_if(waves.begin(), waves.end(), [&](const RolloutWave& w) {
    return w.project == p && std::find(w.members.begin(), w.members.end(), t.municipality) == w.members.end();
  });
  ASSERT_NE(in, waves.end());
  ASSERT_NE(out, waves.end());
  const UserId kombit = kombit_admin().id;
  std::vector<MessageId> expected;  // what the generated world holds already, then ours
  for (const Message& m : flows->messages(plus.id, t.id, 0, 1000).messages) expected.push_back(m.id);
  const std::size_t n = expected.size() + 4;
  auto at = [&](int minute) { clock.set(Timestamp(1'772'000'000 + minute * 60)); };
  at(1), expected.push_back(flows->write_message(plus.id, t.id, "Hvornår kommer testmiljøet?").id);
  at(2), expected.push_back(flows->write_message(kombit, t.id, "I næste uge.").id);
  at(3), expected.push_back(flows->broadcast(kombit, p, std::nullopt, "Projektet er i gang.").id);
  at(4), expected.push_back(flows->broadcast(kombit, p, in->id, "Jeres bølge går i drift.").id);
  at(5), flows->broadcast(kombit, p, out->id, "En anden bølge.");  // not this municipality's
  const auto other_task = std::find_if(data.tasks.begin(), data.tasks.end(),
                                       [&](const Task& x) { return x.municipality == t.municipality && x.id != t.id; });
  at(6), flows->write_message(kombit, other_task->id, "Om en anden opgave.");  // another task

  const MessagePage all = flows->messages(plus.id, t.id, 0, 1000);
  std::vector<MessageId> got;
  for (const Message& m : all.messages) got.push_back(m.id);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(all.total, n);
  // Pages of two put together are the whole thread; past the end is empty.
  std::vector<MessageId> paged;
  for (std::size_t offset = 0; offset < n; offset += 2) {
    const MessagePage page = flows->messages(plus.id, t.id, offset, 2);
    EXPECT_EQ(page.offset, offset);
    EXPECT_EQ(page.total, n);
    for (const Message& m : page.messages) paged.push_back(m.id);
  }
  EXPECT_EQ(paged, expected);
  EXPECT_TRUE(flows->messages(plus.id, t.id, n, 2).messages.empty());
  EXPECT_THROW((void)flows->messages(plus.id, t.id, 0, 0), InvalidArgumentError);
  // KOMBIT reads the thread too; another municipality cannot tell it exists.
  EXPECT_EQ(flows->messages(kombit, t.id).total, n);
  const User& stranger = *stranger_of(t);
  EXPECT_EQ(message_of<NotFoundError>([&] { (void)flows->messages(stranger.id, t.id); }),
            message_of<NotFoundError>([&] { (void)flows->messages(stranger.id, TaskId(999'999)); }));
}

TEST_F(MunicipalSide, FilesAreListedReadAndDeletedByTheRightsModel) {
  const Task& t = task();
  const ProjectId p = project_of(t);
  const User& plus = *find(t.municipality, p, UserType::Plus);
  const User& reader = *find(t.municipality, p, UserType::Reader);
  const User& stranger = *stranger_of(t);
  const Attachment plan = flows->add_file(plus.id, t.id, "plan.txt", "text/plain", "Milepæle for uge 12");
  const Attachment old = flows->add_file(plus.id, t.id, "gammel.txt", "text/plain", "forældet");

  const auto files = flows->files(reader.id, t.id);  // a Læser sees the files
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].file_name, "plan.txt");
  EXPECT_TRUE(files[0].content.empty());
  std::string read;
  flows->read_file(reader.id, plan.id, [&](std::string_view chunk) { read.append(chunk); });
  EXPECT_EQ(read, "Milepæle for uge 12");

  // Another municipality's file is "attachment not found", as a file that does not exist.
  const auto sink = [](std::string_view) {};
  const std::string missing =
      message_of<NotFoundError>([&] { flows->read_file(stranger.id, AttachmentId(987'654), sink); });
  EXPECT_EQ(missing, "attachment not found");
  EXPECT_EQ(message_of<NotFoundError>([&] { flows->read_file(stranger.id, plan.id, sink); }), missing);
  EXPECT_EQ(message_of<NotFoundError>([&] { flows->delete_file(stranger.id, plan.id); }), missing);
  EXPECT_THROW((void)flows->files(stranger.id, t.id), NotFoundError);

  // A Læser may not delete; a Plusbruger and KOMBIT may.
  EXPECT_THROW(flows->delete_file(reader.id, old.id), PermissionDeniedError);
  EXPECT_EQ(flows->files(plus.id, t.id).size(), 2u);
  flows->delete_file(plus.id, old.id);
  EXPECT_EQ(message_of<NotFoundError>([&] { flows->read_file(plus.id, old.id, sink); }), missing);
  flows->delete_file(kombit_admin().id, plan.id);
  EXPECT_TRUE(flows->files(plus.id, t.id).empty());
  EXPECT_EQ(store->export_dataset().attachments.size(), data.attachments.size());  // both gone, content too
}

TEST_F(MunicipalSide, LocalTasksAreEditedCompletedAndDeletedByTheirRights) {
  const Task& t = task();
  const ProjectId p = project_of(t);
  const User& plus = *find(t.municipality, p, UserType::Plus);
  const User& reader = *find(t.municipality, p, UserType::Reader);
  const User* standard = find(t.municipality, p, UserType::Standard);
  ASSERT_NE(standard, nullptr);
  LocalTask draft;
  draft.parent = t.id;
  draft.title = "Bestil kursus";
  draft.end = Date(2026, 4, 30);
  const LocalTask created = flows->create_local_task(plus.id, draft);

  const auto before = store->outbox().size();
  const LocalTask edited = flows->change_local_task(
      plus.id, {.task = created.id, .title = "Bestil kursus til 12", .performer = standard->id});
  EXPECT_EQ(edited.title, "Bestil kursus til 12");
  EXPECT_EQ(edited.performer, standard->id);
  EXPECT_EQ(edited.version, created.version + 1);
  const auto outbox = store->outbox();
  ASSERT_EQ(outbox.size(), before + 1);  // the new performer is told
  EXPECT_EQ(outbox.back().event, "task.assigned");
  EXPECT_EQ(outbox.back().recipients, std::vector<UserId>{standard->id});

  // The same values again: no write, no new version, no notification.
  EXPECT_EQ(flows->change_local_task(plus.id, {.task = created.id, .title = "Bestil kursus til 12"}).version,
            edited.version);
  EXPECT_EQ(store->outbox().size(), before + 1);

  // A Standardbruger who performs it completes it, but may not rename it (edit_local_task is Plus's).
  EXPECT_EQ(flows->change_local_task(standard->id, {.task = created.id, .status = TaskStatus::Completed}).status,
            TaskStatus::Completed);
  EXPECT_THROW(flows->change_local_task(standard->id, {.task = created.id, .title = "x"}), PermissionDeniedError);
  EXPECT_THROW(flows->change_local_task(reader.id, {.task = created.id, .status = TaskStatus::Started}),
               PermissionDeniedError);
  EXPECT_THROW(flows->change_local_task(plus.id, {.task = created.id, .status = TaskStatus::NotActive}),
               InvalidArgumentError);
  // A version read before the completion is a conflict.
  EXPECT_THROW(flows->change_local_task(
                   plus.id, {.task = created.id, .expected_version = edited.version, .description = "gammel udgave"}),
               ConflictError);

  // Another municipality and KOMBIT: "local task not found", the same as a missing one.
  const std::string missing =
      message_of<NotFoundError>([&] { flows->delete_local_task(plus.id, LocalTaskId(4'000'000)); });
  EXPECT_EQ(missing, "local task not found");
  EXPECT_EQ(message_of<NotFoundError>([&] { flows->delete_local_task(stranger_of(t)->id, created.id); }), missing);
  EXPECT_EQ(message_of<NotFoundError>(
                [&] { flows->change_local_task(kombit_admin().id, {.task = created.id, .title = "x"}); }),
            missing);
  EXPECT_THROW(flows->delete_local_task(standard->id, created.id), PermissionDeniedError);
  flows->delete_local_task(plus.id, created.id);
  EXPECT_EQ(store->snapshot()->local_task(created.id), nullptr);
}

TEST_F(MunicipalSide, UsersEditTheirOwnDetailsAndAdministratorsOthers) {
  const Task& t = task();
  const ProjectId p = project_of(t);
  const User* standard_p = nullptr;
  const User* reader_p = nullptr;
  std::vector<const User*> admins;
  for (const User& u : data.users) {
    if (u.municipality != t.municipality) continue;
    if (u.administrator)
      admins.push_back(&u);
    else if (u.type_on(p) == UserType::Standard)
      standard_p = &u;
    else if (u.type_on(p) == UserType::Reader)
      reader_p = &u;
  }
  ASSERT_TRUE(standard_p && reader_p && !admins.empty());
  const User& standard = *standard_p;
  const User& reader = *reader_p;
  const User* admin = admins.front();

  const User renamed = flows->edit_user(standard.id, {.user = standard.id, .full_name = "Sofie Kragh Nielsen"});
  EXPECT_EQ(renamed.full_name, "Sofie Kragh Nielsen");
  EXPECT_EQ(renamed.version, standard.version + 1);
  EXPECT_EQ(flows->edit_user(standard.id, {.user = standard.id, .full_name = "Sofie Kragh Nielsen"}).version,
            renamed.version);  // no effect, no write
  EXPECT_THROW(flows->edit_user(standard.id, {.user = reader.id, .organisation = "Andet sted"}), PermissionDeniedError);
  EXPECT_EQ(flows->edit_user(admin->id, {.user = reader.id, .organisation = "Borgerservice"}).organisation,
            "Borgerservice");
  EXPECT_THROW(flows->edit_user(admin->id, {.user = reader.id, .email = standard.email}), AlreadyExistsError);
  EXPECT_THROW(
      flows->edit_user(admin->id, {.user = reader.id, .expected_version = reader.version, .full_name = "Forældet"}),
      ConflictError);  // the organisation changed since that version
  const std::string missing =
      message_of<NotFoundError>([&] { flows->edit_user(admin->id, {.user = UserId(9'999'999)}); });
  EXPECT_EQ(missing, "user not found");
  EXPECT_EQ(message_of<NotFoundError>([&] { flows->edit_user(stranger_of(t)->id, {.user = standard.id}); }), missing);

  // The Administrator flag: granted and revoked by an Administrator; never the last one.
  EXPECT_THROW(flows->set_administrator(standard.id, reader.id, true), PermissionDeniedError);
  EXPECT_TRUE(flows->set_administrator(admin->id, standard.id, true).administrator);
  for (const User* other : admins) EXPECT_FALSE(flows->set_administrator(standard.id, other->id, false).administrator);
  EXPECT_THROW(flows->set_administrator(standard.id, standard.id, false), FailedPreconditionError);
  EXPECT_TRUE(store->snapshot()->user(standard.id)->administrator);
}

// Issue 14: the daily digest is the user's own choice, or that of whoever may edit their details.
TEST_F(MunicipalSide, UsersChooseTheirOwnDailyDigestAndEditorsOthers) {
  const Task& t = task();
  const ProjectId p = project_of(t);
  const User* standard = nullptr;  // a Standardbruger who administers nobody
  for (const User& u : data.users)
    if (u.municipality == t.municipality && u.type_on(p) == UserType::Standard && !u.administrator &&
        std::none_of(u.memberships.begin(), u.memberships.end(),
                     [](const Membership& m) { return m.type == UserType::Plus; }))
      standard = &u;
  ASSERT_NE(standard, nullptr);
  const User* other = nullptr;  // someone whose details the Standardbruger may not edit
  for (const User& u : data.users)
    if (u.municipality == t.municipality && u.id != standard->id &&
        !RightsModel::default_model().decide(*standard, Action::EditUser, Target::of(u)).allowed())
      other = &u;
  ASSERT_NE(other, nullptr);
  const User* admin = nullptr;
  for (const User& u : data.users)
    if (u.municipality == t.municipality && u.administrator) admin = &u;
  ASSERT_NE(admin, nullptr);

  const User own = flows->set_daily_digest(standard->id, standard->id, true);
  EXPECT_TRUE(own.daily_digest);
  EXPECT_EQ(own.version, standard->version + 1);
  EXPECT_EQ(flows->set_daily_digest(standard->id, standard->id, true).version, own.version);  // no effect, no write
  EXPECT_THROW(flows->set_daily_digest(standard->id, other->id, true), PermissionDeniedError);
  EXPECT_THROW(flows->set_daily_digest(standard->id, other->id, false), PermissionDeniedError)
      << "the right is needed even for the current value";
  EXPECT_FALSE(store->snapshot()->user(other->id)->daily_digest);
  EXPECT_TRUE(flows->set_daily_digest(admin->id, other->id, true).daily_digest);
  EXPECT_FALSE(flows->set_daily_digest(admin->id, standard->id, false).daily_digest);
  // A KOMBIT user, who edits no user details, still chooses their own.
  EXPECT_TRUE(flows->set_daily_digest(kombit_admin().id, kombit_admin().id, true).daily_digest);
  EXPECT_EQ(message_of<NotFoundError>([&] { flows->set_daily_digest(stranger_of(t)->id, standard->id, true); }),
            "user not found");
  // The journal names the change.
  const auto history = flows->user_history(admin->id, other->id, 1);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].operation, "set_daily_digest");
}

// The routing's invariant (docs/notifications.md) over every workflow that notifies about a task: each recipient
// may see the task (or the local task) the notification is about, and no Læser gets
// task mail. Checked on the outbox after a day of ordinary work.
TEST_F(MunicipalSide, TaskMailGoesOnlyToPeopleWhoMaySeeTheTaskAndNeverToReaders) {
  const UserId kombit = kombit_admin().id;
  std::size_t worked = 0;
  for (const Task& t : data.tasks) {
    if (worked == 12) break;
    const ProjectId p = project_of(t);
    const User* plus = find(t.municipality, p, UserType::Plus);
    const User* light = find(t.municipality, p, UserType::Light);
    if (!plus || !light || t.status == TaskStatus::NotActive) continue;
    ++worked;
    flows->change_task(plus->id, {.task = t.id, .performer = light->id});
    flows->write_message(plus->id, t.id, "Status fra kommunen");
    flows->write_message(kombit, t.id, "Spørgsmål fra KOMBIT");
    LocalTask l;
    l.parent = t.id;
    l.title = "Lokal opfølgning";
    l.end = Date(2026, 2, 20);  // red on the sweep day below
    l.responsible = light->id;
    flows->create_local_task(plus->id, l);
  }
  ASSERT_EQ(worked, 12u);
  sweep_to_outbox(*store, Date(2026, 3, 2), clock.now());

  const Snapshot snap = store->snapshot();
  const RightsModel& rights = flows->rights();
  std::size_t checked = 0;
  for (const Notification& n : store->outbox()) {
    const auto payload = nlohmann::json::parse(n.payload);
    if (!payload.contains("task")) continue;  // user and project mail
    const TaskId task(payload["task"].get<std::uint32_t>());
    const auto t = snap->task(task);
    ASSERT_TRUE(t.has_value()) << n.event;
    TaskFacts facts = task_facts(*t, *snap->project_of(task));
    if (payload.contains("local_task")) {
      const LocalTask* local = snap->local_task(LocalTaskId(payload["local_task"].get<std::uint32_t>()));
      ASSERT_NE(local, nullptr) << n.event;
      facts = local_task_facts(*local, *t, facts.project);
    }
    for (const UserId who : n.recipients) {
      const User* u = snap->user(who);
      ASSERT_NE(u, nullptr) << n.event;
      EXPECT_TRUE(rights.decide(*u, Action::ViewTask, facts, snap->projects()).allowed())
          << n.event << " to " << u->full_name << " who may not see task " << task.value();
      EXPECT_NE(u->type_on(facts.project), UserType::Reader) << n.event << " to a Læser";
      ++checked;
    }
  }
  EXPECT_GT(checked, 40u);  // the day's work produced mail to check
}
