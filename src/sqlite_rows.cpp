// Reading a klik SQLite file's rows with every value checked (detail/sqlite_rows.hpp).
#include "detail/sqlite_rows.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_set>

#include "detail/json_io.hpp"
#include "klik/text.hpp"

namespace klik::detail::sql {

namespace {

constexpr std::int64_t max_u16 = std::numeric_limits<std::uint16_t>::max();
constexpr std::int64_t max_u32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t max_i64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t max_task_id = 0x7fffffff;  // task and local task ids share one key space (local bit)

std::int32_t first_serial() {
  static const std::int32_t s = Date(1400, 1, 1).serial();
  return s;
}
std::int32_t last_serial() {
  static const std::int32_t s = Date(9999, 12, 31).serial();
  return s;
}

template <class E>
std::string enum_values() {
  std::string out;
  for (const E e : all_values<E>()) {
    if (!out.empty()) out += ", ";
    out += std::to_string(static_cast<int>(e)) + " " + std::string(code(e));
  }
  return out;
}

/// One row being read: every getter checks its column and records a problem
/// (and marks the row bad) instead of returning a nonsense value.
class Row {
 public:
  Row(const Statement& s, const char* table, std::vector<DroppedRow>& out)
      : s_(s), table_(table), out_(out), id_(s.integer(0)) {}
  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] std::int64_t id() const noexcept { return id_; }
  void set_id(std::int64_t id) noexcept { id_ = id; }

  void bad(const char* column, std::string reason, bool cleared = false) {
    out_.push_back({table_, id_, column, std::move(reason), cleared});
    if (!cleared) ok_ = false;
  }

  /// An integer in [lo, hi]; NULL allowed when `nullable`.
  std::optional<std::int64_t> maybe(int col, const char* column, std::int64_t lo, std::int64_t hi, bool nullable = true,
                                    bool clear = false) {
    const int type = s_.type(col);
    if (type == SQLITE_NULL) {
      if (!nullable) bad(column, "is missing (NULL)", clear);
      return std::nullopt;
    }
    if (type != SQLITE_INTEGER) {
      bad(column,
          std::string("holds ") + type_name(type) + (type == SQLITE_TEXT ? " " + excerpt(s_.text_view(col)) : "") +
              ", not an integer",
          clear);
      return std::nullopt;
    }
    const std::int64_t v = s_.integer(col);
    if (v < lo || v > hi) {
      bad(column, std::to_string(v) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi), clear);
      return std::nullopt;
    }
    return v;
  }
  std::int64_t need(int col, const char* column, std::int64_t lo, std::int64_t hi) {
    return maybe(col, column, lo, hi, false).value_or(lo);
  }
  template <class E>
  E enumeration(int col, const char* column) {
    const auto v = maybe(col, column, std::numeric_limits<std::int64_t>::min(), max_i64, false);
    if (!v) return E{};
    if (*v < 0 || *v >= static_cast<std::int64_t>(value_count<E>())) {
      bad(column, std::to_string(*v) + " is not a " + std::string(enum_name<E>()) + " (" + enum_values<E>() + ")");
      return E{};
    }
    return static_cast<E>(*v);
  }
  std::optional<Date> date(int col, const char* column, bool nullable) {
    const auto v = maybe(col, column, std::numeric_limits<std::int64_t>::min(), max_i64, nullable);
    if (!v) return std::nullopt;
    if (*v < first_serial() || *v > last_serial()) {
      bad(column, "day " + std::to_string(*v) + " is not a date in 1400-9999");
      return std::nullopt;
    }
    return Date::from_serial(static_cast<std::int32_t>(*v));
  }
  /// A person reference: a bad one is cleared, not fatal to the row.
  std::optional<UserId> person(int col, const char* column) {
    const auto v = maybe(col, column, 1, max_u32, true, true);
    return v ? std::optional<UserId>(UserId(static_cast<std::uint32_t>(*v))) : std::nullopt;
  }
  std::string text(int col, const char* column) {
    const int type = s_.type(col);
    if (type == SQLITE_NULL) {
      bad(column, "is missing (NULL)");
      return {};
    }
    const std::string_view v = type == SQLITE_BLOB ? s_.blob_view(col) : s_.text_view(col);
    if (const auto at = invalid_utf8_offset(v)) {
      bad(column, "is not valid UTF-8 (byte " + std::to_string(*at) + " of " + std::to_string(v.size()) + ")");
      return {};
    }
    return std::string(v);
  }
  /// A JSON document read as T, its id checked against the row's id.
  template <class T>
  std::optional<T> document(int col, const char* column, const char* path) {
    const std::string doc = text(col, column);
    if (!ok_) return std::nullopt;
    try {
      T v = read_value<T>(parse_text(doc), path);
      if (static_cast<std::int64_t>(v.id.value()) != id_) {
        bad(column, "the document's id " + std::to_string(v.id.value()) + " differs from the row's id");
        return std::nullopt;
      }
      return v;
    } catch (const Error& e) {
      bad(column, "is not a valid document: " + bounded_message(e.what(), 160));
    } catch (const std::exception& e) {
      bad(column, "is not a valid document: " + bounded_message(e.what(), 160));
    }
    return std::nullopt;
  }

