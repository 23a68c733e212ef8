#include "klik/notifier.hpp"

#include <cerrno>
#include <cstring>

#include "klik/error.hpp"

namespace klik {

std::vector<Notification> MemoryNotifier::delivered() const {
  std::lock_guard lock(mutex_);
  return delivered_;
}

void MemoryNotifier::fail_next(std::size_t n) {
  std::lock_guard lock(mutex_);
  fail_ = n;
}

void MemoryNotifier::do_deliver(const Notification& n) {
  std::lock_guard lock(mutex_);
  if (fail_ > 0) {
    --fail_;
    throw StorageError("memory notifier: simulated delivery failure");
  }
  delivered_.push_back(n);
}

JsonLinesNotifier::JsonLinesNotifier(std::string path) : path_(std::move(path)) {
  file_ = std::fopen(path_.c_str(), "ab");
  if (!file_) throw StorageError("cannot open notification file " + path_ + ": " + std::strerror(errno));
}

JsonLinesNotifier::~JsonLinesNotifier() {
  if (file_) std::fclose(file_);
}

void JsonLinesNotifier::do_deliver(const Notification& n) {
  const std::string line = to_json(n) + "\n";
  std::lock_guard lock(mutex_);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    throw StorageError("cannot write to notification file " + path_ + ": " + std::strerror(errno));
}

void JsonLinesNotifier::do_flush() {
  std::lock_guard lock(mutex_);
  std::fflush(file_);
}

}  // namespace klik
