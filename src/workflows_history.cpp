// Histories from the audit journal, shown as the rights model allows
// (workflows.hpp, task_history and user_history; docs/journal.md).
#include <algorithm>

#include "detail/workflow_support.hpp"
#include "klik/workflows.hpp"

namespace klik {

namespace {

using detail::actor_of;
using detail::facts_of;

void check_limit(std::size_t limit) {
  KLIK_REQUIRE(limit >= 1 && limit <= 1000, "a history's limit is 1..1000, not " + std::to_string(limit));
}

/// The entries of `kinds` touching object `id`, newest first, each cut down to
/// those objects; at most `limit`.
std::vector<JournalEntry> history_of(const Store& store, std::uint64_t id, std::span<const JournalObject> kinds,
                                     std::size_t limit) {
  std::vector<JournalEntry> all;
  for (const JournalObject kind : kinds) {
    JournalQuery q;
    q.kind = kind;
    q.id = id;
    q.limit = limit;
    for (JournalEntry& e : store.journal(q)) all.push_back(std::move(e));
  }
  // One write may touch several of the kinds (never today, but it costs nothing to be right).
  std::sort(all.begin(), all.end(),
            [](const JournalEntry& a, const JournalEntry& b) { return a.sequence > b.sequence; });
  all.erase(std::unique(all.begin(), all.end(),
                        [](const JournalEntry& a, const JournalEntry& b) { return a.sequence == b.sequence; }),
            all.end());
  if (all.size() > limit) all.resize(limit);
  for (JournalEntry& e : all)
    std::erase_if(e.objects, [&](const ObjectDelta& d) {
      return d.id != id || std::find(kinds.begin(), kinds.end(), d.kind) == kinds.end();
    });
  return all;
}

}  // namespace

std::vector<JournalEntry> Workflows::task_history(UserId actor_id, TaskId task, std::size_t limit) const {
  check_limit(limit);
  bool notes = false;
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const TaskFacts facts = facts_of(snap.world(), task);
    require(rights_.decide(actor, Action::ViewTask, facts, snap->projects()));
    notes = rights_.allows(actor, Action::ViewInternalNotes, facts);
  }
  std::vector<JournalObject> kinds = {JournalObject::Task};
  if (notes) kinds.push_back(JournalObject::Notes);
  return history_of(store_, task.value(), kinds, limit);
}

std::vector<JournalEntry> Workflows::user_history(UserId actor_id, UserId user, std::size_t limit) const {
  check_limit(limit);
  {
    const Snapshot snap = store_.snapshot();
    const User actor = actor_of(snap.world(), actor_id);
    const User* target = snap->user(user);
    if (!target) throw not_found(ObjectKind::User);
    require(rights_.decide(actor, Action::ViewUser, Target::of(*target), snap->projects()));
  }
  const JournalObject kinds[] = {JournalObject::User, JournalObject::Account};
  return history_of(store_, user.value(), kinds, limit);
}

}  // namespace klik
