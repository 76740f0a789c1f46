// The portal's schema (versions 801-899): tenant tables, row-level security on PostgreSQL.
#include "store/schema.hpp"

#include "portal/portal.hpp"

namespace alcove::portal {
namespace {

// portal_access ties one client account to one client record; no content (the address
// and name stay sealed in `accounts`). A client has at most one invited or active row;
// ended rows are history. `invite_hash` is the SHA-256 of the newest invitation token
// (crypto/tokens.hpp), NULL once accepted or ended, so an older link is useless.
// portal_shares: one row per share, kept after revocation (the history). `content` holds
// a shared summary's text sealed with the client's data key (C01), and is cleared when the
// share is revoked; results and trends are read from measures when shown.
constexpr std::string_view kTables =
    "CREATE TABLE portal_access ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " account_id TEXT NOT NULL CHECK (length(account_id) = 32),"
    " invited_by TEXT NOT NULL CHECK (length(invited_by) = 32),"
    " status TEXT NOT NULL CHECK (status IN ('invited', 'active', 'ended')),"
    " invite_hash {bytes} CHECK (invite_hash IS NULL OR {bytelen}(invite_hash) = 32),"
    " invited_at {int} NOT NULL,"
    " invitation_expires_at {int} NOT NULL,"
    " accepted_at {int},"
    " ended_at {int}"
    "){strict};"
    "CREATE UNIQUE INDEX portal_access_current ON portal_access (tenant_id, client_id) "
    "WHERE status <> 'ended';"
    "CREATE INDEX portal_access_by_account ON portal_access (account_id);"
    "CREATE TABLE portal_shares ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL CHECK (kind IN ('summary', 'result', 'trend')),"
    " item_id TEXT NOT NULL CHECK (length(item_id) BETWEEN 1 AND 64),"
    " instrument_id TEXT,"
    " content {bytes},"
    " reviewed_at {int},"
    " shared_at {int} NOT NULL,"
    " shared_by TEXT NOT NULL,"
    " revoked_at {int},"
    " revoked_by TEXT,"
    " first_opened_at {int}"
    "){strict};"
    "CREATE UNIQUE INDEX portal_shares_live ON portal_shares (tenant_id, client_id, kind, "
    "item_id) WHERE revoked_at IS NULL;"
    "CREATE INDEX portal_shares_by_client ON portal_shares (tenant_id, client_id, shared_at)";

}  // namespace

std::span<const store::Migration> PortalMigrations() {
  static const store::MigrationSet set = store::MigrationSet().Add(
      801, "portal_access_shares", kTables, {"portal_access", "portal_shares"});
  return set.migrations();
}

}  // namespace alcove::portal
