#pragma once

#include <functional>
#include <initializer_list>
#include <string>

#include "core/error.hpp"
#include "identity/scope.hpp"
#include "web/http.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"

namespace alcove::web {

class Templates;

// The route facade (ARCHITECTURE.md § Roles and the module kit; claim C31). A module
// registers each route with its audience, body limit and rate-limit class; before the
// handler runs, the facade does, in this order:
//   1. session: for role audiences, a valid device-bound session, else 401 (API) or a
//      303 to /signin (pages), with the session cookies cleared;
//   2. role: the session's role is one of the audience's, else 403 — nothing of the
//      handler runs and nothing changes;
//   3. CSRF: for methods other than GET/HEAD/OPTIONS with a session, the token
//      (X-CSRF-Token for the API, the csrf_token field for forms), else 403;
//   4. rate limit: the route's class against the caller's IP, else 429 + Retry-After;
//   5. the handler, whose error (a Result) becomes the one error answer (web/errors.hpp:
//      a 5xx carries no internal text).
// Which surface a route is (JSON or page) follows from its pattern: "/api/..." is JSON.
// For pages the facade also notes who is looking (Request::viewer, page_nav.hpp), so the
// layout's navigation fits the role without the handler passing anything.
// Thread-safety: build on one thread; the handlers it makes run on any thread.

// A handler of a route for named roles.
using SessionHandler = std::function<Result<Response>(Request&, const SignedIn&)>;
// A handler of a public or token route (no session is looked up for it).
using OpenHandler = std::function<Result<Response>(Request&)>;
// A signed-in therapist: the scope is made by the facade after its checks.
struct TherapistSession {
  identity::TherapistScope scope;
  std::string csrf_token;  // for forms
};
using TherapistHandler = std::function<Result<Response>(Request&, const TherapistSession&)>;

struct SessionRoute {
  Audience audience;
  SessionHandler handler;
};
struct OpenRoute {
  Audience audience;
  OpenHandler handler;
};

// Route declarations, read as the audience they name.
OpenRoute ForAnyone(OpenHandler handler);
OpenRoute ForTokenHolders(std::string purpose, OpenHandler handler);
SessionRoute ForRoles(std::initializer_list<identity::Role> roles, SessionHandler handler);
SessionRoute ForAnyAccount(SessionHandler handler);
SessionRoute ForTherapist(TherapistHandler handler);

class RouteKit {
 public:
  // Borrows all three; `identity` may be null only if no route needs a session.
  RouteKit(Router& router, IdentityServices* identity, const Templates* templates)
      : router_(router), identity_(identity), templates_(templates) {}

  // Throws std::invalid_argument (start-up) when the declaration and the options
  // disagree, e.g. a rate class without an identity service.
  void Add(std::string method, std::string pattern, SessionRoute route, RouteOptions options = {});
  void Add(std::string method, std::string pattern, OpenRoute route, RouteOptions options = {});

  // The page of an address no route matches (404, in words), through the same steps as
  // an open route, so its navigation fits whoever is looking.
  void SetNotFoundPage();

  Router& router() { return router_; }

 private:
  Handler WrapOpen(const std::string& pattern, OpenRoute route, const RouteOptions& options);

  Router& router_;
  IdentityServices* identity_;
  const Templates* templates_;
};

}  // namespace alcove::web
