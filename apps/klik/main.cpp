// klik: the command line over klik's public API (docs/cli.md). Each subcommand is a
// few calls a host would make; the rules are the library's. Errors go to stderr on
// one line and end the program with a documented exit code.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <klik/klik.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stop_token>
#include <string>
#include <thread>

#include "mail.hpp"
#include "serve.hpp"

namespace {

using klik::Date;

// Exit codes (docs/cli.md): 0 done; 1 `check` found problems; 2 the command line is
// wrong; 10 + klik::ErrorCode for an error from the library (10 invalid input, 11 not
// found, 12 already exists, 13 permission denied, 14 failed precondition, 15
// conflict, 16 storage, 17 a bug in klik); 3 anything else (out of memory, a file
// that cannot be written).
constexpr int exit_problems = 1;
constexpr int exit_usage = 2;
constexpr int exit_other = 3;
constexpr int exit_klik_base = 10;

/// An error the command line itself finds (a file it cannot read, a missing user).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Progress on long work: when stderr is a terminal, the phase and the seconds it has
/// taken, redrawn five times a second; otherwise nothing (scripts and CI stay quiet).
class Progress {
 public:
  Progress() : enabled_(::isatty(STDERR_FILENO) == 1) {}
  ~Progress() { stop(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Starts a phase ("generating 98 municipalities").
  void phase(std::string what) {
    stop();
    if (!enabled_) return;
    what_ = std::move(what);
    start_ = std::chrono::steady_clock::now();
    running_ = true;
    ticker_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      while (running_) {
        draw(false);
        wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return !running_; });
      }
    });
  }
  /// Ends the current phase, leaving its line with the time it took.
  void stop() {
    if (!ticker_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      running_ = false;
    }
    wake_.notify_all();
    ticker_.join();
    draw(true);
  }

 private:
  void draw(bool done) const {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    static constexpr const char* spin[] = {"|", "/", "-", "\\"};
    const auto tick = static_cast<std::size_t>(s * 5) % 4;
    std::fprintf(stderr, "\r\033[K%s %s %.1f s%s", done ? "done" : spin[tick], what_.c_str(), s, done ? "\n" : "");
    std::fflush(stderr);
  }

  bool enabled_;
  std::string what_;
  std::chrono::steady_clock::time_point start_;
  bool running_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread ticker_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

void write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw UsageError("cannot write " + path);
}

Date today_or(const std::string& date) {
  if (date.empty()) return klik::today_in_copenhagen(klik::SystemClock{});
  return Date::parse(date);
}

const klik::User& viewer(const klik::World& w, const std::string& email) {
  const klik::User* u = w.user_by_email(email);
  if (!u) throw klik::NotFoundError(klik::not_found_message(klik::ObjectKind::User));
  return *u;
}

std::string name_of(const klik::World& w, std::uint32_t user) {
  if (user == 0) return "";
  const klik::User* u = w.user(klik::UserId(user));
  return u ? u->email : "";
}

// ---- the subcommands ----------------------------------------------------------

struct Common {
  std::string db;
  std::string date;
};

void add_db(CLI::App& cmd, Common& c) {
  cmd.add_option("--db", c.db, "the database: a SQLite file, or a postgresql:// URL")->required();
}
void add_date(CLI::App& cmd, Common& c) {
  cmd.add_option("--date", c.date, "the day to judge colours on (YYYY-MM-DD; default: today in Copenhagen)");
}

/// Loads `data` into the database `db`, which must hold no task unless `replace`.
void import_into(const std::string& db, const klik::Dataset& data, bool replace, Progress& progress) {
  progress.phase("opening " + db);
  const auto store = klik::open_store(db);
  if (!replace && store->snapshot()->task_count() != 0)
    throw UsageError(db + " already holds tasks: --replace replaces them");
  progress.phase("importing " + std::to_string(data.tasks.size()) + " tasks");
  store->import_dataset(data);
}

