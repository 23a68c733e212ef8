// A task as a PDF file (pdf.hpp): gathered under one snapshot as Danish paragraphs,
// then laid out with pango and drawn with cairo on A4 pages.
#include "klik/pdf.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "klik/deadline.hpp"
#include "klik/enums.hpp"
#include "klik/error.hpp"
#include "klik/store.hpp"
#include "klik/task_list.hpp"
#include "klik/text.hpp"
#include "klik/version.hpp"

namespace klik {
namespace {

// ---- the document: what the viewer may see, as paragraphs of Danish text ------------

enum class Style { Title, Heading, Body, Field, Entry };

/// One paragraph. `bold` bytes at its start are set in bold (a field's label, the
/// author line of a message). A heading stays on the page of the line after it.
struct Paragraph {
  Style style = Style::Body;
  std::string text;
  std::size_t bold = 0;
};

struct Document {
  std::string title;
  std::string municipality;
  std::vector<Paragraph> paragraphs;
};

/// Text as pango takes it: valid UTF-8 (klik's invariant, checked again: a bad byte
/// becomes U+FFFD), line breaks as '\n', no other control characters but tabs where
/// `keep_lines`; otherwise line breaks and tabs become spaces (a field's value).
std::string printable(std::string_view in, bool keep_lines = true) {
  std::string text(in);
  while (const auto bad = invalid_utf8_offset(text)) text.replace(*bad, 1, "\xEF\xBF\xBD");
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (c == '\n' || c == '\r' || c == '\t') {
      out += keep_lines ? (c == '\t' ? '\t' : '\n') : ' ';
    } else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) {
      out += c;
    }
  }
  return out;
}

void field(Document& doc, std::string_view label, std::string_view value) {
  Paragraph p{Style::Field, std::string(label) + '\t' + printable(value, false), label.size()};
  doc.paragraphs.push_back(std::move(p));
}
void heading(Document& doc, std::string_view text) {
  doc.paragraphs.push_back({Style::Heading, printable(text, false), 0});
}
void body(Document& doc, std::string_view text) { doc.paragraphs.push_back({Style::Body, printable(text), 0}); }
/// A bold first line (who, when) over a text.
void entry(Document& doc, std::string_view head, std::string_view text) {
  std::string h = printable(head, false);
  const std::size_t bold = h.size();
  doc.paragraphs.push_back({Style::Entry, h + '\n' + printable(text), bold});
}

std::string person(const World& w, const std::optional<UserId>& id) {
  if (!id) return "Ikke påført";
  const User* u = w.user(*id);
  if (!u) return "Ikke påført";
  return u->email.empty() ? u->full_name : u->full_name + " (" + u->email + ")";
}

/// "mandag 9. juni 2025 kl. 14.03", Copenhagen time (CET/CEST by the EU rule, as
/// copenhagen_date in deadline.cpp).
std::string danish_time(Timestamp t) {
  const auto last_sunday = [](int year, int month) {
    const Date d(year, month, Date::days_in_month(year, month));
    return d - ((static_cast<int>(d.weekday()) + 1) % 7);
  };
  const std::int64_t s = t.unix_seconds();
  const int year = t.utc_date().year();
  const auto at_one_utc = [](Date d) { return static_cast<std::int64_t>(d.serial()) * 86400 + 3600; };
  const bool summer = s >= at_one_utc(last_sunday(year, 3)) && s < at_one_utc(last_sunday(year, 10));
  const Timestamp local(s + (summer ? 7200 : 3600));
  const std::int32_t minutes = local.utc_second_of_day() / 60;
  char clock[16];
  std::snprintf(clock, sizeof clock, " kl. %02d.%02d", minutes / 60, minutes % 60);
  return danish_date(local.utc_date()) + clock;
}

std::string numbered(std::uint8_t number, const std::vector<std::string>& names) {
  std::string out = std::to_string(number) + ".";
  if (number >= 1 && number <= names.size()) out += " " + names[number - 1];
  return out;
}

