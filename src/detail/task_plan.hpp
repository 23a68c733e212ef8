#pragma once
// A task-list query resolved against one world and viewer (the Plan), and the
// row loop over the partitions it selects. Shared by the task list
// (task_list.cpp) and the national views (national_views.cpp); private to the
// query engine.

#include <algorithm>
#include <bitset>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "detail/colour_lut.hpp"
#include "detail/world_index.hpp"
#include "klik/query.hpp"
#include "klik/rights.hpp"
#include "klik/store.hpp"

namespace klik::detail {

inline bool contains(const std::vector<ProjectId>& v, ProjectId p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}

/// A person filter with its users resolved to ids.
struct PersonMatch {
  bool active = false;
  bool negated = false;
  bool not_set = false;
  std::vector<std::uint32_t> users;
  bool operator()(std::uint32_t who) const noexcept {
    if (!active) return true;
    bool in = who == no_user ? not_set : std::find(users.begin(), users.end(), who) != users.end();
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
inline const Project* find_project(const World& world, const ProjectRef& ref) {
  if (const auto* id = std::get_if<ProjectId>(&ref)) return world.project(*id);
  return world.project_by_name(std::get<std::string>(ref));
}

/// The sources (partitions and how they are visible) of `viewer`'s list for
/// `q`, and with `filters` the query's filters resolved. Throws for a bad query
/// (see list_tasks).
Plan make_plan(const World& world, const RightsModel& rights, const User& viewer, const TaskQuery& q, Date today,
               bool filters);

/// Whether an AssignedOnly row is the viewer's: their own, or a local task under their task.
inline bool assigned_to(const WorldIndex& w, const Partition& part, std::size_t r, std::uint32_t viewer) {
  if (part.responsible[r] == viewer || part.performer[r] == viewer) return true;
  if (!part.is_local(r)) return false;
  const TaskRef* parent = w.find_ref(w.parent_of(part, r));
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
          !(plan.colour_mask >> static_cast<unsigned>(fast_colour(part.status[r], part.dates[r], plan.today_serial)) &
            1u))
        continue;
      if (!plan.title.empty() && w.folded_title(part, r).find(plan.title) == std::string::npos) continue;
      f(s.partition, static_cast<std::uint32_t>(r));
    }
  }
}

}  // namespace klik::detail
