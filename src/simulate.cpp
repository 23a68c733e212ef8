// What-if (include/klik/simulate.hpp): a scenario judged over the store's
// precomputed columns. Only the rows a change affects are recomputed, into a
// delta beside the columns; the index is read, never written.
#include "klik/simulate.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

#include "detail/world_index.hpp"
#include "klik/error.hpp"
#include "klik/rights.hpp"

namespace klik {

// ---- Scenario ----

Scenario& Scenario::set_wave_shift(WaveId wave, std::int32_t workdays) {
  changes.emplace_back(WaveShiftChange{wave, workdays, false});
  return *this;
}

Scenario& Scenario::shift_wave(WaveId wave, std::int32_t workdays) {
  changes.emplace_back(WaveShiftChange{wave, workdays, true});
  return *this;
}

Scenario& Scenario::move_template(TemplateId tpl, std::optional<Date> end, std::optional<Date> latest_start,
                                  std::optional<std::int32_t> duration_workdays) {
  changes.emplace_back(TemplateDatesChange{tpl, end, latest_start, duration_workdays});
  return *this;
}

Scenario& Scenario::set_status(std::vector<TaskId> tasks, TaskStatus status) {
  changes.emplace_back(StatusChange{std::move(tasks), status});
  return *this;
}

namespace {

using detail::Partition;
using detail::WorldIndex;

/// The same bound as Store::put_wave's.
constexpr std::int32_t max_shift = 1000;

/// The scenario resolved against the index: what differs, by partition, template slot and row key.
struct Resolved {
  std::unordered_map<std::uint32_t, std::int32_t> shift;  // partition -> its new shift
  std::unordered_map<std::uint32_t, TaskTemplate> templates;  // template slot -> the moved template
  std::unordered_map<std::uint32_t, TaskStatus> status;  // task key -> its new status
};

Resolved resolve(const WorldIndex& w, const Scenario& scenario) {
  Resolved out;
  std::map<WaveId, std::int32_t> wave_shift;  // the waves' shifts as the scenario leaves them
  for (const ScenarioChange& change : scenario.changes) {
    if (const auto* c = std::get_if<WaveShiftChange>(&change)) {
      const auto it =
          std::find_if(w.waves.begin(), w.waves.end(), [&](const RolloutWave& x) { return x.id == c->wave; });
      if (it == w.waves.end()) throw not_found(ObjectKind::Wave);
      const auto [at, fresh] = wave_shift.emplace(c->wave, it->shift_workdays);
      const std::int64_t next = c->relative ? std::int64_t{at->second} + c->workdays : c->workdays;
      if (next < -max_shift || next > max_shift)
        throw InvalidArgumentError("a wave's shift must be within " + std::to_string(max_shift) +
                                       " working days either way, not " + std::to_string(next),
                                   "shift_workdays");
      at->second = static_cast<std::int32_t>(next);
    } else if (const auto* t = std::get_if<TemplateDatesChange>(&change)) {
      const auto slot = w.template_slot.find(t->template_id);
      if (slot == w.template_slot.end()) throw not_found(ObjectKind::Template);
      if (t->latest_start && t->duration_workdays)
        throw InvalidArgumentError("a template has a latest start or a duration, not both: set one of them",
                                   "latest_start");
      const auto [at, fresh] = out.templates.emplace(slot->second, w.templates[slot->second].tpl);
      TaskTemplate& tpl = at->second;
      if (t->end) tpl.end = *t->end;
      if (t->latest_start) tpl.latest_start = t->latest_start, tpl.duration_workdays.reset();
      if (t->duration_workdays) tpl.duration_workdays = t->duration_workdays, tpl.latest_start.reset();
      validate_template(tpl);
    } else if (const auto* s = std::get_if<StatusChange>(&change)) {
      for (TaskId task : s->tasks) {
        if (task.value() & detail::local_bit || !w.find_ref(task.value())) throw not_found(ObjectKind::Task);
        out.status[task.value()] = s->status;
      }
    }
  }
  // A template moved back to what it is changes nothing.
  std::erase_if(out.templates, [&](const auto& e) { return e.second == w.templates[e.first].tpl; });
  for (const RolloutWave& wave : w.waves) {
    const auto changed = wave_shift.find(wave.id);
    if (changed == wave_shift.end()) continue;
    for (MunicipalityId m : wave.members) {
      const auto pit = w.partition_of.find(WorldIndex::partition_key(wave.project, m));
      if (pit != w.partition_of.end() && w.partitions[pit->second].shift != changed->second)
        out.shift[pit->second] = changed->second;
    }
  }
  return out;
}

/// (partition, row) of every row the scenario may change, each once, in index order.
std::vector<std::pair<std::uint32_t, std::uint32_t>> candidate_rows(const WorldIndex& w, const Resolved& r) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> rows;
  for (const auto& [pi, shift] : r.shift) {
    const Partition& part = w.partitions[pi];
    for (std::uint32_t row = 0; row < part.size(); ++row)
      // A local task never moves; a task with an override of its own does not take the wave's shift.
      if (!part.is_local(row) && !w.overrides.contains(TaskId(part.key[row]))) rows.emplace_back(pi, row);
  }
  for (const auto& [slot, tpl] : r.templates)
    for (std::uint32_t pi : w.partitions_by_project[w.templates[slot].project_slot]) {
      const Partition& part = w.partitions[pi];
      for (std::uint32_t row = 0; row < part.size(); ++row)
        if (!part.is_local(row) && part.text[row] == slot) rows.emplace_back(pi, row);
    }
  for (const auto& [key, status] : r.status) {
    const detail::TaskRef* ref = w.find_ref(key);
    rows.emplace_back(ref->partition, ref->row);
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

/// One affected row: its state as stored and under the scenario.
struct Delta {
  TaskId task;
  MunicipalityId municipality;
  ProjectId project;
  Priority priority;
  TaskStatus status_before, status_after;
  DeadlineDates dates_before, dates_after;
  NotifiedColour notified;
};

void count(ColourCounts& c, DeadlineColour colour) { ++c.counts[static_cast<std::size_t>(colour)]; }

void compare(ColourComparison& into, DeadlineColour before, DeadlineColour after) {
  count(into.before, before);
  count(into.after, after);
}

std::vector<DeadlineEvent> sweep_of(const std::vector<Delta>& rows, bool after, Date today) {
  const std::size_t n = rows.size();
  std::vector<TaskId> task(n);
  std::vector<MunicipalityId> municipality(n);
  std::vector<ProjectId> project(n);
  std::vector<Priority> priority(n);
  std::vector<TaskStatus> status(n);
  std::vector<DeadlineDates> dates(n);
  std::vector<NotifiedColour> last(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Delta& d = rows[i];
    task[i] = d.task, municipality[i] = d.municipality, project[i] = d.project, priority[i] = d.priority;
    status[i] = after ? d.status_after : d.status_before;
    dates[i] = after ? d.dates_after : d.dates_before;
    last[i] = d.notified;
  }
  SweepColumns cols{task, municipality, project, priority, status, dates, last};
  SweepResult result = sweep(cols, today);
  std::stable_sort(result.events.begin(), result.events.end(),
                   [](const DeadlineEvent& a, const DeadlineEvent& b) { return a.task < b.task; });
  return std::move(result.events);
}

}  // namespace

Simulation simulate(const World& world, const Scenario& scenario, Date today, std::optional<Date> on) {
  const WorldIndex& w = world.index();
  const Resolved resolved = resolve(w, scenario);

  // The delta: every candidate row recomputed with the scenario's shift, template and status.
  std::vector<Delta> rows;
  for (const auto& [pi, row] : candidate_rows(w, resolved)) {
    const Partition& part = w.partitions[pi];
    const TaskId id(part.key[row]);
    const std::uint32_t slot = part.text[row];
    const auto shift_it = resolved.shift.find(pi);
    const auto tpl_it = resolved.templates.find(slot);
    const auto status_it = resolved.status.find(part.key[row]);
    Delta d{id,
            part.municipality,
            part.project,
            part.priority[row],
            part.status[row],
            status_it == resolved.status.end() ? part.status[row] : status_it->second,
            part.dates[row],
            part.dates[row],
            {}};
    if (shift_it != resolved.shift.end() || tpl_it != resolved.templates.end()) {
      const TaskTemplate& tpl = tpl_it != resolved.templates.end() ? tpl_it->second : w.templates[slot].tpl;
      Task t;
      if (const auto o = w.overrides.find(id); o != w.overrides.end())
        t.end_override = o->second.end, t.latest_start_override = o->second.latest_start;
      const std::int32_t shift = shift_it != resolved.shift.end() ? shift_it->second : part.shift;
      try {
        d.dates_after = deadline_dates(effective_schedule(tpl, t, shift, part.calendar), part.calendar);
      } catch (const InvalidArgumentError& e) {
        throw InvalidArgumentError("task " + std::to_string(id.value()) + " would have no valid dates: " + e.what(),
                                   e.where());
      }
    }
    if (d.status_after == d.status_before && d.dates_after == d.dates_before) continue;
    d.notified = w.notified_of(id.value());
    rows.push_back(d);
  }

  Simulation out;
  out.today = today;
  out.on = on;
  out.affected = rows.size();
  if (on) out.on_total.emplace();
  std::map<std::pair<MunicipalityId, Priority>, SimulatedGroup> groups;
  auto red = [](const Delta& d, DeadlineColour before, DeadlineColour after) {
    return SimulatedTask{d.task,
                         d.municipality,
                         d.project,
                         d.priority,
                         before,
                         after,
                         *colour_reached_on(d.status_after, d.dates_after, DeadlineColour::Red)};
  };
  for (const Delta& d : rows) {
    SimulatedGroup& g = groups[{d.municipality, d.priority}];
    g.municipality = d.municipality;
    g.priority = d.priority;
    const DeadlineColour before = colour_on(d.status_before, d.dates_before, today);
    const DeadlineColour after = colour_on(d.status_after, d.dates_after, today);
    compare(g.today, before, after);
    compare(out.today_total, before, after);
    out.changed_today += before != after;
    if (after == DeadlineColour::Red && before != DeadlineColour::Red) out.red_today.push_back(red(d, before, after));
    if (on) {
      const DeadlineColour b = colour_on(d.status_before, d.dates_before, *on);
      const DeadlineColour a = colour_on(d.status_after, d.dates_after, *on);
      if (!g.on) g.on.emplace();
      compare(*g.on, b, a);
      compare(*out.on_total, b, a);
      out.changed_on += b != a;
      if (a == DeadlineColour::Red && b != DeadlineColour::Red) out.red_on.push_back(red(d, b, a));
    }
  }
  out.by_municipality.reserve(groups.size());
  for (auto& [key, g] : groups) out.by_municipality.push_back(std::move(g));
  auto by_task = [](const SimulatedTask& a, const SimulatedTask& b) { return a.task < b.task; };
  std::sort(out.red_today.begin(), out.red_today.end(), by_task);
  std::sort(out.red_on.begin(), out.red_on.end(), by_task);
  out.sweep_events = sweep_of(rows, true, today);
  out.sweep_events_without = sweep_of(rows, false, today);
  return out;
}

}  // namespace klik
