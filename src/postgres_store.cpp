// The PostgreSQL backend (include/klik/postgres_store.hpp, docs/store.md).
#include "klik/postgres_store.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <mutex>
#include <set>

#include "klik/rights.hpp"

#ifdef KLIK_WITH_POSTGRES
#include "detail/json_io.hpp"
#include "detail/pg.hpp"
#include "detail/sql_values.hpp"
#include "klik/text.hpp"
#endif

namespace klik {

bool is_postgres_url(std::string_view text) noexcept {
  return text.starts_with("postgresql://") || text.starts_with("postgres://");
}

PostgresStore::PostgresStore(std::unique_ptr<Backend> backend, Calendars calendars, std::string server)
    : Store(std::move(backend), std::move(calendars)), server_(std::move(server)) {}
PostgresStore::~PostgresStore() = default;

#ifndef KLIK_WITH_POSTGRES

std::unique_ptr<Backend> open_postgres_backend(const std::string& url, PostgresOptions) {
  KLIK_REQUIRE(!url.empty(), "the PostgreSQL URL is empty");
  throw StorageError("this klik was built without PostgreSQL (KLIK_WITH_POSTGRES=OFF): cannot open a PostgreSQL URL");
}

std::unique_ptr<PostgresStore> open_postgres_store(const std::string& url, PostgresOptions options) {
  return std::make_unique<PostgresStore>(open_postgres_backend(url, options), options.calendars, std::string());
}

#else

namespace {

namespace pg = detail::pg;
using pg::Params;

// ---- schema: migrations[i] takes version i to i + 1 ----

// Column types mirror the SQLite schema (sqlite_store.cpp); projects, waves and
// templates are klik's JSON documents. Attachment content is bytea stored
// EXTERNAL (uncompressed, out of line), so substring() reads only the TOAST
// chunks a streamed read asks for. There are no foreign keys: the store
// validates the whole world on load and checks every change before it reaches
// the backend, and a 1M-task COPY is several times faster without them.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE klik_head(one boolean PRIMARY KEY DEFAULT true CHECK(one), seq bigint NOT NULL CHECK(seq >= 0));
INSERT INTO klik_head(seq) VALUES(0);
CREATE TABLE change_log(
  seq bigint PRIMARY KEY, time timestamptz NOT NULL DEFAULT now(), reload boolean NOT NULL DEFAULT false, change text);
CREATE TABLE municipality(id integer PRIMARY KEY CHECK(id BETWEEN 0 AND 65535), name text NOT NULL);
CREATE TABLE project(id bigint PRIMARY KEY CHECK(id BETWEEN 0 AND 4294967295), name text NOT NULL, doc text NOT NULL);
CREATE TABLE wave(id bigint PRIMARY KEY, project bigint NOT NULL, doc text NOT NULL);
CREATE TABLE template(id bigint PRIMARY KEY, project bigint NOT NULL, doc text NOT NULL);
CREATE TABLE klik_user(
  id bigint PRIMARY KEY CHECK(id BETWEEN 1 AND 4294967295), email text NOT NULL, email_key text NOT NULL UNIQUE,
  full_name text NOT NULL, organisation text NOT NULL, side smallint NOT NULL CHECK(side BETWEEN 0 AND 1),
  municipality integer, administrator boolean NOT NULL, password_hash text NOT NULL, version bigint NOT NULL);
CREATE TABLE membership(
  user_id bigint NOT NULL, project bigint NOT NULL, type smallint NOT NULL, PRIMARY KEY(user_id, project));
CREATE TABLE task(
  id bigint PRIMARY KEY, template bigint NOT NULL, municipality integer NOT NULL,
  status smallint NOT NULL CHECK(status BETWEEN 0 AND 3), responsible bigint, performer bigint,
  end_override integer, latest_start_override integer, version bigint NOT NULL,
  notified smallint CHECK(notified BETWEEN 0 AND 4));
CREATE TABLE local_task(
  id bigint PRIMARY KEY, parent bigint NOT NULL, municipality integer NOT NULL, title text NOT NULL,
  responsible bigint, performer bigint, status smallint NOT NULL CHECK(status BETWEEN 0 AND 3),
  end_date integer NOT NULL, description text NOT NULL, version bigint NOT NULL);
CREATE TABLE message(
  id bigint PRIMARY KEY, task bigint, project bigint, wave bigint, author bigint NOT NULL,
  author_side smallint NOT NULL, time bigint NOT NULL, text text NOT NULL);
CREATE TABLE attachment(
  id bigint PRIMARY KEY, task bigint NOT NULL, file_name text NOT NULL, media_type text NOT NULL,
  size bigint NOT NULL, uploaded_by bigint NOT NULL, time bigint NOT NULL, content bytea NOT NULL);
ALTER TABLE attachment ALTER COLUMN content SET STORAGE EXTERNAL;
CREATE TABLE internal_note(task bigint PRIMARY KEY, text text NOT NULL);
CREATE TABLE outbox(
  id bigserial PRIMARY KEY, event text NOT NULL, key text NOT NULL, recipients bigint[] NOT NULL,
  mailbox text NOT NULL, sender text NOT NULL, link text NOT NULL, payload text NOT NULL, created bigint NOT NULL,
  attempts integer NOT NULL DEFAULT 0, next_attempt bigint NOT NULL, delivered boolean NOT NULL DEFAULT false,
  last_error text NOT NULL DEFAULT '');
CREATE INDEX outbox_pending ON outbox(next_attempt) WHERE NOT delivered;
CREATE TABLE field_log(
  kind smallint NOT NULL, id bigint NOT NULL, version bigint NOT NULL, fields bigint NOT NULL,
  PRIMARY KEY(kind, id, version));
)sql";

// Version 2: account records (accounts.hpp) in their own table; existing
// password hashes move there and leave klik_user.
constexpr const char* schema_v2 = R"sql(
CREATE TABLE credentials(
  user_id bigint PRIMARY KEY, password_hash text NOT NULL, reset_token_hash text NOT NULL,
  reset_expires bigint NOT NULL, failed_logins bigint NOT NULL, throttled_until bigint NOT NULL);
INSERT INTO credentials(user_id, password_hash, reset_token_hash, reset_expires, failed_logins, throttled_until)
  SELECT id, password_hash, '', 0, 0, 0 FROM klik_user WHERE password_hash <> '';
ALTER TABLE klik_user DROP COLUMN password_hash;
)sql";

// Version 3: local tasks' last-notified colour (the deadline sweep judges them too).
constexpr const char* schema_v3 = R"sql(
ALTER TABLE local_task ADD COLUMN notified smallint CHECK(notified BETWEEN 0 AND 4);
)sql";

// Version 4: the audit journal (journal.hpp), as in the SQLite schema: one row
// per journaled write, one journal_object row per object it touched. The
// journal starts when the database gets it.
constexpr const char* schema_v4 = R"sql(
CREATE TABLE journal(
  id bigserial PRIMARY KEY, seq bigint NOT NULL, at bigint NOT NULL, actor bigint, operation text NOT NULL,
  entry text NOT NULL);
CREATE INDEX journal_at ON journal(at);
CREATE TABLE journal_object(kind smallint NOT NULL, id bigint NOT NULL, entry bigint NOT NULL,
  PRIMARY KEY(kind, id, entry));
INSERT INTO journal(seq, at, actor, operation, entry) VALUES(0, extract(epoch FROM now())::bigint, NULL,
  'journal_started', json_build_object('sequence', 0, 'at',
  to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'actor', NULL, 'operation', 'journal_started',
  'objects', json_build_array())::text);
)sql";

// Version 5 (issue 14), as SQLite's version 7: dead letters in the outbox (left
// out of the pending index, listed and counted by their own) and the users'
// choice of a daily digest mail.
constexpr const char* schema_v5 = R"sql(
ALTER TABLE outbox ADD COLUMN dead boolean NOT NULL DEFAULT false;
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox(next_attempt) WHERE NOT delivered AND NOT dead;
CREATE INDEX outbox_dead ON outbox(id) WHERE dead;
ALTER TABLE klik_user ADD COLUMN daily_digest boolean NOT NULL DEFAULT false;
)sql";

constexpr const char* migrations[] = {schema_v1, schema_v2, schema_v3, schema_v4, schema_v5};
static_assert(std::size(migrations) == postgres_schema_version);

/// The tables a load reads, locked (ACCESS SHARE) before its snapshot so that a
/// concurrent replace's TRUNCATE, which is not MVCC-safe, is never seen half.
constexpr const char* data_tables =
    "klik_head, municipality, project, wave, template, klik_user, membership, task, local_task, message, "
    "attachment, internal_note, field_log, credentials";

