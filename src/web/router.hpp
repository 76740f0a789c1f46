#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "web/http.hpp"

namespace alcove::web {

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  // Largest body this route accepts; larger ones get 413 before being read.
  // 0 means "the server's default" (server.max_body_bytes).
  std::size_t max_body_bytes = 0;
  // True for handlers that never block (no database, no hashing, no file I/O of
  // unbounded size): they run on the I/O thread, skipping the worker-pool hop.
  bool runs_inline = false;
};

struct Route {
  std::string method;
  std::string pattern;  // "/api/v1/clients/{id}", "/static/{*path}"
  Handler handler;
  RouteOptions options;

  enum class Kind { kLiteral, kParam, kRest };
  struct Segment {
    Kind kind;
    std::string text;  // the literal, or the parameter's name
  };
  std::vector<Segment> segments;
};

struct RouteMatch {
  enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
  Outcome outcome = Outcome::kNotFound;
  const Route* route = nullptr;                                  // kFound
  std::vector<std::pair<std::string, std::string>> params;      // kFound
  std::string allow;  // kMethodNotAllowed: "GET, HEAD, POST"
};

// Whatever a group of routes keeps alive for its handlers (they capture it); its owner
// keeps it as long as the router.
class RouteSet {
 public:
  virtual ~RouteSet() = default;
};

// Maps (method, decoded path segments) to a handler. Patterns are literal segments,
// `{name}` for one segment, and a final `{*name}` for the rest of the path (one or
// more segments). Where several patterns match, the most specific wins: at the first
// segment where they differ, a literal beats a parameter, which beats a rest.
// A GET route also answers HEAD. Thread-safety: build on one thread, then Match from
// any number of threads.
class Router {
 public:
  // Throws std::invalid_argument for a malformed pattern or a duplicate route (a
  // programmer error found at start-up, never at request time).
  void Add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  RouteMatch Match(std::string_view method, const std::vector<std::string>& segments) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace alcove::web
