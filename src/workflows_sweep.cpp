// sweep_to_outbox (workflows_sweep.hpp): the deadline sweep over a store's indexes, its
// events routed to recipients (SPEC §5) and recorded in the outbox.
#include <algorithm>
#include <unordered_map>

#include "detail/json_io.hpp"
#include "detail/world_index.hpp"
#include "klik/notification.hpp"
#include "klik/store.hpp"
#include "klik/sweep.hpp"
#include "klik/workflows_sweep.hpp"

namespace klik {

OutboxSweep sweep_to_outbox(Store& store, Date day, Timestamp now) {
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

    // Recipients (SPEC §5): the project's Plusbrugere in the municipality, the responsible and the performer.
    std::unordered_map<std::uint64_t, std::vector<UserId>> plus;
    for (const auto& e : w.users) {
      const User& u = e.user;
      if (u.side != Side::Municipality || !u.municipality) continue;
      for (const Membership& m : u.memberships)
        if (m.type == UserType::Plus) plus[detail::WorldIndex::partition_key(m.project, *u.municipality)].push_back(u.id);
    }
    notes.reserve(result.events.size());
    for (const DeadlineEvent& e : result.events) {
      Notification n;
      n.event = e.new_colour == DeadlineColour::Red ? "deadline.red" : "deadline.yellow";
      n.key = sweep_key_text(e);
      if (const auto it = plus.find(detail::WorldIndex::partition_key(e.project, e.municipality)); it != plus.end())
        n.recipients = it->second;
      const detail::TaskRef* ref =
          w.find_ref(e.local_task.value() != 0 ? e.local_task.value() | detail::local_bit : e.task.value());
      const detail::Partition& part = w.partitions[ref->partition];
      for (std::uint32_t who : {part.responsible[ref->row], part.performer[ref->row]})
        if (who != detail::no_user) n.recipients.emplace_back(who);
      std::sort(n.recipients.begin(), n.recipients.end());
      n.recipients.erase(std::unique(n.recipients.begin(), n.recipients.end()), n.recipients.end());
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
  if (!changes.empty() || !local_changes.empty() || !notes.empty()) store.record_sweep(changes, notes, local_changes);
  return out;
}

}  // namespace klik
