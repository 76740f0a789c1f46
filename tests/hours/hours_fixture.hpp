#pragma once

// The hours service on both engines (SQLite, and PostgreSQL as the app role): the fixture
// of tests/hours/hours_test.cpp, hours_weeks_test.cpp and import_test.cpp. Two tenants with practice
// (for picked clients) and the hours service wired as cli's HoursModule wires them.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "audit/log.hpp"
#include "cli/database.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "hours/hours.hpp"
#include "practice/practice.hpp"
#include "support/temp_dir.hpp"
#include "support/test_db.hpp"

namespace alcove::hours {

using crypto::PhiString;
using identity::Caller;
using identity::Principal;
using identity::TherapistScope;
using testing::TestEngine;

inline const Caller kHoursCaller{.ip = "192.0.2.40", .user_agent = "HoursTest/1.0"};

inline TherapistScope HoursTherapist(store::TenantId tenant, const char* account) {
  return *TherapistScope::From(Principal{.account_id = account,
                                         .tenant = tenant,
                                         .role = identity::Role::kTherapist,
                                         .session_id = "s"});
}

inline Day Ymd(int y, unsigned m, unsigned d) {
  return Day(std::chrono::year_month_day(std::chrono::year(y), std::chrono::month(m),
                                         std::chrono::day(d)));
}

class HoursFixture : public testing::EngineTest {
 protected:
  // Wednesday 2 December 2026, noon UTC.
  static constexpr Micros kNow = 1'796'212'800LL * kMicrosPerSecond;

  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto db = testing::OpenTestDb(GetParam(), cli::AllMigrations(), pg_urls());
    ASSERT_TRUE(db) << db.error().internal;
    db_ = std::move(*db);
    key_file_ = keys_dir_.path() / "master.key";
    ASSERT_TRUE(crypto::CreateMasterKeyFile(key_file_));
    auto ring = crypto::KeyRing::OpenWithKeyFile(*db_.db, key_file_, clock_);
    ASSERT_TRUE(ring) << ring.error().internal;
    ring_ = std::move(*ring);
    log_ = std::make_unique<audit::Log>(db_.db->engine());
    practice_ = std::make_unique<practice::Practice>(*db_.db, *ring_, *log_, clock_);
    hours_ = std::make_unique<Hours>(
        *db_.db, *ring_, *log_, clock_,
        Lookups{.alias_of = [this](const TherapistScope& who,
                                   std::string_view id) -> Result<std::string> {
                  ALCOVE_TRY_ASSIGN(auto c, practice_->GetClientInfo(who, id));
                  return c.alias;
                },
                .local_day = [this](const TherapistScope& who, Micros t) {
                  return practice_->LocalDay(who, t);
                }});
    for (const store::TenantId tenant : {a_.tenant(), b_.tenant()}) {
      auto tx = db_.db->Begin();
      ASSERT_TRUE(tx);
      const store::Value p[] = {tenant, clock_.Now()};
      ASSERT_TRUE((*tx)->Execute("INSERT INTO tenants (id, created_at) VALUES ($1, $2)", p));
      ASSERT_TRUE((*tx)->Commit());
    }
  }

  // An AMFT profile (degree 1 June 2025) and a setting "Valley Clinic" for `who`.
  std::string Associate(const TherapistScope& who) {
    auto st = hours_->SetProfile(
        who, Profile{.track = Track::kAmft, .degree_date = Ymd(2025, 6, 1)}, kHoursCaller);
    EXPECT_TRUE(st) << (st ? "" : st.error().internal);
    return Setting(who, "Valley Clinic");
  }

  std::string Setting(const TherapistScope& who, const std::string& name) {
    auto id = hours_->AddSetting(who, NewSetting{.name = name}, kHoursCaller);
    EXPECT_TRUE(id) << (id ? "" : id.error().internal);
    return id ? *id : "";
  }

  static NewSession Session(Day date, std::int64_t minutes, Category c, const std::string& setting,
                            const std::string& client = "") {
    NewSession s;
    s.date = date;
    s.minutes = minutes;
    s.category = c;
    s.setting_id = setting;
    s.client_name = PhiString(std::string(client));
    return s;
  }

