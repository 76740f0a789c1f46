// Master-key retirement (C06's backup window) and the dates in the key file that it
// uses: library steps (the binary is tested in tests/integration/backup_test.cpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/files.hpp"
#include "core/time_text.hpp"
#include "crypto/field_cipher.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/key_ring_test_env.hpp"
#include "crypto/master_key_file.hpp"
#include "support/temp_dir.hpp"

namespace alcove::crypto {
namespace {

using testing::KeyRingTestEnv;

constexpr char kKey[] = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

TEST(MasterKeyFileDates, AreReadWrittenBackAndOptional) {
  auto keys = MasterKeys::Parse(std::string("alcove-master-keys v1\n") + "key 1 " + kKey +
                                    " created=2026-11-01T00:00:00.000001Z "
                                    "replaced=2026-11-02T10:00:00.5Z\n" +
                                    "key 2 " + kKey + " created=2026-11-02T09:59:00Z\n" + "key 3 " +
                                    kKey + "\n",
                                "test");
  ASSERT_TRUE(keys) << keys.error().internal;
  EXPECT_EQ(keys->Created(1), ParseUtcTime("2026-11-01T00:00:00.000001Z"));
  EXPECT_EQ(keys->Replaced(1), ParseUtcTime("2026-11-02T10:00:00.500000Z"));
  EXPECT_EQ(keys->Created(2), ParseUtcTime("2026-11-02T09:59:00Z"));
  EXPECT_FALSE(keys->Replaced(2));
  EXPECT_FALSE(keys->Created(3));  // a file from before dates were written
  std::string text = keys->Serialize();
  auto again = MasterKeys::Parse(text, "again");
  SecureZero(text.data(), text.size());
  ASSERT_TRUE(again) << again.error().internal;
  for (std::uint32_t v : {1u, 2u, 3u}) {
    EXPECT_EQ(again->Created(v), keys->Created(v)) << v;
    EXPECT_EQ(again->Replaced(v), keys->Replaced(v)) << v;
  }
}

TEST(MasterKeyFileDates, MalformedAttributesAreRefusedWithoutEchoingTheKey) {
  for (const std::string tail :
       {" created=yesterday", " created=2026-11-01 created=2026-11-02", " retired=2026-11-01",
        " created", " created=2026-11-01T00:00:00+01:00", "  created=2026-11-01"}) {
    auto keys =
        MasterKeys::Parse(std::string("alcove-master-keys v1\nkey 1 ") + kKey + tail + "\n", "t");
    ASSERT_FALSE(keys) << tail;
    EXPECT_EQ(keys.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(keys.error().internal.find("AQEBAQEB"), std::string::npos);
  }
}

TEST(MasterKeyFileDates, NewFilesAndVersionsRecordWhenTheyWereCreated) {
  KeyRingTestEnv env;
  auto keys = MasterKeys::Load(env.key_file());
  ASSERT_TRUE(keys);
  ASSERT_TRUE(keys->Created(1));
  ASSERT_TRUE(AddMasterKeyVersion(env.key_file()));
  keys = MasterKeys::Load(env.key_file());
  ASSERT_TRUE(keys);
  ASSERT_TRUE(keys->Created(2));
  EXPECT_GE(*keys->Created(2), *keys->Created(1));
}

Result<RetirementPlan> RetireNowPlus(store::Db& db, const std::filesystem::path& key_file,
                                     Micros delta, bool apply) {
  return RetireMasterKeys(db, key_file, SystemClock::Instance().Now() + delta, apply);
}

// claim: C06
TEST(KeysRetire, C06RemovesOnlyVersionsReplacedBeforeTheDateAndNeverTheCurrentOne) {
  KeyRingTestEnv env;
  auto dek = env.ring().CreateDek(1, "client");
  ASSERT_TRUE(dek);
  auto sealed = FieldCipher(env.ring(), *dek).Seal("kept", Place{1, "clients", "profile", "r"});
  ASSERT_TRUE(sealed);
  ASSERT_TRUE(RotateMasterKey(env.db(), env.key_file()));  // 1 replaced, 2 current
  auto keys = MasterKeys::Load(env.key_file());
  ASSERT_TRUE(keys && keys->Replaced(1));
  const Micros replaced1 = *keys->Replaced(1);

  // A date before version 1 was replaced: backups from then on still need it.
  auto plan = RetireMasterKeys(env.db(), env.key_file(), replaced1, /*apply=*/true);
  ASSERT_TRUE(plan) << plan.error().internal;
  EXPECT_TRUE(plan->retire.empty());
  EXPECT_EQ(plan->kept, std::vector<std::uint32_t>{1});
  EXPECT_FALSE(plan->applied);
  EXPECT_EQ(CheckMasterKeyFile(env.key_file()).value(), (std::vector<std::uint32_t>{1, 2}));

  // A dry run after it changes nothing but says what would go.
  plan = RetireNowPlus(env.db(), env.key_file(), kMicrosPerSecond, /*apply=*/false);
  ASSERT_TRUE(plan) << plan.error().internal;
  EXPECT_EQ(plan->retire, std::vector<std::uint32_t>{1});
  EXPECT_EQ(plan->unreadable_before, replaced1);
  EXPECT_EQ(plan->current, 2u);
  EXPECT_FALSE(plan->applied);
  EXPECT_EQ(CheckMasterKeyFile(env.key_file()).value(), (std::vector<std::uint32_t>{1, 2}));

  plan = RetireNowPlus(env.db(), env.key_file(), kMicrosPerSecond, /*apply=*/true);
  ASSERT_TRUE(plan) << plan.error().internal;
  EXPECT_TRUE(plan->applied);
  EXPECT_EQ(CheckMasterKeyFile(env.key_file()).value(), std::vector<std::uint32_t>{2});
  // Live data is untouched: every DEK was re-wrapped under version 2.
  auto o = FieldCipher(*env.NewRing(), *dek).Open(*sealed, Place{1, "clients", "profile", "r"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->reveal(), "kept");
  EXPECT_EQ(CheckKeyFileOpensEveryDek(env.db(), env.key_file()).value_or(-1), 1);

  // Version 2 is now the only one, created before the date: never retired.
  plan = RetireNowPlus(env.db(), env.key_file(), 3600 * kMicrosPerSecond, /*apply=*/true);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(plan.error().internal.find("version 2 is the version in use"), std::string::npos);
  EXPECT_EQ(CheckMasterKeyFile(env.key_file()).value(), std::vector<std::uint32_t>{2});
}

TEST(KeysRetire, RefusesAVersionThatStillWrapsADataKey) {
  KeyRingTestEnv env;
  ASSERT_TRUE(env.ring().CreateDek(1, "client"));
  // The key file says version 1 was replaced, but this database (think: restored from a
  // backup older than the rotation) still has a data key under it.
  auto keys = MasterKeys::Load(env.key_file());
  ASSERT_TRUE(keys);
  ASSERT_TRUE(keys->AddRandom(2, SystemClock::Instance().Now()));
  keys->MarkReplaced(1, SystemClock::Instance().Now());
  ASSERT_TRUE(WriteMasterKeyFile(env.key_file(), *keys));
  auto plan = RetireNowPlus(env.db(), env.key_file(), kMicrosPerSecond, /*apply=*/true);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().internal.find("still wraps 1 data key"), std::string::npos)
      << plan.error().internal;
  EXPECT_EQ(CheckMasterKeyFile(env.key_file()).value(), (std::vector<std::uint32_t>{1, 2}));
  // `keys rotate` re-wraps it (version 2 is not marked replaced, so this adds version 3).
  ASSERT_TRUE(RotateMasterKey(env.db(), env.key_file()));
  plan = RetireNowPlus(env.db(), env.key_file(), kMicrosPerSecond, /*apply=*/true);
  ASSERT_TRUE(plan) << plan.error().internal;
  EXPECT_EQ(plan->retire, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(CheckMasterKeyFile(env.key_file()).value(), std::vector<std::uint32_t>{3});
}

TEST(KeyFileCheck, NamesAMissingVersionAndAForeignKey) {
  KeyRingTestEnv env;
  ASSERT_TRUE(env.ring().CreateDek(1, "client"));
  EXPECT_EQ(CheckKeyFileOpensEveryDek(env.db(), env.key_file()).value_or(-1), 1);
  alcove::testing::TempDir tmp;
  const auto foreign = tmp / "foreign.key";
  ASSERT_TRUE(
      WriteNewFile(foreign, std::string("alcove-master-keys v1\nkey 1 ") + kKey + "\n", 0600));
  auto r = CheckKeyFileOpensEveryDek(env.db(), foreign);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().internal.find("does not unwrap under master-key version 1"),
            std::string::npos)
      << r.error().internal;
  const auto other = tmp / "other.key";
  ASSERT_TRUE(
      WriteNewFile(other, std::string("alcove-master-keys v1\nkey 7 ") + kKey + "\n", 0600));
  r = CheckKeyFileOpensEveryDek(env.db(), other);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().internal.find("master-key version 1, which the key file"), std::string::npos)
      << r.error().internal;
  EXPECT_EQ(r.error().internal.find("AQEBAQEB"), std::string::npos);
}

}  // namespace
}  // namespace alcove::crypto
