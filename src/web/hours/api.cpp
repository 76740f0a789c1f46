// The JSON API of supervised hours (API.md § Supervised hours; docs/api.md): the
// licensure profile, work settings, session logs, weekly logs and the summary. A route
// naming an id looks the object up before it reads a body, so another tenant's id (or
// any id, to a therapist without a profile) is 404 whatever was sent (C20).
#include <boost/json.hpp>
#include <memory>
#include <vector>

#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/hours/json.hpp"
#include "web/hours/routes.hpp"
#include "web/hours/routes_internal.hpp"

namespace alcove::web::hours_routes {

namespace json = boost::json;
using namespace hours_json;  // NOLINT: this folder's own shapes

namespace {

const RouteOptions kSmallBody{.max_body_bytes = 16 * 1024, .runs_inline = false};
// A week grid of sessions in one request.
const RouteOptions kSessionsBody{.max_body_bytes = 128 * 1024, .runs_inline = false};
constexpr std::size_t kMaxSessionsPerRequest = 200;

std::unexpected<Error> Bad(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "hours request malformed", std::move(message));
}

std::string Id(const Request& req) { return std::string(req.Param("id").value_or("")); }

// The body as an object; an empty body is {} (submit without a supervisor yet).
Result<json::object> OptionalObjectBody(const Request& req) {
  if (req.body.empty()) {
    return json::object{};
  }
  return JsonObjectBody(req);
}

Result<std::pair<hours::Day, hours::Day>> Range(const Request& req) {
  ALCOVE_TRY_ASSIGN(auto from, DayParam(req.QueryValue("from"), "from"));
  ALCOVE_TRY_ASSIGN(auto to, DayParam(req.QueryValue("to"), "to"));
  return std::pair{from, to};
}

// ?amend=true (or false, or absent).
Result<bool> AmendParam(const Request& req) {
  const auto v = req.QueryValue("amend").value_or("false");
  if (v != "true" && v != "false") {
    return Bad("`amend` must be true or false.");
  }
  return v == "true";
}

}  // namespace

TherapistHandler Refusing(TherapistHandler handler, const Templates* templates) {
  return [handler = std::move(handler), templates](
             Request& req, const TherapistSession& who) -> Result<Response> {
    auto res = handler(req, who);
    if (!res) {
      if (const auto token = hours::RefusalOf(res.error())) {
        return ErrorResponse(req, templates, 409, *token, res.error().public_message);
      }
    }
    return res;
  };
}

