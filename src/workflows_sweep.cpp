// sweep_to_outbox (workflows_sweep.hpp): the deadline sweep over a store's indexes, its
// events routed to recipients (the manual's Tabel 3 and Tabel 4) and recorded in the outbox.
#include <algorithm>
#include <array>
#include <map>
#include <thread>

#include "detail/colour_lut.hpp"
#include "detail/json_io.hpp"
#include "detail/world_index.hpp"
#include "klik/notification.hpp"
#include "klik/rights.hpp"
#include "klik/routing.hpp"
#include "klik/store.hpp"
#include "klik/sweep.hpp"
#include "klik/workflows_sweep.hpp"

namespace klik {
namespace {

// Level of a colour for "rose" (sweep.hpp): green, grey, done and never swept 0;
// yellow 1; red 2. Indexed by the `notified` column's code (colour + 1, 0 none)
// and by a colour + 1.
constexpr std::array<std::uint8_t, 8> kStoredLevel{0, 0, 1, 2, 0, 0, 0, 0};

struct SweepPart {
  std::vector<DeadlineEvent> events;
  std::vector<NotifiedChange> changes;
};

// The sweep of partitions [first, last): the columnar sweep's rule (sweep.cpp)
// over the partitions' columns, the stored colour read from their `notified` column.
void sweep_partitions(const detail::WorldIndex& w, std::size_t first, std::size_t last, Date day, SweepPart& out) {
  const std::int32_t t = day.serial();
  for (std::size_t pi = first; pi < last; ++pi) {
    const detail::Partition& part = w.partitions[pi];
    const std::size_t n = part.size();
    const TaskStatus* status = part.status.data();
    const DeadlineDates* dates = part.dates.data();
    const std::uint8_t* stored = part.notified.data();
    if (pi + 1 < last) {  // the next partition's columns are separate allocations: start them early
      const detail::Partition& next = w.partitions[pi + 1];
      const char* d = reinterpret_cast<const char*>(next.dates.data());
      for (std::size_t b = 0; b < 4 * 64 && b < next.dates.size() * sizeof(DeadlineDates); b += 64)
        __builtin_prefetch(d + b);
      __builtin_prefetch(next.status.data());
      __builtin_prefetch(next.notified.data());
    }
    for (std::size_t r = 0; r < n; ++r) {
      const DeadlineColour now = detail::fast_colour(status[r], dates[r], t);
      const unsigned code = static_cast<unsigned>(now) + 1;
      const std::uint8_t before = stored[r];
      if (code == before) [[likely]]
        continue;
      const bool is_local = part.is_local(r);
      const TaskId task(is_local ? w.parent_of(part, r) : part.key[r]);
      const LocalTaskId local(is_local ? part.key[r] & ~detail::local_bit : 0u);
      const NotifiedColour stored_colour =
          before == 0 ? NotifiedColour{} : NotifiedColour(static_cast<DeadlineColour>(before - 1));
      if (kStoredLevel[code & 7u] > kStoredLevel[before & 7u]) {
        const Date reached = *colour_reached_on(status[r], dates[r], now);
        out.events.push_back(
            DeadlineEvent{task, part.municipality, part.project, part.priority[r], stored_colour, now, day, reached,
                          is_local ? sweep_key(local, now, reached) : sweep_key(task, now, reached), local});
      }
      out.changes.push_back(NotifiedChange{task, local, stored_colour, now});
    }
  }
}

}  // namespace

StoreSweep sweep_store(const Snapshot& snapshot, Date day, unsigned threads) {
  const detail::WorldIndex& w = snapshot->index();
  StoreSweep out;
  out.tasks = w.task_rows + w.local_rows;
  const std::size_t parts = w.partitions.size();
  if (threads <= 1 || parts < 2) {
    SweepPart all;
    sweep_partitions(w, 0, parts, day, all);
    out.events = std::move(all.events);
    out.changes = std::move(all.changes);
    return out;
  }
  // Contiguous runs of partitions with about equal rows, one per thread, joined
  // in order (so the result is the single-threaded one). Only reads: the
  // snapshot this thread holds keeps the index still until every worker is joined.
  const std::size_t k = std::min<std::size_t>(threads, parts);
  std::vector<std::size_t> bound{0};
  const std::size_t rows = out.tasks;
  std::size_t seen = 0;
  for (std::size_t pi = 0; pi < parts && bound.size() < k; ++pi) {
    seen += w.partitions[pi].size();
    if (seen * k >= rows * bound.size()) bound.push_back(pi + 1);
  }
  bound.push_back(parts);
  std::vector<SweepPart> pieces(bound.size() - 1);
  {
    std::vector<std::jthread> workers;
    for (std::size_t i = 1; i < pieces.size(); ++i)
      workers.emplace_back([&, i] { sweep_partitions(w, bound[i], bound[i + 1], day, pieces[i]); });
    sweep_partitions(w, bound[0], bound[1], day, pieces[0]);
  }  // joined
  std::size_t ne = 0, nc = 0;
  for (const SweepPart& p : pieces) ne += p.events.size(), nc += p.changes.size();
  out.events.reserve(ne);
  out.changes.reserve(nc);
  for (SweepPart& p : pieces) {
    out.events.insert(out.events.end(), p.events.begin(), p.events.end());
    out.changes.insert(out.changes.end(), p.changes.begin(), p.changes.end());
  }
  return out;
}

StoreSweep sweep_store(const Store& store, Date day, unsigned threads) {
  const Snapshot snap = store.snapshot();
  return sweep_store(snap, day, threads);
}

std::size_t SweepTransitions::changes() const noexcept {
  std::size_t n = 0;
  for (const auto& from : rows)
    for (std::size_t c : from) n += c;
  return n;
}

std::size_t SweepTransitions::rises() const noexcept {
  std::size_t n = 0;
  for (std::size_t s = 0; s < rows.size(); ++s)
    for (std::size_t c = 0; c < rows[s].size(); ++c)
      if (kStoredLevel[c + 1] > kStoredLevel[s == never_swept ? 0 : s + 1]) n += rows[s][c];
  return n;
}

SweepTransitions sweep_transitions(const Snapshot& snapshot, Date day) {
  const detail::WorldIndex& w = snapshot->index();
  SweepTransitions out;
  // The row of the table for a `notified` code (0 never swept, colour + 1).
  auto stored_row = [](unsigned code) { return code == 0 ? SweepTransitions::never_swept : code - 1; };
  if (const auto table = w.sweep_counts.colours_on(day.serial())) {
    for (unsigned code = 0; code < table->size(); ++code) {
      auto& row = out.rows[stored_row(code)];
      row = (*table)[code];
      if (code != 0) row[code - 1] = 0;  // the same colour: no change
    }
    return out;
  }
  // A day outside the counts' window with deadlines beyond it: read the rows.
  const std::int32_t t = day.serial();
  for (const detail::Partition& part : w.partitions)
    for (std::size_t r = 0; r < part.size(); ++r) {
      const unsigned code = static_cast<unsigned>(detail::fast_colour(part.status[r], part.dates[r], t)) + 1;
      if (code != part.notified[r]) ++out.rows[stored_row(part.notified[r])][code - 1];
    }
  return out;
}

SweepTransitions sweep_transitions(const Store& store, Date day) {
  const Snapshot snap = store.snapshot();
  return sweep_transitions(snap, day);
}

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
    const StoreSweep result = sweep_store(snap, day);
    out.tasks = result.tasks;
    out.events = result.events.size();
    for (const NotifiedChange& c : result.changes)
      if (c.local_task.value() != 0)
        local_changes.emplace_back(c.local_task, c.colour);
      else
        changes.emplace_back(c.task, c.colour);
    out.colour_changes = result.changes.size();

