// Sign-up and magic links (C26): background issue, browser binding, single use.
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

Status Identity::SignUp(std::string_view email, std::string_view name,
                        const std::optional<SecretString>& password,
                        const SecretString& login_cookie, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto normalized, NormalizeEmail(email));
  ALCOVE_TRY_ASSIGN(auto display, NormalizeName(name));
  std::shared_ptr<SecretString> pw;
  if (password) {
    ALCOVE_TRY(CheckNewPassword(*password, normalized));
    pw = std::make_shared<SecretString>(std::string(password->reveal()));
  }
  return background_.Post([this, email = std::move(normalized), name = std::move(display), pw,
                           seed = NewCodeSeed(login_cookie), caller] {
    std::optional<SecretString> copy;
    if (pw) {
      copy.emplace(std::string(pw->reveal()));
    }
    DoSignUp(email, name, copy, *seed, caller);
  });
}

Status Identity::RequestMagicLink(std::string_view email, const SecretString& login_cookie,
                                  const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto normalized, NormalizeEmail(email));
  return background_.Post([this, email = std::move(normalized), seed = NewCodeSeed(login_cookie),
                           caller] { DoMagicLink(email, *seed, caller); });
}

void Identity::DoSignUp(const std::string& email, const std::string& name,
                        const std::optional<SecretString>& password, const CodeSeed& seed,
                        const Caller& caller) {
  auto existing = FindAccountByEmail(email);
  if (!existing) {
    spdlog::warn("sign-up not handled: {}", existing.error().internal);
    return;
  }
  if (*existing) {
    // A known address gets a sign-in link, exactly as if it had asked for one.
    if (auto st = IssueLink(**existing, false, email, seed, caller); !st) {
      spdlog::warn("sign-in link not issued: {}", st.error().internal);
    }
    return;
  }
  std::optional<std::string> hash;
  if (password) {
    auto h = hasher_.Hash(*password);
    if (!h) {
      spdlog::warn("sign-up not handled: {}", h.error().internal);
      return;
    }
    hash = std::move(*h);
  }
  if (auto st = IssuePendingSignUp(email, name, hash, seed, caller); !st) {
    spdlog::warn("sign-up link not issued: {}", st.error().internal);
  }
}

Status Identity::IssuePendingSignUp(const std::string& email, const std::string& name,
                                    const std::optional<std::string>& password_hash,
                                    const CodeSeed& seed, const Caller& caller) {
  const std::string id = store::NewId();
  // The tenant this sign-up will make if its link is used, chosen now so that the
  // link's issue, refusals and use are all in that tenant's audit log.
  const store::TenantId tenant = NewTenantId();
  const Micros now = clock_.Now();
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  ALCOVE_TRY_ASSIGN(auto token,
                    tokens_.Issue(*tx, kNewAccountPurpose, options_.magic_link_ttl,
                                  crypto::TokenUse::kSingle, id + ":" + seed.binding, tenant));
  const SecretString packed = SignUpFields{email, name, password_hash}.Pack();
  ALCOVE_TRY_ASSIGN(auto box, crypto::SealTokenBox(token, kNewAccountPurpose, AsBytes(id),
                                                   AsBytes(packed.reveal())));
  ALCOVE_TRY(InsertSignInCode(*tx, seed, crypto::TokenHash(kNewAccountPurpose, token),
                              std::nullopt, &packed));
  const store::Value params[] = {id, store::Bytes(std::move(box)), now,
                                 now + options_.magic_link_ttl};
  ALCOVE_TRY(tx->Execute(
      "INSERT INTO pending_signups (id, sealed, created_at, expires_at) VALUES ($1, $2, $3, $4)",
      params));
  audit::Event e =
      EventFor(now, audit::Action::kMagicLinkIssued, tenant, std::nullopt, caller, "signup", id);
  (void)e.details.SetToken("kind", "signup");
  ALCOVE_TRY(log_.Append(*tx, e));
  ALCOVE_TRY_ASSIGN(auto message,
                    mail::Message::Make(mail::MailKind::kSignUpConfirmation, email,
                                        options_.public_origin + "/auth/magic#token=" +
                                            token.reveal(),
                                        options_.public_origin, seed.code.reveal()));
  ALCOVE_TRY(tx->Commit());
  return mail_.Enqueue(std::move(message));
}

