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

// The public message for a code when the error names none: short, plain words, the same
// for every error of that code ("Something went wrong on our side." for kInternal).
const char* PublicMessageFor(ErrorCode code);

// True for the codes whose answer is a server fault (5xx). The web layer answers those
// with the code's generic message and the request id only, whatever the error says, and
// logs `internal` with the request id (web/errors.cpp).
bool IsServerFault(ErrorCode code);

// An error carries two messages: `internal` for the operator's log and `public_message`
// for whoever made the request. Neither may contain client content or secrets; the
// internal one may name files, settings and library error strings. The internal message
// never becomes the public one: without a public message the code's own is used.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string internal;
  std::string public_message;

  static Error Make(ErrorCode code, std::string internal, std::string public_message = {}) {
    if (public_message.empty()) {
      public_message = PublicMessageFor(code);
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

namespace detail {
inline std::unexpected<Error> Propagate(Error&& error) { return std::unexpected(std::move(error)); }
template <typename T>
inline std::unexpected<Error> Propagate(std::expected<T, Error>&& r) {
  return std::unexpected(std::move(r).error());
}
}  // namespace detail

}  // namespace alcove

// Error propagation for functions returning Result<T> or Status (STYLE.md 1):
//   ALCOVE_TRY(expr);               returns expr's error, if any; expr is a Result or Status
//   ALCOVE_TRY_ASSIGN(lhs, expr);   returns expr's error, if any; else lhs = *expr (moved)
// `lhs` may be a declaration (`auto x`, `const Foo& y`) or an existing variable.
#define ALCOVE_CONCAT_INNER(a, b) a##b
#define ALCOVE_CONCAT(a, b) ALCOVE_CONCAT_INNER(a, b)
#define ALCOVE_TRY(expr) ALCOVE_TRY_IMPL(ALCOVE_CONCAT(alcove_try_r_, __COUNTER__), expr)
#define ALCOVE_TRY_IMPL(tmp, expr)                          \
  do {                                                      \
    if (auto tmp = (expr); !tmp) {                          \
      return ::alcove::detail::Propagate(std::move(tmp));   \
    }                                                       \
  } while (false)
#define ALCOVE_TRY_ASSIGN(lhs, expr) \
  ALCOVE_TRY_ASSIGN_IMPL(ALCOVE_CONCAT(alcove_try_, __COUNTER__), lhs, expr)
#define ALCOVE_TRY_ASSIGN_IMPL(tmp, lhs, expr)          \
  auto tmp = (expr);                                    \
  if (!tmp) {                                           \
    return ::alcove::detail::Propagate(std::move(tmp)); \
  }                                                     \
  lhs = std::move(*tmp)

namespace alcove {

}  // namespace alcove
