// The key ring: DEK life cycle, crypto-shredding, cache bounds, seal counting, master
// key sources.
#include "crypto/key_ring.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/encoding.hpp"
#include "crypto/field_cipher.hpp"
#include "crypto/key_ring_test_env.hpp"
#include "crypto/key_wrap.hpp"
#include "store/postgres/postgres_db.hpp"
#include "support/pg_test_env.hpp"

namespace alcove::crypto {
namespace {

using testing::KeyRingTestEnv;

constexpr TenantId kTenant = 11;

Place At(std::string_view row) { return Place{kTenant, "clients", "profile", row}; }

std::vector<store::Row> Query(store::Db& db, std::string_view sql,
                              std::span<const store::Value> params = {}) {
  auto tx = db.Begin();
  EXPECT_TRUE(tx);
  auto rows = (*tx)->Query(sql, params);
  EXPECT_TRUE(rows) << (rows ? "" : rows.error().internal);
  return rows.value_or(std::vector<store::Row>{});
}

TEST(KeyRing, StoresOnlyTheWrappedRowOfEachDek) {
  KeyRingTestEnv env;
  auto key = env.ring().CreateDek(kTenant, "client");
  ASSERT_TRUE(key);
  const store::Value p[] = {std::int64_t{*key}};
  auto rows = Query(env.db(),
                    "SELECT dek_id, tenant_id, purpose, family, generation, master_version, "
                    "wrapped, seal_count FROM data_keys WHERE key_id = $1",
                    p);
  ASSERT_EQ(rows.size(), 1u);
  const auto& r = rows[0];
  EXPECT_EQ(r.Text(0).size(), 32u);  // random 128-bit id, hex
  EXPECT_EQ(r.Int(1), kTenant);
  EXPECT_EQ(r.Text(2), "client");
  EXPECT_EQ(r.Int(3), std::int64_t{*key});
  EXPECT_EQ(r.Int(4), 1);
  EXPECT_EQ(r.Int(5), 1);
  EXPECT_EQ(r.Blob(6).size(), kWrappedDekSize);
  EXPECT_EQ(r.Blob(6)[0], 0x01);
  EXPECT_EQ(*WrappedDekMasterVersion(r.Blob(6)), 1u);
  EXPECT_EQ(r.Int(7), 0);
}

TEST(KeyRing, RefusesBadTenantsAndPurposes) {
  KeyRingTestEnv env;
  EXPECT_FALSE(env.ring().CreateDek(0, "client"));
  EXPECT_FALSE(env.ring().CreateDek(-1, "client"));
  EXPECT_FALSE(env.ring().CreateDek(kTenant, ""));
  EXPECT_FALSE(env.ring().CreateDek(kTenant, std::string("a\0b", 3)));
  EXPECT_FALSE(env.ring().CreateDek(kTenant, std::string(201, 'p')));
}

// claim: C06
TEST(KeyRing, DestroyingADekMakesEveryCiphertextUnderItPermanentlyUnreadable) {
  KeyRingTestEnv env;
  auto doomed = env.ring().CreateDek(kTenant, "client");
  auto kept = env.ring().CreateDek(kTenant, "client");
  ASSERT_TRUE(doomed && kept);
  const FieldCipher doomed_cipher(env.ring(), *doomed);
  const FieldCipher kept_cipher(env.ring(), *kept);
  std::vector<std::vector<std::uint8_t>> sealed;
  for (int i = 0; i < 5; ++i) {
    auto s = doomed_cipher.Seal("note " + std::to_string(i), At("r" + std::to_string(i)));
    ASSERT_TRUE(s);
    sealed.push_back(*s);
  }
  auto survivor = kept_cipher.Seal("kept", At("k"));
  ASSERT_TRUE(survivor);
  auto other_process = env.NewRing();
  ASSERT_TRUE(FieldCipher(*other_process, *doomed).Open(sealed[0], At("r0")));

  // Another tenant cannot destroy it, and learns nothing: it is "not found".
  auto wrong = env.ring().DestroyDek(kTenant + 1, *doomed);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(env.ring().DestroyDek(kTenant, *doomed));
  for (int i = 0; i < 5; ++i) {
    auto r = doomed_cipher.Open(sealed[static_cast<std::size_t>(i)], At("r" + std::to_string(i)));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().internal, "decryption failed");
  }
  // The row is gone: a process starting now has nothing to unwrap either.
  const store::Value p[] = {std::int64_t{*doomed}};
  EXPECT_TRUE(Query(env.db(), "SELECT 1 FROM data_keys WHERE key_id = $1", p).empty());
  auto fresh = env.NewRing();
  EXPECT_FALSE(FieldCipher(*fresh, *doomed).Open(sealed[0], At("r0")));
  // Another process's cache forgets it within the TTL.
  env.clock().Advance(301 * kMicrosPerSecond);
  other_process->PurgeExpired();
  EXPECT_FALSE(FieldCipher(*other_process, *doomed).Open(sealed[0], At("r0")));
  // Nothing can seal under it any more, and destroying it again finds nothing.
  EXPECT_FALSE(doomed_cipher.Seal("more", At("r9")));
  auto again = env.ring().DestroyDek(kTenant, *doomed);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  // Other DEKs are untouched.
  auto opened = kept_cipher.Open(*survivor, At("k"));
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->reveal(), "kept");
}

