#pragma once

#include <string>
#include <string_view>

namespace alcove::store {

// PostgreSQL roles and row-level security: the second wall behind the application's own
// tenant scoping (claim C20).
//
// Roles (the operator creates them once; docs/storage.md has the SQL):
//   - an owner role that owns the schema and runs migrations;
//   - the app role `alcove_app` (LOGIN NOSUPERUSER NOBYPASSRLS) the server uses: it
//     may read and write rows but cannot alter tables or policies.
// Store migration 1 grants the app role USAGE on the schema and sets default
// privileges, so every table and sequence the owner creates later is readable and
// writable by the app role.
//
// How a module declares a tenant table (a table holding one therapist's data):
//   1. give it a column `tenant_id BIGINT NOT NULL` (INTEGER NOT NULL on SQLite);
//   2. in the postgres script of the migration that creates it, append
//      TenantTablePolicySql("table_name"), e.g.
//        constexpr std::string_view kNotesPg = "CREATE TABLE notes (...);";
//        // at start-up: std::string(kNotesPg) + TenantTablePolicySql("notes")
//      (Migration holds string_views: keep the concatenated string in a static).
//   3. read and write it only in transactions from Db::BeginTenant(tenant), with the
//      tenant filter in the SQL as well. On PostgreSQL a transaction from Db::Begin()
//      sees none of its rows and can insert none, so lookups that must run before the
//      tenant is known (sign-in) belong in tables that are not tenant tables.

inline constexpr std::string_view kPostgresAppRole = "alcove_app";

// The PostgreSQL statements (`;`-terminated, for a migration's postgres script) that
// turn `table` into a tenant table: ENABLE and FORCE ROW LEVEL SECURITY (FORCE applies
// the policy to the owner as well), the policy
//   USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint)
//   WITH CHECK (the same)
// and SELECT/INSERT/UPDATE/DELETE for the app role. `table` must be a plain lowercase
// identifier ([a-z_][a-z0-9_]*, at most 63 characters); anything else is a programmer
// error and throws std::logic_error.
std::string TenantTablePolicySql(std::string_view table);

}  // namespace alcove::store
