// Tokens on both database engines: SQLite, and PostgreSQL as the app role the server
// uses (migrated by the owner role), so the grants and the portable SQL are exercised.
#include "crypto/tokens.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/encoding.hpp"
#include "crypto/random.hpp"
#include "crypto/secret.hpp"
#include "store/migrations.hpp"
#include "store/postgres/postgres_db.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"
#include "support/test_db.hpp"

namespace alcove::crypto {
namespace {

constexpr Micros kStart = 1'800'000'000 * kMicrosPerSecond;
constexpr Micros kMinute = 60 * kMicrosPerSecond;

std::vector<store::Migration> Migrations() {
  std::vector<store::Migration> all(store::StoreMigrations().begin(),
                                    store::StoreMigrations().end());
  all.insert(all.end(), TokenMigrations().begin(), TokenMigrations().end());
  return all;
}

struct SqliteEngine {
  static constexpr const char* kName = "sqlite";
  std::unique_ptr<testing::TempDir> dir;
  bool Available() { return true; }
  // Returns the database the tokens code uses, migrated.
  Result<std::unique_ptr<store::Db>> OpenMigrated() {
    dir = std::make_unique<testing::TempDir>();
    auto db = store::OpenSqlite(*dir / "alcove.db");
    if (!db) {
      return db;
    }
    const auto all = Migrations();
    if (auto st = store::ApplyMigrations(**db, all); !st) {
      return std::unexpected(st.error());
    }
    return db;
  }
};

struct PostgresEngine {
  static constexpr const char* kName = "postgres";
  std::unique_ptr<testing::PgTestSchema> schema;
  bool Available() { return testing::FindPgUrls().has_value(); }
  Result<std::unique_ptr<store::Db>> OpenMigrated() {
    schema = std::make_unique<testing::PgTestSchema>(*testing::FindPgUrls());
    {
      store::PostgresOptions owner;
      owner.url = schema->OwnerUrl();
      auto db = store::OpenPostgres(owner);
      if (!db) {
        return db;
      }
      const auto all = Migrations();
      if (auto st = store::ApplyMigrations(**db, all); !st) {
        return std::unexpected(st.error());
      }
    }
    store::PostgresOptions app;
    app.url = schema->AppUrl();
    return store::OpenPostgres(app);
  }
};

template <typename E>
class Tokens : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!engine_.Available()) {
      if (testing::PgRequired()) {
        FAIL() << testing::kPgMissing;
      }
      GTEST_SKIP() << testing::kPgMissing;
    }
    auto db = engine_.OpenMigrated();
    ASSERT_TRUE(db) << db.error().internal;
    db_ = std::move(*db);
    issuer_ = std::make_unique<TokenIssuer>(*db_, clock_);
  }

  std::vector<store::Row> AllRows() {
    auto tx = db_->Begin();
    EXPECT_TRUE(tx);
    auto rows = (*tx)->Query(
        "SELECT hash, purpose, subject, tenant_id, single_use, created_at, expires_at, "
        "used_at FROM tokens");
    EXPECT_TRUE(rows) << rows.error().internal;
    return rows ? *rows : std::vector<store::Row>{};
  }

  E engine_;
  FakeClock clock_{kStart};
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<TokenIssuer> issuer_;
};

class EngineNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};
using Engines = ::testing::Types<SqliteEngine, PostgresEngine>;
TYPED_TEST_SUITE(Tokens, Engines, EngineNames);

// claim: C27
TYPED_TEST(Tokens, AreFortyThreeCharsOfBase64UrlCarrying256RandomBits) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto token = this->issuer_->Issue("magic_link", 10 * kMinute, TokenUse::kSingle, "acct-1");
    ASSERT_TRUE(token) << token.error().internal;
    ASSERT_EQ(token->size(), kTokenLength);
    for (const char c : token->reveal()) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
    }
    auto bytes = Base64UrlDecode(token->reveal());
    ASSERT_TRUE(bytes);
    EXPECT_EQ(bytes->size() * 8, 256u);
    seen.insert(token->reveal());
  }
  EXPECT_EQ(seen.size(), 50u);
}

