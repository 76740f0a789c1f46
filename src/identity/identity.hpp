#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/work_queue.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/secret.hpp"
#include "crypto/tokens.hpp"
#include "identity/principal.hpp"
#include "identity/scope.hpp"
#include "mail/message.hpp"
#include "mail/queue.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::identity {

// Accounts, sign-in and sessions (issue #6; claims C23–C27; docs/identity.md).
//
// Accounts: a role, an email address sealed with the account's own data key plus a
// keyed hash of it for lookup (HMAC under a key-ring key, "email-lookup"), a sealed
// display name, an optional argon2id password hash, and whether the address has been
// verified (by the first magic link used).
//
// Magic links (C26): a 256-bit single-use token, valid for 10 minutes, stored only as
// its hash (crypto/tokens.hpp), and bound to the browser that asked for it: the request
// carries a random `__Host-alcove_login` cookie whose hash is part of the token's
// subject, and consuming the token needs the same cookie. The work behind a link request
// — finding the account, issuing the token, mailing it — runs on a background queue, so
// the answer to the request is the same, in content and in time, for known and unknown
// addresses.
//
// Sign-in codes (C26, signin_codes.cpp): every sign-in and sign-up mail also carries a
// one-time code (8 characters of mail::kSignInCodeAlphabet), for when the mail is read
// on another device: typed in the browser that asked, it does what the link does. The
// code is bound to that browser like the link (table signin_codes, keyed by the login
// binding) and stored only as SHA-256("alcove/signin-code/v1" 0x00 login cookie 0x00
// code): the login cookie is a 256-bit secret the database never sees, so a copy of the
// database cannot be searched for the code. Each try, right or wrong, spends one of
// kMaxCodeAttempts (taken in one UPDATE before the comparison, so parallel tries cannot
// exceed it); the hashes are compared in constant time. Using the code marks its link's
// token used, and using the link marks the code used: one of the two signs in, once.
// The code lives as long as the link (10 minutes).
//
// Sessions (C23, C24): rows holding the SHA-256 of the session token, the hash of the
// device token (`__Host-alcove_device`, hashed together with the session id), created,
// last seen, idle expiry and absolute expiry. Every authenticated request reads the row,
// so a revoked session is dead on its next request. A token presented without its device
// token, or with another one, is refused, the session is deleted and the event audited.
//
// Tables (identity's range, 300–399): tenants, accounts and sessions are read before the
// tenant is known (sign-in, session lookup), so they are not row-level-security tenant
// tables; every query filters by account or tenant itself. They hold no client content.
//
// Thread-safety: every method may be called from any thread.

struct IdentityOptions {
  std::string public_origin;  // "https://host[:port]": links in mail
  Micros session_idle = 30 * 60 * kMicrosPerSecond;
  Micros session_absolute = 12 * 3600 * kMicrosPerSecond;
  Micros magic_link_ttl = mail::kSignInLinkMinutes * 60 * kMicrosPerSecond;  // what the mail says
  // last_seen_at is written at most this often per session (each write is a commit);
  // the idle expiry is therefore exact to within this interval.
  Micros touch_interval = 60 * kMicrosPerSecond;
  std::size_t background_capacity = 1000;
};

// The schema (versions 301–304).
std::span<const store::Migration> IdentityMigrations();

// A new session's two cookie values, handed out once. Neither is stored.
struct NewSession {
  Principal principal;
  crypto::SecretString session_token;
  crypto::SecretString device_token;
  Micros expires_at = 0;  // absolute expiry: the cookies' lifetime
  // The known-browser cookie (C32) to set with the session, for kKnownBrowserLifetime.
  crypto::SecretString known_browser;
};

// Known browsers (C32, OWASP "Slow Down Online Guessing Attacks with Device Cookies").
// A browser that signed in to an account carries a known-browser cookie
// (`__Host-alcove_known`) for 180 days, kept across sign-outs:
//
//   value = base64url(0x01 | account tag (32) | nonce (16) | issued at, u64 seconds BE
//                     | HMAC-SHA256 under the key-ring key "known-browser" of what precedes)
//
// where the account tag is the keyed hash behind Identity::AccountRateKey. A request
// that carries a valid cookie is limited, instead of by its IP address's budget, by the
// one budget of that account's known browsers (web::ClientRateKey) and, when the cookie
// names the account the request is about, by that browser's own budget ("browser:" +
// hex nonce) instead of the account's: a flood of attempts against an account from other
// browsers spends the account's budget for unknown browsers only, so its owner still
// signs in from a browser used before. A browser that signs in again keeps its nonce.
// The cookie is stateless: it grants a budget, never access. Nothing about it is stored.
inline constexpr Micros kKnownBrowserLifetime = 180LL * 24 * 3600 * kMicrosPerSecond;

