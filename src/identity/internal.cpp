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

crypto::Sha256Digest CodeHash(const SecretString& login_cookie, std::string_view code) {
  return LabelledHash("alcove/signin-code/v1", login_cookie.reveal(), code);
}

SecretString CodeBoxKey(const SecretString& login_cookie, std::string_view code) {
  return SecretString(
      Base64UrlEncode(LabelledHash("alcove/signin-code-box/v1", login_cookie.reveal(), code)));
}

SecretString ResendSecret(const SecretString& login_cookie) {
  return SecretString(
      Base64UrlEncode(LabelledHash("alcove/signin-resend/v1", login_cookie.reveal())));
}

SecretString ResendBoxKey(const SecretString& resend_secret, std::string_view row_id) {
  return SecretString(Base64UrlEncode(
      LabelledHash("alcove/signin-resend-box/v1", resend_secret.reveal(), row_id)));
}

bool CodeHashMatches(std::span<const std::uint8_t> stored, const crypto::Sha256Digest& presented) {
  return stored.size() == presented.size() && crypto::ConstantTimeEquals(stored, presented);
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

namespace alcove::identity {

crypto::SecretString Identity::SignUpFields::Pack() const {
  std::string packed = email;
  packed.push_back('\0');
  packed.append(name);
  packed.push_back('\0');
  packed.append(password_hash.value_or(""));
  return crypto::SecretString(std::move(packed));
}

Result<Identity::SignUpFields> Identity::SignUpFields::Unpack(const crypto::SecretString& packed) {
  const std::string_view v = packed.reveal();
  const std::size_t a = v.find('\0');
  const std::size_t b = a == std::string_view::npos ? a : v.find('\0', a + 1);
  if (b == std::string_view::npos) {
    return Fail(ErrorCode::kInternal, "pending sign-up box holds a malformed value");
  }
  SignUpFields f{std::string(v.substr(0, a)), std::string(v.substr(a + 1, b - a - 1)),
                 std::nullopt};
  if (b + 1 < v.size()) {
    f.password_hash = std::string(v.substr(b + 1));
  }
  return f;
}

}  // namespace alcove::identity
