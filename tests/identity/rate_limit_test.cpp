// GCRA rate limits: the mechanism behind claim C30's 429 + Retry-After.
#include "identity/rate_limit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "store/migrations.hpp"
#include "store/postgres/postgres_db.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"

namespace alcove::identity {
namespace {

constexpr Micros kSecond = kMicrosPerSecond;
constexpr Micros kStart = 1'795'426'200LL * kSecond;
// 6 per minute: one every 10 s, 3 at once.
const RateLimit kLimit{6, 60 * kSecond, 3};

std::map<std::string, RateLimit, std::less<>> Classes() {
  return {{"sign_in", kLimit}, {"magic_link", kLimit}};
}

bool Allowed(RateLimiter& l, std::string_view key, std::string_view cls = "sign_in") {
  auto d = l.Check(cls, key);
  EXPECT_TRUE(d) << d.error().internal;
  return d && d->allowed;
}

std::int64_t RetryAfter(RateLimiter& l, std::string_view key) {
  auto d = l.Check("sign_in", key);
  EXPECT_TRUE(d);
  EXPECT_FALSE(d->allowed);
  return d ? d->retry_after_seconds : -1;
}

// claim: C30
TEST(RateLimitC30, BurstIsAllowedThenDeniedWithRetryAfter) {
  FakeClock clock(kStart);
  InMemoryRateLimitStore store;
  RateLimiter limiter(store, clock, Classes());
  EXPECT_TRUE(Allowed(limiter, "ip:203.0.113.7"));
  EXPECT_TRUE(Allowed(limiter, "ip:203.0.113.7"));
  EXPECT_TRUE(Allowed(limiter, "ip:203.0.113.7"));
  EXPECT_EQ(RetryAfter(limiter, "ip:203.0.113.7"), 10);
  clock.Advance(4 * kSecond);
  EXPECT_EQ(RetryAfter(limiter, "ip:203.0.113.7"), 6);
  clock.Advance(kSecond / 2);  // 5.5 s to wait: rounded up
  EXPECT_EQ(RetryAfter(limiter, "ip:203.0.113.7"), 6);
  clock.Advance(5 * kSecond + kSecond / 2 - 1);  // 1 µs to wait: still 1 s
  EXPECT_EQ(RetryAfter(limiter, "ip:203.0.113.7"), 1);
  clock.Advance(1);
  EXPECT_TRUE(Allowed(limiter, "ip:203.0.113.7"));
  EXPECT_EQ(RetryAfter(limiter, "ip:203.0.113.7"), 10);
}

// claim: C30
TEST(RateLimitC30, DeniedChecksDoNotPushTheWaitFurther) {
  FakeClock clock(kStart);
  InMemoryRateLimitStore store;
  RateLimiter limiter(store, clock, Classes());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Allowed(limiter, "k"));
  }
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(RetryAfter(limiter, "k"), 10);
  }
  clock.Advance(10 * kSecond);
  EXPECT_TRUE(Allowed(limiter, "k"));
}

// claim: C30
TEST(RateLimitC30, RecoversOneEventPerEmissionIntervalAndTheFullBurstWhenIdle) {
  FakeClock clock(kStart);
  InMemoryRateLimitStore store;
  RateLimiter limiter(store, clock, Classes());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Allowed(limiter, "k"));
  }
  ASSERT_FALSE(Allowed(limiter, "k"));
  clock.Advance(10 * kSecond);
  EXPECT_TRUE(Allowed(limiter, "k"));
  EXPECT_FALSE(Allowed(limiter, "k"));
  clock.Advance(30 * kSecond);  // idle for burst * T: the whole burst again
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Allowed(limiter, "k")) << i;
  }
  EXPECT_FALSE(Allowed(limiter, "k"));
}

