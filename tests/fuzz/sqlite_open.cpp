// Fuzzes opening a klik SQLite file from mutated database bytes
// (klik::open_sqlite_store): the bytes are written to a temporary file, opened
// read-only and then for writing; an opened store is read (snapshot, a task list
// per user, the outbox, the journal and an as-of view, export, JSON). Oracles: a
// read-only open never changes the file, and an open that refuses the file leaves
// it byte-identical (klik/sqlite_store.hpp).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "fuzz_support.hpp"
#include "klik/json.hpp"
#include "klik/query_engine.hpp"
#include "klik/rights.hpp"
#include "klik/sqlite_store.hpp"

namespace {

namespace fs = std::filesystem;

/// A private directory for the database file, removed at exit. TMPDIR=/dev/shm
/// (scripts/fuzz sets it) keeps the file in memory.
struct Scratch {
  fs::path dir;
  Scratch() {
    std::string tmpl = (fs::temp_directory_path() / "klik-fuzz-sqlite-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    dir = tmpl;
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

/// The file's bytes, read in one call (an istreambuf_iterator copy went byte by
/// byte through ASan-checked code: 9% of the samples in a perf profile).
std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary | std::ios::ate);
  if (!in) return {};
  std::string bytes(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

void reset(const fs::path& db, std::string_view bytes) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(db.string() + suffix, ec);
  std::ofstream out(db, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// Reads what a host would read after opening.
void read_everything(klik::SqliteStore& store) {
  using namespace klik;
  (void)store.schema_version();
  {
    const Snapshot snap = store.snapshot();
    const World& w = snap.world();
    const Date today(2025, 3, 14);
    int viewers = 0;
    for (const User* u : w.users()) {
      if (++viewers > 3) break;
      fuzz::accepts([&] { (void)list_tasks(w, RightsModel::default_model(), *u, TaskQuery{}, today); });
      fuzz::accepts([&] { (void)quick_status(w, RightsModel::default_model(), *u, TaskQuery{}, today); });
    }
  }
  fuzz::accepts([&] { (void)store.outbox(); });
  // The journal's rows, read back as entries, and a view undoing the newest of them.
  fuzz::accepts([&] {
    for (const JournalEntry& e : store.journal(JournalQuery{.limit = 16})) (void)to_json(e);
  });
  fuzz::accepts([&] { (void)store.as_of(Timestamp(1735725602))->snapshot(); });
  fuzz::accepts([&] {
    const Dataset d = store.export_dataset();
    (void)to_json(d);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace klik;
  static Scratch scratch;
  const fs::path db = scratch.dir / "fuzz.sqlite";
  const std::string_view bytes = fuzz::text(data, size);

  reset(db, bytes);
  SqliteOptions ro;
  ro.read_only = true;
  ro.create = false;
  fuzz::accepts([&] {
    auto store = open_sqlite_store(db.string(), ro);
    read_everything(*store);
  });
  if (read_file(db) != bytes) fuzz::finding("a read-only open changed the file");

  reset(db, bytes);
  SqliteOptions rw;
  rw.durability = Durability::Normal;
  std::unique_ptr<SqliteStore> store;
  if (!fuzz::accepts([&] { store = open_sqlite_store(db.string(), rw); })) {
    if (read_file(db) != bytes) fuzz::finding("an open that refused the file changed it");
    return 0;
  }
  fuzz::accepts([&] { read_everything(*store); });
  fuzz::accepts([&] { store->close(); });
  return 0;
}
