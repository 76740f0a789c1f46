#pragma once

// Shared set-up for the key ring, field cipher and rotation tests: a fresh SQLite
// database with the key ring's tables, and master keys in a private key file.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "cli/database.hpp"
#include "core/clock.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "store/migrations.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "support/temp_dir.hpp"

namespace alcove::crypto::testing {

// Every module's migrations, as the server applies them: a database made here and one
// made by `alcove init` have the same schema.
inline std::vector<store::Migration> KeyRingTestMigrations() { return cli::AllMigrations(); }

inline std::unique_ptr<store::Db> OpenTestDb(const std::filesystem::path& path) {
  auto db = store::OpenSqlite(path);
  EXPECT_TRUE(db) << (db ? "" : db.error().internal);
  if (!db) {
    return nullptr;
  }
  const auto migrations = KeyRingTestMigrations();
  auto st = store::ApplyMigrations(**db, migrations);
  EXPECT_TRUE(st) << (st ? "" : st.error().internal);
  return std::move(*db);
}

class KeyRingTestEnv {
 public:
  explicit KeyRingTestEnv(KeyRingOptions options = {}) : options_(options) {
    db_ = OpenTestDb(dir_ / "alcove.db");
    auto st = CreateMasterKeyFile(key_file());
    EXPECT_TRUE(st) << (st ? "" : st.error().internal);
    ring_ = NewRing();
  }

  // A second key ring on the same database and key file, with an empty cache (as a
  // restarted server or another process would have).
  std::unique_ptr<KeyRing> NewRing() {
    auto ring = KeyRing::OpenWithKeyFile(*db_, key_file(), clock_, options_);
    EXPECT_TRUE(ring) << (ring ? "" : ring.error().internal);
    return ring ? std::move(*ring) : nullptr;
  }

  std::filesystem::path key_file() const { return dir_ / "master.key"; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  store::Db& db() { return *db_; }
  KeyRing& ring() { return *ring_; }
  FakeClock& clock() { return clock_; }

 private:
  alcove::testing::TempDir dir_;
  KeyRingOptions options_;
  FakeClock clock_{1'800'000'000'000'000};
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<KeyRing> ring_;
};

}  // namespace alcove::crypto::testing
