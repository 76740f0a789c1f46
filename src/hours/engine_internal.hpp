#pragma once

// What the steps of hours::Evaluate share (engine.cpp, week.cpp). Not for other modules.

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "hours/rules.hpp"

namespace alcove::hours::internal {

inline std::int64_t Minutes(double hours) { return std::llround(hours * 60); }

// One entry on its way through the steps.
struct Item {
  const Entry* entry = nullptr;
  std::size_t result = 0;     // its WeekResult in Run::progress.weeks
  std::int64_t minutes = 0;   // as logged (never negative)
  std::int64_t credit = 0;    // what still counts after the steps so far
};

struct Run {
  Run(const Rules& r, const Profile& p, std::span<const SettingRef> s, Day t)
      : rules(r), profile(p), settings(s), today(t) {
    for (std::size_t i = 0; i < settings.size(); ++i) {
      setting_index.emplace(settings[i].id, i);
    }
  }

  bool IsDirect(Category c) const {
    for (Category d : rules.direct_categories) {
      if (d == c) {
        return true;
      }
    }
    return false;
  }
  const SettingRef* SettingOf(const std::string& id) const {
    const auto it = setting_index.find(id);
    return it == setting_index.end() ? nullptr : &settings[it->second];
  }
  SupervisorLicense LicenseOf(const std::string& id) const {
    const SettingRef* s = SettingOf(id);
    return s == nullptr ? SupervisorLicense::kUnknown : s->supervisor_license;
  }

  const Rules& rules;
  const Profile& profile;
  std::span<const SettingRef> settings;
  Day today;
  std::unordered_map<std::string, std::size_t> setting_index;

  std::vector<Item> items;  // by date, then as given
  // Per WeekResult: the indices of its items (by date), and whether it had at least the
  // weekly minimum of supervision units.
  std::vector<std::vector<std::size_t>> members;
  std::vector<bool> week_has_units;
  Progress progress;
  std::vector<Check> global_checks;  // totals, pre-degree, window
  std::vector<Check> week_checks;    // about one calendar week across settings
};

// Sorts the entries into items and their week-and-setting results (by week, then the
// order of `settings`, then pre-degree before post-degree).
void BuildWeeks(Run& run, std::span<const Entry> entries);
// Totals, supervision units, the same-week rule and the group rules of one result.
void CreditWeek(Run& run, std::size_t result);

}  // namespace alcove::hours::internal
