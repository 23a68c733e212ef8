#include "klik/text.hpp"
#include "klik/query_engine.hpp"

#include <algorithm>
#include <bitset>
#include <functional>
#include <string>
#include <unordered_set>

#include "detail/colour_lut.hpp"
#include "detail/json_io.hpp"
#include "detail/world_index.hpp"
#include "klik/error.hpp"

namespace klik {

std::size_t ColourCounts::total() const noexcept {
  std::size_t n = 0;
  for (auto c : counts) n += c;
  return n;
}

double PhaseProgress::completed_share() const noexcept {
  std::size_t all = 0;
  for (auto n : by_status) all += n;
  return all ? static_cast<double>(by_status[static_cast<std::size_t>(TaskStatus::Completed)]) / static_cast<double>(all)
             : 0.0;
}

namespace {

using detail::Partition;
using detail::WorldIndex;

template <class E>
std::uint32_t mask_of(const std::vector<E>& values) {
  std::uint32_t m = 0;
  for (E v : values) m |= 1u << static_cast<unsigned>(v);
  return m;
}

bool contains(const std::vector<ProjectId>& v, ProjectId p) { return std::find(v.begin(), v.end(), p) != v.end(); }

/// A person filter with its users resolved to ids.
struct PersonMatch {
  bool active = false;
  bool negated = false;
  bool not_set = false;
  std::vector<std::uint32_t> users;
  bool operator()(std::uint32_t who) const noexcept {
    if (!active) return true;
    bool in = who == detail::no_user ? not_set : std::find(users.begin(), users.end(), who) != users.end();
    return in != negated;
  }
};

/// How a partition is visible to the viewer.
enum class Mode : std::uint8_t { All, AssignedOnly };

struct Source {
  std::uint32_t partition;
  Mode mode;
};

/// A query resolved against one world and viewer: everything the row loop needs.
struct Plan {
  const WorldIndex* w = nullptr;
  std::uint32_t viewer = 0;
  bool kombit = false;
  bool locals = false;
  std::vector<Source> sources;
  // filters
  std::uint32_t status_mask = 0, priority_mask = 0, colour_mask = 0;
  std::bitset<256> phases, themes;
  bool phase_filter = false, theme_filter = false;
  PersonMatch responsible, performer;
  std::string title;  // folded
  std::int32_t end_from = INT32_MIN, end_to = INT32_MAX;
  Date today;
  std::int32_t today_serial = 0;
  bool need_colour = false;
};

struct Hit {
  std::uint32_t partition;
  std::uint32_t row;
};

/// The project a reference names (by id or exact name), or nullptr.
const Project* find_project(const World& world, const ProjectRef& ref) {
  if (const auto* id = std::get_if<ProjectId>(&ref)) return world.project(*id);
  return world.project_by_name(std::get<std::string>(ref));
}

std::uint32_t resolve_user(const World& world, const User& viewer, const UserRef& ref, const char* field) {
  const User* u = nullptr;
  std::string name;
  if (const auto* id = std::get_if<UserId>(&ref)) {
    u = world.user(*id);
    name = std::to_string(id->value());
  } else {
    const std::string& email = std::get<std::string>(ref);
    name = excerpt(email);
    u = world.user_by_email(email);
  }
  // Another municipality's user is "not found": their existence is not revealed.
  if (!u || (viewer.side == Side::Municipality && u->municipality != viewer.municipality))
    throw NotFoundError(std::string(field) + ": no user " + name + " in your municipality");
  return u->id.value();
}

PersonMatch resolve_person(const World& world, const User& viewer, const PersonFilter& f, const char* field) {
  PersonMatch m;
  m.active = f.active();
  m.negated = f.negated;
  m.not_set = f.not_set;
  for (const UserRef& r : f.users) m.users.push_back(resolve_user(world, viewer, r, field));
  return m;
}

Plan make_plan(const World& world, const RightsModel& rights, const User& viewer, const TaskQuery& q, Date today,
               bool filters) {
  q.check();
  const WorldIndex& w = world.index();
  Plan plan;
  plan.w = &w;
  plan.viewer = viewer.id.value();
  plan.today = today;
  plan.today_serial = today.serial();

  // Projects named by the query (resolved; unknown names are errors).
  std::vector<ProjectId> wanted;
  for (const ProjectRef& ref : q.projects) {
    const Project* p = find_project(world, ref);
    if (!p) {
      if (const auto* id = std::get_if<ProjectId>(&ref))
        throw NotFoundError("projects: no project " + std::to_string(id->value()));
      throw InvalidArgumentError("no project named " + excerpt(std::get<std::string>(ref)), "projects");
    }
    wanted.push_back(p->id);
  }
  auto chosen = [&](ProjectId p) { return wanted.empty() || contains(wanted, p); };

  const TaskScope scope = rights.task_scope(viewer);
  plan.kombit = scope.side == Side::Kombit;
  plan.locals = scope.local_tasks && !plan.kombit;
  if (plan.kombit) {
    for (std::uint32_t slot = 0; slot < w.projects.size(); ++slot) {
      const ProjectId p = w.projects[slot].id;
      if (!chosen(p) || !(scope.all_projects || contains(scope.all_tasks, p))) continue;
      for (std::uint32_t pi : w.partitions_by_project[slot]) plan.sources.push_back({pi, Mode::All});
    }
  } else if (scope.municipality) {
    if (scope.all_projects)  // a model may let a municipality see every project of its own
      for (const Partition& part : w.partitions)
        if (part.municipality == *scope.municipality && chosen(part.project))
          plan.sources.push_back({static_cast<std::uint32_t>(&part - w.partitions.data()), Mode::All});
    for (ProjectId p : scope.all_projects ? std::vector<ProjectId>{} : scope.all_tasks)
      if (chosen(p))
        if (auto it = w.partition_of.find(WorldIndex::partition_key(p, *scope.municipality)); it != w.partition_of.end())
          plan.sources.push_back({it->second, Mode::All});
    for (ProjectId p : scope.all_projects ? std::vector<ProjectId>{} : scope.assigned_only)
      if (chosen(p) && !contains(scope.all_tasks, p))
        if (auto it = w.partition_of.find(WorldIndex::partition_key(p, *scope.municipality)); it != w.partition_of.end())
          plan.sources.push_back({it->second, Mode::AssignedOnly});
  }
  std::sort(plan.sources.begin(), plan.sources.end(),
            [](const Source& a, const Source& b) { return a.partition < b.partition; });

  if (!filters) return plan;
  plan.status_mask = mask_of(q.statuses);
  plan.priority_mask = mask_of(q.priorities);
  plan.colour_mask = mask_of(q.colours);
  plan.need_colour = plan.colour_mask != 0;
  for (auto ph : q.phases) plan.phases.set(ph), plan.phase_filter = true;
  for (auto th : q.themes) plan.themes.set(th), plan.theme_filter = true;
  plan.responsible = resolve_person(world, viewer, q.responsible, "responsible");
  plan.performer = resolve_person(world, viewer, q.performer, "performer");
  // "Tasks of these people" only ever lies in those people's municipalities: for a
  // national viewer that cuts a million rows down to a few municipalities' partitions.
  for (const PersonMatch* m : {&plan.responsible, &plan.performer}) {
    if (!m->active || m->negated || m->not_set) continue;
    std::vector<MunicipalityId> homes;
    for (std::uint32_t id : m->users)
      if (const User* u = world.user(UserId(id)); u && u->municipality) homes.push_back(*u->municipality);
    std::erase_if(plan.sources, [&](const Source& src) {
      return std::find(homes.begin(), homes.end(), w.partitions[src.partition].municipality) == homes.end();
    });
  }
  plan.title = fold_case(q.title_contains);
  if (q.end_from) plan.end_from = q.end_from->serial();
  if (q.end_to) plan.end_to = q.end_to->serial();
  return plan;
}

/// Whether an AssignedOnly row is the viewer's: their own, or a local task under their task.
bool assigned_to(const WorldIndex& w, const Partition& part, std::size_t r, std::uint32_t viewer) {
  if (part.responsible[r] == viewer || part.performer[r] == viewer) return true;
  if (!part.is_local(r)) return false;
  const detail::TaskRef* parent = w.find_ref(part.parent[r]);
  if (!parent) return false;
  const Partition& pp = w.partitions[parent->partition];
  return pp.responsible[parent->row] == viewer || pp.performer[parent->row] == viewer;
}

/// Calls `f(partition, row)` for every row the viewer may see that passes the filters.
template <class F>
void for_each_match(const Plan& plan, F&& f) {
  const WorldIndex& w = *plan.w;
  for (const Source& s : plan.sources) {
    const Partition& part = w.partitions[s.partition];
    const std::size_t n = part.size();
    for (std::size_t r = 0; r < n; ++r) {
      if (part.is_local(r) && !plan.locals) continue;
      if (s.mode == Mode::AssignedOnly && !assigned_to(w, part, r, plan.viewer)) continue;
      if (plan.status_mask && !(plan.status_mask >> static_cast<unsigned>(part.status[r]) & 1u)) continue;
      if (plan.priority_mask && !(plan.priority_mask >> static_cast<unsigned>(part.priority[r]) & 1u)) continue;
      if (part.end[r] < plan.end_from || part.end[r] > plan.end_to) continue;
      if (plan.phase_filter && !plan.phases.test(part.phase[r])) continue;
      if (plan.theme_filter && !plan.themes.test(part.theme[r])) continue;
      if (!plan.responsible(part.responsible[r]) || !plan.performer(part.performer[r])) continue;
      if (plan.need_colour &&
          !(plan.colour_mask >> static_cast<unsigned>(detail::fast_colour(part.status[r], part.dates[r], plan.today_serial)) & 1u))
        continue;
      if (!plan.title.empty() && w.folded_title(part, r).find(plan.title) == std::string::npos) continue;
      f(s.partition, static_cast<std::uint32_t>(r));
    }
  }
}

// ---- sorting and cursors ----

/// The value of one sort column for a row: a number, or (titles) a string.
struct SortValue {
  std::int64_t number = 0;
  std::string text;
};

/// The numeric value of a column (every column but Title).
std::int64_t numeric_value(const Plan& plan, TaskColumn c, const Hit& h) noexcept {
  const WorldIndex& w = *plan.w;
  const Partition& p = w.partitions[h.partition];
  const std::size_t r = h.row;
  switch (c) {
    case TaskColumn::Project: return w.project_name_rank[p.project_slot];
    case TaskColumn::Title: return 0;
    case TaskColumn::Phase: return p.phase[r];
    case TaskColumn::Theme: return p.theme[r];
    case TaskColumn::Deadline: return static_cast<std::int64_t>(detail::fast_colour(p.status[r], p.dates[r], plan.today_serial));
    case TaskColumn::Priority: return static_cast<std::int64_t>(p.priority[r]);
    case TaskColumn::Status: return static_cast<std::int64_t>(p.status[r]);
    case TaskColumn::EndDate: return p.end[r];
    case TaskColumn::Municipality: return p.municipality.value();
    case TaskColumn::Id: return p.key[r];
  }
  return 0;
}

SortValue value_of(const Plan& plan, TaskColumn c, const Hit& h) {
  if (c == TaskColumn::Title) {
    const Partition& p = plan.w->partitions[h.partition];
    return {0, plan.w->folded_title(p, h.row)};
  }
  return {numeric_value(plan, c, h), {}};
}

std::vector<SortKey> effective_sort(const TaskQuery& q) {
  std::vector<SortKey> keys = q.sort;
  if (keys.empty()) keys.push_back({TaskColumn::EndDate, false});
  // Ties are always broken by the row key (task id; local tasks after tasks).
  if (std::none_of(keys.begin(), keys.end(), [](const SortKey& k) { return k.column == TaskColumn::Id; }))
    keys.push_back({TaskColumn::Id, false});
  return keys;
}

/// Rows of one partition are stored in exactly this order.
bool partition_order(const std::vector<SortKey>& keys) {
  return keys.size() == 2 && keys[0].column == TaskColumn::EndDate && !keys[0].descending &&
         keys[1].column == TaskColumn::Id && !keys[1].descending;
}

/// -1, 0, 1: how a hit compares with a cursor position under `keys`.
int compare_to(const Plan& plan, const std::vector<SortKey>& keys, const Hit& h, const std::vector<SortValue>& pos) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    int c = 0;
    if (keys[i].column == TaskColumn::Title) {
      const int t = plan.w->folded_title(plan.w->partitions[h.partition], h.row).compare(pos[i].text);
      c = t < 0 ? -1 : t > 0;
    } else {
      const std::int64_t v = numeric_value(plan, keys[i].column, h);
      c = v < pos[i].number ? -1 : v > pos[i].number;
    }
    if (c) return keys[i].descending ? -c : c;
  }
  return 0;
}

