#include "detail/indexed_store.hpp"

#include <algorithm>
#include <limits>
#include <mutex>

#include "klik/rights.hpp"
#include "klik/text.hpp"
#include "klik/user_admin.hpp"

namespace klik::detail {

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

/// SPEC §4.2's invariants for `before` becoming `after`, checked against the
/// users as stored (under the write lock): throws FailedPreconditionError.
void check_user_invariants(const WorldIndex& w, const std::optional<User>& before, const std::optional<User>& after) {
  if (!before) return;  // a new user takes nothing away
  const bool guards = before->administrator || std::any_of(before->memberships.begin(), before->memberships.end(),
                                                           [](const Membership& m) { return m.type == UserType::Plus; });
  if (!guards) return;  // neither an Administrator nor a Plusbruger: nothing to keep
  std::vector<const User*> users;
  users.reserve(w.users.size());
  for (const auto& e : w.users) users.push_back(&e.user);
  throw_if_any(invariant_violations(before, after, users, w.projects));
}

}  // namespace

void IndexedStore::check_dataset(const Dataset& data) {
  require_valid(data);
  check_ids(data);
}

void IndexedStore::install(std::unique_ptr<WorldIndex> index) {
  const auto lock = write_lock();
  install_locked(std::move(index));
}

void IndexedStore::install_locked(std::unique_ptr<WorldIndex> index) {
  std::uint64_t m = 0, a = 0, u = 0, l = 0;
  for (const auto& x : index->messages) m = std::max(m, x.id.value()), u = std::max<std::uint64_t>(u, x.author.value());
  for (const auto& x : index->attachments)
    a = std::max(a, x.id.value()), u = std::max<std::uint64_t>(u, x.uploaded_by.value());
  for (const auto& e : index->users) u = std::max<std::uint64_t>(u, e.user.id.value());
  for (const auto& e : index->locals) l = std::max<std::uint64_t>(l, e.task.id.value());
  index_ = std::move(index);
  next_message_ = m + 1;
  next_attachment_ = a + 1;
  next_user_ = u + 1;
  next_local_ = l + 1;
}

Snapshot IndexedStore::snapshot() const {
  // Lock first, then read index_: as two arguments of one call their order is unspecified,
  // and an import replacing index_ in between left the snapshot on a freed index.
  auto lock = read_lock();
  return Snapshot(std::move(lock), *index_);
}

void IndexedStore::import_dataset(const Dataset& data) {
  check_dataset(data);
  auto fresh = std::make_unique<WorldIndex>(data, calendars_);
  if (!content_in_memory())
    for (auto& at : fresh->attachments) at.content.clear(), at.content.shrink_to_fit();
  // One critical section: no mutation may slip in between the disk and the indexes.
  const auto lock = write_lock();
  persist_import(data);
  install_locked(std::move(fresh));
}

Dataset IndexedStore::export_dataset() const {
  const auto lock = read_lock();
  Dataset d = index_->to_dataset();
  load_content(d);
  return d;
}

Task IndexedStore::update_task(const TaskUpdate& u, Outgoing notify) {
  const auto lock = write_lock();
  require_writable();
  const TaskRef& ref = require_task(*index_, u.task);
  const Partition& part = index_->partitions[ref.partition];
  const std::size_t r = ref.row;
  const std::uint32_t current = part.version[r];
  if (u.expected_version != 0 && u.expected_version != current) {
    const auto mask = index_->changes.changed_since(ChangeLog::TaskKind, u.task.value(), u.expected_version, current);
    throw_conflict("task", u.task.value(), current, u.expected_version,
                   task_field_names(mask.value_or(TaskAllFields)));
  }
  if (u.status && !is_valid(*u.status))
    throw InvalidArgumentError(std::to_string(static_cast<int>(*u.status)) + " is not a TaskStatus", "status");
  const Task before = index_->task_at(part, r);
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
    check_assignee(*index_, *effective.responsible, part.municipality, part.project, "responsible");
  if (effective.performer) check_assignee(*index_, *effective.performer, part.municipality, part.project, "performer");
  const std::uint32_t mask = task_update_mask(effective);
  if (mask == 0) return before;  // nothing changes: no new version, nothing recorded
  Task after = before;
  if (effective.status) after.status = *effective.status;
  if (effective.responsible) after.responsible = *effective.responsible;
  if (effective.performer) after.performer = *effective.performer;
  if (effective.end_override) after.end_override = *effective.end_override;
  if (effective.latest_start_override) after.latest_start_override = *effective.latest_start_override;
  after.version = current + 1;
  if (effective.end_override || effective.latest_start_override) (void)index_->task_dates(after);  // throws on a bad schedule
  Change c;
  c.kind = Change::Kind::Task;
  c.mask = mask;
  c.tasks.push_back(after);
  persist(c, notify);
  index_->changes.record(ChangeLog::TaskKind, u.task.value(), after.version, c.mask);
  return index_->update_task(effective);
}

