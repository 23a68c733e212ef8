// Publishing::simulate (include/klik/publishing.hpp): a what-if checked by the
// rights model with the decisions the real calls make, then klik::simulate().
#include <algorithm>
#include <map>
#include <variant>

#include "detail/workflow_support.hpp"
#include "klik/publishing.hpp"
#include "klik/simulate.hpp"

namespace klik {

Simulation Publishing::simulate(UserId actor_id, const Scenario& scenario, std::optional<Date> on) const {
  const Date today = today_in_copenhagen(clock_);
  const Snapshot snap = store_.snapshot();
  const World& w = snap.world();
  const User actor = detail::actor_of(w, actor_id);
  const std::span<const Project> projects(w.projects());
  std::map<TaskId, TaskStatus> status;  // the tasks' statuses as the scenario leaves them so far
  for (const ScenarioChange& change : scenario.changes) {
    if (const auto* c = std::get_if<WaveShiftChange>(&change)) {
      // As set_wave_shift / edit_wave.
      const auto& waves = w.waves();
      const auto it = std::find_if(waves.begin(), waves.end(), [&](const RolloutWave& x) { return x.id == c->wave; });
      if (it == waves.end()) throw not_found(ObjectKind::Wave);
      require(rights_.decide(actor, Action::ManageProject, Target::of(it->project), projects));
    } else if (const auto* t = std::get_if<TemplateDatesChange>(&change)) {
      // As edit_template.
      const TaskTemplate* tpl = w.task_template(t->template_id);
      if (!tpl) throw not_found(ObjectKind::Template);
      if (!w.project(tpl->project)) throw not_found(ObjectKind::Project);
      require(rights_.decide(actor, Action::ManageProject, Target::of(tpl->project), projects));
    } else if (const auto* s = std::get_if<StatusChange>(&change)) {
      // As Workflows::change_task with a status: view_task, then edit_status (or set_not_active).
      for (TaskId task : s->tasks) {
        const TaskFacts facts = detail::facts_of(w, task);
        require(rights_.decide(actor, Action::ViewTask, facts, projects));
        const auto [at, fresh] = status.emplace(task, facts.status);
        const bool kombit_only = s->status == TaskStatus::NotActive || at->second == TaskStatus::NotActive;
        require(rights_.decide(actor, kombit_only ? Action::SetNotActive : Action::EditStatus, facts, projects));
        at->second = s->status;
      }
    }
  }
  return klik::simulate(w, scenario, today, on);
}

}  // namespace klik
