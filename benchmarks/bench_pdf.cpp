// A task as a PDF file (pdf.hpp): what export_pdf costs for a typical task (its texts,
// a few messages, internal notes: one page or two) and for a task with 200 messages,
// in the national dataset at scale 1, against the baseline of the same rights-checked
// reads without the file (what the portal's task page reads through Workflows).
#include <benchmark/benchmark.h>

#include <klik/pdf.hpp>
#include <klik/store.hpp>
#include <klik/workflows.hpp>
#include <map>
#include <memory>
#include <string>

#include "bench_support.hpp"

namespace {

using namespace klik;

struct World {
  std::unique_ptr<Store> store;
  std::unique_ptr<FixedClock> clock;
  UserId viewer;
  TaskId typical;
  TaskId long_thread;
};

const Date today(2026, 3, 2);

World& world() {
  static World w;
  if (w.store) return w;
  const Dataset& d = bench::dataset(0);
  w.store = make_memory_store(d);
  w.clock = std::make_unique<FixedClock>(today);
  Workflows flows(*w.store, *w.clock);
  // Two tasks of one municipality whose Plusbruger exports them.
  for (const Task& t : d.tasks) {
    const ProjectId p = d.templates[t.template_id.value() - 1].project;
    for (const User& u : d.users)
      if (u.municipality == t.municipality && u.type_on(p) == UserType::Plus) w.viewer = u.id;
    if (w.viewer.value() == 0) continue;
    if (w.typical.value() == 0) {
      w.typical = t.id;
    } else {
      w.long_thread = t.id;
      break;
    }
  }
  for (int i = 0; i < 5; ++i)
    flows.write_message(
        w.viewer, w.typical,
        "Vi har drøftet opgaven på mødet i styregruppen; næste skridt aftales med KOMBIT. " + std::to_string(i));
  flows.set_internal_notes(w.viewer, w.typical, "Økonomi og jura skal høres før go-live.");
  for (int i = 0; i < 200; ++i)
    flows.write_message(w.viewer, w.long_thread,
                        "Besked " + std::to_string(i) + ": " + std::string("status på opgaven, ærligt talt. ") +
                            "Vi venter på leverandørens svar om opsætningen af løsningen.");
  return w;
}

void BM_Pdf(benchmark::State& state) {
  World& w = world();
  const TaskId task = state.range(0) == 0 ? w.typical : w.long_thread;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string pdf = export_pdf(*w.store, w.viewer, task, today);
    bytes = pdf.size();
    benchmark::DoNotOptimize(pdf.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Pdf)->ArgName("messages200")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

/// Baseline: the reads of the task page (the thread, files, internal notes), no file.
void BM_Pdf_ReadsOnly(benchmark::State& state) {
  World& w = world();
  const TaskId task = state.range(0) == 0 ? w.typical : w.long_thread;
  Workflows flows(*w.store, *w.clock);
  for (auto _ : state) {
    const MessagePage page = flows.messages(w.viewer, task, 0, 1000);
    const std::vector<Attachment> files = flows.files(w.viewer, task);
    const std::string notes = flows.internal_notes(w.viewer, task);
    benchmark::DoNotOptimize(page.messages.data());
    benchmark::DoNotOptimize(files.data());
    benchmark::DoNotOptimize(notes.data());
  }
}
BENCHMARK(BM_Pdf_ReadsOnly)->ArgName("messages200")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
