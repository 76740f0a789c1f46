#pragma once

#include <memory>

#include "practice/practice.hpp"
#include "schedule/schedule.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"

namespace alcove::web {

class Templates;

// The appointments API (API.md § Appointments), the time zone setting, and the pages:
// the week view (/schedule), the time zone page, and the Today page, which becomes the
// signed-in therapist's home "/" (IdentityServices::therapist_home).
std::unique_ptr<RouteSet> AddScheduleRoutes(RouteKit& kit, IdentityServices& identity,
                                            schedule::Schedule& schedule,
                                            practice::Practice& practice,
                                            const Templates& templates);

}  // namespace alcove::web
