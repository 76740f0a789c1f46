// Supervisors (issue #15; API.md § Supervisors; docs/supervisors.md): the associate's
// invitations and links (/api/v1/hours/supervisors, /hours/supervisors), accepting an
// invitation (/supervisor/accept, open to the holder of its token), and the supervisor's
// own side (/api/v1/supervisor/..., /supervisor...): aggregates only (C29), the PIN (C25).
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

#include "hours/supervision.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/hours/page_kit.hpp"
#include "web/hours/pages_internal.hpp"
#include "web/hours/routes.hpp"
#include "web/hours/routes_internal.hpp"
#include "web/page_flash.hpp"
#include "web/templates.hpp"

namespace alcove::web {

namespace json = boost::json;
using crypto::SecretString;
using hours::Supervision;
using hours_pages::List;

namespace {

const RouteOptions kSmallBody{.max_body_bytes = 16 * 1024, .runs_inline = false};
const RouteOptions kFormBody{.max_body_bytes = 16 * 1024, .runs_inline = false};
const RouteOptions kAcceptBody{
    .max_body_bytes = 4 * 1024, .runs_inline = false, .audience = {}, .rate_class = "consume"};

constexpr std::pair<std::string_view, std::string_view> kFlashWords[] = {
    {"invited", "Invitation sent. Your supervisor gets an email with a link to accept."},
    {"ended", "Supervision ended. The supervisor no longer sees your hours."},
    {"pin_set", "Your signing PIN is set."},
    {"reset_sent", "We sent you an email with a link to set a new PIN. It works for 30 minutes."},
    {"associate_ended", "Supervision ended. You no longer see that associate's hours."},
};

std::string Id(const Request& req) { return std::string(req.Param("id").value_or("")); }

std::string_view LinkStatusWords(hours::LinkStatus s) {
  switch (s) {
    case hours::LinkStatus::kPending:
      return "Invited, not accepted yet";
    case hours::LinkStatus::kActive:
      return "Supervising";
    case hours::LinkStatus::kEnded:
      return "Ended";
  }
  return "";
}

// A signed-in supervisor's handler, given the scope the service takes.
using SupervisorHandler =
    std::function<Result<Response>(Request&, const identity::SupervisorScope&, const SignedIn&)>;
SessionRoute ForSupervisor(SupervisorHandler handler) {
  return ForRoles({identity::Role::kSupervisor},
                  [handler = std::move(handler)](Request& req,
                                                 const SignedIn& who) -> Result<Response> {
                    ALCOVE_TRY_ASSIGN(auto scope, identity::SupervisorScope::From(who.principal));
                    return handler(req, scope, who);
                  });
}

// PIN changes share the "password" budget (C30); like a password sign-in, a change that
// went through gives its charge back, so only refused tries count.
void RefundOnSuccess(IdentityServices& s, const Status& st, const identity::SupervisorScope& who) {
  if (st) {
    if (auto r = s.limiter.Refund("password", "pin:" + who.account_id()); !r) {
      spdlog::warn("PIN budget not refunded: {}", r.error().internal);
    }
  }
}

// ---- JSON shapes (C29: what a supervisor may see, no more) ----

json::object LinkJson(const hours::SupervisorLink& l) {
  return json::object{{"id", l.id},
                      {"name", l.name},
                      {"email", l.email},
                      {"status", hours::LinkStatusName(l.status)},
                      {"setting_id", l.setting_id.empty() ? json::value(nullptr)
                                                          : json::value(l.setting_id)},
                      {"setting_name", l.setting_name}};
}

json::object WeekJson(const hours::SupervisedWeek& w) {
  json::object by;
  for (int i = 0; i < hours::kCategoryCount; ++i) {
    if (w.by_category[i] != 0) {
      by[hours::CategoryName(static_cast<hours::Category>(i))] = w.by_category[i];
    }
  }
  json::array checks;
  for (const auto& c : w.checks) {
    checks.push_back(json::value(c));
  }
  return json::object{{"week_start", hours::DayText(w.week_start)},
                      {"setting_name", w.setting_name},
                      {"status", hours::WeekStatusName(w.status)},
                      {"waiting", w.waiting},
                      {"totals", json::object{{"direct_minutes", w.direct},
                                              {"nonclinical_minutes", w.nonclinical},
                                              {"total_minutes", w.total},
                                              {"credited_minutes", w.credited},
                                              {"supervision_units", w.supervision_units},
                                              {"by_category", by}}},
                      {"checks", checks}};
}

json::object AssociateJson(const hours::AssociateSummary& a) {
  json::array bars;
  for (const auto& b : a.bars) {
    bars.push_back(json::object{{"label", b.label},
                                {"kind", b.maximum ? "maximum" : "minimum"},
                                {"unit", b.in_weeks ? "weeks" : "minutes"},
                                {"required", b.required},
                                {"counted", b.counted}});
  }
  json::array checks;
  for (const auto& c : a.checks) {
    checks.push_back(json::value(c));
  }
  json::array weeks;
  for (const auto& w : a.weeks) {
    weeks.push_back(WeekJson(w));
  }
  return json::object{
      {"id", a.link_id},
      {"name", a.name},
      {"track", a.track ? json::value(hours::TrackName(*a.track)) : json::value(nullptr)},
      {"setting_name", a.setting_name},
      {"summary",
       json::object{{"requirements", bars},
                    {"credited_minutes", a.credited_minutes},
                    {"remaining_minutes", a.remaining_minutes},
                    {"weeks_supervised", a.weeks_supervised},
                    {"weeks_required", a.weeks_required},
                    {"projected_completion", a.projected_completion
                                                 ? json::value(hours::DayText(*a.projected_completion))
                                                 : json::value(nullptr)},
                    {"complete", a.complete},
                    {"waiting_weeks", a.waiting_weeks},
                    {"checks", checks}}},
      {"weeks", weeks}};
}

class SupervisionRoutes final : public RouteSet {
 public:
  SupervisionRoutes(IdentityServices& identity, Supervision& supervision, hours::Hours& hours,
                    hours::Reminders& reminders, const Templates& templates)
      : s_(identity), sv_(supervision), h_(hours), r_(reminders), t_(templates) {}

