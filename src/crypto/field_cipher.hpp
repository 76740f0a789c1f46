#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "crypto/field_ciphertext.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/secret.hpp"

namespace alcove::crypto {

// Where a field ciphertext lives. Its canonical encoding is the associated data of the
// ciphertext (CRYPTO-FORMATS.md §1; docs/crypto.md § Place encoding):
//
//   "alcove/field/v1" 0x00 tenant (8 bytes, big-endian two's complement) 0x00
//   table 0x00 column 0x00 row_id
//
// so a ciphertext copied to another row, column, table or tenant does not open (C02).
// `table`, `column` and `row_id` must be non-empty and free of 0x00 bytes, which makes
// the encoding injective (the tenant has a fixed width; the names cannot contain the
// separator). The views are borrowed for the duration of the call.
struct Place {
  TenantId tenant = 0;
  std::string_view table;
  std::string_view column;
  std::string_view row_id;
};

// The associated data of `place`, or kInvalidArgument when a name is empty or holds a
// 0x00 byte.
Result<std::vector<std::uint8_t>> EncodePlace(const Place& place);

// Field ciphertext format (CRYPTO-FORMATS.md §1), its constants (kFieldFormatVersion,
// kFieldOverhead), its parser and DecryptionFailedError(): crypto/field_ciphertext.hpp.
//   0x01 | key_id (4 bytes, big-endian) | nonce (12) | AES-256-GCM ciphertext | tag (16)

// Seals and opens database fields with AES-256-GCM under the data key (DEK) family
// `key` of the key ring (a KeyId from KeyRing::CreateDek). The key ring picks the key
// generation and counts seals; nonces are 96 random bits.
// Thread-safety: const methods, safe from several threads. Borrows `ring`, which must
// outlive the cipher.
class FieldCipher {
 public:
  FieldCipher(KeyRing& ring, KeyId key) : ring_(ring), family_(key) {}

  // Encrypts `plaintext` (which may be empty: empty fields are sealed too) for `place`.
  // Errors: kInvalidArgument for a malformed place; kNotFound when the DEK does not
  // exist or belongs to another tenant than place.tenant (e.g. destroyed); database
  // errors while reserving seals.
  Result<std::vector<std::uint8_t>> Seal(std::string_view plaintext, const Place& place) const;

  // Decrypts a ciphertext made by Seal for the same place under a DEK of the same
  // family. The plaintext comes back as a Phi<std::string> (client content: it wipes
  // itself and cannot be logged). Every failure — malformed or truncated input, an
  // unknown version byte or key id, a destroyed key, a key of another tenant or family,
  // another place, any flipped bit — is DecryptionFailedError(), nothing more specific.
  Result<PhiString> Open(std::span<const std::uint8_t> ciphertext, const Place& place) const;

 private:
  KeyRing& ring_;
  KeyId family_;
};

}  // namespace alcove::crypto
