// The generic rules engine (rules.hpp): a track's numbers come from its rules file, how
// each is read is in docs/hours-rules.md. Evaluate works in steps, each on the minutes
// every entry still has credited ("credit"):
//   1. each week and setting alone: supervision units, the same-week rule (week.cpp);
//   2. each calendar week across settings: the supervision cap, then the 40-hour cap,
//      and the 40-hours-in-7-days check over the days;
//   3. the 6-year window;
//   4. the pre-degree limits;
//   5. each maximum requirement (nonclinical);
//   6. totals, bars, weeks, pace and completion.
// Where a cap takes hours away, the earliest hours keep their credit and the latest lose
// it (the window, by its nature, takes the oldest).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "hours/engine_internal.hpp"
#include "hours/rules.hpp"
#include "hours/words.hpp"

namespace alcove::hours {
namespace {

using internal::Item;
using internal::Minutes;
using internal::Run;

// How far ahead the window's notice looks: a notice horizon, not a Board rule.
constexpr int kWindowNoticeDays = 90;
// Weeks of the recent pace.
constexpr std::size_t kPaceWeeks = 12;

std::string LicenseWords(SupervisorLicense l) {
  switch (l) {
    case SupervisorLicense::kPsychologist:
      return "a psychologist";
    case SupervisorLicense::kPsychiatrist:
      return "a psychiatrist";
    case SupervisorLicense::kUnknown:
      return "a supervisor of unknown licence";
    default: {  // LMFT, LCSW, LPCC, LEP: "an" before the letter L
      std::string name(LicenseName(l));
      for (char& c : name) {
        c = static_cast<char>(c - 'a' + 'A');
      }
      return "an " + name;
    }
  }
}

// Takes credit away from the latest of `ids` (chronological indices into run.items) until
// at most `cap` minutes remain; returns the minutes taken.
std::int64_t CapLatest(Run& run, const std::vector<std::size_t>& ids, std::int64_t cap) {
  std::int64_t sum = 0;
  for (std::size_t i : ids) {
    sum += run.items[i].credit;
  }
  std::int64_t excess = sum - cap;
  const std::int64_t taken = std::max<std::int64_t>(excess, 0);
  for (auto it = ids.rbegin(); it != ids.rend() && excess > 0; ++it) {
    Item& item = run.items[*it];
    const std::int64_t cut = std::min(item.credit, excess);
    item.credit -= cut;
    excess -= cut;
  }
  return taken;
}

// Adds a check about a whole calendar week: to the overall list and to every result of
// that week.
void WeekWide(Run& run, Day week, Check check) {
  check.week = week;
  for (WeekResult& r : run.progress.weeks) {
    if (r.week_start == week) {
      r.checks.push_back(check);
    }
  }
  run.week_checks.push_back(std::move(check));
}

void SevenDayCheck(Run& run) {
  const std::int64_t cap = Minutes(run.rules.max_hours_7_days.value);
  std::map<Day, std::int64_t> days;  // claimable minutes per day, after the same-week rule
  for (const Item& item : run.items) {
    if (item.credit > 0) {
      days[item.entry->date] += item.credit;
    }
  }
  // The heaviest window of each run of overlapping windows that exceed the cap; a window
  // starting on a day with hours is at least as heavy as one starting just before it.
  struct Window {
    Day first{};
    std::int64_t minutes = 0;
  };
  std::vector<Window> found;
  std::optional<Day> cluster_end;
  for (auto start = days.begin(); start != days.end(); ++start) {
    const Day last = start->first + std::chrono::days(6);
    std::int64_t sum = 0;
    for (auto d = start; d != days.end() && d->first <= last; ++d) {
      sum += d->second;
    }
    if (sum <= cap) {
      continue;
    }
    if (cluster_end && start->first <= *cluster_end) {
      if (sum > found.back().minutes) {
        found.back() = Window{start->first, sum};
      }
    } else {
      found.push_back(Window{start->first, sum});
    }
    cluster_end = last;
  }
  for (const Window& w : found) {
    const Day last = w.first + std::chrono::days(6);
    Check c{.level = Check::Level::kProblem,
            .id = "over_40_in_7_days",
            .words = fmt::format(
                "{} to {}: {} in 7 consecutive days; at most {} may be claimed in any 7 "
                "consecutive days. Move or remove hours on these days.",
                WeekdayWords(w.first), WeekdayWords(last), HoursWords(w.minutes),
                HoursWords(cap))};
    WeekWide(run, WeekStart(w.first), c);
    if (WeekStart(last) != WeekStart(w.first)) {
      WeekWide(run, WeekStart(last), c);
      run.week_checks.pop_back();  // listed once overall
    }
  }
}

void CalendarWeekCaps(Run& run) {
  const std::int64_t supervision_cap = Minutes(run.rules.max_supervision_per_week.value);
  const std::int64_t week_cap = Minutes(run.rules.max_hours_7_days.value);
  std::map<Day, std::vector<std::size_t>> weeks;
  for (std::size_t i = 0; i < run.items.size(); ++i) {
    weeks[WeekStart(run.items[i].entry->date)].push_back(i);
  }
  for (const auto& [week, ids] : weeks) {
    std::vector<std::size_t> supervision;
    for (std::size_t i : ids) {
      if (IsSupervision(run.items[i].entry->category)) {
        supervision.push_back(i);
      }
    }
    std::int64_t before = 0;
    for (std::size_t i : supervision) {
      before += run.items[i].credit;
    }
    if (const std::int64_t cut = CapLatest(run, supervision, supervision_cap); cut > 0) {
      WeekWide(run, week,
               Check{.level = Check::Level::kWarning,
                     .id = "supervision_over_weekly_cap",
                     .words = fmt::format(
                         "Week of {}: {} of supervision across work settings; at most {} "
                         "count in a week, so {} not credited.",
                         DayWords(week), HoursWords(before), HoursNumber(supervision_cap),
                         HoursWords(cut) + (cut == 60 ? " is" : " are"))});
    }
    std::int64_t total = 0;
    for (std::size_t i : ids) {
      total += run.items[i].credit;
    }
    if (const std::int64_t cut = CapLatest(run, ids, week_cap); cut > 0) {
      WeekWide(run, week,
               Check{.level = Check::Level::kWarning,
                     .id = "over_40_in_week",
                     .words = fmt::format(
                         "Week of {}: {} across work settings; at most {} count in a week, so "
                         "the last {} of the week {} not credited.",
                         DayWords(week), HoursWords(total), HoursNumber(week_cap),
                         HoursWords(cut), cut == 60 ? "is" : "are")});
    }
  }
}

Day YearsBefore(Day day, int years) {
  const std::chrono::year_month_day ymd(day);
  // 29 Feb minus whole years lands on 1 Mar in a common year (sys_days rolls day 29 over).
  return Day(std::chrono::year_month_day(ymd.year() - std::chrono::years(years), ymd.month(),
                                         ymd.day()));
}

// Credits after the window: entries before `cutoff` lose their credit except pre-degree
// ones up to `exempt` minutes (earliest first). Returns {minutes lost, exempt minutes used}.
std::pair<std::int64_t, std::int64_t> ApplyWindow(std::vector<std::int64_t>& credit,
                                                  const Run& run, Day cutoff,
                                                  std::int64_t exempt) {
  std::int64_t lost = 0;
  std::int64_t used = 0;
  for (std::size_t i = 0; i < run.items.size(); ++i) {
    const Entry& e = *run.items[i].entry;
    if (e.date >= cutoff || credit[i] == 0) {
      continue;
    }
    std::int64_t keep = 0;
    if (e.pre_degree) {
      keep = std::min(credit[i], exempt - used);
      used += keep;
    }
    lost += credit[i] - keep;
    credit[i] = keep;
  }
  return {lost, used};
}

void Window(Run& run) {
  const Rules& rules = run.rules;
  const bool from_application = run.profile.application_date.has_value();
  const Day base = run.profile.application_date.value_or(run.today);
  const int years = static_cast<int>(rules.window_years.value);
  const Day cutoff = YearsBefore(base, years);
  const std::int64_t exempt =
      rules.window_exempt_pre_degree ? Minutes(rules.window_exempt_pre_degree->value) : 0;
  std::vector<std::int64_t> credit;
  for (const Item& item : run.items) {
    credit.push_back(item.credit);
  }
  std::vector<std::int64_t> later = credit;
  const auto [lost, used] = ApplyWindow(credit, run, cutoff, exempt);
  ApplyWindow(later, run, cutoff + std::chrono::days(kWindowNoticeDays), exempt);
  std::int64_t at_risk = 0;
  for (std::size_t i = 0; i < run.items.size(); ++i) {
    at_risk += credit[i] - later[i];
    run.items[i].credit = credit[i];
  }
  const std::string from =
      from_application ? fmt::format("the planned application date, {}", DayWords(base))
                       : fmt::format("today, {}", DayWords(base));
  if (lost > 0) {
    std::string words = fmt::format(
        "{} logged before {} {} more than {} years before {}, and not credited (hours count "
        "only within the {} years before the Board receives the application).",
        HoursWords(lost), DayWords(cutoff), lost == 60 ? "is" : "are", years, from, years);
    if (used > 0) {
      words += fmt::format(" {} of pre-degree experience from before then still count: up to {} "
                           "are exempt.",
                           HoursWords(used), HoursWords(exempt));
    }
    run.global_checks.push_back(
        Check{.level = Check::Level::kWarning, .id = "window_expired", .words = words});
  } else if (used > 0) {
    run.global_checks.push_back(Check{
        .level = Check::Level::kInfo,
        .id = "window_exempt",
        .words = fmt::format("{} of pre-degree experience from before {} count although they are "
                             "more than {} years old: up to {} are exempt.",
                             HoursWords(used), DayWords(cutoff), years, HoursWords(exempt))});
  }
  if (at_risk > 0) {
    const Day edge = cutoff + std::chrono::days(kWindowNoticeDays);
    const std::string when =
        from_application
            ? fmt::format("if the application is received up to {} days after {}", kWindowNoticeDays,
                          from)
            : fmt::format("within the next {} days", kWindowNoticeDays);
    run.global_checks.push_back(Check{
        .level = Check::Level::kWarning,
        .id = "window_expiring",
        .words = fmt::format("{} logged before {} fall outside the {}-year window {}.",
                             HoursWords(at_risk), DayWords(edge), years, when)});
  }
}

void PreDegree(Run& run) {
  const Rules& rules = run.rules;
  std::vector<std::size_t> pre;
  std::vector<std::size_t> direct_or_supervision;
  std::int64_t logged = 0;
  for (std::size_t i = 0; i < run.items.size(); ++i) {
    const Entry& e = *run.items[i].entry;
    if (!e.pre_degree) {
      continue;
    }
    logged += run.items[i].minutes;
    pre.push_back(i);
    if (run.IsDirect(e.category) || IsSupervision(e.category)) {
      direct_or_supervision.push_back(i);
    }
  }
  if (pre.empty()) {
    return;
  }
  if (rules.pre_degree_max.value <= 0) {
    run.global_checks.push_back(Check{
        .level = Check::Level::kWarning,
        .id = "pre_degree_not_counted",
        .words = fmt::format("Pre-degree hours do not count toward this licence: {} logged "
                             "before the degree {} not credited.",
                             HoursWords(logged), logged == 60 ? "is" : "are")});
    return;  // their credit is zero since the week step
  }
  auto cap = [&](const std::vector<std::size_t>& ids, const RuleNumber& limit, const char* id,
                 const char* what) {
    std::int64_t before = 0;
    for (std::size_t i : ids) {
      before += run.items[i].credit;
    }
    if (const std::int64_t cut = CapLatest(run, ids, Minutes(limit.value)); cut > 0) {
      run.global_checks.push_back(Check{
          .level = Check::Level::kWarning,
          .id = id,
          .words = fmt::format("{} come to {}; at most {} count, so the last {} {} not "
                               "credited.",
                               what, HoursWords(before), HoursWords(Minutes(limit.value)),
                               HoursWords(cut), cut == 60 ? "is" : "are")});
    }
  };
  cap(direct_or_supervision, rules.pre_degree_direct_max, "pre_degree_direct_over_cap",
      "Pre-degree counseling and supervision");
  cap(pre, rules.pre_degree_max, "pre_degree_over_cap", "Pre-degree hours");
}

bool Counts(const Run& run, const Requirement& q, const Item& item) {
  const Entry& e = *item.entry;
  if (!q.categories.empty() &&
      std::find(q.categories.begin(), q.categories.end(), e.category) == q.categories.end()) {
    return false;
  }
  return !q.under_license || run.LicenseOf(e.setting_id) == *q.under_license;
}

void Maximums(Run& run) {
  for (const Requirement& q : run.rules.requirements) {
    if (q.kind != Requirement::Kind::kMaximum) {
      continue;
    }
    std::vector<std::size_t> ids;
    std::int64_t before = 0;
    for (std::size_t i = 0; i < run.items.size(); ++i) {
      if (Counts(run, q, run.items[i])) {
        ids.push_back(i);
        before += run.items[i].credit;
      }
    }
    const std::int64_t cap = Minutes(q.hours.value);
    if (const std::int64_t cut = CapLatest(run, ids, cap); cut > 0) {
      run.global_checks.push_back(Check{
          .level = Check::Level::kWarning,
          .id = "over_maximum",
          .words = fmt::format("{}: at most {} count and {} would, so the last {} count "
                               "neither here nor toward the total.",
                               q.label, HoursWords(cap), HoursWords(before), HoursWords(cut))});
    }
  }
}

Bar WeeksBar(std::string id, std::string label, const RuleNumber& n, std::int64_t counted) {
  return Bar{.id = std::move(id),
             .label = std::move(label),
             .kind = Requirement::Kind::kMinimum,
             .required_minutes = static_cast<std::int64_t>(n.value),
             .counted_minutes = counted,
             .source = n.source,
             .unconfirmed = n.unconfirmed};
}

void Totals(Run& run) {
  Progress& p = run.progress;
  const Rules& rules = run.rules;
  for (WeekResult& r : p.weeks) {
    r.totals.credited = 0;
  }
  std::int64_t post_degree = 0;
  std::int64_t pre_degree = 0;
  for (const Item& item : run.items) {
    p.logged_minutes += item.minutes;
    p.credited_minutes += item.credit;
    p.weeks[item.result].totals.credited += item.credit;
    (item.entry->pre_degree ? pre_degree : post_degree) += item.credit;
  }
  std::set<Day> supervised;
  std::set<Day> individual;
  std::set<Day> licensed;
  for (WeekResult& r : p.weeks) {
    r.supervised = run.week_has_units[&r - p.weeks.data()] && r.totals.credited > 0;
    // One hour of individual or triadic supervision makes a week count toward the 52.
    r.individual_triadic = r.supervised && r.totals.supervision_individual_triadic >= 60;
    if (r.supervised) {
      supervised.insert(r.week_start);
    }
    if (r.individual_triadic) {
      individual.insert(r.week_start);
      if (rules.min_license_weeks && run.LicenseOf(r.setting_id) == rules.license_weeks_license) {
        licensed.insert(r.week_start);
      }
    }
  }
  p.weeks_supervised = static_cast<std::int64_t>(supervised.size());
  p.weeks_individual_triadic = static_cast<std::int64_t>(individual.size());
  p.weeks_under_license = static_cast<std::int64_t>(licensed.size());

  for (const Requirement& q : rules.requirements) {
    Bar bar{.id = q.id,
            .label = q.label,
            .kind = q.kind,
            .required_minutes = Minutes(q.hours.value),
            .source = q.hours.source,
            .unconfirmed = q.hours.unconfirmed};
    for (const Item& item : run.items) {
      if (Counts(run, q, item)) {
        bar.counted_minutes += item.credit;
      }
    }
    p.bars.push_back(std::move(bar));
  }
  if (rules.pre_degree_max.value > 0) {
    p.bars.push_back(Bar{.id = "post_degree",
                         .label = "Post-degree hours",
                         .kind = Requirement::Kind::kMinimum,
                         .required_minutes = Minutes(rules.post_degree_min.value),
                         .counted_minutes = post_degree,
                         .source = rules.post_degree_min.source,
                         .unconfirmed = rules.post_degree_min.unconfirmed});
    if (pre_degree > 0 && post_degree < Minutes(rules.post_degree_min.value)) {
      run.global_checks.push_back(Check{
          .level = Check::Level::kInfo,
          .id = "post_degree_short",
          .words = fmt::format("At least {} must be post-degree; {} so far.",
                               HoursWords(Minutes(rules.post_degree_min.value)),
                               HoursWords(post_degree))});
    }
  }
  p.bars.push_back(WeeksBar("weeks", "Supervised weeks", rules.min_weeks, p.weeks_supervised));
  p.bars.push_back(WeeksBar("individual_triadic_weeks",
                            "Weeks with individual or triadic supervision",
                            rules.min_individual_triadic_weeks, p.weeks_individual_triadic));
  if (rules.min_license_weeks) {
    p.bars.push_back(WeeksBar(
        "license_weeks",
        fmt::format("Weeks of individual or triadic supervision by {}",
                    LicenseWords(rules.license_weeks_license)),
        *rules.min_license_weeks, p.weeks_under_license));
  }
}

void PaceAndCompletion(Run& run) {
  Progress& p = run.progress;
  p.complete = true;
  for (const Bar& b : p.bars) {
    if (b.kind == Requirement::Kind::kMinimum && b.counted_minutes < b.required_minutes) {
      p.complete = false;
    }
  }
  std::set<Day, std::greater<>> weeks_with_hours;
  for (const Item& item : run.items) {
    if (item.entry->date <= run.today && item.minutes > 0) {
      weeks_with_hours.insert(WeekStart(item.entry->date));
    }
  }
  std::set<Day> recent;
  for (Day w : weeks_with_hours) {
    if (recent.size() == kPaceWeeks) {
      break;
    }
    recent.insert(w);
  }
  std::int64_t credited = 0;
  for (const Item& item : run.items) {
    if (item.entry->date <= run.today && recent.contains(WeekStart(item.entry->date))) {
      credited += item.credit;
    }
  }
  p.recent_hours_per_week =
      recent.empty() ? 0 : static_cast<double>(credited) / 60.0 / static_cast<double>(recent.size());
  if (p.complete || credited <= 0) {
    return;
  }
  // Hours bars come first, the weeks bars (from "weeks" on) last (Totals).
  std::size_t hour_bars = 0;
  while (hour_bars < p.bars.size() && p.bars[hour_bars].id != "weeks") {
    ++hour_bars;
  }
  std::int64_t days = 0;
  for (std::size_t i = 0; i < p.bars.size(); ++i) {
    const Bar& b = p.bars[i];
    const std::int64_t remaining = b.required_minutes - b.counted_minutes;
    if (b.kind != Requirement::Kind::kMinimum || remaining <= 0) {
      continue;
    }
    if (i < hour_bars) {
      const double weeks = static_cast<double>(remaining) / 60.0 / p.recent_hours_per_week;
      days = std::max(days, static_cast<std::int64_t>(std::ceil(weeks * 7 - 1e-9)));
    } else {
      days = std::max(days, remaining * 7);  // a week counts once it has passed
    }
  }
  p.projected_completion = run.today + std::chrono::days(days);
}

}  // namespace

Progress Evaluate(const Rules& rules, const Profile& profile, std::span<const SettingRef> settings,
                  std::span<const Entry> entries, Day today) {
  Run run(rules, profile, settings, today);
  run.progress.rules_id = rules.id;
  run.progress.rules_version = rules.version;
  internal::BuildWeeks(run, entries);
  for (std::size_t r = 0; r < run.progress.weeks.size(); ++r) {
    internal::CreditWeek(run, r);
  }
  SevenDayCheck(run);
  CalendarWeekCaps(run);
  Window(run);
  PreDegree(run);
  Maximums(run);
  Totals(run);
  PaceAndCompletion(run);
  Progress& p = run.progress;
  p.checks = std::move(run.global_checks);
  p.checks.insert(p.checks.end(), std::make_move_iterator(run.week_checks.begin()),
                  std::make_move_iterator(run.week_checks.end()));
  return std::move(run.progress);
}

}  // namespace alcove::hours