/// Everything the PDF prints, read under one snapshot, rights checked as the portal's
/// task page checks them (apps/klik/serve.cpp, task_json).
Document gather(const Store& store, UserId viewer, TaskId id, Date today, const RightsModel& rights) {
  const Snapshot snap = store.snapshot();
  const World& w = snap.world();
  const User* actor = w.user(viewer);
  if (!actor) throw not_found(ObjectKind::User, "viewer");
  const std::optional<Task> task = w.task(id);
  const std::optional<ProjectId> project_id = w.project_of(id);
  if (!task || !project_id) throw not_found(ObjectKind::Task);
  const TaskFacts facts = task_facts(*task, *project_id);
  // Not visible (another municipality's task too): "task not found", as for no task at all.
  require(rights.decide(*actor, Action::ViewTask, facts, w.projects()));
  require(rights.decide(*actor, Action::ExportTask, facts, w.projects()));
  const TaskTemplate* t = w.task_template(task->template_id);
  const Project* p = w.project(*project_id);
  const Municipality* m = w.municipality(task->municipality);
  KLIK_ASSERT(t && p && m);

  Document doc;
  doc.title = t->title;
  doc.municipality = m->name;
  doc.paragraphs.push_back({Style::Title, printable(t->title, false), 0});
  field(doc, "Projekt", p->name);
  field(doc, "Kommune", m->name);
  field(doc, "Fase", numbered(t->phase, p->phases));
  field(doc, "Tema", numbered(t->theme, p->themes));
  field(doc, "Status", danish(task->status));
  field(doc, "Prioritet", danish(t->priority));
  if (const auto e = explain_task_colour(w, id, today)) {
    field(doc, "Frist", std::string(danish(e->colour)) + ". " + e->text);
    field(doc, "Seneste start", danish_date(e->dates.latest_start));
    field(doc, "Slutdato", danish_date(e->dates.end));
    if (e->next_change)
      field(doc, "Næste farveskift",
            std::string(danish(e->next_change->to)) + " fra " + danish_date(e->next_change->date));
  }
  field(doc, "Ansvarlig", person(w, task->responsible));
  field(doc, "Udfører", person(w, task->performer));
  field(doc, "Dokumentation",
        t->documentation_required ? "KOMBIT ønsker opgavens udførelse dokumenteret i en fil" : "Ikke påkrævet");

  // KOMBIT's description, as the task page shows it (empty parts left out).
  const std::pair<const char*, const std::string*> parts[] = {{"Mål", &t->goal},
                                                              {"Beskrivelse", &t->description},
                                                              {"Metode og fremgangsmåde", &t->method},
                                                              {"Resultat", &t->result}};
  for (const auto& [title, text] : parts) {
    if (text->empty()) continue;
    heading(doc, title);
    body(doc, *text);
  }

  // The local tasks under it that the viewer may see (KOMBIT sees none), by id.
  std::vector<const LocalTask*> locals;
  for (const LocalTask* l : w.local_tasks(id))
    if (rights.allows(*actor, Action::ViewTask, local_task_facts(*l, *task, *project_id))) locals.push_back(l);
  heading(doc, "Lokale opgaver");
  if (locals.empty()) body(doc, "Ingen lokale opgaver.");
  for (const LocalTask* l : locals) {
    std::string line = "Status: " + std::string(danish(l->status)) + ". Slutdato: " + danish_date(l->end) +
                       ". Ansvarlig: " + person(w, l->responsible) + ". Udfører: " + person(w, l->performer) + ".";
    if (!l->description.empty()) line += "\n" + l->description;
    entry(doc, l->title, line);
  }

  heading(doc, "Filer");
  const std::vector<const Attachment*> files = w.attachments(id);
  if (files.empty()) body(doc, "Ingen filer.");
  for (const Attachment* a : files) body(doc, a->file_name);

  // The thread as Workflows::messages reads it: the task's messages and KOMBIT's
  // broadcasts that reach it, oldest first.
  heading(doc, "Beskeder");
  const std::vector<const Message*> thread = w.thread(id);
  if (thread.empty()) body(doc, "Ingen beskeder.");
  for (const Message* msg : thread) {
    const User* author = w.user(msg->author);
    std::string head = author ? author->full_name : std::string("Slettet bruger");
    head += " (" + std::string(danish(msg->author_side)) + "), " + danish_time(msg->time);
    if (!msg->target.task) head += ", til hele " + std::string(msg->target.wave ? "udrulningsbølgen" : "projektet");
    entry(doc, head, msg->text);
  }

  if (rights.allows(*actor, Action::ViewInternalNotes, facts)) {
    heading(doc, "Interne noter");
    const std::string notes = w.internal_notes(id).value_or("");
    body(doc, notes.empty() ? "Ingen interne noter." : notes);
  }
  return doc;
}

