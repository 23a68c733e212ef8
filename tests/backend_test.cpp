// The storage seam (klik/backend.hpp): changes as JSON, the form SQL backends
// keep in their change sequence and other processes read back.
#include <gtest/gtest.h>

#include <set>

#include "klik/backend.hpp"
#include "klik/json.hpp"
#include "store_test_support.hpp"

using namespace klik;

namespace {

std::vector<Change> one_of_each() {
  const Dataset d = klik::testing::small_dataset();
  const Task& t = d.tasks.at(0);
  User u = d.users.at(0);
  LocalTask l = d.local_tasks.empty() ? LocalTask{} : d.local_tasks.at(0);
  Message m;
  m.id = MessageId(7);
  m.target.task = t.id;
  m.author = u.id;
  m.time = Timestamp(1'700'000'000);
  m.text = "Hej, æøå";
  Attachment a;
  a.id = AttachmentId(3);
  a.task = t.id;
  a.file_name = "plan.pdf";
  a.media_type = "application/pdf";
  a.uploaded_by = u.id;
  a.time = Timestamp(1'700'000'100);
  a.size = 5;
  Task cleared = t;
  cleared.responsible.reset();
  Credentials account{u.id,
                      "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA",
                      std::string(64, 'a'),
                      Timestamp(1'800'000'000),
                      4,
                      Timestamp(1'700'000'200)};
  UserSaved created{u, true, UserAllFields, {}};
  created.credentials = account;
  Task left = cleared;
  left.status = TaskStatus::NotActive;
  Task fresh;
  fresh.id = TaskId(4000);
  fresh.template_id = d.templates.at(0).id;
  fresh.municipality = t.municipality;
  RolloutWave shifted = d.waves.at(0);
  shifted.shift_workdays = -12;
  return {TaskChanged{t, TaskStatusField | TaskEndField},
          UserSaved{u, false, UserEmailField, ClearedAssignments{{cleared}, {TaskResponsibleField}, {l}}},
          UserSaved{u, true, UserAllFields, {}},
          UserRemoved{u.id, ClearedAssignments{{cleared}, {TaskResponsibleField}, {}}}, LocalTaskSaved{l, true},
          LocalTaskRemoved{LocalTaskId(9)}, MessageAdded{m}, NotesSet{t.id, "interne noter"}, NotesSet{t.id, ""},
          AttachmentAdded{a}, ColoursNotified{{{t.id, DeadlineColour::Red}, {TaskId(2), std::nullopt}}},
          NotificationsOnly{}, AttachmentRemoved{AttachmentId(3)}, created, CredentialsSaved{account},
          // KOMBIT's side: a project a municipality left (its task not active and
          // unassigned, its user out, its wave without it), a wave, a template published.
          ProjectSaved{d.projects.at(0),
                       false,
                       TaskBatch{{}, {left}, {TaskStatusField | TaskResponsibleField}, {l}},
                       {d.waves.at(0)},
                       {u}},
          ProjectSaved{d.projects.at(1), true, {}, {}, {}}, WaveSaved{shifted, false},
          TemplateSaved{d.templates.at(0), true, TaskBatch{{fresh}, {}, {}, {}}},
          TemplateSaved{d.templates.at(1), false, TaskBatch{{}, {left}, {TaskStatusField}, {}}}};
}

/// A user whose id is 1 (for hand-written change texts).
User detail_free_user() {
  User u;
  u.id = UserId(1);
  u.email = "a@b.dk";
  u.full_name = "A";
  u.side = Side::Kombit;
  return u;
}

}  // namespace

TEST(ChangeJson, EveryKindRoundTrips) {
  std::set<std::size_t> kinds;
  for (const Change& c : one_of_each()) kinds.insert(c.index());
  EXPECT_EQ(kinds.size(), std::variant_size_v<Change>) << "one_of_each() lacks a kind of change";
  for (const Change& c : one_of_each()) {
    SCOPED_TRACE(std::string(change_kind(c)));
    const std::string text = to_json(c);
    EXPECT_EQ(change_from_json(text), c) << text;
    EXPECT_NE(text.find("\"kind\":\"" + std::string(change_kind(c)) + "\""), std::string::npos) << text;
  }
}

TEST(ChangeJson, AttachmentContentStaysOutOfTheSequence) {
  Attachment a;
  a.id = AttachmentId(1);
  a.task = TaskId(1);
  a.file_name = "x.txt";
  a.uploaded_by = UserId(1);
  a.content = "secret bytes";
  const std::string text = to_json(AttachmentAdded{a});
  EXPECT_EQ(text.find("content"), std::string::npos) << text;
  const auto back = std::get<AttachmentAdded>(change_from_json(text));
  EXPECT_TRUE(back.attachment.content.empty());
  EXPECT_EQ(back.attachment.size, a.content.size());
}

TEST(ChangeJson, BadInputIsAValidationErrorNamingThePath) {
  auto where = [](std::string_view text) {
    try {
      (void)change_from_json(text);
    } catch (const InvalidArgumentError& e) {
      return std::string(e.where()) + " | " + e.what();
    }
    return std::string("accepted");
  };
  EXPECT_EQ(where(R"({"kind":"teleport"})").substr(0, 6), "/kind ");
  EXPECT_EQ(where(R"({"kind":"task","task":{"id":1},"fields":1})").rfind("/task", 0), 0u);
  EXPECT_NE(where(R"({"kind":"task","fields":1})"), "accepted");  // no task
  EXPECT_EQ(where(R"({"kind":"colours","colours":[[1,"purple"]]})").rfind("/colours/0/1", 0), 0u);
  EXPECT_EQ(where(R"({"kind":"notes","task":1,"text":"x","extra":2})").rfind("/extra", 0), 0u);
  EXPECT_NE(where("[[[["), "accepted");
  // Account records are checked as a dataset's are, and belong to the user they come with.
  EXPECT_EQ(where(R"({"kind":"credentials","credentials":{"user":1,"reset_token_hash":"xyz"}})")
                .rfind("/credentials/reset_token_hash", 0),
            0u);
  EXPECT_EQ(where(R"({"kind":"credentials","credentials":{"user":0}})").rfind("/credentials/user", 0), 0u);
  EXPECT_NE(where(R"({"kind":"credentials","credentials":{"user":1,"password_hash":"a b"}})"), "accepted");
  EXPECT_NE(where(R"({"kind":"credentials","credentials":{"user":1,"failed_logins":-1}})"), "accepted");
  const std::string user = to_json(detail_free_user());
  EXPECT_EQ(where(R"({"kind":"user","user":)" + user +
                  R"(,"fields":255,"cleared":{"tasks":[],"local_tasks":[]},"credentials":{"user":99}})")
                .rfind("/credentials/user", 0),
            0u);
  // KOMBIT's kinds: every part required, every value checked.
  EXPECT_NE(where(R"({"kind":"wave","created":true})"), "accepted");  // no wave
  EXPECT_EQ(where(R"({"kind":"wave","wave":{"id":1,"project":1,"name":"B","members":[],"shift_workdays":"x"}})")
                .rfind("/wave", 0),
            0u);
  EXPECT_EQ(where(R"({"kind":"template","template":{"id":1},"tasks":{"added":[],"changed":[],"local_tasks":[]}})")
                .rfind("/template", 0),
            0u);
  EXPECT_EQ(where(R"({"kind":"project","project":1,"tasks":{},"waves":[],"users":[]})").rfind("/project", 0), 0u);
  const std::string tpl = to_json(TemplateSaved{klik::testing::small_dataset().templates.at(0), true, {}});
  std::string bad_fields = tpl;
  bad_fields.replace(bad_fields.find("\"changed\":[]"), 12, R"("changed":[{"task":{},"fields":99}])");
  EXPECT_EQ(where(bad_fields).rfind("/tasks/changed/0/", 0), 0u) << where(bad_fields);
  std::string not_array = tpl;
  not_array.replace(not_array.find("\"added\":[]"), 10, R"("added":{})");
  EXPECT_EQ(where(not_array).rfind("/tasks/added", 0), 0u) << where(not_array);
}

TEST(ChangeJson, FieldNamesFollowTheBits) {
  EXPECT_EQ(task_field_names(TaskStatusField | TaskLatestStartField),
            (std::vector<std::string>{"status", "latest_start_override"}));
  EXPECT_EQ(user_field_names(UserPasswordField), std::vector<std::string>{"password_hash"});
  EXPECT_EQ(user_field_names(UserDailyDigestField | UserEmailField),
            (std::vector<std::string>{"email", "daily_digest"}));
  EXPECT_EQ(user_field_names(UserAllFields).size(), 9u);
  EXPECT_EQ(task_field_names(TaskAllFields).size(), 5u);
}
