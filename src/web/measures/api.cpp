// The questionnaires' JSON API (API.md § Questionnaires; docs/api.md; docs/measures.md
// § API): instruments, assignments (with the link mailed on request), results, their
// FHIR R4 export, and the assignment schedules.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "core/clock.hpp"
#include "measures/fhir.hpp"
#include "measures/instruments.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/measures/routes_internal.hpp"

namespace alcove::web::measures_routes {

namespace json = boost::json;

namespace {

const RouteOptions kSmallBody{.max_body_bytes = 16 * 1024, .runs_inline = false};
// Mail to clients (links) shares the portal invitations' budget per therapist (C30).
constexpr std::string_view kMailClass = "portal_invite";

std::unexpected<Error> Bad(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "questionnaire request malformed", std::move(message));
}

// Every member of `o` is one of `allowed`.
Status OnlyMembers(const json::object& o, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : o) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      std::string names;
      for (const auto a : allowed) {
        names += (names.empty() ? "`" : ", `") + std::string(a) + "`";
      }
      return Bad("Unknown member; expected only " + names + ".");
    }
  }
  return {};
}

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

Result<bool> OptionalBool(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return false;
  }
  if (!v->is_bool()) {
    return Bad("`" + std::string(key) + "` must be true or false.");
  }
  return v->as_bool();
}

// The instrument named by `id`, or a 400 saying which exist.
Result<const measures::Instrument*> InstrumentNamed(std::string_view id) {
  const measures::Instrument* in = measures::FindInstrument(id);
  if (in == nullptr) {
    std::string names;
    for (const auto& i : measures::BuiltInInstruments()) {
      names += (names.empty() ? "\"" : ", \"") + i.id + "\"";
    }
    return Bad("`instrument` must be one of " + names + " (GET /api/v1/instruments).");
  }
  return in;
}

// The required member "instrument": a known instrument's id.
Result<const measures::Instrument*> InstrumentMember(const json::object& body) {
  const auto* v = body.if_contains("instrument");
  if (v == nullptr || v->is_null()) {
    return Bad("`instrument` is required: the id of a questionnaire (GET /api/v1/instruments).");
  }
  if (!v->is_string()) {
    return Bad("`instrument` must be the id of a questionnaire, as a string.");
  }
  return InstrumentNamed(std::string_view(v->as_string()));
}

json::object AssignmentJson(const measures::Assignment& a) {
  json::object o{{"id", a.id},
                 {"client_id", a.client_id},
                 {"instrument", a.instrument_id},
                 {"status", measures::AssignmentStatusName(a.status)},
                 {"created_at", FormatRfc3339(a.created_at)},
                 {"expires_at", FormatRfc3339(a.expires_at)}};
  if (a.used_at) {
    o["used_at"] = FormatRfc3339(*a.used_at);
  }
  if (a.cancelled_at) {
    o["cancelled_at"] = FormatRfc3339(*a.cancelled_at);
  }
  return o;
}

json::object ResultJson(const measures::MeasureResult& m) {
  json::object o{{"id", m.id},
                 {"instrument", m.instrument_id},
                 {"instrument_version", m.instrument_version},
                 {"submitted_at", FormatRfc3339(m.submitted_at)}};
  // "total" and "band": the instrument's first scale (its total; DASS-21: depression);
  // every scale is in "scales".
  if (!m.score.scales.empty()) {
    o["total"] = m.score.scales.front().value;
    o["band"] = m.score.scales.front().band;
  }
  json::array scales;
  for (const auto& s : m.score.scales) {
    scales.push_back(json::object{
        {"scale", s.scale_id}, {"label", s.label}, {"value", s.value}, {"band", s.band}});
  }
  o["scales"] = std::move(scales);
  json::array flags;
  for (const auto& f : m.score.flags) {
    flags.push_back(json::object{{"id", f.id}, {"words", f.words}, {"item", f.item}});
  }
  o["flags"] = std::move(flags);
  json::array change;
  for (const auto& c : m.change) {
    json::object x{{"scale", c.scale_id},
                   {"since_first", c.since_first},
                   {"since_previous", c.since_previous},
                   {"words", c.words}};
    if (c.meaningful_since_first) {
      x["meaningful_since_first"] = *c.meaningful_since_first;
    }
    if (c.meaningful_since_previous) {
      x["meaningful_since_previous"] = *c.meaningful_since_previous;
    }
    if (c.response) {
      x["response"] = *c.response;
    }
    change.push_back(std::move(x));
  }
  o["change"] = std::move(change);
  return o;
}

// The FHIR context of a result: the client as "Patient/<client id>".
measures::FhirContext ContextOf(const measures::MeasureResult& m) {
  return measures::FhirContext{
      .id = m.id, .subject = "Patient/" + m.client_id, .authored = m.submitted_at};
}

Response FhirResponse(std::string body) {
  Response r = Response::Json(200, std::move(body));
  r.headers.Set("Content-Type", "application/fhir+json; charset=utf-8");
  return r;
}

