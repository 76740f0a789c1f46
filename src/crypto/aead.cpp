#include "crypto/aead.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <climits>
#include <memory>

#include "crypto/random.hpp"

#include "crypto/openssl_ptr.hpp"

namespace alcove::crypto {
namespace {

// Fetched once (see FetchCipher).
const EVP_CIPHER* Algorithm() {
  static const CipherPtr cipher = FetchCipher("AES-256-GCM");
  return cipher.get();
}

std::unexpected<Error> Failed() {
  return Fail(ErrorCode::kInvalidArgument, "decryption failed", "decryption failed");
}

Status CheckSizes(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce) {
  if (key.size() != kAesGcmKeySize) {
    return Fail(ErrorCode::kInvalidArgument, "AES-256-GCM needs a 32-byte key");
  }
  if (nonce.size() != kAesGcmNonceSize) {
    return Fail(ErrorCode::kInvalidArgument, "AES-256-GCM needs a 12-byte nonce");
  }
  return {};
}

bool FitsInt(std::size_t n) { return n <= static_cast<std::size_t>(INT_MAX); }

}  // namespace

Status AesGcmSeal(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
                  std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
                  std::span<std::uint8_t> out) {
  if (auto st = CheckSizes(key, nonce); !st) {
    return st;
  }
  if (out.size() != plaintext.size() + kAesGcmTagSize || !FitsInt(plaintext.size()) ||
      !FitsInt(aad.size())) {
    return Fail(ErrorCode::kInvalidArgument, "AES-256-GCM output buffer has the wrong size");
  }
  auto internal = [&] {
    sodium_memzero(out.data(), out.size());
    return Fail(ErrorCode::kInternal, "OpenSSL AES-256-GCM encryption failed");
  };
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), Algorithm(), nullptr, key.data(), nonce.data()) != 1) {
    return internal();
  }
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return internal();
  }
  std::size_t written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), out.data(), &len, plaintext.data(),
                          static_cast<int>(plaintext.size())) != 1) {
      return internal();
    }
    written = static_cast<std::size_t>(len);
  }
  if (EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &len) != 1) {
    return internal();
  }
  written += static_cast<std::size_t>(len);
  if (written != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAesGcmTagSize),
                          out.data() + plaintext.size()) != 1) {
    return internal();
  }
  return {};
}

Status AesGcmOpen(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
                  std::span<const std::uint8_t> aad,
                  std::span<const std::uint8_t> ciphertext_and_tag, std::span<std::uint8_t> out) {
  if (auto st = CheckSizes(key, nonce); !st) {
    return st;
  }
  if (ciphertext_and_tag.size() < kAesGcmTagSize ||
      out.size() != ciphertext_and_tag.size() - kAesGcmTagSize || !FitsInt(out.size()) ||
      !FitsInt(aad.size())) {
    sodium_memzero(out.data(), out.size());
    return Failed();
  }
  const std::size_t ct_size = out.size();
  auto failed = [&] {
    sodium_memzero(out.data(), out.size());
    return Failed();
  };
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), Algorithm(), nullptr, key.data(), nonce.data()) != 1) {
    return failed();
  }
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return failed();
  }
  std::size_t written = 0;
  if (ct_size > 0) {
    if (EVP_DecryptUpdate(ctx.get(), out.data(), &len, ciphertext_and_tag.data(),
                          static_cast<int>(ct_size)) != 1) {
      return failed();
    }
    written = static_cast<std::size_t>(len);
  }
  // OpenSSL takes a non-const pointer for the expected tag but only reads it.
  std::uint8_t tag[kAesGcmTagSize];
  std::copy_n(ciphertext_and_tag.data() + ct_size, kAesGcmTagSize, tag);
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAesGcmTagSize), tag) !=
      1) {
    return failed();
  }
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + written, &len) != 1) {
    return failed();
  }
  written += static_cast<std::size_t>(len);
  if (written != ct_size) {
    return failed();
  }
  return {};
}

}  // namespace alcove::crypto
