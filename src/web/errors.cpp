#include "web/errors.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>
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
                std::string_view code, std::string_view message, std::string_view next = {});

// An error page in plain words (docs/design.md § Errors): a heading that says what
// happened, what to do next, and a link on. `own_words`: the status's message is shown
// instead of the answer's, which speaks of requests (limits, routing, server faults;
// so is the message of code "bad_request", a target or request that could not be read).
struct PageWords {
  std::string_view heading;
  std::string_view message;
  std::string_view next;
  bool own_words = false;
  std::string_view back_href = "/";
  std::string_view back_label = "Go to your start page";
};

PageWords PageWordsFor(int status) {
  switch (status) {
    case 400:
      return {"That did not work", "Something in what was sent was not as expected.",
              "Go back, check what you entered, and try again."};
    case 401:
      return {"Please sign in", "You need to be signed in to see this page.",
              "Sign in, then open the page again.", false, "/signin", "Sign in"};
    case 403:
      return {"This is not open to your account", "This page is not available to your account.",
              "If you think it should be, sign in with the account that owns it."};
    case 404:
      return {"We could not find that page", "There is nothing at this address.",
              "Check the address, or start again from your start page."};
    case 405:
      return {"That cannot be done here", "This page does not take that kind of action.",
              "Go back and use the buttons and links on the page.", true};
    case 408:
      return {"That took too long", "Your browser took too long to send the page.",
              "Try again; on a slow connection, wait until it is better.", true};
    case 409:
      return {"That changed in the meantime", "Someone changed this at the same time.",
              "Reload the page to see the latest version, then try again."};
    case 413:
      return {"That was too much to send at once",
              "What you sent is larger than this page accepts.",
              "Go back (your text is still there), shorten it or split it into parts, and "
              "try again.",
              true};
    case 422:
      return {"That cannot be done right now", "That cannot be done now.",
              "Go back and check what the page says."};
    case 429:
      return {"Too many tries in a short time",
              "To keep accounts safe, Alcove pauses after many tries.",
              "Wait a minute, then try again."};
    case 431:
      return {"Your browser sent too much", "Your browser sent more than Alcove accepts at once.",
              "Sign out and in again, or clear this site's cookies in your browser, then try "
              "again.",
              true};
    case 503:
      return {"Alcove is busy right now", "Too many people are using Alcove at this moment.",
              "Wait a minute, then try again.", true};
    default:
      break;
  }
  if (status >= 500) {
    return {"Something went wrong on our side",
            "Something went wrong on our side. It was not caused by anything you did.",
            "Try again in a minute. If it keeps happening, tell whoever runs Alcove for your "
            "practice, with the reference below.",
            true};
  }
  return {"That did not work", "Something in what was sent was not as expected.",
          "Go back and try again."};
}

}  // namespace

Response ErrorResponse(const Request& request, const Templates* templates, int status,
                       std::string_view code, std::string_view message) {
  return WithRetryAfter(Render(request, templates, status, code, message));
}

std::string WaitInWords(std::int64_t seconds) {
  if (seconds <= 1) {
    return "Wait a second, then try again.";
  }
  if (seconds < 90) {
    return fmt::format("Wait {} seconds, then try again.", seconds);
  }
  const std::int64_t minutes = (seconds + 59) / 60;
  return fmt::format("Wait {} minutes, then try again.", minutes);
}

Response RateLimitedResponse(const Request& request, const Templates* templates,
                             std::int64_t retry_after_seconds) {
  const std::int64_t seconds = std::max<std::int64_t>(retry_after_seconds, 1);
  const std::string wait = WaitInWords(seconds);
  // The API's message says it all; a page says the wait in its "what to do" line.
  const bool api = request.path.starts_with("/api/") || request.target.starts_with("/api/");
  Response res = Render(request, templates, 429, "rate_limited",
                        api ? "Too many attempts. " + wait
                            : std::string("To keep accounts safe, Alcove pauses after many tries."),
                        wait);
  res.headers.Set("Retry-After", std::to_string(seconds));
  return res;
}

namespace {

Response Render(const Request& request, const Templates* templates, int status,
                std::string_view code, std::string_view message, std::string_view next) {
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
  const PageWords words = PageWordsFor(status);
  TemplateData data;
  data.set("heading", std::string(words.heading));
  // The answer's own words when they are written for people; the status's otherwise
  // (the limits, routing and server faults speak of requests, not of what a person did).
  const bool own = words.own_words || message.empty() || code == "bad_request";
  data.set("message", std::string(own ? words.message : message));
  data.set("next", std::string(next.empty() ? words.next : next));
  data.set("back_href", std::string(words.back_href));
  data.set("back_label", std::string(words.back_label));
  if (status >= 500 && !request.request_id.empty()) {
    data.set("reference", request.request_id);
  }
  return Response::Html(status, templates->RenderPage("error", std::string(words.heading) +
                                                                   " · Alcove",
                                                      data));
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
