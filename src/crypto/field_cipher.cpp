#include "crypto/field_cipher.hpp"

#include <algorithm>
#include <string>

#include "crypto/aead.hpp"
#include "crypto/random.hpp"

namespace alcove::crypto {
namespace {

static_assert(kFieldNonceSize == kAesGcmNonceSize && kFieldTagSize == kAesGcmTagSize);

constexpr std::string_view kPlaceLabel = "alcove/field/v1";

bool ValidName(std::string_view s) { return !s.empty() && s.find('\0') == std::string_view::npos; }

void AppendName(std::vector<std::uint8_t>& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
}

std::unexpected<Error> Failed() { return std::unexpected(DecryptionFailedError()); }

}  // namespace

Result<std::vector<std::uint8_t>> EncodePlace(const Place& place) {
  if (!ValidName(place.table) || !ValidName(place.column) || !ValidName(place.row_id)) {
    return Fail(ErrorCode::kInvalidArgument,
                "a field place needs a table, column and row id without NUL characters");
  }
  std::vector<std::uint8_t> out;
  out.reserve(kPlaceLabel.size() + 12 + place.table.size() + place.column.size() +
              place.row_id.size());
  AppendName(out, kPlaceLabel);
  out.push_back(0);
  const auto tenant = static_cast<std::uint64_t>(place.tenant);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(tenant >> shift));
  }
  out.push_back(0);
  AppendName(out, place.table);
  out.push_back(0);
  AppendName(out, place.column);
  out.push_back(0);
  AppendName(out, place.row_id);
  return out;
}

Result<std::vector<std::uint8_t>> FieldCipher::Seal(std::string_view plaintext,
                                                    const Place& place) const {
  auto aad = EncodePlace(place);
  if (!aad) {
    return std::unexpected(aad.error());
  }
  auto key = ring_.AcquireSealKey(place.tenant, family_);
  if (!key) {
    return std::unexpected(key.error());
  }
  std::vector<std::uint8_t> out(kFieldOverhead + plaintext.size());
  out[0] = kFieldFormatVersion;
  out[1] = static_cast<std::uint8_t>(key->key_id >> 24);
  out[2] = static_cast<std::uint8_t>(key->key_id >> 16);
  out[3] = static_cast<std::uint8_t>(key->key_id >> 8);
  out[4] = static_cast<std::uint8_t>(key->key_id);
  const std::span<std::uint8_t> nonce(out.data() + 5, kAesGcmNonceSize);
  RandomBytes(nonce);
  const std::span<std::uint8_t> body(out.data() + 5 + kAesGcmNonceSize,
                                     plaintext.size() + kAesGcmTagSize);
  if (auto st = AesGcmSeal(
          key->key->span(), nonce, *aad,
          {reinterpret_cast<const std::uint8_t*>(plaintext.data()), plaintext.size()}, body);
      !st) {
    return std::unexpected(st.error());
  }
  return out;
}

Result<PhiString> FieldCipher::Open(std::span<const std::uint8_t> ciphertext,
                                    const Place& place) const {
  const auto parsed = ParseFieldCiphertext(ciphertext);
  if (!parsed) {
    return Failed();
  }
  auto aad = EncodePlace(place);
  if (!aad) {
    return Failed();
  }
  auto key = ring_.KeyForOpen(parsed->key_id);
  if (!key || key->tenant != place.tenant || key->family != family_ ||
      key->tenant == kSystemTenant) {
    return Failed();
  }
  const auto nonce = parsed->nonce;
  const auto body = parsed->ciphertext_and_tag;
  const std::size_t n = body.size() - kAesGcmTagSize;
  // Reserve at least a heap block so that moving the string into the Phi moves the
  // pointer: a short string would otherwise be copied out of its inline buffer and
  // leave plaintext behind in a temporary.
  std::string plain;
  plain.reserve(std::max<std::size_t>(n, 32));
  plain.resize(n);
  if (auto st = AesGcmOpen(key->key->span(), nonce, *aad, body,
                           {reinterpret_cast<std::uint8_t*>(plain.data()), n});
      !st) {
    return Failed();
  }
  return PhiString(std::move(plain));
}

}  // namespace alcove::crypto
