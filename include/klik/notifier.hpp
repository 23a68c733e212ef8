#pragma once
/// @file notifier.hpp
/// @brief Where delivered notifications go: a narrow sink interface (in the
/// style of a logging sink) and two sinks, in memory and a JSON-lines file.
///
/// A Notifier only delivers; it never touches the store. Deliver throws on
/// failure and the Dispatcher (outbox.hpp) reschedules: a notifier failure
/// never undoes a committed change. Implementations override the protected
/// do_* hooks; the public functions are the fixed entry points.
///
/// Thread-safety: the public functions of the notifiers here may be called
/// from several threads (each holds its own mutex).

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "klik/outbox.hpp"

namespace klik {

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

}  // namespace klik
