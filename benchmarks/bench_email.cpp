// Rendering notification e-mails (email.hpp): the daily sweep's deadline entries of
// a 20-municipality world, composed over one snapshot (templates, names looked up,
// the recipient's reason) and written as MIME, 10,000 mails per iteration (issue
// 14's target: under 0.5 s). Entries are taken in outbox order until their mails
// reach 10,000, so each iteration renders the same mails.
#include <benchmark/benchmark.h>

#include <klik/email.hpp>
#include <klik/store.hpp>
#include <klik/workflows_sweep.hpp>

#include "bench_support.hpp"

namespace {

using namespace klik;

constexpr std::size_t mails_wanted = 10'000;

struct Fixture {
  std::unique_ptr<Store> store;
  std::vector<Notification> entries;  ///< whose mails add up to mails_wanted (fewer in smoke mode)
  std::size_t mails = 0;
};

Fixture& fixture() {
  static Fixture f = [] {
    Fixture out;
    synthetic::Options o;
    o.municipalities = bench::smoke() ? 2 : 20;
    o.scale = bench::smoke() ? 0.05 : 1.0;
    o.content = false;
    out.store = make_memory_store(synthetic::generate(o));
    sweep_to_outbox(*out.store, Date(2026, 3, 2), Timestamp(1772438400));
    const MailSettings settings;
    const Snapshot snap = out.store->snapshot();
    for (const Notification& n : out.store->outbox()) {
      out.mails += compose_emails(snap.world(), n, MailTemplates::default_templates(), settings).size();
      out.entries.push_back(n);
      if (out.mails >= mails_wanted) break;
    }
    return out;
  }();
  return f;
}

/// Composing and writing MIME: what an SmtpNotifier does before the network.
void BM_Email_Render10k(benchmark::State& state) {
  Fixture& f = fixture();
  const MailSettings settings{{"klik@kombit.dk", "KOMBIT KLIK"}, "https://klik.kombit.dk", ""};
  std::size_t bytes = 0;
  for (auto _ : state) {
    const Snapshot snap = f.store->snapshot();
    for (const Notification& n : f.entries)
      for (const Email& e : compose_emails(snap.world(), n, MailTemplates::default_templates(), settings))
        bytes += to_mime(e).size();
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.mails));
  state.counters["mails"] = static_cast<double>(f.mails);
  state.counters["bytes_per_mail"] =
      static_cast<double>(bytes) / static_cast<double>(state.iterations() * std::max<std::size_t>(f.mails, 1));
}
BENCHMARK(BM_Email_Render10k)->Unit(benchmark::kMillisecond);

/// Composing alone (templates and lookups), without the MIME text.
void BM_Email_Compose10k(benchmark::State& state) {
  Fixture& f = fixture();
  const MailSettings settings;
  for (auto _ : state) {
    const Snapshot snap = f.store->snapshot();
    std::size_t n_mails = 0;
    for (const Notification& n : f.entries)
      n_mails += compose_emails(snap.world(), n, MailTemplates::default_templates(), settings).size();
    benchmark::DoNotOptimize(n_mails);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.mails));
}
BENCHMARK(BM_Email_Compose10k)->Unit(benchmark::kMillisecond);

}  // namespace
