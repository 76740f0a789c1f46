// PostgreSQL-only: the app role has no UPDATE, DELETE or TRUNCATE privilege on the audit
// tables (C41); the refusals are privilege errors, before any trigger runs.
#include <gtest/gtest.h>

#include "audit_test_util.hpp"

namespace alcove::audit {
namespace {

// claim: C41
TEST(AuditPostgresC41, TheAppRoleHasNoUpdateDeleteOrTruncatePrivilegeOnTheAuditTables) {
  ALCOVE_REQUIRE_PG(urls);
  auto db = testing::OpenPgTestDb(urls);
  ASSERT_TRUE(db);
  {
    auto tx = db->app->BeginTenant(1);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(Log(store::Engine::kPostgres).Append(**tx, testing::MakeEvent(1, 1)));
    ASSERT_TRUE((*tx)->Commit());
  }
  auto tx = db->app->Begin();
  ASSERT_TRUE(tx);
  auto rows = (*tx)->Query(
      "SELECT t::text, p::text, CASE WHEN has_table_privilege(current_user, t, p) THEN 1 ELSE 0 "
      "END::bigint FROM "
      "unnest(ARRAY['audit_events', 'audit_nodes', 'audit_head']) AS t, "
      "unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p ORDER BY t, p");
  ASSERT_TRUE(rows) << rows.error().internal;
  ASSERT_EQ(rows->size(), 15u);
  for (const auto& row : *rows) {
    const std::string& table = row.Text(0);
    const std::string& privilege = row.Text(1);
    const bool granted = row.Int(2) == 1;
    const bool expected = privilege == "SELECT" ||
                          (privilege == "INSERT" && table != "audit_head") ||
                          (privilege == "UPDATE" && table == "audit_head");
    EXPECT_EQ(granted, expected) << table << " " << privilege;
  }
  tx->reset();
  for (const char* sql :
       {"UPDATE audit_events SET at = 0", "DELETE FROM audit_events", "TRUNCATE audit_events",
        "UPDATE audit_nodes SET idx = idx", "DELETE FROM audit_nodes", "TRUNCATE audit_nodes",
        "DELETE FROM audit_head", "TRUNCATE audit_head"}) {
    auto t = db->app->Begin();
    ASSERT_TRUE(t);
    auto r = (*t)->Execute(sql);
    ASSERT_FALSE(r) << sql;
    EXPECT_NE(r.error().internal.find("permission denied"), std::string::npos)
        << sql << ": " << r.error().internal;
  }
}

}  // namespace
}  // namespace alcove::audit
