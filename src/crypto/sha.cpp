#include "crypto/sha.hpp"

#include <openssl/evp.h>

#include <cstdlib>

namespace alcove::crypto {
namespace {

std::span<const std::uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

[[noreturn]] void DigestUnavailable() {
  std::abort();  // see sha.hpp: OpenSSL could not run a digest at all
}

template <std::size_t N>
std::array<std::uint8_t, N> OneShot(const EVP_MD* md, std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, N> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 || len != N) {
    DigestUnavailable();
  }
  return out;
}

struct CtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

EVP_MD_CTX* NewCtx(const EVP_MD* md) {
  EVP_MD_CTX* c = EVP_MD_CTX_new();
  if (c == nullptr || EVP_DigestInit_ex(c, md, nullptr) != 1) {
    DigestUnavailable();
  }
  return c;
}

template <std::size_t N>
std::array<std::uint8_t, N> FinishCtx(EVP_MD_CTX* c, const EVP_MD* md) {
  std::array<std::uint8_t, N> out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(c, out.data(), &len) != 1 || len != N ||
      EVP_DigestInit_ex(c, md, nullptr) != 1) {
    DigestUnavailable();
  }
  return out;
}

}  // namespace

Sha256Digest Sha256(std::span<const std::uint8_t> data) {
  return OneShot<kSha256Size>(EVP_sha256(), data);
}
Sha256Digest Sha256(std::string_view data) { return Sha256(Bytes(data)); }
Sha512Digest Sha512(std::span<const std::uint8_t> data) {
  return OneShot<kSha512Size>(EVP_sha512(), data);
}
Sha512Digest Sha512(std::string_view data) { return Sha512(Bytes(data)); }

struct Sha256Hasher::Impl {
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx{NewCtx(EVP_sha256())};
};
Sha256Hasher::Sha256Hasher() : impl_(std::make_unique<Impl>()) {}
Sha256Hasher::~Sha256Hasher() = default;
void Sha256Hasher::Update(std::span<const std::uint8_t> data) {
  if (EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size()) != 1) {
    DigestUnavailable();
  }
}
void Sha256Hasher::Update(std::string_view data) { Update(Bytes(data)); }
Sha256Digest Sha256Hasher::Finish() {
  return FinishCtx<kSha256Size>(impl_->ctx.get(), EVP_sha256());
}

struct Sha512Hasher::Impl {
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx{NewCtx(EVP_sha512())};
};
Sha512Hasher::Sha512Hasher() : impl_(std::make_unique<Impl>()) {}
Sha512Hasher::~Sha512Hasher() = default;
void Sha512Hasher::Update(std::span<const std::uint8_t> data) {
  if (EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size()) != 1) {
    DigestUnavailable();
  }
}
void Sha512Hasher::Update(std::string_view data) { Update(Bytes(data)); }
Sha512Digest Sha512Hasher::Finish() {
  return FinishCtx<kSha512Size>(impl_->ctx.get(), EVP_sha512());
}

}  // namespace alcove::crypto
