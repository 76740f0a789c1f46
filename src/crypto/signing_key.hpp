#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

#include "core/error.hpp"
#include "crypto/secret.hpp"

namespace alcove::crypto {

// The Ed25519 key that signs audit checkpoints (CRYPTO-FORMATS.md §5), libsodium.
//
// Key file (docs/crypto.md § Audit signing key), mode 0600, kept outside the database:
//
//   # comment lines and blank lines are ignored
//   alcove-audit-signing-key v1
//   seed <base64 of the 32-byte Ed25519 seed>
//   public <base64 of the 32-byte public key>
//
// The secret key lives in libsodium guarded memory (sodium_malloc: locked, surrounded by
// guard pages, read-only once loaded, wiped when freed) and never leaves this object.
// Thread-safety: Sign and public_key may be called from any thread.

inline constexpr std::size_t kEd25519PublicKeySize = 32;
inline constexpr std::size_t kEd25519SignatureSize = 64;

using Ed25519PublicKey = std::array<std::uint8_t, kEd25519PublicKeySize>;
using Ed25519Signature = std::array<std::uint8_t, kEd25519SignatureSize>;

// Creates a new key file with a fresh key from the OS CSPRNG, mode 0600.
// Errors: kAlreadyExists rather than overwrite a key; kFailedPrecondition if the file
// cannot be created.
Status CreateSigningKeyFile(const std::filesystem::path& path);

// For `alcove backup`: the text of the key file at `path`, after the checks of
// SigningKey::Load (private, well formed, public key matching the seed). It travels only
// inside a backup file. Errors: those of Load.
Result<SecretString> ReadSigningKeyFileForBackup(const std::filesystem::path& path);

// For `alcove restore`: writes `text` (from ReadSigningKeyFileForBackup) to the new file
// `path` (mode 0600, never over an existing file, fsynced) and checks that it loads;
// if it does not, removes it again. Errors: kAlreadyExists; those of Load.
Status InstallSigningKeyFile(const SecretString& text, const std::filesystem::path& path);

class SigningKey {
 public:
  // Loads the key file. Errors: kFailedPrecondition if the file is a link, not owned by
  // this user, readable or writable by group or others, or malformed (the message names
  // the line, never key bytes), or its public key does not match its seed;
  // kNotFound if it is missing.
  static Result<std::unique_ptr<SigningKey>> Load(const std::filesystem::path& path);

  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  // The 64-byte Ed25519 signature of `message` (RFC 8032, deterministic).
  Ed25519Signature Sign(std::span<const std::uint8_t> message) const;
  Ed25519Signature Sign(std::string_view message) const;

  const Ed25519PublicKey& public_key() const { return public_key_; }

 private:
  SigningKey(unsigned char* secret_key, const Ed25519PublicKey& public_key)
      : secret_key_(secret_key), public_key_(public_key) {}

  unsigned char* secret_key_;  // 64 bytes of sodium_malloc memory, read-only
  Ed25519PublicKey public_key_;
};

// True iff `signature` is a valid Ed25519 signature of `message` under `public_key`
// (libsodium crypto_sign_verify_detached: canonical encodings only, small-order keys
// refused). Wrong sizes are simply invalid. Thread-safe.
bool VerifyEd25519(std::span<const std::uint8_t> public_key, std::span<const std::uint8_t> message,
                   std::span<const std::uint8_t> signature);

}  // namespace alcove::crypto