constexpr std::size_t attachment_chunk = 64 * 1024;  // as the SQLite store

using detail::sql_values::day;
using detail::sql_values::num;
using detail::sql_values::uid;

/// "user@host:port/db" for messages: never the password.
std::string label_of(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (!opts) {
    std::string msg = err ? err : "not a connection string";
    PQfreemem(err);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    throw StorageError("not a PostgreSQL URL or connection string: " + msg);
  }
  std::string user, host, port, db;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    const std::string_view k = o->keyword;
    if (k == "user") user = o->val;
    if (k == "host") host = o->val;
    if (k == "port") port = o->val;
    if (k == "dbname") db = o->val;
  }
  PQconninfoFree(opts);
  std::string label = user.empty() ? "" : user + "@";
  label += host.empty() ? "localhost" : host;
  if (!port.empty()) label += ":" + port;
  label += "/" + db;
  return detail::bounded_message(label, 200);
}

std::string array_text(const std::vector<UserId>& ids) {
  std::string s = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(ids[i].value());
  }
  return s + "}";
}

/// "{1,2,3}" (a bigint[] as text) back to user ids; nullopt for anything else.
std::optional<std::vector<UserId> > parse_ids(std::string_view s) {
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return std::nullopt;
  s = s.substr(1, s.size() - 2);
  std::vector<UserId> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    const auto v = pg::parse_integer(s.substr(0, comma));
    if (!v || *v < 1 || *v > 0xffffffffLL) return std::nullopt;
    out.emplace_back(static_cast<std::uint32_t>(*v));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

/// One COPY row being read: typed getters that throw StorageError naming the
/// table, row and column (the schema's CHECKs make these failures rare: a row
/// written by something other than klik).
class CopyRow {
 public:
  CopyRow(const char* table, const std::string& label) : table_(table), label_(label) {}
  void read(std::string_view line) {
    pg::split_copy_line(line, f_);
    id_ = f_.empty() || !f_[0] ? std::string("?") : *f_[0];
  }
  [[noreturn]] void bad(std::size_t col, const char* column, const std::string& why) const {
    (void)col;
    throw StorageError("PostgreSQL " + label_ + ": table " + table_ + ", id " + excerpt(id_, 20) + ", column " +
                       column + ": " + why);
  }
  std::optional<std::int64_t> maybe(std::size_t col, const char* column, std::int64_t lo, std::int64_t hi) const {
    if (col >= f_.size()) bad(col, column, "is missing");
    if (!f_[col]) return std::nullopt;
    const auto v = pg::parse_integer(*f_[col]);
    if (!v) bad(col, column, excerpt(*f_[col]) + " is not an integer");
    if (*v < lo || *v > hi)
      bad(col, column, std::to_string(*v) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
    return v;
  }
  std::int64_t need(std::size_t col, const char* column, std::int64_t lo, std::int64_t hi) const {
    const auto v = maybe(col, column, lo, hi);
    if (!v) bad(col, column, "is missing (NULL)");
    return *v;
  }
  template <class E>
  E enumeration(std::size_t col, const char* column) const {
    return static_cast<E>(need(col, column, 0, static_cast<std::int64_t>(value_count<E>()) - 1));
  }
  std::optional<Date> date(std::size_t col, const char* column) const {
    static const std::int64_t lo = Date(1400, 1, 1).serial(), hi = Date(9999, 12, 31).serial();
    const auto v = maybe(col, column, lo, hi);
    return v ? std::optional<Date>(Date::from_serial(static_cast<std::int32_t>(*v))) : std::nullopt;
  }
  std::optional<UserId> person(std::size_t col, const char* column) const {
    const auto v = maybe(col, column, 1, 0xffffffffLL);
    return v ? std::optional<UserId>(UserId(static_cast<std::uint32_t>(*v))) : std::nullopt;
  }
  std::string text(std::size_t col, const char* column) {
    if (col >= f_.size() || !f_[col]) bad(col, column, "is missing (NULL)");
    return std::move(*f_[col]);
  }
  bool boolean(std::size_t col, const char* column) const {
    if (col >= f_.size() || !f_[col]) bad(col, column, "is missing (NULL)");
    return *f_[col] == "t";
  }
  template <class T>
  T document(std::size_t col, const char* column, const char* path) {
    const std::string doc = text(col, column);
    try {
      return detail::read_value<T>(detail::parse_text(doc), path);
    } catch (const Error& e) {
      bad(col, column, std::string("is not a valid document: ") + e.what());
    }
  }

 private:
  const char* table_;
  const std::string& label_;
  std::vector<std::optional<std::string> > f_;
  std::string id_;
};

class PostgresBackend final : public Backend {
 public:
  PostgresBackend(const std::string& url, PostgresOptions options);

  StoredWorld load() override;
  std::uint64_t commit(const Change& change, Outgoing notify, const JournalEntry& journal,
                       std::uint64_t after) override;
  std::uint64_t replace(const Dataset& data, const JournalEntry& journal, std::uint64_t after) override;
  std::vector<JournalEntry> journal(const JournalQuery& query) const override;
  std::size_t prune_journal(Timestamp before) override;
  std::optional<std::vector<SequencedChange> > changes_since(std::uint64_t after) const override;
  bool may_have_changes() const override;
  void read_attachment(AttachmentId id, const std::function<void(std::string_view)>& sink) const override;
  std::vector<Notification> pending_notifications(Timestamp now, std::size_t limit) const override;
  std::vector<Notification> outbox() const override;
  void mark_delivered(std::span<const std::uint64_t> ids) override;
  void reschedule(std::uint64_t id, Timestamp next_attempt, const std::string& error) override;
  void give_up(std::uint64_t id, const std::string& error) override;
  void requeue(std::span<const std::uint64_t> ids, Timestamp next_attempt) override;
  std::vector<Notification> dead_letters(std::size_t limit) const override;
  OutboxCounts outbox_counts(Timestamp now) const override;
  void require_writable() const override {
    if (options_.read_only) throw StorageError("PostgreSQL " + label_ + " is open read-only");
  }
  void close() override;

 private:
  /// The connection, reconnected when it broke (a server restart). A call that
  /// finds it broken reconnects once: transactions at their BEGIN, reads of the
  /// outbox by running again (reschedule is not repeated: it fails once).
  pg::Connection& db() const {
    if (!db_) throw FailedPreconditionError("the PostgreSQL backend is closed");
    db_.ensure();
    return db_;
  }
  void migrate();
  std::uint64_t advance(std::uint64_t after);
  void write_task(const Task& t);
  void write_local(const LocalTask& l, bool created);
  void write_user(const User& u, bool created);
  void write_credentials(const Credentials& c);
  void write_field_log(int kind, std::uint32_t id, std::uint32_t version, std::uint32_t fields);
  void write_cleared(const ClearedAssignments& c);
  void write_batch(const TaskBatch& b);
  void write_document(const char* table, std::uint32_t id, std::uint32_t project_or_zero, const std::string& name,
                      const std::string& doc);
  void write_attachment(const Attachment& a);
  void write_outbox(Outgoing notify);
  void write_journal(const JournalEntry& e);
  void write_log(std::uint64_t seq, const std::string* change);
  std::vector<Notification> read_outbox(const pg::Result& r) const;
  void listen();
  [[noreturn]] void stale(const std::string& what) const {
    throw StaleError("PostgreSQL " + label_ + ": " + what + " (another process committed first)");
  }

  std::string url_;
  std::string label_;
  PostgresOptions options_;
  mutable std::mutex mutex_;  // guards db_
  mutable pg::Connection db_;
  /// This backend has handed out every change up to `head` (load, commit,
  /// changes_since), read after listener generation `generation`.
  void seen(std::uint64_t head, std::uint64_t generation) const;
  std::uint64_t generation() const {
    std::lock_guard l(listen_mutex_);
    return generation_;
  }

  mutable std::mutex listen_mutex_;  // guards the members below
  mutable pg::Connection listen_;
  mutable std::uint64_t known_ = 0;  // the highest sequence number handed out
  mutable std::uint64_t notified_ = 0;  // the highest sequence number notified
  mutable bool resync_ = false;  // the listener reconnected: notifications may be lost
  mutable std::uint64_t generation_ = 0;  // listener connections made
  mutable bool closed_ = false;
  mutable std::chrono::steady_clock::time_point next_retry_{};
};

std::string conninfo(const std::string& url, const PostgresOptions& o) {
  // libpq reads a second, key=value string only when the first is not a URL; for
  // a URL the timeout goes in its query.
  if (o.connect_timeout_seconds <= 0) return url;
  const std::string t = "connect_timeout=" + std::to_string(o.connect_timeout_seconds);
  if (is_postgres_url(url)) return url + (url.find('?') == std::string::npos ? "?" : "&") + t;
  return url + " " + t;
}

PostgresBackend::PostgresBackend(const std::string& url, PostgresOptions options)
    : url_(conninfo(url, options)), label_(label_of(url)), options_(std::move(options)) {
  db_ = pg::Connection(url_, label_);
  migrate();
  listen();
}

void PostgresBackend::migrate() {
  // One transaction, serialised across processes by an advisory lock: two
  // processes opening an empty database create the schema once.
  pg::Transaction tx(db_);
  db_.exec("SELECT pg_advisory_xact_lock(7316801)");  // "klik" schema lock
  const bool exists = db_.scalar(
                             "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND "
                             "tablename = 'klik_schema'")
                          .value_or(0) > 0;
  std::int64_t version = 0;
  if (exists) {
    version = db_.scalar("SELECT version FROM klik_schema").value_or(0);
  } else {
    const auto others = db_.scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename IN "
        "('klik_head','change_log','task','outbox')");
    if (others.value_or(0) > 0)
      throw StorageError("PostgreSQL " + label_ +
                         ": the database has tables of another application (task, outbox, ...) "
                         "but no klik_schema: not a klik store");
    if (!options_.create)
      throw StorageError("PostgreSQL " + label_ + " holds no klik store (PostgresOptions::create is false)");
    if (options_.read_only) throw StorageError("PostgreSQL " + label_ + " holds no klik store and is opened read-only");
    db_.exec("CREATE TABLE klik_schema(version integer NOT NULL); INSERT INTO klik_schema VALUES(0)");
  }
  if (version > postgres_schema_version)
    throw StorageError("PostgreSQL " + label_ + ": schema version " + std::to_string(version) +
                       " is newer than this klik's (" + std::to_string(postgres_schema_version) + "): upgrade klik");
  if (version < postgres_schema_version && options_.read_only)
    throw StorageError("PostgreSQL " + label_ + ": schema version " + std::to_string(version) +
                       " needs a migration, and the database is opened read-only");
  for (auto v = version; v < postgres_schema_version; ++v) db_.exec(migrations[v]);
  if (version != postgres_schema_version)
    db_.exec("UPDATE klik_schema SET version = " + std::to_string(postgres_schema_version));
  tx.commit();
}

void PostgresBackend::listen() {
  listen_ = pg::Connection(url_, label_);
  listen_.exec("LISTEN klik_changes");
  ++generation_;
}

void PostgresBackend::seen(std::uint64_t head, std::uint64_t generation) const {
  std::lock_guard l(listen_mutex_);
  known_ = std::max(known_, head);
  // Only a read that began after the listener's last reconnect covers what it may have missed.
  if (generation == generation_) resync_ = false;
}

// ---- writing ----

std::uint64_t PostgresBackend::advance(std::uint64_t after) {
  // The row lock on klik_head serialises writers of all processes; a writer
  // that waited re-reads the row and finds the sequence moved.
  const pg::Result r = db_.exec("UPDATE klik_head SET seq = seq + 1 WHERE seq = $1 RETURNING seq",
                                Params().add(static_cast<std::int64_t>(after)));
  if (r.rows() == 0) {
    const auto head = db_.scalar("SELECT seq FROM klik_head").value_or(0);
    stale("the change sequence is at " + std::to_string(head) + ", not at " + std::to_string(after));
  }
  return static_cast<std::uint64_t>(r.integer(0, 0));
}

void PostgresBackend::write_task(const Task& t) {
  const auto r = db_.exec(
      "UPDATE task SET status=$1, responsible=$2, performer=$3, end_override=$4, latest_start_override=$5, "
      "version=$6 WHERE id=$7 AND version=$8",
      Params()
          .add(num(t.status))
          .add(uid(t.responsible))
          .add(uid(t.performer))
          .add(day(t.end_override))
          .add(day(t.latest_start_override))
          .add(std::int64_t{t.version})
          .add(std::int64_t{t.id.value()})
          .add(std::int64_t{t.version} - 1));
  if (r.affected() == 0)
    stale("task " + std::to_string(t.id.value()) + " is not at version " + std::to_string(t.version - 1));
}

void PostgresBackend::write_local(const LocalTask& l, bool created) {
  Params p;
  p.add(std::int64_t{l.id.value()}).add(std::int64_t{l.parent.value()}).add(std::int64_t{l.municipality.value()});
  p.add(l.title, "local task title").add(uid(l.responsible)).add(uid(l.performer)).add(num(l.status));
  p.add(std::int64_t{l.end.serial()}).add(l.description, "local task description").add(std::int64_t{l.version});
  if (created) {
    const auto r = db_.exec(
        "INSERT INTO local_task(id, parent, municipality, title, responsible, performer, status, end_date, "
        "description, version) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT(id) DO NOTHING",
        p);
    if (r.affected() == 0) stale("local task " + std::to_string(l.id.value()) + " exists already");
    return;
  }
  p.add(std::int64_t{l.version} - 1);
  const auto r = db_.exec(
      "UPDATE local_task SET parent=$2, municipality=$3, title=$4, responsible=$5, performer=$6, status=$7, "
      "end_date=$8, description=$9, version=$10 WHERE id=$1 AND version=$11",
      p);
  if (r.affected() == 0)
    stale("local task " + std::to_string(l.id.value()) + " is not at version " + std::to_string(l.version - 1));
}

void PostgresBackend::write_user(const User& u, bool created) {
  Params p;
  p.add(std::int64_t{u.id.value()}).add(u.email, "user email").add(normalise_email(u.email), "user email");
  p.add(u.full_name, "user full_name").add(u.organisation, "user organisation").add(num(u.side));
  p.add(u.municipality ? std::optional<std::int64_t>(u.municipality->value()) : std::nullopt);
  p.add(u.administrator ? "true" : "false").add(std::int64_t{u.version}).add(u.daily_digest ? "true" : "false");
  if (created) {
    const auto r = db_.exec(
        "INSERT INTO klik_user(id, email, email_key, full_name, organisation, side, municipality, administrator, "
        "version, daily_digest) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT(id) DO NOTHING",
        p);
    if (r.affected() == 0) stale("user " + std::to_string(u.id.value()) + " exists already");
  } else {
    p.add(std::int64_t{u.version} - 1);
    const auto r = db_.exec(
        "UPDATE klik_user SET email=$2, email_key=$3, full_name=$4, organisation=$5, side=$6, municipality=$7, "
        "administrator=$8, version=$9, daily_digest=$10 WHERE id=$1 AND version=$11",
        p);
    if (r.affected() == 0)
      stale("user " + std::to_string(u.id.value()) + " is not at version " + std::to_string(u.version - 1));
    db_.exec("DELETE FROM membership WHERE user_id=$1", Params().add(std::int64_t{u.id.value()}));
  }
  for (const Membership& m : u.memberships)
    db_.exec("INSERT INTO membership(user_id, project, type) VALUES($1,$2,$3)",
             Params().add(std::int64_t{u.id.value()}).add(std::int64_t{m.project.value()}).add(num(m.type)));
}

void PostgresBackend::write_credentials(const Credentials& c) {
  db_.exec(
      "INSERT INTO credentials(user_id, password_hash, reset_token_hash, reset_expires, failed_logins, "
      "throttled_until) VALUES($1,$2,$3,$4,$5,$6) ON CONFLICT(user_id) DO UPDATE SET "
      "password_hash=excluded.password_hash, reset_token_hash=excluded.reset_token_hash, "
      "reset_expires=excluded.reset_expires, failed_logins=excluded.failed_logins, "
      "throttled_until=excluded.throttled_until",
      Params()
          .add(std::int64_t{c.user.value()})
          .add(c.password_hash, "password_hash")
          .add(c.reset_token_hash, "reset_token_hash")
          .add(c.reset_expires.unix_seconds())
          .add(std::int64_t{c.failed_logins})
          .add(c.throttled_until.unix_seconds()));
}

void PostgresBackend::write_field_log(int kind, std::uint32_t id, std::uint32_t version, std::uint32_t fields) {
  db_.exec(
      "INSERT INTO field_log(kind, id, version, fields) VALUES($1,$2,$3,$4) ON CONFLICT(kind, id, version) DO UPDATE "
      "SET fields = excluded.fields",
      Params().add(std::int64_t{kind}).add(std::int64_t{id}).add(std::int64_t{version}).add(std::int64_t{fields}));
  if (version > field_log_depth)
    db_.exec("DELETE FROM field_log WHERE kind=$1 AND id=$2 AND version<=$3",
             Params().add(std::int64_t{kind}).add(std::int64_t{id}).add(std::int64_t{version} - field_log_depth));
}

void PostgresBackend::write_cleared(const ClearedAssignments& c) {
  for (std::size_t i = 0; i < c.tasks.size(); ++i) {
    write_task(c.tasks[i]);
    write_field_log(0, c.tasks[i].id.value(), c.tasks[i].version, i < c.task_fields.size() ? c.task_fields[i] : 0);
  }
  for (const LocalTask& l : c.local_tasks) write_local(l, false);
}

void PostgresBackend::write_batch(const TaskBatch& b) {
  for (std::size_t i = 0; i < b.changed.size(); ++i) {
    write_task(b.changed[i]);
    write_field_log(0, b.changed[i].id.value(), b.changed[i].version, b.changed_fields.at(i));
  }
  for (const LocalTask& l : b.local_changed) write_local(l, false);
  for (const Task& t : b.added) {
    const auto r = db_.exec(
        "INSERT INTO task(id, template, municipality, status, responsible, performer, end_override, "
        "latest_start_override, version) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT(id) DO NOTHING",
        Params()
            .add(std::int64_t{t.id.value()})
            .add(std::int64_t{t.template_id.value()})
            .add(std::int64_t{t.municipality.value()})
            .add(num(t.status))
            .add(uid(t.responsible))
            .add(uid(t.performer))
            .add(day(t.end_override))
            .add(day(t.latest_start_override))
            .add(std::int64_t{t.version}));
    if (r.affected() == 0) stale("task " + std::to_string(t.id.value()) + " exists already");
  }
}

void PostgresBackend::write_document(const char* table, std::uint32_t id, std::uint32_t project,
                                     const std::string& name, const std::string& doc) {
  // project(id, name, doc); wave and template (id, project, doc): the entity as klik's JSON document.
  const std::string t(table);
  if (t == "project")
    db_.exec(
        "INSERT INTO project(id, name, doc) VALUES($1,$2,$3) ON CONFLICT(id) DO UPDATE SET name = "
        "excluded.name, doc = excluded.doc",
        Params().add(std::int64_t{id}).add(name, "project name").add(doc, "project"));
  else
    db_.exec("INSERT INTO " + t +
                 "(id, project, doc) VALUES($1,$2,$3) ON CONFLICT(id) DO UPDATE SET project = "
                 "excluded.project, doc = excluded.doc",
             Params().add(std::int64_t{id}).add(std::int64_t{project}).add(doc, t));
}

void PostgresBackend::write_attachment(const Attachment& a) {
  db_.exec(
      "INSERT INTO attachment(id, task, file_name, media_type, size, uploaded_by, time, content) "
      "VALUES($1,$2,$3,$4,$5,$6,$7,$8)",
      Params()
          .add(static_cast<std::int64_t>(a.id.value()))
          .add(std::int64_t{a.task.value()})
          .add(a.file_name, "attachment file_name")
          .add(a.media_type, "attachment media_type")
          .add(static_cast<std::int64_t>(a.content.size()))
          .add(std::int64_t{a.uploaded_by.value()})
          .add(a.time.unix_seconds())
          .add_binary(a.content));
}

void PostgresBackend::write_outbox(Outgoing notify) {
  // Rows in batches of up to 200 per statement (9 parameters each): a sweep's
  // thousands of notifications cost a few round trips, not thousands.
  constexpr std::size_t batch = 200;
  for (std::size_t at = 0; at < notify.size(); at += batch) {
    const std::size_t n = std::min(batch, notify.size() - at);
    std::string sql =
        "INSERT INTO outbox(event, key, recipients, mailbox, sender, link, payload, created, next_attempt) VALUES";
    Params p;
    for (std::size_t k = 0; k < n; ++k) {
      const Notification& x = notify[at + k];
      const int b = static_cast<int>(k * 9);
      sql += k ? ",(" : "(";
      for (int c = 1; c <= 9; ++c) sql += (c > 1 ? ",$" : "$") + std::to_string(b + c) + (c == 3 ? "::bigint[]" : "");
      sql += ")";
      p.add(x.event, "notification event").add(x.key, "notification key").add(array_text(x.recipients));
      p.add(x.mailbox, "notification mailbox").add(x.sender, "notification sender").add(x.link, "notification link");
      p.add(x.payload.empty() ? std::string("{}") : x.payload, "notification payload");
      p.add(x.created.unix_seconds()).add(x.next_attempt.unix_seconds());
    }
    db_.exec(sql, p);
  }
}

void PostgresBackend::write_journal(const JournalEntry& e) {
  // One round trip: the entry, then a row per object it touched, keyed by the entry's id.
  std::string kinds = "{", ids = "{";
  for (std::size_t i = 0; i < e.objects.size(); ++i) {
    kinds += (i ? "," : "") + std::to_string(static_cast<int>(e.objects[i].kind));
    ids += (i ? "," : "") + std::to_string(e.objects[i].id);
  }
  db_.exec(
      "WITH j AS (INSERT INTO journal(seq, at, actor, operation, entry) VALUES($1,$2,$3,$4,$5) RETURNING id) "
      "INSERT INTO journal_object(kind, id, entry) SELECT DISTINCT u.k, u.i, j.id FROM j, "
      "unnest($6::smallint[], $7::bigint[]) AS u(k, i) ON CONFLICT DO NOTHING",
      Params()
          .add(static_cast<std::int64_t>(e.sequence))
          .add(e.at.unix_seconds())
          .add(e.actor ? std::optional<std::int64_t>(e.actor->value()) : std::nullopt)
          .add(e.operation, "journal operation")
          .add(to_json(e), "journal entry")
          .add(kinds + "}")
          .add(ids + "}"));
}

std::vector<JournalEntry> PostgresBackend::journal(const JournalQuery& q) const {
  std::lock_guard lock(mutex_);
  db();
  const auto max_seq = static_cast<std::int64_t>(std::min<std::uint64_t>(q.max_sequence, INT64_MAX));
  const std::int64_t after = q.after ? q.after->unix_seconds() : INT64_MIN;
  Params p;
  p.add(max_seq).add(after);
  if (q.limit < static_cast<std::size_t>(INT64_MAX))
    p.add(static_cast<std::int64_t>(q.limit));
  else
    p.add_null();
  if (q.kind) p.add(std::int64_t{static_cast<int>(*q.kind)}).add(static_cast<std::int64_t>(q.id));
  const pg::Result r = db_.exec(
      q.kind ? "SELECT j.id, j.entry FROM journal_object o JOIN journal j ON j.id = o.entry WHERE j.seq <= $1 AND "
               "j.at > $2 AND o.kind = $4 AND o.id = $5 ORDER BY j.id DESC LIMIT $3"
             : "SELECT id, entry FROM journal WHERE seq <= $1 AND at > $2 ORDER BY id DESC LIMIT $3",
      p);
  std::vector<JournalEntry> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    try {
      out.push_back(journal_entry_from_json(r.view(i, 1)));
    } catch (const Error& e) {
      throw StorageError("PostgreSQL " + label_ + ": table journal, id " + r.text(i, 0) +
                         ", column entry: " + e.what());
    }
  }
  return out;
}

