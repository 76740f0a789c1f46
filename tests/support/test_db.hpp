#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"

namespace alcove::testing {

enum class TestEngine { kSqlite, kPostgres };

// A test run on both engines (TEST_P over TestEngine). For the PostgreSQL run SetUp finds
// the cluster's URLs: without one it fails under CI and `make test` (PgRequired) and skips
// elsewhere. A fixture's own SetUp calls it first, then returns if IsSkipped() or
// HasFailure().
class EngineTest : public ::testing::TestWithParam<TestEngine> {
 protected:
  void SetUp() override {
    if (GetParam() == TestEngine::kPostgres) {
      urls_ = FindPgUrls();
      if (!urls_) {
        if (PgRequired()) {
          FAIL() << kPgMissing;
        }
        GTEST_SKIP() << kPgMissing;
      }
    }
  }
  // The PostgreSQL URLs, or null for the SQLite run.
  const PgUrls* pg_urls() const { return urls_ ? &*urls_ : nullptr; }

  std::optional<PgUrls> urls_;
};

// A migrated database for a test: SQLite in a fresh temporary directory, or PostgreSQL
// as the app role the server uses, in a schema of its own migrated by the owner role.
struct TestDb {
  std::unique_ptr<TempDir> dir;  // SQLite: holds alcove.db
  std::unique_ptr<PgTestSchema> schema;
  std::unique_ptr<store::Db> db;
  std::filesystem::path sqlite_path;
};

// For PostgreSQL, `urls` must be set (use ALCOVE_REQUIRE_PG first).
Result<TestDb> OpenTestDb(TestEngine engine, std::span<const store::Migration> migrations,
                          const PgUrls* urls = nullptr);

// The bytes of every file SQLite keeps for the database at `db_path` (the database, and
// its -wal, -shm or -journal file when present), with the names found.
struct DatabaseFiles {
  std::vector<std::string> names;
  std::vector<std::vector<std::uint8_t>> contents;

  bool Contains(std::span<const std::uint8_t> needle) const;
  bool Contains(std::string_view needle) const { return Contains(AsBytes(needle)); }
};
DatabaseFiles ReadDatabaseFiles(const std::filesystem::path& db_path);

}  // namespace alcove::testing
