#pragma once

// The recordings routes' shared parts; not an interface. Each file of src/web/recordings/
// adds its routes through one member of RecordingsRoutes, and AddRecordingsRoutes
// (routes.cpp) calls them.

#include "practice/practice.hpp"
#include "recordings/recordings.hpp"
#include "web/recordings/routes.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"
#include "web/templates.hpp"

namespace alcove::web::recordings_routes {

// The answer to a refusal of the recordings service: 409 consent_missing (C05), 410
// recording_withdrawn (C04); any other error as itself.
Result<Response> Refusal(const Request& req, const Templates* t, const Error& e);

class RecordingsRoutes final : public RouteSet {
 public:
  RecordingsRoutes(IdentityServices& identity, recordings::Recordings& recordings,
                   practice::Practice& practice, const Templates& templates)
      : id_(identity), rec_(recordings), p_(practice), t_(templates) {}

  // api.cpp: API.md § Recordings (the recording routes), the consent text and retention,
  // the client's consent in the portal.
  void AddApi(RouteKit& kit);
  // pages.cpp: the therapist's Recordings tab and a recording's page (recorder, upload,
  // playback, consent, withdrawal), the record's lines, the client's consent pages.
  void AddPages(RouteKit& kit);

  IdentityServices& id_;
  recordings::Recordings& rec_;
  practice::Practice& p_;
  const Templates& t_;
};

}  // namespace alcove::web::recordings_routes
