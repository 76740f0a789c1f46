// Schema once (issue #11): one text per table, rendered for each engine.
#include "store/schema.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <set>

#include "cli/database.hpp"

namespace alcove::store {
namespace {

TEST(SchemaOnce, PlaceholdersRenderPerEngine) {
  constexpr std::string_view kText =
      "CREATE TABLE t (a {int} NOT NULL, b {bytes}, CHECK ({bytelen}(b) = 32)){strict}"
      "{without_rowid}; INSERT INTO t VALUES (1, {empty_bytes}); SELECT '{other}'";
  EXPECT_EQ(RenderSchema(kText, Engine::kSqlite),
            "CREATE TABLE t (a INTEGER NOT NULL, b BLOB, CHECK (length(b) = 32)) STRICT"
            ", WITHOUT ROWID; INSERT INTO t VALUES (1, x''); SELECT '{other}'");
  EXPECT_EQ(RenderSchema(kText, Engine::kPostgres),
            "CREATE TABLE t (a BIGINT NOT NULL, b BYTEA, CHECK (octet_length(b) = 32)); "
            "INSERT INTO t VALUES (1, '\\x'::bytea); SELECT '{other}'");
}

TEST(SchemaOnce, TenantTablesGetRowLevelSecurityOnPostgresOnlyAndExtrasTheirEngine) {
  MigrationSet set;
  set.Add(9001, "t", "CREATE TABLE t (tenant_id {int} NOT NULL);", {"t"}, "-- sqlite only",
          "-- postgres only");
  const Migration& m = set.migrations().front();
  EXPECT_EQ(m.version, 9001);
  EXPECT_EQ(std::string(m.sqlite), "CREATE TABLE t (tenant_id INTEGER NOT NULL);\n-- sqlite only");
  EXPECT_NE(m.postgres.find("CREATE TABLE t (tenant_id BIGINT NOT NULL);\nALTER TABLE t ENABLE ROW "
                            "LEVEL SECURITY"),
            std::string_view::npos);
  EXPECT_NE(m.postgres.find("-- postgres only"), std::string_view::npos);
  EXPECT_EQ(m.sqlite.find("ROW LEVEL"), std::string_view::npos);
  EXPECT_EQ(m.postgres.find("sqlite only"), std::string_view::npos);
}

// No placeholder survives into any migration the server applies, on either engine.
TEST(SchemaOnce, EveryModuleMigrationIsFullyRendered) {
  std::set<std::int32_t> versions;
  for (const Migration& m : cli::AllMigrations()) {
    EXPECT_TRUE(versions.insert(m.version).second) << m.version;
    for (const std::string_view text : {m.sqlite, m.postgres}) {
      for (const std::string_view p :
           {"{int}", "{bytes}", "{bytelen}", "{strict}", "{without_rowid}", "{empty_bytes}"}) {
        EXPECT_EQ(text.find(p), std::string_view::npos) << m.version << " " << m.name << " " << p;
      }
    }
    EXPECT_EQ(m.postgres.find("STRICT"), std::string_view::npos) << m.name;
    EXPECT_EQ(m.postgres.find("BLOB"), std::string_view::npos) << m.name;
    EXPECT_EQ(m.sqlite.find("BYTEA"), std::string_view::npos) << m.name;
  }
}

}  // namespace
}  // namespace alcove::store

namespace alcove::store {
namespace {

// The views of a copy point into the copy (a static built from a temporary is safe).
TEST(SchemaOnce, ACopyOwnsItsTexts) {
  std::optional<MigrationSet> original;
  original.emplace();
  original->Add(1, "a", "CREATE TABLE a (x {int})").Add(2, "b", "CREATE TABLE b (y {bytes})");
  const MigrationSet copy = *original;
  original.reset();
  ASSERT_EQ(copy.migrations().size(), 2u);
  EXPECT_EQ(copy.migrations()[0].sqlite, "CREATE TABLE a (x INTEGER)");
  EXPECT_EQ(copy.migrations()[1].postgres, "CREATE TABLE b (y BYTEA)");
}

}  // namespace
}  // namespace alcove::store
