// The Store (include/klik/store.hpp): in-memory indexes written through a
// Backend (include/klik/backend.hpp). Every write runs under the write lock in
// four steps: catch up with other stores' commits, check the change against the
// indexes (throwing before anything changes), commit it through the backend with
// its notifications, then apply it to the indexes. Changes other stores
// committed are applied by the same apply(), so every store of one database
// ends in the same state. docs/store.md describes the protocol.
#include "klik/store.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "detail/journal_build.hpp"
#include "detail/overloaded.hpp"
#include "detail/world_index.hpp"
#include "klik/rights.hpp"
#include "klik/text.hpp"
#include "klik/user_admin.hpp"

namespace klik {

using detail::ChangeLog;
using detail::local_bit;
using detail::Partition;
using detail::TaskRef;
using detail::TemplateEntry;
using detail::WorldIndex;

namespace {

void check_ids(const Dataset& data) {
  for (std::size_t i = 0; i < data.tasks.size(); ++i)
    if (data.tasks[i].id.value() == 0 || (data.tasks[i].id.value() & local_bit))
      throw InvalidArgumentError("task ids must be 1..2147483647", "/tasks/" + std::to_string(i) + "/id");
  for (std::size_t i = 0; i < data.local_tasks.size(); ++i)
    if (data.local_tasks[i].id.value() == 0 || (data.local_tasks[i].id.value() & local_bit))
      throw InvalidArgumentError("local task ids must be 1..2147483647", "/local_tasks/" + std::to_string(i) + "/id");
  for (std::size_t i = 0; i < data.users.size(); ++i)
    if (data.users[i].id.value() == 0)
      throw InvalidArgumentError("user id 0 is reserved (it means \"not set\")", "/users/" + std::to_string(i) + "/id");
}

/// Checks that `who` may be assigned on a task of `project` in `municipality`.
void check_assignee(const WorldIndex& w, std::optional<UserId> who, MunicipalityId municipality, ProjectId project,
                    const char* field) {
  if (!who) return;
  const User* u = w.find_user(*who);
  if (!u) throw InvalidArgumentError("unknown user " + std::to_string(who->value()), field);
  if (u->side != Side::Municipality || u->municipality != municipality)
    throw InvalidArgumentError("user " + std::to_string(who->value()) + " is not a user of municipality " +
                                   std::to_string(municipality.value()),
                               field);
  const auto type = u->type_on(project);
  if (!type || *type == UserType::Reader)
    throw InvalidArgumentError("user " + std::to_string(who->value()) + " cannot be assigned on project " +
                                   std::to_string(project.value()) +
                                   " (must be Plusbruger, Standardbruger or Light-bruger there)",
                               field);
}

const TaskRef& require_task(const WorldIndex& w, TaskId id) {
  const TaskRef* ref = w.find_ref(id.value());
  if (!ref || (id.value() & local_bit)) throw not_found(ObjectKind::Task);
  return *ref;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

/// A stale write: names the fields changed since `read`. The message is built
/// before the field list is handed over (an argument list has no order).
[[noreturn]] void throw_conflict(const char* kind, std::uint32_t id, std::uint32_t current, std::uint32_t read,
                                 std::vector<std::string> fields) {
  std::string message = std::string(kind) + " " + std::to_string(id) + " was changed by someone else (version " +
                        std::to_string(current) + ", you read " + std::to_string(read) + "; changed: " + join(fields) +
                        ")";
  throw ConflictError(message, std::move(fields));
}

/// The checks every stored user passes, whoever writes it: a real id, memberships
/// of existing projects, each once, and a municipality user of a known municipality.
void check_user_shape(const WorldIndex& w, const User& u) {
  require_valid_fields(u);  // text is UTF-8, side and user types are enumerators
  KLIK_REQUIRE(u.id.value() != 0, "user id 0 is reserved (it means \"not set\")");
  for (std::size_t i = 0; i < u.memberships.size(); ++i) {
    const ProjectId p = u.memberships[i].project;
    if (!w.project_slot.contains(p))
      throw InvalidArgumentError("project " + std::to_string(p.value()) + " does not exist",
                                 "memberships/" + std::to_string(i));
    for (std::size_t j = 0; j < i; ++j)
      if (u.memberships[j].project == p)
        throw InvalidArgumentError("project " + std::to_string(p.value()) + " is given twice",
                                   "memberships/" + std::to_string(i));
  }
  if (u.side == Side::Municipality && u.municipality)
    KLIK_REQUIRE(std::any_of(w.municipalities.begin(), w.municipalities.end(),
                             [&](const Municipality& m) { return m.id == *u.municipality; }),
                 "municipality " + std::to_string(u.municipality->value()) + " does not exist");
}

/// the user-administration invariants (docs/rights.md) for `before` becoming `after`, checked against the
/// users as stored (under the write lock): throws FailedPreconditionError.
void check_user_invariants(const WorldIndex& w, const std::optional<User>& before, const std::optional<User>& after) {
  if (!before) return;  // a new user takes nothing away
  const bool guards =
      before->administrator || std::any_of(before->memberships.begin(), before->memberships.end(),
                                           [](const Membership& m) { return m.type == UserType::Plus; });
  if (!guards) return;  // neither an Administrator nor a Plusbruger: nothing to keep
  std::vector<const User*> users;
  users.reserve(w.users.size());
  for (const auto& e : w.users) users.push_back(&e.user);
  throw_if_any(invariant_violations(before, after, users, w.projects));
}

}  // namespace

// ---- the core: state, locks, loading, applying ----

namespace {

/// A write checked and ready to commit: the caller's result, the change (none
/// when nothing changes) and notifications built from the stored object.
template <class R>
struct Prepared {
  R result;
  std::optional<Change> change;
  std::optional<std::vector<Notification>> announced;
};

/// How often a write is checked again on a newer state before giving up.
constexpr int max_write_attempts = 64;

}  // namespace

namespace detail {

/// A store's shared lock, held for one thread's Snapshots (they share it) and
/// released with the last of them.
struct HeldReadLock {
  std::shared_lock<std::shared_mutex> lock;
};

}  // namespace detail

namespace {

/// The stores this thread holds a Snapshot of. Its reads of such a store share
/// the snapshot's lock (taking the lock again could wait behind a writer that
/// waits for the snapshot), and its writes refuse (they would wait for the
/// thread itself). Entries whose snapshots are gone expire and are dropped.
thread_local std::vector<std::pair<const std::shared_mutex*, std::weak_ptr<detail::HeldReadLock>>> held_here;

std::shared_ptr<detail::HeldReadLock> held_by_this_thread(const std::shared_mutex& m) {
  std::shared_ptr<detail::HeldReadLock> found;
  std::erase_if(held_here, [&](const auto& h) {
    auto alive = h.second.lock();
    if (alive && h.first == &m) found = std::move(alive);
    return h.second.expired();
  });
  return found;
}

}  // namespace

struct Store::Core {
  Core(std::unique_ptr<Backend> b, Calendars c) : calendars(std::move(c)), backend(std::move(b)) {
    KLIK_REQUIRE(backend != nullptr, "a store needs a backend");
  }

  Calendars calendars;
  std::unique_ptr<Backend> backend;
  /// One writer at a time, held across the backend's commit (an fsync): readers go on
  /// reading the indexes meanwhile, and wait only while the committed change is
  /// applied to them (see write()). Everything that changes the indexes holds it.
  mutable std::mutex writer;
  mutable std::mutex gate;
  mutable std::shared_mutex mutex;
  std::unique_ptr<WorldIndex> index = std::make_unique<WorldIndex>();
  std::uint64_t next_message = 1;
  std::uint64_t next_attachment = 1;
  std::uint64_t next_user = 1;  // above every user id seen (users, message authors, uploaders)
  std::uint64_t next_local = 1;  // above every local task id seen
  std::uint64_t next_project = 1, next_wave = 1, next_template = 1, next_task = 1;  // KOMBIT's catalogue
  std::uint64_t sequence = 0;  // the last change applied
  std::atomic<bool> closed{false};
  bool as_of_view = false;  // built by Store::as_of: no file content to read

