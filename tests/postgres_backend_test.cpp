// The PostgreSQL backend through the Backend interface (what a Store calls):
// load/commit/replace round trips of every change kind, stale commits, the
// change sequence across processes, the outbox, streamed attachments and the
// errors of bad URLs. One throwaway server for the whole binary
// (pg_test_support.hpp), one fresh schema (search_path) per test.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "klik/postgres_store.hpp"
#include "klik/publishing.hpp"
#include "klik/query_engine.hpp"
#include "klik/synthetic.hpp"
#include "pg_test_support.hpp"

using namespace klik;

namespace {

/// A fresh schema in the shared cluster's database, named after the running test; returns its name.
std::string fresh_schema() {
  static int n = 0;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "t" + std::to_string(++n) + "_" + info->name();
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name.substr(0, 60);
}

Dataset small_world() {
  synthetic::Options o;
  o.municipalities = 2;
  o.scale = 0.17;
  o.local_task_share = 0.05;
  return synthetic::generate(o);
}

/// `d` as a backend gives it back: attachments without content.
Dataset without_content(Dataset d) {
  for (Attachment& a : d.attachments) a.content.clear();
  return d;
}

Notification note(const std::string& key, std::int64_t t = 1'700'000'000) {
  Notification n;
  n.event = "task.status";
  n.key = key;
  n.recipients = {UserId(1), UserId(7)};
  n.mailbox = "proj@example.dk";
  n.sender = "KOMBIT KLIK";
  n.link = "/tasks/1";
  n.payload = "{\"a\":1}";
  n.created = Timestamp(t);
  n.next_attempt = Timestamp(t);
  return n;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

class PostgresBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = fresh_schema();
    url_ = klik::testing::shared_pg_cluster().create_schema(schema_);
    backend_ = open_postgres_backend(url_);
  }
  std::string schema_;
  std::string url_;
  std::unique_ptr<Backend> backend_;
};

TEST_F(PostgresBackendTest, AnEmptyDatabaseLoadsAsAnEmptyWorldAtSequenceZero) {
  const StoredWorld w = backend_->load();
  EXPECT_EQ(w.data, Dataset{});
  EXPECT_EQ(w.sequence, 0u);
  EXPECT_TRUE(w.notified.empty());
  const auto none = backend_->changes_since(0);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  // The schema is created once and recorded.
  EXPECT_EQ(klik::testing::shared_pg_cluster().psql("klik", "SELECT version FROM " + schema_ + ".klik_schema"),
            std::to_string(postgres_schema_version) + "\n");
}

TEST_F(PostgresBackendTest, ReplaceThenLoadGivesTheWorldBackInAnyProcess) {
  const Dataset d = small_world();
  ASSERT_FALSE(d.attachments.empty());
  ASSERT_FALSE(d.local_tasks.empty());
  ASSERT_FALSE(d.internal_notes.empty());
  EXPECT_EQ(backend_->replace(d, {}, 0), 1u);
  const StoredWorld w = backend_->load();
  EXPECT_EQ(w.sequence, 1u);
  EXPECT_EQ(w.data, without_content(d));
  // A second backend (another process would do the same) reads the same world.
  const auto other = open_postgres_backend(url_);
  EXPECT_EQ(other->load().data, without_content(d));
  // The content is there, streamed.
  std::string content;
  backend_->read_attachment(d.attachments.front().id, [&](std::string_view c) { content.append(c); });
  EXPECT_EQ(content, d.attachments.front().content);
}

