#pragma once
// Private: a small RAII layer over libpq, PostgreSQL's C client (libpq-fe.h
// stays in src/), modelled on the SQLite one in detail/sqlite.hpp.
//
// Connection owns a PGconn (PQfinish), Result a PGresult (PQclear),
// Transaction a BEGIN ... COMMIT that rolls back in its destructor unless
// committed. Every failing call throws StorageError with the server's message
// (bounded like every klik::Error message) and what klik was doing; the
// connection string's password never appears in a message.

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "klik/error.hpp"

namespace klik::detail::pg {

/// Throws StorageError: `what`, then libpq's or the server's message for
/// `result` (or for the connection when `result` is null).
[[noreturn]] void fail(const PGconn* conn, const PGresult* result, std::string_view what);

/// The SQLSTATE of a failed result ("40001", ...), empty when none.
std::string sqlstate(const PGresult* result);

/// Parameters of one statement, by position ($1, $2, ...). Text parameters are
/// sent as text (PostgreSQL parses them by the column's type); binary ones
/// (bytea) as raw bytes. Text cannot hold U+0000 in PostgreSQL: add() throws
/// InvalidArgumentError naming `field` instead of letting libpq cut the value.
class Params {
 public:
  Params& add(std::int64_t v);
  Params& add(std::string_view v, std::string_view field = "a text value");
  Params& add(const char* v) { return add(std::string_view(v)); }
  Params& add(const std::string& v) { return add(std::string_view(v)); }
  template <class T>
  Params& add(const std::optional<T>& v) {
    return v ? add(static_cast<std::int64_t>(*v)) : add_null();
  }
  /// Raw bytes (bytea), not copied: `bytes` must outlive the statement's exec.
  Params& add_binary(std::string_view bytes);
  Params& add_null();

  [[nodiscard]] int size() const noexcept { return static_cast<int>(values_.size()); }
  // For Connection::exec.
  [[nodiscard]] std::vector<const char*> pointers() const;
  [[nodiscard]] const std::vector<int>& lengths() const noexcept { return lengths_; }
  [[nodiscard]] const std::vector<int>& formats() const noexcept { return formats_; }

 private:
  struct Value {
    std::string owned;
    std::string_view borrowed;  // binary values are not copied: they must live until exec
    bool null = false;
    bool is_borrowed = false;
  };
  std::vector<Value> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

/// A statement's result. Text-format values unless the statement asked for binary.
class Result {
 public:
  Result() = default;
  explicit Result(PGresult* r) noexcept : r_(r) {}
  Result(Result&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  Result& operator=(Result&& o) noexcept {
    if (this != &o) {
      PQclear(r_);
      r_ = std::exchange(o.r_, nullptr);
    }
    return *this;
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result() { PQclear(r_); }

  [[nodiscard]] PGresult* get() const noexcept { return r_; }
  [[nodiscard]] int rows() const noexcept { return PQntuples(r_); }
  /// The row count of an INSERT/UPDATE/DELETE.
  [[nodiscard]] std::int64_t affected() const;
  [[nodiscard]] bool is_null(int row, int col) const noexcept { return PQgetisnull(r_, row, col) != 0; }
  [[nodiscard]] std::string_view view(int row, int col) const noexcept {
    return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
  }
  [[nodiscard]] std::string text(int row, int col) const { return std::string(view(row, col)); }
  /// A text-format integer column; throws StorageError when it is not one.
  [[nodiscard]] std::int64_t integer(int row, int col) const;
  template <class T>
  [[nodiscard]] std::optional<T> optional(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return static_cast<T>(integer(row, col));
  }

 private:
  PGresult* r_ = nullptr;
};

/// Parses a decimal integer (what PostgreSQL prints); nullopt when it is not one.
std::optional<std::int64_t> parse_integer(std::string_view text) noexcept;

/// Splits one line of COPY ... TO STDOUT (text format) into its fields,
/// unescaping them; a NULL (\N) is nullopt. `out` is reused between lines.
void split_copy_line(std::string_view line, std::vector<std::optional<std::string>>& out);

class Connection {
 public:
  Connection() = default;
  /// Connects with a libpq connection string or URL; `label` names the
  /// database in messages (the URL without its password). Throws StorageError.
  Connection(const std::string& conninfo, std::string label);
  Connection(Connection&& o) noexcept
      : c_(std::exchange(o.c_, nullptr)), label_(std::move(o.label_)), broken_(std::exchange(o.broken_, false)) {}
  Connection& operator=(Connection&& o) noexcept {
    if (this != &o) {
      close();
      c_ = std::exchange(o.c_, nullptr);
      label_ = std::move(o.label_);
      broken_ = std::exchange(o.broken_, false);
    }
    return *this;
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { close(); }

  void close() noexcept;
  /// Reconnects (PQreset) when the connection broke, e.g. the server
  /// restarted; throws StorageError when that fails too.
  void ensure();
  /// True when the connection broke (a call failed without reaching the server's
  /// SQL, or libpq reports it bad): nothing of the failed call was done unless
  /// it was a COMMIT.
  [[nodiscard]] bool lost() const noexcept { return !c_ || broken_ || PQstatus(c_) != CONNECTION_OK; }
  [[nodiscard]] PGconn* get() const noexcept { return c_; }
  [[nodiscard]] const std::string& label() const noexcept { return label_; }
  explicit operator bool() const noexcept { return c_ != nullptr; }

  /// Runs one or more statements without parameters (simple query protocol).
  Result exec(const std::string& sql);
  /// Runs one statement with parameters; `binary_result`: values in binary format.
  Result exec(const std::string& sql, const Params& params, bool binary_result = false);
  /// The first column of the first row as an integer (nullopt when no row or NULL).
  std::optional<std::int64_t> scalar(const std::string& sql, const Params& params = {});

  /// COPY ... FROM STDIN (text format): `produce` is called with a function
  /// that sends a chunk of rows; when it returns, the copy ends.
  void copy_in(const std::string& sql,
               const std::function<void(const std::function<void(std::string_view)>&)>& produce);
  /// COPY ... TO STDOUT: `row` gets each line (without its newline).
  void copy_out(const std::string& sql, const std::function<void(std::string_view)>& row);

  /// Reads what the server sent without blocking; returns the payloads of the
  /// notifications received (LISTEN). Throws StorageError when the connection broke.
  std::vector<std::string> notifications();

  [[noreturn]] void fail(const PGresult* r, std::string_view what) const;

 private:
  void failed(const PGresult* r, std::string_view what);

  PGconn* c_ = nullptr;
  std::string label_;
  bool broken_ = false;
};

/// Appends `v` to a COPY text-format line, escaping backslash, tab, newline and CR.
void copy_escape(std::string& line, std::string_view v);

/// BEGIN (with `mode`, e.g. "ISOLATION LEVEL REPEATABLE READ READ ONLY") on
/// construction; commit() or ROLLBACK on destruction (errors ignored there).
/// A BEGIN that finds the connection broken reconnects and begins again once
/// (nothing was done yet), so a server restart costs no failed transaction.
class Transaction {
 public:
  explicit Transaction(Connection& c, std::string_view mode = {});
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Connection* c_;
  bool open_ = true;
};

}  // namespace klik::detail::pg
