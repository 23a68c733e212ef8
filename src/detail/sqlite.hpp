#pragma once
// Private: a small RAII layer over SQLite's C API (sqlite3.h stays in src/).
//
// Database owns a connection (closed with sqlite3_close_v2), Statement a
// prepared statement (finalised), Transaction a BEGIN IMMEDIATE ... COMMIT that
// rolls back in its destructor unless committed. Every failing call throws
// StorageError with SQLite's message and the file name.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "klik/error.hpp"

namespace klik::detail::sql {

/// Throws StorageError for SQLite result `rc` on `db` (what: the operation).
[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what);

class Database {
 public:
  Database() = default;
  /// Opens `path` with sqlite3_open_v2 `flags` (or, when given, the URI
  /// filename `uri` naming it, with SQLITE_OPEN_URI); throws StorageError.
  Database(const std::string& path, int flags, const std::string& uri = {});
  Database(Database&& o) noexcept : db_(std::exchange(o.db_, nullptr)), path_(std::move(o.path_)) {}
  Database& operator=(Database&& o) noexcept {
    if (this != &o) {
      close();
      db_ = std::exchange(o.db_, nullptr);
      path_ = std::move(o.path_);
    }
    return *this;
  }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database() { close(); }

  void close() noexcept;
  [[nodiscard]] sqlite3* get() const noexcept { return db_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  explicit operator bool() const noexcept { return db_ != nullptr; }

  /// Runs one or more statements without results.
  void exec(const std::string& sql);
  /// The first column of the first row of `sql` as an integer (0 when no row).
  std::int64_t scalar(const std::string& sql);
  /// The first column of the first row as text.
  std::string text(const std::string& sql);
  [[noreturn]] void fail(int rc, std::string_view what) const { sql::fail(db_, rc, what); }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

class Statement {
 public:
  Statement(const Database& db, std::string_view sql);
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(std::exchange(o.stmt_, nullptr)) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  // Binding (1-based like SQLite); optional empty binds NULL.
  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, std::string_view v);
  Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Statement& bind_blob(int i, std::string_view v);
  Statement& bind_zeroblob(int i, std::int64_t size);
  Statement& bind_null(int i);
  template <class T>
  Statement& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, static_cast<std::int64_t>(*v)) : bind_null(i);
  }

  /// Steps once: true while a row is available, false when done.
  bool step();
  /// Steps to completion (for statements without rows) and resets.
  void run();
  void reset() noexcept;

  // Reading the current row (0-based).
  [[nodiscard]] bool is_null(int col) const noexcept;
  [[nodiscard]] std::int64_t integer(int col) const noexcept;
  [[nodiscard]] std::string text(int col) const;
  [[nodiscard]] std::string_view text_view(int col) const noexcept;
  /// The column's bytes as stored (for BLOBs; text without conversion).
  [[nodiscard]] std::string_view blob_view(int col) const noexcept;
  /// SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL.
  [[nodiscard]] int type(int col) const noexcept { return sqlite3_column_type(stmt_, col); }
  template <class T>
  [[nodiscard]] std::optional<T> optional(int col) const {
    if (is_null(col)) return std::nullopt;
    return static_cast<T>(integer(col));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// BEGIN IMMEDIATE on construction; commit() or roll back on destruction.
class Transaction {
 public:
  explicit Transaction(Database& db, bool immediate = true);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Database* db_;
  bool open_ = true;
};

}  // namespace klik::detail::sql