TEST_F(PostgresBackendTest, EveryChangeKindCommitsLoadsAndReplays) {
  Dataset d = small_world();
  backend_->replace(d, {}, 0);
  const auto other = open_postgres_backend(url_);
  ASSERT_EQ(other->load().sequence, 1u);

  std::vector<Change> changes;
  Task t = d.tasks.at(3);
  t.status = TaskStatus::Completed;
  t.responsible = d.users.front().id;
  t.version += 1;
  changes.emplace_back(TaskChanged{t, TaskStatusField | TaskResponsibleField});

  User u = d.users.back();
  u.id = UserId(900'000);
  u.email = "new.user@example.dk";
  u.version = 1;
  changes.emplace_back(UserSaved{u, true, UserAllFields, {}});
  User u2 = u;
  u2.full_name = "Renamed";
  u2.memberships.clear();
  u2.version = 2;
  changes.emplace_back(UserSaved{u2, false, UserFullNameField | UserMembershipsField, {}});

  LocalTask l = d.local_tasks.front();
  l.id = LocalTaskId(l.id.value() + 100'000);
  l.version = 1;
  changes.emplace_back(LocalTaskSaved{l, true});
  LocalTask l2 = l;
  l2.title = "Retitled\twith tab\nand newline \\ backslash";
  l2.version = 2;
  changes.emplace_back(LocalTaskSaved{l2, false});
  changes.emplace_back(LocalTaskRemoved{d.local_tasks.back().id});

  Message m = d.messages.front();
  m.id = MessageId(123'456'789);
  m.text = "Hej æøå 🙂";
  changes.emplace_back(MessageAdded{m});
  changes.emplace_back(NotesSet{d.tasks.at(5).id, "a note"});
  changes.emplace_back(NotesSet{d.internal_notes.front().task, ""});

  Attachment a = d.attachments.front();
  a.id = AttachmentId(777);
  a.content = std::string("\0\x01\xff binary", 10);
  a.size = a.content.size();
  changes.emplace_back(AttachmentAdded{a});
  changes.emplace_back(
      ColoursNotified{{{d.tasks.at(1).id, DeadlineColour::Red}, {d.tasks.at(2).id, DeadlineColour::Yellow}}});
  changes.emplace_back(ColoursNotified{{{d.tasks.at(2).id, std::nullopt}}});
  changes.emplace_back(NotificationsOnly{});

  // A user removed, clearing an assignment (the task's version bumped).
  const UserId gone = d.users.at(1).id;
  Task cleared = t;
  cleared.responsible.reset();
  cleared.version += 1;
  // (t's responsible was users.front(); clear it as if that user left.)
  changes.emplace_back(UserRemoved{gone, {{cleared}, {TaskResponsibleField}, {}}});

  std::uint64_t seq = 1;
  const Notification n = note("k");
  for (const Change& c : changes) {
    SCOPED_TRACE(std::string(change_kind(c)));
    EXPECT_EQ(backend_->commit(c, {&n, 1}, {}, seq), seq + 1);
    ++seq;
  }

  // The world as the changes describe it.
  Dataset expect = without_content(d);
  expect.tasks.at(3) = cleared;
  expect.users.push_back(u2);
  expect.users.erase(expect.users.begin() + 1);
  l2.version = 2;
  expect.local_tasks.pop_back();
  expect.local_tasks.push_back(l2);
  expect.messages.push_back(m);
  expect.internal_notes.erase(expect.internal_notes.begin());
  a.content.clear();
  expect.attachments.push_back(a);
  const StoredWorld w = backend_->load();
  EXPECT_EQ(w.sequence, seq);
  EXPECT_EQ(w.data.tasks, expect.tasks);
  EXPECT_EQ(w.data.local_tasks.size(), expect.local_tasks.size());
  EXPECT_NE(std::find(w.data.local_tasks.begin(), w.data.local_tasks.end(), l2), w.data.local_tasks.end());
  EXPECT_EQ(w.data.users.size(), expect.users.size());
  EXPECT_NE(std::find(w.data.users.begin(), w.data.users.end(), u2), w.data.users.end());
  EXPECT_EQ(w.data.messages, expect.messages);
  EXPECT_EQ(w.data.attachments, expect.attachments);
  std::vector<InternalNote> notes = expect.internal_notes;
  notes.push_back({d.tasks.at(5).id, "a note"});
  std::sort(notes.begin(), notes.end(), [](const auto& x, const auto& y) { return x.task < y.task; });
  EXPECT_EQ(w.data.internal_notes, notes);
  EXPECT_EQ(w.notified, (std::vector<std::pair<TaskId, DeadlineColour>>{{d.tasks.at(1).id, DeadlineColour::Red}}));
  // Field log: the task's two versions and the user's two.
  const auto has = [&](FieldLogEntry e) {
    return std::find(w.field_log.begin(), w.field_log.end(), e) != w.field_log.end();
  };
  EXPECT_TRUE(has({FieldLogEntry::Object::Task, t.id.value(), t.version, TaskStatusField | TaskResponsibleField}));
  EXPECT_TRUE(has({FieldLogEntry::Object::Task, t.id.value(), cleared.version, TaskResponsibleField}));
  std::string content;
  backend_->read_attachment(a.id, [&](std::string_view c) { content.append(c); });
  EXPECT_EQ(content, std::string("\0\x01\xff binary", 10));

  // Another backend replays exactly these changes, in order, attachment content left out.
  EXPECT_TRUE(other->may_have_changes());
  const auto replay = other->changes_since(1);
  ASSERT_TRUE(replay.has_value());
  ASSERT_EQ(replay->size(), changes.size());
  for (std::size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ((*replay)[i].sequence, 2 + i);
    Change c = changes[i];
    if (auto* att = std::get_if<AttachmentAdded>(&c)) att->attachment.content.clear();
    EXPECT_EQ((*replay)[i].change, c) << "change " << i << " (" << change_kind(c) << ")";
  }
  EXPECT_EQ(other->changes_since(seq)->size(), 0u);
  // One outbox entry per commit, ids increasing.
  const auto box = backend_->outbox();
  ASSERT_EQ(box.size(), changes.size());
  for (std::size_t i = 1; i < box.size(); ++i) EXPECT_LT(box[i - 1].id, box[i].id);
}

TEST_F(PostgresBackendTest, AnotherStoreCatchesUpWithKombitsChanges) {
  // KOMBIT's kinds (ProjectSaved, WaveSaved, TemplateSaved) in the change log; a
  // second store applies them as its own, wave-shifted dates included.
  const Dataset d = small_world();
  auto a = open_postgres_store(url_);
  a->import_dataset(d);
  auto b = open_postgres_store(url_);
  const FixedClock clock(Date(2025, 9, 1));
  Publishing kombit(*a, clock);
  const auto admin =
      std::find_if(d.users.begin(), d.users.end(), [](const User& u) { return u.email == "klik@kombit.dk"; });
  const RolloutWave& wave = d.waves.front();
  kombit.set_wave_shift(admin->id, wave.id, 7);
  TaskTemplate t{.project = wave.project, .title = "Ny", .end = Date(2026, 5, 29), .duration_workdays = 3};
  const TaskTemplate published = kombit.publish_template(admin->id, t);
  kombit.withdraw_template(admin->id, published.id);
  kombit.leave_project(admin->id, wave.project, d.projects.front().participants.back());
  b->refresh();
  EXPECT_EQ(a->sequence(), b->sequence());
  EXPECT_EQ(a->export_dataset(), b->export_dataset());
  TaskQuery q;
  q.limit = 5000;
  const Snapshot sa = a->snapshot(), sb = b->snapshot();
  EXPECT_EQ(list_tasks(sa.world(), RightsModel::default_model(), *admin, q, Date(2026, 1, 5)).rows,
            list_tasks(sb.world(), RightsModel::default_model(), *admin, q, Date(2026, 1, 5)).rows);
}

TEST_F(PostgresBackendTest, AStaleSequenceOrVersionIsAStaleErrorAndWritesNothing) {
  const Dataset d = small_world();
  backend_->replace(d, {}, 0);
  Task t = d.tasks.front();
  t.status = TaskStatus::Started;
  t.version += 1;
  const Notification n = note("stale");
  EXPECT_THROW(backend_->commit(TaskChanged{t, TaskStatusField}, {&n, 1}, {}, 0), StaleError);
  EXPECT_THROW(backend_->commit(TaskChanged{t, TaskStatusField}, {&n, 1}, {}, 2), StaleError);
  // The sequence is right but the row is not at the version before: another
  // writer got there (the version is checked in SQL, not only by the store).
  Task skipped = t;
  skipped.version += 1;
  const std::string msg = error_of([&] { backend_->commit(TaskChanged{skipped, TaskStatusField}, {&n, 1}, {}, 1); });
  EXPECT_NE(msg.find("is not at version"), std::string::npos) << msg;
  EXPECT_TRUE(backend_->outbox().empty());
  EXPECT_EQ(backend_->load().sequence, 1u);
  EXPECT_EQ(backend_->load().data.tasks.front(), d.tasks.front());
  EXPECT_EQ(backend_->commit(TaskChanged{t, TaskStatusField}, {&n, 1}, {}, 1), 2u);
  // A creation whose id is taken is stale too.
  User u = d.users.front();
  EXPECT_THROW(backend_->commit(UserSaved{u, true, UserAllFields, {}}, {}, {}, 2), StaleError);
  EXPECT_EQ(backend_->outbox().size(), 1u);
}

TEST_F(PostgresBackendTest, TwoWritersOnTheSameSequenceOneWinsTheOtherIsStale) {
  const Dataset d = small_world();
  backend_->replace(d, {}, 0);
  const auto other = open_postgres_backend(url_);
  std::atomic<int> stale{0}, won{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 2; ++k)
    threads.emplace_back([&, k] {
      Backend& b = k ? *other : *backend_;
      const Notification n = note("w" + std::to_string(k));
      try {
        b.commit(NotificationsOnly{}, {&n, 1}, {}, 1);
        ++won;
      } catch (const StaleError&) {
        ++stale;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(stale.load(), 1);
  EXPECT_EQ(backend_->outbox().size(), 1u);
}

TEST_F(PostgresBackendTest, AReplaceCannotBeReplayedAcross) {
  const Dataset d = small_world();
  backend_->replace(d, {}, 0);
  backend_->commit(NotificationsOnly{}, {}, {}, 1);
  EXPECT_EQ(backend_->changes_since(1)->size(), 1u);
  Dataset smaller = d;
  smaller.tasks.resize(10);
  smaller.local_tasks.clear();
  smaller.messages.clear();
  smaller.attachments.clear();
  smaller.internal_notes.clear();
  EXPECT_THROW(backend_->replace(smaller, {}, 1), StaleError);
  EXPECT_EQ(backend_->replace(smaller, {}, 2), 3u);
  EXPECT_FALSE(backend_->changes_since(0).has_value());
  EXPECT_FALSE(backend_->changes_since(1).has_value());
  EXPECT_FALSE(backend_->changes_since(2).has_value());
  EXPECT_EQ(backend_->changes_since(3)->size(), 0u);
  EXPECT_FALSE(backend_->changes_since(4).has_value()) << "a store ahead of the database reloads";
  EXPECT_EQ(backend_->load().data, smaller);
}

TEST_F(PostgresBackendTest, TheOutboxKeepsOrderDeliversAllOrNoneAndReschedules) {
  backend_->replace(Dataset{}, {}, 0);
  std::vector<Notification> ns;
  for (int i = 0; i < 450; ++i) ns.push_back(note("n" + std::to_string(i), 1000 + i));  // more than one batch
  backend_->commit(NotificationsOnly{}, ns, {}, 1);
  auto box = backend_->outbox();
  ASSERT_EQ(box.size(), 450u);
  for (std::size_t i = 0; i < box.size(); ++i) {
    EXPECT_EQ(box[i].key, "n" + std::to_string(i));
    Notification expect = ns[i];
    expect.id = box[i].id;
    EXPECT_EQ(box[i], expect);
  }
  EXPECT_EQ(backend_->pending_notifications(Timestamp(1009), 100).size(), 10u);
  EXPECT_EQ(backend_->pending_notifications(Timestamp(5000), 7).size(), 7u);
  const std::uint64_t ids[] = {box[0].id, box[1].id, box[1].id};
  backend_->mark_delivered(ids);
  const std::uint64_t bad[] = {box[2].id, 999'999};
  EXPECT_THROW(backend_->mark_delivered(bad), NotFoundError);
  EXPECT_FALSE(backend_->outbox()[2].delivered) << "all or none";
  backend_->reschedule(box[3].id, Timestamp(9999), "smtp down");
  EXPECT_THROW(backend_->reschedule(999'999, Timestamp(1), "x"), NotFoundError);
  box = backend_->outbox();
  EXPECT_TRUE(box[0].delivered && box[1].delivered);
  EXPECT_EQ(box[3].attempts, 1u);
  EXPECT_EQ(box[3].last_error, "smtp down");
  const auto due = backend_->pending_notifications(Timestamp(2000), 1000);
  EXPECT_EQ(due.size(), 447u);
  EXPECT_EQ(due.front().id, box[2].id);
}

TEST_F(PostgresBackendTest, AttachmentsAreStreamedInChunks) {
  Dataset d = small_world();
  Attachment& a = d.attachments.front();
  a.content.clear();
  for (std::uint32_t i = 0; i < 700'000; ++i) a.content += static_cast<char>(i * 7919u % 256u);
  a.size = a.content.size();
  backend_->replace(d, {}, 0);
  std::string back;
  int chunks = 0;
  backend_->read_attachment(a.id, [&](std::string_view c) {
    ++chunks;
    back.append(c);
  });
  EXPECT_EQ(back, a.content);
  EXPECT_GE(chunks, 3);
  EXPECT_THROW(backend_->read_attachment(AttachmentId(424242), [](std::string_view) {}), NotFoundError);
}

TEST_F(PostgresBackendTest, AnotherProcessCommitIsNoticedWithoutPolling) {
  backend_->replace(Dataset{}, {}, 0);
  const auto other = open_postgres_backend(url_);
  EXPECT_EQ(other->load().sequence, 1u);
  EXPECT_FALSE(other->may_have_changes());
  const auto start = std::chrono::steady_clock::now();
  backend_->commit(NotificationsOnly{}, {}, {}, 1);
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    seen = other->may_have_changes();
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(seen);
  EXPECT_LT(took, std::chrono::milliseconds(100));
  EXPECT_EQ(other->changes_since(1)->size(), 1u);
  EXPECT_FALSE(other->may_have_changes());
  EXPECT_FALSE(backend_->may_have_changes()) << "its own commit is no news";
}

TEST_F(PostgresBackendTest, TextWithNulIsRefusedAndNothingIsWritten) {
  backend_->replace(Dataset{}, {}, 0);
  Notification n = note("nul");
  n.sender = std::string("a\0b", 3);
  const std::string msg = error_of([&] { backend_->commit(NotificationsOnly{}, {&n, 1}, {}, 1); });
  EXPECT_NE(msg.find("U+0000"), std::string::npos) << msg;
  EXPECT_EQ(backend_->load().sequence, 1u);
  EXPECT_TRUE(backend_->outbox().empty());
}

TEST_F(PostgresBackendTest, ReadOnlyAndClosedBackendsRefuseWrites) {
  backend_->replace(Dataset{}, {}, 0);
  const auto ro = open_postgres_backend(url_, {.read_only = true});
  EXPECT_EQ(ro->load().sequence, 1u);
  EXPECT_THROW(ro->require_writable(), StorageError);
  EXPECT_THROW(ro->commit(NotificationsOnly{}, {}, {}, 1), StorageError);
  backend_->close();
  backend_->close();
  EXPECT_THROW(backend_->load(), FailedPreconditionError);
}

// What migration 5 (dead letters, daily digest) added, undone: a schema-4 database.
const std::string pg_undo_v5 =
    "DROP INDEX outbox_dead; DROP INDEX outbox_pending; ALTER TABLE outbox DROP COLUMN dead; "
    "CREATE INDEX outbox_pending ON outbox(next_attempt) WHERE NOT delivered; "
    "ALTER TABLE klik_user DROP COLUMN daily_digest; ";

TEST_F(PostgresBackendTest, SchemaFiveAddsDeadLettersAndKeepsTheOutbox) {
  const Dataset d = small_world();
  backend_->replace(d, {}, 0);
  const Notification two[] = {note("a", 1000), note("b", 1001)};
  backend_->commit(NotificationsOnly{}, two, {}, 1);
  const auto before = backend_->outbox();
  backend_->reschedule(before[1].id, Timestamp(1500), "smtp down");
  backend_->close();
  auto& cluster = klik::testing::shared_pg_cluster();
  cluster.psql("klik", "SET search_path = " + schema_ + "; " + pg_undo_v5 + "UPDATE klik_schema SET version = 4");
  const auto migrated = open_postgres_backend(url_);
  const StoredWorld w = migrated->load();
  EXPECT_EQ(w.data.users, d.users);
  for (const User& u : w.data.users) EXPECT_FALSE(u.daily_digest);
  auto box = migrated->outbox();
  ASSERT_EQ(box.size(), 2u);
  EXPECT_FALSE(box[0].dead_letter || box[1].dead_letter);
  EXPECT_EQ(box[1].last_error, "smtp down");
  EXPECT_EQ(migrated->outbox_counts(Timestamp(1200)),
            (OutboxCounts{.pending = 2, .due = 1, .dead = 0, .delivered = 0}));
  migrated->give_up(box[1].id, "mailbox unavailable");
  EXPECT_THROW(migrated->give_up(999'999, "x"), NotFoundError);
  box = migrated->outbox();
  EXPECT_TRUE(box[1].dead_letter);
  EXPECT_EQ(box[1].attempts, 2u);
  EXPECT_EQ(migrated->dead_letters(5), std::vector<Notification>{box[1]});
  EXPECT_EQ(migrated->pending_notifications(Timestamp(5000), 10).size(), 1u);
  EXPECT_EQ(migrated->outbox_counts(Timestamp(5000)),
            (OutboxCounts{.pending = 1, .due = 1, .dead = 1, .delivered = 0}));
  const std::uint64_t not_dead[] = {box[0].id, box[1].id};
  EXPECT_THROW(migrated->requeue(not_dead, Timestamp(6000)), FailedPreconditionError);
  EXPECT_TRUE(migrated->outbox()[1].dead_letter) << "all or none";
  const std::uint64_t ids[] = {box[1].id};
  migrated->requeue(ids, Timestamp(6000));
  box = open_postgres_backend(url_)->outbox();
  EXPECT_FALSE(box[1].dead_letter);
  EXPECT_EQ(box[1].attempts, 0u);
  EXPECT_EQ(box[1].next_attempt, Timestamp(6000));
  EXPECT_EQ(cluster.psql("klik", "SELECT version FROM " + schema_ + ".klik_schema"),
            std::to_string(postgres_schema_version) + "\n");
}

TEST_F(PostgresBackendTest, SchemaTwoMovesPasswordHashesIntoCredentials) {
  const Dataset d = small_world();
  backend_->replace(d, {}, 0);
  backend_->close();
  const UserId u = d.users[1].id;
  // What klik with schema 1 left: the hash on klik_user, no credentials table.
  auto& cluster = klik::testing::shared_pg_cluster();
  cluster.psql("klik", "SET search_path = " + schema_ + "; " + pg_undo_v5 +
                           "DROP TABLE journal_object; DROP TABLE journal; DROP TABLE credentials; "
                           "ALTER TABLE klik_user ADD COLUMN password_hash text NOT NULL DEFAULT ''; "
                           "UPDATE klik_user SET password_hash = '$argon2id$v=19$m=8,t=1,p=1$old' WHERE id = " +
                           std::to_string(u.value()) +
                           "; ALTER TABLE local_task DROP COLUMN notified; UPDATE klik_schema SET version = 1");
  const auto migrated = open_postgres_backend(url_);
  const StoredWorld w = migrated->load();
  ASSERT_EQ(w.data.credentials.size(), 1u);
  EXPECT_EQ(w.data.credentials[0].user, u);
  EXPECT_EQ(w.data.credentials[0].password_hash, "$argon2id$v=19$m=8,t=1,p=1$old");
  EXPECT_EQ(w.data.users, d.users);
  EXPECT_EQ(cluster.psql("klik", "SELECT count(*) FROM information_schema.columns WHERE table_schema = '" + schema_ +
                                     "' AND table_name = 'klik_user' AND column_name = 'password_hash'"),
            "0\n");
  // A credentials change commits and replays.
  Credentials c = w.data.credentials[0];
  c.failed_logins = 2;
  EXPECT_EQ(migrated->commit(CredentialsSaved{c}, {}, {}, w.sequence), w.sequence + 1);
  EXPECT_EQ(open_postgres_backend(url_)->load().data.credentials, std::vector<Credentials>{c});
  const auto replay = migrated->changes_since(w.sequence);
  ASSERT_TRUE(replay && replay->size() == 1);
  EXPECT_EQ(replay->front().change, Change(CredentialsSaved{c}));
}

TEST(PostgresBackend, ANewerSchemaOrAForeignDatabaseIsRefused) {
  auto& cluster = klik::testing::shared_pg_cluster();
  const std::string url = cluster.create_schema("newer_schema");
  open_postgres_backend(url)->close();
  cluster.psql("klik", "UPDATE newer_schema.klik_schema SET version = 99");
  std::string msg = error_of([&] { (void)open_postgres_backend(url); });
  EXPECT_NE(msg.find("schema version 99 is newer"), std::string::npos) << msg;

  const std::string foreign = cluster.create_schema("foreign_app");
  cluster.psql("klik", "CREATE TABLE foreign_app.task(x int)");
  msg = error_of([&] { (void)open_postgres_backend(foreign); });
  EXPECT_NE(msg.find("not a klik store"), std::string::npos) << msg;

  const std::string empty = cluster.create_schema("no_create");
  msg = error_of([&] { (void)open_postgres_backend(empty, {.create = false}); });
  EXPECT_NE(msg.find("holds no klik store"), std::string::npos) << msg;
}

TEST(PostgresBackend, BadUrlsAndUnreachableServersAreStorageErrorsWithoutThePassword) {
  std::string msg;
  try {
    (void)open_postgres_backend("postgresql://klik:s3cret@127.0.0.1:1/klik", {.connect_timeout_seconds = 2});
    ADD_FAILURE() << "connected to port 1";
  } catch (const StorageError& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("cannot connect to PostgreSQL klik@127.0.0.1:1/klik"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("s3cret"), std::string::npos) << msg;
  EXPECT_THROW((void)open_postgres_backend("postgresql://[bad"), StorageError);
  EXPECT_THROW((void)open_postgres_backend(""), InvalidArgumentError);
  // A database that does not exist on a running server: the server says so.
  const auto& cluster = klik::testing::shared_pg_cluster();
  msg = error_of([&] { (void)open_postgres_backend(cluster.url("no_such_db")); });
  EXPECT_NE(msg.find("no_such_db"), std::string::npos) << msg;
  EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
  EXPECT_TRUE(is_postgres_url("postgres://x/y"));
  EXPECT_FALSE(is_postgres_url("file.sqlite"));
}

}  // namespace

namespace {

TEST(PostgresBackendRestart, ABackendOpenAcrossAServerRestartReconnects) {
  // A server of its own: after a crash the server's end-of-recovery checkpoint
  // syncs every file the other tests' databases dirtied (~20 s on this disk),
  // and only its built-in database (a new one would dirty some 300 files more).
  klik::testing::PgCluster cluster(false);
  const std::string url = cluster.url("postgres");
  const auto backend = open_postgres_backend(url);
  const auto other = open_postgres_backend(url);
  backend->replace(Dataset{}, {}, 0);
  cluster.stop("immediate");
  cluster.start();
  // Reads and transactions reconnect at their start: no call fails.
  EXPECT_TRUE(backend->outbox().empty());
  EXPECT_EQ(backend->load().sequence, 1u);
  const Notification n = note("after restart");
  EXPECT_EQ(backend->commit(NotificationsOnly{}, {&n, 1}, {}, 1), 2u);
  // The other backend's listener lost its connection (and the notification):
  // it reconnects within about a second and then answers "maybe".
  bool maybe = false;
  const auto start = std::chrono::steady_clock::now();
  while (!maybe && std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    maybe = other->may_have_changes();
    if (!maybe) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(maybe);
  EXPECT_EQ(other->changes_since(1)->size(), 1u);
  EXPECT_EQ(other->pending_notifications(Timestamp(2'000'000'000), 10).size(), 1u);
}

}  // namespace
