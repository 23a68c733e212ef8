// scripts/demo: generates the national dataset and prints a readable summary.
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <klik/journal.hpp>
#include <klik/klik.hpp>
#include <klik/notifier.hpp>
#include <klik/publishing.hpp>
#include <klik/query_engine.hpp>
#include <klik/simulate.hpp>
#include <klik/sqlite_store.hpp>
#include <klik/sweep.hpp>
#include <klik/workflows.hpp>
#include <klik/workflows_sweep.hpp>
#include <map>
#include <optional>
#include <string>
#include <thread>

namespace {

template <class E, class Count>
void print_counts(const char* title, const Count& counts, std::size_t total) {
  std::printf("\n%s\n", title);
  for (E v : klik::all_values<E>()) {
    const auto n = counts[static_cast<std::size_t>(v)];
    std::printf("  %-30s %9zu  %5.1f%%\n", std::string(klik::danish(v)).c_str(), n,
                total ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0);
  }
}

/// `text` cut or padded to `width` characters (UTF-8 aware, so Danish letters line up).
std::string cell(std::string_view text, std::size_t width) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size() && chars < width;) {
    std::size_t len = 1;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0xF0)
      len = 4;
    else if (c >= 0xE0)
      len = 3;
    else if (c >= 0xC0)
      len = 2;
    out.append(text.substr(i, len));
    i += len;
    ++chars;
  }
  out.append(width - chars, ' ');
  return out;
}

void print_colours(const char* who, const klik::ColourCounts& c) {
  std::printf("  %s", cell(who, 34).c_str());
  for (klik::DeadlineColour k : klik::all_values<klik::DeadlineColour>())
    std::printf(" %s %-7zu", std::string(klik::danish(k)).c_str(), c[k]);
  std::printf("\n");
}

/// The first municipality user who is Plusbruger on their first project: the
/// demo's municipal viewer.
const klik::User* first_plusbruger(const klik::Snapshot& snap) {
  for (const klik::User* u : snap->users())
    if (u->side == klik::Side::Municipality && !u->memberships.empty() &&
        u->memberships[0].type == klik::UserType::Plus)
      return u;
  return nullptr;
}

void print_task_lists(const klik::Store& store, klik::Date today) {
  using namespace klik;
  const RightsModel& rights = RightsModel::default_model();
  const Snapshot snap = store.snapshot();
  const User* kombit = nullptr;
  for (const User* u : snap->users())
    if (u->side == Side::Kombit && u->administrator) kombit = u;
  const User* plus = first_plusbruger(snap);
  std::printf("\nTask lists on %s (from the store's indexes)\n\nQuick status\n", today.iso().c_str());
  print_colours("Nationally (KOMBIT, KLIK tasks)", quick_status(snap.world(), rights, *kombit, {}, today));
  const Municipality* home = snap->municipality(*plus->municipality);
  print_colours((home->name + " (a Plusbruger's view)").c_str(), quick_status(snap.world(), rights, *plus, {}, today));

  const ProjectId project = plus->memberships[0].project;
  const TaskQuery q = parse_task_query("project = " + std::to_string(project.value()) +
                                       " and status in (not_started, started) order by end_date limit 10");
  const TaskPage page = list_tasks(snap.world(), rights, *plus, q, today);
  std::printf("\n%s, Plusbruger in %s: %s\n  (%zu tasks match; first page)\n", plus->full_name.c_str(),
              home->name.c_str(), to_text(q).c_str(), page.total);
  for (const TaskRow& r : page.rows)
    std::printf("  %s %s %s %s %s\n", cell(danish(r.colour), 5).c_str(), cell(danish(r.status), 15).c_str(),
                cell(r.title, 42).c_str(), cell(danish(r.priority), 27).c_str(), r.end.iso().c_str());

  const auto per = status_by_municipality(snap.world(), rights, *kombit, project, today);
  std::vector<const MunicipalityStatus*> top;
  for (const auto& m : per) top.push_back(&m);
  std::sort(top.begin(), top.end(), [](const MunicipalityStatus* a, const MunicipalityStatus* b) {
    const auto ra = a->count(DeadlineColour::Red, Priority::CriticalPath);
    const auto rb = b->count(DeadlineColour::Red, Priority::CriticalPath);
    return ra != rb ? ra > rb : a->municipality < b->municipality;
  });
  std::printf("\nKOMBIT: most red critical-path tasks on %s\n", snap->project(project)->name.c_str());
  for (std::size_t i = 0; i < top.size() && i < 10; ++i)
    std::printf("  %2zu. %s %4zu red on the critical path, %4zu red mandatory\n", i + 1,
                cell(snap->municipality(top[i]->municipality)->name, 18).c_str(),
                top[i]->count(DeadlineColour::Red, Priority::CriticalPath),
                top[i]->count(DeadlineColour::Red, Priority::Mandatory));
}