std::unexpected<Error> Unavailable() {
  return Fail(ErrorCode::kUnavailable, "measures mail or schedules not wired",
              "This part of the questionnaires is not available.");
}

json::object ScheduleJson(const measures::MeasureSchedule& s) {
  json::object o{{"id", s.id},
                 {"client_id", s.client_id},
                 {"instrument", s.instrument_id},
                 {"kind", measures::ScheduleKindName(s.kind)},
                 {"send_email", s.send_email},
                 {"created_at", FormatRfc3339(s.created_at)}};
  if (s.every_days) {
    o["every_days"] = *s.every_days;
  }
  if (s.hours_before) {
    o["hours_before"] = *s.hours_before;
  }
  if (s.last_assigned_at) {
    o["last_assigned_at"] = FormatRfc3339(*s.last_assigned_at);
  }
  return o;
}

Result<measures::ScheduleSpec> ScheduleSpecFrom(const json::object& body) {
  measures::ScheduleSpec spec;
  ALCOVE_TRY_ASSIGN(const auto* in, InstrumentMember(body));
  spec.instrument_id = in->id;
  ALCOVE_TRY_ASSIGN(auto kind, OptionalString(body, "kind"));
  const auto k = kind ? measures::ScheduleKindFromName(*kind) : std::nullopt;
  if (!k) {
    return Bad("`kind` must be \"every_n_days\" or \"before_appointments\".");
  }
  spec.kind = *k;
  ALCOVE_TRY_ASSIGN(auto days, OptionalInt(body, "every_days", "a number of days (1 to 365)"));
  ALCOVE_TRY_ASSIGN(auto hours, OptionalInt(body, "hours_before", "a number of hours (1 to 336)"));
  if (spec.kind == measures::ScheduleKind::kEveryNDays) {
    if (!days || hours) {
      return Bad("An every_n_days schedule needs `every_days` (1 to 365) and no `hours_before`.");
    }
    if (*days < 1 || *days > measures::kMaxEveryDays) {
      return Bad("`every_days` must be from 1 to 365.");
    }
    spec.every_days = static_cast<int>(*days);
  } else {
    if (!hours || days) {
      return Bad(
          "A before_appointments schedule needs `hours_before` (1 to 336) and no `every_days`.");
    }
    if (*hours < 1 || *hours > measures::kMaxHoursBefore) {
      return Bad("`hours_before` must be from 1 to 336 (14 days).");
    }
    spec.hours_before = static_cast<int>(*hours);
  }
  ALCOVE_TRY_ASSIGN(spec.send_email, OptionalBool(body, "send_email"));
  return spec;
}

}  // namespace

std::optional<Response> MeasuresRoutes::ThrottleMail(const Request& req,
                                                     const identity::TherapistScope& who) {
  return Throttle(id_, &t_, req, kMailClass, "questionnaire-mail:" + who.account_id());
}

