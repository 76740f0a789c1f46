// The schedule's pages: the Today page (home), the week view, the time zone page. They
// work without JavaScript; every time is local to the therapist's zone, in words.
#include <fmt/format.h>

#include "web/errors.hpp"
#include "web/schedule/routes.hpp"
#include "web/schedule/routes_internal.hpp"

namespace alcove::web::schedule_routes {

using schedule::Appointment;
using schedule::AppointmentStatus;
using schedule::TimeZone;

namespace {

const RouteOptions kFormBody{.max_body_bytes = 16 * 1024, .runs_inline = false};

Response SeeOther(std::string location) {
  Response res = Response::Text(303, "See " + location + "\n");
  res.headers.Set("Location", std::move(location));
  return res;
}

std::string StatusWords(AppointmentStatus s) {
  switch (s) {
    case AppointmentStatus::kScheduled:
      return "Scheduled";
    case AppointmentStatus::kAttended:
      return "Attended";
    case AppointmentStatus::kNoShow:
      return "No-show";
    case AppointmentStatus::kCancelled:
      return "Cancelled";
  }
  return "";
}

std::string KindWords(schedule::Kind k) {
  const std::string name(schedule::KindName(k));
  return std::string(1, static_cast<char>(name[0] - 'a' + 'A')) + name.substr(1);
}

// One appointment as the pages show it; `back` is where its action forms return.
TemplateData Item(const Appointment& a, const TimeZone& tz, const std::string& back) {
  TemplateData d;
  d.set("id", a.id);
  d.set("client_id", a.client_id);
  d.set("alias", a.alias);
  d.set("when", tz.Words(a.starts_at));
  d.set("time", tz.TimeWords(a.starts_at));
  d.set("date", tz.LocalDate(a.starts_at));
  d.set("clock", tz.LocalClock(a.starts_at));
  d.set("minutes", std::to_string(a.minutes));
  d.set("kind", KindWords(a.kind));
  d.set("status", StatusWords(a.status));
  d.set("back", back);
  if (a.status == AppointmentStatus::kScheduled) {
    d.set("scheduled", true);
  }
  if (a.status != AppointmentStatus::kCancelled) {
    d.set("not_cancelled", true);
  }
  if (a.series_id) {
    d.set("series", true);
  }
  return d;
}

TemplateData List(std::span<TemplateData> items) {
  TemplateData out{TemplateData::type::list};
  for (auto& i : items) {
    out.push_back(i);
  }
  return out;
}

// The form's values as v_<name> and its errors as e_<name> (and `has_errors`).
void SetForm(TemplateData& d, const FormState& f, std::string_view prefix = "") {
  for (const auto& [k, v] : f.values) {
    if (k != "csrf_token") {
      d.set(fmt::format("{}v_{}", prefix, k), v);
    }
  }
  for (const auto& [k, v] : f.errors) {
    d.set(fmt::format("{}e_{}", prefix, k), v);
  }
  if (!f.errors.empty()) {
    d.set(std::string(prefix) + "has_errors", true);
  }
}

// A whole number from a form field, or nullopt.
std::optional<std::int64_t> Number(const std::string& s) {
  if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoll(s);
}

// The field of the form that a service check names.
std::string FormField(const std::string& field) { return field == "starts_at" ? "date" : field; }

}  // namespace

Result<Response> ScheduleRoutes::TodayPage(Request& req, const TherapistSession& who) {
  ALCOVE_TRY_ASSIGN(auto view, s_.Today(who.scope));
  ALCOVE_TRY_ASSIGN(auto zone, s_.Zone(who.scope));
  const TimeZone& tz = zone.first;
  ALCOVE_TRY_ASSIGN(const auto profile, id_.identity.GetProfile(who.scope.principal()));
  TemplateData d;
  d.set("name", profile.name);
  d.set("csrf_token", who.csrf_token);
  d.set("today", tz.DayWords(tz.StartOfDay(view.date)));
  d.set("week", schedule::MondayOf(view.date));
  d.set("zone", tz.name());
  std::vector<TemplateData> today;
  for (const auto& a : view.today) {
    today.push_back(Item(a, tz, "today"));
  }
  d.set("appointments", List(today));
  d.set("has_appointments_today", !today.empty());
  std::vector<TemplateData> unwritten;
  for (const auto& a : view.unwritten) {
    unwritten.push_back(Item(a, tz, "today"));
  }
  d.set("unwritten", List(unwritten));
  d.set("has_unwritten", !unwritten.empty());
  std::vector<TemplateData> summaries;
  for (const auto& s : view.summaries) {
    TemplateData i;
    i.set("id", s.id);
    i.set("alias", s.alias);
    i.set("when", tz.DayWords(s.created_at));
    summaries.push_back(i);
  }
  d.set("summaries", List(summaries));
  d.set("has_summaries", !summaries.empty());
  // A calm line from each module that offers one (hours: "Gathering hours toward
  // licensure? Set up hours tracking").
  TemplateData more{TemplateData::type::list};
  for (const PageEntry& e : LinksFor(id_, who.scope).today) {
    TemplateData item;
    item.set("lead", e.lead);
    item.set("href", e.href);
    item.set("label", e.label);
    more.push_back(item);
  }
  d.set("more", more);
  // What needs attention first (measures: a questionnaire's raised flag, new results).
  TemplateData alerts{TemplateData::type::list};
  TemplateData notices{TemplateData::type::list};
  for (const TodayAlert& a : TodayAlertsFor(id_, who.scope, CallerOf(req))) {
    TemplateData item;
    item.set("text", a.text);
    item.set("href", a.href);
    item.set("label", a.label);
    item.set("action", a.action);
    item.set("action_label", a.action_label);
    (a.urgent ? alerts : notices).push_back(item);
  }
  d.set("has_alerts", !alerts.is_empty_list());
  d.set("alerts", alerts);
  d.set("has_notices", !notices.is_empty_list());
  d.set("notices", notices);
  if (!view.has_clients || !view.time_zone_set || !view.has_appointments) {
    d.set("first_steps", true);
    d.set("step_client", view.has_clients);
    d.set("step_zone", view.time_zone_set);
    d.set("step_appointment", view.has_appointments);
  }
  return Response::Html(200, t_.RenderPage("today", "Today · Alcove", d));
}

Result<Response> ScheduleRoutes::WeekPage(const TherapistSession& who, const std::string& date,
                                          const FormState& form, const FormState& resched,
                                          int status) {
  ALCOVE_TRY_ASSIGN(auto zone, s_.Zone(who.scope));
  const TimeZone& tz = zone.first;
  const std::string monday = schedule::MondayOf(date);
  ALCOVE_TRY_ASSIGN(auto list, s_.List(who.scope, tz.StartOfDay(monday),
                                       tz.StartOfDay(schedule::AddDays(monday, 7))));
  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  d.set("week", monday);
  d.set("heading", tz.DayWords(tz.StartOfDay(monday)));
  d.set("previous", schedule::AddDays(monday, -7));
  d.set("next", schedule::AddDays(monday, 7));
  d.set("zone", tz.name());
  if (!zone.second) {
    d.set("zone_unset", true);
  }
  std::vector<TemplateData> days;
  for (int i = 0; i < 7; ++i) {
    const std::string day = schedule::AddDays(monday, i);
    const Micros start = tz.StartOfDay(day);
    const Micros end = tz.StartOfDay(schedule::AddDays(day, 1));
    std::vector<TemplateData> items;
    for (const auto& a : list) {
      if (a.starts_at >= start && a.starts_at < end) {
        TemplateData item = Item(a, tz, monday);
        if (resched.values.contains("id") && resched.values.at("id") == a.id) {
          SetForm(item, resched, "r");
          item.set("open", true);
        }
        items.push_back(item);
      }
    }
    TemplateData dd;
    dd.set("day", tz.DayWords(start));
    dd.set("appointments", List(items));
    dd.set("empty", items.empty());
    days.push_back(dd);
  }
  d.set("days", List(days));
  ALCOVE_TRY_ASSIGN(auto clients, p_.ListClients(who.scope));
  std::vector<TemplateData> options;
  const std::string chosen = form.values.contains("client_id") ? form.values.at("client_id") : "";
  for (const auto& c : clients) {
    if (c.status != practice::ClientStatus::kActive) {
      continue;
    }
    TemplateData o;
    o.set("id", c.id);
    o.set("alias", c.alias);
    if (c.id == chosen) {
      o.set("selected", true);
    }
    options.push_back(o);
  }
  d.set("clients", List(options));
  d.set("no_clients", options.empty());
  FormState shown = form;
  shown.values.try_emplace("date", monday);
  shown.values.try_emplace("time", "09:00");
  shown.values.try_emplace("minutes", "50");
  shown.values.try_emplace("count", "6");
  shown.values.try_emplace("every_days", "14");
  SetForm(d, shown);
  for (const char* k : {"session", "intake", "other"}) {
    if (shown.values.contains("kind") && shown.values.at("kind") == k) {
      d.set(std::string("kind_") + k, true);
    }
  }
  for (const char* r : {"weekly", "days"}) {
    if (shown.values.contains("repeat") && shown.values.at("repeat") == r) {
      d.set(std::string("repeat_") + r, true);
    }
  }
  return Response::Html(status, t_.RenderPage("schedule", "Schedule · Alcove", d));
}

Result<Response> ScheduleRoutes::ZonePage(const TherapistSession& who, const std::string& error,
                                          int status) {
  ALCOVE_TRY_ASSIGN(auto zone, s_.Zone(who.scope));
  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  d.set("zone", zone.first.name());
  if (!error.empty()) {
    d.set("error", error);
  }
  std::vector<TemplateData> names;
  for (const auto& n : TimeZone::AllNames()) {
    TemplateData o;
    o.set("name", n);
    if (n == zone.first.name()) {
      o.set("selected", true);
    }
    names.push_back(o);
  }
  d.set("zones", List(names));
  return Response::Html(status, t_.RenderPage("time_zone", "Time zone · Alcove", d));
}

void ScheduleRoutes::AddPages(RouteKit& kit) {
  kit.Add("GET", "/schedule",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            std::string week(req.QueryValue("week").value_or(""));
            if (!schedule::IsDay(week)) {
              ALCOVE_TRY_ASSIGN(auto zone, s_.Zone(who.scope));
              week = zone.first.LocalDate(id_.clock.Now());
            }
            return WeekPage(who, week, {}, {}, 200);
          }));
  kit.Add("POST", "/schedule/appointments",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
            FormState form{.values = fields, .errors = {}};
            auto value = [&](const char* k) { return FormValue(fields, k); };
            ALCOVE_TRY_ASSIGN(auto zone, s_.Zone(who.scope));
            schedule::NewAppointment a;
            a.client_id = value("client_id");
            a.kind = schedule::KindFromName(value("kind")).value_or(schedule::Kind::kSession);
            if (!schedule::IsDay(value("date"))) {
              form.errors["date"] = "Enter the date as a day like 2026-12-01.";
            } else if (auto t = zone.first.FromLocal(value("date"), value("time")); !t) {
              form.errors["time"] = t.error().public_message;
            } else {
              a.starts_at = *t;
            }
            if (const auto m = Number(value("minutes"))) {
              a.minutes = *m;
            } else {
              form.errors["minutes"] = "Enter the length in minutes, like 50.";
            }
            const std::string repeat = value("repeat");
            if (repeat == "weekly" || repeat == "days") {
              const auto every =
                  repeat == "weekly" ? std::optional<std::int64_t>(7) : Number(value("every_days"));
              const auto count = Number(value("count"));
              if (!every) {
                form.errors["every_days"] = "Enter how many days apart, like 14.";
              }
              if (!count) {
                form.errors["count"] = "Enter how many appointments, like 6.";
              }
              a.every_days = every.value_or(0);
              a.count = count.value_or(1);
            }
            const std::string week = schedule::IsDay(value("date")) ? value("date") : value("week");
            if (form.errors.empty()) {
              if (auto e = schedule::Schedule::Check(a)) {
                form.errors[FormField(e->field)] = e->message;
              }
            }
            if (form.errors.empty()) {
              auto made = s_.Create(who.scope, a, CallerOf(req));
              if (made) {
                return SeeOther("/schedule?week=" + schedule::MondayOf(value("date")));
              }
              if (made.error().code != ErrorCode::kNotFound &&
                  made.error().code != ErrorCode::kInvalidArgument) {
                return std::unexpected(made.error());
              }
              form.errors["client_id"] = made.error().code == ErrorCode::kNotFound
                                             ? "Choose a client."
                                             : made.error().public_message;
            }
            return WeekPage(who,
                            schedule::IsDay(week) ? week : zone.first.LocalDate(id_.clock.Now()),
                            form, {}, 400);
          }),
          kFormBody);
  kit.Add("POST", "/schedule/appointments/{id}",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
            const std::string id(req.Param("id").value_or(""));
            ALCOVE_TRY_ASSIGN(const Appointment current, s_.Get(who.scope, id));  // 404 first
            const std::string back = FormValue(fields, "back");
            const std::string location =
                schedule::IsDay(back) ? "/schedule?week=" + schedule::MondayOf(back) : "/";
            const std::string action = FormValue(fields, "action");
            schedule::Change change;
            if (action == "attended") {
              change.status = AppointmentStatus::kAttended;
            } else if (action == "no_show") {
              change.status = AppointmentStatus::kNoShow;
            } else if (action == "cancel" || action == "cancel_rest") {
              change.status = AppointmentStatus::kCancelled;
              change.rest_of_series = action == "cancel_rest";
            } else if (action == "reschedule") {
              FormState form{.values = fields, .errors = {}};
              form.values["id"] = id;
              ALCOVE_TRY_ASSIGN(auto zone, s_.Zone(who.scope));
              auto t = zone.first.FromLocal(FormValue(fields, "date"), FormValue(fields, "time"));
              const auto m = Number(FormValue(fields, "minutes"));
              if (!t) {
                form.errors[schedule::IsDay(FormValue(fields, "date")) ? "time" : "date"] =
                    t.error().public_message;
              }
              if (!m) {
                form.errors["minutes"] = "Enter the length in minutes, like 50.";
              }
              if (form.errors.empty()) {
                change.starts_at = *t;
                change.minutes = *m;
                change.status = AppointmentStatus::kScheduled;
                if (auto e = schedule::Schedule::Check(change)) {
                  form.errors[FormField(e->field)] = e->message;
                }
              }
              if (!form.errors.empty()) {
                return WeekPage(who, zone.first.LocalDate(current.starts_at), {}, form, 400);
              }
            } else {
              return Fail(ErrorCode::kInvalidArgument, "unknown appointment action",
                          "That action is not one this page offers. Go back and choose a button.");
            }
            ALCOVE_TRY(s_.Update(who.scope, id, change, CallerOf(req)));
            if (action == "reschedule") {
              return SeeOther("/schedule?week=" + schedule::MondayOf(FormValue(fields, "date")));
            }
            return SeeOther(location);
          }),
          kFormBody);
  kit.Add("GET", "/schedule/time-zone",
          ForTherapist([this](Request&, const TherapistSession& who) -> Result<Response> {
            return ZonePage(who, "", 200);
          }));
  kit.Add("POST", "/schedule/time-zone",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
            auto st = s_.SetZone(who.scope, FormValue(fields, "time_zone"), CallerOf(req));
            if (!st) {
              if (st.error().code == ErrorCode::kInvalidArgument) {
                return ZonePage(who, st.error().public_message, 400);
              }
              return std::unexpected(st.error());
            }
            return SeeOther("/");
          }),
          kFormBody);
}

}  // namespace alcove::web::schedule_routes

namespace alcove::web {

std::unique_ptr<RouteSet> AddScheduleRoutes(RouteKit& kit, IdentityServices& identity,
                                            schedule::Schedule& schedule,
                                            practice::Practice& practice,
                                            const Templates& templates) {
  auto routes =
      std::make_unique<schedule_routes::ScheduleRoutes>(identity, schedule, practice, templates);
  routes->AddApi(kit);
  routes->AddPages(kit);
  identity.therapist_home = [r = routes.get()](Request& req, const TherapistSession& who) {
    return r->TodayPage(req, who);
  };
  return routes;
}

}  // namespace alcove::web
