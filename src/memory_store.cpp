#include <mutex>
#include <shared_mutex>

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

void check_ids(const Dataset& data) {
  for (std::size_t i = 0; i < data.tasks.size(); ++i)
    if (data.tasks[i].id.value() == 0 || (data.tasks[i].id.value() & detail::local_bit))
      throw InvalidArgumentError("task ids must be 1..2147483647", "/tasks/" + std::to_string(i) + "/id");
  for (std::size_t i = 0; i < data.local_tasks.size(); ++i)
    if (data.local_tasks[i].id.value() == 0 || (data.local_tasks[i].id.value() & detail::local_bit))
      throw InvalidArgumentError("local task ids must be 1..2147483647", "/local_tasks/" + std::to_string(i) + "/id");
  for (std::size_t i = 0; i < data.users.size(); ++i)
    if (data.users[i].id.value() == 0)
      throw InvalidArgumentError("user id 0 is reserved (it means \"not set\")", "/users/" + std::to_string(i) + "/id");
}

/// Checks that `who` may be assigned on a task of `project` in `municipality`.
void check_assignee(const detail::WorldIndex& w, std::optional<UserId> who, MunicipalityId municipality,
                    ProjectId project, const char* field) {
  if (!who) return;
  const User* u = w.find_user(*who);
  if (!u) throw InvalidArgumentError("unknown user " + std::to_string(who->value()), field);
  if (u->side != Side::Municipality || u->municipality != municipality)
    throw InvalidArgumentError("user " + std::to_string(who->value()) + " is not a user of municipality " +
                                   std::to_string(municipality.value()), field);
  const auto type = u->type_on(project);
  if (!type || *type == UserType::Reader)
    throw InvalidArgumentError("user " + std::to_string(who->value()) + " cannot be assigned on project " +
                                   std::to_string(project.value()) +
                                   " (must be Plusbruger, Standardbruger or Light-bruger there)", field);
}

class MemoryStore final : public Store {
 public:
  MemoryStore(const Dataset& data, Calendars calendars) : calendars_(std::move(calendars)) {
    if (!data.municipalities.empty() || !data.tasks.empty()) import_dataset(data);
  }

  Snapshot snapshot() const override { return Snapshot(std::shared_lock(mutex_), *index_); }

  void import_dataset(const Dataset& data) override {
    require_valid(data);
    check_ids(data);
    auto fresh = std::make_unique<detail::WorldIndex>(data, calendars_);
    std::unique_lock lock(mutex_);
    index_ = std::move(fresh);
  }

  Dataset export_dataset() const override {
    std::shared_lock lock(mutex_);
    return index_->to_dataset();
  }

  Task update_task(const TaskUpdate& u) override {
    std::unique_lock lock(mutex_);
    const detail::TaskRef* ref = index_->find_ref(u.task.value());
    if (!ref || (u.task.value() & detail::local_bit))
      throw NotFoundError("task " + std::to_string(u.task.value()) + " not found");
    const detail::Partition& part = index_->partitions[ref->partition];
    const std::size_t r = ref->row;
    if (u.expected_version != 0 && u.expected_version != part.version[r])
      throw ConflictError("task " + std::to_string(u.task.value()) + " was changed by someone else (version " +
                              std::to_string(part.version[r]) + ", you read " + std::to_string(u.expected_version) +
                              ")",
                          {});
    if (u.responsible) check_assignee(*index_, *u.responsible, part.municipality, part.project, "responsible");
    if (u.performer) check_assignee(*index_, *u.performer, part.municipality, part.project, "performer");
    return index_->update_task(u);
  }

  User put_user(const User& user, std::uint32_t expected_version) override {
    std::unique_lock lock(mutex_);
    User stored = user;
    if (const User* old = index_->find_user(user.id)) {
      if (expected_version != 0 && expected_version != old->version)
        throw ConflictError("user " + std::to_string(user.id.value()) + " was changed by someone else", {});
      stored.version = old->version + 1;
    }
    index_->put_user(stored);
    return stored;
  }

  void remove_user(UserId user) override {
    std::unique_lock lock(mutex_);
    index_->remove_user(user);
  }

  LocalTask put_local_task(const LocalTask& task) override {
    std::unique_lock lock(mutex_);
    KLIK_REQUIRE(task.id.value() != 0 && !(task.id.value() & detail::local_bit), "local task ids must be 1..2147483647");
    const detail::TaskRef* parent = index_->find_ref(task.parent.value());
    if (!parent || (task.parent.value() & detail::local_bit))
      throw NotFoundError("task " + std::to_string(task.parent.value()) + " not found");
    const detail::Partition& part = index_->partitions[parent->partition];
    KLIK_REQUIRE(part.municipality == task.municipality,
                 "a local task belongs to its parent's municipality " + std::to_string(part.municipality.value()));
    KLIK_REQUIRE(task.status != TaskStatus::NotActive, "a local task cannot be not_active");
    check_assignee(*index_, task.responsible, part.municipality, part.project, "responsible");
    check_assignee(*index_, task.performer, part.municipality, part.project, "performer");
    LocalTask stored = task;
    if (const auto it = index_->local_slot.find(task.id); it != index_->local_slot.end())
      stored.version = index_->locals[it->second].task.version + 1;
    return index_->put_local_task(stored);
  }

  void remove_local_task(LocalTaskId id) override {
    std::unique_lock lock(mutex_);
    index_->remove_local_task(id);
  }

 private:
  Calendars calendars_;
  mutable std::shared_mutex mutex_;
  std::unique_ptr<detail::WorldIndex> index_ = std::make_unique<detail::WorldIndex>();
};

}  // namespace

std::unique_ptr<Store> make_memory_store(const Dataset& data, Calendars calendars) {
  return std::make_unique<MemoryStore>(data, std::move(calendars));
}

}  // namespace klik
