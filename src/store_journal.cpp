// Journal entries from a change and the state it replaces; undoing them on a
// dataset for as-of views (detail/journal_build.hpp).
#include <algorithm>
#include <utility>

#include "detail/journal_build.hpp"
#include "detail/json_io.hpp"
#include "detail/overloaded.hpp"
#include "detail/world_index.hpp"
#include "klik/json.hpp"
#include "klik/store.hpp"

namespace klik::detail {

namespace {

template <class T>
std::string text(const T& v) {
  return dump_text(to_json_value(v));
}

/// The object's JSON, or empty where there is none.
template <class T>
std::string text_of(const T* v) {
  return v ? text(*v) : std::string();
}

/// The journal's view of the state before a change.
class Before {
 public:
  explicit Before(const WorldIndex& w) : w_(w) {}

  std::string task(TaskId id) const {
    const TaskRef* ref = w_.find_ref(id.value());
    if (!ref || (id.value() & local_bit)) return {};
    return text(w_.task_at(w_.partitions[ref->partition], ref->row));
  }
  std::string local(LocalTaskId id) const {
    const auto it = w_.local_slot.find(id);
    return it == w_.local_slot.end() ? std::string() : text(w_.locals[it->second].task);
  }
  std::string user(UserId id) const { return text_of(World(w_).user(id)); }
  std::string project(ProjectId id) const { return text_of(World(w_).project(id)); }
  std::string wave(WaveId id) const {
    for (const RolloutWave& x : w_.waves)
      if (x.id == id) return text(x);
    return {};
  }
  std::string tpl(TemplateId id) const { return text_of(World(w_).task_template(id)); }
  std::string notes(TaskId id) const {
    const auto it = w_.notes.find(id);
    return it == w_.notes.end() ? std::string() : text(InternalNote{id, it->second});
  }
  std::string attachment(AttachmentId id) const { return text_of(World(w_).attachment(id)); }
  std::string account(UserId id) const {
    const auto it = w_.credentials.find(id);
    return it == w_.credentials.end() ? std::string() : account_json(it->second);
  }

 private:
  const WorldIndex& w_;
};

struct Builder {
  const Before& before;
  std::vector<ObjectDelta> out;