TEST(KeyRing, CacheIsBoundedInTimeAndCount) {
  KeyRingOptions options;
  options.cache_ttl = std::chrono::seconds(60);
  options.cache_capacity = 3;
  KeyRingTestEnv env(options);
  std::vector<KeyId> keys;
  for (int i = 0; i < 5; ++i) {
    auto k = env.ring().CreateDek(kTenant, "client");
    ASSERT_TRUE(k);
    keys.push_back(*k);
    EXPECT_LE(env.ring().cached_keys(), 3u);
  }
  EXPECT_EQ(env.ring().cached_keys(), 3u);
  // Evicted keys are unwrapped again on demand.
  auto sealed = FieldCipher(env.ring(), keys[0]).Seal("x", At("a"));
  ASSERT_TRUE(sealed);
  EXPECT_TRUE(FieldCipher(env.ring(), keys[0]).Open(*sealed, At("a")));
  env.clock().Advance(61 * kMicrosPerSecond);
  env.ring().PurgeExpired();
  EXPECT_EQ(env.ring().cached_keys(), 0u);
  EXPECT_TRUE(FieldCipher(env.ring(), keys[0]).Open(*sealed, At("a")));
  EXPECT_EQ(env.ring().cached_keys(), 1u);
}

TEST(KeyRing, CountsSealsPersistentlyAndMovesToANewGenerationAtTheLimit) {
  KeyRingOptions options;
  options.seal_limit = 10;
  options.seal_reservation = 4;
  KeyRingTestEnv env(options);
  auto key = env.ring().CreateDek(kTenant, "client");
  ASSERT_TRUE(key);
  std::vector<std::vector<std::uint8_t>> sealed;
  std::set<KeyId> used_ids;
  for (int i = 0; i < 30; ++i) {
    // Alternate between two processes, as two servers would.
    auto ring = i % 2 == 0 ? &env.ring() : nullptr;
    std::unique_ptr<KeyRing> other;
    if (ring == nullptr) {
      other = env.NewRing();
      ring = other.get();
    }
    auto s = FieldCipher(*ring, *key).Seal("n" + std::to_string(i), At("r"));
    ASSERT_TRUE(s) << i;
    used_ids.insert((KeyId{(*s)[1]} << 24) | (KeyId{(*s)[2]} << 16) | (KeyId{(*s)[3]} << 8) |
                    KeyId{(*s)[4]});
    sealed.push_back(*s);
  }
  const store::Value p[] = {std::int64_t{*key}};
  auto rows = Query(env.db(),
                    "SELECT generation, seal_count FROM data_keys WHERE family = $1 "
                    "ORDER BY generation",
                    p);
  ASSERT_GE(rows.size(), 3u);
  std::int64_t counted = 0;
  for (const auto& r : rows) {
    EXPECT_LE(r.Int(1), 10) << "generation " << r.Int(0);
    counted += r.Int(1);
  }
  EXPECT_GE(counted, 30);  // reservations count as used: never below the real number
  EXPECT_EQ(used_ids.size(), rows.size());
  // Every generation still opens what it sealed.
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    auto o = FieldCipher(env.ring(), *key).Open(sealed[i], At("r"));
    ASSERT_TRUE(o) << i;
    EXPECT_EQ(o->reveal(), "n" + std::to_string(i));
  }
  // Destroying the DEK destroys every generation.
  ASSERT_TRUE(env.ring().DestroyDek(kTenant, *key));
  EXPECT_TRUE(Query(env.db(), "SELECT 1 FROM data_keys WHERE family = $1", p).empty());
  for (const auto& s : sealed) {
    EXPECT_FALSE(FieldCipher(env.ring(), *key).Open(s, At("r")));
  }
}

