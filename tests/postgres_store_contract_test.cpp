// The store contract suite (store_contract_test.cpp) over the PostgreSQL
// backend: the same tests, unchanged, on a Store opened with
// open_postgres_store. One throwaway server for the binary, one fresh schema
// per test (pg_test_support.hpp).
#include "klik/postgres_store.hpp"
#include "pg_test_support.hpp"
#include "store_test_support.hpp"

namespace {

struct PostgresFactory {
  static std::string& url() {
    static std::string u;
    return u;
  }
  static std::unique_ptr<klik::Store> make(const klik::Dataset& d, klik::testing::TempDir&) {
    static int n = 0;
    url() = klik::testing::shared_pg_cluster().create_schema("contract" + std::to_string(++n));
    auto s = klik::open_postgres_store(url());
    s->import_dataset(d);
    return s;
  }
  static std::unique_ptr<klik::Store> reopen(std::unique_ptr<klik::Store> s, klik::testing::TempDir&) {
    s.reset();
    return klik::open_postgres_store(url());
  }
};

}  // namespace

#define KLIK_CONTRACT_FACTORIES PostgresFactory
#include "store_contract_test.cpp"
