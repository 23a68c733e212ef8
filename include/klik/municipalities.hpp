#pragma once
/// @file municipalities.hpp
/// @brief The official list of Denmark's 98 municipalities (kommunekode and name).

#include <optional>
#include <span>
#include <string_view>

#include "klik/ids.hpp"

namespace klik {

struct MunicipalityInfo {
  MunicipalityId code;
  std::string_view name;
};

/// All 98, ordered by kommunekode (101 København ... 860 Hjørring).
std::span<const MunicipalityInfo> danish_municipalities() noexcept;

/// The municipality with this kommunekode, if there is one.
std::optional<MunicipalityInfo> find_municipality(MunicipalityId code) noexcept;

}  // namespace klik
