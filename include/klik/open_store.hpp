#pragma once
/// @file open_store.hpp
/// @brief One entry for every durable store: a path opens SQLite, a URL PostgreSQL.

#include <memory>
#include <string>

#include "klik/store.hpp"

namespace klik {

/// Opens the store at `url_or_path` with default options: a
/// "postgresql://..." or "postgres://..." URL opens the PostgreSQL backend
/// (open_postgres_store, postgres_store.hpp); anything else is a SQLite file
/// path (open_sqlite_store, sqlite_store.hpp), created when absent. Throws
/// what those throw (StorageError naming the file or server), and
/// InvalidArgumentError for an empty argument.
[[nodiscard]] std::unique_ptr<Store> open_store(const std::string& url_or_path);

}  // namespace klik
