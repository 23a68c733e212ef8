// The RAII layer of src/detail/pg.hpp.
#include "detail/pg.hpp"

#include <charconv>
#include <cstring>

#include "klik/text.hpp"

namespace klik::detail::pg {

namespace {

/// libpq's messages end with a newline (and sometimes carry a second line).
std::string trimmed(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s;
}

}  // namespace

void fail(const PGconn* conn, const PGresult* result, std::string_view what) {
  std::string msg(what);
  std::string detail;
  if (result) {
    detail = trimmed(PQresultErrorMessage(result));
    if (detail.empty()) detail = PQresStatus(PQresultStatus(result));
  } else if (conn) {
    detail = trimmed(PQerrorMessage(conn));
  }
  if (!detail.empty()) msg += ": " + detail;
  // The server's message may quote anything the statement held: keep it UTF-8 and short.
  throw StorageError(bounded_message(msg, 600));
}

std::string sqlstate(const PGresult* result) {
  const char* s = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  return s ? s : "";
}

// ---- Params ----

Params& Params::add(std::int64_t v) {
  values_.push_back({std::to_string(v), {}, false, false});
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Params& Params::add(std::string_view v, std::string_view field) {
  if (v.find('\0') != std::string_view::npos)
    throw InvalidArgumentError("PostgreSQL text cannot hold the character U+0000 (NUL), found in " + std::string(field),
                               std::string(field));
  values_.push_back({std::string(v), {}, false, false});
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Params& Params::add_binary(std::string_view bytes) {
  values_.push_back({{}, bytes, false, true});
  lengths_.push_back(static_cast<int>(bytes.size()));
  formats_.push_back(1);
  return *this;
}

Params& Params::add_null() {
  values_.push_back({{}, {}, true, false});
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const Value& v : values_)
    out.push_back(v.null ? nullptr : v.is_borrowed ? (v.borrowed.data() ? v.borrowed.data() : "") : v.owned.c_str());
  return out;
}

// ---- Result ----

std::optional<std::int64_t> parse_integer(std::string_view text) noexcept {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::int64_t Result::affected() const {
  const char* n = PQcmdTuples(r_);
  return n && *n ? parse_integer(n).value_or(0) : 0;
}

std::int64_t Result::integer(int row, int col) const {
  const auto v = parse_integer(view(row, col));
  if (!v)
    throw StorageError("PostgreSQL returned " + excerpt(view(row, col)) + " in column " +
                       std::string(PQfname(r_, col) ? PQfname(r_, col) : "?") + ", expected an integer");
  return *v;
}

// ---- COPY text format ----

void copy_escape(std::string& line, std::string_view v) {
  for (const char c : v) {
    switch (c) {
      case '\\':
        line += "\\\\";
        break;
      case '\t':
        line += "\\t";
        break;
      case '\n':
        line += "\\n";
        break;
      case '\r':
        line += "\\r";
        break;
      default:
        line += c;
    }
  }
}

void split_copy_line(std::string_view line, std::vector<std::optional<std::string>>& out) {
  out.clear();
  std::size_t at = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', at);
    const std::string_view field = line.substr(at, tab == std::string_view::npos ? std::string_view::npos : tab - at);
    if (field == "\\N") {
      out.emplace_back(std::nullopt);
    } else {
      std::string v;
      v.reserve(field.size());
      for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] != '\\' || i + 1 == field.size()) {
          v += field[i];
          continue;
        }
        const char e = field[++i];
        switch (e) {
          case 'b':
            v += '\b';
            break;
          case 'f':
            v += '\f';
            break;
          case 'n':
            v += '\n';
            break;
          case 'r':
            v += '\r';
            break;
          case 't':
            v += '\t';
            break;
          case 'v':
            v += '\v';
            break;
          default:
            if (e >= '0' && e <= '7') {  // \ooo (PostgreSQL writes these only on request; read them anyway)
              int n = e - '0';
              for (int k = 0; k < 2 && i + 1 < field.size() && field[i + 1] >= '0' && field[i + 1] <= '7'; ++k)
                n = n * 8 + (field[++i] - '0');
              v += static_cast<char>(n);
            } else {
              v += e;
            }
        }
      }
      out.emplace_back(std::move(v));
    }
    if (tab == std::string_view::npos) break;
    at = tab + 1;
  }
}

// ---- Connection ----

Connection::Connection(const std::string& conninfo, std::string label) : label_(std::move(label)) {
  c_ = PQconnectdb(conninfo.c_str());
  if (!c_) throw StorageError("cannot connect to PostgreSQL " + label_ + ": out of memory");
  if (PQstatus(c_) != CONNECTION_OK) {
    const std::string msg = "cannot connect to PostgreSQL " + label_;
    try {
      pg::fail(c_, nullptr, msg);
    } catch (...) {
      close();
      throw;
    }
  }
  // Server notices (e.g. "terminating connection due to immediate shutdown")
  // would go to stderr: a library prints nothing; errors reach the caller as exceptions.
  PQsetNoticeProcessor(
      c_, [](void*, const char*) {}, nullptr);
  if (PQsetClientEncoding(c_, "UTF8") != 0) {
    try {
      pg::fail(c_, nullptr, "cannot use UTF-8 with PostgreSQL " + label_);
    } catch (...) {
      close();
      throw;
    }
  }
}

void Connection::ensure() {
  if (!c_) throw FailedPreconditionError("the PostgreSQL connection is closed");
  if (!lost()) return;
  broken_ = false;
  PQreset(c_);
  if (PQstatus(c_) != CONNECTION_OK) pg::fail(c_, nullptr, "lost the connection to PostgreSQL " + label_);
  PQsetClientEncoding(c_, "UTF8");
}

