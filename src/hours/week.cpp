// Step 1 of hours::Evaluate (engine.cpp): each week at each work setting on its own.
// The readings (units, the same-week rule, partial cover) are in docs/hours-rules.md.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <tuple>

#include "hours/engine_internal.hpp"
#include "hours/words.hpp"

namespace alcove::hours::internal {
namespace {

constexpr double kEps = 1e-9;

const char* IsAre(std::int64_t minutes) { return minutes == 60 ? "is" : "are"; }

std::string Where(const Run& run, const WeekResult& r) {
  const SettingRef* s = run.SettingOf(r.setting_id);
  return fmt::format("Week of {} at {}{}", DayWords(r.week_start),
                     s == nullptr ? std::string("an unknown work setting") : s->name,
                     r.pre_degree ? " (pre-degree)" : "");
}

Check WeekCheck(const WeekResult& r, Check::Level level, std::string id, std::string words) {
  return Check{.level = level,
               .id = std::move(id),
               .words = std::move(words),
               .week = r.week_start,
               .setting_id = r.setting_id};
}

}  // namespace

void BuildWeeks(Run& run, std::span<const Entry> entries) {
  std::vector<std::size_t> order(entries.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return entries[a].date < entries[b].date;
  });
  // week, the setting's place in `settings` (unknown ones after), its id, post-degree.
  using Key = std::tuple<Day, std::size_t, std::string_view, bool>;
  std::map<Key, std::vector<std::size_t>> groups;
  run.items.reserve(entries.size());
  for (std::size_t idx : order) {
    const Entry& e = entries[idx];
    const auto found = run.setting_index.find(e.setting_id);
    const std::size_t rank =
        found == run.setting_index.end() ? run.settings.size() : found->second;
    groups[Key{WeekStart(e.date), rank, e.setting_id, !e.pre_degree}].push_back(run.items.size());
    run.items.push_back(Item{.entry = &e, .minutes = std::max<std::int64_t>(e.minutes, 0)});
  }
  for (auto& [key, ids] : groups) {
    const std::size_t r = run.progress.weeks.size();
    run.progress.weeks.push_back(WeekResult{.week_start = std::get<0>(key),
                                            .setting_id = std::string(std::get<2>(key)),
                                            .pre_degree = !std::get<3>(key)});
    for (std::size_t i : ids) {
      run.items[i].result = r;
    }
    run.members.push_back(std::move(ids));
  }
  run.week_has_units.assign(run.progress.weeks.size(), false);
}

