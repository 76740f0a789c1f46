#pragma once

// The portal routes' shared parts; not an interface. Each file of src/web/portal/ adds its
// routes through one member of PortalRoutes, and AddPortalRoutes (routes.cpp) calls them.

#include <functional>
#include <optional>
#include <string>

#include "identity/scope.hpp"
#include "measures/service.hpp"
#include "portal/portal.hpp"
#include "practice/practice.hpp"
#include "web/portal/routes.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"
#include "web/templates.hpp"

namespace alcove::web::portal_routes {

// The per-therapist budget class of portal invitations (C30; docs/rate-limits.md).
inline constexpr std::string_view kInviteClass = "portal_invite";
// The token-holder purpose of the invitation's page and POST /api/v1/portal/accept.
inline constexpr std::string_view kAcceptAudience = "portal_invitation";

// A signed-in client's handler, given the scope the service takes.
using ClientHandler =
    std::function<Result<Response>(Request&, const identity::ClientScope&, const SignedIn&)>;
// A route for clients only (C31): the facade checks the session and the role, then the
// scope is made from the principal.
SessionRoute ForClient(ClientHandler handler);

class PortalRoutes final : public RouteSet {
 public:
  PortalRoutes(IdentityServices& identity, portal::Portal& portal, practice::Practice& practice,
               measures::Measures& measures, const Templates& templates)
      : id_(identity), portal_(portal), p_(practice), m_(measures), t_(templates) {}

  // api.cpp: API.md § Client portal (invitations, accepting, shares, the client's items and
  // questionnaires, "what this client sees now").
  void AddApi(RouteKit& kit);
  // pages.cpp: /portal/accept, the client's home, items and questionnaires, and the
  // therapist's "What this client sees now".
  void AddPages(RouteKit& kit);

  // The per-therapist invitation budget (C30), or the 429 answer when it is spent.
  std::optional<Response> ThrottleInvite(const Request& req, const identity::TherapistScope& who,
                                         const Templates* templates);
  // The answer to a used invitation: session cookies set on `res`.
  void SetSession(Response& res, const identity::NewSession& session);

  IdentityServices& id_;
  portal::Portal& portal_;
  practice::Practice& p_;
  measures::Measures& m_;
  const Templates& t_;
};

}  // namespace alcove::web::portal_routes