bool hit_less(const Plan& plan, const std::vector<SortKey>& keys, const Hit& a, const Hit& b) {
  for (const SortKey& k : keys) {
    int c = 0;
    if (k.column == TaskColumn::Title) {
      const WorldIndex& w = *plan.w;
      const int t = w.folded_title(w.partitions[a.partition], a.row).compare(w.folded_title(w.partitions[b.partition], b.row));
      c = t < 0 ? -1 : t > 0;
    } else {
      const std::int64_t va = numeric_value(plan, k.column, a), vb = numeric_value(plan, k.column, b);
      c = va < vb ? -1 : va > vb;
    }
    if (c) return k.descending ? c > 0 : c < 0;
  }
  return false;
}

std::string fingerprint(const TaskQuery& q) {
  TaskQuery f = q;
  f.offset = 0;
  f.limit = 50;
  f.cursor.clear();
  return std::to_string(std::hash<std::string>{}(to_text(f)));
}

std::string encode_cursor(const TaskQuery& q, const std::vector<SortValue>& pos) {
  detail::json j = detail::json::array();
  j.push_back(fingerprint(q));
  for (const SortValue& v : pos) {
    if (v.text.empty())
      j.push_back(v.number);
    else
      j.push_back(v.text);
  }
  return detail::base64_encode(j.dump());
}

