#include "detail/world_index.hpp"

#include <algorithm>
#include <numeric>
#include <optional>
#include <type_traits>

#include "klik/error.hpp"
#include "klik/query.hpp"

namespace klik::detail {

// ---- Partition ----

void Partition::reserve(std::size_t n) {
  for_each_column([n](auto& column) { column.reserve(n); });
}

void Partition::push_back_row() {
  for_each_column([](auto& column) { column.emplace_back(); });
}

void Partition::erase_row(std::size_t row) {
  for_each_column([row](auto& column) { column.erase(column.begin() + static_cast<std::ptrdiff_t>(row)); });
}

void Partition::shrink_to_fit() {
  for_each_column([](auto& column) { column.shrink_to_fit(); });
}

void Partition::sort_rows() {
  std::vector<std::uint32_t> order(size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return end[a] != end[b] ? end[a] < end[b] : key[a] < key[b]; });
  if (std::is_sorted(order.begin(), order.end())) return;
  for_each_column([&order](auto& column) {
    std::remove_reference_t<decltype(column)> sorted;
    sorted.reserve(column.size());
    for (auto i : order) sorted.push_back(column[i]);
    column.swap(sorted);
  });
}

std::array<std::size_t, 5> Partition::ColourRanges::colours_on(std::int32_t day) const noexcept {
  const auto red = static_cast<std::size_t>(std::upper_bound(red_from.begin(), red_from.end(), day) - red_from.begin());
  const auto yellow_or_red =
      static_cast<std::size_t>(std::upper_bound(yellow_from.begin(), yellow_from.end(), day) - yellow_from.begin());
  std::array<std::size_t, 5> out{};
  out[static_cast<std::size_t>(DeadlineColour::Green)] = red_from.size() - yellow_or_red;
  out[static_cast<std::size_t>(DeadlineColour::Yellow)] = yellow_or_red - red;
  out[static_cast<std::size_t>(DeadlineColour::Red)] = red;
  out[static_cast<std::size_t>(DeadlineColour::Grey)] = grey;
  out[static_cast<std::size_t>(DeadlineColour::Done)] = done;
  return out;
}

std::size_t Partition::ranges_index(std::size_t r) const noexcept {
  return is_local(r) ? ranges.size() : static_cast<std::size_t>(priority[r]) & 3u;
}

Partition::ColourRanges& Partition::ranges_of(std::size_t r) noexcept {
  const std::size_t k = ranges_index(r);
  return k == ranges.size() ? local_ranges : ranges[k];
}

void Partition::rebuild_ranges() {
  // Sized exactly first (a count per list), so each list is one allocation.
  std::array<std::size_t, 5> dated{};  // indexed by ranges_index
  for (std::size_t r = 0; r < size(); ++r) dated[ranges_index(r)] += first_days(status[r], dates[r]).has_value();
  const std::array<ColourRanges*, 5> lists{&ranges[0], &ranges[1], &ranges[2], &ranges[3], &local_ranges};
  for (std::size_t k = 0; k < lists.size(); ++k) {
    ColourRanges& c = *lists[k];
    c.grey = c.done = 0;
    c.red_from.clear();
    c.yellow_from.clear();
    c.red_from.reserve(dated[k]);
    c.yellow_from.reserve(dated[k]);
  }
  for (std::size_t r = 0; r < size(); ++r) {
    ColourRanges& c = *lists[ranges_index(r)];
    if (const auto f = first_days(status[r], dates[r])) {
      c.red_from.push_back(f->red);
      c.yellow_from.push_back(f->yellow);
    } else if (status[r] == TaskStatus::NotActive) {
      ++c.grey;
    } else {
      ++c.done;
    }
  }
  for (ColourRanges* c : lists) {
    std::sort(c->red_from.begin(), c->red_from.end());
    std::sort(c->yellow_from.begin(), c->yellow_from.end());
  }
}

