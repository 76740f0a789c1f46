#include "identity/identity.hpp"

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
#include "identity/internal.hpp"
#include "identity/password_policy.hpp"
#include "mail/message.hpp"
#include "store/ids.hpp"
#include "store/token_table.hpp"

namespace alcove::identity {

using crypto::SecretString;
using namespace internal;  // NOLINT: this module's own helpers

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kTherapist:
      return "therapist";
    case Role::kSupervisor:
      return "supervisor";
    case Role::kClient:
      return "client";
  }
  return "unknown";
}

std::optional<Role> RoleFromName(std::string_view name) {
  for (const Role r : {Role::kTherapist, Role::kSupervisor, Role::kClient}) {
    if (RoleName(r) == name) {
      return r;
    }
  }
  return std::nullopt;
}

audit::Event EventFor(Micros time, audit::Action action, store::TenantId tenant,
                      std::optional<std::string_view> actor_account, const Caller& caller,
                      std::string_view object_type, std::string_view object_id) {
  audit::Event e;
  if (actor_account) {
    if (auto a = audit::Actor::Account(*actor_account)) {
      e.actor = *a;
    }
  }
  e.time = time;
  e.tenant = tenant;
  e.action = action;
  e.object_type = std::string(object_type);
  e.object_id = std::string(object_id);
  e.client_ip = audit::IsIpText(caller.ip) ? caller.ip : std::string();
  if (!caller.user_agent.empty()) {
    e.user_agent_digest = audit::UserAgentDigest(caller.user_agent);
  }
  return e;
}

Result<std::string> NormalizeEmail(std::string_view email) {
  std::string out(TrimSpaces(email));
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (!mail::IsAcceptableAddress(out)) {
    return Fail(ErrorCode::kInvalidArgument, "email address not acceptable",
                "Enter an email address like name@example.org.");
  }
  return out;
}

Result<std::string> NormalizeName(std::string_view name) {
  const std::string_view trimmed = TrimSpaces(name);
  const auto n = CountPrintableCodePoints(trimmed);
  if (!n || *n == 0 || *n > 100) {
    return Fail(ErrorCode::kInvalidArgument, "name empty, too long or not printable UTF-8",
                "Enter your name (1 to 100 characters).");
  }
  return std::string(trimmed);
}

SecretString NewLoginCookie() { return SecretString(crypto::RandomBase64Url(crypto::kTokenBytes)); }

bool IsWellFormedCookieToken(std::string_view value) {
  if (value.size() != crypto::kTokenLength) {
    return false;
  }
  auto bytes = Base64UrlDecode(value);
  return bytes && bytes->size() == crypto::kTokenBytes;
}

std::string CsrfTokenFor(const SecretString& session_token) {
  return Base64UrlEncode(LabelledHash("alcove/csrf/v1", session_token.reveal()));
}

bool CheckCsrfToken(const SecretString& session_token, std::string_view presented) {
  const std::string expected = CsrfTokenFor(session_token);
  return presented.size() == expected.size() &&
         crypto::ConstantTimeEquals(AsBytes(expected), AsBytes(presented));
}

Identity::Identity(store::Db& db, crypto::KeyRing& keys, crypto::PasswordHasher& hasher,
                   const audit::Log& log, mail::Queue& mail, const Clock& clock,
                   IdentityOptions options)
    : db_(db),
      keys_(keys),
      hasher_(hasher),
      log_(log),
      mail_(mail),
      clock_(clock),
      options_(std::move(options)),
      tokens_(db, clock),
      background_("identity", options_.background_capacity) {}

Identity::~Identity() { background_.WaitIdle(); }

Result<std::vector<std::uint8_t>> Identity::EmailLookupHash(std::string_view normalized_email) {
  ALCOVE_TRY_ASSIGN(auto tag, keys_.KeyedHash(kEmailLookup, AsBytes(normalized_email)));
  return std::vector<std::uint8_t>(tag.begin(), tag.end());
}

Result<std::string> Identity::AccountRateKey(std::string_view normalized_email) {
  ALCOVE_TRY_ASSIGN(auto tag, keys_.KeyedHash(kRateLimitKey, AsBytes(normalized_email)));
  return "acct:" + Hex(tag);
}

