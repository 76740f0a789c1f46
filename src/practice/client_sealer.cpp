// Sealing for modules built on practice: content a module keeps under a client, sealed
// with the client's data key in the module's own table (practice.hpp, ClientSealer).
#include <algorithm>
#include <array>

#include "crypto/field_cipher.hpp"
#include "practice/internal.hpp"
#include "practice/practice.hpp"
#include "store/ids.hpp"

namespace alcove::practice {
namespace {

// Practice's own tables (schema.cpp): no sealer is made for them.
constexpr std::array<std::string_view, 8> kOwnTables = {
    "clients",           "notes",        "note_versions", "summaries", "conceptualizations",
    "practice_settings", "note_addenda", "drafts"};

}  // namespace

Result<std::vector<std::uint8_t>> ClientSealer::Seal(std::string_view column,
                                                     std::string_view row_id,
                                                     std::string_view plaintext) const {
  const crypto::FieldCipher cipher(*keys_, key_);
  return cipher.Seal(plaintext, {tenant_, table_, column, row_id});
}

Result<crypto::PhiString> ClientSealer::Open(std::string_view column, std::string_view row_id,
                                             std::span<const std::uint8_t> ciphertext) const {
  const crypto::FieldCipher cipher(*keys_, key_);
  return cipher.Open(ciphertext, {tenant_, table_, column, row_id});
}

Result<ClientSealer> Practice::SealerFor(store::TenantId tenant, std::string_view client_id,
                                         std::string_view table) {
  if (table.empty() || table.find('\0') != std::string_view::npos ||
      std::ranges::find(kOwnTables, table) != kOwnTables.end()) {
    return Invalid("SealerFor: a table of practice's own or a malformed name",
                   "This cannot be stored.");
  }
  if (tenant <= 0 || !store::IsValidId(client_id)) {
    return NotFound("client");
  }
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
  const store::Value params[] = {std::string(client_id), tenant};
  ALCOVE_TRY_ASSIGN(
      auto rows, tx->Query("SELECT key_id FROM clients WHERE id = $1 AND tenant_id = $2", params));
  if (rows.empty()) {
    return NotFound("client");
  }
  return ClientSealer(keys_, static_cast<crypto::KeyId>(rows.front().Int(0)), tenant,
                      std::string(table));
}

}  // namespace alcove::practice
