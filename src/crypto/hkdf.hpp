#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.hpp"

namespace alcove::crypto {

// HKDF (RFC 5869) with SHA-256 or SHA-512, and HMAC-SHA256, through OpenSSL EVP_KDF /
// EVP_MAC. Like aead.hpp these take key bytes, so they are for src/crypto/ and its
// tests only; other modules get operations (KeyRing::KeyedHash, FieldCipher).
// Thread-safety: the functions are thread-safe.

enum class HkdfHash { kSha256, kSha512 };

// The largest output HKDF allows: 255 blocks of the hash.
std::size_t HkdfMaxOutput(HkdfHash hash);

// HKDF-Extract then HKDF-Expand into `out`. An empty `salt` means "no salt" (a block of
// zeros, RFC 5869 §2.2). Errors: kInvalidArgument when `out` is empty or longer than
// HkdfMaxOutput; kInternal if OpenSSL fails (out is wiped).
Status HkdfExtractExpand(HkdfHash hash, std::span<const std::uint8_t> ikm,
                         std::span<const std::uint8_t> salt, std::span<const std::uint8_t> info,
                         std::span<std::uint8_t> out);

// HKDF-Expand only, for a `prk` that is already a uniformly random key (a PRK from
// Extract, or a key drawn from the CSPRNG such as a DEK).
// Errors as HkdfExtractExpand, and kInvalidArgument for an empty prk.
Status HkdfExpand(HkdfHash hash, std::span<const std::uint8_t> prk,
                  std::span<const std::uint8_t> info, std::span<std::uint8_t> out);

inline constexpr std::size_t kHmacSha256Size = 32;
using HmacSha256Tag = std::array<std::uint8_t, kHmacSha256Size>;

// The full 32-byte HMAC-SHA256 of `data` under `key` (any length). We never compute or
// accept truncated tags. Errors: kInternal if OpenSSL fails.
Result<HmacSha256Tag> HmacSha256(std::span<const std::uint8_t> key,
                                 std::span<const std::uint8_t> data);

// True iff `tag` is exactly the 32-byte HMAC-SHA256 of `data` under `key`, compared in
// constant time. A tag of any other length (e.g. truncated) is refused.
bool HmacSha256Verify(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data,
                      std::span<const std::uint8_t> tag);

}  // namespace alcove::crypto
