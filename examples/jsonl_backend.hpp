#pragma once
// A klik storage backend written against klik's installed headers only: the
// store's changes appended to a JSON-lines file (one JSON object per line), the
// way an event-sourced system keeps them. It shows what a Backend must do
// (klik/backend.hpp) and passes klik's store conformance suite
// (tests/store_contract_test.cpp); examples/jsonl_backend.cpp uses it.
//
// The file, line by line:
//   {"seq":1,"reload":{...dataset...},"journal":{...}}  an import: everything, attachments with content
//   {"prune_journal":1700000000}                     the journal pruned before that instant
//   {"seq":2,"change":{...},"notify":[...],"journal":{...},"content":{...}}   one commit
//   {"delivered":[3,4]}                              outbox entries delivered
//   {"reschedule":{"id":5,"next":1700000000,"error":"..."}}
//   {"give_up":{"id":5,"error":"..."}}                  an entry made a dead letter
//   {"requeue":{"ids":[5],"next":1700000000}}           dead letters pending again
// Loading replays the file: the last reload is the base, the changes after it
// are handed to the store to apply (StoredWorld::replay). A last line cut short
// by a crash is ignored (it was never acknowledged). One process per file; a
// line is flushed to the operating system before commit returns (no fsync: a
// power loss may lose the last commits, never corrupt earlier ones).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

#include <klik/backend.hpp>
#include <klik/journal.hpp>
#include <klik/json.hpp>
#include <klik/rights.hpp>

namespace example {

class JsonlBackend final : public klik::Backend {
 public:
  using json = nlohmann::json;

  explicit JsonlBackend(std::string path) : path_(std::move(path)) {}

  klik::StoredWorld load() override {
    const std::lock_guard lock(mutex_);
    klik::StoredWorld w;
    w.data = {};
    outbox_.clear();
    content_.clear();
    journal_.clear();
    sequence_ = 0;
    std::ifstream in(path_);
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      json j;
      try {
        j = json::parse(line);
      } catch (const json::exception&) {
        if (in.peek() == std::char_traits<char>::eof()) break;  // a last line cut short by a crash
        throw klik::StorageError(path_ + ": line " + std::to_string(number) + " is not JSON");
      }
      if (j.contains("reload")) {
        w.data = klik::from_json<klik::Dataset>(j["reload"].dump());
        content_.clear();
        for (klik::Attachment& a : w.data.attachments) content_[a.id] = std::move(a.content), a.content.clear();
        w.replay.clear();
        w.sequence = sequence_ = j.at("seq").get<std::uint64_t>();
        journal_.append(klik::journal_entry_from_json(j.at("journal").dump()));
      } else if (j.contains("change")) {
        const auto seq = j.at("seq").get<std::uint64_t>();
        w.replay.push_back({seq, klik::change_from_json(j["change"].dump())});
        if (const auto* removed = std::get_if<klik::AttachmentRemoved>(&w.replay.back().change))
          content_.erase(removed->attachment);
        if (j.contains("content")) {
          const auto a = klik::from_json<klik::Attachment>(j["content"].dump());
          content_[a.id] = a.content;
        }
        record(j.value("notify", json::array()));
        journal_.append(klik::journal_entry_from_json(j.at("journal").dump()));
        sequence_ = seq;
      } else if (j.contains("prune_journal")) {
        journal_.prune(klik::Timestamp(j["prune_journal"].get<std::int64_t>()));
      } else if (j.contains("delivered")) {
        for (const auto& id : j["delivered"]) entry(id.get<std::uint64_t>()).delivered = true;
      } else if (j.contains("reschedule")) {
        const json& r = j["reschedule"];
        klik::Notification& n = entry(r.at("id").get<std::uint64_t>());
        ++n.attempts;
        n.next_attempt = klik::Timestamp(r.at("next").get<std::int64_t>());
        n.last_error = r.at("error").get<std::string>();
      } else if (j.contains("give_up")) {
        const json& r = j["give_up"];
        klik::Notification& n = entry(r.at("id").get<std::uint64_t>());
        ++n.attempts;
        n.dead_letter = true;
        n.last_error = r.at("error").get<std::string>();
      } else if (j.contains("requeue")) {
        const json& r = j["requeue"];
        for (const auto& id : r.at("ids")) requeued(entry(id.get<std::uint64_t>()), r.at("next").get<std::int64_t>());
      }
    }
    return w;  // not validated here: the store validates the base dataset
  }