// Tries a sign-in code allows, right or wrong, before it is dead (C26).
inline constexpr std::int64_t kMaxCodeAttempts = 5;

// A typed code in canonical form (upper case, spaces and hyphens dropped), or nullopt
// when it is not 8 characters of mail::kSignInCodeAlphabet.
std::optional<std::string> NormalizeSignInCode(std::string_view typed);

struct KnownBrowser {
  std::string account_key;  // equal to AccountRateKey(address) of the account
  std::string budget_key;   // "browser:" + 32 hex: this browser's rate-limit key
};

struct SessionInfo {
  std::string id;
  Micros created_at = 0;
  Micros last_seen_at = 0;
  std::string user_agent;
  bool current = false;
};

// The signed-in account as its owner sees it (GET /api/v1/me).
struct Profile {
  std::string id;
  std::string email;
  std::string name;
  Role role{};
  bool has_password = false;
};

// The lower-cased, trimmed address, or kInvalidArgument if it is not one we can mail.
Result<std::string> NormalizeEmail(std::string_view email);

// A display name: 1–100 code points of valid UTF-8 without control characters, trimmed.
Result<std::string> NormalizeName(std::string_view name);

// A new random value for the `__Host-alcove_login` cookie (256 bits, base64url).
crypto::SecretString NewLoginCookie();

// True if `value` has the shape of a value NewLoginCookie makes (and so may be reused).
bool IsWellFormedCookieToken(std::string_view value);

// The CSRF token of a session: base64url(SHA-256("alcove/csrf/v1" 0x00 session token)).
// Derived, not stored: it cannot be turned back into the session token.
std::string CsrfTokenFor(const crypto::SecretString& session_token);
// Constant-time check of a presented CSRF token.
bool CheckCsrfToken(const crypto::SecretString& session_token, std::string_view presented);

class Identity {
 public:
  // Borrows everything; all must outlive the service.
  Identity(store::Db& db, crypto::KeyRing& keys, crypto::PasswordHasher& hasher,
           const audit::Log& log, mail::Queue& mail, const Clock& clock, IdentityOptions options);
  // Waits for queued background work.
  ~Identity();
  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;

  // The rate-limit key for an address: "acct:" + hex HMAC of the normalised address
  // (never the address). Errors: the key ring's.
  Result<std::string> AccountRateKey(std::string_view normalized_email);

  // The known browser a cookie value names: nullopt unless it is well formed, its MAC
  // verifies and it is younger than kKnownBrowserLifetime. Errors: the key ring's.
  Result<std::optional<KnownBrowser>> CheckKnownBrowser(std::string_view cookie);

  // Therapist sign-up. Validates the input (kInvalidArgument: bad address, name or
  // password), then queues the rest and returns: for a known address, mail a sign-in
  // link; for a new one, mail a confirmation link and keep the sign-up pending — no
  // account exists until that link is used. The address, name and password hash wait in
  // a token box only the link opens (crypto/tokens.hpp), so a sign-up made with someone
  // else's address creates nothing and holds nothing readable; when the link is used
  // (only in the browser that asked, bound to `login_cookie`), the tenant and the
  // verified account are made with that sign-up's name and password. Several sign-ups
  // for one address each get their own link; the first one used makes the account, and
  // a later one signs in to it.
  Status SignUp(std::string_view email, std::string_view name,
                const std::optional<crypto::SecretString>& password,
                const crypto::SecretString& login_cookie, const Caller& caller);

  // Queues "mail a sign-in link if the address has an account". Errors only for a
  // malformed address or a full queue — never depending on whether the account exists.
  Status RequestMagicLink(std::string_view email, const crypto::SecretString& login_cookie,
                          const Caller& caller);

  // Uses a magic-link token: only with the login cookie it was bound to, once, before
  // it expires. The first use verifies the address. kUnauthenticated otherwise, with
  // the refusal audited when the token was one of ours.
  Result<NewSession> ConsumeMagicLink(const crypto::SecretString& token,
                                      const std::optional<crypto::SecretString>& login_cookie,
                                      const Caller& caller);