void AddApi(RouteKit& kit, hours::Hours& h, hours::Signing& signing) {
  auto api = [](TherapistHandler f) { return ForTherapist(Refusing(std::move(f))); };

  // The licensure profile.
  kit.Add("GET", "/api/v1/hours/profile",
          api([&h](Request&, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto profile, h.GetProfile(who.scope));
            if (!profile) {
              return Fail(ErrorCode::kNotFound, "no hours profile",
                          "You have no licensure profile yet: PUT one with your track and "
                          "degree date.");
            }
            return JsonResponse(200, ProfileJson(*profile));
          }));
  kit.Add("PUT", "/api/v1/hours/profile",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY_ASSIGN(auto profile, ProfileFromJson(body));
            ALCOVE_TRY(h.SetProfile(who.scope, profile, CallerOf(req)));
            return JsonResponse(200, ProfileJson(profile));
          }),
          kSmallBody);

  // Work settings.
  kit.Add("POST", "/api/v1/hours/settings",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY_ASSIGN(auto s, SettingFromJson(body, false, {}));
            ALCOVE_TRY_ASSIGN(auto id, h.AddSetting(who.scope, s, CallerOf(req)));
            return JsonResponse(
                201, SettingJson(hours::Setting{.id = id,
                                                .name = s.name,
                                                .exempt = s.exempt,
                                                .supervisor_license = s.supervisor_license}));
          }),
          kSmallBody);
  kit.Add("GET", "/api/v1/hours/settings",
          api([&h](Request&, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto list, h.ListSettings(who.scope));
            json::array out;
            for (const auto& s : list) {
              out.push_back(SettingJson(s));
            }
            return JsonResponse(200, out);
          }));
  kit.Add("PATCH", "/api/v1/hours/settings/{id}",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto before, h.GetSetting(who.scope, Id(req)));
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY_ASSIGN(
                auto s, SettingFromJson(
                            body, true,
                            hours::NewSetting{.name = before.name,
                                              .exempt = before.exempt,
                                              .supervisor_license = before.supervisor_license}));
            ALCOVE_TRY(h.UpdateSetting(who.scope, before.id, s, CallerOf(req)));
            ALCOVE_TRY_ASSIGN(auto after, h.GetSetting(who.scope, before.id));
            return JsonResponse(200, SettingJson(after));
          }),
          kSmallBody);
  kit.Add("DELETE", "/api/v1/hours/settings/{id}",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY(h.DeleteSetting(who.scope, Id(req), CallerOf(req)));
            return Response::Text(204, "");
          }));

  // Session logs: one object, or {"sessions": [...]} (the week grid: all or nothing).
  kit.Add("POST", "/api/v1/hours/sessions",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            if (!body.contains("sessions")) {
              ALCOVE_TRY_ASSIGN(auto s, SessionFromJson(body));
              ALCOVE_TRY_ASSIGN(auto log, h.AddSession(who.scope, s, CallerOf(req)));
              return JsonResponse(201, SessionJson(log));
            }
            if (body.size() != 1 || !body.at("sessions").is_array()) {
              return Bad("`sessions` must be a list of sessions, and the only member.");
            }
            const auto& list = body.at("sessions").as_array();
            if (list.empty() || list.size() > kMaxSessionsPerRequest) {
              return Bad("`sessions` must hold 1 to 200 sessions.");
            }
            std::vector<hours::NewSession> sessions;
            sessions.reserve(list.size());
            for (std::size_t i = 0; i < list.size(); ++i) {
              if (!list[i].is_object()) {
                return Bad("Session " + std::to_string(i + 1) + ": must be an object.");
              }
              auto s = SessionFromJson(list[i].as_object());
              if (!s) {
                return Bad("Session " + std::to_string(i + 1) + ": " + s.error().public_message);
              }
              sessions.push_back(std::move(*s));
            }
            ALCOVE_TRY_ASSIGN(auto logs, h.AddSessions(who.scope, sessions, CallerOf(req)));
            json::array out;
            for (const auto& log : logs) {
              out.push_back(SessionJson(log));
            }
            return JsonResponse(201, json::object{{"sessions", std::move(out)}});
          }),
          kSessionsBody);
  kit.Add("GET", "/api/v1/hours/sessions",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto range, Range(req));
            ALCOVE_TRY_ASSIGN(auto list, h.ListSessions(who.scope, range.first, range.second));
            json::array out;
            for (const auto& s : list) {
              out.push_back(SessionJson(s));
            }
            return JsonResponse(200, out);
          }));
  kit.Add("GET", "/api/v1/hours/sessions/{id}",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto s, h.GetSession(who.scope, Id(req)));
            return JsonResponse(200, SessionJson(s));
          }));
  kit.Add("PATCH", "/api/v1/hours/sessions/{id}",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto before, h.GetSession(who.scope, Id(req)));
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY_ASSIGN(auto change, ChangeFromJson(body));
            ALCOVE_TRY_ASSIGN(auto after,
                              h.UpdateSession(who.scope, before.id, change, CallerOf(req)));
            return JsonResponse(200, SessionJson(after));
          }),
          kSmallBody);
  kit.Add("DELETE", "/api/v1/hours/sessions/{id}",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto before, h.GetSession(who.scope, Id(req)));
            bool amend = false;
            if (req.body.empty()) {
              ALCOVE_TRY_ASSIGN(amend, AmendParam(req));
            } else {
              ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
              const auto* v = body.if_contains("amend");
              if (body.size() != 1 || v == nullptr || !v->is_bool()) {
                return Bad("The only member a deletion takes is `amend`: true or false.");
              }
              amend = v->as_bool();
            }
            ALCOVE_TRY(h.DeleteSession(who.scope, before.id, amend, CallerOf(req)));
            return Response::Text(204, "");
          }),
          kSmallBody);

  // Weekly logs.
  kit.Add("GET", "/api/v1/hours/weeks",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto range, Range(req));
            ALCOVE_TRY_ASSIGN(auto list, h.ListWeeks(who.scope, range.first, range.second));
            json::array out;
            for (const auto& w : list) {
              out.push_back(WeekJson(w));
            }
            return JsonResponse(200, out);
          }));
  kit.Add("GET", "/api/v1/hours/weeks/{id}",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto w, h.GetWeek(who.scope, Id(req)));
            return JsonResponse(200, WeekJson(w));
          }));
  kit.Add("POST", "/api/v1/hours/weeks/{id}/submit",
          api([&h, &signing](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto week, h.GetWeek(who.scope, Id(req)));
            ALCOVE_TRY_ASSIGN(auto body, OptionalObjectBody(req));
            for (const auto& [key, value] : body) {
              if (key != "supervisor_id") {
                return Bad("Unknown member; expected only `supervisor_id`.");
              }
            }
            ALCOVE_TRY_ASSIGN(auto supervisor, OptionalString(body, "supervisor_id"));
            // To a supervisor: a signing link is mailed to them. Without one, the week is
            // only marked submitted (a supervisor who signs on paper).
            if (!supervisor) {
              ALCOVE_TRY_ASSIGN(auto w,
                                h.SubmitWeek(who.scope, week.id, std::nullopt, CallerOf(req)));
              return JsonResponse(200, WeekJson(w));
            }
            ALCOVE_TRY_ASSIGN(auto w,
                              signing.Submit(who.scope, week.id, *supervisor, CallerOf(req)));
            return JsonResponse(200, WeekJson(w));
          }),
          kSmallBody);
  kit.Add("POST", "/api/v1/hours/weeks/{id}/withdraw",
          api([&signing](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto w, signing.Withdraw(who.scope, Id(req), CallerOf(req)));
            return JsonResponse(200, WeekJson(w));
          }),
          kSmallBody);

  kit.Add("GET", "/api/v1/hours/summary",
          api([&h](Request&, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto summary, h.GetSummary(who.scope));
            return JsonResponse(200, SummaryJson(summary));
          }));
}

}  // namespace alcove::web::hours_routes