std::vector<SortValue> decode_cursor(const TaskQuery& q, const std::vector<SortKey>& keys) {
  auto bad = [] { throw InvalidArgumentError("this cursor is not from this query (or is damaged)", "cursor"); };
  detail::json j;
  try {
    j = detail::parse_text(detail::base64_decode(q.cursor, "cursor"));
  } catch (const InvalidArgumentError&) {
    bad();
  }
  if (!j.is_array() || j.size() != keys.size() + 1 || j[0] != fingerprint(q)) bad();
  std::vector<SortValue> pos;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& v = j[i + 1];
    if (keys[i].column == TaskColumn::Title) {
      if (!v.is_string() && !(v.is_number_integer() && v.get<std::int64_t>() == 0)) bad();
      pos.push_back({0, v.is_string() ? v.get<std::string>() : std::string()});
    } else {
      if (!v.is_number_integer()) bad();
      pos.push_back({v.get<std::int64_t>(), {}});
    }
  }
  return pos;
}

TaskRow make_row(const Plan& plan, const User& viewer, const Hit& h) {
  const WorldIndex& w = *plan.w;
  const Partition& p = w.partitions[h.partition];
  const std::size_t r = h.row;
  TaskRow row;
  if (p.is_local(r)) {
    row.task = TaskId(p.parent[r]);
    row.local = LocalTaskId(p.key[r] & ~detail::local_bit);
  } else {
    row.task = TaskId(p.key[r]);
  }
  row.project = p.project;
  row.project_name = w.projects[p.project_slot].name;  // views into the world
  if (viewer.side == Side::Municipality) row.viewer_type = viewer.type_on(p.project);
  row.municipality = p.municipality;
  row.title = w.title(p, r);
  row.phase = p.phase[r];
  row.theme = p.theme[r];
  row.colour = detail::fast_colour(p.status[r], p.dates[r], plan.today_serial);
  row.priority = p.priority[r];
  row.status = p.status[r];
  row.end = Date::from_serial(p.end[r]);
  if (p.responsible[r]) row.responsible = UserId(p.responsible[r]);
  if (p.performer[r]) row.performer = UserId(p.performer[r]);
  row.version = p.version[r];
  return row;
}

