#pragma once

#include <memory>

#include "web/app.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"

namespace alcove::web {

// Adds the sign-up, sign-in, session and settings routes (API.md § Authentication, and
// the pages), including the front page "/" (the home page when signed in). The returned
// object owns what the handlers use; keep it alive as long as the router.
std::unique_ptr<RouteSet> AddIdentityRoutes(RouteKit& router, IdentityServices& services,
                                            const Templates& templates, const SiteSettings& site);

}  // namespace alcove::web
