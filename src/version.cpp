#include "klik/version.hpp"

namespace klik {
std::string_view version() noexcept { return "0.1.0"; }
}  // namespace klik
