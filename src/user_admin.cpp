#include "klik/user_admin.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "klik/error.hpp"

namespace klik {
namespace {

AdminViolation violation(AdminViolationKind kind, std::string field, std::string message, std::string rule = {},
                         std::string nearest = {}, std::string nearest_rule = {}) {
  AdminViolation v;
  v.kind = kind;
  v.field = std::move(field);
  v.message = std::move(message);
  v.rule = std::move(rule);
  v.nearest = std::move(nearest);
  v.nearest_rule = std::move(nearest_rule);
  return v;
}

std::string project_name(ProjectId p, std::span<const Project> projects) {
  for (const Project& pr : projects)
    if (pr.id == p) return pr.name;
  return std::to_string(p.value());
}

std::string user_label(const User& u) {
  if (!u.full_name.empty()) return "'" + u.full_name + "'";
  return "'" + u.email + "'";
}

std::string municipality_label(const User& u) {
  return u.municipality ? std::to_string(u.municipality->value()) : std::string("?");
}

bool valid_email(const std::string& normalised) {
  const auto at = normalised.find('@');
  return !normalised.empty() && at != std::string::npos && at > 0 && at + 1 < normalised.size() &&
         normalised.find('@', at + 1) == std::string::npos &&
         std::none_of(normalised.begin(), normalised.end(), [](char c) { return c == ' ' || c == '\t'; });
}

void check_email(const std::string& email, std::optional<UserId> self, std::span<const User> users,
                 std::vector<AdminViolation>& out) {
  const std::string norm = normalise_email(email);
  if (!valid_email(norm)) {
    out.push_back(violation(AdminViolationKind::InvalidEmail, "email", "'" + email + "' is not an email address"));
    return;
  }
  for (const User& u : users) {
    if (self && u.id == *self) continue;
    if (normalise_email(u.email) == norm) {
      out.push_back(
          violation(AdminViolationKind::EmailTaken, "email", "a user with email '" + norm + "' already exists"));
      return;
    }
  }
}

void check_decision(const Decision& d, const std::string& field, std::vector<AdminViolation>& out) {
  if (d.allowed()) return;
  if (d.outcome == Outcome::NotFound) {
    out.push_back(violation(AdminViolationKind::NotFound, field, d.reason));
    return;
  }
  out.push_back(violation(AdminViolationKind::NotPermitted, field, d.reason, d.rule, d.nearest, d.nearest_rule));
}

/// The daily digest is the user's own choice (own_profile), or an editor's (edit_user).
void check_daily_digest(const RightsModel& rights, const User& actor, const User& target,
                        std::span<const Project> projects, std::vector<AdminViolation>& out) {
  if (actor.id == target.id && rights.decide(actor, Action::OwnProfile, Target::none(), projects).allowed()) return;
  check_decision(rights.decide(actor, Action::EditUser, Target::of(target), projects), "daily_digest", out);
}

bool other_administrator(const User& target, std::span<const User* const> users) {
  return std::any_of(users.begin(), users.end(), [&](const User* u) {
    return u->id != target.id && u->side == Side::Municipality && u->municipality == target.municipality &&
           u->administrator;
  });
}

bool other_plus(const User& target, ProjectId p, std::span<const User* const> users) {
  return std::any_of(users.begin(), users.end(), [&](const User* u) {
    return u->id != target.id && u->side == Side::Municipality && u->municipality == target.municipality &&
           u->type_on(p) == UserType::Plus;
  });
}

std::vector<const User*> pointers(std::span<const User> users) {
  std::vector<const User*> out;
  out.reserve(users.size());
  for (const User& u : users) out.push_back(&u);
  return out;
}

void check_memberships_unique(const User& u, std::vector<AdminViolation>& out) {
  std::set<ProjectId> seen;
  for (const Membership& m : u.memberships)
    if (!seen.insert(m.project).second)
      out.push_back(violation(AdminViolationKind::InvalidChange, "memberships/" + to_string(m.project),
                              "project " + to_string(m.project) + " is given twice"));
}

// The rights check of granting/removing a type on one project.
void check_assign(const RightsModel& rights, const User& actor, const User& target, ProjectId p,
                  std::span<const Project> projects, std::vector<AdminViolation>& out) {
  const Decision d = rights.decide(actor, Action::AssignUserType, Target::of(target, p), projects);
  if (d.allowed()) return;
  const std::string field = "memberships/" + to_string(p);
  const bool plus_somewhere = std::any_of(actor.memberships.begin(), actor.memberships.end(),
                                          [](const Membership& m) { return m.type == UserType::Plus; });
  if (d.outcome == Outcome::Denied && plus_somewhere && actor.type_on(p) != UserType::Plus) {
    out.push_back(violation(AdminViolationKind::ProjectNotHeld, field,
                            "a Plusbruger can grant only projects where they are Plusbruger themselves, not project " +
                                project_name(p, projects),
                            d.rule, d.nearest, d.nearest_rule));
    return;
  }
  check_decision(d, field, out);
}

/// A one-part change asks for a right even when it changes nothing (the diff in
/// validate_user_change skips unchanged parts): `asked` is that check's refusal,
/// put first; `rest` the full validation, without repeats.
std::vector<AdminViolation> with_asked(std::vector<AdminViolation> asked, std::vector<AdminViolation> rest) {
  if (asked.empty()) return rest;
  if (!rest.empty() && rest.front().kind == AdminViolationKind::NotFound) return rest;  // tenancy says it all
  for (AdminViolation& v : rest)
    if (std::find(asked.begin(), asked.end(), v) == asked.end()) asked.push_back(std::move(v));
  return asked;
}

}  // namespace

std::vector<AdminViolation> invariant_violations(const std::optional<User>& before, const std::optional<User>& after,
                                                 std::span<const User* const> users,
                                                 std::span<const Project> projects) {
  std::vector<AdminViolation> out;
  if (!before || before->side != Side::Municipality || !before->municipality) return out;
  const User& b = *before;
  // Still the same municipality's user after the change (else it lost everything there).
  const User* a =
      after && after->side == Side::Municipality && after->municipality == b.municipality ? &*after : nullptr;
  if (b.administrator && !(a && a->administrator) && !other_administrator(b, users))
    out.push_back(violation(AdminViolationKind::LastAdministrator, "administrator",
                            user_label(b) + " is the last Administrator of municipality " + municipality_label(b) +
                                "; every municipality keeps at least one Administrator"));
  for (const Membership& m : b.memberships)
    if (m.type == UserType::Plus && !(a && a->type_on(m.project) == UserType::Plus) && !other_plus(b, m.project, users))
      out.push_back(violation(AdminViolationKind::LastPlusbruger, "memberships/" + to_string(m.project),
                              user_label(b) + " is the last Plusbruger of project " +
                                  project_name(m.project, projects) + " in municipality " + municipality_label(b) +
                                  "; every project keeps at least one Plusbruger per municipality"));
  return out;
}

std::string_view code(AdminViolationKind k) noexcept {
  switch (k) {
    case AdminViolationKind::NotPermitted:
      return "not_permitted";
    case AdminViolationKind::NotFound:
      return "not_found";
    case AdminViolationKind::EmailTaken:
      return "email_taken";
    case AdminViolationKind::InvalidEmail:
      return "invalid_email";
    case AdminViolationKind::ProjectNotHeld:
      return "project_not_held";
    case AdminViolationKind::LastAdministrator:
      return "last_administrator";
    case AdminViolationKind::LastPlusbruger:
      return "last_plusbruger";
    case AdminViolationKind::InvalidChange:
      return "invalid_change";
  }
  return "unknown";
}

std::vector<AdminViolation> validate_user_change(const RightsModel& rights, const User& actor,
                                                 const std::optional<User>& before, const std::optional<User>& after,
                                                 std::span<const User> users, std::span<const Project> projects) {
  std::vector<AdminViolation> out;
  KLIK_REQUIRE(before || after, "a user change needs a user before or after it");
  const std::vector<const User*> all = pointers(users);

  if (!before) {  // --- create
    const User& u = *after;
    if (u.side != Side::Municipality || !u.municipality) {
      out.push_back(violation(AdminViolationKind::InvalidChange, "municipality",
                              "a new user belongs to a municipality (KOMBIT users are not created here)"));
      return out;
    }
    // The right to create at all; each membership and the flag are checked on their own below
    // (decide(create_user) on the whole proposed user is refused for exactly these).
    User bare = u;
    bare.memberships.clear();
    bare.administrator = false;
    check_decision(rights.decide(actor, Action::CreateUser, Target::of(bare), projects), "", out);
    if (!out.empty()) return out;
    if (std::any_of(users.begin(), users.end(), [&](const User& x) { return x.id == u.id; }))
      out.push_back(violation(AdminViolationKind::InvalidChange, "id", "user id " + to_string(u.id) + " is taken"));
    check_email(u.email, std::nullopt, users, out);
    check_memberships_unique(u, out);
    for (const Membership& m : u.memberships) check_assign(rights, actor, u, m.project, projects, out);
    if (u.administrator)
      check_decision(rights.decide(actor, Action::GrantAdministrator, Target::of(u), projects), "administrator", out);
    return out;
  }

  const User& b = *before;
  // Tenancy first: a user of another municipality is simply not found.
  const Decision view = rights.decide(actor, Action::ViewUser, Target::of(b), projects);
  if (view.outcome == Outcome::NotFound) {
    out.push_back(violation(AdminViolationKind::NotFound, "", view.reason));
    return out;
  }

  if (!after) {  // --- delete
    check_decision(rights.decide(actor, Action::DeleteUser, Target::of(b), projects), "", out);
    if (!out.empty()) return out;
    return invariant_violations(b, std::nullopt, all, projects);
  }

  // --- edit: each part that changes needs its own right
  const User& a = *after;
  if (a.id != b.id || a.side != b.side || a.municipality != b.municipality) {
    out.push_back(violation(AdminViolationKind::InvalidChange, "",
                            "a user's id, side and municipality cannot change (create a new user instead)"));
    return out;
  }
  const bool details = a.full_name != b.full_name || a.organisation != b.organisation || a.email != b.email;
  std::set<ProjectId> changed;
  for (const Membership& m : b.memberships)
    if (a.type_on(m.project) != m.type) changed.insert(m.project);
  for (const Membership& m : a.memberships)
    if (b.type_on(m.project) != m.type) changed.insert(m.project);
  const bool admin_changed = a.administrator != b.administrator;

  if (details) {
    check_decision(rights.decide(actor, Action::EditUser, Target::of(b), projects), "", out);
    if (!out.empty()) return out;
  }
  if (a.email != b.email) check_email(a.email, b.id, users, out);
  check_memberships_unique(a, out);
  for (ProjectId p : changed) check_assign(rights, actor, b, p, projects, out);
  if (admin_changed)
    check_decision(rights.decide(actor, Action::GrantAdministrator, Target::of(b), projects), "administrator", out);
  if (a.daily_digest != b.daily_digest) check_daily_digest(rights, actor, b, projects, out);
  for (AdminViolation& v : invariant_violations(b, a, all, projects)) out.push_back(std::move(v));
  return out;
}

std::vector<AdminViolation> validate_create_user(const RightsModel& rights, const User& actor, const User& proposed,
                                                 std::span<const User> users, std::span<const Project> projects) {
  return validate_user_change(rights, actor, std::nullopt, proposed, users, projects);
}

std::vector<AdminViolation> validate_delete_user(const RightsModel& rights, const User& actor, const User& target,
                                                 std::span<const User> users, std::span<const Project> projects) {
  return validate_user_change(rights, actor, target, std::nullopt, users, projects);
}

std::vector<AdminViolation> validate_edit_details(const RightsModel& rights, const User& actor, const User& target,
                                                  const std::string& full_name, const std::string& organisation,
                                                  const std::string& email, std::span<const User> users,
                                                  std::span<const Project> projects) {
  User after = target;
  after.full_name = full_name;
  after.organisation = organisation;
  after.email = email;
  std::vector<AdminViolation> asked;
  check_decision(rights.decide(actor, Action::EditUser, Target::of(target), projects), "", asked);
  if (!asked.empty()) return asked;
  return validate_user_change(rights, actor, target, after, users, projects);
}

std::vector<AdminViolation> validate_set_user_type(const RightsModel& rights, const User& actor, const User& target,
                                                   ProjectId project, UserType type, std::span<const User> users,
                                                   std::span<const Project> projects) {
  User after = target;
  auto it = std::find_if(after.memberships.begin(), after.memberships.end(),
                         [&](const Membership& m) { return m.project == project; });
  if (it != after.memberships.end()) {
    it->type = type;
  } else {
    after.memberships.push_back({project, type});
  }
  std::vector<AdminViolation> asked;
  check_assign(rights, actor, target, project, projects, asked);
  return with_asked(std::move(asked), validate_user_change(rights, actor, target, after, users, projects));
}

std::vector<AdminViolation> validate_remove_project(const RightsModel& rights, const User& actor, const User& target,
                                                    ProjectId project, std::span<const User> users,
                                                    std::span<const Project> projects) {
  User after = target;
  std::erase_if(after.memberships, [&](const Membership& m) { return m.project == project; });
  std::vector<AdminViolation> asked;
  check_assign(rights, actor, target, project, projects, asked);
  return with_asked(std::move(asked), validate_user_change(rights, actor, target, after, users, projects));
}

std::vector<AdminViolation> validate_set_daily_digest(const RightsModel& rights, const User& actor, const User& target,
                                                      std::span<const Project> projects) {
  std::vector<AdminViolation> out;
  check_daily_digest(rights, actor, target, projects, out);
  return out;
}

std::vector<AdminViolation> validate_set_administrator(const RightsModel& rights, const User& actor, const User& target,
                                                       bool administrator, std::span<const User> users,
                                                       std::span<const Project> projects) {
  User after = target;
  after.administrator = administrator;
  std::vector<AdminViolation> asked;
  check_decision(rights.decide(actor, Action::GrantAdministrator, Target::of(target), projects), "administrator",
                 asked);
  return with_asked(std::move(asked), validate_user_change(rights, actor, target, after, users, projects));
}

std::vector<AdminViolation> validate_reset_password(const RightsModel& rights, const User& actor, const User& target,
                                                    std::span<const Project> projects) {
  std::vector<AdminViolation> out;
  check_decision(rights.decide(actor, Action::ResetPassword, Target::of(target), projects), "password", out);
  return out;
}

void throw_if_any(const std::vector<AdminViolation>& violations) {
  if (violations.empty()) return;
  std::string text;
  for (const auto& v : violations) {
    if (!text.empty()) text += "; ";
    text += v.message;
  }
  switch (violations.front().kind) {
    case AdminViolationKind::EmailTaken:
      throw AlreadyExistsError(text);
    case AdminViolationKind::NotFound:
      throw NotFoundError(text);
    case AdminViolationKind::NotPermitted:
    case AdminViolationKind::ProjectNotHeld: {
      const AdminViolation& v = violations.front();
      throw PermissionDeniedError(text, v.rule, v.nearest, v.nearest_rule);
    }
    case AdminViolationKind::LastAdministrator:
    case AdminViolationKind::LastPlusbruger:
      throw FailedPreconditionError(text);
    case AdminViolationKind::InvalidEmail:
    case AdminViolationKind::InvalidChange:
      throw InvalidArgumentError(text, violations.front().field);
  }
  throw InvalidArgumentError(text);
}

std::vector<ClearedAssignment> cleared_assignments(const std::optional<User>& before, const std::optional<User>& after,
                                                   std::span<const TaskFacts> tasks) {
  std::vector<ClearedAssignment> out;
  if (!before || before->side != Side::Municipality || !before->municipality) return out;
  std::set<ProjectId> left;
  for (const Membership& m : before->memberships) {
    const auto now = after ? after->type_on(m.project) : std::nullopt;
    if (!now || *now == UserType::Reader) left.insert(m.project);
  }
  if (left.empty()) return out;
  const UserId id = before->id;
  for (const TaskFacts& f : tasks) {
    if (f.municipality != *before->municipality || !left.contains(f.project)) continue;
    const bool r = f.responsible && *f.responsible == id;
    const bool p = f.performer && *f.performer == id;
    if (!r && !p) continue;
    out.push_back(ClearedAssignment{f.id, f.local, f.local_id, r, p});
  }
  return out;
}

std::vector<ClearedAssignment> cleared_assignments(const std::optional<User>& before, const std::optional<User>& after,
                                                   const Dataset& data) {
  const FactIndex index(data);
  const auto facts = index.all_tasks();
  return cleared_assignments(before, after, facts);
}

}  // namespace klik