int generate(const Common& c, const klik::synthetic::Options& options, const std::string& json_out, bool replace) {
  Progress progress;
  progress.phase("generating " + std::to_string(options.municipalities) + " municipalities");
  const klik::Dataset data = klik::synthetic::generate(options);
  progress.stop();
  if (!json_out.empty()) {
    progress.phase("writing " + std::to_string(data.tasks.size()) + " tasks as JSON");
    write_output(json_out, klik::to_json(data) + "\n");
  }
  if (!c.db.empty()) {
    import_into(c.db, data, replace, progress);
  }
  progress.stop();
  std::fprintf(stderr, "klik generate: %zu municipalities, %zu projects, %zu tasks, %zu users\n",
               data.municipalities.size(), data.projects.size(), data.tasks.size(), data.users.size());
  return 0;
}

int import(const Common& c, const std::string& file, bool replace) {
  Progress progress;
  progress.phase("reading " + file);
  const klik::Dataset data = klik::from_json<klik::Dataset>(read_file(file));
  import_into(c.db, data, replace, progress);
  progress.stop();
  std::fprintf(stderr, "klik import: %zu tasks, %zu users into %s\n", data.tasks.size(), data.users.size(),
               c.db.c_str());
  return 0;
}

int export_(const Common& c, const std::string& out, bool credentials) {
  Progress progress;
  progress.phase("reading " + c.db);
  const auto store = klik::open_store(c.db);
  const klik::Dataset data = store->export_dataset(credentials);
  progress.phase("writing " + std::to_string(data.tasks.size()) + " tasks as JSON");
  write_output(out, klik::to_json(data, 2) + "\n");
  return 0;
}

enum class Format { Table, Json, Csv };

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

/// `text` cut or padded to `width` characters (UTF-8 aware, so Danish letters line up).
std::string cell(std::string_view text, std::size_t width) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size() && chars < width; ++chars) {
    const auto b = static_cast<unsigned char>(text[i]);
    const std::size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    out.append(text.substr(i, len));
    i += len;
  }
  out.append(width - chars, ' ');
  return out;
}

int query(const Common& c, const std::string& email, const std::string& text, Format format,
          std::optional<std::size_t> limit) {
  const auto store = klik::open_store(c.db);
  const Date today = today_or(c.date);
  const klik::TaskQuery q = klik::parse_task_query(text);
  const klik::Snapshot snap = store->snapshot();
  const klik::World& w = snap.world();
  const klik::TaskColumns rows = klik::task_columns(w, klik::RightsModel::default_model(), viewer(w, email), q, today);
  const std::size_t n = limit ? std::min(*limit, rows.size()) : rows.size();
  std::string out;
  const auto municipality = [&](std::size_t i) {
    const klik::Municipality* m = w.municipality(klik::MunicipalityId(rows.municipality[i]));
    return m ? m->name : std::string();
  };
  const auto project = [&](std::size_t i) {
    const klik::Project* p = w.project(klik::ProjectId(rows.project[i]));
    return p ? p->name : std::string();
  };
  if (format == Format::Csv)
    out += "task,local_task,municipality,project,title,status,priority,colour,end,responsible,performer\n";
  for (std::size_t i = 0; i < n; ++i) {
    const std::string end = Date::from_serial(rows.end[i]).iso();
    switch (format) {
      case Format::Csv:
        out += std::to_string(rows.task[i]) + "," + (rows.local[i] ? std::to_string(rows.local[i]) : "") + "," +
               csv_field(municipality(i)) + "," + csv_field(project(i)) + "," + csv_field(rows.title(i)) + "," +
               std::string(klik::code(rows.status[i])) + "," + std::string(klik::code(rows.priority[i])) + "," +
               std::string(klik::code(rows.colour[i])) + "," + end + "," + name_of(w, rows.responsible[i]) + "," +
               name_of(w, rows.performer[i]) + "\n";
        break;
      case Format::Json: {
        nlohmann::json row = {
            {"task", rows.task[i]},
            {"local_task", rows.local[i] ? nlohmann::json(rows.local[i]) : nlohmann::json()},
            {"municipality", municipality(i)},
            {"project", project(i)},
            {"title", rows.title(i)},
            {"status", klik::code(rows.status[i])},
            {"priority", klik::code(rows.priority[i])},
            {"colour", klik::code(rows.colour[i])},
            {"end", end},
            {"responsible", rows.responsible[i] ? nlohmann::json(name_of(w, rows.responsible[i])) : nlohmann::json()},
            {"performer", rows.performer[i] ? nlohmann::json(name_of(w, rows.performer[i])) : nlohmann::json()}};
        out += row.dump() + "\n";
        break;
      }
      case Format::Table:
        out += cell(klik::danish(rows.colour[i]), 6) + " " + cell(klik::danish(rows.status[i]), 15) + " " + end + "  " +
               cell(rows.title(i), 48) + " " + cell(municipality(i), 16) + " " +
               cell(klik::danish(rows.priority[i]), 26) + "\n";
        break;
    }
  }
  write_output("-", out);
  if (format == Format::Table)
    std::fprintf(stderr, "%zu of %zu tasks (%s, as %s on %s)\n", n, rows.size(), klik::to_text(q).c_str(),
                 email.c_str(), today.iso().c_str());
  return 0;
}

