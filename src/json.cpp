#include "klik/json.hpp"

#include <algorithm>
#include <boost/archive/iterators/base64_from_binary.hpp>
#include <boost/archive/iterators/binary_from_base64.hpp>
#include <boost/archive/iterators/transform_width.hpp>
#include <limits>

#include "detail/json_io.hpp"
#include "klik/error.hpp"
#include "klik/text.hpp"

namespace klik {
namespace detail {
namespace {

constexpr std::int64_t u32max = std::numeric_limits<std::uint32_t>::max();

template <class IdT>
IdT id_at(const json& j, const std::string& path) {
  using Rep = typename IdT::rep_type;
  return IdT(
      static_cast<Rep>(integer_at(j, path, 0,
                                  static_cast<std::int64_t>(std::min<std::uint64_t>(
                                      std::numeric_limits<Rep>::max(), std::numeric_limits<std::int64_t>::max())))));
}

template <class IdT>
IdT id_field(ObjectReader& r, const char* key) {
  return id_at<IdT>(r.require(key), r.field_path(key));
}

template <class IdT>
std::optional<IdT> optional_id_field(ObjectReader& r, const char* key) {
  const json* j = r.find(key);
  if (!j || j->is_null()) return std::nullopt;
  return id_at<IdT>(*j, r.field_path(key));
}

template <class E>
E enum_field(ObjectReader& r, const char* key) {
  return enum_at<E>(r.require(key), r.field_path(key));
}

template <class IdT>
json optional_id(const std::optional<IdT>& v) {
  return v ? json(v->value()) : json(nullptr);
}

template <class F>
auto array_field(ObjectReader& r, const char* key, bool required, F&& read_one) {
  using T = decltype(read_one(std::declval<const json&>(), std::string()));
  std::vector<T> out;
  const json* j = required ? &r.require(key) : r.find(key);
  if (!j) return out;
  const std::string path = r.field_path(key);
  if (!j->is_array()) throw InvalidArgumentError("expected an array", path);
  out.reserve(j->size());
  for (std::size_t i = 0; i < j->size(); ++i) out.push_back(read_one((*j)[i], path + "/" + std::to_string(i)));
  return out;
}

std::string type_name(const json& j) { return j.is_null() ? "null" : j.type_name(); }

/// The offset of the first '[' or '{' nested deeper than `max_depth`, or
/// nullopt. Brackets inside strings do not count; unbalanced input is left
/// to the parser to refuse.
std::optional<std::size_t> first_too_deep(std::string_view text, std::size_t max_depth) noexcept {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return i;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return std::nullopt;
}

/// nlohmann's description of a syntax error without its "[json.exception...]"
/// prefix and without the "last read" quote of the input.
std::string parse_error_words(std::string_view what) {
  if (const auto p = what.find("parse error"); p != std::string_view::npos) what.remove_prefix(p);
  if (const auto colon = what.find(": "); colon != std::string_view::npos) what.remove_prefix(colon + 2);
  if (const auto last = what.find("; last read"); last != std::string_view::npos) what = what.substr(0, last);
  return std::string(what.substr(0, 160));
}

}  // namespace

json parse_text(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes)
    throw InvalidArgumentError("document of " + std::to_string(text.size()) + " bytes is larger than the " +
                                   std::to_string(limits.max_bytes) + " bytes klik reads here",
                               "");
  // nlohmann rejects bad UTF-8 inside strings too, but names neither the byte
  // nor the problem in words of ours; outside strings it is a syntax error.
  if (const auto bad = invalid_utf8_offset(text))
    throw InvalidArgumentError("not valid JSON: invalid UTF-8 at byte " + std::to_string(*bad), "");
  // The parser itself is iterative; the bound keeps everything that walks the
  // value afterwards (readers, dump, comparisons) within a fixed stack depth.
  // (A scan, not nlohmann's parser callback: that path is ~100x slower.)
  if (const auto deep = first_too_deep(text, limits.max_depth))
    throw InvalidArgumentError("not valid JSON here: nested deeper than " + std::to_string(limits.max_depth) +
                                   " levels (byte " + std::to_string(*deep) + ")",
                               "");
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw InvalidArgumentError(
        "not valid JSON: " + parse_error_words(e.what()) + " (byte " + std::to_string(e.byte) + ")", "");
  } catch (const json::out_of_range&) {
    throw InvalidArgumentError("not valid JSON: a number is too large (beyond ±1.8e308)", "");
  } catch (const json::exception&) {
    throw InvalidArgumentError("not valid JSON", "");
  }
}

