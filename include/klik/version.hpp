#pragma once
/// @file version.hpp
/// @brief The library's version.

#include <string_view>

namespace klik {
inline constexpr int version_major = 0;
inline constexpr int version_minor = 1;
inline constexpr int version_patch = 0;
/// "major.minor.patch"
std::string_view version() noexcept;
}  // namespace klik
