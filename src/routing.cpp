// The notification routing (include/klik/routing.hpp): the table as data, and the
// one resolver every producer of notifications calls.
#include "klik/routing.hpp"

#include <algorithm>
#include <limits>

#include "detail/embedded.hpp"
#include "detail/json_io.hpp"
#include "klik/error.hpp"
#include "klik/store.hpp"
#include "klik/text.hpp"

namespace klik {
namespace {

using detail::json;

struct EventInfo {
  NotificationEvent event;
  std::string_view code;
  EventScope scope;
  std::string_view phrase;
};

constexpr std::array<EventInfo, notification_event_count> event_table{{
    {NotificationEvent::TaskAssigned, "task.assigned", EventScope::Task,
     "a user was made responsible or performer of a task"},
    {NotificationEvent::DeadlineYellow, "deadline.yellow", EventScope::Task,
     "the deadline sweep found a task turned yellow"},
    {NotificationEvent::DeadlineRed, "deadline.red", EventScope::Task, "the deadline sweep found a task turned red"},
    {NotificationEvent::TaskNotActive, "task.not_active", EventScope::Task, "KOMBIT set a task not active"},
    {NotificationEvent::TaskReactivated, "task.reactivated", EventScope::Task, "KOMBIT made a task active again"},
    {NotificationEvent::MessageKombitTask, "message.kombit_task", EventScope::Task, "KOMBIT wrote a message on a task"},
    {NotificationEvent::MessageMunicipalityTask, "message.municipality_task", EventScope::Task,
     "the municipality wrote a message to KOMBIT on a task"},
    {NotificationEvent::MessageKombitWave, "message.kombit_wave", EventScope::Project,
     "KOMBIT wrote to a rollout wave"},
    {NotificationEvent::MessageKombitProject, "message.kombit_project", EventScope::Project,
     "KOMBIT wrote to a whole project"},
    {NotificationEvent::ProjectJoined, "project.joined", EventScope::Project, "the municipality joined a project"},
    {NotificationEvent::ProjectLeft, "project.left", EventScope::Project, "the municipality left a project"},
    {NotificationEvent::ProjectChanged, "project.changed", EventScope::Project, "a project's details changed"},
    {NotificationEvent::WaveChanged, "wave.changed", EventScope::Project, "a rollout wave was created or changed"},
    {NotificationEvent::TemplatePublished, "template.published", EventScope::Project, "KOMBIT published a KLIK task"},
    {NotificationEvent::TemplateChanged, "template.changed", EventScope::Project, "KOMBIT changed a KLIK task"},
    {NotificationEvent::TemplateWithdrawn, "template.withdrawn", EventScope::Project, "KOMBIT withdrew a KLIK task"},
    {NotificationEvent::UserCreated, "user.created", EventScope::User,
     "the user was created (with a link to set a password)"},
    {NotificationEvent::UserAddedToProject, "user.added_to_project", EventScope::User,
     "the user was added to a project"},
    {NotificationEvent::UserRemovedFromProject, "user.removed_from_project", EventScope::User,
     "the user was removed from a project"},
    {NotificationEvent::UserTypeChanged, "user.type_changed", EventScope::User, "the user's type on a project changed"},
    {NotificationEvent::UserPasswordChanged, "user.password_changed", EventScope::User,
     "the user's password was changed"},
    {NotificationEvent::UserPasswordReset, "user.password_reset", EventScope::User,
     "the user was sent a link to set a new password"},
}};

struct AudienceInfo {
  Audience audience;
  std::string_view code;
  std::string_view phrase;
};

constexpr std::array<AudienceInfo, audience_count> audience_table{{
    {Audience::Plus, "plus", "the project's Plusbrugere in the object's municipality or municipalities"},
    {Audience::Standard, "standard", "the project's Standardbrugere in the object's municipality or municipalities"},
    {Audience::Light, "light", "the project's Light-brugere in the object's municipality or municipalities"},
    {Audience::Responsible, "responsible", "the task's responsible (Ansvarlig)"},
    {Audience::Performer, "performer", "the task's performer (Udfører)"},
    {Audience::Subject, "subject", "the user the event is about"},
    {Audience::Administrators, "administrators", "the Administrators of the object's municipality or municipalities"},
    {Audience::ContactMailbox, "contact_mailbox", "the project's KOMBIT contact mailbox"},
}};

constexpr auto event_list = [] {
  std::array<NotificationEvent, notification_event_count> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = event_table[i].event;
  return out;
}();
constexpr auto audience_list = [] {
  std::array<Audience, audience_count> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = audience_table[i].audience;
  return out;
}();

constexpr std::size_t idx(NotificationEvent e) noexcept { return static_cast<std::size_t>(e); }
constexpr std::uint16_t bit(Audience a) noexcept { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(a)); }

std::string join_codes(const auto& table) {
  std::string out;
  for (const auto& v : table) {
    if (!out.empty()) out += ", ";
    out += v.code;
  }
  return out;
}

bool carries_token(NotificationEvent e) noexcept {
  return e == NotificationEvent::UserCreated || e == NotificationEvent::UserPasswordReset;
}

/// Why `a` cannot be named for `e` (empty when it can).
std::string cannot_route_reason(NotificationEvent e, Audience a) {
  if (can_route(e, a)) return {};
  const std::string ev(code(e)), au(code(a));
  if (carries_token(e))
    return "event '" + ev + "' carries a password link: only 'subject' may receive it, not '" + au + "'";
  return "audience '" + au + "' does not apply to " + std::string(code(scope(e))) + " event '" + ev + "'";
}

}  // namespace