User IndexedStore::create_user(const User& user, const Announce<User>& announce) {
  const auto lock = write_lock();
  User stored = user;
  if (stored.id.value() == 0) {
    KLIK_REQUIRE(next_user_ <= std::numeric_limits<std::uint32_t>::max(), "no user id left");
    stored.id = UserId(static_cast<std::uint32_t>(next_user_));
  } else if (index_->find_user(stored.id)) {
    throw AlreadyExistsError("user " + std::to_string(stored.id.value()) + " already exists");
  }
  stored.version = 1;
  return store_user(std::nullopt, stored, 0, {}, &announce);
}

User IndexedStore::put_user(const User& user, std::uint32_t expected_version, Outgoing notify) {
  const auto lock = write_lock();
  require_writable();
  KLIK_REQUIRE(user.id.value() != 0, "user id 0 is reserved (it means \"not set\"); create_user assigns an id");
  const User* old = index_->find_user(user.id);
  if (!old) throw not_found(ObjectKind::User);  // create_user adds users
  if (expected_version != 0 && expected_version != old->version) {
    const auto m = index_->changes.changed_since(ChangeLog::UserKind, user.id.value(), expected_version, old->version);
    throw_conflict("user", user.id.value(), old->version, expected_version,
                   user_field_names(m.value_or(UserAllFields)));
  }
  User stored = user;
  stored.version = old->version;
  const std::uint32_t mask = user_diff_mask(*old, stored);
  if (mask == 0) return *old;  // nothing changes: no new version, nothing recorded
  stored.version = old->version + 1;
  return store_user(*old, stored, mask, notify);
}

User IndexedStore::store_user(const std::optional<User>& before, const User& stored, std::uint32_t mask,
                              Outgoing notify, const Announce<User>* announce) {
  check_user_shape(*index_, stored);
  const auto& by_mail = index_->users.get<by_email>();
  if (const auto it = by_mail.find(normalise_email(stored.email)); it != by_mail.end() && it->user.id != stored.id)
    throw AlreadyExistsError("a user with email " + it->email_key + " already exists");
  check_user_invariants(*index_, before, stored);
  Change c;
  c.kind = Change::Kind::UserPut;
  c.user = stored;
  c.mask = before ? mask : UserAllFields;
  // Leaving a project or becoming Læser there clears the user's assignments on
  // that project's tasks (SPEC §4.2), in the same transaction.
  std::vector<ProjectId> lost;
  if (before)
    for (const Membership& m : before->memberships) {
      const auto now = stored.type_on(m.project);
      if (m.type != UserType::Reader && (!now || *now == UserType::Reader)) lost.push_back(m.project);
    }
  if (!lost.empty()) collect_cleared(stored.id, lost, c);
  std::vector<Notification> announced;
  if (announce && *announce) announced = (*announce)(stored);
  persist(c, announce ? Outgoing(announced) : notify);
  index_->changes.record(ChangeLog::UserKind, stored.id.value(), stored.version, c.mask);
  for (std::size_t i = 0; i < c.tasks.size(); ++i)
    index_->changes.record(ChangeLog::TaskKind, c.tasks[i].id.value(), c.tasks[i].version, c.task_masks[i]);
  if (!lost.empty()) index_->clear_assignments(stored.id, lost);
  index_->put_user(stored);
  next_user_ = std::max<std::uint64_t>(next_user_, std::uint64_t{stored.id.value()} + 1);
  return stored;
}

