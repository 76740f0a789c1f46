// The JSON API of the schedule (API.md § Appointments).
#include <boost/json.hpp>

#include "core/clock.hpp"
#include "web/errors.hpp"
#include "web/schedule/routes.hpp"
#include "web/schedule/routes_internal.hpp"

namespace alcove::web::schedule_routes {

namespace json = boost::json;
using schedule::Appointment;

namespace {

const RouteOptions kSmallBody{.max_body_bytes = 16 * 1024, .runs_inline = false};

std::unexpected<Error> Bad(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "appointment request malformed", std::move(message));
}

// Every member of `o` is one of `allowed`.
Status OnlyMembers(const json::object& o, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : o) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      return Bad("Unknown member; expected only " + [&] {
        std::string s;
        for (const auto a : allowed) {
          s += (s.empty() ? "`" : ", `") + std::string(a) + "`";
        }
        return s;
      }() + ".");
    }
  }
  return {};
}

// An integer member, nullopt when absent.
Result<std::optional<std::int64_t>> OptionalInt(const json::object& o, std::string_view key,
                                                std::string_view words) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return std::nullopt;
  }
  if (!v->is_int64()) {
    return Bad("`" + std::string(key) + "` must be " + std::string(words) + ".");
  }
  return v->as_int64();
}

Result<Micros> Time(const std::optional<std::string>& text, std::string_view key) {
  const auto t = text ? schedule::ParseRfc3339(*text) : std::nullopt;
  if (!t) {
    return Bad("`" + std::string(key) +
               "` must be an RFC 3339 time such as 2026-12-01T09:00:00-08:00.");
  }
  return *t;
}

Result<schedule::Kind> KindOf(const std::string& name) {
  const auto k = schedule::KindFromName(name);
  if (!k) {
    return Bad("`kind` must be \"session\", \"intake\" or \"other\".");
  }
  return *k;
}

json::object AppointmentJson(const Appointment& a) {
  return json::object{{"id", a.id},
                      {"client_id", a.client_id},
                      {"alias", a.alias},
                      {"starts_at", FormatRfc3339(a.starts_at)},
                      {"minutes", a.minutes},
                      {"kind", schedule::KindName(a.kind)},
                      {"status", schedule::StatusName(a.status)}};
}

Result<schedule::NewAppointment> NewFromJson(const json::object& body) {
  ALCOVE_TRY(OnlyMembers(body, {"client_id", "starts_at", "minutes", "kind", "repeat"}));
  schedule::NewAppointment a;
  ALCOVE_TRY_ASSIGN(auto client, OptionalString(body, "client_id"));
  if (!client) {
    return Bad("`client_id` is required: the id of one of your clients.");
  }
  a.client_id = std::move(*client);
  ALCOVE_TRY_ASSIGN(auto starts, OptionalString(body, "starts_at"));
  ALCOVE_TRY_ASSIGN(a.starts_at, Time(starts, "starts_at"));
  ALCOVE_TRY_ASSIGN(auto minutes, OptionalInt(body, "minutes", "a number of minutes (5 to 600)"));
  if (!minutes) {
    return Bad("`minutes` is required: the length in minutes (5 to 600).");
  }
  a.minutes = *minutes;
  ALCOVE_TRY_ASSIGN(auto kind, OptionalString(body, "kind"));
  if (kind) {
    ALCOVE_TRY_ASSIGN(a.kind, KindOf(*kind));
  }
  if (const auto* r = body.if_contains("repeat"); r != nullptr && !r->is_null()) {
    if (!r->is_object()) {
      return Bad("`repeat` must be an object {\"every_days\", \"count\"}.");
    }
    ALCOVE_TRY(OnlyMembers(r->as_object(), {"every_days", "count"}));
    ALCOVE_TRY_ASSIGN(auto every, OptionalInt(r->as_object(), "every_days", "a number of days"));
    ALCOVE_TRY_ASSIGN(auto count, OptionalInt(r->as_object(), "count", "a number"));
    if (!every || !count) {
      return Bad("`repeat` needs both `every_days` (7 for weekly) and `count`.");
    }
    a.every_days = *every;
    a.count = *count;
  }
  return a;
}