  void Add(RouteKit& kit);

 private:
  Response Page(int status, std::string_view name, std::string_view title, TemplateData data) {
    return Response::Html(status, t_.RenderPage(name, std::string(title) + " · Alcove", data));
  }
  Result<Response> AssociatePage(Request& req, const TherapistSession& who,
                                 const std::string& error, int status,
                                 const hours_pages::FormState* form);
  Result<Response> AcceptPage(const std::string& error, int status);
  Result<Response> PinPage(Request& req, const identity::SupervisorScope& who,
                           const SignedIn& signed_in, const std::string& error, int status);
  // The answer to an accepted invitation (API or page).
  Response Accepted(const Request& req, const identity::NewSession& session, bool page);

  IdentityServices& s_;
  Supervision& sv_;
  hours::Hours& h_;
  hours::Reminders& r_;  // the supervisor's reminder switch on /supervisor
  const Templates& t_;
};

Response SupervisionRoutes::Accepted(const Request&, const identity::NewSession& session,
                                     bool page) {
  Response res = page ? Response::SeeOther("/supervisor/pin")
                      : JsonResponse(200, json::object{{"status", "signed_in"}});
  SetSessionCookies(res, session, s_.clock.Now());
  return res;
}

Result<Response> SupervisionRoutes::AssociatePage(Request& req, const TherapistSession& who,
                                                  const std::string& error, int status,
                                                  const hours_pages::FormState* form) {
  auto settings = h_.ListSettings(who.scope);
  if (!settings) {
    if (hours::RefusalOf(settings.error()) == std::optional<std::string_view>("no_profile")) {
      return Response::SeeOther("/hours/setup");
    }
    return std::unexpected(settings.error());
  }
  ALCOVE_TRY_ASSIGN(const auto links, sv_.ListSupervisors(who.scope));
  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  d.set("hours_tabs", hours_routes::HoursTabs(t_, "/hours/supervisors"));
  SetFlash(req, d, kFlashWords);
  if (!error.empty()) {
    d.set("error", error);
  }
  if (form != nullptr) {
    hours_pages::SetForm(d, *form);
  }
  std::vector<TemplateData> options;
  for (const auto& s : *settings) {
    TemplateData o;
    o.set("id", s.id);
    o.set("name", s.name);
    if (form != nullptr && FormValue(form->values, "setting_id") == s.id) {
      o.set("selected", true);
    }
    options.push_back(o);
  }
  d.set("settings", List(std::move(options)));
  std::vector<TemplateData> rows;
  for (const auto& l : links) {
    TemplateData r;
    r.set("id", l.id);
    r.set("name", l.name);
    r.set("email", l.email);
    r.set("status", std::string(LinkStatusWords(l.status)));
    r.set("setting", l.setting_name.empty() ? std::string("Every work setting") : l.setting_name);
    r.set("setting_id", l.setting_id);
    if (l.status == hours::LinkStatus::kPending) {
      r.set("pending", true);
    }
    rows.push_back(r);
  }
  d.set("has_links", !rows.empty());
  d.set("links", List(std::move(rows)));
  return Page(status, "hours_supervisors", "Supervisors", d);
}

Result<Response> SupervisionRoutes::AcceptPage(const std::string& error, int status) {
  TemplateData d;
  if (!error.empty()) {
    d.set("error", error);
  }
  return Page(status, "supervisor_accept", "Accept an invitation to supervise", d);
}

Result<Response> SupervisionRoutes::PinPage(Request& req, const identity::SupervisorScope& who,
                                            const SignedIn& signed_in, const std::string& error,
                                            int status) {
  ALCOVE_TRY_ASSIGN(const bool has, sv_.HasPin(who));
  ALCOVE_TRY_ASSIGN(const bool fresh, sv_.FreshSignIn(who));
  TemplateData d;
  d.set("csrf_token", signed_in.csrf_token);
  SetFlash(req, d, kFlashWords);
  if (!error.empty()) {
    d.set("error", error);
  }
  d.set("has_pin", has);
  d.set("needs_fresh", has && !fresh);
  return Page(status, "supervisor_pin", has ? "Change your signing PIN" : "Choose your signing PIN",
              d);
}

void SupervisionRoutes::Add(RouteKit& kit) {
  Supervision& sv = sv_;
  IdentityServices& s = s_;
  const Templates* t = &t_;

  // ---- The associate's API ----
  kit.Add("POST", "/api/v1/hours/supervisors",
          ForTherapist([&sv, &s, t](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY_ASSIGN(auto email, RequiredString(body, "email"));
            ALCOVE_TRY_ASSIGN(auto name, RequiredString(body, "name"));
            ALCOVE_TRY_ASSIGN(auto setting, OptionalString(body, "setting_id"));
            if (auto limited = Throttle(s, t, req, "portal_invite",
                                        "associate:" + who.scope.account_id())) {
              return *limited;
            }
            ALCOVE_TRY_ASSIGN(auto id, sv.Invite(who.scope,
                                                 hours::NewInvitation{.email = email,
                                                                      .name = name,
                                                                      .setting_id =
                                                                          setting.value_or("")},
                                                 CallerOf(req)));
            return JsonResponse(201, json::object{{"id", id}});
          }),
          kSmallBody);
  kit.Add("GET", "/api/v1/hours/supervisors",
          ForTherapist([&sv](Request&, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto links, sv.ListSupervisors(who.scope));
            json::array out;
            for (const auto& l : links) {
              out.push_back(LinkJson(l));
            }
            return JsonResponse(200, out);
          }));
  kit.Add("DELETE", "/api/v1/hours/supervisors/{id}",
          ForTherapist([&sv](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY(sv.EndLink(who.scope, Id(req), CallerOf(req)));
            return Response::Text(204, "");
          }));