  // Uses the one-time code of a sign-in or sign-up mail (C26), typed in the browser
  // holding `login_cookie`: as the link would, once, before it expires, within
  // kMaxCodeAttempts tries. kInvalidArgument when `code` is not shaped like a code (no
  // try is spent); kUnauthenticated otherwise, in the same words whether or not a code
  // was asked for in this browser; refusals of a code of ours are audited.
  Result<NewSession> ConsumeSignInCode(std::string_view code,
                                       const std::optional<crypto::SecretString>& login_cookie,
                                       const Caller& caller);

  // "Send a new link" (C26): queues a new link and code, bound to `login_cookie`, to the
  // address an earlier link went to — the one of `token` (a link's token, even used or
  // expired) or, without it, of the newest link asked for in this browser. A pending
  // sign-up is sent again too (its fields are kept for that browser, sealed under its
  // cookie). Before mailing, the background
  // job calls `allow` with the address's AccountRateKey (the per-address budget, C30);
  // false sends nothing. Errors only for a full queue: the answer never depends on
  // whether anything was found.
  Status ResendLink(const std::optional<crypto::SecretString>& token,
                    const crypto::SecretString& login_cookie,
                    std::function<bool(const std::string&)> allow, const Caller& caller);

  // Password sign-in (C25): kUnauthenticated for any mismatch (unknown address, no
  // password, unverified address, wrong password), after the same argon2id work;
  // kResourceExhausted when the hashing pool is busy.
  Result<NewSession> SignInWithPassword(std::string_view email,
                                        const crypto::SecretString& password, const Caller& caller);

  // The principal of a session (C23, C24). kUnauthenticated for a missing, unknown,
  // expired or revoked session; and when the device token is missing or wrong, in
  // which case the session is also deleted and the mismatch audited.
  Result<Principal> Authenticate(const crypto::SecretString& session_token,
                                 const std::optional<crypto::SecretString>& device_token,
                                 const Caller& caller);

  Status Logout(const Principal& who, const Caller& caller);
  Result<std::vector<SessionInfo>> ListSessions(const Principal& who);
  // kNotFound unless `session_id` is one of who's own live sessions.
  Status RevokeSession(const Principal& who, std::string_view session_id, const Caller& caller);
  // Ends every session of who's account but the current one; returns how many.
  Result<std::int64_t> RevokeOtherSessions(const Principal& who, const Caller& caller);

  // Sets a new password (C25). If the account has one, `current` must match it
  // (kUnauthenticated otherwise). Ends every other session of the account.
  Status ChangePassword(const Principal& who, const std::optional<crypto::SecretString>& current,
                        const crypto::SecretString& next, const Caller& caller);

  Result<Profile> GetProfile(const Principal& who);

  // Adds a supervisor or client account to the therapist's tenant (invitations build on
  // it). The address is unverified until its first magic link is used; nothing is mailed
  // here. Returns the account id. Errors: kInvalidArgument (bad address or name, or
  // role therapist), kAlreadyExists when the address has an account anywhere.
  Result<std::string> AddMember(const TherapistScope& owner, Role role, std::string_view email,
                                std::string_view name, const Caller& caller);

  // Supervisors (issue #15; docs/supervisors.md): one account per address, of role
  // supervisor, in a tenant of its own, whatever the number of associates it supervises.
  struct Member {
    std::string account_id;
    store::TenantId tenant = 0;
  };
  // The supervisor account of `email`: the existing one, or a new one named `name` with a
  // tenant of its own, its address unverified until an invitation or a magic link is used,
  // audited (auth.account.created) in the new tenant as made by `inviter_account`.
  // Nothing is mailed here. kInvalidArgument for a bad address or name;
  // kFailedPrecondition when the address has an account of another role (a therapist's
  // or a client's address cannot also be a supervisor's).
  Result<Member> FindOrCreateSupervisor(std::string_view email, std::string_view name,
                                        std::string_view inviter_account, const Caller& caller);
  // Signs in the supervisor or client `account_id` whose invitation link was just used, as
  // a magic link would (session and device cookies, the known-browser cookie; the address counts
  // as verified). `consume` uses the invitation up inside the sign-in's transaction and
  // may write there (the link's acceptance and its audit event); false: it was used
  // meanwhile. Audited as auth.magic_link.used (kind "invitation") and auth.login.succeeded
  // (method "invitation"). kUnauthenticated when the account is gone or neither a
  // supervisor's nor a client's.
  Result<NewSession> SignInInvited(std::string_view account_id,
                                   const std::function<Result<bool>(store::Transaction&)>& consume,
                                   const Caller& caller);
  // The address, name and role of the account `account_id` (for the pages and mail of those
  // it works with: a supervisor's associates, an associate's supervisors). kNotFound for
  // an unknown id. Never inside a transaction (the key ring opens the sealed fields).
  Result<Profile> AccountById(std::string_view account_id);

