#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "identity/principal.hpp"
#include "web/http.hpp"
#include "web/target.hpp"

namespace alcove::web {

using Handler = std::function<Response(Request&)>;

// Who may call a route (claim C31; ARCHITECTURE.md § Roles and the module kit): anyone
// (public), whoever holds a token of one purpose (the handler's service checks the
// token; no session is looked up), or a signed-in account of one of the named roles.
// Deny by default: a default-made Audience is "unset", and Router::Add refuses it.
class Audience {
 public:
  enum class Kind { kUnset, kPublic, kToken, kRoles };

  Audience() = default;
  static Audience Public() { return Audience(Kind::kPublic, {}, {}); }
  static Audience Token(std::string purpose) {
    return Audience(Kind::kToken, std::move(purpose), {});
  }
  static Audience Roles(std::initializer_list<identity::Role> roles) {
    return Audience(Kind::kRoles, {}, std::vector<identity::Role>(roles));
  }
  // Every role: routes about one's own account (sessions, password, sign-out).
  static Audience AnyAccount() {
    return Roles(
        {identity::Role::kTherapist, identity::Role::kSupervisor, identity::Role::kClient});
  }

  Kind kind() const { return kind_; }
  bool Allows(identity::Role role) const;
  const std::string& token_purpose() const { return purpose_; }
  const std::vector<identity::Role>& roles() const { return roles_; }
  // "public", "token:signin", "roles:therapist,supervisor" (route listings, tests).
  std::string Describe() const;

 private:
  Audience(Kind kind, std::string purpose, std::vector<identity::Role> roles)
      : kind_(kind), purpose_(std::move(purpose)), roles_(std::move(roles)) {}
  Kind kind_ = Kind::kUnset;
  std::string purpose_;
  std::vector<identity::Role> roles_;
};

struct RouteOptions {
  // Largest body this route accepts; larger ones get 413 before being read.
  // 0 means "the server's default" (server.max_body_bytes).
  std::size_t max_body_bytes = 0;
  // The handler reads the body itself, piece by piece, from Request::body_stream
  // (http.hpp) while the client sends it, so a body of any size up to max_body_bytes
  // (e.g. kMaxStreamedBodyBytes) never sits in memory whole. A declared Content-Length
  // over the limit still gets 413 before the handler runs. Such a body counts one piece
  // against the server's body memory budget, not its length, and body_timeout applies to
  // each wait for the client's next bytes instead of to the whole body. Not with
  // runs_inline (Router::Add refuses it): the handler blocks on the client.
  bool streaming_body = false;
  // True for handlers that never block (no database, no hashing, no file I/O of
  // unbounded size): they run on the I/O thread, skipping the worker-pool hop.
  bool runs_inline = false;
  // Required: who may call it (see Audience).
  Audience audience;
  // When set, the route facade checks the caller's IP against this rate-limit class
  // (identity/rate_limit.hpp) before the handler runs: 429 with Retry-After.
  std::string rate_class;
};

// A streaming route's usual limit: a long session's recording.
inline constexpr std::size_t kMaxStreamedBodyBytes = std::size_t{4} << 30;  // 4 GiB

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
  const Route* route = nullptr;                             // kFound
  std::vector<std::pair<std::string, std::string>> params;  // kFound
  std::string allow;                                        // kMethodNotAllowed: "GET, HEAD, POST"
};

// A request's target, parsed, and the route it matched (Request::routing).
struct Routing {
  Result<Target> target;
  RouteMatch match;  // only when `target` parsed
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
  // Throws std::invalid_argument for a malformed pattern, a duplicate route, or a route
  // whose options declare no audience, or roles without any role (programmer errors
  // found at start-up, never at request time: deny by default).
  void Add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  RouteMatch Match(std::string_view method, const std::vector<std::string>& segments) const;
  // Parses `target` and matches it: what Request::routing holds.
  std::shared_ptr<Routing> RouteTarget(std::string_view method,
                                             std::string_view target) const;

  const std::vector<Route>& routes() const { return routes_; }

  // What answers a page address no route matches, instead of the plain 404: set by the
  // route facade (RouteKit::SetNotFoundPage), so the page knows who is looking. Null
  // until set.
  void SetNotFound(Handler handler) { not_found_ = std::move(handler); }
  const Handler& not_found() const { return not_found_; }

 private:
  std::vector<Route> routes_;
  Handler not_found_;
};

}  // namespace alcove::web
