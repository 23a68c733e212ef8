#pragma once
/// @file postgres_store.hpp
/// @brief The PostgreSQL backend: one klik world in a PostgreSQL database,
/// shared by any number of processes (docs/store.md, "PostgreSQL").
///
/// The backend keeps the rows of every entity in tables, one change sequence
/// (table change_log, head in klik_head) and the outbox. Every commit is one
/// transaction: it moves the head from the number the store gave to the next
/// one (StaleError when another process moved it first), writes the change's
/// rows with their versions checked in SQL, the outbox rows and the
/// change_log row, and sends NOTIFY klik_changes with the new number. Other
/// processes LISTEN on that channel (may_have_changes) and read the log
/// (changes_since); the log, not the notification, is the truth.
///
/// Thread-safety: as every Backend (backend.hpp); the backend's connections
/// are guarded by mutexes, so its read methods may be called from several threads.

#include <memory>
#include <string>

#include "klik/backend.hpp"
#include "klik/calendar.hpp"
#include "klik/store.hpp"

namespace klik {

/// How open_postgres_backend connects and what it may do.
struct PostgresOptions {
  /// Create the schema in a database that has none (default). When false, a
  /// database without klik's tables is a StorageError.
  bool create = true;
  /// Refuse every write (require_writable throws StorageError).
  bool read_only = false;
  /// Seconds to wait for the server when connecting (libpq connect_timeout;
  /// 0: libpq's default, wait indefinitely).
  int connect_timeout_seconds = 10;
  /// The working-day calendars the store judges tasks on (open_postgres_store).
  Calendars calendars = {};
};

/// The schema version this klik writes (table klik_schema); older ones are
/// migrated on open, newer ones refused.
inline constexpr int postgres_schema_version = 5;

/// True for a PostgreSQL URL: "postgresql://..." or "postgres://...".
[[nodiscard]] bool is_postgres_url(std::string_view text) noexcept;

/// Connects to the database at `url` (a libpq URL, e.g.
/// "postgresql://klik@db.example/klik?sslmode=require", or a key=value
/// connection string), creating or migrating the schema, and returns its
/// backend. Throws StorageError naming the server (never the password) when
/// it cannot connect, the schema is newer than this klik's, or the database
/// holds something that is not a klik store; InvalidArgumentError for an
/// empty URL. A klik built without PostgreSQL (KLIK_WITH_POSTGRES=OFF) throws
/// StorageError saying so.
[[nodiscard]] std::unique_ptr<Backend> open_postgres_backend(const std::string& url, PostgresOptions options = {});

/// A Store in a PostgreSQL database: the Store's indexes over the PostgreSQL
/// backend, and which server it is on. Create with open_postgres_store().
class PostgresStore : public Store {
 public:
  PostgresStore(std::unique_ptr<Backend> backend, Calendars calendars, std::string server);
  ~PostgresStore() override;
  /// The server and database as "user@host:port/db" (never the password).
  [[nodiscard]] const std::string& server() const noexcept { return server_; }

 private:
  std::string server_;
};

/// A Store over open_postgres_backend(url, options): loads the world (and
/// validates it) once, then keeps up with the other processes' commits.
[[nodiscard]] std::unique_ptr<PostgresStore> open_postgres_store(const std::string& url, PostgresOptions options = {});

}  // namespace klik