void Partition::ranges_out(std::size_t r) {
  ColourRanges& c = ranges_of(r);
  if (const auto f = first_days(status[r], dates[r])) {
    c.red_from.erase(std::lower_bound(c.red_from.begin(), c.red_from.end(), f->red));
    c.yellow_from.erase(std::lower_bound(c.yellow_from.begin(), c.yellow_from.end(), f->yellow));
  } else if (status[r] == TaskStatus::NotActive) {
    --c.grey;
  } else {
    --c.done;
  }
}

void Partition::ranges_in(std::size_t r) {
  ColourRanges& c = ranges_of(r);
  if (const auto f = first_days(status[r], dates[r])) {
    c.red_from.insert(std::upper_bound(c.red_from.begin(), c.red_from.end(), f->red), f->red);
    c.yellow_from.insert(std::upper_bound(c.yellow_from.begin(), c.yellow_from.end(), f->yellow), f->yellow);
  } else if (status[r] == TaskStatus::NotActive) {
    ++c.grey;
  } else {
    ++c.done;
  }
}

// ---- WorldIndex ----

WorldIndex::WorldIndex(const Dataset& data, Calendars cal) : calendars(std::move(cal)) {
  municipalities = data.municipalities;
  projects = data.projects;
  for (std::uint32_t i = 0; i < projects.size(); ++i) project_slot.emplace(projects[i].id, i);
  rank_projects();
  partitions_by_project.resize(projects.size());
  waves = data.waves;

  templates.reserve(data.templates.size());
  for (const TaskTemplate& t : data.templates) {
    template_slot.emplace(t.id, static_cast<std::uint32_t>(templates.size()));
    templates.push_back({t, project_slot.at(t.project), fold_case(t.title)});
  }
  for (const User& u : data.users) users.insert({u, normalise_email(u.email)});
  for (const Credentials& c : data.credentials) credentials[c.user] = c;

  for (const Task& t : data.tasks) {
    if (t.end_override || t.latest_start_override) overrides[t.id] = {t.end_override, t.latest_start_override};
  }
  // Rows go into partitions in dataset order, then each partition is sorted once.
  refs.reserve(data.tasks.size() + data.local_tasks.size());
  // Each row's slot in `refs` is a cache miss of its own: ask for a few rows ahead.
  for (std::size_t i = 0; i < data.tasks.size(); ++i) {
    if (i + 8 < data.tasks.size()) refs.prefetch(data.tasks[i + 8].id.value());
    add_task_row(data.tasks[i]);
  }
  for (const LocalTask& l : data.local_tasks) {
    const auto slot = static_cast<std::uint32_t>(locals.size());
    local_slot.emplace(l.id, slot);
    locals.push_back({l, fold_case(l.title)});
    add_local_row(slot);
  }
  for (std::uint32_t p = 0; p < partitions.size(); ++p) reindex_partition(p);
  shrink();
  for (const InternalNote& n : data.internal_notes) notes[n.task] = n.text;
  messages = data.messages;
  attachments = data.attachments;
}

void WorldIndex::rank_projects() {
  project_by_name.clear();
  std::vector<std::uint32_t> by_name(projects.size());
  for (std::uint32_t i = 0; i < projects.size(); ++i) {
    project_by_name.emplace(projects[i].name, i);
    by_name[i] = i;
  }
  std::sort(by_name.begin(), by_name.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::tie(projects[a].name, projects[a].id) < std::tie(projects[b].name, projects[b].id);
  });
  project_name_rank.assign(projects.size(), 0);
  for (std::uint32_t r = 0; r < by_name.size(); ++r) project_name_rank[by_name[r]] = r;
}

std::int32_t WorldIndex::shift_of(ProjectId p, MunicipalityId m) const noexcept { return wave_shift(waves, p, m); }

