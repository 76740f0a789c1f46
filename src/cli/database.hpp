#pragma once

#include <memory>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::cli {

// Every module's migrations (cli/modules.hpp: Modules()), in one list: what `alcove
// init` and `alcove serve` apply.
std::vector<store::Migration> AllMigrations();

// Opens the configured database (SQLite in the data directory, or PostgreSQL), applies
// AllMigrations() — through database.migration_url (the owner role) when it is set,
// then opens database.url (the app role) — and checks the session role. The error's internal message says what
// is wrong and what to change.
Result<std::unique_ptr<store::Db>> OpenDatabase(const Config& config);

}  // namespace alcove::cli
