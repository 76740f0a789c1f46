// The rules engine (hours::Evaluate) over an associate's two years: 104 weeks of 19
// sessions in 3 work settings (1,976 entries, about 3,000 hours), AMFT rules. Peak memory
// is measured around the benchmark process (docs/performance.md § Supervised hours).
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "hours/rules.hpp"

namespace {

using namespace alcove::hours;

struct Associate {
  Profile profile;
  std::vector<SettingRef> settings;
  std::vector<Entry> entries;
  Day today{};
};

Associate TwoYears() {
  Associate a;
  a.profile.track = Track::kAmft;
  a.profile.degree_date = *ParseDay("2024-06-01");
  a.settings = {SettingRef{.id = "s1", .name = "Valley Clinic"},
                SettingRef{.id = "s2", .name = "Harbor Center"},
                SettingRef{.id = "s3", .name = "County Services"}};
  struct Slot {
    int day;  // 0 = Monday
    std::int64_t minutes;
    Category category;
    const char* setting;
  };
  // 1,730 minutes a week: 1,730 x 104 / 60 = 2,999 hours.
  constexpr std::array<Slot, 19> kWeek = {{
      {0, 60, Category::kIndividual, "s1"},        {0, 60, Category::kIndividual, "s1"},
      {0, 90, Category::kCouplesFamilyChildren, "s1"}, {1, 60, Category::kIndividual, "s1"},
      {1, 60, Category::kSupervisionIndividual, "s1"}, {1, 120, Category::kNotesReports, "s1"},
      {2, 60, Category::kIndividual, "s2"},        {2, 60, Category::kIndividual, "s2"},
      {2, 90, Category::kGroup, "s2"},             {2, 120, Category::kSupervisionGroup, "s2"},
      {3, 90, Category::kCouplesFamilyChildren, "s2"}, {3, 100, Category::kNotesReports, "s2"},
      {3, 60, Category::kIndividual, "s3"},        {4, 90, Category::kCouplesFamilyChildren, "s3"},
      {4, 60, Category::kSupervisionTriadic, "s3"}, {4, 60, Category::kAdvocacy, "s3"},
      {5, 180, Category::kWorkshop, "s3"},         {5, 110, Category::kIndividual, "s3"},
      {6, 200, Category::kOtherNonclinical, "s3"},
  }};
  const Day first = *ParseDay("2024-12-02");  // a Monday
  for (int w = 0; w < 104; ++w) {
    for (const Slot& s : kWeek) {
      Entry e;
      e.id = "e" + std::to_string(a.entries.size());
      e.date = first + std::chrono::days(7 * w + s.day);
      e.minutes = s.minutes;
      e.category = s.category;
      e.setting_id = s.setting;
      e.pre_degree = false;
      if (s.category == Category::kSupervisionGroup) {
        e.group_size = 6;
      }
      e.alias = "J.D.";
      a.entries.push_back(std::move(e));
    }
  }
  a.today = first + std::chrono::days(7 * 104);
  return a;
}

void BM_HoursEvaluate(benchmark::State& state) {
  const Associate a = TwoYears();
  const Rules& rules = RulesFor(Track::kAmft);
  std::int64_t credited = 0;
  for (auto _ : state) {
    Progress p = Evaluate(rules, a.profile, a.settings, a.entries, a.today);
    credited = p.credited_minutes;
    benchmark::DoNotOptimize(p);
  }
  state.counters["entries"] = static_cast<double>(a.entries.size());
  state.counters["credited_hours"] = static_cast<double>(credited) / 60.0;
}
BENCHMARK(BM_HoursEvaluate)->Unit(benchmark::kMillisecond);

void BM_HoursRulesParse(benchmark::State& state) {
  const std::string_view text = BuiltInRulesFiles().front().text;
  for (auto _ : state) {
    auto r = ParseRules(text, "rules/ca-bbs/amft.toml");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_HoursRulesParse)->Unit(benchmark::kMicrosecond);

}  // namespace
