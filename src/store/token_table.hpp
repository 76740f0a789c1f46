#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::store {

// The `tokens` table: the SQL behind crypto::TokenIssuer (only store/ talks to the
// database). A row holds the SHA-256 of a token, never the token; its purpose, the id of
// its subject, the tenant when one applies, and times. Not a tenant table (no row-level
// security, written from Db::Begin()): a token is looked up before anyone's tenant is
// known (a magic link, a portal invitation, a questionnaire or signing link).
struct TokenRow {
  Bytes hash;  // 32 bytes
  std::string purpose;
  std::string subject;
  std::optional<TenantId> tenant;
  bool single_use = true;
  Micros created_at = 0;
  Micros expires_at = 0;
  std::optional<Micros> used_at;
};

// Versions 150-199.
std::span<const Migration> TokenTableMigrations();

Status InsertToken(Transaction& tx, const TokenRow& row);
// The row whose hash is `hash`, if any.
Result<std::optional<TokenRow>> FindToken(Transaction& tx, std::span<const std::uint8_t> hash);
// Marks a single-use, unused, unexpired token of `purpose` used at `now`, in one
// statement (whoever changes the row owns the token). Returns the rows changed: 0 or 1.
Result<std::int64_t> MarkTokenUsed(Transaction& tx, std::span<const std::uint8_t> hash,
                                   std::string_view purpose, Micros now);
Result<std::int64_t> DeleteToken(Transaction& tx, std::span<const std::uint8_t> hash);
Result<std::int64_t> DeleteExpiredTokens(Transaction& tx, Micros now);
// Deletes every token of `purpose` whose subject starts with `subject_prefix` (non-empty
// ASCII); returns how many went.
Result<std::int64_t> DeleteTokensBySubjectPrefix(Transaction& tx, std::string_view purpose,
                                                 std::string_view subject_prefix);

}  // namespace alcove::store
