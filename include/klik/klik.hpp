#pragma once
/// @file klik.hpp
/// @brief The whole public API in one include. Each header below also stands on its
/// own, for a translation unit that wants to compile less; this is the one to start
/// with. In the order the layers build on each other (docs/architecture.md):

// The model: entities, ids, enumerations, errors, text and dates, a whole world as
// data, its JSON, Denmark's municipalities and the synthetic national world.
#include "klik/dataset.hpp"
#include "klik/date.hpp"
#include "klik/enums.hpp"
#include "klik/error.hpp"
#include "klik/ids.hpp"
#include "klik/json.hpp"
#include "klik/model.hpp"
#include "klik/municipalities.hpp"
#include "klik/synthetic.hpp"
#include "klik/text.hpp"
#include "klik/version.hpp"

// Working days and deadline colours (the manual's Tabel 1, "Deadline").
#include "klik/calendar.hpp"
#include "klik/deadline.hpp"

// Rights: the manual's Tabel 2 as data, and user administration's rules.
#include "klik/rights.hpp"
#include "klik/user_admin.hpp"

// The task list and the query engine over a store's snapshot: filters, sort, pages,
// counts, KOMBIT's national views, the project and user lists, the what-if.
#include "klik/national_views.hpp"
#include "klik/project_user_lists.hpp"
#include "klik/query.hpp"
#include "klik/query_engine.hpp"
#include "klik/simulate.hpp"
#include "klik/sweep.hpp"
#include "klik/task_list.hpp"

// Stores: the storage seam and its backends (memory, SQLite, PostgreSQL), the audit
// journal, accounts.
#include "klik/accounts.hpp"
#include "klik/backend.hpp"
#include "klik/journal.hpp"
#include "klik/open_store.hpp"
#include "klik/postgres_store.hpp"
#include "klik/sqlite_store.hpp"
#include "klik/store.hpp"

// Notifications and the workflows: the changes people make, checked, written and
// notified; KOMBIT's publishing; the daily sweep.
#include "klik/email.hpp"
#include "klik/notification.hpp"
#include "klik/notifier.hpp"
#include "klik/publishing.hpp"
#include "klik/routing.hpp"
#include "klik/smtp.hpp"
#include "klik/workflows.hpp"
#include "klik/workflows_sweep.hpp"

// A task as its viewer may see it, saved as a PDF file (cairo and pango inside).
#include "klik/pdf.hpp"

// outbox.hpp is not included: it only forwards to notification.hpp, notifier.hpp and
// workflows_sweep.hpp for code written before they existed.
