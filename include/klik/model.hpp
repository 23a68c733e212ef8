#pragma once
/// @file model.hpp
/// @brief The entities of KLIK (the manual's Tabel 1) as plain value types.
///
/// Text that KOMBIT publishes once per task lives in TaskTemplate and is shared
/// by every participating municipality's Task; a Task carries only what differs
/// per municipality (status, people, date overrides), so it stays small.
/// Internal notes, messages and attachments live in their own collections
/// (see Dataset), keyed by task. Thread-safety: plain values.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "klik/date.hpp"
#include "klik/enums.hpp"
#include "klik/ids.hpp"

namespace klik {

/// A kommune. `id` is its official three-digit kommunekode.
struct Municipality {
  MunicipalityId id{};
  std::string name{};
  friend bool operator==(const Municipality&, const Municipality&) = default;
};

/// A shared IT project published by KOMBIT (projekt).
/// Phases and themes are numbered from 1 in the order given here.
struct Project {
  ProjectId id{};
  std::string name{};
  std::string description{};
  Date deadline{};
  Date period_start{};
  Date period_end{};
  std::string kombit_contact{};  ///< KOMBIT contact person
  std::string contact_mail{};  ///< the project's functional mailbox
  std::vector<std::string> phases{};
  std::vector<std::string> themes{};
  std::vector<MunicipalityId> participants{};  ///< municipalities taking part
  friend bool operator==(const Project&, const Project&) = default;
};

/// A rollout wave (udrulningsbølge): a group of municipalities that KOMBIT
/// addresses together, optionally with its task dates shifted.
struct RolloutWave {
  WaveId id{};
  ProjectId project{};
  std::string name{};
  std::vector<MunicipalityId> members{};
  /// Working days added to every template date for tasks of the wave's
  /// municipalities (0: no shift; negative: earlier).
  std::int32_t shift_workdays = 0;
  friend bool operator==(const RolloutWave&, const RolloutWave&) = default;
};

/// A KLIK task as KOMBIT publishes it, stored once for all municipalities.
///
/// Scheduling: `end` is the last day to finish. The latest day to begin is
/// either given (`latest_start`) or derived from `duration_workdays`; exactly
/// one of the two is set. See calendar.hpp and deadline.hpp for the rules.
struct TaskTemplate {
  TemplateId id{};
  ProjectId project{};
  std::string title{};
  std::uint8_t phase = 1;  ///< 1-based index into Project::phases
  std::uint8_t theme = 1;  ///< 1-based index into Project::themes
  Priority priority = Priority::Mandatory;
  std::string goal{};  ///< Mål
  std::string description{};  ///< Beskrivelse
  std::string method{};  ///< Metode og fremgangsmåde
  std::string result{};  ///< Resultat
  Date end{};
  std::optional<Date> latest_start{};
  std::optional<std::int32_t> duration_workdays;
  bool documentation_required = false;
  friend bool operator==(const TaskTemplate&, const TaskTemplate&) = default;
};

/// One municipality's instance of a TaskTemplate: the unit the lists show.
/// Kept small on purpose (no text of its own); see bench_model for its size.
struct Task {
  TaskId id{};
  TemplateId template_id{};
  MunicipalityId municipality{};
  TaskStatus status = TaskStatus::NotStarted;
  std::optional<UserId> responsible{};  ///< ansvarlig; empty is "Ikke påført"
  std::optional<UserId> performer{};  ///< udfører; empty is "Ikke påført"
  /// KOMBIT's dates for this municipality's task: absolute, they win over the
  /// template's dates shifted by the wave (deadline.hpp, effective_schedule).
  std::optional<Date> end_override{};
  std::optional<Date> latest_start_override{};  ///< as end_override
  std::uint32_t version = 1;  ///< optimistic-concurrency version, bumped on every write
  friend bool operator==(const Task&, const Task&) = default;
};

/// A municipality's own task under a KLIK task (lokal opgave).
/// Its priority is always Priority::Local; KOMBIT never sees it.
struct LocalTask {
  LocalTaskId id{};
  TaskId parent{};
  MunicipalityId municipality{};
  std::string title{};
  std::optional<UserId> responsible{};
  std::optional<UserId> performer{};
  TaskStatus status = TaskStatus::NotStarted;
  Date end{};
  std::string description{};
  std::uint32_t version = 1;
  friend bool operator==(const LocalTask&, const LocalTask&) = default;
};

/// A user's user type on one project.
struct Membership {
  ProjectId project{};
  UserType type = UserType::Reader;
  friend bool operator==(const Membership&, const Membership&) = default;
};

/// A person using KLIK. Municipality users belong to one municipality and hold
/// a user type per project; KOMBIT users (side Kombit) have no municipality,
/// and their memberships name the projects they manage (implementation
/// managers); `administrator` on a KOMBIT user makes them KOMBIT administrator.
struct User {
  UserId id{};
  std::string email{};  ///< unique key: trimmed, compared case-insensitively
  std::string full_name{};
  std::string organisation{};
  Side side = Side::Municipality;
  std::optional<MunicipalityId> municipality{};  ///< set exactly for Side::Municipality
  bool administrator = false;
  std::vector<Membership> memberships{};  ///< at most one per project
  std::uint32_t version = 1;
  /// Deadline changes (deadline.yellow / deadline.red) come as one mail a day
  /// instead of one per event. The user sets it (Min profil), or whoever may
  /// edit the user's details (docs/rights.md).
  bool daily_digest = false;
  // The password lives apart, in Credentials (accounts.hpp, docs/accounts.md):
  // a User travels to readers, JSON and Python; its password hash must not.