TEST(KeyRing, KeyedHashIsStableAcrossProcessesAndSeparatedByPurpose) {
  KeyRingTestEnv env;
  const auto email = AsBytes("ada@example.org");
  auto a = env.ring().KeyedHash("email-lookup", email);
  ASSERT_TRUE(a);
  auto fresh = env.NewRing();
  auto b = fresh->KeyedHash("email-lookup", email);
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
  auto c = env.ring().KeyedHash("phone-lookup", email);
  ASSERT_TRUE(c);
  EXPECT_NE(*a, *c);
  auto d = env.ring().KeyedHash("email-lookup", AsBytes("bob@example.org"));
  ASSERT_TRUE(d);
  EXPECT_NE(*a, *d);
  EXPECT_FALSE(env.ring().KeyedHash("", email));
  // The root is a system key: no tenant cipher can use or destroy it.
  auto rows = Query(env.db(), "SELECT key_id FROM data_keys WHERE tenant_id = 0");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(env.ring().DestroyDek(kTenant, static_cast<KeyId>(rows[0].Int(0))));
}

TEST(MasterKeyFile, IsRefusedWhenGroupOrOtherReadable) {
  KeyRingTestEnv env;
  for (mode_t mode : {0640, 0604, 0660, 0644}) {
    ASSERT_EQ(::chmod(env.key_file().c_str(), mode), 0);
    auto keys = MasterKeys::Load(env.key_file());
    ASSERT_FALSE(keys) << std::oct << mode;
    EXPECT_EQ(keys.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_FALSE(CheckMasterKeyFile(env.key_file()));
    EXPECT_FALSE(KeyRing::OpenWithKeyFile(env.db(), env.key_file(), env.clock()));
  }
  ASSERT_EQ(::chmod(env.key_file().c_str(), 0600), 0);
  EXPECT_TRUE(MasterKeys::Load(env.key_file()));
  ASSERT_EQ(::chmod(env.key_file().c_str(), 0400), 0);
  EXPECT_TRUE(MasterKeys::Load(env.key_file()));
}

TEST(MasterKeys, EnvironmentValueIsTheFileFormatOrOneBase64Key) {
  const std::vector<std::uint8_t> raw(32, 0x5a);
  auto one = MasterKeys::ParseEnvironmentValue(Base64Encode(raw));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->versions(), std::vector<std::uint32_t>{1});
  const std::string text = "alcove-master-keys v1\nkey 3 " + Base64Encode(raw) + "\nkey 4 " +
                           Base64Encode(std::vector<std::uint8_t>(32, 1)) + "\n";
  auto two = MasterKeys::ParseEnvironmentValue(text);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->versions(), (std::vector<std::uint32_t>{3, 4}));
  EXPECT_EQ(two->newest(), 4u);
  EXPECT_FALSE(MasterKeys::ParseEnvironmentValue(""));
  EXPECT_FALSE(MasterKeys::ParseEnvironmentValue(Base64Encode(std::vector<std::uint8_t>(16, 1))));
  EXPECT_FALSE(MasterKeys::ParseEnvironmentValue("not base64 at all"));
  auto dup = MasterKeys::Parse(
      "alcove-master-keys v1\nkey 1 " + Base64Encode(raw) + "\nkey 1 " + Base64Encode(raw) + "\n",
      "test");
  EXPECT_FALSE(dup);
  // The error names the source, never the key.
  auto bad =
      MasterKeys::Parse("alcove-master-keys v1\nkey 1 " + Base64Encode(raw) + "xx\n", "test");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().internal.find(Base64Encode(raw)), std::string::npos);
}

TEST(KeyRing, OpenFromConfigPrefersTheEnvironment) {
  KeyRingTestEnv env;
  Config config;
  config.data_dir = env.dir();
  const std::string value = Base64Encode(std::vector<std::uint8_t>(32, 9));
  auto from_env =
      KeyRing::OpenFromConfig(env.db(), config, {{"ALCOVE_MASTER_KEY", value}}, env.clock());
  ASSERT_TRUE(from_env);
  auto key = (*from_env)->CreateDek(kTenant, "client");
  ASSERT_TRUE(key);
  // The file's key cannot unwrap a DEK wrapped under the environment's key.
  auto sealed = FieldCipher(**from_env, *key).Seal("x", At("a"));
  ASSERT_TRUE(sealed);
  auto from_file = KeyRing::OpenFromConfig(env.db(), config, {}, env.clock());
  ASSERT_TRUE(from_file);
  EXPECT_FALSE(FieldCipher(**from_file, *key).Open(*sealed, At("a")));
  EXPECT_FALSE(
      KeyRing::OpenFromConfig(env.db(), config, {{"ALCOVE_MASTER_KEY", "short"}}, env.clock()));
}

}  // namespace
}  // namespace alcove::crypto

