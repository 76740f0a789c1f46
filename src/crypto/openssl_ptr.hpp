#pragma once

// Owners for OpenSSL objects, for use inside crypto/ only.

#include <memory>

#include <openssl/evp.h>

namespace alcove::crypto {

template <auto FreeFn>
struct OpenSslFree {
  template <typename T>
  void operator()(T* p) const {
    FreeFn(p);
  }
};

using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OpenSslFree<EVP_CIPHER_CTX_free>>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, OpenSslFree<EVP_CIPHER_free>>;

// Fetches a cipher implementation by name. Callers keep the result in a function-local
// static: an implicit fetch on every Init costs more than sealing a small field, and a
// fetched algorithm is immutable and thread-safe.
inline CipherPtr FetchCipher(const char* name) {
  return CipherPtr(EVP_CIPHER_fetch(nullptr, name, nullptr));
}

}  // namespace alcove::crypto
