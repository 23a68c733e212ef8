#pragma once
/// @file workflows_sweep.hpp
/// @brief The daily deadline sweep as a workflow: judged over a store, its
/// notifications recorded in the store's outbox (included by workflows.hpp).
///
/// Thread-safety: as the store's writes (one writer at a time is serialised by
/// the store); reads a snapshot, then writes once.

#include <cstddef>

#include "klik/date.hpp"

namespace klik {

class Store;
class RightsModel;
class NotificationRouting;

/// What sweep_to_outbox did.
struct OutboxSweep {
  std::size_t tasks = 0;          ///< tasks and local tasks judged
  std::size_t events = 0;         ///< rises to yellow or red (one notification each)
  std::size_t colour_changes = 0; ///< last-notified colours written
};

/// The daily deadline sweep (sweep.hpp) over a store: judges every KLIK task and
/// every local task on `day`, turns each rise into a notification ("deadline.yellow" /
/// "deadline.red", key sweep_key_text) for the project's Plusbrugere in the
/// task's municipality plus its responsible and performer (SPEC §5; a local task
/// is routed like its parent's municipality and project, to its own responsible and
/// performer, and its payload names "local_task" beside its parent "task"), and records
/// the new last-notified colours together with those notifications in one
/// transaction (Store::record_sweep). Rerunning on the same day adds nothing.
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