 private:
  static const char* type_name(int type) {
    switch (type) {
      case SQLITE_FLOAT:
        return "a real number";
      case SQLITE_TEXT:
        return "text";
      case SQLITE_BLOB:
        return "a blob";
      default:
        return "a value";
    }
  }
  const Statement& s_;
  const char* table_;
  std::vector<DroppedRow>& out_;
  std::int64_t id_;
  bool ok_ = true;
};

}  // namespace

LoadedRows read_rows(const Database& db, std::int64_t version, bool with_content) {
  LoadedRows r;
  Dataset& d = r.data;
  auto& problems = r.problems;
  {
    Statement s(db, "SELECT id, name FROM municipality ORDER BY id");
    while (s.step()) {
      Row row(s, "municipality", problems);
      const auto id = row.need(0, "id", 0, max_u16);
      std::string name = row.text(1, "name");
      if (!row.ok()) continue;
      d.municipalities.push_back({MunicipalityId(static_cast<std::uint16_t>(id)), std::move(name)});
      r.municipality.push_back(row.id());
    }
  }
  {
    Statement s(db, "SELECT id, doc FROM project ORDER BY id");
    while (s.step()) {
      Row row(s, "project", problems);
      row.need(0, "id", 0, max_u32);
      if (!row.ok()) continue;
      auto p = row.document<Project>(1, "doc", "/projects");
      if (!p) continue;
      d.projects.push_back(std::move(*p));
      r.project.push_back(row.id());
    }
  }
  // Waves and templates: a document whose project must be the row's.
  const auto read_owned = [&](const char* sql, const char* table, const char* path, auto& out, auto& ids) {
    using T = typename std::decay_t<decltype(out)>::value_type;
    Statement s(db, sql);
    while (s.step()) {
      Row row(s, table, problems);
      row.need(0, "id", 0, max_u32);
      const auto project = row.need(1, "project", 0, max_u32);
      if (!row.ok()) continue;
      auto v = row.template document<T>(2, "doc", path);
      if (!v) continue;
      if (v->project.value() != project) {
        row.bad("project", "differs from the document's project " + std::to_string(v->project.value()));
        continue;
      }
      out.push_back(std::move(*v));
      ids.push_back(row.id());
    }
  };
  read_owned("SELECT id, project, doc FROM wave ORDER BY id", "wave", "/waves", d.waves, r.wave);
  read_owned("SELECT id, project, doc FROM template ORDER BY id", "template", "/templates", d.templates, r.templ);
  {
    Statement s(db,
                "SELECT id, template, municipality, status, responsible, performer, end_override, "
                "latest_start_override, version, notified FROM task ORDER BY id");
    while (s.step()) {
      Row row(s, "task", problems);
      Task t;
      t.id = TaskId(static_cast<std::uint32_t>(row.need(0, "id", 1, max_task_id)));
      t.template_id = TemplateId(static_cast<std::uint32_t>(row.need(1, "template", 0, max_u32)));
      t.municipality = MunicipalityId(static_cast<std::uint16_t>(row.need(2, "municipality", 0, max_u16)));
      t.status = row.enumeration<TaskStatus>(3, "status");
      t.responsible = row.person(4, "responsible");
      t.performer = row.person(5, "performer");
      t.end_override = row.date(6, "end_override", true);
      t.latest_start_override = row.date(7, "latest_start_override", true);
      t.version = static_cast<std::uint32_t>(row.need(8, "version", 0, max_u32));
      std::optional<DeadlineColour> notified;
      if (!s.is_null(9)) notified = row.enumeration<DeadlineColour>(9, "notified");
      if (!row.ok()) continue;
      if (notified) r.notified.emplace_back(t.id, *notified);
      d.tasks.push_back(t);
      r.task.push_back(row.id());
    }
  }
  {
    // Schema 5 added local tasks' last-notified colour (the sweep judges them too).
    Statement s(db, std::string("SELECT id, parent, municipality, title, responsible, performer, status, end_date, "
                                "description, version, ") +
                        (version >= 5 ? "notified" : "NULL") + " FROM local_task ORDER BY id");
    while (s.step()) {
      Row row(s, "local_task", problems);
      LocalTask l;
      l.id = LocalTaskId(static_cast<std::uint32_t>(row.need(0, "id", 1, max_task_id)));
      l.parent = TaskId(static_cast<std::uint32_t>(row.need(1, "parent", 1, max_task_id)));
      l.municipality = MunicipalityId(static_cast<std::uint16_t>(row.need(2, "municipality", 0, max_u16)));
      l.title = row.text(3, "title");
      l.responsible = row.person(4, "responsible");
      l.performer = row.person(5, "performer");
      l.status = row.enumeration<TaskStatus>(6, "status");
      l.end = row.date(7, "end_date", false).value_or(Date());
      l.description = row.text(8, "description");
      l.version = static_cast<std::uint32_t>(row.need(9, "version", 0, max_u32));
      std::optional<DeadlineColour> notified;
      if (!s.is_null(10)) notified = row.enumeration<DeadlineColour>(10, "notified");
      if (!row.ok()) continue;
      if (notified) r.notified_local.emplace_back(l.id, *notified);
      d.local_tasks.push_back(std::move(l));
      r.local_task.push_back(row.id());
    }
  }
  {
    // Schema 7 added the daily digest choice (false for every user of an older file).
    Statement s(db, std::string("SELECT id, email, full_name, organisation, side, municipality, administrator, "
                                "password_hash, version, ") +
                        (version >= 7 ? "daily_digest" : "0") + " FROM user ORDER BY id");
    Statement m(db, "SELECT user, project, type FROM membership ORDER BY user, project");
    bool more = m.step();
    while (s.step()) {
      Row row(s, "user", problems);
      User u;
      const auto id = row.need(0, "id", 1, max_u32);
      u.id = UserId(static_cast<std::uint32_t>(id));
      u.email = row.text(1, "email");
      u.full_name = row.text(2, "full_name");
      u.organisation = row.text(3, "organisation");
      u.side = row.enumeration<Side>(4, "side");
      if (const auto mun = row.maybe(5, "municipality", 0, max_u16))
        u.municipality = MunicipalityId(static_cast<std::uint16_t>(*mun));
      u.administrator = row.need(6, "administrator", 0, 1) != 0;
      // Schema 4 moved passwords to the credentials table; an older file's hash moves on reading.
      std::string legacy_hash = row.text(7, "password_hash");
      u.version = static_cast<std::uint32_t>(row.need(8, "version", 0, max_u32));
      u.daily_digest = row.need(9, "daily_digest", 0, 1) != 0;
      for (; more && m.integer(0) < row.id(); more = m.step()) {  // memberships of users that do not exist
        Row orphan(m, "membership", problems);
        orphan.bad("user", "unknown user " + std::to_string(m.integer(0)));
      }
      while (more && m.integer(0) == row.id()) {
        Row mr(m, "membership", problems);
        const auto project = mr.need(1, "project", 0, max_u32);
        const auto type = mr.enumeration<UserType>(2, "type");
        if (mr.ok()) u.memberships.push_back({ProjectId(static_cast<std::uint32_t>(project)), type});
        more = m.step();
      }
      if (!row.ok()) continue;
      if (!legacy_hash.empty()) {
        Credentials c;
        c.user = u.id;
        c.password_hash = std::move(legacy_hash);
        d.credentials.push_back(std::move(c));
        r.credentials.push_back(row.id());
      }
      d.users.push_back(std::move(u));
      r.user.push_back(row.id());
    }
    for (; more; more = m.step()) {
      Row orphan(m, "membership", problems);
      orphan.bad("user", "unknown user " + std::to_string(m.integer(0)));
    }
  }
  {
    Statement s(db, "SELECT id, task, project, wave, author, author_side, time, text FROM message ORDER BY id");
    while (s.step()) {
      Row row(s, "message", problems);
      Message msg;
      msg.id = MessageId(static_cast<std::uint64_t>(row.need(0, "id", 1, max_i64)));
      if (const auto v = row.maybe(1, "task", 1, max_task_id)) msg.target.task = TaskId(static_cast<std::uint32_t>(*v));
      if (const auto v = row.maybe(2, "project", 0, max_u32))
        msg.target.project = ProjectId(static_cast<std::uint32_t>(*v));
      if (const auto v = row.maybe(3, "wave", 0, max_u32)) msg.target.wave = WaveId(static_cast<std::uint32_t>(*v));
      msg.author = UserId(static_cast<std::uint32_t>(row.need(4, "author", 1, max_u32)));
      msg.author_side = row.enumeration<Side>(5, "author_side");
      msg.time = Timestamp(row.need(6, "time", std::numeric_limits<std::int64_t>::min(), max_i64));
      msg.text = row.text(7, "text");
      if (!row.ok()) continue;
      d.messages.push_back(std::move(msg));
      r.message.push_back(row.id());
    }
  }
  {
    Statement s(db, with_content ? "SELECT id, task, file_name, media_type, size, uploaded_by, time, content "
                                   "FROM attachment ORDER BY id"
                                 : "SELECT id, task, file_name, media_type, size, uploaded_by, time "
                                   "FROM attachment ORDER BY id");  // metadata only: content stays on disk
    while (s.step()) {
      Row row(s, "attachment", problems);
      Attachment a;
      a.id = AttachmentId(static_cast<std::uint64_t>(row.need(0, "id", 1, max_i64)));
      a.task = TaskId(static_cast<std::uint32_t>(row.need(1, "task", 1, max_task_id)));
      a.file_name = row.text(2, "file_name");
      a.media_type = row.text(3, "media_type");
      a.size = static_cast<std::uint64_t>(row.need(4, "size", 0, max_i64));
      a.uploaded_by = UserId(static_cast<std::uint32_t>(row.need(5, "uploaded_by", 1, max_u32)));
      a.time = Timestamp(row.need(6, "time", std::numeric_limits<std::int64_t>::min(), max_i64));
      if (with_content) {
        a.content = std::string(s.blob_view(7));
        if (a.content.size() != a.size)
          row.bad("size", std::to_string(a.size) + " differs from the content's " + std::to_string(a.content.size()) +
                              " bytes");
      }
      if (!row.ok()) continue;
      d.attachments.push_back(std::move(a));
      r.attachment.push_back(row.id());
    }
  }
  {
    Statement s(db, "SELECT task, text FROM internal_note ORDER BY task");
    while (s.step()) {
      Row row(s, "internal_note", problems);
      const auto task = row.need(0, "task", 1, max_task_id);
      std::string text = row.text(1, "text");
      if (!row.ok()) continue;
      d.internal_notes.push_back({TaskId(static_cast<std::uint32_t>(task)), std::move(text)});
      r.note.push_back(row.id());
    }
  }
  if (version >= 4) {
    Statement s(db,
                "SELECT user, password_hash, reset_token_hash, reset_expires, failed_logins, throttled_until "
                "FROM credentials ORDER BY user");
    while (s.step()) {
      Row row(s, "credentials", problems);
      Credentials c;
      c.user = UserId(static_cast<std::uint32_t>(row.need(0, "user", 1, max_u32)));
      c.password_hash = row.text(1, "password_hash");
      c.reset_token_hash = row.text(2, "reset_token_hash");
      c.reset_expires = Timestamp(row.need(3, "reset_expires", -max_i64, max_i64));
      c.failed_logins = static_cast<std::uint32_t>(row.need(4, "failed_logins", 0, max_u32));
      c.throttled_until = Timestamp(row.need(5, "throttled_until", -max_i64, max_i64));
      if (!row.ok()) continue;
      d.credentials.push_back(std::move(c));
      r.credentials.push_back(row.id());
    }
  }
  if (version >= 2) {
    Statement s(db, "SELECT id, kind, version, fields FROM change_log ORDER BY kind, id, version");
    while (s.step()) {
      Row row(s, "change_log", problems);
      const auto id = row.need(0, "id", 0, max_u32);
      const auto kind = row.need(1, "kind", 0, 1);
      const auto v = row.need(2, "version", 0, max_u32);
      const auto fields = row.need(3, "fields", 0, max_u32);
      if (!row.ok()) continue;
      r.change_log.push_back({static_cast<std::uint32_t>(kind), static_cast<std::uint32_t>(id),
                              static_cast<std::uint32_t>(v), static_cast<std::uint32_t>(fields)});
    }
  }
  return r;
}

