#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace alcove::crypto {

// Fills `out` from the OS CSPRNG (libsodium randombytes_buf). Never fails: libsodium
// aborts the process if the kernel cannot supply randomness. Thread-safe.
void RandomBytes(std::span<std::uint8_t> out);

// `n` random bytes, hex-encoded (2n characters).
std::string RandomHex(std::size_t n);

// `n` random bytes, unpadded base64url.
std::string RandomBase64Url(std::size_t n);

// Initialises libsodium once; every entry point of crypto/ calls it. Thread-safe.
void EnsureSodium();

}  // namespace alcove::crypto
