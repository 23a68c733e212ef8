#pragma once
/// @file workflows_sweep.hpp
/// @brief The daily deadline sweep as a workflow: judged over a store, its
/// notifications recorded in the store's outbox (included by workflows.hpp).
///
/// Thread-safety: as the store's writes (one writer at a time is serialised by
/// the store); reads a snapshot, then writes once.

#include <array>
#include <cstddef>
#include <vector>

#include "klik/date.hpp"
#include "klik/sweep.hpp"

namespace klik {

class Store;
class Snapshot;
class RightsModel;
class NotificationRouting;

/// One stored -> new last-notified colour transition found by sweep_store: what
/// sweep_to_outbox would record for that row.
struct NotifiedChange {
  TaskId task;  ///< the KLIK task; for a local task, its parent
  LocalTaskId local_task{};  ///< set when the row is a local task (0: `task` itself)
  NotifiedColour stored;  ///< the colour last notified (empty: never swept)
  DeadlineColour colour = DeadlineColour::Green;  ///< the colour on the sweep day: the new last-notified colour
  friend bool operator==(const NotifiedChange&, const NotifiedChange&) = default;
};

/// What the daily sweep of a store finds, without writing anything.
struct StoreSweep {
  std::size_t tasks = 0;  ///< tasks and local tasks judged
  std::vector<DeadlineEvent> events;  ///< the rises (sweep.hpp), in the order sweep_to_outbox records them
  std::vector<NotifiedChange> changes;  ///< every row whose last-notified colour would change, same order
};

/// The daily deadline sweep (sweep.hpp) judged against the store's stored
/// last-notified colours, without writing: every KLIK task and every local task
/// of the snapshot on `day`. It reads the store's indexes directly (the
/// last-notified colour is a column beside each row's status and deadline dates),
/// so it costs one pass over the rows. sweep_to_outbox judges through it, so
/// both find the same events; sweep_to_outbox then routes and records them.
/// Events and changes are ordered by the store's rows (by project and
/// municipality, then end date), not by task id. `threads` > 1 splits the rows
/// between that many threads (the result is the same); the calling thread holds
/// the snapshot for all of them.
StoreSweep sweep_store(const Snapshot& snapshot, Date day, unsigned threads = 1);
/// The same under a snapshot of `store` taken for the call.
StoreSweep sweep_store(const Store& store, Date day, unsigned threads = 1);

/// How many rows the daily sweep on a day would move from each stored last-notified
/// colour to each colour: the counts of StoreSweep::changes, without the rows.
struct SweepTransitions {
  /// The row index of a stored colour that is none (never swept).
  static constexpr std::size_t never_swept = 5;
  /// rows[stored][now]: rows whose stored last-notified colour is `stored` (a
  /// DeadlineColour, or never_swept) and whose colour on the day is `now` (a
  /// DeadlineColour); zero where they are the same colour (no change).
  std::array<std::array<std::size_t, 5>, 6> rows{};

  /// Every row whose last-notified colour would change (StoreSweep::changes.size()).
  [[nodiscard]] std::size_t changes() const noexcept;
  /// The rises, one notification each (StoreSweep::events.size()).
  [[nodiscard]] std::size_t rises() const noexcept;
  friend bool operator==(const SweepTransitions&, const SweepTransitions&) = default;
};

/// The transitions sweep_store would find on `day`, counted without reading the rows:
/// the store keeps every row counted by its stored colour and the days it turns
/// yellow and red, so this costs a few dozen additions whatever the number of tasks
/// (for days from 2000-01-01 to 2089-09-17; for another day, or when a task's
/// deadline lies beyond that window on the day's side, it reads the rows once).
/// For a dashboard or a monitor: how many notifications today's sweep will send,
/// and whether yesterday's ran (then only today's changes remain).
SweepTransitions sweep_transitions(const Snapshot& snapshot, Date day);
/// The same under a snapshot of `store` taken for the call.
SweepTransitions sweep_transitions(const Store& store, Date day);

/// What sweep_to_outbox did.
struct OutboxSweep {
  std::size_t tasks = 0;  ///< tasks and local tasks judged
  std::size_t events = 0;  ///< rises to yellow or red (one notification each)
  std::size_t colour_changes = 0;  ///< last-notified colours written
  std::size_t digests = 0;  ///< "deadline.digest" entries: one per user with User::daily_digest who had changes
};

/// The daily deadline sweep (sweep.hpp) over a store: judges every KLIK task and
/// every local task on `day`, turns each rise into a notification ("deadline.yellow" /
/// "deadline.red", key sweep_key_text) for the project's Plusbrugere in the
/// task's municipality plus its responsible and performer (the manual's Tabel 3 and Tabel 4; a local task
/// is routed like its parent's municipality and project, to its own responsible and
/// performer, and its payload names "local_task" beside its parent "task"), and records
/// the new last-notified colours together with those notifications in one
/// transaction (Store::record_sweep). Rerunning on the same day adds nothing.
/// A recipient who chose the daily digest (User::daily_digest) is left out of each
/// change's entry and gets one "deadline.digest" entry for the whole sweep instead
/// (payload: the day and its changes, each as a change's payload; key
/// "digest/<user>/<day>/<fingerprint of the changes>"; email.hpp groups it by project).
/// Mutations between the judging snapshot and the recording are judged by the next run.
/// Routed by the default routing and rights model (routing.hpp, rights.hpp).
OutboxSweep sweep_to_outbox(Store& store, Date day, Timestamp now);
/// The same, routed by `routing` (deadline.yellow, deadline.red) under `rights`:
/// whoever it names, only users of the task's municipality who may see the task
/// (and are no Læser on its project) are told. A rise is recorded, with its
/// notification, even when no one is to be told.
OutboxSweep sweep_to_outbox(Store& store, Date day, Timestamp now, const RightsModel& rights,
                            const NotificationRouting& routing);

}  // namespace klik
