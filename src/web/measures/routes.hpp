#pragma once

#include <memory>
#include <string>

#include "mail/queue.hpp"
#include "measures/measure_mail.hpp"
#include "measures/schedules.hpp"
#include "measures/service.hpp"
#include "practice/practice.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"

namespace alcove::web {

class Templates;

// What the measures routes borrow besides the service (all outlive the routes).
struct MeasuresExtras {
  mail::Queue& mail;          // a link mailed to the client, the safety flag to the therapist
  std::string public_origin;  // the origin links in mail are on
  // Part "api": the assignment schedules and the measures' mail (null: their routes
  // answer 503).
  measures::Schedules* schedules = nullptr;
  measures::MeasureMail* measure_mail = nullptr;
};

// The questionnaires (issue #16; API.md § Questionnaires; docs/measures.md): the JSON API,
// the public form /q/{token}, the therapist's pages and the assignment schedules.
std::unique_ptr<RouteSet> AddMeasuresRoutes(RouteKit& kit, IdentityServices& identity,
                                            measures::Measures& measures,
                                            practice::Practice& practice,
                                            const Templates& templates,
                                            const MeasuresExtras& extras);

}  // namespace alcove::web