  // Client accounts (the portal, docs/portal.md). SignInInvited above also signs in a
  // client account whose portal invitation was just used.
  // Deletes the client account `account_id` of `tenant` inside the caller's transaction
  // `tx`: its sessions (dead on their next request, C23), sign-in links and codes go with
  // it. Returns the account's data key for DestroyAccountKey after the commit, nullopt
  // when there was no such client account. Audited by the caller.
  Result<std::optional<crypto::KeyId>> DeleteClientAccount(store::Transaction& tx,
                                                           store::TenantId tenant,
                                                           std::string_view account_id);
  // Destroys a deleted account's data key (a failure is logged, and SweepOrphanAccountKeys
  // takes the key later).
  void DestroyAccountKey(store::TenantId tenant, crypto::KeyId key) {
    DiscardAccountKey(tenant, key);
  }

  // Deletes expired sessions and tokens; returns how many rows went.
  Result<std::int64_t> SweepExpired();
  // Destroys the data keys of accounts that are gone (a client account deleted with its
  // portal access or its client record, whose key cannot be destroyed inside that
  // transaction; a new account's key whose insert failed and whose destruction failed
  // too) created before `created_before` (the margin keeps keys of accounts being made).
  // Returns how many went; failures are logged and retried by the next sweep.
  Result<std::int64_t> SweepOrphanAccountKeys(Micros created_before);

  // Blocks until queued background work is done (tests, shutdown).
  void WaitIdle() { background_.WaitIdle(); }

  const IdentityOptions& options() const { return options_; }

 private:
  struct AccountRow;
  struct SignUpFields;
  struct CodeSeed;
  // Uses up the link or code a sign-in finishes with, in the sign-in's transaction:
  // false when it was used (or ended) meanwhile.
  using ConsumeStep = std::function<Result<bool>(store::Transaction&)>;

  Result<std::optional<AccountRow>> FindAccountByEmail(std::string_view normalized_email);
  // The account whose `column` (a unique one: "id" or "email_hash") equals `value`.
  Result<std::optional<AccountRow>> FindAccountWhere(store::Transaction& tx,
                                                     std::string_view column, store::Value value);
  Result<std::optional<AccountRow>> FindAccountById(store::Transaction& tx,
                                                    std::string_view account_id);
  Result<std::vector<std::uint8_t>> EmailLookupHash(std::string_view normalized_email);

