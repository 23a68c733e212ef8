// Changes as JSON (klik/backend.hpp): what SQL backends keep in their change
// sequence, and what a store in another process reads back to catch up.
#include <limits>

#include "detail/json_io.hpp"
#include "detail/overloaded.hpp"
#include "klik/backend.hpp"
#include "klik/enums.hpp"
#include "klik/text.hpp"

namespace klik {

namespace {

using detail::json;
using detail::ObjectReader;

constexpr std::int64_t u32max = std::numeric_limits<std::uint32_t>::max();

json cleared_json(const ClearedAssignments& c) {
  json tasks = json::array(), locals = json::array();
  for (std::size_t i = 0; i < c.tasks.size(); ++i)
    tasks.push_back({{"task", detail::to_json_value(c.tasks[i])}, {"fields", c.task_fields.at(i)}});
  for (const LocalTask& l : c.local_tasks) locals.push_back(detail::to_json_value(l));
  return {{"tasks", std::move(tasks)}, {"local_tasks", std::move(locals)}};
}

ClearedAssignments read_cleared(ObjectReader& r) {
  ClearedAssignments c;
  const json& j = r.require("cleared");
  ObjectReader cr(j, r.field_path("cleared"));
  const json& tasks = cr.require("tasks");
  if (!tasks.is_array()) throw InvalidArgumentError("expected an array", cr.field_path("tasks"));
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    ObjectReader tr(tasks[i], cr.field_path("tasks") + "/" + std::to_string(i));
    c.tasks.push_back(detail::read_value<Task>(tr.require("task"), tr.field_path("task")));
    c.task_fields.push_back(static_cast<std::uint32_t>(tr.integer("fields", 0, TaskAllFields)));
    tr.finish();
  }
  const json& locals = cr.require("local_tasks");
  if (!locals.is_array()) throw InvalidArgumentError("expected an array", cr.field_path("local_tasks"));
  for (std::size_t i = 0; i < locals.size(); ++i)
    c.local_tasks.push_back(
        detail::read_value<LocalTask>(locals[i], cr.field_path("local_tasks") + "/" + std::to_string(i)));
  cr.finish();
  return c;
}

/// The account record under "credentials", checked as a dataset's are
/// (`owner`: the user it must belong to, for a new user's record).
Credentials read_credentials(ObjectReader& r, std::optional<UserId> owner) {
  const std::string path = r.field_path("credentials");
  Credentials c = detail::read_value<Credentials>(r.require("credentials"), path);
  std::vector<Violation> problems;
  check_fields(c, path, problems);
  if (!problems.empty()) throw InvalidArgumentError(problems.front().message, problems.front().path);
  if (c.user.value() == 0) throw InvalidArgumentError("user id 0 is reserved (it means \"not set\")", path + "/user");
  if (owner && c.user != *owner)
    throw InvalidArgumentError("the credentials belong to another user than the one created", path + "/user");
  return c;
}

json batch_json(const TaskBatch& b) {
  json added = json::array(), changed = json::array(), locals = json::array();
  for (const Task& t : b.added) added.push_back(detail::to_json_value(t));
  for (std::size_t i = 0; i < b.changed.size(); ++i)
    changed.push_back({{"task", detail::to_json_value(b.changed[i])}, {"fields", b.changed_fields.at(i)}});
  for (const LocalTask& l : b.local_changed) locals.push_back(detail::to_json_value(l));
  return {{"added", std::move(added)}, {"changed", std::move(changed)}, {"local_tasks", std::move(locals)}};
}

std::vector<Task> read_tasks(ObjectReader& r, const char* key) {
  const json& a = r.require(key);
  const std::string path = r.field_path(key);
  if (!a.is_array()) throw InvalidArgumentError("expected an array", path);
  std::vector<Task> out;
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    out.push_back(detail::read_value<Task>(a[i], path + "/" + std::to_string(i)));
  return out;
}

/// An array of `key` read one element at a time by `one(element, path)`.
template <class T, class F>
std::vector<T> read_array(ObjectReader& r, const char* key, F&& one) {
  const json& a = r.require(key);
  const std::string path = r.field_path(key);
  if (!a.is_array()) throw InvalidArgumentError("expected an array", path);
  std::vector<T> out;
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out.push_back(one(a[i], path + "/" + std::to_string(i)));
  return out;
}

TaskBatch read_batch(ObjectReader& r) {
  ObjectReader br(r.require("tasks"), r.field_path("tasks"));
  TaskBatch b;
  b.added = read_tasks(br, "added");
  const json& changed = br.require("changed");
  if (!changed.is_array()) throw InvalidArgumentError("expected an array", br.field_path("changed"));
  for (std::size_t i = 0; i < changed.size(); ++i) {
    ObjectReader tr(changed[i], br.field_path("changed") + "/" + std::to_string(i));
    b.changed.push_back(detail::read_value<Task>(tr.require("task"), tr.field_path("task")));
    b.changed_fields.push_back(static_cast<std::uint32_t>(tr.integer("fields", 0, TaskAllFields)));
    tr.finish();
  }
  b.local_changed = read_array<LocalTask>(
      br, "local_tasks", [](const json& j, const std::string& p) { return detail::read_value<LocalTask>(j, p); });
  br.finish();
  return b;
}

/// [[id, colour code or null], ...]
template <class Id>
json colours_json(const std::vector<std::pair<Id, std::optional<DeadlineColour>>>& colours) {
  json out = json::array();
  for (const auto& [id, colour] : colours)
    out.push_back({id.value(), colour ? json(std::string(code(*colour))) : json(nullptr)});
  return out;
}

/// What colours_json wrote, at `path`.
template <class Id>
std::vector<std::pair<Id, std::optional<DeadlineColour>>> read_colours(const json& a, const std::string& path) {
  if (!a.is_array()) throw InvalidArgumentError("expected an array", path);
  std::vector<std::pair<Id, std::optional<DeadlineColour>>> out;
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string p = path + "/" + std::to_string(i);
    if (!a[i].is_array() || a[i].size() != 2) throw InvalidArgumentError("expected [id, colour or null]", p);
    const Id id(static_cast<std::uint32_t>(detail::integer_at(a[i][0], p + "/0", 1, u32max)));
    std::optional<DeadlineColour> colour;
    if (!a[i][1].is_null()) colour = detail::enum_at<DeadlineColour>(a[i][1], p + "/1");
    out.emplace_back(id, colour);
  }
  return out;
}

}  // namespace

