#pragma once
// What every fuzz target shares. The contract under test: bad input throws a
// klik::Error (expected, ignored); anything else is a finding -- another exception
// type escaping (std::terminate), a crash or sanitizer report, an ErrorCode::Internal
// ("a bug in klik"), or a broken round trip of a value klik accepted.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "klik/error.hpp"

namespace klik::fuzz {

/// Reports a finding on stderr and aborts, so libFuzzer saves the input.
[[noreturn]] inline void finding(std::string_view what, std::string_view detail = {}) {
  const auto shown = static_cast<int>(std::min<std::size_t>(detail.size(), 400));
  std::fprintf(stderr, "\nFUZZ FINDING: %.*s%s%.*s\n", static_cast<int>(what.size()), what.data(),
               detail.empty() ? "" : ": ", shown, detail.data());
  std::abort();
}

/// Runs `f`; a klik::Error other than Internal is the expected answer to bad input.
/// Returns whether `f` completed.
template <class F>
bool accepts(F&& f) {
  try {
    f();
    return true;
  } catch (const klik::Error& e) {
    if (e.code() == ErrorCode::Internal) finding("ErrorCode::Internal", e.what());
    return false;
  }
}

/// Runs `f` on a value klik produced itself: any klik::Error is a finding too.
template <class F>
void must_succeed(std::string_view what, F&& f) {
  try {
    f();
  } catch (const klik::Error& e) {
    finding(what, e.what());
  }
}

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace klik::fuzz
