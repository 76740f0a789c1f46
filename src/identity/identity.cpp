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
#include "identity/password_policy.hpp"
#include "mail/message.hpp"
#include "store/ids.hpp"

namespace alcove::identity {
namespace {

using crypto::SecretString;

// ---------------------------------------------------------------------------------------
// Schema. Not row-level-security tables (see identity.hpp): each is read before the
// caller's tenant is known. No client content: sealed fields, hashes, ids and times.

constexpr std::string_view kTenantsSqlite =
    "CREATE TABLE tenants ("
    " id INTEGER PRIMARY KEY CHECK (id > 0),"
    " created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE accounts ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
    " role TEXT NOT NULL CHECK (role IN ('therapist', 'supervisor', 'client')),"
    " email_hash BLOB NOT NULL UNIQUE CHECK (length(email_hash) = 32),"
    " email BLOB NOT NULL,"
    " name BLOB NOT NULL,"
    " key_id INTEGER NOT NULL,"
    " password_hash TEXT,"
    " pending_password_hash TEXT,"
    " email_verified_at INTEGER,"
    " created_at INTEGER NOT NULL,"
    " password_changed_at INTEGER"
    ") STRICT;"
    "CREATE INDEX accounts_by_tenant ON accounts (tenant_id)";

constexpr std::string_view kTenantsPostgres =
    "CREATE TABLE tenants ("
    " id BIGINT PRIMARY KEY CHECK (id > 0),"
    " created_at BIGINT NOT NULL"
    ");"
    "CREATE TABLE accounts ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id BIGINT NOT NULL REFERENCES tenants (id),"
    " role TEXT NOT NULL CHECK (role IN ('therapist', 'supervisor', 'client')),"
    " email_hash BYTEA NOT NULL UNIQUE CHECK (octet_length(email_hash) = 32),"
    " email BYTEA NOT NULL,"
    " name BYTEA NOT NULL,"
    " key_id BIGINT NOT NULL,"
    " password_hash TEXT,"
    " pending_password_hash TEXT,"
    " email_verified_at BIGINT,"
    " created_at BIGINT NOT NULL,"
    " password_changed_at BIGINT"
    ");"
    "CREATE INDEX accounts_by_tenant ON accounts (tenant_id)";

constexpr std::string_view kSessionsSqlite =
    "CREATE TABLE sessions ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
    " device_hash BLOB NOT NULL CHECK (length(device_hash) = 32),"
    " account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " tenant_id INTEGER NOT NULL,"
    " user_agent TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " last_seen_at INTEGER NOT NULL,"
    " idle_expires_at INTEGER NOT NULL,"
    " absolute_expires_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX sessions_by_account ON sessions (account_id);"
    "CREATE INDEX sessions_by_expiry ON sessions (idle_expires_at)";

constexpr std::string_view kSessionsPostgres =
    "CREATE TABLE sessions ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " token_hash BYTEA NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),"
    " device_hash BYTEA NOT NULL CHECK (octet_length(device_hash) = 32),"
    " account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " tenant_id BIGINT NOT NULL,"
    " user_agent TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " last_seen_at BIGINT NOT NULL,"
    " idle_expires_at BIGINT NOT NULL,"
    " absolute_expires_at BIGINT NOT NULL"
    ");"
    "CREATE INDEX sessions_by_account ON sessions (account_id);"
    "CREATE INDEX sessions_by_expiry ON sessions (idle_expires_at)";

constexpr store::Migration kMigrations[] = {
    {301, "identity_accounts", kTenantsSqlite, kTenantsPostgres},
    {302, "identity_sessions", kSessionsSqlite, kSessionsPostgres},
};

// Token purposes (crypto/tokens.hpp): the purpose is part of the stored hash.
constexpr std::string_view kSignInPurpose = "auth.signin";
constexpr std::string_view kSignUpPurpose = "auth.signup";
constexpr std::string_view kSessionPurpose = "auth.session";
constexpr std::string_view kEmailLookup = "email-lookup";
constexpr std::string_view kRateLimitKey = "rate-limit-account";
constexpr std::size_t kMaxUserAgent = 200;

constexpr std::string_view kAccountColumns =
    "id, tenant_id, role, key_id, password_hash, pending_password_hash, email_verified_at, "
    "email, name";

std::unexpected<Error> Unauthenticated(std::string internal,
                                       std::string public_message = "Please sign in.") {
  return Fail(ErrorCode::kUnauthenticated, std::move(internal), std::move(public_message));
}

std::string Hex(std::span<const std::uint8_t> bytes) { return HexEncode(bytes); }

// SHA-256(label 0x00 a [0x00 b]) for the derived values below.
crypto::Sha256Digest LabelledHash(std::string_view label, std::string_view a,
                                  std::string_view b = {}) {
  crypto::Sha256Hasher h;
  const std::uint8_t zero = 0;
  h.Update(label);
  h.Update(std::span(&zero, 1));
  h.Update(a);
  if (!b.empty()) {
    h.Update(std::span(&zero, 1));
    h.Update(b);
  }
  return h.Finish();
}

// What a magic-link token's subject holds: the account and the hash of the login
// cookie of the browser that asked for it.
std::string LoginBinding(const SecretString& login_cookie) {
  return Hex(LabelledHash("alcove/login-binding/v1", login_cookie.reveal()));
}

crypto::Sha256Digest DeviceHash(std::string_view session_id, const SecretString& device) {
  return LabelledHash("alcove/device/v1", session_id, device.reveal());
}

store::Bytes ToBytes(std::span<const std::uint8_t> d) { return store::Bytes(d.begin(), d.end()); }

// A User-Agent as the sessions list shows it: printable ASCII, at most 200 characters.
std::string DisplayUserAgent(std::string_view ua) {
  std::string out;
  for (const char c : ua.substr(0, kMaxUserAgent)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

// UTF-8 code points of `s`, or nullopt if `s` is not valid UTF-8 or holds a control
// character.
std::optional<std::size_t> CountPrintableCodePoints(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto cp = DecodeUtf8At(s, i);
    if (!cp || cp->value < 0x20 || (cp->value >= 0x7F && cp->value < 0xA0)) {
      return std::nullopt;
    }
    ++count;
    i += cp->length;
  }
  return count;
}

}  // namespace

// The columns of accounts that the service works with (sealed fields stay sealed).
struct Identity::AccountRow {
  std::string id;
  store::TenantId tenant = 0;
  Role role{};
  crypto::KeyId key_id = 0;
  std::optional<std::string> password_hash;
  std::optional<std::string> pending_password_hash;
  std::optional<Micros> email_verified_at;
  store::Bytes email;
  store::Bytes name;

