#pragma once
/// @file outbox.hpp
/// @brief Kept for existing code: what this header declared now lives where a
/// reader looks for it.
///
/// - Notification, Outgoing, to_json(Notification): notification.hpp;
/// - Dispatcher (the outbox's delivery: at-least-once, backoff): notifier.hpp,
///   with the notifiers it delivers to;
/// - sweep_to_outbox and OutboxSweep: workflows_sweep.hpp, with the workflows
///   (workflows.hpp includes it).
///
/// New code includes those headers; this one includes all three.

#include "klik/notification.hpp"
#include "klik/notifier.hpp"
#include "klik/workflows_sweep.hpp"