  std::uint64_t commit(const klik::Change& change, klik::Outgoing notify, const klik::JournalEntry& journal,
                       std::uint64_t after) override {
    const std::lock_guard lock(mutex_);
    check(after);
    json line = {{"seq", after + 1},
                 {"change", json::parse(klik::to_json(change))},
                 {"journal", json::parse(klik::to_json(journal))}};
    json notes = json::array();
    for (const klik::Notification& n : notify) {
      json r = json::array();
      for (klik::UserId u : n.recipients) r.push_back(u.value());
      notes.push_back({{"event", n.event},
                       {"key", n.key},
                       {"recipients", r},
                       {"mailbox", n.mailbox},
                       {"sender", n.sender},
                       {"link", n.link},
                       {"payload", n.payload},
                       {"created", n.created.unix_seconds()},
                       {"next", n.next_attempt.unix_seconds()}});
    }
    line["notify"] = notes;
    const auto* added = std::get_if<klik::AttachmentAdded>(&change);
    if (added) line["content"] = json::parse(klik::to_json(added->attachment));
    append(line);
    if (added) content_[added->attachment.id] = added->attachment.content;
    if (const auto* removed = std::get_if<klik::AttachmentRemoved>(&change)) content_.erase(removed->attachment);
    record(notes);
    journal_.append(journal);
    return sequence_ = after + 1;
  }

  std::uint64_t replace(const klik::Dataset& data, const klik::JournalEntry& journal, std::uint64_t after) override {
    const std::lock_guard lock(mutex_);
    check(after);
    append({{"seq", after + 1},
            {"reload", json::parse(klik::to_json(data))},
            {"journal", json::parse(klik::to_json(journal))}});
    journal_.append(journal);
    content_.clear();
    for (const klik::Attachment& a : data.attachments) content_[a.id] = a.content;
    return sequence_ = after + 1;
  }

  std::optional<std::vector<klik::SequencedChange>> changes_since(std::uint64_t after) const override {
    const std::lock_guard lock(mutex_);
    if (after == sequence_) return std::vector<klik::SequencedChange>{};
    return std::nullopt;  // one process per file: load again
  }

  std::vector<klik::JournalEntry> journal(const klik::JournalQuery& query) const override {
    return journal_.read(query);
  }

  std::size_t prune_journal(klik::Timestamp before) override {
    const std::lock_guard lock(mutex_);
    append({{"prune_journal", before.unix_seconds()}});
    return journal_.prune(before);
  }

  void read_attachment(klik::AttachmentId id, const std::function<void(std::string_view)>& sink) const override {
    std::string content;
    {
      const std::lock_guard lock(mutex_);
      const auto it = content_.find(id);
      if (it == content_.end()) throw klik::not_found(klik::ObjectKind::Attachment);
      content = it->second;
    }
    constexpr std::size_t chunk = 64 * 1024;  // streamed: a large file never reaches the sink in one piece
    for (std::size_t at = 0; at < content.size(); at += chunk) sink(std::string_view(content).substr(at, chunk));
  }

  std::vector<klik::Notification> pending_notifications(klik::Timestamp now, std::size_t limit) const override {
    const std::lock_guard lock(mutex_);
    std::vector<klik::Notification> out;
    for (const klik::Notification& n : outbox_)
      if (out.size() < limit && !n.delivered && !n.dead_letter && n.next_attempt <= now) out.push_back(n);
    return out;
  }

