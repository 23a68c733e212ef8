// klik serve: the portal service (docs/portal.md).
//
// cpp-httplib (Debian libcpp-httplib-dev) carries HTTP/1.1: its thread pool runs
// the handlers, each of which takes a snapshot for reading or calls a workflow for
// writing, exactly as any host of the library would. Every rule is the library's;
// this file only maps requests to calls and answers to JSON, sessions to users,
// and klik's errors to HTTP statuses (one error shape, docs/portal.md).
#include "serve.hpp"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <klik/klik.hpp>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <stop_token>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace klik_app {

/// A file of the portal's page (apps/web), compiled in (cmake/embed.cmake); empty if none.
std::string_view web_file(std::string_view name);

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// ---- errors -------------------------------------------------------------------

/// An answer other than 200, in the one error shape: {"error": code, "message": text, ...}.
struct HttpError {
  int status;
  std::string code;
  std::string message;
  json detail = json::object();
};

HttpError bad_request(std::string message, std::string where = {}) {
  HttpError e{400, "invalid_argument", std::move(message)};
  if (!where.empty()) e.detail["where"] = where;
  return e;
}
HttpError unauthenticated() { return {401, "unauthenticated", "Log ind først (no valid session)."}; }

/// A klik::Error as HTTP: the status, the code (klik::to_string(ErrorCode)) and the
/// library's own message, which never quotes more than ~80 characters of input.
HttpError from_klik(const klik::Error& e) {
  HttpError out{500, std::string(klik::to_string(e.code())), e.what()};
  switch (e.code()) {
    case klik::ErrorCode::InvalidArgument:
      out.status = 400;
      if (const auto* ia = dynamic_cast<const klik::InvalidArgumentError*>(&e); ia && !ia->where().empty())
        out.detail["where"] = ia->where();
      break;
    case klik::ErrorCode::NotFound:
      out.status = 404;
      break;
    case klik::ErrorCode::AlreadyExists:
    case klik::ErrorCode::FailedPrecondition:
      out.status = 409;
      break;
    case klik::ErrorCode::PermissionDenied:
      out.status = 403;
      if (const auto* pd = dynamic_cast<const klik::PermissionDeniedError*>(&e)) {
        out.detail["rule"] = pd->rule();
        out.detail["nearest"] = pd->nearest();
        out.detail["nearest_rule"] = pd->nearest_rule();
      }
      break;
    case klik::ErrorCode::Conflict:
      out.status = 409;
      if (const auto* c = dynamic_cast<const klik::ConflictError*>(&e))
        out.detail["changed_fields"] = c->changed_fields();
      break;
    case klik::ErrorCode::Storage:
      out.status = 503;
      out.message = "Databasen svarer ikke (storage unavailable).";
      break;
    case klik::ErrorCode::Internal:
      out.status = 500;
      out.message = "Intern fejl (internal error).";
      break;
  }
  return out;
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, const HttpError& e) {
  json body = e.detail;
  body["error"] = e.code;
  body["message"] = e.message;
  send_json(res, e.status, body);
}

// ---- sessions -----------------------------------------------------------------

struct Session {
  klik::UserId user;
  std::string csrf;
  Clock::time_point created;
  Clock::time_point last_seen;
};

/// Sessions in memory: 256-bit random tokens (the library's reset-token
/// generator, libsodium's randombytes), ended after `idle` without use or `max_age`
/// in all. A restart ends every session.
class Sessions {
 public:
  Sessions(Clock::duration idle, Clock::duration max_age) : idle_(idle), max_age_(max_age) {}

  /// A new session for `user`: {token, csrf}.
  std::pair<std::string, std::string> open(klik::UserId user) {
    std::string token = klik::new_reset_token().token;
    std::string csrf = klik::new_reset_token().token;
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    if (sessions_.size() >= max_sessions) prune(now);
    if (sessions_.size() >= max_sessions)
      throw HttpError{503, "unavailable", "For mange sessioner (too many sessions)."};
    sessions_[token] = Session{user, csrf, now, now};
    return {std::move(token), std::move(csrf)};
  }
  std::optional<Session> find(const std::string& token) {
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(token);
    if (it == sessions_.end()) return std::nullopt;
    if (now - it->second.last_seen > idle_ || now - it->second.created > max_age_) {
      sessions_.erase(it);
      return std::nullopt;
    }
    it->second.last_seen = now;
    return it->second;
  }
  void close(const std::string& token) {
    std::lock_guard lock(mutex_);
    sessions_.erase(token);
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return sessions_.size();
  }

 private:
  static constexpr std::size_t max_sessions = 100000;
  void prune(Clock::time_point now) {
    std::erase_if(sessions_, [&](const auto& kv) {
      return now - kv.second.last_seen > idle_ || now - kv.second.created > max_age_;
    });
  }
  Clock::duration idle_;
  Clock::duration max_age_;
  std::mutex mutex_;
  std::unordered_map<std::string, Session> sessions_;
};

std::string cookie_value(const httplib::Request& req, std::string_view name) {
  const std::string header = req.get_header_value("Cookie");
  std::string_view rest = header;
  while (!rest.empty()) {
    const std::size_t semi = rest.find(';');
    std::string_view part = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
  }
  return {};
}

// ---- metrics ------------------------------------------------------------------

/// Requests and latency of one route, for /metrics (Prometheus text format).
struct RouteStats {
  static constexpr std::array<double, 11> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};
  std::string method;
  std::string path;  ///< as documented ("/api/tasks/{id}")
  std::array<std::atomic<std::uint64_t>, 6> by_class{};  ///< 1xx..5xx by index status/100, [0] other
  std::array<std::atomic<std::uint64_t>, bounds.size() + 1> buckets{};  ///< not cumulative; last: +Inf
  std::atomic<std::uint64_t> micros{0};

  void record(int status, double seconds) {
    const auto cls = static_cast<std::size_t>(status / 100);
    by_class[cls < by_class.size() ? cls : 0].fetch_add(1, std::memory_order_relaxed);
    std::size_t b = 0;
    while (b < bounds.size() && seconds > bounds[b]) ++b;
    buckets[b].fetch_add(1, std::memory_order_relaxed);
    micros.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  }
};

// ---- JSON of the library's values ---------------------------------------------

json person(const klik::World& w, const std::optional<klik::UserId>& id) {
  if (!id) return nullptr;
  const klik::User* u = w.user(*id);
  if (!u) return nullptr;
  return {{"id", u->id.value()}, {"name", u->full_name}, {"email", u->email}};
}

json labelled(std::string_view code, std::string_view danish) { return {{"code", code}, {"label", danish}}; }

/// Writes JSON straight into a string, for the task list's rows: the hot path of the
/// service, where building nlohmann's tree (a std::map and a copy per member) cost
/// four fifths of a list page's time (measured with perf; docs/benchmarks.md).
/// Strings from the library are valid UTF-8 (its invariant), so only quotes,
/// backslashes and control characters need escaping.
class JsonWriter {
 public:
  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(std::string_view k) {
    comma();
    quoted(k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  JsonWriter& value(std::string_view v) {
    comma();
    quoted(v);
    return *this;
  }
  JsonWriter& value(std::uint64_t v) {
    comma();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
    return *this;
  }
  JsonWriter& null() {
    comma();
    out_ += "null";
    return *this;
  }
  JsonWriter& raw(std::string_view json_text) {
    comma();
    out_ += json_text;
    return *this;
  }
  /// {"code": ..., "label": ...}
  JsonWriter& labelled(std::string_view code, std::string_view danish) {
    return begin_object().key("code").value(code).key("label").value(danish).end_object();
  }
  std::string take() { return std::move(out_); }

 private:
  JsonWriter& open(char c) {
    comma();
    out_ += c;
    first_ = true;
    return *this;
  }
  JsonWriter& close(char c) {
    out_ += c;
    first_ = false;
    return *this;
  }
  void comma() {
    if (after_key_)
      after_key_ = false;
    else if (!first_)
      out_ += ',';
    first_ = false;
  }
  void quoted(std::string_view v) {
    out_ += '"';
    for (char ch : v) {
      const auto u = static_cast<unsigned char>(ch);
      if (ch == '"' || ch == '\\') {
        out_ += '\\';
        out_ += ch;
      } else if (u < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", u);
        out_ += buf;
      } else {
        out_ += ch;
      }
    }
    out_ += '"';
  }
  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

json user_json(const klik::World& w, const klik::User& u) {
  json memberships = json::array();
  for (const klik::Membership& m : u.memberships) {
    const klik::Project* p = w.project(m.project);
    memberships.push_back({{"project", m.project.value()},
                           {"project_name", p ? p->name : ""},
                           {"type", labelled(klik::code(m.type), klik::danish(m.type))}});
  }
  json out = {{"id", u.id.value()},
              {"email", u.email},
              {"name", u.full_name},
              {"organisation", u.organisation},
              {"side", klik::code(u.side)},
              {"administrator", u.administrator},
              {"memberships", memberships},
              {"version", u.version},
              {"daily_digest", u.daily_digest}};
  if (u.municipality) {
    const klik::Municipality* m = w.municipality(*u.municipality);
    out["municipality"] = {{"id", u.municipality->value()}, {"name", m ? m->name : ""}};
  } else {
    out["municipality"] = nullptr;
  }
  return out;
}

json capabilities_json(const klik::Capabilities& c) {
  const auto ids = [](const std::vector<klik::ProjectId>& v) {
    json a = json::array();
    for (klik::ProjectId p : v) a.push_back(p.value());
    return a;
  };
  return {{"task_list", c.task_list},
          {"project_list", c.project_list},
          {"user_management", c.user_management},
          {"own_profile", c.own_profile},
          {"create_users", c.create_users},
          {"delete_users", c.delete_users},
          {"grant_administrator", c.grant_administrator},
          {"assign_in_all_projects", c.assign_in_all_projects},
          {"assign_projects", ids(c.assign_projects)},
          {"local_task_projects", ids(c.local_task_projects)},
          {"national_views", c.all_municipalities}};
}

json explanation_json(const klik::ColourExplanation& e) {
  json out = {{"code", klik::code(e.colour)},
              {"label", klik::danish(e.colour)},
              {"text", e.text},
              {"rule", e.rule},
              {"latest_start", e.dates.latest_start.iso()},
              {"end", e.dates.end.iso()},
              {"workdays_to_latest_start", e.workdays_to_latest_start},
              {"workdays_to_end", e.workdays_to_end},
              {"next_change", nullptr}};
  if (e.next_change)
    out["next_change"] = {{"date", e.next_change->date.iso()}, {"colour", klik::code(e.next_change->to)}};
  return out;
}

void write_person(JsonWriter& out, const klik::World& w, const std::optional<klik::UserId>& id) {
  const klik::User* u = id ? w.user(*id) : nullptr;
  if (!u) {
    out.null();
    return;
  }
  out.begin_object().key("id").value(u->id.value()).key("name").value(u->full_name).key("email").value(u->email);
  out.end_object();
}

void write_row(JsonWriter& out, const klik::World& w, const klik::TaskRow& r) {
  out.begin_object().key("task").value(r.task.value()).key("local_task");
  if (r.local)
    out.value(r.local->value());
  else
    out.null();
  out.key("project").begin_object().key("id").value(r.project.value()).key("name").value(r.project_name).end_object();
  out.key("municipality").value(r.municipality.value()).key("title").value(r.title);
  out.key("phase").value(r.phase).key("theme").value(r.theme);
  out.key("colour").labelled(klik::code(r.colour), klik::danish(r.colour));
  out.key("priority").labelled(klik::code(r.priority), klik::danish(r.priority));
  out.key("status").labelled(klik::code(r.status), klik::danish(r.status));
  out.key("end").value(r.end.iso());
  out.key("responsible");
  write_person(out, w, r.responsible);
  out.key("performer");
  write_person(out, w, r.performer);
  out.key("version").value(r.version).end_object();
}

json message_json(const klik::World& w, const klik::Message& m) {
  return {{"id", m.id.value()},
          {"author", person(w, m.author)},
          {"side", klik::code(m.author_side)},
          {"time", m.time.iso()},
          {"text", m.text},
          {"broadcast", !m.target.task.has_value()}};
}

json file_json(const klik::Attachment& a) {
  return {{"id", a.id.value()},
          {"name", a.file_name},
          {"media_type", a.media_type},
          {"size", a.size},
          {"uploaded_by", a.uploaded_by.value()},
          {"time", a.time.iso()},
          {"href", "/api/files/" + std::to_string(a.id.value())}};
}

// ---- parameters ---------------------------------------------------------------

std::uint32_t parse_id(const std::string& text, const char* what) {
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v == 0)
    throw bad_request(std::string("not an id: ") + what, what);
  return v;
}

std::size_t size_param(const httplib::Request& req, const char* name, std::size_t fallback, std::size_t max) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  std::size_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max)
    throw bad_request(std::string(name) + " must be a whole number from 0 to " + std::to_string(max), name);
  return v;
}

