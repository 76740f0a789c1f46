#include "crypto/random.hpp"

#include <cstdlib>
#include <vector>

#include <sodium.h>

#include "core/encoding.hpp"

namespace alcove::crypto {

void EnsureSodium() {
  static const bool ready = [] { return sodium_init() >= 0; }();
  if (!ready) {
    std::abort();  // no CSPRNG: nothing in this program can be made safe
  }
}

void RandomBytes(std::span<std::uint8_t> out) {
  EnsureSodium();
  randombytes_buf(out.data(), out.size());
}

std::string RandomHex(std::size_t n) {
  std::vector<std::uint8_t> bytes(n);
  RandomBytes(bytes);
  return HexEncode(bytes);
}

std::string RandomBase64Url(std::size_t n) {
  std::vector<std::uint8_t> bytes(n);
  RandomBytes(bytes);
  return Base64UrlEncode(bytes);
}

}  // namespace alcove::crypto
