// The task list (opgaveliste): pages with cursors, quick status and columnar
// export, over the plan of detail/task_plan.hpp.
#include "klik/task_list.hpp"

#include <algorithm>
#include <functional>
#include <string>

#include "detail/colour_lut.hpp"
#include "detail/json_io.hpp"
#include "detail/task_plan.hpp"
#include "detail/world_index.hpp"
#include "klik/error.hpp"
#include "klik/text.hpp"

namespace klik {

std::size_t ColourCounts::total() const noexcept {
  std::size_t n = 0;
  for (auto c : counts) n += c;
  return n;
}

namespace {

using detail::for_each_match;
using detail::Hit;
using detail::make_plan;
using detail::Partition;
using detail::Plan;
using detail::WorldIndex;

// ---- sorting and cursors ----

/// The value of one sort column for a row: a number, or (titles) a string.
struct SortValue {
  std::int64_t number = 0;
  std::string text;
};

/// The numeric value of a column (every column but Title).
std::int64_t numeric_value(const Plan& plan, TaskColumn c, const Hit& h) noexcept {
  const WorldIndex& w = *plan.w;
  const Partition& p = w.partitions[h.partition];
  const std::size_t r = h.row;
  switch (c) {
    case TaskColumn::Project:
      return w.project_name_rank[p.project_slot];
    case TaskColumn::Title:
      return 0;
    case TaskColumn::Phase:
      return p.phase[r];
    case TaskColumn::Theme:
      return p.theme[r];
    case TaskColumn::Deadline:
      return static_cast<std::int64_t>(detail::fast_colour(p.status[r], p.dates[r], plan.today_serial));
    case TaskColumn::Priority:
      return static_cast<std::int64_t>(p.priority[r]);
    case TaskColumn::Status:
      return static_cast<std::int64_t>(p.status[r]);
    case TaskColumn::EndDate:
      return p.end[r];
    case TaskColumn::Municipality:
      return p.municipality.value();
    case TaskColumn::Id:
      return p.key[r];
  }
  return 0;
}

SortValue value_of(const Plan& plan, TaskColumn c, const Hit& h) {
  if (c == TaskColumn::Title) {
    const Partition& p = plan.w->partitions[h.partition];
    return {0, plan.w->folded_title(p, h.row)};
  }
  return {numeric_value(plan, c, h), {}};
}

std::vector<SortKey> effective_sort(const TaskQuery& q) {
  std::vector<SortKey> keys = q.sort;
  if (keys.empty()) keys.push_back({TaskColumn::EndDate, false});
  // Ties are always broken by the row key (task id; local tasks after tasks).
  if (std::none_of(keys.begin(), keys.end(), [](const SortKey& k) { return k.column == TaskColumn::Id; }))
    keys.push_back({TaskColumn::Id, false});
  return keys;
}

/// Rows of one partition are stored in exactly this order.
bool partition_order(const std::vector<SortKey>& keys) {
  return keys.size() == 2 && keys[0].column == TaskColumn::EndDate && !keys[0].descending &&
         keys[1].column == TaskColumn::Id && !keys[1].descending;
}

/// -1, 0, 1: how a hit compares with a cursor position under `keys`.
int compare_to(const Plan& plan, const std::vector<SortKey>& keys, const Hit& h, const std::vector<SortValue>& pos) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    int c = 0;
    if (keys[i].column == TaskColumn::Title) {
      const int t = plan.w->folded_title(plan.w->partitions[h.partition], h.row).compare(pos[i].text);
      c = t < 0 ? -1 : t > 0;
    } else {
      const std::int64_t v = numeric_value(plan, keys[i].column, h);
      c = v < pos[i].number ? -1 : v > pos[i].number;
    }
    if (c) return keys[i].descending ? -c : c;
  }
  return 0;
}

bool hit_less(const Plan& plan, const std::vector<SortKey>& keys, const Hit& a, const Hit& b) {
  for (const SortKey& k : keys) {
    int c = 0;
    if (k.column == TaskColumn::Title) {
      const WorldIndex& w = *plan.w;
      const int t =
          w.folded_title(w.partitions[a.partition], a.row).compare(w.folded_title(w.partitions[b.partition], b.row));
      c = t < 0 ? -1 : t > 0;
    } else {
      const std::int64_t va = numeric_value(plan, k.column, a), vb = numeric_value(plan, k.column, b);
      c = va < vb ? -1 : va > vb;
    }
    if (c) return k.descending ? c > 0 : c < 0;
  }
  return false;
}

