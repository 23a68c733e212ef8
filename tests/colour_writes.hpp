#pragma once
// The writes that move deadline colours, shared by the tests of the counts every
// write keeps (the colour ranges of status_by_municipality and quick_status, the
// sweep counts of sweep_transitions).
#include <optional>
#include <random>

#include "klik/store.hpp"

namespace klik::testing {

/// One write of kind `kind` (0-3) to `store`, whose data is `cur`: 0 changes 15
/// random tasks' status; 1 sets or clears a task's date overrides (near `base`)
/// together with a status change; 2 shifts a wave; 3 moves a template's end date
/// and changes its priority.
inline void colour_moving_write(Store& store, const Dataset& cur, std::mt19937& rng, int kind, Date base) {
  const Task& t = cur.tasks[rng() % cur.tasks.size()];
  switch (kind) {
    case 0:
      for (int k = 0; k < 15; ++k)
        store.update_task(
            {.task = cur.tasks[rng() % cur.tasks.size()].id, .status = static_cast<TaskStatus>(rng() % 4)});
      break;
    case 1: {
      const bool set = rng() % 3 != 0;
      store.update_task({.task = t.id,
                         .status = static_cast<TaskStatus>(1 + rng() % 2),
                         .end_override = set ? std::optional<Date>(base + 40) : std::nullopt,
                         .latest_start_override = set ? std::optional<Date>(base) : std::nullopt});
      break;
    }
    case 2:
      if (!cur.waves.empty()) {
        RolloutWave w = cur.waves[rng() % cur.waves.size()];
        w.shift_workdays = static_cast<std::int32_t>(rng() % 41) - 20;
        store.put_wave(w);
      }
      break;
    default: {
      TaskTemplate tpl = cur.templates[rng() % cur.templates.size()];
      tpl.priority = static_cast<Priority>(rng() % 3);
      tpl.end = tpl.end + static_cast<std::int32_t>(rng() % 61) - 30;
      if (tpl.latest_start && *tpl.latest_start > tpl.end) tpl.latest_start = tpl.end;
      store.put_template(tpl);
    }
  }
}

}  // namespace klik::testing
