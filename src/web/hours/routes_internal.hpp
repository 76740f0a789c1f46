#pragma once

// The hours routes' shared parts; not an interface. Each file of src/web/hours/ adds its
// routes through one adder declared here, and AddHoursRoutes (api.cpp) calls them all.

#include <memory>

#include "hours/hours.hpp"
#include "practice/practice.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"
#include "web/templates.hpp"

namespace alcove::web::hours_routes {

// API.md § Supervised hours, all but supervisors, imports, PDFs and signatures (api.cpp):
// /api/v1/hours/profile, /settings, /sessions, /weeks, /summary.
void AddApi(RouteKit& kit, hours::Hours& hours);

// The associate's pages (pages.cpp with setup_pages.cpp, session_pages.cpp,
// week_grid.cpp and weeks_pages.cpp; docs/hours.md § Pages): /hours (progress),
// /hours/setup and /hours/settings/{id}, /hours/sessions, /hours/week (the week grid),
// /hours/weeks; a therapist without a licensure profile is sent to /hours/setup (a page
// of one object answers 404). Also what other pages show (IdentityServices::
// therapist_links): "Hours" in the navigation of a therapist with a profile, the entry
// points on Settings and Today for one without. The RouteSet holds what the handlers use.
std::unique_ptr<RouteSet> AddPages(RouteKit& kit, IdentityServices& identity, hours::Hours& hours,
                                   practice::Practice& practice, const Templates& templates);

// A handler whose refusals (hours::RefusalOf: no_profile, week_submitted, week_signed,
// ...) answer 409 with the refusal's token as the error code and the service's words as
// the message (JSON for /api/, a page with `templates` otherwise); every other error as
// the route kit answers it.
TherapistHandler Refusing(TherapistHandler handler, const Templates* templates = nullptr);

}  // namespace alcove::web::hours_routes
