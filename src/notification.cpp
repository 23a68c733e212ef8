#include "klik/notification.hpp"

#include <exception>

#include "detail/json_io.hpp"

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
  if (n.dead_letter) {
    j["dead_letter"] = true;
    j["last_error"] = n.last_error;
  }
  return j.dump();
}

OutboxCounts count_outbox(std::span<const Notification> entries, Timestamp now) noexcept {
  OutboxCounts c;
  for (const Notification& n : entries) {
    if (n.dead_letter) {
      ++c.dead;
    } else if (n.delivered) {
      ++c.delivered;
    } else {
      ++c.pending;
      if (n.next_attempt <= now) ++c.due;
    }
  }
  return c;
}

}  // namespace klik