// ---- rendering -----------------------------------------------------------------

// A4 in points; the text column and the bands of the running header and footer.
constexpr double page_width = 595.2756;
constexpr double page_height = 841.8898;
constexpr double margin = 56.7;  // 2 cm
constexpr double column = page_width - 2 * margin;
constexpr double content_top = 92.0;
constexpr double content_bottom = page_height - 72.0;
constexpr double label_width = 118.0;  // a field's label column

struct GObjectFree {
  void operator()(void* p) const noexcept { g_object_unref(p); }
};
template <class T>
using GPtr = std::unique_ptr<T, GObjectFree>;
struct FontDescriptionFree {
  void operator()(PangoFontDescription* p) const noexcept { pango_font_description_free(p); }
};
using FontPtr = std::unique_ptr<PangoFontDescription, FontDescriptionFree>;
struct SurfaceFree {
  void operator()(cairo_surface_t* p) const noexcept { cairo_surface_destroy(p); }
};
struct CairoFree {
  void operator()(cairo_t* p) const noexcept { cairo_destroy(p); }
};

/// Pango's font map, its context and fontconfig's configuration are shared caches
/// that are not safe to use from two threads at once; klik keeps one of each for the
/// process and renders under a mutex (the gathering above runs in parallel).
class Renderer {
 public:
  static Renderer& get() {
    static Renderer r;  // constructed once, thread-safely (C++11 statics)
    return r;
  }
  std::mutex mutex;

  /// A layout `width` points wide in the style's font.
  [[nodiscard]] GPtr<PangoLayout> layout(Style style, double width) const {
    GPtr<PangoLayout> l(pango_layout_new(context_.get()));
    pango_layout_set_font_description(l.get(), fonts_[static_cast<int>(style)].get());
    pango_layout_set_width(l.get(), pango_units_from_double(width));
    pango_layout_set_wrap(l.get(), PANGO_WRAP_WORD_CHAR);
    return l;
  }
  [[nodiscard]] GPtr<PangoLayout> small(std::string_view text) const {
    GPtr<PangoLayout> l(pango_layout_new(context_.get()));
    pango_layout_set_font_description(l.get(), small_.get());
    pango_layout_set_text(l.get(), text.data(), static_cast<int>(text.size()));
    return l;
  }

 private:
  Renderer() {
    // fontconfig first, on this thread: pango 1.50 otherwise starts a thread of its own
    // to initialise it ("[pango] FcInit") and waits for it on glib's futex-based locks,
    // which ThreadSanitizer cannot see (it then reports the configuration as raced).
    if (!FcInit()) throw FailedPreconditionError("export_pdf: fontconfig could not load its configuration");
    // A map of its own (not pango's per-thread default), with cairo's metrics as
    // the PDF surface has them: no hinting, 72 units per inch (sizes in points).
    font_map_.reset(pango_cairo_font_map_new());
    context_.reset(pango_font_map_create_context(font_map_.get()));
    pango_cairo_context_set_resolution(context_.get(), 72.0);
    cairo_font_options_t* options = cairo_font_options_create();
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(context_.get(), options);
    cairo_font_options_destroy(options);
    const char* specs[] = {"DejaVu Sans Bold 17", "DejaVu Sans Bold 12.5", "DejaVu Sans 10", "DejaVu Sans 10",
                           "DejaVu Sans 10"};
    for (int i = 0; i < 5; ++i) fonts_[i].reset(pango_font_description_from_string(specs[i]));
    small_.reset(pango_font_description_from_string("DejaVu Sans 8.5"));
    // Pango falls back to any font silently; the embedded font must be the one named.
    GPtr<PangoFont> font(pango_font_map_load_font(font_map_.get(), context_.get(), fonts_[2].get()));
    FontPtr found(font ? pango_font_describe(font.get()) : nullptr);
    const char* family = found ? pango_font_description_get_family(found.get()) : nullptr;
    if (!family || std::string_view(family) != "DejaVu Sans")
      throw FailedPreconditionError("export_pdf needs the font DejaVu Sans (Debian: fonts-dejavu-core); found " +
                                    excerpt(family ? family : "none"));
  }