std::size_t PostgresBackend::prune_journal(Timestamp before) {
  std::lock_guard lock(mutex_);
  db();
  require_writable();
  pg::Transaction tx(db_);
  const Params p = Params().add(before.unix_seconds());
  db_.exec("DELETE FROM journal_object WHERE entry IN (SELECT id FROM journal WHERE at < $1)", p);
  const auto n = static_cast<std::size_t>(db_.exec("DELETE FROM journal WHERE at < $1", p).affected());
  write_journal(journal_pruned_marker(before));
  tx.commit();
  return n;
}

void PostgresBackend::write_log(std::uint64_t seq, const std::string* change) {
  Params p;
  p.add(static_cast<std::int64_t>(seq));
  if (change) {
    db_.exec("INSERT INTO change_log(seq, change) VALUES($1,$2)", p.add(*change, "change"));
  } else {
    db_.exec("INSERT INTO change_log(seq, reload) VALUES($1, true)", p);
  }
  db_.exec("SELECT pg_notify('klik_changes', $1)", Params().add(std::to_string(seq)));
}

std::uint64_t PostgresBackend::commit(const Change& change, Outgoing notify, const JournalEntry& journal,
                                      std::uint64_t after) {
  std::lock_guard lock(mutex_);
  db();
  require_writable();
  const std::string logged = to_json(change);
  const std::uint64_t gen = generation();
  pg::Transaction tx(db_);
  const std::uint64_t seq = advance(after);
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, TaskChanged>) {
          write_task(c.task);
          write_field_log(0, c.task.id.value(), c.task.version, c.fields);
        } else if constexpr (std::is_same_v<T, UserSaved>) {
          write_user(c.user, c.created);
          if (c.credentials) write_credentials(*c.credentials);
          write_field_log(1, c.user.id.value(), c.user.version, c.fields);
          write_cleared(c.cleared);
        } else if constexpr (std::is_same_v<T, UserRemoved>) {
          write_cleared(c.cleared);
          const Params p = Params().add(std::int64_t{c.user.value()});
          db_.exec("DELETE FROM membership WHERE user_id=$1", p);
          db_.exec("DELETE FROM credentials WHERE user_id=$1", p);
          if (db_.exec("DELETE FROM klik_user WHERE id=$1", p).affected() == 0)
            stale("user " + std::to_string(c.user.value()) + " is gone already");
          db_.exec("DELETE FROM field_log WHERE kind=1 AND id=$1", p);
        } else if constexpr (std::is_same_v<T, LocalTaskSaved>) {
          write_local(c.task, c.created);
        } else if constexpr (std::is_same_v<T, LocalTaskRemoved>) {
          if (db_.exec("DELETE FROM local_task WHERE id=$1", Params().add(std::int64_t{c.task.value()})).affected() ==
              0)
            stale("local task " + std::to_string(c.task.value()) + " is gone already");
        } else if constexpr (std::is_same_v<T, MessageAdded>) {
          const Message& m = c.message;
          db_.exec(
              "INSERT INTO message(id, task, project, wave, author, author_side, time, text) "
              "VALUES($1,$2,$3,$4,$5,$6,$7,$8)",
              Params()
                  .add(static_cast<std::int64_t>(m.id.value()))
                  .add(m.target.task ? std::optional<std::int64_t>(m.target.task->value()) : std::nullopt)
                  .add(m.target.project ? std::optional<std::int64_t>(m.target.project->value()) : std::nullopt)
                  .add(m.target.wave ? std::optional<std::int64_t>(m.target.wave->value()) : std::nullopt)
                  .add(std::int64_t{m.author.value()})
                  .add(num(m.author_side))
                  .add(m.time.unix_seconds())
                  .add(m.text, "message text"));
        } else if constexpr (std::is_same_v<T, NotesSet>) {
          if (c.text.empty())
            db_.exec("DELETE FROM internal_note WHERE task=$1", Params().add(std::int64_t{c.task.value()}));
          else
            db_.exec(
                "INSERT INTO internal_note(task, text) VALUES($1,$2) ON CONFLICT(task) DO UPDATE SET text = "
                "excluded.text",
                Params().add(std::int64_t{c.task.value()}).add(c.text, "internal notes"));
        } else if constexpr (std::is_same_v<T, AttachmentAdded>) {
          write_attachment(c.attachment);
        } else if constexpr (std::is_same_v<T, ColoursNotified>) {
          std::string ids = "{", colours = "{";
          for (std::size_t i = 0; i < c.colours.size(); ++i) {
            ids += (i ? "," : "") + std::to_string(c.colours[i].first.value());
            colours += (i ? "," : "") + (c.colours[i].second ? std::to_string(num(*c.colours[i].second)) : "NULL");
          }
          db_.exec(
              "UPDATE task SET notified = u.colour FROM unnest($1::bigint[], $2::smallint[]) AS u(id, colour) "
              "WHERE task.id = u.id",
              Params().add(ids + "}").add(colours + "}"));
          if (!c.local_colours.empty()) {
            std::string local_ids = "{", local_colours = "{";
            for (std::size_t i = 0; i < c.local_colours.size(); ++i) {
              local_ids += (i ? "," : "") + std::to_string(c.local_colours[i].first.value());
              const auto& colour = c.local_colours[i].second;
              local_colours += (i ? "," : "") + (colour ? std::to_string(num(*colour)) : "NULL");
            }
            db_.exec(
                "UPDATE local_task SET notified = u.colour FROM unnest($1::bigint[], $2::smallint[]) AS u(id, colour) "
                "WHERE local_task.id = u.id",
                Params().add(local_ids + "}").add(local_colours + "}"));
          }
        } else if constexpr (std::is_same_v<T, AttachmentRemoved>) {
          if (db_.exec("DELETE FROM attachment WHERE id=$1",
                       Params().add(static_cast<std::int64_t>(c.attachment.value())))
                  .affected() == 0)
            stale("attachment " + std::to_string(c.attachment.value()) + " is gone already");
        } else if constexpr (std::is_same_v<T, CredentialsSaved>) {
          write_credentials(c.credentials);
        } else if constexpr (std::is_same_v<T, ProjectSaved>) {
          write_document("project", c.project.id.value(), 0, c.project.name, detail::to_json_value(c.project).dump());
          for (const User& u : c.users) {
            write_user(u, false);
            write_field_log(1, u.id.value(), u.version, UserMembershipsField);
          }
          for (const RolloutWave& w : c.waves)
            write_document("wave", w.id.value(), w.project.value(), {}, detail::to_json_value(w).dump());
          write_batch(c.tasks);
        } else if constexpr (std::is_same_v<T, WaveSaved>) {
          write_document("wave", c.wave.id.value(), c.wave.project.value(), {}, detail::to_json_value(c.wave).dump());
        } else if constexpr (std::is_same_v<T, TemplateSaved>) {
          write_document("template", c.tpl.id.value(), c.tpl.project.value(), {}, detail::to_json_value(c.tpl).dump());
          write_batch(c.tasks);
        }
      },
      change);
  write_outbox(notify);
  write_log(seq, &logged);
  write_journal(journal);
  tx.commit();
  // The commit moved the sequence from `after`: everything up to seq is known
  // only if the store had everything up to `after`; it says so by committing on it.
  seen(seq, gen);
  return seq;
}