std::uint32_t WorldIndex::ensure_partition(ProjectId p, MunicipalityId m) {
  const auto [it, inserted] = partition_of.emplace(partition_key(p, m), static_cast<std::uint32_t>(partitions.size()));
  if (inserted) {
    Partition part;
    part.project = p;
    part.municipality = m;
    part.project_slot = project_slot.at(p);
    part.calendar = calendars.effective(m, p);
    part.shift = shift_of(p, m);
    partitions.push_back(std::move(part));
    // Kept in municipality order, the order KOMBIT's per-municipality views answer in.
    std::vector<std::uint32_t>& of_project = partitions_by_project[partitions.back().project_slot];
    of_project.insert(
        std::upper_bound(of_project.begin(), of_project.end(), m,
                         [this](MunicipalityId mid, std::uint32_t pi) { return mid < partitions[pi].municipality; }),
        it->second);
  }
  return it->second;
}

Schedule WorldIndex::schedule_for(const Partition& part, const TaskTemplate& tpl, const TaskOverrides* o) const {
  Task t;
  if (o) t.end_override = o->end, t.latest_start_override = o->latest_start;
  return effective_schedule(tpl, t, part.shift, part.calendar);
}

DeadlineDates WorldIndex::dates_for(const Partition& part, const TaskTemplate& tpl, const TaskOverrides* o) const {
  return deadline_dates(schedule_for(part, tpl, o), part.calendar);
}

DeadlineDates WorldIndex::dates_for_local(const Partition& part, const LocalTask& l) const {
  // A local task has only an end date: it is judged as a task of duration 0.
  return deadline_dates(Schedule{l.end, std::nullopt, 0}, part.calendar);
}

void WorldIndex::add_task_row(const Task& t) {
  const std::uint32_t tslot = template_slot.at(t.template_id);
  const TemplateEntry& te = templates[tslot];
  const std::uint32_t pi = ensure_partition(te.tpl.project, t.municipality);
  Partition& part = partitions[pi];
  const auto ov = overrides.find(t.id);
  const TaskOverrides* o = ov == overrides.end() ? nullptr : &ov->second;
  part.push_back_row();
  const std::size_t r = part.size() - 1;
  part.key[r] = t.id.value();
  part.text[r] = tslot;
  part.end[r] = schedule_for(part, te.tpl, o).end.serial();
  part.responsible[r] = t.responsible ? t.responsible->value() : no_user;
  part.performer[r] = t.performer ? t.performer->value() : no_user;
  part.dates[r] = dates_for(part, te.tpl, o);
  part.status[r] = t.status;
  part.priority[r] = te.tpl.priority;
  part.phase[r] = te.tpl.phase;
  part.theme[r] = te.tpl.theme;
  part.version[r] = t.version;
  part.notified[r] = 0;
  refs.insert({t.id.value(), pi, static_cast<std::uint32_t>(r)});
  count_for_sweep(part, r, +1);
  ++task_rows;
}

void WorldIndex::add_local_row(std::uint32_t lslot) {
  const LocalTask& l = locals[lslot].task;
  const TaskRef* parent = find_ref(l.parent.value());
  KLIK_REQUIRE(parent != nullptr, "local task " + std::to_string(l.id.value()) + ": unknown parent task " +
                                      std::to_string(l.parent.value()));
  const std::uint32_t pi = parent->partition;
  Partition& part = partitions[pi];
  const std::size_t prow = parent->row;
  const std::uint8_t phase = part.phase[prow], theme = part.theme[prow];
  part.push_back_row();
  const std::size_t r = part.size() - 1;
  part.key[r] = l.id.value() | local_bit;
  part.text[r] = lslot;
  part.end[r] = l.end.serial();
  part.responsible[r] = l.responsible ? l.responsible->value() : no_user;
  part.performer[r] = l.performer ? l.performer->value() : no_user;
  part.dates[r] = dates_for_local(part, l);
  part.status[r] = l.status;
  part.priority[r] = Priority::Local;
  part.phase[r] = phase;
  part.theme[r] = theme;
  part.version[r] = l.version;
  part.notified[r] = 0;
  refs.insert({part.key[r], pi, static_cast<std::uint32_t>(r)});
  count_for_sweep(part, r, +1);
  ++local_rows;
}

