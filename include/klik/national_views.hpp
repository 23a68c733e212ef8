#pragma once
/// @file national_views.hpp
/// @brief KOMBIT's national views over a store's indexes: status by
/// municipality, progress by phase, municipalities without a Plusbruger, and the
/// day's colour changes. KLIK tasks only; never local tasks or notes.
///
/// Thread-safety: pure functions of their arguments; run any number at once.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "klik/rights.hpp"
#include "klik/store.hpp"
#include "klik/task_list.hpp"

namespace klik {

/// For one project, per municipality: counts by colour and priority.
struct MunicipalityStatus {
  MunicipalityId municipality;
  std::array<std::array<std::size_t, 4>, 5> counts{};  ///< [colour][priority]
  [[nodiscard]] std::size_t count(DeadlineColour c, Priority p) const noexcept {
    return counts[static_cast<std::size_t>(c)][static_cast<std::size_t>(p)];
  }
  /// Red critical-path plus red mandatory tasks: what KOMBIT follows up on.
  [[nodiscard]] std::size_t red_followed_up() const noexcept {
    return count(DeadlineColour::Red, Priority::CriticalPath) + count(DeadlineColour::Red, Priority::Mandatory);
  }
};
/// Throws NotFoundError unless `viewer` may see the project's tasks nationally.
std::vector<MunicipalityStatus> status_by_municipality(const World& world, const RightsModel& rights,
                                                       const User& viewer, ProjectId project, Date today);

/// Progress of one project by phase: counts by status, nationally (KOMBIT) or for
/// the viewer's municipality.
struct PhaseProgress {
  std::uint8_t phase = 0;
  std::string name;
  std::array<std::size_t, 4> by_status{};  ///< indexed by TaskStatus
  [[nodiscard]] double completed_share() const noexcept;
};
std::vector<PhaseProgress> progress_by_phase(const World& world, const RightsModel& rights, const User& viewer,
                                             ProjectId project);

/// Participating municipalities that have no Plusbruger on the project.
std::vector<MunicipalityId> municipalities_without_plus(const World& world, ProjectId project);

/// Colours of every KLIK task (local tasks not counted) on `today`, and how many
/// differ from their colour on the previous national working day (`previous`),
/// both judged by each task's status *now*: what the calendar alone changed
/// overnight (national; for monitoring). It is not the sweep's comparison: that
/// one is against the stored last-notified colours and counts status changes,
/// missed days and local tasks too (sweep_store in workflows_sweep.hpp).
struct ColourChangeSummary {
  ColourCounts today;
  std::size_t changed = 0;  ///< KLIK tasks whose colour on `previous` differs from today's
  Date previous;  ///< the previous national working day
};
ColourChangeSummary colours_with_changes(const World& world, Date today);

}  // namespace klik