std::uint64_t PostgresBackend::replace(const Dataset& data, const JournalEntry& journal, std::uint64_t after) {
  std::lock_guard lock(mutex_);
  db();
  require_writable();
  const std::uint64_t gen = generation();
  pg::Transaction tx(db_);
  const std::uint64_t seq = advance(after);
  // TRUNCATE is instant where DELETE of a million rows is not; loads lock the
  // tables before their snapshot (load()), so none sees the truncation half done.
  db_.exec(
      "TRUNCATE municipality, project, wave, template, klik_user, membership, task, local_task, message, attachment, "
      "internal_note, field_log, credentials");
  std::string buf;
  const auto copy = [&](const char* sql, const auto& rows, const auto& line) {
    db_.copy_in(sql, [&](const std::function<void(std::string_view)>& send) {
      buf.clear();
      for (const auto& row : rows) {
        line(row);
        if (buf.size() > (1u << 20)) {
          send(buf);
          buf.clear();
        }
      }
      send(buf);
    });
  };
  const auto field = [&](std::string_view v, std::string_view what) {
    if (v.find('\0') != std::string_view::npos)
      throw InvalidArgumentError(
          "PostgreSQL text cannot hold the character U+0000 (NUL), found in " + std::string(what), std::string(what));
    pg::copy_escape(buf, v);
    buf += '\t';
  };
  const auto integer = [&](std::int64_t v) {
    buf += std::to_string(v);
    buf += '\t';
  };
  const auto maybe = [&](const std::optional<std::int64_t>& v) {
    if (v)
      integer(*v);
    else
      buf += "\\N\t";
  };
  const auto end = [&] { buf.back() = '\n'; };
  copy("COPY municipality(id, name) FROM STDIN", data.municipalities, [&](const Municipality& m) {
    integer(m.id.value());
    field(m.name, "municipality name");
    end();
  });
  copy("COPY project(id, name, doc) FROM STDIN", data.projects, [&](const Project& p) {
    integer(p.id.value());
    field(p.name, "project name");
    field(detail::dump_text(detail::to_json_value(p)), "project");
    end();
  });
  copy("COPY wave(id, project, doc) FROM STDIN", data.waves, [&](const RolloutWave& w) {
    integer(w.id.value());
    integer(w.project.value());
    field(detail::dump_text(detail::to_json_value(w)), "wave");
    end();
  });
  copy("COPY template(id, project, doc) FROM STDIN", data.templates, [&](const TaskTemplate& t) {
    integer(t.id.value());
    integer(t.project.value());
    field(detail::dump_text(detail::to_json_value(t)), "template");
    end();
  });
  copy(
      "COPY klik_user(id, email, email_key, full_name, organisation, side, municipality, administrator, "
      "version, daily_digest) FROM STDIN",
      data.users, [&](const User& u) {
        integer(u.id.value());
        field(u.email, "user email");
        field(normalise_email(u.email), "user email");
        field(u.full_name, "user full_name");
        field(u.organisation, "user organisation");
        integer(num(u.side));
        maybe(u.municipality ? std::optional<std::int64_t>(u.municipality->value()) : std::nullopt);
        buf += u.administrator ? "t\t" : "f\t";
        integer(u.version);
        buf += u.daily_digest ? "t\t" : "f\t";
        end();
      });
  db_.copy_in("COPY membership(user_id, project, type) FROM STDIN",
              [&](const std::function<void(std::string_view)>& send) {
                buf.clear();
                for (const User& u : data.users)
                  for (const Membership& m : u.memberships) {
                    integer(u.id.value());
                    integer(m.project.value());
                    integer(num(m.type));
                    end();
                  }
                send(buf);
              });
  copy(
      "COPY task(id, template, municipality, status, responsible, performer, end_override, latest_start_override, "
      "version) FROM STDIN",
      data.tasks, [&](const Task& t) {
        integer(t.id.value());
        integer(t.template_id.value());
        integer(t.municipality.value());
        integer(num(t.status));
        maybe(uid(t.responsible));
        maybe(uid(t.performer));
        maybe(day(t.end_override));
        maybe(day(t.latest_start_override));
        integer(t.version);
        end();
      });
  copy(
      "COPY local_task(id, parent, municipality, title, responsible, performer, status, end_date, description, "
      "version) FROM STDIN",
      data.local_tasks, [&](const LocalTask& l) {
        integer(l.id.value());
        integer(l.parent.value());
        integer(l.municipality.value());
        field(l.title, "local task title");
        maybe(uid(l.responsible));
        maybe(uid(l.performer));
        integer(num(l.status));
        integer(l.end.serial());
        field(l.description, "local task description");
        integer(l.version);
        end();
      });
  copy("COPY message(id, task, project, wave, author, author_side, time, text) FROM STDIN", data.messages,
       [&](const Message& m) {
         integer(static_cast<std::int64_t>(m.id.value()));
         maybe(m.target.task ? std::optional<std::int64_t>(m.target.task->value()) : std::nullopt);
         maybe(m.target.project ? std::optional<std::int64_t>(m.target.project->value()) : std::nullopt);
         maybe(m.target.wave ? std::optional<std::int64_t>(m.target.wave->value()) : std::nullopt);
         integer(m.author.value());
         integer(num(m.author_side));
         integer(m.time.unix_seconds());
         field(m.text, "message text");
         end();
       });
  copy("COPY internal_note(task, text) FROM STDIN", data.internal_notes, [&](const InternalNote& n) {
    integer(n.task.value());
    field(n.text, "internal notes");
    end();
  });
  copy(
      "COPY credentials(user_id, password_hash, reset_token_hash, reset_expires, failed_logins, throttled_until) "
      "FROM STDIN",
      data.credentials, [&](const Credentials& c) {
        integer(c.user.value());
        field(c.password_hash, "password_hash");
        field(c.reset_token_hash, "reset_token_hash");
        integer(c.reset_expires.unix_seconds());
        integer(c.failed_logins);
        integer(c.throttled_until.unix_seconds());
        end();
      });
  for (const Attachment& a : data.attachments) write_attachment(a);  // binary, one statement each
  // The log is kept (it is the record of what happened); stores catching up stop at the marker and reload.
  write_log(seq, nullptr);
  write_journal(journal);
  tx.commit();
  db_.exec("ANALYZE task");
  seen(seq, gen);
  return seq;
}

