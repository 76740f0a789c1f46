#pragma once

#include <map>
#include <optional>
#include <string>

// The measures routes' shared parts; not an interface. Each file of src/web/measures/
// adds its routes through one member of MeasuresRoutes, and AddMeasuresRoutes
// (routes.cpp) calls them all.

#include "measures/service.hpp"
#include "practice/practice.hpp"
#include "web/measures/routes.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"
#include "web/templates.hpp"

namespace alcove::web::measures_routes {

class MeasuresRoutes final : public RouteSet {
 public:
  MeasuresRoutes(IdentityServices& identity, measures::Measures& measures,
                 practice::Practice& practice, const Templates& templates,
                 const MeasuresExtras& extras)
      : id_(identity), m_(measures), p_(practice), t_(templates), x_(extras) {}

  // api.cpp: API.md § Questionnaires (instruments, assignments, results, FHIR).
  void AddApi(RouteKit& kit);
  // public_form.cpp: GET and POST /q/{token}, no sign-in, rate limited per address (C30).
  void AddPublicForm(RouteKit& kit);
  // pages.cpp: the therapist's pages (a client's questionnaires, trends, results) and what
  // the Today and client pages show of them.
  void AddPages(RouteKit& kit);
  // schedule_routes.cpp: assignment schedules (every N days, before appointments).
  void AddSchedules(RouteKit& kit);

 private:
  // Part "api": the per-therapist budget of questionnaire mail to clients (C30), or the
  // 429 answer when it is spent.
  std::optional<Response> ThrottleMail(const Request& req, const identity::TherapistScope& who);
  // The schedules page of a client, with the add form's `form` values and `error` (words).
  Result<Response> SchedulesPage(const TherapistSession& who, std::string_view client_id,
                                 const std::map<std::string, std::string>& form,
                                 const std::string& error, int status);

  IdentityServices& id_;
  measures::Measures& m_;
  practice::Practice& p_;
  const Templates& t_;
  MeasuresExtras x_;
};

}  // namespace alcove::web::measures_routes
