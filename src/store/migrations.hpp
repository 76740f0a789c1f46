#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "store/db.hpp"

namespace alcove::store {

// A numbered schema change. Each module owns its DDL and exposes its list (e.g.
// crypto::KeyRingMigrations()); the server applies the union at start-up.
// Version ranges: store 1–99, crypto key ring 100–149, crypto tokens 150–199,
// audit 200–299, identity 300–399, practice 400–499.
//
// `sqlite` and `postgres` are `;`-separated scripts for each engine; they are usually
// the same text except for types (SQLite: INTEGER/TEXT/BLOB and STRICT tables;
// PostgreSQL: BIGINT/TEXT/BYTEA) and, on PostgreSQL, the row-level security of tenant
// tables (tenant_tables.hpp). An empty script means "nothing to do on this engine";
// the version is still recorded. Migrations are never edited once released: a change
// is a new version.
struct Migration {
  std::int32_t version;
  std::string_view name;
  std::string_view sqlite;
  std::string_view postgres;
};

// The table that records applied versions: schema_migrations(version, name, applied_at
// in microseconds UTC). Created by ApplyMigrations when missing.
inline constexpr std::string_view kSchemaTable = "schema_migrations";

// Applies the migrations of `migrations` (any order; versions must be positive and
// unique) that the database has not recorded, in ascending order, each in its own
// transaction together with its schema_migrations row. On PostgreSQL an advisory lock
// serialises servers starting at the same time.
// Errors: kFailedPrecondition when the database records a version this list does not
// hold (it was migrated by a newer binary: the message says so) or the list is
// malformed; a failing migration's error, prefixed with its version and name — that
// migration is rolled back and no later one runs.
// On PostgreSQL, migrations run as the owner role (see tenant_tables.hpp).
Status ApplyMigrations(Db& db, std::span<const Migration> migrations, const Clock& clock);
Status ApplyMigrations(Db& db, std::span<const Migration> migrations);

// The versions recorded in schema_migrations, ascending (empty if the table is missing).
Result<std::vector<std::int32_t>> AppliedMigrationVersions(Db& db);

// Store's own migrations (versions 1–99).
std::span<const Migration> StoreMigrations();

}  // namespace alcove::store
