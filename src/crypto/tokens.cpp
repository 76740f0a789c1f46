#include "crypto/tokens.hpp"

#include <fmt/format.h>

#include <array>
#include <vector>

#include "core/encoding.hpp"
#include "crypto/aead.hpp"
#include "crypto/hkdf.hpp"
#include "crypto/secure_buffer.hpp"
#include "crypto/random.hpp"
#include "store/token_table.hpp"

namespace alcove::crypto {
namespace {

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

TokenRecord FromRow(const store::TokenRow& row) {
  TokenRecord r;
  r.purpose = row.purpose;
  r.subject = row.subject;
  r.tenant = row.tenant;
  r.use = row.single_use ? TokenUse::kSingle : TokenUse::kReusable;
  r.created_at = row.created_at;
  r.expires_at = row.expires_at;
  r.used_at = row.used_at;
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

store::Bytes TokenHashBytes(std::string_view purpose, const Secret<std::string>& token) {
  const Sha256Digest d = TokenHash(purpose, token);
  return store::Bytes(d.begin(), d.end());
}

bool SameTokenHash(const std::optional<store::Bytes>& kept,
                   std::span<const std::uint8_t> presented) {
  return kept && kept->size() == presented.size() && ConstantTimeEquals(*kept, presented);
}

std::span<const store::Migration> TokenMigrations() { return store::TokenTableMigrations(); }

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
  ALCOVE_TRY(store::InsertToken(tx, store::TokenRow{.hash = HashValue(TokenHash(purpose, token)),
                                                    .purpose = std::string(purpose),
                                                    .subject = std::string(subject),
                                                    .tenant = tenant,
                                                    .single_use = use == TokenUse::kSingle,
                                                    .created_at = now,
                                                    .expires_at = now + ttl,
                                                    .used_at = std::nullopt}));
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
  ALCOVE_TRY_ASSIGN(const auto row, store::FindToken(tx, hash));
  if (!row) {
    return Rejected("unknown (or issued for another purpose)");
  }
  // The database matched on the hash; check it again in constant time, and the purpose.
  if (!ConstantTimeEquals(row->hash, hash) || row->purpose != purpose) {
    return Rejected("hash or purpose mismatch");
  }
  return FromRow(*row);
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
  ALCOVE_TRY_ASSIGN(const std::int64_t changed,
                    store::MarkTokenUsed(tx, TokenHash(purpose, token), purpose, now));
  if (changed != 1) {
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
  ALCOVE_TRY(store::DeleteToken(**tx, TokenHash(purpose, token)));
  return (*tx)->Commit();
}

Result<std::int64_t> TokenIssuer::DeleteExpired() {
  auto tx = db_.Begin();
  if (!tx) {
    return std::unexpected(tx.error());
  }
  auto n = store::DeleteExpiredTokens(**tx, clock_.Now());
  if (!n) {
    return n;
  }
  if (auto st = (*tx)->Commit(); !st) {
    return std::unexpected(st.error());
  }
  return n;
}

namespace {

Result<SecureBuffer> TokenBoxKey(const Secret<std::string>& token, std::string_view purpose) {
  if (!WellFormed(token)) {
    return Fail(ErrorCode::kInvalidArgument, "token box: malformed token");
  }
  if (!ValidPurpose(purpose)) {
    return Fail(ErrorCode::kInvalidArgument, "token box: bad purpose");
  }
  std::string info = "alcove/token-box/v1";
  info.push_back('\0');
  info.append(purpose);
  SecureBuffer key(kAesGcmKeySize);
  ALCOVE_TRY(HkdfExtractExpand(HkdfHash::kSha256, AsBytes(token.reveal()), {}, AsBytes(info),
                               key.span()));
  return key;
}

}  // namespace

Result<std::vector<std::uint8_t>> SealTokenBox(const Secret<std::string>& token,
                                               std::string_view purpose,
                                               std::span<const std::uint8_t> aad,
                                               std::span<const std::uint8_t> plaintext) {
  ALCOVE_TRY_ASSIGN(const auto key, TokenBoxKey(token, purpose));
  std::vector<std::uint8_t> box(1 + kAesGcmNonceSize + plaintext.size() + kAesGcmTagSize);
  box[0] = kTokenBoxVersion;
  const std::span<std::uint8_t> nonce(box.data() + 1, kAesGcmNonceSize);
  RandomBytes(nonce);
  ALCOVE_TRY(AesGcmSeal(key.span(), nonce, aad, plaintext,
                        std::span<std::uint8_t>(box).subspan(1 + kAesGcmNonceSize)));
  return box;
}

Result<Secret<std::string>> OpenTokenBox(const Secret<std::string>& token, std::string_view purpose,
                                         std::span<const std::uint8_t> aad,
                                         std::span<const std::uint8_t> box) {
  ALCOVE_TRY_ASSIGN(const auto key, TokenBoxKey(token, purpose));
  if (box.size() < 1 + kAesGcmNonceSize + kAesGcmTagSize || box[0] != kTokenBoxVersion) {
    return Rejected("token box malformed");
  }
  SecureBuffer out(box.size() - 1 - kAesGcmNonceSize - kAesGcmTagSize);
  if (!AesGcmOpen(key.span(), box.subspan(1, kAesGcmNonceSize), aad,
                  box.subspan(1 + kAesGcmNonceSize), out.span())) {
    return Rejected("token box does not open under this token");
  }
  return Secret<std::string>(std::string(out.span().begin(), out.span().end()));
}

}  // namespace alcove::crypto