/// Whether two queries ask for the same rows in the same order: every field but
/// the page position (offset, limit, cursor).
bool same_rows(const TaskQuery& a, const TaskQuery& b) {
  // The binding lists every member: a field added to TaskQuery stops this compiling
  // until it is compared here too.
  const auto& [projects, phases, themes, statuses, priorities, colours, responsible, performer, title_contains,
               end_from, end_to, sort, offset, limit, cursor] = a;
  (void)offset, (void)limit, (void)cursor;
  return projects == b.projects && phases == b.phases && themes == b.themes && statuses == b.statuses &&
         priorities == b.priorities && colours == b.colours && responsible == b.responsible &&
         performer == b.performer && title_contains == b.title_contains && end_from == b.end_from &&
         end_to == b.end_to && sort == b.sort;
}

/// The cursor's fingerprint of a query: a hash of its canonical text without the
/// page position. A host pages through one query, so each thread remembers the
/// last query it printed and skips the printing when the next one asks for the
/// same rows (the fingerprint depends on the query alone, never on the world).
std::string fingerprint(const TaskQuery& q) {
  struct Last {
    bool valid = false;
    TaskQuery query;
    std::string fingerprint;
  };
  thread_local Last last;
  if (last.valid && same_rows(last.query, q)) return last.fingerprint;
  TaskQuery f = q;
  f.offset = 0;
  f.limit = 50;
  f.cursor.clear();
  std::string fp = std::to_string(std::hash<std::string>{}(to_text(f)));
  last.valid = false;  // stays invalid if an assignment below throws
  last.query = std::move(f);
  last.fingerprint = fp;
  last.valid = true;
  return fp;
}

std::string encode_cursor(const TaskQuery& q, const std::vector<SortValue>& pos) {
  if (std::all_of(pos.begin(), pos.end(), [](const SortValue& v) { return v.text.empty(); })) {
    // Numbers only (every order without titles): the same text as the JSON below
    // (the fingerprint is digits), written without building a JSON value.
    std::string text = "[\"" + fingerprint(q) + '"';
    for (const SortValue& v : pos) (text += ',') += std::to_string(v.number);
    text += ']';
    return detail::base64_encode(text);
  }
  detail::json j = detail::json::array();
  j.push_back(fingerprint(q));
  for (const SortValue& v : pos) {
    if (v.text.empty())
      j.push_back(v.number);
    else
      j.push_back(v.text);
  }
  return detail::base64_encode(j.dump());
}

std::vector<SortValue> decode_cursor(const TaskQuery& q, const std::vector<SortKey>& keys) {
  auto bad = [] { throw InvalidArgumentError("this cursor is not from this query (or is damaged)", "cursor"); };
  detail::json j;
  try {
    j = detail::parse_text(detail::base64_decode(q.cursor, "cursor"));
  } catch (const InvalidArgumentError&) {
    bad();
  }
  if (!j.is_array() || j.size() != keys.size() + 1 || j[0] != fingerprint(q)) bad();
  std::vector<SortValue> pos;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& v = j[i + 1];
    if (keys[i].column == TaskColumn::Title) {
      if (!v.is_string() && !(v.is_number_integer() && v.get<std::int64_t>() == 0)) bad();
      pos.push_back({0, v.is_string() ? v.get<std::string>() : std::string()});
    } else {
      if (!v.is_number_integer()) bad();
      pos.push_back({v.get<std::int64_t>(), {}});
    }
  }
  return pos;
}

/// `viewer_type` is the viewer's type on the row's project (looked up once per project by the caller).
/// Appends the row of hit `h` to `rows`. Every field is read into a register first
/// and the row is then constructed in place: a row built on the stack and copied
/// cost a store-forwarding stall (the copy reloads 16 bytes that narrow stores had
/// just written), and filling the vector's element field by field made the compiler
/// reload the columns after each store (they might alias).
void append_row(const Plan& plan, std::optional<UserType> viewer_type, const Hit& h, std::vector<TaskRow>& rows) {
  const WorldIndex& w = *plan.w;
  const Partition& p = w.partitions[h.partition];
  const std::size_t r = h.row;
  const bool local = p.is_local(r);
  const TaskId task(local ? w.parent_of(p, r) : p.key[r]);
  const std::optional<LocalTaskId> local_id =
      local ? std::optional<LocalTaskId>(LocalTaskId(p.key[r] & ~detail::local_bit)) : std::nullopt;
  const std::string_view project_name = w.projects[p.project_slot].name;  // views into the world
  const std::string_view title = w.title(p, r);
  const std::uint32_t responsible = p.responsible[r], performer = p.performer[r];
  const DeadlineColour colour = detail::fast_colour(p.status[r], p.dates[r], plan.today_serial);
  const std::optional<UserId> responsible_id = responsible ? std::optional<UserId>(UserId(responsible)) : std::nullopt;
  const std::optional<UserId> performer_id = performer ? std::optional<UserId>(UserId(performer)) : std::nullopt;
#if defined(__cpp_aggregate_paren_init)
  rows.emplace_back(task, local_id, p.project, project_name, viewer_type, p.municipality, title, p.phase[r], p.theme[r],
                    colour, p.priority[r], p.status[r], Date::from_serial(p.end[r]), responsible_id, performer_id,
                    p.version[r]);
#else  // clang before 16 (the sanitizer builds): no aggregate init from parentheses
  rows.push_back(TaskRow{task, local_id, p.project, project_name, viewer_type, p.municipality, title, p.phase[r],
                         p.theme[r], colour, p.priority[r], p.status[r], Date::from_serial(p.end[r]), responsible_id,
                         performer_id, p.version[r]});
#endif
}