  GPtr<PangoFontMap> font_map_;
  GPtr<PangoContext> context_;
  FontPtr fonts_[5];
  FontPtr small_;
};

/// One line of a paragraph, placed on a page.
struct Placed {
  PangoLayoutLine* line;
  double x;
  double baseline;
  std::size_t page;
};

double space_before(Style s) {
  switch (s) {
    case Style::Title:
      return 0;
    case Style::Heading:
      return 14;
    case Style::Field:
      return 2;
    case Style::Entry:
      return 7;
    case Style::Body:
      return 4;
  }
  return 0;
}

/// The layout of every paragraph, and where each of its lines goes: lines fill the
/// column top down and move to the next page when they do not fit; a heading moves
/// with the first line after it.
class Pages {
 public:
  Pages(const Renderer& r, const Document& doc) {
    for (const Paragraph& p : doc.paragraphs) {
      const double indent = p.style == Style::Field ? label_width : 0;
      GPtr<PangoLayout> l = r.layout(p.style, column);
      if (indent > 0) {
        // Label, a tab to the value column, and a hanging indent for the value's
        // further lines.
        PangoTabArray* tabs = pango_tab_array_new_with_positions(1, TRUE, PANGO_TAB_LEFT, static_cast<int>(indent));
        pango_layout_set_tabs(l.get(), tabs);
        pango_tab_array_free(tabs);
        pango_layout_set_indent(l.get(), -pango_units_from_double(indent));
      }
      pango_layout_set_text(l.get(), p.text.data(), static_cast<int>(p.text.size()));
      if (p.bold > 0) {
        PangoAttrList* attrs = pango_attr_list_new();
        PangoAttribute* bold = pango_attr_weight_new(PANGO_WEIGHT_BOLD);
        bold->start_index = 0;
        bold->end_index = static_cast<guint>(p.bold);
        pango_attr_list_insert(attrs, bold);
        pango_layout_set_attributes(l.get(), attrs);
        pango_attr_list_unref(attrs);
      }
      layouts_.push_back(std::move(l));
      styles_.push_back(p.style);
    }
    place();
  }

  [[nodiscard]] std::size_t count() const noexcept { return pages_; }
  [[nodiscard]] const std::vector<Placed>& lines() const noexcept { return lines_; }

 private:
  struct Line {
    PangoLayoutLine* line;
    double x;  ///< from the column's left edge to the line's origin
    double height;
    double ascent;  ///< from the line's top to its baseline
  };

  static std::vector<Line> lines_of(PangoLayout* layout) {
    std::vector<Line> out;
    PangoLayoutIter* it = pango_layout_get_iter(layout);
    do {
      PangoRectangle logical, in_line;
      pango_layout_iter_get_line_extents(it, nullptr, &logical);
      PangoLayoutLine* line = pango_layout_iter_get_line_readonly(it);
      pango_layout_line_get_extents(line, nullptr, &in_line);
      out.push_back({line, pango_units_to_double(logical.x - in_line.x), pango_units_to_double(logical.height),
                     pango_units_to_double(pango_layout_iter_get_baseline(it) - logical.y)});
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    return out;
  }

  void place() {
    double y = content_top;
    std::size_t page = 0;
    std::vector<std::vector<Line>> all;
    for (const auto& l : layouts_) all.push_back(lines_of(l.get()));
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (y > content_top) y += space_before(styles_[i]);
      // A paragraph starts on a new page when not even its first line fits (an
      // entry: its bold line and the first line under it); a heading when it and the
      // first line after it do not.
      double needed = all[i].front().height;
      if (styles_[i] == Style::Entry && all[i].size() > 1) needed += all[i][1].height;
      if (styles_[i] == Style::Heading && i + 1 < all.size()) {
        needed = space_before(styles_[i + 1]) + all[i + 1].front().height;
        for (const Line& line : all[i]) needed += line.height;
      }
      if (y + needed > content_bottom && y > content_top) {
        ++page;
        y = content_top;
      }
      for (const Line& line : all[i]) {
        if (y + line.height > content_bottom && y > content_top) {
          ++page;
          y = content_top;
        }
        lines_.push_back({line.line, margin + line.x, y + line.ascent, page});
        y += line.height;
      }
    }
    pages_ = page + 1;
  }

