#include "core/error.hpp"

namespace alcove {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kResourceExhausted:
      return "resource_exhausted";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

const char* PublicMessageFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "The request is not valid.";
    case ErrorCode::kNotFound:
      return "Not found.";
    case ErrorCode::kAlreadyExists:
      return "That already exists.";
    case ErrorCode::kPermissionDenied:
      return "You may not do that.";
    case ErrorCode::kUnauthenticated:
      return "Please sign in.";
    case ErrorCode::kFailedPrecondition:
      return "That cannot be done now.";
    case ErrorCode::kConflict:
      return "Someone else changed this at the same time. Reload and try again.";
    case ErrorCode::kResourceExhausted:
      return "Too many requests. Wait a little and try again.";
    case ErrorCode::kUnavailable:
      return "The service is busy or unavailable. Try again in a minute.";
    case ErrorCode::kInternal:
      return "Something went wrong on our side.";
  }
  return "Something went wrong on our side.";
}

bool IsServerFault(ErrorCode code) {
  return code == ErrorCode::kInternal || code == ErrorCode::kUnavailable;
}

}  // namespace alcove
