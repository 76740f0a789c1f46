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
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "audit/log.hpp"
#include "cli/database.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "hours/hours.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace {

using namespace alcove;
using hours::Category;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "hours_summary_bench: %s\n", what.c_str());
  std::exit(1);
}

const identity::Caller kCaller{.ip = "192.0.2.1", .user_agent = "bench"};

struct Slot {
  int day;  // 0 = Monday
  std::int64_t minutes;
  Category category;
  int setting;
};
// 1,730 minutes a week in three settings: 1,730 x 104 / 60 = 2,999 hours in 1,976 logs.
constexpr std::array<Slot, 19> kWeek = {{
    {0, 60, Category::kIndividual, 0},           {0, 60, Category::kIndividual, 0},
    {0, 90, Category::kCouplesFamilyChildren, 0}, {1, 60, Category::kIndividual, 0},
    {1, 60, Category::kSupervisionIndividual, 0}, {1, 120, Category::kNotesReports, 0},
    {2, 60, Category::kIndividual, 1},           {2, 60, Category::kIndividual, 1},
    {2, 90, Category::kGroup, 1},                {2, 120, Category::kSupervisionGroup, 1},
    {3, 90, Category::kCouplesFamilyChildren, 1}, {3, 100, Category::kNotesReports, 1},
    {3, 60, Category::kIndividual, 2},           {4, 90, Category::kCouplesFamilyChildren, 2},
    {4, 60, Category::kSupervisionTriadic, 2},   {4, 60, Category::kAdvocacy, 2},
    {5, 180, Category::kWorkshop, 2},            {5, 110, Category::kIndividual, 2},
    {6, 200, Category::kOtherNonclinical, 2},
}};
constexpr int kWeeks = 104;

struct Target {
  std::filesystem::path dir;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<crypto::KeyRing> ring;
  std::unique_ptr<audit::Log> log;
  std::unique_ptr<hours::Hours> hours;
  identity::TherapistScope who = *identity::TherapistScope::From(identity::Principal{
      .account_id = "0123456789abcdef0123456789abcdef",
      .tenant = 1,
      .role = identity::Role::kTherapist,
      .session_id = "s"});
  hours::Day first{};
  std::int64_t sessions = 0;
};

Target& Associate() {
  static Target t = [] {
    Target x;
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "alcove-hours-summary-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      Die("mkdtemp failed");
    }
    x.dir = tmpl;
    static const std::filesystem::path dir = x.dir;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    });
    auto db = store::OpenSqlite(x.dir / store::kSqliteFileName);
    if (!db) {
      Die(db.error().internal);
    }
    x.db = std::move(*db);
    if (auto st = store::ApplyMigrations(*x.db, cli::AllMigrations()); !st) {
      Die(st.error().internal);
    }
    const auto key_file = x.dir / "master.key";
    if (!crypto::CreateMasterKeyFile(key_file)) {
      Die("cannot create the master key file");
    }
    auto ring = crypto::KeyRing::OpenWithKeyFile(*x.db, key_file, SystemClock::Instance());
    if (!ring) {
      Die(ring.error().internal);
    }
    x.ring = std::move(*ring);
    x.log = std::make_unique<audit::Log>(x.db->engine());
    x.hours = std::make_unique<hours::Hours>(*x.db, *x.ring, *x.log, SystemClock::Instance(),
                                             hours::Lookups{});
    {
      auto tx = x.db->Begin();
      const store::Value p[] = {x.who.tenant(), SystemClock::Instance().Now()};
      if (!tx || !(*tx)->Execute("INSERT INTO tenants (id, created_at) VALUES ($1, $2)", p) ||
          !(*tx)->Commit()) {
        Die("cannot make the tenant");
      }
    }
    if (auto st = x.hours->SetProfile(
            x.who, hours::Profile{.track = hours::Track::kAmft, .degree_date = *hours::ParseDay("2024-06-01")},
            kCaller);
        !st) {
      Die(st.error().internal);
    }
    std::array<std::string, 3> settings;
    const char* kNames[] = {"Valley Clinic", "Harbor Center", "County Services"};
    for (int i = 0; i < 3; ++i) {
      auto id = x.hours->AddSetting(x.who, hours::NewSetting{.name = kNames[i]}, kCaller);
      if (!id) {
        Die(id.error().internal);
      }
      settings[i] = *id;
    }
    // The 104 weeks that end before the current one.
    const hours::Day today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
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
      auto logs = x.hours->AddSessions(x.who, grid, kCaller);
      if (!logs) {
        Die(logs.error().internal);
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
    auto s = t.hours->GetSummary(t.who);
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
    auto list = t.hours->ListWeeks(t.who, t.first + std::chrono::days(7 * 52),
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
