#pragma once

// The client portal's pages (issue #17; docs/portal.md § Pages): the therapist's Portal
// tab of a client's record (access, sharing, history), "What this client sees now", the
// invitation's page, and the client's own portal. The JSON API is api.cpp's.

#include <memory>

#include "measures/service.hpp"
#include "portal/portal.hpp"
#include "practice/practice.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"
#include "web/templates.hpp"

namespace alcove::web {

// What the pages borrow (all outlive the routes).
struct PortalPageDeps {
  IdentityServices& identity;
  portal::Portal& portal;
  practice::Practice& practice;
  measures::Measures& measures;  // the client's results, to share them
  const Templates& templates;
};

// Adds the pages' routes, and the portal's line and tab on a client's record page
// (IdentityServices::client_page).
std::unique_ptr<RouteSet> AddPortalPages(RouteKit& kit, const PortalPageDeps& deps);

}  // namespace alcove::web
