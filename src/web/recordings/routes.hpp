#pragma once

#include <memory>

#include "practice/practice.hpp"
#include "recordings/recordings.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"

namespace alcove::web {

class Templates;

// Session recordings (issue #18; API.md § Recordings and AI; docs/recordings.md): the JSON
// API (api.cpp) for the therapist (recordings, participants' consent, withdrawal, the
// consent text and retention setting) and for the client in the portal (their consent and
// its withdrawal). Every route declares its audience (C31): ForTherapist, or clients only.
std::unique_ptr<RouteSet> AddRecordingsRoutes(RouteKit& kit, IdentityServices& identity,
                                              recordings::Recordings& recordings,
                                              practice::Practice& practice,
                                              const Templates& templates);

}  // namespace alcove::web
