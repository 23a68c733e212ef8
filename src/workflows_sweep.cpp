// sweep_to_outbox (workflows_sweep.hpp): the deadline sweep over a store's indexes, its
// events routed to recipients (SPEC §5) and recorded in the outbox.
#include <algorithm>
#include <unordered_map>

#include "detail/json_io.hpp"
#include "detail/world_index.hpp"
#include "klik/notification.hpp"
#include "klik/rights.hpp"
#include "klik/routing.hpp"
#include "klik/store.hpp"
#include "klik/sweep.hpp"
#include "klik/workflows_sweep.hpp"

namespace klik {

OutboxSweep sweep_to_outbox(Store& store, Date day, Timestamp now) {
  return sweep_to_outbox(store, day, now, RightsModel::default_model(), NotificationRouting::default_routing());
}

OutboxSweep sweep_to_outbox(Store& store, Date day, Timestamp now, const RightsModel& rights,
                            const NotificationRouting& routing) {
  OutboxSweep out;
  std::vector<std::pair<TaskId, LastNotified>> changes;
  std::vector<std::pair<LocalTaskId, LastNotified>> local_changes;
  std::vector<Notification> notes;
  {
    const Snapshot snap = store.snapshot();  // released before the write below
    const detail::WorldIndex& w = snap->index();
    // Every row: KLIK tasks and local tasks (which have deadlines and colours in the
    // list too; a local task's `task` is its parent, routed like it).
    SweepTable table;
    std::vector<NotifiedColour> last;
    std::vector<LocalTaskId> local;
    table.task.reserve(w.task_rows + w.local_rows);
    for (const detail::Partition& part : w.partitions)
      for (std::size_t r = 0; r < part.size(); ++r) {
        const bool is_local = part.is_local(r);
        const LocalTaskId l(is_local ? part.key[r] & ~detail::local_bit : 0u);
        table.task.emplace_back(is_local ? part.parent[r] : part.key[r]);
        local.push_back(l);
        table.municipality.push_back(part.municipality);
        table.project.push_back(part.project);
        table.priority.push_back(part.priority[r]);
        table.status.push_back(part.status[r]);
        table.dates.push_back(part.dates[r]);
        if (is_local) {
          const auto it = w.notified_local.find(l);
          last.push_back(it == w.notified_local.end() ? NotifiedColour{} : NotifiedColour{it->second});
        } else {
          const auto it = w.notified.find(TaskId(part.key[r]));
          last.push_back(it == w.notified.end() ? NotifiedColour{} : NotifiedColour{it->second});
        }
      }
    SweepColumns cols = table.columns();
    cols.last_notified = last;
    cols.local_task = local;
    const SweepResult result = sweep(cols, day);
    out.tasks = table.task.size();
    out.events = result.events.size();
    for (std::size_t i = 0; i < table.task.size(); ++i)
      if (result.notified[i] != last[i]) {
        if (local[i].value() != 0)
          local_changes.emplace_back(local[i], result.notified[i]);
        else
          changes.emplace_back(table.task[i], result.notified[i]);
      }
    out.colour_changes = changes.size() + local_changes.size();

    // Recipients (SPEC §5 by default: the project's Plusbrugere in the municipality, the
    // responsible and the performer) through the one resolver, which indexes the users
    // by (project, municipality) once for the whole sweep.
    RecipientResolver route(routing, rights, snap.world());
    auto person = [](std::uint32_t who) { return who == detail::no_user ? std::nullopt : std::optional(UserId(who)); };
    notes.reserve(result.events.size());
    for (const DeadlineEvent& e : result.events) {
      Notification n;
      const NotificationEvent event =
          e.new_colour == DeadlineColour::Red ? NotificationEvent::DeadlineRed : NotificationEvent::DeadlineYellow;
      n.event = code(event);
      n.key = sweep_key_text(e);
      const bool is_local = e.local_task.value() != 0;
      const detail::TaskRef* ref = w.find_ref(is_local ? e.local_task.value() | detail::local_bit : e.task.value());
      const detail::Partition& part = w.partitions[ref->partition];
      TaskFacts facts;
      facts.id = e.task;
      facts.municipality = e.municipality;
      facts.project = e.project;
      facts.responsible = person(part.responsible[ref->row]);
      facts.performer = person(part.performer[ref->row]);
      facts.status = part.status[ref->row];
      if (is_local) {
        facts.local = true;
        facts.local_id = e.local_task;
        if (const detail::TaskRef* pref = w.find_ref(e.task.value())) {
          const detail::Partition& pp = w.partitions[pref->partition];
          facts.parent_responsible = person(pp.responsible[pref->row]);
          facts.parent_performer = person(pp.performer[pref->row]);
        }
      }
      Recipients to = route.task_event(event, facts);
      n.recipients = std::move(to.users);
      n.mailbox = std::move(to.mailbox);
      n.sender = "KOMBIT KLIK";
      n.link = "/tasks/" + std::to_string(e.task.value());
      detail::json p;
      p["task"] = e.task.value();
      if (e.local_task.value() != 0) p["local_task"] = e.local_task.value();
      p["municipality"] = e.municipality.value();
      p["project"] = e.project.value();
      p["priority"] = std::string(code(e.priority));
      p["colour"] = std::string(code(e.new_colour));
      p["old_colour"] = e.old_colour ? detail::json(std::string(code(*e.old_colour))) : detail::json(nullptr);
      p["reached_on"] = e.reached_on.iso();
      p["date"] = e.date.iso();
      n.payload = p.dump();
      n.created = now;
      n.next_attempt = now;
      notes.push_back(std::move(n));
    }
  }
  if (!changes.empty() || !local_changes.empty() || !notes.empty()) store.record_sweep(changes, notes, local_changes, {.operation = "sweep", .at = now});
  return out;
}

}  // namespace klik