namespace {

/// One collection of the Dataset: its JSON name, its table and its row keys.
struct Collection {
  const char* json;
  const char* table;
  std::vector<std::int64_t>* keys;
};

std::vector<Collection> collections(LoadedRows& r) {
  return {{"municipalities", "municipality", &r.municipality},
          {"projects", "project", &r.project},
          {"waves", "wave", &r.wave},
          {"templates", "template", &r.templ},
          {"tasks", "task", &r.task},
          {"local_tasks", "local_task", &r.local_task},
          {"users", "user", &r.user},
          {"messages", "message", &r.message},
          {"attachments", "attachment", &r.attachment},
          {"internal_notes", "internal_note", &r.note},
          {"credentials", "credentials", &r.credentials}};
}

template <class T>
void erase_marked(std::vector<T>& v, std::vector<std::int64_t>& keys, const std::unordered_set<std::size_t>& marked) {
  std::size_t out = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (marked.count(i)) continue;
    if (out != i) {
      v[out] = std::move(v[i]);
      keys[out] = keys[i];
    }
    ++out;
  }
  v.resize(out);
  keys.resize(out);
}

}  // namespace

void check_references(LoadedRows& r, bool repair) {
  auto cols = collections(r);
  // Each pass drops or clears at least one thing, so this ends.
  for (;;) {
    const std::vector<Violation> violations = validate(r.data);
    if (violations.empty()) return;
    std::vector<std::unordered_set<std::size_t>> drop(cols.size());
    std::vector<std::pair<std::size_t, std::size_t>> memberships;  // (user index, membership index)
    bool changed = false;
    for (const Violation& v : violations) {
      // v.path: "/<collection>/<index>[/<field>...]"
      const std::string& p = v.path;
      const auto a = p.find('/', 1);
      const std::string name = p.substr(1, a == std::string::npos ? std::string::npos : a - 1);
      const auto b = a == std::string::npos ? std::string::npos : p.find('/', a + 1);
      const std::string index_text =
          a == std::string::npos ? "" : p.substr(a + 1, b == std::string::npos ? b : b - a - 1);
      const std::string field = b == std::string::npos ? "" : p.substr(b + 1);
      std::size_t c = 0;
      while (c < cols.size() && name != cols[c].json) ++c;
      std::size_t index = 0;
      bool parsed = c < cols.size() && !index_text.empty();
      for (const char ch : index_text) {
        if (ch < '0' || ch > '9')
          parsed = false;
        else
          index = index * 10 + static_cast<std::size_t>(ch - '0');
      }
      if (!parsed || index >= cols[c].keys->size()) {
        r.problems.push_back({"", 0, v.path, bounded_message(v.message, 160)});
        continue;
      }
      const std::int64_t key = (*cols[c].keys)[index];
      const std::string column = field.substr(0, field.find('/'));
      const bool person =
          (name == "tasks" || name == "local_tasks") && (field == "responsible" || field == "performer");
      if (person) {
        r.problems.push_back({cols[c].table, key, field, bounded_message(v.message, 160), true});
        if (repair) {
          auto& who = name == "tasks"
                          ? (field == "responsible" ? r.data.tasks[index].responsible : r.data.tasks[index].performer)
                          : (field == "responsible" ? r.data.local_tasks[index].responsible
                                                    : r.data.local_tasks[index].performer);
          who.reset();
          changed = true;
        }
      } else if (name == "users" && column == "memberships") {
        // "memberships/<j>/project": drop that membership only.
        const std::size_t j = std::stoul(field.substr(12));
        auto& ms = r.data.users[index].memberships;
        r.problems.push_back({"membership", key, "project", bounded_message(v.message, 160)});
        if (repair && j < ms.size()) {
          memberships.emplace_back(index, j);
          changed = true;
        }
      } else {
        r.problems.push_back(
            {cols[c].table, key, column == "target" ? field : column, bounded_message(v.message, 160)});
        if (repair) changed |= drop[c].insert(index).second;
      }
    }
    if (!repair) return;
    if (!changed)
      throw StorageError("cannot make the data consistent: " +
                         bounded_message(violations.front().path + ": " + violations.front().message, 160));
    std::sort(memberships.begin(), memberships.end());
    memberships.erase(std::unique(memberships.begin(), memberships.end()), memberships.end());
    for (auto it = memberships.rbegin(); it != memberships.rend(); ++it) {
      auto& ms = r.data.users[it->first].memberships;
      ms.erase(ms.begin() + static_cast<std::ptrdiff_t>(it->second));
    }
    erase_marked(r.data.municipalities, r.municipality, drop[0]);
    erase_marked(r.data.projects, r.project, drop[1]);
    erase_marked(r.data.waves, r.wave, drop[2]);
    erase_marked(r.data.templates, r.templ, drop[3]);
    erase_marked(r.data.tasks, r.task, drop[4]);
    erase_marked(r.data.local_tasks, r.local_task, drop[5]);
    erase_marked(r.data.users, r.user, drop[6]);
    erase_marked(r.data.messages, r.message, drop[7]);
    erase_marked(r.data.attachments, r.attachment, drop[8]);
    erase_marked(r.data.internal_notes, r.note, drop[9]);
    erase_marked(r.data.credentials, r.credentials, drop[10]);
  }
}

std::string describe(const DroppedRow& p) {
  std::string out;
  if (p.table.empty()) {
    out = p.column;
  } else {
    out = "table " + p.table + ", " +
          (p.table == "internal_note"                            ? "task "
           : p.table == "membership" || p.table == "credentials" ? "user "
                                                                 : "id ") +
          std::to_string(p.id);
    if (!p.column.empty()) out += ", column " + p.column;
  }
  return out + ": " + p.reason;
}

}  // namespace klik::detail::sql
