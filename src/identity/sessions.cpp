// Sessions (C23, C24): start, authenticate with device binding, list, revoke.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <utility>

#include "core/encoding.hpp"
#include "core/utf8.hpp"
#include "crypto/field_cipher.hpp"
#include "crypto/random.hpp"
#include "crypto/sha.hpp"
#include "identity/identity.hpp"
#include "identity/internal.hpp"
#include "identity/password_policy.hpp"
#include "mail/message.hpp"
#include "store/ids.hpp"

namespace alcove::identity {

using crypto::SecretString;
using namespace internal;  // NOLINT: this module's own helpers

Result<NewSession> Identity::StartSession(store::Transaction& tx, const AccountRow& account,
                                          const Caller& caller) {
  NewSession s{
      .principal = Principal{.account_id = account.id,
                             .tenant = account.tenant,
                             .role = account.role,
                             .session_id = store::NewId()},
      .session_token = SecretString(crypto::RandomBase64Url(crypto::kTokenBytes)),
      .device_token = SecretString(crypto::RandomBase64Url(crypto::kTokenBytes)),
      .expires_at = 0,
  };
  const Micros now = clock_.Now();
  s.expires_at = now + options_.session_absolute;
  const store::Value params[] = {
      s.principal.session_id,
      ToBytes(crypto::TokenHash(kSessionPurpose, s.session_token)),
      ToBytes(DeviceHash(s.principal.session_id, s.device_token)),
      account.id,
      account.tenant,
      DisplayUserAgent(caller.user_agent),
      now,
      std::min(now + options_.session_idle, s.expires_at),
      s.expires_at,
  };
  ALCOVE_TRY(tx.Execute(
      "INSERT INTO sessions (id, token_hash, device_hash, account_id, tenant_id, user_agent, "
      "created_at, last_seen_at, idle_expires_at, absolute_expires_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)",
      params));
  return s;
}

Result<Principal> Identity::Authenticate(const SecretString& session_token,
                                         const std::optional<SecretString>& device_token,
                                         const Caller& caller) {
  if (!IsWellFormedCookieToken(session_token.reveal())) {
    return Unauthenticated("malformed session token");
  }
  const auto hash = crypto::TokenHash(kSessionPurpose, session_token);
  const Micros now = clock_.Now();
  std::string id;
  std::string account_id;
  store::TenantId tenant = 0;
  Role role{};
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    const store::Value params[] = {ToBytes(hash)};
    ALCOVE_TRY_ASSIGN(
        auto rows,
        tx->Query("SELECT s.id, s.token_hash, s.device_hash, s.account_id, s.tenant_id, a.role, "
                  "s.last_seen_at, s.idle_expires_at, s.absolute_expires_at "
                  "FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1",
                  params));
    if (rows.empty() || !crypto::ConstantTimeEquals(rows.front().Blob(1), hash)) {
      return Unauthenticated("unknown or revoked session");
    }
    const store::Row& row = rows.front();
    id = row.Text(0);
    account_id = row.Text(3);
    tenant = row.Int(4);
    const auto stored_role = RoleFromName(row.Text(5));
    if (!stored_role) {
      // Never guess a role: an account whose role we do not know gets no session.
      return Fail(ErrorCode::kInternal, "an account's stored role is unknown");
    }
    role = *stored_role;
    const Micros last_seen = row.Int(6);
    const Micros idle_expires = row.Int(7);
    const Micros absolute_expires = row.Int(8);
    const store::Value by_id[] = {id};

    const bool device_ok = device_token && IsWellFormedCookieToken(device_token->reveal()) &&
                           crypto::ConstantTimeEquals(row.Blob(2), DeviceHash(id, *device_token));
    if (!device_ok) {
      // A session token without its device (C24): kill the session and say so.
      ALCOVE_TRY(tx->Execute("DELETE FROM sessions WHERE id = $1", by_id));
      audit::Event e = EventFor(clock_.Now(), audit::Action::kSessionDeviceMismatch, tenant,
                                std::nullopt, caller, "session", id);
      (void)e.details.SetToken("account", account_id);
      ALCOVE_TRY(log_.Append(*tx, e));
      ALCOVE_TRY(tx->Commit());
      return Unauthenticated("session presented without its device token; revoked");
    }
    if (now >= idle_expires || now >= absolute_expires) {
      ALCOVE_TRY(tx->Execute("DELETE FROM sessions WHERE id = $1", by_id));
      if (auto st = tx->Commit(); !st) {
        // The session is refused anyway; SweepExpired deletes the row later.
        spdlog::warn("deleting an expired session failed: {}", st.error().internal);
      }
      return Unauthenticated(now >= absolute_expires ? "session reached its absolute expiry"
                                                     : "session idle for too long",
                             "Your session has ended. Please sign in again.");
    }
    if (now - last_seen >= options_.touch_interval) {
      const store::Value touch[] = {now, std::min(now + options_.session_idle, absolute_expires),
                                    id};
      ALCOVE_TRY(tx->Execute(
          "UPDATE sessions SET last_seen_at = $1, idle_expires_at = $2 WHERE id = $3", touch));
      ALCOVE_TRY(tx->Commit());
    }
  }
  return Principal{.account_id = std::move(account_id),
                   .tenant = tenant,
                   .role = role,
                   .session_id = std::move(id)};
}