    // Recipients (the manual's Tabel 3 and Tabel 4 by default: the project's Plusbrugere in the municipality, the
    // responsible and the performer) through the one resolver, which indexes the users
    // by (project, municipality) once for the whole sweep.
    RecipientResolver route(routing, rights, snap.world());
    auto person = [](std::uint32_t who) { return who == detail::no_user ? std::nullopt : std::optional(UserId(who)); };
    notes.reserve(result.events.size());
    // A digest user's changes, and an FNV-1a fingerprint of their keys (the digest's own key).
    struct Digest {
      std::vector<detail::json> items;
      std::uint64_t fingerprint = 14695981039346656037ull;
    };
    std::map<std::uint32_t, Digest> digests;
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
      n.created = now;
      n.next_attempt = now;
      // Users who chose the daily digest get this change in their one mail of the sweep.
      std::erase_if(n.recipients, [&](UserId u) {
        const User* user = snap->user(u);
        if (!user || !user->daily_digest) return false;
        detail::json item = p;
        item.erase("date");
        Digest& digest = digests[u.value()];
        digest.items.push_back(std::move(item));
        for (const char ch : n.key + '\n')
          digest.fingerprint = (digest.fingerprint ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
        return true;
      });
      n.payload = p.dump();
      notes.push_back(std::move(n));
    }
    // One "deadline.digest" entry per digest user, keyed by the user, the day and the
    // changes it holds (a second sweep of the day with new changes is another mail).
    for (auto& [user, digest] : digests) {
      Notification n;
      n.event = "deadline.digest";
      n.key =
          "digest/" + std::to_string(user) + "/" + day.iso() + "/" + std::to_string(digest.fingerprint % 1'000'000'007);
      n.recipients = {UserId(user)};
      n.sender = "KOMBIT KLIK";
      n.link = "/tasks";
      detail::json p;
      p["date"] = day.iso();
      p["items"] = std::move(digest.items);
      n.payload = p.dump();
      n.created = now;
      n.next_attempt = now;
      notes.push_back(std::move(n));
    }
    out.digests = digests.size();
  }
  if (!changes.empty() || !local_changes.empty() || !notes.empty())
    store.record_sweep(changes, notes, local_changes, {.operation = "sweep", .at = now});
  return out;
}

}  // namespace klik
