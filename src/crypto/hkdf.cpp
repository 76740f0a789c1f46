#include "crypto/hkdf.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <sodium.h>

#include <memory>

namespace alcove::crypto {
namespace {

struct KdfFree {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};
struct MacFree {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

const char* DigestName(HkdfHash hash) { return hash == HkdfHash::kSha256 ? "SHA256" : "SHA512"; }

// Fetching an algorithm from OpenSSL's providers is far slower than using it, so each is
// fetched once and shared (fetched objects are immutable and thread-safe; contexts are
// made per call).
EVP_KDF* HkdfAlgorithm() {
  static const std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  return kdf.get();
}

EVP_MAC* HmacAlgorithm() {
  static const std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  return mac.get();
}

// OpenSSL's OSSL_PARAM builders take non-const pointers to octet strings they only read.
void* Mutable(std::span<const std::uint8_t> s) {
  return const_cast<std::uint8_t*>(s.data());  // NOLINT: read-only use by OpenSSL
}

Status Derive(HkdfHash hash, int mode, std::span<const std::uint8_t> key,
              std::span<const std::uint8_t> salt, std::span<const std::uint8_t> info,
              std::span<std::uint8_t> out) {
  if (out.empty() || out.size() > HkdfMaxOutput(hash)) {
    return Fail(ErrorCode::kInvalidArgument, "HKDF output length out of range");
  }
  EVP_KDF* kdf = HkdfAlgorithm();
  if (kdf == nullptr) {
    return Fail(ErrorCode::kInternal, "OpenSSL has no HKDF");
  }
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf));
  if (!ctx) {
    return Fail(ErrorCode::kInternal, "OpenSSL HKDF context allocation failed");
  }
  // An empty key is legal in HKDF-Extract (HMAC pads it); OpenSSL wants a non-null pointer.
  static const std::uint8_t kEmpty[1] = {0};
  OSSL_PARAM params[6];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                 const_cast<char*>(DigestName(hash)), 0);
  params[n++] = OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_KEY, key.empty() ? const_cast<std::uint8_t*>(kEmpty) : Mutable(key),
      key.size());
  if (!salt.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, Mutable(salt), salt.size());
  }
  if (!info.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, Mutable(info), info.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    sodium_memzero(out.data(), out.size());
    return Fail(ErrorCode::kInternal, "OpenSSL HKDF failed");
  }
  return {};
}

}  // namespace

std::size_t HkdfMaxOutput(HkdfHash hash) {
  return 255 * (hash == HkdfHash::kSha256 ? std::size_t{32} : std::size_t{64});
}

Status HkdfExtractExpand(HkdfHash hash, std::span<const std::uint8_t> ikm,
                         std::span<const std::uint8_t> salt, std::span<const std::uint8_t> info,
                         std::span<std::uint8_t> out) {
  return Derive(hash, EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, ikm, salt, info, out);
}

Status HkdfExpand(HkdfHash hash, std::span<const std::uint8_t> prk,
                  std::span<const std::uint8_t> info, std::span<std::uint8_t> out) {
  if (prk.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "HKDF-Expand needs a key");
  }
  return Derive(hash, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, {}, info, out);
}

Result<HmacSha256Tag> HmacSha256(std::span<const std::uint8_t> key,
                                 std::span<const std::uint8_t> data) {
  EVP_MAC* mac = HmacAlgorithm();
  if (mac == nullptr) {
    return Fail(ErrorCode::kInternal, "OpenSSL has no HMAC");
  }
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) {
    return Fail(ErrorCode::kInternal, "OpenSSL HMAC context allocation failed");
  }
  OSSL_PARAM params[2] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_end()};
  static const std::uint8_t kEmpty[1] = {0};
  HmacSha256Tag tag{};
  std::size_t len = 0;
  if (EVP_MAC_init(ctx.get(), key.empty() ? kEmpty : key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), data.empty() ? kEmpty : data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), tag.data(), &len, tag.size()) != 1 || len != tag.size()) {
    return Fail(ErrorCode::kInternal, "OpenSSL HMAC failed");
  }
  return tag;
}

bool HmacSha256Verify(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data,
                      std::span<const std::uint8_t> tag) {
  if (tag.size() != kHmacSha256Size) {
    return false;
  }
  auto expected = HmacSha256(key, data);
  if (!expected) {
    return false;
  }
  return sodium_memcmp(expected->data(), tag.data(), kHmacSha256Size) == 0;
}

}  // namespace alcove::crypto