// ---- reading ----

StoredWorld PostgresBackend::load() {
  std::lock_guard lock(mutex_);
  db();
  StoredWorld w;
  Dataset& d = w.data;
  const std::uint64_t gen = generation();
  pg::Transaction tx(db_, "ISOLATION LEVEL REPEATABLE READ READ ONLY");
  db_.exec(std::string("LOCK TABLE ") + data_tables + " IN ACCESS SHARE MODE");
  w.sequence = static_cast<std::uint64_t>(db_.scalar("SELECT seq FROM klik_head").value_or(0));
  const auto read = [&](const char* table, const std::string& sql, const auto& row) {
    CopyRow r(table, label_);
    db_.copy_out("COPY (" + sql + ") TO STDOUT", [&](std::string_view line) {
      r.read(line);
      row(r);
    });
  };
  constexpr std::int64_t u32 = 0xffffffffLL;
  read("municipality", "SELECT id, name FROM municipality ORDER BY id", [&](CopyRow& r) {
    d.municipalities.push_back(
        {MunicipalityId(static_cast<std::uint16_t>(r.need(0, "id", 0, 65535))), r.text(1, "name")});
  });
  read("project", "SELECT id, doc FROM project ORDER BY id",
       [&](CopyRow& r) { d.projects.push_back(r.document<Project>(1, "doc", "/projects")); });
  read("wave", "SELECT id, doc FROM wave ORDER BY id",
       [&](CopyRow& r) { d.waves.push_back(r.document<RolloutWave>(1, "doc", "/waves")); });
  read("template", "SELECT id, doc FROM template ORDER BY id",
       [&](CopyRow& r) { d.templates.push_back(r.document<TaskTemplate>(1, "doc", "/templates")); });
  read("klik_user",
       "SELECT id, email, full_name, organisation, side, municipality, administrator, version, daily_digest FROM "
       "klik_user ORDER BY id",
       [&](CopyRow& r) {
         User u;
         u.id = UserId(static_cast<std::uint32_t>(r.need(0, "id", 1, u32)));
         u.email = r.text(1, "email");
         u.full_name = r.text(2, "full_name");
         u.organisation = r.text(3, "organisation");
         u.side = r.enumeration<Side>(4, "side");
         if (const auto m = r.maybe(5, "municipality", 0, 65535))
           u.municipality = MunicipalityId(static_cast<std::uint16_t>(*m));
         u.administrator = r.boolean(6, "administrator");
         u.version = static_cast<std::uint32_t>(r.need(7, "version", 1, u32));
         u.daily_digest = r.boolean(8, "daily_digest");
         d.users.push_back(std::move(u));
       });
  {
    std::size_t at = 0;  // memberships ordered by user, as the users are
    read("membership", "SELECT user_id, project, type FROM membership ORDER BY user_id, project", [&](CopyRow& r) {
      const auto user = static_cast<std::uint32_t>(r.need(0, "user_id", 1, u32));
      while (at < d.users.size() && d.users[at].id.value() < user) ++at;
      if (at == d.users.size() || d.users[at].id.value() != user) r.bad(0, "user_id", "names no user");
      d.users[at].memberships.push_back(
          {ProjectId(static_cast<std::uint32_t>(r.need(1, "project", 0, u32))), r.enumeration<UserType>(2, "type")});
    });
  }
  read("task",
       "SELECT id, template, municipality, status, responsible, performer, end_override, latest_start_override, "
       "version, notified FROM task ORDER BY id",
       [&](CopyRow& r) {
         Task t;
         t.id = TaskId(static_cast<std::uint32_t>(r.need(0, "id", 0, u32)));
         t.template_id = TemplateId(static_cast<std::uint32_t>(r.need(1, "template", 0, u32)));
         t.municipality = MunicipalityId(static_cast<std::uint16_t>(r.need(2, "municipality", 0, 65535)));
         t.status = r.enumeration<TaskStatus>(3, "status");
         t.responsible = r.person(4, "responsible");
         t.performer = r.person(5, "performer");
         t.end_override = r.date(6, "end_override");
         t.latest_start_override = r.date(7, "latest_start_override");
         t.version = static_cast<std::uint32_t>(r.need(8, "version", 1, u32));
         if (const auto n = r.maybe(9, "notified", 0, 4))
           w.notified.emplace_back(t.id, static_cast<DeadlineColour>(*n));
         d.tasks.push_back(t);
       });
  read("local_task",
       "SELECT id, parent, municipality, title, responsible, performer, status, end_date, description, version, "
       "notified FROM local_task ORDER BY id",
       [&](CopyRow& r) {
         LocalTask l;
         l.id = LocalTaskId(static_cast<std::uint32_t>(r.need(0, "id", 0, u32)));
         l.parent = TaskId(static_cast<std::uint32_t>(r.need(1, "parent", 0, u32)));
         l.municipality = MunicipalityId(static_cast<std::uint16_t>(r.need(2, "municipality", 0, 65535)));
         l.title = r.text(3, "title");
         l.responsible = r.person(4, "responsible");
         l.performer = r.person(5, "performer");
         l.status = r.enumeration<TaskStatus>(6, "status");
         const auto e = r.date(7, "end_date");
         if (!e) r.bad(7, "end_date", "is missing (NULL)");
         l.end = *e;
         l.description = r.text(8, "description");
         l.version = static_cast<std::uint32_t>(r.need(9, "version", 1, u32));
         if (const auto n = r.maybe(10, "notified", 0, 4))
           w.notified_local.emplace_back(l.id, static_cast<DeadlineColour>(*n));
         d.local_tasks.push_back(std::move(l));
       });
  read("message", "SELECT id, task, project, wave, author, author_side, time, text FROM message ORDER BY id",
       [&](CopyRow& r) {
         Message m;
         m.id = MessageId(static_cast<std::uint64_t>(r.need(0, "id", 0, INT64_MAX)));
         if (const auto v = r.maybe(1, "task", 0, u32)) m.target.task = TaskId(static_cast<std::uint32_t>(*v));
         if (const auto v = r.maybe(2, "project", 0, u32)) m.target.project = ProjectId(static_cast<std::uint32_t>(*v));
         if (const auto v = r.maybe(3, "wave", 0, u32)) m.target.wave = WaveId(static_cast<std::uint32_t>(*v));
         m.author = UserId(static_cast<std::uint32_t>(r.need(4, "author", 0, u32)));
         m.author_side = r.enumeration<Side>(5, "author_side");
         m.time = Timestamp(
             r.need(6, "time", std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()));
         m.text = r.text(7, "text");
         d.messages.push_back(std::move(m));
       });
  read("attachment", "SELECT id, task, file_name, media_type, size, uploaded_by, time FROM attachment ORDER BY id",
       [&](CopyRow& r) {
         Attachment a;
         a.id = AttachmentId(static_cast<std::uint64_t>(r.need(0, "id", 0, INT64_MAX)));
         a.task = TaskId(static_cast<std::uint32_t>(r.need(1, "task", 0, u32)));
         a.file_name = r.text(2, "file_name");
         a.media_type = r.text(3, "media_type");
         a.size = static_cast<std::uint64_t>(r.need(4, "size", 0, INT64_MAX));
         a.uploaded_by = UserId(static_cast<std::uint32_t>(r.need(5, "uploaded_by", 0, u32)));
         a.time = Timestamp(
             r.need(6, "time", std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()));
         d.attachments.push_back(std::move(a));
       });
  read("internal_note", "SELECT task, text FROM internal_note ORDER BY task", [&](CopyRow& r) {
    d.internal_notes.push_back({TaskId(static_cast<std::uint32_t>(r.need(0, "task", 0, u32))), r.text(1, "text")});
  });
  read("credentials",
       "SELECT user_id, password_hash, reset_token_hash, reset_expires, failed_logins, throttled_until FROM "
       "credentials ORDER BY user_id",
       [&](CopyRow& r) {
         Credentials c;
         c.user = UserId(static_cast<std::uint32_t>(r.need(0, "user_id", 1, u32)));
         c.password_hash = r.text(1, "password_hash");
         c.reset_token_hash = r.text(2, "reset_token_hash");
         c.reset_expires = Timestamp(r.need(3, "reset_expires", std::numeric_limits<std::int64_t>::min(),
                                            std::numeric_limits<std::int64_t>::max()));
         c.failed_logins = static_cast<std::uint32_t>(r.need(4, "failed_logins", 0, u32));
         c.throttled_until = Timestamp(r.need(5, "throttled_until", std::numeric_limits<std::int64_t>::min(),
                                              std::numeric_limits<std::int64_t>::max()));
         d.credentials.push_back(std::move(c));
       });
  read("field_log", "SELECT kind, id, version, fields FROM field_log ORDER BY kind, id, version", [&](CopyRow& r) {
    FieldLogEntry e;
    e.object = static_cast<FieldLogEntry::Object>(r.need(0, "kind", 0, 1));
    e.id = static_cast<std::uint32_t>(r.need(1, "id", 0, u32));
    e.version = static_cast<std::uint32_t>(r.need(2, "version", 0, u32));
    e.fields = static_cast<std::uint32_t>(r.need(3, "fields", 0, u32));
    w.field_log.push_back(e);
  });
  tx.commit();
  seen(w.sequence, gen);
  return w;
}