/// A request body: a JSON object, nested at most 8 deep (the API's bodies are flat;
/// nlohmann's parser callback sees the depth of every value as it parses).
json parse_body(const httplib::Request& req) {
  constexpr int max_depth = 8;
  bool too_deep = false;
  json body = json::parse(
      req.body,
      [&too_deep](int depth, json::parse_event_t, json&) {
        if (depth > max_depth) too_deep = true;
        return !too_deep;
      },
      false, true);
  if (too_deep) throw bad_request("the body is nested deeper than " + std::to_string(max_depth), "body");
  if (body.is_discarded() || !body.is_object()) throw bad_request("the body must be a JSON object", "body");
  return body;
}

/// A JSON value as a string, or 400 naming the field.
std::string string_value(const json& value, const char* name) {
  if (!value.is_string()) throw bad_request(std::string(name) + " must be a string", name);
  return value.get<std::string>();
}

std::string string_field(const json& body, const char* name) {
  const auto it = body.find(name);
  if (it == body.end()) throw bad_request(std::string(name) + " must be a string", name);
  return string_value(*it, name);
}

/// Whether a JSON value is an id: a whole number from 1 to `max`.
bool is_id(const json& value, std::uint64_t max = UINT32_MAX) {
  return value.is_number_unsigned() && value.get<std::uint64_t>() != 0 && value.get<std::uint64_t>() <= max;
}

/// A person field of a PATCH body: a user id, or null to clear.
std::optional<klik::UserId> person_field(const json& value, const char* name) {
  if (value.is_null()) return std::nullopt;
  if (!is_id(value)) throw bad_request(std::string(name) + " must be a user id or null", name);
  return klik::UserId(value.get<std::uint32_t>());
}

/// The user actions the viewer may take on `u` (the user page's padlocks); for
/// assign_user_type, the projects on which they may give `u` a type.
json user_rights_json(const klik::World& w, const klik::RightsModel& rights, const klik::User& viewer,
                      const klik::User& u) {
  json out = json::object();
  for (klik::Action a : {klik::Action::EditUser, klik::Action::DeleteUser, klik::Action::GrantAdministrator,
                         klik::Action::ResetPassword})
    out[std::string(klik::code(a))] = rights.allows(viewer, a, klik::Target::of(u));
  json projects = json::array();
  for (const klik::Project& p : w.projects())
    if (rights.allows(viewer, klik::Action::AssignUserType, klik::Target::of(u, p.id)))
      projects.push_back(p.id.value());
  out["assign_user_type"] = projects;
  return out;
}

/// `name` of a body as an optional string (absent: not changed).
std::optional<std::string> optional_string(const json& body, const char* name) {
  const auto it = body.find(name);
  if (it == body.end()) return std::nullopt;
  return string_value(*it, name);
}

/// The If-Match of a request as an expected version: 0 for "*" or none (when allowed).
std::uint32_t expected_version(const httplib::Request& req, bool required) {
  std::string match = req.get_header_value("If-Match");
  if (match.size() >= 2 && match.front() == '"' && match.back() == '"') match = match.substr(1, match.size() - 2);
  if (match.empty()) {
    if (required)
      throw HttpError{428, "precondition_required", "Ændringen kræver If-Match med versionen (If-Match required)."};
    return 0;
  }
  // "*" (RFC 9110: any current version) writes whatever the version is now.
  return match == "*" ? 0 : parse_id(match, "If-Match");
}

/// The task actions, in the order of rights.hpp (view_task .. edit_local_task).
constexpr std::array task_actions{
    klik::Action::ViewTask,          klik::Action::ExportTask,   klik::Action::ViewInternalNotes,
    klik::Action::EditInternalNotes, klik::Action::BeAssigned,   klik::Action::EditResponsible,
    klik::Action::EditPerformer,     klik::Action::EditStatus,   klik::Action::SetNotActive,
    klik::Action::AddFile,           klik::Action::DeleteFile,   klik::Action::WriteMessage,
    klik::Action::CreateLocalTask,   klik::Action::EditLocalTask};

// ---- the service --------------------------------------------------------------

