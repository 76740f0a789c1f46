#include "crypto/tokens.hpp"

#include <fmt/format.h>

#include <array>
#include <vector>

#include "core/encoding.hpp"
#include "crypto/random.hpp"
#include "store/schema.hpp"

namespace alcove::crypto {
namespace {

// Table `tokens` is deliberately NOT a tenant table (no row-level security, read and
// written from Db::Begin()): a token is looked up before anyone's tenant is known —
// sign-in by magic link, a client's portal invitation, a public questionnaire link, a
// supervisor's signing link — so no tenant could be set for the transaction, and under
// FORCE ROW LEVEL SECURITY the lookup would see nothing. It holds no client content:
// only hashes of tokens, their purpose, the id of their subject, the tenant id when
// one applies, and times. The token itself is never stored.
constexpr std::string_view kTokens =
    "CREATE TABLE tokens ("
    " hash {bytes} PRIMARY KEY CHECK ({bytelen}(hash) = 32),"
    " purpose TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " tenant_id {int},"
    " single_use {int} NOT NULL CHECK (single_use IN (0, 1)),"
    " created_at {int} NOT NULL,"
    " expires_at {int} NOT NULL,"
    " used_at {int}"
    "){strict};"
    "CREATE INDEX tokens_by_expiry ON tokens (expires_at)";



constexpr std::string_view kColumns =
    "hash, purpose, subject, tenant_id, single_use, created_at, expires_at, used_at";

std::unexpected<Error> Rejected(std::string_view why) {
  return Fail(ErrorCode::kUnauthenticated, fmt::format("token rejected: {}", why),
              "this link is invalid or has expired");
}

bool ValidPurpose(std::string_view p) {
  if (p.empty() || p.size() > kMaxPurposeLength) {
    return false;
  }
  for (const char c : p) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// The shape of a token we issued: 43 base64url characters that decode to 32 bytes.
bool WellFormed(const Secret<std::string>& token) {
  if (token.size() != kTokenLength) {
    return false;
  }
  auto bytes = Base64UrlDecode(token.reveal());
  if (!bytes) {
    return false;
  }
  SecureZero(bytes->data(), bytes->size());
  return bytes->size() == kTokenBytes;
}

store::Bytes HashValue(const Sha256Digest& d) { return store::Bytes(d.begin(), d.end()); }

TokenRecord FromRow(const store::Row& row) {
  TokenRecord r;
  r.purpose = row.Text(1);
  r.subject = row.Text(2);
  r.tenant = row.OptionalInt(3);
  r.use = row.Int(4) == 1 ? TokenUse::kSingle : TokenUse::kReusable;
  r.created_at = row.Int(5);
  r.expires_at = row.Int(6);
  r.used_at = row.OptionalInt(7);
  return r;
}

}  // namespace

Sha256Digest TokenHash(std::string_view purpose, const Secret<std::string>& token) {
  Sha256Hasher h;
  h.Update(purpose);
  const std::uint8_t sep = 0x00;
  h.Update(std::span(&sep, 1));
  h.Update(token.reveal());
  return h.Finish();
}

std::span<const store::Migration> TokenMigrations() {
  static const store::MigrationSet set = store::MigrationSet().Add(150, "crypto_tokens", kTokens);
  return set.migrations();
}

Result<Secret<std::string>> TokenIssuer::Issue(std::string_view purpose, Micros ttl, TokenUse use,
                                               std::string_view subject,
                                               std::optional<store::TenantId> tenant) {
  auto tx = db_.Begin();
  if (!tx) {
    return std::unexpected(tx.error());
  }
  auto token = Issue(**tx, purpose, ttl, use, subject, tenant);
  if (!token) {
    return token;
  }
  if (auto st = (*tx)->Commit(); !st) {
    return std::unexpected(st.error());
  }
  return token;
}

Result<Secret<std::string>> TokenIssuer::Issue(store::Transaction& tx, std::string_view purpose,
                                               Micros ttl, TokenUse use, std::string_view subject,
                                               std::optional<store::TenantId> tenant) {
  if (!ValidPurpose(purpose)) {
    return Fail(ErrorCode::kInvalidArgument, "token purpose must be 1-64 of [a-z0-9_.-]");
  }
  if (subject.size() > kMaxSubjectLength || subject.find('\0') != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "token subject too long or holds NUL");
  }
  if (ttl <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "token lifetime must be positive");
  }
  std::array<std::uint8_t, kTokenBytes> raw{};
  RandomBytes(raw);
  Secret<std::string> token(Base64UrlEncode(raw));
  SecureZero(raw.data(), raw.size());

