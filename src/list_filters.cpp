// The project and user lists' filters as values: chips, removal, JSON (the same
// mechanism as TaskQuery's, for the two smaller lists).
#include <algorithm>

#include "detail/json_io.hpp"
#include "klik/error.hpp"
#include "klik/project_user_lists.hpp"
#include "klik/text.hpp"

namespace klik {

namespace {

using detail::json;

template <class E>
json codes(const std::vector<E>& values) {
  json a = json::array();
  for (E v : values) a.push_back(std::string(code(v)));
  return a;
}

template <class E>
std::vector<E> read_codes(detail::ObjectReader& r, const char* key) {
  std::vector<E> out;
  const json* j = r.find(key);
  if (!j) return out;
  const std::string path = r.field_path(key);
  if (!j->is_array()) throw InvalidArgumentError("expected an array", path);
  for (std::size_t i = 0; i < j->size(); ++i)
    out.push_back(detail::enum_at<E>((*j)[i], path + "/" + std::to_string(i)));
  return out;
}

[[noreturn]] void unknown_chip(std::string_view code, const char* known) {
  throw InvalidArgumentError("unknown filter " + excerpt(code) + "; the filters are " + known, "filter");
}

}  // namespace

std::vector<std::string> ProjectQuery::applied_filters() const {
  std::vector<std::string> out;
  if (!name_contains.empty()) out.emplace_back("name_contains");
  if (!user_types.empty()) out.emplace_back("user_types");
  return out;
}

ProjectQuery ProjectQuery::without(std::string_view c) const {
  ProjectQuery q = *this;
  if (c == "name_contains")
    q.name_contains.clear();
  else if (c == "user_types")
    q.user_types.clear();
  else
    unknown_chip(c, "name_contains, user_types");
  return q;
}

std::string to_json(const ProjectQuery& q) {
  json j = json::object();
  if (!q.name_contains.empty()) j["name_contains"] = q.name_contains;
  if (!q.user_types.empty()) j["user_types"] = codes(q.user_types);
  return j.dump();
}

ProjectQuery project_query_from_json(std::string_view text) {
  const json j = detail::parse_text(text);
  detail::ObjectReader r(j, "");
  ProjectQuery q;
  q.name_contains = r.string_or("name_contains", "");
  q.user_types = read_codes<UserType>(r, "user_types");
  r.finish();
  return q;
}

std::vector<std::string> UserQuery::applied_filters() const {
  std::vector<std::string> out;
  if (!projects.empty()) out.emplace_back("projects");
  if (!user_types.empty()) out.emplace_back("user_types");
  if (administrator) out.emplace_back("administrator");
  if (!text.empty()) out.emplace_back("text");
  return out;
}

UserQuery UserQuery::without(std::string_view c) const {
  UserQuery q = *this;
  if (c == "projects")
    q.projects.clear();
  else if (c == "user_types")
    q.user_types.clear();
  else if (c == "administrator")
    q.administrator.reset();
  else if (c == "text")
    q.text.clear();
  else
    unknown_chip(c, "projects, user_types, administrator, text");
  return q;
}

std::string to_json(const UserQuery& q) {
  json j = json::object();
  if (!q.projects.empty()) {
    json a = json::array();
    for (const ProjectRef& p : q.projects) {
      if (const auto* id = std::get_if<ProjectId>(&p))
        a.push_back(id->value());
      else
        a.push_back(std::get<std::string>(p));
    }
    j["projects"] = a;
  }
  if (!q.user_types.empty()) j["user_types"] = codes(q.user_types);
  if (q.administrator) j["administrator"] = *q.administrator;
  if (!q.text.empty()) j["text"] = q.text;
  return j.dump();
}

UserQuery user_query_from_json(std::string_view text) {
  const json j = detail::parse_text(text);
  detail::ObjectReader r(j, "");
  UserQuery q;
  if (const json* p = r.find("projects")) {
    const std::string path = r.field_path("projects");
    if (!p->is_array()) throw InvalidArgumentError("expected an array", path);
    for (std::size_t i = 0; i < p->size(); ++i) {
      const json& e = (*p)[i];
      const std::string at = path + "/" + std::to_string(i);
      if (e.is_string())
        q.projects.emplace_back(e.get<std::string>());
      else
        q.projects.emplace_back(ProjectId(static_cast<std::uint32_t>(detail::integer_at(e, at, 1, UINT32_MAX))));
    }
  }
  q.user_types = read_codes<UserType>(r, "user_types");
  if (r.find("administrator")) q.administrator = r.boolean_or("administrator", false);
  q.text = r.string_or("text", "");
  r.finish();
  return q;
}

}  // namespace klik