/// What-if (issue 10): what a KOMBIT user sees before moving a rollout wave's
/// deadlines: red tasks today and in four weeks, the tasks that would turn red,
/// the notifications the sweep would send, and the municipalities hit hardest.
void print_what_if(klik::Store& store, const klik::Dataset& world, klik::Date today) {
  using namespace klik;
  constexpr std::int32_t by = -10;
  // The wave whose municipalities hold the most tasks of its project.
  std::map<std::pair<ProjectId, MunicipalityId>, std::size_t> tasks_of;
  for (const Task& t : world.tasks) ++tasks_of[{world.templates[t.template_id.value() - 1].project, t.municipality}];
  const RolloutWave* wave = nullptr;
  std::size_t most = 0;
  for (const RolloutWave& w : world.waves) {
    std::size_t n = 0;
    for (MunicipalityId m : w.members) n += tasks_of[{w.project, m}];
    if (n > most) wave = &w, most = n;
  }
  if (!wave) return;
  const User& admin = *std::find_if(world.users.begin(), world.users.end(),
                                    [](const User& u) { return u.side == Side::Kombit && u.administrator; });
  const FixedClock clock(today);
  const Publishing kombit(store, clock);
  const Date later = today + 28;
  const auto s0 = std::chrono::steady_clock::now();
  const Simulation sim = kombit.simulate(admin.id, Scenario{}.shift_wave(wave->id, by), later);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count();
  const std::string project = std::find_if(world.projects.begin(), world.projects.end(), [&](const Project& p) {
                                return p.id == wave->project;
                              })->name;
  std::printf("\nWhat-if: KOMBIT moves %s of %s %d working days earlier (%zu municipalities)\n", wave->name.c_str(),
              project.c_str(), -by, wave->members.size());
  std::printf("  %zu tasks would move; judged today and on %s, nothing written (%.1f ms)\n", sim.affected,
              later.iso().c_str(), ms);
  std::array<std::array<std::size_t, 4>, 4> red{};  // [today before, today after, later before, later after][priority]
  std::map<MunicipalityId, std::ptrdiff_t> worse;  // new red critical-path and mandatory tasks today
  for (const SimulatedGroup& g : sim.by_municipality) {
    const auto p = static_cast<std::size_t>(g.priority);
    red[0][p] += g.today.before[DeadlineColour::Red], red[1][p] += g.today.after[DeadlineColour::Red];
    red[2][p] += g.on->before[DeadlineColour::Red], red[3][p] += g.on->after[DeadlineColour::Red];
    if (g.priority == Priority::CriticalPath || g.priority == Priority::Mandatory)
      worse[g.municipality] += g.today.change(DeadlineColour::Red);
  }
  std::printf("  %s %-16s  %s\n", cell("red, of the tasks that move", 30).c_str(), "   today", later.iso().c_str());
  for (Priority p : all_values<Priority>()) {
    const auto i = static_cast<std::size_t>(p);
    if (p == Priority::Local) continue;  // never a KLIK task's
    std::printf("  %s %6zu -> %-6zu  %6zu -> %zu\n", cell(danish(p), 30).c_str(), red[0][i], red[1][i], red[2][i],
                red[3][i]);
  }
  std::printf(
      "  %zu tasks would turn red today, %zu by %s; today's sweep would send %zu notifications for them "
      "(%zu without the move)\n",
      sim.red_today.size(), sim.red_on.size(), later.iso().c_str(), sim.sweep_events.size(),
      sim.sweep_events_without.size());
  std::vector<std::pair<MunicipalityId, std::ptrdiff_t>> hardest(worse.begin(), worse.end());
  std::sort(hardest.begin(), hardest.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::printf("  hardest hit today (new red critical-path and mandatory tasks):");
  for (std::size_t i = 0; i < hardest.size() && i < 5 && hardest[i].second > 0; ++i) {
    const auto m = std::find_if(world.municipalities.begin(), world.municipalities.end(),
                                [&](const Municipality& x) { return x.id == hardest[i].first; });
    std::printf("%s %s +%td", i ? "," : "", m->name.c_str(), hardest[i].second);
  }
  std::printf("\n");
}

/// A task's history (issue 10): a Plusbruger hands a red task to a colleague,
/// who starts it, writes to KOMBIT and completes it; the journal shows who did
/// what, and an as-of view shows the municipality's list as it was before.
/// The newest deadline notification as the e-mail its first recipient gets (docs/email.md),
/// written to klik-demo-mail.eml, and its task as that recipient's PDF (docs/pdf.md).
void print_mail_and_pdf(const klik::Store& store, klik::Date today) {
  const std::vector<klik::Notification> outbox = store.outbox();
  const auto entry = std::find_if(outbox.rbegin(), outbox.rend(), [](const klik::Notification& n) {
    return n.event.starts_with("deadline.") && !n.recipients.empty();
  });
  if (entry == outbox.rend()) return;
  const klik::MailSettings settings{{"klik@kombit.dk", "KOMBIT KLIK"}, "https://klik.kombit.dk", ""};
  std::vector<klik::Email> mails;
  {
    const klik::Snapshot snap = store.snapshot();
    mails = klik::compose_emails(snap.world(), *entry, klik::MailTemplates::default_templates(), settings);
  }
  if (mails.empty()) return;
  const klik::Email& mail = mails.front();
  std::ofstream("klik-demo-mail.eml", std::ios::binary) << klik::to_mime(mail);
  std::printf(
      "\nOne of them as e-mail (klik-demo-mail.eml; klik dispatch --smtp sends them):\n  To: %s <%s>\n"
      "  Subject: %s\n",
      mail.to.name.c_str(), mail.to.address.c_str(), mail.subject.c_str());
  const std::string task = entry->link.substr(entry->link.rfind('/') + 1);
  const std::string pdf = klik::export_pdf(store, entry->recipients.front(),
                                           klik::TaskId(static_cast<std::uint32_t>(std::stoul(task))), today);
  std::ofstream("klik-demo-task.pdf", std::ios::binary) << pdf;
  std::printf("  its task as %s may export it: klik-demo-task.pdf (%zu bytes; klik export-pdf does the same)\n",
              mail.to.name.c_str(), pdf.size());
}

void print_history(klik::Store& store, klik::Date today) {
  using namespace klik;
  const RightsModel& rights = RightsModel::default_model();
  const SystemClock clock;
  Workflows flows(store, clock);
  TaskQuery red;  // the project's red tasks
  UserId plus_id, colleague_id;
  TaskId task;
  std::string title, who, home;
  std::size_t red_before = 0;
  {  // read what to show; a thread holding a snapshot must not write, so this ends first
    const Snapshot snap = store.snapshot();
    const User* plus = first_plusbruger(snap);
    if (!plus) return;
    const ProjectId project = plus->memberships[0].project;
    red = parse_task_query("project = " + std::to_string(project.value()) + " and colour = red");
    const TaskPage page =
        list_tasks(snap.world(), rights, *plus,
                   parse_task_query("project = " + std::to_string(project.value()) +
                                    " and colour = red and status = not_started order by end_date limit 100"),
                   today);
    const auto row = std::find_if(page.rows.begin(), page.rows.end(), [](const TaskRow& r) { return !r.local; });
    const User* colleague = nullptr;
    for (const User* u : snap->users())
      if (u != plus && u->municipality == plus->municipality && u->type_on(project) == UserType::Standard) {
        colleague = u;
        break;
      }
    if (row == page.rows.end() || !colleague) return;
    plus_id = plus->id, colleague_id = colleague->id, task = row->task;
    title = row->title, who = plus->full_name, home = snap->municipality(*plus->municipality)->name;
    red_before = quick_status(snap.world(), rights, *plus, red, today)[DeadlineColour::Red];
  }

  // The journal keeps whole seconds: the writes below wait for the next second, so the
  // view as of `before` holds everything up to now (an import a moment ago included)
  // and none of them.
  const Timestamp before = clock.now();
  while (clock.now().unix_seconds() == before.unix_seconds())
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  flows.change_task(plus_id, {.task = task, .responsible = plus_id, .performer = colleague_id});
  flows.change_task(colleague_id, {.task = task, .status = TaskStatus::Started});
  flows.write_message(colleague_id, task, "Vi er i gang; testmiljøet er bestilt.");
  flows.change_task(colleague_id, {.task = task, .status = TaskStatus::Completed});

  const std::vector<JournalEntry> history = flows.task_history(plus_id, task, 6);
  const auto s0 = std::chrono::steady_clock::now();
  const std::unique_ptr<Store> then = store.as_of(before);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count();

  const Snapshot now = store.snapshot();
  std::printf("\nHistory of \"%s\" in %s, as %s (Plusbruger) sees it, newest first\n", title.c_str(), home.c_str(),
              who.c_str());
  const auto name = [&](const std::optional<UserId>& u) -> std::string {
    const User* x = u ? now->user(*u) : nullptr;
    return x ? x->full_name : "Ikke påført";
  };
  for (const JournalEntry& e : history) {
    std::string fields;
    for (const ObjectDelta& d : e.objects) {
      if (d.kind != JournalObject::Task || d.before.empty() || d.after.empty()) continue;
      const Task was = from_json<Task>(d.before), is = from_json<Task>(d.after);
      for (const std::string& f : changed_fields(d)) {
        std::string change = f;
        if (f == "status") change += ": " + std::string(danish(was.status)) + " -> " + std::string(danish(is.status));
        if (f == "responsible") change += ": " + name(was.responsible) + " -> " + name(is.responsible);
        if (f == "performer") change += ": " + name(was.performer) + " -> " + name(is.performer);
        fields += (fields.empty() ? "" : "; ") + change;
      }
    }
    const User* actor = e.actor ? now->user(*e.actor) : nullptr;
    std::printf("  %s  %s %s %s\n", e.at.iso().c_str(), cell(actor ? actor->full_name : "(system)", 20).c_str(),
                cell(e.operation, 12).c_str(), fields.c_str());
  }
  const Snapshot old = then->snapshot();  // another store: its own lock
  const User& viewer = *now->user(plus_id);
  std::printf(
      "  as of %s (a read-only view of the world, built in %.0f ms): the task was %s;\n"
      "  %s's list of the project held %zu red tasks then (%zu read live before the changes), %zu now\n",
      before.iso().c_str(), ms, std::string(danish(old->task(task)->status)).c_str(), who.c_str(),
      quick_status(old.world(), rights, *old->user(plus_id), red, today)[DeadlineColour::Red], red_before,
      quick_status(now.world(), rights, viewer, red, today)[DeadlineColour::Red]);
}

constexpr const char* usage_text =
    "usage: scripts/demo [SCALE] [--scale SCALE] [--db FILE] [--fresh] [--help]\n"
    "\n"
    "Generates KLIK's national dataset (98 municipalities) into a SQLite file, then shows\n"
    "what klik does with it: counts, deadline colours, task lists, the daily sweep, a task's\n"
    "history with an as-of view, a what-if.\n"
    "\n"
    "  SCALE, --scale SCALE  size of the world, 0.01-10 (1 = about 290,000 tasks,\n"
    "                        3.5 = about 1,000,000); default 1\n"
    "  --db FILE             the SQLite file to keep the world in; default\n"
    "                        klik-demo.sqlite at scale 1, klik-demo-<SCALE>.sqlite otherwise\n"
    "  --fresh               generate the world again even if FILE holds one\n"
    "  -h, --help            this text\n"
    "\n"
    "The first run generates and imports the world; later runs with the same FILE open it.\n";

struct Arguments {
  double scale = 1.0;
  std::string db;
  bool fresh = false;
};

/// The arguments, or an explanation of what was wrong with them.
std::optional<Arguments> parse_arguments(int argc, char** argv, std::string& error) {
  Arguments a;
  const auto scale = [&](std::string_view text) {
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || !(v >= 0.01 && v <= 10)) {
      error = "the scale must be a number from 0.01 to 10, not " + klik::excerpt(text, 20);
      return false;
    }
    a.scale = v;
    return true;
  };
  bool scale_seen = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      error.clear();
      return std::nullopt;
    }
    if (arg == "--fresh") {
      a.fresh = true;
    } else if (arg == "--scale" || arg == "--db") {
      if (i + 1 == argc) {
        error = std::string(arg) + " needs a value";
        return std::nullopt;
      }
      const std::string_view value = argv[++i];
      if (arg == "--db")
        a.db = value;
      else if (!scale(value))
        return std::nullopt;
      else
        scale_seen = true;
    } else if (!arg.starts_with("-") && !scale_seen) {
      if (!scale(arg)) return std::nullopt;
      scale_seen = true;
    } else {
      error = "unknown argument " + klik::excerpt(arg, 40);
      return std::nullopt;
    }
  }
  if (a.db.empty()) {
    char name[64];
    std::snprintf(name, sizeof name, "klik-demo-%g.sqlite", a.scale);
    a.db = a.scale == 1.0 ? "klik-demo.sqlite" : name;
  }
  return a;
}