class Service {
 public:
  explicit Service(const ServeOptions& options)
      : options_(options),
        store_(open(options)),
        clock_(make_clock(options.date)),
        rights_(klik::RightsModel::default_model()),
        workflows_(*store_, *clock_, rights_),
        publishing_(*store_, *clock_, rights_),
        accounts_(*store_, *clock_, klik::AccountPolicy{}, rights_),
        sessions_(std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double, std::ratio<60>>(options.idle_minutes)),
                  std::chrono::hours(options.max_session_hours)) {}

  /// Gives a few users of the demo world a fresh password each; returns them.
  json demo_logins();
  void routes(httplib::Server& server);
  json openapi() const;

  // The outbox's delivery inside the service (--smtp): what /metrics reports of it.
  klik::Store& store() { return *store_; }
  const klik::Clock& clock() const { return *clock_; }
  void attach_mailer(const klik::SmtpNotifier* mailer) { mailer_ = mailer; }
  void count_delivery_failure() { delivery_failures_.fetch_add(1, std::memory_order_relaxed); }

 private:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  struct Route {
    std::string method;
    std::string path;  ///< OpenAPI form: /api/tasks/{id}
    std::string summary;
    bool needs_session;
    std::unique_ptr<RouteStats> stats;
  };

  /// The store: PostgreSQL by URL, else the SQLite file, asking whether other processes
  /// committed at most every `follow_ms` (a snapshot per request otherwise takes the
  /// connection's mutex for PRAGMA data_version: 64 workers queued on it).
  static std::unique_ptr<klik::Store> open(const ServeOptions& options) {
    if (klik::is_postgres_url(options.db)) return klik::open_store(options.db);
    klik::SqliteOptions sqlite;
    sqlite.follow_interval_ms = options.follow_ms;
    return klik::open_sqlite_store(options.db, sqlite);
  }
  static std::unique_ptr<klik::Clock> make_clock(const std::string& date) {
    if (date.empty()) return std::make_unique<klik::SystemClock>();
    return std::make_unique<klik::FixedClock>(klik::Date::parse(date));
  }
  [[nodiscard]] klik::Date today() const { return klik::today_in_copenhagen(*clock_); }

  /// Registers `handler` for `method` and `path` ("{id}" matches a decimal id),
  /// wrapped with metrics, the error shape and (for state changes) the CSRF check.
  void add(httplib::Server& server, const std::string& method, const std::string& path, const std::string& summary,
           bool needs_session, Handler handler);

  /// The signed-in user of a request, or 401. State-changing methods also need
  /// the session's CSRF token in X-CSRF-Token (403 otherwise).
  Session session_of(const httplib::Request& req);

  // handlers
  void login(const httplib::Request& req, httplib::Response& res);
  void logout(const httplib::Request& req, httplib::Response& res);
  void me(const httplib::Request& req, httplib::Response& res);
  void list_tasks(const httplib::Request& req, httplib::Response& res);
  void quick_status(const httplib::Request& req, httplib::Response& res);
  void get_task(const httplib::Request& req, httplib::Response& res);
  void get_task_pdf(const httplib::Request& req, httplib::Response& res);
  void get_local_task(const httplib::Request& req, httplib::Response& res);
  void patch_task(const httplib::Request& req, httplib::Response& res);
  void get_messages(const httplib::Request& req, httplib::Response& res);
  void post_message(const httplib::Request& req, httplib::Response& res);
  void get_files(const httplib::Request& req, httplib::Response& res);
  void post_file(const httplib::Request& req, httplib::Response& res);
  void download(const httplib::Request& req, httplib::Response& res);
  void get_notes(const httplib::Request& req, httplib::Response& res);
  void put_notes(const httplib::Request& req, httplib::Response& res);
  void history(const httplib::Request& req, httplib::Response& res);
  void projects(const httplib::Request& req, httplib::Response& res);
  void users(const httplib::Request& req, httplib::Response& res);
  void national_status(const httplib::Request& req, httplib::Response& res);
  void get_user(const httplib::Request& req, httplib::Response& res);
  void create_user(const httplib::Request& req, httplib::Response& res);
  void patch_user(const httplib::Request& req, httplib::Response& res);
  void put_membership(const httplib::Request& req, httplib::Response& res);
  void delete_membership(const httplib::Request& req, httplib::Response& res);
  void delete_user(const httplib::Request& req, httplib::Response& res);
  void user_history(const httplib::Request& req, httplib::Response& res);
  void send_reset(const httplib::Request& req, httplib::Response& res);
  void confirm_reset(const httplib::Request& req, httplib::Response& res);
  void change_password(const httplib::Request& req, httplib::Response& res);
  void create_local_task(const httplib::Request& req, httplib::Response& res);
  void patch_local_task(const httplib::Request& req, httplib::Response& res);
  void delete_local_task(const httplib::Request& req, httplib::Response& res);
  void broadcast(const httplib::Request& req, httplib::Response& res);
  void what_if(const httplib::Request& req, httplib::Response& res);
  void metrics(const httplib::Request& req, httplib::Response& res);

  json task_json(const klik::World& w, const klik::User& viewer, klik::TaskId id) const;
  /// A user as `s`'s user may see them, with their rights on them (404 if not).
  void send_user(const Session& s, klik::UserId id, httplib::Response& res) const;
  /// A local task as `s`'s user may see it, answered with `status`.
  void send_local_task(const Session& s, klik::LocalTaskId id, httplib::Response& res, int status) const;
  static klik::TaskQuery query_of(const httplib::Request& req);

  ServeOptions options_;
  std::unique_ptr<klik::Store> store_;
  std::unique_ptr<klik::Clock> clock_;
  klik::RightsModel rights_;
  klik::Workflows workflows_;
  klik::Publishing publishing_;
  klik::Accounts accounts_;
  Sessions sessions_;
  const klik::SmtpNotifier* mailer_ = nullptr;
  std::atomic<std::uint64_t> delivery_failures_{0};
  std::vector<Route> routes_;
  RouteStats unmatched_{"", "unmatched"};
};

void Service::add(httplib::Server& server, const std::string& method, const std::string& path,
                  const std::string& summary, bool needs_session, Handler handler) {
  auto stats = std::make_unique<RouteStats>();
  stats->method = method;
  stats->path = path;
  RouteStats* s = stats.get();
  routes_.push_back(Route{method, path, summary, needs_session, std::move(stats)});
  // ("." as itself: /api/tasks/{id}.pdf.)
  const std::string literal = std::regex_replace(path, std::regex(R"(\.)"), R"(\.)");
  const std::string pattern = std::regex_replace(literal, std::regex(R"(\{[a-z_]+\})"), "([0-9]{1,10})");
  httplib::Server::Handler wrapped = [s, handler = std::move(handler)](const httplib::Request& req,
                                                                       httplib::Response& res) {
    const auto start = Clock::now();
    try {
      handler(req, res);
    } catch (const HttpError& e) {
      send_error(res, e);
    } catch (const klik::Error& e) {
      if (e.code() == klik::ErrorCode::Internal || e.code() == klik::ErrorCode::Storage)
        std::fprintf(stderr, "klik serve: %s %s: %s\n", req.method.c_str(), s->path.c_str(), e.what());
      send_error(res, from_klik(e));
    } catch (const std::bad_alloc&) {
      send_error(res, HttpError{503, "unavailable", "Ikke nok hukommelse (out of memory)."});
    } catch (const std::exception& e) {
      std::fprintf(stderr, "klik serve: %s %s: %s\n", req.method.c_str(), s->path.c_str(), e.what());
      send_error(res, HttpError{500, "internal", "Intern fejl (internal error)."});
    }
    s->record(res.status, std::chrono::duration<double>(Clock::now() - start).count());
  };
  if (method == "GET")
    server.Get(pattern, wrapped);
  else if (method == "POST")
    server.Post(pattern, wrapped);
  else if (method == "PATCH")
    server.Patch(pattern, wrapped);
  else if (method == "PUT")
    server.Put(pattern, wrapped);
  else if (method == "DELETE")
    server.Delete(pattern, wrapped);
}

Session Service::session_of(const httplib::Request& req) {
  const std::string token = cookie_value(req, "klik_session");
  if (token.empty() || token.size() > 64) throw unauthenticated();
  const std::optional<Session> s = sessions_.find(token);
  if (!s) throw unauthenticated();
  if (req.method != "GET" && req.method != "HEAD") {
    const std::string csrf = req.get_header_value("X-CSRF-Token");
    // Both are 43 characters of base64; compared in full whatever matches first.
    bool same = csrf.size() == s->csrf.size();
    unsigned char diff = 0;
    for (std::size_t i = 0; same && i < csrf.size(); ++i) diff |= static_cast<unsigned char>(csrf[i] ^ s->csrf[i]);
    if (!same || diff != 0)
      throw HttpError{403, "csrf", "Mangler eller forkert X-CSRF-Token (missing or wrong CSRF token)."};
  }
  return *s;
}

/// The viewer as stored now (rights follow the current memberships). A deleted
/// user's session has ended.
const klik::User& viewer_in(const klik::World& w, const Session& s) {
  const klik::User* u = w.user(s.user);
  if (!u) throw unauthenticated();
  return *u;
}

json Service::demo_logins() {
  // A Plusbruger, a Light-bruger and a Læser of one project in one municipality, a
  // Plusbruger of another municipality, a KOMBIT user and an Administrator of the
  // first municipality (docs/portal.md).
  std::vector<std::pair<klik::UserId, std::string>> chosen;
  {
    const klik::Snapshot snap = store_->snapshot();
    const klik::World& w = snap.world();
    const auto users = w.users();
    const auto pick = [&](auto&& pred, const char* role) {
      for (const klik::User* u : users) {
        if (!pred(*u)) continue;
        bool taken = false;
        for (const auto& c : chosen) taken = taken || c.first == u->id;
        if (taken) continue;
        chosen.emplace_back(u->id, role);
        return u;
      }
      return static_cast<const klik::User*>(nullptr);
    };
    const klik::User* plus = pick(
        [](const klik::User& u) {
          return !u.memberships.empty() && u.memberships.front().type == klik::UserType::Plus && u.municipality;
        },
        "plusbruger");
    if (!plus) throw klik::FailedPreconditionError("--demo needs a world with a Plusbruger (klik generate)");
    const klik::ProjectId project = plus->memberships.front().project;
    const auto on = [&](klik::UserType t) {
      return [=](const klik::User& u) { return u.municipality == plus->municipality && u.type_on(project) == t; };
    };
    pick(on(klik::UserType::Light), "light-bruger");
    pick(on(klik::UserType::Reader), "læser");
    pick(
        [&](const klik::User& u) {
          return u.municipality && u.municipality != plus->municipality && u.type_on(project) == klik::UserType::Plus;
        },
        "plusbruger i en anden kommune");
    pick([](const klik::User& u) { return u.side == klik::Side::Kombit; }, "kombit");
    pick([&](const klik::User& u) { return u.municipality == plus->municipality && u.administrator; }, "administrator");
  }
  json out = json::array();
  for (const auto& [id, role] : chosen) {
    const std::string password = "demo-" + klik::new_reset_token().token.substr(0, 16);
    const std::string hash = klik::hash_password(password);
    store_->update_credentials(id, [&](const klik::Credentials& c) {
      klik::Credentials next = c;
      next.password_hash = hash;
      next.failed_logins = 0;
      next.throttled_until = klik::Timestamp{};
      return std::optional<klik::Credentials>(next);
    });
    const klik::Snapshot snap = store_->snapshot();
    out.push_back({{"role", role}, {"email", snap->user(id)->email}, {"password", password}});
  }
  return out;
}

void Service::login(const httplib::Request& req, httplib::Response& res) {
  const json body = parse_body(req);
  const std::string email = string_field(body, "email");
  const std::string password = string_field(body, "password");
  if (email.size() > 320 || password.size() > accounts_.policy().max_bytes)
    throw HttpError{401, "refused", "Forkert e-mail eller adgangskode (wrong email or password)."};
  const klik::LoginResult r = accounts_.login(email, password);
  if (r.outcome == klik::LoginOutcome::Throttled) {
    const std::int64_t wait = std::max<std::int64_t>(1, r.retry_after.unix_seconds() - clock_->now().unix_seconds());
    res.set_header("Retry-After", std::to_string(wait));
    throw HttpError{429,
                    "throttled",
                    "For mange forsøg; prøv igen senere (too many attempts).",
                    {{"retry_after", r.retry_after.iso()}}};
  }
  if (r.outcome != klik::LoginOutcome::Success || !r.user)
    throw HttpError{401, "refused", "Forkert e-mail eller adgangskode (wrong email or password)."};
  const auto [token, csrf] = sessions_.open(*r.user);
  std::string cookie = "klik_session=" + token + "; Path=/; HttpOnly; SameSite=Strict";
  if (options_.secure_cookies) cookie += "; Secure";
  res.set_header("Set-Cookie", cookie);
  const klik::Snapshot snap = store_->snapshot();
  send_json(res, 200,
            {{"user", user_json(snap.world(), viewer_in(snap.world(), Session{*r.user, csrf, {}, {}}))},
             {"csrf_token", csrf}});
}

