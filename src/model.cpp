#include "klik/model.hpp"

#include <algorithm>

namespace klik {

std::optional<UserType> User::type_on(ProjectId project) const noexcept {
  for (const Membership& m : memberships) {
    if (m.project == project) return m.type;
  }
  return std::nullopt;
}

std::string normalise_email(std::string_view email) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!email.empty() && is_space(email.front())) email.remove_prefix(1);
  while (!email.empty() && is_space(email.back())) email.remove_suffix(1);
  std::string out(email);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

}  // namespace klik
