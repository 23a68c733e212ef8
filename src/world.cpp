// World: the read accessors over a store's index (store.hpp).
#include <algorithm>

#include "detail/world_index.hpp"
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

std::vector<const LocalTask*> World::local_tasks(TaskId parent) const {
  std::vector<const LocalTask*> out;
  for (const detail::LocalEntry& e : index_->locals)
    if (e.task.id.value() != 0 && e.task.parent == parent) out.push_back(&e.task);
  std::sort(out.begin(), out.end(), [](const LocalTask* a, const LocalTask* b) { return a->id < b->id; });
  return out;
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

const Attachment* World::attachment(AttachmentId id) const noexcept {
  for (const Attachment& a : index_->attachments)
    if (a.id == id) return &a;
  return nullptr;
}

std::vector<const Attachment*> World::attachments(TaskId task) const {
  std::vector<const Attachment*> out;
  for (const Attachment& a : index_->attachments)
    if (a.task == task) out.push_back(&a);
  std::sort(out.begin(), out.end(), [](const Attachment* a, const Attachment* b) { return a->id < b->id; });
  return out;
}

std::vector<const Message*> World::thread(TaskId task) const {
  std::vector<const Message*> out;
  const std::optional<Task> t = this->task(task);
  const std::optional<ProjectId> project = project_of(task);
  if (!t || !project) return out;
  // The waves of this project that the task's municipality is in.
  std::vector<WaveId> waves;
  for (const RolloutWave& w : index_->waves)
    if (w.project == *project && std::find(w.members.begin(), w.members.end(), t->municipality) != w.members.end())
      waves.push_back(w.id);
  for (const Message& m : index_->messages) {
    const MessageTarget& to = m.target;
    if (to.task == task || to.project == project ||
        (to.wave && std::find(waves.begin(), waves.end(), *to.wave) != waves.end()))
      out.push_back(&m);
  }
  std::sort(out.begin(), out.end(),
            [](const Message* a, const Message* b) { return std::pair(a->time, a->id) < std::pair(b->time, b->id); });
  return out;
}

}  // namespace klik
