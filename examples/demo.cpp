// scripts/demo: generates the national dataset and prints a readable summary.
#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <klik/klik.hpp>
#include <klik/sweep.hpp>
#include <map>
#include <string>

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

}  // namespace

int main(int argc, char** argv) {
  klik::synthetic::Options options;
  if (argc > 1) options.scale = std::stod(argv[1]);
  const auto t0 = std::chrono::steady_clock::now();
  const klik::Dataset world = klik::synthetic::generate(options);
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  std::printf("klik %s - national dataset (seed %llu, scale %.2f), generated in %.0f ms\n",
              std::string(klik::version()).c_str(), static_cast<unsigned long long>(options.seed), options.scale, ms);
  std::printf("\n  municipalities  %6zu\n  projects        %6zu\n  templates       %6zu\n  tasks           %6zu\n"
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
    std::printf("\nDeadline sweep for %s (Europe/Copenhagen), nothing notified before\n",
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

  return 0;
}
