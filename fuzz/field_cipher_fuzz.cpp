// Fuzzes the parser of stored field ciphertexts (crypto/field_ciphertext.cpp, the first
// step of FieldCipher::Open) and the AES-256-GCM open behind it (crypto/aead.cpp), with
// a fixed key standing in for the key ring's DEK of key id kKeyId and the associated data
// of a fixed place. Format (CRYPTO-FORMATS.md §1):
//   0x01 | key_id (4, big-endian) | nonce (12) | ciphertext | tag (16)
// The seed corpus (fuzz/corpus/field_cipher/) holds real ciphertexts under that key and
// place (made once with an independent AES-GCM implementation, Python's `cryptography`),
// so mutations reach the tag check. Beyond "no crash", checks the promises:
//   - the parse accepts exactly the inputs of at least 33 bytes that start with 0x01, and
//     its views lie inside the input (key id = bytes 1..4, nonce = bytes 5..16,
//     ciphertext-and-tag = the rest);
//   - a failed open leaves no plaintext behind (the output is wiped);
//   - whatever opens is exactly the ciphertext we would seal for that plaintext, key,
//     nonce and place (re-sealing gives the input back byte for byte), and does not open
//     for another place (C02).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "crypto/aead.hpp"
#include "crypto/field_ciphertext.hpp"

namespace {

using namespace alcove::crypto;

constexpr std::uint8_t kKey[32] = {'a', 'l', 'c', 'o', 'v', 'e', '-', 'f', 'u', 'z', 'z',
                                   '-', 'f', 'i', 'e', 'l', 'd', '-', 'k', 'e', 'y', '-',
                                   '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'};
constexpr std::uint32_t kKeyId = 0x5eed0001;

// EncodePlace({tenant 1, "notes", "body", "row-1"}) and the same place in row "row-2".
constexpr char kPlaceBytes[] =
    "alcove/field/v1\0"
    "\0\0\0\0\0\0\0\x01\0"
    "notes\0body\0row-1";
constexpr char kOtherPlaceBytes[] =
    "alcove/field/v1\0"
    "\0\0\0\0\0\0\0\x01\0"
    "notes\0body\0row-2";
const std::span<const std::uint8_t> kPlace(reinterpret_cast<const std::uint8_t*>(kPlaceBytes),
                                           sizeof kPlaceBytes - 1);
const std::span<const std::uint8_t> kOtherPlace(
    reinterpret_cast<const std::uint8_t*>(kOtherPlaceBytes), sizeof kOtherPlaceBytes - 1);

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

bool Inside(std::span<const std::uint8_t> part, const std::uint8_t* data, std::size_t size) {
  return part.data() >= data && part.size() <= size &&
         static_cast<std::size_t>(part.data() - data) <= size - part.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const auto parsed = ParseFieldCiphertext(input);
  const bool well_formed = size >= kFieldOverhead && data[0] == kFieldFormatVersion;
  Check(parsed.has_value() == well_formed);
  if (!parsed) {
    Check(parsed.error().code == DecryptionFailedError().code &&
          parsed.error().public_message == DecryptionFailedError().public_message);
    return 0;
  }
  const std::uint32_t key_id = (std::uint32_t{data[1]} << 24) | (std::uint32_t{data[2]} << 16) |
                               (std::uint32_t{data[3]} << 8) | std::uint32_t{data[4]};
  Check(parsed->key_id == key_id);
  Check(parsed->nonce.data() == data + 5 && parsed->nonce.size() == kFieldNonceSize);
  Check(parsed->ciphertext_and_tag.data() == data + kFieldHeaderSize &&
        parsed->ciphertext_and_tag.size() == size - kFieldHeaderSize);
  Check(Inside(parsed->nonce, data, size) && Inside(parsed->ciphertext_and_tag, data, size));
  if (parsed->key_id != kKeyId) {
    return 0;  // the key ring knows no such key: Open fails before any decryption
  }

  const std::size_t n = parsed->ciphertext_and_tag.size() - kFieldTagSize;
  std::vector<std::uint8_t> buffer(n + 1, 0xA5);
  const std::span<std::uint8_t> plain(buffer.data(), n);
  const auto opened = AesGcmOpen(kKey, parsed->nonce, kPlace, parsed->ciphertext_and_tag, plain);
  if (!opened) {
    Check(std::all_of(plain.begin(), plain.end(), [](std::uint8_t b) { return b == 0; }));
    return 0;
  }

  // Opened: it must be exactly what sealing this plaintext gives.
  std::vector<std::uint8_t> resealed(n + kFieldTagSize);
  Check(static_cast<bool>(AesGcmSeal(kKey, parsed->nonce, kPlace, plain, resealed)));
  Check(std::equal(resealed.begin(), resealed.end(), parsed->ciphertext_and_tag.begin(),
                   parsed->ciphertext_and_tag.end()));

  // And it belongs to its place only.
  std::vector<std::uint8_t> elsewhere(n + 1, 0xA5);
  Check(!AesGcmOpen(kKey, parsed->nonce, kOtherPlace, parsed->ciphertext_and_tag,
                    std::span<std::uint8_t>(elsewhere.data(), n)));
  return 0;
}
