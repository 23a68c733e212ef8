#include "klik/sweep.hpp"

#include <array>

#include "detail/colour_lut.hpp"
#include "klik/error.hpp"

namespace klik {
namespace {

constexpr std::int32_t kEpoch1400 = -208188;  // serial of 1400-01-01

// Level of a colour for "rose": green, grey, done 0; yellow 1; red 2.
constexpr std::array<std::uint8_t, 8> kLevel{0, 1, 2, 0, 0, 0, 0, 0};
constexpr unsigned level(DeadlineColour c) noexcept { return kLevel[static_cast<unsigned>(c) & 7u]; }
constexpr unsigned level(const NotifiedColour& c) noexcept { return c ? level(*c) : 0u; }

}  // namespace

std::uint64_t sweep_key(TaskId task, DeadlineColour colour, Date reached_on) noexcept {
  const auto day =
      static_cast<std::uint64_t>(static_cast<std::uint32_t>(reached_on.serial() - kEpoch1400)) & 0x7FFFFFFFull;
  return static_cast<std::uint64_t>(task.value()) << 32 | (colour == DeadlineColour::Red ? 1ull << 31 : 0ull) | day;
}

std::uint64_t sweep_key(LocalTaskId local_task, DeadlineColour colour, Date reached_on) noexcept {
  return 1ull << 63 | sweep_key(TaskId(local_task.value() & 0x7FFF'FFFFu), colour, reached_on);
}

std::string sweep_key_text(const DeadlineEvent& e) {
  const std::string who =
      e.local_task.value() != 0 ? "local/" + std::to_string(e.local_task.value()) : std::to_string(e.task.value());
  return "deadline/" + who + "/" + std::string(code(e.new_colour)) + "/" + e.reached_on.iso();
}

void sweep(const SweepColumns& in, Date day, std::span<NotifiedColour> notified, std::vector<DeadlineEvent>& events) {
  const std::size_t n = in.task.size();
  KLIK_REQUIRE(in.municipality.size() == n && in.project.size() == n && in.priority.size() == n &&
                   in.status.size() == n && in.dates.size() == n && notified.size() == n &&
                   (in.last_notified.empty() || in.last_notified.size() == n) &&
                   (in.local_task.empty() || in.local_task.size() == n),
               "sweep: every column must have one entry per task");
  const bool have_last = !in.last_notified.empty();
  const std::int32_t t = day.serial();
  for (std::size_t i = 0; i < n; ++i) {
    const TaskStatus st = in.status[i];
    const DeadlineDates& d = in.dates[i];
    const DeadlineColour now = detail::fast_colour(st, d, t);
    const NotifiedColour last = have_last ? in.last_notified[i] : NotifiedColour{};
    const unsigned before = level(last);
    if (level(now) > before) [[unlikely]] {
      const Date reached = *colour_reached_on(st, d, now);
      const LocalTaskId local = in.local_task.empty() ? LocalTaskId() : in.local_task[i];
      events.push_back(DeadlineEvent{
          in.task[i], in.municipality[i], in.project[i], in.priority[i], last, now, day, reached,
          local.value() != 0 ? sweep_key(local, now, reached) : sweep_key(in.task[i], now, reached), local});
    }
    notified[i] = now;
  }
}

SweepResult sweep(const SweepColumns& in, Date day) {
  SweepResult r;
  r.notified.resize(in.task.size());
  sweep(in, day, r.notified, r.events);
  return r;
}

SweepTable sweep_table(const Dataset& data, const Calendars& cals) {
  SweepTable t;
  const std::size_t n = data.tasks.size();
  t.task.reserve(n);
  t.municipality.reserve(n);
  t.project.reserve(n);
  t.priority.reserve(n);
  t.status.reserve(n);
  t.dates = deadline_dates(data.templates, data.tasks, cals, data.waves);  // checks the template index
  for (const Task& task : data.tasks) {
    const TaskTemplate& tpl = data.templates[task.template_id.value() - 1];
    t.task.push_back(task.id);
    t.municipality.push_back(task.municipality);
    t.project.push_back(tpl.project);
    t.priority.push_back(tpl.priority);
    t.status.push_back(task.status);
  }
  return t;
}

SweepResult sweep(const Dataset& data, const Calendars& cals, Date day, std::span<const NotifiedColour> last_notified) {
  KLIK_REQUIRE(last_notified.empty() || last_notified.size() == data.tasks.size(),
               "sweep: last_notified must be empty or have one entry per task");
  const SweepTable table = sweep_table(data, cals);
  SweepColumns cols = table.columns();
  cols.last_notified = last_notified;
  return sweep(cols, day);
}

}  // namespace klik
