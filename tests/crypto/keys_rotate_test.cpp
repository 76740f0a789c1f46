// Master-key rotation (C07): library steps and the real `alcove keys rotate`.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <string>
#include <vector>

#include "crypto/field_cipher.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/key_ring_test_env.hpp"
#include "crypto/master_key_file.hpp"
#include "support/process.hpp"

namespace alcove::crypto {
namespace {

using testing::KeyRingTestEnv;

struct Sealed {
  TenantId tenant;
  KeyId key;
  std::string row;
  std::vector<std::uint8_t> bytes;
};

Place At(TenantId tenant, const std::string& row) {
  return Place{tenant, "clients", "profile", row};
}

// Makes `n` DEKs across three tenants, each with one ciphertext.
std::vector<Sealed> Populate(KeyRing& ring, int n) {
  std::vector<Sealed> out;
  for (int i = 0; i < n; ++i) {
    const TenantId tenant = 1 + i % 3;
    auto key = ring.CreateDek(tenant, "client");
    EXPECT_TRUE(key);
    const std::string row = "row" + std::to_string(i);
    auto s = FieldCipher(ring, *key).Seal("secret " + std::to_string(i), At(tenant, row));
    EXPECT_TRUE(s);
    out.push_back({tenant, *key, row, s.value_or(std::vector<std::uint8_t>{})});
  }
  return out;
}

void ExpectAllOpen(KeyRing& ring, const std::vector<Sealed>& all) {
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& s = all[i];
    auto o = FieldCipher(ring, s.key).Open(s.bytes, At(s.tenant, s.row));
    ASSERT_TRUE(o) << i;
    EXPECT_EQ(o->reveal(), "secret " + std::to_string(i));
  }
}

std::vector<std::pair<std::uint32_t, std::int64_t>> Counts(store::Db& db) {
  auto c = CountDeksByMasterVersion(db);
  EXPECT_TRUE(c);
  return c.value_or(std::vector<std::pair<std::uint32_t, std::int64_t>>{});
}

std::vector<std::uint32_t> FileVersions(const std::filesystem::path& key_file) {
  auto v = CheckMasterKeyFile(key_file);
  EXPECT_TRUE(v) << (v ? "" : v.error().internal);
  return v.value_or(std::vector<std::uint32_t>{});
}

// claim: C07
TEST(KeysRotate, RewrapsEveryDekKeepsTheOldVersionMarkedReplacedAndOldCiphertextsStillOpen) {
  KeyRingTestEnv env;
  const auto sealed = Populate(env.ring(), 12);
  ASSERT_EQ(Counts(env.db()), (std::vector<std::pair<std::uint32_t, std::int64_t>>{{1, 12}}));

  auto report = RotateMasterKey(env.db(), env.key_file());
  ASSERT_TRUE(report) << report.error().internal;
  EXPECT_EQ(report->new_version, 2u);
  EXPECT_FALSE(report->resumed);
  EXPECT_EQ(report->rewrapped, 12);
  EXPECT_EQ(report->replaced, std::vector<std::uint32_t>{1});

  EXPECT_EQ(Counts(env.db()), (std::vector<std::pair<std::uint32_t, std::int64_t>>{{2, 12}}));
  // Version 1 stays (older backups need it) until `keys retire`, marked replaced.
  EXPECT_EQ(FileVersions(env.key_file()), (std::vector<std::uint32_t>{1, 2}));
  {
    auto keys = MasterKeys::Load(env.key_file());
    ASSERT_TRUE(keys);
    EXPECT_TRUE(keys->Replaced(1).has_value());
    EXPECT_FALSE(keys->Replaced(2).has_value());
    ASSERT_TRUE(keys->Created(2).has_value());
    EXPECT_LE(*keys->Created(2), *keys->Replaced(1));
  }
  struct stat st {};
  ASSERT_EQ(::stat(env.key_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // A process started after the rotation opens everything (every DEK is under version 2).
  auto fresh = env.NewRing();
  ExpectAllOpen(*fresh, sealed);
  // The process that was running during the rotation (it loaded version 1 only) meets
  // version 2 on a cache miss, re-reads the key file, and opens everything too.
  env.clock().Advance(301 * kMicrosPerSecond);
  env.ring().PurgeExpired();
  ExpectAllOpen(env.ring(), sealed);
  // ...and wraps its new DEKs under version 2, never the replaced one.
  auto created = env.ring().CreateDek(5, "client");
  ASSERT_TRUE(created) << created.error().internal;
  EXPECT_EQ(Counts(env.db()), (std::vector<std::pair<std::uint32_t, std::int64_t>>{{2, 13}}));

  // Rotating again moves to version 3.
  auto again = RotateMasterKey(env.db(), env.key_file());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->new_version, 3u);
  EXPECT_FALSE(again->resumed);
  EXPECT_EQ(again->replaced, std::vector<std::uint32_t>{2});
  EXPECT_EQ(FileVersions(env.key_file()), (std::vector<std::uint32_t>{1, 2, 3}));
  ExpectAllOpen(*env.NewRing(), sealed);
}

// claim: C07
TEST(KeysRotate, AnInterruptedRotationCompletesOnRerun) {
  KeyRingTestEnv env;
  const auto sealed = Populate(env.ring(), 7);
  // Simulate a rotation killed half-way: the new version is in the file and only
  // three DEKs are re-wrapped.
  auto added = AddMasterKeyVersion(env.key_file());
  ASSERT_TRUE(added);
  ASSERT_EQ(*added, 2u);
  auto keys = MasterKeys::Load(env.key_file());
  ASSERT_TRUE(keys);
  auto partial = RewrapDeks(env.db(), *keys, 2, 3);
  ASSERT_TRUE(partial);
  EXPECT_EQ(*partial, 3);
  EXPECT_EQ(Counts(env.db()),
            (std::vector<std::pair<std::uint32_t, std::int64_t>>{{1, 4}, {2, 3}}));
  // In this state everything still opens (both versions are in the file).
  ExpectAllOpen(*env.NewRing(), sealed);

  auto report = RotateMasterKey(env.db(), env.key_file());
  ASSERT_TRUE(report) << report.error().internal;
  EXPECT_TRUE(report->resumed);
  EXPECT_EQ(report->new_version, 2u);  // finishes the started rotation, adds nothing
  EXPECT_EQ(report->rewrapped, 4);
  EXPECT_EQ(report->replaced, std::vector<std::uint32_t>{1});
  EXPECT_EQ(Counts(env.db()), (std::vector<std::pair<std::uint32_t, std::int64_t>>{{2, 7}}));
  EXPECT_EQ(FileVersions(env.key_file()), (std::vector<std::uint32_t>{1, 2}));
  ExpectAllOpen(*env.NewRing(), sealed);
}

// claim: C07
TEST(KeysRotate, KeepsTheOldVersionWhenADekCannotBeRewrapped) {
  KeyRingTestEnv env;
  Populate(env.ring(), 2);
  // A DEK that the file's version 1 does not unwrap (e.g. a row restored from another
  // installation).
  auto foreign = MasterKeys::ParseEnvironmentValue(
      "alcove-master-keys v1\nkey 1 AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n");
  ASSERT_TRUE(foreign);
  auto other = KeyRing::OpenWithKeys(env.db(), std::move(*foreign), env.clock());
  ASSERT_TRUE(other->CreateDek(4, "client"));
  auto report = RotateMasterKey(env.db(), env.key_file());
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kFailedPrecondition);
  // Nothing was retired: version 1 still opens what it wrapped.
  EXPECT_EQ(FileVersions(env.key_file()), (std::vector<std::uint32_t>{1, 2}));
}

std::unique_ptr<KeyRing> RingOn(store::Db& db, const std::filesystem::path& dir,
                                const Clock& clock) {
  auto ring = KeyRing::OpenWithKeyFile(db, dir / "master.key", clock);
  EXPECT_TRUE(ring) << (ring ? "" : ring.error().internal);
  return ring ? std::move(*ring) : nullptr;
}

// claim: C07
TEST(KeysRotate, TheAlcoveBinaryRotatesAndFinishesAnInterruptedRotation) {
  alcove::testing::TempDir tmp;
  const auto dir = tmp / "data";
  const auto init = alcove::testing::RunAlcove({"init", "--data-dir", dir.string()});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  FakeClock clock(1'800'000'000'000'000);
  std::vector<Sealed> sealed;
  {
    auto db = testing::OpenTestDb(dir / "alcove.db");
    ASSERT_TRUE(db);
    auto ring = RingOn(*db, dir, clock);
    ASSERT_TRUE(ring);
    sealed = Populate(*ring, 6);
  }
  auto run = alcove::testing::RunAlcove({"keys", "rotate", "--data-dir", dir.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Rotated to master key version 2"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("re-wrapped 6"), std::string::npos) << run.out;
  EXPECT_EQ(FileVersions(dir / "master.key"), (std::vector<std::uint32_t>{1, 2}));
  {
    auto db = testing::OpenTestDb(dir / "alcove.db");
    EXPECT_EQ(Counts(*db), (std::vector<std::pair<std::uint32_t, std::int64_t>>{{2, 6}}));
    ExpectAllOpen(*RingOn(*db, dir, clock), sealed);
    // Interrupt the next rotation by hand: version 3 added, two DEKs re-wrapped.
    ASSERT_TRUE(AddMasterKeyVersion(dir / "master.key"));
    auto keys = MasterKeys::Load(dir / "master.key");
    ASSERT_TRUE(keys);
    ASSERT_TRUE(RewrapDeks(*db, *keys, 3, 2));
  }
  run = alcove::testing::RunAlcove({"keys", "rotate", "--data-dir", dir.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Finished the interrupted rotation to master key version 3"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(FileVersions(dir / "master.key"), (std::vector<std::uint32_t>{1, 2, 3}));
  {
    auto db = testing::OpenTestDb(dir / "alcove.db");
    EXPECT_EQ(Counts(*db), (std::vector<std::pair<std::uint32_t, std::int64_t>>{{3, 6}}));
    ExpectAllOpen(*RingOn(*db, dir, clock), sealed);
  }
  // Nothing secret is printed.
  EXPECT_EQ(run.out.find("key 3 "), std::string::npos);
}

TEST(KeysRotate, TheAlcoveBinaryRefusesAReadableKeyFileAndTheEnvironmentKey) {
  alcove::testing::TempDir tmp;
  const auto dir = tmp / "data";
  ASSERT_EQ(alcove::testing::RunAlcove({"init", "--data-dir", dir.string()}).exit_code, 0);
  ASSERT_EQ(::chmod((dir / "master.key").c_str(), 0640), 0);
  auto run = alcove::testing::RunAlcove({"keys", "rotate", "--data-dir", dir.string()});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("master key file"), std::string::npos) << run.err;
  ASSERT_EQ(::chmod((dir / "master.key").c_str(), 0600), 0);
  EXPECT_EQ(FileVersions(dir / "master.key"), std::vector<std::uint32_t>{1});

  run = alcove::testing::RunAlcove(
      {"keys", "rotate", "--data-dir", dir.string()},
      {{"ALCOVE_MASTER_KEY", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("ALCOVE_MASTER_KEY"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("AQEBAQEB"), std::string::npos);
  EXPECT_EQ(FileVersions(dir / "master.key"), std::vector<std::uint32_t>{1});
}

}  // namespace
}  // namespace alcove::crypto
