// The CSV import of supervised hours (issue #14, C52) with 10,000 rows on SQLite in a
// temporary file (production settings): parsing alone, and the whole import — parse,
// check, seal and stage (StartImport), then open, create the sessions with one audit
// event each and destroy the key in one transaction (ConfirmImport).
//   build/bench/alcove_bench --benchmark_filter=HoursImport
// docs/performance.md § Hours import has the numbers and the peak memory.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "hours/csv.hpp"
#include "hours/hours.hpp"
#include "hours_bench_db.hpp"

namespace {

using namespace alcove;

constexpr int kRows = 10'000;

// 10,000 rows over two years (2024-2025) in two settings, with names to turn into
// initials, in the column names of a tracker export.
const std::string& File() {
  static const std::string file = [] {
    static constexpr const char* kKinds[] = {
        "Individual",        "Couples/Family", "Group",   "Individual Supervision",
        "Group Supervision", "Progress Notes", "Workshop"};
    static constexpr const char* kNames[] = {"Ana Lima", "Bo Chen", "Cara Diaz", "Dev Patel"};
    std::string out = "Session Date,Duration (min),Type,Client,Site,Group Size\r\n";
    for (int i = 0; i < kRows; ++i) {
      const int day = i * 730 / kRows;  // two years, ~14 rows a day
      const auto date = std::chrono::year_month_day(
          std::chrono::sys_days(std::chrono::year(2024) / std::chrono::January / 1) +
          std::chrono::days(day));
      const char* kind = kKinds[i % 7];
      char line[160];
      std::snprintf(line, sizeof line, "%u/%u/%d,%d,%s,%s,%s,%s\r\n",
                    static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                    static_cast<int>(date.year()), 30 + i % 4 * 10, kind,
                    i % 7 < 3 ? kNames[i % 4] : "", i % 2 == 0 ? "Valley Clinic" : "Hill House",
                    i % 7 == 4 ? "5" : "");
      out += line;
    }
    return out;
  }();
  return file;
}

bench::HoursBenchDb& Sqlite() {
  static bench::HoursBenchDb t = bench::OpenHoursBenchDb(
      "hours-import-bench", std::chrono::sys_days(std::chrono::year(2023) / 6 / 1),
      identity::Caller{.ip = "127.0.0.1", .user_agent = "bench"});
  return t;
}

void BM_HoursImportParse10k(benchmark::State& state) {
  const std::string& file = File();
  for (auto _ : state) {
    auto parsed = hours::ParseImportCsv(crypto::PhiString(std::string(file)), {});
    if (!parsed || parsed->rows.size() != kRows) {
      state.SkipWithError("parse failed");
      return;
    }
    benchmark::DoNotOptimize(parsed->rows.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * file.size()));
}
BENCHMARK(BM_HoursImportParse10k)->Unit(benchmark::kMillisecond);

// One iteration is one whole import of 10,000 sessions (each iteration adds them again).
void BM_HoursImportStageConfirm10k(benchmark::State& state) {
  bench::HoursBenchDb& t = Sqlite();
  const identity::Caller caller{.ip = "127.0.0.1", .user_agent = "bench"};
  for (auto _ : state) {
    auto preview = t.hours->StartImport(t.who, crypto::PhiString(std::string(File())), {},
                                        std::nullopt, caller);
    if (!preview || preview->id.empty() || !preview->errors.empty()) {
      state.SkipWithError(preview ? (preview->errors.empty() ? "columns missing"
                                                             : preview->errors[0].message.c_str())
                                  : preview.error().internal.c_str());
      return;
    }
    auto created = t.hours->ConfirmImport(t.who, preview->id, caller);
    if (!created || *created != kRows) {
      state.SkipWithError(created ? "wrong count" : created.error().internal.c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_HoursImportStageConfirm10k)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
