// Notifications as e-mail: the templates (parsed once into segments), the
// values of one outbox entry looked up in a World, and the MIME text.

#include "klik/email.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "detail/embedded.hpp"
#include "detail/json_io.hpp"
#include "klik/enums.hpp"
#include "klik/error.hpp"
#include "klik/routing.hpp"
#include "klik/store.hpp"
#include "klik/text.hpp"

namespace klik {

namespace {

using detail::json;

// ---- fields: every value a template may name ----

enum class Field : std::uint8_t {
  RecipientName,
  Reason,
  Link,
  Sender,
  Event,
  Subject,
  Body,
  TaskTitle,
  ProjectName,
  MunicipalityName,
  WaveName,
  TemplateTitle,
  UserName,
  Type,
  Role,
  Colour,
  OldColour,
  ReachedOn,
  Priority,
  Date,
  Text,
  ShiftWorkdays,
  Count,
  Groups,
  Items,
};
constexpr std::size_t field_count = 25;

constexpr std::array<std::string_view, field_count> field_names = {
    "recipient.name", "reason",         "link",       "sender",       "event",
    "subject",        "body",           "task.title", "project.name", "municipality.name",
    "wave.name",      "template.title", "user.name",  "type",         "role",
    "colour",         "old_colour",     "reached_on", "priority",     "date",
    "text",           "shift_workdays", "count",      "groups",       "items"};

using Fields = std::vector<Field>;

/// Fields whose value is HTML already in the HTML part (never escaped there).
constexpr bool is_markup(Field f) noexcept { return f == Field::Body || f == Field::Groups || f == Field::Items; }

std::optional<Field> field_by_name(std::string_view name) {
  for (std::size_t i = 0; i < field_count; ++i)
    if (field_names[i] == name) return static_cast<Field>(i);
  return std::nullopt;
}

const Fields common = {Field::RecipientName, Field::Sender, Field::Link, Field::Event};

/// The fields of an event's subject, text and html (beyond `common`).
Fields event_fields(std::string_view event) {
  const Fields task = {Field::TaskTitle, Field::ProjectName, Field::MunicipalityName};
  auto with = [](Fields a, std::initializer_list<Field> more) {
    a.insert(a.end(), more);
    return a;
  };
  if (event == "task.assigned") return with(task, {Field::Role});
  if (event == "deadline.yellow" || event == "deadline.red")
    return with(task, {Field::Colour, Field::OldColour, Field::ReachedOn, Field::Priority, Field::Date});
  if (event == "task.not_active" || event == "task.reactivated") return task;
  if (event == "message.kombit_task" || event == "message.municipality_task") return with(task, {Field::Text});
  if (event == "message.kombit_wave")
    return {Field::WaveName, Field::ProjectName, Field::MunicipalityName, Field::Text};
  if (event == "message.kombit_project") return {Field::ProjectName, Field::MunicipalityName, Field::Text};
  if (event == "project.joined" || event == "project.left" || event == "project.changed")
    return {Field::ProjectName, Field::MunicipalityName};
  if (event == "wave.changed")
    return {Field::WaveName, Field::ProjectName, Field::MunicipalityName, Field::ShiftWorkdays};
  if (event.starts_with("template.")) return {Field::TemplateTitle, Field::ProjectName, Field::MunicipalityName};
  if (event == "user.added_to_project" || event == "user.removed_from_project" || event == "user.type_changed")
    return {Field::UserName, Field::MunicipalityName, Field::ProjectName, Field::Type};
  if (event.starts_with("user.")) return {Field::UserName, Field::MunicipalityName};
  if (event == "deadline.digest") return {Field::Count, Field::Date, Field::Groups};
  return {};  // generic
}

const Fields layout_fields = {Field::RecipientName, Field::Link, Field::Reason, Field::Subject, Field::Body};
const Fields reason_fields = {Field::Type, Field::ProjectName, Field::MunicipalityName};
const Fields group_fields = {Field::ProjectName, Field::Items, Field::Count};
const Fields item_fields = {Field::TaskTitle, Field::MunicipalityName, Field::ProjectName, Field::Colour,
                            Field::OldColour, Field::ReachedOn,        Field::Priority,    Field::Link};

constexpr std::array<std::string_view, 9> reason_keys = {
    "responsible", "performer", "assignee", "member", "administrator", "user", "mailbox", "digest", "other"};
enum class Reason : std::uint8_t {
  Responsible,
  Performer,
  Assignee,
  Member,
  Administrator,
  User,
  Mailbox,
  Digest,
  Other
};

// ---- compiled templates ----

/// A template as literal text and fields, in order.
struct Piece {
  std::string literal;
  std::optional<Field> field;  ///< after the literal
};
using Template = std::vector<Piece>;

Template compile(std::string_view text, const Fields& allowed, const std::string& where) {
  Template out;
  std::size_t at = 0;
  while (true) {
    const std::size_t open = text.find("{{", at);
    if (open == std::string_view::npos) {
      out.push_back({std::string(text.substr(at)), std::nullopt});
      return out;
    }
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos)
      throw InvalidArgumentError(
          "mail template " + where + ": '{{' at character " + std::to_string(open) + " is never closed with '}}'",
          where);
    std::string_view name = text.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    const std::optional<Field> f = field_by_name(name);
    if (!f || std::find(allowed.begin(), allowed.end(), *f) == allowed.end()) {
      std::string known;
      std::vector<std::string_view> names;
      for (Field a : allowed) names.push_back(field_names[static_cast<std::size_t>(a)]);
      std::sort(names.begin(), names.end());
      for (std::string_view n : names) known += (known.empty() ? "" : ", ") + std::string(n);
      throw InvalidArgumentError("mail template " + where + ": unknown placeholder " +
                                     excerpt("{{" + std::string(name) + "}}", 48) +
                                     (f ? " (not offered for this template)" : "") + "; it may use " + known,
                                 where);
    }
    out.push_back({std::string(text.substr(at, open - at)), f});
    at = close + 2;
  }
}

struct EventTemplates {
  Template subject, text;
  std::optional<Template> html;  ///< none: the text, escaped, in paragraphs
  Template group_text, group_html, item_text, item_html;  ///< deadline.digest only
};

}  // namespace

