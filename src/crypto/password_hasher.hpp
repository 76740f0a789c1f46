#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/secret.hpp"

namespace alcove::crypto {

// Password and PIN hashing (CRYPTO-FORMATS.md §6, claim C25): libsodium
// crypto_pwhash_str with Argon2id v1.3. The stored string is self-describing
// ("$argon2id$v=19$m=19456,t=3,p=1$<salt>$<hash>"), so parameters can rise later and
// old hashes are upgraded at the next successful login (NeedsRehash).
//
// Parameters (OWASP Password Storage Cheat Sheet floor: m = 19 MiB, t = 2, p = 1):
//   memory  kPasswordMemLimit = 19 MiB (19456 KiB) — the floor; memory is what the pool
//           below multiplies, so we spend extra cost in time rather than memory;
//   passes  kPasswordOpsLimit = 3 — one more than the floor;
//   lanes   1 (libsodium's Argon2id always uses p = 1).
// About 35 ms per hash on our reference machine (docs/performance.md).
//
// The bounded pool: at most `max_concurrent` hashes or verifications run at once (each
// holds `memlimit` bytes). Further callers wait up to `max_wait` for a slot and then get
// kResourceExhausted ("busy"), so a login flood costs at most max_concurrent × memlimit
// of memory and cannot exhaust the machine.
//
// Thread-safety: every method may be called from any thread.

inline constexpr std::uint64_t kOwaspMinOpsLimit = 2;
inline constexpr std::size_t kOwaspMinMemLimit = std::size_t{19} << 20;  // 19 MiB
inline constexpr std::uint64_t kPasswordOpsLimit = 3;
inline constexpr std::size_t kPasswordMemLimit = std::size_t{19} << 20;
// Longer inputs are refused (kInvalidArgument) so no request can make hashing slow or big.
inline constexpr std::size_t kMaxPasswordBytes = 1024;

struct PasswordHasherOptions {
  std::uint64_t opslimit = kPasswordOpsLimit;
  std::size_t memlimit = kPasswordMemLimit;
  std::size_t max_concurrent = 2;
  std::chrono::milliseconds max_wait{2000};
  // Test seam: called while a pool slot is held, before hashing. Lets a test hold the
  // pool full without timing. Leave empty in production.
  std::function<void()> on_slot_acquired;
};

class PasswordHasher {
 public:
  // kInvalidArgument if the parameters are below the OWASP floor or max_concurrent is 0.
  static Result<std::unique_ptr<PasswordHasher>> Create(PasswordHasherOptions options = {});

  // The encoded hash to store. Errors: kInvalidArgument (input too long),
  // kResourceExhausted (pool busy, or out of memory).
  Result<std::string> Hash(const Secret<std::string>& password);

  // True if `password` matches `stored`, false if not (or if `stored` is not an Argon2id
  // string). Errors: kInvalidArgument (input too long), kResourceExhausted (pool busy),
  // kFailedPrecondition when `stored` asks for more than 4x our memory (at least
  // 256 MiB) or 4x our passes, or p != 1: such a string is refused, never computed,
  // so a hash planted in the database cannot exhaust memory.
  Result<bool> Verify(const Secret<std::string>& password, std::string_view stored);

  // True if `stored` was made with other parameters than this hasher's (or is not an
  // Argon2id string): after a successful Verify, hash the password again and store it.
  // Cheap; does not use the pool.
  bool NeedsRehash(std::string_view stored) const;

  // Hashes running right now (for tests and metrics).
  std::size_t in_flight() const;

  const PasswordHasherOptions& options() const { return options_; }

 private:
  explicit PasswordHasher(PasswordHasherOptions options) : options_(std::move(options)) {}

  Status CheckStoredCost(std::string_view stored) const;

  // Waits for a slot (up to max_wait); false if none came free.
  bool Acquire();
  void Release();

  PasswordHasherOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::size_t in_flight_ = 0;
};

}  // namespace alcove::crypto
