#include "store/migrations.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <vector>

namespace alcove::store {
namespace {

// Any constant: the key of the advisory lock that serialises migrators on PostgreSQL.
constexpr std::int64_t kMigrationLockKey = 0x616c636f7665;  // "alcove"

constexpr std::string_view kCreateSchemaTableSqlite =
    "CREATE TABLE schema_migrations (\n"
    "  version INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL,\n"
    "  applied_at INTEGER NOT NULL\n"
    ") STRICT";
constexpr std::string_view kCreateSchemaTablePostgres =
    "CREATE TABLE schema_migrations (\n"
    "  version BIGINT PRIMARY KEY,\n"
    "  name TEXT NOT NULL,\n"
    "  applied_at BIGINT NOT NULL\n"
    ")";

// Version 1: the app role may use the schema and reach every table the owner creates
// from now on (and schema_migrations, created just before). Nothing to do on SQLite.
constexpr std::string_view kAppRolePrivilegesPostgres =
    "DO $$ BEGIN\n"
    "  EXECUTE format('GRANT USAGE ON SCHEMA %I TO alcove_app', current_schema());\n"
    "END $$;\n"
    "ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO alcove_app;\n"
    "ALTER DEFAULT PRIVILEGES GRANT USAGE, SELECT ON SEQUENCES TO alcove_app;\n"
    "GRANT SELECT ON schema_migrations TO alcove_app;\n";

constexpr Migration kStoreMigrations[] = {
    {1, "app_role_privileges", "", kAppRolePrivilegesPostgres},
};

Status Lock(Transaction& tx, Engine engine) {
  if (engine != Engine::kPostgres) {
    return {};  // SQLite transactions start with BEGIN IMMEDIATE: already exclusive
  }
  const Value key[] = {kMigrationLockKey};
  if (auto r = tx.Query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1)) AS l", key); !r) {
    return std::unexpected(r.error());
  }
  return {};
}

Result<bool> SchemaTableExists(Transaction& tx, Engine engine) {
  const std::string_view sql =
      engine == Engine::kSqlite
          ? "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
            "name = 'schema_migrations'"
          : "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
            "AND tablename = 'schema_migrations'";
  auto rows = tx.Query(sql);
  if (!rows) {
    return std::unexpected(rows.error());
  }
  return rows->at(0).Int(0) > 0;
}

Result<std::vector<std::int32_t>> ReadVersions(Transaction& tx) {
  auto rows = tx.Query("SELECT version FROM schema_migrations ORDER BY version");
  if (!rows) {
    return std::unexpected(rows.error());
  }
  std::vector<std::int32_t> out;
  for (const Row& r : *rows) {
    out.push_back(static_cast<std::int32_t>(r.Int(0)));
  }
  return out;
}

std::unexpected<Error> Prefix(const Error& e, std::string_view what) {
  return std::unexpected(Error{e.code, fmt::format("{}: {}", what, e.internal), e.public_message});
}

}  // namespace

std::span<const Migration> StoreMigrations() { return kStoreMigrations; }

Result<std::vector<std::int32_t>> AppliedMigrationVersions(Db& db) {
  auto tx = db.Begin();
  if (!tx) {
    return std::unexpected(tx.error());
  }
  auto exists = SchemaTableExists(**tx, db.engine());
  if (!exists) {
    return std::unexpected(exists.error());
  }
  if (!*exists) {
    return std::vector<std::int32_t>{};
  }
  return ReadVersions(**tx);
}

Status ApplyMigrations(Db& db, std::span<const Migration> migrations) {
  return ApplyMigrations(db, migrations, SystemClock::Instance());
}

Status ApplyMigrations(Db& db, std::span<const Migration> migrations, const Clock& clock) {
  std::vector<Migration> sorted(migrations.begin(), migrations.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].version <= 0 || sorted[i].name.empty() ||
        (i > 0 && sorted[i].version == sorted[i - 1].version)) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("migration list is malformed at version {} (versions must be "
                              "positive and unique, names non-empty)",
                              sorted[i].version));
    }
  }
  const Engine engine = db.engine();

  // The record table, then the check for versions from a newer binary.
  {
    auto tx = db.Begin();
    if (!tx) {
      return Prefix(tx.error(), "migrations");
    }
    if (auto st = Lock(**tx, engine); !st) {
      return Prefix(st.error(), "migrations");
    }
    auto exists = SchemaTableExists(**tx, engine);
    if (!exists) {
      return Prefix(exists.error(), "migrations");
    }
    if (!*exists) {
      const std::string_view ddl =
          engine == Engine::kSqlite ? kCreateSchemaTableSqlite : kCreateSchemaTablePostgres;
      if (auto st = (*tx)->ExecuteScript(ddl); !st) {
        return Prefix(st.error(), "migrations: creating schema_migrations");
      }
    }
    auto applied = ReadVersions(**tx);
    if (!applied) {
      return Prefix(applied.error(), "migrations");
    }
    for (const std::int32_t v : *applied) {
      const bool known = std::any_of(sorted.begin(), sorted.end(),
                                     [v](const Migration& m) { return m.version == v; });
      if (!known) {
        return Fail(ErrorCode::kFailedPrecondition,
                    fmt::format("the database has schema version {}, which this alcove binary "
                                "does not know: a newer alcove has migrated it. Run that newer "
                                "version, or restore the backup taken before the upgrade",
                                v),
                    "database schema is newer than this program");
      }
    }
    if (auto st = (*tx)->Commit(); !st) {
      return Prefix(st.error(), "migrations");
    }
  }

  for (const Migration& m : sorted) {
    const std::string what = fmt::format("migration {} ({})", m.version, m.name);
    auto tx = db.Begin();
    if (!tx) {
      return Prefix(tx.error(), what);
    }
    if (auto st = Lock(**tx, engine); !st) {
      return Prefix(st.error(), what);
    }
    const Value version[] = {std::int64_t{m.version}};
    auto done = (*tx)->Query("SELECT count(*) FROM schema_migrations WHERE version = $1", version);
    if (!done) {
      return Prefix(done.error(), what);
    }
    if (done->at(0).Int(0) > 0) {
      continue;  // applied before (or by a server that started at the same time)
    }
    const std::string_view script = engine == Engine::kSqlite ? m.sqlite : m.postgres;
    if (!script.empty()) {
      if (auto st = (*tx)->ExecuteScript(script); !st) {
        return Prefix(st.error(), what);
      }
    }
    const Value record[] = {std::int64_t{m.version}, std::string(m.name), clock.Now()};
    if (auto n = (*tx)->Execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            record);
        !n) {
      return Prefix(n.error(), what);
    }
    if (auto st = (*tx)->Commit(); !st) {
      return Prefix(st.error(), what);
    }
  }
  return {};
}

}  // namespace alcove::store