// The table holds SHA-256(purpose || 0x00 || token) and never the token, in any column.
// claim: C27
TYPED_TEST(Tokens, AreStoredOnlyAsTheirSha256Hash) {
  auto token = this->issuer_->Issue("portal_invite", 7 * 24 * 60 * kMinute, TokenUse::kSingle,
                                    "client-9", store::TenantId{42});
  ASSERT_TRUE(token);
  const std::string text = token->reveal();
  const auto raw = *Base64UrlDecode(text);
  const auto rows = this->AllRows();
  ASSERT_EQ(rows.size(), 1u);
  const auto expected = Sha256(std::string("portal_invite") + '\0' + text);
  EXPECT_EQ(rows[0].Blob(0), store::Bytes(expected.begin(), expected.end()));
  EXPECT_EQ(TokenHash("portal_invite", *token), expected);
  for (std::size_t i = 0; i < rows[0].size(); ++i) {
    const auto& v = rows[0].at(i);
    if (const auto* s = std::get_if<std::string>(&v)) {
      EXPECT_EQ(s->find(text), std::string::npos) << "column " << i;
      EXPECT_EQ(s->find(text.substr(0, 16)), std::string::npos) << "column " << i;
    }
    if (const auto* b = std::get_if<store::Bytes>(&v)) {
      const std::string as_text(b->begin(), b->end());
      EXPECT_EQ(as_text.find(text.substr(0, 16)), std::string::npos) << "column " << i;
      EXPECT_EQ(std::search(b->begin(), b->end(), raw.begin(), raw.begin() + 16), b->end())
          << "column " << i;
    }
  }
  EXPECT_EQ(rows[0].Text(1), "portal_invite");
  EXPECT_EQ(rows[0].Text(2), "client-9");
  EXPECT_EQ(rows[0].Int(3), 42);
  EXPECT_EQ(rows[0].Int(6) - rows[0].Int(5), 7 * 24 * 60 * kMinute);
}

// claim: C27
TYPED_TEST(Tokens, ExpireAtTheirDeadline) {
  auto token = this->issuer_->Issue("questionnaire", 10 * kMinute, TokenUse::kReusable, "a-1");
  ASSERT_TRUE(token);
  this->clock_.Advance(10 * kMinute - 1);
  auto ok = this->issuer_->Verify("questionnaire", *token);
  ASSERT_TRUE(ok) << ok.error().internal;
  EXPECT_EQ(ok->subject, "a-1");
  EXPECT_EQ(ok->expires_at, kStart + 10 * kMinute);
  this->clock_.Advance(1);
  auto expired = this->issuer_->Verify("questionnaire", *token);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(expired.error().internal.find(token->reveal()), std::string::npos);
  EXPECT_EQ(expired.error().public_message.find(token->reveal()), std::string::npos);

  auto single = this->issuer_->Issue("magic_link", kMinute, TokenUse::kSingle, "b");
  ASSERT_TRUE(single);
  this->clock_.Advance(kMinute);
  EXPECT_FALSE(this->issuer_->Consume("magic_link", *single));

  auto n = this->issuer_->DeleteExpired();
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2);
  EXPECT_TRUE(this->AllRows().empty());
}

TYPED_TEST(Tokens, WorkOnlyForTheirPurpose) {
  auto token = this->issuer_->Issue("signing_link", kMinute, TokenUse::kSingle, "week-3");
  ASSERT_TRUE(token);
  for (const char* other : {"magic_link", "session", "signing_link2", "", "SIGNING_LINK"}) {
    SCOPED_TRACE(other);
    auto r = this->issuer_->Verify(other, *token);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    EXPECT_FALSE(this->issuer_->Consume(other, *token));
  }
  EXPECT_TRUE(this->issuer_->Consume("signing_link", *token));
}