  void add(JournalObject kind, std::uint64_t id, std::string b, std::string a) {
    if (b == a) return;  // (a write that left this object as it was)
    out.push_back({kind, id, std::move(b), std::move(a)});
  }
  void task(const Task& t) { add(JournalObject::Task, t.id.value(), before.task(t.id), text(t)); }
  void local(const LocalTask& l) { add(JournalObject::LocalTask, l.id.value(), before.local(l.id), text(l)); }
  void user(const User& u) { add(JournalObject::User, u.id.value(), before.user(u.id), text(u)); }
  void cleared(const ClearedAssignments& c) {
    for (const Task& t : c.tasks) task(t);
    for (const LocalTask& l : c.local_tasks) local(l);
  }
  void batch(const TaskBatch& b) {
    for (const Task& t : b.added) task(t);
    for (const Task& t : b.changed) task(t);
    for (const LocalTask& l : b.local_changed) local(l);
  }
};

}  // namespace

std::string account_json(const Credentials& c) {
  const json j = {{"user", c.user.value()},
                  {"password_set", !c.password_hash.empty()},
                  {"reset_link_outstanding", !c.reset_token_hash.empty()},
                  {"reset_expires", c.reset_expires.iso()},
                  {"failed_logins", c.failed_logins},
                  {"throttled_until", c.throttled_until.iso()}};
  return dump_text(j);
}

std::vector<ObjectDelta> journal_objects(const Change& change, const WorldIndex& w) {
  const Before before(w);
  Builder b{before, {}};
  std::visit(
      Overloaded{
          [&](const TaskChanged& c) { b.task(c.task); },
          [&](const UserSaved& c) {
            b.user(c.user);
            if (c.credentials)
              b.add(JournalObject::Account, c.user.id.value(), before.account(c.user.id), account_json(*c.credentials));
            b.cleared(c.cleared);
          },
          [&](const UserRemoved& c) {
            b.cleared(c.cleared);
            b.add(JournalObject::Account, c.user.value(), before.account(c.user), {});
            b.add(JournalObject::User, c.user.value(), before.user(c.user), {});
          },
          [&](const LocalTaskSaved& c) { b.local(c.task); },
          [&](const LocalTaskRemoved& c) { b.add(JournalObject::LocalTask, c.task.value(), before.local(c.task), {}); },
          [&](const MessageAdded& c) { b.add(JournalObject::Message, c.message.id.value(), {}, text(c.message)); },
          [&](const NotesSet& c) {
            b.add(JournalObject::Notes, c.task.value(), before.notes(c.task),
                  c.text.empty() ? std::string() : text(InternalNote{c.task, c.text}));
          },
          [&](const AttachmentAdded& c) {
            Attachment meta = c.attachment;
            if (!meta.content.empty()) meta.size = meta.content.size();
            meta.content.clear();
            b.add(JournalObject::Attachment, meta.id.value(), {}, text(meta));
          },
          [&](const ColoursNotified&) {},  // bookkeeping of the sweep, not an object a user changes
          [&](const NotificationsOnly&) {},
          [&](const AttachmentRemoved& c) {
            b.add(JournalObject::Attachment, c.attachment.value(), before.attachment(c.attachment), {});
          },
          [&](const CredentialsSaved& c) {
            b.add(JournalObject::Account, c.credentials.user.value(), before.account(c.credentials.user),
                  account_json(c.credentials));
          },
          [&](const ProjectSaved& c) {
            b.add(JournalObject::Project, c.project.id.value(), before.project(c.project.id), text(c.project));
            for (const RolloutWave& x : c.waves) b.add(JournalObject::Wave, x.id.value(), before.wave(x.id), text(x));
            for (const User& u : c.users) b.user(u);
            b.batch(c.tasks);
          },
          [&](const WaveSaved& c) {
            b.add(JournalObject::Wave, c.wave.id.value(), before.wave(c.wave.id), text(c.wave));
          },
          [&](const TemplateSaved& c) {
            b.add(JournalObject::Template, c.tpl.id.value(), before.tpl(c.tpl.id), text(c.tpl));
            b.batch(c.tasks);
          },
      },
      change);
  return std::move(b.out);
}

// ---- undo ----

namespace {

std::uint64_t id_of(const Task& v) { return v.id.value(); }
std::uint64_t id_of(const LocalTask& v) { return v.id.value(); }
std::uint64_t id_of(const User& v) { return v.id.value(); }
std::uint64_t id_of(const Project& v) { return v.id.value(); }
std::uint64_t id_of(const RolloutWave& v) { return v.id.value(); }
std::uint64_t id_of(const TaskTemplate& v) { return v.id.value(); }
std::uint64_t id_of(const Message& v) { return v.id.value(); }
std::uint64_t id_of(const Attachment& v) { return v.id.value(); }
std::uint64_t id_of(const InternalNote& v) { return v.task.value(); }

}  // namespace

Undo::Undo(Dataset& data) : data_(data) {
  tasks_.items = &data.tasks;
  locals_.items = &data.local_tasks;
  users_.items = &data.users;
  projects_.items = &data.projects;
  waves_.items = &data.waves;
  templates_.items = &data.templates;
  messages_.items = &data.messages;
  attachments_.items = &data.attachments;
  notes_.items = &data.internal_notes;
}

template <class T>
void Undo::restore(Collection<T>& c, std::uint64_t id, const std::string& before) {
  if (!c.built) {
    c.at.reserve(c.items->size());
    for (std::size_t i = 0; i < c.items->size(); ++i) c.at.emplace(id_of((*c.items)[i]), i);
    c.dead.assign(c.items->size(), false);
    c.built = true;
  }
  const auto it = c.at.find(id);
  if (before.empty()) {  // created by the change: gone before it
    if (it != c.at.end()) c.dead[it->second] = true;
    return;
  }
  T value = from_json<T>(before);
  if (it != c.at.end()) {
    (*c.items)[it->second] = std::move(value);
    c.dead[it->second] = false;
  } else {
    c.at.emplace(id, c.items->size());
    c.items->push_back(std::move(value));
    c.dead.push_back(false);
  }
}

void Undo::apply(const ObjectDelta& d) {
  switch (d.kind) {
    case JournalObject::Task:
      return restore(tasks_, d.id, d.before);
    case JournalObject::LocalTask:
      return restore(locals_, d.id, d.before);
    case JournalObject::User:
      return restore(users_, d.id, d.before);
    case JournalObject::Project:
      return restore(projects_, d.id, d.before);
    case JournalObject::Wave:
      return restore(waves_, d.id, d.before);
    case JournalObject::Template:
      return restore(templates_, d.id, d.before);
    case JournalObject::Message:
      return restore(messages_, d.id, d.before);
    case JournalObject::Attachment:
      return restore(attachments_, d.id, d.before);
    case JournalObject::Notes:
      return restore(notes_, d.id, d.before);
    case JournalObject::Account:
      return;  // not part of the world a view shows
  }
}

void Undo::finish() {
  auto compact = [](auto& c) {
    if (!c.built) return;
    auto& items = *c.items;
    std::size_t keep = 0;
    for (std::size_t i = 0; i < items.size(); ++i)
      if (!c.dead[i]) {
        if (keep != i) items[keep] = std::move(items[i]);
        ++keep;
      }
    items.resize(keep);
  };
  compact(tasks_);
  compact(locals_);
  compact(users_);
  compact(projects_);
  compact(waves_);
  compact(templates_);
  compact(messages_);
  compact(attachments_);
  compact(notes_);
}

}  // namespace klik::detail