  /// Writers go first: a writer takes the gate, then waits for the readers
  /// inside to leave; new readers queue at the gate meanwhile. Without it, a
  /// steady stream of readers (pthread rwlocks prefer readers) starves writers.
  struct Exclusive {
    std::unique_lock<std::mutex> gate;
    std::unique_lock<std::shared_mutex> lock;
  };
  /// The indexes to oneself, for a thread that holds `writer`.
  [[nodiscard]] Exclusive exclusive() const {
    std::unique_lock g(gate);
    std::unique_lock l(mutex);
    return {std::move(g), std::move(l)};
  }
  struct WriteLock {
    std::unique_lock<std::mutex> writer;
    Exclusive indexes;
  };
  [[nodiscard]] WriteLock write_lock() const {
    refuse_if_snapshot_held("a write");
    std::unique_lock w(writer);
    Exclusive x = exclusive();
    if (closed) throw FailedPreconditionError("the store is closed");
    return {std::move(w), std::move(x)};
  }
  /// A shared lock, for a thread that holds no Snapshot of the store (see
  /// fresh_read_lock).
  [[nodiscard]] std::shared_lock<std::shared_mutex> read_lock() const {
    const std::lock_guard g(gate);
    std::shared_lock l(mutex);
    if (closed) throw FailedPreconditionError("the store is closed");
    return l;
  }
  void refuse_if_snapshot_held(std::string_view what) const {
    if (held_by_this_thread(mutex))
      throw FailedPreconditionError(std::string(what) +
                                    " while this thread holds a Snapshot of the store would wait for the snapshot, "
                                    "that is for itself: let the snapshot go first");
  }

  void install(std::unique_ptr<WorldIndex> fresh) {
    std::uint64_t m = 0, a = 0, u = 0, l = 0;
    for (const auto& x : fresh->messages)
      m = std::max(m, x.id.value()), u = std::max<std::uint64_t>(u, x.author.value());
    for (const auto& x : fresh->attachments)
      a = std::max(a, x.id.value()), u = std::max<std::uint64_t>(u, x.uploaded_by.value());
    for (const auto& e : fresh->users) u = std::max<std::uint64_t>(u, e.user.id.value());
    for (const auto& e : fresh->locals) l = std::max<std::uint64_t>(l, e.task.id.value());
    std::uint64_t p = 0, w = 0, t = 0, k = 0;
    for (const Project& x : fresh->projects) p = std::max<std::uint64_t>(p, x.id.value());
    for (const RolloutWave& x : fresh->waves) w = std::max<std::uint64_t>(w, x.id.value());
    for (const auto& x : fresh->templates) t = std::max<std::uint64_t>(t, x.tpl.id.value());
    fresh->refs.for_each([&k](const TaskRef& x) {
      if (!(x.key & local_bit)) k = std::max<std::uint64_t>(k, x.key);
    });
    next_project = p + 1, next_wave = w + 1, next_template = t + 1, next_task = k + 1;
    index = std::move(fresh);
    next_message = m + 1;
    next_attachment = a + 1;
    next_user = u + 1;
    next_local = l + 1;
  }

  /// Builds the indexes of a dataset (validated): attachments without content.
  [[nodiscard]] std::unique_ptr<WorldIndex> build(const Dataset& data) const {
    auto fresh = std::make_unique<WorldIndex>(data, calendars);
    for (auto& at : fresh->attachments) at.content.clear(), at.content.shrink_to_fit();
    return fresh;
  }

  /// Loads everything from the backend (write lock held, or during construction).
  void load() {
    StoredWorld w = backend->load();
    if (!w.validated) check_dataset(w.data);
    std::unique_ptr<WorldIndex> fresh;
    try {
      fresh = build(w.data);
    } catch (const std::out_of_range&) {
      throw StorageError("the stored world is inconsistent (a task refers to a missing template or project)");
    }
    for (const auto& [task, colour] : w.notified) fresh->set_notified(task.value(), colour);
    for (const auto& [local, colour] : w.notified_local) fresh->set_notified(local.value() | local_bit, colour);
    for (const FieldLogEntry& e : w.field_log)
      fresh->changes.record(e.object == FieldLogEntry::Object::User ? ChangeLog::UserKind : ChangeLog::TaskKind, e.id,
                            e.version, e.fields);
    install(std::move(fresh));
    sequence = w.sequence;
    for (const SequencedChange& sc : w.replay) {
      if (sc.sequence != sequence + 1)
        throw StorageError("the stored changes jump from " + std::to_string(sequence) + " to " +
                           std::to_string(sc.sequence));
      try {
        apply(sc.change);
      } catch (const Error& e) {
        throw StorageError("stored change " + std::to_string(sc.sequence) + " (" + std::string(change_kind(sc.change)) +
                           ") does not apply: " + e.what());
      }
      sequence = sc.sequence;
    }
  }

  static void check_dataset(const Dataset& data) {
    require_valid(data);
    check_ids(data);
  }

  void apply_cleared(const ClearedAssignments& c) {
    for (std::size_t i = 0; i < c.tasks.size(); ++i) {
      const Task& t = c.tasks[i];
      const std::uint32_t fields = i < c.task_fields.size() ? c.task_fields[i] : TaskAllFields;
      apply_task(t, fields);
    }
    for (const LocalTask& l : c.local_tasks) index->put_local_task(l);
  }

  void apply_task(const Task& t, std::uint32_t fields) {
    TaskUpdate u;
    u.task = t.id;
    if (fields & TaskStatusField) u.status = t.status;
    if (fields & TaskResponsibleField) u.responsible = t.responsible;
    if (fields & TaskPerformerField) u.performer = t.performer;
    if (fields & TaskEndField) u.end_override = t.end_override;
    if (fields & TaskLatestStartField) u.latest_start_override = t.latest_start_override;
    index->update_task(u, t.version);
    index->changes.record(ChangeLog::TaskKind, t.id.value(), t.version, fields);
  }

  /// Applies a committed change to the indexes: this store's own, or another's.
  void apply(const Change& change) {
    std::visit(detail::Overloaded{
                   [&](const TaskChanged& c) { apply_task(c.task, c.fields); },
                   [&](const UserSaved& c) {
                     apply_cleared(c.cleared);
                     index->put_user(c.user);
                     if (c.credentials) index->credentials[c.user.id] = *c.credentials;
                     index->changes.record(ChangeLog::UserKind, c.user.id.value(), c.user.version, c.fields);
                     next_user = std::max<std::uint64_t>(next_user, std::uint64_t{c.user.id.value()} + 1);
                   },
                   [&](const UserRemoved& c) {
                     apply_cleared(c.cleared);
                     index->remove_user(c.user);
                   },
                   [&](const LocalTaskSaved& c) {
                     index->put_local_task(c.task);
                     next_local = std::max<std::uint64_t>(next_local, std::uint64_t{c.task.id.value()} + 1);
                   },
                   [&](const LocalTaskRemoved& c) {
                     index->remove_local_task(c.task);  // its last-notified colour goes with its row
                   },
                   [&](const MessageAdded& c) {
                     index->messages.push_back(c.message);
                     next_message = std::max(next_message, c.message.id.value() + 1);
                     next_user = std::max<std::uint64_t>(next_user, std::uint64_t{c.message.author.value()} + 1);
                   },
                   [&](const NotesSet& c) {
                     if (c.text.empty())
                       index->notes.erase(c.task);
                     else
                       index->notes[c.task] = c.text;
                   },
                   [&](const AttachmentAdded& c) {
                     Attachment meta = c.attachment;
                     if (!meta.content.empty()) meta.size = meta.content.size();
                     meta.content.clear();
                     index->attachments.push_back(std::move(meta));
                     next_attachment = std::max(next_attachment, c.attachment.id.value() + 1);
                     next_user =
                         std::max<std::uint64_t>(next_user, std::uint64_t{c.attachment.uploaded_by.value()} + 1);
                   },
                   [&](const ColoursNotified& c) {
                     for (const auto& [task, colour] : c.colours) index->set_notified(task.value(), colour);
                     for (const auto& [local, colour] : c.local_colours)  // (none if removed since, in another store)
                       index->set_notified(local.value() | local_bit, colour);
                   },
                   [&](const NotificationsOnly&) {},
                   [&](const AttachmentRemoved& c) {
                     std::erase_if(index->attachments, [&](const Attachment& a) { return a.id == c.attachment; });
                   },
                   [&](const CredentialsSaved& c) {
                     if (!index->find_user(c.credentials.user))
                       throw NotFoundError("user " + std::to_string(c.credentials.user.value()) + " not found");
                     index->credentials[c.credentials.user] = c.credentials;
                   },
                   [&](const ProjectSaved& c) {
                     index->put_project(c.project);
                     next_project = std::max<std::uint64_t>(next_project, std::uint64_t{c.project.id.value()} + 1);
                     for (const User& u : c.users) {
                       index->put_user(u);
                       index->changes.record(ChangeLog::UserKind, u.id.value(), u.version, UserMembershipsField);
                     }
                     for (const RolloutWave& w : c.waves) index->put_wave(w);
                     apply_batch(c.tasks);
                   },
                   [&](const WaveSaved& c) {
                     index->put_wave(c.wave);
                     next_wave = std::max<std::uint64_t>(next_wave, std::uint64_t{c.wave.id.value()} + 1);
                   },
                   [&](const TemplateSaved& c) {
                     index->put_template(c.tpl);
                     next_template = std::max<std::uint64_t>(next_template, std::uint64_t{c.tpl.id.value()} + 1);
                     apply_batch(c.tasks);
                   },
               },
               change);
  }