// claim: C27
TYPED_TEST(Tokens, SingleUseTokensWorkOnce) {
  auto token = this->issuer_->Issue("magic_link", 10 * kMinute, TokenUse::kSingle, "acct-2");
  ASSERT_TRUE(token);
  EXPECT_TRUE(this->issuer_->Verify("magic_link", *token));  // looking does not use it up
  auto first = this->issuer_->Consume("magic_link", *token);
  ASSERT_TRUE(first) << first.error().internal;
  EXPECT_EQ(first->subject, "acct-2");
  EXPECT_EQ(first->used_at, kStart);
  auto second = this->issuer_->Consume("magic_link", *token);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(this->issuer_->Verify("magic_link", *token));
}

TYPED_TEST(Tokens, ReusableTokensVerifyRepeatedlyButCannotBeConsumed) {
  auto token = this->issuer_->Issue("session", 60 * kMinute, TokenUse::kReusable, "acct-3");
  ASSERT_TRUE(token);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(this->issuer_->Verify("session", *token));
  }
  EXPECT_FALSE(this->issuer_->Consume("session", *token));
  ASSERT_TRUE(this->issuer_->Revoke("session", *token));
  EXPECT_FALSE(this->issuer_->Verify("session", *token));
}

TYPED_TEST(Tokens, ConsumeInARolledBackTransactionLeavesTheTokenUnused) {
  auto token = this->issuer_->Issue("signing_link", kMinute, TokenUse::kSingle, "week-4");
  ASSERT_TRUE(token);
  {
    auto tx = this->db_->Begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE(this->issuer_->Consume(**tx, "signing_link", *token));
    // no Commit: the signature this link authorised did not happen
  }
  EXPECT_TRUE(this->issuer_->Consume("signing_link", *token));
}

TYPED_TEST(Tokens, RejectsMalformedAndUnknownTokensAndBadArguments) {
  for (const std::string& bad : {std::string(), std::string("short"), std::string(43, '!'),
                                 std::string(44, 'A'), std::string(43, 'A')}) {
    auto r = this->issuer_->Verify("magic_link", Secret<std::string>(bad));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  }
  EXPECT_FALSE(this->issuer_->Issue("Bad Purpose", kMinute, TokenUse::kSingle, "x"));
  EXPECT_FALSE(this->issuer_->Issue("", kMinute, TokenUse::kSingle, "x"));
  EXPECT_FALSE(this->issuer_->Issue("ok", 0, TokenUse::kSingle, "x"));
  EXPECT_FALSE(this->issuer_->Issue("ok", kMinute, TokenUse::kSingle, std::string(257, 'x')));
}

// Two threads present the same single-use token at the same moment, many times over:
// exactly one of them wins each round.
// claim: C27
TYPED_TEST(Tokens, ConcurrentConsumeSucceedsExactlyOnce) {
  constexpr int kRounds = 40;
  for (int round = 0; round < kRounds; ++round) {
    auto token = this->issuer_->Issue("magic_link", 10 * kMinute, TokenUse::kSingle, "acct");
    ASSERT_TRUE(token);
    std::latch start(2);
    std::atomic<int> wins{0};
    std::atomic<int> rejections{0};
    auto use = [&] {
      start.arrive_and_wait();
      auto r = this->issuer_->Consume("magic_link", *token);
      if (r) {
        ++wins;
      } else if (r.error().code == ErrorCode::kUnauthenticated) {
        ++rejections;
      } else {
        ADD_FAILURE() << r.error().internal;
      }
    };
    std::thread a(use);
    std::thread b(use);
    a.join();
    b.join();
    ASSERT_EQ(wins.load(), 1) << "round " << round;
    ASSERT_EQ(rejections.load(), 1) << "round " << round;
  }
}

