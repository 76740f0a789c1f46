#pragma once

// The hours routes' shared parts; not an interface. Each file of src/web/hours/ adds its
// routes through one adder declared here, and AddHoursRoutes (api.cpp) calls them all.

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "hours/hours.hpp"
#include "hours/signing.hpp"
#include "hours/summary_signing.hpp"
#include "practice/practice.hpp"
#include "web/hours/routes.hpp"
#include "web/body.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"
#include "web/templates.hpp"

namespace alcove::web::hours_routes {

// API.md § Supervised hours, all but supervisors, imports, PDFs and signatures (api.cpp):
// /api/v1/hours/profile, /settings, /sessions, /weeks, /summary. A week is submitted to
// a supervisor and withdrawn through `signing` (the signing link, docs/signing.md).
void AddApi(RouteKit& kit, hours::Hours& hours, hours::Signing& signing);

// signing_routes.cpp (issue #15; docs/signing.md): POST /api/v1/sign, GET and POST /sign
// (the supervisor's signing page, token in the fragment), GET
// /api/v1/hours/weeks/{id}/signature and .../signature/receipt (the associate's), GET and
// POST /verify and POST /api/v1/verify (public receipt checks).
std::unique_ptr<RouteSet> AddSigningRoutes(RouteKit& kit, hours::Signing& signing,
                                           const Templates& templates);

// What both signing pages share (signing_routes.cpp): the status of a refusal
// (hours::SigningRefusalOf: link_gone 410, link_locked 423, wrong_pin 401, any other 409);
// a receipt in JSON ({"format","event_id","text"}, API.md); the token of a signing form
// (the field, or the whole link pasted into it).
int SigningRefusalStatus(std::string_view refusal);
boost::json::object ReceiptJson(const std::string& text, const std::string& event_id);
std::string SigningTokenOf(const FormFields& fields);

// summary_signing_routes.cpp (issue #15; docs/signing.md § The verification summary): the
// associate asks a supervisor to sign their experience-verification summary (POST
// /api/v1/hours/verification/signing-requests, and the form POST /hours/verification/ask),
// sees the requests and signatures (GET /api/v1/hours/verification/signatures, a
// signature's .../receipt); the supervisor opens and signs it (GET and POST
// /sign/summary, token in the fragment; POST /api/v1/sign/summary).
std::unique_ptr<RouteSet> AddSummarySigningRoutes(RouteKit& kit, IdentityServices& identity,
                                                  hours::Hours& hours,
                                                  const HoursExtras& extras,
                                                  const Templates& templates);

// The associate's pages (pages.cpp with setup_pages.cpp, session_pages.cpp,
// week_grid.cpp and weeks_pages.cpp; docs/hours.md § Pages): /hours (progress),
// /hours/setup and /hours/settings/{id}, /hours/sessions, /hours/week (the week grid),
// /hours/weeks; a therapist without a licensure profile is sent to /hours/setup (a page
// of one object answers 404). Also what other pages show (IdentityServices::
// therapist_links): "Hours" in the navigation of a therapist with a profile, the entry
// points on Settings and Today for one without. The RouteSet holds what the handlers use.
std::unique_ptr<RouteSet> AddPages(RouteKit& kit, IdentityServices& identity, hours::Hours& hours,
                                   practice::Practice& practice, const Templates& templates,
                                   const HoursExtras& extras);

// A handler whose refusals (hours::RefusalOf: no_profile, week_submitted, week_signed,
// ...) answer 409 with the refusal's token as the error code and the service's words as
// the message (JSON for /api/, a page with `templates` otherwise); every other error as
// the route kit answers it.
TherapistHandler Refusing(TherapistHandler handler, const Templates* templates = nullptr);

// The CSV import (C52; docs/hours-import.md). The upload is read into a crypto::PhiString
// straight from the request body and is never written anywhere.
// import_api.cpp: POST /api/v1/hours/imports (text/csv; ?setting_id=,
// ?map.<field>=<header>), GET /api/v1/hours/imports/{id}, POST .../{id}/confirm,
// DELETE .../{id}.
void AddImportApi(RouteKit& kit, hours::Hours& hours);
// import_pages.cpp: GET /hours/import (the upload form: a file picker for scripts, a text
// area without), POST /hours/import (the pasted file), GET /hours/import/{id} (the
// preview), POST /hours/import/{id}/confirm and /cancel.
void AddImportPages(RouteKit& kit, hours::Hours& hours, const Templates& templates,
                    const Clock& clock);
// pdf_routes.cpp (issue #15; docs/hours-forms.md): GET /api/v1/hours/weeks/{id}/pdf and
// GET /api/v1/hours/weeks/pdf?from=&to=&setting_id= — weekly logs in the layout of the
// Board's form, rendered on the worker pool.
// Also GET /api/v1/hours/verification/pdf?supervisor_id=&from=&to= — the experience-
// verification summary of one supervisor link (forms/verification_pdf.hpp).
// The summary carries the supervisor's signature when one signed exactly its content.
void AddPdfRoutes(RouteKit& kit, IdentityServices& identity, hours::Hours& hours,
                  const hours::SupervisorDirectory& supervisors, hours::Signing& signing,
                  hours::SummarySigning& summaries);
// reminder_routes.cpp (issue #15; docs/hours.md § Reminders): GET and PUT
// /api/v1/hours/reminders (the associate's) and /api/v1/supervisor/reminders (a
// supervisor's), {"enabled": bool}; POST /supervisor/reminders, the supervisor's form
// (SupervisorReminderForm). The associate's form is on the setup page (setup_pages.cpp).
void AddReminderRoutes(RouteKit& kit, hours::Hours& hours, hours::Reminders& reminders);
// The supervisor's reminders switch as an HTML form (for the supervisor's page): a checkbox
// posting to /supervisor/reminders, which answers 303 back to /supervisor.
std::string SupervisorReminderForm(const Templates& templates, bool enabled,
                                   std::string_view csrf_token);
// The hours pages' tabs (Progress, Sessions, Week grid, Weekly logs, Import, Profile and
// settings) as HTML, `current` (an href) marked as the page shown.
std::string HoursTabs(const Templates& templates, std::string_view current);
// The ColumnMapping of a request's `map.<field>` query parameters or form fields.
hours::ColumnMapping MappingOf(const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace alcove::web::hours_routes