  /// The user's type on `project`, if they are a member.
  [[nodiscard]] std::optional<UserType> type_on(ProjectId project) const noexcept;
  friend bool operator==(const User&, const User&) = default;
};

/// A user's account record (docs/accounts.md), kept apart from User so that
/// the password hash never travels with the user's details: readers, JSON
/// exports and Python see a User; only Store::credentials() and a backup
/// export (Store::export_dataset(true)) see this. One per user at most; a
/// user without one has no password, no reset link and no failed logins.
struct Credentials {
  UserId user{};
  /// libsodium's argon2id string ("$argon2id$v=19$m=65536,t=3,p=1$salt$hash",
  /// parameters and salt included); empty: no password set yet. Never the password.
  std::string password_hash{};
  /// SHA-256 (64 lower-case hex digits) of the current reset link's token;
  /// empty: no link outstanding. The token itself is stored nowhere.
  std::string reset_token_hash{};
  Timestamp reset_expires{};  ///< when that link stops working
  std::uint32_t failed_logins = 0;  ///< consecutive failed attempts since the last success
  Timestamp throttled_until{};  ///< no attempt is checked before this instant
  friend bool operator==(const Credentials&, const Credentials&) = default;
};

/// What a message is attached to: a task, or (KOMBIT broadcasts) a project or a wave.
struct MessageTarget {
  std::optional<TaskId> task{};
  std::optional<ProjectId> project{};
  std::optional<WaveId> wave{};
  friend bool operator==(const MessageTarget&, const MessageTarget&) = default;
};

/// A message (besked). Threads are shown oldest first.
struct Message {
  MessageId id{};
  MessageTarget target{};
  UserId author{};
  Side author_side = Side::Municipality;
  Timestamp time{};
  std::string text{};
  friend bool operator==(const Message&, const Message&) = default;
};

/// A file attached to a task (fil). Must not hold personal data (the manual's "Tilføj en fil til en opgave").
struct Attachment {
  AttachmentId id{};
  TaskId task{};
  std::string file_name{};
  std::string media_type{};
  std::uint64_t size = 0;  ///< bytes; equals content.size() when content is loaded
  UserId uploaded_by{};
  Timestamp time{};
  std::string content{};  ///< raw bytes (JSON: base64)
  friend bool operator==(const Attachment&, const Attachment&) = default;
};

/// The municipality's internal notes on a task (Interne noter). Never shown to KOMBIT.
struct InternalNote {
  TaskId task{};
  std::string text{};
  friend bool operator==(const InternalNote&, const InternalNote&) = default;
};

/// Normalises an email for comparison: trims ASCII whitespace and lower-cases ASCII letters.
std::string normalise_email(std::string_view email);

}  // namespace klik