/// All matching hits, sorted, after the cursor (if any).
std::vector<Hit> sorted_hits(const Plan& plan, const TaskQuery& q, std::size_t* total, std::size_t want) {
  const auto keys = effective_sort(q);
  std::vector<Hit> hits;
  std::optional<std::vector<SortValue>> after;
  if (!q.cursor.empty()) after = decode_cursor(q, keys);
  std::size_t n = 0;
  if (plan.sources.size() == 1 && partition_order(keys)) {
    // Matches arrive in (end, id) order: keep the first `want` after the cursor, count the rest.
    for_each_match(plan, [&](std::uint32_t pi, std::uint32_t r) {
      ++n;
      if (hits.size() == want) return;
      const Hit h{pi, r};
      if (after && compare_to(plan, keys, h, *after) <= 0) return;
      hits.push_back(h);
    });
    if (total) *total = n;
    return hits;
  }
  for_each_match(plan, [&](std::uint32_t pi, std::uint32_t r) {
    ++n;
    const Hit h{pi, r};
    if (after && compare_to(plan, keys, h, *after) <= 0) return;
    hits.push_back(h);
  });
  if (total) *total = n;
  if (partition_order(keys)) {
    // The default order across partitions: sort (end, key) pairs read once per hit
    // instead of asking the generic comparator for each column of both sides.
    struct Keyed {
      std::int32_t end;
      std::uint32_t key;
      Hit hit;
    };
    std::vector<Keyed> keyed;
    keyed.reserve(hits.size());
    for (const Hit& h : hits) {
      const Partition& p = plan.w->partitions[h.partition];
      keyed.push_back({p.end[h.row], p.key[h.row], h});
    }
    auto by_end_key = [](const Keyed& a, const Keyed& b) { return a.end != b.end ? a.end < b.end : a.key < b.key; };
    const std::size_t keep = std::min(want, keyed.size());
    if (keep < keyed.size())
      std::partial_sort(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(keep), keyed.end(), by_end_key);
    else
      std::sort(keyed.begin(), keyed.end(), by_end_key);
    hits.resize(keep);
    for (std::size_t i = 0; i < keep; ++i) hits[i] = keyed[i].hit;
    return hits;
  }
  auto less = [&](const Hit& a, const Hit& b) { return hit_less(plan, keys, a, b); };
  if (want < hits.size()) {
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(want), hits.end(), less);
    hits.resize(want);
  } else {
    std::sort(hits.begin(), hits.end(), less);
  }
  return hits;
}

}  // namespace

TaskPage list_tasks(const World& world, const RightsModel& rights, const User& viewer, const TaskQuery& query,
                    Date today) {
  const Plan plan = make_plan(world, rights, viewer, query, today, true);
  const std::size_t skip = query.cursor.empty() ? query.offset : 0;
  TaskPage page;
  // One more than the page, to know whether another page follows.
  const auto hits = sorted_hits(plan, query, &page.total, skip + query.limit + 1);
  const std::size_t end = std::min<std::size_t>(hits.size(), skip + query.limit);
  page.rows.reserve(end > skip ? end - skip : 0);
  std::optional<ProjectId> type_project;  // the project `type` was looked up for
  std::optional<UserType> type;
  for (std::size_t i = skip; i < end; ++i) {
    const ProjectId project = plan.w->partitions[hits[i].partition].project;
    if (viewer.side == Side::Municipality && type_project != project) {
      type = viewer.type_on(project);
      type_project = project;
    }
    append_row(plan, type, hits[i], page.rows);
  }
  if (hits.size() > skip + query.limit && !page.rows.empty()) {
    const auto keys = effective_sort(query);
    std::vector<SortValue> pos;
    for (const SortKey& k : keys) pos.push_back(value_of(plan, k.column, hits[end - 1]));
    page.next_cursor = encode_cursor(query, pos);
  }
  return page;
}

