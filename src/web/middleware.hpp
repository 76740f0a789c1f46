#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "web/http.hpp"
#include "web/router.hpp"

namespace alcove::web {

class Templates;

using Next = std::function<Response(Request&)>;
using Middleware = std::function<Response(Request&, const Next&)>;

// Runs `layers` in order around `terminal`: layers[0] sees the request first and the
// response last. Thread-safety: immutable after construction; operator() may run on
// any number of threads at once if every layer and the terminal allow it.
class Chain {
 public:
  Chain(std::vector<Middleware> layers, Handler terminal);
  Response operator()(Request& request) const;

 private:
  Response Run(std::size_t index, Request& request) const;
  std::vector<Middleware> layers_;
  Handler terminal_;
};

// Gives the request a random id (echoed as X-Request-Id) and writes one access-log
// line after the response is made: listener, request id, method, route pattern (never
// the raw target: query strings carry tokens), status, duration. Never a body, a
// cookie or a header value. Also the last resort: anything thrown past the other
// layers becomes a bare 500 that still carries the security headers.
Middleware RequestIdAndAccessLog(std::string listener, const Clock& clock);

// Puts the security header set on every response that passes (C60) and drops any
// Set-Cookie that is not __Host-/Secure/HttpOnly/SameSite=Strict.
Middleware SecurityHeaders();

// Turns an exception thrown by an inner layer or a handler into a 500 answer with a
// generic message; the exception's text goes to the log with the request id only.
Middleware ErrorMapping(const Templates* templates);

// Answers requests the connection could not read whole (early_status: 400, 408, 413,
// 431) with that status, and closes the connection after them.
Middleware Limits(const Templates* templates);

// The terminal of the application chain: parses the target (400 if malformed),
// matches a route (404, or 405 with Allow), and calls its handler.
Handler RouteTo(const Router& router, const Templates* templates);

}  // namespace alcove::web
