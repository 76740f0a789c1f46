// The identity schema (versions 301-399).
#include "identity/identity.hpp"
#include "store/schema.hpp"

namespace alcove::identity {
namespace {

// ---------------------------------------------------------------------------------------
// Schema. Not row-level-security tables (see identity.hpp): each is read before the
// caller's tenant is known. No client content: sealed fields, hashes, ids and times.

constexpr std::string_view kTenants =
    "CREATE TABLE tenants ("
    " id {int} PRIMARY KEY CHECK (id > 0),"
    " created_at {int} NOT NULL"
    "){strict};"
    "CREATE TABLE accounts ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL REFERENCES tenants (id),"
    " role TEXT NOT NULL CHECK (role IN ('therapist', 'supervisor', 'client')),"
    " email_hash {bytes} NOT NULL UNIQUE CHECK ({bytelen}(email_hash) = 32),"
    " email {bytes} NOT NULL,"
    " name {bytes} NOT NULL,"
    " key_id {int} NOT NULL,"
    " password_hash TEXT,"
    " pending_password_hash TEXT,"
    " email_verified_at {int},"
    " created_at {int} NOT NULL,"
    " password_changed_at {int}"
    "){strict};"
    "CREATE INDEX accounts_by_tenant ON accounts (tenant_id)";


constexpr std::string_view kSessions =
    "CREATE TABLE sessions ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " token_hash {bytes} NOT NULL UNIQUE CHECK ({bytelen}(token_hash) = 32),"
    " device_hash {bytes} NOT NULL CHECK ({bytelen}(device_hash) = 32),"
    " account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " tenant_id {int} NOT NULL,"
    " user_agent TEXT NOT NULL,"
    " created_at {int} NOT NULL,"
    " last_seen_at {int} NOT NULL,"
    " idle_expires_at {int} NOT NULL,"
    " absolute_expires_at {int} NOT NULL"
    "){strict};"
    "CREATE INDEX sessions_by_account ON sessions (account_id);"
    "CREATE INDEX sessions_by_expiry ON sessions (idle_expires_at)";


// A sign-up for an address without an account (magic_links.cpp): the address, name and
// password hash sealed in a token box that only the confirmation link opens. No tenant
// yet; the row goes when the link is used or expires.
constexpr std::string_view kPendingSignUps =
    "CREATE TABLE pending_signups ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " sealed {bytes} NOT NULL,"
    " created_at {int} NOT NULL,"
    " expires_at {int} NOT NULL"
    "){strict};"
    "CREATE INDEX pending_signups_by_expiry ON pending_signups (expires_at)";

}  // namespace

std::span<const store::Migration> IdentityMigrations() {
  static const store::MigrationSet set = store::MigrationSet()
                                             .Add(301, "identity_accounts", kTenants)
                                             .Add(302, "identity_sessions", kSessions)
                                             .Add(303, "identity_pending_signups",
                                                  kPendingSignUps);
  return set.migrations();
}

}  // namespace alcove::identity
