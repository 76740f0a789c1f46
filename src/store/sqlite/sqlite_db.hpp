#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string_view>

#include "core/error.hpp"
#include "store/db.hpp"

namespace alcove::store {

// The embedded driver (libsqlite3).
//
// One database file (`alcove.db` in the data directory), created with mode 0600 (the
// -wal and -shm files inherit it). Every connection runs with journal_mode=WAL,
// synchronous=FULL (a commit that returned survives a crash or power loss),
// foreign_keys=ON, secure_delete=ON (deleted content is overwritten with zeros),
// trusted_schema=OFF and a busy timeout. Tables are meant to be declared STRICT.
//
// SQL is the portable dialect of db.hpp: `$1, $2, ...` are bound by name, so the same
// text runs on PostgreSQL. One statement per Query/Execute call. Each connection keeps
// prepared statements in a cache keyed by SQL text (cleared when it grows past
// `statement_cache_size`).
//
// Thread-safety: one connection, and one transaction at a time. Begin* waits (up to
// `busy_timeout`) for the running transaction to finish, then starts with
// BEGIN IMMEDIATE, which also takes SQLite's write lock so another process (an
// operator command) waits its turn instead of failing half-way. SQLite allows a single
// writer anyway; serialising whole transactions in the process keeps writers from
// ever seeing SQLITE_BUSY in the middle of a transaction. A thread must not hold two
// transactions at once: the second Begin fails at once with kFailedPrecondition.
//
// Errors (besides those of db.hpp): after any failed statement the transaction is
// spoilt: later statements and Commit fail with kFailedPrecondition and it rolls back.
// Text parameters may not contain NUL characters (kInvalidArgument), as on PostgreSQL.
// Columns of type REAL are refused (kInternal): store integers, text or bytes.

inline constexpr std::string_view kSqliteFileName = "alcove.db";

struct SqliteOptions {
  std::chrono::milliseconds busy_timeout{5000};
  std::size_t statement_cache_size = 256;
};

// Opens the database at `path`, creating the file (0600) if it is missing. Fails with
// kFailedPrecondition when the file is not a usable SQLite database, kUnavailable when
// it is locked past the busy timeout. The Db must outlive its transactions.
Result<std::unique_ptr<Db>> OpenSqlite(const std::filesystem::path& path,
                                       const SqliteOptions& options = {});

}  // namespace alcove::store