using testing::DatabaseFiles;
using testing::ReadDatabaseFiles;

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// Scans the raw bytes of a file-backed SQLite database, while it is open (commits still
// in the -wal file) and after it is closed (checkpointed into the main file), for every
// form of every token issued into it: the base64url text, standard base64, the 32 raw
// bytes, and their hex in both cases. None may appear. The stored form,
// SHA-256(purpose || 0x00 || token), must appear each time, so the scan is shown to
// find what is there.
// claim: C27
TEST(TokensSqliteFile, C27DatabaseFilesHoldNoTokenInAnyFormOnlyItsHash) {
  testing::TempDir dir;
  const auto db_path = dir / "alcove.db";
  FakeClock clock{kStart};
  struct Issued {
    std::string purpose;
    Secret<std::string> token;
  };
  std::vector<Issued> issued;
  {
    auto db = store::OpenSqlite(db_path);
    ASSERT_TRUE(db) << db.error().internal;
    const auto all = Migrations();
    ASSERT_TRUE(store::ApplyMigrations(**db, all));
    TokenIssuer issuer(**db, clock);
    const std::vector<std::pair<std::string, TokenUse>> kinds = {
        {"magic_link", TokenUse::kSingle},   {"portal_invite", TokenUse::kSingle},
        {"session", TokenUse::kReusable},    {"questionnaire", TokenUse::kReusable},
        {"signing_link", TokenUse::kSingle}, {"magic_link", TokenUse::kSingle},
    };
    for (const auto& [purpose, use] : kinds) {
      auto token = issuer.Issue(purpose, 60 * kMinute, use, "acct-7", store::TenantId{3});
      ASSERT_TRUE(token) << token.error().internal;
      issued.push_back({purpose, std::move(*token)});
    }
    // A token issued inside a caller's transaction, committed with it.
    auto tx = (*db)->Begin();
    ASSERT_TRUE(tx);
    auto in_tx = issuer.Issue(**tx, "session", 60 * kMinute, TokenUse::kReusable, "acct-8");
    ASSERT_TRUE(in_tx);
    ASSERT_TRUE((*tx)->Commit());
    issued.push_back({"session", std::move(*in_tx)});

    const auto open_files = ReadDatabaseFiles(db_path);
    for (const auto& t : issued) {
      const auto hash = TokenHash(t.purpose, t.token);
      EXPECT_TRUE(open_files.Contains(hash)) << "the scan of the open database misses a hash";
      EXPECT_FALSE(open_files.Contains(t.token.reveal()));
      const auto raw = Base64UrlDecode(t.token.reveal());
      ASSERT_TRUE(raw);
      EXPECT_FALSE(open_files.Contains(*raw));
    }
  }  // closes the database: SQLite checkpoints the WAL into the main file

  const auto files = ReadDatabaseFiles(db_path);
  ASSERT_FALSE(files.names.empty());
  ASSERT_EQ(files.names.front(), "alcove.db");
  ASSERT_EQ(issued.size(), 7u);
  for (const auto& t : issued) {
    SCOPED_TRACE(t.purpose);
    const std::string& text = t.token.reveal();
    ASSERT_EQ(text.size(), kTokenLength);
    const auto raw = Base64UrlDecode(text);
    ASSERT_TRUE(raw);
    ASSERT_EQ(raw->size(), kTokenBytes);
    const std::string hex = HexEncode(*raw);
    const std::string hex_upper = Upper(hex);
    ASSERT_NE(hex, hex_upper);  // 64 hex digits of random bytes include a letter
    EXPECT_FALSE(files.Contains(text)) << "base64url token text in the database files";
    EXPECT_FALSE(files.Contains(Base64Encode(*raw))) << "base64 of the token";
    EXPECT_FALSE(files.Contains(*raw)) << "raw token bytes in the database files";
    EXPECT_FALSE(files.Contains(hex)) << "lower-case hex of the token";
    EXPECT_FALSE(files.Contains(hex_upper)) << "upper-case hex of the token";
    // Not even a 16-byte piece of any form (no partial or split copy).
    EXPECT_FALSE(files.Contains(std::string_view(text).substr(0, 16)));
    EXPECT_FALSE(files.Contains(std::span(*raw).first(16)));
    EXPECT_FALSE(files.Contains(std::string_view(hex).substr(0, 16)));

    const auto hash = TokenHash(t.purpose, t.token);
    EXPECT_EQ(hash, Sha256(t.purpose + '\0' + text));
    EXPECT_TRUE(files.Contains(hash)) << "the stored hash is not found: the scan is blind";
  }

  // The files scanned are the live database: the tokens still verify from them.
  auto db = store::OpenSqlite(db_path);
  ASSERT_TRUE(db) << db.error().internal;
  TokenIssuer issuer(**db, clock);
  for (const auto& t : issued) {
    EXPECT_TRUE(issuer.Verify(t.purpose, t.token)) << t.purpose;
  }
}