void Service::logout(const httplib::Request& req, httplib::Response& res) {
  session_of(req);
  sessions_.close(cookie_value(req, "klik_session"));
  res.set_header("Set-Cookie", "klik_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  res.status = 204;
}

void Service::me(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::Snapshot snap = store_->snapshot();
  const klik::User& u = viewer_in(snap.world(), s);
  send_json(res, 200,
            {{"user", user_json(snap.world(), u)},
             {"capabilities", capabilities_json(rights_.capabilities(u))},
             {"csrf_token", s.csrf},
             {"today", today().iso()}});
}

klik::TaskQuery Service::query_of(const httplib::Request& req) {
  const std::string text = req.has_param("q") ? req.get_param_value("q") : std::string();
  if (text.size() > 4096) throw bad_request("q is longer than 4096 bytes", "q");
  klik::TaskQuery q = klik::parse_task_query(text);
  if (req.has_param("sort")) {
    // "end_date", "-title,end_date": a column code, '-' for descending.
    q.sort.clear();
    // (get_param_value answers a copy: keep it while its view is read.)
    const std::string sort = req.get_param_value("sort");
    std::string_view rest = sort;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string_view key = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      klik::SortKey k;
      if (!key.empty() && key.front() == '-') {
        k.descending = true;
        key.remove_prefix(1);
      }
      k.column = klik::parse_task_column(key);
      q.sort.push_back(k);
    }
  }
  if (req.has_param("limit")) q.limit = static_cast<std::uint32_t>(size_param(req, "limit", 50, 1000));
  if (req.has_param("cursor")) q.cursor = req.get_param_value("cursor");
  q.check();
  return q;
}

void Service::list_tasks(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::TaskQuery q = query_of(req);
  const klik::Snapshot snap = store_->snapshot();
  const klik::World& w = snap.world();
  const klik::User& viewer = viewer_in(w, s);
  const klik::TaskPage page = klik::list_tasks(w, rights_, viewer, q, today());
  JsonWriter out;
  out.begin_object().key("rows").begin_array();
  for (const klik::TaskRow& r : page.rows) write_row(out, w, r);
  out.end_array().key("total").value(page.total).key("next_cursor");
  if (page.next_cursor.empty())
    out.null();
  else
    out.value(page.next_cursor);
  // The filters as chips, each with the query that removes it (from the first page).
  klik::TaskQuery first = q;
  first.cursor.clear();
  first.offset = 0;
  out.key("query").value(klik::to_text(first.canonical())).key("chips").begin_array();
  for (klik::FilterField f : q.applied_filters()) {
    out.begin_object().key("field").value(klik::code(f));
    out.key("without").value(klik::to_text(first.without(f).canonical())).end_object();
  }
  out.end_array().key("reset").value(klik::to_text(first.reset_filters().canonical())).end_object();
  res.status = 200;
  res.set_content(out.take(), "application/json; charset=utf-8");
}

void Service::quick_status(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::TaskQuery q = query_of(req);
  const klik::Snapshot snap = store_->snapshot();
  const klik::World& w = snap.world();
  const klik::ColourCounts counts = klik::quick_status(w, rights_, viewer_in(w, s), q, today());
  json out = json::object();
  for (klik::DeadlineColour c : klik::all_values<klik::DeadlineColour>()) out[std::string(klik::code(c))] = counts[c];
  out["total"] = counts.total();
  send_json(res, 200, out);
}

json Service::task_json(const klik::World& w, const klik::User& viewer, klik::TaskId id) const {
  const std::optional<klik::Task> task = w.task(id);
  const std::optional<klik::ProjectId> project = w.project_of(id);
  if (!task || !project) throw klik::not_found(klik::ObjectKind::Task);
  const klik::TaskFacts facts = klik::task_facts(*task, *project);
  const klik::FieldRights fr = rights_.field_rights(viewer, std::span(&facts, 1)).front();
  // Another municipality's task is exactly a missing one (rights.hpp not_found).
  if (!fr.visible || !fr.can(klik::Action::ViewTask)) throw klik::not_found(klik::ObjectKind::Task);
  const klik::TaskTemplate* t = w.task_template(task->template_id);
  const klik::Project* p = w.project(*project);
  const klik::Municipality* m = w.municipality(task->municipality);
  json rights = json::object();
  for (klik::Action a : task_actions) rights[std::string(klik::code(a))] = fr.can(a);
  json out = {{"id", id.value()},
              {"version", task->version},
              {"title", t->title},
              {"goal", t->goal},
              {"description", t->description},
              {"method", t->method},
              {"result", t->result},
              {"documentation_required", t->documentation_required},
              {"phase", {{"number", t->phase}, {"name", t->phase <= p->phases.size() ? p->phases[t->phase - 1] : ""}}},
              {"theme", {{"number", t->theme}, {"name", t->theme <= p->themes.size() ? p->themes[t->theme - 1] : ""}}},
              {"project", {{"id", p->id.value()}, {"name", p->name}}},
              {"municipality", {{"id", m->id.value()}, {"name", m->name}}},
              {"priority", labelled(klik::code(t->priority), klik::danish(t->priority))},
              {"status", labelled(klik::code(task->status), klik::danish(task->status))},
              {"responsible", person(w, task->responsible)},
              {"performer", person(w, task->performer)},
              {"rights", rights}};
  if (const auto e = klik::explain_task_colour(w, id, today())) out["colour"] = explanation_json(*e);
  json files = json::array();
  for (const klik::Attachment* a : w.attachments(id)) files.push_back(file_json(*a));
  out["files"] = files;
  if (fr.can(klik::Action::ViewInternalNotes)) out["internal_notes"] = w.internal_notes(id).value_or("");
  return out;
}

void Service::get_task(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::TaskId id(parse_id(req.matches[1], "id"));
  const klik::Snapshot snap = store_->snapshot();
  const json out = task_json(snap.world(), viewer_in(snap.world(), s), id);
  res.set_header("ETag", "\"" + std::to_string(out["version"].get<std::uint32_t>()) + "\"");
  send_json(res, 200, out);
}

void Service::get_task_pdf(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::TaskId id(parse_id(req.matches[1], "id"));
  {
    const klik::Snapshot snap = store_->snapshot();
    viewer_in(snap.world(), s);  // a deleted user's session has ended (401), as for GET /api/tasks/{id}
  }
  // Its own snapshot, released before the file is rendered; 404 exactly as GET /api/tasks/{id}.
  const std::string pdf = klik::export_pdf(*store_, s.user, id, today(), rights_);
  res.set_header("Content-Disposition", "attachment; filename=\"opgave-" + std::to_string(id.value()) + ".pdf\"");
  res.status = 200;
  res.set_content(pdf, "application/pdf");
}

void Service::send_local_task(const Session& s, klik::LocalTaskId id, httplib::Response& res, int status) const {
  const klik::Snapshot snap = store_->snapshot();
  const klik::World& w = snap.world();
  const klik::User& viewer = viewer_in(w, s);
  const klik::LocalTask* local = w.local_task(id);
  const std::optional<klik::Task> parent = local ? w.task(local->parent) : std::nullopt;
  const std::optional<klik::ProjectId> project = parent ? w.project_of(parent->id) : std::nullopt;
  if (!local || !parent || !project) throw klik::not_found(klik::ObjectKind::LocalTask);
  const klik::TaskFacts facts = klik::local_task_facts(*local, *parent, *project);
  const klik::FieldRights fr = rights_.field_rights(viewer, std::span(&facts, 1)).front();
  if (!fr.visible || !fr.can(klik::Action::ViewTask)) throw klik::not_found(klik::ObjectKind::LocalTask);
  json rights = json::object();
  for (klik::Action a : task_actions) rights[std::string(klik::code(a))] = fr.can(a);
  const klik::Project* p = w.project(*project);
  const klik::TaskTemplate* t = w.task_template(parent->template_id);
  // The parent is named only to those who may see it (its title is KOMBIT's text).
  const bool parent_visible = rights_.allows(viewer, klik::Action::ViewTask, klik::task_facts(*parent, *project));
  json out = {{"id", local->id.value()},
              {"version", local->version},
              {"title", local->title},
              {"description", local->description},
              {"parent", parent_visible ? json{{"id", parent->id.value()}, {"title", t->title}} : json(nullptr)},
              {"project", {{"id", p->id.value()}, {"name", p->name}}},
              {"status", labelled(klik::code(local->status), klik::danish(local->status))},
              {"end", local->end.iso()},
              {"responsible", person(w, local->responsible)},
              {"performer", person(w, local->performer)},
              {"rights", rights}};
  if (const auto e = klik::explain_task_colour(w, parent->id, today(), id)) out["colour"] = explanation_json(*e);
  res.set_header("ETag", "\"" + std::to_string(local->version) + "\"");
  send_json(res, status, out);
}

void Service::get_local_task(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  send_local_task(s, klik::LocalTaskId(parse_id(req.matches[1], "id")), res, 200);
}

