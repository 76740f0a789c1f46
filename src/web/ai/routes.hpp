#pragma once

#include <memory>

#include "ai/jobs.hpp"
#include "recordings/recordings.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"

namespace alcove::web {

class Templates;

// AI transcription and drafting (issue #19; API.md § Recordings and AI; docs/ai.md): the
// therapist's jobs (transcribe, draft a summary, follow and cancel a job, read the
// transcript), rate limited per therapist (C30, class "ai"), and the transparency page
// `/ai` with its JSON, generated from the running configuration (C54), for anyone.
std::unique_ptr<RouteSet> AddAiRoutes(RouteKit& kit, IdentityServices& identity, ai::Jobs& jobs,
                                      recordings::Recordings& recordings,
                                      const Templates& templates);

}  // namespace alcove::web