/// All matching hits, sorted, after the cursor (if any).
std::vector<Hit> sorted_hits(const Plan& plan, const TaskQuery& q, std::size_t* total, std::size_t want) {
  const auto keys = effective_sort(q);
  std::vector<Hit> hits;
  std::optional<std::vector<SortValue>> after;
  if (!q.cursor.empty()) after = decode_cursor(q, keys);
  std::size_t n = 0;
  for_each_match(plan, [&](std::uint32_t pi, std::uint32_t r) {
    ++n;
    const Hit h{pi, r};
    if (after && compare_to(plan, keys, h, *after) <= 0) return;
    hits.push_back(h);
  });
  if (total) *total = n;
  if (plan.sources.size() == 1 && partition_order(keys)) {  // already in (end, id) order
    if (want < hits.size()) hits.resize(want);
    return hits;
  }
  auto less = [&](const Hit& a, const Hit& b) { return hit_less(plan, keys, a, b); };
  if (want < hits.size()) {
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(want), hits.end(), less);
    hits.resize(want);
  } else {
    std::sort(hits.begin(), hits.end(), less);
  }
  return hits;
}

}  // namespace

TaskPage list_tasks(const World& world, const RightsModel& rights, const User& viewer, const TaskQuery& query,
                    Date today) {
  const Plan plan = make_plan(world, rights, viewer, query, today, true);
  const std::size_t skip = query.cursor.empty() ? query.offset : 0;
  TaskPage page;
  // One more than the page, to know whether another page follows.
  const auto hits = sorted_hits(plan, query, &page.total, skip + query.limit + 1);
  const std::size_t end = std::min<std::size_t>(hits.size(), skip + query.limit);
  for (std::size_t i = skip; i < end; ++i) page.rows.push_back(make_row(plan, viewer, hits[i]));
  if (hits.size() > skip + query.limit && !page.rows.empty()) {
    const auto keys = effective_sort(query);
    std::vector<SortValue> pos;
    for (const SortKey& k : keys) pos.push_back(value_of(plan, k.column, hits[end - 1]));
    page.next_cursor = encode_cursor(query, pos);
  }
  return page;
}