  SessionLog Log(const TherapistScope& who, const NewSession& s) {
    auto log = hours_->AddSession(who, s, kHoursCaller);
    EXPECT_TRUE(log) << (log ? "" : log.error().internal);
    return log ? *log : SessionLog{};
  }

  std::string NewClient(const TherapistScope& who, const char* name) {
    auto c = practice_->CreateClient(who, PhiString(std::string(name)), {}, kHoursCaller);
    EXPECT_TRUE(c) << (c ? "" : c.error().internal);
    return c ? c->id : "";
  }

  std::int64_t Count(const std::string& sql, store::TenantId tenant) {
    auto tx = db_.db->BeginTenant(tenant);
    EXPECT_TRUE(tx);
    const store::Value p[] = {tenant};
    auto rows = (*tx)->Query(sql, p);
    EXPECT_TRUE(rows) << (rows ? "" : rows.error().internal);
    return rows ? rows->front().Int(0) : -1;
  }
  std::int64_t Sessions(store::TenantId tenant) {
    return Count("SELECT COUNT(*) FROM session_logs WHERE tenant_id = $1", tenant);
  }
  std::int64_t Weeks(store::TenantId tenant) {
    return Count("SELECT COUNT(*) FROM weekly_logs WHERE tenant_id = $1", tenant);
  }

  // Newest first.
  std::vector<audit::StoredEvent> StoredEvents(store::TenantId tenant) {
    auto tx = db_.db->Begin();
    EXPECT_TRUE(tx);
    auto events = audit::ListEvents(**tx, tenant, std::nullopt, 500);
    EXPECT_TRUE(events);
    return events ? std::move(*events) : std::vector<audit::StoredEvent>{};
  }
  std::vector<audit::Event> Events(store::TenantId tenant) {
    std::vector<audit::Event> out;
    for (auto& e : StoredEvents(tenant)) {
      out.push_back(std::move(e.logged.event));
    }
    return out;
  }

  // The week of `day` in `setting` as the service shows it.
  WeeklyLog WeekOf(const TherapistScope& who, const std::string& setting, Day day) {
    auto list = hours_->ListWeeks(who, WeekStart(day), WeekStart(day));
    EXPECT_TRUE(list) << (list ? "" : list.error().internal);
    if (list) {
      for (auto& w : *list) {
        if (w.setting_id == setting) {
          return w;
        }
      }
    }
    ADD_FAILURE() << "no weekly log of " << DayText(day);
    return WeeklyLog{};
  }

  // The supervisor's side (issue #15), as its transaction will run it.
  Status Sign(const TherapistScope& who, const WeeklyLog& w) {
    ALCOVE_TRY_ASSIGN(auto tx, db_.db->BeginTenant(who.tenant()));
    ALCOVE_TRY(Hours::MarkSigned(*tx, who.tenant(), w.id, w.content_sha256, clock_.Now()));
    return tx->Commit();
  }
  Status Return(const TherapistScope& who, const WeeklyLog& w, const std::string& comment) {
    ALCOVE_TRY_ASSIGN(auto sealed,
                      hours_->SealComment(who.tenant(), w.id, PhiString(std::string(comment))));
    ALCOVE_TRY_ASSIGN(auto tx, db_.db->BeginTenant(who.tenant()));
    ALCOVE_TRY(Hours::MarkReturned(*tx, who.tenant(), w.id, w.content_sha256, sealed,
                                   clock_.Now()));
    return tx->Commit();
  }

  testing::TestDb db_;
  testing::TempDir keys_dir_;
  std::filesystem::path key_file_;
  FakeClock clock_{kNow};
  std::unique_ptr<crypto::KeyRing> ring_;
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<practice::Practice> practice_;
  std::unique_ptr<Hours> hours_;
  const TherapistScope a_ = HoursTherapist(1001, "0123456789abcdef0123456789abcdef");
  const TherapistScope b_ = HoursTherapist(2002, "fedcba9876543210fedcba9876543210");
};

// The refusal token of a result's error ("" when it succeeded or is no refusal).
template <typename T>
std::string RefusalIn(const Result<T>& r) {
  if (r) {
    return "";
  }
  const auto token = RefusalOf(r.error());
  return token ? std::string(*token) : "not a refusal: " + r.error().internal;
}

}  // namespace alcove::hours
