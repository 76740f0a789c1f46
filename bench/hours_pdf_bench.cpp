// The weekly log as PDF for two years (104 weeks, every week signed with its QR code):
// forms::RenderWeeklyLog, cairo and pango in memory (issue #15; docs/hours-forms.md).
//   build/bench/alcove_bench --benchmark_filter=HoursPdf
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "forms/weekly_log_pdf.hpp"

namespace {

using namespace alcove;

forms::WeeklyLogForm TwoYears() {
  forms::WeeklyLogForm f{.track = hours::Track::kAmft,
                         .associate_name = "Zoë Łukasz-Nguyễn",
                         .registration_number = "AMFT 123456",
                         .supervisor_name = "Dr. Ines Ødegård",
                         .setting_name = "Valley Clinic"};
  const hours::Day first = hours::Day(std::chrono::year(2024) / std::chrono::January / 1);
  for (int w = 0; w < 104; ++w) {
    forms::WeekLine line{.week_start = first + std::chrono::days(7 * w),
                         .status = hours::WeekStatus::kSigned};
    line.totals.direct = 750;
    line.totals.cfc = 150;
    line.totals.supervision_individual_triadic = 60;
    line.totals.nonclinical = 270;
    line.totals.total = 1020;
    line.signature = forms::SignatureBlock{.signed_ = true,
                                           .signer = "Dr. Ines Ødegård",
                                           .signed_at = 1'720'000'000LL * kMicrosPerSecond,
                                           .signed_sha256 = std::string(64, 'a'),
                                           .content_sha256 = std::string(64, 'a'),
                                           .matches = true,
                                           .verify_url = "https://alcove.example/verify"};
    f.weeks.push_back(line);
  }
  return f;
}

void BM_HoursPdfTwoYears(benchmark::State& state) {
  const forms::WeeklyLogForm form = TwoYears();
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto pdf = forms::RenderWeeklyLog(form);
    if (!pdf) {
      state.SkipWithError(pdf.error().internal.c_str());
      return;
    }
    bytes = pdf->size();
    benchmark::DoNotOptimize(pdf->data());
  }
  state.counters["pdf_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_HoursPdfTwoYears)->Unit(benchmark::kMillisecond);

}  // namespace