struct MailTemplates::Compiled {
  std::string name;
  Template layout_text, layout_html;
  std::array<Template, reason_keys.size()> reasons;
  std::map<std::string, EventTemplates, std::less<>> events;
};

namespace {

std::vector<std::string> template_events() {
  std::vector<std::string> out;
  for (NotificationEvent e : all_notification_events()) out.emplace_back(code(e));
  out.emplace_back("deadline.digest");
  out.emplace_back("generic");
  return out;
}

std::string string_at(const json& object, const char* key, const std::string& path) {
  const auto it = object.find(key);
  if (it == object.end())
    throw InvalidArgumentError("mail templates: " + path + "/" + key + " is missing", path + "/" + key);
  if (!it->is_string())
    throw InvalidArgumentError("mail templates: " + path + "/" + key + " must be text, not " + detail::describe(*it),
                               path + "/" + key);
  return it->get<std::string>();
}

const json& object_at(const json& parent, const char* key, const std::string& path) {
  const auto it = parent.find(key);
  if (it == parent.end() || !it->is_object())
    throw InvalidArgumentError("mail templates: " + path + "/" + key + " must be an object", path + "/" + key);
  return *it;
}

void refuse_unknown_keys(const json& object, std::initializer_list<std::string_view> known, const std::string& path) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end())
      throw InvalidArgumentError("mail templates: " + path + " has an unknown field '" + excerpt(key, 40) + "'",
                                 path + "/" + key);
  }
}