  void apply_batch(const TaskBatch& b) {
    for (std::size_t i = 0; i < b.changed.size(); ++i)
      apply_task(b.changed[i], i < b.changed_fields.size() ? b.changed_fields[i] : TaskAllFields);
    for (const LocalTask& l : b.local_changed) index->put_local_task(l);
    index->add_tasks(b.added);
    for (const Task& t : b.added) next_task = std::max<std::uint64_t>(next_task, std::uint64_t{t.id.value()} + 1);
  }

  /// Applies what other stores committed (write lock held). `force`: ask the
  /// backend even when its hint says nothing changed. Returns how many changes.
  std::size_t catch_up(bool force) {
    if (!force && !backend->may_have_changes()) return 0;
    const auto changes = backend->changes_since(sequence);
    if (!changes) {
      load();
      return 1;
    }
    std::size_t applied = 0;
    for (const SequencedChange& sc : *changes) {
      if (sc.sequence <= sequence) continue;
      if (sc.sequence != sequence + 1) {  // a gap: the log does not hold what we missed
        load();
        return applied + 1;
      }
      try {
        apply(sc.change);
      } catch (const Error&) {
        load();  // a change this state cannot take: start again from the database
        return applied + 1;
      }
      sequence = sc.sequence;
      ++applied;
    }
    return applied;
  }

  /// The write protocol (see the file comment). `prepare` checks the write
  /// against the current indexes and returns what to commit; it runs again on
  /// the newer state when another store committed first.
  ///
  /// Locks: the writer mutex for the whole write, so the indexes change only here.
  /// `prepare` reads them under a shared lock, beside the readers; the backend
  /// commits (an fsync for SQLite) with no lock on the indexes, so readers keep
  /// reading the state before the change; only applying the committed change takes
  /// them exclusively. A reader never sees a change before it is durable.
  template <class R, class F>
  R write(Outgoing notify, const Attribution& by, F&& prepare) {
    refuse_if_snapshot_held("a write");
    const std::unique_lock one_writer(writer);
    if (closed) throw FailedPreconditionError("the store is closed");
    if (backend->may_have_changes()) {
      const auto x = exclusive();
      catch_up(true);
    }
    for (int attempt = 1;; ++attempt) {
      std::shared_lock reading(mutex);
      Prepared<R> p = prepare();
      if (!p.change) return std::move(p.result);
      // The journal entry is built here, from the indexes the change has not
      // touched yet: the objects as they were, and as the change stores them.
      JournalEntry entry = journal_entry(by, change_kind(*p.change));
      entry.objects = detail::journal_objects(*p.change, *index);
      reading.unlock();
      std::uint64_t committed = 0;
      try {
        committed = backend->commit(*p.change, p.announced ? Outgoing(*p.announced) : notify, entry, sequence);
      } catch (const StaleError& e) {
        if (attempt >= max_write_attempts)
          throw StorageError("a write was overtaken by other stores " + std::to_string(attempt) +
                             " times in a row; giving up (" + e.what() + ")");
        const auto x = exclusive();
        catch_up(true);
        continue;
      }
      const auto x = exclusive();
      try {
        apply(*p.change);
        sequence = committed;
      } catch (const Error&) {
        load();  // committed but not applicable here: the database is the truth
      }
      return std::move(p.result);
    }
  }

  /// An entry for the next change, attributed as `by` says (objects not yet filled in).
  [[nodiscard]] JournalEntry journal_entry(const Attribution& by, std::string_view kind) const {
    JournalEntry e;
    e.sequence = sequence + 1;
    e.at = by.at ? *by.at : SystemClock().now();
    e.actor = by.actor;
    e.operation = by.operation.empty() ? std::string(kind) : by.operation;
    return e;
  }

  /// A read lock on the latest state: catches up first when the backend says
  /// the database changed (see try_catch_up). None when this thread holds a
  /// Snapshot of the store: it keeps the snapshot's state still already.
  [[nodiscard]] std::shared_lock<std::shared_mutex> fresh_read_lock() {
    if (held_by_this_thread(mutex)) return {};
    return latest_read_lock();
  }
  /// fresh_read_lock for a caller that knows this thread holds no Snapshot.
  [[nodiscard]] std::shared_lock<std::shared_mutex> latest_read_lock() {
    if (!closed && backend->may_have_changes()) try_catch_up();
    return read_lock();
  }

  /// Catches up for a reader without waiting long behind other threads'
  /// snapshots: it gives up after 20 ms and reads as is (the next read tries
  /// again). (try_lock in a loop rather than timed locks: glibc implements those
  /// with pthread_*_clocklock, which ThreadSanitizer cannot see.)
  void try_catch_up() {
    // The writer mutex too: a writer between its commit and applying it must not
    // have its own change applied under it by a reader.
    std::unique_lock w(writer, std::defer_lock);
    std::unique_lock g(gate, std::defer_lock);
    std::unique_lock l(mutex, std::defer_lock);
    if (!lock_within(w) || !lock_within(g) || !lock_within(l) || closed) return;
    catch_up(false);
  }

  template <class Lock>
  static bool lock_within(Lock& lock) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
    while (!lock.try_lock()) {
      if (std::chrono::steady_clock::now() >= until) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    return true;
  }

  // ---- checks shared by several writes ----

  /// The tasks and local tasks whose assignments to `user` (on `projects`, or all
  /// when empty) a change clears, as they will be stored.
  [[nodiscard]] ClearedAssignments cleared(UserId id, std::span<const ProjectId> projects) const {
    ClearedAssignments c;
    for (std::uint32_t key : index->keys_assigned_to(id, projects)) {
      const TaskRef* ref = index->find_ref(key);
      const Partition& part = index->partitions[ref->partition];
      const std::size_t r = ref->row;
      const bool resp = part.responsible[r] == id.value(), perf = part.performer[r] == id.value();
      if (part.is_local(r)) {
        LocalTask l = index->local_at(part, r);
        if (resp) l.responsible.reset();
        if (perf) l.performer.reset();
        l.status = part.status[r];
        l.version = part.version[r] + 1;
        c.local_tasks.push_back(l);
      } else {
        Task t = index->task_at(part, r);
        if (resp) t.responsible.reset();
        if (perf) t.performer.reset();
        t.version = part.version[r] + 1;
        c.tasks.push_back(t);
        c.task_fields.push_back((resp ? TaskResponsibleField : 0u) | (perf ? TaskPerformerField : 0u));
      }
    }
    return c;
  }

  /// The common end of create_user and put_user: checks the user's shape, the
  /// unique email and the user-administration invariants (docs/rights.md) against the users as stored.
  Prepared<User> prepare_user(const std::optional<User>& before, const User& stored, std::uint32_t fields,
                              const Announce<User>* announce) const {
    check_user_shape(*index, stored);
    const auto& by_mail = index->users.get<detail::by_email>();
    if (const auto it = by_mail.find(normalise_email(stored.email)); it != by_mail.end() && it->user.id != stored.id)
      throw AlreadyExistsError("a user with email " + it->email_key + " already exists");
    check_user_invariants(*index, before, stored);
    UserSaved c;
    c.user = stored;
    c.created = !before;
    c.fields = before ? fields : UserAllFields;
    // Leaving a project or becoming Læser there clears the user's assignments on
    // that project's tasks (user administration, docs/rights.md), in the same transaction.
    std::vector<ProjectId> lost;
    if (before)
      for (const Membership& m : before->memberships) {
        const auto now = stored.type_on(m.project);
        if (m.type != UserType::Reader && (!now || *now == UserType::Reader)) lost.push_back(m.project);
      }
    if (!lost.empty()) c.cleared = cleared(stored.id, lost);
    Prepared<User> p{stored, std::move(c), std::nullopt};
    if (announce) p.announced = *announce ? (*announce)(stored) : std::vector<Notification>{};
    return p;
  }

