// `alcove init` creates the database; `alcove serve` refuses to start on an unusable one.
#include "cli/database.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cli/commands.hpp"
#include "core/config.hpp"
#include "store/migrations.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "support/temp_dir.hpp"

namespace alcove::cli {
namespace {

using testing::TempDir;

TEST(InitDatabase, InitCreatesAlcoveDbWithEveryMigrationApplied) {
  TempDir parent;
  const auto dir = parent / "data";
  auto st = InitDataDir(dir);
  ASSERT_TRUE(st) << st.error().internal;
  ASSERT_TRUE(std::filesystem::exists(dir / "alcove.db"));
  auto db = store::OpenSqlite(dir / "alcove.db");
  ASSERT_TRUE(db);
  auto versions = store::AppliedMigrationVersions(**db);
  ASSERT_TRUE(versions);
  EXPECT_EQ(versions->size(), AllMigrations().size());
}

TEST(ServeDatabase, RefusesToStartOnAnUnusableDatabase) {
  TempDir parent;
  const auto dir = parent / "data";
  ASSERT_TRUE(InitDataDir(dir));
  {
    std::ofstream f(dir / "alcove.db", std::ios::trunc);
    f << std::string(8192, 'x');
  }
  auto config = LoadConfig(dir, {});
  ASSERT_TRUE(config) << config.error().internal;
  EXPECT_EQ(Serve(*config), 2);
}

// claim: C13
TEST(ServeDatabase, C13_RefusesToStartWithAnUnencryptedPostgresUrl) {
  TempDir parent;
  const auto dir = parent / "data";
  ASSERT_TRUE(InitDataDir(dir));
  auto config = LoadConfig(
      dir, {{"ALCOVE_DATABASE_URL", "postgresql://alcove@127.0.0.1:1/alcove?sslmode=disable"}});
  ASSERT_TRUE(config) << config.error().internal;
  EXPECT_EQ(Serve(*config), 2);
  auto db = OpenDatabase(*config);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().internal.find("sslmode=verify-full"), std::string::npos);
}

TEST(ServeDatabase, RefusesADatabaseMigratedByANewerBinary) {
  TempDir parent;
  const auto dir = parent / "data";
  ASSERT_TRUE(InitDataDir(dir));
  {
    auto db = store::OpenSqlite(dir / "alcove.db");
    ASSERT_TRUE(db);
    auto tx = (*db)->Begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE((*tx)->Execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99999, 'future', 0)"));
    ASSERT_TRUE((*tx)->Commit());
  }
  auto config = LoadConfig(dir, {});
  ASSERT_TRUE(config);
  auto db = OpenDatabase(*config);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().internal.find("99999"), std::string::npos) << db.error().internal;
  EXPECT_EQ(Serve(*config), 2);
}

}  // namespace
}  // namespace alcove::cli
