// One suite, typed over the store implementations: the memory store and the
// SQLite store must behave identically through the Store interface.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "../examples/jsonl_backend.hpp"
#include "klik/accounts.hpp"
#include "klik/notifier.hpp"
#include "klik/publishing.hpp"
#include "klik/query_engine.hpp"
#include "klik/sqlite_store.hpp"
#include "klik/store.hpp"
#include "klik/text.hpp"
#include "klik/workflows.hpp"
#include "klik/workflows_sweep.hpp"
#include "store_test_support.hpp"

using namespace klik;
using klik::testing::TempDir;

namespace {

struct MemoryFactory {
  static std::unique_ptr<Store> make(const Dataset& d, TempDir&) { return make_memory_store(d); }
  /// The same store after a restart: the memory store has none.
  static std::unique_ptr<Store> reopen(std::unique_ptr<Store> s, TempDir&) { return s; }
};

struct SqliteFactory {
  static std::unique_ptr<Store> make(const Dataset& d, TempDir& dir) {
    auto s = open_sqlite_store(dir.file("klik.sqlite"), {.durability = Durability::Normal});
    s->import_dataset(d);
    return s;
  }
  static std::unique_ptr<Store> reopen(std::unique_ptr<Store> s, TempDir& dir) {
    s.reset();
    return open_sqlite_store(dir.file("klik.sqlite"));
  }
};

const Dataset& data() {
  static const Dataset d = klik::testing::small_dataset();
  return d;
}

Notification note(std::string event, std::uint32_t user) {
  Notification n;
  n.event = std::move(event);
  n.recipients = {UserId(user)};
  n.sender = "test";
  n.link = "/tasks/1";
  n.payload = R"({"n":1})";
  n.created = Timestamp(1'700'000'000);
  n.next_attempt = n.created;
  return n;
}

/// A task with a responsible person, and a user who may be assigned on it.
struct Assignable {
  Task task;
  User other;
};

Assignable find_assignable(const Dataset& d) {
  for (const Task& t : d.tasks) {
    if (!t.responsible) continue;
    const ProjectId project = d.templates[t.template_id.value() - 1].project;
    for (const User& u : d.users)
      if (u.municipality == t.municipality && u.id != *t.responsible && u.type_on(project) &&
          *u.type_on(project) != UserType::Reader)
        return {t, u};
  }
  throw std::runtime_error("no assignable task in the test data");
}

template <class F>
class StoreContract : public ::testing::Test {
 protected:
  void SetUp() override { store = F::make(data(), dir); }
  void reopen() { store = F::reopen(std::move(store), dir); }
  TempDir dir;
  std::unique_ptr<Store> store;
};

/// A backend written outside klik, against its installed headers (examples/).
struct JsonlFactory {
  static std::unique_ptr<Store> make(const Dataset& d, TempDir& dir) {
    auto s = std::make_unique<Store>(std::make_unique<example::JsonlBackend>(dir.file("klik.jsonl")));
    s->import_dataset(d);
    return s;
  }
  static std::unique_ptr<Store> reopen(std::unique_ptr<Store> s, TempDir& dir) {
    s.reset();
    return std::make_unique<Store>(std::make_unique<example::JsonlBackend>(dir.file("klik.jsonl")));
  }
};

// tests/postgres_store_contract_test.cpp compiles this file again with its own
// factory (KLIK_CONTRACT_FACTORIES), as a binary that starts one PostgreSQL server.
#ifndef KLIK_CONTRACT_FACTORIES
using Factories = ::testing::Types<MemoryFactory, SqliteFactory, JsonlFactory>;
#else
using Factories = ::testing::Types<KLIK_CONTRACT_FACTORIES>;
#endif
TYPED_TEST_SUITE(StoreContract, Factories);

TYPED_TEST(StoreContract, ExportReturnsTheImportedDataset) {
  EXPECT_EQ(this->store->export_dataset(), data());
  this->reopen();
  EXPECT_EQ(this->store->export_dataset(), data());
}

TYPED_TEST(StoreContract, SnapshotSeesEveryEntity) {
  const Snapshot snap = this->store->snapshot();
  EXPECT_EQ(snap->task_count(), data().tasks.size());
  EXPECT_EQ(snap->local_task_count(), data().local_tasks.size());
  EXPECT_EQ(snap->users().size(), data().users.size());
  EXPECT_EQ(snap->task(data().tasks[5].id), data().tasks[5]);
  EXPECT_EQ(*snap->user(data().users[3].id), data().users[3]);
}

TYPED_TEST(StoreContract, UpdateTaskBumpsVersionAndSurvivesReopen) {
  const Task t = data().tasks[10];
  const Task stored =
      this->store->update_task({.task = t.id, .expected_version = t.version, .status = TaskStatus::Completed});
  EXPECT_EQ(stored.status, TaskStatus::Completed);
  EXPECT_EQ(stored.version, t.version + 1);
  this->reopen();
  EXPECT_EQ(this->store->snapshot()->task(t.id), stored);
}

TYPED_TEST(StoreContract, StaleWriteIsAConflictNamingTheChangedFields) {
  const auto [t, other] = find_assignable(data());
  ASSERT_NE(t.performer, std::optional(other.id));
  const TaskStatus changed = t.status == TaskStatus::Started ? TaskStatus::Completed : TaskStatus::Started;
  this->store->update_task({.task = t.id, .expected_version = t.version, .status = changed});
  this->store->update_task({.task = t.id, .expected_version = t.version + 1, .performer = std::optional(other.id)});
  this->reopen();
  try {
    // Two staff read version t.version; the second writes late.
    this->store->update_task({.task = t.id, .expected_version = t.version, .responsible = std::optional(other.id)});
    FAIL() << "expected a conflict";
  } catch (const ConflictError& e) {
    EXPECT_EQ(e.changed_fields(), (std::vector<std::string>{"status", "performer"}));
    EXPECT_EQ(e.code(), ErrorCode::Conflict);
    // The message names them too (it was built after the list had been moved away).
    EXPECT_NE(std::string(e.what()).find("; changed: status, performer)"), std::string::npos) << e.what();
  }
  // Nothing changed by the refused write.
  EXPECT_EQ(this->store->snapshot()->task(t.id)->responsible, t.responsible);
  EXPECT_EQ(this->store->snapshot()->task(t.id)->version, t.version + 2);
}

TYPED_TEST(StoreContract, InvalidUpdatesChangeNothing) {
  const Task t = data().tasks[0];
  EXPECT_THROW(this->store->update_task({.task = TaskId(999'999), .status = TaskStatus::Started}), NotFoundError);
  // A user of another municipality cannot be assigned.
  const auto foreign = std::find_if(data().users.begin(), data().users.end(),
                                    [&](const User& u) { return u.municipality && *u.municipality != t.municipality; });
  ASSERT_NE(foreign, data().users.end());
  const Notification n = note("task.assigned", foreign->id.value());
  EXPECT_THROW(this->store->update_task({.task = t.id, .responsible = std::optional(foreign->id)}, {&n, 1}),
               InvalidArgumentError);
  // An end date before the latest start date is a bad schedule.
  EXPECT_THROW(this->store->update_task({.task = t.id,
                                         .end_override = std::optional(Date(1990, 1, 1)),
                                         .latest_start_override = std::optional(Date(1991, 1, 1))},
                                        {&n, 1}),
               InvalidArgumentError);
  this->reopen();
  EXPECT_EQ(this->store->snapshot()->task(t.id), t);
  EXPECT_TRUE(this->store->outbox().empty());
}

TYPED_TEST(StoreContract, PutUserVersionsConflictsAndUniqueEmail) {
  User u = data().users[0];
  u.full_name = "Ny Navnesen";
  const User stored = this->store->put_user(u, u.version);
  EXPECT_EQ(stored.version, u.version + 1);
  User late = data().users[0];
  late.organisation = "Andet kontor";
  try {
    this->store->put_user(late, data().users[0].version);
    FAIL() << "expected a conflict";
  } catch (const ConflictError& e) {
    EXPECT_EQ(e.changed_fields(), (std::vector<std::string>{"full_name"}));
    EXPECT_NE(std::string(e.what()).find("; changed: full_name)"), std::string::npos) << e.what();
  }
  User dup = data().users[1];
  dup.email = "  " + data().users[2].email + " ";
  EXPECT_THROW(this->store->put_user(dup), AlreadyExistsError);
  User fresh = data().users[1];
  fresh.id = UserId(0);
  fresh.email = "ny.bruger@example.dk";
  fresh.administrator = false;
  fresh.memberships.clear();
  const User created = this->store->create_user(fresh);
  EXPECT_EQ(created.version, 1u);
  EXPECT_GT(created.id.value(), 0u);
  this->reopen();
  EXPECT_EQ(this->store->snapshot()->user(u.id)->full_name, "Ny Navnesen");
  EXPECT_EQ(*this->store->snapshot()->user_by_email("NY.BRUGER@example.dk"), created);
}

TYPED_TEST(StoreContract, RemovingAUserClearsTheirAssignments) {
  const Task t = find_assignable(data()).task;
  const UserId who = *t.responsible;
  std::size_t assigned = 0;
  for (const Task& x : data().tasks) assigned += (x.responsible == who || x.performer == who);
  ASSERT_GT(assigned, 0u);
  this->store->remove_user(who);
  EXPECT_THROW(this->store->remove_user(who), NotFoundError);
  this->reopen();
  // A writer who read the task before the removal learns what changed.
  try {
    this->store->update_task({.task = t.id, .expected_version = t.version, .status = TaskStatus::Started});
    FAIL() << "expected a conflict";
  } catch (const ConflictError& e) {
    std::vector<std::string> expected{"responsible"};
    if (t.performer == who) expected.push_back("performer");
    EXPECT_EQ(e.changed_fields(), expected);
  }
  const Snapshot snap = this->store->snapshot();
  EXPECT_EQ(snap->user(who), nullptr);
  const Task after = *snap->task(t.id);
  EXPECT_FALSE(after.responsible.has_value());
  EXPECT_EQ(after.version, t.version + 1);
  for (const Task& x : data().tasks) {
    const Task now = *snap->task(x.id);
    EXPECT_NE(now.responsible, std::optional(who));
    EXPECT_NE(now.performer, std::optional(who));
  }
}

TYPED_TEST(StoreContract, LocalTasksPutReplaceRemove) {
  const Task parent = data().tasks[3];
  LocalTask l;
  l.id = LocalTaskId(777'777);
  l.parent = parent.id;
  l.municipality = parent.municipality;
  l.title = "Lokal opgave";
  l.end = Date(2026, 6, 30);
  EXPECT_EQ(this->store->create_local_task(l).version, 1u);
  EXPECT_THROW(this->store->create_local_task(l), AlreadyExistsError);
  l.title = "Lokal opgave, rettet";
  EXPECT_EQ(this->store->put_local_task(l).version, 2u);
  this->reopen();
  EXPECT_EQ(this->store->snapshot()->local_task(l.id)->title, "Lokal opgave, rettet");
  this->store->remove_local_task(l.id);
  EXPECT_THROW(this->store->remove_local_task(l.id), NotFoundError);
  this->reopen();
  EXPECT_EQ(this->store->snapshot()->local_task(l.id), nullptr);
  l.municipality = MunicipalityId(999);
  EXPECT_THROW(this->store->create_local_task(l), InvalidArgumentError);
  EXPECT_THROW(this->store->put_local_task(l), NotFoundError);  // put changes, never creates
}

TYPED_TEST(StoreContract, LocalTaskWritesNamingAnOldVersionAreConflicts) {
  const Task parent = data().tasks[5];
  LocalTask l;
  l.parent = parent.id;
  l.municipality = parent.municipality;
  l.title = "Indkøb af scannere";
  l.end = Date(2026, 9, 1);
  l = this->store->create_local_task(l);
  LocalTask mine = l, theirs = l;
  theirs.status = TaskStatus::Started;
  EXPECT_EQ(this->store->put_local_task(theirs, 1).version, 2u);
  mine.title = "Indkøb af scannere og printere";
  EXPECT_THROW(this->store->put_local_task(mine, 1), ConflictError);  // based on version 1: refused
  EXPECT_THROW(this->store->remove_local_task(l.id, 1), ConflictError);
  this->reopen();
  const LocalTask* now = this->store->snapshot()->local_task(l.id);
  ASSERT_NE(now, nullptr);
  EXPECT_EQ(now->title, "Indkøb af scannere");
  EXPECT_EQ(now->status, TaskStatus::Started);
  this->store->remove_local_task(l.id, 2);
  EXPECT_EQ(this->store->snapshot()->local_task(l.id), nullptr);
}

TYPED_TEST(StoreContract, RemovingAnAttachmentRemovesItsContent) {
  const TaskId task = data().tasks[9].id;
  Attachment a;
  a.task = task;
  a.file_name = "tidsplan.txt";
  a.media_type = "text/plain";
  a.uploaded_by = data().users[0].id;
  a.content = std::string(100'000, 'x');
  const Attachment kept = this->store->add_attachment(a);
  a.file_name = "forkert-fil.txt";
  const Attachment gone = this->store->add_attachment(a);
  this->store->remove_attachment(gone.id);
  EXPECT_THROW(this->store->remove_attachment(gone.id), NotFoundError);
  this->reopen();
  const auto list = this->store->attachments(task);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list.front().id, kept.id);
  EXPECT_EQ(this->store->snapshot()->attachment(gone.id), nullptr);
  EXPECT_THROW((void)this->store->attachment_content(gone.id), NotFoundError);
  EXPECT_EQ(this->store->attachment_content(kept.id), a.content);
  const Dataset out = this->store->export_dataset();
  EXPECT_EQ(std::count_if(out.attachments.begin(), out.attachments.end(),
                          [&](const Attachment& x) { return x.id == gone.id; }),
            0);
}

// Issue 9: ids of new objects were max+1 of a snapshot, and put_* replaced an
// existing id silently. Creation is its own call; the store assigns the id.
TYPED_TEST(StoreContract, PutNeverCreatesAndCreateNeverReplaces) {
  User ghost = data().users[1];
  ghost.id = UserId(900'000);
  ghost.email = "ghost@example.dk";
  EXPECT_THROW(this->store->put_user(ghost), NotFoundError);
  User clash = data().users[1];
  clash.email = "clash@example.dk";
  EXPECT_THROW(this->store->create_user(clash), AlreadyExistsError);  // data().users[1].id is taken
  EXPECT_EQ(*this->store->snapshot()->user(data().users[1].id), data().users[1]);
  EXPECT_EQ(this->store->snapshot()->user(ghost.id), nullptr);
  ASSERT_FALSE(data().local_tasks.empty());
  LocalTask taken = data().local_tasks.front();
  taken.title = "replaced?";
  EXPECT_THROW(this->store->create_local_task(taken), AlreadyExistsError);
  EXPECT_EQ(*this->store->snapshot()->local_task(taken.id), data().local_tasks.front());
  EXPECT_TRUE(this->store->outbox().empty());
}

TYPED_TEST(StoreContract, ConcurrentCreationsAllSurviveWithDistinctIds) {
  const Task parent = data().tasks[3];
  constexpr int threads = 8, each = 12;
  std::vector<std::thread> pool;
  std::atomic<int> failures{0};
  for (int i = 0; i < threads; ++i)
    pool.emplace_back([&, i] {
      for (int k = 0; k < each; ++k) {
        try {
          User u;
          u.email = "ny" + std::to_string(i) + "-" + std::to_string(k) + "@example.dk";
          u.full_name = "Ny " + std::to_string(i);
          u.municipality = parent.municipality;
          (void)this->store->create_user(u);
          LocalTask l;
          l.parent = parent.id;
          l.municipality = parent.municipality;
          l.title = "Lokal " + std::to_string(i) + "-" + std::to_string(k);
          l.end = Date(2026, 6, 30);
          (void)this->store->create_local_task(l);
        } catch (...) {
          ++failures;
        }
      }
    });
  for (auto& t : pool) t.join();
  EXPECT_EQ(failures.load(), 0);
  this->reopen();
  const Snapshot snap = this->store->snapshot();
  EXPECT_EQ(snap->users().size(), data().users.size() + threads * each);
  EXPECT_EQ(snap->local_task_count(), data().local_tasks.size() + threads * each);
  for (int i = 0; i < threads; ++i)
    for (int k = 0; k < each; ++k)
      EXPECT_NE(snap->user_by_email("ny" + std::to_string(i) + "-" + std::to_string(k) + "@example.dk"), nullptr);
}

// Issue 9: Store::put_user / remove_user could revoke the last Administrator or
// demote the last Plusbruger; every writer now keeps user administration's invariants (docs/rights.md).
TYPED_TEST(StoreContract, EveryUserWriteKeepsTheLastAdministratorAndPlusbruger) {
  const MunicipalityId m = data().municipalities.front().id;
  std::vector<User> admins;
  for (const User& u : data().users)
    if (u.side == Side::Municipality && u.municipality == m && u.administrator) admins.push_back(u);
  ASSERT_FALSE(admins.empty());
  for (std::size_t i = 1; i < admins.size(); ++i) {
    User other = admins[i];
    other.administrator = false;
    (void)this->store->put_user(other);
  }
  User last = *this->store->snapshot()->user(admins[0].id);
  last.administrator = false;
  EXPECT_THROW(this->store->put_user(last), FailedPreconditionError);
  EXPECT_THROW(this->store->remove_user(last.id), FailedPreconditionError);
  EXPECT_TRUE(this->store->snapshot()->user(last.id)->administrator);
  // Once there is another Administrator, the same writes pass.
  User second = last;
  second.id = UserId(0);
  second.email = "anden.admin@example.dk";
  second.memberships.clear();
  second.administrator = true;
  (void)this->store->create_user(second);
  EXPECT_FALSE(this->store->put_user(last).administrator);

  // The last Plusbruger of a project in the municipality.
  const ProjectId p = data().projects.front().id;
  std::vector<UserId> plus;
  for (const User* u : this->store->snapshot()->users())
    if (u->municipality == m && u->type_on(p) == UserType::Plus) plus.push_back(u->id);
  ASSERT_FALSE(plus.empty());
  for (std::size_t i = 1; i < plus.size(); ++i) {
    User u = *this->store->snapshot()->user(plus[i]);
    for (Membership& ms : u.memberships)
      if (ms.project == p) ms.type = UserType::Standard;
    (void)this->store->put_user(u);
  }
  User only = *this->store->snapshot()->user(plus[0]);
  for (Membership& ms : only.memberships)
    if (ms.project == p) ms.type = UserType::Reader;
  try {
    (void)this->store->put_user(only);
    FAIL() << "the last Plusbruger was demoted";
  } catch (const FailedPreconditionError& e) {
    EXPECT_NE(std::string(e.what()).find("last Plusbruger of project"), std::string::npos) << e.what();
  }
  std::erase_if(only.memberships, [&](const Membership& ms) { return ms.project == p; });
  EXPECT_THROW(this->store->put_user(only), FailedPreconditionError);
  EXPECT_THROW(this->store->remove_user(plus[0]), FailedPreconditionError);
  EXPECT_EQ(this->store->snapshot()->user(plus[0])->type_on(p), UserType::Plus);
}

// Issue 9: a change that changes nothing bumped the version (spurious conflicts).
TYPED_TEST(StoreContract, AChangeWithNoEffectIsNoWrite) {
  const Task t = find_assignable(data()).task;
  const Notification n = note("task.status", 5);
  const Task same = this->store->update_task(
      {.task = t.id, .expected_version = t.version, .status = t.status, .responsible = std::optional(t.responsible)},
      {&n, 1});
  EXPECT_EQ(same, t);
  EXPECT_EQ(this->store->update_task({.task = t.id}), t);
  User u = data().users[2];
  EXPECT_EQ(this->store->put_user(u, u.version, {&n, 1}), u);
  this->reopen();
  EXPECT_EQ(this->store->snapshot()->task(t.id), t);
  EXPECT_EQ(*this->store->snapshot()->user(u.id), u);
  EXPECT_TRUE(this->store->outbox().empty());
  // A writer who read version t.version still writes without a conflict.
  const TaskStatus changed = t.status == TaskStatus::Started ? TaskStatus::Completed : TaskStatus::Started;
  EXPECT_EQ(this->store->update_task({.task = t.id, .expected_version = t.version, .status = changed}).version,
            t.version + 1);
}

TYPED_TEST(StoreContract, MessagesNotesAndAttachments) {
  const TaskId task = data().tasks[7].id;
  Message m;
  m.target.task = task;
  m.author = data().users[0].id;
  m.time = Timestamp(1'750'000'000);
  m.text = "Husk at uploade dokumentationen, tak";
  const Message stored = this->store->add_message(m);
  EXPECT_NE(stored.id.value(), 0u);
  this->store->set_internal_notes(task, "Aftalt med økonomi");
  Attachment a;
  a.task = task;
  a.file_name = "plan.bin";
  a.media_type = "application/octet-stream";
  a.uploaded_by = data().users[0].id;
  for (int i = 0; i < 200'000; ++i) a.content.push_back(static_cast<char>(i * 7));
  const Attachment meta = this->store->add_attachment(a);
  EXPECT_EQ(meta.size, 200'000u);
  EXPECT_TRUE(meta.content.empty());
  this->reopen();
  EXPECT_EQ(this->store->snapshot()->internal_notes(task), "Aftalt med økonomi");
  EXPECT_EQ(this->store->attachment_content(meta.id), a.content);
  std::size_t chunks = 0;
  this->store->read_attachment(meta.id, [&](std::string_view) { ++chunks; });
  EXPECT_GT(chunks, 1u);  // streamed, not in one piece
  const auto list = this->store->attachments(task);
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(list.back().file_name, "plan.bin");
  EXPECT_THROW((void)this->store->attachment_content(AttachmentId(123'456'789)), NotFoundError);
  const Dataset out = this->store->export_dataset();
  EXPECT_EQ(out.messages.back(), stored);
  EXPECT_EQ(out.attachments.back().content, a.content);
  this->store->set_internal_notes(task, "");
  EXPECT_FALSE(this->store->snapshot()->internal_notes(task).has_value());
  m.target.task = TaskId(999'999);
  EXPECT_THROW(this->store->add_message(m), NotFoundError);
}

TYPED_TEST(StoreContract, EveryWriteRefusesTextThatIsNotUtf8AndEnumsOutOfRange) {
  // What a store writes must read back: nothing that to_json or a reopen would trip on.
  const auto refused = [&](const char* what, const std::string& where, auto&& write) {
    SCOPED_TRACE(what);
    try {
      write();
      ADD_FAILURE() << "accepted";
    } catch (const InvalidArgumentError& e) {
      EXPECT_EQ(e.where(), where) << e.what();
      EXPECT_FALSE(invalid_utf8_offset(e.what()).has_value());
    }
  };
  const Dataset before = this->store->export_dataset();
  const TaskId task = data().tasks[7].id;
  User u = data().users[1];
  u.full_name = "J\xF8rgen";
  refused("put_user name", "full_name", [&] { this->store->put_user(u); });
  u = data().users[1];
  u.side = static_cast<Side>(99);
  refused("put_user side", "side", [&] { this->store->put_user(u); });
  u = data().users[1];
  u.id = UserId(0);
  u.email = "ny\xC3@x.dk";
  refused("create_user email", "email", [&] { this->store->create_user(u); });
  refused("update_task status", "status",
          [&] { this->store->update_task({.task = task, .status = static_cast<TaskStatus>(4)}); });
  Message m;
  m.target.task = task;
  m.author = data().users[0].id;
  m.text = "ugyldig \xFF";
  refused("add_message", "text", [&] { this->store->add_message(m); });
  refused("set_internal_notes", "text", [&] { this->store->set_internal_notes(task, "\xC0\xAF"); });
  Attachment a;
  a.task = task;
  a.file_name = "plan\xFE.pdf";
  a.uploaded_by = data().users[0].id;
  refused("add_attachment", "file_name", [&] { this->store->add_attachment(a); });
  LocalTask l;
  l.parent = task;
  l.municipality = data().tasks[7].municipality;
  l.title = "lokal \xED\xA0\x80";  // a surrogate
  l.end = Date(2026, 6, 1);
  refused("create_local_task", "title", [&] { this->store->create_local_task(l); });
  EXPECT_EQ(this->store->export_dataset(), before);  // nothing refused was written
}

TYPED_TEST(StoreContract, OutboxRecordsNotificationsWithTheirMutation) {
  const Task t = data().tasks[1];
  const Notification n1 = note("task.status", 5), n2 = note("task.status", 6);
  const Notification both[] = {n1, n2};
  const TaskStatus changed = t.status == TaskStatus::Started ? TaskStatus::Completed : TaskStatus::Started;
  this->store->update_task({.task = t.id, .status = changed}, both);
  this->store->enqueue({&n1, 1});
  this->reopen();
  auto all = this->store->outbox();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_LT(all[0].id, all[1].id);
  EXPECT_EQ(all[1].recipients, std::vector<UserId>{UserId(6)});
  EXPECT_EQ(all[0].payload, R"({"n":1})");
  EXPECT_FALSE(all[0].delivered);
  EXPECT_EQ(this->store->pending_notifications(Timestamp(1'700'000'000), 2).size(), 2u);
  EXPECT_TRUE(this->store->pending_notifications(Timestamp(1'600'000'000), 10).empty());

  MemoryNotifier sink;
  sink.fail_next(1);
  std::vector<std::string> errors;
  Dispatcher d(*this->store, sink, {.batch = 10, .first_retry = std::chrono::seconds(60)},
               [&](const Notification&, const std::string& e) { errors.push_back(e); });
  const Timestamp now(1'700'000'100);
  EXPECT_EQ(d.run_once(now), 2u);  // the first failed
  EXPECT_EQ(errors.size(), 1u);
  this->reopen();
  all = this->store->outbox();
  EXPECT_EQ(all[0].attempts, 1u);
  EXPECT_EQ(all[0].next_attempt, Timestamp(1'700'000'160));
  EXPECT_FALSE(all[0].delivered);
  EXPECT_TRUE(all[1].delivered && all[2].delivered);
  Dispatcher again(*this->store, sink);
  EXPECT_EQ(again.run_once(now), 0u);  // not due yet
  EXPECT_EQ(again.drain(Timestamp(1'700'000'160)), 1u);
  EXPECT_EQ(sink.delivered().size(), 3u);
  EXPECT_TRUE(this->store->pending_notifications(Timestamp(1'800'000'000), 10).empty());
}

// Issue 14: the dispatcher gives up after max_attempts failures. The entry stays
// in the outbox as a dead letter with the last error, is never pending, is
// counted, and an operator's requeue makes it pending again with a fresh round.
TYPED_TEST(StoreContract, TheMaxAttemptsThFailureMakesADeadLetterUntilRequeued) {
  const Notification n1 = note("task.status", 5), n2 = note("task.status", 6);
  const Notification both[] = {n1, n2};
  this->store->enqueue(both);
  const std::uint64_t id = this->store->outbox()[0].id;
  MemoryNotifier sink;
  std::vector<std::pair<std::uint32_t, std::string>> errors;
  Dispatcher d(*this->store, sink, {.batch = 10, .first_retry = std::chrono::seconds(60), .max_attempts = 2},
               [&](const Notification& n, const std::string& e) { errors.emplace_back(n.attempts, e); });
  const Timestamp t0(1'700'000'100);
  sink.fail_next(1);
  EXPECT_EQ(d.run_once(t0), 1u);  // the first failed, the second was delivered
  EXPECT_EQ(this->store->outbox_counts(t0), (OutboxCounts{.pending = 1, .due = 0, .dead = 0, .delivered = 1}));
  EXPECT_EQ(this->store->outbox_counts(Timestamp(1'700'000'160)),
            (OutboxCounts{.pending = 1, .due = 1, .dead = 0, .delivered = 1}));
  sink.fail_next(1);
  EXPECT_EQ(d.run_once(Timestamp(1'700'000'160)), 0u);  // the second failure: given up
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[1].first + 1, 2u) << "the handler sees the attempt that gave it up";
  EXPECT_EQ(errors[1].second, "memory notifier: simulated delivery failure");
  this->reopen();
  Notification dead = this->store->outbox()[0];
  EXPECT_EQ(dead.id, id);
  EXPECT_TRUE(dead.dead_letter);
  EXPECT_FALSE(dead.delivered);
  EXPECT_EQ(dead.attempts, 2u);
  EXPECT_EQ(dead.last_error, "memory notifier: simulated delivery failure");
  EXPECT_NE(to_json(dead).find(R"("dead_letter":true)"), std::string::npos) << to_json(dead);
  const Timestamp later(1'900'000'000);
  EXPECT_TRUE(this->store->pending_notifications(later, 10).empty());
  Dispatcher after_reopen(*this->store, sink, {.max_attempts = 2});
  EXPECT_EQ(after_reopen.drain(later), 0u);
  EXPECT_EQ(this->store->dead_letters(10), std::vector<Notification>{dead});
  EXPECT_TRUE(this->store->dead_letters(0).empty());
  EXPECT_EQ(this->store->outbox_counts(later), (OutboxCounts{.pending = 0, .due = 0, .dead = 1, .delivered = 1}));

  // Requeue: all or none, only dead letters.
  const std::uint64_t delivered_too[] = {id, this->store->outbox()[1].id};
  EXPECT_THROW(this->store->requeue(delivered_too, later), FailedPreconditionError);
  const std::uint64_t unknown[] = {id, 999'999};
  EXPECT_THROW(this->store->requeue(unknown, later), NotFoundError);
  EXPECT_THROW(this->store->give_up(999'999, "x"), NotFoundError);
  EXPECT_TRUE(this->store->outbox()[0].dead_letter) << "a refused requeue changes nothing";
  const std::uint64_t ids[] = {id};
  this->store->requeue(ids, later);
  this->reopen();
  const Notification again = this->store->outbox()[0];
  EXPECT_FALSE(again.dead_letter);
  EXPECT_EQ(again.attempts, 0u) << "a requeue starts a fresh round of max_attempts";
  EXPECT_EQ(again.next_attempt, later);
  EXPECT_EQ(again.last_error, dead.last_error) << "kept until the next failure";
  EXPECT_TRUE(this->store->dead_letters(10).empty());
  EXPECT_EQ(this->store->outbox_counts(later), (OutboxCounts{.pending = 1, .due = 1, .dead = 0, .delivered = 1}));
  EXPECT_EQ(this->store->pending_notifications(later, 10).size(), 1u);
  Dispatcher retry(*this->store, sink);
  EXPECT_EQ(retry.drain(later), 1u);
  EXPECT_EQ(sink.delivered().size(), 2u);
  EXPECT_EQ(this->store->outbox_counts(later), (OutboxCounts{.pending = 0, .due = 0, .dead = 0, .delivered = 2}));
}

// Issue 14: a user's daily digest choice is stored, survives a restart and is a
// field of its own in conflicts.
TYPED_TEST(StoreContract, TheDailyDigestChoiceIsStoredLikeEveryUserField) {
  User u = data().users[2];
  ASSERT_FALSE(u.daily_digest);
  u.daily_digest = true;
  const User stored = this->store->put_user(u, u.version);
  EXPECT_EQ(stored.version, u.version + 1);
  this->reopen();
  EXPECT_TRUE(this->store->snapshot()->user(u.id)->daily_digest);
  const auto exported = this->store->export_dataset().users;
  const auto it = std::find_if(exported.begin(), exported.end(), [&](const User& x) { return x.id == u.id; });
  ASSERT_NE(it, exported.end());
  EXPECT_TRUE(it->daily_digest);
  User stale = data().users[2];
  stale.full_name = "Forældet";
  try {
    this->store->put_user(stale, stale.version);
    FAIL() << "a stale write";
  } catch (const ConflictError& e) {
    EXPECT_EQ(e.changed_fields(), std::vector<std::string>{"daily_digest"});
  }
  u = *this->store->snapshot()->user(u.id);
  u.daily_digest = false;
  EXPECT_FALSE(this->store->put_user(u, u.version).daily_digest);
  this->reopen();
  EXPECT_FALSE(this->store->snapshot()->user(u.id)->daily_digest);
}

TYPED_TEST(StoreContract, MaxAttemptsZeroNeverGivesUp) {
  const Notification n = note("task.status", 5);
  this->store->enqueue({&n, 1});
  MemoryNotifier sink;
  sink.fail_next(30);
  Dispatcher d(*this->store, sink,
               {.first_retry = std::chrono::seconds(1), .max_retry = std::chrono::seconds(1), .max_attempts = 0});
  for (int i = 0; i < 30; ++i) EXPECT_EQ(d.run_once(Timestamp(1'700'000'000 + i)), 0u);
  const Notification e = this->store->outbox()[0];
  EXPECT_EQ(e.attempts, 30u);
  EXPECT_FALSE(e.dead_letter);
  EXPECT_EQ(d.run_once(Timestamp(1'700'000'030)), 1u);
}

TYPED_TEST(StoreContract, SweepColoursAreRecordedWithTheirEvents) {
  const std::pair<TaskId, LastNotified> colours[] = {{data().tasks[0].id, DeadlineColour::Yellow},
                                                     {data().tasks[1].id, DeadlineColour::Red}};
  const Notification n = note("deadline.red", 1);
  this->store->record_sweep(colours, {&n, 1});
  const std::pair<TaskId, LastNotified> cleared[] = {{data().tasks[0].id, std::nullopt}};
  this->store->record_sweep(cleared, {});
  this->reopen();
  EXPECT_EQ(this->store->notified_colours(),
            (std::vector<std::pair<TaskId, DeadlineColour>>{{data().tasks[1].id, DeadlineColour::Red}}));
  EXPECT_EQ(this->store->outbox().size(), 1u);
}

TYPED_TEST(StoreContract, DeadlineSweepGoesThroughTheOutboxOnce) {
  const Date day(2026, 3, 2);
  const Timestamp now(1'772'445'600);
  const OutboxSweep first = sweep_to_outbox(*this->store, day, now);
  const std::size_t rows = data().tasks.size() + data().local_tasks.size();  // local tasks are judged too
  EXPECT_EQ(first.tasks, rows);
  EXPECT_GT(first.events, 0u);
  EXPECT_EQ(first.colour_changes, rows);  // never swept: every task gets a colour
  this->reopen();
  const auto outbox = this->store->outbox();
  ASSERT_EQ(outbox.size(), first.events);
  EXPECT_EQ(this->store->notified_colours().size(), data().tasks.size());
  EXPECT_EQ(this->store->notified_local_colours().size(), data().local_tasks.size());
  // Recipients include the task's responsible; the key names task, colour and date.
  const auto klik_task = std::find_if(outbox.begin(), outbox.end(), [](const Notification& x) {
    return x.key.rfind("deadline/local/", 0) != 0;  // a KLIK task's (local tasks have their own test)
  });
  ASSERT_NE(klik_task, outbox.end());
  const Notification& n = *klik_task;
  EXPECT_TRUE(n.event == "deadline.yellow" || n.event == "deadline.red");
  EXPECT_EQ(n.key.rfind("deadline/", 0), 0u);
  const TaskId task(static_cast<std::uint32_t>(std::stoul(n.link.substr(7))));
  const Task t = *this->store->snapshot()->task(task);
  if (t.responsible) {
    EXPECT_TRUE(std::find(n.recipients.begin(), n.recipients.end(), *t.responsible) != n.recipients.end());
  }
  const OutboxSweep again = sweep_to_outbox(*this->store, day, now);
  EXPECT_EQ(again.events, 0u);
  EXPECT_EQ(again.colour_changes, 0u);
  EXPECT_EQ(this->store->outbox().size(), first.events);
}

// Issue 10: local tasks have deadlines and colours in the list, and the sweep skipped them.
TYPED_TEST(StoreContract, TheSweepJudgesLocalTasksAndRemembersTheirColours) {
  const Date day(2026, 3, 2);
  const Timestamp now(1'772'445'600);
  sweep_to_outbox(*this->store, day, now);  // everything as it is: judged once
  const auto before = this->store->outbox().size();
  const auto [parent, person] = find_assignable(data());
  LocalTask l;
  l.parent = parent.id;
  l.municipality = parent.municipality;
  l.title = "Aflever testrapport";
  l.end = Date(2026, 2, 27);  // before the sweep day: red
  l.responsible = person.id;
  l = this->store->create_local_task(l);
  const OutboxSweep swept = sweep_to_outbox(*this->store, day, now);
  EXPECT_EQ(swept.events, 1u);
  EXPECT_EQ(swept.colour_changes, 1u);
  this->reopen();
  const auto outbox = this->store->outbox();
  ASSERT_EQ(outbox.size(), before + 1);
  const Notification& n = outbox.back();
  EXPECT_EQ(n.event, "deadline.red");
  EXPECT_EQ(n.key, "deadline/local/" + std::to_string(l.id.value()) + "/red/2026-02-27");
  EXPECT_NE(n.payload.find("\"local_task\":" + std::to_string(l.id.value())), std::string::npos) << n.payload;
  EXPECT_EQ(n.link, "/tasks/" + std::to_string(parent.id.value()));
  EXPECT_NE(std::find(n.recipients.begin(), n.recipients.end(), person.id), n.recipients.end());
  const auto colours = this->store->notified_local_colours();
  EXPECT_NE(std::find(colours.begin(), colours.end(), std::pair{l.id, DeadlineColour::Red}), colours.end());
  // An edit keeps the colour (no second event); completing it and deleting it clear it.
  l.title = "Aflever testrapporten";
  l = this->store->put_local_task(l);
  EXPECT_EQ(sweep_to_outbox(*this->store, day, now).events, 0u);
  l.status = TaskStatus::Completed;
  l = this->store->put_local_task(l);
  EXPECT_EQ(sweep_to_outbox(*this->store, day, now).colour_changes, 1u);  // red -> done, no event
  this->store->remove_local_task(l.id);
  this->reopen();
  for (const auto& [id, colour] : this->store->notified_local_colours()) EXPECT_NE(id, l.id);
  const std::pair<LocalTaskId, LastNotified> gone[] = {{l.id, DeadlineColour::Red}};
  EXPECT_THROW(this->store->record_sweep({}, {}, gone), NotFoundError);
}

TYPED_TEST(StoreContract, EngineResultsMatchTheMemoryStore) {
  const auto [t, other] = find_assignable(data());
  const TaskUpdate u{.task = t.id, .status = TaskStatus::Completed, .performer = std::optional(other.id)};
  this->store->update_task(u);
  auto reference = make_memory_store(data());
  reference->update_task(u);
  this->reopen();
  const RightsModel& rights = RightsModel::default_model();
  const Date today(2025, 9, 1);
  const Snapshot a = this->store->snapshot(), b = reference->snapshot();
  std::size_t compared = 0;
  for (const User& viewer : data().users) {
    if (compared++ == 40) break;
    TaskQuery q;
    q.limit = 1000;
    const TaskPage pa = list_tasks(a.world(), rights, viewer, q, today);
    const TaskPage pb = list_tasks(b.world(), rights, viewer, q, today);
    EXPECT_EQ(pa.rows, pb.rows);
    EXPECT_EQ(pa.total, pb.total);
    EXPECT_EQ(quick_status(a.world(), rights, viewer, q, today), quick_status(b.world(), rights, viewer, q, today));
  }
}

}  // namespace

TYPED_TEST(StoreContract, LeavingAProjectOrBecomingReaderClearsAssignmentsThere) {
  // User administration (docs/rights.md): a user removed from a project, or made Læser on it, no longer
  // holds its tasks (they show "not set"); their other projects are untouched.
  const Task t = find_assignable(data()).task;
  const UserId who = *t.responsible;
  const ProjectId project = data().templates[t.template_id.value() - 1].project;
  User user = *this->store->snapshot()->user(who);
  std::size_t elsewhere = 0;
  for (const Task& x : data().tasks)
    if ((x.responsible == who || x.performer == who) && data().templates[x.template_id.value() - 1].project != project)
      ++elsewhere;
  for (Membership& m : user.memberships)
    if (m.project == project) m.type = UserType::Reader;
  this->store->put_user(user);
  this->reopen();
  const Snapshot snap = this->store->snapshot();
  EXPECT_EQ(snap->user(who)->type_on(project), UserType::Reader);
  std::size_t still = 0;
  for (const Task& x : data().tasks) {
    const Task now = *snap->task(x.id);
    const bool on_project = data().templates[x.template_id.value() - 1].project == project;
    const bool assigned = now.responsible == who || now.performer == who;
    if (on_project) {
      EXPECT_FALSE(assigned) << "task " << x.id.value();
      if (x.responsible == who || x.performer == who) {
        EXPECT_EQ(now.version, x.version + 1);
      }
    }
    still += !on_project && assigned;
  }
  EXPECT_EQ(still, elsewhere);
  EXPECT_FALSE(snap->task(t.id)->responsible.has_value());
}

TYPED_TEST(StoreContract, CredentialsAreWrittenWithTheirNotificationsAndSurviveReopen) {
  const User u = data().users[2];
  EXPECT_EQ(this->store->credentials(u.id), Credentials{u.id});  // none stored: a default record
  EXPECT_THROW((void)this->store->credentials(UserId(999'999)), NotFoundError);
  const std::size_t before = this->store->outbox().size();
  const std::string hash = hash_password("Blå hest løber langsomt", HashParameters::minimum());
  const std::vector<Notification> told = {note("user.password_changed", u.id.value())};
  const std::vector<Notification> never = {note("never", u.id.value())};
  const Credentials stored = this->store->update_credentials(
      u.id,
      [&](const Credentials& c) -> std::optional<Credentials> {
        Credentials next = c;
        next.password_hash = hash;
        next.reset_token_hash = reset_token_hash("tok");
        next.reset_expires = Timestamp(1'800'000'000);
        next.failed_logins = 3;
        next.throttled_until = Timestamp(1'700'000'100);
        return next;
      },
      told);
  EXPECT_EQ(stored.user, u.id);
  EXPECT_EQ(this->store->outbox().size(), before + 1);
  // No change: nothing written, nothing recorded.
  this->store->update_credentials(
      u.id, [](const Credentials&) { return std::nullopt; }, never);
  EXPECT_EQ(this->store->outbox().size(), before + 1);
  // A bad record is refused whole.
  EXPECT_THROW(this->store->update_credentials(u.id,
                                               [](const Credentials& c) -> std::optional<Credentials> {
                                                 Credentials bad = c;
                                                 bad.reset_token_hash = "not hex";
                                                 return bad;
                                               }),
               InvalidArgumentError);
  EXPECT_THROW(this->store->update_credentials(UserId(999'999), [](const Credentials& c) { return c; }), NotFoundError);
  this->reopen();
  EXPECT_EQ(this->store->credentials(u.id), stored);
  EXPECT_EQ(this->store->outbox().size(), before + 1);
  // Only a backup export carries them; importing the backup restores them.
  EXPECT_TRUE(this->store->export_dataset().credentials.empty());
  EXPECT_EQ(this->store->export_dataset(), data());
  const Dataset backup = this->store->export_dataset(true);
  ASSERT_EQ(backup.credentials, std::vector<Credentials>{stored});
  this->store->import_dataset(data());
  EXPECT_EQ(this->store->credentials(u.id), Credentials{u.id});
  this->store->import_dataset(backup);
  this->reopen();
  EXPECT_EQ(this->store->credentials(u.id), stored);
}

TYPED_TEST(StoreContract, CreateUserStoresTheResetTokenHashWithTheNotification) {
  FixedClock clock(Date(2026, 3, 2));
  Workflows flows(*this->store, clock);
  const User& admin = *std::find_if(data().users.begin(), data().users.end(),
                                    [](const User& u) { return u.side == Side::Municipality && u.administrator; });
  User anne;
  anne.email = "anne.ny@kommune.dk";
  anne.full_name = "Anne Ny";
  anne.municipality = admin.municipality;
  const User created = flows.create_user(admin.id, anne);
  this->reopen();
  const Notification told = this->store->outbox().back();
  EXPECT_EQ(told.event, "user.created");
  const std::string prefix = reset_link(created.id, "");
  ASSERT_EQ(told.link.rfind(prefix, 0), 0u) << told.link;
  const std::string token = told.link.substr(prefix.size());
  const Credentials c = this->store->credentials(created.id);
  EXPECT_EQ(c.reset_token_hash, reset_token_hash(token));
  EXPECT_EQ(c.reset_expires.unix_seconds(), clock.now().unix_seconds() + 24 * 3600);
  AccountPolicy fast;
  fast.hashing = HashParameters::minimum();
  Accounts accounts(*this->store, clock, fast);
  accounts.set_password_with_token(created.id, token, "Blå hest løber langsomt");
  this->reopen();
  Accounts again(*this->store, clock, fast);
  EXPECT_EQ(again.login("Anne.Ny@kommune.dk", "Blå hest løber langsomt").outcome, LoginOutcome::Success);
  // Removing the user removes their account record.
  this->store->remove_user(created.id);
  this->reopen();
  EXPECT_TRUE(this->store->export_dataset(true).credentials.empty());
}

// ---- KOMBIT's side (publishing.hpp): projects, waves, templates, not active ----

namespace {

const User& user_by_email(const Dataset& d, const std::string& email) {
  for (const User& u : d.users)
    if (u.email == email) return u;
  throw std::runtime_error("no user " + email);
}
const User& kombit_admin(const Dataset& d) { return user_by_email(d, "klik@kombit.dk"); }
const User& manager_of(const Dataset& d, ProjectId p) {
  return user_by_email(d, "implementering." + std::to_string(p.value()) + "@kombit.dk");
}
const User& plus_of(const Dataset& d, ProjectId p, MunicipalityId m) {
  for (const User& u : d.users)
    if (u.municipality == m && u.type_on(p) == UserType::Plus) return u;
  throw std::runtime_error("no Plusbruger");
}
/// A wave of project 1 with members, and the project's participant in none of its waves (if any).
const RolloutWave& wave_with_members(const Dataset& d) {
  for (const RolloutWave& w : d.waves)
    if (w.project == ProjectId(1) && !w.members.empty()) return w;
  throw std::runtime_error("no wave with members");
}

/// Every KLIK task's end date and colour as the store's index computes them (KOMBIT sees all), by task id.
std::map<TaskId, std::pair<Date, DeadlineColour>> index_view(const Store& store, const User& viewer, Date today) {
  const Snapshot snap = store.snapshot();
  TaskQuery q;
  const TaskColumns c = task_columns(snap.world(), RightsModel::default_model(), viewer, q, today);
  std::map<TaskId, std::pair<Date, DeadlineColour>> out;
  for (std::size_t i = 0; i < c.size(); ++i) out[TaskId(c.task[i])] = {Date::from_serial(c.end[i]), c.colour[i]};
  return out;
}

/// The same, computed task by task from the exported world (effective_schedule through deadline_dates).
std::map<TaskId, std::pair<Date, DeadlineColour>> plain_view(const Dataset& d, Date today) {
  const std::vector<DeadlineDates> dates = deadline_dates(d.templates, d.tasks, Calendars{}, d.waves);
  std::map<TaskId, std::pair<Date, DeadlineColour>> out;
  for (std::size_t i = 0; i < d.tasks.size(); ++i) {
    const Task& t = d.tasks[i];
    const TaskTemplate& tpl = d.templates[t.template_id.value() - 1];
    const WorkdayCalendar cal = Calendars{}.effective(t.municipality, tpl.project);
    const Schedule s = effective_schedule(tpl, t, wave_shift(d.waves, tpl.project, t.municipality), cal);
    out[t.id] = {s.end, colour_on(t.status, dates[i], today)};
  }
  return out;
}

std::size_t count_events(const Store& store, const std::string& event) {
  const auto all = store.outbox();
  return static_cast<std::size_t>(
      std::count_if(all.begin(), all.end(), [&](const Notification& n) { return n.event == event; }));
}

TaskTemplate new_template(ProjectId p) {
  TaskTemplate t;
  t.project = p;
  t.title = "Test af snitflade";
  t.phase = 2;
  t.theme = 3;
  t.priority = Priority::CriticalPath;
  t.goal = "Mål";
  t.end = Date(2026, 3, 13);
  t.duration_workdays = 10;
  return t;
}

const FixedClock kombit_clock(Date(2025, 9, 1));

}  // namespace

TYPED_TEST(StoreContract, KombitPublishesATemplateToEveryParticipantInOneWrite) {
  const Dataset& d = data();
  // A store is replaced on reopen(): the workflows are made for the current one.
  auto kombit = [this] { return Publishing(*this->store, kombit_clock); };
  const Project& p1 = d.projects[0];
  const std::size_t before = this->store->snapshot()->task_count();
  const std::uint64_t seq = this->store->sequence();
  const TaskTemplate stored = kombit().publish_template(manager_of(d, p1.id).id, new_template(p1.id));
  EXPECT_EQ(stored.id.value(), d.templates.size() + 1);
  EXPECT_EQ(this->store->sequence(), seq + 1);  // one write: the template, its tasks, its notification
  EXPECT_EQ(count_events(*this->store, "template.published"), 1u);
  this->reopen();
  const Snapshot snap = this->store->snapshot();
  EXPECT_EQ(snap->task_count(), before + p1.participants.size());
  EXPECT_EQ(*snap->task_template(stored.id), stored);
  std::set<MunicipalityId> got;
  for (std::uint32_t id = static_cast<std::uint32_t>(d.tasks.size()) + 1; id <= d.tasks.size() + p1.participants.size();
       ++id) {
    const auto t = snap->task(TaskId(id));
    ASSERT_TRUE(t) << id;
    EXPECT_EQ(t->template_id, stored.id);
    EXPECT_EQ(t->status, TaskStatus::NotStarted);
    got.insert(t->municipality);
  }
  EXPECT_EQ(got, std::set<MunicipalityId>(p1.participants.begin(), p1.participants.end()));
  // Recipients: the project's Plus and Standard users of the participants, never Readers.
  const auto out = this->store->outbox();
  const auto n =
      std::find_if(out.begin(), out.end(), [](const Notification& x) { return x.event == "template.published"; });
  ASSERT_NE(n, out.end());
  EXPECT_FALSE(n->recipients.empty());
  for (UserId r : n->recipients) {
    const auto type = snap->user(r)->type_on(p1.id);
    EXPECT_TRUE(type == UserType::Plus || type == UserType::Standard) << r.value();
  }
}

TYPED_TEST(StoreContract, KombitWritesAreRefusedForMunicipalitiesAndOtherProjects) {
  const Dataset& d = data();
  // A store is replaced on reopen(): the workflows are made for the current one.
  auto kombit = [this] { return Publishing(*this->store, kombit_clock); };
  const Project& p1 = d.projects[0];
  const Project& p2 = d.projects[1];
  const User& plus = plus_of(d, p1.id, p1.participants.front());
  const std::uint64_t seq = this->store->sequence();
  // A municipality user: denied with the decision (nothing KOMBIT's is theirs to change).
  try {
    kombit().publish_template(plus.id, new_template(p1.id));
    FAIL() << "published";
  } catch (const PermissionDeniedError& e) {
    EXPECT_EQ(e.rule(), "default_deny");
  }
  EXPECT_THROW(kombit().set_wave_shift(plus.id, wave_with_members(d).id, 5), PermissionDeniedError);
  EXPECT_THROW(kombit().create_project(plus.id, Project{.name = "X"}), PermissionDeniedError);
  EXPECT_THROW(kombit().leave_project(plus.id, p1.id, p1.participants.front()), PermissionDeniedError);
  // The implementation manager of another project: denied, with the way to be allowed.
  try {
    kombit().withdraw_template(manager_of(d, p2.id).id, d.templates.front().id);
    FAIL() << "withdrawn";
  } catch (const PermissionDeniedError& e) {
    EXPECT_NE(std::string(e.what()).find("manage"), std::string::npos) << e.what();
  }
  EXPECT_THROW(kombit().create_project(manager_of(d, p1.id).id, Project{.name = "X"}), PermissionDeniedError);
  // Not found: ids that exist nowhere, and another municipality's task for a municipality user.
  EXPECT_THROW(kombit().set_wave_shift(kombit_admin(d).id, WaveId(999), 1), NotFoundError);
  EXPECT_THROW(kombit().withdraw_template(kombit_admin(d).id, TemplateId(99999)), NotFoundError);
  EXPECT_THROW(kombit().publish_template(kombit_admin(d).id, new_template(ProjectId(77))), NotFoundError);
  const auto other = std::find_if(d.tasks.begin(), d.tasks.end(), [&](const Task& t) {
    return t.municipality != plus.municipality && d.templates[t.template_id.value() - 1].project == p1.id;
  });
  ASSERT_NE(other, d.tasks.end());
  try {
    kombit().set_not_active(plus.id, other->id, true);
    FAIL() << "set";
  } catch (const NotFoundError& e) {
    EXPECT_EQ(std::string(e.what()), not_found_message(ObjectKind::Task));
  }
  // The plusbruger's own municipality's task: visible, and still KOMBIT's alone.
  const auto own = std::find_if(d.tasks.begin(), d.tasks.end(), [&](const Task& t) {
    return t.municipality == plus.municipality && d.templates[t.template_id.value() - 1].project == p1.id;
  });
  EXPECT_THROW(kombit().set_not_active(plus.id, own->id, true), PermissionDeniedError);
  // Bad input names what was wrong.
  TaskTemplate with_id = new_template(p1.id);
  with_id.id = TemplateId(5);
  EXPECT_THROW(kombit().publish_template(kombit_admin(d).id, with_id), InvalidArgumentError);
  TaskTemplate bad_phase = new_template(p1.id);
  bad_phase.phase = 40;
  try {
    kombit().publish_template(kombit_admin(d).id, bad_phase);
    FAIL() << "published";
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(e.where(), "phase");
  }
  EXPECT_EQ(this->store->sequence(), seq);  // nothing was written
  EXPECT_TRUE(this->store->outbox().empty());
}

TYPED_TEST(StoreContract, AWavesShiftMovesItsMembersDeadlinesAtomically) {
  const Dataset& d = data();
  // A store is replaced on reopen(): the workflows are made for the current one.
  auto kombit = [this] { return Publishing(*this->store, kombit_clock); };
  const RolloutWave& wave = wave_with_members(d);
  const MunicipalityId member = wave.members.front();
  const User& admin = kombit_admin(d);
  const Date today(2025, 9, 1);
  const auto before = index_view(*this->store, admin, today);
  const std::uint64_t seq = this->store->sequence();
  const RolloutWave after = kombit().set_wave_shift(manager_of(d, wave.project).id, wave.id, 10);
  EXPECT_EQ(after.shift_workdays, 10);
  EXPECT_EQ(this->store->sequence(), seq + 1);
  EXPECT_EQ(count_events(*this->store, "wave.changed"), 1u);
  this->reopen();
  const auto now = index_view(*this->store, admin, today);
  const WorkdayCalendar cal = Calendars{}.effective(member, wave.project);
  std::size_t moved = 0, kept = 0;
  for (const Task& t : d.tasks) {
    const TaskTemplate& tpl = d.templates[t.template_id.value() - 1];
    // A task with an override of its own keeps its dates: the override wins over the shift.
    const bool shifted =
        tpl.project == wave.project && t.municipality == member && !t.end_override && !t.latest_start_override;
    if (shifted) {
      EXPECT_EQ(now.at(t.id).first, cal.add_workdays(tpl.end, 10)) << t.id.value();
      ++moved;
    } else {
      EXPECT_EQ(now.at(t.id), before.at(t.id)) << t.id.value();
      ++kept;
    }
    const Task stored = *this->store->snapshot()->task(t.id);
    EXPECT_EQ(stored.version, t.version);  // a wave's shift is no change of the task itself
  }
  EXPECT_GT(moved, 10u);
  EXPECT_GT(kept, 10u);
  EXPECT_EQ(now, plain_view(this->store->export_dataset(), today));
  // A municipality is in at most one wave per project; members take part in it.
  RolloutWave twice{.project = wave.project, .name = "Ekstra", .members = {member}};
  EXPECT_THROW(kombit().create_wave(admin.id, twice), InvalidArgumentError);
  RolloutWave stranger{.project = wave.project, .name = "Ekstra", .members = {MunicipalityId(999)}};
  EXPECT_THROW(kombit().create_wave(admin.id, stranger), InvalidArgumentError);
  // A shift out of bounds names the limit; nothing is written.
  const std::uint64_t at = this->store->sequence();
  try {
    kombit().set_wave_shift(admin.id, wave.id, std::numeric_limits<std::int32_t>::min());
    FAIL() << "shifted";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("within 1000 working days"), std::string::npos) << e.what();
  }
  EXPECT_EQ(this->store->sequence(), at);
  // Back to 0: the dates are the template's again.
  kombit().set_wave_shift(admin.id, wave.id, 0);
  EXPECT_EQ(index_view(*this->store, admin, today), before);
}

TYPED_TEST(StoreContract, WaveShiftsAgreeWithAPlainPerTaskComputation) {
  // Property: after random shifts (and members moved between waves), the dates and
  // colours the index precomputed equal a plain computation from the exported world.
  const Dataset& d = data();
  // A store is replaced on reopen(): the workflows are made for the current one.
  auto kombit = [this] { return Publishing(*this->store, kombit_clock); };
  const User& admin = kombit_admin(d);
  std::mt19937 rng(20251202);
  std::uniform_int_distribution<int> shift(-30, 30);
  for (int round = 0; round < 6; ++round) {
    std::vector<RolloutWave> waves = this->store->snapshot()->waves();
    RolloutWave& w = waves[static_cast<std::size_t>(rng()) % waves.size()];
    w.shift_workdays = shift(rng);
    if (round % 2 == 1) {  // move one member to another wave of the project
      for (RolloutWave& other : waves)
        if (other.project == w.project && other.id != w.id && !other.members.empty()) {
          const MunicipalityId m = other.members.back();
          other.members.pop_back();
          kombit().edit_wave(admin.id, other);
          w.members.push_back(m);
          break;
        }
    }
    kombit().edit_wave(admin.id, w);
    const Dataset now = this->store->export_dataset();
    for (const Date today : {Date(2025, 3, 3), Date(2026, 1, 15), Date(2027, 6, 1)})
      ASSERT_EQ(index_view(*this->store, admin, today), plain_view(now, today)) << "round " << round;
  }
  this->reopen();
  const Dataset now = this->store->export_dataset();
  EXPECT_EQ(index_view(*this->store, admin, Date(2026, 1, 15)), plain_view(now, Date(2026, 1, 15)));
}

TYPED_TEST(StoreContract, EditingAndWithdrawingATemplateReachEveryInstance) {
  const Dataset& d = data();
  // A store is replaced on reopen(): the workflows are made for the current one.
  auto kombit = [this] { return Publishing(*this->store, kombit_clock); };
  const User& admin = kombit_admin(d);
  // A template without overrides on any instance.
  const auto tpl = std::find_if(d.templates.begin(), d.templates.end(), [&](const TaskTemplate& t) {
    return std::none_of(d.tasks.begin(), d.tasks.end(), [&](const Task& x) {
      return x.template_id == t.id && (x.end_override || x.latest_start_override);
    });
  });
  TaskTemplate edited = *tpl;
  edited.title = "Ny titel";
  edited.end = Date(2027, 2, 26);
  kombit().edit_template(admin.id, edited);
  EXPECT_EQ(count_events(*this->store, "template.changed"), 1u);
  this->reopen();
  const auto view = index_view(*this->store, admin, Date(2025, 9, 1));
  std::size_t instances = 0;
  for (const Task& t : d.tasks)
    if (t.template_id == tpl->id) {
      const WorkdayCalendar cal = Calendars{}.effective(t.municipality, tpl->project);
      const Dataset now = this->store->export_dataset();
      const std::int32_t s = wave_shift(now.waves, tpl->project, t.municipality);
      EXPECT_EQ(view.at(t.id).first, cal.add_workdays(edited.end, s));
      ++instances;
    }
  EXPECT_GT(instances, 0u);
  EXPECT_EQ(this->store->snapshot()->task_template(tpl->id)->title, "Ny titel");
  // Withdrawn: every instance not active, versions bumped, one write.
  const std::uint64_t seq = this->store->sequence();
  const std::vector<Task> changed = kombit().withdraw_template(admin.id, tpl->id);
  EXPECT_EQ(this->store->sequence(), seq + 1);
  std::size_t active = 0;
  for (const Task& t : d.tasks) active += t.template_id == tpl->id && t.status != TaskStatus::NotActive;
  EXPECT_EQ(changed.size(), active);
  this->reopen();
  for (const Task& t : d.tasks)
    if (t.template_id == tpl->id) {
      const Task now = *this->store->snapshot()->task(t.id);
      EXPECT_EQ(now.status, TaskStatus::NotActive);
      EXPECT_EQ(now.version, t.version + (t.status != TaskStatus::NotActive ? 1u : 0u));
    }
  // Withdrawing again changes nothing.
  EXPECT_TRUE(kombit().withdraw_template(admin.id, tpl->id).empty());
  EXPECT_EQ(this->store->sequence(), seq + 1);
}

TYPED_TEST(StoreContract, AMunicipalityLeavesAndRejoinsAProject) {
  const Dataset& d = data();
  // A store is replaced on reopen(): the workflows are made for the current one.
  auto kombit = [this] { return Publishing(*this->store, kombit_clock); };
  const User& admin = kombit_admin(d);
  const Project& p1 = d.projects[0];
  ASSERT_GE(p1.participants.size(), 2u);
  const MunicipalityId gone = p1.participants.back();
  std::size_t members = 0;
  for (const User& u : d.users) members += u.municipality == gone && u.type_on(p1.id).has_value();
  ASSERT_GT(members, 0u);
  const Project left = kombit().leave_project(admin.id, p1.id, gone);
  EXPECT_EQ(std::count(left.participants.begin(), left.participants.end(), gone), 0);
  EXPECT_EQ(count_events(*this->store, "user.removed_from_project"), members);
  EXPECT_EQ(count_events(*this->store, "project.left"), 1u);
  this->reopen();
  {
    const Snapshot snap = this->store->snapshot();
    for (const Task& t : d.tasks) {
      if (t.municipality != gone || d.templates[t.template_id.value() - 1].project != p1.id) continue;
      const Task now = *snap->task(t.id);  // tasks stay ...
      EXPECT_EQ(now.status, TaskStatus::NotActive);  // ... not active,
      EXPECT_FALSE(now.responsible || now.performer);  // without the assignments of users who left
    }
    for (const User* u : snap->users()) {
      if (u->municipality == gone) {
        EXPECT_FALSE(u->type_on(p1.id).has_value()) << u->id.value();
      }
    }
    for (const RolloutWave& w : snap->waves()) {
      if (w.project == p1.id) {
        EXPECT_EQ(std::count(w.members.begin(), w.members.end(), gone), 0);
      }
    }
  }
  EXPECT_NO_THROW(require_valid(this->store->export_dataset()));
  // A template published while it was out reaches it when it rejoins; its old tasks stay as they are.
  // One withdrawn meanwhile reaches it not active (a withdrawn template: every instance not active).
  const TaskTemplate t = kombit().publish_template(admin.id, new_template(p1.id));
  const TaskTemplate withdrawn = kombit().publish_template(admin.id, new_template(p1.id));
  kombit().withdraw_template(admin.id, withdrawn.id);
  const std::size_t count = this->store->snapshot()->task_count();
  kombit().join_project(admin.id, p1.id, gone);
  EXPECT_EQ(this->store->snapshot()->task_count(), count + 2);
  EXPECT_EQ(kombit().join_project(admin.id, p1.id, gone).participants.size(), p1.participants.size());  // no-op
  this->reopen();
  const Dataset now = this->store->export_dataset();
  EXPECT_EQ(std::count_if(now.tasks.begin(), now.tasks.end(),
                          [&](const Task& x) {
                            return x.template_id == t.id && x.municipality == gone &&
                                   x.status == TaskStatus::NotStarted;
                          }),
            1);
  EXPECT_EQ(std::count_if(now.tasks.begin(), now.tasks.end(),
                          [&](const Task& x) {
                            return x.template_id == withdrawn.id && x.municipality == gone &&
                                   x.status == TaskStatus::NotActive;
                          }),
            1);
  EXPECT_NO_THROW(require_valid(now));
}

TYPED_TEST(StoreContract, KombitSetsAndClearsNotActive) {
  const Dataset& d = data();
  // A store is replaced on reopen(): the workflows are made for the current one.
  auto kombit = [this] { return Publishing(*this->store, kombit_clock); };
  const auto t =
      std::find_if(d.tasks.begin(), d.tasks.end(), [](const Task& x) { return x.status == TaskStatus::Started; });
  ASSERT_NE(t, d.tasks.end());
  const ProjectId p = d.templates[t->template_id.value() - 1].project;
  const Task off = kombit().set_not_active(manager_of(d, p).id, t->id, true);
  EXPECT_EQ(off.status, TaskStatus::NotActive);
  EXPECT_EQ(off.version, t->version + 1);
  EXPECT_EQ(count_events(*this->store, "task.not_active"), 1u);
  EXPECT_EQ(kombit().set_not_active(manager_of(d, p).id, t->id, true).version, off.version);  // no change
  this->reopen();
  const Task on = kombit().set_not_active(kombit_admin(d).id, t->id, false);
  EXPECT_EQ(on.status, TaskStatus::NotStarted);
  EXPECT_EQ(on.version, t->version + 2);
  const ProjectId other = p == ProjectId(1) ? ProjectId(2) : ProjectId(1);
  EXPECT_THROW(kombit().set_not_active(manager_of(d, other).id, t->id, true), PermissionDeniedError);
}

TYPED_TEST(StoreContract, KombitCreatesAndEditsProjectsAndWaves) {
  const Dataset& d = data();
  // A store is replaced on reopen(): the workflows are made for the current one.
  auto kombit = [this] { return Publishing(*this->store, kombit_clock); };
  const User& admin = kombit_admin(d);
  Project p;
  p.name = "Nyt fælleskommunalt projekt";
  p.deadline = Date(2027, 6, 30);
  p.period_start = Date(2026, 1, 1);
  p.period_end = Date(2027, 12, 31);
  p.contact_mail = "nyt@kombit.dk";
  p.phases = {"Forberedelse", "Idriftsættelse"};
  p.themes = {"Organisation"};
  p.participants = {d.municipalities.front().id};
  const Project created = kombit().create_project(admin.id, p);
  EXPECT_EQ(created.id.value(), d.projects.size() + 1);
  EXPECT_THROW(kombit().create_project(admin.id, p), AlreadyExistsError);  // the name is taken
  Project edited = created;
  edited.phases.pop_back();
  edited.contact_mail = "ny@kombit.dk";
  kombit().edit_project(admin.id, edited);
  const TaskTemplate t = kombit().publish_template(admin.id, [&] {
    TaskTemplate x = new_template(created.id);
    x.phase = 1, x.theme = 1;
    return x;
  }());
  edited.phases.clear();  // a template uses phase 1
  EXPECT_THROW(kombit().edit_project(admin.id, edited), InvalidArgumentError);
  const RolloutWave w = kombit().create_wave(
      admin.id,
      {.project = created.id, .name = "Bølge 1", .members = {d.municipalities.front().id}, .shift_workdays = -3});
  this->reopen();
  {
    // Released before the store is read again on this thread (store.hpp: a thread holding
    // a Snapshot must not take another lock of the store; ThreadSanitizer sees the inversion).
    const Snapshot snap = this->store->snapshot();
    EXPECT_EQ(snap->project(created.id)->contact_mail, "ny@kombit.dk");
    EXPECT_EQ(snap->project_by_name(p.name)->id, created.id);
    EXPECT_EQ(snap->waves().back(), w);
  }
  const Dataset now = this->store->export_dataset();
  const auto task =
      std::find_if(now.tasks.begin(), now.tasks.end(), [&](const Task& x) { return x.template_id == t.id; });
  ASSERT_NE(task, now.tasks.end());
  const WorkdayCalendar cal = Calendars{}.effective(task->municipality, created.id);
  EXPECT_EQ(index_view(*this->store, admin, Date(2025, 9, 1)).at(task->id).first, cal.add_workdays(t.end, -3));
}

TYPED_TEST(StoreContract, ConcurrentPublicationsGetDistinctTemplateAndTaskIds) {
  // Ids are assigned by the store under its write lock: templates published at the
  // same moment never collide, and neither do their tasks.
  const Dataset& d = data();
  const Project& p1 = d.projects[0];
  constexpr int threads = 4, each = 5;
  std::vector<std::thread> pool;
  std::atomic<int> failures{0};
  for (int i = 0; i < threads; ++i)
    pool.emplace_back([&] {
      Publishing kombit(*this->store, kombit_clock);
      for (int k = 0; k < each; ++k) {
        try {
          (void)kombit.publish_template(kombit_admin(d).id, new_template(p1.id));
        } catch (...) {
          ++failures;
        }
      }
    });
  for (auto& t : pool) t.join();
  EXPECT_EQ(failures.load(), 0);
  this->reopen();
  const Dataset now = this->store->export_dataset();
  EXPECT_EQ(now.templates.size(), d.templates.size() + threads * each);
  EXPECT_EQ(now.tasks.size(), d.tasks.size() + threads * each * p1.participants.size());
  std::set<TaskId> ids;
  for (const Task& t : now.tasks) ids.insert(t.id);
  EXPECT_EQ(ids.size(), now.tasks.size());
  EXPECT_NO_THROW(require_valid(now));
}

// ---- the audit journal and as-of views (journal.hpp) ----

namespace {

/// Every list of a dataset in id order: an as-of view rebuilds the same world,
/// not necessarily in the same order.
Dataset normalised(Dataset d) {
  auto by_id = [](auto& v) { std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.id < b.id; }); };
  by_id(d.municipalities), by_id(d.projects), by_id(d.waves), by_id(d.templates), by_id(d.tasks);
  by_id(d.local_tasks), by_id(d.users), by_id(d.messages), by_id(d.attachments);
  std::sort(d.internal_notes.begin(), d.internal_notes.end(),
            [](const InternalNote& a, const InternalNote& b) { return a.task < b.task; });
  for (Attachment& a : d.attachments) a.content.clear();
  return d;
}

Timestamp system_now() { return SystemClock().now(); }

/// A status other than `s`: setting it is a change.
TaskStatus another_status(TaskStatus s) {
  return s == TaskStatus::Started ? TaskStatus::Completed : TaskStatus::Started;
}

}  // namespace

TYPED_TEST(StoreContract, EveryWriteIsJournaledWithWhoWhenWhatAndTheFieldsBeforeAndAfter) {
  const auto assignable = find_assignable(data());  // no structured binding: the lambda below captures them (clang 14)
  const Task& t = assignable.task;
  const User& other = assignable.other;
  const Timestamp at(system_now().unix_seconds() + 60);
  const Task stored =
      this->store->update_task({.task = t.id, .status = another_status(t.status), .performer = other.id}, {},
                               {.actor = other.id, .operation = "change_task", .at = at});
  const auto check = [&](const std::vector<JournalEntry>& entries) {
    ASSERT_FALSE(entries.empty());
    const JournalEntry& e = entries.front();  // newest first
    EXPECT_EQ(e.sequence, this->store->sequence());
    EXPECT_EQ(e.at, at);
    EXPECT_EQ(e.actor, other.id);
    EXPECT_EQ(e.operation, "change_task");
    ASSERT_EQ(e.objects.size(), 1u);
    EXPECT_EQ(e.objects[0].kind, JournalObject::Task);
    EXPECT_EQ(e.objects[0].id, t.id.value());
    EXPECT_EQ(from_json<Task>(e.objects[0].before), t);
    EXPECT_EQ(from_json<Task>(e.objects[0].after), stored);
    const auto fields = changed_fields(e.objects[0]);
    EXPECT_TRUE(std::find(fields.begin(), fields.end(), "status") != fields.end());
    EXPECT_TRUE(std::find(fields.begin(), fields.end(), "performer") != fields.end());
    EXPECT_TRUE(std::find(fields.begin(), fields.end(), "responsible") == fields.end());
    EXPECT_TRUE(std::find(fields.begin(), fields.end(), "version") == fields.end());
  };
  check(this->store->journal());
  this->reopen();  // written in the same transaction as the change: it is still there
  check(this->store->journal());
  // An unattributed write is the system's, named by its kind, at the system clock.
  const Timestamp before = system_now();
  this->store->set_internal_notes(t.id, "Husk kontrakten");
  const JournalEntry e = this->store->journal({.limit = 1}).at(0);
  EXPECT_EQ(e.actor, std::nullopt);
  EXPECT_EQ(e.operation, "notes");
  EXPECT_GE(e.at, before);
  ASSERT_EQ(e.objects.size(), 1u);
  EXPECT_EQ(e.objects[0].kind, JournalObject::Notes);
  EXPECT_TRUE(e.objects[0].before.empty());
}

TYPED_TEST(StoreContract, AFailedWriteJournalsNothingAndAWriteWithNoEffectNothingEither) {
  const Task t = data().tasks[3];
  const std::size_t n = this->store->journal().size();
  EXPECT_THROW(
      this->store->update_task({.task = t.id, .expected_version = t.version + 7, .status = TaskStatus::Started}),
      ConflictError);
  (void)this->store->update_task({.task = t.id, .status = t.status});  // already so: nothing written
  EXPECT_EQ(this->store->journal().size(), n);
}

TYPED_TEST(StoreContract, AnObjectsHistoryHoldsOnlyTheEntriesThatTouchedIt) {
  const Task a = data().tasks[1], b = data().tasks[2];
  const TaskStatus first = another_status(a.status), second = another_status(first);
  for (const TaskStatus s : {first, second})
    for (const Task& t : {a, b}) (void)this->store->update_task({.task = t.id, .status = s});
  const auto history = this->store->journal({.kind = JournalObject::Task, .id = a.id.value()});
  ASSERT_EQ(history.size(), 2u);
  EXPECT_GT(history[0].sequence, history[1].sequence);
  EXPECT_EQ(from_json<Task>(history[0].objects.at(0).before).status, first);
  EXPECT_EQ(from_json<Task>(history[0].objects.at(0).after).status, second);
  EXPECT_EQ(this->store->journal({.kind = JournalObject::Task, .id = a.id.value(), .limit = 1}).size(), 1u);
  EXPECT_TRUE(this->store->journal({.kind = JournalObject::Task, .id = 999'999}).empty());
}

TYPED_TEST(StoreContract, AnAccountIsJournaledWithoutItsSecrets) {
  const User u = data().users[4];
  (void)this->store->update_credentials(u.id, [](const Credentials& c) {
    Credentials next = c;
    next.password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$secretsecret";
    next.reset_token_hash = std::string(64, 'a');
    return std::optional(next);
  });
  const auto history = this->store->journal({.kind = JournalObject::Account, .id = u.id.value()});
  ASSERT_EQ(history.size(), 1u);
  const std::string text = to_json(history[0]);
  EXPECT_EQ(text.find("argon2"), std::string::npos);
  EXPECT_EQ(text.find("aaaaaaaa"), std::string::npos);
  EXPECT_NE(text.find("\"password_set\":true"), std::string::npos);
}

TYPED_TEST(StoreContract, AnAsOfViewIsTheWorldAsItWasAndTakesNoWrites) {
  const Dataset& d = data();
  const Timestamp t0 = system_now();
  const Timestamp t1(t0.unix_seconds() + 100), t2(t0.unix_seconds() + 200);
  const Dataset at_start = normalised(this->store->export_dataset());
  // Changes of every kind an as-of view must undo, at t1 and t2.
  const auto [task, other] = find_assignable(d);
  const TaskStatus then = another_status(task.status);
  (void)this->store->update_task({.task = task.id, .status = then, .performer = other.id}, {}, {.at = t1});
  User fresh;
  fresh.email = "ny@example.dk";
  fresh.full_name = "Ny Bruger";
  fresh.side = Side::Municipality;
  fresh.municipality = task.municipality;
  const User created = this->store->create_user(fresh, {}, {.at = t1});
  this->store->set_internal_notes(task.id, "noter", {.at = t1});
  const Dataset at_t1 = normalised(this->store->export_dataset());
  (void)this->store->remove_user(created.id, {}, {.at = t2});
  Message m;
  m.target.task = task.id;
  m.author = other.id;
  m.time = t2;
  m.text = "hej";
  (void)this->store->add_message(m, {}, {.at = t2});
  this->store->set_internal_notes(task.id, "", {.at = t2});
  ASSERT_FALSE(d.waves.empty());
  RolloutWave wave = d.waves[0];
  wave.shift_workdays += 5;  // every task of its members moves
  (void)this->store->put_wave(wave, {}, {.at = t2});
  (void)this->store->publish_template(new_template(d.projects[0].id), {}, {.at = t2});  // new tasks, undone
  const Dataset at_t2 = normalised(this->store->export_dataset());

  EXPECT_EQ(normalised(this->store->as_of(Timestamp(t1.unix_seconds() - 1))->export_dataset()), at_start);
  EXPECT_EQ(normalised(this->store->as_of(t1)->export_dataset()), at_t1);
  EXPECT_EQ(normalised(this->store->as_of(t2)->export_dataset()), at_t2);
  const auto view = this->store->as_of(t1);
  EXPECT_EQ(view->snapshot()->task(task.id)->status, then);
  EXPECT_THROW((void)view->update_task({.task = task.id, .status = another_status(then)}), FailedPreconditionError);
  EXPECT_THROW(view->import_dataset(d), FailedPreconditionError);
  // Files as they were, without their bytes: content is read from the live store.
  const Dataset exported = view->export_dataset();
  ASSERT_FALSE(exported.attachments.empty());
  for (const Attachment& a : exported.attachments) EXPECT_TRUE(a.content.empty());
  EXPECT_THROW((void)view->attachment_content(exported.attachments[0].id), FailedPreconditionError);
  // The import that loaded the world is as far back as a view reaches.
  try {
    (void)this->store->as_of(Timestamp(t0.unix_seconds() - 3600));
    ADD_FAILURE() << "an as-of view before the import";
  } catch (const FailedPreconditionError& e) {
    EXPECT_NE(std::string(e.what()).find("import"), std::string::npos) << e.what();
  }
}

TYPED_TEST(StoreContract, PruningCutsTheJournalAndAsOfViewsStopThere) {
  const Timestamp t0 = system_now();
  const Task t = data().tasks[7];
  const TaskStatus first = another_status(t.status), second = another_status(first);
  (void)this->store->update_task({.task = t.id, .status = first}, {}, {.at = Timestamp(t0.unix_seconds() + 10)});
  (void)this->store->update_task({.task = t.id, .status = second}, {}, {.at = Timestamp(t0.unix_seconds() + 20)});
  const Timestamp cut(t0.unix_seconds() + 15);
  EXPECT_GE(this->store->prune_journal(cut), 2u);  // the import and the first change (and any older start marker)
  const auto history = this->store->journal({.kind = JournalObject::Task, .id = t.id.value()});
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(from_json<Task>(history[0].objects.at(0).after).status, second);
  EXPECT_EQ(this->store->as_of(Timestamp(t0.unix_seconds() + 16))->snapshot()->task(t.id)->status, first);
  try {
    (void)this->store->as_of(Timestamp(t0.unix_seconds() + 12));
    ADD_FAILURE() << "an as-of view before the cut";
  } catch (const FailedPreconditionError& e) {
    EXPECT_NE(std::string(e.what()).find("pruned"), std::string::npos) << e.what();
  }
  this->reopen();
  EXPECT_EQ(this->store->journal({.kind = JournalObject::Task, .id = t.id.value()}).size(), 1u);
  // The journal goes on after a cut, its newest entry first.
  (void)this->store->update_task({.task = t.id, .status = first}, {}, {.at = Timestamp(t0.unix_seconds() + 30)});
  const auto after_cut = this->store->journal({.kind = JournalObject::Task, .id = t.id.value()});
  ASSERT_EQ(after_cut.size(), 2u);
  EXPECT_EQ(from_json<Task>(after_cut[0].objects.at(0).after).status, first);
  EXPECT_EQ(from_json<Task>(after_cut[1].objects.at(0).after).status, second);
}

TYPED_TEST(StoreContract, AnAsOfViewIsTheStateAfterTheNewestChangeStampedAtOrBeforeIt) {
  // Clocks disagree: the second change is stamped before the first. A view undoes
  // the newest changes while they are stamped after its instant, and stops there.
  const Timestamp t0 = system_now();
  const Task t = data().tasks[5];
  const auto at = [&](int s) { return Attribution{.at = Timestamp(t0.unix_seconds() + s)}; };
  TaskStatus s = t.status;
  std::vector<std::uint32_t> versions;
  for (const int stamp : {100, 50, 200}) {
    s = another_status(s);
    versions.push_back(this->store->update_task({.task = t.id, .status = s}, {}, at(stamp)).version);
  }
  EXPECT_EQ(this->store->as_of(Timestamp(t0.unix_seconds() + 150))->snapshot()->task(t.id)->version, versions[1]);
  EXPECT_EQ(this->store->as_of(Timestamp(t0.unix_seconds() + 250))->snapshot()->task(t.id)->version, versions[2]);
  // Before the second's stamp, but the first (stamped later) lies between: the view stops after the second.
  EXPECT_EQ(this->store->as_of(Timestamp(t0.unix_seconds() + 60))->snapshot()->task(t.id)->version, versions[1]);
}