std::vector<std::string> task_field_names(std::uint32_t mask) {
  static const char* names[] = {"status", "responsible", "performer", "end_override", "latest_start_override"};
  std::vector<std::string> out;
  for (std::uint32_t i = 0; i < 5; ++i)
    if (mask & (1u << i)) out.emplace_back(names[i]);
  return out;
}

std::vector<std::string> user_field_names(std::uint32_t mask) {
  static const char* names[] = {"email",         "full_name",   "organisation",  "side",        "municipality",
                                "administrator", "memberships", "password_hash", "daily_digest"};
  std::vector<std::string> out;
  for (std::uint32_t i = 0; i < std::size(names); ++i)
    if (mask & (1u << i)) out.emplace_back(names[i]);
  return out;
}

std::string_view change_kind(const Change& change) noexcept {
  static constexpr std::string_view names[] = {
      "task",    "user",       "user_removed", "local_task",    "local_task_removed", "message",
      "notes",   "attachment", "colours",      "notifications", "attachment_removed", "credentials",
      "project", "wave",       "template"};
  static_assert(std::size(names) == std::variant_size_v<Change>);
  return names[change.index()];
}

std::string to_json(const Change& change) {
  json j = std::visit(
      detail::Overloaded{
          [](const TaskChanged& c) -> json {
            return {{"task", detail::to_json_value(c.task)}, {"fields", c.fields}};
          },
          [](const UserSaved& c) -> json {
            json out = {{"user", detail::to_json_value(c.user)},
                        {"created", c.created},
                        {"fields", c.fields},
                        {"cleared", cleared_json(c.cleared)}};
            if (c.credentials) out["credentials"] = detail::to_json_value(*c.credentials);
            return out;
          },
          [](const UserRemoved& c) -> json {
            return {{"user", c.user.value()}, {"cleared", cleared_json(c.cleared)}};
          },
          [](const LocalTaskSaved& c) -> json {
            return {{"local_task", detail::to_json_value(c.task)}, {"created", c.created}};
          },
          [](const LocalTaskRemoved& c) -> json {
            return {{"local_task", c.task.value()}};
          },
          [](const MessageAdded& c) -> json {
            return {{"message", detail::to_json_value(c.message)}};
          },
          [](const NotesSet& c) -> json {
            return {{"task", c.task.value()}, {"text", c.text}};
          },
          [](const AttachmentAdded& c) -> json {
            Attachment meta = c.attachment;  // the content stays out of the sequence
            meta.size = c.attachment.content.empty() ? c.attachment.size : c.attachment.content.size();
            meta.content.clear();
            json a = detail::to_json_value(meta);
            a.erase("content_base64");
            return {{"attachment", std::move(a)}};
          },
          [](const ColoursNotified& c) -> json {
            json out = {{"colours", colours_json(c.colours)}};
            if (!c.local_colours.empty()) out["local_colours"] = colours_json(c.local_colours);
            return out;
          },
          [](const NotificationsOnly&) -> json { return json::object(); },
          [](const AttachmentRemoved& c) -> json {
            return {{"attachment", c.attachment.value()}};
          },
          [](const CredentialsSaved& c) -> json {
            return {{"credentials", detail::to_json_value(c.credentials)}};
          },
          [](const ProjectSaved& c) -> json {
            json waves = json::array();
            for (const RolloutWave& w : c.waves) waves.push_back(detail::to_json_value(w));
            json users = json::array();
            for (const User& u : c.users) users.push_back(detail::to_json_value(u));
            return {{"project", detail::to_json_value(c.project)},
                    {"created", c.created},
                    {"tasks", batch_json(c.tasks)},
                    {"waves", std::move(waves)},
                    {"users", std::move(users)}};
          },
          [](const WaveSaved& c) -> json {
            return {{"wave", detail::to_json_value(c.wave)}, {"created", c.created}};
          },
          [](const TemplateSaved& c) -> json {
            return {{"template", detail::to_json_value(c.tpl)}, {"created", c.created}, {"tasks", batch_json(c.tasks)}};
          },
      },
      change);
  j["kind"] = std::string(change_kind(change));
  return detail::dump_text(j);
}

