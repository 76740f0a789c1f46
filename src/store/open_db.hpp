#pragma once

#include <memory>
#include <span>

#include "core/config.hpp"
#include "core/error.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::store {

// The database the configuration names: SQLite in `config.data_dir`/alcove.db when
// database.url is empty, PostgreSQL otherwise (the password, if any, from the
// environment variable named by database.password_env; an empty or missing variable
// is an error). Errors say what to fix: kFailedPrecondition for a refused or unusable
// configuration (e.g. an unencrypted PostgreSQL URL, claim C13), kUnavailable when the
// server cannot be reached.
Result<std::unique_ptr<Db>> OpenDb(const Config& config);

// OpenDb, then ApplyMigrations with `migrations` (the union of every module's list),
// then, on PostgreSQL, refuses a session role that is a superuser or may bypass
// row-level security (the server must run as the app role of tenant_tables.hpp).
// What `alcove init` and `alcove serve` call at start-up.
Result<std::unique_ptr<Db>> OpenAndMigrate(const Config& config,
                                           std::span<const Migration> migrations);

// On PostgreSQL: kFailedPrecondition if the session's role is SUPERUSER or BYPASSRLS
// (row-level security would not apply). On SQLite: nothing to check.
Status CheckSessionRole(Db& db);

}  // namespace alcove::store
