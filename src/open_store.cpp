// open_store (include/klik/open_store.hpp): a path or a URL to a store.
#include "klik/open_store.hpp"

#include "klik/postgres_store.hpp"
#include "klik/sqlite_store.hpp"

namespace klik {

std::unique_ptr<Store> open_store(const std::string& url_or_path) {
  KLIK_REQUIRE(!url_or_path.empty(), "the store's path or URL is empty");
  if (is_postgres_url(url_or_path)) return open_postgres_store(url_or_path);
  return open_sqlite_store(url_or_path);
}

}  // namespace klik