std::shared_ptr<const MailTemplates::Compiled> compile_all(std::string_view text) {
  const json doc = detail::parse_text(text, {.max_bytes = std::size_t{4} << 20, .max_depth = 8});
  if (!doc.is_object()) throw InvalidArgumentError("mail templates must be a JSON object");
  refuse_unknown_keys(doc, {"name", "version", "note", "layout", "reasons", "events"}, "");
  auto c = std::make_shared<MailTemplates::Compiled>();
  c->name = string_at(doc, "name", "");
  const json& layout = object_at(doc, "layout", "");
  refuse_unknown_keys(layout, {"text", "html"}, "/layout");
  c->layout_text = compile(string_at(layout, "text", "/layout"), layout_fields, "layout.text");
  c->layout_html = compile(string_at(layout, "html", "/layout"), layout_fields, "layout.html");
  const json& reasons = object_at(doc, "reasons", "");
  for (const auto& [key, value] : reasons.items())
    if (std::find(reason_keys.begin(), reason_keys.end(), key) == reason_keys.end())
      throw InvalidArgumentError("mail templates: /reasons has an unknown reason '" + excerpt(key, 40) + "'",
                                 "/reasons/" + key);
  for (std::size_t i = 0; i < reason_keys.size(); ++i) {
    const std::string key(reason_keys[i]);
    c->reasons[i] = compile(string_at(reasons, key.c_str(), "/reasons"), reason_fields, "reasons." + key);
  }
  const json& events = object_at(doc, "events", "");
  const std::vector<std::string> known = template_events();
  for (const auto& [key, value] : events.items())
    if (std::find(known.begin(), known.end(), key) == known.end())
      throw InvalidArgumentError("mail templates: /events has an unknown event '" + excerpt(key, 40) + "'",
                                 "/events/" + key);
  for (const std::string& event : known) {
    const std::string path = "/events/" + event;
    const json& e = object_at(events, event.c_str(), "/events");
    const bool digest = event == "deadline.digest";
    if (digest)
      refuse_unknown_keys(e, {"subject", "text", "html", "group", "item"}, path);
    else
      refuse_unknown_keys(e, {"subject", "text", "html"}, path);
    Fields allowed = common;
    const Fields own = event_fields(event);
    allowed.insert(allowed.end(), own.begin(), own.end());
    EventTemplates t;
    t.subject = compile(string_at(e, "subject", path), allowed, event + ".subject");
    t.text = compile(string_at(e, "text", path), allowed, event + ".text");
    if (e.contains("html")) t.html = compile(string_at(e, "html", path), allowed, event + ".html");
    if (digest) {
      const json& group = object_at(e, "group", path);
      const json& item = object_at(e, "item", path);
      refuse_unknown_keys(group, {"text", "html"}, path + "/group");
      refuse_unknown_keys(item, {"text", "html"}, path + "/item");
      t.group_text = compile(string_at(group, "text", path + "/group"), group_fields, event + ".group.text");
      t.group_html = compile(string_at(group, "html", path + "/group"), group_fields, event + ".group.html");
      t.item_text = compile(string_at(item, "text", path + "/item"), item_fields, event + ".item.text");
      t.item_html = compile(string_at(item, "html", path + "/item"), item_fields, event + ".item.html");
    }
    c->events.emplace(event, std::move(t));
  }
  return c;
}

// ---- rendering ----

void append_html_escaped(std::string& out, std::string_view s) {
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
}

using Values = std::array<std::string, field_count>;

enum class Mode { Text, Html, EscapeAll };

void render_into(std::string& out, const Template& t, const Values& v, Mode mode) {
  for (const Piece& p : t) {
    if (mode == Mode::EscapeAll)
      append_html_escaped(out, p.literal);
    else
      out += p.literal;
    if (!p.field) continue;
    const std::string& value = v[static_cast<std::size_t>(*p.field)];
    if (mode == Mode::Text || (mode == Mode::Html && is_markup(*p.field)))
      out += value;
    else
      append_html_escaped(out, value);
  }
}

std::string render(const Template& t, const Values& v, Mode mode = Mode::Text) {
  std::string out;
  render_into(out, t, v, mode);
  return out;
}

/// Plain text as HTML: escaped, blank lines as paragraphs, single line ends as <br>.
std::string paragraphs(const Template& t, const Values& v) {
  const std::string escaped = render(t, v, Mode::EscapeAll);
  std::string out = "<p>";
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] != '\n') {
      out += escaped[i];
    } else if (i + 1 < escaped.size() && escaped[i + 1] == '\n') {
      out += "</p>\n<p>";
      while (i + 1 < escaped.size() && escaped[i + 1] == '\n') ++i;
    } else {
      out += "<br>\n";
    }
  }
  return out + "</p>";
}

