#pragma once
/// @file routing.hpp
/// @brief Who is told about what (the manual's Tabel 3 and Tabel 4),
/// as data: a NotificationRouting maps every notification event to a set of
/// audiences, and a RecipientResolver turns an event about one object into
/// the users (and mailbox) to notify.
///
/// The default routing is the manual's Tabel 3 and Tabel 4, compiled into the library from
/// `src/data/notification_routing.json`; `NotificationRouting::from_json()`
/// loads another one at run time (as RightsModel::from_json does for rights),
/// refusing unknown events and audiences by name and JSON path.
///
/// The routing chooses audiences; it cannot widen who may learn about an
/// object. The resolver enforces, for every routing:
/// - task events reach only users who may see the task (Action::ViewTask by the
///   rights model in use), of the task's municipality, who are not Læser on its
///   project (Readers never get task mail); the project's KOMBIT mailbox is never
///   told about a local task (KOMBIT never sees local tasks);
/// - project and wave events reach only users of the municipalities the event
///   is about who take part in the project (hold a user type other than Læser on
///   it) or administer that municipality;
/// - user events reach the user and their own municipality's Administrators;
///   events whose link carries a password token (user.created,
///   user.password_reset) reach only that user: no routing may name another
///   audience for them.
/// Recipients come sorted by id, each once. See docs/notifications.md.
///
/// Thread-safety: NotificationRouting is an immutable value; share it freely.
/// A RecipientResolver caches what it read from one World: use it from one
/// thread, while the snapshot it reads is alive.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "klik/ids.hpp"
#include "klik/model.hpp"
#include "klik/rights.hpp"

namespace klik {

class World;

/// Every notification klik produces, by its stable code (Notification::event).
enum class NotificationEvent : std::uint8_t {
  TaskAssigned,  ///< task.assigned: a user was made responsible or performer
  DeadlineYellow,  ///< deadline.yellow: the sweep found the task turned yellow
  DeadlineRed,  ///< deadline.red: the sweep found the task turned red
  TaskNotActive,  ///< task.not_active: KOMBIT set the task not active
  TaskReactivated,  ///< task.reactivated: KOMBIT made it active again
  MessageKombitTask,  ///< message.kombit_task: KOMBIT wrote on a task
  MessageMunicipalityTask,  ///< message.municipality_task: the municipality wrote to KOMBIT on a task
  MessageKombitWave,  ///< message.kombit_wave: KOMBIT wrote to a rollout wave
  MessageKombitProject,  ///< message.kombit_project: KOMBIT wrote to a whole project
  ProjectJoined,  ///< project.joined: the municipality now takes part in a project
  ProjectLeft,  ///< project.left: the municipality no longer takes part
  ProjectChanged,  ///< project.changed: a project's details changed
  WaveChanged,  ///< wave.changed: a rollout wave was created or changed
  TemplatePublished,  ///< template.published: a new KLIK task was published
  TemplateChanged,  ///< template.changed: a KLIK task's text or dates changed
  TemplateWithdrawn,  ///< template.withdrawn: a KLIK task was withdrawn
  UserCreated,  ///< user.created: the user was created (link to set a password)
  UserAddedToProject,  ///< user.added_to_project
  UserRemovedFromProject,  ///< user.removed_from_project
  UserTypeChanged,  ///< user.type_changed: the user's type on a project changed
  UserPasswordChanged,  ///< user.password_changed
  UserPasswordReset,  ///< user.password_reset: a link to set a new password
};
inline constexpr std::size_t notification_event_count = 22;

/// What an event is about, which decides who may be told (see the file comment).
enum class EventScope : std::uint8_t {
  Task,  ///< a KLIK task or a local task
  Project,  ///< a project, or a rollout wave or template of it, in some municipalities
  User,  ///< one user (their account or their memberships)
};

/// The closed set of audiences a routing names. There is no Reader audience.
enum class Audience : std::uint8_t {
  Plus,  ///< plus: the project's Plusbrugere in the object's municipality (or municipalities)
  Standard,  ///< standard: the project's Standardbrugere there
  Light,  ///< light: the project's Light-brugere there
  Responsible,  ///< responsible: the task's Ansvarlig (task events)
  Performer,  ///< performer: the task's Udfører (task events)
  Subject,  ///< subject: the user the event is about (the new assignee, the created user, ...)
  Administrators,  ///< administrators: the Administrators of the object's municipality (or municipalities)
  ContactMailbox,  ///< contact_mailbox: the project's KOMBIT contact mailbox (Project::contact_mail)
};
inline constexpr std::size_t audience_count = 8;

/// Every event in declaration order.
std::span<const NotificationEvent> all_notification_events() noexcept;
/// The stable code of an event ("deadline.red").
std::string_view code(NotificationEvent e) noexcept;
/// What the event is, in words.
std::string_view describe(NotificationEvent e) noexcept;
/// What the event is about.
EventScope scope(NotificationEvent e) noexcept;
/// Parses an event code; throws InvalidArgumentError naming it and the known codes.
NotificationEvent parse_notification_event(std::string_view code);

/// Every audience in declaration order.
std::span<const Audience> all_audiences() noexcept;
/// The stable code of an audience ("contact_mailbox").
std::string_view code(Audience a) noexcept;
/// Who the audience is, in words.
std::string_view describe(Audience a) noexcept;
/// Parses an audience code; throws InvalidArgumentError naming it and the known codes.
Audience parse_audience(std::string_view code);
/// Stable code of a scope ("task", "project", "user").
std::string_view code(EventScope s) noexcept;

/// Whether a routing may name `a` for `e`: responsible, performer only for task
/// events; plus, standard, light and contact_mailbox for task and project events;
/// subject for task and user events; administrators for all but the two events
/// whose link carries a password token (user.created, user.password_reset), which
/// only their subject may receive.
bool can_route(NotificationEvent e, Audience a) noexcept;

/// The table event -> audiences. Cheap to copy.
class NotificationRouting {
 public:
  /// the manual's Tabel 3 and Tabel 4, compiled into the library.
  static const NotificationRouting& default_routing();
  /// Loads and validates a routing. Every event must be listed once (an empty
  /// list sends nothing); throws InvalidArgumentError naming the JSON path of an
  /// unknown or missing event, an unknown audience or one the event cannot take.
  static NotificationRouting from_json(std::string_view text);

