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
                           binding = LoginBinding(login_cookie), caller] {
    std::optional<SecretString> copy;
    if (pw) {
      copy.emplace(std::string(pw->reveal()));
    }
    DoSignUp(email, name, copy, binding, caller);
  });
}

Status Identity::RequestMagicLink(std::string_view email, const SecretString& login_cookie,
                                  const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto normalized, NormalizeEmail(email));
  return background_.Post([this, email = std::move(normalized),
                           binding = LoginBinding(login_cookie),
                           caller] { DoMagicLink(email, binding, caller); });
}

void Identity::DoSignUp(const std::string& email, const std::string& name,
                        const std::optional<SecretString>& password, const std::string& binding,
                        const Caller& caller) {
  auto existing = FindAccountByEmail(email);
  if (!existing) {
    spdlog::warn("sign-up not handled: {}", existing.error().internal);
    return;
  }
  if (*existing) {
    // A known address gets a sign-in link, exactly as if it had asked for one.
    if (auto st = IssueLink(**existing, false, email, binding, caller); !st) {
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
  auto account = CreateTherapist(email, name, hash, caller);
  if (!account) {
    if (account.error().code == ErrorCode::kConflict) {
      DoMagicLink(email, binding, caller);  // a concurrent sign-up won: treat as known
    } else {
      spdlog::warn("sign-up not handled: {}", account.error().internal);
    }
    return;
  }
  if (auto st = IssueLink(*account, true, email, binding, caller); !st) {
    spdlog::warn("sign-up link not issued: {}", st.error().internal);
  }
}

void Identity::DoMagicLink(const std::string& email, const std::string& binding,
                           const Caller& caller) {
  auto account = FindAccountByEmail(email);
  if (!account) {
    spdlog::warn("sign-in link not issued: {}", account.error().internal);
    return;
  }
  if (!*account) {
    return;  // no such account: nothing is sent, and the requester cannot tell
  }
  if (auto st = IssueLink(**account, false, email, binding, caller); !st) {
    spdlog::warn("sign-in link not issued: {}", st.error().internal);
  }
}

Status Identity::IssueLink(const AccountRow& account, bool signup, const std::string& email,
                           const std::string& binding, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  ALCOVE_TRY_ASSIGN(auto token, tokens_.Issue(*tx, signup ? kSignUpPurpose : kSignInPurpose,
                                              options_.magic_link_ttl, crypto::TokenUse::kSingle,
                                              account.id + ":" + binding, account.tenant));
  audit::Event e = EventFor(clock_.Now(), audit::Action::kMagicLinkIssued, account.tenant,
                            std::nullopt, caller, "account", account.id);
  (void)e.details.SetToken("kind", signup ? "signup" : "signin");
  ALCOVE_TRY(log_.Append(*tx, e));
  ALCOVE_TRY_ASSIGN(
      auto message,
      mail::Message::Make(
          signup ? mail::MailKind::kSignUpConfirmation : mail::MailKind::kSignInLink, email,
          options_.public_origin + "/auth/magic#token=" + token.reveal(), options_.public_origin));
  ALCOVE_TRY(tx->Commit());
  return mail_.Enqueue(std::move(message));
}

Result<NewSession> Identity::ConsumeMagicLink(const SecretString& token,
                                              const std::optional<SecretString>& login_cookie,
                                              const Caller& caller) {
  std::string_view purpose = kSignInPurpose;
  auto record = tokens_.Find(purpose, token);
  if (!record && record.error().code == ErrorCode::kUnauthenticated) {
    purpose = kSignUpPurpose;
    record = tokens_.Find(purpose, token);
  }
  if (!record) {
    return std::unexpected(record.error());
  }
  const std::string& subject = record->subject;
  const std::size_t colon = subject.find(':');
  if (colon == std::string::npos || !record->tenant) {
    return Fail(ErrorCode::kInternal, "magic-link token with a malformed subject");
  }
  const std::string account_id = subject.substr(0, colon);
  const std::string binding = subject.substr(colon + 1);
  const store::TenantId tenant = *record->tenant;

  auto refuse = [&](std::string_view reason, std::string public_message) {
    audit::Event e = EventFor(clock_.Now(), audit::Action::kMagicLinkRefused, tenant, std::nullopt,
                              caller, "account", account_id);
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
    return refuse("other_browser",
                  "Open the link in the same browser where you asked for it, or ask for a "
                  "new link here.");
  }
  const Micros now = clock_.Now();
  if (record->used_at) {
    return refuse("used", "This link has already been used. Ask for a new one.");
  }
  if (now >= record->expires_at) {
    return refuse("expired", "This link has expired. Ask for a new one.");
  }

  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  if (auto used = tokens_.Consume(*tx, purpose, token); !used) {
    // Another request used it between our check and now.
    tx.reset();
    return refuse("used", "This link has already been used. Ask for a new one.");
  }
  ALCOVE_TRY_ASSIGN(auto account, FindAccountById(*tx, account_id));
  if (!account) {
    return Unauthenticated("magic link for a deleted account",
                           "this link is invalid or has expired");
  }
  AccountRow& a = *account;
  if (!a.email_verified_at) {
    // The first link used verifies the address. A password chosen at sign-up becomes
    // usable only through that sign-up's own confirmation link (identity.hpp).
    const bool keep = purpose == kSignUpPurpose && a.pending_password_hash;
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
  (void)used.details.SetToken("kind", purpose == kSignUpPurpose ? "signup" : "signin");
  ALCOVE_TRY(log_.Append(*tx, used));
  ALCOVE_TRY_ASSIGN(auto session, StartSession(*tx, a, caller));
  audit::Event in = EventFor(clock_.Now(), audit::Action::kLoginSucceeded, a.tenant, a.id, caller,
                             "session", session.principal.session_id);
  (void)in.details.SetToken("method", "magic_link");
  ALCOVE_TRY(log_.Append(*tx, in));
  ALCOVE_TRY(tx->Commit());
  return session;
}

}  // namespace alcove::identity