int quick_status(const Common& c, const std::string& email, const std::string& text, bool json) {
  const auto store = klik::open_store(c.db);
  const Date today = today_or(c.date);
  const klik::Snapshot snap = store->snapshot();
  const klik::World& w = snap.world();
  const klik::ColourCounts counts =
      klik::quick_status(w, klik::RightsModel::default_model(), viewer(w, email), klik::parse_task_query(text), today);
  if (json) {
    nlohmann::json out = nlohmann::json::object();
    for (klik::DeadlineColour k : klik::all_values<klik::DeadlineColour>()) out[std::string(klik::code(k))] = counts[k];
    out["total"] = counts.total();
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  for (klik::DeadlineColour k : klik::all_values<klik::DeadlineColour>())
    std::printf("%s %zu\n", cell(klik::danish(k), 8).c_str(), counts[k]);
  std::printf("%s %zu\n", cell("I alt", 8).c_str(), counts.total());
  return 0;
}

int explain_colour(const Common& c, std::uint32_t task_id, bool json) {
  const auto store = klik::open_store(c.db);
  const Date today = today_or(c.date);
  const klik::Snapshot snap = store->snapshot();
  const klik::World& w = snap.world();
  const std::optional<klik::ColourExplanation> found = klik::explain_task_colour(w, klik::TaskId(task_id), today);
  if (!found) throw klik::not_found(klik::ObjectKind::Task);
  const klik::ColourExplanation& e = *found;
  const std::string title = w.task_template(w.task(klik::TaskId(task_id))->template_id)->title;
  if (json) {
    nlohmann::json out = {{"task", task_id},
                          {"colour", klik::code(e.colour)},
                          {"status", klik::code(e.status)},
                          {"today", e.today.iso()},
                          {"latest_start", e.dates.latest_start.iso()},
                          {"end", e.dates.end.iso()},
                          {"workdays_to_latest_start", e.workdays_to_latest_start},
                          {"workdays_to_end", e.workdays_to_end},
                          {"rule", e.rule},
                          {"text", e.text}};
    if (e.next_change)
      out["next_change"] = {{"date", e.next_change->date.iso()}, {"colour", klik::code(e.next_change->to)}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("%s: %s\n%s\n", title.c_str(), std::string(klik::danish(e.colour)).c_str(), e.text.c_str());
  return 0;
}

int explain_right(const Common& c, const std::string& email, const std::string& action, std::uint32_t task_id,
                  bool json) {
  const auto store = klik::open_store(c.db);
  const klik::Snapshot snap = store->snapshot();
  const klik::World& w = snap.world();
  const klik::User& actor = viewer(w, email);
  const klik::Action a = klik::parse_action(action);
  klik::Decision d;
  const std::optional<klik::Task> task = w.task(klik::TaskId(task_id));
  if (!task) {
    // Exactly what a task of another municipality answers: the one not-found.
    d.outcome = klik::Outcome::NotFound;
    d.rule = "not_visible";
    d.reason = klik::not_found_message(klik::ObjectKind::Task);
  } else {
    d = klik::RightsModel::default_model().decide(actor, a, klik::task_facts(*task, *w.project_of(task->id)),
                                                  w.projects());
  }
  if (d.outcome == klik::Outcome::NotFound) throw klik::not_found(klik::ObjectKind::Task);
  if (json) {
    std::printf("%s\n", nlohmann::json({{"outcome", klik::code(d.outcome)},
                                        {"rule", d.rule},
                                        {"reason", d.reason},
                                        {"nearest", d.nearest},
                                        {"nearest_rule", d.nearest_rule}})
                            .dump()
                            .c_str());
    return 0;
  }
  std::printf("%s (%s)\n%s\n", std::string(klik::code(d.outcome)).c_str(), d.rule.c_str(), d.reason.c_str());
  if (!d.nearest.empty()) std::printf("nearest: %s\n", d.nearest.c_str());
  return 0;
}

/// A task as a PDF file (pdf.hpp) for a viewer named by user id or e-mail.
int export_pdf(const Common& c, const std::string& viewer_text, std::uint32_t task_id, const std::string& out) {
  const auto store = klik::open_store(c.db);
  const Date today = today_or(c.date);
  klik::UserId viewer_id;
  {
    const klik::Snapshot snap = store->snapshot();
    std::uint32_t id = 0;
    const auto [end, ec] = std::from_chars(viewer_text.data(), viewer_text.data() + viewer_text.size(), id);
    viewer_id = ec == std::errc() && end == viewer_text.data() + viewer_text.size()
                    ? klik::UserId(id)
                    : viewer(snap.world(), viewer_text).id;
  }
  write_output(out, klik::export_pdf(*store, viewer_id, klik::TaskId(task_id), today));
  return 0;
}

int sweep(const Common& c, bool dry_run) {
  const auto store = klik::open_store(c.db);
  const Date day = today_or(c.date);
  if (dry_run) {
    const klik::SweepTransitions t = klik::sweep_transitions(*store, day);
    std::printf("klik sweep --dry-run on %s: %zu colours would change, %zu notifications\n", day.iso().c_str(),
                t.changes(), t.rises());
    return 0;
  }
  const klik::OutboxSweep done =
      klik::sweep_to_outbox(*store, day, c.date.empty() ? klik::SystemClock{}.now() : klik::FixedClock(day).now());
  std::printf("klik sweep on %s: %zu tasks judged, %zu colours changed, %zu notifications in the outbox\n",
              day.iso().c_str(), done.tasks, done.colour_changes, done.events);
  return 0;
}

/// Blocks SIGINT and SIGTERM in every thread and requests `stop` from a thread of
/// its own when one arrives (as klik serve does); the returned thread must be joined.
std::jthread stop_on_signal(std::stop_source stop) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return std::jthread([signals, stop](std::stop_token self) mutable {
    // Wakes every 100 ms to notice when the dispatcher ended on its own.
    const timespec tick{0, 100'000'000};
    while (!self.stop_requested()) {
      if (sigtimedwait(&signals, nullptr, &tick) > 0) {
        stop.request_stop();
        return;
      }
    }
  });
}

int dispatch(const Common& c, const std::string& jsonl, const klik_app::MailOptions& mail, bool service,
             bool requeue_dead) {
  if (jsonl.empty() == mail.smtp.empty())
    throw UsageError("give exactly one of --jsonl FILE and --smtp URL: where to deliver");
  const auto store = klik::open_store(c.db);
  if (requeue_dead) {
    // An operator's retry once the cause is mended: every dead letter is due again now.
    std::size_t requeued = 0;
    for (std::vector<klik::Notification> dead; !(dead = store->dead_letters(1000)).empty();) {
      std::vector<std::uint64_t> ids;
      for (const klik::Notification& n : dead) ids.push_back(n.id);
      store->requeue(ids, klik::SystemClock{}.now());
      requeued += ids.size();
    }
    std::printf("klik dispatch: %zu dead letters requeued\n", requeued);
  }
  std::unique_ptr<klik::Notifier> notifier;
  std::string where = jsonl;
  if (!jsonl.empty()) {
    notifier = std::make_unique<klik::JsonLinesNotifier>(jsonl);
  } else {
    notifier = klik_app::make_smtp_notifier(*store, mail);
    where = klik::describe_smtp_url(mail.smtp);
  }
  std::atomic<std::size_t> failed = 0;
  klik::Dispatcher dispatcher(*store, *notifier, klik_app::dispatcher_options(mail),
                              [&](const klik::Notification& n, const std::string& error) {
                                // One line per failure: the entry and the error, never credentials.
                                ++failed;
                                std::fprintf(stderr, "klik dispatch: entry %llu (%s): %s\n",
                                             static_cast<unsigned long long>(n.id), n.event.c_str(), error.c_str());
                              });
  if (!service) {
    const std::size_t sent = dispatcher.drain(klik::SystemClock{}.now());
    const klik::OutboxCounts counts = store->outbox_counts(klik::SystemClock{}.now());
    std::printf("klik dispatch: %zu delivered to %s, %zu failed (%llu waiting to be retried, %llu dead letters)\n",
                sent, where.c_str(), failed.load(), static_cast<unsigned long long>(counts.pending),
                static_cast<unsigned long long>(counts.dead));
    return failed ? exit_problems : 0;
  }
  std::stop_source stop;
  std::jthread watcher = stop_on_signal(stop);
  std::printf("klik dispatch: delivering to %s every %d ms until SIGINT or SIGTERM\n", where.c_str(), mail.interval_ms);
  std::fflush(stdout);
  const std::size_t sent =
      dispatcher.run(stop.get_token(), std::chrono::milliseconds(mail.interval_ms), klik::SystemClock{});
  watcher.request_stop();
  std::printf("klik dispatch: stopped; %zu delivered, %zu failed deliveries (retried later or dead letters)\n", sent,
              failed.load());
  return 0;
}

int migrate(const Common& c) {
  if (klik::is_postgres_url(c.db)) {
    (void)klik::open_store(c.db);  // migrates on open
    std::printf("klik migrate: %s is at the current schema\n", c.db.c_str());
    return 0;
  }
  klik::SqliteOptions ro;
  ro.read_only = true;
  ro.create = false;
  const int before = klik::open_sqlite_store(c.db, ro)->schema_version();
  klik::SqliteOptions rw;
  rw.create = false;
  const int after = klik::open_sqlite_store(c.db, rw)->schema_version();
  if (before == after)
    std::printf("klik migrate: %s is at schema version %d, the current one\n", c.db.c_str(), after);
  else
    std::printf("klik migrate: %s migrated from schema version %d to %d\n", c.db.c_str(), before, after);
  return 0;
}

int check(const Common& c) {
  std::unique_ptr<klik::Store> store;
  if (klik::is_postgres_url(c.db)) {
    store = klik::open_store(c.db);
  } else {
    klik::SqliteOptions ro;  // read-only: checking never changes the file, nor migrates it
    ro.read_only = true;
    ro.create = false;
    store = klik::open_sqlite_store(c.db, ro);  // validates every row as it loads (docs/store.md)
  }
  const klik::Dataset data = store->export_dataset();
  const std::vector<klik::Violation> problems = klik::validate(data);
  for (const klik::Violation& v : problems) std::printf("%s: %s\n", v.path.c_str(), v.message.c_str());
  std::printf("klik check: %s: %zu tasks, %zu users, %zu problems\n", c.db.c_str(), data.tasks.size(),
              data.users.size(), problems.size());
  return problems.empty() ? 0 : exit_problems;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"klik: KLIK's implementation tasks from the command line (docs/cli.md)", "klik"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(klik::version()));
  Common c;
  std::string subcommand_name;

  auto* gen = app.add_subcommand("generate", "generate the synthetic national world into a database or JSON");
  klik::synthetic::Options options;
  std::string json_out;
  bool replace = false;
  gen->add_option("--db", c.db, "write it into this database (SQLite file or postgresql:// URL)");
  gen->add_option("--json", json_out, "write it as JSON to this file (- for stdout)");
  gen->add_option("--municipalities", options.municipalities, "how many municipalities (1-98)")
      ->check(CLI::Range(1, 98));
  gen->add_option("--scale", options.scale, "multiplies the number of projects (12 at 1.0)")
      ->check(CLI::Range(0.01, 100.0));
  gen->add_option("--seed", options.seed, "the generator's seed: same seed, same world");
  gen->add_flag("--replace", replace, "replace what the database holds");
  bool no_content = false;
  gen->add_flag("--no-content", no_content, "no messages, notes or attachments");

  auto* imp = app.add_subcommand("import", "load a dataset (JSON, docs/json.md) into a database");
  std::string file;
  add_db(*imp, c);
  imp->add_option("file", file, "the dataset's JSON file")->required();
  imp->add_flag("--replace", replace, "replace what the database holds");

  auto* exp = app.add_subcommand("export", "write a database's whole world as JSON (docs/json.md)");
  std::string out = "-";
  bool credentials = false;
  add_db(*exp, c);
  exp->add_option("-o,--out", out, "the file to write (default: stdout)");
  exp->add_flag("--with-credentials", credentials, "include password hashes");

  auto* qry = app.add_subcommand("query", "a user's task list for a query (docs/query.md), every row");
  std::string email, text;
  bool as_json = false, as_csv = false;
  std::optional<std::size_t> limit;
  add_db(*qry, c);
  add_date(*qry, c);
  qry->add_option("--as", email, "the viewer's e-mail: the list is what they may see")->required();
  qry->add_option("query", text, "the query text, e.g. \"status = started and colour = red\"");
  auto* json_flag = qry->add_flag("--json", as_json, "one JSON object per row");
  qry->add_flag("--csv", as_csv, "CSV with a header row")->excludes(json_flag);
  qry->add_option("--limit", limit, "at most this many rows");

  auto* qs = app.add_subcommand("quick-status", "a user's quick status: tasks by deadline colour");
  add_db(*qs, c);
  add_date(*qs, c);
  qs->add_option("--as", email, "the viewer's e-mail")->required();
  qs->add_option("query", text, "a query the counts are restricted to");
  qs->add_flag("--json", as_json, "as one JSON object");

  auto* explain = app.add_subcommand("explain", "why a task has its colour, or why a user may or may not act");
  explain->require_subcommand(1);
  auto* colour = explain->add_subcommand("colour", "a task's deadline colour and the rule behind it");
  std::uint32_t task_id = 0;
  add_db(*colour, c);
  add_date(*colour, c);
  colour->add_option("task", task_id, "the task's id")->required();
  colour->add_flag("--json", as_json, "as one JSON object");
  auto* right = explain->add_subcommand("right", "the rights model's decision, its rule and reason");
  std::string action;
  add_db(*right, c);
  right->add_option("--as", email, "the acting user's e-mail")->required();
  right->add_option("action", action, "the action's code, e.g. edit_status (docs/rights.md)")->required();
  right->add_option("task", task_id, "the task's id")->required();
  right->add_flag("--json", as_json, "as one JSON object");

  auto* pdf = app.add_subcommand("export-pdf", "a task as its viewer may see it, as a PDF file (docs/pdf.md)");
  std::string viewer_text, pdf_out;
  add_db(*pdf, c);
  add_date(*pdf, c);
  pdf->add_option("--viewer,--as", viewer_text, "the viewer: a user id or e-mail")->required();
  pdf->add_option("--task", task_id, "the task's id")->required();
  pdf->add_option("-o,--out", pdf_out, "the PDF file to write (- for stdout)")->required();

  auto* swp = app.add_subcommand("sweep", "the daily deadline sweep: notifications into the outbox");
  bool dry_run = false;
  add_db(*swp, c);
  add_date(*swp, c);
  swp->add_flag("--dry-run", dry_run, "only count what it would change");

  auto* dsp = app.add_subcommand("dispatch", "deliver the outbox's due notifications: e-mail or JSON lines");
  std::string jsonl;
  bool service = false;
  klik_app::MailOptions mail;
  add_db(*dsp, c);
  dsp->add_option("--jsonl", jsonl, "append them to this JSON-lines file");
  klik_app::add_mail_options(*dsp, mail);
  dsp->add_flag("--service", service, "keep running: deliver what falls due until SIGINT or SIGTERM");
  bool requeue_dead = false;
  dsp->add_flag("--requeue-dead", requeue_dead, "first make every dead letter due again (the cause is mended)");

  auto* mig = app.add_subcommand("migrate", "bring a database's schema to this version of klik");
  add_db(*mig, c);

  auto* chk = app.add_subcommand("check", "validate a database: every row, every reference, read-only");
  add_db(*chk, c);

  auto* srv = app.add_subcommand("serve", "the portal service: the HTTP JSON API (docs/portal.md)");
  klik_app::ServeOptions serve_options;
  srv->add_option("--db", serve_options.db, "the database: a SQLite file, or a postgresql:// URL")->required();
  srv->add_option("--port", serve_options.port, "the port (0: any free one, printed on stdout)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  srv->add_option("--bind", serve_options.bind, "the address to listen on (TLS ends at a reverse proxy)")
      ->capture_default_str();
  srv->add_option("--threads", serve_options.threads, "worker threads: the most connections answered at once")
      ->check(CLI::Range(1u, 1024u))
      ->capture_default_str();
  srv->add_option("--follow-ms", serve_options.follow_ms,
                  "SQLite: how often (ms) reads look for other processes' commits (0: every read)")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  srv->add_option("--date", serve_options.date, "judge colours on this day (YYYY-MM-DD) instead of today");
  srv->add_flag("--demo", serve_options.demo, "give a few demo users a fresh password, printed once on stdout");
  srv->add_flag("--secure-cookies", serve_options.secure_cookies, "mark the session cookie Secure (behind TLS)");
  srv->add_option("--max-body", serve_options.max_body_bytes, "the largest request body in bytes")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->capture_default_str();
  klik_app::add_mail_options(*srv, serve_options.mail);
  srv->add_option("--idle-minutes", serve_options.idle_minutes,
                  "a session unused this long ends (fractions too: 0.5 is 30 s)")
      ->check(CLI::Range(0.01, 24.0 * 60))
      ->capture_default_str();

  // "query", "explain right": the subcommands given, for one-line error messages.
  const auto name = [&] {
    std::string n;
    for (const CLI::App* s = &app; s && !s->get_subcommands().empty();) {
      s = s->get_subcommands().front();
      n += (n.empty() ? "" : " ") + s->get_name();
    }
    return n;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string where = name();
    std::fprintf(stderr, "klik%s%s: %s (klik %s%s--help explains)\n", where.empty() ? "" : " ", where.c_str(), e.what(),
                 where.c_str(), where.empty() ? "" : " ");
    return exit_usage;
  }

  try {
    options.content = !no_content;
    const Format format = as_json ? Format::Json : as_csv ? Format::Csv : Format::Table;
    if (*gen) {
      if (c.db.empty() && json_out.empty()) throw UsageError("say where: --db and/or --json");
      return generate(c, options, json_out, replace);
    }
    if (*imp) return import(c, file, replace);
    if (*exp) return export_(c, out, credentials);
    if (*qry) return query(c, email, text, format, limit);
    if (*qs) return quick_status(c, email, text, as_json);
    if (*colour) return explain_colour(c, task_id, as_json);
    if (*right) return explain_right(c, email, action, task_id, as_json);
    if (*pdf) return export_pdf(c, viewer_text, task_id, pdf_out);
    if (*swp) return sweep(c, dry_run);
    if (*dsp) return dispatch(c, jsonl, mail, service, requeue_dead);
    if (*mig) return migrate(c);
    if (*chk) return check(c);
    if (*srv) return klik_app::serve(serve_options);
  } catch (const klik::Error& e) {
    std::fprintf(stderr, "klik %s: %s\n", name().c_str(), e.what());
    return exit_klik_base + static_cast<int>(e.code());
  } catch (const UsageError& e) {
    std::fprintf(stderr, "klik %s: %s\n", name().c_str(), e.what());
    return exit_usage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "klik %s: %s\n", name().c_str(), e.what());
    return exit_other;
  }
  return exit_usage;
}
