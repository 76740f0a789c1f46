#include "crypto/signing_key.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <optional>
#include <string>
#include <vector>

#include "core/encoding.hpp"
#include "core/files.hpp"
#include "crypto/key_file_lines.hpp"
#include "crypto/random.hpp"
#include "crypto/secret.hpp"

namespace alcove::crypto {
namespace {

constexpr std::string_view kHeader = "alcove-audit-signing-key v1";
constexpr std::size_t kSeedSize = crypto_sign_SEEDBYTES;
static_assert(crypto_sign_PUBLICKEYBYTES == kEd25519PublicKeySize);
static_assert(crypto_sign_BYTES == kEd25519SignatureSize);

std::span<const std::uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

Status CreateSigningKeyFile(const std::filesystem::path& path) {
  EnsureSodium();
  std::array<std::uint8_t, kSeedSize> seed{};
  RandomBytes(seed);
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  Ed25519PublicKey pk{};
  crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  SecureZero(sk.data(), sk.size());
  Secret<std::string> content(fmt::format(
      "# Alcove audit signing key (Ed25519). Secret: keep this file at mode 0600, outside\n"
      "# the database and its backups. The public line may be shared with auditors.\n"
      "{}\nseed {}\npublic {}\n",
      kHeader, Base64Encode(seed), Base64Encode(pk)));
  SecureZero(seed.data(), seed.size());
  return WriteNewFile(path, content.reveal(), 0600);
}

Result<std::unique_ptr<SigningKey>> SigningKey::Load(const std::filesystem::path& path) {
  EnsureSodium();
  // Existence first, so a missing file is kNotFound rather than a permission complaint.
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
    return Fail(ErrorCode::kNotFound,
                fmt::format("audit signing key file {} is missing", path.string()));
  }
  if (auto st = CheckPrivateFile(path, "audit signing key file"); !st) {
    return std::unexpected(st.error());
  }
  auto read = ReadSmallFile(path, 16 * 1024);
  if (!read) {
    return std::unexpected(read.error());
  }
  const Secret<std::string> text(std::move(*read));
  auto malformed = [&](std::size_t line_no, std::string_view why) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("audit signing key file {} line {}: {}", path.string(), line_no, why));
  };
  std::optional<Secret<std::vector<std::uint8_t>>> seed;
  std::optional<std::vector<std::uint8_t>> public_key;
  auto st = ForEachKeyFileLine(
      text.reveal(), kHeader,
      [&](std::size_t line_no) {
        return malformed(line_no, fmt::format("expected `{}`", kHeader));
      },
      [&](std::size_t line_no, std::string_view line) -> Status {
        if (line.starts_with("seed ")) {
          if (seed) {
            return malformed(line_no, "more than one seed line");
          }
          auto decoded = Base64Decode(line.substr(5));
          if (!decoded || decoded->size() != kSeedSize) {
            if (decoded) {
              SecureZero(decoded->data(), decoded->size());
            }
            return malformed(line_no, "the seed must be 32 bytes of base64");
          }
          seed.emplace(std::move(*decoded));
          return {};
        }
        if (line.starts_with("public ")) {
          if (public_key) {
            return malformed(line_no, "more than one public line");
          }
          auto decoded = Base64Decode(line.substr(7));
          if (!decoded || decoded->size() != kEd25519PublicKeySize) {
            return malformed(line_no, "the public key must be 32 bytes of base64");
          }
          public_key = std::move(*decoded);
          return {};
        }
        return malformed(line_no, "expected `seed <base64>` or `public <base64>`");
      });
  if (!st) {
    return std::unexpected(st.error());
  }
  if (!seed || !public_key) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("audit signing key file {} needs the header, a seed line and a "
                            "public line",
                            path.string()));
  }
  auto* sk = static_cast<unsigned char*>(sodium_malloc(crypto_sign_SECRETKEYBYTES));
  if (sk == nullptr) {
    return Fail(ErrorCode::kResourceExhausted, "cannot allocate locked memory for a key");
  }
  Ed25519PublicKey pk{};
  crypto_sign_seed_keypair(pk.data(), sk, seed->reveal().data());
  if (!ConstantTimeEquals(pk, *public_key)) {
    sodium_free(sk);
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("audit signing key file {}: the public key does not belong to the "
                            "seed",
                            path.string()));
  }
  sodium_mprotect_readonly(sk);
  return std::unique_ptr<SigningKey>(new SigningKey(sk, pk));
}

Result<SecretString> ReadSigningKeyFileForBackup(const std::filesystem::path& path) {
  if (auto key = SigningKey::Load(path); !key) {
    return std::unexpected(key.error());
  }
  auto read = ReadSmallFile(path, 16 * 1024);
  if (!read) {
    return std::unexpected(read.error());
  }
  return SecretString(std::move(*read));
}

Status InstallSigningKeyFile(const SecretString& text, const std::filesystem::path& path) {
  if (auto st = WriteNewFile(path, text.reveal(), 0600); !st) {
    return st;
  }
  if (auto key = SigningKey::Load(path); !key) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return std::unexpected(key.error());
  }
  return {};
}

SigningKey::~SigningKey() { sodium_free(secret_key_); }  // wipes before freeing

Ed25519Signature SigningKey::Sign(std::span<const std::uint8_t> message) const {
  Ed25519Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_key_);
  return sig;
}

Ed25519Signature SigningKey::Sign(std::string_view message) const { return Sign(Bytes(message)); }

bool VerifyEd25519(std::span<const std::uint8_t> public_key, std::span<const std::uint8_t> message,
                   std::span<const std::uint8_t> signature) {
  if (public_key.size() != kEd25519PublicKeySize || signature.size() != kEd25519SignatureSize) {
    return false;
  }
  EnsureSodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key.data()) == 0;
}

}  // namespace alcove::crypto