void Identity::DoMagicLink(const std::string& email, const CodeSeed& seed,
                           const Caller& caller) {
  auto account = FindAccountByEmail(email);
  if (!account) {
    spdlog::warn("sign-in link not issued: {}", account.error().internal);
    return;
  }
  if (!*account) {
    // No such account: nothing is sent, and the requester cannot tell — not by trying
    // codes either, which meet a decoy row like a real one.
    if (auto st = InsertDecoyCode(seed); !st) {
      spdlog::warn("decoy sign-in code not stored: {}", st.error().internal);
    }
    return;
  }
  if (auto st = IssueLink(**account, false, email, seed, caller); !st) {
    spdlog::warn("sign-in link not issued: {}", st.error().internal);
  }
}

Status Identity::IssueLink(const AccountRow& account, bool signup, const std::string& email,
                           const CodeSeed& seed, const Caller& caller) {
  const std::string_view purpose = signup ? kSignUpPurpose : kSignInPurpose;
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  ALCOVE_TRY_ASSIGN(auto token, tokens_.Issue(*tx, purpose, options_.magic_link_ttl,
                                              crypto::TokenUse::kSingle,
                                              account.id + ":" + seed.binding, account.tenant));
  ALCOVE_TRY(InsertSignInCode(*tx, seed, crypto::TokenHash(purpose, token), account.id, nullptr));
  audit::Event e = EventFor(clock_.Now(), audit::Action::kMagicLinkIssued, account.tenant,
                            std::nullopt, caller, "account", account.id);
  (void)e.details.SetToken("kind", signup ? "signup" : "signin");
  ALCOVE_TRY(log_.Append(*tx, e));
  ALCOVE_TRY_ASSIGN(
      auto message,
      mail::Message::Make(
          signup ? mail::MailKind::kSignUpConfirmation : mail::MailKind::kSignInLink, email,
          options_.public_origin + "/auth/magic#token=" + token.reveal(), options_.public_origin,
          seed.code.reveal()));
  ALCOVE_TRY(tx->Commit());
  return mail_.Enqueue(std::move(message));
}

Result<NewSession> Identity::ConsumeMagicLink(const SecretString& token,
                                              const std::optional<SecretString>& login_cookie,
                                              const Caller& caller) {
  std::string_view purpose;
  Result<crypto::TokenRecord> record = Unauthenticated("no purpose tried");
  for (const std::string_view p : {kSignInPurpose, kSignUpPurpose, kNewAccountPurpose}) {
    purpose = p;
    record = tokens_.Find(purpose, token);
    if (record || record.error().code != ErrorCode::kUnauthenticated) {
      break;
    }
  }
  if (!record) {
    return std::unexpected(record.error());
  }
  const bool pending = purpose == kNewAccountPurpose;
  const std::string& subject = record->subject;
  const std::size_t colon = subject.find(':');
  if (colon == std::string::npos || !record->tenant) {
    return Fail(ErrorCode::kInternal, "magic-link token with a malformed subject");
  }
  // An account's link names the account; a pending sign-up's names the sign-up.
  const std::string object_id = subject.substr(0, colon);
  const std::string binding = subject.substr(colon + 1);
  const store::TenantId tenant = *record->tenant;

  auto refuse = [&](std::string_view reason, std::string public_message) {
    audit::Event e = EventFor(clock_.Now(), audit::Action::kMagicLinkRefused, tenant, std::nullopt,
                              caller, pending ? "signup" : "account", object_id);
    (void)e.details.SetToken("reason", reason);
    if (auto st = AuditOwnTx(e); !st) {
      spdlog::warn("audit of a refused sign-in link failed: {}", st.error().internal);
    }
    return Unauthenticated(fmt::format("magic link refused: {}", reason),
                           std::move(public_message));
  };
  const std::string presented = login_cookie ? LoginBinding(*login_cookie) : std::string();
  if (presented.size() != binding.size() ||
      !crypto::ConstantTimeEquals(AsBytes(presented), AsBytes(binding))) {
    return refuse("other_browser", std::string(kOtherBrowserMessage));
  }
  const Micros now = clock_.Now();
  if (record->used_at) {
    return refuse("used", std::string(kUsedMessage));
  }
  if (now >= record->expires_at) {
    return refuse("expired", std::string(kExpiredMessage));
  }
  const crypto::Sha256Digest token_hash = crypto::TokenHash(purpose, token);
  // Using the link uses its code up too (C26).
  const ConsumeStep consume = [&](store::Transaction& tx) -> Result<bool> {
    if (!tokens_.Consume(tx, purpose, token)) {
      return false;
    }
    ALCOVE_TRY(EndSignInCode(tx, token_hash));
    return true;
  };
  if (pending) {
    ALCOVE_TRY_ASSIGN(auto fields, OpenPendingSignUp(token, object_id));
    return ConsumePendingSignUp(fields, object_id, tenant, consume, caller);
  }
  return SignInToLinkAccount(object_id, purpose, consume, caller);
}

