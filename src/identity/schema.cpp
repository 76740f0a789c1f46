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

// Sign-in codes (signin_codes.cpp, C26): the one-time code mailed beside a link, for the
// browser that asked. `binding` is that browser's login binding (internal::LoginBinding),
// `code_hash` SHA-256 of the code keyed by that browser's login cookie (never stored),
// `token_hash` the stored hash of the link's token (tokens table), so that using either
// ends the other. `sealed`: for a pending sign-up, its fields in a box only the code (with
// the cookie) opens, and `resend_sealed` the same under a key of the cookie alone, for
// "Send a new link" from that browser; `account_id` the account a sign-in link is for (none for a pending
// sign-up), so that "Send a new link" finds the address again. `attempts` counts tries:
// at kMaxCodeAttempts the code is dead; `used_at` is set when the code or its link is
// used. Rows stay a day past expiry (for "Send a new link"), then SweepExpired removes them.
constexpr std::string_view kSignInCodes =
    "CREATE TABLE signin_codes ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " binding TEXT NOT NULL CHECK (length(binding) = 64),"
    " code_hash {bytes} NOT NULL CHECK ({bytelen}(code_hash) = 32),"
    " token_hash {bytes} NOT NULL CHECK ({bytelen}(token_hash) = 32),"
    " sealed {bytes},"
    " resend_sealed {bytes},"
    " account_id TEXT REFERENCES accounts (id) ON DELETE CASCADE,"
    " attempts {int} NOT NULL CHECK (attempts >= 0),"
    " used_at {int},"
    " created_at {int} NOT NULL,"
    " expires_at {int} NOT NULL"
    "){strict};"
    "CREATE INDEX signin_codes_by_binding ON signin_codes (binding);"
    "CREATE INDEX signin_codes_by_token ON signin_codes (token_hash);"
    "CREATE INDEX signin_codes_by_account ON signin_codes (account_id);"
    "CREATE INDEX signin_codes_by_expiry ON signin_codes (expires_at)";

}  // namespace

std::span<const store::Migration> IdentityMigrations() {
  static const store::MigrationSet set = store::MigrationSet()
                                             .Add(301, "identity_accounts", kTenants)
                                             .Add(302, "identity_sessions", kSessions)
                                             .Add(303, "identity_pending_signups",
                                                  kPendingSignUps)
                                             .Add(304, "identity_signin_codes", kSignInCodes);
  return set.migrations();
}

}  // namespace alcove::identity