  // ---- KOMBIT's catalogue ----

  [[nodiscard]] const Project& project_at(ProjectId id) const {
    const auto it = index->project_slot.find(id);
    if (it == index->project_slot.end()) throw not_found(ObjectKind::Project);
    return index->projects[it->second];
  }

  /// A project as it may be stored: its fields, name, period, participants, and
  /// (when it exists) the phases and themes its templates use.
  void check_project(const Project& p) const {
    require_valid_fields(p);
    KLIK_REQUIRE(p.id.value() != 0, "project id 0 is reserved");
    KLIK_REQUIRE(!p.name.empty(), "a project needs a name");
    if (const auto it = index->project_by_name.find(p.name);
        it != index->project_by_name.end() && index->projects[it->second].id != p.id)
      throw AlreadyExistsError("a project named \"" + excerpt(p.name) + "\" already exists");
    if (p.period_end < p.period_start)
      throw InvalidArgumentError(
          "the period ends (" + p.period_end.iso() + ") before it starts (" + p.period_start.iso() + ")", "period_end");
    for (std::size_t i = 0; i < p.participants.size(); ++i) {
      const MunicipalityId m = p.participants[i];
      const std::string where = "participants/" + std::to_string(i);
      if (std::none_of(index->municipalities.begin(), index->municipalities.end(),
                       [&](const Municipality& x) { return x.id == m; }))
        throw InvalidArgumentError("municipality " + std::to_string(m.value()) + " does not exist", where);
      if (std::find(p.participants.begin(), p.participants.begin() + static_cast<std::ptrdiff_t>(i), m) !=
          p.participants.begin() + static_cast<std::ptrdiff_t>(i))
        throw InvalidArgumentError("municipality " + std::to_string(m.value()) + " is given twice", where);
    }
    for (const auto& te : index->templates) {
      if (te.tpl.project != p.id) continue;
      if (te.tpl.phase > p.phases.size())
        throw InvalidArgumentError("template " + std::to_string(te.tpl.id.value()) + " uses phase " +
                                       std::to_string(te.tpl.phase) + "; the project would have " +
                                       std::to_string(p.phases.size()),
                                   "phases");
      if (te.tpl.theme > p.themes.size())
        throw InvalidArgumentError("template " + std::to_string(te.tpl.id.value()) + " uses theme " +
                                       std::to_string(te.tpl.theme) + "; the project would have " +
                                       std::to_string(p.themes.size()),
                                   "themes");
    }
  }

  /// A wave as it may be stored: an existing project, members who take part in
  /// it and are in no other wave of it, and a shift every task it moves can take.
  void check_wave(const RolloutWave& w) const {
    require_valid_fields(w);
    KLIK_REQUIRE(w.id.value() != 0, "wave id 0 is reserved");
    KLIK_REQUIRE(!w.name.empty(), "a wave needs a name");
    const Project& p = project_at(w.project);
    KLIK_REQUIRE(w.shift_workdays >= -max_shift && w.shift_workdays <= max_shift,
                 "a wave's shift must be within " + std::to_string(max_shift) + " working days either way, not " +
                     std::to_string(w.shift_workdays));
    for (std::size_t i = 0; i < w.members.size(); ++i) {
      const MunicipalityId m = w.members[i];
      const std::string where = "members/" + std::to_string(i);
      if (std::find(p.participants.begin(), p.participants.end(), m) == p.participants.end())
        throw InvalidArgumentError("municipality " + std::to_string(m.value()) + " does not take part in project " +
                                       std::to_string(p.id.value()),
                                   where);
      if (std::find(w.members.begin(), w.members.begin() + static_cast<std::ptrdiff_t>(i), m) !=
          w.members.begin() + static_cast<std::ptrdiff_t>(i))
        throw InvalidArgumentError("municipality " + std::to_string(m.value()) + " is given twice", where);
      for (const RolloutWave& other : index->waves)
        if (other.id != w.id && other.project == w.project &&
            std::find(other.members.begin(), other.members.end(), m) != other.members.end())
          throw InvalidArgumentError("municipality " + std::to_string(m.value()) + " is already in wave " +
                                         std::to_string(other.id.value()) + " (\"" + excerpt(other.name) +
                                         "\") of this project; a municipality is in at most one wave per project",
                                     where);
    }
    // Nothing else to check: a template's dates keep their order when shifted
    // (add_workdays is monotonic), and a task with an override of its own does
    // not move (effective_schedule).
  }

  static constexpr std::int32_t max_shift = 1000;

  /// A template as it may be stored: validate_template, and phase and theme of its project.
  void check_template(const TaskTemplate& t) const {
    require_valid_fields(t);
    KLIK_REQUIRE(t.id.value() != 0, "template id 0 is reserved");
    KLIK_REQUIRE(!t.title.empty(), "a template needs a title");
    const Project& p = project_at(t.project);
    validate_template(t);
    if (t.phase < 1 || t.phase > p.phases.size())
      throw InvalidArgumentError("phase " + std::to_string(t.phase) + " is not one of the project's " +
                                     std::to_string(p.phases.size()) + " phases",
                                 "phase");
    if (t.theme < 1 || t.theme > p.themes.size())
      throw InvalidArgumentError("theme " + std::to_string(t.theme) + " is not one of the project's " +
                                     std::to_string(p.themes.size()) + " themes",
                                 "theme");
  }

  /// Calls f(partition, row) for every task row of template slot `slot`.
  template <class F>
  void for_each_instance(std::uint32_t slot, F&& f) const {
    const TemplateEntry& te = index->templates[slot];
    for (std::uint32_t pi : index->partitions_by_project[te.project_slot]) {
      const Partition& part = index->partitions[pi];
      for (std::size_t r = 0; r < part.size(); ++r)
        if (!part.is_local(r) && part.text[r] == slot) f(part, r);
    }
  }

  /// Withdrawn: it has instances and every one is not active.
  [[nodiscard]] bool withdrawn(std::uint32_t slot) const {
    bool any = false, all = true;
    for_each_instance(slot, [&](const Partition& part, std::size_t r) {
      any = true;
      all = all && part.status[r] == TaskStatus::NotActive;
    });
    return any && all;
  }

  /// `n` new task ids, from the first unused one.
  [[nodiscard]] std::vector<TaskId> task_ids(std::size_t n) const {
    KLIK_REQUIRE(next_task + n <= local_bit, "no task id left");
    std::vector<TaskId> out;
    for (std::size_t i = 0; i < n; ++i) out.emplace_back(static_cast<std::uint32_t>(next_task + i));
    return out;
  }

