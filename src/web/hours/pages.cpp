// The associate's hours pages: what they share (redirects, confirmations, the tabs, the
// associate's profile), the links on the other pages (navigation, Settings, Today), and
// the progress page. Everything works without JavaScript; URLs and titles hold ids and
// dates only.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "web/errors.hpp"
#include "web/hours/chart.hpp"
#include "web/hours/page_kit.hpp"
#include "web/hours/pages_internal.hpp"
#include "web/hours/routes_internal.hpp"
#include "web/hours/verification.hpp"
#include "web/page_flash.hpp"

namespace alcove::web::hours_pages {

using hours::Check;
using hours::Day;

namespace {

// What the page after a change says. Fixed words only: the code is in the URL.
constexpr std::pair<std::string_view, std::string_view> kDone[] = {
    {"profile_saved", "Your licensure profile is saved."},
    {"setting_added", "Work setting added."},
    {"setting_saved", "Work setting saved."},
    {"setting_deleted", "Work setting deleted."},
    {"session_added", "Session logged."},
    {"session_saved", "Session saved."},
    {"session_deleted", "Session deleted."},
    {"week_logged", "The week’s hours are logged."},
    {"week_submitted", "Week submitted for your supervisor’s signature."},
    {"week_withdrawn", "Week taken back: it is a draft again, and you can change it."},
    {"reminders_on", "Reminders are on: a weekly mail when past weeks are not submitted."},
    {"reminders_off", "Reminders are off."},
    {"summary_asked", "Your supervisor is asked to sign the summary: they get a link by email."},
    {"summary_no_weeks", "There are no weekly logs of this supervisor yet, so there is nothing "
                         "for them to sign."},
    {"summary_not_asked", "That supervisor cannot be asked now: they may have ended the link."},
};

// The tabs of the hours pages.
constexpr std::pair<std::string_view, std::string_view> kTabs[] = {
    {"/hours", "Progress"},       {"/hours/sessions", "Sessions"},
    {"/hours/week", "Week grid"}, {"/hours/weeks", "Weekly logs"},
    {"/hours/import", "Import"},  {"/hours/supervisors", "Supervisors"},
    {"/hours/setup", "Profile and settings"},
};

// The engine's pace is over this many of the latest weeks with hours (engine.cpp).
constexpr std::size_t kPaceWeeks = 12;
// How many weeks the chart shows, ending with the current one.
constexpr int kChartWeeks = 26;

std::string_view LevelWords(Check::Level l) {
  switch (l) {
    case Check::Level::kProblem:
      return "Problem";
    case Check::Level::kWarning:
      return "Warning";
    case Check::Level::kInfo:
      return "Note";
  }
  return "";
}

std::string_view LevelClass(Check::Level l) {
  switch (l) {
    case Check::Level::kProblem:
      return "problem";
    case Check::Level::kWarning:
      return "warning";
    case Check::Level::kInfo:
      return "info";
  }
  return "";
}

// A bar that counts weeks, not minutes (the engine lists them after the hours).
bool IsWeeksBar(const hours::Bar& b) { return b.id.ends_with("weeks"); }

TemplateData CheckItem(const Check& c) {
  TemplateData d;
  d.set("level", std::string(LevelWords(c.level)));
  d.set("class", std::string(LevelClass(c.level)));
  d.set("words", c.words);
  return d;
}

// Checks, problems first (the engine's order within a level).
std::vector<Check> ProblemsFirst(std::vector<Check> checks) {
  std::stable_sort(checks.begin(), checks.end(), [](const Check& a, const Check& b) {
    return static_cast<int>(a.level) < static_cast<int>(b.level);
  });
  return checks;
}

// The numbers of the track's rules that are marked unconfirmed, in words, with their
// sources and notes: the checks rest on them as much as the bars do.
TemplateData UnconfirmedRules(const hours::Rules& r) {
  std::vector<TemplateData> out;
  const auto add = [&](const hours::RuleNumber& n, std::string words) {
    if (!n.unconfirmed) {
      return;
    }
    TemplateData d;
    d.set("words", std::move(words));
    d.set("source", n.source);
    d.set("note", n.note);
    out.push_back(d);
  };
  const auto v = [](const hours::RuleNumber& n) { return hours::DecimalText(n.value); };
  add(r.week_definition, "A week runs from Monday to Sunday.");
  add(r.units_per_week, fmt::format("At least {} hour of supervision in each week with hours, "
                                    "in each work setting.",
                                    v(r.units_per_week)));
  add(r.extra_unit_above_direct,
      fmt::format("One more hour of supervision in a week with more than {} direct hours.",
                  v(r.extra_unit_above_direct)));
  add(r.group_unit_hours,
      fmt::format("{} hours of group supervision count as one hour.", v(r.group_unit_hours)));
  add(r.group_max_size,
      fmt::format("At most {} supervisees in a supervision group.", v(r.group_max_size)));
  add(r.group_min_segment_minutes,
      fmt::format("A group supervision shorter than {} minutes does not count.",
                  v(r.group_min_segment_minutes)));
  add(r.max_hours_7_days,
      fmt::format("At most {} hours count in any 7 days in a row.", v(r.max_hours_7_days)));
  add(r.max_supervision_per_week, fmt::format("At most {} hours of supervision count each week.",
                                              v(r.max_supervision_per_week)));
  add(r.workshop_weeks_basis, "A week with only workshops or trainings needs no supervision.");
  if (r.pre_degree_max.value > 0) {
    add(r.pre_degree_max,
        fmt::format("At most {} hours from before the degree count.", v(r.pre_degree_max)));
    add(r.pre_degree_direct_max, fmt::format("Of those, at most {} of counseling and supervision.",
                                             v(r.pre_degree_direct_max)));
    add(r.post_degree_min,
        fmt::format("At least {} hours after the degree.", v(r.post_degree_min)));
  }
  add(r.window_years, fmt::format("Hours count when gained within {} years before the "
                                  "application.",
                                  v(r.window_years)));
  if (r.window_exempt_pre_degree) {
    add(*r.window_exempt_pre_degree,
        fmt::format("Up to {} practicum hours are exempt from that window.",
                    v(*r.window_exempt_pre_degree)));
  }
  return List(std::move(out));
}

}  // namespace

Response SeeOther(std::string location) { return Response::SeeOther(std::move(location)); }

Response Saved(std::string location, std::string_view code) {
  return SavedRedirect(std::move(location), code);
}

void Flash(const Request& req, TemplateData& data) { SetFlash(req, data, kDone); }

void SetForm(TemplateData& data, const FormState& form) {
  for (const auto& [k, v] : form.values) {
    if (k != kCsrfField) {
      data.set("v_" + k, v);
    }
  }
  for (const auto& [k, v] : form.errors) {
    data.set("e_" + k, v);
  }
  if (!form.errors.empty() || !form.error.empty()) {
    data.set("has_errors", true);
  }
  if (!form.error.empty()) {
    data.set("error", form.error);
  }
}

TemplateData List(std::vector<TemplateData> items) {
  TemplateData out{TemplateData::type::list};
  for (auto& i : items) {
    out.push_back(i);
  }
  return out;
}

std::string SettingName(const Associate& a, std::string_view id) {
  for (const auto& s : a.settings) {
    if (s.id == id) {
      return s.name;
    }
  }
  return "";
}

TemplateData SettingOptions(const Associate& a, std::string_view chosen) {
  std::vector<TemplateData> out;
  for (const auto& s : a.settings) {
    TemplateData o;
    o.set("id", s.id);
    o.set("name", s.name);
    if (s.id == chosen || (chosen.empty() && a.settings.size() == 1)) {
      o.set("selected", true);
    }
    out.push_back(o);
  }
  return List(std::move(out));
}

Result<std::optional<Associate>> HoursPages::LoadAssociate(const TherapistSession& who) {
  ALCOVE_TRY_ASSIGN(auto profile, h_.GetProfile(who.scope));
  if (!profile) {
    return std::optional<Associate>();
  }
  ALCOVE_TRY_ASSIGN(auto settings, h_.ListSettings(who.scope));
  ALCOVE_TRY_ASSIGN(const std::string local, p_.LocalDay(who.scope, id_.clock.Now()));
  const auto today = hours::ParseDay(local);
  if (!today) {
    return Fail(ErrorCode::kInternal, "internal: local day not a day");
  }
  return std::optional<Associate>(
      Associate{.profile = *profile, .settings = std::move(settings), .today = *today});
}

SessionRoute HoursPages::ForAssociate(AssociateHandler handler, bool of_one) {
  return ForTherapist([this, of_one, handler = std::move(handler)](
                          Request& req, const TherapistSession& who) -> Result<Response> {
    ALCOVE_TRY_ASSIGN(auto associate, LoadAssociate(who));
    if (!associate && of_one) {
      return Fail(ErrorCode::kNotFound, "hours page of an object without a profile",
                  "There is nothing at this address.");
    }
    if (!associate) {
      return SeeOther("/hours/setup");
    }
    return handler(req, who, *associate);
  });
}

}  // namespace alcove::web::hours_pages

