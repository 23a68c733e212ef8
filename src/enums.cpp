#include "klik/enums.hpp"
#include "klik/text.hpp"

#include <string>

#include "klik/error.hpp"

namespace klik {
namespace {

struct Names {
  std::string_view code, english, danish;
};

constexpr Names status_names[] = {
    {"not_active", "Not active", "Ikke aktiv"},
    {"not_started", "Not started", "Ikke påbegyndt"},
    {"started", "Started", "Påbegyndt"},
    {"completed", "Completed", "Fuldført"},
};
constexpr Names priority_names[] = {
    {"critical_path", "Mandatory on the critical path", "Obligatorisk på kritisk vej"},
    {"mandatory", "Mandatory", "Obligatorisk"},
    {"recommended", "Recommended", "Anbefalet"},
    {"local", "Local", "Lokal"},
};
constexpr Names user_type_names[] = {
    {"plus", "Plus user", "Plusbruger"},
    {"standard", "Standard user", "Standardbruger"},
    {"light", "Light user", "Light-bruger"},
    {"reader", "Reader", "Læser"},
};
constexpr Names colour_names[] = {
    {"green", "Green", "Grøn"}, {"yellow", "Yellow", "Gul"}, {"red", "Red", "Rød"},
    {"grey", "Grey", "Grå"},    {"done", "Done", "Flueben"},
};
constexpr Names side_names[] = {
    {"municipality", "Municipality", "Kommune"},
    {"kombit", "KOMBIT", "KOMBIT"},
};

template <class E>
struct Table;
template <>
struct Table<TaskStatus> {
  static constexpr const Names* names = status_names;
  static constexpr std::string_view name = "TaskStatus";
  static constexpr TaskStatus values[] = {TaskStatus::NotActive, TaskStatus::NotStarted, TaskStatus::Started,
                                          TaskStatus::Completed};
};
template <>
struct Table<Priority> {
  static constexpr const Names* names = priority_names;
  static constexpr std::string_view name = "Priority";
  static constexpr Priority values[] = {Priority::CriticalPath, Priority::Mandatory, Priority::Recommended,
                                        Priority::Local};
};
template <>
struct Table<UserType> {
  static constexpr const Names* names = user_type_names;
  static constexpr std::string_view name = "UserType";
  static constexpr UserType values[] = {UserType::Plus, UserType::Standard, UserType::Light, UserType::Reader};
};
template <>
struct Table<DeadlineColour> {
  static constexpr const Names* names = colour_names;
  static constexpr std::string_view name = "DeadlineColour";
  static constexpr DeadlineColour values[] = {DeadlineColour::Green, DeadlineColour::Yellow, DeadlineColour::Red,
                                              DeadlineColour::Grey, DeadlineColour::Done};
};
template <>
struct Table<Side> {
  static constexpr const Names* names = side_names;
  static constexpr std::string_view name = "Side";
  static constexpr Side values[] = {Side::Municipality, Side::Kombit};
};

template <class E>
const Names& names_of(E v) noexcept {
  static constexpr Names invalid{"invalid", "invalid", "invalid"};
  return is_valid(v) ? Table<E>::names[static_cast<std::size_t>(v)] : invalid;
}

}  // namespace

#define KLIK_ENUM_ACCESSORS(E)                                                                                         \
  std::string_view code(E v) noexcept { return names_of(v).code; }                                                     \
  std::string_view english(E v) noexcept { return names_of(v).english; }                                               \
  std::string_view danish(E v) noexcept { return names_of(v).danish; }                                                 \
  template <>                                                                                                          \
  std::span<const E> all_values<E>() noexcept {                                                                        \
    return Table<E>::values;                                                                                           \
  }                                                                                                                    \
  template <>                                                                                                          \
  std::string_view enum_name<E>() noexcept {                                                                           \
    return Table<E>::name;                                                                                             \
  }                                                                                                                    \
  template <>                                                                                                          \
  E enum_from_integer<E>(std::int64_t value, std::string_view field) {                                                 \
    if (value < 0 || value >= static_cast<std::int64_t>(value_count<E>()))                                             \
      throw InvalidArgumentError(std::to_string(value) + " is not a " + std::string(Table<E>::name) + " (0.." +        \
                                     std::to_string(value_count<E>() - 1) + ")",                                       \
                                 std::string(field));                                                                  \
    return static_cast<E>(value);                                                                                      \
  }                                                                                                                    \
  template <>                                                                                                          \
  E parse<E>(std::string_view text) {                                                                                  \
    for (E v : Table<E>::values) {                                                                                     \
      const Names& n = names_of(v);                                                                                    \
      if (text == n.code || text == n.english || text == n.danish) return v;                                           \
    }                                                                                                                  \
    const std::string folded = fold_case(text); /* "rød", "RED", "ikke påbegyndt" */                                 \
    for (E v : Table<E>::values) {                                                                                     \
      const Names& n = names_of(v);                                                                                    \
      if (folded == fold_case(n.code) || folded == fold_case(n.english) || folded == fold_case(n.danish)) return v;    \
    }                                                                                                                  \
    std::string accepted;                                                                                              \
    for (E v : Table<E>::values) {                                                                                     \
      if (!accepted.empty()) accepted += ", ";                                                                         \
      accepted += std::string(names_of(v).code) + " (" + std::string(names_of(v).danish) + ")";                        \
    }                                                                                                                  \
    throw InvalidArgumentError("unknown " + std::string(Table<E>::name) + " " + excerpt(text) + "; expected one of " + \
                               accepted);                                                                              \
  }

KLIK_ENUM_ACCESSORS(TaskStatus)
KLIK_ENUM_ACCESSORS(Priority)
KLIK_ENUM_ACCESSORS(UserType)
KLIK_ENUM_ACCESSORS(DeadlineColour)
KLIK_ENUM_ACCESSORS(Side)
#undef KLIK_ENUM_ACCESSORS

}  // namespace klik