  Prepared<LocalTask> prepare_local_task(const LocalTask& stored, bool created,
                                         const Announce<LocalTask>* announce) const {
    require_valid_fields(stored);
    KLIK_REQUIRE(stored.id.value() != 0 && !(stored.id.value() & local_bit), "local task ids must be 1..2147483647");
    const TaskRef* parent = index->find_ref(stored.parent.value());
    if (!parent || (stored.parent.value() & local_bit)) throw not_found(ObjectKind::Task, "parent");
    const Partition& part = index->partitions[parent->partition];
    KLIK_REQUIRE(part.municipality == stored.municipality,
                 "a local task belongs to its parent's municipality " + std::to_string(part.municipality.value()));
    KLIK_REQUIRE(stored.status != TaskStatus::NotActive, "a local task cannot be not_active");
    check_assignee(*index, stored.responsible, part.municipality, part.project, "responsible");
    check_assignee(*index, stored.performer, part.municipality, part.project, "performer");
    Prepared<LocalTask> p{stored, LocalTaskSaved{stored, created}, std::nullopt};
    if (announce) p.announced = *announce ? (*announce)(stored) : std::vector<Notification>{};
    return p;
  }
};

// ---- Store ----

Store::Store(std::unique_ptr<Backend> backend, Calendars calendars)
    : core_(std::make_unique<Core>(std::move(backend), std::move(calendars))) {
  core_->load();
}

Store::~Store() = default;

Backend& Store::backend() const {
  if (core_->closed) throw FailedPreconditionError("the store is closed");
  return *core_->backend;
}

Snapshot::Snapshot(std::shared_ptr<detail::HeldReadLock> lock, const detail::WorldIndex& index) noexcept
    : lock_(std::move(lock)), world_(index) {}

Snapshot::~Snapshot() = default;

Snapshot Store::snapshot() const {
  Core& c = *core_;
  if (auto held = held_by_this_thread(c.mutex)) return Snapshot(std::move(held), *c.index);
  // Lock first, then read the index: an import replaces it.
  auto held = std::make_shared<detail::HeldReadLock>(detail::HeldReadLock{c.latest_read_lock()});
  held_here.emplace_back(&c.mutex, held);
  return Snapshot(std::move(held), *c.index);
}

std::size_t Store::refresh() {
  const auto lock = core_->write_lock();
  return core_->catch_up(true);
}

std::uint64_t Store::sequence() const {
  const auto lock = core_->fresh_read_lock();
  return core_->sequence;
}

void Store::close() {
  Core& c = *core_;
  c.refuse_if_snapshot_held("close()");
  std::unique_lock w(c.writer);
  std::unique_lock g(c.gate);
  std::unique_lock l(c.mutex);
  if (c.closed) return;
  c.backend->close();
  c.closed = true;
}

bool Store::closed() const noexcept { return core_->closed; }

void Store::import_dataset(const Dataset& data, const Attribution& by) {
  Core& c = *core_;
  Core::check_dataset(data);
  auto fresh = c.build(data);
  // One critical section: no mutation may slip in between the backend and the indexes.
  const auto lock = c.write_lock();
  for (int attempt = 1;; ++attempt) {
    try {
      JournalEntry entry = c.journal_entry(by, "import");
      entry.operation = "import";  // what an as-of view cannot reach across, whoever imported
      const std::uint64_t committed = c.backend->replace(data, entry, c.sequence);
      c.install(std::move(fresh));
      c.sequence = committed;
      return;
    } catch (const StaleError&) {
      if (attempt >= max_write_attempts) throw;
      c.catch_up(true);
    }
  }
}

Dataset Store::export_dataset(bool with_credentials) const {
  const auto lock = core_->fresh_read_lock();
  Dataset d = core_->index->to_dataset(with_credentials);
  if (core_->as_of_view) return d;  // files' metadata only: a view holds no content
  for (Attachment& a : d.attachments) {
    a.content.clear();
    core_->backend->read_attachment(a.id, [&](std::string_view chunk) { a.content.append(chunk); });
  }
  return d;
}

Task Store::update_task(const TaskUpdate& u, Outgoing notify, const Attribution& by) {
  Core& c = *core_;
  return c.write<Task>(notify, by, [&]() -> Prepared<Task> {
    c.backend->require_writable();
    const WorldIndex& w = *c.index;
    const TaskRef& ref = require_task(w, u.task);
    const Partition& part = w.partitions[ref.partition];
    const std::size_t r = ref.row;
    const std::uint32_t current = part.version[r];
    if (u.expected_version != 0 && u.expected_version != current) {
      const auto mask = w.changes.changed_since(ChangeLog::TaskKind, u.task.value(), u.expected_version, current);
      throw_conflict("task", u.task.value(), current, u.expected_version,
                     task_field_names(mask.value_or(TaskAllFields)));
    }
    if (u.status && !is_valid(*u.status))
      throw InvalidArgumentError(std::to_string(static_cast<int>(*u.status)) + " is not a TaskStatus", "status");
    const Task before = w.task_at(part, r);
    // A field set to the value it has is no change: the update applies only what differs.
    TaskUpdate effective;
    effective.task = u.task;
    if (u.status && *u.status != before.status) effective.status = u.status;
    if (u.responsible && *u.responsible != before.responsible) effective.responsible = u.responsible;
    if (u.performer && *u.performer != before.performer) effective.performer = u.performer;
    if (u.end_override && *u.end_override != before.end_override) effective.end_override = u.end_override;
    if (u.latest_start_override && *u.latest_start_override != before.latest_start_override)
      effective.latest_start_override = u.latest_start_override;
    if (effective.responsible)
      check_assignee(w, *effective.responsible, part.municipality, part.project, "responsible");
    if (effective.performer) check_assignee(w, *effective.performer, part.municipality, part.project, "performer");
    const std::uint32_t fields = detail::task_update_mask(effective);
    if (fields == 0) return {before, std::nullopt, std::nullopt};  // nothing changes: no new version, nothing recorded
    Task after = before;
    if (effective.status) after.status = *effective.status;
    if (effective.responsible) after.responsible = *effective.responsible;
    if (effective.performer) after.performer = *effective.performer;
    if (effective.end_override) after.end_override = *effective.end_override;
    if (effective.latest_start_override) after.latest_start_override = *effective.latest_start_override;
    after.version = current + 1;
    if (effective.end_override || effective.latest_start_override)
      (void)w.task_dates(after);  // throws on a bad schedule
    return {after, TaskChanged{after, fields}, std::nullopt};
  });
}

namespace {
/// The id of a new object: `next` (the store's counter) when the caller gave none (0),
/// else the given id, refused when `taken` by an existing object of that `kind`.
template <class Id, class Taken>
Id new_id(Id given, std::uint64_t next, std::uint64_t limit, const char* kind, Taken&& taken) {
  if (given.value() == 0) {
    KLIK_REQUIRE(next <= limit, std::string("no ") + kind + " id left");
    return Id(static_cast<typename Id::rep_type>(next));
  }
  if (taken(given))
    throw AlreadyExistsError(std::string(kind) + " " + std::to_string(given.value()) + " already exists");
  return given;
}
constexpr std::uint64_t u32_ids = std::numeric_limits<std::uint32_t>::max();
}  // namespace

User Store::create_user(const User& user, const Announce<User>& announce, const Attribution& by) {
  Core& c = *core_;
  return c.write<User>({}, by, [&]() -> Prepared<User> {
    User stored = user;
    stored.id = new_id(stored.id, c.next_user, u32_ids, "user", [&](UserId id) { return c.index->find_user(id); });
    stored.version = 1;
    return c.prepare_user(std::nullopt, stored, 0, &announce);
  });
}

User Store::create_user(const User& user, const Announce<User>& announce, const Credentials& account,
                        const Attribution& by) {
  Core& c = *core_;
  return c.write<User>({}, by, [&]() -> Prepared<User> {
    User stored = user;
    stored.id = new_id(stored.id, c.next_user, u32_ids, "user", [&](UserId id) { return c.index->find_user(id); });
    stored.version = 1;
    Credentials record = account;
    record.user = stored.id;
    require_valid_fields(record);
    Prepared<User> p = c.prepare_user(std::nullopt, stored, 0, &announce);
    std::get<UserSaved>(*p.change).credentials = std::move(record);
    return p;
  });
}

Credentials Store::credentials(UserId user) const {
  const auto lock = core_->fresh_read_lock();
  const WorldIndex& w = *core_->index;
  if (!w.find_user(user)) throw not_found(ObjectKind::User);
  if (const auto it = w.credentials.find(user); it != w.credentials.end()) return it->second;
  Credentials none;
  none.user = user;
  return none;
}

Credentials Store::update_credentials(UserId user,
                                      const std::function<std::optional<Credentials>(const Credentials&)>& change,
                                      Outgoing notify, const Attribution& by) {
  Core& c = *core_;
  return c.write<Credentials>(notify, by, [&]() -> Prepared<Credentials> {
    c.backend->require_writable();
    const WorldIndex& w = *c.index;
    if (!w.find_user(user)) throw not_found(ObjectKind::User);
    Credentials current;
    current.user = user;
    if (const auto it = w.credentials.find(user); it != w.credentials.end()) current = it->second;
    std::optional<Credentials> next = change(current);
    if (!next || *next == current) return {current, std::nullopt, std::nullopt};
    next->user = user;
    require_valid_fields(*next);
    return {*next, CredentialsSaved{*next}, std::nullopt};
  });
}

User Store::put_user(const User& user, std::uint32_t expected_version, Outgoing notify, const Attribution& by) {
  Core& c = *core_;
  return c.write<User>(notify, by, [&]() -> Prepared<User> {
    c.backend->require_writable();
    KLIK_REQUIRE(user.id.value() != 0, "user id 0 is reserved (it means \"not set\"); create_user assigns an id");
    const User* old = c.index->find_user(user.id);
    if (!old) throw not_found(ObjectKind::User);  // create_user adds users
    if (expected_version != 0 && expected_version != old->version) {
      const auto m =
          c.index->changes.changed_since(ChangeLog::UserKind, user.id.value(), expected_version, old->version);
      throw_conflict("user", user.id.value(), old->version, expected_version,
                     user_field_names(m.value_or(UserAllFields)));
    }
    User stored = user;
    stored.version = old->version;
    const std::uint32_t fields = detail::user_diff_mask(*old, stored);
    if (fields == 0) return {*old, std::nullopt, std::nullopt};  // nothing changes: no new version, nothing recorded
    stored.version = old->version + 1;
    return c.prepare_user(*old, stored, fields, nullptr);
  });
}

void Store::remove_user(UserId id, Outgoing notify, const Attribution& by) {
  Core& c = *core_;
  c.write<bool>(notify, by, [&]() -> Prepared<bool> {
    const User* old = c.index->find_user(id);
    if (!old) throw not_found(ObjectKind::User);
    check_user_invariants(*c.index, *old, std::nullopt);
    return {true, UserRemoved{id, c.cleared(id, {})}, std::nullopt};
  });
}

LocalTask Store::create_local_task(const LocalTask& task, const Announce<LocalTask>& announce, const Attribution& by) {
  Core& c = *core_;
  return c.write<LocalTask>({}, by, [&]() -> Prepared<LocalTask> {
    LocalTask stored = task;
    stored.id = new_id(stored.id, c.next_local, local_bit - 1, "local task",
                       [&](LocalTaskId id) { return c.index->local_slot.contains(id); });
    stored.version = 1;
    return c.prepare_local_task(stored, true, &announce);
  });
}

namespace {
/// The version of a stored local task; NotFoundError when there is none.
std::uint32_t local_version(const WorldIndex& w, LocalTaskId id) {
  const TaskRef* own = w.local_slot.contains(id) ? w.find_ref(id.value() | local_bit) : nullptr;
  if (!own) throw not_found(ObjectKind::LocalTask);
  return w.partitions[own->partition].version[own->row];
}

/// A local task changed since `read` (local tasks keep no field log: the
/// message cannot name the fields).
void check_local_version(const WorldIndex& w, LocalTaskId id, std::uint32_t read) {
  const std::uint32_t current = local_version(w, id);
  if (read != 0 && read != current)
    throw ConflictError("local task " + std::to_string(id.value()) + " was changed by someone else (version " +
                            std::to_string(current) + ", you read " + std::to_string(read) + ")",
                        {});
}
}  // namespace

LocalTask Store::put_local_task(const LocalTask& task, std::uint32_t expected_version, Outgoing notify,
                                const Attribution& by) {
  Core& c = *core_;
  return c.write<LocalTask>(notify, by, [&]() -> Prepared<LocalTask> {
    c.backend->require_writable();
    const WorldIndex& w = *c.index;
    check_local_version(w, task.id, expected_version);  // NotFoundError: create_local_task adds local tasks
    const TaskRef* own = w.find_ref(task.id.value() | local_bit);
    LocalTask stored = task;
    LocalTask before = w.local_at(w.partitions[own->partition], own->row);
    before.version = w.partitions[own->partition].version[own->row];
    stored.version = before.version;
    if (stored == before) return {before, std::nullopt, std::nullopt};  // nothing changes
    stored.version = before.version + 1;
    return c.prepare_local_task(stored, false, nullptr);
  });
}

void Store::remove_local_task(LocalTaskId id, std::uint32_t expected_version, Outgoing notify, const Attribution& by) {
  Core& c = *core_;
  c.write<bool>(notify, by, [&]() -> Prepared<bool> {
    check_local_version(*c.index, id, expected_version);
    return {true, LocalTaskRemoved{id}, std::nullopt};
  });
}

// ---- KOMBIT's catalogue ----

Project Store::create_project(const Project& project, const Announce<Project>& announce, const Attribution& by) {
  Core& c = *core_;
  return c.write<Project>({}, by, [&]() -> Prepared<Project> {
    c.backend->require_writable();
    Project stored = project;
    stored.id = new_id(stored.id, c.next_project, u32_ids, "project",
                       [&](ProjectId id) { return c.index->project_slot.contains(id); });
    c.check_project(stored);
    Prepared<Project> p{stored, ProjectSaved{stored, true, {}, {}, {}}, std::nullopt};
    p.announced = announce ? announce(stored) : std::vector<Notification>{};
    return p;
  });
}

Project Store::put_project(const Project& project, Outgoing notify, const Attribution& by) {
  Core& c = *core_;
  return c.write<Project>(notify, by, [&]() -> Prepared<Project> {
    c.backend->require_writable();
    const WorldIndex& w = *c.index;
    const Project& before = c.project_at(project.id);
    if (project == before) return {before, std::nullopt, std::nullopt};
    c.check_project(project);
    ProjectSaved change{project, false, {}, {}, {}};
    const auto has = [](const std::vector<MunicipalityId>& v, MunicipalityId m) {
      return std::find(v.begin(), v.end(), m) != v.end();
    };
    // Joining: a task per template of the project the municipality lacks.
    std::vector<std::pair<std::uint32_t, MunicipalityId>> wanted;  // (template slot, municipality)
    for (MunicipalityId m : project.participants) {
      if (has(before.participants, m)) continue;
      std::vector<bool> present(w.templates.size(), false);
      if (const Partition* part = w.find_partition(project.id, m))
        for (std::size_t r = 0; r < part->size(); ++r)
          if (!part->is_local(r)) present[part->text[r]] = true;
      for (std::uint32_t slot = 0; slot < w.templates.size(); ++slot)
        if (w.templates[slot].tpl.project == project.id && !present[slot]) wanted.emplace_back(slot, m);
    }
    const std::vector<TaskId> ids = c.task_ids(wanted.size());
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      Task t;
      t.id = ids[i];
      t.template_id = w.templates[wanted[i].first].tpl.id;
      t.municipality = wanted[i].second;
      t.status = c.withdrawn(wanted[i].first) ? TaskStatus::NotActive : TaskStatus::NotStarted;
      change.tasks.added.push_back(t);
    }
    // Leaving: tasks stay, not active; memberships and the assignments they carried go; out of the waves.
    for (MunicipalityId m : before.participants) {
      if (has(project.participants, m)) continue;
      if (const Partition* part = w.find_partition(project.id, m)) {
        for (std::size_t r = 0; r < part->size(); ++r) {
          if (part->is_local(r)) {
            LocalTask l = w.local_at(*part, r);
            if (!l.responsible && !l.performer) continue;
            l.responsible.reset(), l.performer.reset();
            l.status = part->status[r];
            l.version = part->version[r] + 1;
            change.tasks.local_changed.push_back(l);
            continue;
          }
          Task t = w.task_at(*part, r);
          const std::uint32_t fields = (t.status != TaskStatus::NotActive ? TaskStatusField : 0u) |
                                       (t.responsible ? TaskResponsibleField : 0u) |
                                       (t.performer ? TaskPerformerField : 0u);
          if (!fields) continue;
          t.status = TaskStatus::NotActive;
          t.responsible.reset(), t.performer.reset();
          t.version = part->version[r] + 1;
          change.tasks.changed.push_back(t);
          change.tasks.changed_fields.push_back(fields);
        }
      }
      for (const auto& e : w.users) {
        const User& u = e.user;
        if (u.side != Side::Municipality || u.municipality != m || !u.type_on(project.id)) continue;
        User after = u;
        std::erase_if(after.memberships, [&](const Membership& ms) { return ms.project == project.id; });
        after.version = u.version + 1;
        change.users.push_back(std::move(after));
      }
      for (const RolloutWave& wave : w.waves) {
        if (wave.project != project.id || !has(wave.members, m)) continue;
        auto it = std::find_if(change.waves.begin(), change.waves.end(),
                               [&](const RolloutWave& x) { return x.id == wave.id; });
        if (it == change.waves.end()) it = change.waves.insert(change.waves.end(), wave);
        std::erase(it->members, m);
      }
    }
    std::sort(change.users.begin(), change.users.end(), [](const User& a, const User& b) { return a.id < b.id; });
    return {project, std::move(change), std::nullopt};
  });
}

RolloutWave Store::create_wave(const RolloutWave& wave, const Announce<RolloutWave>& announce, const Attribution& by) {
  Core& c = *core_;
  return c.write<RolloutWave>({}, by, [&]() -> Prepared<RolloutWave> {
    c.backend->require_writable();
    RolloutWave stored = wave;
    stored.id = new_id(stored.id, c.next_wave, u32_ids, "wave", [&](WaveId id) {
      return std::any_of(c.index->waves.begin(), c.index->waves.end(),
                         [&](const RolloutWave& x) { return x.id == id; });
    });
    c.check_wave(stored);
    Prepared<RolloutWave> p{stored, WaveSaved{stored, true}, std::nullopt};
    p.announced = announce ? announce(stored) : std::vector<Notification>{};
    return p;
  });
}

RolloutWave Store::put_wave(const RolloutWave& wave, Outgoing notify, const Attribution& by) {
  Core& c = *core_;
  return c.write<RolloutWave>(notify, by, [&]() -> Prepared<RolloutWave> {
    c.backend->require_writable();
    const auto& waves = c.index->waves;
    const auto it = std::find_if(waves.begin(), waves.end(), [&](const RolloutWave& x) { return x.id == wave.id; });
    if (it == waves.end()) throw not_found(ObjectKind::Wave);
    if (*it == wave) return {*it, std::nullopt, std::nullopt};
    if (it->project != wave.project)
      throw InvalidArgumentError("a wave stays in its project (" + std::to_string(it->project.value()) + ")",
                                 "project");
    c.check_wave(wave);
    return {wave, WaveSaved{wave, false}, std::nullopt};
  });
}

TaskTemplate Store::publish_template(const TaskTemplate& tpl, const Announce<TaskTemplate>& announce,
                                     const Attribution& by) {
  Core& c = *core_;
  return c.write<TaskTemplate>({}, by, [&]() -> Prepared<TaskTemplate> {
    c.backend->require_writable();
    TaskTemplate stored = tpl;
    stored.id = new_id(stored.id, c.next_template, u32_ids, "template",
                       [&](TemplateId id) { return c.index->template_slot.contains(id); });
    c.check_template(stored);
    const Project& p = c.project_at(stored.project);
    TemplateSaved change{stored, true, {}};
    const std::vector<TaskId> ids = c.task_ids(p.participants.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      Task t;
      t.id = ids[i];
      t.template_id = stored.id;
      t.municipality = p.participants[i];
      change.tasks.added.push_back(t);
    }
    Prepared<TaskTemplate> out{stored, std::move(change), std::nullopt};
    out.announced = announce ? announce(stored) : std::vector<Notification>{};
    return out;
  });
}

TaskTemplate Store::put_template(const TaskTemplate& tpl, Outgoing notify, const Attribution& by) {
  Core& c = *core_;
  return c.write<TaskTemplate>(notify, by, [&]() -> Prepared<TaskTemplate> {
    c.backend->require_writable();
    const WorldIndex& w = *c.index;
    const auto slot = w.template_slot.find(tpl.id);
    if (slot == w.template_slot.end()) throw not_found(ObjectKind::Template);
    const TaskTemplate& before = w.templates[slot->second].tpl;
    if (tpl == before) return {before, std::nullopt, std::nullopt};
    if (tpl.project != before.project)
      throw InvalidArgumentError("a template stays in its project (" + std::to_string(before.project.value()) + ")",
                                 "project");
    c.check_template(tpl);
    // Tasks with an override of their own must still have a schedule that can be judged.
    c.for_each_instance(slot->second, [&](const Partition& part, std::size_t r) {
      const auto o = w.overrides.find(TaskId(part.key[r]));
      if (o == w.overrides.end()) return;
      try {
        (void)w.dates_for(part, tpl, &o->second);
      } catch (const InvalidArgumentError& e) {
        throw InvalidArgumentError("task " + std::to_string(part.key[r]) + " would have no valid dates: " + e.what(),
                                   e.where());
      }
    });
    return {tpl, TemplateSaved{tpl, false, {}}, std::nullopt};
  });
}

std::vector<Task> Store::withdraw_template(TemplateId id, Outgoing notify, const Attribution& by) {
  Core& c = *core_;
  return c.write<std::vector<Task>>(notify, by, [&]() -> Prepared<std::vector<Task>> {
    c.backend->require_writable();
    const WorldIndex& w = *c.index;
    const auto slot = w.template_slot.find(id);
    if (slot == w.template_slot.end()) throw not_found(ObjectKind::Template);
    TemplateSaved change{w.templates[slot->second].tpl, false, {}};
    c.for_each_instance(slot->second, [&](const Partition& part, std::size_t r) {
      if (part.status[r] == TaskStatus::NotActive) return;
      Task t = w.task_at(part, r);
      t.status = TaskStatus::NotActive;
      t.version = part.version[r] + 1;
      change.tasks.changed.push_back(t);
      change.tasks.changed_fields.push_back(TaskStatusField);
    });
    std::sort(change.tasks.changed.begin(), change.tasks.changed.end(),
              [](const Task& a, const Task& b) { return a.id < b.id; });
    std::vector<Task> result = change.tasks.changed;
    if (result.empty()) return {result, std::nullopt, std::nullopt};
    return {std::move(result), std::move(change), std::nullopt};
  });
}

Message Store::add_message(const Message& message, Outgoing notify, const Attribution& by) {
  Core& c = *core_;
  return c.write<Message>(notify, by, [&]() -> Prepared<Message> {
    const WorldIndex& w = *c.index;
    require_valid_fields(message);
    const MessageTarget& t = message.target;
    KLIK_REQUIRE(int(t.task.has_value()) + int(t.project.has_value()) + int(t.wave.has_value()) == 1,
                 "a message targets exactly one of a task, a project or a wave");
    if (t.task) require_task(w, *t.task);
    if (t.project && !w.project_slot.contains(*t.project)) throw not_found(ObjectKind::Project);
    if (t.wave && std::none_of(w.waves.begin(), w.waves.end(), [&](const RolloutWave& x) { return x.id == *t.wave; }))
      throw not_found(ObjectKind::Wave);
    Message stored = message;
    if (stored.id.value() == 0) stored.id = MessageId(c.next_message);
    KLIK_REQUIRE(
        std::none_of(w.messages.begin(), w.messages.end(), [&](const Message& m) { return m.id == stored.id; }),
        "message " + std::to_string(stored.id.value()) + " already exists");
    return {stored, MessageAdded{stored}, std::nullopt};
  });
}

void Store::set_internal_notes(TaskId task, const std::string& text, const Attribution& by) {
  Core& c = *core_;
  c.write<bool>({}, by, [&]() -> Prepared<bool> {
    require_task(*c.index, task);
    require_utf8(text, "text");
    return {true, NotesSet{task, text}, std::nullopt};
  });
}

Attachment Store::add_attachment(const Attachment& attachment, Outgoing notify, const Attribution& by) {
  Core& c = *core_;
  return c.write<Attachment>(notify, by, [&]() -> Prepared<Attachment> {
    const WorldIndex& w = *c.index;
    require_task(w, attachment.task);
    require_valid_fields(attachment);
    Attachment stored = attachment;
    if (stored.id.value() == 0) stored.id = AttachmentId(c.next_attachment);
    stored.size = stored.content.size();
    KLIK_REQUIRE(std::none_of(w.attachments.begin(), w.attachments.end(),
                              [&](const Attachment& a) { return a.id == stored.id; }),
                 "attachment " + std::to_string(stored.id.value()) + " already exists");
    Attachment meta = stored;
    meta.content.clear();
    return {std::move(meta), AttachmentAdded{std::move(stored)}, std::nullopt};
  });
}

void Store::remove_attachment(AttachmentId id, Outgoing notify, const Attribution& by) {
  Core& c = *core_;
  c.write<bool>(notify, by, [&]() -> Prepared<bool> {
    const auto& all = c.index->attachments;
    if (std::none_of(all.begin(), all.end(), [&](const Attachment& a) { return a.id == id; }))
      throw not_found(ObjectKind::Attachment);
    return {true, AttachmentRemoved{id}, std::nullopt};
  });
}

void Store::read_attachment(AttachmentId id, const std::function<void(std::string_view)>& sink) const {
  backend().read_attachment(id, sink);
}

std::string Store::attachment_content(AttachmentId id) const {
  std::string out;
  read_attachment(id, [&](std::string_view chunk) { out.append(chunk); });
  return out;
}

std::vector<Attachment> Store::attachments(TaskId task) const {
  const auto lock = core_->fresh_read_lock();
  std::vector<Attachment> out;
  for (const Attachment* a : World(*core_->index).attachments(task)) out.push_back(*a);  // metadata: no content
  return out;
}

namespace {

// The rows' last-notified colours as (id, colour) by id: one pass over the
// partitions' `notified` column, then ordered by a direct table when the ids are
// dense (they are: ids are handed out in sequence), by a sort otherwise.
template <class Id>
std::vector<std::pair<Id, DeadlineColour>> notified_by_id(const WorldIndex& w, bool local) {
  std::vector<std::pair<Id, DeadlineColour>> out;
  std::uint32_t top = 0;
  for (const Partition& part : w.partitions)
    for (std::size_t r = 0; r < part.size(); ++r)
      if (part.notified[r] != 0 && part.is_local(r) == local) {
        const std::uint32_t id = part.key[r] & ~local_bit;
        out.emplace_back(Id(id), static_cast<DeadlineColour>(part.notified[r] - 1));
        top = std::max(top, id);
      }
  if (std::size_t{top} <= 4 * out.size() + 1024) {
    std::vector<std::uint8_t> by_id(std::size_t{top} + 1, 0);
    for (const auto& [id, colour] : out)
      by_id[id.value()] = static_cast<std::uint8_t>(static_cast<unsigned>(colour) + 1);
    std::size_t j = 0;
    for (std::uint32_t id = 0; id <= top; ++id)
      if (by_id[id] != 0) out[j++] = {Id(id), static_cast<DeadlineColour>(by_id[id] - 1)};
  } else {
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  return out;
}

}  // namespace

std::vector<std::pair<TaskId, DeadlineColour>> Store::notified_colours() const {
  const auto lock = core_->fresh_read_lock();
  return notified_by_id<TaskId>(*core_->index, false);
}

std::vector<std::pair<LocalTaskId, DeadlineColour>> Store::notified_local_colours() const {
  const auto lock = core_->fresh_read_lock();
  return notified_by_id<LocalTaskId>(*core_->index, true);
}

void Store::record_sweep(std::span<const std::pair<TaskId, LastNotified>> colours, Outgoing notify,
                         std::span<const std::pair<LocalTaskId, LastNotified>> local_colours, const Attribution& by) {
  Core& c = *core_;
  c.write<bool>(notify, by, [&]() -> Prepared<bool> {
    for (const auto& [task, colour] : colours) require_task(*c.index, task);
    for (const auto& [local, colour] : local_colours)
      if (!c.index->local_slot.contains(local)) throw not_found(ObjectKind::LocalTask);
    if (colours.empty() && local_colours.empty() && notify.empty()) return {true, std::nullopt, std::nullopt};
    ColoursNotified change;
    change.colours.assign(colours.begin(), colours.end());
    change.local_colours.assign(local_colours.begin(), local_colours.end());
    return {true, std::move(change), std::nullopt};
  });
}

void Store::enqueue(Outgoing notify, const Attribution& by) {
  Core& c = *core_;
  c.write<bool>(notify, by, [&]() -> Prepared<bool> {
    c.backend->require_writable();
    if (notify.empty()) return {true, std::nullopt, std::nullopt};
    return {true, NotificationsOnly{}, std::nullopt};
  });
}

std::vector<Notification> Store::pending_notifications(Timestamp now, std::size_t limit) const {
  // The outbox is the backend's (thread-safe on its own): no store lock, so a thread
  // that holds a Snapshot may read it.
  return backend().pending_notifications(now, limit);
}

std::vector<Notification> Store::outbox() const {
  // The outbox is the backend's (thread-safe on its own): no store lock, so a thread
  // that holds a Snapshot may read it.
  return backend().outbox();
}

void Store::mark_delivered(std::span<const std::uint64_t> ids) {
  // The outbox is the backend's (thread-safe on its own): no store lock, so a thread
  // that holds a Snapshot may read it.
  backend().mark_delivered(ids);
}

void Store::reschedule(std::uint64_t id, Timestamp next_attempt, const std::string& error) {
  // The outbox is the backend's (thread-safe on its own): no store lock, so a thread
  // that holds a Snapshot may read it.
  backend().reschedule(id, next_attempt, error);
}

// The rest of the outbox, like the calls above: the backend's, without a store lock.

void Store::give_up(std::uint64_t id, const std::string& error) { backend().give_up(id, error); }

void Store::requeue(std::span<const std::uint64_t> ids, Timestamp next_attempt) {
  backend().requeue(ids, next_attempt);
}

std::vector<Notification> Store::dead_letters(std::size_t limit) const { return backend().dead_letters(limit); }

OutboxCounts Store::outbox_counts(Timestamp now) const { return backend().outbox_counts(now); }

// ---- the journal and as-of views ----

std::vector<JournalEntry> Store::journal(const JournalQuery& query) const {
  JournalQuery q = query;
  {
    const auto lock = core_->fresh_read_lock();
    q.max_sequence = std::min(q.max_sequence, core_->sequence);
  }
  return core_->backend->journal(q);
}

std::size_t Store::prune_journal(Timestamp before) {
  const auto lock = core_->write_lock();
  return core_->backend->prune_journal(before);
}

namespace {

constexpr const char* read_only_view = "an as-of view is read-only";

/// The backend of an as-of view: hands the rebuilt world to its store once and
/// refuses every write.
class FrozenBackend final : public Backend {
 public:
  FrozenBackend(Dataset data, std::uint64_t sequence) : data_(std::move(data)), sequence_(sequence) {}

