#pragma once
// Helpers shared by the store tests: a unique temporary directory per test and
// small datasets.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "klik/sqlite_store.hpp"
#include "klik/synthetic.hpp"

namespace klik::testing {

/// A fresh directory under the system temp dir, removed with its content.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "klik-store-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// Two municipalities, one or two projects, with messages, notes and attachments.
/// One municipality's tasks at `scale`, no attachments or local tasks: the data
/// of the tests that write from several processes.
inline Dataset one_municipality(double scale) {
  synthetic::Options o;
  o.municipalities = 1;
  o.scale = scale;
  o.content = false;
  o.local_task_share = 0;
  return synthetic::generate(o);
}

inline Dataset small_dataset() {
  synthetic::Options o;
  o.municipalities = 2;
  o.scale = 0.17;
  o.local_task_share = 0.05;
  return synthetic::generate(o);
}

/// A closed SQLite store file holding `d` (checkpointed: no -wal file).
inline std::string make_sqlite_file(const TempDir& dir, const Dataset& d, const std::string& name = "klik.sqlite") {
  const std::string path = dir.file(name);
  auto s = open_sqlite_store(path);
  s->import_dataset(d);
  s->close();
  return path;
}

/// SQL that turns a file of the current schema into what klik with schema
/// `version` (1 .. sqlite_schema_version - 1) wrote, undoing each migration
/// from the newest down, and sets its user_version. Every migration test builds
/// its old file with it.
inline std::string sqlite_downgrade_sql(int version) {
  static_assert(sqlite_schema_version == 7, "undo the new migration in sqlite_downgrade_sql too");
  std::string sql;
  if (version < 7)
    sql +=
        "DROP INDEX outbox_dead; DROP INDEX outbox_pending; ALTER TABLE outbox DROP COLUMN dead; "
        "CREATE INDEX outbox_pending ON outbox(next_attempt) WHERE delivered = 0; "
        "ALTER TABLE user DROP COLUMN daily_digest; ";
  if (version < 6) sql += "DROP TABLE journal_object; DROP TABLE journal; ";
  if (version < 5) sql += "ALTER TABLE local_task DROP COLUMN notified; ";
  if (version < 4) sql += "DROP TABLE credentials; ";
  if (version < 3) sql += "DROP TABLE change_sequence; ";
  if (version < 2) sql += "DROP TABLE change_log; ";
  return sql + "PRAGMA user_version = " + std::to_string(version) + ";";
}

/// The message of the StorageError opening `path` throws, or "(opened)".
inline std::string sqlite_open_error(const std::string& path, SqliteOptions o = {}) {
  try {
    open_sqlite_store(path, std::move(o));
  } catch (const StorageError& e) {
    return e.what();
  }
  return "(opened)";
}

/// A file's bytes ("" when it cannot be read).
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Replaces a file's bytes.
inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace klik::testing
