#include "klik/json.hpp"

#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "klik/error.hpp"
#include "klik/synthetic.hpp"

using namespace klik;
using nlohmann::json;

namespace {

Dataset small_world() {
  synthetic::Options o;
  o.municipalities = 3;
  o.scale = 0.25;
  o.local_task_share = 0.05;
  return synthetic::generate(o);
}

/// Expects `text` to be refused with an error whose where() is `path` and whose
/// message contains `fragment`.
template <class T>
void expect_refused(const std::string& text, const std::string& path, const std::string& fragment) {
  try {
    (void)from_json<T>(text);
    ADD_FAILURE() << "accepted: " << text;
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(e.where(), path) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Json, EveryEntityRoundTrips) {
  const Dataset d = small_world();
  ASSERT_FALSE(d.local_tasks.empty());
  ASSERT_FALSE(d.messages.empty());
  ASSERT_FALSE(d.internal_notes.empty());
  EXPECT_EQ(from_json<Municipality>(to_json(d.municipalities[0])), d.municipalities[0]);
  EXPECT_EQ(from_json<Project>(to_json(d.projects[0])), d.projects[0]);
  EXPECT_EQ(from_json<RolloutWave>(to_json(d.waves[0])), d.waves[0]);
  for (const auto& t : d.templates) ASSERT_EQ(from_json<TaskTemplate>(to_json(t)), t);
  for (const auto& t : d.tasks) ASSERT_EQ(from_json<Task>(to_json(t)), t);
  EXPECT_EQ(from_json<LocalTask>(to_json(d.local_tasks[0])), d.local_tasks[0]);
  for (const auto& u : d.users) ASSERT_EQ(from_json<User>(to_json(u)), u);
  for (const auto& m : d.messages) ASSERT_EQ(from_json<Message>(to_json(m)), m);
  EXPECT_EQ(from_json<InternalNote>(to_json(d.internal_notes[0])), d.internal_notes[0]);
}

// Issue 14: a user's daily digest choice; JSON from before it reads as false.
TEST(Json, DailyDigestRoundTripsAndIsFalseWhenAbsent) {
  User u = small_world().users[0];
  EXPECT_EQ(to_json(u).find("daily_digest"), std::string::npos) << "omitted when false";
  u.daily_digest = true;
  const std::string text = to_json(u);
  EXPECT_NE(text.find(R"("daily_digest":true)"), std::string::npos) << text;
  EXPECT_EQ(from_json<User>(text), u);
  EXPECT_FALSE(from_json<User>(R"({"id":3,"email":"a@b.dk","full_name":"A"})").daily_digest);
  expect_refused<User>(R"({"id":3,"email":"a@b.dk","full_name":"A","daily_digest":"ja"})", "/daily_digest",
                       "expected true or false");
}

TEST(Json, AttachmentContentIsBase64AndBinarySafe) {
  Attachment a;
  a.id = AttachmentId(7);
  a.task = TaskId(1);
  a.file_name = "bilag.bin";
  a.media_type = "application/octet-stream";
  for (int len = 0; len < 7; ++len) {
    a.content.assign(static_cast<std::size_t>(len), '\0');
    for (int i = 0; i < len; ++i) a.content[static_cast<std::size_t>(i)] = static_cast<char>(250 + i);
    a.size = a.content.size();
    const std::string text = to_json(a);
    EXPECT_EQ(from_json<Attachment>(text), a) << text;
  }
  EXPECT_EQ(json::parse(to_json(a))["content_base64"], "+vv8/f7/");
}

TEST(Json, DatasetRoundTripsWhole) {
  const Dataset d = small_world();
  const std::string text = to_json(d, 1);
  const Dataset back = from_json<Dataset>(text);
  EXPECT_EQ(back, d);
  EXPECT_EQ(json::parse(text)["format"], "klik-dataset/1");
}

TEST(Json, DanishLabelsAreAcceptedOnInput) {
  const Task t = from_json<Task>(R"({"id": 1, "template": 2, "municipality": 101, "status": "Påbegyndt"})");
  EXPECT_EQ(t.status, TaskStatus::Started);
  EXPECT_FALSE(t.responsible.has_value());
  EXPECT_EQ(t.version, 1u);
  // and output always uses the stable code
  EXPECT_EQ(json::parse(to_json(t))["status"], "started");
}

TEST(Json, ErrorsNameThePathAndTheProblem) {
  expect_refused<Task>(R"({"id": 1, "template": 2, "municipality": 101})", "/status", "required field is missing");
  expect_refused<Task>(R"({"id": 1, "template": 2, "municipality": 101, "status": "paused"})", "/status",
                       "unknown TaskStatus \"paused\"");
  expect_refused<Task>(R"({"id": "1", "template": 2, "municipality": 101, "status": "started"})", "/id",
                       "expected an integer");
  expect_refused<Task>(R"({"id": -4, "template": 2, "municipality": 101, "status": "started"})", "/id", "out of range");
  expect_refused<Task>(R"({"id": 1, "template": 2, "municipality": 70000, "status": "started"})", "/municipality",
                       "out of range");
  expect_refused<Task>(R"({"id": 1, "template": 2, "municipality": 101, "status": "started", "colour": "red"})",
                       "/colour", "unknown field");
  expect_refused<Task>(
      R"({"id": 1, "template": 2, "municipality": 101, "status": "started", "end_override": "2025-02-30"})",
      "/end_override", "2025-02-30");
  expect_refused<Task>(R"([1, 2])", "/", "expected an object");
  expect_refused<Task>(R"({"id": 1,)", "", "not valid JSON");
  expect_refused<TaskTemplate>(
      R"({"id": 1, "project": 1, "title": "x", "phase": 1, "theme": 1, "priority": "mandatory", "end": "2025-05-01"})",
      "", "exactly one of latest_start and duration_workdays");
  expect_refused<User>(
      R"({"id": 1, "email": "a@b.dk", "full_name": "A", "memberships": [{"project": 1, "type": "boss"}]})",
      "/memberships/0/type", "unknown UserType");
  expect_refused<Attachment>(
      R"({"id": 1, "task": 1, "file_name": "a", "uploaded_by": 1, "time": "2025-01-01T00:00:00Z", "content_base64": "a$=="})",
      "/content_base64", "invalid base64");
}

TEST(Json, DatasetErrorsNameTheElement) {
  json doc = json::parse(to_json(small_world()));
  doc["tasks"][5]["status"] = "Ikke påbegynd";
  try {
    (void)from_json<Dataset>(doc.dump());
    FAIL();
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(e.where(), "/tasks/5/status") << e.what();
    EXPECT_NE(std::string(e.what()).find("Ikke påbegynd"), std::string::npos);
  }
}

TEST(Json, InconsistentDatasetIsRefusedWhole) {
  json doc = json::parse(to_json(small_world()));
  doc["tasks"][3]["template"] = 999999;
  doc["users"][1]["email"] = doc["users"][0]["email"].get<std::string>() + "  ";
  try {
    (void)from_json<Dataset>(doc.dump());
    FAIL();
  } catch (const InvalidArgumentError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("/tasks/3/template: unknown template 999999"), std::string::npos) << what;
    EXPECT_NE(what.find("/users/1/email: a user with email"), std::string::npos) << what;
  }
  doc = json::parse(to_json(small_world()));
  doc["format"] = "klik-dataset/99";
  EXPECT_THROW((void)from_json<Dataset>(doc.dump()), InvalidArgumentError);
}

TEST(Validate, FindsEachKindOfInconsistency) {
  Dataset d = small_world();
  ASSERT_TRUE(validate(d).empty());
  d.templates[0].latest_start = d.templates[0].end + 1;
  d.templates[0].duration_workdays.reset();
  d.templates[1].phase = 9;
  d.tasks[0].responsible = UserId(999999);
  // a user of another municipality assigned to a task
  const auto other = std::find_if(d.users.begin(), d.users.end(), [&](const User& u) {
    return u.municipality && *u.municipality != d.tasks[1].municipality;
  });
  d.tasks[1].performer = other->id;
  d.users[2].municipality.reset();
  const auto v = validate(d);
  auto has = [&](const std::string& path, const std::string& fragment) {
    return std::any_of(v.begin(), v.end(), [&](const Violation& x) {
      return x.path == path && x.message.find(fragment) != std::string::npos;
    });
  };
  EXPECT_TRUE(has("/templates/0/latest_start", "after the end date"));
  EXPECT_TRUE(has("/templates/1/phase", "phase 9"));
  EXPECT_TRUE(has("/tasks/0/responsible", "unknown user 999999"));
  EXPECT_TRUE(has("/tasks/1/performer", "is not a user of municipality"));
  EXPECT_TRUE(has("/users/2/municipality", "needs a municipality"));
}

TEST(Validate, WavesAndTasksOfMunicipalitiesThatLeft) {
  Dataset d = small_world();
  // A municipality is in at most one wave per project, and only of a project it takes part in.
  const auto w = std::find_if(d.waves.begin(), d.waves.end(), [](const RolloutWave& x) { return !x.members.empty(); });
  const auto sibling = std::find_if(d.waves.begin(), d.waves.end(),
                                    [&](const RolloutWave& x) { return x.project == w->project && x.id != w->id; });
  ASSERT_NE(sibling, d.waves.end());
  sibling->members.push_back(w->members.front());
  const auto i = static_cast<std::size_t>(sibling - d.waves.begin());
  const std::string twice = "/waves/" + std::to_string(i) + "/members/" + std::to_string(sibling->members.size() - 1);
  auto v = validate(d);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].path, twice);
  EXPECT_NE(v[0].message.find("is already in wave"), std::string::npos) << v[0].message;
  sibling->members.back() = MunicipalityId(999);
  EXPECT_EQ(validate(d).at(0).message, "unknown municipality 999");
  sibling->members.pop_back();
  // A task of a municipality that does not take part in its project: only as not active.
  Project& p = d.projects[0];
  const MunicipalityId gone = p.participants.back();
  p.participants.pop_back();
  for (RolloutWave& x : d.waves)
    if (x.project == p.id) std::erase(x.members, gone);
  for (User& u : d.users)
    if (u.municipality == gone) std::erase_if(u.memberships, [&](const Membership& m) { return m.project == p.id; });
  std::size_t active = 0;
  for (Task& t : d.tasks)
    if (t.municipality == gone && d.templates[t.template_id.value() - 1].project == p.id) {
      t.responsible.reset(), t.performer.reset();
      active += t.status != TaskStatus::NotActive;
    }
  ASSERT_GT(active, 0u);
  std::set<TaskId> on_p;
  for (const Task& t : d.tasks)
    if (t.municipality == gone && d.templates[t.template_id.value() - 1].project == p.id) on_p.insert(t.id);
  for (LocalTask& l : d.local_tasks)
    if (on_p.contains(l.parent)) l.responsible.reset(), l.performer.reset();
  v = validate(d);
  EXPECT_EQ(v.size(), active);
  EXPECT_NE(v.at(0).message.find("can only be not_active"), std::string::npos) << v.at(0).message;
  for (Task& t : d.tasks)
    if (t.municipality == gone && d.templates[t.template_id.value() - 1].project == p.id)
      t.status = TaskStatus::NotActive;
  EXPECT_TRUE(validate(d).empty()) << validate(d).at(0).path << ": " << validate(d).at(0).message;
}
