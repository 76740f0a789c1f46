// The progress of an associate with 3,000 hours over two years (issue #14): Hours::
// GetSummary on SQLite in a temporary file (production settings) — the profile, the
// settings and every session log read in one transaction, then the rules engine over
// them — and ListWeeks over a year (the weekly logs with their totals, checks and content
// hashes). The sessions go in as the week grid would put them: one AddSessions a week,
// one audit event per session.
//   build/bench/alcove_bench --benchmark_filter=HoursSummary
// docs/performance.md § Hours progress has the numbers and the peak memory.
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "hours/hours.hpp"
#include "hours_bench_db.hpp"

namespace {

using namespace alcove;
using hours::Category;

const identity::Caller kCaller{.ip = "192.0.2.1", .user_agent = "bench"};

struct Slot {
  int day;  // 0 = Monday
  std::int64_t minutes;
  Category category;
  int setting;
};
// 1,730 minutes a week in three settings: 1,730 x 104 / 60 = 2,999 hours in 1,976 logs.
constexpr std::array<Slot, 19> kWeek = {{
    {0, 60, Category::kIndividual, 0},
    {0, 60, Category::kIndividual, 0},
    {0, 90, Category::kCouplesFamilyChildren, 0},
    {1, 60, Category::kIndividual, 0},
    {1, 60, Category::kSupervisionIndividual, 0},
    {1, 120, Category::kNotesReports, 0},
    {2, 60, Category::kIndividual, 1},
    {2, 60, Category::kIndividual, 1},
    {2, 90, Category::kGroup, 1},
    {2, 120, Category::kSupervisionGroup, 1},
    {3, 90, Category::kCouplesFamilyChildren, 1},
    {3, 100, Category::kNotesReports, 1},
    {3, 60, Category::kIndividual, 2},
    {4, 90, Category::kCouplesFamilyChildren, 2},
    {4, 60, Category::kSupervisionTriadic, 2},
    {4, 60, Category::kAdvocacy, 2},
    {5, 180, Category::kWorkshop, 2},
    {5, 110, Category::kIndividual, 2},
    {6, 200, Category::kOtherNonclinical, 2},
}};
constexpr int kWeeks = 104;

struct Target {
  bench::HoursBenchDb db;
  hours::Day first{};
  std::int64_t sessions = 0;
};

Target& Associate() {
  static Target t = [] {
    Target x{.db = bench::OpenHoursBenchDb("hours-summary-bench", *hours::ParseDay("2024-06-01"),
                                           kCaller)};
    std::array<std::string, 3> settings;
    const char* kNames[] = {"Valley Clinic", "Harbor Center", "County Services"};
    for (int i = 0; i < 3; ++i) {
      auto id = x.db.hours->AddSetting(x.db.who, hours::NewSetting{.name = kNames[i]}, kCaller);
      if (!id) {
        bench::DieOfBench("hours_summary_bench", id.error().internal);
      }
      settings[i] = *id;
    }
    // The 104 weeks that end before the current one.
    const hours::Day today =
        std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    x.first = hours::WeekStart(today) - std::chrono::days(7 * kWeeks);
    for (int w = 0; w < kWeeks; ++w) {
      std::vector<hours::NewSession> grid;
      for (const Slot& s : kWeek) {
        hours::NewSession n;
        n.date = x.first + std::chrono::days(7 * w + s.day);
        n.minutes = s.minutes;
        n.category = s.category;
        n.setting_id = settings[s.setting];
        if (s.category == Category::kSupervisionGroup) {
          n.group_size = 6;
        }
        if (s.category == Category::kIndividual || s.category == Category::kCouplesFamilyChildren) {
          n.client_name = crypto::PhiString(std::string("Johanna Doeberg"));
        }
        grid.push_back(std::move(n));
      }
      auto logs = x.db.hours->AddSessions(x.db.who, grid, kCaller);
      if (!logs) {
        bench::DieOfBench("hours_summary_bench", logs.error().internal);
      }
      x.sessions += static_cast<std::int64_t>(logs->size());
    }
    return x;
  }();
  return t;
}

void BM_HoursSummary(benchmark::State& state) {
  Target& t = Associate();
  std::int64_t logged = 0;
  for (auto _ : state) {
    auto s = t.db.hours->GetSummary(t.db.who);
    if (!s) {
      state.SkipWithError(s.error().internal.c_str());
      return;
    }
    logged = s->progress.logged_minutes;
    benchmark::DoNotOptimize(s);
  }
  state.counters["sessions"] = static_cast<double>(t.sessions);
  state.counters["logged_hours"] = static_cast<double>(logged) / 60.0;
}
BENCHMARK(BM_HoursSummary)->Unit(benchmark::kMillisecond);

void BM_HoursSummaryListWeeksOfAYear(benchmark::State& state) {
  Target& t = Associate();
  std::size_t weeks = 0;
  for (auto _ : state) {
    auto list = t.db.hours->ListWeeks(t.db.who, t.first + std::chrono::days(7 * 52),
                                      t.first + std::chrono::days(7 * (kWeeks - 1)));
    if (!list) {
      state.SkipWithError(list.error().internal.c_str());
      return;
    }
    weeks = list->size();
    benchmark::DoNotOptimize(list);
  }
  state.counters["weekly_logs"] = static_cast<double>(weeks);
}
BENCHMARK(BM_HoursSummaryListWeeksOfAYear)->Unit(benchmark::kMillisecond);

}  // namespace
