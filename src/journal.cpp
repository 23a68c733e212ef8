// The audit journal's values (journal.hpp): codes, JSON, field differences,
// and the in-memory journal.
#include "klik/journal.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "detail/json_io.hpp"
#include "klik/error.hpp"
#include "klik/text.hpp"

namespace klik {

namespace {

constexpr std::array<std::string_view, 10> object_codes = {
    "task", "local_task", "user", "project", "wave", "template", "message", "attachment", "notes", "account"};

using detail::json;

json object_or_null(const std::string& text, const std::string& path) {
  if (text.empty()) return nullptr;
  json j = detail::parse_text(text, {.max_bytes = std::size_t{64} << 20});
  if (!j.is_object()) throw InvalidArgumentError("expected a JSON object", path);
  return j;
}

}  // namespace

std::string_view code(JournalObject kind) noexcept {
  const auto i = static_cast<std::size_t>(kind);
  return i < object_codes.size() ? object_codes[i] : std::string_view("unknown");
}

std::optional<JournalObject> journal_object_from_code(std::string_view text) noexcept {
  for (std::size_t i = 0; i < object_codes.size(); ++i)
    if (object_codes[i] == text) return static_cast<JournalObject>(i);
  return std::nullopt;
}

std::vector<std::string> changed_fields(const ObjectDelta& delta) {
  const json before = object_or_null(delta.before, "before");
  const json after = object_or_null(delta.after, "after");
  std::vector<std::string> out;
  auto add = [&](const std::string& key) {
    if (key != "version" && std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
  };
  if (before.is_null() || after.is_null()) {
    for (const auto& [key, value] : (before.is_null() ? after : before).items()) add(key);
    return out;
  }
  // A field missing on one side (json.hpp leaves out unset optionals) counts as changed.
  for (const auto& [key, value] : after.items()) {
    const auto it = before.find(key);
    if (it == before.end() || *it != value) add(key);
  }
  for (const auto& [key, value] : before.items())
    if (!after.contains(key)) add(key);
  return out;
}

std::string to_json(const JournalEntry& e) {
  json objects = json::array();
  for (std::size_t i = 0; i < e.objects.size(); ++i) {
    const ObjectDelta& d = e.objects[i];
    const std::string path = "/objects/" + std::to_string(i);
    objects.push_back({{"kind", std::string(code(d.kind))},
                       {"id", d.id},
                       {"before", object_or_null(d.before, path + "/before")},
                       {"after", object_or_null(d.after, path + "/after")}});
  }
  json j = {{"sequence", e.sequence},
            {"at", e.at.iso()},
            {"actor", e.actor ? json(e.actor->value()) : json(nullptr)},
            {"operation", e.operation},
            {"objects", std::move(objects)}};
  return detail::dump_text(j);
}

JournalEntry journal_entry_from_json(std::string_view text) {
  // One entry holds at most one write's objects (a template published to every
  // municipality, a project a municipality left with its tasks).
  const json j = detail::parse_text(text, {.max_bytes = std::size_t{64} << 20});
  detail::ObjectReader r(j, "");
  JournalEntry e;
  e.sequence = static_cast<std::uint64_t>(r.integer("sequence", 0, std::numeric_limits<std::int64_t>::max()));
  {
    const std::string at = r.string("at");
    try {
      e.at = Timestamp::parse(at);
    } catch (const Error& err) {
      throw InvalidArgumentError(err.what(), "/at");
    }
  }
  if (const json* a = r.find("actor"); a && !a->is_null())
    e.actor = UserId(static_cast<std::uint32_t>(detail::integer_at(*a, "/actor", 1, 0xFFFFFFFF)));
  e.operation = r.string("operation");
  const json& objects = r.require("objects");
  if (!objects.is_array()) throw InvalidArgumentError("expected an array", "/objects");
  for (std::size_t i = 0; i < objects.size(); ++i) {
    const std::string path = "/objects/" + std::to_string(i);
    detail::ObjectReader o(objects[i], path);
    ObjectDelta d;
    const std::string kind = o.string("kind");
    const auto k = journal_object_from_code(kind);
    if (!k) throw InvalidArgumentError("unknown object kind \"" + excerpt(kind) + "\"", path + "/kind");
    d.kind = *k;
    d.id = static_cast<std::uint64_t>(o.integer("id", 0, std::numeric_limits<std::int64_t>::max()));
    for (const char* side : {"before", "after"}) {
      const json& v = o.require(side);
      if (v.is_null()) continue;
      if (!v.is_object()) throw InvalidArgumentError("expected an object or null", o.field_path(side));
      (side[0] == 'b' ? d.before : d.after) = detail::dump_text(v);
    }
    o.finish();
    e.objects.push_back(std::move(d));
  }
  r.finish();
  return e;
}

JournalEntry journal_pruned_marker(Timestamp before) {
  return {.sequence = 0, .at = before, .actor = std::nullopt, .operation = "journal_pruned", .objects = {}};
}

bool matches(const JournalEntry& e, const JournalQuery& q) noexcept {
  if (e.sequence > q.max_sequence) return false;
  if (q.after && !(e.at > *q.after)) return false;
  if (q.kind)
    return std::any_of(e.objects.begin(), e.objects.end(),
                       [&](const ObjectDelta& d) { return d.kind == *q.kind && d.id == q.id; });
  return true;
}

void MemoryJournal::index(std::size_t position) {
  for (const ObjectDelta& d : entries_[position].objects) {
    std::vector<std::size_t>& at = by_object_[{d.kind, d.id}];
    if (at.empty() || at.back() != position) at.push_back(position);  // an object twice in one entry: once
  }
}

void MemoryJournal::append(JournalEntry entry) {
  const std::lock_guard lock(mutex_);
  entries_.push_back(std::move(entry));
  index(entries_.size() - 1);
}

std::vector<JournalEntry> MemoryJournal::read(const JournalQuery& query) const {
  const std::lock_guard lock(mutex_);
  std::vector<JournalEntry> out;
  if (query.kind) {
    const auto found = by_object_.find({*query.kind, query.id});
    if (found == by_object_.end()) return out;
    for (auto it = found->second.rbegin(); it != found->second.rend() && out.size() < query.limit; ++it)
      if (matches(entries_[*it], query)) out.push_back(entries_[*it]);
    return out;
  }
  for (auto it = entries_.rbegin(); it != entries_.rend() && out.size() < query.limit; ++it)
    if (matches(*it, query)) out.push_back(*it);
  return out;
}

std::size_t MemoryJournal::prune(Timestamp before) {
  const std::lock_guard lock(mutex_);
  const std::size_t n = std::erase_if(entries_, [&](const JournalEntry& e) { return e.at < before; });
  entries_.push_back(journal_pruned_marker(before));
  by_object_.clear();  // positions moved: pruning is rare, re-index
  for (std::size_t i = 0; i < entries_.size(); ++i) index(i);
  return n;
}

void MemoryJournal::clear() {
  const std::lock_guard lock(mutex_);
  entries_.clear();
  by_object_.clear();
}

}  // namespace klik