  const Micros now = clock_.Now();
  const store::Value params[] = {
      HashValue(TokenHash(purpose, token)),
      std::string(purpose),
      std::string(subject),
      tenant ? store::Value(*tenant) : store::Value(store::Null{}),
      std::int64_t{use == TokenUse::kSingle ? 1 : 0},
      now,
      now + ttl,
  };
  auto inserted = tx.Execute(
      "INSERT INTO tokens (hash, purpose, subject, tenant_id, single_use, created_at, "
      "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      params);
  if (!inserted) {
    return std::unexpected(inserted.error());
  }
  return token;
}

Result<TokenRecord> TokenIssuer::FindIn(store::Transaction& tx, std::string_view purpose,
                                        const Secret<std::string>& token) {
  if (!ValidPurpose(purpose)) {
    return Rejected("invalid purpose");
  }
  if (!WellFormed(token)) {
    return Rejected("malformed");
  }
  const Sha256Digest hash = TokenHash(purpose, token);
  const store::Value params[] = {HashValue(hash)};
  auto rows = tx.Query(fmt::format("SELECT {} FROM tokens WHERE hash = $1", kColumns), params);
  if (!rows) {
    return std::unexpected(rows.error());
  }
  if (rows->empty()) {
    return Rejected("unknown (or issued for another purpose)");
  }
  const store::Row& row = rows->front();
  // The database matched on the hash; check it again in constant time, and the purpose.
  if (!ConstantTimeEquals(row.Blob(0), hash) || row.Text(1) != purpose) {
    return Rejected("hash or purpose mismatch");
  }
  return FromRow(row);
}

Result<TokenRecord> TokenIssuer::Lookup(store::Transaction& tx, std::string_view purpose,
                                        const Secret<std::string>& token) {
  auto record = FindIn(tx, purpose, token);
  if (!record) {
    return record;
  }
  if (clock_.Now() >= record->expires_at) {
    return Rejected("expired");
  }
  if (record->used_at) {
    return Rejected("already used");
  }
  return record;
}

Result<TokenRecord> TokenIssuer::Find(std::string_view purpose, const Secret<std::string>& token) {
  auto tx = db_.Begin();
  if (!tx) {
    return std::unexpected(tx.error());
  }
  return FindIn(**tx, purpose, token);  // read only: rolls back
}

Result<TokenRecord> TokenIssuer::Verify(std::string_view purpose,
                                        const Secret<std::string>& token) {
  auto tx = db_.Begin();
  if (!tx) {
    return std::unexpected(tx.error());
  }
  return Lookup(**tx, purpose, token);  // read only: rolls back
}

Result<TokenRecord> TokenIssuer::Consume(std::string_view purpose,
                                         const Secret<std::string>& token) {
  auto tx = db_.Begin();
  if (!tx) {
    return std::unexpected(tx.error());
  }
  auto record = Consume(**tx, purpose, token);
  if (!record) {
    return record;
  }
  if (auto st = (*tx)->Commit(); !st) {
    return std::unexpected(st.error());
  }
  return record;
}

Result<TokenRecord> TokenIssuer::Consume(store::Transaction& tx, std::string_view purpose,
                                         const Secret<std::string>& token) {
  auto record = Lookup(tx, purpose, token);
  if (!record) {
    return record;
  }
  if (record->use != TokenUse::kSingle) {
    return Rejected("a reusable token cannot be consumed");
  }
  // The decision is this one statement: whoever changes the row owns the token. A
  // concurrent consumer either waits for our row lock and then finds used_at set
  // (PostgreSQL re-checks the WHERE clause), or ran first and we change nothing.
  const Micros now = clock_.Now();
  const store::Value params[] = {now, HashValue(TokenHash(purpose, token)), std::string(purpose)};
  auto changed = tx.Execute(
      "UPDATE tokens SET used_at = $1 WHERE hash = $2 AND purpose = $3 AND single_use = 1 "
      "AND used_at IS NULL AND expires_at > $1",
      params);
  if (!changed) {
    return std::unexpected(changed.error());
  }
  if (*changed != 1) {
    return Rejected("already used (concurrently) or expired");
  }
  record->used_at = now;
  return record;
}

Status TokenIssuer::Revoke(std::string_view purpose, const Secret<std::string>& token) {
  if (!ValidPurpose(purpose) || !WellFormed(token)) {
    return {};  // nothing we issued can match
  }
  auto tx = db_.Begin();
  if (!tx) {
    return std::unexpected(tx.error());
  }
  const store::Value params[] = {HashValue(TokenHash(purpose, token))};
  if (auto n = (*tx)->Execute("DELETE FROM tokens WHERE hash = $1", params); !n) {
    return std::unexpected(n.error());
  }
  return (*tx)->Commit();
}

Result<std::int64_t> TokenIssuer::DeleteExpired() {
  auto tx = db_.Begin();
  if (!tx) {
    return std::unexpected(tx.error());
  }
  const store::Value params[] = {clock_.Now()};
  auto n = (*tx)->Execute("DELETE FROM tokens WHERE expires_at <= $1", params);
  if (!n) {
    return n;
  }
  if (auto st = (*tx)->Commit(); !st) {
    return std::unexpected(st.error());
  }
  return n;
}

}  // namespace alcove::crypto
