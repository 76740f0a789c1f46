#include "web/errors.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "web/templates.hpp"

namespace alcove::web {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 422;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string_view CodeForStatus(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthenticated";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 422: return "unprocessable";
    case 429: return "rate_limited";
    case 431: return "headers_too_large";
    case 503: return "unavailable";
    default: return "internal";
  }
}

namespace {

// Every 429 and 503 says when to come back (RFC 9110 §10.2.3): rate limits set their own
// exact value over this; the busy pools and queues use these.
constexpr std::string_view kRetryAfterTooMany = "5";
constexpr std::string_view kRetryAfterUnavailable = "30";

Response WithRetryAfter(Response res) {
  if ((res.status == 429 || res.status == 503) && !res.headers.Has("Retry-After")) {
    res.headers.Set("Retry-After",
                    std::string(res.status == 429 ? kRetryAfterTooMany : kRetryAfterUnavailable));
  }
  return res;
}

Response Render(const Request& request, const Templates* templates, int status,
                std::string_view code, std::string_view message);

}  // namespace

Response ErrorResponse(const Request& request, const Templates* templates, int status,
                       std::string_view code, std::string_view message) {
  return WithRetryAfter(Render(request, templates, status, code, message));
}

namespace {

Response Render(const Request& request, const Templates* templates, int status,
                std::string_view code, std::string_view message) {
  const bool api = request.path.starts_with("/api/") || request.target.starts_with("/api/");
  if (api || templates == nullptr) {
    if (!api) {
      return Response::Text(status, std::string(message) + "\n");
    }
    boost::json::object error;
    error["code"] = code;
    error["message"] = message;
    boost::json::object body;
    body["error"] = std::move(error);
    return Response::Json(status, boost::json::serialize(body));
  }
  TemplateData data;
  data.set("status", std::to_string(status));
  data.set("reason", std::string(ReasonPhrase(status)));
  data.set("message", std::string(message));
  return Response::Html(status, templates->RenderPage("error", ReasonPhrase(status), data));
}

}  // namespace

Response ErrorResponse(const Request& request, const Templates* templates, const Error& error) {
  const int status = HttpStatusFor(error.code);
  if (status >= 500) {
    // A server fault: the internal message (never client content: core/error.hpp) goes to
    // the log with the request id; whoever asked gets the code's generic words and the id
    // to quote, never our internals.
    spdlog::error("request id={} route={} {}: {}",
                  request.request_id.empty() ? "-" : request.request_id,
                  request.route.empty() ? "-" : request.route, ErrorCodeName(error.code),
                  error.internal);
    return ErrorResponse(request, templates, status, ErrorCodeName(error.code),
                         ServerFaultMessage(error.code, request.request_id));
  }
  return ErrorResponse(request, templates, status, ErrorCodeName(error.code),
                       error.public_message.empty() ? PublicMessageFor(error.code)
                                                    : error.public_message);
}

std::string ServerFaultMessage(ErrorCode code, std::string_view request_id) {
  std::string out = PublicMessageFor(code);
  if (!request_id.empty()) {
    out += " If this keeps happening, tell the operator request id ";
    out += request_id;
    out += ".";
  }
  return out;
}

}  // namespace alcove::web