/// One line: line ends and tabs as spaces, runs of spaces as one, trimmed.
std::string one_line(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const bool space = ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t';
    if (space) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += ch;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// ---- values from the payload and the world ----

constexpr std::array<std::string_view, 12> danish_months = {"januar",    "februar", "marts",    "april",
                                                            "maj",       "juni",    "juli",     "august",
                                                            "september", "oktober", "november", "december"};

std::string danish_date(const std::string& iso) {
  try {
    const Date d = Date::parse(iso);
    const auto ymd = d.civil();
    return std::to_string(ymd.day) + ". " + std::string(danish_months[static_cast<std::size_t>(ymd.month - 1)]) + " " +
           std::to_string(ymd.year);
  } catch (const Error&) {
    return excerpt(iso, 20);
  }
}

/// Lower-cases the first letter of a Danish label when it is ASCII ("Rød" -> "rød").
std::string lower_first(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

std::optional<std::uint64_t> id_in(const json& payload, const char* key) {
  const auto it = payload.find(key);
  if (it == payload.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::uint64_t>();
}

/// An id of type Id from the payload, if it is there and in Id's range.
template <class Id>
std::optional<Id> typed_id(const json& payload, const char* key) {
  using Value = decltype(Id{}.value());
  const auto v = id_in(payload, key);
  if (!v || *v > std::numeric_limits<Value>::max()) return std::nullopt;
  return Id(static_cast<Value>(*v));
}

std::string text_in(const json& payload, const char* key) {
  const auto it = payload.find(key);
  if (it == payload.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::string colour_label(const json& payload, const char* key) {
  const std::string c = text_in(payload, key);
  if (c.empty()) return "ingen";
  try {
    return lower_first(danish(parse<DeadlineColour>(c)));
  } catch (const Error&) {
    return excerpt(c, 20);
  }
}

std::string priority_label(const json& payload, const char* key) {
  const std::string p = text_in(payload, key);
  if (p.empty()) return {};
  try {
    return lower_first(danish(parse<Priority>(p)));
  } catch (const Error&) {
    return excerpt(p, 20);
  }
}

/// What an entry is about, looked up once for all its recipients.
struct Subject {
  std::optional<TaskId> task;
  const LocalTask* local = nullptr;
  std::optional<UserId> responsible, performer;
  std::optional<ProjectId> project;
  std::optional<MunicipalityId> municipality;
  std::optional<UserId> user;  ///< user events: whom they are about
};

std::string municipality_name(const World& w, std::optional<MunicipalityId> m) {
  if (!m) return {};
  const Municipality* mu = w.municipality(*m);
  return mu ? mu->name : "kommune " + std::to_string(m->value());
}

std::string project_name(const World& w, std::optional<ProjectId> p) {
  if (!p) return {};
  const Project* pr = w.project(*p);
  return pr ? pr->name : "projekt " + std::to_string(p->value());
}

/// The task (or local task) of a payload: its title, and the facts reasons need.
std::string task_title(const World& w, const json& payload, Subject& s) {
  if (const auto local = typed_id<LocalTaskId>(payload, "local_task")) {
    if (const LocalTask* l = w.local_task(*local)) {
      s.local = l;
      s.task = l->parent;
      s.municipality = l->municipality;
      s.responsible = l->responsible;
      s.performer = l->performer;
      s.project = w.project_of(l->parent);
      return l->title;
    }
    return "lokal opgave " + std::to_string(local->value());
  }
  if (const auto id = typed_id<TaskId>(payload, "task")) {
    s.task = *id;
    if (const std::optional<Task> t = w.task(*id)) {
      s.municipality = t->municipality;
      s.responsible = t->responsible;
      s.performer = t->performer;
      if (const TaskTemplate* tpl = w.task_template(t->template_id)) {
        s.project = tpl->project;
        return tpl->title;
      }
    }
    return "opgave " + std::to_string(id->value());
  }
  return {};
}

std::string portal_link(const MailSettings& settings, std::string_view link) {
  std::string base = settings.portal_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!link.empty() && link.front() != '/') base += '/';
  return base + std::string(link);
}

Reason reason_for(const User& u, std::string_view event, const Subject& s) {
  const bool task_event = s.task.has_value();
  if (task_event) {
    if (s.responsible == u.id) return Reason::Responsible;
    if (s.performer == u.id) return Reason::Performer;
    if (event == "task.assigned") return Reason::Assignee;
  }
  if (s.user == u.id) return Reason::User;
  if (s.project && u.type_on(*s.project)) return Reason::Member;
  if (u.administrator) return Reason::Administrator;
  return Reason::Other;
}

std::string domain_of(const MailSettings& settings) {
  if (!settings.message_id_domain.empty()) return settings.message_id_domain;
  const auto at = settings.from.address.rfind('@');
  if (at != std::string::npos && at + 1 < settings.from.address.size()) return settings.from.address.substr(at + 1);
  return "klik.invalid";
}

/// The From of an entry's mails: the configured address, named after who caused the
/// entry (the manual: the mail shows clearly who sent it), "Mette Hansen via KLIK"
/// for a person; KOMBIT's own and the system's entries keep their name.
MailAddress from_of(const Notification& n, const MailSettings& settings) {
  MailAddress from = settings.from;
  std::string_view who = n.sender;
  if (const auto angle = who.find(" <"); angle != std::string_view::npos) who = who.substr(0, angle);
  if (who.empty() || who == "KLIK") return from;
  if (who.starts_with("KOMBIT KLIK")) {
    from.name = std::string(who);
    return from;
  }
  from.name = std::string(who) + " via KLIK";
  return from;
}

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

}  // namespace

// ---- MailTemplates ----

const MailTemplates& MailTemplates::default_templates() {
  static const MailTemplates t = from_json(detail::embedded_file("mail_templates.json"));
  return t;
}

MailTemplates MailTemplates::from_json(std::string_view text) {
  MailTemplates t;
  t.compiled_ = compile_all(text);
  return t;
}

const std::string& MailTemplates::name() const noexcept { return compiled_->name; }

std::vector<std::string> MailTemplates::events() { return template_events(); }

std::vector<std::string> MailTemplates::placeholders(std::string_view event) {
  const std::vector<std::string> known = template_events();
  if (std::find(known.begin(), known.end(), event) == known.end()) return {};
  Fields all = common;
  const Fields own = event_fields(event);
  all.insert(all.end(), own.begin(), own.end());
  std::vector<std::string> out;
  for (Field f : all) out.emplace_back(field_names[static_cast<std::size_t>(f)]);
  std::sort(out.begin(), out.end());
  return out;
}

// ---- composing ----

std::string email_message_id(const Notification& n, std::uint64_t recipient, const MailSettings& settings) {
  const std::string key = n.key.empty() ? "outbox/" + std::to_string(n.id) : "key/" + n.key;
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return "klik." + hex(digest, 12) + (recipient ? ".u" + std::to_string(recipient) : std::string(".m")) + "@" +
         domain_of(settings);
}

std::vector<Email> compose_emails(const World& world, const Notification& n, const MailTemplates& templates,
                                  const MailSettings& settings) {
  const MailTemplates::Compiled& c = templates.compiled();
  json payload = json::object();
  try {
    payload = detail::parse_text(n.payload.empty() ? "{}" : n.payload,
                                 {.max_bytes = n.payload.size() + 2, .max_depth = detail::max_json_depth});
  } catch (const Error&) {
  }
  if (!payload.is_object()) payload = json::object();

  auto it = c.events.find(n.event);
  if (it == c.events.end()) it = c.events.find("generic");
  const EventTemplates& t = it->second;
  const bool digest = n.event == "deadline.digest";

  Values v;
  Subject s;
  auto set = [&v](Field f, std::string value) { v[static_cast<std::size_t>(f)] = std::move(value); };
  set(Field::Sender, n.sender);
  set(Field::Link, portal_link(settings, digest ? std::string_view("/tasks") : std::string_view(n.link)));
  try {
    set(Field::Event, std::string(describe(parse_notification_event(n.event))));
  } catch (const Error&) {
    set(Field::Event, excerpt(n.event, 40));
  }
  set(Field::TaskTitle, task_title(world, payload, s));
  if (const auto p = typed_id<ProjectId>(payload, "project")) s.project = p;
  if (const auto m = typed_id<MunicipalityId>(payload, "municipality")) s.municipality = m;
  if (const auto u = typed_id<UserId>(payload, "user")) {
    s.user = u;
    const User* who = world.user(*u);
    set(Field::UserName, who ? who->full_name : "bruger " + std::to_string(u->value()));
    if (who && !s.municipality) s.municipality = who->municipality;
  }
  if (const auto wid = id_in(payload, "wave")) {
    for (const RolloutWave& w : world.waves())
      if (w.id.value() == *wid) set(Field::WaveName, w.name);
  }
  set(Field::TemplateTitle, text_in(payload, "title"));
  if (const std::string type = text_in(payload, "type"); !type.empty()) {
    try {
      set(Field::Type, std::string(danish(parse<UserType>(type))));
    } catch (const Error&) {
      set(Field::Type, excerpt(type, 20));
    }
  }
  const std::string role = text_in(payload, "role");
  set(Field::Role, role == "responsible" ? "ansvarlig" : role == "performer" ? "udfører" : excerpt(role, 20));
  set(Field::Colour, colour_label(payload, "colour"));
  set(Field::OldColour, colour_label(payload, "old_colour"));
  set(Field::ReachedOn, danish_date(text_in(payload, "reached_on")));
  set(Field::Date, danish_date(text_in(payload, "date")));
  set(Field::Priority, priority_label(payload, "priority"));
  set(Field::Text, text_in(payload, "text"));
  if (const auto sh = payload.find("shift_workdays"); sh != payload.end() && sh->is_number_integer())
    set(Field::ShiftWorkdays, std::to_string(sh->get<std::int64_t>()));
  set(Field::ProjectName, project_name(world, s.project));

  // The digest's groups: its items by project (in project id order), each item as the item template.
  std::string groups_html;  // the groups as HTML, in {{groups}} while the HTML part is rendered
  if (digest) {
    std::map<std::uint32_t, std::pair<std::string, std::string>> groups;  // project -> (text, html) of its items
    std::map<std::uint32_t, std::size_t> counts;
    std::size_t count = 0;
    if (const auto items = payload.find("items"); items != payload.end() && items->is_array()) {
      for (const json& item : *items) {
        if (!item.is_object()) continue;
        Values iv;
        Subject is;
        auto iset = [&iv](Field f, std::string value) { iv[static_cast<std::size_t>(f)] = std::move(value); };
        iset(Field::TaskTitle, task_title(world, item, is));
        if (const auto p = typed_id<ProjectId>(item, "project")) is.project = p;
        if (const auto m = typed_id<MunicipalityId>(item, "municipality")) is.municipality = m;
        iset(Field::ProjectName, project_name(world, is.project));
        iset(Field::MunicipalityName, municipality_name(world, is.municipality));
        iset(Field::Colour, colour_label(item, "colour"));
        iset(Field::OldColour, colour_label(item, "old_colour"));
        iset(Field::ReachedOn, danish_date(text_in(item, "reached_on")));
        iset(Field::Priority, priority_label(item, "priority"));
        iset(Field::Link, portal_link(settings, is.task ? "/tasks/" + std::to_string(is.task->value()) : "/tasks"));
        const std::uint32_t project = is.project ? is.project->value() : 0;
        auto& [gt, gh] = groups[project];
        render_into(gt, t.item_text, iv, Mode::Text);
        render_into(gh, t.item_html, iv, Mode::Html);
        ++counts[project];
        ++count;
      }
    }
    std::string gtext, ghtml;
    for (auto& [project, parts] : groups) {
      Values gv;
      gv[static_cast<std::size_t>(Field::ProjectName)] =
          project ? project_name(world, ProjectId(project)) : std::string("Uden projekt");
      gv[static_cast<std::size_t>(Field::Count)] = std::to_string(counts[project]);
      gv[static_cast<std::size_t>(Field::Items)] = std::move(parts.first);
      render_into(gtext, t.group_text, gv, Mode::Text);
      gv[static_cast<std::size_t>(Field::Items)] = std::move(parts.second);
      render_into(ghtml, t.group_html, gv, Mode::Html);
    }
    set(Field::Count, std::to_string(count));
    set(Field::Groups, std::move(gtext));
    groups_html = std::move(ghtml);
  }

  const std::string task_municipality = municipality_name(world, s.municipality);
  std::vector<Email> out;
  out.reserve(n.recipients.size() + (n.mailbox.empty() ? 0 : 1));
  auto emit = [&](MailAddress to, std::uint64_t recipient, Reason reason, const User* u) {
    Email e;
    e.from = from_of(n, settings);
    e.to = std::move(to);
    e.date = n.created;
    e.event = n.event;
    e.outbox_id = n.id;
    e.message_id = email_message_id(n, recipient, settings);
    // The municipality named is the object's, else the recipient's own.
    set(Field::MunicipalityName,
        s.municipality ? task_municipality : municipality_name(world, u ? u->municipality : std::nullopt));
    set(Field::RecipientName, u ? u->full_name : e.to.name);
    Values rv;
    rv[static_cast<std::size_t>(Field::ProjectName)] = v[static_cast<std::size_t>(Field::ProjectName)];
    rv[static_cast<std::size_t>(Field::MunicipalityName)] = v[static_cast<std::size_t>(Field::MunicipalityName)];
    if (u && s.project)
      if (const auto type = u->type_on(*s.project)) rv[static_cast<std::size_t>(Field::Type)] = danish(*type);
    e.subject = one_line(render(t.subject, v));
    Values lv = v;
    lv[static_cast<std::size_t>(Field::Subject)] = e.subject;
    lv[static_cast<std::size_t>(Field::Reason)] = render(c.reasons[static_cast<std::size_t>(reason)], rv);
    lv[static_cast<std::size_t>(Field::Body)] = render(t.text, v);
    e.text = render(c.layout_text, lv);
    std::swap(v[static_cast<std::size_t>(Field::Groups)], groups_html);
    lv[static_cast<std::size_t>(Field::Body)] = t.html ? render(*t.html, v, Mode::Html) : paragraphs(t.text, v);
    std::swap(v[static_cast<std::size_t>(Field::Groups)], groups_html);
    e.html = render(c.layout_html, lv, Mode::Html);
    out.push_back(std::move(e));
  };
  for (UserId id : n.recipients) {
    const User* u = world.user(id);
    if (!u) continue;  // deleted since: nobody to tell
    emit({u->email, u->full_name}, id.value(), digest ? Reason::Digest : reason_for(*u, n.event, s), u);
  }
  if (!n.mailbox.empty()) emit({n.mailbox, ""}, 0, Reason::Mailbox, nullptr);
  return out;
}

// ---- MIME ----

namespace {

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) { return ch >= 0x20 && ch <= 0x7e; });
}

/// Length of the UTF-8 sequence starting with `lead` (1 for anything else).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

std::string rfc5322_date(Timestamp t) {
  using namespace std::chrono;
  const sys_seconds tp{seconds{t.unix_seconds()}};
  const sys_days day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss hms{tp - day};
  static constexpr std::array<const char*, 7> weekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +0000", weekdays[weekday{day}.c_encoding()],
                static_cast<unsigned>(ymd.day()), months[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

/// Quoted-printable (RFC 2045 6.7) with CRLF line ends and lines of at most 76 characters.
std::string quoted_printable(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t column = 0;
  auto put = [&](std::string_view token) {
    if (column + token.size() > 75) {
      out += "=\r\n";
      column = 0;
    }
    out += token;
    column += token.size();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto ch = static_cast<unsigned char>(text[i]);
    if (ch == '\n') {
      out += "\r\n";
      column = 0;
      continue;
    }
    if (ch == '\r') continue;
    const bool line_end_next = i + 1 == text.size() || text[i + 1] == '\n' || text[i + 1] == '\r';
    const bool literal = (ch >= 33 && ch <= 126 && ch != '=' && !(ch == '.' && column == 0)) ||
                         ((ch == ' ' || ch == '\t') && !line_end_next);
    if (literal) {
      const char c1[1] = {static_cast<char>(ch)};
      put({c1, 1});
    } else {
      // A UTF-8 sequence is encoded whole on one line.
      const std::size_t len = std::min(utf8_length(ch), text.size() - i);
      std::string token;
      for (std::size_t k = 0; k < len; ++k) {
        const auto b = static_cast<unsigned char>(text[i + k]);
        token += '=';
        token += digits[b >> 4];
        token += digits[b & 15];
      }
      put(token);
      i += len - 1;
    }
  }
  return out;
}

/// A display name and address: "Name <a@b>", the name quoted or encoded as needed.
std::string address_header(const MailAddress& a, std::size_t used) {
  std::string address;
  for (char ch : a.address)
    if (ch != '\r' && ch != '\n' && ch != '<' && ch != '>') address += ch;
  if (a.name.empty()) return "<" + address + ">";
  const std::string name = one_line(a.name);
  if (printable_ascii(name)) {
    const bool atoms = std::all_of(name.begin(), name.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == ' ' ||
             std::string_view("!#$%&'*+-/=?^_`{|}~").find(ch) != std::string_view::npos;
    });
    if (atoms && name.find("=?") == std::string::npos) return name + " <" + address + ">";
    std::string quoted = "\"";
    for (char ch : name) {
      if (ch == '"' || ch == '\\') quoted += '\\';
      quoted += ch;
    }
    return quoted + "\" <" + address + ">";
  }
  return encode_header_text(name, used) + " <" + address + ">";
}

}  // namespace

std::string encode_header_text(std::string_view raw, std::size_t first_line_used) {
  const std::string text = one_line(raw);
  if (printable_ascii(text) && text.find("=?") == std::string::npos) {
    // Fold at spaces so no line passes 78 characters where that is possible.
    std::string out;
    std::size_t column = first_line_used;
    std::size_t at = 0;
    while (at < text.size()) {
      std::size_t next = text.find(' ', at + 1);
      if (next == std::string::npos) next = text.size();
      const std::string_view word(text.data() + at, next - at);
      if (column + word.size() > 78 && column > first_line_used && word.front() == ' ') {
        out += "\r\n";
        column = 0;
      }
      out += word;
      column += word.size();
      at = next;
    }
    return out;
  }
  // Encoded words of at most 75 characters: 45 bytes of UTF-8 (60 of base64), cut between characters.
  std::string out;
  std::size_t at = 0;
  bool first = true;
  while (at < text.size()) {
    std::size_t end = at;
    // "=?UTF-8?B?" and "?=" are 12 characters; a line holds 76 (RFC 2047 section 2).
    const std::size_t used = first ? std::min<std::size_t>(first_line_used, 40) : 1;
    const std::size_t budget = (76 - used - 12) / 4 * 3;
    while (end < text.size()) {
      const std::size_t len = utf8_length(static_cast<unsigned char>(text[end]));
      if (end + len - at > budget) break;
      end += len;
    }
    if (end == at) end = std::min(text.size(), at + utf8_length(static_cast<unsigned char>(text[at])));
    if (!first) out += "\r\n ";
    out += "=?UTF-8?B?" + detail::base64_encode(text.substr(at, end - at)) + "?=";
    first = false;
    at = end;
  }
  return out;
}

std::string to_mime(const Email& email) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(email.message_id.data()), email.message_id.size());
  // "=_" never occurs in quoted-printable text, so the boundary cannot appear in a part.
  const std::string boundary = "=_klik_" + hex(digest, 12);
  std::string m;
  m.reserve(email.text.size() + email.html.size() + 1024);
  m += "Date: " + rfc5322_date(email.date) + "\r\n";
  m += "From: " + address_header(email.from, 6) + "\r\n";
  m += "To: " + address_header(email.to, 4) + "\r\n";
  m += "Subject: " + encode_header_text(email.subject, 9) + "\r\n";
  m += "Message-ID: <" + email.message_id + ">\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "X-Auto-Response-Suppress: All\r\n";
  if (!email.event.empty() && printable_ascii(email.event) && email.event.size() < 64)
    m += "X-KLIK-Event: " + email.event + "\r\n";
  if (email.outbox_id) m += "X-KLIK-Outbox-Id: " + std::to_string(email.outbox_id) + "\r\n";
  m += "\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
  m += quoted_printable(email.text);
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
  m += quoted_printable(email.html);
  m += "\r\n--" + boundary + "--\r\n";
  return m;
}

}  // namespace klik