void WorldIndex::reindex_partition(std::uint32_t pi) {
  Partition& part = partitions[pi];
  part.sort_rows();
  part.rebuild_ranges();
  // Every row's slot is a cache miss of its own: ask for a few rows ahead.
  constexpr std::uint32_t ahead = 8;
  const auto n = static_cast<std::uint32_t>(part.size());
  for (std::uint32_t r = 0; r < n; ++r) {
    if (r + ahead < n) refs.prefetch(part.key[r + ahead]);
    refs.move(part.key[r], pi, r);
  }
}

const Partition* WorldIndex::find_partition(ProjectId p, MunicipalityId m) const noexcept {
  const auto it = partition_of.find(partition_key(p, m));
  return it == partition_of.end() ? nullptr : &partitions[it->second];
}

const TaskRef* WorldIndex::find_ref(std::uint32_t key) const noexcept { return refs.find(key); }

const User* WorldIndex::find_user(UserId id) const noexcept {
  const auto& by = users.get<by_id>();
  const auto it = by.find(id);
  return it == by.end() ? nullptr : &it->user;
}

Task WorldIndex::task_at(const Partition& part, std::size_t r) const {
  Task t;
  t.id = TaskId(part.key[r]);
  t.template_id = templates[part.text[r]].tpl.id;
  t.municipality = part.municipality;
  t.status = part.status[r];
  if (part.responsible[r]) t.responsible = UserId(part.responsible[r]);
  if (part.performer[r]) t.performer = UserId(part.performer[r]);
  if (const auto it = overrides.find(t.id); it != overrides.end()) {
    t.end_override = it->second.end;
    t.latest_start_override = it->second.latest_start;
  }
  t.version = part.version[r];
  return t;
}

LocalTask WorldIndex::local_at(const Partition& part, std::size_t r) const { return locals[part.text[r]].task; }

const std::string& WorldIndex::folded_title(const Partition& part, std::size_t r) const {
  return part.is_local(r) ? locals[part.text[r]].folded_title : templates[part.text[r]].folded_title;
}

const std::string& WorldIndex::title(const Partition& part, std::size_t r) const {
  return part.is_local(r) ? locals[part.text[r]].task.title : templates[part.text[r]].tpl.title;
}

void WorldIndex::count_for_sweep(const Partition& part, std::size_t r, int sign) {
  sweep_counts.add(part.notified[r], part.status[r], part.dates[r], sign);
}

void WorldIndex::shrink() {
  for (Partition& p : partitions) p.shrink_to_fit();
}