void IndexedStore::collect_cleared(UserId id, std::span<const ProjectId> projects, Change& c) const {
  for (std::uint32_t key : index_->keys_assigned_to(id, projects)) {
    const TaskRef* ref = index_->find_ref(key);
    const Partition& part = index_->partitions[ref->partition];
    const std::size_t r = ref->row;
    const bool resp = part.responsible[r] == id.value(), perf = part.performer[r] == id.value();
    if (part.is_local(r)) {
      LocalTask l = index_->local_at(part, r);
      if (resp) l.responsible.reset();
      if (perf) l.performer.reset();
      l.status = part.status[r];
      l.version = part.version[r] + 1;
      c.locals.push_back(l);
    } else {
      Task t = index_->task_at(part, r);
      if (resp) t.responsible.reset();
      if (perf) t.performer.reset();
      t.version = part.version[r] + 1;
      c.tasks.push_back(t);
      c.task_masks.push_back((resp ? TaskResponsibleField : 0u) | (perf ? TaskPerformerField : 0u));
    }
  }
}

void IndexedStore::remove_user(UserId id, Outgoing notify) {
  const auto lock = write_lock();
  const User* old = index_->find_user(id);
  if (!old) throw not_found(ObjectKind::User);
  check_user_invariants(*index_, *old, std::nullopt);
  Change c;
  c.kind = Change::Kind::UserRemove;
  c.removed_user = id;
  collect_cleared(id, {}, c);
  persist(c, notify);
  for (std::size_t i = 0; i < c.tasks.size(); ++i)
    index_->changes.record(ChangeLog::TaskKind, c.tasks[i].id.value(), c.tasks[i].version, c.task_masks[i]);
  index_->remove_user(id);
}

LocalTask IndexedStore::create_local_task(const LocalTask& task, const Announce<LocalTask>& announce) {
  const auto lock = write_lock();
  LocalTask stored = task;
  if (stored.id.value() == 0) {
    KLIK_REQUIRE(next_local_ < local_bit, "no local task id left");
    stored.id = LocalTaskId(static_cast<std::uint32_t>(next_local_));
  } else if (index_->local_slot.contains(stored.id)) {
    throw AlreadyExistsError("local task " + std::to_string(stored.id.value()) + " already exists");
  }
  stored.version = 1;
  return store_local_task(stored, {}, &announce);
}

LocalTask IndexedStore::put_local_task(const LocalTask& task, Outgoing notify) {
  const auto lock = write_lock();
  require_writable();
  const TaskRef* own = index_->local_slot.contains(task.id) ? index_->find_ref(task.id.value() | local_bit) : nullptr;
  if (!own) throw not_found(ObjectKind::LocalTask);  // create_local_task adds local tasks
  LocalTask stored = task;
  LocalTask before = index_->local_at(index_->partitions[own->partition], own->row);
  before.version = index_->partitions[own->partition].version[own->row];
  stored.version = before.version;
  if (stored == before) return before;  // nothing changes: no new version, nothing recorded
  stored.version = before.version + 1;
  return store_local_task(stored, notify);
}

LocalTask IndexedStore::store_local_task(const LocalTask& stored, Outgoing notify,
                                         const Announce<LocalTask>* announce) {
  require_valid_fields(stored);
  KLIK_REQUIRE(stored.id.value() != 0 && !(stored.id.value() & local_bit), "local task ids must be 1..2147483647");
  const TaskRef* parent = index_->find_ref(stored.parent.value());
  if (!parent || (stored.parent.value() & local_bit)) throw not_found(ObjectKind::Task, "parent");
  const Partition& part = index_->partitions[parent->partition];
  KLIK_REQUIRE(part.municipality == stored.municipality,
               "a local task belongs to its parent's municipality " + std::to_string(part.municipality.value()));
  KLIK_REQUIRE(stored.status != TaskStatus::NotActive, "a local task cannot be not_active");
  check_assignee(*index_, stored.responsible, part.municipality, part.project, "responsible");
  check_assignee(*index_, stored.performer, part.municipality, part.project, "performer");
  Change c;
  c.kind = Change::Kind::LocalPut;
  c.locals.push_back(stored);
  std::vector<Notification> announced;
  if (announce && *announce) announced = (*announce)(stored);
  persist(c, announce ? Outgoing(announced) : notify);
  next_local_ = std::max<std::uint64_t>(next_local_, std::uint64_t{stored.id.value()} + 1);
  return index_->put_local_task(stored);
}

void IndexedStore::remove_local_task(LocalTaskId id, Outgoing notify) {
  const auto lock = write_lock();
  if (!index_->local_slot.contains(id)) throw not_found(ObjectKind::LocalTask);
  Change c;
  c.kind = Change::Kind::LocalRemove;
  c.removed_local = id;
  persist(c, notify);
  index_->remove_local_task(id);
}

