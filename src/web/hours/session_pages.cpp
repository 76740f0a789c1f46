// The sessions of a week: the list (with the previous and next weeks), one session added
// at a time, edited and deleted. A client is typed (a name or initials: only initials
// are kept, C50) or picked from the practice's clients by alias. A session of a signed
// week changes only when the associate ticks the amendment box, which says that the
// signature will no longer match.
#include <fmt/format.h>

#include "practice/alias.hpp"
#include "web/errors.hpp"
#include "web/hours/page_kit.hpp"
#include "web/hours/pages_internal.hpp"

namespace alcove::web::hours_pages {

using hours::Category;
using hours::Day;
using hours::SessionLog;
using hours::WeekStatus;

namespace {

// The field of the session form a hours::FieldError names.
std::string FormFieldOf(std::string_view field) {
  if (field == "minutes") {
    return "length";
  }
  if (field == "client") {
    return "client_name";
  }
  if (field == "video") {
    return "category";  // video goes with supervision: the kind of work is what is wrong
  }
  return std::string(field);
}

// Lengths as typed: "minutes" or "hours" (the unit select next to the field).
std::optional<std::int64_t> LengthFromForm(const FormFields& f) {
  const std::string v = FormValue(f, "length");
  return FormValue(f, "unit") == "hours" ? ParseHours(v) : ParseMinutes(v);
}

// What the session form describes, or nullopt with the errors of its fields. The
// client's typed name stays a PhiString; `pick` says whether the form offers the
// practice's clients.
std::optional<hours::NewSession> SessionFromForm(FormState& form, const Associate& a) {
  const FormFields& f = form.values;
  hours::NewSession s;
  if (const auto day = hours::ParseDay(FormValue(f, "date"))) {
    s.date = *day;
  } else {
    form.errors["date"] = "Enter the day of the session, like 2026-11-30.";
  }
  if (const auto m = LengthFromForm(f); !m) {
    form.errors["length"] = FormValue(f, "unit") == "hours"
                                ? "Enter the length in hours, like 1.5 or 1:30."
                                : "Enter the length in whole minutes, like 50.";
  } else if (*m < hours::kMinSessionMinutes || *m > hours::kMaxSessionMinutes) {
    form.errors["length"] = "A session lasts between 1 minute and 24 hours.";
  } else {
    s.minutes = *m;
  }
  if (const auto c = hours::CategoryFromName(FormValue(f, "category"))) {
    s.category = *c;
  } else {
    form.errors["category"] = "Choose what kind of work it was.";
  }
  s.setting_id = FormValue(f, "setting_id");
  if (SettingName(a, s.setting_id).empty()) {
    form.errors["setting_id"] = "Choose the work setting.";
  }
  const std::string name = FormValue(f, "client_name");
  s.client_id = FormValue(f, "client_id");
  if (!name.empty() && !s.client_id.empty()) {
    form.errors["client_name"] = "Type a name or pick a client, not both.";
  } else if (!name.empty()) {
    s.client_name = crypto::PhiString(name);
    if (auto initials = practice::InitialsOf(s.client_name); !initials) {
      form.errors["client_name"] = initials.error().public_message;
    }
  }
  s.telehealth = FormValue(f, "telehealth") == "yes";
  if (hours::IsSupervision(s.category)) {
    s.video = FormValue(f, "video") == "yes";
  }
  if (s.category == Category::kSupervisionGroup) {
    const auto n = ParseMinutes(FormValue(f, "group_size"));
    if (!n || *n < 1 || *n > hours::kMaxGroupSize) {
      form.errors["group_size"] = "Enter how many supervisees were in the group, like 6.";
    } else {
      s.group_size = static_cast<int>(*n);
    }
  }
  const std::string phase = FormValue(f, "phase");
  if (phase == "pre") {
    s.pre_degree = true;
  } else if (phase == "post") {
    s.pre_degree = false;
  }
  s.amend = FormValue(f, "amend") == "yes";
  if (!form.errors.empty()) {
    return std::nullopt;
  }
  // The service's own checks of these values, next to their field.
  if (auto e = hours::Hours::CheckSession(s, a.today)) {
    form.errors[FormFieldOf(e->field)] = e->message;
    return std::nullopt;
  }
  return s;
}

// A name typed into a form that is shown again becomes its initials (the name itself
// never comes back in a page, C50); a name with no initials is dropped.
void KeepOnlyInitials(FormState& form) {
  const auto it = form.values.find("client_name");
  if (it == form.values.end() || it->second.empty()) {
    return;
  }
  auto initials = practice::InitialsOf(crypto::PhiString(it->second));
  it->second = initials ? *initials : "";
}

// The choices of the session form: categories (grouped), unit, phase.
void SetChoices(TemplateData& d, const FormFields& v) {
  const std::string chosen = FormValue(v, "category");
  std::vector<TemplateData> direct;
  std::vector<TemplateData> supervision;
  std::vector<TemplateData> other;
  for (const Category c : kCategoryOrder) {
    TemplateData o;
    o.set("value", std::string(hours::CategoryName(c)));
    o.set("label", std::string(CategoryWords(c)));
    if (hours::CategoryName(c) == chosen) {
      o.set("selected", true);
    }
    (IsDirect(c) ? direct : hours::IsSupervision(c) ? supervision : other).push_back(o);
  }
  d.set("direct_categories", List(std::move(direct)));
  d.set("supervision_categories", List(std::move(supervision)));
  d.set("other_categories", List(std::move(other)));
  d.set(FormValue(v, "unit") == "hours" ? "unit_hours" : "unit_minutes", true);
  const std::string phase = FormValue(v, "phase");
  d.set(phase == "pre" ? "phase_pre" : phase == "post" ? "phase_post" : "phase_auto", true);
  for (const char* flag : {"telehealth", "video"}) {
    if (FormValue(v, flag) == "yes") {
      d.set(std::string(flag) + "_checked", true);
    }
  }
}

// The derived phase: a session before the degree date is pre-degree.
bool DerivedPreDegree(Day date, const hours::Profile& p) { return date < p.degree_date; }

FormFields ValuesOf(const SessionLog& s, const hours::Profile& p) {
  FormFields v;
  v["date"] = hours::DayText(s.date);
  if (s.minutes >= 60 && s.minutes % 15 == 0) {
    v["length"] = HoursNumber(s.minutes);
    v["unit"] = "hours";
  } else {
    v["length"] = std::to_string(s.minutes);
    v["unit"] = "minutes";
  }
  v["category"] = std::string(hours::CategoryName(s.category));
  v["setting_id"] = s.setting_id;
  v["client_name"] = s.alias;
  v["telehealth"] = s.telehealth ? "yes" : "";
  v["video"] = s.video ? "yes" : "";
  v["group_size"] = s.group_size ? std::to_string(*s.group_size) : "";
  v["phase"] = s.pre_degree == DerivedPreDegree(s.date, p) ? "auto" : s.pre_degree ? "pre" : "post";
  return v;
}

// One session as the pages show it.
TemplateData Item(const SessionLog& s, const Associate& a) {
  TemplateData d;
  d.set("id", s.id);
  d.set("day", DayShort(s.date));
  d.set("day_long", DayLong(s.date));
  d.set("length", LengthWords(s.minutes));
  d.set("category", std::string(CategoryWords(s.category)));
  d.set("setting", SettingName(a, s.setting_id));
  d.set("alias", s.alias);
  std::vector<std::string> flags;
  if (s.telehealth) {
    flags.emplace_back("telehealth");
  }
  if (s.video) {
    flags.emplace_back("by video");
  }
  if (s.group_size) {
    flags.push_back(fmt::format("group of {}", *s.group_size));
  }
  if (s.pre_degree) {
    flags.emplace_back("before the degree");
  }
  std::string joined;
  for (const auto& f : flags) {
    joined += (joined.empty() ? "" : ", ") + f;
  }
  d.set("flags", joined);
  return d;
}

// What a weekly log's status means for changing its sessions.
void SetWeekState(TemplateData& d, const std::optional<hours::WeeklyLog>& week) {
  if (!week) {
    return;
  }
  d.set("week_status", std::string(StatusWords(week->status)));
  if (week->status == WeekStatus::kSubmitted) {
    d.set("week_submitted", true);
  } else if (week->status == WeekStatus::kSigned) {
    d.set("week_signed", true);
  }
}

}  // namespace

Result<std::optional<hours::WeeklyLog>> HoursPages::WeekOf(const TherapistSession& who,
                                                           const SessionLog& s) {
  const Day monday = hours::WeekStart(s.date);
  ALCOVE_TRY_ASSIGN(auto weeks, h_.ListWeeks(who.scope, monday, monday));
  for (auto& w : weeks) {
    if (w.setting_id == s.setting_id) {
      return std::optional<hours::WeeklyLog>(std::move(w));
    }
  }
  return std::optional<hours::WeeklyLog>();
}

Result<TemplateData> HoursPages::ClientOptions(const TherapistSession& who,
                                               std::string_view chosen) {
  ALCOVE_TRY_ASSIGN(auto clients, p_.ListClients(who.scope));
  std::vector<TemplateData> out;
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
    out.push_back(o);
  }
  return List(std::move(out));
}