ColourCounts quick_status(const World& world, const RightsModel& rights, const User& viewer, const TaskQuery& query,
                          Date today, bool apply_filters) {
  TaskQuery q = query;
  if (!apply_filters) {
    q = TaskQuery{};
    q.projects = query.projects;
  }
  const Plan plan = make_plan(world, rights, viewer, q, today, true);
  ColourCounts out;
  for_each_match(plan, [&](std::uint32_t pi, std::uint32_t r) {
    const Partition& p = plan.w->partitions[pi];
    ++out.counts[static_cast<std::size_t>(detail::fast_colour(p.status[r], p.dates[r], plan.today_serial))];
  });
  return out;
}

TaskColumns task_columns(const World& world, const RightsModel& rights, const User& viewer, const TaskQuery& query,
                         Date today) {
  const Plan plan = make_plan(world, rights, viewer, query, today, true);
  const auto hits = sorted_hits(plan, query, nullptr, SIZE_MAX);
  TaskColumns c;
  const auto n = hits.size();
  c.task.reserve(n), c.local.reserve(n), c.project.reserve(n), c.municipality.reserve(n), c.phase.reserve(n);
  c.theme.reserve(n), c.colour.reserve(n), c.priority.reserve(n), c.status.reserve(n), c.end.reserve(n);
  c.responsible.reserve(n), c.performer.reserve(n), c.title.reserve(n);
  for (const Hit& h : hits) {
    const Partition& p = plan.w->partitions[h.partition];
    const std::size_t r = h.row;
    const bool local = p.is_local(r);
    c.task.push_back(local ? p.parent[r] : p.key[r]);
    c.local.push_back(local ? (p.key[r] & ~detail::local_bit) : 0);
    c.project.push_back(p.project.value());
    c.municipality.push_back(p.municipality.value());
    c.phase.push_back(p.phase[r]);
    c.theme.push_back(p.theme[r]);
    c.colour.push_back(detail::fast_colour(p.status[r], p.dates[r], plan.today_serial));
    c.priority.push_back(p.priority[r]);
    c.status.push_back(p.status[r]);
    c.end.push_back(p.end[r]);
    c.responsible.push_back(p.responsible[r]);
    c.performer.push_back(p.performer[r]);
    c.title.push_back(plan.w->title(p, r));
  }
  return c;
}

