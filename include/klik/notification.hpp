#pragma once
/// @file notification.hpp
/// @brief A notification as data (the manual's Tabel 3 and Tabel 4): who gets it, why, from whom, what it
/// links to, and its delivery state in the outbox.
///
/// A mutation that causes a notification passes it to the store together with
/// the change (every Store mutation takes an `Outgoing` list); the store records
/// both in one transaction, so a crash loses neither. The Dispatcher
/// (notifier.hpp) later hands the due ones to a Notifier. Delivery is
/// at-least-once; consumers de-duplicate on Notification::key (docs/store.md).
///
/// Thread-safety: plain values.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "klik/date.hpp"
#include "klik/ids.hpp"

namespace klik {

/// One notification: who gets it, why, from whom, and what it links to.
struct Notification {
  std::uint64_t id = 0;  ///< assigned by the store when recorded (0 before)
  std::string event;  ///< e.g. "deadline.red", "message.kombit_task", "user.created"
  std::string key;  ///< idempotency key for consumers (e.g. sweep_key_text); may be empty
  std::vector<UserId> recipients;  ///< users to notify
  std::string mailbox;  ///< a functional mailbox to notify (e.g. the project's contact mail); may be empty
  std::string sender;  ///< who the notification is from (user email or "KOMBIT KLIK")
  std::string link;  ///< the object it links to, e.g. "/tasks/123"
  std::string payload;  ///< event details as a JSON object text ("{}" when none)
  Timestamp created;
  std::uint32_t attempts = 0;  ///< failed delivery attempts so far
  Timestamp next_attempt;  ///< not delivered before this instant
  bool delivered = false;
  std::string last_error;  ///< the last delivery failure, if any
  /// Given up: the dispatcher stopped trying after Dispatcher::Options::max_attempts
  /// failures (last_error says why). Never pending; an operator's requeue brings it back.
  bool dead_letter = false;
  friend bool operator==(const Notification&, const Notification&) = default;
};

/// How many outbox entries are in each state (Store::outbox_counts): what a
/// metrics endpoint reports. A dead letter is counted as dead whether or not it
/// was delivered before it was given up (it never is: the dispatcher gives up
/// only on undelivered entries).
struct OutboxCounts {
  std::uint64_t pending = 0;  ///< undelivered and not dead letters
  std::uint64_t due = 0;  ///< of the pending, those with next_attempt <= now
  std::uint64_t dead = 0;  ///< dead letters
  std::uint64_t delivered = 0;  ///< delivered (and not dead letters)
  friend bool operator==(const OutboxCounts&, const OutboxCounts&) = default;
};

/// The counts of `entries` at `now` (what a backend without a faster way answers).
OutboxCounts count_outbox(std::span<const Notification> entries, Timestamp now) noexcept;

/// Notifications recorded atomically with a mutation.
using Outgoing = std::span<const Notification>;

/// The notification as one compact JSON object (what JsonLinesNotifier writes);
/// a dead letter also carries `"dead_letter": true` and its `last_error`.
std::string to_json(const Notification& n);

}  // namespace klik
