#include "store/open_db.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "store/migrations.hpp"
#include "store/postgres/postgres_db.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace alcove::store {

Result<std::unique_ptr<Db>> OpenDb(const Config& config) {
  if (config.database.url.empty()) {
    return OpenSqlite(config.data_dir / kSqliteFileName);
  }
  PostgresOptions options;
  options.url = config.database.url;
  if (!config.database.password_env.empty()) {
    const char* pw = std::getenv(config.database.password_env.c_str());
    if (pw == nullptr || *pw == '\0') {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("database.password_env names {}, but that environment variable "
                              "is not set",
                              config.database.password_env),
                  "database configuration incomplete");
    }
    options.password = pw;
  }
  return OpenPostgres(options);
}

Status CheckSessionRole(Db& db) {
  if (db.engine() != Engine::kPostgres) {
    return {};
  }
  auto tx = db.Begin();
  if (!tx) {
    return std::unexpected(tx.error());
  }
  auto rows = (*tx)->Query(
      "SELECT current_user::text, rolsuper::int, rolbypassrls::int FROM pg_catalog.pg_roles "
      "WHERE rolname = current_user");
  if (!rows) {
    return std::unexpected(rows.error());
  }
  if (rows->empty()) {
    return Fail(ErrorCode::kInternal, "postgres: the session role is not in pg_roles");
  }
  const Row& r = rows->front();
  if (r.Int(1) != 0 || r.Int(2) != 0) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("refusing to serve as PostgreSQL role {}: it is {}, so row-level "
                            "security would not apply. Connect as a role created with "
                            "NOSUPERUSER NOBYPASSRLS (docs/storage.md)",
                            r.Text(0), r.Int(1) != 0 ? "a superuser" : "BYPASSRLS"),
                "database configuration refused");
  }
  return {};
}

Result<std::unique_ptr<Db>> OpenAndMigrate(const Config& config,
                                           std::span<const Migration> migrations) {
  auto db = OpenDb(config);
  if (!db) {
    return db;
  }
  if (auto st = ApplyMigrations(**db, migrations); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = CheckSessionRole(**db); !st) {
    return std::unexpected(st.error());
  }
  return db;
}

}  // namespace alcove::store
