// The identity schema (versions 301-399).
#include "identity/identity.hpp"

namespace alcove::identity {
namespace {

// ---------------------------------------------------------------------------------------
// Schema. Not row-level-security tables (see identity.hpp): each is read before the
// caller's tenant is known. No client content: sealed fields, hashes, ids and times.

constexpr std::string_view kTenantsSqlite =
    "CREATE TABLE tenants ("
    " id INTEGER PRIMARY KEY CHECK (id > 0),"
    " created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE accounts ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
    " role TEXT NOT NULL CHECK (role IN ('therapist', 'supervisor', 'client')),"
    " email_hash BLOB NOT NULL UNIQUE CHECK (length(email_hash) = 32),"
    " email BLOB NOT NULL,"
    " name BLOB NOT NULL,"
    " key_id INTEGER NOT NULL,"
    " password_hash TEXT,"
    " pending_password_hash TEXT,"
    " email_verified_at INTEGER,"
    " created_at INTEGER NOT NULL,"
    " password_changed_at INTEGER"
    ") STRICT;"
    "CREATE INDEX accounts_by_tenant ON accounts (tenant_id)";

constexpr std::string_view kTenantsPostgres =
    "CREATE TABLE tenants ("
    " id BIGINT PRIMARY KEY CHECK (id > 0),"
    " created_at BIGINT NOT NULL"
    ");"
    "CREATE TABLE accounts ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id BIGINT NOT NULL REFERENCES tenants (id),"
    " role TEXT NOT NULL CHECK (role IN ('therapist', 'supervisor', 'client')),"
    " email_hash BYTEA NOT NULL UNIQUE CHECK (octet_length(email_hash) = 32),"
    " email BYTEA NOT NULL,"
    " name BYTEA NOT NULL,"
    " key_id BIGINT NOT NULL,"
    " password_hash TEXT,"
    " pending_password_hash TEXT,"
    " email_verified_at BIGINT,"
    " created_at BIGINT NOT NULL,"
    " password_changed_at BIGINT"
    ");"
    "CREATE INDEX accounts_by_tenant ON accounts (tenant_id)";

constexpr std::string_view kSessionsSqlite =
    "CREATE TABLE sessions ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
    " device_hash BLOB NOT NULL CHECK (length(device_hash) = 32),"
    " account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " tenant_id INTEGER NOT NULL,"
    " user_agent TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " last_seen_at INTEGER NOT NULL,"
    " idle_expires_at INTEGER NOT NULL,"
    " absolute_expires_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX sessions_by_account ON sessions (account_id);"
    "CREATE INDEX sessions_by_expiry ON sessions (idle_expires_at)";

constexpr std::string_view kSessionsPostgres =
    "CREATE TABLE sessions ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " token_hash BYTEA NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),"
    " device_hash BYTEA NOT NULL CHECK (octet_length(device_hash) = 32),"
    " account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " tenant_id BIGINT NOT NULL,"
    " user_agent TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " last_seen_at BIGINT NOT NULL,"
    " idle_expires_at BIGINT NOT NULL,"
    " absolute_expires_at BIGINT NOT NULL"
    ");"
    "CREATE INDEX sessions_by_account ON sessions (account_id);"
    "CREATE INDEX sessions_by_expiry ON sessions (idle_expires_at)";

constexpr store::Migration kMigrations[] = {
    {301, "identity_accounts", kTenantsSqlite, kTenantsPostgres},
    {302, "identity_sessions", kSessionsSqlite, kSessionsPostgres},
};

}  // namespace

std::span<const store::Migration> IdentityMigrations() { return kMigrations; }

}  // namespace alcove::identity
