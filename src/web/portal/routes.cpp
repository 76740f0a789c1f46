// AddPortalRoutes: every part of the client portal's web surface.
#include "web/portal/routes.hpp"

#include "web/portal/routes_internal.hpp"

namespace alcove::web {

namespace portal_routes {

SessionRoute ForClient(ClientHandler handler) {
  return ForRoles(
      {identity::Role::kClient},
      [handler = std::move(handler)](Request& req, const SignedIn& signed_in) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(const auto who, identity::ClientScope::From(signed_in.principal));
        return handler(req, who, signed_in);
      });
}

std::optional<Response> PortalRoutes::ThrottleInvite(const Request& req,
                                                     const identity::TherapistScope& who,
                                                     const Templates* templates) {
  return Throttle(id_, templates, req, kInviteClass, "portal-invite:" + who.account_id());
}

void PortalRoutes::SetSession(Response& res, const identity::NewSession& session) {
  SetSessionCookies(res, session, id_.clock.Now());
}

}  // namespace portal_routes

std::unique_ptr<RouteSet> AddPortalRoutes(RouteKit& kit, IdentityServices& identity,
                                          portal::Portal& portal, practice::Practice& practice,
                                          measures::Measures& measures,
                                          const Templates& templates) {
  auto routes = std::make_unique<portal_routes::PortalRoutes>(identity, portal, practice, measures,
                                                              templates);
  routes->AddApi(kit);
  routes->AddPages(kit);
  return routes;
}

}  // namespace alcove::web
