#pragma once
// Private to the workflows (workflows.cpp, workflows_municipal.cpp, publishing.cpp): how they read
// the actor and the object of a call, and build a notification.

#include <string>
#include <vector>

#include "detail/json_io.hpp"
#include "klik/deadline.hpp"
#include "klik/notification.hpp"
#include "klik/rights.hpp"
#include "klik/routing.hpp"
#include "klik/store.hpp"

namespace klik::detail {

/// How a workflow call is journaled: by its actor, under the call's name, at the clock's time.
inline Attribution attributed(UserId actor, const char* operation, const Clock& clock) {
  return {.actor = actor, .operation = operation, .at = clock.now()};
}

/// The current copy of the actor; NotFoundError when they no longer exist.
inline User actor_of(const World& w, UserId id) {
  const User* u = w.user(id);
  if (!u) throw not_found(ObjectKind::User);
  return *u;
}

/// Facts of a KLIK task, or the one task not-found error (the same as decide()'s
/// for a task the actor may not see, so nothing tells the two apart).
inline TaskFacts facts_of(const World& w, TaskId id) {
  const auto task = w.task(id);
  const auto project = w.project_of(id);
  if (!task || !project) throw not_found(ObjectKind::Task);
  return task_facts(*task, *project);
}

/// A user the actor administers; another municipality's user is "not found".
inline const User* target_of(const World& w, const User& actor, UserId id) {
  const User* target = w.user(id);
  if (!target || (actor.side == Side::Municipality && target->municipality != actor.municipality))
    throw not_found(ObjectKind::User);
  return target;
}

inline std::vector<User> all_users(const World& w) {
  std::vector<User> users;
  for (const User* u : w.users()) users.push_back(*u);
  return users;
}

inline Notification notification(const std::string& event, const User& sender, std::string link, json payload,
                                 Timestamp now) {
  Notification n;
  n.event = event;
  n.sender = sender.side == Side::Kombit ? "KOMBIT KLIK (" + sender.full_name + ")"
                                         : sender.full_name + " <" + sender.email + ">";
  n.link = std::move(link);
  n.payload = payload.dump();
  n.created = now;
  n.next_attempt = now;
  return n;
}

/// Addresses `n` to the recipients the routing resolved.
inline void address(Notification& n, Recipients to) {
  n.recipients = std::move(to.users);
  n.mailbox = std::move(to.mailbox);
}

inline std::string task_link(TaskId t) { return "/tasks/" + std::to_string(t.value()); }

/// Refuses an id the caller gave for an object klik creates: the store assigns it
/// under its write lock (so a caller learns nothing about which ids exist).
template <class Id>
void require_no_id(Id id, const char* kind) {
  if (id.value() != 0)
    throw InvalidArgumentError(
        std::string("a new ") + kind + "'s id is assigned by klik: pass 0, not " + std::to_string(id.value()), "id");
}

}  // namespace klik::detail
