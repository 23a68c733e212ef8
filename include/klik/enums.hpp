#pragma once
/// @file enums.hpp
/// @brief The enumerations of the KLIK domain, each with a stable JSON code,
/// an English name and the Danish label KOMBIT's manual uses.
///
/// `parse<E>(text)` accepts any of the three spellings, exactly (case and
/// accents matter: "Ikke påbegyndt", not "ikke pabegyndt"), and throws
/// InvalidArgumentError naming the bad value and the accepted ones otherwise.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace klik {

/// Status of a task (Status).
enum class TaskStatus : std::uint8_t {
  NotActive,  ///< not_active, "Ikke aktiv": published but not yet active; only KOMBIT sets or clears it
  NotStarted,  ///< not_started, "Ikke påbegyndt"
  Started,  ///< started, "Påbegyndt"
  Completed,  ///< completed, "Fuldført"
};

/// Priority of a task (Prioritet). KOMBIT follows up on the first two only.
enum class Priority : std::uint8_t {
  CriticalPath,  ///< critical_path, "Obligatorisk på kritisk vej"
  Mandatory,  ///< mandatory, "Obligatorisk"
  Recommended,  ///< recommended, "Anbefalet"
  Local,  ///< local, "Lokal": local tasks and local-only follow-up
};

/// A user's type on one project (brugertype). Administrator is a separate,
/// municipality-wide flag on the user, not a project user type.
enum class UserType : std::uint8_t {
  Plus,  ///< plus, "Plusbruger"
  Standard,  ///< standard, "Standardbruger"
  Light,  ///< light, "Light-bruger"
  Reader,  ///< reader, "Læser"
};

/// The deadline marker a list shows for a task (computed, never stored as truth).
enum class DeadlineColour : std::uint8_t {
  Green,  ///< green, "Grøn"
  Yellow,  ///< yellow, "Gul"
  Red,  ///< red, "Rød"
  Grey,  ///< grey, "Grå": the task is not active
  Done,  ///< done, "Flueben": the task is completed
};

/// Which side of KLIK a user or message belongs to.
enum class Side : std::uint8_t {
  Municipality,  ///< municipality, "Kommune"
  Kombit,  ///< kombit, "KOMBIT"
};

std::string_view code(TaskStatus v) noexcept;
std::string_view code(Priority v) noexcept;
std::string_view code(UserType v) noexcept;
std::string_view code(DeadlineColour v) noexcept;
std::string_view code(Side v) noexcept;

std::string_view english(TaskStatus v) noexcept;
std::string_view english(Priority v) noexcept;
std::string_view english(UserType v) noexcept;
std::string_view english(DeadlineColour v) noexcept;
std::string_view english(Side v) noexcept;

std::string_view danish(TaskStatus v) noexcept;
std::string_view danish(Priority v) noexcept;
std::string_view danish(UserType v) noexcept;
std::string_view danish(DeadlineColour v) noexcept;
std::string_view danish(Side v) noexcept;

/// Every value of E in declaration order.
template <class E>
std::span<const E> all_values() noexcept;

/// The type's name as it appears in error messages ("TaskStatus").
template <class E>
std::string_view enum_name() noexcept;

/// Parses a code ("not_started"), English name ("Not started") or Danish
/// label ("Ikke påbegyndt"), in any letter case ("rød", "RED"; Danish letters
/// folded as fold_case in text.hpp does). Throws InvalidArgumentError otherwise.
template <class E>
E parse(std::string_view text);

/// Number of values of E (for dense per-value arrays).
template <class E>
constexpr std::size_t value_count() noexcept;
template <>
constexpr std::size_t value_count<TaskStatus>() noexcept {
  return 4;
}
template <>
constexpr std::size_t value_count<Priority>() noexcept {
  return 4;
}
template <>
constexpr std::size_t value_count<UserType>() noexcept {
  return 4;
}
template <>
constexpr std::size_t value_count<DeadlineColour>() noexcept {
  return 5;
}
template <>
constexpr std::size_t value_count<Side>() noexcept {
  return 2;
}

/// Whether `v` is one of E's enumerators. A value cast from an integer that
/// names none (a damaged row, a number from a binding) is not; code(),
/// english() and danish() answer "invalid" for it instead of reading past
/// their tables.
template <class E>
[[nodiscard]] constexpr bool is_valid(E v) noexcept {
  return static_cast<std::size_t>(v) < value_count<E>();
}

/// The enumerator whose number is `value` (declaration order from 0), for
/// numbers crossing a boundary (storage rows, bindings). Throws
/// InvalidArgumentError naming `field`, the value and the valid range otherwise.
template <class E>
E enum_from_integer(std::int64_t value, std::string_view field);

}  // namespace klik