  std::vector<klik::Notification> outbox() const override {
    const std::lock_guard lock(mutex_);
    return outbox_;
  }

  void mark_delivered(std::span<const std::uint64_t> ids) override {
    const std::lock_guard lock(mutex_);
    for (const std::uint64_t id : ids) (void)entry(id);  // all or none
    append({{"delivered", std::vector<std::uint64_t>(ids.begin(), ids.end())}});
    for (const std::uint64_t id : ids) entry(id).delivered = true;
  }

  void reschedule(std::uint64_t id, klik::Timestamp next_attempt, const std::string& error) override {
    const std::lock_guard lock(mutex_);
    klik::Notification& n = entry(id);
    append({{"reschedule", {{"id", id}, {"next", next_attempt.unix_seconds()}, {"error", error}}}});
    ++n.attempts;
    n.next_attempt = next_attempt;
    n.last_error = error;
  }

  // dead_letters and outbox_counts: the Backend defaults, which filter outbox().
  void give_up(std::uint64_t id, const std::string& error) override {
    const std::lock_guard lock(mutex_);
    klik::Notification& n = entry(id);
    append({{"give_up", {{"id", id}, {"error", error}}}});
    ++n.attempts;
    n.dead_letter = true;
    n.last_error = error;
  }

  void requeue(std::span<const std::uint64_t> ids, klik::Timestamp next_attempt) override {
    const std::lock_guard lock(mutex_);
    for (const std::uint64_t id : ids)  // all or none
      if (!entry(id).dead_letter)
        throw klik::FailedPreconditionError("notification " + std::to_string(id) + " is not a dead letter");
    append({{"requeue",
             {{"ids", std::vector<std::uint64_t>(ids.begin(), ids.end())}, {"next", next_attempt.unix_seconds()}}}});
    for (const std::uint64_t id : ids) requeued(entry(id), next_attempt.unix_seconds());
  }

 private:
  static void requeued(klik::Notification& n, std::int64_t next) {
    n.dead_letter = false;
    n.attempts = 0;
    n.next_attempt = klik::Timestamp(next);
  }

  void check(std::uint64_t after) const {
    if (after != sequence_) throw klik::StaleError(path_ + " is at change " + std::to_string(sequence_));
  }

  void append(const json& line) {
    std::ofstream out(path_, std::ios::app);
    out << line.dump() << '\n';
    out.flush();
    if (!out) throw klik::StorageError("cannot append to " + path_);
  }

  /// Adds notifications (as written in a line) to the outbox, numbering them.
  void record(const json& notes) {
    for (const json& j : notes) {
      klik::Notification n;
      n.id = outbox_.size() + 1;
      n.event = j.at("event").get<std::string>();
      n.key = j.at("key").get<std::string>();
      for (const auto& r : j.at("recipients")) n.recipients.emplace_back(r.get<std::uint32_t>());
      n.mailbox = j.at("mailbox").get<std::string>();
      n.sender = j.at("sender").get<std::string>();
      n.link = j.at("link").get<std::string>();
      n.payload = j.at("payload").get<std::string>();
      n.created = klik::Timestamp(j.at("created").get<std::int64_t>());
      n.next_attempt = klik::Timestamp(j.at("next").get<std::int64_t>());
      outbox_.push_back(std::move(n));
    }
  }

  klik::Notification& entry(std::uint64_t id) {
    if (id == 0 || id > outbox_.size()) throw klik::not_found(klik::ObjectKind::Notification);
    return outbox_[id - 1];
  }

  std::string path_;
  mutable std::mutex mutex_;
  klik::MemoryJournal journal_;  // rebuilt from the file's lines on load
  std::uint64_t sequence_ = 0;
  std::map<klik::AttachmentId, std::string> content_;
  std::vector<klik::Notification> outbox_;  // by id: entry i has id i + 1
};

}  // namespace example
