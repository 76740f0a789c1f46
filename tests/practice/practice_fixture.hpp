#pragma once

// The practice service on both engines (SQLite, and PostgreSQL as the app role): the
// fixture of tests/practice/*_test.cpp. Two tenants, a key ring, an audit log.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/log.hpp"
#include "cli/database.hpp"
#include "core/clock.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "practice/practice.hpp"
#include "store/postgres/postgres_db.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"
#include "support/test_db.hpp"

namespace alcove::practice {

inline constexpr Micros kStart = 1'800'000'000 * kMicrosPerSecond;
inline const identity::Caller kCaller{.ip = "192.0.2.10", .user_agent = "TestBrowser/1.0"};

using crypto::PhiString;
using identity::Caller;
using identity::Principal;
using identity::TherapistScope;
using testing::TestEngine;

class PracticeTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    const auto migrations = cli::AllMigrations();
    auto db = testing::OpenTestDb(GetParam(), migrations, pg_urls());
    ASSERT_TRUE(db) << db.error().internal;
    db_ = std::move(*db);
    ASSERT_TRUE(crypto::CreateMasterKeyFile(key_file()));
    auto ring = crypto::KeyRing::OpenWithKeyFile(*db_.db, key_file(), clock_);
    ASSERT_TRUE(ring) << ring.error().internal;
    ring_ = std::move(*ring);
    log_ = std::make_unique<audit::Log>(db_.db->engine());
    practice_ = std::make_unique<Practice>(*db_.db, *ring_, *log_, clock_);
    // Two tenants, as identity would make them (the tenants table is identity's).
    for (const auto& [tenant, account] : {std::pair{a_.tenant(), a_.account_id()},
                                          std::pair{b_.tenant(), b_.account_id()}}) {
      auto tx = db_.db->Begin();
      ASSERT_TRUE(tx);
      const store::Value p[] = {tenant, kStart};
      ASSERT_TRUE((*tx)->Execute("INSERT INTO tenants (id, created_at) VALUES ($1, $2)", p));
      ASSERT_TRUE((*tx)->Commit());
    }
  }

  std::filesystem::path key_file() const { return keys_dir_ / "master.key"; }

  std::string NewClient(const TherapistScope& who, const std::string& name,
                        const std::string& notes = "") {
    ProfileFields p;
    if (!notes.empty()) {
      p.notes = PhiString(std::string(notes));
    }
    auto c = practice_->CreateClient(who, PhiString(std::string(name)), std::move(p), kCaller);
    EXPECT_TRUE(c) << (c ? "" : c.error().internal);
    return c ? c->id : std::string();
  }

  Sections Soap(const std::string& s, const std::string& o = "", const std::string& a = "",
                const std::string& p = "") {
    Sections out;
    out.emplace_back("subjective", PhiString(std::string(s)));
    out.emplace_back("objective", PhiString(std::string(o)));
    out.emplace_back("assessment", PhiString(std::string(a)));
    out.emplace_back("plan", PhiString(std::string(p)));
    return out;
  }

  std::string NewNote(const TherapistScope& who, const std::string& client, const std::string& text) {
    auto n = practice_->CreateNote(who, client, "2026-11-20", NoteFormat::kSoap, Soap(text),
                                   kCaller);
    EXPECT_TRUE(n) << (n ? "" : n.error().internal);
    return n ? n->id : std::string();
  }

  std::vector<audit::StoredEvent> Events(store::TenantId tenant) {
    auto tx = db_.db->Begin();
    EXPECT_TRUE(tx);
    auto events = audit::ListEvents(**tx, tenant, std::nullopt, 500);
    EXPECT_TRUE(events) << events.error().internal;
    return events ? std::move(*events) : std::vector<audit::StoredEvent>{};
  }

  // Everything the database holds, as bytes or text: the SQLite files, or a pg_dump of
  // the test's schema.
  std::string DatabaseBytes() {
    std::string all;
    if (GetParam() == TestEngine::kSqlite) {
      const auto files = testing::ReadDatabaseFiles(db_.sqlite_path);
      for (const auto& c : files.contents) {
        all.append(c.begin(), c.end());
      }
      return all;
    }
    // pg_dump refuses tables whose rows row-level security would filter. The owner lifts
    // FORCE on this throwaway schema so that the dump holds every row.
    {
      store::PostgresOptions owner;
      owner.url = db_.schema->OwnerUrl();
      auto odb = store::OpenPostgres(owner);
      EXPECT_TRUE(odb) << odb.error().internal;
      auto tx = (*odb)->Begin();
      EXPECT_TRUE(tx);
      EXPECT_GE(testing::LiftForcedRowSecurity(**tx), 9);
      EXPECT_TRUE((*tx)->Commit());
    }
    const std::string cmd = "/usr/lib/postgresql/15/bin/pg_dump --no-owner --schema=" +
                            db_.schema->name() + " '" + urls_->owner + "' 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    EXPECT_NE(p, nullptr);
    char buf[65536];
    std::size_t n = 0;
    while (p != nullptr && (n = fread(buf, 1, sizeof buf, p)) > 0) {
      all.append(buf, n);
    }
    if (p != nullptr) {
      EXPECT_EQ(pclose(p), 0) << all.substr(0, 500);
    }
    EXPECT_NE(all.find("CREATE TABLE"), std::string::npos) << "pg_dump produced no schema";
    return all;
  }

  testing::TestDb db_;
  testing::TempDir keys_dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<crypto::KeyRing> ring_;
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<Practice> practice_;
  const TherapistScope a_ = *TherapistScope::From(Principal{
      .account_id = "0123456789abcdef0123456789abcdef",
      .tenant = 1001,
      .role = identity::Role::kTherapist,
      .session_id = "s"});
  const TherapistScope b_ = *TherapistScope::From(Principal{
      .account_id = "fedcba9876543210fedcba9876543210",
      .tenant = 2002,
      .role = identity::Role::kTherapist,
      .session_id = "s"});
};


}  // namespace alcove::practice
