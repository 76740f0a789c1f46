// Known browsers (C32): the device cookies that keep a flood of sign-in attempts from
// locking an account's owner out (identity.hpp § Known browsers).
#include <array>
#include <cstring>

#include "core/encoding.hpp"
#include "crypto/random.hpp"
#include "identity/identity.hpp"
#include "identity/internal.hpp"

namespace alcove::identity {

using crypto::SecretString;
using namespace internal;  // NOLINT: this module's own helpers

namespace {

constexpr std::string_view kKnownBrowserMac = "known-browser";
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kTagBytes = crypto::kHmacSha256Size;
constexpr std::size_t kNonceBytes = 16;
constexpr std::size_t kSignedBytes = 1 + kTagBytes + kNonceBytes + 8;
constexpr std::size_t kCookieBytes = kSignedBytes + crypto::kHmacSha256Size;
// base64url without padding of kCookieBytes.
constexpr std::size_t kCookieLength = (kCookieBytes * 4 + 2) / 3;

using Signed = std::array<std::uint8_t, kSignedBytes>;

Signed Body(std::span<const std::uint8_t> tag, std::span<const std::uint8_t> nonce,
            std::uint64_t issued_seconds) {
  Signed b{};
  b[0] = kVersion;
  std::memcpy(b.data() + 1, tag.data(), kTagBytes);
  std::memcpy(b.data() + 1 + kTagBytes, nonce.data(), kNonceBytes);
  for (int i = 0; i < 8; ++i) {
    b[1 + kTagBytes + kNonceBytes + i] = static_cast<std::uint8_t>(issued_seconds >> (56 - 8 * i));
  }
  return b;
}

}  // namespace

Result<std::optional<KnownBrowser>> Identity::CheckKnownBrowser(std::string_view cookie) {
  const std::optional<KnownBrowser> none;
  if (cookie.size() != kCookieLength) {
    return none;
  }
  auto bytes = Base64UrlDecode(cookie);
  if (!bytes || bytes->size() != kCookieBytes || (*bytes)[0] != kVersion) {
    return none;
  }
  const std::span<const std::uint8_t> all(*bytes);
  ALCOVE_TRY_ASSIGN(const auto mac, keys_.KeyedHash(kKnownBrowserMac, all.first(kSignedBytes)));
  if (!crypto::ConstantTimeEquals(mac, all.subspan(kSignedBytes))) {
    return none;
  }
  std::uint64_t issued = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    issued = (issued << 8) | all[1 + kTagBytes + kNonceBytes + i];
  }
  const Micros issued_at = static_cast<Micros>(issued) * kMicrosPerSecond;
  const Micros now = clock_.Now();
  if (issued_at > now + 60 * kMicrosPerSecond || now - issued_at >= kKnownBrowserLifetime) {
    return none;
  }
  return std::optional<KnownBrowser>(KnownBrowser{
      .account_key = "acct:" + Hex(all.subspan(1, kTagBytes)),
      .budget_key = "browser:" + Hex(all.subspan(1 + kTagBytes, kNonceBytes)),
  });
}

Result<SecretString> Identity::KnownBrowserCookie(std::string_view normalized_email,
                                                  const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto tag, keys_.KeyedHash(kRateLimitKey, AsBytes(normalized_email)));
  std::array<std::uint8_t, kNonceBytes> nonce{};
  bool reused = false;
  if (!caller.known_browser.empty()) {
    ALCOVE_TRY_ASSIGN(const auto known, CheckKnownBrowser(caller.known_browser));
    if (known && known->account_key == "acct:" + Hex(tag)) {
      auto bytes = Base64UrlDecode(caller.known_browser);
      std::memcpy(nonce.data(), bytes->data() + 1 + kTagBytes, kNonceBytes);
      reused = true;
    }
  }
  if (!reused) {
    crypto::RandomBytes(nonce);
  }
  const Signed body =
      Body(tag, nonce, static_cast<std::uint64_t>(clock_.Now() / kMicrosPerSecond));
  ALCOVE_TRY_ASSIGN(const auto mac, keys_.KeyedHash(kKnownBrowserMac, body));
  std::array<std::uint8_t, kCookieBytes> cookie{};
  std::memcpy(cookie.data(), body.data(), kSignedBytes);
  std::memcpy(cookie.data() + kSignedBytes, mac.data(), mac.size());
  return SecretString(Base64UrlEncode(cookie));
}

}  // namespace alcove::identity
