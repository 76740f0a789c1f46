// Passwords (C25): sign-in with argon2id work for unknown accounts too; changes.
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

const std::string& Identity::DummyPasswordHash() {
  std::call_once(dummy_once_, [this] {
    auto h = hasher_.Hash(SecretString(crypto::RandomBase64Url(24)));
    dummy_hash_ = h ? std::move(*h) : std::string();
  });
  return dummy_hash_;
}

Result<NewSession> Identity::SignInWithPassword(std::string_view email,
                                                const SecretString& password,
                                                const Caller& caller) {
  auto normalized = NormalizeEmail(email);
  if (!normalized) {
    return Unauthenticated("password sign-in with a malformed address",
                           "The email address or password is wrong.");
  }
  ALCOVE_TRY_ASSIGN(auto account, FindAccountByEmail(*normalized));
  const bool usable = account && account->password_hash && account->email_verified_at;
  // The same argon2id work whether or not there is a password to check.
  const std::string& stored = usable ? *account->password_hash : DummyPasswordHash();
  auto match = hasher_.Verify(password, stored);
  if (!match) {
    return std::unexpected(match.error());  // busy pool, or a refused stored cost
  }
  if (!usable || !*match) {
    audit::Event e =
        account ? EventFor(clock_.Now(), audit::Action::kLoginFailed, account->tenant, std::nullopt,
                           caller, "account", account->id)
                : EventFor(clock_.Now(), audit::Action::kLoginFailed, 0, std::nullopt, caller);
    (void)e.details.SetToken("method", "password");
    (void)e.details.SetToken(
        "reason", !account ? "unknown_account"
                           : (!account->email_verified_at
                                  ? "unverified"
                                  : (!account->password_hash ? "no_password" : "mismatch")));
    if (auto st = AuditOwnTx(e); !st) {
      spdlog::warn("audit of a failed sign-in failed: {}", st.error().internal);
    }
    return Unauthenticated("password sign-in refused", "The email address or password is wrong.");
  }
  AccountRow& a = *account;
  std::optional<std::string> rehash;
  if (hasher_.NeedsRehash(stored)) {
    if (auto h = hasher_.Hash(password)) {
      rehash = std::move(*h);
    }
  }
  ALCOVE_TRY_ASSIGN(auto known_browser, KnownBrowserCookie(*normalized, caller));
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  if (rehash) {
    const store::Value params[] = {*rehash, a.id, stored};
    ALCOVE_TRY(tx->Execute(
        "UPDATE accounts SET password_hash = $1 WHERE id = $2 AND password_hash = $3", params));
  }
  ALCOVE_TRY_ASSIGN(auto session, StartSession(*tx, a, caller));
  session.known_browser = std::move(known_browser);
  audit::Event in = EventFor(clock_.Now(), audit::Action::kLoginSucceeded, a.tenant, a.id, caller,
                             "session", session.principal.session_id);
  (void)in.details.SetToken("method", "password");
  ALCOVE_TRY(log_.Append(*tx, in));
  ALCOVE_TRY(tx->Commit());
  return session;
}

Status Identity::ChangePassword(const Principal& who, const std::optional<SecretString>& current,
                                const SecretString& next, const Caller& caller) {
  std::optional<std::string> old_hash;
  Profile profile;
  {
    ALCOVE_TRY_ASSIGN(auto p, GetProfile(who));
    profile = std::move(p);
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    ALCOVE_TRY_ASSIGN(auto a, FindAccountById(*tx, who.account_id));
    if (!a) {
      return Unauthenticated("account gone");
    }
    old_hash = a->password_hash;
  }
  ALCOVE_TRY(CheckNewPassword(next, profile.email));
  if (old_hash) {
    if (!current) {
      return Fail(ErrorCode::kInvalidArgument, "current password missing",
                  "Enter your current password.");
    }
    ALCOVE_TRY_ASSIGN(auto match, hasher_.Verify(*current, *old_hash));
    if (!match) {
      audit::Event e = EventFor(clock_.Now(), audit::Action::kLoginFailed, who.tenant,
                                who.account_id, caller, "account", who.account_id);
      (void)e.details.SetToken("method", "password_change");
      // The refusal stands either way; an unrecorded failed attempt is worth a log line.
      if (auto st = AuditOwnTx(e); !st) {
        spdlog::error("a failed password change was not audited: {}", st.error().internal);
      }
      return Unauthenticated("wrong current password", "Your current password is wrong.");
    }
  }
  ALCOVE_TRY_ASSIGN(auto hash, hasher_.Hash(next));
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  // Compare-and-set: a concurrent change between our check and now loses.
  const Micros now = clock_.Now();
  Result<std::int64_t> n = 0;
  if (old_hash) {
    const store::Value params[] = {hash, now, who.account_id, *old_hash};
    n = tx->Execute(
        "UPDATE accounts SET password_hash = $1, password_changed_at = $2 "
        "WHERE id = $3 AND password_hash = $4",
        params);
  } else {
    const store::Value params[] = {hash, now, who.account_id};
    n = tx->Execute(
        "UPDATE accounts SET password_hash = $1, password_changed_at = $2 "
        "WHERE id = $3 AND password_hash IS NULL",
        params);
  }
  if (!n) {
    return std::unexpected(n.error());
  }
  if (*n != 1) {
    return Fail(ErrorCode::kConflict, "password changed concurrently",
                "Your password was changed meanwhile; try again.");
  }
  const store::Value others[] = {who.account_id, who.session_id};
  ALCOVE_TRY_ASSIGN(auto revoked,
                    tx->Execute("DELETE FROM sessions WHERE account_id = $1 AND id <> $2", others));
  ALCOVE_TRY(EndSignInLinks(*tx, who.account_id));
  audit::Event e = EventFor(clock_.Now(), audit::Action::kPasswordChanged, who.tenant,
                            who.account_id, caller, "account", who.account_id);
  (void)e.details.SetInt("sessions_ended", revoked);
  ALCOVE_TRY(log_.Append(*tx, e));
  return tx->Commit();
}

}  // namespace alcove::identity
