#pragma once
/// @file ids.hpp
/// @brief Strong identifier types: a TaskId is not a UserId is not an int.

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace klik {

/// A typed identifier. `Tag` makes each id its own type; `Rep` is the integer behind it.
template <class Tag, class Rep = std::uint32_t>
class Id {
 public:
  using rep_type = Rep;
  constexpr Id() noexcept = default;
  constexpr explicit Id(Rep value) noexcept : value_(value) {}
  [[nodiscard]] constexpr Rep value() const noexcept { return value_; }
  friend constexpr auto operator<=>(Id, Id) noexcept = default;
  friend constexpr bool operator==(Id, Id) noexcept = default;

 private:
  Rep value_{};
};

/// The official three-digit kommunekode (101 København ... 860 Hjørring).
using MunicipalityId = Id<struct MunicipalityTag, std::uint16_t>;
using ProjectId = Id<struct ProjectTag>;
using WaveId = Id<struct WaveTag>;
using TemplateId = Id<struct TemplateTag>;
using TaskId = Id<struct TaskTag>;
using LocalTaskId = Id<struct LocalTaskTag>;
using UserId = Id<struct UserTag>;
using MessageId = Id<struct MessageTag, std::uint64_t>;
using AttachmentId = Id<struct AttachmentTag, std::uint64_t>;

template <class Tag, class Rep>
std::string to_string(Id<Tag, Rep> id) {
  return std::to_string(id.value());
}

}  // namespace klik

template <class Tag, class Rep>
struct std::hash<klik::Id<Tag, Rep>> {
  std::size_t operator()(klik::Id<Tag, Rep> id) const noexcept { return std::hash<Rep>{}(id.value()); }
};