Status Identity::Logout(const Principal& who, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  const store::Value params[] = {who.session_id, who.account_id};
  ALCOVE_TRY(tx->Execute("DELETE FROM sessions WHERE id = $1 AND account_id = $2", params));
  ALCOVE_TRY(EndSignInLinks(*tx, who.account_id));
  ALCOVE_TRY(log_.Append(*tx, EventFor(clock_.Now(), audit::Action::kLogout, who.tenant,
                                       who.account_id, caller, "session", who.session_id)));
  return tx->Commit();
}

Result<std::vector<SessionInfo>> Identity::ListSessions(const Principal& who) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  const store::Value params[] = {who.account_id, clock_.Now()};
  ALCOVE_TRY_ASSIGN(
      auto rows,
      tx->Query(
          "SELECT id, created_at, last_seen_at, user_agent FROM sessions WHERE account_id = $1 "
          "AND idle_expires_at > $2 AND absolute_expires_at > $2 ORDER BY last_seen_at DESC, id",
          params));
  std::vector<SessionInfo> out;
  for (const auto& row : rows) {
    out.push_back(SessionInfo{.id = row.Text(0),
                              .created_at = row.Int(1),
                              .last_seen_at = row.Int(2),
                              .user_agent = row.Text(3),
                              .current = row.Text(0) == who.session_id});
  }
  return out;
}

Status Identity::RevokeSession(const Principal& who, std::string_view session_id,
                               const Caller& caller) {
  if (!store::IsValidId(session_id)) {
    return Fail(ErrorCode::kNotFound, "malformed session id", "No such session.");
  }
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  const store::Value params[] = {std::string(session_id), who.account_id};
  ALCOVE_TRY_ASSIGN(auto n,
                    tx->Execute("DELETE FROM sessions WHERE id = $1 AND account_id = $2", params));
  if (n == 0) {
    return Fail(ErrorCode::kNotFound, "no such session for this account", "No such session.");
  }
  ALCOVE_TRY(log_.Append(*tx, EventFor(clock_.Now(), audit::Action::kSessionRevoked, who.tenant,
                                       who.account_id, caller, "session", session_id)));
  return tx->Commit();
}

Result<std::int64_t> Identity::RevokeOtherSessions(const Principal& who, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  const store::Value params[] = {who.account_id, who.session_id};
  ALCOVE_TRY_ASSIGN(auto n,
                    tx->Execute("DELETE FROM sessions WHERE account_id = $1 AND id <> $2", params));
  ALCOVE_TRY(EndSignInLinks(*tx, who.account_id));
  audit::Event e = EventFor(clock_.Now(), audit::Action::kSessionRevoked, who.tenant,
                            who.account_id, caller, "account", who.account_id);
  (void)e.details.SetToken("scope", "others");
  (void)e.details.SetInt("count", n);
  ALCOVE_TRY(log_.Append(*tx, e));
  ALCOVE_TRY(tx->Commit());
  return n;
}

}  // namespace alcove::identity