std::optional<std::vector<SequencedChange> > PostgresBackend::changes_since(std::uint64_t after) const {
  std::lock_guard lock(mutex_);
  db();
  const std::uint64_t gen = generation();
  pg::Transaction tx(db_, "ISOLATION LEVEL REPEATABLE READ READ ONLY");
  const auto head = static_cast<std::uint64_t>(db_.scalar("SELECT seq FROM klik_head").value_or(0));
  if (head < after) return std::nullopt;  // the database is behind the store (restored from a backup?)
  const pg::Result r = db_.exec("SELECT seq, reload, change FROM change_log WHERE seq > $1 AND seq <= $2 ORDER BY seq",
                                Params().add(static_cast<std::int64_t>(after)).add(static_cast<std::int64_t>(head)));
  tx.commit();
  if (static_cast<std::uint64_t>(r.rows()) != head - after) return std::nullopt;  // the log no longer reaches back
  std::vector<SequencedChange> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    const auto seq = static_cast<std::uint64_t>(r.integer(i, 0));
    if (seq != after + 1 + static_cast<std::uint64_t>(i) || r.view(i, 1) == "t" || r.is_null(i, 2)) return std::nullopt;
    try {
      out.push_back({seq, change_from_json(r.view(i, 2))});
    } catch (const Error& e) {
      throw StorageError("PostgreSQL " + label_ + ": table change_log, seq " + std::to_string(seq) +
                         ", column change: not a change: " + e.what());
    }
  }
  seen(head, gen);
  return out;
}