  // ---- Accepting: open to the holder of the invitation's token ----
  kit.Add("POST", "/api/v1/supervisor/accept",
          ForTokenHolders("supervisor_invitation", [this, t](Request& req) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY_ASSIGN(auto token, RequiredString(body, "token"));
            auto session = sv_.Accept(SecretString(std::move(token)), CallerOf(req));
            if (!session) {
              if (session.error().code == ErrorCode::kUnauthenticated) {
                return ErrorResponse(req, t, 410, "invitation_unusable",
                                     session.error().public_message);
              }
              return std::unexpected(session.error());
            }
            return Accepted(req, *session, false);
          }),
          kAcceptBody);
  kit.Add("GET", "/supervisor/accept",
          ForTokenHolders("supervisor_invitation",
                          [this](Request&) -> Result<Response> { return AcceptPage("", 200); }));
  kit.Add("POST", "/supervisor/accept",
          ForTokenHolders("supervisor_invitation", [this](Request& req) -> Result<Response> {
            auto form = FormBody(req);
            if (!form) {
              return AcceptPage(form.error().public_message, 400);
            }
            std::string token = FormValue(*form, "token");
            if (const auto at = token.find("#token="); at != std::string::npos) {
              token = token.substr(at + 7);  // the whole link, pasted
            }
            auto session = sv_.Accept(SecretString(std::move(token)), CallerOf(req));
            if (!session) {
              if (session.error().code == ErrorCode::kUnauthenticated) {
                return AcceptPage(session.error().public_message, 410);
              }
              return std::unexpected(session.error());
            }
            return Accepted(req, *session, true);
          }),
          kAcceptBody);

