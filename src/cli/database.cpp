#include "cli/database.hpp"

#include <fmt/format.h>

#include "cli/modules.hpp"
#include "store/open_db.hpp"

namespace alcove::cli {

std::vector<store::Migration> AllMigrations() {
  std::vector<store::Migration> all;
  for (const Module& m : Modules()) {
    const auto list = m.migrations();
    all.insert(all.end(), list.begin(), list.end());
  }
  return all;
}

namespace {

// Applies pending migrations through the owner role of database.migration_url.
Status MigrateAsOwner(const Config& config, std::span<const store::Migration> migrations) {
  Config owner = config;
  owner.database.url = config.database.migration_url;
  owner.database.password_env = config.database.migration_password_env;
  auto db = store::OpenDb(owner);
  if (!db) {
    return Fail(db.error().code, fmt::format("database.migration_url: {}", db.error().internal),
                db.error().public_message);
  }
  if (auto st = store::ApplyMigrations(**db, migrations); !st) {
    return Fail(st.error().code,
                fmt::format("migrating through database.migration_url: {}", st.error().internal),
                st.error().public_message);
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<store::Db>> OpenDatabase(const Config& config) {
  const auto migrations = AllMigrations();
  if (!config.database.migration_url.empty()) {
    if (auto st = MigrateAsOwner(config, migrations); !st) {
      return std::unexpected(st.error());
    }
  }
  auto db = store::OpenAndMigrate(config, migrations);
  if (!db) {
    const std::string which = config.database.url.empty()
                                  ? (config.data_dir / "alcove.db").string()
                                  : std::string("the PostgreSQL database of database.url");
    // An app role cannot change the schema; depending on grants PostgreSQL says so as
    // "permission denied" or "no schema has been selected", so the hint is unconditional.
    const bool needs_owner =
        !config.database.url.empty() && config.database.migration_url.empty();
    return Fail(db.error().code,
                fmt::format("the database is unusable ({}): {}{}", which, db.error().internal,
                            needs_owner ? ". If database.url names the app role, migrations need the "
                                          "owner: set database.migration_url to the owner's "
                                          "URL (docs/storage.md)"
                                        : ""),
                db.error().public_message);
  }
  return db;
}

}  // namespace alcove::cli
