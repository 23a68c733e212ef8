// Writes the generated seed inputs of the fuzz targets into <out>/<target>/:
// a small consistent dataset cut from the synthetic generator (as dataset JSON,
// as one JSON per entity type, and as a klik SQLite file with 512-byte pages so
// the file stays small), and the journal entries of a few writes to it (as journal
// entry JSON, and in the SQLite file). Run: fuzz_make_seeds tests/fuzz/corpus
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "klik/json.hpp"
#include "klik/sqlite_store.hpp"
#include "klik/synthetic.hpp"

namespace {

namespace fs = std::filesystem;
using namespace klik;

void write(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << bytes;
  std::printf("%s (%zu bytes)\n", file.string().c_str(), bytes.size());
}

/// Shortens text to at most n bytes at a UTF-8 character boundary.
void shorten(std::string& s, std::size_t n = 40) {
  if (s.size() <= n) return;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
}

/// One project, a few templates and their tasks, the people and content around them.
Dataset small_world() {
  synthetic::Options o;
  o.municipalities = 2;
  o.scale = 0.1;
  o.participation = 1.0;
  o.local_task_share = 0.3;
  Dataset all = synthetic::generate(o);
  Dataset d;
  d.municipalities = all.municipalities;
  Project p = all.projects.front();
  shorten(p.description);
  d.projects.push_back(p);
  for (const RolloutWave& w : all.waves)
    if (w.project == p.id && d.waves.size() < 2) d.waves.push_back(w);
  std::set<TemplateId> templates;
  for (TaskTemplate t : all.templates) {
    if (t.project != p.id || templates.size() >= 4) continue;
    for (std::string* s : {&t.title, &t.goal, &t.description, &t.method, &t.result}) shorten(*s);
    templates.insert(t.id);
    d.templates.push_back(t);
  }
  // Per municipality three users of the project (one an administrator), and two KOMBIT users.
  std::set<UserId> users;
  std::map<std::optional<MunicipalityId>, int> per_side;
  for (User u : all.users) {
    std::erase_if(u.memberships, [&](const Membership& m) { return m.project != p.id; });
    if (u.side == Side::Municipality && u.memberships.empty() && !u.administrator) continue;
    if (++per_side[u.side == Side::Municipality ? u.municipality : std::nullopt] >
        (u.side == Side::Municipality ? 3 : 2))
      continue;
    users.insert(u.id);
    d.users.push_back(u);
  }
  auto keep_person = [&](std::optional<UserId>& who) {
    if (who && !users.count(*who)) who.reset();
  };
  std::set<TaskId> tasks;
  for (Task t : all.tasks) {
    if (!templates.count(t.template_id)) continue;
    keep_person(t.responsible);
    keep_person(t.performer);
    tasks.insert(t.id);
    d.tasks.push_back(t);
  }
  for (LocalTask t : all.local_tasks) {
    if (!tasks.count(t.parent) || d.local_tasks.size() >= 2) continue;
    keep_person(t.responsible);
    keep_person(t.performer);
    shorten(t.title);
    shorten(t.description);
    d.local_tasks.push_back(t);
  }
  for (Message m : all.messages) {
    if (!users.count(m.author) || d.messages.size() >= 3) continue;
    if (m.target.task && !tasks.count(*m.target.task)) continue;
    if (m.target.project && *m.target.project != p.id) continue;
    if (m.target.wave && std::none_of(d.waves.begin(), d.waves.end(), [&](auto& w) { return w.id == *m.target.wave; }))
      continue;
    shorten(m.text);
    d.messages.push_back(m);
  }
  for (const Attachment& a : all.attachments)
    if (tasks.count(a.task) && users.count(a.uploaded_by) && a.size < 200 && d.attachments.size() < 1)
      d.attachments.push_back(a);
  for (InternalNote n : all.internal_notes) {
    if (!tasks.count(n.task) || d.internal_notes.size() >= 2) continue;
    shorten(n.text);
    d.internal_notes.push_back(n);
  }
  // Content the cut may have missed: a message, a note and an attachment on the first task.
  const Task& first = d.tasks.front();
  const User& author = *std::find_if(d.users.begin(), d.users.end(), [&](const User& u) {
    return u.side == Side::Municipality && u.municipality == first.municipality;
  });
  if (d.messages.empty())
    d.messages.push_back(Message{MessageId(1), MessageTarget{first.id, {}, {}}, author.id, Side::Municipality,
                                 Timestamp(1735725600), "Hvem har ansvaret? Æ Ø Å"});
  if (d.internal_notes.empty()) d.internal_notes.push_back(InternalNote{first.id, "Ring til Ålborg først"});
  if (d.attachments.empty())
    d.attachments.push_back(
        Attachment{AttachmentId(1), first.id, "plan.txt", "text/plain", 5, author.id, Timestamp(1735725600), "plan\n"});
  require_valid(d);
  return d;
}

void sqlite_exec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK || sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
    std::exit(1);
  }
  sqlite3_close(db);
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds <corpus directory>\n");
    return 2;
  }
  const fs::path out = argv[1];
  const Dataset d = small_world();
  write(out / "dataset_json" / "small.json", to_json(d));
  write(out / "dataset_json" / "empty.json", to_json(Dataset{}));
  write(out / "entity_json" / "municipality.json", to_json(d.municipalities.front()));
  write(out / "entity_json" / "project.json", to_json(d.projects.front()));
  if (!d.waves.empty()) write(out / "entity_json" / "wave.json", to_json(d.waves.front()));
  write(out / "entity_json" / "template.json", to_json(d.templates.front()));
  write(out / "entity_json" / "task.json", to_json(d.tasks.front()));
  if (!d.local_tasks.empty()) write(out / "entity_json" / "local_task.json", to_json(d.local_tasks.front()));
  for (const User& u : d.users) {  // the first of each side
    const fs::path f =
        out / "entity_json" / (u.side == Side::Municipality ? "user_municipality.json" : "user_kombit.json");
    if (!fs::exists(f)) write(f, to_json(u));
  }
  if (!d.messages.empty()) write(out / "entity_json" / "message.json", to_json(d.messages.front()));
  if (!d.attachments.empty()) write(out / "entity_json" / "attachment.json", to_json(d.attachments.front()));
  if (!d.internal_notes.empty()) write(out / "entity_json" / "internal_note.json", to_json(d.internal_notes.front()));

  // The SQLite seed: small pages, then klik's schema and the small world, vacuumed.
  const fs::path tmp = fs::temp_directory_path() / "klik-fuzz-seed.sqlite";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(tmp.string() + suffix);
  sqlite_exec(tmp.string(), "PRAGMA page_size = 512; VACUUM;");
  {
    auto store = open_sqlite_store(tmp.string());
    store->import_dataset(d);
    // A few journaled writes of different kinds, by a user at a fixed instant.
    const Task& task = d.tasks.front();
    const User& user = *std::find_if(d.users.begin(), d.users.end(), [&](const User& u) {
      return u.side == Side::Municipality && u.municipality == task.municipality;
    });
    auto by = [&](const char* operation, std::int64_t second) {
      return Attribution{.actor = user.id, .operation = operation, .at = Timestamp(1735725600 + second)};
    };
    store->update_task(
        TaskUpdate{.task = task.id, .status = TaskStatus::Started, .responsible = std::optional(user.id)}, {},
        by("change_task", 1));
    store->set_internal_notes(task.id, "Husk mødet i Ærø", by("set_internal_notes", 2));
    store->add_message(Message{MessageId(0), MessageTarget{task.id, {}, {}}, user.id, Side::Municipality,
                               Timestamp(1735725603), "Færdig på fredag"},
                       {}, by("add_message", 3));
    User renamed = user;
    renamed.full_name += " Østergaard";
    store->put_user(renamed, 0, {}, by("edit_user", 4));
    if (!d.local_tasks.empty()) store->remove_local_task(d.local_tasks.front().id, 0, {}, by("delete_local_task", 5));
    int n = 0;
    for (const JournalEntry& e : store->journal())
      write(out / "journal_json" / ("entry" + std::to_string(++n) + "-" + e.operation + ".json"), to_json(e));
    store->close();
  }
  sqlite_exec(tmp.string(), "VACUUM;");
  write(out / "sqlite_open" / "small.sqlite", read(tmp));
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(tmp.string() + suffix);
  return 0;
}