void CreditWeek(Run& run, std::size_t result) {
  const Rules& rules = run.rules;
  WeekResult& wr = run.progress.weeks[result];
  WeekTotals& t = wr.totals;
  const std::vector<std::size_t>& ids = run.members[result];
  const auto max_size = static_cast<int>(rules.group_max_size.value);
  const auto min_segment = static_cast<std::int64_t>(rules.group_min_segment_minutes.value);

  std::vector<bool> unclaimable(ids.size(), false);  // group supervision that is no unit
  std::int64_t qualifying_group = 0;
  std::int64_t too_large = 0;
  std::int64_t too_short = 0;
  int short_sessions = 0;
  std::int64_t unknown_size = 0;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const Item& item = run.items[ids[k]];
    const Category c = item.entry->category;
    const std::int64_t m = item.minutes;
    t.by_category[static_cast<int>(c)] += m;
    t.total += m;
    (run.IsDirect(c) ? t.direct : t.nonclinical) += m;
    if (c == Category::kCouplesFamilyChildren) {
      t.cfc += m;
    } else if (c == Category::kSupervisionIndividual || c == Category::kSupervisionTriadic) {
      t.supervision_individual_triadic += m;
    } else if (c == Category::kSupervisionGroup) {
      t.supervision_group += m;
      const std::optional<int>& size = item.entry->group_size;
      if (size && *size > max_size) {
        too_large += m;
        unclaimable[k] = true;
      } else if (m < min_segment) {
        too_short += m;
        ++short_sessions;
        unclaimable[k] = true;
      } else {
        qualifying_group += m;
        if (!size) {
          unknown_size += m;
        }
      }
    }
  }
  const double units = static_cast<double>(t.supervision_individual_triadic) / 60.0 +
                       static_cast<double>(qualifying_group) / (60.0 * rules.group_unit_hours.value);
  t.supervision_units = units;
  const std::string where = Where(run, wr);

  if (wr.pre_degree && rules.pre_degree_max.value <= 0) {
    wr.checks.push_back(WeekCheck(wr, Check::Level::kInfo, "pre_degree_not_counted",
                                  where + ": pre-degree hours do not count toward this licence."));
    return;  // every credit stays zero
  }
  if (too_large > 0) {
    wr.checks.push_back(WeekCheck(
        wr, Check::Level::kWarning, "group_too_large",
        fmt::format("{}: {} of group supervision with more than {} supervisees {} not counted "
                    "(a supervision group may have at most {}).",
                    where, HoursWords(too_large), max_size, IsAre(too_large), max_size)));
  }
  if (short_sessions > 0) {
    wr.checks.push_back(WeekCheck(
        wr, Check::Level::kWarning, "group_segment_short",
        fmt::format("{}: {} group supervision {} shorter than {} minutes ({} in all) cannot be "
                    "claimed.",
                    where, short_sessions, short_sessions == 1 ? "session" : "sessions",
                    min_segment, HoursWords(too_short))));
  }
  if (unknown_size > 0) {
    wr.checks.push_back(WeekCheck(
        wr, Check::Level::kInfo, "group_size_unknown",
        fmt::format("{}: {} of group supervision {} no group size; counted as a group of {} or "
                    "fewer.",
                    where, HoursWords(unknown_size), unknown_size == 60 ? "has" : "have",
                    max_size)));
  }

  const bool workshops_free = rules.workshop_weeks_without_supervision;
  const std::int64_t workshop = workshops_free ? t.by_category[static_cast<int>(Category::kWorkshop)] : 0;
  // The hours that need supervision: all but free workshops and unclaimable group time.
  const std::int64_t claimed = t.total - workshop - too_large - too_short;
  const double base = rules.units_per_week.value;
  const bool trainee = wr.pre_degree && rules.trainee_direct_per_unit.has_value();
  const std::int64_t per_unit =
      Minutes(trainee ? rules.trainee_direct_per_unit->value : rules.extra_unit_above_direct.value);
  double required = 0;
  if (claimed > 0) {
    if (trainee) {
      required = std::max(base, static_cast<double>((t.direct + per_unit - 1) / per_unit));
    } else {
      required = base + (t.direct > per_unit ? 1 : 0);
    }
  }
  auto credit_if = [&](auto&& keep) {
    for (std::size_t k = 0; k < ids.size(); ++k) {
      Item& item = run.items[ids[k]];
      item.credit = !unclaimable[k] && keep(item.entry->category) ? item.minutes : 0;
    }
  };
  if (claimed == 0) {  // workshops only (or nothing claimable)
    credit_if([](Category) { return true; });
    return;
  }
  std::string need;
  if (trainee && t.direct > 0) {
    need = fmt::format("{} need {} of supervision (1 for every {})", HoursWords(t.direct, "direct"),
                       HoursWords(Minutes(required)), HoursWords(per_unit, "direct"));
  } else if (!trainee && t.direct > per_unit) {
    need = fmt::format("{} need {} of supervision", HoursWords(t.direct, "direct"),
                       HoursWords(Minutes(required)));
  } else {
    need = fmt::format("{} need {} of supervision", HoursWords(claimed),
                       HoursWords(Minutes(required)));
  }
  std::string logged = units <= kEps ? "none logged" : DecimalText(units) + " logged";
  if (qualifying_group > 0) {
    logged += fmt::format(" ({} of group supervision count as 1)",
                          HoursWords(Minutes(rules.group_unit_hours.value)));
  }

  if (units + kEps < base) {
    // The same-week rule: a week without its supervision counts for nothing.
    credit_if([&](Category c) { return workshops_free && c == Category::kWorkshop; });
    wr.checks.push_back(WeekCheck(
        wr, Check::Level::kProblem, "supervision_missing",
        fmt::format("{}: {}; {}. So {} {} not credited: supervision must be in the same week "
                    "as the hours it covers.",
                    where, need, logged, HoursWords(claimed), IsAre(claimed))));
    return;
  }
  run.week_has_units[result] = true;
  if (units + kEps >= required) {
    credit_if([](Category) { return true; });
    return;
  }
  // Fewer units than required but at least the weekly minimum: each whole unit covers
  // `per_unit` direct minutes; the earliest direct hours are the covered ones.
  const double whole_units = std::floor(units + kEps);
  std::int64_t cover = static_cast<std::int64_t>(whole_units) * per_unit;
  credit_if([&](Category c) { return !run.IsDirect(c); });
  for (std::size_t i : ids) {
    Item& item = run.items[i];
    if (run.IsDirect(item.entry->category)) {
      item.credit = std::min(item.minutes, cover);
      cover -= item.credit;
    }
  }
  const std::int64_t covered = std::min(t.direct, static_cast<std::int64_t>(whole_units) * per_unit);
  const std::int64_t uncovered = t.direct - covered;
  wr.checks.push_back(WeekCheck(
      wr, Check::Level::kProblem, "supervision_short",
      fmt::format("{}: {}; {}. {} of supervision {} {}, so {} {} not credited.", where, need,
                  logged, HoursWords(Minutes(whole_units)), whole_units == 1 ? "covers" : "cover",
                  HoursWords(covered, "direct"), HoursWords(uncovered, "direct"),
                  IsAre(uncovered))));
}

}  // namespace alcove::hours::internal