Message IndexedStore::add_message(const Message& message, Outgoing notify) {
  const auto lock = write_lock();
  require_valid_fields(message);
  const MessageTarget& t = message.target;
  KLIK_REQUIRE(int(t.task.has_value()) + int(t.project.has_value()) + int(t.wave.has_value()) == 1,
               "a message targets exactly one of a task, a project or a wave");
  if (t.task) require_task(*index_, *t.task);
  if (t.project && !index_->project_slot.contains(*t.project)) throw not_found(ObjectKind::Project);
  if (t.wave && std::none_of(index_->waves.begin(), index_->waves.end(),
                             [&](const RolloutWave& w) { return w.id == *t.wave; }))
    throw not_found(ObjectKind::Wave);
  Message stored = message;
  if (stored.id.value() == 0) stored.id = MessageId(next_message_);
  KLIK_REQUIRE(std::none_of(index_->messages.begin(), index_->messages.end(),
                            [&](const Message& m) { return m.id == stored.id; }),
               "message " + std::to_string(stored.id.value()) + " already exists");
  Change c;
  c.kind = Change::Kind::Message;
  c.message = stored;
  persist(c, notify);
  index_->messages.push_back(stored);
  next_message_ = std::max(next_message_, stored.id.value() + 1);
  return stored;
}

void IndexedStore::set_internal_notes(TaskId task, const std::string& text) {
  const auto lock = write_lock();
  require_task(*index_, task);
  require_utf8(text, "text");
  Change c;
  c.kind = Change::Kind::Notes;
  c.notes_task = task;
  c.notes_text = text;
  persist(c, {});
  if (text.empty())
    index_->notes.erase(task);
  else
    index_->notes[task] = text;
}

Attachment IndexedStore::add_attachment(const Attachment& attachment, Outgoing notify) {
  const auto lock = write_lock();
  require_task(*index_, attachment.task);
  require_valid_fields(attachment);
  Attachment stored = attachment;
  if (stored.id.value() == 0) stored.id = AttachmentId(next_attachment_);
  stored.size = stored.content.size();
  KLIK_REQUIRE(std::none_of(index_->attachments.begin(), index_->attachments.end(),
                            [&](const Attachment& a) { return a.id == stored.id; }),
               "attachment " + std::to_string(stored.id.value()) + " already exists");
  Change c;
  c.kind = Change::Kind::Attachment;
  c.attachment = &stored;
  persist(c, notify);
  Attachment meta = stored;
  meta.content.clear();
  index_->attachments.push_back(content_in_memory() ? stored : meta);
  next_attachment_ = std::max(next_attachment_, stored.id.value() + 1);
  return meta;
}

std::vector<Attachment> IndexedStore::attachments(TaskId task) const {
  const auto lock = read_lock();
  std::vector<Attachment> out;
  for (const Attachment& a : index_->attachments)
    if (a.task == task) {
      out.push_back(a);
      out.back().content.clear();
    }
  std::sort(out.begin(), out.end(), [](const Attachment& a, const Attachment& b) { return a.id < b.id; });
  return out;
}

std::vector<std::pair<TaskId, DeadlineColour>> IndexedStore::notified_colours() const {
  const auto lock = read_lock();
  std::vector<std::pair<TaskId, DeadlineColour>> out(index_->notified.begin(), index_->notified.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

void IndexedStore::record_sweep(std::span<const std::pair<TaskId, LastNotified>> colours, Outgoing notify) {
  const auto lock = write_lock();
  for (const auto& [task, colour] : colours) require_task(*index_, task);
  Change c;
  c.kind = Change::Kind::Sweep;
  c.colours = colours;
  persist(c, notify);
  for (const auto& [task, colour] : colours)
    if (colour)
      index_->notified[task] = *colour;
    else
      index_->notified.erase(task);
}

void IndexedStore::enqueue(Outgoing notify) {
  const auto lock = write_lock();
  persist(Change{}, notify);
}

}  // namespace klik::detail

namespace klik {

std::string Store::attachment_content(AttachmentId id) const {
  std::string out;
  read_attachment(id, [&](std::string_view chunk) { out.append(chunk); });
  return out;
}

}  // namespace klik