Result<NewSession> Identity::SignInToLinkAccount(const std::string& account_id,
                                                 std::string_view purpose,
                                                 const ConsumeStep& consume,
                                                 const Caller& caller) {
  // The known-browser cookie needs the key ring, which may read the database: made
  // before the write transaction.
  std::optional<AccountRow> before;
  {
    ALCOVE_TRY_ASSIGN(auto read, db_.Begin());
    ALCOVE_TRY_ASSIGN(before, FindAccountById(*read, account_id));
  }
  if (!before) {
    return Unauthenticated("magic link for a deleted account",
                           "this link is invalid or has expired");
  }
  ALCOVE_TRY_ASSIGN(const std::string email, AccountEmail(*before));
  ALCOVE_TRY_ASSIGN(auto known_browser, KnownBrowserCookie(email, caller));

  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  ALCOVE_TRY_ASSIGN(const bool owned, consume(*tx));
  if (!owned) {
    // Another request used it (or its link or code) between our check and now.
    return Unauthenticated("magic link or code used concurrently", std::string(kUsedMessage));
  }
  ALCOVE_TRY_ASSIGN(auto account, FindAccountById(*tx, account_id));
  if (!account) {
    return Unauthenticated("magic link for a deleted account",
                           "this link is invalid or has expired");
  }
  const bool signup = purpose == kSignUpPurpose;
  return FinishLinkSignIn(std::move(tx), std::move(*account), signup ? "signup" : "signin", signup,
                          std::move(known_browser), caller);
}

Result<NewSession> Identity::FinishLinkSignIn(std::unique_ptr<store::Transaction> tx,
                                              AccountRow a, std::string_view kind,
                                              bool own_signup_link, SecretString known_browser,
                                              const Caller& caller) {
  const Micros now = clock_.Now();
  if (!a.email_verified_at) {
    // The first link used verifies the address. A password kept pending by an account
    // made before pending sign-ups existed becomes usable only through that account's
    // own sign-up link.
    const bool keep = own_signup_link && a.pending_password_hash;
    const store::Value params[] = {
        now, keep ? store::Value(*a.pending_password_hash) : store::Value(store::Null{}), a.id};
    ALCOVE_TRY(
        tx->Execute("UPDATE accounts SET email_verified_at = $1, password_hash = $2, "
                    "pending_password_hash = NULL, password_changed_at = $1 WHERE id = $3",
                    params));
    a.email_verified_at = now;
    a.password_hash = keep ? a.pending_password_hash : std::nullopt;
  }
  audit::Event used = EventFor(clock_.Now(), audit::Action::kMagicLinkUsed, a.tenant, a.id, caller,
                               "account", a.id);
  (void)used.details.SetToken("kind", kind);
  ALCOVE_TRY(log_.Append(*tx, used));
  ALCOVE_TRY_ASSIGN(auto session, StartSession(*tx, a, caller));
  session.known_browser = std::move(known_browser);
  audit::Event in = EventFor(clock_.Now(), audit::Action::kLoginSucceeded, a.tenant, a.id, caller,
                             "session", session.principal.session_id);
  (void)in.details.SetToken("method", kind == "invitation" ? "invitation" : "magic_link");
  ALCOVE_TRY(log_.Append(*tx, in));
  ALCOVE_TRY(tx->Commit());
  return session;
}

