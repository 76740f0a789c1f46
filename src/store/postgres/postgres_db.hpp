#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "store/db.hpp"

namespace alcove::store {

// The PostgreSQL driver (libpq), for operators serving many therapists.
//
// Encryption is not optional (claim C13): the URL must say sslmode=require, verify-ca
// or verify-full (verify-full is the one to use across a network), and after connecting
// the driver checks that the session really is encrypted (PQsslInUse) — a Unix-socket
// host, where libpq ignores sslmode, is refused too. Anything else fails with
// kFailedPrecondition and a message that says what to set.
//
// Connections come from a pool (at most `max_connections`, opened on demand, one opened
// at start-up so configuration errors surface then). A connection whose session broke
// is dropped and replaced.
//
// Types: parameters are sent typed (integers as int8, bytes as bytea, text untyped so
// the server infers it from the column). Result columns of type int2/int4/int8/oid/bool
// read as integers, text/varchar/char/name as text, bytea as bytes; any other column
// type is an error (cast it in SQL).
//
// Tenants: BeginTenant runs `SELECT set_config('app.tenant_id', <id>, true)` (SET LOCAL)
// first, so the row-level security policies of tenant_tables.hpp confine every
// statement to that tenant; Begin leaves it unset, which those policies read as "no
// tenant" and which therefore sees no tenant rows at all.
//
// Errors (besides those of db.hpp): after any failed statement the transaction is
// spoilt: later statements and Commit fail with kFailedPrecondition and it rolls back.
// A statement refused by a row-level security policy is kPermissionDenied. Messages
// carry the SQLSTATE, constraint and table names, never parameter values.
// Thread-safety: Begin* from any thread; the Db must outlive its transactions.

struct PostgresOptions {
  std::string url;                      // postgresql://user@host:port/db?sslmode=verify-full
  std::optional<std::string> password;  // overrides any password in the URL
  std::size_t max_connections = 8;
  std::chrono::milliseconds acquire_timeout{10000};  // waiting for a free connection
  std::chrono::seconds connect_timeout{10};
};

// Checks the URL alone: it parses, and its sslmode requires encryption. The error names
// what to add (claim C13).
Status CheckPostgresUrl(std::string_view url);

// The URL's sslmode as libpq reads it ("" when it names none); kInvalidArgument when the
// URL does not parse. For `alcove doctor`, which warns on `require` (no verification).
Result<std::string> PostgresSslMode(std::string_view url);

// Opens a pool and one first connection. kFailedPrecondition for a refused URL or an
// unencrypted session, kUnavailable when the server cannot be reached or refuses the
// credentials.
Result<std::unique_ptr<Db>> OpenPostgres(const PostgresOptions& options);

}  // namespace alcove::store
