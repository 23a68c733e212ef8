#pragma once
// Building journal entries from a change and the state it replaces, and undoing
// them on a dataset (Store::as_of). Private to the Store.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "klik/backend.hpp"
#include "klik/dataset.hpp"
#include "klik/journal.hpp"

namespace klik::detail {

class WorldIndex;

/// The objects `change` touches, before (as in `before`, the indexes the
/// change has not been applied to yet) and after (as the change stores them).
std::vector<ObjectDelta> journal_objects(const Change& change, const WorldIndex& before);

/// An account record without its secrets, as the journal shows it.
std::string account_json(const Credentials& c);

/// Puts objects back as they were before journaled changes, on a dataset:
/// apply the entries newest first, then finish(). Account records and
/// attachment content are not part of an as-of world.
class Undo {
 public:
  explicit Undo(Dataset& data);
  void apply(const ObjectDelta& delta);
  /// Drops what was marked deleted (what came back is at the end of its list).
  void finish();

 private:
  template <class T>
  struct Collection {
    std::vector<T>* items = nullptr;
    std::unordered_map<std::uint64_t, std::size_t> at;  // id -> position, built on first use
    std::vector<bool> dead;
    bool built = false;
  };
  template <class T>
  void restore(Collection<T>& c, std::uint64_t id, const std::string& before);

  Dataset& data_;
  Collection<Task> tasks_;
  Collection<LocalTask> locals_;
  Collection<User> users_;
  Collection<Project> projects_;
  Collection<RolloutWave> waves_;
  Collection<TaskTemplate> templates_;
  Collection<Message> messages_;
  Collection<Attachment> attachments_;
  Collection<InternalNote> notes_;
};

}  // namespace klik::detail