std::vector<std::uint32_t> WorldIndex::keys_assigned_to(UserId user, std::span<const ProjectId> only) const {
  std::vector<std::uint32_t> keys;
  const User* u = find_user(user);
  const std::uint32_t id = user.value();
  for (const Partition& p : partitions) {
    // A person is assigned only within their own municipality.
    if (u && u->municipality && p.municipality != *u->municipality) continue;
    if (!only.empty() && std::find(only.begin(), only.end(), p.project) == only.end()) continue;
    for (std::size_t r = 0; r < p.size(); ++r)
      if (p.responsible[r] == id || p.performer[r] == id) keys.push_back(p.key[r]);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

Task WorldIndex::update_task(const TaskUpdate& u, std::uint32_t version) {
  const TaskRef* ref = find_ref(u.task.value());
  if (!ref) throw NotFoundError("task " + std::to_string(u.task.value()) + " not found");
  const std::uint32_t pi = ref->partition;
  Partition& part = partitions[pi];
  const std::size_t r = ref->row;
  // Everything that can throw happens before the first change.
  std::optional<TaskOverrides> new_overrides;
  DeadlineDates new_dates{};
  if (u.end_override || u.latest_start_override) {
    TaskOverrides o;
    if (const auto it = overrides.find(u.task); it != overrides.end()) o = it->second;
    if (u.end_override) o.end = *u.end_override;
    if (u.latest_start_override) o.latest_start = *u.latest_start_override;
    new_dates = dates_for(part, templates[part.text[r]].tpl, &o);
    new_overrides = o;
  }
  // A status change moves the row between `ranges`' lists; new dates rebuild them (reindex).
  const bool row_by_row = u.status && !new_overrides;
  const bool colour_inputs = u.status || new_overrides;  // what sweep_counts counts by
  if (colour_inputs) count_for_sweep(part, r, -1);
  if (row_by_row) part.ranges_out(r);
  if (u.status) part.status[r] = *u.status;
  if (row_by_row) part.ranges_in(r);
  if (u.responsible) part.responsible[r] = *u.responsible ? (*u.responsible)->value() : no_user;
  if (u.performer) part.performer[r] = *u.performer ? (*u.performer)->value() : no_user;
  part.version[r] = version;
  if (new_overrides) part.dates[r] = new_dates;
  if (colour_inputs) count_for_sweep(part, r, +1);
  if (new_overrides) {
    const TaskOverrides& o = *new_overrides;
    const TemplateEntry& te = templates[part.text[r]];
    part.end[r] = schedule_for(part, te.tpl, &o).end.serial();
    if (o.end || o.latest_start)
      overrides[u.task] = o;
    else
      overrides.erase(u.task);
    reindex_partition(pi);
  }
  const TaskRef* now = find_ref(u.task.value());
  return task_at(partitions[now->partition], now->row);
}

DeadlineDates WorldIndex::task_dates(const Task& t) const {
  const auto ts = template_slot.find(t.template_id);
  if (ts == template_slot.end())
    throw NotFoundError("template " + std::to_string(t.template_id.value()) + " not found");
  const TaskTemplate& tpl = templates[ts->second].tpl;
  const WorkdayCalendar cal = calendars.effective(t.municipality, tpl.project);
  return deadline_dates(effective_schedule(tpl, t, shift_of(tpl.project, t.municipality), cal), cal);
}

void WorldIndex::recompute_partition(std::uint32_t pi) {
  Partition& part = partitions[pi];
  for (std::size_t r = 0; r < part.size(); ++r) {
    if (part.is_local(r)) continue;  // a local task's dates are its municipality's own: never shifted
    count_for_sweep(part, r, -1);
    const TaskTemplate& tpl = templates[part.text[r]].tpl;
    const auto ov = overrides.find(TaskId(part.key[r]));
    const Schedule s = schedule_for(part, tpl, ov == overrides.end() ? nullptr : &ov->second);
    part.dates[r] = deadline_dates(s, part.calendar);
    part.end[r] = s.end.serial();
    part.priority[r] = tpl.priority;
    part.phase[r] = tpl.phase;
    part.theme[r] = tpl.theme;
    count_for_sweep(part, r, +1);
  }
  // Local rows show their parent's phase and theme.
  for (std::size_t r = 0; r < part.size(); ++r) {
    if (!part.is_local(r)) continue;
    if (const TaskRef* parent = find_ref(parent_of(part, r))) {
      part.phase[r] = part.phase[parent->row];
      part.theme[r] = part.theme[parent->row];
    }
  }
  reindex_partition(pi);
}

void WorldIndex::put_project(const Project& project) {
  if (const auto it = project_slot.find(project.id); it != project_slot.end()) {
    projects[it->second] = project;
  } else {
    project_slot.emplace(project.id, static_cast<std::uint32_t>(projects.size()));
    projects.push_back(project);
    partitions_by_project.emplace_back();
  }
  rank_projects();
}

void WorldIndex::put_wave(const RolloutWave& wave) {
  std::vector<MunicipalityId> touched = wave.members;
  const auto it = std::find_if(waves.begin(), waves.end(), [&](const RolloutWave& w) { return w.id == wave.id; });
  if (it != waves.end()) {
    touched.insert(touched.end(), it->members.begin(), it->members.end());
    *it = wave;
  } else {
    waves.push_back(wave);
  }
  for (MunicipalityId m : touched) {
    const auto pit = partition_of.find(partition_key(wave.project, m));
    if (pit == partition_of.end()) continue;
    Partition& part = partitions[pit->second];
    const std::int32_t shift = shift_of(wave.project, m);
    if (part.shift == shift) continue;
    part.shift = shift;
    recompute_partition(pit->second);
  }
}

void WorldIndex::put_template(const TaskTemplate& tpl) {
  if (const auto it = template_slot.find(tpl.id); it != template_slot.end()) {
    TemplateEntry& te = templates[it->second];
    te.tpl = tpl;
    te.folded_title = fold_case(tpl.title);
    for (std::uint32_t pi : partitions_by_project[te.project_slot]) recompute_partition(pi);
    return;
  }
  template_slot.emplace(tpl.id, static_cast<std::uint32_t>(templates.size()));
  templates.push_back({tpl, project_slot.at(tpl.project), fold_case(tpl.title)});
}

void WorldIndex::add_tasks(std::span<const Task> tasks) {
  std::vector<std::uint32_t> touched;
  for (const Task& t : tasks) {
    if (t.end_override || t.latest_start_override) overrides[t.id] = {t.end_override, t.latest_start_override};
    add_task_row(t);
    touched.push_back(find_ref(t.id.value())->partition);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (std::uint32_t pi : touched) reindex_partition(pi);
}

// ---- ChangeLog ----

void ChangeLog::record(Kind kind, std::uint32_t id, std::uint32_t version, std::uint32_t mask) {
  auto& v = log_[(std::uint64_t{kind} << 32) | id];
  v.emplace_back(version, mask);
  if (v.size() > depth) v.erase(v.begin());
}

std::optional<std::uint32_t> ChangeLog::changed_since(Kind kind, std::uint32_t id, std::uint32_t read,
                                                      std::uint32_t current) const {
  const auto it = log_.find((std::uint64_t{kind} << 32) | id);
  if (it == log_.end()) return std::nullopt;
  std::uint32_t mask = 0;
  std::uint32_t found = 0;
  for (const auto& [version, m] : it->second)
    if (version > read && version <= current) mask |= m, ++found;
  if (current < read || found != current - read) return std::nullopt;
  return mask;
}

std::uint32_t task_update_mask(const TaskUpdate& u) noexcept {
  return (u.status ? TaskStatusField : 0u) | (u.responsible ? TaskResponsibleField : 0u) |
         (u.performer ? TaskPerformerField : 0u) | (u.end_override ? TaskEndField : 0u) |
         (u.latest_start_override ? TaskLatestStartField : 0u);
}

std::uint32_t user_diff_mask(const User& a, const User& b) noexcept {
  return (a.email != b.email ? UserEmailField : 0u) | (a.full_name != b.full_name ? UserFullNameField : 0u) |
         (a.organisation != b.organisation ? UserOrganisationField : 0u) | (a.side != b.side ? UserSideField : 0u) |
         (a.municipality != b.municipality ? UserMunicipalityField : 0u) |
         (a.administrator != b.administrator ? UserAdministratorField : 0u) |
         (a.memberships != b.memberships ? UserMembershipsField : 0u) |
         (a.daily_digest != b.daily_digest ? UserDailyDigestField : 0u);
}

void WorldIndex::put_user(const User& user) {
  auto& by = users.get<by_id>();
  const auto it = by.find(user.id);
  UserEntry e{user, normalise_email(user.email)};
  if (it == by.end()) {
    if (!users.insert(e).second) throw AlreadyExistsError("a user with email " + e.email_key + " already exists");
  } else if (!by.replace(it, e)) {
    throw AlreadyExistsError("a user with email " + e.email_key + " already exists");
  }
}

void WorldIndex::remove_user(UserId id) {
  auto& by = users.get<by_id>();
  const auto it = by.find(id);
  if (it == by.end()) throw NotFoundError("user " + std::to_string(id.value()) + " not found");
  // Their assignments were cleared by the change that removes them; messages keep the author.
  by.erase(it);
  credentials.erase(id);  // and their account record goes with them
}

std::optional<DeadlineColour> WorldIndex::notified_of(std::uint32_t key) const noexcept {
  const TaskRef* ref = find_ref(key);
  if (!ref) return std::nullopt;
  const std::uint8_t n = partitions[ref->partition].notified[ref->row];
  return n == 0 ? std::nullopt : std::optional(static_cast<DeadlineColour>(n - 1));
}

bool WorldIndex::set_notified(std::uint32_t key, std::optional<DeadlineColour> colour) noexcept {
  const TaskRef* ref = find_ref(key);
  if (!ref) return false;
  Partition& part = partitions[ref->partition];
  count_for_sweep(part, ref->row, -1);
  part.notified[ref->row] = colour ? static_cast<std::uint8_t>(static_cast<unsigned>(*colour) + 1) : 0;
  count_for_sweep(part, ref->row, +1);
  return true;
}

LocalTask WorldIndex::put_local_task(const LocalTask& task) {
  std::optional<DeadlineColour> kept;  // an edit keeps the last-notified colour (no new rise)
  if (const auto it = local_slot.find(task.id); it != local_slot.end()) {
    kept = notified_of(task.id.value() | local_bit);
    remove_local_task(task.id);
  }
  const auto slot = static_cast<std::uint32_t>(locals.size());
  locals.push_back({task, fold_case(task.title)});
  local_slot.emplace(task.id, slot);
  add_local_row(slot);
  set_notified(task.id.value() | local_bit, kept);
  reindex_partition(find_ref(task.id.value() | local_bit)->partition);
  return task;
}

void WorldIndex::remove_local_task(LocalTaskId id) {
  const auto it = local_slot.find(id);
  if (it == local_slot.end()) throw NotFoundError("local task " + std::to_string(id.value()) + " not found");
  const TaskRef ref = *refs.find(id.value() | local_bit);
  const std::uint32_t pi = ref.partition;
  count_for_sweep(partitions[pi], ref.row, -1);
  partitions[pi].erase_row(ref.row);
  refs.erase(ref.key);
  locals[it->second].task.id = LocalTaskId(0);
  local_slot.erase(it);
  --local_rows;
  reindex_partition(pi);
}

Dataset WorldIndex::to_dataset(bool with_credentials) const {
  Dataset d;
  d.municipalities = municipalities;
  d.projects = projects;
  d.waves = waves;
  for (const auto& t : templates) d.templates.push_back(t.tpl);
  d.tasks.reserve(task_rows);
  for (const Partition& part : partitions)
    for (std::size_t r = 0; r < part.size(); ++r) {
      if (part.is_local(r)) {
        LocalTask l = locals[part.text[r]].task;
        l.status = part.status[r];
        l.version = part.version[r];
        d.local_tasks.push_back(l);
      } else {
        d.tasks.push_back(task_at(part, r));
      }
    }
  std::sort(d.tasks.begin(), d.tasks.end(), [](const Task& a, const Task& b) { return a.id < b.id; });
  std::sort(d.local_tasks.begin(), d.local_tasks.end(),
            [](const LocalTask& a, const LocalTask& b) { return a.id < b.id; });
  for (const auto& e : users) d.users.push_back(e.user);
  std::sort(d.users.begin(), d.users.end(), [](const User& a, const User& b) { return a.id < b.id; });
  d.messages = messages;
  d.attachments = attachments;
  for (const auto& [task, text] : notes) d.internal_notes.push_back({task, text});
  std::sort(d.internal_notes.begin(), d.internal_notes.end(),
            [](const InternalNote& a, const InternalNote& b) { return a.task < b.task; });
  if (with_credentials)
    for (const auto& [user, c] : credentials) d.credentials.push_back(c);  // by user id (a map)
  return d;
}

}  // namespace klik::detail
