#include "crypto/key_wrap.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <climits>
#include <memory>
#include <string>

#include "crypto/hkdf.hpp"

#include "crypto/openssl_ptr.hpp"

namespace alcove::crypto {
namespace {

// Fetched once (see FetchCipher).
const EVP_CIPHER* Algorithm() {
  static const CipherPtr cipher = FetchCipher("AES-256-WRAP-PAD");
  return cipher.get();
}

constexpr std::string_view kKekLabel = "alcove/kek/v1";

std::unexpected<Error> UnwrapFailed() {
  return Fail(ErrorCode::kInvalidArgument, "key unwrap failed", "key unwrap failed");
}

}  // namespace

Result<std::vector<std::uint8_t>> KwpWrap(std::span<const std::uint8_t> kek,
                                          std::span<const std::uint8_t> key_data) {
  if (kek.size() != kKwpKeySize) {
    return Fail(ErrorCode::kInvalidArgument, "AES-256-KWP needs a 32-byte key");
  }
  if (key_data.empty() || key_data.size() > static_cast<std::size_t>(INT_MAX) - 16) {
    return Fail(ErrorCode::kInvalidArgument, "AES-KWP input length out of range");
  }
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) {
    return Fail(ErrorCode::kInternal, "OpenSSL cipher context allocation failed");
  }
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  // KWP output: the input padded to a multiple of 8, plus the 8-byte integrity block.
  std::vector<std::uint8_t> out((key_data.size() + 7) / 8 * 8 + 8);
  int len = 0;
  int fin = 0;
  if (EVP_EncryptInit_ex(ctx.get(), Algorithm(), nullptr, kek.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, key_data.data(),
                        static_cast<int>(key_data.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &fin) != 1 ||
      static_cast<std::size_t>(len + fin) != out.size()) {
    return Fail(ErrorCode::kInternal, "OpenSSL AES-KWP wrap failed");
  }
  return out;
}

Result<SecureBuffer> KwpUnwrap(std::span<const std::uint8_t> kek,
                               std::span<const std::uint8_t> wrapped) {
  // RFC 5649: at least two 64-bit blocks, a whole number of blocks.
  if (kek.size() != kKwpKeySize || wrapped.size() < 16 || wrapped.size() % 8 != 0 ||
      wrapped.size() > static_cast<std::size_t>(INT_MAX)) {
    return UnwrapFailed();
  }
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) {
    return Fail(ErrorCode::kInternal, "OpenSSL cipher context allocation failed");
  }
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  SecureBuffer out(wrapped.size());
  int len = 0;
  int fin = 0;
  if (EVP_DecryptInit_ex(ctx.get(), Algorithm(), nullptr, kek.data(), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, wrapped.data(),
                        static_cast<int>(wrapped.size())) != 1 ||
      len <= 0 || EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &fin) != 1) {
    return UnwrapFailed();
  }
  const auto n = static_cast<std::size_t>(len + fin);
  if (n == 0 || n > wrapped.size() - 8) {
    return UnwrapFailed();
  }
  out.Truncate(n);
  return out;
}

namespace {

// A derived wrapping key that lives for one wrap or unwrap: on the stack (a locked
// allocation costs several system calls), wiped when it goes out of scope.
struct EphemeralKek {
  std::array<std::uint8_t, kKwpKeySize> bytes{};
  ~EphemeralKek() { sodium_memzero(bytes.data(), bytes.size()); }
};

Status DeriveInto(std::span<const std::uint8_t> master_key, std::string_view dek_id,
                  std::string_view purpose, std::span<std::uint8_t> out) {
  if (dek_id.find('\0') != std::string_view::npos || purpose.find('\0') != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "a DEK id or purpose may not contain NUL");
  }
  std::string info;
  info.reserve(kKekLabel.size() + dek_id.size() + purpose.size() + 2);
  info.append(kKekLabel).push_back('\0');
  info.append(dek_id).push_back('\0');
  info.append(purpose);
  const std::span<const std::uint8_t> info_bytes(reinterpret_cast<const std::uint8_t*>(info.data()),
                                                 info.size());
  return HkdfExtractExpand(HkdfHash::kSha256, master_key, {}, info_bytes, out);
}

}  // namespace

Result<SecureBuffer> DeriveDekWrappingKey(std::span<const std::uint8_t> master_key,
                                          std::string_view dek_id, std::string_view purpose) {
  SecureBuffer kek(kKwpKeySize);
  if (auto st = DeriveInto(master_key, dek_id, purpose, kek.span()); !st) {
    return std::unexpected(st.error());
  }
  return kek;
}

Result<std::vector<std::uint8_t>> WrapDek(std::span<const std::uint8_t> master_key,
                                          std::uint32_t master_version, std::string_view dek_id,
                                          std::string_view purpose,
                                          std::span<const std::uint8_t> dek) {
  if (dek.size() != kDekSize) {
    return Fail(ErrorCode::kInvalidArgument, "a DEK is 32 bytes");
  }
  EphemeralKek kek;
  if (auto st = DeriveInto(master_key, dek_id, purpose, kek.bytes); !st) {
    return std::unexpected(st.error());
  }
  auto wrapped = KwpWrap(kek.bytes, dek);
  if (!wrapped) {
    return std::unexpected(wrapped.error());
  }
  std::vector<std::uint8_t> row;
  row.reserve(kWrappedDekSize);
  row.push_back(kWrappedDekVersion);
  for (int shift = 24; shift >= 0; shift -= 8) {
    row.push_back(static_cast<std::uint8_t>(master_version >> shift));
  }
  row.insert(row.end(), wrapped->begin(), wrapped->end());
  if (row.size() != kWrappedDekSize) {
    return Fail(ErrorCode::kInternal, "wrapped DEK has an unexpected length");
  }
  return row;
}

Result<std::uint32_t> WrappedDekMasterVersion(std::span<const std::uint8_t> row) {
  if (row.size() != kWrappedDekSize || row[0] != kWrappedDekVersion) {
    return Fail(ErrorCode::kInvalidArgument, "not a version-1 wrapped data key");
  }
  return (std::uint32_t{row[1]} << 24) | (std::uint32_t{row[2]} << 16) |
         (std::uint32_t{row[3]} << 8) | std::uint32_t{row[4]};
}

Result<SecureBuffer> UnwrapDek(std::span<const std::uint8_t> master_key, std::string_view dek_id,
                               std::string_view purpose, std::span<const std::uint8_t> row) {
  if (!WrappedDekMasterVersion(row)) {
    return UnwrapFailed();
  }
  EphemeralKek kek;
  if (!DeriveInto(master_key, dek_id, purpose, kek.bytes)) {
    return UnwrapFailed();
  }
  auto dek = KwpUnwrap(kek.bytes, row.subspan(5));
  if (!dek || dek->size() != kDekSize) {
    return UnwrapFailed();
  }
  return dek;
}

}  // namespace alcove::crypto
