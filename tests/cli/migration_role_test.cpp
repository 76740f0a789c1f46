// Start-up on PostgreSQL with two roles: migrations through the owner's URL, serving
// through the app role's.
#include <gtest/gtest.h>

#include "cli/database.hpp"
#include "store/migrations.hpp"
#include "store/open_db.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"

namespace alcove::cli {
namespace {

Config PgConfig(const std::filesystem::path& dir, std::string url, std::string migration_url) {
  Config c;
  c.data_dir = dir;
  c.database.url = std::move(url);
  c.database.migration_url = std::move(migration_url);
  return c;
}

TEST(MigrationRole, AppRoleAloneCannotMigrateAndTheErrorSaysWhatToSet) {
  ALCOVE_REQUIRE_PG(urls);
  testing::PgTestSchema schema(urls);
  testing::TempDir dir;
  auto db = OpenDatabase(PgConfig(dir.path(), schema.AppUrl(), ""));
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().internal.find("database.migration_url"), std::string::npos)
      << db.error().internal;
}

TEST(MigrationRole, MigratesAsOwnerThenServesAsTheAppRole) {
  ALCOVE_REQUIRE_PG(urls);
  testing::PgTestSchema schema(urls);
  testing::TempDir dir;
  auto db = OpenDatabase(PgConfig(dir.path(), schema.AppUrl(), schema.OwnerUrl()));
  ASSERT_TRUE(db) << db.error().internal;
  auto versions = store::AppliedMigrationVersions(**db);
  ASSERT_TRUE(versions) << versions.error().internal;
  EXPECT_EQ(versions->size(), AllMigrations().size());
  // The connection that serves is the app role: it may not change the schema.
  auto tx = (*db)->Begin();
  ASSERT_TRUE(tx);
  EXPECT_FALSE((*tx)->ExecuteScript("CREATE TABLE not_allowed (x bigint)"));
  // A second start finds nothing to migrate and still opens.
  auto again = OpenDatabase(PgConfig(dir.path(), schema.AppUrl(), schema.OwnerUrl()));
  EXPECT_TRUE(again) << again.error().internal;
}

}  // namespace
}  // namespace alcove::cli