namespace alcove::web {

namespace {

// The API's handlers hold references to the service only; nothing else to keep.
// What the hours routes' handlers use, each file's part.
class HoursRoutes final : public RouteSet {
 public:
  std::vector<std::unique_ptr<RouteSet>> parts;
};

}  // namespace

std::unique_ptr<RouteSet> AddHoursRoutes(RouteKit& kit, IdentityServices& identity,
                                         hours::Hours& hours, practice::Practice& practice,
                                         const Templates& templates, const HoursExtras& extras) {
  hours_routes::AddApi(kit, hours, extras.signing);
  hours_routes::AddImportApi(kit, hours);
  hours_routes::AddImportPages(kit, hours, templates, identity.clock);
  hours_routes::AddPdfRoutes(kit, identity, hours, extras.supervisors, extras.signing,
                             extras.summary_signing);
  hours_routes::AddReminderRoutes(kit, hours, extras.reminders);
  auto routes = std::make_unique<HoursRoutes>();
  routes->parts.push_back(hours_routes::AddPages(kit, identity, hours, practice, templates, extras));
  routes->parts.push_back(hours_routes::AddSigningRoutes(kit, extras.signing, templates));
  routes->parts.push_back(
      hours_routes::AddSummarySigningRoutes(kit, identity, hours, extras, templates));
  return routes;
}

}  // namespace alcove::web
