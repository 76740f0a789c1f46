#pragma once

#include <memory>

#include "measures/service.hpp"
#include "portal/portal.hpp"
#include "practice/practice.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"

namespace alcove::web {

class Templates;

// The client portal (issue #17; API.md § Client portal; docs/portal.md): the JSON API
// (api.cpp), the invitation's page and the client's and therapist's pages (pages.cpp).
// Every route declares its audience (C31): the therapist's routes ForTherapist, the
// client's ForRoles({kClient}), accepting an invitation for the holder of its token.
std::unique_ptr<RouteSet> AddPortalRoutes(RouteKit& kit, IdentityServices& identity,
                                          portal::Portal& portal, practice::Practice& practice,
                                          measures::Measures& measures, const Templates& templates);

}  // namespace alcove::web
