// The experience-verification summary for two years (issue #15; docs/hours-forms.md):
// 104 weeks of one supervisor in one setting (12 session logs a week, 1,248 in all, every
// week submitted to the supervisor's link and every other one signed) on SQLite in a
// temporary file. BM_HoursVerificationTwoYears is what the route does: the weeks and
// sessions read (web::hours_routes::BuildVerification), the rules engine over them, and
// the PDF rendered with cairo and pango in memory (forms::RenderVerification);
// BM_HoursVerificationRenderOnly the rendering alone.
//   build/bench/alcove_bench --benchmark_filter=HoursVerification
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "forms/verification_pdf.hpp"
#include "hours/hours.hpp"
#include "hours_bench_db.hpp"
#include "web/hours/verification.hpp"

namespace {

using namespace alcove;
using hours::Category;

const identity::Caller kCaller{.ip = "192.0.2.1", .user_agent = "bench"};
const std::string kLink = "1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b";
constexpr int kWeeks = 104;

struct Slot {
  int day;  // 0 = Monday
  std::int64_t minutes;
  Category category;
};
constexpr std::array<Slot, 12> kWeek = {{
    {0, 60, Category::kIndividual},           {0, 60, Category::kIndividual},
    {0, 90, Category::kCouplesFamilyChildren}, {1, 60, Category::kSupervisionIndividual},
    {1, 120, Category::kNotesReports},         {2, 60, Category::kIndividual},
    {2, 90, Category::kGroup},                 {3, 90, Category::kCouplesFamilyChildren},
    {3, 60, Category::kSupervisionTriadic},   {4, 60, Category::kAdvocacy},
    {4, 110, Category::kIndividual},           {5, 180, Category::kWorkshop},
}};

struct Target {
  bench::HoursBenchDb db;
  hours::Day first{};
  hours::Day today{};
};

[[noreturn]] void Die(const std::string& what) { bench::DieOfBench("hours_verification_bench", what); }

Target& Associate() {
  static Target t = [] {
    Target x{.db = bench::OpenHoursBenchDb("hours-verification-bench",
                                           *hours::ParseDay("2024-06-01"), kCaller)};
    auto setting = x.db.hours->AddSetting(
        x.db.who,
        hours::NewSetting{.name = "Valley Clinic", .supervisor_license = hours::SupervisorLicense::kLmft},
        kCaller);
    if (!setting) {
      Die(setting.error().internal);
    }
    x.today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    x.first = hours::WeekStart(x.today) - std::chrono::days(7 * kWeeks);
    for (int w = 0; w < kWeeks; ++w) {
      std::vector<hours::NewSession> grid;
      for (const Slot& s : kWeek) {
        hours::NewSession n;
        n.date = x.first + std::chrono::days(7 * w + s.day);
        n.minutes = s.minutes;
        n.category = s.category;
        n.setting_id = *setting;
        grid.push_back(std::move(n));
      }
      if (auto logs = x.db.hours->AddSessions(x.db.who, grid, kCaller); !logs) {
        Die(logs.error().internal);
      }
    }
    for (int part = 0; part < 2; ++part) {
      const hours::Day from = x.first + std::chrono::days(7 * 52 * part);
      auto weeks = x.db.hours->ListWeeks(x.db.who, from, from + std::chrono::days(7 * 52 - 1));
      if (!weeks) {
        Die(weeks.error().internal);
      }
      for (std::size_t i = 0; i < weeks->size(); ++i) {
        auto submitted = x.db.hours->SubmitWeek(x.db.who, (*weeks)[i].id, kLink, kCaller);
        if (!submitted) {
          Die(submitted.error().internal);
        }
        if (i % 2 == 0) {
          auto tx = x.db.db->BeginTenant(x.db.who.tenant());
          if (!tx || !hours::Hours::MarkSigned(**tx, x.db.who.tenant(), submitted->id,
                                               submitted->content_sha256,
                                               SystemClock::Instance().Now()) ||
              !(*tx)->Commit()) {
            Die("cannot sign a week");
          }
        }
      }
    }
    return x;
  }();
  return t;
}

web::hours_routes::VerificationRequest Request(const Target& t) {
  return web::hours_routes::VerificationRequest{.associate_name = "Zoë Ñúñez-Łukasz",
                                                .from = t.first,
                                                .to = t.today,
                                                .today = t.today,
                                                .now = SystemClock::Instance().Now(),
                                                .verify_url = "https://alcove.example/verify"};
}

const hours::ActiveSupervisor kSupervisor{.link_id = kLink,
                                          .account_id = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
                                          .account_tenant = 2,
                                          .email = "ines@supervisors.example",
                                          .name = "Dr. Ines Ødegård"};

void BM_HoursVerificationTwoYears(benchmark::State& state) {
  Target& t = Associate();
  std::size_t bytes = 0;
  std::int64_t weeks = 0;
  for (auto _ : state) {
    auto form = web::hours_routes::BuildVerification(*t.db.hours, t.db.who, kSupervisor, Request(t));
    if (!form) {
      state.SkipWithError(form.error().internal.c_str());
      return;
    }
    auto pdf = forms::RenderVerification(*form);
    if (!pdf) {
      state.SkipWithError(pdf.error().internal.c_str());
      return;
    }
    weeks = form->weekly_logs;
    bytes = pdf->size();
    benchmark::DoNotOptimize(pdf->data());
  }
  state.counters["weekly_logs"] = static_cast<double>(weeks);
  state.counters["pdf_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_HoursVerificationTwoYears)->Unit(benchmark::kMillisecond);

void BM_HoursVerificationRenderOnly(benchmark::State& state) {
  Target& t = Associate();
  auto form = web::hours_routes::BuildVerification(*t.db.hours, t.db.who, kSupervisor, Request(t));
  if (!form) {
    state.SkipWithError(form.error().internal.c_str());
    return;
  }
  for (auto _ : state) {
    auto pdf = forms::RenderVerification(*form);
    if (!pdf) {
      state.SkipWithError(pdf.error().internal.c_str());
      return;
    }
    benchmark::DoNotOptimize(pdf->data());
  }
}
BENCHMARK(BM_HoursVerificationRenderOnly)->Unit(benchmark::kMillisecond);

}  // namespace