bool PostgresBackend::may_have_changes() const {
  std::lock_guard lock(listen_mutex_);
  if (closed_) return false;
  try {
    if (!listen_) {
      // The listener broke: reconnect at most once a second. Notifications sent
      // meanwhile are lost, so the answer is yes until a read after the reconnect.
      const auto now = std::chrono::steady_clock::now();
      if (now < next_retry_) return resync_;
      next_retry_ = now + std::chrono::seconds(1);
      const_cast<PostgresBackend*>(this)->listen();
      resync_ = true;
    }
    for (const std::string& payload : listen_.notifications()) {
      const auto seq = pg::parse_integer(payload);
      notified_ = std::max(notified_, seq && *seq > 0 ? static_cast<std::uint64_t>(*seq) : ~std::uint64_t{0} >> 1);
    }
  } catch (const Error&) {
    listen_.close();
    next_retry_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    // The server is away: writes fail meanwhile, and the first read after it is back catches up.
  }
  return resync_ || notified_ > known_;
}

void PostgresBackend::read_attachment(AttachmentId id, const std::function<void(std::string_view)>& sink) const {
  std::lock_guard lock(mutex_);
  db();
  // One snapshot for all chunks; each chunk is one substring() of the EXTERNAL
  // bytea, which reads only the TOAST chunks it covers.
  pg::Transaction tx(db_, "ISOLATION LEVEL REPEATABLE READ READ ONLY");
  const Params key = Params().add(static_cast<std::int64_t>(id.value()));
  const auto size = db_.scalar("SELECT octet_length(content) FROM attachment WHERE id=$1", key);
  if (!size) throw not_found(ObjectKind::Attachment);
  for (std::int64_t at = 0; at < *size; at += static_cast<std::int64_t>(attachment_chunk)) {
    const pg::Result r = db_.exec("SELECT substring(content FROM $2 FOR $3) FROM attachment WHERE id=$1",
                                  Params()
                                      .add(static_cast<std::int64_t>(id.value()))
                                      .add(at + 1)
                                      .add(static_cast<std::int64_t>(attachment_chunk)),
                                  true);
    if (r.rows() != 1)
      throw StorageError("PostgreSQL " + label_ + ": attachment " + std::to_string(id.value()) + " vanished");
    sink(r.view(0, 0));
  }
  tx.commit();
}