std::string describe(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "the string " + excerpt(j.get_ref<const std::string&>());
    case json::value_t::boolean:
      return j.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "the number " + j.dump();
    case json::value_t::binary:
    case json::value_t::discarded:
      break;
  }
  return "an unsupported value";
}

std::int64_t integer_at(const json& j, const std::string& path, std::int64_t min, std::int64_t max) {
  if (!j.is_number_integer()) throw InvalidArgumentError("expected an integer, got " + describe(j), path);
  if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
    throw InvalidArgumentError(
        "integer " + j.dump() + " is out of range " + std::to_string(min) + ".." + std::to_string(max), path);
  const auto v = j.get<std::int64_t>();
  if (v < min || v > max)
    throw InvalidArgumentError(
        "integer " + j.dump() + " is out of range " + std::to_string(min) + ".." + std::to_string(max), path);
  return v;
}

std::string string_at(const json& j, const std::string& path) {
  if (!j.is_string()) throw InvalidArgumentError("expected a string, got " + type_name(j), path);
  return j.get<std::string>();
}

ObjectReader::ObjectReader(const json& j, std::string path) : j_(j), path_(std::move(path)) {
  if (!j.is_object())
    throw InvalidArgumentError("expected an object, got " + type_name(j), path_.empty() ? "/" : path_);
}

const json* ObjectReader::find(const char* key) {
  seen_.emplace_back(key);
  const auto it = j_.find(key);
  return it == j_.end() ? nullptr : &*it;
}

const json& ObjectReader::require(const char* key) {
  const json* j = find(key);
  if (!j) throw InvalidArgumentError("required field is missing", field_path(key));
  return *j;
}

std::string ObjectReader::string(const char* key) { return string_at(require(key), field_path(key)); }

std::string ObjectReader::string_or(const char* key, std::string fallback) {
  const json* j = find(key);
  return j ? string_at(*j, field_path(key)) : fallback;
}

bool ObjectReader::boolean_or(const char* key, bool fallback) {
  const json* j = find(key);
  if (!j) return fallback;
  if (!j->is_boolean()) throw InvalidArgumentError("expected true or false, got " + type_name(*j), field_path(key));
  return j->get<bool>();
}

std::int64_t ObjectReader::integer(const char* key, std::int64_t min, std::int64_t max) {
  return integer_at(require(key), field_path(key), min, max);
}

std::optional<std::int64_t> ObjectReader::optional_integer(const char* key, std::int64_t min, std::int64_t max) {
  const json* j = find(key);
  if (!j || j->is_null()) return std::nullopt;
  return integer_at(*j, field_path(key), min, max);
}

Date ObjectReader::date(const char* key) {
  const std::string text = string(key);
  try {
    return Date::parse(text);
  } catch (const InvalidArgumentError& e) {
    throw InvalidArgumentError(e.what(), field_path(key));
  }
}

std::optional<Date> ObjectReader::optional_date(const char* key) {
  const json* j = find(key);
  if (!j || j->is_null()) return std::nullopt;
  return date(key);
}

void ObjectReader::finish() const {
  for (const auto& [key, value] : j_.items()) {
    if (std::find(seen_.begin(), seen_.end(), key) == seen_.end())
      throw InvalidArgumentError("unknown field " + excerpt(key), path_ + "/" + bounded_message(key, 64));
  }
}

std::string base64_encode(std::string_view bytes) {
  using namespace boost::archive::iterators;
  using It = base64_from_binary<transform_width<std::string_view::const_iterator, 6, 8>>;
  std::string out(It(bytes.begin()), It(bytes.end()));
  out.append((3 - bytes.size() % 3) % 3, '=');
  return out;
}