std::vector<MunicipalityStatus> status_by_municipality(const World& world, const RightsModel& rights,
                                                       const User& viewer, ProjectId project, Date today) {
  const WorldIndex& w = world.index();
  const TaskScope scope = rights.task_scope(viewer);
  const auto slot = w.project_slot.find(project);
  if (slot == w.project_slot.end() || scope.side != Side::Kombit ||
      !(scope.all_projects || contains(scope.all_tasks, project)))
    throw NotFoundError("no project " + std::to_string(project.value()) + " in your national view");
  std::vector<MunicipalityStatus> out;
  const std::int32_t day = today.serial();
  for (std::uint32_t pi : w.partitions_by_project[slot->second]) {
    const Partition& p = w.partitions[pi];
    MunicipalityStatus s;
    s.municipality = p.municipality;
    for (std::size_t r = 0; r < p.size(); ++r) {
      if (p.is_local(r)) continue;  // never in KOMBIT's views
      ++s.counts[static_cast<std::size_t>(detail::fast_colour(p.status[r], p.dates[r], day))]
                [static_cast<std::size_t>(p.priority[r])];
    }
    out.push_back(s);
  }
  std::sort(out.begin(), out.end(),
            [](const MunicipalityStatus& a, const MunicipalityStatus& b) { return a.municipality < b.municipality; });
  return out;
}

std::vector<PhaseProgress> progress_by_phase(const World& world, const RightsModel& rights, const User& viewer,
                                             ProjectId project) {
  const Project* p = world.project(project);
  if (!p) throw NotFoundError("no project " + std::to_string(project.value()));
  TaskQuery q;
  q.projects = {project};
  const Plan plan = make_plan(world, rights, viewer, q, Date(), true);
  if (plan.sources.empty()) throw NotFoundError("no project " + std::to_string(project.value()) + " in your view");
  std::vector<PhaseProgress> out(p->phases.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].phase = static_cast<std::uint8_t>(i + 1);
    out[i].name = p->phases[i];
  }
  for_each_match(plan, [&](std::uint32_t pi, std::uint32_t r) {
    const Partition& part = plan.w->partitions[pi];
    if (part.is_local(r)) return;
    const std::size_t ph = part.phase[r];
    if (ph >= 1 && ph <= out.size()) ++out[ph - 1].by_status[static_cast<std::size_t>(part.status[r])];
  });
  return out;
}

std::vector<MunicipalityId> municipalities_without_plus(const World& world, ProjectId project) {
  const Project* p = world.project(project);
  if (!p) throw NotFoundError("no project " + std::to_string(project.value()));
  std::unordered_set<MunicipalityId> with_plus;
  for (const auto& e : world.index().users)
    if (e.user.side == Side::Municipality && e.user.municipality && e.user.type_on(project) == UserType::Plus)
      with_plus.insert(*e.user.municipality);
  std::vector<MunicipalityId> out;
  for (MunicipalityId m : p->participants)
    if (!with_plus.count(m)) out.push_back(m);
  std::sort(out.begin(), out.end());
  return out;
}

ColourChangeSummary colours_with_changes(const World& world, Date today) {
  const WorldIndex& w = world.index();
  ColourChangeSummary s;
  s.previous = w.calendars.national().previous_workday(today);
  const std::int32_t now_day = today.serial(), before_day = s.previous.serial();
  // Four lanes of counters, so consecutive rows do not wait on each other's increments.
  std::array<std::array<std::size_t, 8>, 4> counts{};
  std::array<std::size_t, 4> changed{};
  for (const Partition& p : w.partitions) {
    const std::size_t n = p.size();
    const TaskStatus* status = p.status.data();
    const DeadlineDates* dates = p.dates.data();
    const std::uint32_t* key = p.key.data();
    for (std::size_t r = 0; r < n; ++r) {
      const std::size_t lane = r & 3u;
      const auto kombit_row = static_cast<std::size_t>(!(key[r] & detail::local_bit));
      const auto now = static_cast<std::size_t>(detail::fast_colour(status[r], dates[r], now_day));
      const auto before = static_cast<std::size_t>(detail::fast_colour(status[r], dates[r], before_day));
      counts[lane][now] += kombit_row;
      changed[lane] += kombit_row & static_cast<std::size_t>(now != before);
    }
  }
  for (std::size_t lane = 0; lane < 4; ++lane) {
    for (std::size_t c = 0; c < s.today.counts.size(); ++c) s.today.counts[c] += counts[lane][c];
    s.changed += changed[lane];
  }
  return s;
}

