#pragma once

#include <memory>

#include "hours/hours.hpp"
#include "practice/practice.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"

namespace alcove::web {

class Templates;

// The associate's hours pages (docs/hours.md § Pages): the progress page /hours, the
// setup /hours/setup with the work settings, the sessions of a week /hours/sessions, the
// week grid /hours/week and the weekly logs /hours/weeks; all for therapists, and a
// therapist without a licensure profile is sent to the setup. Also the "Hours" item of
// the navigation for a therapist with a profile, and for one without, the calm entry
// points on Settings and Today (IdentityServices::therapist_links).
std::unique_ptr<RouteSet> AddHoursPages(RouteKit& kit, IdentityServices& identity,
                                        hours::Hours& hours, practice::Practice& practice,
                                        const Templates& templates);

}  // namespace alcove::web
