// The audit journal seen through the workflows: every call journaled under its
// actor and name at the clock's time, and histories shown only to those who may
// see the object (another municipality's task or user "not found", byte for
// byte). The store-level contract (every backend, as-of views, pruning) is in
// store_contract_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "klik/accounts.hpp"
#include "klik/journal.hpp"
#include "klik/publishing.hpp"
#include "klik/workflows.hpp"
#include "workflow_fixture.hpp"

using namespace klik;

namespace {

struct Journal : klik::testing::Fixture {
  /// A task with a Plusbruger and a Læser of its municipality on its project,
  /// and a Plusbruger of another municipality.
  struct Cast {
    const Task* task = nullptr;
    const User* plus = nullptr;
    const User* reader = nullptr;
    const User* stranger = nullptr;
  };
  Cast cast() const {
    for (const Task& t : data.tasks) {
      Cast c{&t, find(t.municipality, project_of(t), UserType::Plus),
             find(t.municipality, project_of(t), UserType::Reader), nullptr};
      for (const User& u : data.users)
        if (u.municipality && *u.municipality != t.municipality && u.type_on(project_of(t)) == UserType::Plus)
          c.stranger = &u;
      if (c.plus && c.reader && c.stranger) return c;
    }
    ADD_FAILURE() << "no task with a Plusbruger, a Læser and a stranger";
    return {};
  }
  TaskStatus another(TaskStatus s) const {
    return s == TaskStatus::Started ? TaskStatus::Completed : TaskStatus::Started;
  }
  template <class F>
  static std::string not_found_text(F&& f) {
    try {
      f();
    } catch (const NotFoundError& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected NotFoundError";
    return {};
  }
  const JournalEntry& newest() {
    last_ = store->journal({.limit = 1});
    EXPECT_EQ(last_.size(), 1u);
    return last_.at(0);
  }
  std::vector<JournalEntry> last_;
};

}  // namespace

TEST_F(Journal, EachWorkflowCallIsJournaledUnderItsActorAndNameAtTheClocksTime) {
  const Cast c = cast();
  clock.set(Timestamp(1'772'600'000));
  (void)flows->change_task(c.plus->id, {.task = c.task->id, .status = another(c.task->status)});
  {
    const JournalEntry& e = newest();
    EXPECT_EQ(e.actor, c.plus->id);
    EXPECT_EQ(e.operation, "change_task");
    EXPECT_EQ(e.at, Timestamp(1'772'600'000));
    ASSERT_EQ(e.objects.size(), 1u);
    EXPECT_EQ(changed_fields(e.objects[0]), std::vector<std::string>{"status"});
  }
  clock.set(Timestamp(1'772'600'060));
  (void)flows->write_message(c.plus->id, c.task->id, "Hvornår kommer testmiljøet?");
  EXPECT_EQ(newest().operation, "write_message");
  EXPECT_EQ(newest().objects.at(0).kind, JournalObject::Message);
  EXPECT_EQ(newest().at, Timestamp(1'772'600'060));
  flows->set_internal_notes(c.plus->id, c.task->id, "Husk kontrakten");
  EXPECT_EQ(newest().operation, "set_internal_notes");

  // KOMBIT's side: a wave's shift is journaled as set_wave_shift, not as the edit it goes through.
  Publishing publishing(*store, clock);
  const RolloutWave& wave = data.waves.at(0);
  (void)publishing.set_wave_shift(kombit_admin().id, wave.id, wave.shift_workdays + 3);
  EXPECT_EQ(newest().operation, "set_wave_shift");
  EXPECT_EQ(newest().actor, kombit_admin().id);
  EXPECT_EQ(changed_fields(newest().objects.at(0)), std::vector<std::string>{"shift_workdays"});

  // Accounts: a reset link is journaled on the account, without the token.
  AccountPolicy fast;
  fast.hashing = HashParameters::minimum();
  Accounts accounts(*store, clock, fast);
  const User& admin = *std::find_if(data.users.begin(), data.users.end(), [&](const User& u) {
    return u.administrator && u.municipality == c.plus->municipality;
  });
  accounts.send_reset_link(admin.id, c.reader->id);
  const JournalEntry& reset = newest();
  EXPECT_EQ(reset.operation, "send_reset_link");
  EXPECT_EQ(reset.actor, admin.id);
  ASSERT_EQ(reset.objects.size(), 1u);
  EXPECT_EQ(reset.objects[0].kind, JournalObject::Account);
  EXPECT_NE(reset.objects[0].after.find("\"reset_link_outstanding\":true"), std::string::npos)
      << reset.objects[0].after;
  EXPECT_EQ(reset.objects[0].after.find("hash"), std::string::npos) << reset.objects[0].after;

  // A refused call journals nothing.
  const std::size_t n = store->journal().size();
  EXPECT_THROW((void)flows->change_task(c.reader->id, {.task = c.task->id, .status = c.task->status}),
               PermissionDeniedError);
  EXPECT_EQ(store->journal().size(), n);
}

TEST_F(Journal, ATasksHistoryShowsItsNotesOnlyToThoseWhoMayReadThem) {
  const Cast c = cast();
  const TaskStatus first = another(c.task->status);
  (void)flows->change_task(c.plus->id, {.task = c.task->id, .status = first});
  flows->set_internal_notes(c.plus->id, c.task->id, "Husk kontrakten");
  (void)flows->change_task(c.plus->id, {.task = c.task->id, .status = another(first)});
  // Another task's change is not in this history.
  const auto other = std::find_if(data.tasks.begin(), data.tasks.end(), [&](const Task& t) {
    return t.municipality == c.task->municipality && t.id != c.task->id && project_of(t) == project_of(*c.task);
  });
  ASSERT_NE(other, data.tasks.end());
  (void)flows->change_task(c.plus->id, {.task = other->id, .status = another(other->status)});

  const auto history = flows->task_history(c.plus->id, c.task->id);
  ASSERT_EQ(history.size(), 3u);  // newest first: status, notes, status
  EXPECT_EQ(history[0].operation, "change_task");
  EXPECT_EQ(history[1].operation, "set_internal_notes");
  EXPECT_EQ(history[1].objects.at(0).kind, JournalObject::Notes);
  EXPECT_EQ(history[2].operation, "change_task");
  EXPECT_GT(history[0].sequence, history[1].sequence);
  EXPECT_EQ(flows->task_history(c.plus->id, c.task->id, 1).size(), 1u);

  // KOMBIT sees the task but not the municipality's internal notes.
  const auto kombit = flows->task_history(kombit_admin().id, c.task->id);
  ASSERT_EQ(kombit.size(), 2u);
  for (const JournalEntry& e : kombit) EXPECT_EQ(e.objects.at(0).kind, JournalObject::Task);
}

TEST_F(Journal, AnotherMunicipalitysTaskOrUserHasNoHistoryAndSaysSoLikeAMissingOne) {
  const Cast c = cast();
  (void)flows->change_task(c.plus->id, {.task = c.task->id, .status = another(c.task->status)});
  const std::string foreign = not_found_text([&] { (void)flows->task_history(c.stranger->id, c.task->id); });
  const std::string missing = not_found_text([&] { (void)flows->task_history(c.stranger->id, TaskId(9'999'999)); });
  EXPECT_EQ(foreign, missing);
  EXPECT_EQ(not_found_text([&] { (void)flows->user_history(c.stranger->id, c.plus->id); }),
            not_found_text([&] { (void)flows->user_history(c.stranger->id, UserId(9'999'999)); }));
  EXPECT_THROW((void)flows->task_history(c.plus->id, c.task->id, 0), InvalidArgumentError);
  EXPECT_THROW((void)flows->task_history(c.plus->id, c.task->id, 1001), InvalidArgumentError);
}

TEST_F(Journal, AUsersHistoryHoldsTheirRecordAndAccountWithoutSecrets) {
  const Cast c = cast();
  const User& admin = *std::find_if(data.users.begin(), data.users.end(), [&](const User& u) {
    return u.administrator && u.municipality == c.plus->municipality;
  });
  (void)flows->edit_user(admin.id, {.user = c.reader->id, .full_name = "Læser Omdøbt"});
  AccountPolicy fast;
  fast.hashing = HashParameters::minimum();
  Accounts accounts(*store, clock, fast);
  accounts.send_reset_link(admin.id, c.reader->id);
  const auto history = flows->user_history(admin.id, c.reader->id);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].operation, "send_reset_link");
  EXPECT_EQ(history[0].objects.at(0).kind, JournalObject::Account);
  EXPECT_EQ(history[1].operation, "edit_user");
  EXPECT_EQ(changed_fields(history[1].objects.at(0)), std::vector<std::string>{"full_name"});
  for (const JournalEntry& e : history) EXPECT_EQ(to_json(e).find("hash"), std::string::npos) << to_json(e);
}

TEST(JournalEntryJson, RoundTripsAndRefusesWhatItDidNotWrite) {
  JournalEntry e;
  e.sequence = 42;
  e.at = Timestamp(1'772'600'000);
  e.actor = UserId(7);
  e.operation = "change_task";
  e.objects.push_back(
      {JournalObject::Task, 3, R"({"id":3,"status":0,"version":1})", R"({"id":3,"status":1,"version":2})"});
  e.objects.push_back({JournalObject::Message, 9, "", R"({"id":9,"text":"hej"})"});
  const std::string text = to_json(e);
  EXPECT_EQ(journal_entry_from_json(text), e);
  EXPECT_EQ(changed_fields(e.objects[0]), std::vector<std::string>{"status"});
  EXPECT_EQ(changed_fields(e.objects[1]), (std::vector<std::string>{"id", "text"}));
  JournalEntry system = e;
  system.actor.reset();
  EXPECT_EQ(journal_entry_from_json(to_json(system)), system);
  for (const std::string& bad :
       {std::string(R"({"sequence":1})"), std::string("[]"), std::string("{"),
        std::string(R"({"sequence":1,"at":"2026-03-02T10:00:00Z","actor":null,"operation":"x",)"
                    R"("objects":[{"kind":"planet","id":1,"before":null,"after":null}]})")})
    EXPECT_THROW((void)journal_entry_from_json(bad), InvalidArgumentError) << bad;
  EXPECT_EQ(journal_object_from_code("local_task"), JournalObject::LocalTask);
  EXPECT_EQ(journal_object_from_code("planet"), std::nullopt);
  EXPECT_EQ(code(JournalObject::Account), "account");
}
