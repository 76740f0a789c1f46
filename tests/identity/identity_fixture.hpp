#pragma once

// The fixture of the identity service tests (identity_test.cpp, signin_code_test.cpp):
// an Identity on a real database of either engine, its mail recorded.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audit/log.hpp"
#include "cli/database.hpp"
#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "identity/identity.hpp"
#include "mail/mailer.hpp"
#include "mail/queue.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"
#include "support/test_db.hpp"

namespace alcove::identity {

using crypto::SecretString;
using testing::TestEngine;

constexpr Micros kMinute = 60 * kMicrosPerSecond;
constexpr Micros kStart = 1'800'000'000 * kMicrosPerSecond;
const Caller kCaller{.ip = "192.0.2.10", .user_agent = "TestBrowser/1.0"};
const Caller kOtherCaller{.ip = "198.51.100.7", .user_agent = "Attacker/1.0"};

// Keeps every message it is asked to send.
class RecordingMailer final : public mail::Mailer {
 public:
  Status Send(const mail::Message& message) override {
    std::lock_guard lock(mu_);
    sent_.push_back(message);
    return {};
  }
  std::vector<mail::Message> sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<mail::Message> sent_;
};

inline std::string TokenOf(const mail::Message& m) {
  const auto pos = m.link().find("#token=");
  EXPECT_NE(pos, std::string::npos) << "the token travels in the fragment (C26)";
  return pos == std::string::npos ? std::string() : m.link().substr(pos + 7);
}

class IdentityTest : public ::testing::TestWithParam<TestEngine> {
 protected:
  void SetUp() override {
    std::optional<testing::PgUrls> urls;
    if (GetParam() == TestEngine::kPostgres) {
      urls = testing::FindPgUrls();
      if (!urls) {
        if (testing::PgRequired()) {
          FAIL() << testing::kPgMissing;
        }
        GTEST_SKIP() << testing::kPgMissing;
      }
    }
    const auto migrations = cli::AllMigrations();
    auto db = testing::OpenTestDb(GetParam(), migrations, urls ? &*urls : nullptr);
    ASSERT_TRUE(db) << db.error().internal;
    db_ = std::move(*db);
    ASSERT_TRUE(crypto::CreateMasterKeyFile(keys_dir_ / "master.key"));
    auto ring = crypto::KeyRing::OpenWithKeyFile(*db_.db, keys_dir_ / "master.key", clock_);
    ASSERT_TRUE(ring) << ring.error().internal;
    ring_ = std::move(*ring);
    auto hasher = crypto::PasswordHasher::Create();
    ASSERT_TRUE(hasher);
    hasher_ = std::move(*hasher);
    log_ = std::make_unique<audit::Log>(db_.db->engine());
    queue_ = std::make_unique<mail::Queue>(mailer_);
    identity_ = std::make_unique<Identity>(
        *db_.db, *ring_, *hasher_, *log_, *queue_, clock_,
        IdentityOptions{.public_origin = "https://alcove.example.org"});
  }

  void TearDown() override {
    identity_.reset();
    queue_.reset();
  }

  // Waits for the background work and the mail queue.
  std::vector<mail::Message> Sent() {
    identity_->WaitIdle();
    queue_->WaitIdle();
    return mailer_.sent();
  }

  // Signs up `email` in the browser holding `cookie` and returns the link's token.
  std::string SignUp(const std::string& email, const SecretString& cookie,
                     std::optional<std::string> password = std::nullopt) {
    std::optional<SecretString> pw;
    if (password) {
      pw.emplace(*password);
    }
    const std::size_t before = Sent().size();
    auto st = identity_->SignUp(email, "Dr Test Person", pw, cookie, kCaller);
    EXPECT_TRUE(st) << (st ? "" : st.error().internal);
    const auto sent = Sent();
    EXPECT_EQ(sent.size(), before + 1);
    return sent.empty() ? std::string() : TokenOf(sent.back());
  }

  // A signed-up, verified account with one session.
  NewSession SignedUp(const std::string& email, std::optional<std::string> password = {}) {
    const SecretString cookie = NewLoginCookie();
    const std::string token = SignUp(email, cookie, password);
    auto s = identity_->ConsumeMagicLink(SecretString(token), SecretString(cookie.reveal()),
                                         kCaller);
    EXPECT_TRUE(s) << (s ? "" : s.error().internal);
    return std::move(*s);
  }

  Result<Principal> Auth(const NewSession& s) {
    return identity_->Authenticate(SecretString(s.session_token.reveal()),
                                   SecretString(s.device_token.reveal()), kCaller);
  }

  std::vector<audit::Action> Actions(store::TenantId tenant) {
    auto tx = db_.db->Begin();
    EXPECT_TRUE(tx);
    auto events = audit::ListEvents(**tx, tenant, std::nullopt, 500);
    EXPECT_TRUE(events) << events.error().internal;
    std::vector<audit::Action> out;
    for (const auto& e : *events) {
      out.push_back(e.logged.event.action);
    }
    return out;
  }

  bool Has(store::TenantId tenant, audit::Action a) {
    const auto all = Actions(tenant);
    return std::find(all.begin(), all.end(), a) != all.end();
  }

  // None of `secrets` is in the database: in any file of the SQLite database (or as a
  // token's raw bytes), or in any row of the identity and token tables on PostgreSQL.
  void ExpectNotStored(const std::vector<std::string>& secrets) {
    if (GetParam() == TestEngine::kSqlite) {
      const auto files = testing::ReadDatabaseFiles(db_.sqlite_path);
      ASSERT_FALSE(files.contents.empty());
      for (const auto& secret : secrets) {
        EXPECT_FALSE(files.Contains(secret)) << "a stored secret or address, in clear";
        if (auto raw = Base64UrlDecode(secret); raw && raw->size() == 32) {
          EXPECT_FALSE(files.Contains(*raw)) << "a token's raw bytes";
        }
      }
    } else {
      // Every row of the identity and token tables, as text.
      auto tx = db_.db->Begin();
      ASSERT_TRUE(tx);
      std::string dump;
      for (const char* table : {"accounts", "sessions", "tokens", "tenants", "pending_signups",
                                "signin_codes"}) {
        auto rows = (*tx)->Query(std::string("SELECT t::text FROM ") + table + " t");
        ASSERT_TRUE(rows) << rows.error().internal;
        for (const auto& r : *rows) {
          dump += r.Text(0);
        }
      }
      ASSERT_FALSE(dump.empty());
      for (const auto& secret : secrets) {
        EXPECT_EQ(dump.find(secret), std::string::npos) << "a stored secret or address, in clear";
        if (auto raw = Base64UrlDecode(secret); raw && raw->size() == 32) {
          EXPECT_EQ(dump.find(HexEncode(*raw)), std::string::npos) << "a token's raw bytes";
        }
      }
    }
  }

  testing::TestDb db_;
  testing::TempDir keys_dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<crypto::KeyRing> ring_;
  std::unique_ptr<crypto::PasswordHasher> hasher_;
  std::unique_ptr<audit::Log> log_;
  RecordingMailer mailer_;
  std::unique_ptr<mail::Queue> queue_;
  std::unique_ptr<Identity> identity_;
};

inline std::int64_t CountRows(store::Db& db, const std::string& table) {
  auto tx = db.Begin();
  EXPECT_TRUE(tx);
  auto rows = (*tx)->Query("SELECT count(*) FROM " + table);
  EXPECT_TRUE(rows) << rows.error().internal;
  return rows && !rows->empty() ? rows->front().Int(0) : -1;
}

}  // namespace alcove::identity
