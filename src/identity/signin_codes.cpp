// Sign-in codes (C26, identity.hpp § Sign-in codes): the one-time code mailed beside a
// link, typed in the browser that asked; and "Send a new link".
#include <spdlog/spdlog.h>

#include <array>
#include <utility>

#include "core/encoding.hpp"
#include "crypto/random.hpp"
#include "identity/identity.hpp"
#include "identity/internal.hpp"
#include "mail/message.hpp"
#include "store/ids.hpp"
#include "store/token_table.hpp"

namespace alcove::identity {

using crypto::SecretString;
using namespace internal;  // NOLINT: this module's own helpers

namespace {

// How long a code's row is kept past its expiry, so that "Send a new link" still finds
// the address a day later.
constexpr Micros kKeepForResend = 24LL * 3600 * kMicrosPerSecond;

// 8 characters drawn uniformly from the alphabet (rejection sampling of random bytes).
SecretString NewCode() {
  constexpr std::size_t n = mail::kSignInCodeAlphabet.size();
  constexpr unsigned kLimit = 256 - 256 % n;
  std::string code;
  while (code.size() < mail::kSignInCodeLength) {
    std::array<std::uint8_t, 16> bytes{};
    crypto::RandomBytes(bytes);
    for (const std::uint8_t b : bytes) {
      if (b < kLimit && code.size() < mail::kSignInCodeLength) {
        code.push_back(mail::kSignInCodeAlphabet[b % n]);
      }
    }
    crypto::SecureZero(bytes.data(), bytes.size());
  }
  return SecretString(std::move(code));
}

}  // namespace

std::optional<std::string> NormalizeSignInCode(std::string_view typed) {
  std::string code;
  for (const char c : typed) {
    if (c == ' ' || c == '-' || c == '\t') {
      continue;
    }
    if (code.size() == mail::kSignInCodeLength) {
      return std::nullopt;
    }
    code.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  if (!mail::IsSignInCode(code)) {
    return std::nullopt;
  }
  return code;
}

std::shared_ptr<const Identity::CodeSeed> Identity::NewCodeSeed(const SecretString& login_cookie) {
  auto seed = std::make_shared<CodeSeed>();
  seed->binding = LoginBinding(login_cookie);
  seed->code = NewCode();
  seed->hash = CodeHash(login_cookie, seed->code.reveal());
  seed->box_key = CodeBoxKey(login_cookie, seed->code.reveal());
  seed->resend_secret = ResendSecret(login_cookie);
  return seed;
}

Status Identity::InsertSignInCode(store::Transaction& tx, const CodeSeed& seed,
                                  std::span<const std::uint8_t> token_hash,
                                  const std::optional<std::string>& account_id,
                                  const SecretString* pending) {
  const std::string id = store::NewId();
  store::Value sealed = store::Null{};
  store::Value resend_sealed = store::Null{};
  if (pending != nullptr) {
    ALCOVE_TRY_ASSIGN(auto box, crypto::SealTokenBox(seed.box_key, kCodeBoxPurpose, AsBytes(id),
                                                     AsBytes(pending->reveal())));
    sealed = store::Bytes(std::move(box));
    ALCOVE_TRY_ASSIGN(auto again, crypto::SealTokenBox(ResendBoxKey(seed.resend_secret, id), kResendBoxPurpose,
                                                       AsBytes(id), AsBytes(pending->reveal())));
    resend_sealed = store::Bytes(std::move(again));
  }
  const Micros now = clock_.Now();
  const store::Value params[] = {id,
                                 seed.binding,
                                 ToBytes(seed.hash),
                                 ToBytes(token_hash),
                                 std::move(sealed),
                                 std::move(resend_sealed),
                                 account_id ? store::Value(*account_id) : store::Null{},
                                 now,
                                 now + options_.magic_link_ttl};
  ALCOVE_TRY(tx.Execute(
      "INSERT INTO signin_codes (id, binding, code_hash, token_hash, sealed, resend_sealed, "
      "account_id, attempts, created_at, expires_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)",
      params));
  return {};
}

Status Identity::EndSignInCode(store::Transaction& tx, std::span<const std::uint8_t> token_hash) {
  const store::Value params[] = {ToBytes(token_hash), clock_.Now()};
  ALCOVE_TRY(tx.Execute(
      "UPDATE signin_codes SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL", params));
  return {};
}

Result<NewSession> Identity::ConsumeSignInCode(std::string_view typed,
                                               const std::optional<SecretString>& login_cookie,
                                               const Caller& caller) {
  const std::optional<std::string> code = NormalizeSignInCode(typed);
  if (!code) {
    return Fail(ErrorCode::kInvalidArgument, "malformed sign-in code",
                "Type the 8 letters and digits of the code in the email, like ABCD-EFGH.");
  }
  if (!login_cookie || !IsWellFormedCookieToken(login_cookie->reveal())) {
    return Unauthenticated("sign-in code without a login cookie",
                           std::string(kCodeElsewhereMessage));
  }
  const std::string binding = LoginBinding(*login_cookie);
  const crypto::Sha256Digest presented = CodeHash(*login_cookie, *code);
  const Micros now = clock_.Now();

  // Every try spends one of each live code's tries before any comparison, in one
  // statement, so parallel tries cannot get more than kMaxCodeAttempts between them.
  struct Match {
    std::string id;
    store::Bytes token_hash;
    std::optional<store::Bytes> sealed;
  };
  std::optional<Match> match;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    const store::Value params[] = {binding, now, kMaxCodeAttempts};
    ALCOVE_TRY_ASSIGN(
        auto rows,
        tx->Query("UPDATE signin_codes SET attempts = attempts + 1 WHERE binding = $1 AND "
                  "used_at IS NULL AND expires_at > $2 AND attempts < $3 "
                  "RETURNING id, code_hash, token_hash, sealed, attempts",
                  params));
    for (const auto& row : rows) {
      if (CodeHashMatches(row.Blob(1), presented)) {
        match = Match{row.Text(0), row.Blob(2), row.OptionalBlob(3)};
      }
    }
    std::vector<std::pair<store::Bytes, bool>> tried;  // token hash, and whether now dead
    if (!match) {
      for (const auto& row : rows) {
        tried.emplace_back(row.Blob(2), row.Int(4) >= kMaxCodeAttempts);
      }
    }
    ALCOVE_TRY(tx->Commit());
    if (!match) {
      // Audited off the request path, so that the answer takes as long whether or not
      // the code was one of ours (a browser that asked for an address without an
      // account meets a decoy row, DoMagicLink).
      if (!tried.empty()) {
        if (auto st = background_.Post([this, tried = std::move(tried), caller] {
              AuditCodeRefusals(tried, caller);
            });
            !st) {
          spdlog::warn("refused sign-in codes not audited: {}", st.error().internal);
        }
      }
      return Unauthenticated(rows.empty() ? "no live sign-in code in this browser"
                                          : "wrong sign-in code",
                             std::string(kWrongCodeMessage));
    }
  }

  // The code is right: what its link is for.
  std::optional<store::TokenRow> token;
  {
    ALCOVE_TRY_ASSIGN(auto read, db_.Begin());
    ALCOVE_TRY_ASSIGN(token, store::FindToken(*read, match->token_hash));
  }
  if (!token || !token->tenant || token->used_at || now >= token->expires_at) {
    // Its link was used, ended (sign-out, password change) or swept.
    return Unauthenticated("sign-in code whose link is no longer valid",
                           std::string(kWrongCodeMessage));
  }
  const std::string object_id = token->subject.substr(0, token->subject.find(':'));
  const ConsumeStep consume = [&](store::Transaction& tx) -> Result<bool> {
    const store::Value p[] = {match->id, clock_.Now()};
    ALCOVE_TRY_ASSIGN(
        const std::int64_t codes,
        tx.Execute("UPDATE signin_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL", p));
    if (codes != 1) {
      return false;
    }
    ALCOVE_TRY_ASSIGN(const std::int64_t links, store::MarkTokenUsed(tx, match->token_hash,
                                                                     token->purpose, clock_.Now()));
    return links == 1;
  };
  if (token->purpose == kNewAccountPurpose) {
    if (!match->sealed) {
      return Fail(ErrorCode::kInternal, "sign-up code without its box");
    }
    ALCOVE_TRY_ASSIGN(auto packed,
                      crypto::OpenTokenBox(CodeBoxKey(*login_cookie, *code), kCodeBoxPurpose,
                                           AsBytes(match->id), *match->sealed));
    ALCOVE_TRY_ASSIGN(auto fields, SignUpFields::Unpack(packed));
    return ConsumePendingSignUp(fields, object_id, *token->tenant, consume, caller);
  }
  return SignInToLinkAccount(object_id, token->purpose, consume, caller);
}

void Identity::AuditCodeRefusals(const std::vector<std::pair<store::Bytes, bool>>& tried,
                                 const Caller& caller) {
  for (const auto& [token_hash, spent] : tried) {
    std::optional<store::TokenRow> token;
    {
      auto read = db_.Begin();
      if (!read) {
        spdlog::warn("refused sign-in code not audited: {}", read.error().internal);
        return;
      }
      auto found = store::FindToken(**read, token_hash);
      if (!found) {
        spdlog::warn("refused sign-in code not audited: {}", found.error().internal);
        continue;
      }
      token = std::move(*found);
    }
    if (!token || !token->tenant) {
      continue;  // a decoy, or a link already swept
    }
    const bool pending = token->purpose == kNewAccountPurpose;
    audit::Event e = EventFor(clock_.Now(), audit::Action::kMagicLinkRefused, *token->tenant,
                              std::nullopt, caller, pending ? "signup" : "account",
                              token->subject.substr(0, token->subject.find(':')));
    (void)e.details.SetToken("reason", spent ? "code_spent" : "wrong_code");
    if (auto st = AuditOwnTx(e); !st) {
      spdlog::warn("refused sign-in code not audited: {}", st.error().internal);
    }
  }
}

Status Identity::InsertDecoyCode(const CodeSeed& seed) {
  std::array<std::uint8_t, 32> token_hash{};
  crypto::RandomBytes(token_hash);
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  ALCOVE_TRY(InsertSignInCode(*tx, seed, token_hash, std::nullopt, nullptr));
  return tx->Commit();
}

Status Identity::ResendLink(const std::optional<SecretString>& token,
                            const SecretString& login_cookie,
                            std::function<bool(const std::string&)> allow, const Caller& caller) {
  std::shared_ptr<const SecretString> held;
  if (token) {
    held = std::make_shared<const SecretString>(std::string(token->reveal()));
  }
  return background_.Post([this, held, seed = NewCodeSeed(login_cookie), allow = std::move(allow),
                           caller] {
    if (auto st = DoResend(held.get(), *seed, allow, caller); !st) {
      spdlog::warn("new sign-in link not issued: {}", st.error().internal);
    }
  });
}

Status Identity::DoResend(const SecretString* token, const CodeSeed& seed,
                          const std::function<bool(const std::string&)>& allow,
                          const Caller& caller) {
  std::optional<std::string> account_id;
  if (token != nullptr) {
    for (const std::string_view p : {kSignInPurpose, kSignUpPurpose, kNewAccountPurpose}) {
      auto record = tokens_.Find(p, *token);
      if (!record) {
        continue;
      }
      const std::string object_id = record->subject.substr(0, record->subject.find(':'));
      if (p != kNewAccountPurpose) {
        account_id = object_id;
        break;
      }
      // A pending sign-up is asked for again with its own fields, while it is kept.
      auto fields = OpenPendingSignUp(*token, object_id);
      if (!fields) {
        return {};
      }
      return ResendSignUp(*fields, seed, allow, caller);
    }
  }
  // Without a token (or with one swept already): the account of this link's code, or of
  // the newest code asked for in this browser.
  {
    ALCOVE_TRY_ASSIGN(auto read, db_.Begin());
    std::vector<store::Row> rows;
    if (!account_id && token != nullptr) {
      for (const std::string_view p : {kSignInPurpose, kSignUpPurpose}) {
        const store::Value by_token[] = {ToBytes(crypto::TokenHash(p, *token))};
        ALCOVE_TRY_ASSIGN(rows, read->Query("SELECT account_id FROM signin_codes WHERE "
                                            "token_hash = $1 AND account_id IS NOT NULL",
                                            by_token));
        if (!rows.empty()) {
          break;
        }
      }
    } else if (!account_id) {
      const store::Value by_browser[] = {seed.binding};
      ALCOVE_TRY_ASSIGN(rows, read->Query("SELECT account_id, id, resend_sealed FROM signin_codes "
                                          "WHERE binding = $1 AND (account_id IS NOT NULL OR "
                                          "resend_sealed IS NOT NULL) ORDER BY created_at DESC "
                                          "LIMIT 1",
                                          by_browser));
      if (!rows.empty() && rows.front().IsNull(0)) {
        // This browser's newest request was a sign-up: its fields open with its cookie.
        const store::Row row = rows.front();
        read.reset();
        ALCOVE_TRY_ASSIGN(auto packed,
                          crypto::OpenTokenBox(ResendBoxKey(seed.resend_secret, row.Text(1)),
                                               kResendBoxPurpose, AsBytes(row.Text(1)),
                                               row.Blob(2)));
        ALCOVE_TRY_ASSIGN(auto fields, SignUpFields::Unpack(packed));
        return ResendSignUp(fields, seed, allow, caller);
      }
    }
    if (!rows.empty()) {
      account_id = rows.front().Text(0);
    }
  }
  if (!account_id) {
    return {};  // nothing asked for before: nothing is sent, and the requester cannot tell
  }
  std::optional<AccountRow> account;
  {
    ALCOVE_TRY_ASSIGN(auto read, db_.Begin());
    ALCOVE_TRY_ASSIGN(account, FindAccountById(*read, *account_id));
  }
  if (!account) {
    return {};
  }
  ALCOVE_TRY_ASSIGN(const std::string email, AccountEmail(*account));
  ALCOVE_TRY_ASSIGN(const auto key, AccountRateKey(email));
  if (!allow(key)) {
    return {};
  }
  return IssueLink(*account, false, email, seed, caller);
}

Status Identity::ResendSignUp(const SignUpFields& fields, const CodeSeed& seed,
                              const std::function<bool(const std::string&)>& allow,
                              const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto key, AccountRateKey(fields.email));
  if (!allow(key)) {
    return {};
  }
  ALCOVE_TRY_ASSIGN(auto existing, FindAccountByEmail(fields.email));
  if (existing) {
    return IssueLink(*existing, false, fields.email, seed, caller);
  }
  return IssuePendingSignUp(fields.email, fields.name, fields.password_hash, seed, caller);
}

Result<std::int64_t> Identity::SweepSignInCodes(store::Transaction& tx) {
  const store::Value params[] = {clock_.Now() - kKeepForResend};
  return tx.Execute("DELETE FROM signin_codes WHERE expires_at <= $1", params);
}

}  // namespace alcove::identity