// claim: C30
TEST(RateLimitC30, KeysAndRouteClassesAreIndependent) {
  FakeClock clock(kStart);
  InMemoryRateLimitStore store;
  RateLimiter limiter(store, clock, Classes());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Allowed(limiter, "ip:a"));
  }
  EXPECT_FALSE(Allowed(limiter, "ip:a"));
  EXPECT_TRUE(Allowed(limiter, "ip:b"));
  EXPECT_TRUE(Allowed(limiter, "ip:a", "magic_link"));
}

TEST(RateLimit, UnknownClassesEmptyKeysAndZeroLimitsAreRefused) {
  FakeClock clock(kStart);
  InMemoryRateLimitStore store;
  RateLimiter limiter(store, clock, {{"zero", RateLimit{0, kSecond, 1}}});
  auto unknown = limiter.Check("sign_in", "k");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(limiter.Check("zero", "k"));
  RateLimiter defaults(store, clock);
  EXPECT_FALSE(defaults.Check("sign_in", ""));
  for (const char* cls :
       {"sign_in", "magic_link", "consume", "password", "portal_invite", "public_link", "ai"}) {
    EXPECT_TRUE(defaults.Check(cls, "ip:198.51.100.1")) << cls;
  }
}

TEST(RateLimit, RetryAfterRoundsUpToWholeSecondsAtLeastOne) {
  EXPECT_EQ(RetryAfterSeconds(0), 1);
  EXPECT_EQ(RetryAfterSeconds(1), 1);
  EXPECT_EQ(RetryAfterSeconds(kSecond), 1);
  EXPECT_EQ(RetryAfterSeconds(kSecond + 1), 2);
  EXPECT_EQ(RetryAfterSeconds(3600 * kSecond), 3600);
}

// claim: C30
TEST(RateLimitC30, MemoryStaysBoundedAndAFloodDoesNotResetALimitedKey) {
  InMemoryRateLimitStore store(160);  // 10 keys per shard
  Micros now = kStart;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store.Check("victim", kLimit, now)->allowed);
  }
  ASSERT_FALSE(store.Check("victim", kLimit, now)->allowed);
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_TRUE(store.Check("flood:" + std::to_string(i), kLimit, now)->allowed);
    EXPECT_LE(store.size(), 160u);
  }
  // The flood's keys each hold one event (TAT now + T); the victim's TAT is later, so
  // it is never the one forgotten.
  EXPECT_FALSE(store.Check("victim", kLimit, now)->allowed);
  // Idle keys are forgotten first, and Sweep forgets them all.
  now += 10 * kSecond;
  auto swept = store.Sweep(now);
  ASSERT_TRUE(swept);
  EXPECT_GT(*swept, 0);
  EXPECT_EQ(store.size(), 1u);  // only the victim (TAT now + 20 s) is left
}

// ---------------------------------------------------------------------------------------
// The database store: same decisions as memory, on both engines.

struct OpenedDb {
  std::unique_ptr<testing::TempDir> dir;
  std::unique_ptr<testing::PgTestSchema> schema;
  std::unique_ptr<store::Db> db;
};

std::vector<store::Migration> Migrations() {
  std::vector<store::Migration> all;
  for (const auto& list : {store::StoreMigrations(), RateLimitMigrations()}) {
    all.insert(all.end(), list.begin(), list.end());
  }
  return all;
}

OpenedDb OpenSqliteDb() {
  OpenedDb o;
  o.dir = std::make_unique<testing::TempDir>();
  auto db = store::OpenSqlite(*o.dir / "alcove.db");
  EXPECT_TRUE(db) << db.error().internal;
  const auto all = Migrations();
  auto st = store::ApplyMigrations(**db, all);
  EXPECT_TRUE(st) << st.error().internal;
  o.db = std::move(*db);
  return o;
}