Result<Response> HoursPages::SessionsPage(Request& req, const TherapistSession& who,
                                          const Associate& a, Day week, const FormState& form,
                                          int status) {
  const Day monday = hours::WeekStart(week);
  const Day sunday = monday + std::chrono::days(6);
  ALCOVE_TRY_ASSIGN(auto sessions, h_.ListSessions(who.scope, monday, sunday));
  ALCOVE_TRY_ASSIGN(auto weeks, h_.ListWeeks(who.scope, monday, monday));
  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  Flash(req, d);
  d.set("week", hours::DayText(monday));
  d.set("heading", DateWords(monday));
  d.set("previous", hours::DayText(monday - std::chrono::days(7)));
  d.set("next", hours::DayText(monday + std::chrono::days(7)));
  if (monday != hours::WeekStart(a.today)) {
    d.set("this_week", hours::DayText(hours::WeekStart(a.today)));
  }
  std::int64_t direct = 0;
  std::int64_t total = 0;
  std::vector<TemplateData> items;
  for (const auto& s : sessions) {
    items.push_back(Item(s, a));
    total += s.minutes;
    direct += IsDirect(s.category) ? s.minutes : 0;
  }
  d.set("has_sessions", !items.empty());
  d.set("sessions", List(std::move(items)));
  d.set("total", HoursNumber(total));
  d.set("direct", HoursNumber(direct));
  std::vector<TemplateData> logs;
  for (const auto& w : weeks) {
    TemplateData l;
    l.set("setting", w.setting_name);
    SetWeekState(l, w);
    if (w.amended) {
      l.set("amended", true);
    }
    logs.push_back(l);
  }
  d.set("has_logs", !logs.empty());
  d.set("logs", List(std::move(logs)));

  d.set("no_settings", a.settings.empty());
  FormState shown = form;
  const Day default_day = a.today >= monday && a.today <= sunday ? a.today : monday;
  shown.values.try_emplace("date", hours::DayText(default_day));
  shown.values.try_emplace("length", "50");
  shown.values.try_emplace("unit", "minutes");
  shown.values.try_emplace("category", "individual");
  SetForm(d, shown);
  SetChoices(d, shown.values);
  d.set("settings", SettingOptions(a, FormValue(shown.values, "setting_id")));
  ALCOVE_TRY_ASSIGN(auto clients, ClientOptions(who, FormValue(shown.values, "client_id")));
  d.set("has_clients", !clients.is_empty_list());
  d.set("clients", clients);
  d.set("pick", true);
  d.set("max_date", hours::DayText(a.today));
  d.set("degree", DateWords(a.profile.degree_date));
  if (FormValue(shown.values, "amend") == "yes") {
    d.set("amend_checked", true);
    d.set("show_amend", true);
  }
  if (shown.errors.contains("amend")) {
    d.set("show_amend", true);
  }
  d.set("session_fields", t_.Render("hours_session_fields", d));
  return Page(status, "hours_sessions", "Sessions, week of " + DateWords(monday), "/hours/sessions",
              d);
}

