#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.hpp"

namespace alcove::crypto {

// The AES-256-GCM primitive (OpenSSL EVP), for use inside src/crypto/ only (FieldCipher,
// key ring) and by the Wycheproof test. Everything else seals through FieldCipher,
// which chooses keys and nonces itself.
//
// Sizes are fixed: a 32-byte key, a 12-byte (96-bit) nonce, a 16-byte (128-bit) tag.
// Any other size is refused with kInvalidArgument. A nonce must never repeat under one
// key; FieldCipher draws them at random and bounds the seals per key (CRYPTO-FORMATS §1).
// Thread-safety: the functions are thread-safe.

inline constexpr std::size_t kAesGcmKeySize = 32;
inline constexpr std::size_t kAesGcmNonceSize = 12;
inline constexpr std::size_t kAesGcmTagSize = 16;

// Encrypts `plaintext` and writes `ciphertext || tag` to `out`, which must be exactly
// plaintext.size() + 16 bytes. `out` may not overlap the inputs.
// Errors: kInvalidArgument for a wrong size; kInternal if OpenSSL fails (out is wiped).
Status AesGcmSeal(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
                  std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
                  std::span<std::uint8_t> out);

// Checks the tag of `ciphertext_and_tag` (ciphertext, then 16 bytes of tag) and writes
// the plaintext to `out`, which must be exactly ciphertext_and_tag.size() - 16 bytes.
// Errors: kInvalidArgument for a wrong size or a wrong tag ("decryption failed"); on any
// failure `out` is wiped, so no unauthenticated plaintext is ever left behind.
Status AesGcmOpen(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
                  std::span<const std::uint8_t> aad,
                  std::span<const std::uint8_t> ciphertext_and_tag, std::span<std::uint8_t> out);

}  // namespace alcove::crypto