// ---- Token boxes (docs/crypto.md § Token boxes) ----

Secret<std::string> BoxToken() { return Secret<std::string>(RandomBase64Url(kTokenBytes)); }

TEST(TokenBox, OpensOnlyUnderItsTokenPurposeAndAad) {
  const auto token = BoxToken();
  const std::string plain = std::string("ada@example.org") + '\0' + "Ada" + '\0' + "$argon2id$x";
  auto box = SealTokenBox(token, "auth.signup.new", AsBytes("row-1"), AsBytes(plain));
  ASSERT_TRUE(box) << box.error().internal;
  EXPECT_EQ(box->size(), 1 + 12 + plain.size() + 16);
  EXPECT_EQ((*box)[0], kTokenBoxVersion);
  // The plaintext is nowhere in the box.
  const std::string bytes(box->begin(), box->end());
  EXPECT_EQ(bytes.find("ada@example.org"), std::string::npos);

  auto opened = OpenTokenBox(token, "auth.signup.new", AsBytes("row-1"), *box);
  ASSERT_TRUE(opened) << opened.error().internal;
  EXPECT_EQ(opened->reveal(), plain);

  auto refused = [&](const Result<Secret<std::string>>& r) {
    return !r && r.error().code == ErrorCode::kUnauthenticated;
  };
  EXPECT_TRUE(refused(OpenTokenBox(BoxToken(), "auth.signup.new", AsBytes("row-1"), *box)));
  EXPECT_TRUE(refused(OpenTokenBox(token, "auth.signin", AsBytes("row-1"), *box)));
  EXPECT_TRUE(refused(OpenTokenBox(token, "auth.signup.new", AsBytes("row-2"), *box)));
  for (std::size_t i = 0; i < box->size(); ++i) {
    auto damaged = *box;
    damaged[i] ^= 0x01;
    EXPECT_TRUE(refused(OpenTokenBox(token, "auth.signup.new", AsBytes("row-1"), damaged)))
        << "byte " << i;
  }
  EXPECT_TRUE(refused(OpenTokenBox(token, "auth.signup.new", AsBytes("row-1"),
                                   std::span<const std::uint8_t>(*box).first(28))));
}

TEST(TokenBox, EachSealUsesAFreshNonceAndBadInputIsRefused) {
  const auto token = BoxToken();
  auto a = SealTokenBox(token, "auth.signup.new", AsBytes("r"), AsBytes("same"));
  auto b = SealTokenBox(token, "auth.signup.new", AsBytes("r"), AsBytes("same"));
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(SealTokenBox(Secret<std::string>(std::string("short")), "auth.signup.new",
                         AsBytes("r"), AsBytes("x"))
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(SealTokenBox(token, "Bad Purpose", AsBytes("r"), AsBytes("x")).error().code,
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace alcove::crypto