namespace {

/// Whether the plan selects rows by anything but the viewer's scope.
bool has_row_filters(const Plan& p) {
  return p.status_mask || p.priority_mask || p.colour_mask || p.need_colour || p.end_from != INT32_MIN ||
         p.end_to != INT32_MAX || p.phase_filter || p.theme_filter || p.responsible.active || p.performer.active ||
         !p.title.empty();
}

/// Adds the colours of a partition's rows of one priority (or its local rows) on `day`.
void add_range_counts(const Partition::ColourRanges& c, std::int32_t day, ColourCounts& out) {
  const auto colours = c.colours_on(day);
  for (std::size_t i = 0; i < colours.size(); ++i) out.counts[i] += colours[i];
}

}  // namespace

std::optional<ColourExplanation> explain_task_colour(const World& world, TaskId task, Date today,
                                                     std::optional<LocalTaskId> local) {
  const detail::WorldIndex& x = world.index();
  const std::uint32_t key = local ? (local->value() | detail::local_bit) : task.value();
  if ((task.value() & detail::local_bit) != 0 || (local && (local->value() & detail::local_bit) != 0))
    return std::nullopt;  // ids that no row can have
  const detail::TaskRef* ref = x.find_ref(key);
  if (!ref) return std::nullopt;
  const detail::Partition& part = x.partitions[ref->partition];
  if (local && x.parent_of(part, ref->row) != task.value()) return std::nullopt;  // not a local task of `task`
  return explain_colour(part.status[ref->row], part.dates[ref->row], part.calendar, today);
}

ColourCounts quick_status(const World& world, const RightsModel& rights, const User& viewer, const TaskQuery& query,
                          Date today, bool apply_filters) {
  TaskQuery q = query;
  if (!apply_filters) {
    q = TaskQuery{};
    q.projects = query.projects;
  }
  Plan plan = make_plan(world, rights, viewer, q, today, true);
  ColourCounts out;
  if (!has_row_filters(plan)) {
    // A partition the viewer sees whole counts from its colour ranges (two binary
    // searches per priority); only the partitions seen by assignment are read row by row.
    std::erase_if(plan.sources, [&](const detail::Source& s) {
      if (s.mode != detail::Mode::All) return false;
      const Partition& p = plan.w->partitions[s.partition];
      for (const Partition::ColourRanges& c : p.ranges) add_range_counts(c, plan.today_serial, out);
      if (plan.locals) add_range_counts(p.local_ranges, plan.today_serial, out);
      return true;
    });
  }
  for_each_match(plan, [&](std::uint32_t pi, std::uint32_t r) {
    const Partition& p = plan.w->partitions[pi];
    ++out.counts[static_cast<std::size_t>(detail::fast_colour(p.status[r], p.dates[r], plan.today_serial))];
  });
  return out;
}

TaskColumns task_columns(const World& world, const RightsModel& rights, const User& viewer, const TaskQuery& query,
                         Date today) {
  const Plan plan = make_plan(world, rights, viewer, query, today, true);
  const auto hits = sorted_hits(plan, query, nullptr, SIZE_MAX);
  TaskColumns c;
  const auto n = hits.size();
  c.task.reserve(n), c.local.reserve(n), c.project.reserve(n), c.municipality.reserve(n), c.phase.reserve(n);
  c.theme.reserve(n), c.colour.reserve(n), c.priority.reserve(n), c.status.reserve(n), c.end.reserve(n);
  c.responsible.reserve(n), c.performer.reserve(n), c.title_offsets.reserve(n + 1);
  std::size_t chars = 0;
  for (const Hit& h : hits) chars += plan.w->title(plan.w->partitions[h.partition], h.row).size();
  c.title_chars.reserve(chars);
  c.title_offsets.push_back(0);
  for (const Hit& h : hits) {
    const Partition& p = plan.w->partitions[h.partition];
    const std::size_t r = h.row;
    const bool local = p.is_local(r);
    c.task.push_back(local ? plan.w->parent_of(p, r) : p.key[r]);
    c.local.push_back(local ? (p.key[r] & ~detail::local_bit) : 0);
    c.project.push_back(p.project.value());
    c.municipality.push_back(p.municipality.value());
    c.phase.push_back(p.phase[r]);
    c.theme.push_back(p.theme[r]);
    c.colour.push_back(detail::fast_colour(p.status[r], p.dates[r], plan.today_serial));
    c.priority.push_back(p.priority[r]);
    c.status.push_back(p.status[r]);
    c.end.push_back(p.end[r]);
    c.responsible.push_back(p.responsible[r]);
    c.performer.push_back(p.performer[r]);
    c.title_chars += plan.w->title(p, r);
    c.title_offsets.push_back(static_cast<std::uint32_t>(c.title_chars.size()));
  }
  return c;
}

}  // namespace klik
