// export_pdf (pdf.hpp): a task as its viewer may see it, as a PDF file. The text of the
// file is read back with pdftotext (poppler-utils) where it is installed.
#include "klik/pdf.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "workflow_fixture.hpp"

// fontconfig keeps its configuration for the process without a pointer LeakSanitizer
// finds (scripts/test's ASan build checks leaks): not klik's, so not reported.
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
// Under ThreadSanitizer: pango 1.50 matches fonts on a thread of its own ("[pango]
// FcFontSetMatch") and hands the result over through glib's futex-based locks, which
// TSan cannot see (glib is not instrumented); the reported race is between that thread
// and ours inside fontconfig and pango, after the handover. klik's own rendering lock
// (src/pdf.cpp) is seen and stays checked.
extern "C" const char* __tsan_default_suppressions() {
  return "race:libfontconfig.so\nrace:libpangoft2-1.0.so\nrace:libpango-1.0.so\nrace:libglib-2.0.so\n";
}

namespace klik::testing {
namespace {

/// The text pdftotext reads from `pdf` (UTF-8), or nullopt when pdftotext is not installed.
std::optional<std::string> text_of(const std::string& pdf) {
  if (std::system("command -v pdftotext >/dev/null 2>&1") != 0) return std::nullopt;
  static std::atomic<int> counter{0};
  const std::string path = ::testing::TempDir() + "klik_pdf_test_" + std::to_string(::getpid()) + "_" +
                           std::to_string(counter.fetch_add(1)) + ".pdf";
  std::ofstream(path, std::ios::binary) << pdf;
  std::string out;
  if (FILE* p = ::popen(("pdftotext -enc UTF-8 '" + path + "' -").c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  std::remove(path.c_str());
  return out;
}

/// The default model without `action` in any rule (rules left with no action dropped).
RightsModel model_without(std::string_view action) {
  nlohmann::json model = nlohmann::json::parse(RightsModel::default_model().to_json());
  nlohmann::json rules = nlohmann::json::array();
  for (nlohmann::json rule : model["rules"]) {
    nlohmann::json actions = nlohmann::json::array();
    for (const auto& a : rule["actions"])
      if (a != action) actions.push_back(a);
    rule["actions"] = actions;
    if (!actions.empty()) rules.push_back(rule);
  }
  model["rules"] = rules;
  return RightsModel::from_json(model.dump());
}

struct ExportPdf : Fixture {
  Date today{2026, 3, 2};
  Task task;
  const User* plus = nullptr;

  void SetUp() override {
    Fixture::SetUp();
    for (const Task& t : data.tasks) {
      plus = find(t.municipality, project_of(t), UserType::Plus);
      if (plus) {
        task = t;
        break;
      }
    }
    ASSERT_NE(plus, nullptr);
  }
  const Task& other_municipality_task() const {
    return *std::find_if(data.tasks.begin(), data.tasks.end(),
                         [&](const Task& t) { return t.municipality != task.municipality; });
  }
};

TEST_F(ExportPdf, IsAPdfFileOfTheTask) {
  flows->write_message(plus->id, task.id, "Vi har udpeget ÆØÅ-gruppen; æøå virker.");
  const std::string pdf = export_pdf(*store, plus->id, task.id, today);
  ASSERT_GT(pdf.size(), 1000u);
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
  EXPECT_NE(pdf.find("%%EOF", pdf.size() - 16), std::string::npos);
  EXPECT_NE(pdf.find("DejaVuSans"), std::string::npos) << "the font is embedded";
  const auto text = text_of(pdf);
  if (!text) GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
  const TaskTemplate& t = data.templates[task.template_id.value() - 1];
  EXPECT_NE(text->find(t.title.substr(0, 20)), std::string::npos);
  EXPECT_NE(text->find("Vi har udpeget ÆØÅ-gruppen; æøå virker."), std::string::npos);
  EXPECT_NE(text->find("Eksporteret mandag 2. marts 2026"), std::string::npos);
  EXPECT_NE(text->find("Side 1 af "), std::string::npos);
}

TEST_F(ExportPdf, SameTaskSameDaySameBytes) {
  EXPECT_EQ(export_pdf(*store, plus->id, task.id, today), export_pdf(*store, plus->id, task.id, today));
}

TEST_F(ExportPdf, AnotherMunicipalitysTaskIsNotFoundLikeNoTask) {
  std::string missing, foreign;
  try {
    (void)export_pdf(*store, plus->id, TaskId(999'999), today);
  } catch (const NotFoundError& e) {
    missing = e.what();
  }
  try {
    (void)export_pdf(*store, plus->id, other_municipality_task().id, today);
  } catch (const NotFoundError& e) {
    foreign = e.what();
  }
  EXPECT_EQ(missing, "task not found");
  EXPECT_EQ(foreign, missing);
  EXPECT_THROW((void)export_pdf(*store, UserId(999'999), task.id, today), NotFoundError);
}

TEST_F(ExportPdf, NeedsExportTask) {
  const RightsModel no_export = model_without("export_task");
  try {
    (void)export_pdf(*store, plus->id, task.id, today, no_export);
    FAIL() << "exported without export_task";
  } catch (const PermissionDeniedError& e) {
    EXPECT_EQ(e.rule(), "default_deny");
  }
}

TEST_F(ExportPdf, InternalNotesOnlyForTheirReaders) {
  flows->set_internal_notes(plus->id, task.id, "Intern vurdering: Økonomiudvalget må vente.");
  const std::string with = export_pdf(*store, plus->id, task.id, today);
  const std::string kombit = export_pdf(*store, kombit_admin().id, task.id, today);
  const std::string without = export_pdf(*store, plus->id, task.id, today, model_without("view_internal_notes"));
  const auto a = text_of(with);
  if (!a) GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
  EXPECT_NE(a->find("Interne noter"), std::string::npos);
  EXPECT_NE(a->find("Intern vurdering: Økonomiudvalget må vente."), std::string::npos);
  for (const std::string* pdf : {&kombit, &without}) {
    const std::string text = *text_of(*pdf);
    EXPECT_EQ(text.find("Interne noter"), std::string::npos);
    EXPECT_EQ(text.find("Økonomiudvalget"), std::string::npos);
  }
}

TEST_F(ExportPdf, LocalTasksAsTheViewerMaySeeThem) {
  LocalTask local;
  local.parent = task.id;
  local.municipality = task.municipality;
  local.title = "Lokal opgave: Sæt løntræk på plads";
  local.end = Date(2026, 4, 1);
  local.description = "Aftal med Økonomi.";
  const LocalTask created = flows->create_local_task(plus->id, local);
  {
    const Snapshot snap = store->snapshot();
    const std::vector<const LocalTask*> under = snap->local_tasks(task.id);
    ASSERT_FALSE(under.empty());
    EXPECT_EQ(under.back()->id, created.id);
  }
  const auto text = text_of(export_pdf(*store, plus->id, task.id, today));
  if (!text) GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
  EXPECT_NE(text->find("Lokal opgave: Sæt løntræk på plads"), std::string::npos);
  EXPECT_NE(text->find("Aftal med Økonomi."), std::string::npos);
  // KOMBIT never sees local tasks.
  EXPECT_EQ(text_of(export_pdf(*store, kombit_admin().id, task.id, today))->find("Sæt løntræk"), std::string::npos);
}

TEST_F(ExportPdf, LongTextsPaginate) {
  for (int i = 0; i < 120; ++i)
    flows->write_message(plus->id, task.id, "Besked " + std::to_string(i) + ": " + std::string(300, 'x'));
  const auto text = text_of(export_pdf(*store, plus->id, task.id, today));
  if (!text) GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
  const std::size_t at = text->find("Side 1 af ");
  ASSERT_NE(at, std::string::npos);
  const int pages = std::stoi(text->substr(at + 10));
  EXPECT_GT(pages, 5);
  EXPECT_NE(text->find("Side " + std::to_string(pages) + " af " + std::to_string(pages)), std::string::npos);
  EXPECT_NE(text->find("Besked 119:"), std::string::npos);
}

TEST_F(ExportPdf, TwoThreadsAtOnce) {
  // Rendering shares pango's and fontconfig's caches: concurrent calls must give the
  // same file as one call alone.
  const std::string expected = export_pdf(*store, plus->id, task.id, today);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i)
        if (export_pdf(*store, plus->id, task.id, today) != expected) wrong.fetch_add(1);
    });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace klik::testing
