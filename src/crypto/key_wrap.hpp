#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "crypto/secure_buffer.hpp"

namespace alcove::crypto {

// AES-256 key wrap with padding (KWP, NIST SP 800-38F / RFC 5649; OpenSSL
// EVP_aes_256_wrap_pad) and the wrapped-DEK row of CRYPTO-FORMATS.md §2. For
// src/crypto/ (the key ring) and its tests only.
// Thread-safety: the functions are thread-safe.

inline constexpr std::size_t kKwpKeySize = 32;
inline constexpr std::size_t kDekSize = 32;
inline constexpr std::uint8_t kWrappedDekVersion = 0x01;
// 0x01 | master version (4) | KWP of 32 bytes (40).
inline constexpr std::size_t kWrappedDekSize = 1 + 4 + 40;

// KWP-wraps `key_data` (1 to 2^31 - 1 bytes) under the 32-byte `kek`.
// Errors: kInvalidArgument for a wrong kek size or empty data; kInternal if OpenSSL fails.
Result<std::vector<std::uint8_t>> KwpWrap(std::span<const std::uint8_t> kek,
                                          std::span<const std::uint8_t> key_data);

// Unwraps and checks the integrity (the RFC 5649 AIV and padding) of `wrapped`.
// Errors: kInvalidArgument ("key unwrap failed") for a wrong kek size, a malformed or
// tampered input, or the wrong kek. The plaintext goes straight into locked memory.
Result<SecureBuffer> KwpUnwrap(std::span<const std::uint8_t> kek,
                               std::span<const std::uint8_t> wrapped);

// The wrapping key of one DEK (§2):
//   HKDF-SHA256(ikm = master key, salt = none,
//               info = "alcove/kek/v1" 0x00 dek_id 0x00 purpose, 32 bytes)
// `dek_id` is the DEK's 32-character lowercase hex id as text; neither it nor `purpose`
// may contain 0x00 (kInvalidArgument), which keeps the info injective.
Result<SecureBuffer> DeriveDekWrappingKey(std::span<const std::uint8_t> master_key,
                                          std::string_view dek_id, std::string_view purpose);

// The stored row of a DEK: 0x01 | master_version (4 bytes, big-endian) | KWP(kek, dek).
// Errors: as DeriveDekWrappingKey; kInvalidArgument when dek is not 32 bytes.
Result<std::vector<std::uint8_t>> WrapDek(std::span<const std::uint8_t> master_key,
                                          std::uint32_t master_version, std::string_view dek_id,
                                          std::string_view purpose,
                                          std::span<const std::uint8_t> dek);

// The master-key version a wrapped row names, or kInvalidArgument if the row is not a
// version-1 row of the right length.
Result<std::uint32_t> WrappedDekMasterVersion(std::span<const std::uint8_t> row);

// Unwraps a row made by WrapDek with the master key of the version it names (the caller
// looks it up with WrappedDekMasterVersion). Fails (kInvalidArgument, "key unwrap
// failed") for another dek_id or purpose, a tampered row or the wrong master key.
Result<SecureBuffer> UnwrapDek(std::span<const std::uint8_t> master_key, std::string_view dek_id,
                               std::string_view purpose, std::span<const std::uint8_t> row);

}  // namespace alcove::crypto