  StoredWorld load() override {
    StoredWorld w;
    w.data = std::move(data_);
    w.sequence = sequence_;
    w.validated = false;  // checked like any stored world: a journal that does not add up is an error, not a view
    return w;
  }
  std::uint64_t commit(const Change&, Outgoing, const JournalEntry&, std::uint64_t) override {
    throw FailedPreconditionError(read_only_view);
  }
  std::uint64_t replace(const Dataset&, const JournalEntry&, std::uint64_t) override {
    throw FailedPreconditionError(read_only_view);
  }
  std::optional<std::vector<SequencedChange>> changes_since(std::uint64_t) const override {
    return std::vector<SequencedChange>{};
  }
  void read_attachment(AttachmentId, const std::function<void(std::string_view)>&) const override {
    throw FailedPreconditionError("an as-of view holds no file content: read files from the live store");
  }
  std::vector<JournalEntry> journal(const JournalQuery&) const override { return {}; }
  std::size_t prune_journal(Timestamp) override { throw FailedPreconditionError(read_only_view); }
  std::vector<Notification> pending_notifications(Timestamp, std::size_t) const override { return {}; }
  std::vector<Notification> outbox() const override { return {}; }
  void mark_delivered(std::span<const std::uint64_t>) override { throw FailedPreconditionError(read_only_view); }
  void reschedule(std::uint64_t, Timestamp, const std::string&) override {
    throw FailedPreconditionError(read_only_view);
  }
  void give_up(std::uint64_t, const std::string&) override { throw FailedPreconditionError(read_only_view); }
  void requeue(std::span<const std::uint64_t>, Timestamp) override { throw FailedPreconditionError(read_only_view); }
  void require_writable() const override { throw FailedPreconditionError(read_only_view); }

