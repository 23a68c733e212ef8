// A store over the JSON-lines backend of jsonl_backend.hpp (a backend written
// outside klik, against its installed headers): import, change, reopen.
#include <cstdio>
#include <filesystem>

#include <klik/store.hpp>
#include <klik/synthetic.hpp>

#include "jsonl_backend.hpp"

int main() {
  const auto path = (std::filesystem::temp_directory_path() / "klik-example.jsonl").string();
  std::filesystem::remove(path);
  klik::synthetic::Options o;
  o.municipalities = 1;
  o.scale = 0.01;
  const klik::Dataset data = klik::synthetic::generate(o);
  const klik::TaskId task = data.tasks.front().id;
  const klik::TaskStatus wanted = data.tasks.front().status == klik::TaskStatus::Completed
                                      ? klik::TaskStatus::Started
                                      : klik::TaskStatus::Completed;
  {
    klik::Store store(std::make_unique<example::JsonlBackend>(path));
    store.import_dataset(data);
    store.update_task({.task = task, .status = wanted});
  }
  klik::Store again(std::make_unique<example::JsonlBackend>(path));  // replays the file
  const bool kept = again.snapshot()->task(task)->status == wanted && again.sequence() == 2;
  std::printf("%zu tasks, change %llu, task %u changed after reopening: %s\n", again.snapshot()->task_count(),
              static_cast<unsigned long long>(again.sequence()), task.value(), kept ? "yes" : "no");
  std::filesystem::remove(path);
  return kept ? 0 : 1;
}
