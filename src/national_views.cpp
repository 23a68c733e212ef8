// KOMBIT's national views: status by municipality, progress by phase,
// municipalities without a Plusbruger, and the daily colour changes. KLIK tasks
// only; never local tasks or notes.
#include "klik/national_views.hpp"

#include <algorithm>
#include <unordered_set>

#include "detail/colour_lut.hpp"
#include "detail/task_plan.hpp"
#include "detail/world_index.hpp"
#include "klik/error.hpp"

namespace klik {

using detail::Partition;
using detail::WorldIndex;

double PhaseProgress::completed_share() const noexcept {
  std::size_t all = 0;
  for (auto n : by_status) all += n;
  return all ? static_cast<double>(by_status[static_cast<std::size_t>(TaskStatus::Completed)]) /
                   static_cast<double>(all)
             : 0.0;
}

std::vector<MunicipalityStatus> status_by_municipality(const World& world, const RightsModel& rights,
                                                       const User& viewer, ProjectId project, Date today) {
  const WorldIndex& w = world.index();
  const TaskScope scope = rights.task_scope(viewer);
  const auto slot = w.project_slot.find(project);
  if (slot == w.project_slot.end() || scope.side != Side::Kombit ||
      !(scope.all_projects || detail::contains(scope.all_tasks, project)))
    throw NotFoundError("no project " + std::to_string(project.value()) + " in your national view");
  const std::int32_t day = today.serial();
  // The project's partitions are kept in municipality order: the answer's order.
  const std::vector<std::uint32_t>& parts = w.partitions_by_project[slot->second];
  std::vector<MunicipalityStatus> out(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Partition& p = w.partitions[parts[i]];
    MunicipalityStatus& s = out[i];
    s.municipality = p.municipality;
    // Two binary searches per priority (Partition::ranges; local rows are not in them).
    for (std::size_t k = 0; k < p.ranges.size(); ++k) {
      const auto colours = p.ranges[k].colours_on(day);
      for (std::size_t c = 0; c < colours.size(); ++c) s.counts[c][k] = colours[c];
    }
  }
  return out;
}

std::vector<PhaseProgress> progress_by_phase(const World& world, const RightsModel& rights, const User& viewer,
                                             ProjectId project) {
  const Project* p = world.project(project);
  if (!p) throw NotFoundError("no project " + std::to_string(project.value()));
  TaskQuery q;
  q.projects = {project};
  const detail::Plan plan = detail::make_plan(world, rights, viewer, q, Date(), true);
  if (plan.sources.empty()) throw NotFoundError("no project " + std::to_string(project.value()) + " in your view");
  std::vector<PhaseProgress> out(p->phases.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].phase = static_cast<std::uint8_t>(i + 1);
    out[i].name = p->phases[i];
  }
  detail::for_each_match(plan, [&](std::uint32_t pi, std::uint32_t r) {
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

}  // namespace klik
