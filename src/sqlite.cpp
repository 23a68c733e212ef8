// The RAII layer of src/detail/sqlite.hpp.
#include "detail/sqlite.hpp"

namespace klik::detail::sql {

void fail(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (db && (rc & 0xff) != (sqlite3_errcode(db) & 0xff)) msg += std::string(" (") + sqlite3_errstr(rc) + ")";
  if (db)
    if (const char* f = sqlite3_db_filename(db, "main"); f && *f) msg += std::string(" [") + f + "]";
  throw StorageError(msg);
}

Database::Database(const std::string& path, int flags, const std::string& uri) : path_(path) {
  const int rc = sqlite3_open_v2(uri.empty() ? path.c_str() : uri.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot open database " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    close();
    throw StorageError(msg);
  }
  sqlite3_extended_result_codes(db_, 1);
}

void Database::close() noexcept {
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

void Database::exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    std::string what = sql.substr(0, 60);
    fail(rc, "SQL failed (" + what + (sql.size() > 60 ? "...)" : ")"));
  }
}

std::int64_t Database::scalar(const std::string& sql) {
  Statement s(*this, sql);
  return s.step() ? s.integer(0) : 0;
}

std::string Database::text(const std::string& sql) {
  Statement s(*this, sql);
  return s.step() ? s.text(0) : std::string();
}

Statement::Statement(const Database& db, std::string_view sql) : db_(db.get()) {
  const int rc =
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) fail(db_, rc, "cannot prepare SQL (" + std::string(sql.substr(0, 60)) + ")");
}

Statement& Statement::bind(int i, std::int64_t v) {
  if (const int rc = sqlite3_bind_int64(stmt_, i, v); rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}
Statement& Statement::bind(int i, std::string_view v) {
  if (const int rc = sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8); rc != SQLITE_OK)
    fail(db_, rc, "bind");
  return *this;
}
Statement& Statement::bind_blob(int i, std::string_view v) {
  if (const int rc = sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT); rc != SQLITE_OK)
    fail(db_, rc, "bind");
  return *this;
}
Statement& Statement::bind_zeroblob(int i, std::int64_t size) {
  if (const int rc = sqlite3_bind_zeroblob64(stmt_, i, static_cast<sqlite3_uint64>(size)); rc != SQLITE_OK)
    fail(db_, rc, "bind");
  return *this;
}
Statement& Statement::bind_null(int i) {
  if (const int rc = sqlite3_bind_null(stmt_, i); rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string sql = sqlite3_sql(stmt_) ? std::string(sqlite3_sql(stmt_)).substr(0, 60) : std::string();
  sqlite3_reset(stmt_);
  fail(db_, rc, "SQL failed (" + sql + ")");
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int col) const noexcept { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::int64_t Statement::integer(int col) const noexcept { return sqlite3_column_int64(stmt_, col); }
std::string_view Statement::text_view(int col) const noexcept {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string_view();
}
std::string_view Statement::blob_view(int col) const noexcept {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string_view();
}
std::string Statement::text(int col) const { return std::string(text_view(col)); }

Transaction::Transaction(Database& db, bool immediate) : db_(&db) { db.exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN"); }

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_->get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_->exec("COMMIT");
  open_ = false;
}

}  // namespace klik::detail::sql