Result<Response> HoursPages::SessionEditPage(const TherapistSession& who, const Associate& a,
                                             const SessionLog& s, const FormState& form,
                                             int status) {
  ALCOVE_TRY_ASSIGN(auto week, WeekOf(who, s));
  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  d.set("id", s.id);
  d.set("week", hours::DayText(hours::WeekStart(s.date)));
  d.set("summary_day", DayLong(s.date));
  SetWeekState(d, week);
  if ((week && week->status == WeekStatus::kSigned) || form.errors.contains("amend")) {
    d.set("show_amend", true);
  }
  FormState shown = form;
  if (shown.values.empty()) {
    shown.values = ValuesOf(s, a.profile);
  }
  SetForm(d, shown);
  SetChoices(d, shown.values);
  if (FormValue(shown.values, "amend") == "yes") {
    d.set("amend_checked", true);
  }
  d.set("settings", SettingOptions(a, FormValue(shown.values, "setting_id")));
  d.set("pick", true);
  ALCOVE_TRY_ASSIGN(auto clients, ClientOptions(who, FormValue(shown.values, "client_id")));
  d.set("has_clients", !clients.is_empty_list());
  d.set("clients", clients);
  d.set("max_date", hours::DayText(std::max(a.today, s.date)));
  d.set("degree", DateWords(a.profile.degree_date));
  d.set("session_fields", t_.Render("hours_session_fields", d));
  return Page(status, "hours_session_edit", "Edit session", "/hours/sessions", d);
}