std::vector<ProjectRow> list_projects(const World& world, const RightsModel& rights, const User& viewer,
                                      const ProjectQuery& query) {
  std::vector<ProjectRow> out;
  if (!rights.capabilities(viewer).project_list) return out;
  const std::string needle = fold_case(query.name_contains);
  for (const Project& p : world.projects()) {
    std::optional<UserType> type;
    if (viewer.side == Side::Municipality) {
      type = viewer.type_on(p.id);
      if (!type) continue;
    }
    if (!query.user_types.empty() && (!type || std::find(query.user_types.begin(), query.user_types.end(), *type) ==
                                                   query.user_types.end()))
      continue;
    if (!needle.empty() && fold_case(p.name).find(needle) == std::string::npos) continue;
    out.push_back({p.id, p.name, type, p.deadline, p.period_start, p.period_end, p.kombit_contact, p.contact_mail});
  }
  std::sort(out.begin(), out.end(), [](const ProjectRow& a, const ProjectRow& b) {
    return std::tie(a.name, a.project) < std::tie(b.name, b.project);
  });
  return out;
}

std::vector<User> list_users(const World& world, const RightsModel& rights, const User& viewer,
                             const UserQuery& query) {
  std::vector<ProjectId> projects;
  for (const ProjectRef& ref : query.projects) {
    const Project* p = find_project(world, ref);
    if (!p) throw InvalidArgumentError("unknown project in the user filter", "projects");
    projects.push_back(p->id);
  }
  const std::string needle = fold_case(query.text);
  std::vector<User> out;
  for (const User* u : world.users()) {
    if (!rights.decide(viewer, Action::ViewUser, Target::of(*u)).allowed()) continue;
    if (query.administrator && u->administrator != *query.administrator) continue;
    if (!projects.empty() || !query.user_types.empty()) {
      bool match = false;
      for (const Membership& m : u->memberships) {
        if (!projects.empty() && !contains(projects, m.project)) continue;
        if (!query.user_types.empty() &&
            std::find(query.user_types.begin(), query.user_types.end(), m.type) == query.user_types.end())
          continue;
        match = true;
      }
      if (!match) continue;
    }
    if (!needle.empty() && fold_case(u->full_name).find(needle) == std::string::npos &&
        normalise_email(u->email).find(needle) == std::string::npos)
      continue;
    out.push_back(*u);
  }
  std::sort(out.begin(), out.end(), [](const User& a, const User& b) {
    return std::tie(a.full_name, a.id) < std::tie(b.full_name, b.id);
  });
  return out;
}

SqlPredicate visibility_sql(const RightsModel& rights, const User& viewer) {
  const TaskScope scope = rights.task_scope(viewer);
  SqlPredicate out;
  auto in_list = [&](const std::vector<ProjectId>& ps) {
    if (ps.empty()) return std::string("0");
    std::string s = "project IN (";
    for (std::size_t i = 0; i < ps.size(); ++i) {
      s += i ? ", ?" : "?";
      out.params.push_back(ps[i].value());
    }
    return s + ")";
  };
  if (scope.side == Side::Kombit) {
    out.where = scope.all_projects ? "(kind = 0)" : "(kind = 0 AND " + in_list(scope.all_tasks) + ")";
    return out;
  }
  if (!scope.municipality) {
    out.where = "(0)";
    return out;
  }
  out.where = "(municipality = ?";
  out.params.push_back(scope.municipality->value());
  if (!scope.local_tasks) out.where += " AND kind = 0";
  if (scope.all_projects) {
    out.where += ")";
    return out;
  }
  out.where += " AND (" + in_list(scope.all_tasks);
  std::string assigned = in_list(scope.assigned_only);
  const std::int64_t v = viewer.id.value();
  out.where += " OR (" + assigned +
               " AND (responsible = ? OR performer = ? OR (kind = 1 AND (parent_responsible = ? OR parent_performer = ?)))))";
  out.params.insert(out.params.end(), {v, v, v, v});
  out.where += ")";
  return out;
}

}  // namespace klik