int run(const Arguments& args);

}  // namespace

int main(int argc, char** argv) {
  std::string error = "?";
  const auto args = parse_arguments(argc, argv, error);
  if (!args) {
    if (error.empty()) {
      std::fputs(usage_text, stdout);
      return 0;
    }
    std::fprintf(stderr, "demo: %s\n\n%s", error.c_str(), usage_text);
    return 2;
  }
  try {
    return run(*args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "demo: %s\n", e.what());
    return 1;
  }
}

namespace {

int run(const Arguments& args) {
  // The demo keeps its world in a SQLite file: the first run generates the
  // national dataset and imports it; later runs open the file.
  klik::synthetic::Options options;
  options.scale = args.scale;
  const std::string db_path = args.db, events_path = "klik-demo-notifications.jsonl";
  if (args.fresh) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix);
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto store = klik::open_sqlite_store(db_path);
  const bool fresh = store->snapshot()->task_count() == 0;
  if (fresh) store->import_dataset(klik::synthetic::generate(options));  // one transaction
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const klik::Dataset world = store->export_dataset();

  std::printf("klik %s - %s %s in %.0f ms\n", std::string(klik::version()).c_str(), db_path.c_str(),
              fresh ? "created: national dataset generated and imported" : "opened (--fresh generates it again)", ms);
  std::printf(
      "\n  municipalities  %6zu\n  projects        %6zu\n  templates       %6zu\n  tasks           %6zu\n"
      "  local tasks     %6zu\n  users           %6zu\n  messages        %6zu\n",
      world.municipalities.size(), world.projects.size(), world.templates.size(), world.tasks.size(),
      world.local_tasks.size(), world.users.size(), world.messages.size());