namespace alcove::crypto {
namespace {

TEST(KeyRing, WorksWithTheCacheTurnedOff) {
  KeyRingOptions options;
  options.cache_capacity = 0;
  KeyRingTestEnv env(options);
  auto key = env.ring().CreateDek(kTenant, "client");
  ASSERT_TRUE(key);
  const FieldCipher cipher(env.ring(), *key);
  for (int i = 0; i < 3; ++i) {
    auto s = cipher.Seal("x", At("a"));
    ASSERT_TRUE(s);
    auto o = cipher.Open(*s, At("a"));
    ASSERT_TRUE(o);
    EXPECT_EQ(o->reveal(), "x");
  }
  EXPECT_EQ(env.ring().cached_keys(), 0u);
}

TEST(KeyRing, SealsFromManyThreadsAtOnce) {
  KeyRingOptions options;
  options.seal_limit = 50;
  options.seal_reservation = 8;
  KeyRingTestEnv env(options);
  auto key = env.ring().CreateDek(kTenant, "client");
  ASSERT_TRUE(key);
  std::vector<std::vector<std::vector<std::uint8_t>>> sealed(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < sealed.size(); ++t) {
    threads.emplace_back([&, t] {
      const FieldCipher cipher(env.ring(), *key);
      for (int i = 0; i < 40; ++i) {
        auto s = cipher.Seal("t" + std::to_string(t), At("r"));
        if (s) {
          sealed[t].push_back(*s);
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  const FieldCipher cipher(env.ring(), *key);
  for (std::size_t t = 0; t < sealed.size(); ++t) {
    ASSERT_EQ(sealed[t].size(), 40u);
    for (const auto& s : sealed[t]) {
      auto o = cipher.Open(s, At("r"));
      ASSERT_TRUE(o);
      EXPECT_EQ(o->reveal(), "t" + std::to_string(t));
    }
  }
  const store::Value p[] = {std::int64_t{*key}};
  std::int64_t counted = 0;
  for (const auto& r : Query(env.db(), "SELECT seal_count FROM data_keys WHERE family = $1", p)) {
    EXPECT_LE(r.Int(0), 50);
    counted += r.Int(0);
  }
  EXPECT_GE(counted, 160);
}

// Destroying other clients' keys (deletions, discarded sign-ups) while seals are being
// reserved must not starve the reservations: only a destruction of the family being
// sealed sends a reservation back to look again.
TEST(KeyRing, SealsGoOnWhileOtherKeysAreDestroyed) {
  KeyRingOptions options;
  options.seal_reservation = 1;  // every seal reserves in the database
  KeyRingTestEnv env(options);
  auto key = env.ring().CreateDek(kTenant, "client");
  ASSERT_TRUE(key);
  std::atomic<bool> sealing{true};
  std::atomic<int> destroyed{0};
  std::vector<std::thread> destroyers;
  for (int t = 0; t < 4; ++t) {
    destroyers.emplace_back([&] {
      while (sealing.load()) {
        auto other = env.ring().CreateDek(kTenant, "client");
        if (other && env.ring().DestroyDek(kTenant, *other)) {
          ++destroyed;
        }
      }
    });
  }
  std::vector<std::string> failures;
  const FieldCipher cipher(env.ring(), *key);
  for (int i = 0; i < 200; ++i) {
    auto s = cipher.Seal("x", At("r"));
    if (!s) {
      failures.push_back(s.error().internal);
    }
  }
  sealing = false;
  for (auto& t : destroyers) {
    t.join();
  }
  EXPECT_GT(destroyed.load(), 0);
  EXPECT_TRUE(failures.empty()) << failures.size() << " seals failed, e.g. " << failures.front();
}

// The same life cycle on PostgreSQL, as the app role (no superuser, row-level security
// in force): the key ring's SQL and the rotation's locking run on both engines.
TEST(KeyRing, LifeCycleAndRotationOnPostgresAsTheAppRole) {
  ALCOVE_REQUIRE_PG(urls);
  alcove::testing::PgTestSchema schema(urls);
  {
    store::PostgresOptions o;
    o.url = schema.OwnerUrl();
    auto owner = store::OpenPostgres(o);
    ASSERT_TRUE(owner) << owner.error().internal;
    const auto migrations = testing::KeyRingTestMigrations();
    auto st = store::ApplyMigrations(**owner, migrations);
    ASSERT_TRUE(st) << st.error().internal;
  }
  store::PostgresOptions o;
  o.url = schema.AppUrl();
  auto db = store::OpenPostgres(o);
  ASSERT_TRUE(db) << db.error().internal;
  alcove::testing::TempDir dir;
  ASSERT_TRUE(CreateMasterKeyFile(dir / "master.key"));
  FakeClock clock(1'800'000'000'000'000);
  KeyRingOptions options;
  options.seal_limit = 6;
  options.seal_reservation = 2;
  auto ring = KeyRing::OpenWithKeyFile(**db, dir / "master.key", clock, options);
  ASSERT_TRUE(ring) << ring.error().internal;
  auto key = (*ring)->CreateDek(kTenant, "client");
  ASSERT_TRUE(key) << key.error().internal;
  const FieldCipher cipher(**ring, *key);
  std::vector<std::vector<std::uint8_t>> sealed;
  for (int i = 0; i < 10; ++i) {
    auto s = cipher.Seal("pg " + std::to_string(i), At("r"));
    ASSERT_TRUE(s) << s.error().internal;
    sealed.push_back(*s);
  }
  auto hash = (*ring)->KeyedHash("email-lookup", AsBytes("ada@example.org"));
  ASSERT_TRUE(hash) << hash.error().internal;

  auto report = RotateMasterKey(**db, dir / "master.key");
  ASSERT_TRUE(report) << report.error().internal;
  EXPECT_EQ(report->new_version, 2u);
  // Version 1 stays, marked replaced, until `keys retire`.
  EXPECT_EQ(CheckMasterKeyFile(dir / "master.key").value_or(std::vector<std::uint32_t>{}),
            (std::vector<std::uint32_t>{1, 2}));
  auto fresh = KeyRing::OpenWithKeyFile(**db, dir / "master.key", clock, options);
  ASSERT_TRUE(fresh);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    auto opened = FieldCipher(**fresh, *key).Open(sealed[i], At("r"));
    ASSERT_TRUE(opened) << i;
    EXPECT_EQ(opened->reveal(), "pg " + std::to_string(i));
  }
  auto hash_after = (*fresh)->KeyedHash("email-lookup", AsBytes("ada@example.org"));
  ASSERT_TRUE(hash_after);
  EXPECT_EQ(*hash, *hash_after);
  // The ring that was running during the rotation creates new DEKs under version 2.
  ASSERT_TRUE((*ring)->CreateDek(kTenant, "client"));
  auto counts = CountDeksByMasterVersion(**db);
  ASSERT_TRUE(counts);
  ASSERT_EQ(counts->size(), 1u);
  EXPECT_EQ(counts->at(0).first, 2u);

  ASSERT_TRUE((*fresh)->DestroyDek(kTenant, *key));
  EXPECT_FALSE(FieldCipher(**fresh, *key).Open(sealed[0], At("r")));
  // The other process forgets it once its cache entry expires.
  clock.Advance(301 * kMicrosPerSecond);
  (*ring)->PurgeExpired();
  EXPECT_FALSE(FieldCipher(**ring, *key).Open(sealed[0], At("r")));
}

// claim: C06 — on PostgreSQL the app role cannot VACUUM, so the owner's migration makes
// autovacuum visit data_keys after any deletion (threshold 0, no scale factor) rather
// than after a fifth of the table has gone: a destroyed key's dead row does not wait for
// thousands of other deletions.
TEST(KeyRing, C06OnPostgresAutovacuumVisitsTheKeyTableAfterAnyDestruction) {
  ALCOVE_REQUIRE_PG(urls);
  alcove::testing::PgTestSchema schema(urls);
  store::PostgresOptions o;
  o.url = schema.OwnerUrl();
  auto owner = store::OpenPostgres(o);
  ASSERT_TRUE(owner) << owner.error().internal;
  const auto migrations = testing::KeyRingTestMigrations();
  ASSERT_TRUE(store::ApplyMigrations(**owner, migrations));
  auto tx = (*owner)->Begin();
  ASSERT_TRUE(tx);
  auto rows = (*tx)->Query(
      "SELECT coalesce(array_to_string(reloptions, ','), '') FROM pg_class "
      "WHERE oid = to_regclass('data_keys')");
  ASSERT_TRUE(rows) << rows.error().internal;
  ASSERT_EQ(rows->size(), 1u);
  const std::string options = rows->front().Text(0);
  EXPECT_NE(options.find("autovacuum_vacuum_threshold=0"), std::string::npos) << options;
  EXPECT_NE(options.find("autovacuum_vacuum_scale_factor=0"), std::string::npos) << options;
}

}  // namespace
}  // namespace alcove::crypto