Result<Identity::SignUpFields> Identity::OpenPendingSignUp(const SecretString& token,
                                                           const std::string& pending_id) {
  const store::Value id_param[] = {pending_id};
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  ALCOVE_TRY_ASSIGN(auto rows,
                    tx->Query("SELECT sealed FROM pending_signups WHERE id = $1", id_param));
  if (rows.empty()) {
    return Unauthenticated("pending sign-up already gone", "this link is invalid or has expired");
  }
  ALCOVE_TRY_ASSIGN(auto packed, crypto::OpenTokenBox(token, kNewAccountPurpose,
                                                      AsBytes(pending_id), rows.front().Blob(0)));
  return SignUpFields::Unpack(packed);
}

Result<NewSession> Identity::ConsumePendingSignUp(const SignUpFields& fields,
                                                  const std::string& pending_id,
                                                  store::TenantId tenant,
                                                  const ConsumeStep& consume,
                                                  const Caller& caller) {
  const store::Value id_param[] = {pending_id};
  auto used_up = [] {
    return Unauthenticated("sign-up link used concurrently", std::string(kUsedMessage));
  };
  // Whoever uses this link holds the address's mail and the browser that asked, so when
  // the address has an account by now (another of its sign-ups was confirmed first, or it
  // was invited), the link signs in to that account; its name and password stay.
  for (int attempt = 0; attempt < 2; ++attempt) {
    ALCOVE_TRY_ASSIGN(auto known_browser, KnownBrowserCookie(fields.email, caller));
    ALCOVE_TRY_ASSIGN(auto existing, FindAccountByEmail(fields.email));
    if (existing) {
      ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
      ALCOVE_TRY_ASSIGN(const bool owned, consume(*tx));
      if (!owned) {
        return used_up();
      }
      ALCOVE_TRY(tx->Execute("DELETE FROM pending_signups WHERE id = $1", id_param));
      return FinishLinkSignIn(std::move(tx), std::move(*existing), "signup", false,
                              std::move(known_browser), caller);
    }
    // The account the confirmed sign-up asked for: its name and password win.
    // The tenant chosen at sign-up (a second attempt, after a conflict, picks another).
    ALCOVE_TRY_ASSIGN(AccountRow a, PrepareAccount(attempt == 0 ? tenant : NewTenantId(),
                                                   Role::kTherapist, fields.email, fields.name));
    a.password_hash = fields.password_hash;
    a.email_verified_at = clock_.Now();
    auto created = [&]() -> Result<NewSession> {
      ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
      ALCOVE_TRY_ASSIGN(const bool owned, consume(*tx));
      if (!owned) {
        return used_up();
      }
      ALCOVE_TRY(tx->Execute("DELETE FROM pending_signups WHERE id = $1", id_param));
      ALCOVE_TRY(InsertAccount(*tx, a, true, std::nullopt, caller));
      return FinishLinkSignIn(std::move(tx), a, "signup", false, std::move(known_browser),
                              caller);
    }();
    if (created) {
      return created;
    }
    DiscardAccountKey(a.tenant, a.key_id);
    if (created.error().code != ErrorCode::kConflict) {
      return created;
    }
    // The address got an account between the check and the insert: sign in to it.
  }
  return Fail(ErrorCode::kUnavailable, "sign-up raced twice with another account creation");
}

}  // namespace alcove::identity
