#pragma once

// The hours routes' shared parts; not an interface. Each file of src/web/hours/ adds its
// routes through one adder declared here, and AddHoursRoutes (api.cpp) calls them all.

#include "hours/hours.hpp"
#include "web/route_kit.hpp"
#include "web/templates.hpp"

namespace alcove::web::hours_routes {

// API.md § Supervised hours, all but supervisors, imports, PDFs and signatures (api.cpp):
// /api/v1/hours/profile, /settings, /sessions, /weeks, /summary.
void AddApi(RouteKit& kit, hours::Hours& hours);

// A handler whose refusals (hours::RefusalOf: no_profile, week_submitted, week_signed,
// ...) answer 409 with the refusal's token as the error code and the service's words as
// the message (JSON for /api/, a page with `templates` otherwise); every other error as
// the route kit answers it.
TherapistHandler Refusing(TherapistHandler handler, const Templates* templates = nullptr);

}  // namespace alcove::web::hours_routes