 private:
  Dataset data_;
  std::uint64_t sequence_;
};

}  // namespace

std::unique_ptr<Store> Store::as_of(Timestamp when) const {
  Dataset data;
  std::uint64_t sequence = 0;
  {
    const auto lock = core_->fresh_read_lock();
    data = core_->index->to_dataset(false);
    sequence = core_->sequence;
  }
  JournalQuery q;
  q.after = when;
  q.max_sequence = sequence;
  // The entries stamped after `when`, newest first. The changes to undo are the
  // newest ones while they are stamped after `when`: a run of consecutive
  // sequence numbers down from the store's. It ends at the first change stamped
  // at or before `when` (a gap here); the state after that change is the view,
  // a state the world was really in even when clocks disagreed. A marker (the
  // journal's start or a prune) or an import inside the run means the journal
  // does not reach back that far.
  const std::vector<JournalEntry> entries = core_->backend->journal(q);
  std::uint64_t next = sequence;
  std::size_t run = 0;
  for (const JournalEntry& e : entries) {
    if (e.sequence != 0 && e.sequence != next) break;
    if (e.sequence == 0 || e.operation == "import")
      throw FailedPreconditionError("the journal does not reach back to " + when.iso() + ": " +
                                    (e.operation == "import"           ? "the world was replaced by an import at "
                                     : e.operation == "journal_pruned" ? "it was pruned up to "
                                                                       : "it starts at ") +
                                    e.at.iso());
    ++run, --next;
  }
  detail::Undo undo(data);
  for (std::size_t i = 0; i < run; ++i)
    for (auto it = entries[i].objects.rbegin(); it != entries[i].objects.rend(); ++it) undo.apply(*it);
  undo.finish();
  auto view = std::make_unique<Store>(std::make_unique<FrozenBackend>(std::move(data), sequence), core_->calendars);
  view->core_->as_of_view = true;
  return view;
}

}  // namespace klik