void MeasuresRoutes::AddApi(RouteKit& kit) {
  kit.Add("GET", "/api/v1/instruments",
          ForTherapist([](Request&, const TherapistSession&) -> Result<Response> {
            json::array out;
            for (const auto& in : measures::BuiltInInstruments()) {
              out.push_back(json::object{{"id", in.id},
                                         {"name", in.short_title},
                                         {"title", in.title},
                                         {"items", in.items.size()},
                                         {"version", in.version}});
            }
            return JsonResponse(200, out);
          }));

  kit.Add("POST", "/api/v1/clients/{id}/assignments",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            const std::string client(req.Param("id").value_or(""));
            // Another tenant's client is 404 whatever the body says, before any budget is spent.
            ALCOVE_TRY(p_.GetClientInfo(who.scope, client));
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY(OnlyMembers(body, {"instrument", "expires_in_hours", "send_email"}));
            ALCOVE_TRY_ASSIGN(const auto* in, InstrumentMember(body));
            ALCOVE_TRY_ASSIGN(
                auto hours, OptionalInt(body, "expires_in_hours", "a number of hours (1 to 720)"));
            if (hours && (*hours < 1 || *hours > 720)) {
              return Bad("`expires_in_hours` must be from 1 to 720 (30 days).");
            }
            ALCOVE_TRY_ASSIGN(const bool send, OptionalBool(body, "send_email"));
            std::optional<Micros> lifetime;
            if (hours) {
              lifetime = *hours * 3600 * kMicrosPerSecond;
            }
            std::string address;
            if (send) {
              if (x_.measure_mail == nullptr) {
                return Unavailable();
              }
              if (auto limited = ThrottleMail(req, who.scope)) {
                return *limited;
              }
              // No address: nothing is made (C53: the mail carries the link only).
              ALCOVE_TRY_ASSIGN(address,
                                x_.measure_mail->ClientAddress(who.scope, client, CallerOf(req)));
            }
            ALCOVE_TRY_ASSIGN(auto a,
                              m_.Assign(who.scope, client, in->id, lifetime, CallerOf(req)));
            bool emailed = false;
            if (send) {
              if (auto sent = x_.measure_mail->SendLink(address, a.link); !sent) {
                spdlog::warn("questionnaire link of assignment {} not mailed: {}", a.id,
                             sent.error().internal);
              } else {
                emailed = true;
              }
            }
            return JsonResponse(201, json::object{{"id", a.id},
                                                  {"link", a.link.reveal()},
                                                  {"expires_at", FormatRfc3339(a.expires_at)},
                                                  {"emailed", emailed}});
          }),
          kSmallBody);

  kit.Add("GET", "/api/v1/clients/{id}/assignments",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto list,
                              m_.ListAssignments(who.scope, req.Param("id").value_or("")));
            json::array out;
            for (const auto& a : list) {
              out.push_back(AssignmentJson(a));
            }
            return JsonResponse(200, out);
          }));

  kit.Add("DELETE", "/api/v1/assignments/{id}",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY(m_.Cancel(who.scope, req.Param("id").value_or(""), CallerOf(req)));
            return Response::Text(204, "");
          }));

  kit.Add("GET", "/api/v1/clients/{id}/results",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            const std::string only(req.QueryValue("instrument").value_or(""));
            if (!only.empty()) {
              ALCOVE_TRY(InstrumentNamed(only));
            }
            ALCOVE_TRY_ASSIGN(
                auto list, m_.ListResults(who.scope, req.Param("id").value_or(""), CallerOf(req)));
            json::array out;
            for (const auto& m : list) {
              if (only.empty() || m.instrument_id == only) {
                out.push_back(ResultJson(m));
              }
            }
            return JsonResponse(200, out);
          }));

  kit.Add("GET", "/api/v1/results/{id}/fhir",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto m,
                              m_.GetResult(who.scope, req.Param("id").value_or(""), CallerOf(req)));
            ALCOVE_TRY_ASSIGN(const auto* in, InstrumentNamed(m.instrument_id));
            ALCOVE_TRY_ASSIGN(auto qr,
                              measures::QuestionnaireResponseJson(*in, m.answers, ContextOf(m)));
            return FhirResponse(std::string(qr.reveal()));
          }));

  // The Observations (one per scale) as a FHIR Bundle of type "collection".
  kit.Add("GET", "/api/v1/results/{id}/fhir/observations",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto m,
                              m_.GetResult(who.scope, req.Param("id").value_or(""), CallerOf(req)));
            ALCOVE_TRY_ASSIGN(const auto* in, InstrumentNamed(m.instrument_id));
            ALCOVE_TRY_ASSIGN(auto list, measures::ObservationsJson(*in, m.score, ContextOf(m)));
            json::array entries;
            for (const auto& o : list) {
              entries.push_back(json::object{{"resource", json::parse(o.reveal())}});
            }
            json::object bundle{{"resourceType", "Bundle"},
                                {"id", m.id + "-observations"},
                                {"type", "collection"},
                                {"entry", std::move(entries)}};
            return FhirResponse(json::serialize(bundle));
          }));

  // ---- Assignment schedules (schedules.hpp) ----
  kit.Add("POST", "/api/v1/clients/{id}/measure-schedules",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            if (x_.schedules == nullptr) {
              return Unavailable();
            }
            const std::string client(req.Param("id").value_or(""));
            ALCOVE_TRY(p_.GetClientInfo(who.scope, client));  // 404 whatever the body says
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY(OnlyMembers(
                body, {"instrument", "kind", "every_days", "hours_before", "send_email"}));
            ALCOVE_TRY_ASSIGN(auto spec, ScheduleSpecFrom(body));
            if (spec.send_email) {
              if (auto limited = ThrottleMail(req, who.scope)) {
                return *limited;
              }
            }
            ALCOVE_TRY_ASSIGN(auto s, x_.schedules->Create(who.scope, client, spec, CallerOf(req)));
            return JsonResponse(201, ScheduleJson(s));
          }),
          kSmallBody);

  kit.Add("GET", "/api/v1/clients/{id}/measure-schedules",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            if (x_.schedules == nullptr) {
              return Unavailable();
            }
            ALCOVE_TRY_ASSIGN(auto list,
                              x_.schedules->List(who.scope, req.Param("id").value_or("")));
            json::array out;
            for (const auto& s : list) {
              out.push_back(ScheduleJson(s));
            }
            return JsonResponse(200, out);
          }));

  kit.Add("DELETE", "/api/v1/measure-schedules/{id}",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            if (x_.schedules == nullptr) {
              return Unavailable();
            }
            ALCOVE_TRY(x_.schedules->Stop(who.scope, req.Param("id").value_or(""), CallerOf(req)));
            return Response::Text(204, "");
          }));
}

}  // namespace alcove::web::measures_routes
