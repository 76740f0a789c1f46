#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.hpp"

namespace alcove::crypto {

// The byte format of a field ciphertext (CRYPTO-FORMATS.md §1; docs/crypto.md § Field
// ciphertexts), apart from the key ring so that it can be parsed on its own (FieldCipher
// and the fuzz target fuzz/field_cipher_fuzz.cpp):
//
//   0x01 | key_id (4 bytes, big-endian) | nonce (12) | AES-256-GCM ciphertext | tag (16)
inline constexpr std::uint8_t kFieldFormatVersion = 0x01;
inline constexpr std::size_t kFieldKeyIdSize = 4;
inline constexpr std::size_t kFieldNonceSize = 12;
inline constexpr std::size_t kFieldTagSize = 16;
inline constexpr std::size_t kFieldHeaderSize = 1 + kFieldKeyIdSize + kFieldNonceSize;
inline constexpr std::size_t kFieldOverhead = kFieldHeaderSize + kFieldTagSize;

// The one error every failed field Open returns, whatever the cause: kInternal with
// internal and public message "decryption failed" (C02; STYLE.md convention 2).
Error DecryptionFailedError();

// A field ciphertext split into its parts. The spans are views into the parsed bytes
// (borrowed: valid while those are).
struct FieldCiphertextView {
  std::uint32_t key_id = 0;
  std::span<const std::uint8_t> nonce;               // 12 bytes
  std::span<const std::uint8_t> ciphertext_and_tag;  // at least 16 bytes, tag last
};

// Splits `bytes` into key id, nonce and ciphertext-and-tag without reading outside them.
// Nothing is authenticated here: the caller opens the result with the key the id names.
// Errors: DecryptionFailedError() when `bytes` is shorter than kFieldOverhead or its
// first byte is not kFieldFormatVersion. Thread-safe; allocates nothing.
Result<FieldCiphertextView> ParseFieldCiphertext(std::span<const std::uint8_t> bytes);

}  // namespace alcove::crypto
