#include "store/token_table.hpp"

#include <fmt/format.h>

#include "store/schema.hpp"

namespace alcove::store {
namespace {

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

Bytes ToBytes(std::span<const std::uint8_t> b) { return Bytes(b.begin(), b.end()); }

}  // namespace

std::span<const Migration> TokenTableMigrations() {
  static const MigrationSet set = MigrationSet().Add(150, "crypto_tokens", kTokens);
  return set.migrations();
}

Status InsertToken(Transaction& tx, const TokenRow& row) {
  const Value params[] = {
      row.hash,
      row.purpose,
      row.subject,
      row.tenant ? Value(*row.tenant) : Value(Null{}),
      std::int64_t{row.single_use ? 1 : 0},
      row.created_at,
      row.expires_at,
  };
  ALCOVE_TRY(
      tx.Execute("INSERT INTO tokens (hash, purpose, subject, tenant_id, single_use, created_at, "
                 "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                 params));
  return {};
}

Result<std::optional<TokenRow>> FindToken(Transaction& tx, std::span<const std::uint8_t> hash) {
  const Value params[] = {ToBytes(hash)};
  ALCOVE_TRY_ASSIGN(
      const auto rows,
      tx.Query(fmt::format("SELECT {} FROM tokens WHERE hash = $1", kColumns), params));
  if (rows.empty()) {
    return std::optional<TokenRow>();
  }
  const Row& r = rows.front();
  return std::optional<TokenRow>(TokenRow{.hash = r.Blob(0),
                                          .purpose = r.Text(1),
                                          .subject = r.Text(2),
                                          .tenant = r.OptionalInt(3),
                                          .single_use = r.Int(4) == 1,
                                          .created_at = r.Int(5),
                                          .expires_at = r.Int(6),
                                          .used_at = r.OptionalInt(7)});
}

Result<std::int64_t> MarkTokenUsed(Transaction& tx, std::span<const std::uint8_t> hash,
                                   std::string_view purpose, Micros now) {
  const Value params[] = {now, ToBytes(hash), std::string(purpose)};
  return tx.Execute(
      "UPDATE tokens SET used_at = $1 WHERE hash = $2 AND purpose = $3 AND single_use = 1 "
      "AND used_at IS NULL AND expires_at > $1",
      params);
}

Result<std::int64_t> DeleteToken(Transaction& tx, std::span<const std::uint8_t> hash) {
  const Value params[] = {ToBytes(hash)};
  return tx.Execute("DELETE FROM tokens WHERE hash = $1", params);
}

Result<std::int64_t> DeleteTokensBySubjectPrefix(Transaction& tx, std::string_view purpose,
                                                 std::string_view subject_prefix) {
  if (subject_prefix.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "an empty token subject prefix would match all");
  }
  // Equality on a prefix of the subject: byte-exact on both engines (no collation, no
  // LIKE escapes); subjects are ASCII, so characters are bytes.
  const Value params[] = {std::string(purpose), std::string(subject_prefix),
                          static_cast<std::int64_t>(subject_prefix.size())};
  return tx.Execute(
      "DELETE FROM tokens WHERE purpose = $1 AND substr(subject, 1, CAST($3 AS INTEGER)) = $2",
      params);
}

Result<std::int64_t> DeleteExpiredTokens(Transaction& tx, Micros now) {
  const Value params[] = {now};
  return tx.Execute("DELETE FROM tokens WHERE expires_at <= $1", params);
}

}  // namespace alcove::store