Result<schedule::Change> ChangeFromJson(const json::object& body) {
  ALCOVE_TRY(OnlyMembers(body, {"starts_at", "minutes", "kind", "status", "series"}));
  schedule::Change c;
  if (body.contains("starts_at")) {
    ALCOVE_TRY_ASSIGN(auto starts, OptionalString(body, "starts_at"));
    ALCOVE_TRY_ASSIGN(c.starts_at, Time(starts, "starts_at"));
  }
  ALCOVE_TRY_ASSIGN(c.minutes, OptionalInt(body, "minutes", "a number of minutes (5 to 600)"));
  ALCOVE_TRY_ASSIGN(auto kind, OptionalString(body, "kind"));
  if (kind) {
    ALCOVE_TRY_ASSIGN(c.kind, KindOf(*kind));
  }
  ALCOVE_TRY_ASSIGN(auto status, OptionalString(body, "status"));
  if (status) {
    c.status = schedule::StatusFromName(*status);
    if (!c.status) {
      return Bad("`status` must be \"scheduled\", \"attended\", \"no_show\" or \"cancelled\".");
    }
  }
  ALCOVE_TRY_ASSIGN(auto series, OptionalString(body, "series"));
  if (series && *series != "one" && *series != "rest") {
    return Bad("`series` must be \"one\" or \"rest\" (this and the later ones).");
  }
  c.rest_of_series = series == "rest";
  if (!c.starts_at && !c.minutes && !c.kind && !c.status) {
    return Bad("Nothing to change: send `starts_at`, `minutes`, `kind` or `status`.");
  }
  return c;
}

// "rest" or "one" (absent) from ?series=.
Result<bool> RestOfSeries(const Request& req) {
  const auto v = req.QueryValue("series").value_or("one");
  if (v != "one" && v != "rest") {
    return Bad("`series` must be \"one\" or \"rest\".");
  }
  return v == "rest";
}

}  // namespace

void ScheduleRoutes::AddApi(RouteKit& kit) {
  kit.Add("POST", "/api/v1/appointments",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY_ASSIGN(auto a, NewFromJson(body));
            ALCOVE_TRY_ASSIGN(auto ids, s_.Create(who.scope, a, CallerOf(req)));
            if (ids.size() == 1) {
              return JsonResponse(201, json::object{{"id", ids.front()}});
            }
            json::array out(ids.begin(), ids.end());
            return JsonResponse(201, json::object{{"ids", std::move(out)}});
          }),
          kSmallBody);
  kit.Add("GET", "/api/v1/appointments",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            // RFC 3339 times, or days (local midnight in the therapist's time zone).
            ALCOVE_TRY_ASSIGN(auto zone, s_.Zone(who.scope));
            Micros range[2] = {0, 0};
            for (int i = 0; i < 2; ++i) {
              const char* key = i == 0 ? "from" : "to";
              const std::string text(req.QueryValue(key).value_or(""));
              if (schedule::IsDay(text)) {
                range[i] = zone.first.StartOfDay(text);
                continue;
              }
              ALCOVE_TRY_ASSIGN(
                  range[i],
                  Time(text.empty() ? std::nullopt : std::optional<std::string>(text), key));
            }
            ALCOVE_TRY_ASSIGN(auto list, s_.List(who.scope, range[0], range[1]));
            json::array out;
            for (const auto& a : list) {
              out.push_back(AppointmentJson(a));
            }
            return JsonResponse(200, out);
          }));
  kit.Add("GET", "/api/v1/appointments/{id}",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto a, s_.Get(who.scope, req.Param("id").value_or("")));
            return JsonResponse(200, AppointmentJson(a));
          }));
  kit.Add("PATCH", "/api/v1/appointments/{id}",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            // Another tenant's appointment is 404 whatever the body says.
            const std::string id(req.Param("id").value_or(""));
            ALCOVE_TRY(s_.Get(who.scope, id));
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY_ASSIGN(auto change, ChangeFromJson(body));
            ALCOVE_TRY_ASSIGN(auto n, s_.Update(who.scope, id, change, CallerOf(req)));
            return JsonResponse(200, json::object{{"id", id}, {"changed", n}});
          }),
          kSmallBody);
  kit.Add("DELETE", "/api/v1/appointments/{id}",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const bool rest, RestOfSeries(req));
            ALCOVE_TRY(s_.Delete(who.scope, req.Param("id").value_or(""), rest, CallerOf(req)));
            return Response::Text(204, "");
          }));
  kit.Add("GET", "/api/v1/schedule/settings",
          ForTherapist([this](Request&, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto zone, s_.Zone(who.scope));
            return JsonResponse(200, json::object{{"time_zone", zone.first.name()},
                                                  {"time_zone_set", zone.second}});
          }));
  kit.Add("PUT", "/api/v1/schedule/settings",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY(OnlyMembers(body, {"time_zone"}));
            ALCOVE_TRY_ASSIGN(auto zone, OptionalString(body, "time_zone"));
            if (!zone) {
              return Bad("`time_zone` is required: a name such as America/Los_Angeles.");
            }
            const std::string name = std::move(*zone);
            ALCOVE_TRY(s_.SetZone(who.scope, name, CallerOf(req)));
            return JsonResponse(200, json::object{{"time_zone", name}, {"time_zone_set", true}});
          }),
          kSmallBody);
}

}  // namespace alcove::web::schedule_routes