// ---------------------------------------------------------------------------
// Events and audiences
// ---------------------------------------------------------------------------

std::span<const NotificationEvent> all_notification_events() noexcept { return event_list; }
std::string_view code(NotificationEvent e) noexcept { return event_table[idx(e)].code; }
std::string_view describe(NotificationEvent e) noexcept { return event_table[idx(e)].phrase; }
EventScope scope(NotificationEvent e) noexcept { return event_table[idx(e)].scope; }

NotificationEvent parse_notification_event(std::string_view text) {
  for (const auto& e : event_table)
    if (e.code == text) return e.event;
  throw InvalidArgumentError("unknown notification event " + excerpt(text) + " (known: " + join_codes(event_table) +
                             ")");
}

std::span<const Audience> all_audiences() noexcept { return audience_list; }
std::string_view code(Audience a) noexcept { return audience_table[static_cast<std::size_t>(a)].code; }
std::string_view describe(Audience a) noexcept { return audience_table[static_cast<std::size_t>(a)].phrase; }

Audience parse_audience(std::string_view text) {
  for (const auto& a : audience_table)
    if (a.code == text) return a.audience;
  throw InvalidArgumentError("unknown audience " + excerpt(text) + " (known: " + join_codes(audience_table) + ")");
}

std::string_view code(EventScope s) noexcept {
  switch (s) {
    case EventScope::Task:
      return "task";
    case EventScope::Project:
      return "project";
    case EventScope::User:
      return "user";
  }
  return "?";
}

