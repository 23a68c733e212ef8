#include "klik/notifier.hpp"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>

#include "klik/deadline.hpp"
#include "klik/error.hpp"
#include "klik/store.hpp"

namespace klik {

std::vector<Notification> MemoryNotifier::delivered() const {
  std::lock_guard lock(mutex_);
  return delivered_;
}

void MemoryNotifier::fail_next(std::size_t n) {
  std::lock_guard lock(mutex_);
  fail_ = n;
}

void MemoryNotifier::do_deliver(const Notification& n) {
  std::lock_guard lock(mutex_);
  if (fail_ > 0) {
    --fail_;
    throw StorageError("memory notifier: simulated delivery failure");
  }
  delivered_.push_back(n);
}

JsonLinesNotifier::JsonLinesNotifier(std::string path) : path_(std::move(path)) {
  file_ = std::fopen(path_.c_str(), "ab");
  if (!file_) throw StorageError("cannot open notification file " + path_ + ": " + std::strerror(errno));
}

JsonLinesNotifier::~JsonLinesNotifier() {
  if (file_) std::fclose(file_);
}

void JsonLinesNotifier::do_deliver(const Notification& n) {
  const std::string line = to_json(n) + "\n";
  std::lock_guard lock(mutex_);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    throw StorageError("cannot write to notification file " + path_ + ": " + std::strerror(errno));
}

void JsonLinesNotifier::do_flush() {
  std::lock_guard lock(mutex_);
  std::fflush(file_);
}

// ---- Dispatcher ----

Dispatcher::Dispatcher(Store& store, Notifier& notifier, Options options, ErrorHandler on_error)
    : store_(&store), notifier_(&notifier), options_(options), on_error_(std::move(on_error)) {}

std::chrono::seconds Dispatcher::backoff(std::uint32_t attempts) const noexcept {
  std::chrono::seconds d = options_.first_retry;
  for (std::uint32_t i = 1; i < attempts && d < options_.max_retry; ++i) d *= 2;
  return std::min(d, options_.max_retry);
}

std::size_t Dispatcher::run_once(Timestamp now) {
  std::vector<std::uint64_t> delivered;
  for (const Notification& n : store_->pending_notifications(now, options_.batch)) {
    try {
      notifier_->deliver(n);
    } catch (const std::exception& e) {
      // A notifier failure never undoes the change: the entry waits for a retry,
      // or, after max_attempts failures or one that retrying cannot mend, stays in
      // the outbox as a dead letter.
      const auto* delivery = dynamic_cast<const DeliveryError*>(&e);
      if ((delivery && delivery->permanent()) ||
          (options_.max_attempts != 0 && n.attempts + 1 >= options_.max_attempts)) {
        store_->give_up(n.id, e.what());
      } else {
        const auto next = Timestamp(now.unix_seconds() + backoff(n.attempts + 1).count());
        store_->reschedule(n.id, next, e.what());
      }
      if (on_error_) on_error_(n, e.what());
      continue;
    }
    delivered.push_back(n.id);
  }
  if (delivered.empty()) return 0;
  notifier_->flush();
  // A crash before this commit delivers the batch again after restart (at-least-once).
  store_->mark_delivered(delivered);
  return delivered.size();
}

std::size_t Dispatcher::drain(Timestamp now) {
  std::size_t total = 0;
  while (true) {
    const std::size_t before = store_->pending_notifications(now, 1).size();
    if (before == 0) break;
    const std::size_t n = run_once(now);
    total += n;
    if (n == 0) break;  // everything due failed: retry later
  }
  return total;
}

std::size_t Dispatcher::run(std::stop_token stop, std::chrono::milliseconds interval, const Clock& clock) {
  std::size_t total = 0;
  std::mutex m;
  std::condition_variable_any wake;
  while (!stop.stop_requested()) {
    const std::size_t n = run_once(clock.now());
    total += n;
    if (n == options_.batch) continue;  // more may be due at once
    std::unique_lock lock(m);
    wake.wait_for(lock, stop, interval, [] { return false; });
  }
  return total;
}

}  // namespace klik
