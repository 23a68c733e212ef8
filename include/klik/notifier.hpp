#pragma once
/// @file notifier.hpp
/// @brief Where delivered notifications go: a narrow sink interface (in the
/// style of a logging sink), two sinks (in memory, a JSON-lines file), and the
/// Dispatcher that hands the store's outbox to a sink.
///
/// A Notifier only delivers; it never touches the store. Deliver throws on
/// failure and the Dispatcher reschedules: a notifier failure never undoes a
/// committed change. Implementations override the protected do_* hooks; the
/// public functions are the fixed entry points.
///
/// The Dispatcher reads the due entries (Store::pending_notifications), hands
/// each to a Notifier, and marks it delivered; a failure is rescheduled with
/// exponential backoff, and the Options::max_attempts-th failure makes the
/// entry a dead letter (Store::give_up): kept in the outbox with its last
/// error, never dispatched again until an operator requeues it. Delivery is
/// at-least-once: a crash between delivery and marking delivers that
/// notification again after restart, but no committed notification is ever
/// lost. Consumers de-duplicate on Notification::key (docs/store.md).
///
/// Thread-safety: the public functions of the notifiers here may be called
/// from several threads (each holds its own mutex); a Dispatcher is used from
/// one thread at a time (several dispatchers on one store may deliver twice).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "klik/date.hpp"
#include "klik/error.hpp"
#include "klik/notification.hpp"

namespace klik {

class Clock;
class Store;

/// A delivery that failed, as a notifier reports it. `permanent()`: retrying
/// cannot help (an SMTP server refused the mail with a 5xx reply), and the
/// Dispatcher makes the entry a dead letter at once; otherwise (and for any
/// other exception) it retries with back-off.
class DeliveryError : public StorageError {
 public:
  DeliveryError(const std::string& message, bool permanent) : StorageError(message), permanent_(permanent) {}
  [[nodiscard]] bool permanent() const noexcept { return permanent_; }

 private:
  bool permanent_;
};

/// A notification sink.
class Notifier {
 public:
  virtual ~Notifier() = default;
  Notifier() = default;
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  /// Delivers one notification; throws on failure (the dispatcher retries).
  void deliver(const Notification& n) { do_deliver(n); }
  /// Makes delivered notifications durable where that applies.
  void flush() { do_flush(); }

 protected:
  virtual void do_deliver(const Notification& n) = 0;
  virtual void do_flush() {}
};

/// Keeps delivered notifications in memory (tests, notebooks).
class MemoryNotifier final : public Notifier {
 public:
  /// Every notification delivered so far, in delivery order.
  [[nodiscard]] std::vector<Notification> delivered() const;
  /// Makes the next `n` deliveries fail (to exercise retries).
  void fail_next(std::size_t n);

 protected:
  void do_deliver(const Notification& n) override;

 private:
  mutable std::mutex mutex_;
  std::vector<Notification> delivered_;
  std::size_t fail_ = 0;
};

/// Appends each notification as one JSON line (to_json(Notification)) to a file,
/// flushed to the OS after every line. Throws StorageError if the file cannot be opened.
class JsonLinesNotifier final : public Notifier {
 public:
  explicit JsonLinesNotifier(std::string path);
  ~JsonLinesNotifier() override;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 protected:
  void do_deliver(const Notification& n) override;
  void do_flush() override;

 private:
  std::string path_;
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
};

/// Hands due outbox entries to a notifier; see the file comment.
class Dispatcher {
 public:
  struct Options {
    std::size_t batch = 500;  ///< entries per run_once
    std::chrono::seconds first_retry{30};  ///< delay after the first failure
    std::chrono::seconds max_retry{3600};  ///< backoff cap
    /// Failed attempts after which an entry becomes a dead letter (Store::give_up); 0 = never give up.
    std::uint32_t max_attempts = 10;
  };
  /// Called for every failed delivery (the change that caused it stays committed),
  /// with the entry as it was read; when this failure gave it up, its attempts + 1
  /// equals Options::max_attempts (dead_letter is still false in the argument).
  using ErrorHandler = std::function<void(const Notification&, const std::string& error)>;

  Dispatcher(Store& store, Notifier& notifier, Options options, ErrorHandler on_error = {});
  Dispatcher(Store& store, Notifier& notifier) : Dispatcher(store, notifier, Options{}) {}

  /// Delivers every entry due at `now` (up to Options::batch), then marks the
  /// delivered ones in one transaction; returns how many were delivered. Failures are rescheduled at now + first_retry
  /// * 2^(attempts-1), capped at max_retry, or given up when they are the max_attempts-th, and reported to the
  /// error handler.
  std::size_t run_once(Timestamp now);
  /// Runs until nothing is due at `now`; returns the number delivered.
  std::size_t drain(Timestamp now);
  /// The dispatcher as a service: run_once at `clock`'s now, then again every
  /// `interval` (at once while whole batches are delivered), until `stop` is
  /// requested; returns the number delivered. Failures go to the error handler
  /// and are retried as run_once retries them; an exception from the store ends it.
  std::size_t run(std::stop_token stop, std::chrono::milliseconds interval, const Clock& clock);

  /// The retry delay after `attempts` failures (attempts >= 1).
  [[nodiscard]] std::chrono::seconds backoff(std::uint32_t attempts) const noexcept;

 private:
  Store* store_;
  Notifier* notifier_;
  Options options_;
  ErrorHandler on_error_;
};

}  // namespace klik