  // ---- The supervisor's API (C29: summaries only) ----
  kit.Add("GET", "/api/v1/supervisor/associates",
          ForSupervisor([&sv](Request&, const identity::SupervisorScope& who,
                              const SignedIn&) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto list, sv.ListAssociates(who));
            json::array out;
            for (const auto& a : list) {
              out.push_back(AssociateJson(a));
            }
            return JsonResponse(200, out);
          }));
  kit.Add("GET", "/api/v1/supervisor/associates/{id}",
          ForSupervisor([&sv](Request& req, const identity::SupervisorScope& who,
                              const SignedIn&) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto a, sv.GetAssociate(who, Id(req)));
            return JsonResponse(200, AssociateJson(a));
          }));
  kit.Add("DELETE", "/api/v1/supervisor/associates/{id}",
          ForSupervisor([&sv](Request& req, const identity::SupervisorScope& who,
                              const SignedIn&) -> Result<Response> {
            ALCOVE_TRY(sv.EndLink(who, Id(req), CallerOf(req)));
            return Response::Text(204, "");
          }));
  kit.Add("PUT", "/api/v1/supervisor/pin",
          ForSupervisor([&sv, &s, t](Request& req, const identity::SupervisorScope& who,
                                     const SignedIn&) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY_ASSIGN(auto pin, RequiredString(body, "pin"));
            ALCOVE_TRY_ASSIGN(auto reset, OptionalString(body, "reset_token"));
            if (!hours::IsValidPin(pin)) {  // refused before any budget or hashing is spent
              return ErrorResponse(req, t, 400, "invalid_argument",
                                   "A PIN is 6 to 12 digits (0-9), nothing else.");
            }
            if (auto limited = Throttle(s, t, req, "password", "pin:" + who.account_id())) {
              return *limited;
            }
            std::optional<SecretString> token;
            if (reset && !reset->empty()) {
              token.emplace(std::move(*reset));
            }
            auto st = sv.SetPin(who, SecretString(std::move(pin)), token, CallerOf(req));
            RefundOnSuccess(s, st, who);
            if (!st) {
              if (hours::IsFreshSignInRefusal(st.error())) {
                return ErrorResponse(req, t, 403, "fresh_sign_in_required",
                                     st.error().public_message);
              }
              if (st.error().code == ErrorCode::kUnauthenticated) {
                return ErrorResponse(req, t, 410, "reset_link_unusable", st.error().public_message);
              }
              return std::unexpected(st.error());
            }
            return Response::Text(204, "");
          }),
          kSmallBody);
  kit.Add("POST", "/api/v1/supervisor/pin/reset",
          ForSupervisor([&sv, &s, t](Request& req, const identity::SupervisorScope& who,
                                     const SignedIn&) -> Result<Response> {
            if (auto limited = Throttle(s, t, req, "magic_link", "pin-reset:" + who.account_id())) {
              return *limited;
            }
            ALCOVE_TRY(sv.RequestPinReset(who, CallerOf(req)));
            return JsonResponse(202, json::object{{"status", "check_email"}});
          }),
          kSmallBody);

  // ---- The associate's page ----
  kit.Add("GET", "/hours/supervisors",
          ForTherapist([this](Request& req, const TherapistSession& who) {
            return AssociatePage(req, who, "", 200, nullptr);
          }));
  kit.Add("POST", "/hours/supervisors",
          ForTherapist([this, &s](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
            hours_pages::FormState state{.values = form, .errors = {}, .error = {}};
            if (auto limited = Throttle(s, &t_, req, "portal_invite",
                                        "associate:" + who.scope.account_id())) {
              return *limited;
            }
            auto id = sv_.Invite(who.scope,
                                 hours::NewInvitation{.email = FormValue(form, "email"),
                                                      .name = FormValue(form, "name"),
                                                      .setting_id = FormValue(form, "setting_id")},
                                 CallerOf(req));
            if (!id) {
              const int status = HttpStatusFor(id.error().code);
              if (status >= 500) {
                return std::unexpected(id.error());
              }
              return AssociatePage(req, who, id.error().public_message, status, &state);
            }
            return SavedRedirect("/hours/supervisors", "invited");
          }),
          kFormBody);
  kit.Add("POST", "/hours/supervisors/{id}/end",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY(sv_.EndLink(who.scope, Id(req), CallerOf(req)));
            return SavedRedirect("/hours/supervisors", "ended");
          }),
          kFormBody);

  // ---- The supervisor's pages ----
  kit.Add("GET", "/supervisor",
          ForSupervisor([this](Request& req, const identity::SupervisorScope& who,
                               const SignedIn& signed_in) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto list, sv_.ListAssociates(who));
            ALCOVE_TRY_ASSIGN(const bool has_pin, sv_.HasPin(who));
            ALCOVE_TRY_ASSIGN(const bool reminders_on, r_.Enabled(who));
            TemplateData d;
            d.set("csrf_token", signed_in.csrf_token);
            d.set("reminders_form", hours_routes::SupervisorReminderForm(t_, reminders_on,
                                                                         signed_in.csrf_token));
            SetFlash(req, d, kFlashWords);
            d.set("has_pin", has_pin);
            std::vector<TemplateData> rows;
            for (const auto& a : list) {
              TemplateData r;
              r.set("id", a.link_id);
              r.set("name", a.name);
              r.set("track", a.track ? std::string(hours_pages::TrackShort(*a.track))
                                     : std::string("No licensure track yet"));
              r.set("setting", a.setting_name.empty() ? std::string("Every work setting")
                                                      : a.setting_name);
              r.set("credited", hours::HoursNumber(a.credited_minutes));
              r.set("remaining", hours::HoursNumber(a.remaining_minutes));
              r.set("weeks", std::to_string(a.weeks_supervised));
              r.set("weeks_required", std::to_string(a.weeks_required));
              r.set("waiting", std::to_string(a.waiting_weeks));
              if (a.waiting_weeks > 0) {
                r.set("has_waiting", true);
              }
              rows.push_back(r);
            }
            d.set("has_associates", !rows.empty());
            d.set("associates", List(std::move(rows)));
            return Page(200, "supervisor_home", "Your associates", d);
          }));
  kit.Add("GET", "/supervisor/associates/{id}",
          ForSupervisor([this](Request& req, const identity::SupervisorScope& who,
                               const SignedIn& signed_in) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto a, sv_.GetAssociate(who, Id(req)));
            TemplateData d;
            d.set("csrf_token", signed_in.csrf_token);
            d.set("id", a.link_id);
            d.set("name", a.name);
            d.set("track", a.track ? std::string(hours_pages::TrackFull(*a.track))
                                   : std::string("No licensure track yet"));
            d.set("setting", a.setting_name.empty() ? std::string("Every work setting")
                                                    : a.setting_name);
            d.set("credited", hours::HoursNumber(a.credited_minutes));
            d.set("remaining", hours::HoursNumber(a.remaining_minutes));
            if (a.projected_completion) {
              d.set("projected", hours_pages::DateWords(*a.projected_completion));
            }
            if (a.complete) {
              d.set("complete", true);
            }
            std::vector<TemplateData> bars;
            for (const auto& b : a.bars) {
              TemplateData r;
              r.set("label", b.label);
              r.set("kind", std::string(b.maximum ? "At most" : "At least"));
              r.set("required", b.in_weeks ? std::to_string(b.required) + " weeks"
                                           : hours::HoursNumber(b.required) + " hours");
              r.set("counted", b.in_weeks ? std::to_string(b.counted) + " weeks"
                                          : hours::HoursNumber(b.counted) + " hours");
              bars.push_back(r);
            }
            d.set("bars", List(std::move(bars)));
            std::vector<TemplateData> checks;
            for (const auto& c : a.checks) {
              TemplateData r;
              r.set("words", c);
              checks.push_back(r);
            }
            d.set("has_checks", !checks.empty());
            d.set("checks", List(std::move(checks)));
            std::vector<TemplateData> weeks;
            for (const auto& w : a.weeks) {
              TemplateData r;
              r.set("week", hours_pages::DateWords(w.week_start));
              r.set("setting", w.setting_name);
              r.set("status", std::string(hours_pages::StatusWords(w.status)));
              if (w.waiting) {
                r.set("waiting", true);
              }
              r.set("direct", hours::HoursNumber(w.direct));
              r.set("nonclinical", hours::HoursNumber(w.nonclinical));
              r.set("total", hours::HoursNumber(w.total));
              r.set("credited", hours::HoursNumber(w.credited));
              std::string words;
              for (const auto& c : w.checks) {
                words += (words.empty() ? "" : " ") + c;
              }
              r.set("checks", words);
              weeks.push_back(r);
            }
            d.set("has_weeks", !weeks.empty());
            d.set("weeks", List(std::move(weeks)));
            return Page(200, "supervisor_associate", "Associate's hours", d);
          }));
  kit.Add("POST", "/supervisor/associates/{id}/end",
          ForSupervisor([this](Request& req, const identity::SupervisorScope& who,
                               const SignedIn&) -> Result<Response> {
            ALCOVE_TRY(sv_.EndLink(who, Id(req), CallerOf(req)));
            return SavedRedirect("/supervisor", "associate_ended");
          }),
          kFormBody);
  kit.Add("GET", "/supervisor/pin",
          ForSupervisor([this](Request& req, const identity::SupervisorScope& who,
                               const SignedIn& signed_in) {
            return PinPage(req, who, signed_in, "", 200);
          }));
  kit.Add("POST", "/supervisor/pin",
          ForSupervisor([this, &s](Request& req, const identity::SupervisorScope& who,
                                   const SignedIn& signed_in) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
            const std::string pin = FormValue(form, "pin");
            if (pin != FormValue(form, "pin_again")) {
              return PinPage(req, who, signed_in, "The two PINs are not the same. Type it twice.",
                             400);
            }
            if (!hours::IsValidPin(pin)) {
              return PinPage(req, who, signed_in, "A PIN is 6 to 12 digits (0-9), nothing else.",
                             400);
            }
            if (auto limited = Throttle(s, &t_, req, "password", "pin:" + who.account_id())) {
              return *limited;
            }
            std::optional<SecretString> token;
            if (const std::string reset = FormValue(form, "reset_token"); !reset.empty()) {
              token.emplace(reset);
            }
            auto st = sv_.SetPin(who, SecretString(pin), token, CallerOf(req));
            RefundOnSuccess(s, st, who);
            if (!st) {
              if (hours::IsFreshSignInRefusal(st.error())) {
                return PinPage(req, who, signed_in, st.error().public_message, 403);
              }
              if (st.error().code == ErrorCode::kUnauthenticated) {
                return PinPage(req, who, signed_in, st.error().public_message, 410);
              }
              if (st.error().code == ErrorCode::kInvalidArgument) {
                return PinPage(req, who, signed_in, st.error().public_message, 400);
              }
              return std::unexpected(st.error());
            }
            return SavedRedirect("/supervisor", "pin_set");
          }),
          kFormBody);
  kit.Add("POST", "/supervisor/pin/reset",
          ForSupervisor([this, &s](Request& req, const identity::SupervisorScope& who,
                                   const SignedIn&) -> Result<Response> {
            if (auto limited = Throttle(s, &t_, req, "magic_link", "pin-reset:" + who.account_id())) {
              return *limited;
            }
            ALCOVE_TRY(sv_.RequestPinReset(who, CallerOf(req)));
            return SavedRedirect("/supervisor/pin", "reset_sent");
          }),
          kFormBody);
}

}  // namespace

std::unique_ptr<RouteSet> AddSupervisionRoutes(RouteKit& kit, IdentityServices& identity,
                                               hours::Supervision& supervision,
                                               hours::Hours& hours, hours::Reminders& reminders,
                                               const Templates& templates) {
  auto routes =
      std::make_unique<SupervisionRoutes>(identity, supervision, hours, reminders, templates);
  routes->Add(kit);
  return routes;
}

}  // namespace alcove::web