  static Result<AccountRow> From(const store::Row& row) {
    AccountRow a;
    a.id = row.Text(0);
    a.tenant = row.Int(1);
    auto role = RoleFromName(row.Text(2));
    if (!role) {
      return Fail(ErrorCode::kInternal, "accounts row with an unknown role");
    }
    a.role = *role;
    a.key_id = static_cast<crypto::KeyId>(row.Int(3));
    a.password_hash = row.OptionalText(4);
    a.pending_password_hash = row.OptionalText(5);
    a.email_verified_at = row.OptionalInt(6);
    a.email = row.Blob(7);
    a.name = row.Blob(8);
    return a;
  }
};

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

std::span<const store::Migration> IdentityMigrations() { return kMigrations; }

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

Status Identity::AuditOwnTx(const audit::Event& event) {
  ALCOVE_TRY_ASSIGN(auto tx, event.tenant != 0 ? db_.BeginTenant(event.tenant) : db_.Begin());
  ALCOVE_TRY(log_.Append(*tx, event));
  return tx->Commit();
}

// ---------------------------------------------------------------------------------------
// Sign-up and magic links: validate on the request path, do the rest in the background.

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

Result<Identity::AccountRow> Identity::CreateTherapist(
    const std::string& email, const std::string& name,
    const std::optional<std::string>& password_hash, const Caller& caller) {
  // A tenant id: random, positive, below 2^53 (exact in JSON numbers).
  std::array<std::uint8_t, 8> raw{};
  crypto::RandomBytes(raw);
  std::uint64_t r = 0;
  for (const auto b : raw) {
    r = (r << 8) | b;
  }
  const auto tenant = static_cast<store::TenantId>((r & ((std::uint64_t{1} << 53) - 1)) | 1);
  return CreateAccount(tenant, true, Role::kTherapist, email, name, password_hash, std::nullopt,
                       caller);
}

Result<std::string> Identity::AddMember(const TherapistScope& owner, Role role,
                                        std::string_view email, std::string_view name,
                                        const Caller& caller) {
  if (role == Role::kTherapist) {
    return Fail(ErrorCode::kInvalidArgument, "a tenant has one therapist",
                "A practice has one therapist; add a supervisor or a client.");
  }
  ALCOVE_TRY_ASSIGN(const std::string normalized, NormalizeEmail(email));
  ALCOVE_TRY_ASSIGN(const std::string display, NormalizeName(name));
  ALCOVE_TRY_ASSIGN(const auto existing, FindAccountByEmail(normalized));
  if (existing) {
    return Fail(ErrorCode::kAlreadyExists, "member address already has an account",
                "That address already has an Alcove account.");
  }
  ALCOVE_TRY_ASSIGN(const AccountRow a,
                    CreateAccount(owner.tenant(), false, role, normalized, display, std::nullopt,
                                  owner.account_id(), caller));
  return a.id;
}

void Identity::DiscardAccountKey(store::TenantId tenant, crypto::KeyId key) {
  // The key sealed nothing that was stored; a failure leaves an unused wrapped key.
  if (auto st = keys_.DestroyDek(tenant, key); !st) {
    spdlog::error("an unused account data key {} was not destroyed: {}", key, st.error().internal);
  }
}

Result<Identity::AccountRow> Identity::CreateAccount(
    store::TenantId tenant, bool new_tenant, Role role, const std::string& email,
    const std::string& name, const std::optional<std::string>& password_hash,
    const std::optional<std::string>& actor, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto lookup, EmailLookupHash(email));