bool can_route(NotificationEvent e, Audience a) noexcept {
  if (carries_token(e)) return a == Audience::Subject;
  switch (a) {
    case Audience::Responsible:
    case Audience::Performer:
      return scope(e) == EventScope::Task;
    case Audience::Plus:
    case Audience::Standard:
    case Audience::Light:
    case Audience::ContactMailbox:
      return scope(e) != EventScope::User;
    case Audience::Subject:
      return scope(e) != EventScope::Project;
    case Audience::Administrators:
      return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

const NotificationRouting& NotificationRouting::default_routing() {
  static const NotificationRouting routing = [] {
    const std::string_view text = detail::embedded_file("notification_routing.json");
    KLIK_ASSERT(!text.empty());
    return from_json(text);
  }();
  return routing;
}

NotificationRouting NotificationRouting::from_json(std::string_view text) {
  const json root = detail::parse_text(text, {.max_bytes = std::size_t{1} << 20, .max_depth = detail::max_json_depth});
  detail::ObjectReader top(root, "");
  NotificationRouting out;
  out.name_ = top.string("name");
  out.version_ = top.integer("version", 1, std::numeric_limits<std::int32_t>::max());
  const json& routes = top.require("routes");
  top.finish();
  if (!routes.is_array()) throw InvalidArgumentError("expected an array of routes", "/routes");
  std::array<bool, notification_event_count> seen{};
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const std::string path = "/routes/" + std::to_string(i);
    detail::ObjectReader r(routes[i], path);
    const std::string event_code = r.string("event");
    NotificationEvent e{};
    try {
      e = parse_notification_event(event_code);
    } catch (const InvalidArgumentError& err) {
      throw InvalidArgumentError(err.what(), r.field_path("event"));
    }
    if (seen[idx(e)]) throw InvalidArgumentError("event '" + event_code + "' is routed twice", r.field_path("event"));
    seen[idx(e)] = true;
    const json& to = r.require("to");
    out.notes_[idx(e)] = r.string_or("note", "");
    r.finish();
    if (!to.is_array()) throw InvalidArgumentError("expected an array of audiences", r.field_path("to"));
    std::uint16_t mask = 0;
    for (std::size_t k = 0; k < to.size(); ++k) {
      const std::string apath = r.field_path("to") + "/" + std::to_string(k);
      const std::string audience_code = detail::string_at(to[k], apath);
      Audience a{};
      try {
        a = parse_audience(audience_code);
      } catch (const InvalidArgumentError& err) {
        throw InvalidArgumentError(err.what(), apath);
      }
      if (mask & bit(a)) throw InvalidArgumentError("audience '" + audience_code + "' is named twice", apath);
      if (const std::string why = cannot_route_reason(e, a); !why.empty()) throw InvalidArgumentError(why, apath);
      mask |= bit(a);
    }
    out.mask_[idx(e)] = mask;
  }
  for (const auto& info : event_table)
    if (!seen[idx(info.event)])
      throw InvalidArgumentError(
          "event '" + std::string(info.code) + "' is not routed (list every event; an empty \"to\" sends nothing)",
          "/routes");
  return out;
}

std::vector<Audience> NotificationRouting::audiences(NotificationEvent e) const {
  std::vector<Audience> out;
  for (Audience a : audience_list)
    if (routes(e, a)) out.push_back(a);
  return out;
}

NotificationRouting NotificationRouting::with(NotificationEvent e, std::span<const Audience> audiences) const {
  NotificationRouting out = *this;
  std::uint16_t mask = 0;
  for (Audience a : audiences) {
    if (const std::string why = cannot_route_reason(e, a); !why.empty()) throw InvalidArgumentError(why, "audiences");
    mask |= bit(a);
  }
  out.mask_[idx(e)] = mask;
  return out;
}

std::string NotificationRouting::to_json(int indent) const {
  json root = json::object();
  root["name"] = name_;
  root["version"] = version_;
  json routes = json::array();
  for (const auto& info : event_table) {
    json row = json::object();
    row["event"] = std::string(info.code);
    json to = json::array();
    for (Audience a : audiences(info.event)) to.push_back(std::string(code(a)));
    row["to"] = std::move(to);
    if (!notes_[idx(info.event)].empty()) row["note"] = notes_[idx(info.event)];
    routes.push_back(std::move(row));
  }
  root["routes"] = std::move(routes);
  return detail::dump_text(root, indent);
}

// ---------------------------------------------------------------------------
// The resolver
// ---------------------------------------------------------------------------

struct RecipientResolver::Cache {
  struct Group {
    std::vector<const User*> plus, standard, light;
  };
  // (project << 16 | municipality) -> the project's users there, by type (by id)
  std::unordered_map<std::uint64_t, Group> groups;
  // municipality -> its Administrators (by id)
  std::unordered_map<std::uint32_t, std::vector<const User*>> administrators;

  static std::uint64_t key(ProjectId p, MunicipalityId m) noexcept {
    return (std::uint64_t{p.value()} << 16) | m.value();
  }
  const Group* group(ProjectId p, MunicipalityId m) const {
    const auto it = groups.find(key(p, m));
    return it == groups.end() ? nullptr : &it->second;
  }
  const std::vector<const User*>* admins(MunicipalityId m) const {
    const auto it = administrators.find(m.value());
    return it == administrators.end() ? nullptr : &it->second;
  }
};

namespace {

bool by_id(const User* a, const User* b) noexcept { return a->id < b->id; }

void sort_unique(std::vector<const User*>& v) {
  std::sort(v.begin(), v.end(), by_id);
  v.erase(std::unique(v.begin(), v.end(), [](const User* a, const User* b) { return a->id == b->id; }), v.end());
}

void require_scope(NotificationEvent e, EventScope wanted) {
  if (scope(e) != wanted)
    throw InvalidArgumentError("event '" + std::string(code(e)) + "' is a " + std::string(code(scope(e))) +
                                   " event, not a " + std::string(code(wanted)) + " event",
                               "event");
}

}  // namespace

RecipientResolver::RecipientResolver(const NotificationRouting& routing, const RightsModel& rights, const World& world)
    : routing_(routing), rights_(rights), world_(&world) {}
RecipientResolver::RecipientResolver(const NotificationRouting& routing, const RightsModel& rights)
    : routing_(routing), rights_(rights) {}
RecipientResolver::~RecipientResolver() = default;

const RecipientResolver::Cache& RecipientResolver::cache() {
  if (cache_) return *cache_;
  cache_ = std::make_unique<Cache>();
  if (!world_) return *cache_;
  for (const User* u : world_->users()) {  // by id, so every list below is too
    if (u->side != Side::Municipality || !u->municipality) continue;
    if (u->administrator) cache_->administrators[u->municipality->value()].push_back(u);
    for (const Membership& m : u->memberships) {
      if (m.type == UserType::Reader) continue;
      Cache::Group& g = cache_->groups[Cache::key(m.project, *u->municipality)];
      (m.type == UserType::Plus ? g.plus : m.type == UserType::Standard ? g.standard : g.light).push_back(u);
    }
  }
  return *cache_;
}

Recipients RecipientResolver::task_event(NotificationEvent e, const TaskFacts& task, std::optional<UserId> subject) {
  require_scope(e, EventScope::Task);
  Recipients out;
  if (!world_) return out;
  const Cache& c = cache();
  std::vector<const User*> candidates;
  if (const Cache::Group* g = c.group(task.project, task.municipality)) {
    if (routing_.routes(e, Audience::Plus)) candidates.insert(candidates.end(), g->plus.begin(), g->plus.end());
    if (routing_.routes(e, Audience::Standard))
      candidates.insert(candidates.end(), g->standard.begin(), g->standard.end());
    if (routing_.routes(e, Audience::Light)) candidates.insert(candidates.end(), g->light.begin(), g->light.end());
  }
  auto person = [&](Audience a, const std::optional<UserId>& who) {
    if (!who || !routing_.routes(e, a)) return;
    if (const User* u = world_->user(*who)) candidates.push_back(u);
  };
  person(Audience::Responsible, task.responsible);
  person(Audience::Performer, task.performer);
  person(Audience::Subject, subject);
  if (routing_.routes(e, Audience::Administrators))
    if (const auto* admins = c.admins(task.municipality))
      candidates.insert(candidates.end(), admins->begin(), admins->end());
  sort_unique(candidates);
  // The invariant: only the task's municipality's users who may see it, never a Læser.
  out.users.reserve(candidates.size());
  for (const User* u : candidates) {
    if (u->side != Side::Municipality || u->municipality != task.municipality) continue;
    if (u->type_on(task.project) == UserType::Reader) continue;
    if (!rights_.allows(*u, Action::ViewTask, task)) continue;
    out.users.push_back(u->id);
  }
  // KOMBIT never sees local tasks: its mailbox is not told about them.
  if (routing_.routes(e, Audience::ContactMailbox) && !task.local)
    if (const Project* p = world_->project(task.project)) out.mailbox = p->contact_mail;
  return out;
}

Recipients RecipientResolver::project_event(NotificationEvent e, const Project& project,
                                            std::span<const MunicipalityId> municipalities) {
  require_scope(e, EventScope::Project);
  Recipients out;
  if (routing_.routes(e, Audience::ContactMailbox)) out.mailbox = project.contact_mail;
  if (!world_) return out;
  const Cache& c = cache();
  std::vector<const User*> candidates;
  for (MunicipalityId m : municipalities) {
    if (const Cache::Group* g = c.group(project.id, m)) {
      if (routing_.routes(e, Audience::Plus)) candidates.insert(candidates.end(), g->plus.begin(), g->plus.end());
      if (routing_.routes(e, Audience::Standard))
        candidates.insert(candidates.end(), g->standard.begin(), g->standard.end());
      if (routing_.routes(e, Audience::Light)) candidates.insert(candidates.end(), g->light.begin(), g->light.end());
    }
    if (routing_.routes(e, Audience::Administrators))
      if (const auto* admins = c.admins(m)) candidates.insert(candidates.end(), admins->begin(), admins->end());
  }
  sort_unique(candidates);
  // The invariant: users of the municipalities the event is about, who take part in
  // the project (a user type other than Læser) or administer their municipality.
  for (const User* u : candidates) {
    if (u->side != Side::Municipality || !u->municipality ||
        std::find(municipalities.begin(), municipalities.end(), *u->municipality) == municipalities.end())
      continue;
    const auto type = u->type_on(project.id);
    const bool takes_part = type && *type != UserType::Reader;
    if (takes_part || u->administrator) out.users.push_back(u->id);
  }
  return out;
}

Recipients RecipientResolver::user_event(NotificationEvent e, const User& subject) {
  require_scope(e, EventScope::User);
  Recipients out;
  if (routing_.routes(e, Audience::Subject)) out.users.push_back(subject.id);
  if (routing_.routes(e, Audience::Administrators) && world_ && subject.side == Side::Municipality &&
      subject.municipality)
    if (const auto* admins = cache().admins(*subject.municipality))
      for (const User* u : *admins) out.users.push_back(u->id);
  std::sort(out.users.begin(), out.users.end());
  out.users.erase(std::unique(out.users.begin(), out.users.end()), out.users.end());
  return out;
}

}  // namespace klik