Change change_from_json(std::string_view text) {
  // A change holds at most one sweep's colours: a million small pairs.
  const json j = detail::parse_text(text, {.max_bytes = std::size_t{256} << 20});
  ObjectReader r(j, "");
  const std::string kind = r.string("kind");
  Change out;
  if (kind == "task") {
    out = TaskChanged{detail::read_value<Task>(r.require("task"), r.field_path("task")),
                      static_cast<std::uint32_t>(r.integer("fields", 0, TaskAllFields))};
  } else if (kind == "user") {
    UserSaved c;
    c.user = detail::read_value<User>(r.require("user"), r.field_path("user"));
    c.created = r.boolean_or("created", false);
    c.fields = static_cast<std::uint32_t>(r.integer("fields", 0, UserAllFields));
    c.cleared = read_cleared(r);
    if (r.find("credentials")) c.credentials = read_credentials(r, c.user.id);
    out = std::move(c);
  } else if (kind == "user_removed") {
    UserRemoved c;
    c.user = UserId(static_cast<std::uint32_t>(r.integer("user", 1, u32max)));
    c.cleared = read_cleared(r);
    out = std::move(c);
  } else if (kind == "local_task") {
    LocalTaskSaved c;
    c.task = detail::read_value<LocalTask>(r.require("local_task"), r.field_path("local_task"));
    c.created = r.boolean_or("created", false);
    out = std::move(c);
  } else if (kind == "local_task_removed") {
    out = LocalTaskRemoved{LocalTaskId(static_cast<std::uint32_t>(r.integer("local_task", 1, u32max)))};
  } else if (kind == "message") {
    out = MessageAdded{detail::read_value<Message>(r.require("message"), r.field_path("message"))};
  } else if (kind == "notes") {
    NotesSet c;
    c.task = TaskId(static_cast<std::uint32_t>(r.integer("task", 1, u32max)));
    c.text = r.string("text");
    out = std::move(c);
  } else if (kind == "attachment") {
    out = AttachmentAdded{detail::read_value<Attachment>(r.require("attachment"), r.field_path("attachment"))};
  } else if (kind == "colours") {
    ColoursNotified c;
    c.colours = read_colours<TaskId>(r.require("colours"), r.field_path("colours"));
    if (const json* locals = r.find("local_colours"))  // absent in logs written before local tasks were swept
      c.local_colours = read_colours<LocalTaskId>(*locals, r.field_path("local_colours"));
    out = std::move(c);
  } else if (kind == "notifications") {
    out = NotificationsOnly{};
  } else if (kind == "attachment_removed") {
    out = AttachmentRemoved{
        AttachmentId(static_cast<std::uint64_t>(r.integer("attachment", 1, std::numeric_limits<std::int64_t>::max())))};
  } else if (kind == "credentials") {
    out = CredentialsSaved{read_credentials(r, std::nullopt)};
  } else if (kind == "project") {
    ProjectSaved c;
    c.project = detail::read_value<Project>(r.require("project"), r.field_path("project"));
    c.created = r.boolean_or("created", false);
    c.tasks = read_batch(r);
    c.waves = read_array<RolloutWave>(
        r, "waves", [](const json& v, const std::string& p) { return detail::read_value<RolloutWave>(v, p); });
    c.users = read_array<User>(r, "users",
                               [](const json& v, const std::string& p) { return detail::read_value<User>(v, p); });
    out = std::move(c);
  } else if (kind == "wave") {
    WaveSaved c;
    c.wave = detail::read_value<RolloutWave>(r.require("wave"), r.field_path("wave"));
    c.created = r.boolean_or("created", false);
    out = std::move(c);
  } else if (kind == "template") {
    TemplateSaved c;
    c.tpl = detail::read_value<TaskTemplate>(r.require("template"), r.field_path("template"));
    c.created = r.boolean_or("created", false);
    c.tasks = read_batch(r);
    out = std::move(c);
  } else {
    throw InvalidArgumentError("unknown change kind \"" + excerpt(kind) + "\"", "/kind");
  }
  r.finish();
  return out;
}

// ---- the outbox: defaults for backends without indexes of their own ----

std::vector<Notification> Backend::dead_letters(std::size_t limit) const {
  std::vector<Notification> out;
  for (Notification& n : outbox()) {
    if (out.size() >= limit) break;
    if (n.dead_letter) out.push_back(std::move(n));
  }
  return out;
}

OutboxCounts Backend::outbox_counts(Timestamp now) const { return count_outbox(outbox(), now); }

}  // namespace klik
