#include <mutex>
#include <shared_mutex>

#include <algorithm>

#include "detail/indexed_store.hpp"
#include "detail/world_index.hpp"
#include "klik/rights.hpp"
#include "klik/store.hpp"

namespace klik {

// ---- World (read accessors over the index) ----

std::size_t World::task_count() const noexcept { return index_->task_rows; }
std::size_t World::local_task_count() const noexcept { return index_->local_rows; }
const std::vector<Municipality>& World::municipalities() const noexcept { return index_->municipalities; }
const std::vector<Project>& World::projects() const noexcept { return index_->projects; }
const std::vector<RolloutWave>& World::waves() const noexcept { return index_->waves; }
const Calendars& World::calendars() const noexcept { return index_->calendars; }

const Project* World::project(ProjectId id) const noexcept {
  const auto it = index_->project_slot.find(id);
  return it == index_->project_slot.end() ? nullptr : &index_->projects[it->second];
}

const Project* World::project_by_name(std::string_view name) const noexcept {
  const auto it = index_->project_by_name.find(std::string(name));
  return it == index_->project_by_name.end() ? nullptr : &index_->projects[it->second];
}

const Municipality* World::municipality(MunicipalityId id) const noexcept {
  for (const auto& m : index_->municipalities)
    if (m.id == id) return &m;
  return nullptr;
}

const TaskTemplate* World::task_template(TemplateId id) const noexcept {
  const auto it = index_->template_slot.find(id);
  return it == index_->template_slot.end() ? nullptr : &index_->templates[it->second].tpl;
}

const User* World::user(UserId id) const noexcept { return index_->find_user(id); }

const User* World::user_by_email(std::string_view email) const noexcept {
  const auto& by = index_->users.get<detail::by_email>();
  const auto it = by.find(normalise_email(email));
  return it == by.end() ? nullptr : &it->user;
}

std::vector<const User*> World::users() const {
  std::vector<const User*> out;
  out.reserve(index_->users.size());
  for (const auto& e : index_->users) out.push_back(&e.user);
  std::sort(out.begin(), out.end(), [](const User* a, const User* b) { return a->id < b->id; });
  return out;
}

const LocalTask* World::local_task(LocalTaskId id) const noexcept {
  const auto it = index_->local_slot.find(id);
  return it == index_->local_slot.end() ? nullptr : &index_->locals[it->second].task;
}

std::optional<Task> World::task(TaskId id) const {
  const detail::TaskRef* ref = index_->find_ref(id.value());
  if (!ref || (id.value() & detail::local_bit)) return std::nullopt;
  return index_->task_at(index_->partitions[ref->partition], ref->row);
}

std::optional<ProjectId> World::project_of(TaskId id) const {
  const detail::TaskRef* ref = index_->find_ref(id.value());
  if (!ref) return std::nullopt;
  return index_->partitions[ref->partition].project;
}

std::optional<std::string> World::internal_notes(TaskId id) const {
  const auto it = index_->notes.find(id);
  if (it == index_->notes.end()) return std::nullopt;
  return it->second;
}

namespace {

/// The in-memory store: the shared indexed logic plus an outbox in a vector.
class MemoryStore final : public detail::IndexedStore {
 public:
  MemoryStore(const Dataset& data, Calendars calendars) : IndexedStore(std::move(calendars)) {
    if (!data.municipalities.empty() || !data.tasks.empty()) import_dataset(data);
  }

  void read_attachment(AttachmentId id, const std::function<void(std::string_view)>& sink) const override {
    std::string content;
    {
      std::shared_lock lock(mutex_);
      const auto& all = index_->attachments;
      const auto it = std::find_if(all.begin(), all.end(), [&](const Attachment& a) { return a.id == id; });
      if (it == all.end()) throw not_found(ObjectKind::Attachment);
      content = it->content;
    }
    constexpr std::size_t chunk = 64 * 1024;
    for (std::size_t at = 0; at < content.size(); at += chunk)
      sink(std::string_view(content).substr(at, chunk));
  }

  std::vector<Notification> pending_notifications(Timestamp now, std::size_t limit) const override {
    std::shared_lock lock(mutex_);
    std::vector<Notification> out;
    for (const Notification& n : outbox_) {
      if (out.size() >= limit) break;
      if (!n.delivered && n.next_attempt <= now) out.push_back(n);
    }
    return out;
  }

  std::vector<Notification> outbox() const override {
    std::shared_lock lock(mutex_);
    return outbox_;
  }

  void mark_delivered(std::span<const std::uint64_t> ids) override {
    std::unique_lock lock(mutex_);
    for (const std::uint64_t id : ids) (void)entry(id);  // all or nothing
    for (const std::uint64_t id : ids) entry(id).delivered = true;
  }

  void reschedule(std::uint64_t id, Timestamp next_attempt, const std::string& error) override {
    std::unique_lock lock(mutex_);
    Notification& n = entry(id);
    ++n.attempts;
    n.next_attempt = next_attempt;
    n.last_error = error;
  }

 protected:
  void persist(const detail::Change&, Outgoing notify) override {
    for (const Notification& n : notify) {
      outbox_.push_back(n);
      outbox_.back().id = next_id_++;
      outbox_.back().delivered = false;
    }
  }
  void persist_import(const Dataset&) override {}
  bool content_in_memory() const noexcept override { return true; }

 private:
  Notification& entry(std::uint64_t id) {
    const auto it = std::lower_bound(outbox_.begin(), outbox_.end(), id,
                                     [](const Notification& n, std::uint64_t v) { return n.id < v; });
    if (it == outbox_.end() || it->id != id) throw not_found(ObjectKind::Notification);
    return *it;
  }

  std::vector<Notification> outbox_;  // by id
  std::uint64_t next_id_ = 1;
};

}  // namespace

std::unique_ptr<Store> make_memory_store(const Dataset& data, Calendars calendars) {
  return std::make_unique<MemoryStore>(data, std::move(calendars));
}

}  // namespace klik