std::string base64_decode(std::string_view text, const std::string& path) {
  using namespace boost::archive::iterators;
  if (text.size() % 4 != 0) throw InvalidArgumentError("base64 length must be a multiple of 4", path);
  std::size_t pad = 0;
  while (pad < 2 && !text.empty() && text[text.size() - 1 - pad] == '=') ++pad;
  for (std::size_t i = 0; i + pad < text.size(); ++i) {
    const char c = text[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/')
      throw InvalidArgumentError("invalid base64 character at offset " + std::to_string(i), path);
  }
  std::string padded(text.substr(0, text.size() - pad));
  padded.append(pad, 'A');
  using It = transform_width<binary_from_base64<std::string::const_iterator>, 8, 6>;
  std::string out(It(padded.begin()), It(padded.end()));
  out.resize(out.size() - pad);
  return out;
}

// ---- writing ----

json to_json_value(const Municipality& v) { return {{"id", v.id.value()}, {"name", v.name}}; }

json to_json_value(const Project& v) {
  json participants = json::array();
  for (auto m : v.participants) participants.push_back(m.value());
  return {{"id", v.id.value()},
          {"name", v.name},
          {"description", v.description},
          {"deadline", v.deadline.iso()},
          {"period_start", v.period_start.iso()},
          {"period_end", v.period_end.iso()},
          {"kombit_contact", v.kombit_contact},
          {"contact_mail", v.contact_mail},
          {"phases", v.phases},
          {"themes", v.themes},
          {"participants", participants}};
}

json to_json_value(const RolloutWave& v) {
  json members = json::array();
  for (auto m : v.members) members.push_back(m.value());
  return {{"id", v.id.value()},
          {"project", v.project.value()},
          {"name", v.name},
          {"members", members},
          {"shift_workdays", v.shift_workdays}};
}

json to_json_value(const TaskTemplate& v) {
  json j = {{"id", v.id.value()}, {"project", v.project.value()},
            {"title", v.title},   {"phase", v.phase},
            {"theme", v.theme},   {"priority", code(v.priority)},
            {"goal", v.goal},     {"description", v.description},
            {"method", v.method}, {"result", v.result},
            {"end", v.end.iso()}, {"documentation_required", v.documentation_required}};
  if (v.latest_start) j["latest_start"] = v.latest_start->iso();
  if (v.duration_workdays) j["duration_workdays"] = *v.duration_workdays;
  return j;
}

json to_json_value(const Task& v) {
  json j = {
      {"id", v.id.value()},       {"template", v.template_id.value()},         {"municipality", v.municipality.value()},
      {"status", code(v.status)}, {"responsible", optional_id(v.responsible)}, {"performer", optional_id(v.performer)},
      {"version", v.version}};
  if (v.end_override) j["end_override"] = v.end_override->iso();
  if (v.latest_start_override) j["latest_start_override"] = v.latest_start_override->iso();
  return j;
}

json to_json_value(const LocalTask& v) {
  return {{"id", v.id.value()},
          {"parent", v.parent.value()},
          {"municipality", v.municipality.value()},
          {"title", v.title},
          {"responsible", optional_id(v.responsible)},
          {"performer", optional_id(v.performer)},
          {"status", code(v.status)},
          {"end", v.end.iso()},
          {"description", v.description},
          {"version", v.version}};
}

json to_json_value(const User& v) {
  json memberships = json::array();
  for (const auto& m : v.memberships) memberships.push_back({{"project", m.project.value()}, {"type", code(m.type)}});
  json j = {{"id", v.id.value()},         {"email", v.email},
            {"full_name", v.full_name},   {"organisation", v.organisation},
            {"side", code(v.side)},       {"administrator", v.administrator},
            {"memberships", memberships}, {"version", v.version}};
  if (v.municipality) j["municipality"] = v.municipality->value();
  if (v.daily_digest) j["daily_digest"] = true;  // omitted when false, as older klik wrote users
  return j;
}

json to_json_value(const Message& v) {
  json target = json::object();
  if (v.target.task) target["task"] = v.target.task->value();
  if (v.target.project) target["project"] = v.target.project->value();
  if (v.target.wave) target["wave"] = v.target.wave->value();
  return {{"id", v.id.value()},         {"target", target},
          {"author", v.author.value()}, {"author_side", code(v.author_side)},
          {"time", v.time.iso()},       {"text", v.text}};
}

json to_json_value(const Attachment& v) {
  return {{"id", v.id.value()},       {"task", v.task.value()},
          {"file_name", v.file_name}, {"media_type", v.media_type},
          {"size", v.size},           {"uploaded_by", v.uploaded_by.value()},
          {"time", v.time.iso()},     {"content_base64", base64_encode(v.content)}};
}

json to_json_value(const InternalNote& v) { return {{"task", v.task.value()}, {"text", v.text}}; }

template <class T>
json array_of(const std::vector<T>& items) {
  json a = json::array();
  for (const auto& item : items) a.push_back(to_json_value(item));
  return a;
}

json to_json_value(const Credentials& v) {
  return {{"user", v.user.value()},
          {"password_hash", v.password_hash},
          {"reset_token_hash", v.reset_token_hash},
          {"reset_expires", v.reset_expires.iso()},
          {"failed_logins", v.failed_logins},
          {"throttled_until", v.throttled_until.iso()}};
}

json to_json_value(const Dataset& v) {
  json j = {{"format", std::string(dataset_format)},
            {"municipalities", array_of(v.municipalities)},
            {"projects", array_of(v.projects)},
            {"waves", array_of(v.waves)},
            {"templates", array_of(v.templates)},
            {"tasks", array_of(v.tasks)},
            {"local_tasks", array_of(v.local_tasks)},
            {"users", array_of(v.users)},
            {"messages", array_of(v.messages)},
            {"attachments", array_of(v.attachments)},
            {"internal_notes", array_of(v.internal_notes)}};
  // Only a backup export holds account records (Store::export_dataset(true)).
  if (!v.credentials.empty()) j["credentials"] = array_of(v.credentials);
  return j;
}

// ---- reading ----

template <>
Municipality read_value<Municipality>(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  Municipality v{id_field<MunicipalityId>(r, "id"), r.string("name")};
  r.finish();
  return v;
}

template <>
Project read_value<Project>(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  Project v;
  v.id = id_field<ProjectId>(r, "id");
  v.name = r.string("name");
  v.description = r.string_or("description", "");
  v.deadline = r.date("deadline");
  v.period_start = r.date("period_start");
  v.period_end = r.date("period_end");
  v.kombit_contact = r.string_or("kombit_contact", "");
  v.contact_mail = r.string_or("contact_mail", "");
  v.phases = array_field(r, "phases", true, string_at);
  v.themes = array_field(r, "themes", true, string_at);
  v.participants = array_field(r, "participants", false, id_at<MunicipalityId>);
  r.finish();
  if (v.phases.size() > 255) throw InvalidArgumentError("at most 255 phases", r.field_path("phases"));
  if (v.themes.size() > 255) throw InvalidArgumentError("at most 255 themes", r.field_path("themes"));
  return v;
}

template <>
RolloutWave read_value<RolloutWave>(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  RolloutWave v;
  v.id = id_field<WaveId>(r, "id");
  v.project = id_field<ProjectId>(r, "project");
  v.name = r.string("name");
  v.members = array_field(r, "members", true, id_at<MunicipalityId>);
  v.shift_workdays = static_cast<std::int32_t>(r.optional_integer("shift_workdays", -100000, 100000).value_or(0));
  r.finish();
  return v;
}

template <>
TaskTemplate read_value<TaskTemplate>(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  TaskTemplate v;
  v.id = id_field<TemplateId>(r, "id");
  v.project = id_field<ProjectId>(r, "project");
  v.title = r.string("title");
  v.phase = static_cast<std::uint8_t>(r.integer("phase", 1, 255));
  v.theme = static_cast<std::uint8_t>(r.integer("theme", 1, 255));
  v.priority = enum_field<Priority>(r, "priority");
  v.goal = r.string_or("goal", "");
  v.description = r.string_or("description", "");
  v.method = r.string_or("method", "");
  v.result = r.string_or("result", "");
  v.end = r.date("end");
  v.latest_start = r.optional_date("latest_start");
  if (auto d = r.optional_integer("duration_workdays", 0, 100000)) v.duration_workdays = static_cast<std::int32_t>(*d);
  v.documentation_required = r.boolean_or("documentation_required", false);
  r.finish();
  if (v.latest_start.has_value() == v.duration_workdays.has_value())
    throw InvalidArgumentError("exactly one of latest_start and duration_workdays must be given", path);
  return v;
}

template <>
Task read_value<Task>(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  Task v;
  v.id = id_field<TaskId>(r, "id");
  v.template_id = id_field<TemplateId>(r, "template");
  v.municipality = id_field<MunicipalityId>(r, "municipality");
  v.status = enum_field<TaskStatus>(r, "status");
  v.responsible = optional_id_field<UserId>(r, "responsible");
  v.performer = optional_id_field<UserId>(r, "performer");
  v.end_override = r.optional_date("end_override");
  v.latest_start_override = r.optional_date("latest_start_override");
  v.version = static_cast<std::uint32_t>(r.optional_integer("version", 1, u32max).value_or(1));
  r.finish();
  return v;
}

template <>
LocalTask read_value<LocalTask>(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  LocalTask v;
  v.id = id_field<LocalTaskId>(r, "id");
  v.parent = id_field<TaskId>(r, "parent");
  v.municipality = id_field<MunicipalityId>(r, "municipality");
  v.title = r.string("title");
  v.responsible = optional_id_field<UserId>(r, "responsible");
  v.performer = optional_id_field<UserId>(r, "performer");
  v.status = enum_field<TaskStatus>(r, "status");
  v.end = r.date("end");
  v.description = r.string_or("description", "");
  v.version = static_cast<std::uint32_t>(r.optional_integer("version", 1, u32max).value_or(1));
  r.finish();
  return v;
}

template <>
User read_value<User>(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  User v;
  v.id = id_field<UserId>(r, "id");
  v.email = r.string("email");
  v.full_name = r.string("full_name");
  v.organisation = r.string_or("organisation", "");
  v.side = r.find("side") ? enum_field<Side>(r, "side") : Side::Municipality;
  v.municipality = optional_id_field<MunicipalityId>(r, "municipality");
  v.administrator = r.boolean_or("administrator", false);
  v.daily_digest = r.boolean_or("daily_digest", false);
  v.memberships = array_field(r, "memberships", false, [](const json& m, const std::string& p) {
    ObjectReader mr(m, p);
    Membership out{id_field<ProjectId>(mr, "project"), enum_field<UserType>(mr, "type")};
    mr.finish();
    return out;
  });
  // Before klik kept passwords in Credentials, a user carried "password_hash":
  // read_value<Dataset> moves it into the dataset's credentials; here it is
  // checked and left out (it is never written back into a User).
  (void)r.string_or("password_hash", "");
  v.version = static_cast<std::uint32_t>(r.optional_integer("version", 1, u32max).value_or(1));
  r.finish();
  return v;
}

Timestamp timestamp_field(ObjectReader& r, const char* key) {
  const std::string text = r.string(key);
  try {
    return Timestamp::parse(text);
  } catch (const InvalidArgumentError& e) {
    throw InvalidArgumentError(e.what(), r.field_path(key));
  }
}

template <>
Message read_value<Message>(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  Message v;
  v.id = id_field<MessageId>(r, "id");
  {
    ObjectReader t(r.require("target"), r.field_path("target"));
    v.target.task = optional_id_field<TaskId>(t, "task");
    v.target.project = optional_id_field<ProjectId>(t, "project");
    v.target.wave = optional_id_field<WaveId>(t, "wave");
    t.finish();
  }
  v.author = id_field<UserId>(r, "author");
  v.author_side = enum_field<Side>(r, "author_side");
  v.time = timestamp_field(r, "time");
  v.text = r.string("text");
  r.finish();
  return v;
}

template <>
Attachment read_value<Attachment>(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  Attachment v;
  v.id = id_field<AttachmentId>(r, "id");
  v.task = id_field<TaskId>(r, "task");
  v.file_name = r.string("file_name");
  v.media_type = r.string_or("media_type", "application/octet-stream");
  v.uploaded_by = id_field<UserId>(r, "uploaded_by");
  v.time = timestamp_field(r, "time");
  if (const json* c = r.find("content_base64"))
    v.content = base64_decode(string_at(*c, r.field_path("content_base64")), r.field_path("content_base64"));
  v.size = static_cast<std::uint64_t>(r.optional_integer("size", 0, std::numeric_limits<std::int64_t>::max())
                                          .value_or(static_cast<std::int64_t>(v.content.size())));
  r.finish();
  return v;
}

template <>
InternalNote read_value<InternalNote>(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  InternalNote v{id_field<TaskId>(r, "task"), r.string("text")};
  r.finish();
  return v;
}

template <>
Credentials read_value<Credentials>(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  Credentials v;
  v.user = id_field<UserId>(r, "user");
  v.password_hash = r.string_or("password_hash", "");
  v.reset_token_hash = r.string_or("reset_token_hash", "");
  if (r.find("reset_expires")) v.reset_expires = timestamp_field(r, "reset_expires");
  v.failed_logins = static_cast<std::uint32_t>(r.optional_integer("failed_logins", 0, u32max).value_or(0));
  if (r.find("throttled_until")) v.throttled_until = timestamp_field(r, "throttled_until");
  r.finish();
  return v;
}

template <>
Dataset read_value<Dataset>(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  const std::string format = r.string("format");
  if (format != dataset_format)
    throw InvalidArgumentError(
        "unsupported format " + excerpt(format) + "; this klik reads \"" + std::string(dataset_format) + "\"",
        r.field_path("format"));
  Dataset v;
  v.municipalities = array_field(r, "municipalities", true, read_value<Municipality>);
  v.projects = array_field(r, "projects", true, read_value<Project>);
  v.waves = array_field(r, "waves", false, read_value<RolloutWave>);
  v.templates = array_field(r, "templates", true, read_value<TaskTemplate>);
  v.tasks = array_field(r, "tasks", true, read_value<Task>);
  v.local_tasks = array_field(r, "local_tasks", false, read_value<LocalTask>);
  v.users = array_field(r, "users", true, read_value<User>);
  v.messages = array_field(r, "messages", false, read_value<Message>);
  v.attachments = array_field(r, "attachments", false, read_value<Attachment>);
  v.internal_notes = array_field(r, "internal_notes", false, read_value<InternalNote>);
  v.credentials = array_field(r, "credentials", false, read_value<Credentials>);
  // Datasets written before Credentials existed kept the hash on the user: move it.
  if (const json* users = j.is_object() && j.contains("users") ? &j["users"] : nullptr; users && users->is_array())
    for (std::size_t i = 0; i < users->size() && i < v.users.size(); ++i) {
      const json& u = (*users)[i];
      if (!u.is_object() || !u.contains("password_hash") || !u["password_hash"].is_string()) continue;
      const std::string hash = u["password_hash"].get<std::string>();
      const UserId id = v.users[i].id;
      if (hash.empty() ||
          std::any_of(v.credentials.begin(), v.credentials.end(), [&](const Credentials& c) { return c.user == id; }))
        continue;
      Credentials c;
      c.user = id;
      c.password_hash = hash;
      v.credentials.push_back(std::move(c));
    }
  r.finish();
  require_valid(v);
  return v;
}

}  // namespace detail

