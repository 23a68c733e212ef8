// TEMPORARY (branch h-pg): the free functions of backend.hpp (change kinds,
// field names, Change <-> JSON) until the lead's src/backend.cpp lands on
// main. When merging, keep the lead's implementation and delete this file.
#include <limits>

#include "detail/json_io.hpp"
#include "klik/backend.hpp"

namespace klik {

namespace {

using detail::json;

std::vector<std::string> names(std::uint32_t mask, std::initializer_list<const char*> all) {
  std::vector<std::string> out;
  std::uint32_t bit = 1;
  for (const char* n : all) {
    if (mask & bit) out.emplace_back(n);
    bit <<= 1;
  }
  return out;
}

json cleared_json(const ClearedAssignments& c) {
  json tasks = json::array(), locals = json::array();
  for (std::size_t i = 0; i < c.tasks.size(); ++i)
    tasks.push_back({{"task", detail::to_json_value(c.tasks[i])}, {"fields", c.task_fields.at(i)}});
  for (const LocalTask& l : c.local_tasks) locals.push_back(detail::to_json_value(l));
  return {{"tasks", tasks}, {"local_tasks", locals}};
}

ClearedAssignments cleared_from(const json& j) {
  ClearedAssignments c;
  for (const json& t : j.at("tasks")) {
    c.tasks.push_back(detail::read_value<Task>(t.at("task"), "/cleared/tasks"));
    c.task_fields.push_back(t.at("fields").get<std::uint32_t>());
  }
  for (const json& l : j.at("local_tasks")) c.local_tasks.push_back(detail::read_value<LocalTask>(l, "/cleared"));
  return c;
}

}  // namespace

std::vector<std::string> task_field_names(std::uint32_t mask) {
  return names(mask, {"status", "responsible", "performer", "end_override", "latest_start_override"});
}
std::vector<std::string> user_field_names(std::uint32_t mask) {
  return names(mask, {"email", "full_name", "organisation", "side", "municipality", "administrator", "memberships",
                      "password_hash"});
}

std::string_view change_kind(const Change& change) noexcept {
  static constexpr std::string_view kinds[] = {"task",    "user",  "user_removed", "local_task", "local_task_removed",
                                               "message", "notes", "attachment",   "colours",    "notifications"};
  return kinds[change.index()];
}

std::string to_json(const Change& change) {
  json j = std::visit(
      [](const auto& c) -> json {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, TaskChanged>) {
          return {{"task", detail::to_json_value(c.task)}, {"fields", c.fields}};
        } else if constexpr (std::is_same_v<T, UserSaved>) {
          return {{"user", detail::to_json_value(c.user)},
                  {"created", c.created},
                  {"fields", c.fields},
                  {"cleared", cleared_json(c.cleared)}};
        } else if constexpr (std::is_same_v<T, UserRemoved>) {
          return {{"user", c.user.value()}, {"cleared", cleared_json(c.cleared)}};
        } else if constexpr (std::is_same_v<T, LocalTaskSaved>) {
          return {{"local_task", detail::to_json_value(c.task)}, {"created", c.created}};
        } else if constexpr (std::is_same_v<T, LocalTaskRemoved>) {
          return {{"local_task", c.task.value()}};
        } else if constexpr (std::is_same_v<T, MessageAdded>) {
          return {{"message", detail::to_json_value(c.message)}};
        } else if constexpr (std::is_same_v<T, NotesSet>) {
          return {{"task", c.task.value()}, {"text", c.text}};
        } else if constexpr (std::is_same_v<T, AttachmentAdded>) {
          Attachment a = c.attachment;
          a.content.clear();
          return {{"attachment", detail::to_json_value(a)}};
        } else if constexpr (std::is_same_v<T, ColoursNotified>) {
          json cs = json::array();
          for (const auto& [t, col] : c.colours)
            cs.push_back({t.value(), col ? json(static_cast<int>(*col)) : json(nullptr)});
          return {{"colours", cs}};
        } else {
          return json::object();
        }
      },
      change);
  j["kind"] = std::string(change_kind(change));
  return detail::dump_text(j);
}

Change change_from_json(std::string_view text) {
  try {
    const json j = detail::parse_text(text, {.max_bytes = std::numeric_limits<std::size_t>::max()});
    const std::string kind = j.at("kind").get<std::string>();
    if (kind == "task") return TaskChanged{detail::read_value<Task>(j.at("task"), "/task"), j.at("fields").get<std::uint32_t>()};
    if (kind == "user")
      return UserSaved{detail::read_value<User>(j.at("user"), "/user"), j.at("created").get<bool>(),
                       j.at("fields").get<std::uint32_t>(), cleared_from(j.at("cleared"))};
    if (kind == "user_removed") return UserRemoved{UserId(j.at("user").get<std::uint32_t>()), cleared_from(j.at("cleared"))};
    if (kind == "local_task")
      return LocalTaskSaved{detail::read_value<LocalTask>(j.at("local_task"), "/local_task"), j.at("created").get<bool>()};
    if (kind == "local_task_removed") return LocalTaskRemoved{LocalTaskId(j.at("local_task").get<std::uint32_t>())};
    if (kind == "message") return MessageAdded{detail::read_value<Message>(j.at("message"), "/message")};
    if (kind == "notes") return NotesSet{TaskId(j.at("task").get<std::uint32_t>()), j.at("text").get<std::string>()};
    if (kind == "attachment") return AttachmentAdded{detail::read_value<Attachment>(j.at("attachment"), "/attachment")};
    if (kind == "colours") {
      ColoursNotified c;
      for (const json& p : j.at("colours"))
        c.colours.emplace_back(TaskId(p.at(0).get<std::uint32_t>()),
                               p.at(1).is_null() ? std::nullopt
                                                 : std::optional<DeadlineColour>(static_cast<DeadlineColour>(p.at(1).get<int>())));
      return c;
    }
    if (kind == "notifications") return NotificationsOnly{};
    throw InvalidArgumentError("unknown change kind " + kind, "/kind");
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw InvalidArgumentError(std::string("not a change: ") + e.what());
  }
}

}  // namespace klik
