#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/secret.hpp"
#include "crypto/sha.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::crypto {

// Tokens for links and sessions (CRYPTO-FORMATS.md §4, claim C27): magic links, portal
// invites, questionnaire links, signing links, session tokens.
//
//   token  = unpadded base64url of 256 bits from the OS CSPRNG (43 characters),
//            handed to the caller once, as a Secret;
//   stored = SHA-256(purpose || 0x00 || token) in table `tokens`, with the purpose, the
//            subject it was issued for, the expiry, whether it is single use, and used_at.
// The token itself is never stored, logged or put in an error message. A token is
// looked up by its hash; the stored hash is compared again in constant time.
//
// A token is valid while now < expires_at, for the purpose it was issued for only (the
// purpose is part of the hash), and — if single use — until it is consumed. Consume is
// atomic: one conditional UPDATE ... WHERE used_at IS NULL AND expires_at > now, so of
// two concurrent uses of a single-use token exactly one succeeds.
//
// Errors: every rejection (malformed, unknown, wrong purpose, expired, already used) is
// the one error kUnauthenticated, public message "this link is invalid or has expired";
// the internal message says which check failed. Database errors pass through (db.hpp).
// Thread-safety: a TokenIssuer may be used from any thread (the Db is thread-safe).

inline constexpr std::size_t kTokenBytes = 32;   // 256 bits
inline constexpr std::size_t kTokenLength = 43;  // base64url, unpadded
inline constexpr std::size_t kMaxPurposeLength = 64;
inline constexpr std::size_t kMaxSubjectLength = 256;

enum class TokenUse { kSingle, kReusable };

// What the table knows about a token (never the token).
struct TokenRecord {
  std::string purpose;
  std::string subject;  // what the token is for: an account id, a weekly-log id, ...
  std::optional<store::TenantId> tenant;
  TokenUse use = TokenUse::kSingle;
  Micros created_at = 0;
  Micros expires_at = 0;
  std::optional<Micros> used_at;
};

// SHA-256(purpose || 0x00 || token): the only form in which a token is stored.
Sha256Digest TokenHash(std::string_view purpose, const Secret<std::string>& token);

// TokenHash as the bytes a column keeps (a row that remembers its newest token's hash, so
// that issuing another supersedes it: supervisor and portal invitations).
store::Bytes TokenHashBytes(std::string_view purpose, const Secret<std::string>& token);
// Whether the hash a row keeps (none: never) is `presented`, compared in constant time.
bool SameTokenHash(const std::optional<store::Bytes>& kept,
                   std::span<const std::uint8_t> presented);

// The schema of table `tokens` (versions 150–199).
std::span<const store::Migration> TokenMigrations();

// A token box: a value only the holder of a token can read (claim C26; pending sign-ups).
//
//   key = HKDF-SHA256(ikm = the token's characters, no salt,
//                     info = "alcove/token-box/v1" || 0x00 || purpose)
//   box = 0x01 || nonce (12 random bytes) || AES-256-GCM(key, nonce, aad, plaintext) || tag
//
// The server keeps the box and the token's hash, never the token, so what is in the box
// cannot be read — by the server or by anyone who copies the database — until someone
// presents the token. Each token seals one box, so a key is used once. `aad` binds the
// box to its row (e.g. the row id), so boxes cannot be swapped between rows.
// Errors: kInvalidArgument for a malformed token or purpose; opening a box under any
// other token, purpose or aad, or a damaged box, is kUnauthenticated ("this link is
// invalid or has expired"), with nothing of the plaintext left behind.
inline constexpr std::uint8_t kTokenBoxVersion = 1;
Result<std::vector<std::uint8_t>> SealTokenBox(const Secret<std::string>& token,
                                               std::string_view purpose,
                                               std::span<const std::uint8_t> aad,
                                               std::span<const std::uint8_t> plaintext);
Result<Secret<std::string>> OpenTokenBox(const Secret<std::string>& token, std::string_view purpose,
                                         std::span<const std::uint8_t> aad,
                                         std::span<const std::uint8_t> box);

class TokenIssuer {
 public:
  // Borrows `db` and `clock`; both must outlive the issuer.
  TokenIssuer(store::Db& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Issues a new token valid for `ttl` microseconds. `purpose`: 1–64 characters of
  // [a-z0-9_.-]; `subject`: at most 256 characters, no NUL. Errors: kInvalidArgument
  // for a bad purpose, subject or ttl <= 0; database errors.
  Result<Secret<std::string>> Issue(std::string_view purpose, Micros ttl, TokenUse use,
                                    std::string_view subject,
                                    std::optional<store::TenantId> tenant = std::nullopt);
  // The same inside the caller's transaction (e.g. together with a session row).
  Result<Secret<std::string>> Issue(store::Transaction& tx, std::string_view purpose, Micros ttl,
                                    TokenUse use, std::string_view subject,
                                    std::optional<store::TenantId> tenant = std::nullopt);

  // Checks a token without using it up: right purpose, not expired, not used.
  Result<TokenRecord> Verify(std::string_view purpose, const Secret<std::string>& token);

  // The record of a token we issued for `purpose`, whether or not it is still valid
  // (expired, used): for explaining and auditing a refused attempt. Never treat its
  // success as permission. kUnauthenticated when no such token exists.
  Result<TokenRecord> Find(std::string_view purpose, const Secret<std::string>& token);

  // Uses up a single-use token, atomically: of concurrent calls with the same token
  // exactly one succeeds. A reusable token cannot be consumed (kUnauthenticated).
  Result<TokenRecord> Consume(std::string_view purpose, const Secret<std::string>& token);
  // The same inside the caller's transaction (e.g. together with the signature the link
  // authorises): if that transaction rolls back, the token stays unused.
  Result<TokenRecord> Consume(store::Transaction& tx, std::string_view purpose,
                              const Secret<std::string>& token);

  // Deletes the token (logout, revoked invitation). Succeeds if it did not exist.
  Status Revoke(std::string_view purpose, const Secret<std::string>& token);

  // Deletes tokens that expired before now; returns how many.
  Result<std::int64_t> DeleteExpired();

 private:
  Result<TokenRecord> FindIn(store::Transaction& tx, std::string_view purpose,
                             const Secret<std::string>& token);
  Result<TokenRecord> Lookup(store::Transaction& tx, std::string_view purpose,
                             const Secret<std::string>& token);

  store::Db& db_;
  const Clock& clock_;
};

}  // namespace alcove::crypto
