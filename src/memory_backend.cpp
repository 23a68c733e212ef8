// The memory backend (make_memory_store, store.hpp): nothing durable. It keeps
// what a Store does not hold in its indexes -- the outbox, the journal and
// attachment content -- and counts the change sequence. One process, one store.
#include <algorithm>
#include <map>
#include <mutex>

#include "klik/backend.hpp"
#include "klik/rights.hpp"
#include "klik/store.hpp"

namespace klik {

namespace {

class MemoryBackend final : public Backend {
 public:
  StoredWorld load() override {
    const std::lock_guard lock(mutex_);
    StoredWorld w;
    w.sequence = sequence_;  // a fresh store: empty
    w.validated = true;  // an empty dataset
    return w;
  }

  std::uint64_t commit(const Change& change, Outgoing notify, const JournalEntry& journal,
                       std::uint64_t after) override {
    const std::lock_guard lock(mutex_);
    if (after != sequence_) throw StaleError("the memory store is at change " + std::to_string(sequence_));
    if (const auto* a = std::get_if<AttachmentAdded>(&change)) content_[a->attachment.id] = a->attachment.content;
    if (const auto* r = std::get_if<AttachmentRemoved>(&change)) content_.erase(r->attachment);
    record(notify);
    journal_.append(journal);
    return ++sequence_;
  }

  std::uint64_t replace(const Dataset& data, const JournalEntry& journal, std::uint64_t after) override {
    const std::lock_guard lock(mutex_);
    if (after != sequence_) throw StaleError("the memory store is at change " + std::to_string(sequence_));
    std::map<AttachmentId, std::string> content;
    for (const Attachment& a : data.attachments) content.emplace(a.id, a.content);
    content_ = std::move(content);
    journal_.append(journal);
    return ++sequence_;
  }

  std::optional<std::vector<SequencedChange>> changes_since(std::uint64_t after) const override {
    const std::lock_guard lock(mutex_);
    if (after == sequence_) return std::vector<SequencedChange>{};
    return std::nullopt;  // one store per memory backend: it has seen everything
  }

  void read_attachment(AttachmentId id, const std::function<void(std::string_view)>& sink) const override {
    std::string content;
    {
      const std::lock_guard lock(mutex_);
      const auto it = content_.find(id);
      if (it == content_.end()) throw not_found(ObjectKind::Attachment);
      content = it->second;
    }
    constexpr std::size_t chunk = 64 * 1024;
    for (std::size_t at = 0; at < content.size(); at += chunk) sink(std::string_view(content).substr(at, chunk));
  }

  std::vector<JournalEntry> journal(const JournalQuery& query) const override { return journal_.read(query); }
  std::size_t prune_journal(Timestamp before) override { return journal_.prune(before); }

  std::vector<Notification> pending_notifications(Timestamp now, std::size_t limit) const override {
    const std::lock_guard lock(mutex_);
    std::vector<Notification> out;
    for (const Notification& n : outbox_) {
      if (out.size() >= limit) break;
      if (!n.delivered && !n.dead_letter && n.next_attempt <= now) out.push_back(n);
    }
    return out;
  }

  std::vector<Notification> outbox() const override {
    const std::lock_guard lock(mutex_);
    return outbox_;
  }

  void mark_delivered(std::span<const std::uint64_t> ids) override {
    const std::lock_guard lock(mutex_);
    for (const std::uint64_t id : ids) (void)entry(id);  // all or nothing
    for (const std::uint64_t id : ids) entry(id).delivered = true;
  }

  void reschedule(std::uint64_t id, Timestamp next_attempt, const std::string& error) override {
    const std::lock_guard lock(mutex_);
    Notification& n = entry(id);
    ++n.attempts;
    n.next_attempt = next_attempt;
    n.last_error = error;
  }

  void give_up(std::uint64_t id, const std::string& error) override {
    const std::lock_guard lock(mutex_);
    Notification& n = entry(id);
    ++n.attempts;
    n.last_error = error;
    n.dead_letter = true;
  }

  void requeue(std::span<const std::uint64_t> ids, Timestamp next_attempt) override {
    const std::lock_guard lock(mutex_);
    for (const std::uint64_t id : ids) require_dead(entry(id));  // all or nothing
    for (const std::uint64_t id : ids) {
      Notification& n = entry(id);
      n.dead_letter = false;
      n.attempts = 0;
      n.next_attempt = next_attempt;
    }
  }

  std::vector<Notification> dead_letters(std::size_t limit) const override {
    const std::lock_guard lock(mutex_);
    std::vector<Notification> out;
    for (const Notification& n : outbox_) {
      if (out.size() >= limit) break;
      if (n.dead_letter) out.push_back(n);
    }
    return out;
  }

  OutboxCounts outbox_counts(Timestamp now) const override {
    const std::lock_guard lock(mutex_);
    return count_outbox(outbox_, now);  // without the copy the default makes
  }

 private:
  void record(Outgoing notify) {
    for (const Notification& n : notify) {
      outbox_.push_back(n);
      outbox_.back().id = next_id_++;
      outbox_.back().delivered = false;
      outbox_.back().dead_letter = false;
    }
  }

  static void require_dead(const Notification& n) {
    if (!n.dead_letter) throw FailedPreconditionError("notification " + std::to_string(n.id) + " is not a dead letter");
  }

  Notification& entry(std::uint64_t id) {
    const auto it = std::lower_bound(outbox_.begin(), outbox_.end(), id,
                                     [](const Notification& n, std::uint64_t v) { return n.id < v; });
    if (it == outbox_.end() || it->id != id) throw not_found(ObjectKind::Notification);
    return *it;
  }

  mutable std::mutex mutex_;
  std::uint64_t sequence_ = 0;
  std::map<AttachmentId, std::string> content_;
  std::vector<Notification> outbox_;  // by id
  MemoryJournal journal_;
  std::uint64_t next_id_ = 1;
};

}  // namespace

std::unique_ptr<Backend> make_memory_backend() { return std::make_unique<MemoryBackend>(); }

std::unique_ptr<Store> make_memory_store(const Dataset& data, Calendars calendars) {
  auto store = std::make_unique<Store>(make_memory_backend(), std::move(calendars));
  if (!data.municipalities.empty() || !data.tasks.empty()) store->import_dataset(data);
  return store;
}

}  // namespace klik
