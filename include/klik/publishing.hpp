#pragma once
/// @file publishing.hpp
/// @brief KOMBIT's side of KLIK, done properly: projects, rollout waves and
/// task templates, checked by the rights model, written to a store and
/// notified in the same transaction (as workflows.hpp does for the
/// municipalities' side).
///
/// Each call re-reads the actor from the store, decides with the rights model
/// (create_project; manage_project on the project, which the default model
/// gives the KOMBIT administrator and the project's implementation managers;
/// set_not_active on a task) and then:
/// - refuses with NotFoundError (not_found() in rights.hpp) when the project,
///   wave, template or task does not exist or is not visible to the actor
///   (another municipality's task, for a municipality user);
/// - refuses with PermissionDeniedError carrying the decision's rule, reason and
///   nearest way to be allowed (every municipality user; an implementation
///   manager on another project);
/// - otherwise writes the change with its notifications atomically, through
///   the store's KOMBIT calls (store.hpp), which also assign the new ids under
///   their write lock. A change with no effect writes nothing.
///
/// Notifications (manual Tabel 4, "Beskedfunktion – Når KOMBIT skriver til
/// kommunen"; the manual's Tabel 3 and Tabel 4): a published, edited or withdrawn template and an edited
/// project ("større ændringer i et projekt") go to the project's Plus and
/// Standard users in its participating municipalities; a wave created or
/// changed ("ændringer på en udrulningsbølge") to the Plus and Standard users
/// of the project in its old and new member municipalities; a municipality
/// that joins or leaves a project tells its Administrators, and every user
/// whose membership of the project ends with it is told (the manual's Tabel 3 and Tabel 4, "user
/// removed from a project"); a task set or cleared not active tells the
/// project's Plusbrugere in its municipality and the task's responsible and
/// performer. Readers never get these mails. That is the default routing
/// (routing.hpp); another NotificationRouting can be given.
///
/// Thread-safety: as Workflows (safe from several threads as the store is).

#include <cstdint>
#include <optional>
#include <vector>

#include "klik/deadline.hpp"
#include "klik/rights.hpp"
#include "klik/routing.hpp"
#include "klik/simulate.hpp"
#include "klik/store.hpp"

namespace klik {

class Publishing {
 public:
  /// Uses `store` and `clock` by reference: both must outlive this object.
  /// `routing` decides who is told about what (routing.hpp; the manual's Tabel 3 and Tabel 4 by default).
  Publishing(Store& store, const Clock& clock, RightsModel rights = RightsModel::default_model(),
             NotificationRouting routing = NotificationRouting::default_routing());

  // ---- projects ----

  /// Creates a project (create_project). Its id must be 0 (InvalidArgumentError
  /// otherwise): the store assigns it. Participating municipalities' Administrators
  /// are told ("project.joined").
  Project create_project(UserId actor, Project proposed);
  /// Changes a project's name, description, deadline, period, contact, mailbox,
  /// phases, themes or participants (manage_project). Participants that join or
  /// leave are handled as by join_project and leave_project.
  Project edit_project(UserId actor, const Project& project);
  /// A municipality joins the project: it gets one task per template it lacks
  /// (Store::put_project). Its Administrators are told. Joining twice changes nothing.
  Project join_project(UserId actor, ProjectId project, MunicipalityId municipality);
  /// A municipality leaves the project: its tasks stay, not active; its users'
  /// memberships of the project end (and with them their assignments there);
  /// it leaves the project's waves. Its Administrators and those users are told.
  Project leave_project(UserId actor, ProjectId project, MunicipalityId municipality);

  // ---- rollout waves ----

  /// Creates a wave of a project (manage_project). Its id must be 0. Members take
  /// part in the project, each in at most one of its waves; the shift applies at once.
  RolloutWave create_wave(UserId actor, RolloutWave proposed);
  /// Changes a wave's name, members or shift (manage_project on its project; it
  /// stays in its project). One atomic step over every task whose dates move.
  RolloutWave edit_wave(UserId actor, const RolloutWave& wave);
  /// Sets a wave's working-day shift: the deadlines of its municipalities' tasks
  /// of the project move that many working days, on each task's calendar
  /// (effective_schedule in deadline.hpp), in every list, colour and sweep.
  RolloutWave set_wave_shift(UserId actor, WaveId wave, std::int32_t shift_workdays);

  // ---- task templates ----

  /// Publishes a template to its project (manage_project): one task per
  /// participating municipality, created with it in one transaction. Its id
  /// must be 0; template and task ids are assigned by the store.
  TaskTemplate publish_template(UserId actor, TaskTemplate proposed);
  /// Changes a template's text or dates (manage_project); every instance follows.
  TaskTemplate edit_template(UserId actor, const TaskTemplate& tpl);
  /// Withdraws a template (manage_project): its instances become not active.
  /// Returns the instances changed.
  std::vector<Task> withdraw_template(UserId actor, TemplateId tpl);

  // ---- not active ----

  /// Sets (true) or clears (false: back to not started) a task's not active
  /// status (set_not_active). Setting it on a task already not active, or
  /// clearing it on an active one, changes nothing.
  Task set_not_active(UserId actor, TaskId task, bool not_active);

  // ---- what-if (simulate.hpp) ----

  /// What `scenario` would change, judged today (the clock's date in Copenhagen)
  /// and on `on` when given, without changing anything. Rights as the real calls:
  /// a wave's shift or a template's dates need manage_project on its project (as
  /// set_wave_shift and edit_template); a task's status needs view_task and
  /// edit_status on it (set_not_active into or out of not active), as
  /// Workflows::change_task. An unknown or unseen wave, template or task is
  /// NotFoundError; a refusal PermissionDeniedError with the decision; then
  /// klik::simulate()'s own validation. One snapshot for checks and answer.
  [[nodiscard]] Simulation simulate(UserId actor, const Scenario& scenario,
                                    std::optional<Date> on = std::nullopt) const;

  [[nodiscard]] const RightsModel& rights() const noexcept { return rights_; }
  [[nodiscard]] const NotificationRouting& routing() const noexcept { return routing_; }

 private:
  // edit_project/edit_wave and the calls made of them, journaled as `operation`.
  Project write_project(UserId actor, const Project& project, const char* operation);
  RolloutWave write_wave(UserId actor, const RolloutWave& wave, const char* operation);

  Store& store_;
  const Clock& clock_;
  RightsModel rights_;
  NotificationRouting routing_;
};

}  // namespace klik
