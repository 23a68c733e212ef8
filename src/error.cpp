#include "klik/error.hpp"

#include <string>

namespace klik {

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::InvalidArgument:
      return "invalid_argument";
    case ErrorCode::NotFound:
      return "not_found";
    case ErrorCode::AlreadyExists:
      return "already_exists";
    case ErrorCode::PermissionDenied:
      return "permission_denied";
    case ErrorCode::FailedPrecondition:
      return "failed_precondition";
    case ErrorCode::Conflict:
      return "conflict";
    case ErrorCode::Storage:
      return "storage";
    case ErrorCode::Internal:
      return "internal";
  }
  return "unknown";
}

// Every message passes through bounded_message: whatever a thrower quoted, a
// klik error is valid UTF-8 and short enough to log or show.
Error::Error(ErrorCode code, const std::string& message)
    : std::runtime_error(detail::bounded_message(message, max_message_bytes)), code_(code) {}

InvalidArgumentError::InvalidArgumentError(const std::string& message, std::string where)
    : InvalidArgumentError(message, detail::bounded_message(where, max_where_bytes), 0) {}

InvalidArgumentError::InvalidArgumentError(const std::string& message, std::string&& where, int)
    : Error(ErrorCode::InvalidArgument,
            where.empty() || message.rfind(where, 0) == 0 ? message : where + ": " + message),
      where_(std::move(where)) {}

namespace detail {
void throw_invalid(const std::string& message, std::string where) {
  throw InvalidArgumentError(message, std::move(where));
}
void throw_internal(const char* file, int line, const std::string& message) {
  throw Error(ErrorCode::Internal,
              "internal error (please report): " + message + " at " + file + ":" + std::to_string(line));
}
}  // namespace detail

}  // namespace klik