// Migrates as the owner, then serves as the app role (as the server does).
OpenedDb OpenPostgresDb(const testing::PgUrls& urls) {
  OpenedDb o;
  o.schema = std::make_unique<testing::PgTestSchema>(urls);
  store::PostgresOptions owner_options;
  owner_options.url = o.schema->OwnerUrl();
  auto owner = store::OpenPostgres(owner_options);
  EXPECT_TRUE(owner) << owner.error().internal;
  const auto all = Migrations();
  auto st = store::ApplyMigrations(**owner, all);
  EXPECT_TRUE(st) << st.error().internal;
  store::PostgresOptions app_options;
  app_options.url = o.schema->AppUrl();
  app_options.max_connections = 8;
  auto app = store::OpenPostgres(app_options);
  EXPECT_TRUE(app) << app.error().internal;
  o.db = std::move(*app);
  return o;
}

// A scripted sequence over three keys, two limits and times that move by 0-3 s.
void ExpectSameDecisionsAsMemory(RateLimitStore& db_store) {
  InMemoryRateLimitStore memory;
  const RateLimit other{2, 60 * kSecond, 5};
  std::mt19937 rng(20261123);
  Micros now = kStart;
  int allowed = 0;
  int denied = 0;
  for (int i = 0; i < 300; ++i) {
    now += static_cast<Micros>(rng() % 3000) * 1000;
    const std::string key = "acct:" + std::to_string(rng() % 3);
    const RateLimit& limit = rng() % 2 == 0 ? kLimit : other;
    const std::string full = (&limit == &kLimit ? "a:" : "b:") + key;
    auto want = memory.Check(full, limit, now);
    auto got = db_store.Check(full, limit, now);
    ASSERT_TRUE(want);
    ASSERT_TRUE(got) << got.error().internal;
    ASSERT_EQ(got->allowed, want->allowed) << "step " << i;
    ASSERT_EQ(got->retry_after_seconds, want->retry_after_seconds) << "step " << i;
    (want->allowed ? allowed : denied)++;
  }
  // The script exercises both outcomes.
  EXPECT_GT(allowed, 50);
  EXPECT_GT(denied, 50);
  auto swept = db_store.Sweep(now + 3600 * kSecond);
  ASSERT_TRUE(swept) << swept.error().internal;
  EXPECT_EQ(*swept, 6);
}

// Several threads hammer one key at one instant: never more than the burst.
void ExpectConcurrentChecksAllowOnlyTheBurst(RateLimitStore& store, int threads, int each) {
  const RateLimit limit{1, 3600 * kSecond, 7};
  std::atomic<int> allowed{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < each; ++i) {
        auto d = store.Check("ip:192.0.2.1", limit, kStart);
        if (!d) {
          ++errors;
        } else if (d->allowed) {
          ++allowed;
        }
      }
    });
  }
  for (auto& th : pool) {
    th.join();
  }
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(allowed.load(), 7);
}

// claim: C30
TEST(RateLimitC30, ConcurrentChecksInMemoryNeverExceedTheBurst) {
  InMemoryRateLimitStore store;
  ExpectConcurrentChecksAllowOnlyTheBurst(store, 8, 200);
}

// claim: C30
TEST(DbRateLimitC30, SqliteDecidesLikeMemory) {
  auto o = OpenSqliteDb();
  ASSERT_TRUE(o.db);
  DbRateLimitStore store(*o.db);
  ExpectSameDecisionsAsMemory(store);
}

// claim: C30
TEST(DbRateLimitC30, SqliteConcurrentChecksNeverExceedTheBurst) {
  auto o = OpenSqliteDb();
  ASSERT_TRUE(o.db);
  DbRateLimitStore store(*o.db);
  ExpectConcurrentChecksAllowOnlyTheBurst(store, 4, 25);
}

// claim: C30
TEST(DbRateLimitC30, PostgresDecidesLikeMemory) {
  ALCOVE_REQUIRE_PG(urls);
  auto o = OpenPostgresDb(urls);
  ASSERT_TRUE(o.db);
  DbRateLimitStore store(*o.db);
  ExpectSameDecisionsAsMemory(store);
}

