#pragma once

#include <memory>

#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"
#include "web/templates.hpp"

namespace alcove::web {

// The one-time sign-in code and "Send a new link" (C26; docs/api.md § Authentication,
// docs/identity.md § Sign-in codes): POST /api/v1/auth/code, POST /api/v1/auth/resend,
// and the pages GET /check-email (the code form), POST /auth/code, POST /auth/resend.
// The returned object owns what the handlers use; keep it alive as long as the router.
std::unique_ptr<RouteSet> AddSignInCodeRoutes(RouteKit& router, IdentityServices& services,
                                              const Templates& templates);

}  // namespace alcove::web
