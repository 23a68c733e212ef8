#pragma once

namespace klik::detail {

/// One visitor out of several lambdas, for std::visit over a Change or similar variant.
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
// C++20 deduces this without a guide, but clang 14 (the fuzz build's compiler) does not yet.
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace klik::detail
