#pragma once

#include <memory>

#include "practice/practice.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"

namespace alcove::web {

class Templates;

// The clients and records routes (API.md § Clients and records) and their pages:
// client list, client page, note editor, summary review, printable export.
std::unique_ptr<RouteSet> AddPracticeRoutes(RouteKit& router, IdentityServices& identity,
                                            practice::Practice& practice,
                                            const Templates& templates);

}  // namespace alcove::web
