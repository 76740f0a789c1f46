#pragma once

// A small log of session entries for the rules-engine tests (rules_test.cpp,
// rules_totals_test.cpp): three work settings, a profile, today, and lookups that fail
// the test when a week or bar is missing.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hours/rules.hpp"

namespace alcove::hours::test {

inline Day D(std::string_view text) {
  const auto day = ParseDay(text);
  EXPECT_TRUE(day) << text;
  return day.value_or(Day{});
}

class Log {
 public:
  explicit Log(Track track) : rules_(&RulesFor(track)) {
    profile.track = track;
    profile.degree_date = D("2020-01-01");
    settings = {
        SettingRef{.id = "s1", .name = "Valley Clinic"},
        SettingRef{.id = "s2", .name = "Harbor Center"},
        SettingRef{.id = "s3", .name = "County Services", .supervisor_license = SupervisorLicense::kLcsw},
    };
  }

  void Add(std::string_view date, std::int64_t minutes, Category category,
           std::string setting = "s1", bool pre_degree = false,
           std::optional<int> group_size = std::nullopt, std::string alias = {}) {
    entries.push_back(Entry{.id = "e" + std::to_string(entries.size()),
                            .date = D(date),
                            .minutes = minutes,
                            .category = category,
                            .setting_id = std::move(setting),
                            .pre_degree = pre_degree,
                            .group_size = group_size,
                            .alias = std::move(alias)});
  }
  void Add(Day date, std::int64_t minutes, Category category, std::string setting = "s1",
           bool pre_degree = false, std::optional<int> group_size = std::nullopt) {
    Add(DayText(date), minutes, category, std::move(setting), pre_degree, group_size);
  }

  Progress Evaluate() const { return hours::Evaluate(*rules_, profile, settings, entries, today); }

  static const WeekResult& Week(const Progress& p, std::string_view week, std::string setting = "s1",
                                bool pre_degree = false) {
    for (const WeekResult& w : p.weeks) {
      if (w.week_start == D(week) && w.setting_id == setting && w.pre_degree == pre_degree) {
        return w;
      }
    }
    ADD_FAILURE() << "no week " << week << " at " << setting;
    static const WeekResult none;
    return none;
  }

  static const hours::Bar& BarOf(const Progress& p, std::string_view id) {
    for (const hours::Bar& b : p.bars) {
      if (b.id == id) {
        return b;
      }
    }
    ADD_FAILURE() << "no bar " << id;
    static const hours::Bar none;
    return none;
  }

  static const Check* Find(const Progress& p, std::string_view id) {
    for (const Check& c : p.checks) {
      if (c.id == id) {
        return &c;
      }
    }
    return nullptr;
  }

  static std::vector<Check> AllChecks(const Progress& p) {
    std::vector<Check> all = p.checks;
    for (const WeekResult& w : p.weeks) {
      all.insert(all.end(), w.checks.begin(), w.checks.end());
    }
    return all;
  }

  const Rules& rules() const { return *rules_; }

  Profile profile;
  std::vector<SettingRef> settings;
  std::vector<Entry> entries;
  Day today = D("2026-12-02");

 private:
  const Rules* rules_;
};

}  // namespace alcove::hours::test
