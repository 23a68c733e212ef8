#pragma once
// Private: data files of src/data/ compiled into the library (cmake/embed.cmake).

#include <string_view>

namespace klik::detail {
/// The bytes of src/data/<name>, or an empty view when there is no such file.
std::string_view embedded_file(std::string_view name);
}  // namespace klik::detail
