#include "cli/database.hpp"

#include <fmt/format.h>

#include "store/open_db.hpp"

namespace alcove::cli {

std::vector<store::Migration> AllMigrations() {
  std::vector<store::Migration> all;
  for (const auto& list : {store::StoreMigrations()}) {
    all.insert(all.end(), list.begin(), list.end());
  }
  return all;
}

Result<std::unique_ptr<store::Db>> OpenDatabase(const Config& config) {
  const auto migrations = AllMigrations();
  auto db = store::OpenAndMigrate(config, migrations);
  if (!db) {
    const std::string which = config.database.url.empty()
                                  ? (config.data_dir / "alcove.db").string()
                                  : std::string("the PostgreSQL database of database.url");
    const bool needs_owner =
        !config.database.url.empty() && db.error().code == ErrorCode::kPermissionDenied;
    return Fail(db.error().code,
                fmt::format("the database is unusable ({}): {}{}", which, db.error().internal,
                            needs_owner ? ". Migrations run as the owner role: start once with "
                                          "database.url naming the owner, then with the app "
                                          "role (docs/storage.md)"
                                        : ""),
                db.error().public_message);
  }
  return db;
}

}  // namespace alcove::cli
