#pragma once
/// @file outbox.hpp
/// @brief Notifications as data (SPEC §5), the outbox they wait in, and the
/// dispatcher that hands them to a Notifier.
///
/// A mutation that causes a notification passes it to the store together with
/// the change (every Store mutation takes an `Outgoing` list); the store records
/// both in one transaction, so a crash loses neither. A Dispatcher later reads
/// the due entries (Store::pending_notifications), hands each to a Notifier,
/// and marks it delivered; a failure is rescheduled with exponential backoff.
/// Delivery is at-least-once: a crash between delivery and marking delivers
/// that notification again after restart, but no committed notification is
/// ever lost. Consumers de-duplicate on Notification::key (docs/store.md).
///
/// Thread-safety: Notification is a plain value; a Dispatcher is used from one
/// thread at a time (several dispatchers on one store may deliver twice).

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "klik/date.hpp"
#include "klik/ids.hpp"

namespace klik {

class Store;
class Notifier;

/// One notification: who gets it, why, from whom, and what it links to.
struct Notification {
  std::uint64_t id = 0;      ///< assigned by the store when recorded (0 before)
  std::string event;         ///< e.g. "deadline.red", "message.kombit_task", "user.created"
  std::string key;           ///< idempotency key for consumers (e.g. sweep_key_text); may be empty
  std::vector<UserId> recipients;  ///< users to notify
  std::string mailbox;       ///< a functional mailbox to notify (e.g. the project's contact mail); may be empty
  std::string sender;        ///< who the notification is from (user email or "KOMBIT KLIK")
  std::string link;          ///< the object it links to, e.g. "/tasks/123"
  std::string payload;       ///< event details as a JSON object text ("{}" when none)
  Timestamp created;
  std::uint32_t attempts = 0;  ///< failed delivery attempts so far
  Timestamp next_attempt;      ///< not delivered before this instant
  bool delivered = false;
  std::string last_error;      ///< the last delivery failure, if any
  friend bool operator==(const Notification&, const Notification&) = default;
};

/// Notifications recorded atomically with a mutation.
using Outgoing = std::span<const Notification>;

/// The notification as one compact JSON object (what JsonLinesNotifier writes).
std::string to_json(const Notification& n);

/// What sweep_to_outbox did.
struct OutboxSweep {
  std::size_t tasks = 0;          ///< tasks judged
  std::size_t events = 0;         ///< rises to yellow or red (one notification each)
  std::size_t colour_changes = 0; ///< last-notified colours written
};

/// The daily deadline sweep (sweep.hpp) over a store: judges every KLIK task on
/// `day`, turns each rise into a notification ("deadline.yellow" /
/// "deadline.red", key sweep_key_text) for the project's Plusbrugere in the
/// task's municipality plus its responsible and performer (SPEC §5), and records
/// the new last-notified colours together with those notifications in one
/// transaction (Store::record_sweep). Rerunning on the same day adds nothing.
/// Mutations between the judging snapshot and the recording are judged by the next run.
OutboxSweep sweep_to_outbox(Store& store, Date day, Timestamp now);

/// Hands due outbox entries to a notifier; see the file comment.
class Dispatcher {
 public:
  struct Options {
    std::size_t batch = 500;                 ///< entries per run_once
    std::chrono::seconds first_retry{30};    ///< delay after the first failure
    std::chrono::seconds max_retry{3600};    ///< backoff cap
  };
  /// Called for every failed delivery (the change that caused it stays committed).
  using ErrorHandler = std::function<void(const Notification&, const std::string& error)>;

  Dispatcher(Store& store, Notifier& notifier, Options options, ErrorHandler on_error = {});
  Dispatcher(Store& store, Notifier& notifier) : Dispatcher(store, notifier, Options{}) {}

  /// Delivers every entry due at `now` (up to Options::batch), then marks the
  /// delivered ones in one transaction; returns how many were delivered. Failures are rescheduled at now + first_retry * 2^(attempts-1),
  /// capped at max_retry, and reported to the error handler.
  std::size_t run_once(Timestamp now);
  /// Runs until nothing is due at `now`; returns the number delivered.
  std::size_t drain(Timestamp now);

  /// The retry delay after `attempts` failures (attempts >= 1).
  [[nodiscard]] std::chrono::seconds backoff(std::uint32_t attempts) const noexcept;

 private:
  Store* store_;
  Notifier* notifier_;
  Options options_;
  ErrorHandler on_error_;
};

}  // namespace klik
