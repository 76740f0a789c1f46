// The assignment schedules' page (docs/measures.md § Schedules): a client's schedules, a
// form to add one and a button to stop each. Works without JavaScript; CSRF on every
// form (the route facade checks it); errors in words on the page itself.
#include <algorithm>
#include <charconv>
#include <map>

#include "measures/instruments.hpp"
#include "web/body.hpp"
#include "web/measures/routes_internal.hpp"
#include "web/templates.hpp"

namespace alcove::web::measures_routes {
namespace {

const RouteOptions kFormBody{.max_body_bytes = 16 * 1024, .runs_inline = false};

std::optional<int> Number(std::string_view text) {
  int n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return n;
}

TemplateData List(std::vector<TemplateData>& items) {
  TemplateData out{TemplateData::type::list};
  for (auto& i : items) {
    out.push_back(i);
  }
  return out;
}

}  // namespace

Result<Response> MeasuresRoutes::SchedulesPage(const TherapistSession& who,
                                               std::string_view client_id,
                                               const std::map<std::string, std::string>& form,
                                               const std::string& error, int status) {
  ALCOVE_TRY_ASSIGN(const auto client, p_.GetClientInfo(who.scope, client_id));
  if (x_.schedules == nullptr) {
    return Fail(ErrorCode::kUnavailable, "measures schedules not wired",
                "Questionnaire schedules are not available.");
  }
  ALCOVE_TRY_ASSIGN(const auto list, x_.schedules->List(who.scope, client.id));
  ALCOVE_TRY_ASSIGN(const auto words, p_.TimeWords(who.scope));
  auto field = [&](const char* key, const char* fallback) {
    const auto it = form.find(key);
    return it == form.end() ? std::string(fallback) : it->second;
  };
  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  d.set("client_id", client.id);
  d.set("alias", client.alias);
  if (!error.empty()) {
    d.set("error", error);
  }
  std::vector<TemplateData> rows;
  for (const auto& s : list) {
    TemplateData r;
    const auto* in = measures::FindInstrument(s.instrument_id);
    r.set("id", s.id);
    r.set("client_id", client.id);
    r.set("csrf_token", who.csrf_token);
    r.set("instrument", in != nullptr ? in->short_title : s.instrument_id);
    r.set("when",
          s.kind == measures::ScheduleKind::kEveryNDays
              ? "Every " + std::to_string(s.every_days.value_or(0)) + " days"
              : std::to_string(s.hours_before.value_or(0)) + " hours before each appointment");
    r.set("send_email", s.send_email);
    r.set("last", s.last_assigned_at ? words(*s.last_assigned_at) : std::string("Not yet"));
    rows.push_back(std::move(r));
  }
  d.set("has_schedules", !rows.empty());
  d.set("schedules", List(rows));
  const std::string chosen = field("instrument", "phq-9");
  std::vector<TemplateData> instruments;
  for (const auto& in : measures::BuiltInInstruments()) {
    TemplateData o;
    o.set("id", in.id);
    o.set("title", in.title);
    o.set("selected", in.id == chosen);
    instruments.push_back(std::move(o));
  }
  d.set("instruments", List(instruments));
  d.set("before", field("kind", "every_n_days") == "before_appointments");
  d.set("every_days", field("every_days", "14"));
  d.set("hours_before", field("hours_before", "24"));
  d.set("send_email", !field("send_email", "").empty());
  d.set("has_appointments", x_.schedules->HasAppointments());
  return Response::Html(status,
                        t_.RenderPage("measure_schedules", "Questionnaire schedules · Alcove", d));
}

void MeasuresRoutes::AddSchedules(RouteKit& kit) {
  kit.Add("GET", "/clients/{id}/measures/schedules",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            return SchedulesPage(who, req.Param("id").value_or(""), {}, "", 200);
          }));
  kit.Add(
      "POST", "/clients/{id}/measures/schedules",
      ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
        const std::string client(req.Param("id").value_or(""));
        ALCOVE_TRY(p_.GetClientInfo(who.scope, client));  // another tenant's: 404 first
        ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
        std::map<std::string, std::string> form;
        for (const char* key : {"instrument", "kind", "every_days", "hours_before", "send_email"}) {
          form[key] = FormValue(fields, key);
        }
        measures::ScheduleSpec spec;
        spec.instrument_id = form["instrument"];
        const auto kind = measures::ScheduleKindFromName(form["kind"]);
        if (!kind) {
          return SchedulesPage(who, client, form, "Choose when the questionnaire goes out.", 400);
        }
        spec.kind = *kind;
        const auto n = Number(
            form[*kind == measures::ScheduleKind::kEveryNDays ? "every_days" : "hours_before"]);
        if (!n) {
          return SchedulesPage(who, client, form,
                               *kind == measures::ScheduleKind::kEveryNDays
                                   ? "Every how many days: a number from 1 to 365."
                                   : "How many hours before each appointment: a number from 1 "
                                     "to 336 (14 days).",
                               400);
        }
        (*kind == measures::ScheduleKind::kEveryNDays ? spec.every_days : spec.hours_before) = *n;
        spec.send_email = !form["send_email"].empty();
        if (x_.schedules == nullptr) {
          return Fail(ErrorCode::kUnavailable, "measures schedules not wired",
                      "Questionnaire schedules are not available.");
        }
        if (spec.send_email) {
          if (auto limited = ThrottleMail(req, who.scope)) {
            return *limited;
          }
        }
        auto made = x_.schedules->Create(who.scope, client, spec, CallerOf(req));
        if (!made) {
          const ErrorCode c = made.error().code;
          if (c == ErrorCode::kInvalidArgument || c == ErrorCode::kFailedPrecondition) {
            return SchedulesPage(who, client, form, made.error().public_message,
                                 c == ErrorCode::kInvalidArgument ? 400 : 422);
          }
          return std::unexpected(made.error());
        }
        return Response::SeeOther("/clients/" + client + "/measures/schedules");
      }),
      kFormBody);
  kit.Add("POST", "/clients/{id}/measures/schedules/{sid}/stop",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            const std::string client(req.Param("id").value_or(""));
            ALCOVE_TRY(p_.GetClientInfo(who.scope, client));
            if (x_.schedules == nullptr) {
              return Fail(ErrorCode::kUnavailable, "measures schedules not wired",
                          "Questionnaire schedules are not available.");
            }
            // A schedule of another client of the caller's is refused as a missing one.
            ALCOVE_TRY_ASSIGN(const auto list, x_.schedules->List(who.scope, client));
            const std::string sid(req.Param("sid").value_or(""));
            const bool ours = std::ranges::any_of(
                list, [&](const measures::MeasureSchedule& s) { return s.id == sid; });
            if (!ours) {
              return Fail(ErrorCode::kNotFound, "no such measure schedule of this client",
                          "There is no such questionnaire schedule.");
            }
            ALCOVE_TRY(x_.schedules->Stop(who.scope, sid, CallerOf(req)));
            return Response::SeeOther("/clients/" + client + "/measures/schedules");
          }),
          kFormBody);
}

}  // namespace alcove::web::measures_routes
