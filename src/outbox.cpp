#include "klik/outbox.hpp"

#include <algorithm>
#include <exception>

#include "detail/json_io.hpp"
#include "klik/notifier.hpp"
#include "klik/store.hpp"

namespace klik {

std::string to_json(const Notification& n) {
  detail::json j;
  j["id"] = n.id;
  j["event"] = n.event;
  if (!n.key.empty()) j["key"] = n.key;
  auto& r = j["recipients"] = detail::json::array();
  for (UserId u : n.recipients) r.push_back(u.value());
  if (!n.mailbox.empty()) j["mailbox"] = n.mailbox;
  j["sender"] = n.sender;
  j["link"] = n.link;
  detail::json payload = detail::json::object();
  if (!n.payload.empty()) {
    try {
      payload = detail::parse_text(n.payload, {.max_bytes = n.payload.size(), .max_depth = detail::max_json_depth});
    } catch (const std::exception&) {
      payload = n.payload;  // not JSON: kept as text
    }
  }
  j["payload"] = std::move(payload);
  j["created"] = n.created.iso();
  if (n.attempts) j["attempts"] = n.attempts;
  return j.dump();
}

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
      // A notifier failure never undoes the change: the entry waits for a retry.
      const auto next = Timestamp(now.unix_seconds() + backoff(n.attempts + 1).count());
      store_->reschedule(n.id, next, e.what());
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

}  // namespace klik
