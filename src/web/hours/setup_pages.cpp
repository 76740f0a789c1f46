// The hours setup: the licensure profile (track, degree, registration, planned
// application date) and the work settings (add, edit, delete). Errors show next to their
// fields with what was typed kept.
#include <fmt/format.h>

#include "web/errors.hpp"
#include "web/hours/page_kit.hpp"
#include "web/hours/pages_internal.hpp"

namespace alcove::web::hours_pages {

using hours::Day;

namespace {

constexpr hours::Track kTracks[] = {hours::Track::kAmft, hours::Track::kApcc, hours::Track::kAsw};

// As the service accepts it (may be empty).
bool RegistrationNumberOk(std::string_view s) {
  if (s.size() > hours::kMaxRegistrationNumber) {
    return false;
  }
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == ' ' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// An optional day field: nullopt when empty; sets the field's error when it is not a day.
std::optional<Day> OptionalDay(FormState& form, const std::string& field) {
  const std::string v = FormValue(form.values, field);
  if (v.empty()) {
    return std::nullopt;
  }
  const auto day = hours::ParseDay(v);
  if (!day) {
    form.errors[field] = "Enter the date as a day like 2025-06-15.";
  }
  return day;
}

// The profile the form describes, or the errors of its fields. The service checks how
// the dates relate (ProfileField puts its refusal next to its field).
std::optional<hours::Profile> ProfileFromForm(FormState& form) {
  hours::Profile p;
  const auto track = hours::TrackFromName(FormValue(form.values, "track"));
  if (!track) {
    form.errors["track"] = "Choose the registration you hold.";
  } else {
    p.track = *track;
  }
  const auto degree = hours::ParseDay(FormValue(form.values, "degree_date"));
  if (!degree) {
    form.errors["degree_date"] = "Enter the day your degree was granted, like 2025-06-15.";
  } else {
    p.degree_date = *degree;
  }
  p.registration_date = OptionalDay(form, "registration_date");
  p.registration_number = FormValue(form.values, "registration_number");
  if (!RegistrationNumberOk(p.registration_number)) {
    form.errors["registration_number"] =
        "Type the number as the Board printed it: letters, digits, spaces and dashes, up to "
        "32 of them.";
  }
  p.application_date = OptionalDay(form, "application_date");
  if (!form.errors.empty()) {
    return std::nullopt;
  }
  return p;
}

// The field a refusal of Hours::SetProfile is about, from its internal message
// (hours/profile.cpp; never client content); "" for none.
std::string ProfileField(const Error& e) {
  const std::string_view m = e.internal;
  if (m.starts_with("degree date")) {
    return "degree_date";
  }
  if (m.starts_with("registration number")) {
    return "registration_number";
  }
  if (m.starts_with("registration")) {
    return "registration_date";
  }
  if (m.starts_with("application")) {
    return "application_date";
  }
  return "";
}

// The setting the form describes, or the errors of its fields.
std::optional<hours::NewSetting> SettingFromForm(FormState& form) {
  hours::NewSetting s;
  s.name = FormValue(form.values, "name");
  if (s.name.find_first_not_of(" \t") == std::string::npos) {
    form.errors["name"] = "Enter the name of the place, like Valley Clinic.";
  } else if (s.name.size() > hours::kMaxSettingName) {
    form.errors["name"] = "Keep the name shorter: at most about 120 letters.";
  }
  s.exempt = FormValue(form.values, "exempt") == "yes";
  const auto license = hours::LicenseFromName(FormValue(form.values, "supervisor_license"));
  if (!license) {
    form.errors["supervisor_license"] = "Choose the license your supervisor there holds.";
  } else {
    s.supervisor_license = *license;
  }
  if (!form.errors.empty()) {
    return std::nullopt;
  }
  return s;
}

TemplateData LicenseOptions(std::string_view chosen) {
  std::vector<TemplateData> out;
  for (const auto l : kLicenseOrder) {
    TemplateData o;
    o.set("value", std::string(hours::LicenseName(l)));
    o.set("label", std::string(LicenseWords(l)));
    if (hours::LicenseName(l) == chosen) {
      o.set("selected", true);
    }
    out.push_back(o);
  }
  return List(std::move(out));
}

FormFields ValuesOf(const hours::Profile& p) {
  FormFields v;
  v["track"] = std::string(hours::TrackName(p.track));
  v["degree_date"] = hours::DayText(p.degree_date);
  v["registration_date"] = p.registration_date ? hours::DayText(*p.registration_date) : "";
  v["registration_number"] = p.registration_number;
  v["application_date"] = p.application_date ? hours::DayText(*p.application_date) : "";
  return v;
}

FormFields ValuesOf(const hours::Setting& s) {
  FormFields v;
  v["name"] = s.name;
  v["exempt"] = s.exempt ? "yes" : "";
  v["supervisor_license"] = std::string(hours::LicenseName(s.supervisor_license));
  return v;
}

// The setting form's parts of `d` from `form`.
void SetSettingForm(TemplateData& d, const FormState& form) {
  SetForm(d, form);
  if (FormValue(form.values, "exempt") == "yes") {
    d.set("exempt_checked", true);
  }
  d.set("licenses", LicenseOptions(FormValue(form.values, "supervisor_license")));
}

}  // namespace

Result<Response> HoursPages::SetupPage(Request& req, const TherapistSession& who,
                                       const FormState& profile_form, const FormState& setting_form,
                                       int status) {
  ALCOVE_TRY_ASSIGN(auto associate, LoadAssociate(who));
  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  Flash(req, d);
  FormState pf = profile_form;
  if (associate) {
    d.set("has_profile", true);
    if (pf.values.empty()) {
      pf.values = ValuesOf(associate->profile);
    }
  }
  SetForm(d, pf);
  std::vector<TemplateData> tracks;
  for (const auto t : kTracks) {
    TemplateData o;
    o.set("value", std::string(hours::TrackName(t)));
    o.set("short", std::string(TrackShort(t)));
    o.set("full", std::string(TrackFull(t)));
    if (FormValue(pf.values, "track") == hours::TrackName(t)) {
      o.set("checked", true);
    }
    tracks.push_back(o);
  }
  d.set("tracks", List(std::move(tracks)));

  TemplateData setting;
  setting.set("csrf_token", who.csrf_token);
  FormState sf = setting_form;
  sf.values.try_emplace("supervisor_license", "unknown");
  SetSettingForm(setting, sf);
  setting.set("action", std::string("/hours/settings"));
  setting.set("submit", std::string("Add work setting"));
  setting.set("prefix", std::string("new-setting"));
  d.set("setting_form", t_.Render("hours_setting_form", setting));
  if (associate) {
    std::vector<TemplateData> settings;
    for (const auto& s : associate->settings) {
      TemplateData i;
      i.set("id", s.id);
      i.set("name", s.name);
      i.set("exempt", s.exempt ? std::string("Exempt") : std::string("Not exempt"));
      i.set("license", std::string(LicenseWords(s.supervisor_license)));
      settings.push_back(i);
    }
    d.set("has_settings", !settings.empty());
    d.set("settings", List(std::move(settings)));
    d.set("this_week", hours::DayText(hours::WeekStart(associate->today)));
    ALCOVE_TRY_ASSIGN(const bool reminders, x_.reminders.Enabled(who.scope));
    TemplateData r;
    r.set("csrf_token", who.csrf_token);
    r.set("action", std::string("/hours/reminders"));
    r.set("label", std::string("Mail me once a week when past weeks are not yet submitted to a "
                               "supervisor"));
    if (reminders) {
      r.set("checked", true);
    }
    d.set("reminders_form", t_.Render("hours_reminders_form", r));
    return Page(status, "hours_setup", "Licensure profile", "/hours/setup", d);
  }
  // No tabs yet: the other hours pages open once the profile is saved.
  return Response::Html(status, t_.RenderPage("hours_setup", "Set up hours tracking · Alcove", d));
}

Result<Response> HoursPages::SettingPage(const TherapistSession& who, const Associate&,
                                         const hours::Setting& setting, const FormState& form,
                                         int status) {
  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  d.set("id", setting.id);
  d.set("name", setting.name);
  FormState shown = form;
  if (shown.values.empty()) {
    shown.values = ValuesOf(setting);
  }
  TemplateData f;
  f.set("csrf_token", who.csrf_token);
  SetSettingForm(f, shown);
  f.set("action", "/hours/settings/" + setting.id);
  f.set("submit", std::string("Save work setting"));
  f.set("prefix", std::string("setting"));
  d.set("setting_form", t_.Render("hours_setting_form", f));
  if (!form.error.empty()) {
    d.set("error", form.error);
  }
  return Page(status, "hours_setting", "Work setting", "/hours/setup", d);
}

void HoursPages::AddSetupPages(RouteKit& kit) {
  kit.Add("GET", "/hours/setup",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            return SetupPage(req, who, {}, {}, 200);
          }));
  kit.Add("POST", "/hours/setup",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
            FormState form{.values = fields, .errors = {}, .error = {}};
            const auto profile = ProfileFromForm(form);
            if (profile) {
              auto st = h_.SetProfile(who.scope, *profile, CallerOf(req));
              if (st) {  // back here: the work settings are the next step
                return Saved("/hours/setup", "profile_saved");
              }
              if (st.error().code != ErrorCode::kInvalidArgument) {
                return std::unexpected(st.error());
              }
              if (const std::string field = ProfileField(st.error()); !field.empty()) {
                form.errors[field] = st.error().public_message;
              } else {
                form.error = st.error().public_message;
              }
            }
            return SetupPage(req, who, form, {}, 400);
          }),
          kFormBody);
  kit.Add("POST", "/hours/reminders",
          ForAssociate([this](Request& req, const TherapistSession& who,
                              const Associate&) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
            const bool on = FormValue(fields, "enabled") == "on";
            ALCOVE_TRY(x_.reminders.SetEnabled(who.scope, on));
            return Saved("/hours/setup", on ? "reminders_on" : "reminders_off");
          }),
          kFormBody);
  kit.Add("POST", "/hours/settings",
          ForAssociate([this](Request& req, const TherapistSession& who,
                              const Associate&) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
            FormState form{.values = fields, .errors = {}, .error = {}};
            if (const auto s = SettingFromForm(form)) {
              auto id = h_.AddSetting(who.scope, *s, CallerOf(req));
              if (id) {
                return Saved("/hours/setup", "setting_added");
              }
              if (id.error().code != ErrorCode::kInvalidArgument) {
                return std::unexpected(id.error());
              }
              form.errors["name"] = id.error().public_message;
            }
            return SetupPage(req, who, {}, form, 400);
          }),
          kFormBody);
  kit.Add("GET", "/hours/settings/{id}",
          ForAssociate(
              [this](Request& req, const TherapistSession& who,
                     const Associate& a) -> Result<Response> {
                const std::string id(req.Param("id").value_or(""));
                for (const auto& s : a.settings) {
                  if (s.id == id) {
                    return SettingPage(who, a, s, {}, 200);
                  }
                }
                return Fail(ErrorCode::kNotFound, "hours setting not found",
                            "There is no such work setting.");
              },
              true));
  kit.Add("POST", "/hours/settings/{id}",
          ForAssociate(
              [this](Request& req, const TherapistSession& who,
                     const Associate& a) -> Result<Response> {
                const std::string id(req.Param("id").value_or(""));
                const hours::Setting* current = nullptr;
                for (const auto& s : a.settings) {
                  if (s.id == id) {
                    current = &s;
                  }
                }
                if (current == nullptr) {  // another tenant's or a missing one: 404 alike
                  return Fail(ErrorCode::kNotFound, "hours setting not found",
                              "There is no such work setting.");
                }
                ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
                FormState form{.values = fields, .errors = {}, .error = {}};
                if (FormValue(fields, "action") == "delete") {
                  auto st = h_.DeleteSetting(who.scope, id, CallerOf(req));
                  if (st) {
                    return Saved("/hours/setup", "setting_deleted");
                  }
                  if (st.error().code != ErrorCode::kFailedPrecondition) {
                    return std::unexpected(st.error());
                  }
                  FormState kept{.values = {}, .errors = {}, .error = st.error().public_message};
                  return SettingPage(who, a, *current, kept, 409);
                }
                if (const auto s = SettingFromForm(form)) {
                  auto st = h_.UpdateSetting(who.scope, id, *s, CallerOf(req));
                  if (st) {
                    return Saved("/hours/setup", "setting_saved");
                  }
                  if (st.error().code != ErrorCode::kInvalidArgument) {
                    return std::unexpected(st.error());
                  }
                  form.errors["name"] = st.error().public_message;
                }
                return SettingPage(who, a, *current, form, 400);
              },
              true),
          kFormBody);
}

}  // namespace alcove::web::hours_pages