  /// The routing's name as given in its JSON.
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::int64_t version() const noexcept { return version_; }
  /// The audiences of an event, in declaration order.
  [[nodiscard]] std::vector<Audience> audiences(NotificationEvent e) const;
  /// Whether `e` goes to `a`.
  [[nodiscard]] bool routes(NotificationEvent e, Audience a) const noexcept {
    return (mask_[static_cast<std::size_t>(e)] >> static_cast<unsigned>(a)) & 1u;
  }
  /// The source note of an event's row (e.g. which table of the manual); may be empty.
  [[nodiscard]] const std::string& note(NotificationEvent e) const noexcept {
    return notes_[static_cast<std::size_t>(e)];
  }
  /// A copy in which `e` goes to `audiences` (InvalidArgumentError when one cannot apply).
  [[nodiscard]] NotificationRouting with(NotificationEvent e, std::span<const Audience> audiences) const;
  /// The routing as JSON (what from_json reads back to an equal routing).
  [[nodiscard]] std::string to_json(int indent = 2) const;

  friend bool operator==(const NotificationRouting&, const NotificationRouting&) = default;

 private:
  NotificationRouting() = default;
  std::string name_;
  std::int64_t version_ = 1;
  std::array<std::uint16_t, notification_event_count> mask_{};
  std::array<std::string, notification_event_count> notes_{};
};

/// Who one notification goes to.
struct Recipients {
  std::vector<UserId> users;  ///< sorted by id, each once
  std::string mailbox;  ///< a functional mailbox (the project's contact mail), or empty
  [[nodiscard]] bool empty() const noexcept { return users.empty() && mailbox.empty(); }
  friend bool operator==(const Recipients&, const Recipients&) = default;
};

/// Resolves events to recipients over one World, by a routing and a rights
/// model, enforcing the invariants of the file comment. Every producer of
/// notifications (workflows, publishing, accounts, the sweep) goes through it.
/// It indexes the world's users by (project, municipality) on first use, so one
/// resolver serves a whole sweep. Holds references: the routing, the rights
/// model and the world must outlive it.
class RecipientResolver {
 public:
  RecipientResolver(const NotificationRouting& routing, const RightsModel& rights, const World& world);
  /// Without a world: resolves only user events' `subject` (e.g. for a user the
  /// store has just created, inside its write); any other audience finds nobody.
  RecipientResolver(const NotificationRouting& routing, const RightsModel& rights);
  ~RecipientResolver();
  RecipientResolver(const RecipientResolver&) = delete;
  RecipientResolver& operator=(const RecipientResolver&) = delete;

  /// A task event (scope Task; InvalidArgumentError otherwise). `task` are the
  /// facts as they are after the change (a new assignee holds the task);
  /// `subject` the user the event is about (task.assigned: the assignee).
  [[nodiscard]] Recipients task_event(NotificationEvent e, const TaskFacts& task,
                                      std::optional<UserId> subject = std::nullopt);
  /// A project event (scope Project) about `project` in `municipalities` (its
  /// participants, a wave's members, the municipality that joined or left).
  [[nodiscard]] Recipients project_event(NotificationEvent e, const Project& project,
                                         std::span<const MunicipalityId> municipalities);
  /// A user event (scope User) about `subject` (who may not be stored yet).
  [[nodiscard]] Recipients user_event(NotificationEvent e, const User& subject);

  [[nodiscard]] const NotificationRouting& routing() const noexcept { return routing_; }

  struct Cache;

 private:
  const Cache& cache();
  const NotificationRouting& routing_;
  const RightsModel& rights_;
  const World* world_ = nullptr;
  std::unique_ptr<Cache> cache_;
};

}  // namespace klik
