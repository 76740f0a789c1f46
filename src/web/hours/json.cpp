#include "web/hours/json.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <span>

#include "core/clock.hpp"
#include "web/body.hpp"

namespace alcove::web::hours_json {

using hours::Day;

namespace {

std::unexpected<Error> Bad(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "hours request malformed", std::move(message));
}

std::string Quoted(std::string_view key) { return "`" + std::string(key) + "`"; }

Status OnlyMembers(const json::object& o, std::span<const std::string_view> allowed) {
  for (const auto& [key, value] : o) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      std::string list;
      for (const auto a : allowed) {
        list += (list.empty() ? "" : ", ") + Quoted(a);
      }
      return Bad("Unknown member; expected only " + list + ".");
    }
  }
  return {};
}

Status OnlyMembers(const json::object& o, std::initializer_list<std::string_view> allowed) {
  return OnlyMembers(o, std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

// Present and not null.
bool Has(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && !v->is_null();
}

Result<std::optional<bool>> OptionalBool(const json::object& o, std::string_view key) {
  if (!Has(o, key)) {
    return std::nullopt;
  }
  const auto& v = o.at(key);
  if (!v.is_bool()) {
    return Bad(Quoted(key) + " must be true or false.");
  }
  return v.as_bool();
}

Result<std::optional<std::int64_t>> OptionalInt(const json::object& o, std::string_view key,
                                                std::string_view words) {
  if (!Has(o, key)) {
    return std::nullopt;
  }
  const auto& v = o.at(key);
  if (!v.is_int64()) {
    return Bad(Quoted(key) + " must be " + std::string(words) + ".");
  }
  return v.as_int64();
}

Result<std::optional<Day>> OptionalDay(const json::object& o, std::string_view key,
                                       std::string_view what) {
  ALCOVE_TRY_ASSIGN(auto text, OptionalString(o, key));
  if (!text) {
    return std::nullopt;
  }
  const auto day = hours::ParseDay(*text);
  if (!day) {
    return Bad(Quoted(key) + " must be " + std::string(what) + ", a date like 2026-11-02.");
  }
  return *day;
}

Result<hours::Category> CategoryOf(const std::string& name) {
  const auto c = hours::CategoryFromName(name);
  if (!c) {
    return Bad(
        "`category` must be one of individual, couples_family_children, group, "
        "supervision_individual, supervision_triadic, supervision_group, testing, "
        "notes_reports, advocacy, workshop, other_nonclinical.");
  }
  return *c;
}

Result<std::optional<int>> GroupSize(const json::object& o) {
  ALCOVE_TRY_ASSIGN(auto n, OptionalInt(o, "group_size", "a number of supervisees (1 to 99)"));
  if (!n) {
    return std::optional<int>();
  }
  if (*n < 1 || *n > hours::kMaxGroupSize) {
    return Bad("The group size must be from 1 to 99 supervisees.");
  }
  return std::optional<int>(static_cast<int>(*n));
}

json::value DayOrNull(const std::optional<Day>& d) {
  return d ? json::value(hours::DayText(*d)) : json::value(nullptr);
}

json::value TimeOrNull(const std::optional<Micros>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

std::string_view LevelName(hours::Check::Level l) {
  switch (l) {
    case hours::Check::Level::kProblem:
      return "problem";
    case hours::Check::Level::kWarning:
      return "warning";
    case hours::Check::Level::kInfo:
      return "info";
  }
  return "info";
}

json::array Checks(const std::vector<hours::Check>& checks) {
  json::array out;
  for (const auto& c : checks) {
    out.push_back(CheckJson(c));
  }
  return out;
}

}  // namespace

json::object ProfileJson(const hours::Profile& p) {
  return json::object{{"track", hours::TrackName(p.track)},
                      {"degree_date", hours::DayText(p.degree_date)},
                      {"registration_date", DayOrNull(p.registration_date)},
                      {"registration_number", p.registration_number},
                      {"application_date", DayOrNull(p.application_date)}};
}

json::object SettingJson(const hours::Setting& s) {
  return json::object{{"id", s.id},
                      {"name", s.name},
                      {"exempt", s.exempt},
                      {"supervisor_license", hours::LicenseName(s.supervisor_license)}};
}

json::object SessionJson(const hours::SessionLog& s) {
  return json::object{{"id", s.id},
                      {"date", hours::DayText(s.date)},
                      {"minutes", s.minutes},
                      {"category", hours::CategoryName(s.category)},
                      {"alias", s.alias},
                      {"setting_id", s.setting_id},
                      {"pre_degree", s.pre_degree},
                      {"telehealth", s.telehealth},
                      {"video", s.video},
                      {"group_size", s.group_size ? json::value(*s.group_size) : nullptr}};
}

json::object TotalsJson(const hours::WeekTotals& t) {
  json::object by;
  for (int i = 0; i < hours::kCategoryCount; ++i) {
    by[hours::CategoryName(static_cast<hours::Category>(i))] = t.by_category[i];
  }
  return json::object{{"direct_minutes", t.direct},
                      {"cfc_minutes", t.cfc},
                      {"nonclinical_minutes", t.nonclinical},
                      {"supervision_individual_triadic_minutes", t.supervision_individual_triadic},
                      {"supervision_group_minutes", t.supervision_group},
                      {"total_minutes", t.total},
                      {"credited_minutes", t.credited},
                      {"supervision_units", t.supervision_units},
                      {"by_category_minutes", std::move(by)}};
}

json::object CheckJson(const hours::Check& c) {
  return json::object{{"level", LevelName(c.level)},
                      {"id", c.id},
                      {"words", c.words},
                      {"week", DayOrNull(c.week)},
                      {"setting_id", c.setting_id ? json::value(*c.setting_id) : nullptr}};
}

json::object WeekJson(const hours::WeeklyLog& w) {
  return json::object{
      {"id", w.id},
      {"week_start", hours::DayText(w.week_start)},
      {"setting_id", w.setting_id},
      {"setting_name", w.setting_name},
      {"status", hours::WeekStatusName(w.status)},
      {"totals", TotalsJson(w.totals)},
      {"checks", Checks(w.checks)},
      {"content_sha256", w.content_sha256},
      {"signed_sha256", w.signed_sha256 ? json::value(*w.signed_sha256) : nullptr},
      {"signature_matches",
       w.signed_sha256 ? json::value(*w.signed_sha256 == w.content_sha256) : nullptr},
      {"amended", w.amended},
      {"submitted_at", TimeOrNull(w.submitted_at)},
      {"signed_at", TimeOrNull(w.signed_at)},
      {"supervisor_id", w.supervisor_id ? json::value(*w.supervisor_id) : nullptr},
      {"has_comment", w.has_comment}};
}

json::object SummaryJson(const hours::Summary& s) {
  const hours::Progress& p = s.progress;
  json::array settings;
  for (const auto& x : s.settings) {
    settings.push_back(SettingJson(x));
  }
  json::array bars;
  for (const auto& b : p.bars) {
    bars.push_back(
        json::object{{"id", b.id},
                     {"label", b.label},
                     {"kind", b.kind == hours::Requirement::Kind::kMinimum ? "minimum" : "maximum"},
                     {"required", b.required_minutes},
                     {"counted", b.counted_minutes},
                     {"unit", b.id.find("weeks") != std::string::npos ? "weeks" : "minutes"},
                     {"source", b.source},
                     {"unconfirmed", b.unconfirmed}});
  }
  json::array weeks;
  for (const auto& w : p.weeks) {
    weeks.push_back(json::object{{"week_start", hours::DayText(w.week_start)},
                                 {"setting_id", w.setting_id},
                                 {"pre_degree", w.pre_degree},
                                 {"totals", TotalsJson(w.totals)},
                                 {"supervised", w.supervised},
                                 {"individual_triadic", w.individual_triadic},
                                 {"checks", Checks(w.checks)}});
  }
  return json::object{{"profile", ProfileJson(s.profile)},
                      {"settings", std::move(settings)},
                      {"rules", json::object{{"id", p.rules_id}, {"version", p.rules_version}}},
                      {"bars", std::move(bars)},
                      {"weeks_supervised", p.weeks_supervised},
                      {"weeks_individual_triadic", p.weeks_individual_triadic},
                      {"weeks_under_license", p.weeks_under_license},
                      {"logged_minutes", p.logged_minutes},
                      {"credited_minutes", p.credited_minutes},
                      {"recent_hours_per_week", p.recent_hours_per_week},
                      {"projected_completion", DayOrNull(p.projected_completion)},
                      {"complete", p.complete},
                      {"checks", Checks(p.checks)},
                      {"weeks", std::move(weeks)}};
}

Result<hours::Profile> ProfileFromJson(const json::object& o) {
  ALCOVE_TRY(OnlyMembers(
      o, {"track", "degree_date", "registration_date", "registration_number", "application_date"}));
  hours::Profile p;
  ALCOVE_TRY_ASSIGN(auto track, OptionalString(o, "track"));
  const auto t = track ? hours::TrackFromName(*track) : std::nullopt;
  if (!t) {
    return Bad("`track` is required: \"amft\", \"apcc\" or \"asw\".");
  }
  p.track = *t;
  ALCOVE_TRY_ASSIGN(auto degree, OptionalDay(o, "degree_date", "the day of the degree"));
  if (!degree) {
    return Bad("`degree_date` is required: the day of the degree, a date like 2026-06-15.");
  }
  p.degree_date = *degree;
  ALCOVE_TRY_ASSIGN(p.registration_date,
                    OptionalDay(o, "registration_date", "the day of the registration"));
  ALCOVE_TRY_ASSIGN(p.application_date,
                    OptionalDay(o, "application_date", "the planned day of the application"));
  ALCOVE_TRY_ASSIGN(auto number, OptionalString(o, "registration_number"));
  p.registration_number = number.value_or("");
  return p;
}

Result<hours::NewSetting> SettingFromJson(const json::object& o, bool partial,
                                          const hours::NewSetting& base) {
  ALCOVE_TRY(OnlyMembers(o, {"name", "exempt", "supervisor_license"}));
  hours::NewSetting s = base;
  ALCOVE_TRY_ASSIGN(auto name, OptionalString(o, "name"));
  if (name) {
    s.name = std::move(*name);
  } else if (!partial) {
    return Bad("`name` is required: the name of the work setting, such as Valley Clinic.");
  }
  ALCOVE_TRY_ASSIGN(auto exempt, OptionalBool(o, "exempt"));
  s.exempt = exempt.value_or(s.exempt);
  ALCOVE_TRY_ASSIGN(auto license, OptionalString(o, "supervisor_license"));
  if (license) {
    const auto l = hours::LicenseFromName(*license);
    if (!l) {
      return Bad(
          "`supervisor_license` must be one of unknown, lmft, lcsw, lpcc, psychologist, "
          "psychiatrist, lep.");
    }
    s.supervisor_license = *l;
  }
  if (partial && !name && !exempt && !license) {
    return Bad("Nothing to change: send `name`, `exempt` or `supervisor_license`.");
  }
  return s;
}

namespace {

constexpr std::array<std::string_view, 11> kSessionMembers = {
    "date",  "minutes",    "category",   "setting_id", "client", "client_id",
    "video", "group_size", "telehealth", "pre_degree", "amend"};

}  // namespace

Result<hours::NewSession> SessionFromJson(const json::object& o) {
  ALCOVE_TRY(OnlyMembers(o, kSessionMembers));
  hours::NewSession s;
  ALCOVE_TRY_ASSIGN(auto date, OptionalDay(o, "date", "the day of the session"));
  if (!date) {
    return Bad("`date` is required: the day of the session, a date like 2026-11-02.");
  }
  s.date = *date;
  ALCOVE_TRY_ASSIGN(auto minutes, OptionalInt(o, "minutes", "a number of minutes (1 to 1,440)"));
  if (!minutes) {
    return Bad("`minutes` is required: the length in minutes (1 to 1,440).");
  }
  s.minutes = *minutes;
  ALCOVE_TRY_ASSIGN(auto category, OptionalString(o, "category"));
  if (!category) {
    return Bad("`category` is required, such as individual or supervision_individual.");
  }
  ALCOVE_TRY_ASSIGN(s.category, CategoryOf(*category));
  ALCOVE_TRY_ASSIGN(auto setting, OptionalString(o, "setting_id"));
  if (!setting || setting->empty()) {
    return Bad("`setting_id` is required: the id of one of your work settings.");
  }
  s.setting_id = std::move(*setting);
  ALCOVE_TRY_ASSIGN(auto client, OptionalString(o, "client"));
  if (client) {
    s.client_name = crypto::PhiString(std::move(*client));
  }
  ALCOVE_TRY_ASSIGN(auto client_id, OptionalString(o, "client_id"));
  s.client_id = client_id.value_or("");
  ALCOVE_TRY_ASSIGN(auto video, OptionalBool(o, "video"));
  s.video = video.value_or(false);
  ALCOVE_TRY_ASSIGN(auto telehealth, OptionalBool(o, "telehealth"));
  s.telehealth = telehealth.value_or(false);
  ALCOVE_TRY_ASSIGN(s.pre_degree, OptionalBool(o, "pre_degree"));
  ALCOVE_TRY_ASSIGN(s.group_size, GroupSize(o));
  ALCOVE_TRY_ASSIGN(auto amend, OptionalBool(o, "amend"));
  s.amend = amend.value_or(false);
  return s;
}

Result<hours::SessionChange> ChangeFromJson(const json::object& o) {
  ALCOVE_TRY(OnlyMembers(o, kSessionMembers));
  hours::SessionChange c;
  bool any = false;
  ALCOVE_TRY_ASSIGN(c.date, OptionalDay(o, "date", "the day of the session"));
  ALCOVE_TRY_ASSIGN(c.minutes, OptionalInt(o, "minutes", "a number of minutes (1 to 1,440)"));
  ALCOVE_TRY_ASSIGN(auto category, OptionalString(o, "category"));
  if (category) {
    ALCOVE_TRY_ASSIGN(c.category, CategoryOf(*category));
  }
  ALCOVE_TRY_ASSIGN(c.setting_id, OptionalString(o, "setting_id"));
  if (c.setting_id && c.setting_id->empty()) {
    return Bad("`setting_id` must be the id of one of your work settings.");
  }
  if (o.contains("client")) {
    ALCOVE_TRY_ASSIGN(auto client, OptionalString(o, "client"));
    c.client_name = crypto::PhiString(client.value_or(""));
    any = true;
  }
  ALCOVE_TRY_ASSIGN(c.client_id, OptionalString(o, "client_id"));
  ALCOVE_TRY_ASSIGN(c.video, OptionalBool(o, "video"));
  ALCOVE_TRY_ASSIGN(c.telehealth, OptionalBool(o, "telehealth"));
  ALCOVE_TRY_ASSIGN(c.pre_degree, OptionalBool(o, "pre_degree"));
  if (o.contains("group_size")) {
    ALCOVE_TRY_ASSIGN(auto g, GroupSize(o));
    c.group_size = g;
    any = true;
  }
  ALCOVE_TRY_ASSIGN(auto amend, OptionalBool(o, "amend"));
  c.amend = amend.value_or(false);
  any = any || c.date || c.minutes || c.category || c.setting_id || c.client_id || c.video ||
        c.telehealth || c.pre_degree;
  if (!any) {
    return Bad(
        "Nothing to change: send `date`, `minutes`, `category`, `setting_id`, `client`, "
        "`client_id`, `video`, `group_size`, `telehealth` or `pre_degree`.");
  }
  return c;
}

Result<Day> DayParam(std::optional<std::string_view> text, std::string_view key) {
  const auto day = text ? hours::ParseDay(*text) : std::nullopt;
  if (!day) {
    return Bad(Quoted(key) + " must be a date like 2026-11-02.");
  }
  return *day;
}

}  // namespace alcove::web::hours_json
