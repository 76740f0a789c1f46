// Reminders switched on and off (issue #15; docs/hours.md § Reminders): the associate's
// and the supervisor's API, and the supervisor's small form. The associate's form is on
// the setup page (setup_pages.cpp).
#include <boost/json.hpp>

#include "web/body.hpp"
#include "web/hours/routes_internal.hpp"

namespace alcove::web::hours_routes {
namespace {

namespace json = boost::json;

const RouteOptions kSmallBody{.max_body_bytes = 1024, .runs_inline = false};

// {"enabled": bool} and nothing else.
Result<bool> EnabledOf(const Request& req) {
  ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
  const json::value* v = body.if_contains("enabled");
  if (body.size() != 1 || v == nullptr || !v->is_bool()) {
    return Fail(ErrorCode::kInvalidArgument, "reminders body malformed",
                "Send {\"enabled\": true} or {\"enabled\": false}.");
  }
  return v->as_bool();
}

Response EnabledJson(bool enabled) { return JsonResponse(200, json::object{{"enabled", enabled}}); }

Result<identity::SupervisorScope> SupervisorOf(const SignedIn& who) {
  return identity::SupervisorScope::From(who.principal);
}

}  // namespace

void AddReminderRoutes(RouteKit& kit, hours::Hours& h, hours::Reminders& reminders) {
  // The associate's: 409 no_profile without a licensure profile, like every hours route.
  kit.Add("GET", "/api/v1/hours/reminders",
          ForTherapist(Refusing([&h, &reminders](Request&, const TherapistSession& who)
                                    -> Result<Response> {
            ALCOVE_TRY(h.ListSettings(who.scope));
            ALCOVE_TRY_ASSIGN(const bool on, reminders.Enabled(who.scope));
            return EnabledJson(on);
          })));
  kit.Add("PUT", "/api/v1/hours/reminders",
          ForTherapist(Refusing([&h, &reminders](Request& req, const TherapistSession& who)
                                    -> Result<Response> {
            ALCOVE_TRY(h.ListSettings(who.scope));
            ALCOVE_TRY_ASSIGN(const bool on, EnabledOf(req));
            ALCOVE_TRY(reminders.SetEnabled(who.scope, on));
            return EnabledJson(on);
          })),
          kSmallBody);

  // A supervisor's (the supervisor's page includes SupervisorReminderForm).
  kit.Add("GET", "/api/v1/supervisor/reminders",
          ForRoles({identity::Role::kSupervisor},
                   [&reminders](Request&, const SignedIn& who) -> Result<Response> {
                     ALCOVE_TRY_ASSIGN(const auto scope, SupervisorOf(who));
                     ALCOVE_TRY_ASSIGN(const bool on, reminders.Enabled(scope));
                     return EnabledJson(on);
                   }));
  kit.Add("PUT", "/api/v1/supervisor/reminders",
          ForRoles({identity::Role::kSupervisor},
                   [&reminders](Request& req, const SignedIn& who) -> Result<Response> {
                     ALCOVE_TRY_ASSIGN(const auto scope, SupervisorOf(who));
                     ALCOVE_TRY_ASSIGN(const bool on, EnabledOf(req));
                     ALCOVE_TRY(reminders.SetEnabled(scope, on));
                     return EnabledJson(on);
                   }),
          kSmallBody);
  kit.Add("POST", "/supervisor/reminders",
          ForRoles({identity::Role::kSupervisor},
                   [&reminders](Request& req, const SignedIn& who) -> Result<Response> {
                     ALCOVE_TRY_ASSIGN(const auto scope, SupervisorOf(who));
                     ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
                     ALCOVE_TRY(reminders.SetEnabled(scope, FormValue(fields, "enabled") == "on"));
                     return Response::SeeOther("/supervisor");
                   }),
          kSmallBody);
}

std::string SupervisorReminderForm(const Templates& templates, bool enabled,
                                   std::string_view csrf_token) {
  TemplateData d;
  d.set("csrf_token", std::string(csrf_token));
  d.set("action", std::string("/supervisor/reminders"));
  d.set("label", std::string("Mail me once a week when weekly logs are waiting for my signature"));
  if (enabled) {
    d.set("checked", true);
  }
  return templates.Render("hours_reminders_form", d);
}

}  // namespace alcove::web::hours_routes