Result<std::optional<Identity::AccountRow>> Identity::FindAccountByEmail(
    std::string_view normalized_email) {
  ALCOVE_TRY_ASSIGN(auto hash, EmailLookupHash(normalized_email));
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  return FindAccountWhere(*tx, "email_hash", store::Bytes(hash));
}

Result<std::optional<Identity::AccountRow>> Identity::FindAccountById(store::Transaction& tx,
                                                                      std::string_view account_id) {
  return FindAccountWhere(tx, "id", std::string(account_id));
}

Result<std::optional<Identity::AccountRow>> Identity::FindAccountWhere(store::Transaction& tx,
                                                                       std::string_view column,
                                                                       store::Value value) {
  const store::Value params[] = {std::move(value)};
  ALCOVE_TRY_ASSIGN(auto rows, tx.Query(fmt::format("SELECT {} FROM accounts WHERE {} = $1",
                                                    kAccountColumns, column),
                                        params));
  if (rows.empty()) {
    return std::optional<AccountRow>();
  }
  ALCOVE_TRY_ASSIGN(auto row, AccountRow::From(rows.front()));
  return std::optional<AccountRow>(std::move(row));
}

Status Identity::EndSignInLinks(store::Transaction& tx, const std::string& account_id) {
  // A link's subject is "<account id>:<login binding>" (magic_links.cpp).
  for (const std::string_view purpose : {kSignInPurpose, kSignUpPurpose}) {
    ALCOVE_TRY(store::DeleteTokensBySubjectPrefix(tx, purpose, account_id + ":"));
  }
  // Their codes die with them (C26).
  const store::Value params[] = {account_id, clock_.Now()};
  ALCOVE_TRY(tx.Execute(
      "UPDATE signin_codes SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL", params));
  return {};
}

Status Identity::AuditOwnTx(const audit::Event& event) {
  ALCOVE_TRY_ASSIGN(auto tx, event.tenant != 0 ? db_.BeginTenant(event.tenant) : db_.Begin());
  ALCOVE_TRY(log_.Append(*tx, event));
  return tx->Commit();
}

Result<std::string> Identity::AccountEmail(const AccountRow& a) {
  const crypto::FieldCipher cipher(keys_, a.key_id);
  ALCOVE_TRY_ASSIGN(auto email, cipher.Open(a.email, {a.tenant, "accounts", "email", a.id}));
  return std::string(email.reveal());
}

Result<Profile> Identity::GetProfile(const Principal& who) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  ALCOVE_TRY_ASSIGN(auto a, FindAccountById(*tx, who.account_id));
  if (!a || a->tenant != who.tenant) {
    return Unauthenticated("account gone");
  }
  tx.reset();
  const crypto::FieldCipher cipher(keys_, a->key_id);
  auto email = cipher.Open(a->email, {a->tenant, "accounts", "email", a->id});
  auto name = cipher.Open(a->name, {a->tenant, "accounts", "name", a->id});
  if (!email || !name) {
    return std::unexpected(!email ? email.error() : name.error());
  }
  return Profile{.id = a->id,
                 .email = email->reveal(),
                 .name = name->reveal(),
                 .role = a->role,
                 .has_password = a->password_hash.has_value()};
}

Result<std::int64_t> Identity::SweepExpired() {
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  const store::Value params[] = {clock_.Now()};
  ALCOVE_TRY_ASSIGN(
      auto n,
      tx->Execute("DELETE FROM sessions WHERE idle_expires_at <= $1 OR absolute_expires_at <= $1",
                  params));
  ALCOVE_TRY_ASSIGN(auto p,
                    tx->Execute("DELETE FROM pending_signups WHERE expires_at <= $1", params));
  ALCOVE_TRY_ASSIGN(auto c, SweepSignInCodes(*tx));
  ALCOVE_TRY(tx->Commit());
  tx.reset();
  ALCOVE_TRY_ASSIGN(auto t, tokens_.DeleteExpired());
  return n + p + c + t;
}

Result<std::int64_t> Identity::SweepOrphanAccountKeys(Micros created_before) {
  ALCOVE_TRY_ASSIGN(const auto sweep, keys_.DestroyOrphans("account", "accounts", created_before));
  if (sweep.failed > 0) {
    spdlog::error("sweeping {} orphan account data key(s) failed (retried next time): {}",
                  sweep.failed, sweep.first_error);
  }
  return sweep.destroyed;
}

}  // namespace alcove::identity