  ALCOVE_TRY_ASSIGN(auto key, keys_.CreateDek(tenant, "account"));
  AccountRow a;
  a.id = store::NewId();
  a.tenant = tenant;
  a.role = role;
  a.key_id = key;
  a.pending_password_hash = password_hash;
  const crypto::FieldCipher cipher(keys_, key);
  auto sealed_email = cipher.Seal(email, {tenant, "accounts", "email", a.id});
  auto sealed_name = cipher.Seal(name, {tenant, "accounts", "name", a.id});
  if (!sealed_email || !sealed_name) {
    DiscardAccountKey(tenant, key);
    return std::unexpected(!sealed_email ? sealed_email.error() : sealed_name.error());
  }
  a.email = std::move(*sealed_email);
  a.name = std::move(*sealed_name);

  auto insert = [&]() -> Status {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    const Micros now = clock_.Now();
    const store::Value tenant_params[] = {tenant, now};
    if (new_tenant) {
      ALCOVE_TRY(
          tx->Execute("INSERT INTO tenants (id, created_at) VALUES ($1, $2)", tenant_params));
    }
    const store::Value params[] = {
        a.id,
        tenant,
        std::string(RoleName(a.role)),
        store::Bytes(lookup),
        a.email,
        a.name,
        static_cast<std::int64_t>(a.key_id),
        password_hash ? store::Value(*password_hash) : store::Value(store::Null{}),
        now,
    };
    ALCOVE_TRY(tx->Execute(
        "INSERT INTO accounts (id, tenant_id, role, email_hash, email, name, key_id, "
        "pending_password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params));
    audit::Event e = EventFor(clock_.Now(), audit::Action::kAccountCreated, tenant,
                              actor ? std::string_view(*actor) : std::string_view(a.id), caller,
                              "account", a.id);
    (void)e.details.SetToken("role", RoleName(a.role));
    ALCOVE_TRY(log_.Append(*tx, e));
    return tx->Commit();
  };
  if (auto st = insert(); !st) {
    DiscardAccountKey(tenant, key);
    return std::unexpected(st.error());
  }
  return a;
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
  ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
  if (rehash) {
    const store::Value params[] = {*rehash, a.id, stored};
    ALCOVE_TRY(tx->Execute(
        "UPDATE accounts SET password_hash = $1 WHERE id = $2 AND password_hash = $3", params));
  }
  ALCOVE_TRY_ASSIGN(auto session, StartSession(*tx, a, caller));
  audit::Event in = EventFor(clock_.Now(), audit::Action::kLoginSucceeded, a.tenant, a.id, caller,
                             "session", session.principal.session_id);
  (void)in.details.SetToken("method", "password");
  ALCOVE_TRY(log_.Append(*tx, in));
  ALCOVE_TRY(tx->Commit());
  return session;
}

// ---------------------------------------------------------------------------------------
// Sessions.

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
  audit::Event e = EventFor(clock_.Now(), audit::Action::kSessionRevoked, who.tenant,
                            who.account_id, caller, "account", who.account_id);
  (void)e.details.SetToken("scope", "others");
  (void)e.details.SetInt("count", n);
  ALCOVE_TRY(log_.Append(*tx, e));
  ALCOVE_TRY(tx->Commit());
  return n;
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
  audit::Event e = EventFor(clock_.Now(), audit::Action::kPasswordChanged, who.tenant,
                            who.account_id, caller, "account", who.account_id);
  (void)e.details.SetInt("sessions_ended", revoked);
  ALCOVE_TRY(log_.Append(*tx, e));
  return tx->Commit();
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
  ALCOVE_TRY(tx->Commit());
  tx.reset();
  ALCOVE_TRY_ASSIGN(auto t, tokens_.DeleteExpired());
  return n + t;
}

}  // namespace alcove::identity