void Service::patch_task(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::TaskId id(parse_id(req.matches[1], "id"));
  klik::TaskChange change;
  change.task = id;
  change.expected_version = expected_version(req, true);
  const json body = parse_body(req);
  for (const auto& [key, value] : body.items()) {
    if (key == "status") {
      if (!value.is_string()) throw bad_request("status must be a status code", "status");
      change.status = klik::parse<klik::TaskStatus>(value.get<std::string>());
    } else if (key == "responsible") {
      change.responsible = person_field(value, "responsible");
    } else if (key == "performer") {
      change.performer = person_field(value, "performer");
    } else {
      throw bad_request("unknown field (status, responsible, performer)", key);
    }
  }
  workflows_.change_task(s.user, change);
  const klik::Snapshot snap = store_->snapshot();
  const json out = task_json(snap.world(), viewer_in(snap.world(), s), id);
  res.set_header("ETag", "\"" + std::to_string(out["version"].get<std::uint32_t>()) + "\"");
  send_json(res, 200, out);
}

void Service::get_messages(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::TaskId id(parse_id(req.matches[1], "id"));
  const klik::MessagePage page =
      workflows_.messages(s.user, id, size_param(req, "offset", 0, UINT32_MAX), size_param(req, "limit", 50, 1000));
  const klik::Snapshot snap = store_->snapshot();
  json items = json::array();
  for (const klik::Message& m : page.messages) items.push_back(message_json(snap.world(), m));
  send_json(res, 200, {{"messages", items}, {"offset", page.offset}, {"total", page.total}});
}

void Service::post_message(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::TaskId id(parse_id(req.matches[1], "id"));
  const klik::Message m = workflows_.write_message(s.user, id, string_field(parse_body(req), "text"));
  const klik::Snapshot snap = store_->snapshot();
  send_json(res, 201, message_json(snap.world(), m));
}

void Service::get_files(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::TaskId id(parse_id(req.matches[1], "id"));
  json out = json::array();
  for (const klik::Attachment& a : workflows_.files(s.user, id)) out.push_back(file_json(a));
  send_json(res, 200, {{"files", out}});
}

/// A file name as it is kept: the last path component, without control characters.
std::string safe_file_name(std::string_view name) {
  const std::size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  for (char ch : name)
    if (static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f) out += ch;
  if (out.empty() || out == "." || out == "..") throw bad_request("the file has no usable name", "file");
  return out;
}

void Service::post_file(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::TaskId id(parse_id(req.matches[1], "id"));
  if (!req.is_multipart_form_data() || !req.has_file("file"))
    throw bad_request("send the file as multipart/form-data in a part named \"file\"", "file");
  const httplib::MultipartFormData part = req.get_file_value("file");
  const std::string name = safe_file_name(part.filename);
  try {
    const klik::Attachment a = workflows_.add_file(
        s.user, id, name, part.content_type.empty() ? "application/octet-stream" : part.content_type, part.content);
    send_json(res, 201, file_json(a));
  } catch (const klik::InvalidArgumentError& e) {
    // The file itself is refused (a CPR number in it, a name the library rejects).
    HttpError out = from_klik(e);
    out.status = 422;
    throw out;
  }
}

