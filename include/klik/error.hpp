#pragma once
/// @file error.hpp
/// @brief klik's error model: one exception hierarchy for failures.
///
/// Failures throw a klik::Error carrying an ErrorCode (abseil's meanings).
/// Outcomes -- a permission decision, a list of validation violations, a
/// colour -- are return values, never exceptions.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace klik {

/// What kind of failure an Error is. Meanings follow absl::StatusCode.
enum class ErrorCode {
  InvalidArgument,  ///< malformed input: a bad value, a bad document, a parse error
  NotFound,  ///< the object does not exist, or the caller may not know it exists
  AlreadyExists,  ///< creating something whose key is taken (e.g. a user's email)
  PermissionDenied,  ///< the rights model refused the action
  FailedPrecondition,  ///< the state forbids it (last Administrator, stale version)
  Conflict,  ///< an optimistic-concurrency write lost against a newer version
  Storage,  ///< the storage backend failed (I/O, corruption, full disk)
  Internal,  ///< a bug in klik
};

/// Stable lower-case name of an error code ("not_found", ...).
std::string_view to_string(ErrorCode code) noexcept;

/// Base of every exception klik throws.
///
/// A message is always valid UTF-8 and at most max_message_bytes long (plus a
/// note of how much was cut): bytes that are not UTF-8 appear as \xNN. Input is
/// quoted through excerpt() (text.hpp), at most ~80 characters of it.
class Error : public std::runtime_error {
 public:
  static constexpr std::size_t max_message_bytes = 1024;
  Error(ErrorCode code, const std::string& message);
  [[nodiscard]] ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

/// Malformed input. `where()` names the offending field or JSON path when known
/// (bounded like the message: at most max_where_bytes).
class InvalidArgumentError : public Error {
 public:
  static constexpr std::size_t max_where_bytes = 256;
  explicit InvalidArgumentError(const std::string& message, std::string where = {});
  [[nodiscard]] const std::string& where() const noexcept { return where_; }

 private:
  InvalidArgumentError(const std::string& message, std::string&& bounded_where, int);
  std::string where_;
};

class NotFoundError : public Error {
 public:
  explicit NotFoundError(const std::string& message) : Error(ErrorCode::NotFound, message) {}
};

class AlreadyExistsError : public Error {
 public:
  explicit AlreadyExistsError(const std::string& message) : Error(ErrorCode::AlreadyExists, message) {}
};

class FailedPreconditionError : public Error {
 public:
  explicit FailedPreconditionError(const std::string& message) : Error(ErrorCode::FailedPrecondition, message) {}
};

/// The rights model refused an action. Carries the decision's rule, reason and
/// nearest way to be allowed (see rights.hpp: klik::require(Decision)).
class PermissionDeniedError : public Error {
 public:
  PermissionDeniedError(const std::string& message, std::string rule = {}, std::string nearest = {},
                        std::string nearest_rule = {})
      : Error(ErrorCode::PermissionDenied, message),
        rule_(std::move(rule)),
        nearest_(std::move(nearest)),
        nearest_rule_(std::move(nearest_rule)) {}
  [[nodiscard]] const std::string& rule() const noexcept { return rule_; }
  [[nodiscard]] const std::string& nearest() const noexcept { return nearest_; }
  [[nodiscard]] const std::string& nearest_rule() const noexcept { return nearest_rule_; }

 private:
  std::string rule_;
  std::string nearest_;
  std::string nearest_rule_;
};

/// A write based on a stale version: names the fields that changed since the
/// version the writer read (in changed_fields() and in the message) (task: "status", "responsible", "performer",
/// "end_override", "latest_start_override"; user: "email", "full_name",
/// "organisation", "side", "municipality", "administrator", "memberships",
/// "password_hash"). Stores keep a short per-object log of which fields each
/// version changed; when the read version is older than that log, every field
/// is named.
class ConflictError : public Error {
 public:
  ConflictError(const std::string& message, std::vector<std::string> changed_fields)
      : Error(ErrorCode::Conflict, message), changed_fields_(std::move(changed_fields)) {}
  [[nodiscard]] const std::vector<std::string>& changed_fields() const noexcept { return changed_fields_; }

 private:
  std::vector<std::string> changed_fields_;
};

class StorageError : public Error {
 public:
  explicit StorageError(const std::string& message) : Error(ErrorCode::Storage, message) {}
};

namespace detail {
/// `text` made valid UTF-8 (bad bytes as \xNN) and cut at about `max_bytes`.
std::string bounded_message(std::string_view text, std::size_t max_bytes);
[[noreturn]] void throw_invalid(const std::string& message, std::string where = {});
[[noreturn]] void throw_internal(const char* file, int line, const std::string& message);
}  // namespace detail

}  // namespace klik

/// Precondition check: throws klik::InvalidArgumentError with `msg` when `cond` is false.
#define KLIK_REQUIRE(cond, msg)                        \
  do {                                                 \
    if (!(cond)) ::klik::detail::throw_invalid((msg)); \
  } while (false)

/// Internal invariant: throws klik::Error(Internal) naming the place when `cond` is false.
#define KLIK_ASSERT(cond)                                                   \
  do {                                                                      \
    if (!(cond)) ::klik::detail::throw_internal(__FILE__, __LINE__, #cond); \
  } while (false)
