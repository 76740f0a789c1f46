#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace alcove::crypto {

// SHA-256 and SHA-512 (OpenSSL EVP) for the modules that need content hashes, token
// hashes or Merkle hashes. Hashing never fails on valid input; if OpenSSL cannot run a
// digest at all (out of memory, a broken library) the process aborts, because no
// caller could do anything safe with a missing hash.
// Thread-safety: the free functions are thread-safe; a hasher object is used by one
// thread at a time.

inline constexpr std::size_t kSha256Size = 32;
inline constexpr std::size_t kSha512Size = 64;

using Sha256Digest = std::array<std::uint8_t, kSha256Size>;
using Sha512Digest = std::array<std::uint8_t, kSha512Size>;

Sha256Digest Sha256(std::span<const std::uint8_t> data);
Sha256Digest Sha256(std::string_view data);
Sha512Digest Sha512(std::span<const std::uint8_t> data);
Sha512Digest Sha512(std::string_view data);

// Incremental hashing of data that arrives in pieces (blobs, streams).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(std::span<const std::uint8_t> data);
  void Update(std::string_view data);
  // The digest of everything passed to Update; the hasher starts over afterwards.
  Sha256Digest Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Sha512Hasher {
 public:
  Sha512Hasher();
  ~Sha512Hasher();
  Sha512Hasher(const Sha512Hasher&) = delete;
  Sha512Hasher& operator=(const Sha512Hasher&) = delete;

  void Update(std::span<const std::uint8_t> data);
  void Update(std::string_view data);
  Sha512Digest Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace alcove::crypto