void Service::download(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::AttachmentId id(parse_id(req.matches[1], "id"));
  std::string content;
  workflows_.read_file(s.user, id, [&](std::string_view chunk) { content.append(chunk); });
  std::string name;
  {
    const klik::Snapshot snap = store_->snapshot();
    const klik::Attachment* a = snap->attachment(id);
    if (!a) throw klik::not_found(klik::ObjectKind::Attachment);
    name = a->file_name;
  }
  // RFC 6266 / 5987: an ASCII fallback and the UTF-8 name percent-encoded.
  std::string ascii, encoded;
  for (unsigned char ch : name) {
    ascii += (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') ? static_cast<char>(ch) : '_';
    if (std::isalnum(ch) || ch == '.' || ch == '-' || ch == '_') {
      encoded += static_cast<char>(ch);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      encoded += buf;
    }
  }
  res.set_header("Content-Disposition", "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded);
  res.set_header("Content-Security-Policy", "sandbox; default-src 'none'");
  res.status = 200;
  res.set_content(content, "application/octet-stream");
}

void Service::get_notes(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::TaskId id(parse_id(req.matches[1], "id"));
  send_json(res, 200, {{"text", workflows_.internal_notes(s.user, id)}});
}

void Service::put_notes(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::TaskId id(parse_id(req.matches[1], "id"));
  const std::string text = string_field(parse_body(req), "text");
  workflows_.set_internal_notes(s.user, id, text);
  send_json(res, 200, {{"text", text}});
}

/// Journal entries (a task's or a user's history) in their JSON (klik::to_json).
json entries_json(const std::vector<klik::JournalEntry>& entries) {
  json out = json::array();
  for (const klik::JournalEntry& e : entries) out.push_back(json::parse(klik::to_json(e)));
  return {{"entries", out}};
}

void Service::history(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::TaskId id(parse_id(req.matches[1], "id"));
  send_json(res, 200, entries_json(workflows_.task_history(s.user, id, size_param(req, "limit", 100, 1000))));
}

void Service::projects(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  klik::ProjectQuery q;
  if (req.has_param("name")) q.name_contains = req.get_param_value("name");
  for (std::size_t i = 0; i < req.get_param_value_count("type"); ++i)
    q.user_types.push_back(klik::parse<klik::UserType>(req.get_param_value("type", i)));
  const klik::Snapshot snap = store_->snapshot();
  const klik::World& w = snap.world();
  json out = json::array();
  for (const klik::ProjectRow& r : klik::list_projects(w, rights_, viewer_in(w, s), q))
    out.push_back({{"id", r.project.value()},
                   {"name", r.name},
                   {"viewer_type", r.viewer_type ? json(klik::code(*r.viewer_type)) : json(nullptr)},
                   {"viewer_type_label", r.viewer_type ? json(klik::danish(*r.viewer_type)) : json(nullptr)},
                   {"deadline", r.deadline.iso()},
                   {"period_start", r.period_start.iso()},
                   {"period_end", r.period_end.iso()},
                   {"kombit_contact", r.kombit_contact},
                   {"contact_mail", r.contact_mail},
                   {"phases", w.project(r.project)->phases},
                   {"themes", w.project(r.project)->themes}});
  send_json(res, 200, {{"projects", out}});
}

void Service::users(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  klik::UserQuery q;
  if (req.has_param("text")) q.text = req.get_param_value("text");
  for (std::size_t i = 0; i < req.get_param_value_count("project"); ++i)
    q.projects.emplace_back(klik::ProjectId(parse_id(req.get_param_value("project", i), "project")));
  for (std::size_t i = 0; i < req.get_param_value_count("type"); ++i)
    q.user_types.push_back(klik::parse<klik::UserType>(req.get_param_value("type", i)));
  if (req.has_param("administrator")) {
    const std::string a = req.get_param_value("administrator");
    if (a != "true" && a != "false") throw bad_request("administrator must be true or false", "administrator");
    q.administrator = a == "true";
  }
  const klik::Snapshot snap = store_->snapshot();
  const klik::World& w = snap.world();
  json out = json::array();
  for (const klik::User& u : klik::list_users(w, rights_, viewer_in(w, s), q)) out.push_back(user_json(w, u));
  send_json(res, 200, {{"users", out}});
}

void Service::national_status(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::ProjectId project(parse_id(req.matches[1], "id"));
  const klik::Snapshot snap = store_->snapshot();
  const klik::World& w = snap.world();
  const klik::User& viewer = viewer_in(w, s);
  json rows = json::array();
  for (const klik::MunicipalityStatus& m : klik::status_by_municipality(w, rights_, viewer, project, today())) {
    json colours = json::object();
    for (klik::DeadlineColour c : klik::all_values<klik::DeadlineColour>()) {
      std::size_t n = 0;
      for (klik::Priority p : klik::all_values<klik::Priority>()) n += m.count(c, p);
      colours[std::string(klik::code(c))] = n;
    }
    const klik::Municipality* mu = w.municipality(m.municipality);
    rows.push_back({{"municipality", m.municipality.value()},
                    {"name", mu ? mu->name : ""},
                    {"colours", colours},
                    {"red_followed_up", m.red_followed_up()}});
  }
  json without = json::array();
  for (klik::MunicipalityId m : klik::municipalities_without_plus(w, project)) without.push_back(m.value());
  json phases = json::array();
  for (const klik::PhaseProgress& p : klik::progress_by_phase(w, rights_, viewer, project)) {
    json by = json::object();
    for (klik::TaskStatus st : klik::all_values<klik::TaskStatus>())
      by[std::string(klik::code(st))] = p.by_status[static_cast<std::size_t>(st)];
    phases.push_back(
        {{"phase", p.phase}, {"name", p.name}, {"by_status", by}, {"completed_share", p.completed_share()}});
  }
  json waves = json::array();
  for (const klik::RolloutWave& wave : w.waves())
    if (wave.project == project)
      waves.push_back({{"id", wave.id.value()},
                       {"name", wave.name},
                       {"municipalities", wave.members.size()},
                       {"shift_workdays", wave.shift_workdays}});
  send_json(res, 200,
            {{"municipalities", rows}, {"phases", phases}, {"without_plusbruger", without}, {"waves", waves}});
}

// ---- users: administration, passwords -----------------------------------------

void Service::get_user(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  send_user(s, klik::UserId(parse_id(req.matches[1], "id")), res);
}

void Service::send_user(const Session& s, klik::UserId id, httplib::Response& res) const {
  const klik::Snapshot snap = store_->snapshot();
  const klik::World& w = snap.world();
  const klik::User& viewer = viewer_in(w, s);
  const klik::User* u = w.user(id);
  // Another municipality's user is exactly a missing one.
  if (!u || (u->id != viewer.id && !rights_.allows(viewer, klik::Action::ViewUser, klik::Target::of(*u))))
    throw klik::not_found(klik::ObjectKind::User);
  json out = user_json(w, *u);
  out["rights"] = user_rights_json(w, rights_, viewer, *u);
  res.set_header("ETag", "\"" + std::to_string(u->version) + "\"");
  send_json(res, 200, out);
}

/// A membership list of a body: [{"project": id, "type": "plus"|"light"|"reader"|...}].
std::vector<klik::Membership> memberships_field(const json& body) {
  std::vector<klik::Membership> out;
  const auto it = body.find("memberships");
  if (it == body.end()) return out;
  if (!it->is_array() || it->size() > 1000)
    throw bad_request("memberships must be a list of {project, type}", "memberships");
  for (const json& m : *it) {
    if (!m.is_object() || !m.contains("project") || !m.contains("type") || !m["type"].is_string() ||
        !is_id(m["project"]))
      throw bad_request("each membership is {\"project\": id, \"type\": user type code}", "memberships");
    out.push_back({klik::ProjectId(m["project"].get<std::uint32_t>()),
                   klik::parse<klik::UserType>(m["type"].get<std::string>())});
  }
  return out;
}

void Service::create_user(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const json body = parse_body(req);
  klik::User proposed;
  proposed.email = string_field(body, "email");
  proposed.full_name = string_field(body, "name");
  proposed.organisation = optional_string(body, "organisation").value_or("");
  if (const auto a = body.find("administrator"); a != body.end()) {
    if (!a->is_boolean()) throw bad_request("administrator must be true or false", "administrator");
    proposed.administrator = a->get<bool>();
  }
  proposed.memberships = memberships_field(body);
  {
    // A municipality's user by default, in the creator's municipality; KOMBIT may
    // name another municipality, or create one of its own (side "kombit").
    const klik::Snapshot snap = store_->snapshot();
    const klik::User& viewer = viewer_in(snap.world(), s);
    proposed.side = klik::parse<klik::Side>(optional_string(body, "side").value_or("municipality"));
    if (proposed.side == klik::Side::Municipality) {
      if (const auto m = body.find("municipality"); m != body.end()) {
        if (!is_id(*m, UINT16_MAX)) throw bad_request("municipality must be a municipality id", "municipality");
        proposed.municipality = klik::MunicipalityId(m->get<std::uint16_t>());
      } else {
        proposed.municipality = viewer.municipality;
      }
    }
  }
  const klik::User created = workflows_.create_user(s.user, proposed);
  const klik::Snapshot snap = store_->snapshot();
  json out = user_json(snap.world(), created);
  out["rights"] = user_rights_json(snap.world(), rights_, viewer_in(snap.world(), s), created);
  res.set_header("Location", "/api/users/" + std::to_string(created.id.value()));
  send_json(res, 201, out);
}

void Service::patch_user(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::UserId id(parse_id(req.matches[1], "id"));
  klik::UserDetailsChange change;
  change.user = id;
  change.expected_version = expected_version(req, true);
  const json body = parse_body(req);
  std::optional<bool> administrator, daily_digest;
  for (const auto& [key, value] : body.items()) {
    if (key == "name") {
      change.full_name = string_value(value, "name");
    } else if (key == "email") {
      change.email = string_value(value, "email");
    } else if (key == "organisation") {
      change.organisation = string_value(value, "organisation");
    } else if (key == "administrator") {
      if (!value.is_boolean()) throw bad_request("administrator must be true or false", "administrator");
      administrator = value.get<bool>();
    } else if (key == "daily_digest") {
      if (!value.is_boolean()) throw bad_request("daily_digest must be true or false", "daily_digest");
      daily_digest = value.get<bool>();
    } else {
      throw bad_request("unknown field (name, email, organisation, administrator, daily_digest)", key);
    }
  }
  if (change.full_name || change.email || change.organisation) workflows_.edit_user(s.user, change);
  if (administrator) {
    bool changes = true;
    {
      const klik::Snapshot snap = store_->snapshot();  // let go before writing
      const klik::User* u = snap->user(id);
      changes = !u || u->administrator != *administrator;
    }
    // Only when it changes: the flag has no version of its own to check.
    if (changes) workflows_.set_administrator(s.user, id, *administrator);
  }
  // The choice is checked like any change (the user themself, or an editor of
  // their details) and, with no effect, writes nothing.
  if (daily_digest) workflows_.set_daily_digest(s.user, id, *daily_digest);
  send_user(s, id, res);
}

void Service::put_membership(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::UserId id(parse_id(req.matches[1], "id"));
  const klik::ProjectId project(parse_id(req.matches[2], "project"));
  const klik::UserType type = klik::parse<klik::UserType>(string_field(parse_body(req), "type"));
  workflows_.set_user_type(s.user, id, project, type);
  send_user(s, id, res);
}

void Service::delete_membership(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::UserId id(parse_id(req.matches[1], "id"));
  const klik::ProjectId project(parse_id(req.matches[2], "project"));
  workflows_.set_user_type(s.user, id, project, std::nullopt);
  send_user(s, id, res);
}

void Service::delete_user(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  workflows_.delete_user(s.user, klik::UserId(parse_id(req.matches[1], "id")));
  res.status = 204;
}

void Service::user_history(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::UserId id(parse_id(req.matches[1], "id"));
  send_json(res, 200, entries_json(workflows_.user_history(s.user, id, size_param(req, "limit", 100, 1000))));
}

void Service::send_reset(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  accounts_.send_reset_link(s.user, klik::UserId(parse_id(req.matches[1], "id")));
  // The link goes to the user's e-mail (the outbox); the actor never sees it.
  send_json(res, 202, {{"sent", true}});
}

void Service::confirm_reset(const httplib::Request& req, httplib::Response& res) {
  const json body = parse_body(req);
  const auto user = body.find("user");
  if (user == body.end() || !is_id(*user)) throw bad_request("user must be the user id of the link", "user");
  const std::string token = string_field(body, "token");
  const std::string password = string_field(body, "password");
  if (token.size() > 128) throw HttpError{409, "failed_precondition", "Linket er ugyldigt eller udløbet."};
  accounts_.set_password_with_token(klik::UserId(user->get<std::uint32_t>()), token, password);
  res.status = 204;
}

void Service::change_password(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const json body = parse_body(req);
  accounts_.change_password(s.user, string_field(body, "old_password"), string_field(body, "new_password"));
  res.status = 204;
}

// ---- local tasks ----------------------------------------------------------------

void Service::create_local_task(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const json body = parse_body(req);
  klik::LocalTask t;
  t.parent = klik::TaskId(parse_id(req.matches[1], "id"));
  t.title = string_field(body, "title");
  t.description = optional_string(body, "description").value_or("");
  t.end = klik::Date::parse(string_field(body, "end"));
  if (const auto st = optional_string(body, "status")) t.status = klik::parse<klik::TaskStatus>(*st);
  if (const auto r = body.find("responsible"); r != body.end()) t.responsible = person_field(*r, "responsible");
  if (const auto p = body.find("performer"); p != body.end()) t.performer = person_field(*p, "performer");
  // (The workflow gives it the parent's municipality, and hides another
  // municipality's task as a missing one.)
  const klik::LocalTask created = workflows_.create_local_task(s.user, t);
  res.set_header("Location", "/api/local-tasks/" + std::to_string(created.id.value()));
  send_local_task(s, created.id, res, 201);
}

void Service::patch_local_task(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  klik::LocalTaskChange change;
  change.task = klik::LocalTaskId(parse_id(req.matches[1], "id"));
  change.expected_version = expected_version(req, true);
  const json body = parse_body(req);
  for (const auto& [key, value] : body.items()) {
    if (key == "title") {
      change.title = string_value(value, "title");
    } else if (key == "description") {
      change.description = string_value(value, "description");
    } else if (key == "end") {
      change.end = klik::Date::parse(string_value(value, "end"));
    } else if (key == "status") {
      change.status = klik::parse<klik::TaskStatus>(string_value(value, "status"));
    } else if (key == "responsible") {
      change.responsible = person_field(value, "responsible");
    } else if (key == "performer") {
      change.performer = person_field(value, "performer");
    } else {
      throw bad_request("unknown field (title, description, end, status, responsible, performer)", key);
    }
  }
  workflows_.change_local_task(s.user, change);
  send_local_task(s, change.task, res, 200);
}

void Service::delete_local_task(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  workflows_.delete_local_task(s.user, klik::LocalTaskId(parse_id(req.matches[1], "id")), expected_version(req, false));
  res.status = 204;
}

// ---- KOMBIT: broadcasts, what-if -------------------------------------------------

void Service::broadcast(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const klik::ProjectId project(parse_id(req.matches[1], "id"));
  const json body = parse_body(req);
  std::optional<klik::WaveId> wave;
  if (const auto it = body.find("wave"); it != body.end() && !it->is_null()) {
    if (!is_id(*it)) throw bad_request("wave must be a wave id or null", "wave");
    wave = klik::WaveId(it->get<std::uint32_t>());
  }
  const klik::Message m = workflows_.broadcast(s.user, project, wave, string_field(body, "text"));
  const klik::Snapshot snap = store_->snapshot();
  send_json(res, 201, message_json(snap.world(), m));
}

json comparison_json(const klik::ColourComparison& c) {
  json out = json::object();
  for (klik::DeadlineColour colour : klik::all_values<klik::DeadlineColour>())
    out[std::string(klik::code(colour))] = {{"before", c.before[colour]}, {"after", c.after[colour]}};
  return out;
}

json simulated_tasks_json(const klik::World& w, const std::vector<klik::SimulatedTask>& tasks, std::size_t limit) {
  json out = json::array();
  for (std::size_t i = 0; i < tasks.size() && i < limit; ++i) {
    const klik::SimulatedTask& t = tasks[i];
    const klik::Municipality* m = w.municipality(t.municipality);
    out.push_back({{"task", t.task.value()},
                   {"municipality", {{"id", t.municipality.value()}, {"name", m ? m->name : ""}}},
                   {"project", t.project.value()},
                   {"priority", klik::code(t.priority)},
                   {"before", klik::code(t.before)},
                   {"after", klik::code(t.after)},
                   {"red_from", t.red_from.iso()}});
  }
  return out;
}

void Service::what_if(const httplib::Request& req, httplib::Response& res) {
  const Session s = session_of(req);
  const json body = parse_body(req);
  klik::Scenario scenario;
  const auto changes = body.find("waves");
  if (changes == body.end() || !changes->is_array() || changes->empty() || changes->size() > 1000)
    throw bad_request("waves must be a list of {\"wave\": id, \"workdays\": n, \"relative\"?: bool}", "waves");
  for (const json& c : *changes) {
    if (!c.is_object() || !c.contains("wave") || !is_id(c["wave"]) || !c.contains("workdays") ||
        !c["workdays"].is_number_integer() || c["workdays"].get<std::int64_t>() < -100000 ||
        c["workdays"].get<std::int64_t>() > 100000 || (c.contains("relative") && !c["relative"].is_boolean()))
      throw bad_request("each wave change is {\"wave\": id, \"workdays\": n, \"relative\"?: bool}", "waves");
    const klik::WaveId wave(c["wave"].get<std::uint32_t>());
    const auto days = static_cast<std::int32_t>(c["workdays"].get<std::int64_t>());
    if (c.value("relative", false))
      scenario.shift_wave(wave, days);
    else
      scenario.set_wave_shift(wave, days);
  }
  std::optional<klik::Date> on;
  if (const auto o = optional_string(body, "on")) on = klik::Date::parse(*o);
  const klik::Simulation sim = publishing_.simulate(s.user, scenario, on);
  const klik::Snapshot snap = store_->snapshot();
  const klik::World& w = snap.world();
  json groups = json::array();
  for (const klik::SimulatedGroup& g : sim.by_municipality) {
    const klik::Municipality* m = w.municipality(g.municipality);
    json group = {{"municipality", {{"id", g.municipality.value()}, {"name", m ? m->name : ""}}},
                  {"priority", klik::code(g.priority)},
                  {"today", comparison_json(g.today)}};
    if (g.on) group["on"] = comparison_json(*g.on);
    groups.push_back(group);
  }
  constexpr std::size_t listed = 1000;
  json out = {{"today", sim.today.iso()},
              {"on", sim.on ? json(sim.on->iso()) : json(nullptr)},
              {"affected", sim.affected},
              {"changed_today", sim.changed_today},
              {"changed_on", sim.changed_on},
              {"today_total", comparison_json(sim.today_total)},
              {"on_total", sim.on_total ? comparison_json(*sim.on_total) : json(nullptr)},
              {"by_municipality", groups},
              {"red_today_total", sim.red_today.size()},
              {"red_today", simulated_tasks_json(w, sim.red_today, listed)},
              {"red_on_total", sim.red_on.size()},
              {"red_on", simulated_tasks_json(w, sim.red_on, listed)},
              {"sweep_events", sim.sweep_events.size()},
              {"sweep_events_without", sim.sweep_events_without.size()}};
  send_json(res, 200, out);
}

void Service::metrics(const httplib::Request&, httplib::Response& res) {
  // Other processes' commits (klik commands, a second service on the database) this
  // store had not applied yet: refresh() applies them and says how many there were.
  // First, since every snapshot below applies them too.
  const std::size_t lag = store_->refresh();
  const std::uint64_t sequence = store_->sequence();
  std::string out;
  out += "# HELP klik_http_requests_total HTTP requests by route and status class.\n";
  out += "# TYPE klik_http_requests_total counter\n";
  const auto each = [&](auto&& f) {
    for (const Route& r : routes_) f(*r.stats);
    f(unmatched_);
  };
  each([&](const RouteStats& s) {
    for (std::size_t c = 1; c < s.by_class.size(); ++c)
      out += "klik_http_requests_total{method=\"" + s.method + "\",route=\"" + s.path + "\",status=\"" +
             std::to_string(c) + "xx\"} " + std::to_string(s.by_class[c].load()) + "\n";
  });
  out += "# HELP klik_http_request_seconds Time spent answering, by route.\n";
  out += "# TYPE klik_http_request_seconds histogram\n";
  for (const Route& r : routes_) {
    const RouteStats& s = *r.stats;
    const std::string labels = "method=\"" + s.method + "\",route=\"" + s.path + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < s.buckets.size(); ++b) {
      cumulative += s.buckets[b].load();
      char le[32];
      if (b < RouteStats::bounds.size())
        std::snprintf(le, sizeof le, "%g", RouteStats::bounds[b]);
      else
        std::snprintf(le, sizeof le, "+Inf");
      out += "klik_http_request_seconds_bucket{" + labels + ",le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
    }
    char sum[48];
    std::snprintf(sum, sizeof sum, "%.6f", static_cast<double>(s.micros.load()) / 1e6);
    out += "klik_http_request_seconds_sum{" + labels + "} " + sum + "\n";
    out += "klik_http_request_seconds_count{" + labels + "} " + std::to_string(cumulative) + "\n";
  }
  std::size_t tasks = 0;
  {
    const klik::Snapshot snap = store_->snapshot();
    tasks = snap->task_count() + snap->local_task_count();
  }
  // Index counts in the SQL backends (Store::outbox_counts): cheap on every scrape.
  const klik::OutboxCounts outbox = store_->outbox_counts(clock_->now());
  out += "# HELP klik_store_tasks KLIK and local tasks in the store.\n# TYPE klik_store_tasks gauge\n";
  out += "klik_store_tasks " + std::to_string(tasks) + "\n";
  out += "# HELP klik_outbox_pending Notifications not yet delivered (dead letters aside).\n";
  out += "# TYPE klik_outbox_pending gauge\nklik_outbox_pending " + std::to_string(outbox.pending) + "\n";
  out += "# HELP klik_outbox_due Pending notifications due for delivery now.\n";
  out += "# TYPE klik_outbox_due gauge\nklik_outbox_due " + std::to_string(outbox.due) + "\n";
  out += "# HELP klik_outbox_dead Dead letters: notifications the dispatcher gave up on (requeue to retry).\n";
  out += "# TYPE klik_outbox_dead gauge\nklik_outbox_dead " + std::to_string(outbox.dead) + "\n";
  out += "# HELP klik_changelog_lag Changes committed by others that the service had not applied yet.\n";
  out += "# TYPE klik_changelog_lag gauge\nklik_changelog_lag " + std::to_string(lag) + "\n";
  out += "# HELP klik_store_sequence The number of the last change the service has applied.\n";
  out += "# TYPE klik_store_sequence counter\nklik_store_sequence " + std::to_string(sequence) + "\n";
  out += "# HELP klik_sessions Open sessions.\n# TYPE klik_sessions gauge\nklik_sessions " +
         std::to_string(sessions_.size()) + "\n";
  if (mailer_) {
    out += "# HELP klik_mail_sent_total Mails the SMTP server accepted.\n# TYPE klik_mail_sent_total counter\n";
    out += "klik_mail_sent_total " + std::to_string(mailer_->sent()) + "\n";
    out += "# HELP klik_mail_failures_total Failed deliveries of outbox entries (retried or given up).\n";
    out += "# TYPE klik_mail_failures_total counter\nklik_mail_failures_total " +
           std::to_string(delivery_failures_.load()) + "\n";
  }
  res.status = 200;
  res.set_content(out, "text/plain; version=0.0.4; charset=utf-8");
}

json Service::openapi() const {
  json paths = json::object();
  for (const Route& r : routes_) {
    json op = {{"summary", r.summary},
               {"operationId", r.stats->method + " " + r.path},
               {"responses",
                {{"200", {{"description", "OK"}}},
                 {"default",
                  {{"description", "An error in klik's one shape"},
                   {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}}};
    if (r.needs_session) op["security"] = json::array({{{"session", json::array()}}});
    json params = json::array();
    for (std::size_t open = r.path.find('{'); open != std::string::npos; open = r.path.find('{', open + 1))
      params.push_back({{"name", r.path.substr(open + 1, r.path.find('}', open) - open - 1)},
                        {"in", "path"},
                        {"required", true},
                        {"schema", {{"type", "integer"}, {"minimum", 1}}}});
    if (!params.empty()) op["parameters"] = params;
    std::string method = r.method;
    for (char& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    paths[r.path][method] = op;
  }
  return {{"openapi", "3.1.0"},
          {"info",
           {{"title", "klik serve"},
            {"version", std::string(klik::version())},
            {"description", "KLIK's portal API (docs/portal.md)."}}},
          {"paths", paths},
          {"components",
           {{"securitySchemes", {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "klik_session"}}}}},
            {"schemas",
             {{"Error",
               {{"type", "object"},
                {"required", {"error", "message"}},
                {"properties", {{"error", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}}}};
}

void Service::routes(httplib::Server& server) {
  using R = const httplib::Request&;
  using W = httplib::Response&;
  add(server, "POST", "/api/session", "Log in: e-mail and password; sets the session cookie", false,
      [this](R q, W s) { login(q, s); });
  add(server, "DELETE", "/api/session", "Log out", true, [this](R q, W s) { logout(q, s); });
  add(server, "GET", "/api/me", "The signed-in user, their municipality and capabilities", true,
      [this](R q, W s) { me(q, s); });
  add(server, "GET", "/api/tasks/quick-status", "Tasks by deadline colour for a query (q)", true,
      [this](R q, W s) { quick_status(q, s); });
  add(server, "GET", "/api/tasks", "A page of the task list: q (docs/query.md), sort, limit, cursor", true,
      [this](R q, W s) { list_tasks(q, s); });
  add(server, "GET", "/api/tasks/{id}", "A task as its viewer may see it, with padlocks and colour explained", true,
      [this](R q, W s) { get_task(q, s); });
  add(server, "GET", "/api/local-tasks/{id}", "A local task (lokal opgave) as its viewer may see it", true,
      [this](R q, W s) { get_local_task(q, s); });
  add(server, "GET", "/api/tasks/{id}.pdf", "A task as its viewer may see it, as a PDF file (docs/pdf.md)", true,
      [this](R q, W s) { get_task_pdf(q, s); });
  add(server, "PATCH", "/api/tasks/{id}", "Change status, responsible or performer (If-Match: version)", true,
      [this](R q, W s) { patch_task(q, s); });
  add(server, "GET", "/api/tasks/{id}/messages", "A task's messages, oldest first (offset, limit)", true,
      [this](R q, W s) { get_messages(q, s); });
  add(server, "POST", "/api/tasks/{id}/messages", "Write a message on a task", true,
      [this](R q, W s) { post_message(q, s); });
  add(server, "GET", "/api/tasks/{id}/files", "A task's files", true, [this](R q, W s) { get_files(q, s); });
  add(server, "POST", "/api/tasks/{id}/files", "Attach a file (multipart, part \"file\")", true,
      [this](R q, W s) { post_file(q, s); });
  add(server, "GET", "/api/files/{id}", "A file's content", true, [this](R q, W s) { download(q, s); });
  add(server, "GET", "/api/tasks/{id}/internal-notes", "A task's internal notes", true,
      [this](R q, W s) { get_notes(q, s); });
  add(server, "PUT", "/api/tasks/{id}/internal-notes", "Replace a task's internal notes", true,
      [this](R q, W s) { put_notes(q, s); });
  add(server, "GET", "/api/tasks/{id}/history", "A task's history (the journal), newest first", true,
      [this](R q, W s) { history(q, s); });
  add(server, "GET", "/api/projects", "The viewer's projects (name, type)", true, [this](R q, W s) { projects(q, s); });
  add(server, "GET", "/api/users", "Users the viewer may see (text, project, type, administrator)", true,
      [this](R q, W s) { users(q, s); });
  add(server, "GET", "/api/national/projects/{id}", "KOMBIT: a project by municipality and by phase", true,
      [this](R q, W s) { national_status(q, s); });
  add(server, "POST", "/api/projects/{id}/broadcasts", "KOMBIT: a message to a project or one of its waves", true,
      [this](R q, W s) { broadcast(q, s); });
  add(server, "POST", "/api/national/what-if", "KOMBIT: what shifting rollout waves would do to the colours", true,
      [this](R q, W s) { what_if(q, s); });
  add(server, "POST", "/api/users", "Create a user (user administration)", true,
      [this](R q, W s) { create_user(q, s); });
  add(server, "GET", "/api/users/{id}", "A user, with the actions the viewer may take on them", true,
      [this](R q, W s) { get_user(q, s); });
  add(server, "PATCH", "/api/users/{id}",
      "Change a user's name, e-mail, organisation, Administrator flag or daily digest choice", true,
      [this](R q, W s) { patch_user(q, s); });
  add(server, "DELETE", "/api/users/{id}", "Delete a user", true, [this](R q, W s) { delete_user(q, s); });
  add(server, "PUT", "/api/users/{id}/projects/{project}", "Give a user a type on a project", true,
      [this](R q, W s) { put_membership(q, s); });
  add(server, "DELETE", "/api/users/{id}/projects/{project}", "Take a user off a project", true,
      [this](R q, W s) { delete_membership(q, s); });
  add(server, "GET", "/api/users/{id}/history", "A user's history (the journal), newest first", true,
      [this](R q, W s) { user_history(q, s); });
  add(server, "POST", "/api/users/{id}/password-reset", "Send the user a link to set their password", true,
      [this](R q, W s) { send_reset(q, s); });
  add(server, "POST", "/api/password-reset", "Set a password with the token of a reset link", false,
      [this](R q, W s) { confirm_reset(q, s); });
  add(server, "PUT", "/api/me/password", "Change one's own password (the old one is required)", true,
      [this](R q, W s) { change_password(q, s); });
  add(server, "POST", "/api/tasks/{id}/local-tasks", "Create a local task under a task", true,
      [this](R q, W s) { create_local_task(q, s); });
  add(server, "PATCH", "/api/local-tasks/{id}", "Change a local task (If-Match: version)", true,
      [this](R q, W s) { patch_local_task(q, s); });
  add(server, "DELETE", "/api/local-tasks/{id}", "Delete a local task (If-Match: version, optional)", true,
      [this](R q, W s) { delete_local_task(q, s); });
  add(server, "GET", "/api/openapi.json", "This description", false, [this](R, W s) { send_json(s, 200, openapi()); });
  add(server, "GET", "/healthz", "Liveness: the store answers", false, [this](R, W s) {
    const klik::Snapshot snap = store_->snapshot();
    send_json(s, 200, {{"status", "ok"}, {"tasks", snap->task_count()}});
  });
  add(server, "GET", "/metrics", "Prometheus metrics", false, [this](R q, W s) { metrics(q, s); });

  // The page (apps/web): static files, the same for everyone; the API decides the rest.
  // "/password-reset" is where a reset link points (klik::reset_link): the page again.
  for (const auto& [path, file, type] : {std::tuple{"/", "index.html", "text/html; charset=utf-8"},
                                         std::tuple{"/password-reset", "index.html", "text/html; charset=utf-8"},
                                         std::tuple{"/app.js", "app.js", "text/javascript; charset=utf-8"},
                                         std::tuple{"/style.css", "style.css", "text/css; charset=utf-8"}}) {
    const std::string_view content = web_file(file);
    const std::string media = type;
    server.Get(path, [content, media](R, W s) { s.set_content(content.data(), content.size(), media); });
  }
}

// ---- the server ---------------------------------------------------------------

/// httplib's server with a listen backlog fit for a portal. The library listens with a
/// backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled into Debian's shared library): a
/// burst of new connections then loses SYNs, and each lost one waits a second for its
/// retransmit (the load benchmark's p99 was that second). Listening again on the bound
/// socket only changes the backlog.
class HttpServer : public httplib::Server {
 public:
  bool widen_backlog(int backlog) { return ::listen(svr_sock_.load(), backlog) == 0; }
};

std::atomic<httplib::Server*> running_server{nullptr};

}  // namespace

int serve(const ServeOptions& options) {
  // SIGINT and SIGTERM end the service from a thread of its own (sigwait), so no
  // handler runs inside a worker; blocked before any thread starts so all inherit it.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Service service(options);
  HttpServer server;
  const unsigned threads = std::max(1u, options.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(options.max_body_bytes);
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle holds the
  // body until the client's delayed ACK of the headers (~40 ms per response).
  server.set_tcp_nodelay(true);
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  server.set_keep_alive_timeout(5);
  // httplib closes a kept-alive connection after 5 requests by default: a reconnect per
  // five requests cost the load test its p99 (docs/benchmarks.md).
  server.set_keep_alive_max_count(10000);
  server.set_default_headers({
      {"X-Content-Type-Options", "nosniff"},
      {"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"},
  });
  service.routes(server);
  // Whatever the routes did not answer (no route, a body over the limit, a request
  // httplib could not parse) still gets the one error shape.
  server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    switch (res.status) {
      case 404:
        send_error(res, HttpError{404, "not_found", "Siden findes ikke (no such resource)."});
        break;
      case 413:
        send_error(res, HttpError{413, "too_large", "For stor forespørgsel (request body over the limit)."});
        break;
      case 400:
        send_error(res, HttpError{400, "bad_request", "Forespørgslen kunne ikke læses (malformed request)."});
        break;
      default:
        send_error(res,
                   HttpError{res.status, "http_" + std::to_string(res.status), "HTTP " + std::to_string(res.status)});
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send_error(res, HttpError{500, "internal", "Intern fejl (internal error)."});
  });

  if (options.demo) {
    const json logins = service.demo_logins();
    std::printf("%s\n", json({{"demo_logins", logins}}).dump().c_str());
  }
  int port = options.port;
  if (port == 0) {
    port = server.bind_to_any_port(options.bind);
    if (port < 0) throw std::runtime_error("cannot listen on " + options.bind);
  } else if (!server.bind_to_port(options.bind, port)) {
    throw std::runtime_error("cannot listen on " + options.bind + ":" + std::to_string(port));
  }
  if (!server.widen_backlog(1024)) throw std::runtime_error("cannot listen on " + options.bind);
  std::printf("%s\n", json({{"listening", "http://" + options.bind + ":" + std::to_string(port)}}).dump().c_str());
  std::fflush(stdout);

  // The outbox's dispatcher, when configured (--smtp), on a thread of its own.
  std::unique_ptr<klik::SmtpNotifier> mailer;
  std::unique_ptr<klik::Dispatcher> dispatcher;
  std::jthread dispatching;
  if (!options.mail.smtp.empty()) {
    mailer = make_smtp_notifier(service.store(), options.mail);
    service.attach_mailer(mailer.get());
    dispatcher = std::make_unique<klik::Dispatcher>(service.store(), *mailer, dispatcher_options(options.mail),
                                                    [&service](const klik::Notification& n, const std::string& error) {
                                                      service.count_delivery_failure();
                                                      std::fprintf(stderr, "klik serve: outbox entry %llu (%s): %s\n",
                                                                   static_cast<unsigned long long>(n.id),
                                                                   n.event.c_str(), error.c_str());
                                                    });
    dispatching = std::jthread([&](std::stop_token stop) {
      try {
        dispatcher->run(stop, std::chrono::milliseconds(options.mail.interval_ms), service.clock());
      } catch (const std::exception& e) {
        std::fprintf(stderr, "klik serve: the dispatcher stopped: %s\n", e.what());
      }
    });
  }

  running_server = &server;
  std::thread stopper([&stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (httplib::Server* s = running_server.load()) s->stop();
  });
  server.listen_after_bind();
  running_server = nullptr;
  // Wake the stopper if the server ended on its own.
  if (stopper.joinable()) {
    pthread_kill(stopper.native_handle(), SIGTERM);
    stopper.join();
  }
  if (dispatching.joinable()) {
    dispatching.request_stop();
    dispatching.join();
  }
  std::fprintf(stderr, "klik serve: stopped\n");
  return 0;
}

}  // namespace klik_app
