#pragma once

#include <memory>

#include "hours/hours.hpp"
#include "hours/reminders.hpp"
#include "hours/supervisor_directory.hpp"
#include "hours/signing.hpp"
#include "hours/summary_signing.hpp"
#include "hours/supervision.hpp"
#include "practice/practice.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"

namespace alcove::web {

class Templates;

// Supervised hours (API.md § Supervised hours; docs/hours.md): the JSON API of the
// profile, work settings, session logs, weekly logs and the summary (api.cpp), and the
// pages and the CSV import, each from its own file (routes_internal.hpp). Every route is
// the therapist's alone (C31); a therapist without a licensure profile gets 409
// no_profile everywhere but the profile, and 404 for any id (it has none, C20).
// What the hours routes borrow of issue #15's parts: the associates' supervisors and
// the reminders (both outlive the routes).
struct HoursExtras {
  const hours::SupervisorDirectory& supervisors;
  hours::Reminders& reminders;
  // Submitting to a supervisor, signing and receipts.
  hours::Signing& signing;
  // Signing experience-verification summaries.
  hours::SummarySigning& summary_signing;
};

std::unique_ptr<RouteSet> AddHoursRoutes(RouteKit& kit, IdentityServices& identity,
                                         hours::Hours& hours, practice::Practice& practice,
                                         const Templates& templates, const HoursExtras& extras);

// Supervisors (issue #15; API.md § Supervisors; docs/supervisors.md; supervisor_routes.cpp):
// the associate's invitations and links (/api/v1/hours/supervisors, /hours/supervisors),
// accepting an invitation (/supervisor/accept and POST /api/v1/supervisor/accept, for the
// holder of its token), and the supervisor's own routes, for role supervisor only
// (/api/v1/supervisor/associates, /api/v1/supervisor/pin, /supervisor...), which return
// what hours::Supervision's summary types hold and nothing else (C29).
std::unique_ptr<RouteSet> AddSupervisionRoutes(RouteKit& kit, IdentityServices& identity,
                                               hours::Supervision& supervision,
                                               hours::Hours& hours, hours::Reminders& reminders,
                                               const Templates& templates);

}  // namespace alcove::web