  std::array<std::size_t, 4> by_status{}, by_priority{};
  for (const klik::Task& t : world.tasks) {
    ++by_status[static_cast<std::size_t>(t.status)];
    ++by_priority[static_cast<std::size_t>(world.templates[t.template_id.value() - 1].priority)];
  }
  print_counts<klik::TaskStatus>("Tasks by status", by_status, world.tasks.size());
  print_counts<klik::Priority>("Tasks by priority", by_priority, world.tasks.size());

  std::array<std::size_t, 4> by_type{};
  std::size_t memberships = 0, admins = 0, kombit = 0;
  for (const klik::User& u : world.users) {
    if (u.side == klik::Side::Kombit) {
      ++kombit;
      continue;
    }
    admins += u.administrator;
    for (const auto& ms : u.memberships) {
      ++by_type[static_cast<std::size_t>(ms.type)];
      ++memberships;
    }
  }
  print_counts<klik::UserType>("Project memberships by user type", by_type, memberships);
  std::printf("  %-30s %9zu\n  %-30s %9zu\n", "Administratorer", admins, "KOMBIT users", kombit);

  // --- deadline sweep (calendar/deadline issue) ---
  {
    const klik::SystemClock clock;
    const klik::Date today = klik::today_in_copenhagen(clock);
    const klik::Calendars calendars;  // the national municipal calendar for every municipality
    const auto s0 = std::chrono::steady_clock::now();
    const klik::SweepResult swept = klik::sweep(world, calendars, today);  // nothing notified before
    const double sweep_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count();
    std::array<std::array<std::size_t, 4>, 2> rose{};  // [yellow, red][priority]
    for (const klik::DeadlineEvent& e : swept.events)
      ++rose[e.new_colour == klik::DeadlineColour::Red ? 1 : 0][static_cast<std::size_t>(e.priority)];
    std::printf("\nDeadline colours for %s (Europe/Copenhagen): what a first sweep finds\n",
                klik::danish_date(today).c_str());
    std::printf("  %-30s %9s %9s\n", "turned", "gul", "rød");
    for (klik::Priority p : klik::all_values<klik::Priority>())
      std::printf("  %-30s %9zu %9zu\n", std::string(klik::danish(p)).c_str(), rose[0][static_cast<std::size_t>(p)],
                  rose[1][static_cast<std::size_t>(p)]);
    const auto again = klik::sweep(world, calendars, today, swept.notified);
    std::printf("  %zu events for %zu tasks in %.1f ms (dates and sweep); a second run today: %zu events\n",
                swept.events.size(), world.tasks.size(), sweep_ms, again.events.size());
  }