  std::vector<GPtr<PangoLayout>> layouts_;
  std::vector<Style> styles_;
  std::vector<Placed> lines_;
  std::size_t pages_ = 0;
};

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) noexcept {
  try {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
  } catch (...) {
    return CAIRO_STATUS_NO_MEMORY;
  }
}

void show(cairo_t* cr, PangoLayout* layout, double x, double top) {
  cairo_move_to(cr, x, top);
  pango_cairo_show_layout(cr, layout);
}

std::string render(const Document& doc, Date today) {
  Renderer& r = Renderer::get();
  const std::lock_guard lock(r.mutex);
  const Pages pages(r, doc);

  std::string out;
  std::unique_ptr<cairo_surface_t, SurfaceFree> surface(
      cairo_pdf_surface_create_for_stream(append, &out, page_width, page_height));
  cairo_pdf_surface_restrict_to_version(surface.get(), CAIRO_PDF_VERSION_1_5);
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, doc.title.c_str());
  const std::string creator = "klik " + std::string(version());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, creator.c_str());
  // The export date, not the clock's second: the same task on the same day gives the same bytes.
  const std::string created = today.iso() + "T00:00:00";
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE, created.c_str());
  std::unique_ptr<cairo_t, CairoFree> cr(cairo_create(surface.get()));
  cairo_t* c = cr.get();

  const std::string exported = "Eksporteret " + danish_date(today);
  const std::string municipality = printable(doc.municipality, false);
  const auto header = r.small(municipality);
  const auto date = r.small(exported);
  int date_width = 0;
  pango_layout_get_size(date.get(), &date_width, nullptr);
  std::size_t next = 0;
  const std::vector<Placed>& lines = pages.lines();
  for (std::size_t page = 0; page < pages.count(); ++page) {
    // Running header and footer (grey), then the page's lines (black).
    cairo_set_source_rgb(c, 0.33, 0.33, 0.33);
    show(c, header.get(), margin, 40);
    show(c, date.get(), page_width - margin - pango_units_to_double(date_width), 40);
    cairo_set_line_width(c, 0.6);
    cairo_move_to(c, margin, 58);
    cairo_line_to(c, page_width - margin, 58);
    cairo_move_to(c, margin, page_height - 56);
    cairo_line_to(c, page_width - margin, page_height - 56);
    cairo_stroke(c);
    const std::string number = "Side " + std::to_string(page + 1) + " af " + std::to_string(pages.count());
    const auto footer = r.small(number);
    int footer_width = 0;
    pango_layout_get_size(footer.get(), &footer_width, nullptr);
    show(c, footer.get(), page_width - margin - pango_units_to_double(footer_width), page_height - 50);
    const auto title = r.small("KOMBIT KLIK");
    show(c, title.get(), margin, page_height - 50);

    cairo_set_source_rgb(c, 0, 0, 0);
    for (; next < lines.size() && lines[next].page == page; ++next) {
      cairo_move_to(c, lines[next].x, lines[next].baseline);
      pango_cairo_show_layout_line(c, lines[next].line);
    }
    cairo_show_page(c);
  }
  cr.reset();
  cairo_surface_finish(surface.get());
  const cairo_status_t status = cairo_surface_status(surface.get());
  if (status == CAIRO_STATUS_NO_MEMORY) throw std::bad_alloc();
  if (status != CAIRO_STATUS_SUCCESS)
    throw Error(ErrorCode::Internal, std::string("export_pdf: cairo failed: ") + cairo_status_to_string(status));
  return out;
}

}  // namespace

std::string export_pdf(const Store& store, UserId viewer, TaskId task, Date today, const RightsModel& rights) {
  const Document doc = gather(store, viewer, task, today, rights);  // the snapshot ends here
  return render(doc, today);
}

}  // namespace klik
