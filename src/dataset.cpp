#include "klik/dataset.hpp"

#include <algorithm>
#include <map>

#include <string>
#include <unordered_map>
#include <unordered_set>

#include "klik/enums.hpp"
#include "klik/error.hpp"
#include "klik/text.hpp"

namespace klik {
namespace {

std::string at(std::string_view collection, std::size_t i, std::string_view field = {}) {
  std::string p = "/" + std::string(collection) + "/" + std::to_string(i);
  if (!field.empty()) p += "/" + std::string(field);
  return p;
}

template <class Id>
std::string id_text(Id id) {
  return std::to_string(id.value());
}

/// Collects the field problems of one entity under `path`.
class FieldCheck {
 public:
  FieldCheck(const std::string& path, std::vector<Violation>& out) : path_(path), out_(out) {}
  void text(const char* field, std::string_view value) {
    if (const auto bad = invalid_utf8_offset(value))
      out_.push_back({path_ + "/" + field, "invalid UTF-8 at byte " + std::to_string(*bad)});
  }
  void texts(const char* field, const std::vector<std::string>& values) {
    for (std::size_t i = 0; i < values.size(); ++i)
      if (const auto bad = invalid_utf8_offset(values[i]))
        out_.push_back(
            {path_ + "/" + field + "/" + std::to_string(i), "invalid UTF-8 at byte " + std::to_string(*bad)});
  }
  template <class E>
  void enumeration(const std::string& field, E value) {
    if (!is_valid(value))
      out_.push_back(
          {path_ + "/" + field, std::to_string(static_cast<int>(value)) + " is not a " + std::string(enum_name<E>())});
  }

 private:
  const std::string& path_;
  std::vector<Violation>& out_;
};

}  // namespace

void check_fields(const Municipality& v, const std::string& path, std::vector<Violation>& out) {
  FieldCheck(path, out).text("name", v.name);
}

void check_fields(const Project& v, const std::string& path, std::vector<Violation>& out) {
  FieldCheck c(path, out);
  c.text("name", v.name);
  c.text("description", v.description);
  c.text("kombit_contact", v.kombit_contact);
  c.text("contact_mail", v.contact_mail);
  c.texts("phases", v.phases);
  c.texts("themes", v.themes);
}

void check_fields(const RolloutWave& v, const std::string& path, std::vector<Violation>& out) {
  FieldCheck(path, out).text("name", v.name);
}

void check_fields(const TaskTemplate& v, const std::string& path, std::vector<Violation>& out) {
  FieldCheck c(path, out);
  c.text("title", v.title);
  c.enumeration("priority", v.priority);
  c.text("goal", v.goal);
  c.text("description", v.description);
  c.text("method", v.method);
  c.text("result", v.result);
}

void check_fields(const Task& v, const std::string& path, std::vector<Violation>& out) {
  FieldCheck(path, out).enumeration("status", v.status);
}

void check_fields(const LocalTask& v, const std::string& path, std::vector<Violation>& out) {
  FieldCheck c(path, out);
  c.text("title", v.title);
  c.enumeration("status", v.status);
  c.text("description", v.description);
}

void check_fields(const User& v, const std::string& path, std::vector<Violation>& out) {
  FieldCheck c(path, out);
  c.text("email", v.email);
  c.text("full_name", v.full_name);
  c.text("organisation", v.organisation);
  c.enumeration("side", v.side);
  for (std::size_t i = 0; i < v.memberships.size(); ++i)
    c.enumeration("memberships/" + std::to_string(i) + "/type", v.memberships[i].type);
}

void check_fields(const Credentials& v, const std::string& path, std::vector<Violation>& out) {
  const bool printable =
      std::all_of(v.password_hash.begin(), v.password_hash.end(), [](char ch) { return ch > ' ' && ch < 127; });
  if (!printable || v.password_hash.size() > 512)
    out.push_back({path + "/password_hash", "not a password hash (printable ASCII, at most 512 bytes)"});
  const bool hex = std::all_of(v.reset_token_hash.begin(), v.reset_token_hash.end(),
                               [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); });
  if (!(v.reset_token_hash.empty() || (v.reset_token_hash.size() == 64 && hex)))
    out.push_back({path + "/reset_token_hash", "not a token hash (64 lower-case hex digits, or empty)"});
}

