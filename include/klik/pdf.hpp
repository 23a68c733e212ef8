#pragma once
/// @file pdf.hpp
/// @brief A task saved as a PDF file (the manual's navigation note "Gem opgave som PDF-fil"):
/// the task as one viewer may see it, on A4 pages, in Danish, for a partner who has no
/// access to KLIK.
///
/// The document holds the task's title, project, municipality, phase and theme, status,
/// priority, deadline colour with its explanation (the hover text) and threshold dates,
/// responsible and performer, KOMBIT's full description (Mål, Beskrivelse, Metode og
/// fremgangsmåde, Resultat), the local tasks under it the viewer may see, its files (names),
/// its message thread (with KOMBIT's broadcasts that reach it) and, only for a viewer with
/// view_internal_notes, the municipality's internal notes. Every page has a header with
/// the municipality and the export date and a footer "Side N af M". docs/pdf.md shows a page.
///
/// Rendered with cairo and pango in the font DejaVu Sans (its subset is embedded in the
/// file, so æ, ø and å print anywhere); neither library is visible here.
///
/// Thread-safety: export_pdf may be called from any number of threads at once. It reads
/// the store under one snapshot (a consistent task, released before rendering), then
/// renders; the rendering itself (pango, fontconfig and cairo share caches that are not
/// safe to use from two threads at once) is serialised inside the library.

#include <string>

#include "klik/date.hpp"
#include "klik/ids.hpp"
#include "klik/rights.hpp"

namespace klik {

class Store;

/// The PDF file (its bytes, starting "%PDF-") of `task` as `viewer` may see it, exported
/// on `today`: the date in every page's header, and the day the deadline colour is judged
/// on (as the task list judges it: wave shift, overrides, the municipality's working days).
///
/// The viewer is read from the store (rights follow their current memberships) and needs
/// export_task on the task: a task the viewer may not see, another municipality's task
/// and a task that exists nowhere are all NotFoundError("task not found"), with the same
/// text; a visible task without export_task is PermissionDeniedError carrying the
/// decision. An unknown viewer is NotFoundError("viewer: user not found"). `rights` is
/// the model that decides (the manual's Tabel 2 by default).
[[nodiscard]] std::string export_pdf(const Store& store, UserId viewer, TaskId task, Date today,
                                     const RightsModel& rights = RightsModel::default_model());

}  // namespace klik