// claim: C30
TEST(DbRateLimitC30, PostgresConcurrentChecksNeverExceedTheBurst) {
  ALCOVE_REQUIRE_PG(urls);
  auto o = OpenPostgresDb(urls);
  ASSERT_TRUE(o.db);
  DbRateLimitStore store(*o.db);
  ExpectConcurrentChecksAllowOnlyTheBurst(store, 6, 25);
}

// A refund gives back exactly the event an allowed check took (C32: only failed password
// attempts count): the same decisions as if that check had never happened, and nothing
// for a key that is gone or idle.
void ExpectRefundGivesBackOneEvent(RateLimitStore& store) {
  const RateLimit limit{6, 60 * kSecond, 3};  // one every 10 s, 3 at once
  const std::string key = "password:acct:refund";
  for (int i = 0; i < 3; ++i) {
    auto d = store.Check(key, limit, kStart);
    ASSERT_TRUE(d) << d.error().internal;
    ASSERT_TRUE(d->allowed);
  }
  auto denied = store.Check(key, limit, kStart);
  ASSERT_TRUE(denied);
  EXPECT_FALSE(denied->allowed);
  // Two successes given back: two more attempts at once, then denied again.
  ASSERT_TRUE(store.Refund(key, limit, kStart));
  ASSERT_TRUE(store.Refund(key, limit, kStart));
  for (int i = 0; i < 2; ++i) {
    auto d = store.Check(key, limit, kStart);
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->allowed) << "attempt " << i << " after the refunds";
  }
  auto again = store.Check(key, limit, kStart);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->allowed);
  EXPECT_EQ(again->retry_after_seconds, 10);
  // Refunds never make a key better than fresh: after many, still exactly the burst.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store.Refund(key, limit, kStart));
  }
  int allowed = 0;
  for (int i = 0; i < 6; ++i) {
    auto d = store.Check(key, limit, kStart);
    ASSERT_TRUE(d);
    allowed += d->allowed ? 1 : 0;
  }
  EXPECT_EQ(allowed, 3);
  // A key never seen: nothing to give back, nothing created.
  ASSERT_TRUE(store.Refund("password:acct:never", limit, kStart));
  auto swept = store.Sweep(kStart);
  ASSERT_TRUE(swept);
  EXPECT_EQ(*swept, 0);
}

// claim: C32
TEST(RateLimitC32, RefundGivesBackOneEventInMemory) {
  InMemoryRateLimitStore store;
  ExpectRefundGivesBackOneEvent(store);
}

// claim: C32
TEST(DbRateLimitC32, RefundGivesBackOneEventInSqlite) {
  auto o = OpenSqliteDb();
  ASSERT_TRUE(o.db);
  DbRateLimitStore store(*o.db);
  ExpectRefundGivesBackOneEvent(store);
}

// claim: C32
TEST(DbRateLimitC32, RefundGivesBackOneEventInPostgres) {
  ALCOVE_REQUIRE_PG(urls);
  auto o = OpenPostgresDb(urls);
  ASSERT_TRUE(o.db);
  DbRateLimitStore store(*o.db);
  ExpectRefundGivesBackOneEvent(store);
}

TEST(RateLimit, RefundOfAnUnknownClassIsRefused) {
  FakeClock clock(kStart);
  InMemoryRateLimitStore store;
  RateLimiter limiter(store, clock, Classes());
  EXPECT_FALSE(limiter.Refund("nope", "ip:192.0.2.1"));
  EXPECT_FALSE(limiter.Refund("sign_in", ""));
  EXPECT_TRUE(Allowed(limiter, "ip:192.0.2.1"));
  EXPECT_TRUE(limiter.Refund("sign_in", "ip:192.0.2.1"));
}

TEST(DbRateLimit, MigrationsAreInTheIdentityRange) {
  for (const auto& m : RateLimitMigrations()) {
    EXPECT_GE(m.version, 300);
    EXPECT_LE(m.version, 399);
  }
  EXPECT_FALSE(RateLimitMigrations().empty());
}

}  // namespace
}  // namespace alcove::identity
