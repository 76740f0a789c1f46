#include "web/middleware.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "crypto/random.hpp"
#include "web/cookies.hpp"
#include "web/errors.hpp"
#include "web/security_headers.hpp"
#include "web/target.hpp"

namespace alcove::web {
namespace {

// Methods are tokens the client chose; log only short upper-case words.
std::string_view LoggableMethod(std::string_view m) {
  const bool ok = !m.empty() && m.size() <= 16 &&
                  std::all_of(m.begin(), m.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  return ok ? m : std::string_view("?");
}

// A request id: a random per-thread prefix and a per-thread counter, 24 hex digits.
// Unique per process without a system call per request; ids correlate log lines and
// are not secrets.
std::string NextRequestId() {
  thread_local const std::string prefix = crypto::RandomHex(6);
  thread_local std::uint64_t counter = 0;
  return fmt::format("{}{:012x}", prefix, ++counter & 0xffff'ffff'ffffULL);
}

}  // namespace

Chain::Chain(std::vector<Middleware> layers, Handler terminal)
    : layers_(std::move(layers)), terminal_(std::move(terminal)) {}

Response Chain::operator()(Request& request) const { return Run(0, request); }

Response Chain::Run(std::size_t index, Request& request) const {
  if (index == layers_.size()) {
    return terminal_(request);
  }
  const Next next = [this, index](Request& r) { return Run(index + 1, r); };
  return layers_[index](request, next);
}

Middleware RequestIdAndAccessLog(std::string listener, const Clock& clock) {
  return [listener = std::move(listener), &clock](Request& req, const Next& next) {
    const Micros start = clock.Now();
    req.request_id = NextRequestId();
    req.route = "-";
    Response res;
    try {
      res = next(req);
    } catch (...) {
      res = Response::Text(500, "Internal Server Error\n");
      res.close = true;
      ApplySecurityHeaders(res);
      spdlog::error("request id={} failed outside error mapping", req.request_id);
    }
    res.headers.Set("X-Request-Id", req.request_id);
    spdlog::info("access listener={} id={} method={} route={} status={} duration_us={}", listener,
                 req.request_id, LoggableMethod(req.method), req.route, res.status,
                 clock.Now() - start);
    return res;
  };
}

Middleware SecurityHeaders() {
  return [](Request& req, const Next& next) {
    Response res = next(req);
    const auto& all = res.headers.all();
    const bool weak_cookie = std::any_of(all.begin(), all.end(), [](const auto& kv) {
      return EqualsIgnoreCase(kv.first, "Set-Cookie") && !IsStrictCookie(kv.second);
    });
    if (weak_cookie) {
      spdlog::error("request id={} route={} tried to set a non-strict cookie; dropped",
                    req.request_id, req.route);
      Response kept;
      kept.status = res.status;
      kept.body = std::move(res.body);
      kept.close = res.close;
      for (const auto& [k, v] : all) {
        if (!EqualsIgnoreCase(k, "Set-Cookie") || IsStrictCookie(v)) {
          kept.headers.Add(k, v);
        }
      }
      res = std::move(kept);
    }
    ApplySecurityHeaders(res);
    return res;
  };
}

Middleware ErrorMapping(const Templates* templates) {
  return [templates](Request& req, const Next& next) {
    try {
      return next(req);
    } catch (const std::exception& e) {
      spdlog::error("request id={} route={} unhandled exception: {}", req.request_id, req.route,
                    e.what());
    } catch (...) {
      spdlog::error("request id={} route={} unhandled non-standard exception", req.request_id,
                    req.route);
    }
    return ErrorResponse(req, templates, 500, "internal",
                         ServerFaultMessage(ErrorCode::kInternal, req.request_id));
  };
}

Middleware Limits(const Templates* templates) {
  return [templates](Request& req, const Next& next) {
    if (!req.early_status) {
      return next(req);
    }
    const int status = *req.early_status;
    std::string_view message = "The request could not be read.";
    switch (status) {
      case 408:
        message = "The request took too long to arrive.";
        break;
      case 413:
        message = "The request body is larger than this address accepts.";
        break;
      case 431:
        message = "The request's headers are too large.";
        break;
      case 503:
        message = "The server is busy receiving other requests. Try again in a moment.";
        break;
      default:
        break;
    }
    Response res = ErrorResponse(req, templates, status, CodeForStatus(status), message);
    res.close = true;
    return res;
  };
}

namespace {

Response Dispatch(const Router& router, Request& req, const Templates* templates,
                  Result<Target>&& target, RouteMatch&& m) {
  if (!target) {
    return ErrorResponse(req, templates, 400, "bad_request", target.error().public_message);
  }
  req.path = std::move(target->path);
  req.query = std::move(target->query);
  switch (m.outcome) {
    case RouteMatch::Outcome::kNotFound:
      if (router.not_found() && !req.path.starts_with("/api/")) {
        return router.not_found()(req);
      }
      return ErrorResponse(req, templates, 404, "not_found", "There is nothing at this address.");
    case RouteMatch::Outcome::kMethodNotAllowed: {
      Response res = ErrorResponse(req, templates, 405, "method_not_allowed",
                                   "This address does not accept that method.");
      res.headers.Set("Allow", m.allow);
      return res;
    }
    case RouteMatch::Outcome::kFound:
      break;
  }
  req.route = m.route->pattern;
  req.path_params = std::move(m.params);
  return m.route->handler(req);
}

}  // namespace

Handler RouteTo(const Router& router, const Templates* templates) {
  return [&router, templates](Request& req) {
    // Routed once: by PlanFor when the server asked it (its routing is used up here);
    // without one (tests, benchmarks), parsed and matched here.
    if (req.routing != nullptr) {
      const std::shared_ptr<Routing> routing = std::move(req.routing);
      return Dispatch(router, req, templates, std::move(routing->target),
                      std::move(routing->match));
    }
    Result<Target> target = ParseTarget(req.target);
    RouteMatch m;
    if (target) {
      m = router.Match(req.method, target->segments);
    }
    return Dispatch(router, req, templates, std::move(target), std::move(m));
  };
}

}  // namespace alcove::web