  // --- task lists and quick status (query issue) ---
  print_task_lists(*store, klik::today_in_copenhagen(klik::SystemClock()));

  // --- the daily sweep through the store's outbox (issue 6) ---
  {
    const klik::SystemClock clock;
    const klik::Date today = klik::today_in_copenhagen(clock);
    // What the sweep will find, counted from the store's indexes without reading a row.
    const auto c0 = std::chrono::steady_clock::now();
    const klik::SweepTransitions ahead = klik::sweep_transitions(*store, today);
    const double count_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - c0).count();
    std::printf(
        "\nBefore the sweep: %zu colours would change today, %zu of them rises to notify (counted in %.1f us)\n",
        ahead.changes(), ahead.rises(), count_us);
    const auto s0 = std::chrono::steady_clock::now();
    const klik::OutboxSweep swept = klik::sweep_to_outbox(*store, today, clock.now());
    klik::JsonLinesNotifier sink(events_path);
    klik::Dispatcher dispatcher(*store, sink);
    const std::size_t delivered = dispatcher.drain(clock.now());
    const double sweep_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count();
    std::printf(
        "\nDaily sweep in %s: %zu events (%s), %zu colours recorded, %zu notifications delivered to %s "
        "(%.0f ms)\n",
        db_path.c_str(), swept.events, fresh ? "first run" : "only what changed since the last run",
        swept.colour_changes, delivered, events_path.c_str(), sweep_ms);
    std::printf("  the outbox holds %zu notifications in all; run the demo again: the sweep is idempotent\n",
                store->outbox().size());
    const klik::SweepTransitions after = klik::sweep_transitions(*store, today);
    std::printf("  after it, %zu colours would change today (the counts and the sweep agree: %s)\n", after.changes(),
                ahead.changes() == swept.colour_changes && ahead.rises() == swept.events ? "yes" : "NO");
    print_mail_and_pdf(*store, today);
  }

  // --- a task's history and an as-of view (issue 10) ---
  print_history(*store, klik::today_in_copenhagen(klik::SystemClock()));

  // --- what-if: a wave's shift before KOMBIT makes it (issue 10) ---
  print_what_if(*store, world, klik::today_in_copenhagen(klik::SystemClock()));
  store->close();
  return 0;
}

}  // namespace