void check_fields(const Message& v, const std::string& path, std::vector<Violation>& out) {
  FieldCheck c(path, out);
  c.enumeration("author_side", v.author_side);
  c.text("text", v.text);
}

void check_fields(const Attachment& v, const std::string& path, std::vector<Violation>& out) {
  FieldCheck c(path, out);
  c.text("file_name", v.file_name);
  c.text("media_type", v.media_type);
}

void check_fields(const InternalNote& v, const std::string& path, std::vector<Violation>& out) {
  FieldCheck(path, out).text("text", v.text);
}

void throw_violation(const Violation& v) {
  throw InvalidArgumentError(v.message, v.path.starts_with('/') ? v.path.substr(1) : v.path);
}

std::vector<Violation> validate(const Dataset& data) {
  std::vector<Violation> out;
  auto bad = [&](std::string path, std::string message) { out.push_back({std::move(path), std::move(message)}); };
  const auto fields = [&](const auto& collection, std::string_view name) {
    for (std::size_t i = 0; i < collection.size(); ++i) check_fields(collection[i], at(name, i), out);
  };
  fields(data.municipalities, "municipalities");
  fields(data.projects, "projects");
  fields(data.waves, "waves");
  fields(data.templates, "templates");
  fields(data.tasks, "tasks");
  fields(data.local_tasks, "local_tasks");
  fields(data.users, "users");
  fields(data.messages, "messages");
  fields(data.attachments, "attachments");
  fields(data.internal_notes, "internal_notes");
  fields(data.credentials, "credentials");

  std::unordered_set<MunicipalityId> municipalities;
  for (std::size_t i = 0; i < data.municipalities.size(); ++i) {
    if (!municipalities.insert(data.municipalities[i].id).second)
      bad(at("municipalities", i, "id"), "duplicate municipality " + id_text(data.municipalities[i].id));
  }

  std::unordered_map<ProjectId, const Project*> projects;
  std::unordered_map<ProjectId, std::unordered_set<MunicipalityId>> participants;
  for (std::size_t i = 0; i < data.projects.size(); ++i) {
    const Project& p = data.projects[i];
    if (!projects.emplace(p.id, &p).second) bad(at("projects", i, "id"), "duplicate project " + id_text(p.id));
    if (p.period_end < p.period_start) bad(at("projects", i, "period_end"), "period ends before it starts");
    auto& set = participants[p.id];
    for (std::size_t j = 0; j < p.participants.size(); ++j) {
      if (!municipalities.count(p.participants[j]))
        bad(at("projects", i, "participants/" + std::to_string(j)),
            "unknown municipality " + id_text(p.participants[j]));
      set.insert(p.participants[j]);
    }
  }

  std::unordered_set<WaveId> waves;
  std::map<std::pair<std::uint32_t, std::uint32_t>, WaveId> wave_of;  // (project, municipality)
  for (std::size_t i = 0; i < data.waves.size(); ++i) {
    const RolloutWave& w = data.waves[i];
    if (!waves.insert(w.id).second) bad(at("waves", i, "id"), "duplicate wave " + id_text(w.id));
    if (!projects.count(w.project)) bad(at("waves", i, "project"), "unknown project " + id_text(w.project));
    for (std::size_t j = 0; j < w.members.size(); ++j) {
      const MunicipalityId m = w.members[j];
      if (!municipalities.count(m)) {
        bad(at("waves", i, "members/" + std::to_string(j)), "unknown municipality " + id_text(m));
      } else if (projects.count(w.project)) {
        // A municipality is in at most one wave per project: its tasks have one shift.
        if (!participants[w.project].count(m))
          bad(at("waves", i, "members/" + std::to_string(j)),
              "municipality " + id_text(m) + " does not take part in project " + id_text(w.project));
        else if (const auto [it, fresh] = wave_of.try_emplace({w.project.value(), m.value()}, w.id); !fresh)
          bad(at("waves", i, "members/" + std::to_string(j)), "municipality " + id_text(m) + " is already in wave " +
                                                                  id_text(it->second) + " of project " +
                                                                  id_text(w.project));
      }
    }
  }

  std::unordered_map<TemplateId, const TaskTemplate*> templates;
  templates.reserve(data.templates.size());
  for (std::size_t i = 0; i < data.templates.size(); ++i) {
    const TaskTemplate& t = data.templates[i];
    if (!templates.emplace(t.id, &t).second) bad(at("templates", i, "id"), "duplicate template " + id_text(t.id));
    const auto p = projects.find(t.project);
    if (p == projects.end()) {
      bad(at("templates", i, "project"), "unknown project " + id_text(t.project));
    } else {
      if (t.phase < 1 || t.phase > p->second->phases.size())
        bad(at("templates", i, "phase"), "phase " + std::to_string(t.phase) + " is not one of the project's " +
                                             std::to_string(p->second->phases.size()) + " phases");
      if (t.theme < 1 || t.theme > p->second->themes.size())
        bad(at("templates", i, "theme"), "theme " + std::to_string(t.theme) + " is not one of the project's " +
                                             std::to_string(p->second->themes.size()) + " themes");
    }
    if (t.latest_start.has_value() == t.duration_workdays.has_value())
      bad(at("templates", i), "exactly one of latest_start and duration_workdays must be given");
    if (t.latest_start && *t.latest_start > t.end)
      bad(at("templates", i, "latest_start"),
          "latest start " + t.latest_start->iso() + " is after the end date " + t.end.iso());
    if (t.duration_workdays && *t.duration_workdays < 0)
      bad(at("templates", i, "duration_workdays"), "duration must not be negative");
  }

  std::unordered_map<UserId, const User*> users;
  users.reserve(data.users.size());
  std::unordered_set<std::string> emails;
  emails.reserve(data.users.size());
  for (std::size_t i = 0; i < data.users.size(); ++i) {
    const User& u = data.users[i];
    if (!users.emplace(u.id, &u).second) bad(at("users", i, "id"), "duplicate user " + id_text(u.id));
    const std::string email = normalise_email(u.email);
    if (email.empty() || email.find('@') == std::string::npos)
      bad(at("users", i, "email"), "not an email address: " + excerpt(u.email));
    else if (!emails.insert(email).second)
      bad(at("users", i, "email"), "a user with email " + excerpt(email) + " already exists");
    if (u.side == Side::Municipality) {
      if (!u.municipality)
        bad(at("users", i, "municipality"), "a municipality user needs a municipality");
      else if (!municipalities.count(*u.municipality))
        bad(at("users", i, "municipality"), "unknown municipality " + id_text(*u.municipality));
    } else if (u.municipality) {
      bad(at("users", i, "municipality"), "a KOMBIT user belongs to no municipality");
    }
    std::unordered_set<ProjectId> seen;
    for (std::size_t j = 0; j < u.memberships.size(); ++j) {
      const ProjectId pid = u.memberships[j].project;
      const std::string path = at("users", i, "memberships/" + std::to_string(j) + "/project");
      if (!projects.count(pid))
        bad(path, "unknown project " + id_text(pid));
      else if (!seen.insert(pid).second)
        bad(path, "project " + id_text(pid) + " listed twice");
      else if (u.side == Side::Municipality && u.municipality && !participants[pid].count(*u.municipality))
        bad(path, "municipality " + id_text(*u.municipality) + " does not take part in project " + id_text(pid));
    }
  }

  // The path is built only for a violation: this runs twice per task.
  auto check_person = [&](const std::optional<UserId>& who, MunicipalityId m, std::optional<ProjectId> project,
                          std::string_view collection, std::size_t i, std::string_view field) {
    if (!who) return;
    const auto path = [&] { return at(collection, i, field); };
    const auto u = users.find(*who);
    if (u == users.end()) return bad(path(), "unknown user " + id_text(*who));
    if (u->second->side != Side::Municipality || u->second->municipality != m)
      return bad(path(), "user " + id_text(*who) + " is not a user of municipality " + id_text(m));
    if (project) {
      const auto type = u->second->type_on(*project);
      if (!type || *type == UserType::Reader)
        bad(path(), "user " + id_text(*who) + " cannot be assigned on project " + id_text(*project) +
                        " (must be Plusbruger, Standardbruger or Light-bruger there)");
    }
  };

  std::unordered_map<TaskId, const Task*> tasks;
  tasks.reserve(data.tasks.size());
  for (std::size_t i = 0; i < data.tasks.size(); ++i) {
    const Task& t = data.tasks[i];
    if (!tasks.emplace(t.id, &t).second) bad(at("tasks", i, "id"), "duplicate task " + id_text(t.id));
    if (!municipalities.count(t.municipality))
      bad(at("tasks", i, "municipality"), "unknown municipality " + id_text(t.municipality));
    const auto tpl = templates.find(t.template_id);
    std::optional<ProjectId> project;
    if (tpl == templates.end()) {
      bad(at("tasks", i, "template"), "unknown template " + id_text(t.template_id));
    } else {
      project = tpl->second->project;
      // A municipality that left a project keeps its tasks there, not active (docs/workflows.md).
      if (!participants[*project].count(t.municipality) && t.status != TaskStatus::NotActive)
        bad(at("tasks", i, "municipality"), "municipality " + id_text(t.municipality) +
                                                " does not take part in project " + id_text(*project) +
                                                " (its tasks there can only be not_active)");
    }
    check_person(t.responsible, t.municipality, project, "tasks", i, "responsible");
    check_person(t.performer, t.municipality, project, "tasks", i, "performer");
    const auto end =
        t.end_override ? t.end_override : (tpl != templates.end() ? std::optional(tpl->second->end) : std::nullopt);
    if (t.latest_start_override && end && *t.latest_start_override > *end)
      bad(at("tasks", i, "latest_start_override"),
          "latest start " + t.latest_start_override->iso() + " is after the end date " + end->iso());
  }

  std::unordered_set<LocalTaskId> local_ids;
  local_ids.reserve(data.local_tasks.size());
  for (std::size_t i = 0; i < data.local_tasks.size(); ++i) {
    const LocalTask& l = data.local_tasks[i];
    if (!local_ids.insert(l.id).second) bad(at("local_tasks", i, "id"), "duplicate local task " + id_text(l.id));
    const auto parent = tasks.find(l.parent);
    std::optional<ProjectId> project;
    if (parent == tasks.end()) {
      bad(at("local_tasks", i, "parent"), "unknown task " + id_text(l.parent));
    } else {
      if (parent->second->municipality != l.municipality)
        bad(at("local_tasks", i, "municipality"),
            "a local task belongs to its parent's municipality " + id_text(parent->second->municipality));
      const auto tpl = templates.find(parent->second->template_id);
      if (tpl != templates.end()) project = tpl->second->project;
    }
    if (l.status == TaskStatus::NotActive)
      bad(at("local_tasks", i, "status"), "a local task cannot be not_active (only KOMBIT sets that, on KLIK tasks)");
    check_person(l.responsible, l.municipality, project, "local_tasks", i, "responsible");
    check_person(l.performer, l.municipality, project, "local_tasks", i, "performer");
  }

  std::unordered_set<MessageId> message_ids;
  message_ids.reserve(data.messages.size());
  for (std::size_t i = 0; i < data.messages.size(); ++i) {
    const Message& m = data.messages[i];
    if (!message_ids.insert(m.id).second) bad(at("messages", i, "id"), "duplicate message " + id_text(m.id));
    const int targets =
        int(m.target.task.has_value()) + int(m.target.project.has_value()) + int(m.target.wave.has_value());
    if (targets != 1) bad(at("messages", i, "target"), "exactly one of task, project and wave must be given");
    if (m.target.task && !tasks.count(*m.target.task))
      bad(at("messages", i, "target/task"), "unknown task " + id_text(*m.target.task));
    if (m.target.project && !projects.count(*m.target.project))
      bad(at("messages", i, "target/project"), "unknown project " + id_text(*m.target.project));
    if (m.target.wave && !waves.count(*m.target.wave))
      bad(at("messages", i, "target/wave"), "unknown wave " + id_text(*m.target.wave));
    if ((m.target.project || m.target.wave) && m.author_side != Side::Kombit)
      bad(at("messages", i, "author_side"), "only KOMBIT writes to a whole project or wave");
    const auto author = users.find(m.author);
    if (author == users.end())
      bad(at("messages", i, "author"), "unknown user " + id_text(m.author));
    else if (author->second->side != m.author_side)
      bad(at("messages", i, "author_side"), "does not match the author's side");
  }

  std::unordered_set<AttachmentId> attachment_ids;
  attachment_ids.reserve(data.attachments.size());
  for (std::size_t i = 0; i < data.attachments.size(); ++i) {
    const Attachment& a = data.attachments[i];
    if (!attachment_ids.insert(a.id).second) bad(at("attachments", i, "id"), "duplicate attachment " + id_text(a.id));
    if (!tasks.count(a.task)) bad(at("attachments", i, "task"), "unknown task " + id_text(a.task));
    if (!users.count(a.uploaded_by)) bad(at("attachments", i, "uploaded_by"), "unknown user " + id_text(a.uploaded_by));
    if (a.file_name.empty()) bad(at("attachments", i, "file_name"), "a file needs a name");
    if (!a.content.empty() && a.size != a.content.size())
      bad(at("attachments", i, "size"), "size " + std::to_string(a.size) + " differs from the content's " +
                                            std::to_string(a.content.size()) + " bytes");
  }

  std::unordered_set<TaskId> noted;
  noted.reserve(data.internal_notes.size());
  for (std::size_t i = 0; i < data.internal_notes.size(); ++i) {
    const InternalNote& n = data.internal_notes[i];
    if (!tasks.count(n.task))
      bad(at("internal_notes", i, "task"), "unknown task " + id_text(n.task));
    else if (!noted.insert(n.task).second)
      bad(at("internal_notes", i, "task"), "task " + id_text(n.task) + " has notes twice");
  }

  std::unordered_set<UserId> accounts;
  accounts.reserve(data.credentials.size());
  for (std::size_t i = 0; i < data.credentials.size(); ++i) {
    const UserId u = data.credentials[i].user;
    if (!users.count(u))
      bad(at("credentials", i, "user"), "unknown user " + id_text(u));
    else if (!accounts.insert(u).second)
      bad(at("credentials", i, "user"), "user " + id_text(u) + " has credentials twice");
  }
  return out;
}

void require_valid(const Dataset& data) {
  const auto violations = validate(data);
  if (violations.empty()) return;
  if (violations.size() == 1) throw InvalidArgumentError(violations[0].message, violations[0].path);
  std::string message;
  for (std::size_t i = 0; i < violations.size() && i < 10; ++i) {
    if (i) message += "; ";
    message += violations[i].path + ": " + violations[i].message;
  }
  if (violations.size() > 10) message += "; ... (" + std::to_string(violations.size()) + " problems in all)";
  throw InvalidArgumentError(message, violations.front().path);
}

}  // namespace klik