namespace detail {
std::string dump_text(const json& j, int indent) {
  try {
    return j.dump(indent, ' ', false, json::error_handler_t::strict);
  } catch (const json::type_error&) {
    // Only text that is not UTF-8 fails here; entries reject it, so this is a value built around them.
    throw InvalidArgumentError("cannot write JSON: a text field is not valid UTF-8");
  }
}
}  // namespace detail

namespace {
/// Entities are small, except attachments with their content (base64).
constexpr detail::ParseLimits entity_limits{.max_bytes = std::size_t{256} << 20, .max_depth = detail::max_json_depth};
constexpr detail::ParseLimits dataset_limits{.max_bytes = std::size_t{16} << 30, .max_depth = detail::max_json_depth};
template <class T>
constexpr const detail::ParseLimits& limits_for() {
  if constexpr (std::is_same_v<T, Dataset>)
    return dataset_limits;
  else
    return entity_limits;
}
}  // namespace

#define KLIK_JSON_TYPE(T)                                                                                     \
  std::string to_json(const T& v, int indent) { return detail::dump_text(detail::to_json_value(v), indent); } \
  template <>                                                                                                 \
  T from_json<T>(std::string_view text) {                                                                     \
    return detail::read_value<T>(detail::parse_text(text, limits_for<T>()), "");                              \
  }

KLIK_JSON_TYPE(Municipality)
KLIK_JSON_TYPE(Project)
KLIK_JSON_TYPE(RolloutWave)
KLIK_JSON_TYPE(TaskTemplate)
KLIK_JSON_TYPE(Task)
KLIK_JSON_TYPE(LocalTask)
KLIK_JSON_TYPE(User)
KLIK_JSON_TYPE(Message)
KLIK_JSON_TYPE(Attachment)
KLIK_JSON_TYPE(InternalNote)
KLIK_JSON_TYPE(Dataset)
#undef KLIK_JSON_TYPE

}  // namespace klik