namespace alcove::web::hours_routes {

std::string HoursTabs(const Templates& templates, std::string_view current) {
  std::vector<TemplateData> tabs;
  for (const auto& [href, label] : hours_pages::kTabs) {
    TemplateData t;
    t.set("href", std::string(href));
    t.set("label", std::string(label));
    if (href == current) {
      t.set("current", true);
    }
    tabs.push_back(t);
  }
  TemplateData strip;
  strip.set("tabs", hours_pages::List(std::move(tabs)));
  return templates.Render("hours_tabs", strip);
}

}  // namespace alcove::web::hours_routes

namespace alcove::web::hours_pages {

Response HoursPages::Page(int status, std::string_view name, std::string_view title,
                          std::string_view tab, TemplateData data) const {
  data.set("hours_tabs", hours_routes::HoursTabs(t_, tab));
  return Response::Html(status, t_.RenderPage(name, std::string(title) + " · Alcove", data));
}

Result<Response> HoursPages::ProgressPage(Request& req, const TherapistSession& who,
                                          const Associate& a) {
  ALCOVE_TRY_ASSIGN(const hours::Summary summary, h_.GetSummary(who.scope));
  const hours::Progress& pr = summary.progress;
  const hours::Rules& rules = hours::RulesFor(summary.profile.track);
  TemplateData d;
  Flash(req, d);
  d.set("csrf_token", who.csrf_token);
  d.set("track", std::string(TrackShort(summary.profile.track)));
  d.set("track_full", std::string(TrackFull(summary.profile.track)));
  d.set("rules_title", rules.title);
  d.set("rules_version", std::to_string(pr.rules_version));
  d.set("logged", HoursNumber(pr.logged_minutes));
  d.set("credited", HoursNumber(pr.credited_minutes));
  if (pr.logged_minutes != pr.credited_minutes) {
    d.set("not_all_credited", true);
  }

  // The hours bars.
  std::vector<TemplateData> bars;
  bool any_unconfirmed = false;
  std::vector<TemplateData> weeks_bars;
  for (const hours::Bar& b : pr.bars) {
    if (b.unconfirmed) {
      any_unconfirmed = true;
    }
    if (IsWeeksBar(b)) {  // counted in weeks
      TemplateData bar;
      bar.set("id", b.id);
      bar.set("label", b.label);
      bar.set("counted", std::to_string(b.counted_minutes));
      bar.set("required", std::to_string(b.required_minutes));
      bar.set("max", std::to_string(std::max<std::int64_t>(b.required_minutes, 1)));
      bar.set("value", std::to_string(std::min(b.counted_minutes, b.required_minutes)));
      bar.set("source", b.source);
      bar.set("unconfirmed", b.unconfirmed);
      bar.set("met", b.counted_minutes >= b.required_minutes);
      weeks_bars.push_back(bar);
      continue;
    }
    TemplateData bar;
    bar.set("id", b.id);
    bar.set("label", b.label);
    bar.set("counted", HoursNumber(b.counted_minutes));
    bar.set("required", HoursNumber(b.required_minutes));
    bar.set("max", std::to_string(std::max<std::int64_t>(b.required_minutes, 1)));
    bar.set("value", std::to_string(std::min(b.counted_minutes, b.required_minutes)));
    bar.set("source", b.source);
    bar.set("unconfirmed", b.unconfirmed);
    if (b.kind == hours::Requirement::Kind::kMinimum) {
      bar.set("minimum", true);
      if (b.counted_minutes >= b.required_minutes) {
        bar.set("met", true);
      } else {
        bar.set("left", HoursNumber(b.required_minutes - b.counted_minutes));
      }
    } else {
      bar.set("maximum", true);
      bar.set("high", std::to_string(b.required_minutes * 9 / 10));
      if (b.counted_minutes > b.required_minutes) {
        bar.set("over", true);
      }
    }
    bars.push_back(bar);
  }
  d.set("bars", List(std::move(bars)));

  d.set("weeks_bars", List(std::move(weeks_bars)));
  const TemplateData unconfirmed = UnconfirmedRules(rules);
  if (!unconfirmed.is_empty_list()) {
    any_unconfirmed = true;
    d.set("unconfirmed_rules", unconfirmed);
    d.set("has_unconfirmed_rules", true);
  }
  if (any_unconfirmed) {
    d.set("any_unconfirmed", true);
  }

  // The pace and the projection.
  if (pr.complete) {
    d.set("complete", true);
  } else if (pr.projected_completion) {
    d.set("projected", DateWords(*pr.projected_completion));
    d.set("pace", hours::DecimalText(pr.recent_hours_per_week));
    // The pace is over the last weeks with hours, at most kPaceWeeks of them.
    std::set<Day> with_hours;
    for (const hours::WeekResult& w : pr.weeks) {
      if (w.totals.total > 0 && w.week_start <= a.today) {
        with_hours.insert(w.week_start);
      }
    }
    const std::size_t n = std::min<std::size_t>(with_hours.size(), kPaceWeeks);
    d.set("pace_weeks", n == 1 ? std::string("the one week you logged")
                               : fmt::format("your last {} weeks with hours", n));
  } else {
    d.set("no_pace", true);
  }
  if (summary.profile.application_date) {
    d.set("application_date", DateWords(*summary.profile.application_date));
  }

  // The chart: the last weeks, every week shown, across settings.
  const Day last = hours::WeekStart(a.today);
  const Day first = last - std::chrono::days(7 * (kChartWeeks - 1));
  std::map<Day, ChartWeek> by_week;
  for (int i = 0; i < kChartWeeks; ++i) {
    const Day w = first + std::chrono::days(7 * i);
    by_week[w] = ChartWeek{.week_start = w};
  }
  for (const hours::WeekResult& w : pr.weeks) {
    if (auto it = by_week.find(w.week_start); it != by_week.end()) {
      it->second.direct_minutes += w.totals.direct;
      it->second.nonclinical_minutes += w.totals.nonclinical;
    }
  }
  std::vector<ChartWeek> chart;
  std::vector<TemplateData> chart_rows;
  for (const auto& [day, w] : by_week) {
    chart.push_back(w);
    TemplateData row;
    row.set("week", DateWords(day));
    row.set("direct", HoursNumber(w.direct_minutes));
    row.set("nonclinical", HoursNumber(w.nonclinical_minutes));
    row.set("total", HoursNumber(w.direct_minutes + w.nonclinical_minutes));
    chart_rows.push_back(row);
  }
  d.set("chart", WeeklyChartSvg(chart, "hours-chart"));
  d.set("chart_rows", List(std::move(chart_rows)));
  d.set("chart_weeks", std::to_string(kChartWeeks));

  // Checks across everything, then every week with its own: problems first.
  std::vector<TemplateData> overall;
  for (const Check& c : ProblemsFirst(pr.checks)) {
    overall.push_back(CheckItem(c));
  }
  d.set("has_checks", !overall.empty());
  d.set("checks", List(std::move(overall)));
  std::vector<const hours::WeekResult*> weeks;
  for (const auto& w : pr.weeks) {
    weeks.push_back(&w);
  }
  const auto worst = [](const hours::WeekResult* w) {
    int level = 3;
    for (const Check& c : w->checks) {
      level = std::min(level, static_cast<int>(c.level));
    }
    return level;
  };
  std::stable_sort(weeks.begin(), weeks.end(), [&](const auto* x, const auto* y) {
    const int wx = worst(x);
    const int wy = worst(y);
    return wx != wy ? wx < wy : x->week_start > y->week_start;
  });
  std::vector<TemplateData> week_rows;
  for (const hours::WeekResult* w : weeks) {
    TemplateData row;
    row.set("week", DateWords(w->week_start));
    row.set("week_start", hours::DayText(w->week_start));
    row.set("setting", SettingName(a, w->setting_id));
    if (w->pre_degree) {
      row.set("pre_degree", true);
    }
    row.set("direct", HoursNumber(w->totals.direct));
    row.set("nonclinical", HoursNumber(w->totals.nonclinical));
    row.set("units", fmt::format("{:g}", w->totals.supervision_units));
    row.set("credited", HoursNumber(w->totals.credited));
    row.set("supervised", w->supervised ? std::string("Yes") : std::string("No"));
    std::vector<TemplateData> checks;
    for (const Check& c : ProblemsFirst(w->checks)) {
      checks.push_back(CheckItem(c));
    }
    row.set("has_checks", !checks.empty());
    row.set("checks", List(std::move(checks)));
    week_rows.push_back(row);
  }
  d.set("has_weeks", !week_rows.empty());
  d.set("weeks", List(std::move(week_rows)));
  d.set("this_week", hours::DayText(last));
  // One experience-verification summary per supervisor (docs/hours-forms.md), and where
  // its signature stands (docs/signing.md § The verification summary).
  ALCOVE_TRY_ASSIGN(const auto supervisors, x_.supervisors.list(who.scope));
  ALCOVE_TRY_ASSIGN(const auto when, PageTimeWords(id_, who.scope.principal()));
  const std::string verify_url = id_.identity.options().public_origin + "/verify";
  std::vector<TemplateData> verifications;
  for (const auto& s : supervisors) {
    TemplateData v;
    v.set("name", s.name);
    v.set("link_id", s.link_id);
    ALCOVE_TRY_ASSIGN(const auto requests, x_.summary_signing.List(who.scope, s.link_id));
    if (!requests.empty()) {
      const hours::SummaryRequest& r = requests.front();  // the newest
      switch (r.status) {
        case hours::SummaryLinkStatus::kSigned: {
          auto now = hours_routes::BuildSummary(h_, id_.identity, who.scope, s, r.period.from,
                                                r.period.to, id_.clock.Now(), verify_url);
          if (!now && now.error().code != ErrorCode::kNotFound) {
            return std::unexpected(now.error());
          }
          const bool matches = now && now->content_sha256 == r.content_sha256;
          v.set("summary_state",
                fmt::format("Signed by {} {}{}", s.name, when(*r.signed_at),
                            matches ? "." : ", but your hours changed since: it no longer "
                                            "matches. Ask again for a new signature."));
          v.set("receipt_href",
                "/api/v1/hours/verification/signatures/" + r.id + "/receipt");
          break;
        }
        case hours::SummaryLinkStatus::kWaiting:
          v.set("summary_state", fmt::format("Asked {}; waiting for the signature (the link "
                                             "works until {}).",
                                             when(r.asked_at), when(r.expires_at)));
          break;
        case hours::SummaryLinkStatus::kExpired:
        case hours::SummaryLinkStatus::kEnded:
          v.set("summary_state", "The last request was not signed and its link no longer "
                                 "works. Ask again.");
          break;
        case hours::SummaryLinkStatus::kLocked:
          v.set("summary_state", "The last request’s link locked after 5 wrong PINs. Ask again.");
          break;
      }
    }
    verifications.push_back(v);
  }
  d.set("has_supervisors", !verifications.empty());
  d.set("verifications", List(std::move(verifications)));
  return Page(200, "hours_progress", "Hours", "/hours", d);
}

void HoursPages::AddPages(RouteKit& kit) {
  kit.Add("GET", "/hours",
          ForAssociate([this](Request& req, const TherapistSession& who, const Associate& a) {
            return ProgressPage(req, who, a);
          }));
  AddSetupPages(kit);
  AddSessionPages(kit);
  AddGridPages(kit);
  AddWeeksPages(kit);

  // "Hours" in the navigation of an associate; for a therapist without a profile, the
  // calm entry points on Settings and Today.
  id_.therapist_links.push_back([this](
                                    const identity::TherapistScope& who) -> Result<TherapistLinks> {
    ALCOVE_TRY_ASSIGN(auto profile, h_.GetProfile(who));
    TherapistLinks links;
    if (profile) {
      links.nav.push_back(ViewerLink{.href = "/hours", .label = "Hours", .section = "/hours"});
      links.settings.push_back(PageEntry{
          .heading = "Hours toward licensure",
          .lead = fmt::format("You track supervised hours as an {}.", TrackShort(profile->track)),
          .href = "/hours/setup",
          .label = "Your licensure profile and work settings"});
      links.today.push_back(PageEntry{.heading = "",
                                      .lead = "Supervised hours:",
                                      .href = "/hours/week",
                                      .label = "type this week’s hours"});
    } else {
      const PageEntry entry{.heading = "Hours toward licensure",
                            .lead = "Gathering hours toward licensure?",
                            .href = "/hours/setup",
                            .label = "Set up hours tracking"};
      links.settings.push_back(entry);
      links.today.push_back(entry);
    }
    return links;
  });
}

}  // namespace alcove::web::hours_pages

namespace alcove::web::hours_routes {

std::unique_ptr<RouteSet> AddPages(RouteKit& kit, IdentityServices& identity, hours::Hours& hours,
                                   practice::Practice& practice, const Templates& templates,
                                   const HoursExtras& extras) {
  auto pages =
      std::make_unique<hours_pages::HoursPages>(identity, hours, practice, templates, extras);
  pages->AddPages(kit);
  return pages;
}

}  // namespace alcove::web::hours_routes