  // Background jobs.
  void DoSignUp(const std::string& email, const std::string& name,
                const std::optional<crypto::SecretString>& password, const CodeSeed& seed,
                const Caller& caller);
  void DoMagicLink(const std::string& email, const CodeSeed& seed, const Caller& caller);
  Status DoResend(const crypto::SecretString* token, const CodeSeed& seed,
                  const std::function<bool(const std::string&)>& allow, const Caller& caller);
  // Issues a link and its code (bound to seed's browser) in one transaction, and mails them.
  Status IssueLink(const AccountRow& account, bool signup, const std::string& email,
                   const CodeSeed& seed, const Caller& caller);
  // The signin_codes row of a link just issued in `tx` (signin_codes.cpp); `pending`
  // holds a pending sign-up's packed fields, sealed under the code.
  Status InsertSignInCode(store::Transaction& tx, const CodeSeed& seed,
                          std::span<const std::uint8_t> token_hash,
                          const std::optional<std::string>& account_id,
                          const crypto::SecretString* pending);
  // A new code for a link request from the browser holding `login_cookie`.
  static std::shared_ptr<const CodeSeed> NewCodeSeed(const crypto::SecretString& login_cookie);
  // Deletes codes a day past their expiry (SweepExpired).
  Result<std::int64_t> SweepSignInCodes(store::Transaction& tx);
  // "Send a new link" for a pending sign-up: its link again (or a sign-in link when the
  // address has an account by now), within the per-address budget.
  Status ResendSignUp(const SignUpFields& fields, const CodeSeed& seed,
                      const std::function<bool(const std::string&)>& allow, const Caller& caller);
  // Audits tries of codes that did not match (token hash, and whether the try killed it).
  void AuditCodeRefusals(const std::vector<std::pair<store::Bytes, bool>>& tried,
                         const Caller& caller);
  // A code row for a link request about an address without an account: tries of codes
  // in that browser then take the same path as for an address with one (C30).
  Status InsertDecoyCode(const CodeSeed& seed);
  // Marks the code of the link whose token hash is `token_hash` used (the link was).
  Status EndSignInCode(store::Transaction& tx, std::span<const std::uint8_t> token_hash);
  // Signs in to the account a link or code is for, `consume` using it up (magic_links.cpp).
  Result<NewSession> SignInToLinkAccount(const std::string& account_id, std::string_view purpose,
                                         const ConsumeStep& consume, const Caller& caller);
  // The fields of a pending sign-up, opened with its link's token.
  Result<SignUpFields> OpenPendingSignUp(const crypto::SecretString& token,
                                         const std::string& pending_id);
  // Sign-up for an address without an account: a pending sign-up whose name, address
  // and password hash only its confirmation link opens (magic_links.cpp).
  Status IssuePendingSignUp(const std::string& email, const std::string& name,
                            const std::optional<std::string>& password_hash,
                            const CodeSeed& seed, const Caller& caller);
  Result<NewSession> ConsumePendingSignUp(const SignUpFields& fields,
                                          const std::string& pending_id, store::TenantId tenant,
                                          const ConsumeStep& consume, const Caller& caller);
  // After a link's token was consumed in `tx`: verifies the address if it was not yet
  // (making a pending password usable only for `own_signup_link`), audits the use as
  // `kind` ("signin" or "signup"), starts the session (with `known_browser`, made before
  // `tx` began) and commits.
  Result<NewSession> FinishLinkSignIn(std::unique_ptr<store::Transaction> tx, AccountRow a,
                                      std::string_view kind, bool own_signup_link,
                                      crypto::SecretString known_browser, const Caller& caller);
  static store::TenantId NewTenantId();
  // A new account's data key and sealed fields (no row yet; DiscardAccountKey undoes it).
  Result<AccountRow> PrepareAccount(store::TenantId tenant, Role role, const std::string& email,
                                    const std::string& name);
  // Inserts the prepared account (and its tenant when `new_tenant`) in `tx`, audited as
  // created by `actor` (nullopt: the account itself).
  Status InsertAccount(store::Transaction& tx, const AccountRow& a, bool new_tenant,
                       const std::optional<std::string>& actor, const Caller& caller);
  // Prepare + insert in its own transaction.
  Result<AccountRow> CreateAccount(store::TenantId tenant, bool new_tenant, Role role,
                                   const std::string& email, const std::string& name,
                                   const std::optional<std::string>& actor, const Caller& caller);

  Result<NewSession> StartSession(store::Transaction& tx, const AccountRow& account,
                                  const Caller& caller);
  // The known-browser cookie for the account of `normalized_email`: the caller's nonce
  // when its cookie is valid for this account, else a new one. Uses the key ring (which
  // may read the database), so call it before a write transaction begins.
  Result<crypto::SecretString> KnownBrowserCookie(std::string_view normalized_email,
                                                  const Caller& caller);
  // The account's address, opened with its key (outside any transaction).
  Result<std::string> AccountEmail(const AccountRow& account);
  Status AuditOwnTx(const audit::Event& event);
  // Deletes the account's outstanding sign-in and sign-up links (on logout, "sign out
  // everywhere" and a password change: a link mailed before must not outlive them).
  Status EndSignInLinks(store::Transaction& tx, const std::string& account_id);
  void DiscardAccountKey(store::TenantId tenant, crypto::KeyId key);
  const std::string& DummyPasswordHash();

  store::Db& db_;
  crypto::KeyRing& keys_;
  crypto::PasswordHasher& hasher_;
  const audit::Log& log_;
  mail::Queue& mail_;
  const Clock& clock_;
  const IdentityOptions options_;
  crypto::TokenIssuer tokens_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;
  WorkQueue background_;  // last: joined before the members its jobs use are destroyed
};

}  // namespace alcove::identity
