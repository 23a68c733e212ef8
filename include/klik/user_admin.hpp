#pragma once
/// @file user_admin.hpp
/// @brief User administration as pure functions: validate a proposed change
/// against the actor's rights and the invariants, and compute its consequences
/// as data (the manual's "Opret en bruger i KLIK", "Slet en bruger i KLIK" and
/// "Administrér eksisterende brugere"; docs/rights.md).
///
/// A change is a pair (before, after) of the target user: creation has no
/// `before`, deletion no `after`, and an edit has both (details, projects, user
/// types and the Administrator flag may all differ). Every violation found is
/// returned, each with a kind and a clear message; nothing is thrown unless you
/// ask (throw_if_any). The invariants:
/// - email is the unique id (trimmed, compared case-insensitively);
/// - a Plusbruger grants only projects where they are Plusbruger themselves and
///   edits only users who share one of those projects (the rights model);
/// - every municipality keeps at least one Administrator;
/// - every project keeps at least one Plusbruger per municipality (among the
///   projects someone of the municipality is Plusbruger on before the change).
///
/// Rights: each part of a change needs its own right -- details edit_user,
/// each project whose type changes assign_user_type on that project, the flag
/// grant_administrator, creation create_user, deletion delete_user -- and the
/// validate_* functions for one kind of change check that right for what they
/// ask even when it would change nothing. A change refused here for a rights
/// reason is refused by the matching decide() too (create_user decides on the
/// proposed user with its memberships and flag), with the same rule and reason.
///
/// Thread-safety: pure functions over values.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "klik/dataset.hpp"
#include "klik/model.hpp"
#include "klik/rights.hpp"

namespace klik {

/// What kind of rule a user-administration change breaks.
enum class AdminViolationKind : std::uint8_t {
  NotPermitted,  ///< the rights model refuses it (message: the decision's reason)
  NotFound,  ///< the target user is not visible to the actor (another municipality)
  EmailTaken,  ///< another user has the same email (trimmed, case-insensitive)
  InvalidEmail,  ///< empty or not an email address
  ProjectNotHeld,  ///< a Plusbruger granting a project where they are not Plusbruger
  LastAdministrator,  ///< the change leaves the municipality without an Administrator
  LastPlusbruger,  ///< the change leaves a project without a Plusbruger in the municipality
  InvalidChange,  ///< malformed: changed id, side or municipality; a project twice; ...
};

/// Stable code of a violation kind ("last_administrator", ...).
std::string_view code(AdminViolationKind k) noexcept;

/// One broken rule of a proposed change.
struct AdminViolation {
  AdminViolationKind kind = AdminViolationKind::InvalidChange;
  std::string field;  ///< "email", "administrator", "memberships/<project>", "" for the whole user
  std::string message;  ///< readable English
  /// For NotPermitted and ProjectNotHeld: the refusing decision's rule, nearest
  /// way to be allowed and the rule that refers to (as in Decision); else empty.
  std::string rule;
  std::string nearest;
  std::string nearest_rule;
  friend bool operator==(const AdminViolation&, const AdminViolation&) = default;
};

/// The invariants alone (no actor, no rights) that changing `before` into
/// `after` would break: the last Administrator of a municipality, the last
/// Plusbruger of a project in a municipality. Either side may be absent
/// (creation, deletion). `users`: every user as stored now. Stores check this
/// under their write lock on every user write, so two concurrent demotions
/// cannot both pass; validate_user_change() includes it.
std::vector<AdminViolation> invariant_violations(const std::optional<User>& before, const std::optional<User>& after,
                                                 std::span<const User* const> users,
                                                 std::span<const Project> projects = {});

/// Every violation of changing `before` into `after` by `actor`, given all the
/// municipality's (or installation's) `users` as they are now. Empty: allowed.
/// `projects` (optional) lets messages name projects.
std::vector<AdminViolation> validate_user_change(const RightsModel& rights, const User& actor,
                                                 const std::optional<User>& before, const std::optional<User>& after,
                                                 std::span<const User> users, std::span<const Project> projects = {});

/// Creating `proposed` (with its memberships and Administrator flag).
std::vector<AdminViolation> validate_create_user(const RightsModel& rights, const User& actor, const User& proposed,
                                                 std::span<const User> users, std::span<const Project> projects = {});
/// Deleting `target`.
std::vector<AdminViolation> validate_delete_user(const RightsModel& rights, const User& actor, const User& target,
                                                 std::span<const User> users, std::span<const Project> projects = {});
/// Changing `target`'s name, organisation and email.
std::vector<AdminViolation> validate_edit_details(const RightsModel& rights, const User& actor, const User& target,
                                                  const std::string& full_name, const std::string& organisation,
                                                  const std::string& email, std::span<const User> users,
                                                  std::span<const Project> projects = {});
/// Adding `target` to `project` with `type`, or changing their type there.
std::vector<AdminViolation> validate_set_user_type(const RightsModel& rights, const User& actor, const User& target,
                                                   ProjectId project, UserType type, std::span<const User> users,
                                                   std::span<const Project> projects = {});
/// Removing `target` from `project`.
std::vector<AdminViolation> validate_remove_project(const RightsModel& rights, const User& actor, const User& target,
                                                    ProjectId project, std::span<const User> users,
                                                    std::span<const Project> projects = {});
/// Granting (`administrator` true) or revoking the Administrator flag.
std::vector<AdminViolation> validate_set_administrator(const RightsModel& rights, const User& actor, const User& target,
                                                       bool administrator, std::span<const User> users,
                                                       std::span<const Project> projects = {});
/// Choosing one daily digest mail for deadline changes (User::daily_digest):
/// the user themself (own_profile), or whoever may edit the user's details
/// (edit_user). Only the right is checked: the choice breaks no invariant.
std::vector<AdminViolation> validate_set_daily_digest(const RightsModel& rights, const User& actor, const User& target,
                                                      std::span<const Project> projects = {});
/// Setting another user's password.
std::vector<AdminViolation> validate_reset_password(const RightsModel& rights, const User& actor, const User& target,
                                                    std::span<const Project> projects = {});

/// Throws for the first violation, with every message in the text:
/// AlreadyExistsError (email taken), NotFoundError, PermissionDeniedError
/// (not permitted, project not held; carrying the first violation's rule,
/// nearest and nearest_rule), FailedPreconditionError (last Administrator or
/// Plusbruger), InvalidArgumentError otherwise.
void throw_if_any(const std::vector<AdminViolation>& violations);

/// A responsible/performer assignment that a change clears ("Ikke påført").
struct ClearedAssignment {
  TaskId task;  ///< the task, or a local task's parent
  bool local = false;
  LocalTaskId local_id;  ///< set when `local`
  bool responsible = false;
  bool performer = false;
  friend bool operator==(const ClearedAssignment&, const ClearedAssignment&) = default;
};

/// The assignments cleared when `before` becomes `after`: on every project the
/// user leaves, becomes Læser on, or on every project when deleted (`after`
/// empty), the tasks and local tasks of their municipality where they are
/// responsible or performer. Messages are not touched (they keep the name).
std::vector<ClearedAssignment> cleared_assignments(const std::optional<User>& before, const std::optional<User>& after,
                                                   std::span<const TaskFacts> tasks);
/// The same over a whole dataset.
std::vector<ClearedAssignment> cleared_assignments(const std::optional<User>& before, const std::optional<User>& after,
                                                   const Dataset& data);

}  // namespace klik