Result<Response> HoursPages::SessionDeletePage(const TherapistSession& who, const Associate& a,
                                               const SessionLog& s, const FormState& form,
                                               int status) {
  ALCOVE_TRY_ASSIGN(auto week, WeekOf(who, s));
  TemplateData d = Item(s, a);
  d.set("csrf_token", who.csrf_token);
  d.set("week", hours::DayText(hours::WeekStart(s.date)));
  SetWeekState(d, week);
  SetForm(d, form);
  return Page(status, "hours_session_delete", "Delete session", "/hours/sessions", d);
}

void HoursPages::AddSessionPages(RouteKit& kit) {
  kit.Add("GET", "/hours/sessions",
          ForAssociate([this](Request& req, const TherapistSession& who, const Associate& a) {
            const auto week = hours::ParseDay(req.QueryValue("week").value_or(""));
            return SessionsPage(req, who, a, week.value_or(a.today), {}, 200);
          }));
  kit.Add("POST", "/hours/sessions",
          ForAssociate([this](Request& req, const TherapistSession& who,
                              const Associate& a) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
            FormState form{.values = fields, .errors = {}, .error = {}};
            const auto session = SessionFromForm(form, a);
            if (session) {
              auto made = h_.AddSession(who.scope, *session, CallerOf(req));
              if (made) {
                return Saved("/hours/sessions?week=" + hours::DayText(hours::WeekStart(made->date)),
                             "session_added");
              }
              const ErrorCode code = made.error().code;
              if (code == ErrorCode::kNotFound) {
                form.error = "That work setting or client is not there any more. Choose again.";
              } else if (hours::RefusalOf(made.error()) == "week_signed") {
                form.errors["amend"] = made.error().public_message;  // the box shows now
              } else if (code == ErrorCode::kInvalidArgument ||
                         code == ErrorCode::kFailedPrecondition) {
                form.error = made.error().public_message;
              } else {
                return std::unexpected(made.error());
              }
            }
            KeepOnlyInitials(form);
            const auto day = hours::ParseDay(FormValue(fields, "date"));
            const auto week = hours::ParseDay(FormValue(fields, "week"));
            return SessionsPage(req, who, a, day.value_or(week.value_or(a.today)), form, 400);
          }),
          kFormBody);
  kit.Add("GET", "/hours/sessions/{id}",
          ForAssociate(
              [this](Request& req, const TherapistSession& who,
                     const Associate& a) -> Result<Response> {
                ALCOVE_TRY_ASSIGN(auto s, h_.GetSession(who.scope, req.Param("id").value_or("")));
                return SessionEditPage(who, a, s, {}, 200);
              },
              true));
  kit.Add("POST", "/hours/sessions/{id}",
          ForAssociate(
              [this](Request& req, const TherapistSession& who,
                     const Associate& a) -> Result<Response> {
                // 404 first: another tenant's session is not there.
                ALCOVE_TRY_ASSIGN(auto current,
                                  h_.GetSession(who.scope, req.Param("id").value_or("")));
                ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
                FormState form{.values = fields, .errors = {}, .error = {}};
                // The alias shown in the field comes back unchanged: the client stays.
                const bool same_client = FormValue(fields, "client_name") == current.alias;
                if (same_client && !FormValue(fields, "client_id").empty()) {
                  form.values["client_name"] = "";  // a pick replaces the alias shown
                }
                ALCOVE_TRY_ASSIGN(auto week, WeekOf(who, current));
                const bool amend = FormValue(fields, "amend") == "yes";
                if (week && week->status == WeekStatus::kSigned && !amend) {
                  form.errors["amend"] = "Tick this box to change a week your supervisor signed.";
                }
                const auto parsed = SessionFromForm(form, a);
                if (parsed && form.errors.empty()) {
                  hours::SessionChange change;
                  change.date = parsed->date;
                  change.minutes = parsed->minutes;
                  change.category = parsed->category;
                  change.setting_id = parsed->setting_id;
                  // nullopt with a date: the phase is worked out from it anew.
                  change.pre_degree = parsed->pre_degree;
                  change.telehealth = parsed->telehealth;
                  change.video = parsed->video;
                  change.group_size = parsed->group_size;
                  if (!parsed->client_id.empty()) {
                    change.client_id = parsed->client_id;
                  } else if (!same_client) {
                    change.client_name = parsed->client_name.Clone();  // empty: no client
                  }
                  change.amend = amend;
                  auto saved = h_.UpdateSession(who.scope, current.id, change, CallerOf(req));
                  if (saved) {
                    return Saved(
                        "/hours/sessions?week=" + hours::DayText(hours::WeekStart(saved->date)),
                        "session_saved");
                  }
                  const ErrorCode code = saved.error().code;
                  if (hours::RefusalOf(saved.error()) == "week_signed") {
                    form.errors["amend"] = saved.error().public_message;  // the box shows now
                  } else if (code == ErrorCode::kInvalidArgument ||
                             code == ErrorCode::kFailedPrecondition) {
                    form.error = saved.error().public_message;
                  } else if (code == ErrorCode::kNotFound) {
                    form.error = "That work setting is not there any more. Choose again.";
                  } else {
                    return std::unexpected(saved.error());
                  }
                }
                KeepOnlyInitials(form);
                return SessionEditPage(who, a, current, form, 400);
              },
              true),
          kFormBody);
  kit.Add("GET", "/hours/sessions/{id}/delete",
          ForAssociate(
              [this](Request& req, const TherapistSession& who,
                     const Associate& a) -> Result<Response> {
                ALCOVE_TRY_ASSIGN(auto s, h_.GetSession(who.scope, req.Param("id").value_or("")));
                return SessionDeletePage(who, a, s, {}, 200);
              },
              true));
  kit.Add("POST", "/hours/sessions/{id}/delete",
          ForAssociate(
              [this](Request& req, const TherapistSession& who,
                     const Associate& a) -> Result<Response> {
                ALCOVE_TRY_ASSIGN(auto s, h_.GetSession(who.scope, req.Param("id").value_or("")));
                ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
                FormState form{.values = fields, .errors = {}, .error = {}};
                ALCOVE_TRY_ASSIGN(auto week, WeekOf(who, s));
                const bool amend = FormValue(fields, "amend") == "yes";
                if (week && week->status == WeekStatus::kSigned && !amend) {
                  form.errors["amend"] = "Tick this box to change a week your supervisor signed.";
                  return SessionDeletePage(who, a, s, form, 400);
                }
                auto st = h_.DeleteSession(who.scope, s.id, amend, CallerOf(req));
                if (!st) {
                  if (st.error().code != ErrorCode::kFailedPrecondition) {
                    return std::unexpected(st.error());
                  }
                  form.error = st.error().public_message;
                  return SessionDeletePage(who, a, s, form, 409);
                }
                return Saved("/hours/sessions?week=" + hours::DayText(hours::WeekStart(s.date)),
                             "session_deleted");
              },
              true),
          kFormBody);
}

}  // namespace alcove::web::hours_pages
