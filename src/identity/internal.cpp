#include "identity/internal.hpp"

#include "core/encoding.hpp"
#include "core/utf8.hpp"

namespace alcove::identity::internal {

using crypto::SecretString;

std::unexpected<Error> Unauthenticated(std::string internal, std::string public_message) {
  return Fail(ErrorCode::kUnauthenticated, std::move(internal), std::move(public_message));
}

std::string Hex(std::span<const std::uint8_t> bytes) { return HexEncode(bytes); }

crypto::Sha256Digest LabelledHash(std::string_view label, std::string_view a, std::string_view b) {
  crypto::Sha256Hasher h;
  const std::uint8_t zero = 0;
  h.Update(label);
  h.Update(std::span(&zero, 1));
  h.Update(a);
  if (!b.empty()) {
    h.Update(std::span(&zero, 1));
    h.Update(b);
  }
  return h.Finish();
}

// What a magic-link token's subject holds: the account and the hash of the login
std::string LoginBinding(const SecretString& login_cookie) {
  return Hex(LabelledHash("alcove/login-binding/v1", login_cookie.reveal()));
}

crypto::Sha256Digest DeviceHash(std::string_view session_id, const SecretString& device) {
  return LabelledHash("alcove/device/v1", session_id, device.reveal());
}

store::Bytes ToBytes(std::span<const std::uint8_t> d) { return store::Bytes(d.begin(), d.end()); }

std::string DisplayUserAgent(std::string_view ua) {
  std::string out;
  for (const char c : ua.substr(0, kMaxUserAgent)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

// UTF-8 code points of `s`, or nullopt if `s` is not valid UTF-8 or holds a control
std::optional<std::size_t> CountPrintableCodePoints(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto cp = DecodeUtf8At(s, i);
    if (!cp || cp->value < 0x20 || (cp->value >= 0x7F && cp->value < 0xA0)) {
      return std::nullopt;
    }
    ++count;
    i += cp->length;
  }
  return count;
}

}  // namespace alcove::identity::internal