void Connection::close() noexcept {
  if (c_) PQfinish(c_);
  c_ = nullptr;
}

void Connection::fail(const PGresult* r, std::string_view what) const {
  pg::fail(c_, r, std::string(what) + " [PostgreSQL " + label_ + "]");
}

namespace {
std::string what_sql(std::string_view sql) {
  std::string s(sql.substr(0, 60));
  for (char& c : s)
    if (c == '\n') c = ' ';
  return "SQL failed (" + s + (sql.size() > 60 ? "...)" : ")");
}
bool ok(const PGresult* r) {
  const auto st = PQresultStatus(r);
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}
}  // namespace

void Connection::failed(const PGresult* r, std::string_view what) {
  // The server's own errors carry a SQLSTATE; libpq's (connection lost) do not.
  if (PQstatus(c_) != CONNECTION_OK || sqlstate(r).empty()) broken_ = true;
  fail(r, what);
}

Result Connection::exec(const std::string& sql) {
  if (!c_) throw FailedPreconditionError("the PostgreSQL connection is closed");
  Result r(PQexec(c_, sql.c_str()));
  if (!ok(r.get())) failed(r.get(), what_sql(sql));
  return r;
}

Result Connection::exec(const std::string& sql, const Params& params, bool binary_result) {
  if (!c_) throw FailedPreconditionError("the PostgreSQL connection is closed");
  const auto ptrs = params.pointers();
  Result r(PQexecParams(c_, sql.c_str(), params.size(), nullptr, ptrs.data(), params.lengths().data(),
                        params.formats().data(), binary_result ? 1 : 0));
  if (!ok(r.get())) failed(r.get(), what_sql(sql));
  return r;
}

std::optional<std::int64_t> Connection::scalar(const std::string& sql, const Params& params) {
  const Result r = exec(sql, params);
  if (r.rows() == 0 || r.is_null(0, 0)) return std::nullopt;
  return r.integer(0, 0);
}

void Connection::copy_in(const std::string& sql,
                         const std::function<void(const std::function<void(std::string_view)>&)>& produce) {
  if (!c_) throw FailedPreconditionError("the PostgreSQL connection is closed");
  {
    Result r(PQexec(c_, sql.c_str()));
    if (PQresultStatus(r.get()) != PGRES_COPY_IN) failed(r.get(), what_sql(sql));
  }
  bool sending = true;
  const auto send = [&](std::string_view data) {
    if (data.empty() || !sending) return;
    if (PQputCopyData(c_, data.data(), static_cast<int>(data.size())) != 1) {
      sending = false;
      fail(nullptr, "COPY failed");
    }
  };
  try {
    produce(send);
  } catch (...) {
    if (sending) PQputCopyEnd(c_, "klik: the import stopped");
    while (PGresult* rest = PQgetResult(c_)) PQclear(rest);
    throw;
  }
  if (PQputCopyEnd(c_, nullptr) != 1) fail(nullptr, "COPY failed");
  Result r(PQgetResult(c_));
  const bool good = PQresultStatus(r.get()) == PGRES_COMMAND_OK;
  while (PGresult* rest = PQgetResult(c_)) PQclear(rest);
  if (!good) failed(r.get(), what_sql(sql));
}

void Connection::copy_out(const std::string& sql, const std::function<void(std::string_view)>& row) {
  if (!c_) throw FailedPreconditionError("the PostgreSQL connection is closed");
  {
    Result r(PQexec(c_, sql.c_str()));
    if (PQresultStatus(r.get()) != PGRES_COPY_OUT) failed(r.get(), what_sql(sql));
  }
  char* buf = nullptr;
  int n = 0;
  std::exception_ptr error;
  while ((n = PQgetCopyData(c_, &buf, 0)) > 0) {
    if (!error) {
      try {
        std::string_view line(buf, static_cast<std::size_t>(n));
        if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
        row(line);
      } catch (...) {
        error = std::current_exception();  // drain the copy first: the connection stays usable
      }
    }
    PQfreemem(buf);
  }
  Result r(PQgetResult(c_));
  const bool good = n == -1 && PQresultStatus(r.get()) == PGRES_COMMAND_OK;
  while (PGresult* rest = PQgetResult(c_)) PQclear(rest);
  if (error) std::rethrow_exception(error);
  if (!good) failed(r.get(), what_sql(sql));
}

std::vector<std::string> Connection::notifications() {
  if (!c_) throw FailedPreconditionError("the PostgreSQL connection is closed");
  if (PQconsumeInput(c_) != 1) failed(nullptr, "cannot read notifications");
  std::vector<std::string> out;
  while (PGnotify* n = PQnotifies(c_)) {
    out.emplace_back(n->extra ? n->extra : "");
    PQfreemem(n);
  }
  return out;
}

// ---- Transaction ----

Transaction::Transaction(Connection& c, std::string_view mode) : c_(&c) {
  const std::string begin = mode.empty() ? std::string("BEGIN") : "BEGIN " + std::string(mode);
  try {
    c.exec(begin);
  } catch (const StorageError&) {
    if (!c.lost()) throw;
    c.ensure();
    c.exec(begin);
  }
}

Transaction::~Transaction() {
  if (open_ && c_->get()) PQclear(PQexec(c_->get(), "ROLLBACK"));
}

void Transaction::commit() {
  open_ = false;
  c_->exec("COMMIT");
}

}  // namespace klik::detail::pg
