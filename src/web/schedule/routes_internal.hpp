#pragma once

// The schedule routes' shared parts (api.cpp, pages.cpp); not an interface.

#include <map>
#include <string>

#include "practice/practice.hpp"
#include "schedule/schedule.hpp"
#include "web/body.hpp"
#include "web/route_kit.hpp"
#include "web/templates.hpp"

namespace alcove::web::schedule_routes {

// What a form sent back, and the message for each field that was wrong.
struct FormState {
  FormFields values;
  std::map<std::string, std::string> errors;  // field -> message
};

class ScheduleRoutes final : public RouteSet {
 public:
  ScheduleRoutes(IdentityServices& identity, schedule::Schedule& schedule,
                 practice::Practice& practice, const Templates& templates)
      : id_(identity), s_(schedule), p_(practice), t_(templates) {}

  void AddApi(RouteKit& kit);    // api.cpp
  void AddPages(RouteKit& kit);  // pages.cpp
  // "/" for a signed-in therapist (pages.cpp).
  Result<Response> TodayPage(Request& req, const TherapistSession& who);

 private:
  // The week holding `date` (any day of it), with the new-appointment form in `form`
  // and, for a reschedule that failed, that appointment's form in `resched` (its id in
  // resched.values["id"]).
  Result<Response> WeekPage(const TherapistSession& who, const std::string& date,
                            const FormState& form, const FormState& resched, int status);
  Result<Response> ZonePage(const TherapistSession& who, const std::string& error, int status);

  IdentityServices& id_;
  schedule::Schedule& s_;
  practice::Practice& p_;
  const Templates& t_;
};

}  // namespace alcove::web::schedule_routes
