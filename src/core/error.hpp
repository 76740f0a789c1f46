#pragma once

#include <expected>
#include <string>
#include <utility>

namespace alcove {

// What went wrong, in terms a caller can act on. The web layer maps each code to
// one HTTP status in one place (web/errors.cpp).
enum class ErrorCode {
  kInvalidArgument,    // the caller's input is malformed or out of range
  kNotFound,           // no such object for this caller (also: another tenant's)
  kAlreadyExists,      // refusing to overwrite
  kPermissionDenied,   // authenticated but not allowed
  kUnauthenticated,    // no valid credentials
  kFailedPrecondition, // the system is not in a state that allows this (e.g. unsafe file mode)
  kConflict,           // a concurrent change or a constraint won
  kResourceExhausted,  // rate limit, busy pool, size limit
  kUnavailable,        // a dependency is down; retrying may help
  kInternal,           // a bug or an unexpected library failure
};

// An error carries two messages: `internal` for the operator's log and `public_message`
// for whoever made the request. Neither may contain client content or secrets; the
// internal one may name files, settings and library error strings.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string internal;
  std::string public_message;

  static Error Make(ErrorCode code, std::string internal, std::string public_message = {}) {
    if (public_message.empty()) {
      public_message = internal;
    }
    return Error{code, std::move(internal), std::move(public_message)};
  }
};

template <typename T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

inline std::unexpected<Error> Fail(ErrorCode code, std::string internal,
                                   std::string public_message = {}) {
  return std::unexpected(Error::Make(code, std::move(internal), std::move(public_message)));
}

// A short stable name for the code ("not_found"), used in JSON error bodies and logs.
const char* ErrorCodeName(ErrorCode code);

}  // namespace alcove
