#pragma once

// The associate's hours pages' shared parts (pages.cpp, setup_pages.cpp,
// session_pages.cpp, week_grid.cpp, weeks_pages.cpp); not an interface.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hours/hours.hpp"
#include "hours/signing.hpp"
#include "practice/practice.hpp"
#include "web/hours/routes.hpp"
#include "web/body.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"
#include "web/templates.hpp"

namespace alcove::web::hours_pages {

// Small forms only (the week grid is the largest: 77 cells).
inline const RouteOptions kFormBody{.max_body_bytes = 32 * 1024, .runs_inline = false};

// What a form sent back, and the message for each field that was wrong.
struct FormState {
  FormFields values;
  std::map<std::string, std::string> errors;  // field -> message
  std::string error;                          // not tied to one field
};

// An associate: a therapist with a licensure profile, with what every page needs.
struct Associate {
  hours::Profile profile;
  std::vector<hours::Setting> settings;
  hours::Day today{};  // the associate's local day
};

Response SeeOther(std::string location);
// The redirect after a change: the next page confirms it in the words of `code` (one of
// pages.cpp's fixed list; never client content).
Response Saved(std::string location, std::string_view code);
// data["flash"] for the request's ?done= (nothing for an unknown code).
void Flash(const Request& req, TemplateData& data);
// The form's values as v_<name>, its errors as e_<name> (and `has_errors`, `error`).
void SetForm(TemplateData& data, const FormState& form);
TemplateData List(std::vector<TemplateData> items);
// The name of a setting of `a`, or "" for an id it does not have.
std::string SettingName(const Associate& a, std::string_view id);
// <option>s of the associate's settings ({id, name, selected}).
TemplateData SettingOptions(const Associate& a, std::string_view chosen);

class HoursPages final : public RouteSet {
 public:
  HoursPages(IdentityServices& identity, hours::Hours& hours, practice::Practice& practice,
             const Templates& templates, const HoursExtras& extras)
      : id_(identity), h_(hours), s_(extras.signing), p_(practice), t_(templates), x_(extras) {}

  // Every page's route (pages.cpp calls the others) and the links of the navigation,
  // Settings and Today (IdentityServices::therapist_links).
  void AddPages(RouteKit& kit);

 private:
  using AssociateHandler =
      std::function<Result<Response>(Request&, const TherapistSession&, const Associate&)>;
  // A page of an associate: a therapist without a licensure profile is sent to the
  // setup page (303) instead, or, for a page of one object (`of_one`: a session, a
  // setting, a week by its id), answered 404 like any id that is not theirs (C20).
  SessionRoute ForAssociate(AssociateHandler handler, bool of_one = false);
  // The profile, settings and today of `who`; nullopt without a profile.
  Result<std::optional<Associate>> LoadAssociate(const TherapistSession& who);
  // Renders an hours page with the hours tabs above it (`tab`: the current one's href).
  Response Page(int status, std::string_view name, std::string_view title, std::string_view tab,
                TemplateData data) const;

  // pages.cpp: the progress page.
  Result<Response> ProgressPage(Request& req, const TherapistSession& who, const Associate& a);
  // setup_pages.cpp.
  void AddSetupPages(RouteKit& kit);
  Result<Response> SetupPage(Request& req, const TherapistSession& who, const FormState& profile,
                             const FormState& setting, int status);
  Result<Response> SettingPage(const TherapistSession& who, const Associate& a,
                               const hours::Setting& setting, const FormState& form, int status);
  // session_pages.cpp.
  void AddSessionPages(RouteKit& kit);
  Result<Response> SessionsPage(Request& req, const TherapistSession& who, const Associate& a,
                                hours::Day week, const FormState& form, int status);
  Result<Response> SessionEditPage(const TherapistSession& who, const Associate& a,
                                   const hours::SessionLog& s, const FormState& form, int status);
  Result<Response> SessionDeletePage(const TherapistSession& who, const Associate& a,
                                     const hours::SessionLog& s, const FormState& form, int status);
  // The weekly log of the session's week and setting, if there is one.
  Result<std::optional<hours::WeeklyLog>> WeekOf(const TherapistSession& who,
                                                 const hours::SessionLog& s);
  // The practice's active clients as <option>s ({id, alias, selected}).
  Result<TemplateData> ClientOptions(const TherapistSession& who, std::string_view chosen);
  // week_grid.cpp.
  void AddGridPages(RouteKit& kit);
  Result<Response> GridPage(const TherapistSession& who, const Associate& a, hours::Day week,
                            std::string setting_id, const FormState& form, int status);
  // weeks_pages.cpp.
  void AddWeeksPages(RouteKit& kit);
  Result<Response> WeeksPage(Request& req, const TherapistSession& who, const Associate& a,
                             const std::string& error, int status);

  IdentityServices& id_;
  hours::Hours& h_;
  hours::Signing& s_;  // submitting to a supervisor, signatures (weeks_pages.cpp)
  practice::Practice& p_;
  const Templates& t_;
  HoursExtras x_;
};

}  // namespace alcove::web::hours_pages