#define KLIK_OUTBOX_COLUMNS                                                                                  \
  "id, event, key, recipients, mailbox, sender, link, payload, created, attempts, next_attempt, delivered, " \
  "last_error, "                                                                                             \
  "dead"

std::vector<Notification> PostgresBackend::read_outbox(const pg::Result& r) const {
  std::vector<Notification> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    Notification n;
    n.id = static_cast<std::uint64_t>(r.integer(i, 0));
    n.event = r.text(i, 1);
    n.key = r.text(i, 2);
    auto recipients = parse_ids(r.view(i, 3));
    if (!recipients)
      throw StorageError("PostgreSQL " + label_ + ": table outbox, id " + std::to_string(n.id) +
                         ", column recipients: not a list of user ids");
    n.recipients = std::move(*recipients);
    n.mailbox = r.text(i, 4);
    n.sender = r.text(i, 5);
    n.link = r.text(i, 6);
    n.payload = r.text(i, 7);
    n.created = Timestamp(r.integer(i, 8));
    n.attempts = static_cast<std::uint32_t>(r.integer(i, 9));
    n.next_attempt = Timestamp(r.integer(i, 10));
    n.delivered = r.view(i, 11) == "t";
    n.last_error = r.text(i, 12);
    n.dead_letter = r.view(i, 13) == "t";
    out.push_back(std::move(n));
  }
  return out;
}

/// Runs a read; when the connection turns out broken (a server restart),
/// reconnects and runs it once more.
template <class F>
auto retrying(pg::Connection& c, const F& f) {
  try {
    return f();
  } catch (const StorageError&) {
    if (!c.lost()) throw;
    c.ensure();
    return f();
  }
}

std::vector<Notification> PostgresBackend::pending_notifications(Timestamp now, std::size_t limit) const {
  std::lock_guard lock(mutex_);
  db();
  const pg::Result r = retrying(db_, [&] {
    return db_.exec(
        "SELECT " KLIK_OUTBOX_COLUMNS
        " FROM outbox WHERE NOT delivered AND NOT dead AND next_attempt <= $1 ORDER BY id LIMIT $2",
        Params()
            .add(now.unix_seconds())
            .add(static_cast<std::int64_t>(std::min<std::size_t>(limit, static_cast<std::size_t>(INT64_MAX)))));
  });
  return read_outbox(r);
}

std::vector<Notification> PostgresBackend::outbox() const {
  std::lock_guard lock(mutex_);
  db();
  return read_outbox(retrying(db_, [&] { return db_.exec("SELECT " KLIK_OUTBOX_COLUMNS " FROM outbox ORDER BY id"); }));
}

namespace {
/// Outbox ids as a PostgreSQL bigint[] literal ("{3,17}"), each once, and how many
/// there are; an id no bigint holds is not found.
std::pair<std::size_t, std::string> outbox_id_array(std::span<const std::uint64_t> ids) {
  const std::set<std::uint64_t> unique(ids.begin(), ids.end());
  std::string list = "{";
  for (const std::uint64_t id : unique) {
    if (id > static_cast<std::uint64_t>(INT64_MAX)) throw not_found(ObjectKind::Notification);
    if (list.size() > 1) list += ',';
    list += std::to_string(id);
  }
  list += '}';
  return {unique.size(), std::move(list)};
}
}  // namespace

void PostgresBackend::mark_delivered(std::span<const std::uint64_t> ids) {
  std::lock_guard lock(mutex_);
  db();
  require_writable();
  if (ids.empty()) return;
  const auto [count, list] = outbox_id_array(ids);
  pg::Transaction tx(db_);
  const auto r = db_.exec("UPDATE outbox SET delivered = true WHERE id = ANY($1::bigint[])", Params().add(list));
  if (static_cast<std::size_t>(r.affected()) != count) throw not_found(ObjectKind::Notification);  // rolled back
  tx.commit();
}

void PostgresBackend::reschedule(std::uint64_t id, Timestamp next_attempt, const std::string& error) {
  std::lock_guard lock(mutex_);
  db();
  require_writable();
  if (id > static_cast<std::uint64_t>(INT64_MAX)) throw not_found(ObjectKind::Notification);
  const auto r = db_.exec(
      "UPDATE outbox SET attempts = attempts + 1, next_attempt = $1, last_error = $2 WHERE id = $3",
      Params().add(next_attempt.unix_seconds()).add(error, "delivery error").add(static_cast<std::int64_t>(id)));
  if (r.affected() == 0) throw not_found(ObjectKind::Notification);
}

void PostgresBackend::give_up(std::uint64_t id, const std::string& error) {
  std::lock_guard lock(mutex_);
  db();
  require_writable();
  if (id > static_cast<std::uint64_t>(INT64_MAX)) throw not_found(ObjectKind::Notification);
  const auto r = db_.exec("UPDATE outbox SET attempts = attempts + 1, dead = true, last_error = $1 WHERE id = $2",
                          Params().add(error, "delivery error").add(static_cast<std::int64_t>(id)));
  if (r.affected() == 0) throw not_found(ObjectKind::Notification);
}

void PostgresBackend::requeue(std::span<const std::uint64_t> ids, Timestamp next_attempt) {
  std::lock_guard lock(mutex_);
  db();
  require_writable();
  if (ids.empty()) return;
  const auto [count, list] = outbox_id_array(ids);
  pg::Transaction tx(db_);
  // Locked, then checked, then changed: all or none.
  const auto found =
      db_.exec("SELECT id, dead FROM outbox WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", Params().add(list));
  if (static_cast<std::size_t>(found.rows()) != count) throw not_found(ObjectKind::Notification);
  for (int i = 0; i < found.rows(); ++i)
    if (found.view(i, 1) != "t")
      throw FailedPreconditionError("notification " + std::string(found.view(i, 0)) + " is not a dead letter");
  db_.exec("UPDATE outbox SET dead = false, attempts = 0, next_attempt = $1 WHERE id = ANY($2::bigint[])",
           Params().add(next_attempt.unix_seconds()).add(list));
  tx.commit();
}

std::vector<Notification> PostgresBackend::dead_letters(std::size_t limit) const {
  std::lock_guard lock(mutex_);
  db();
  const pg::Result r = retrying(db_, [&] {
    return db_.exec(
        "SELECT " KLIK_OUTBOX_COLUMNS " FROM outbox WHERE dead ORDER BY id LIMIT $1",
        Params().add(static_cast<std::int64_t>(std::min<std::size_t>(limit, static_cast<std::size_t>(INT64_MAX)))));
  });
  return read_outbox(r);
}

OutboxCounts PostgresBackend::outbox_counts(Timestamp now) const {
  std::lock_guard lock(mutex_);
  db();
  // One statement, one snapshot. pending and due are ranges of outbox_pending, dead
  // of outbox_dead; only the total (for delivered) counts the whole table.
  const pg::Result r = retrying(db_, [&] {
    return db_.exec(
        "SELECT (SELECT count(*) FROM outbox WHERE NOT delivered AND NOT dead), "
        "(SELECT count(*) FROM outbox WHERE NOT delivered AND NOT dead AND next_attempt <= $1), "
        "(SELECT count(*) FROM outbox WHERE dead), (SELECT count(*) FROM outbox)",
        Params().add(now.unix_seconds()));
  });
  OutboxCounts c;
  c.pending = static_cast<std::uint64_t>(r.integer(0, 0));
  c.due = static_cast<std::uint64_t>(r.integer(0, 1));
  c.dead = static_cast<std::uint64_t>(r.integer(0, 2));
  c.delivered = static_cast<std::uint64_t>(r.integer(0, 3)) - c.pending - c.dead;
  return c;
}

void PostgresBackend::close() {
  std::lock_guard lock(mutex_);
  std::lock_guard l(listen_mutex_);
  db_.close();
  listen_.close();
  closed_ = true;
}

}  // namespace

std::unique_ptr<Backend> open_postgres_backend(const std::string& url, PostgresOptions options) {
  KLIK_REQUIRE(!url.empty(), "the PostgreSQL URL is empty");
  return std::make_unique<PostgresBackend>(url, std::move(options));
}

std::unique_ptr<PostgresStore> open_postgres_store(const std::string& url, PostgresOptions options) {
  Calendars calendars = options.calendars;
  std::string server = url.empty() ? std::string() : label_of(url);
  return std::make_unique<PostgresStore>(open_postgres_backend(url, std::move(options)), std::move(calendars),
                                         std::move(server));
}

#endif

}  // namespace klik
