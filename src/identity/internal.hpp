#pragma once

// Shared by the files of the identity service (not part of its interface): token
// purposes, derived hashes and the account row.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/secret.hpp"
#include "crypto/sha.hpp"
#include "identity/identity.hpp"
#include "store/db.hpp"

namespace alcove::identity {

// The columns of accounts that the service works with (sealed fields stay sealed).
struct Identity::AccountRow {
  std::string id;
  store::TenantId tenant = 0;
  Role role{};
  crypto::KeyId key_id = 0;
  std::optional<std::string> password_hash;
  std::optional<std::string> pending_password_hash;
  std::optional<Micros> email_verified_at;
  store::Bytes email;
  store::Bytes name;
  store::Bytes email_hash;  // set by PrepareAccount for the insert; From leaves it empty

  static Result<AccountRow> From(const store::Row& row) {
    AccountRow a;
    a.id = row.Text(0);
    a.tenant = row.Int(1);
    auto role = RoleFromName(row.Text(2));
    if (!role) {
      return Fail(ErrorCode::kInternal, "accounts row with an unknown role");
    }
    a.role = *role;
    a.key_id = static_cast<crypto::KeyId>(row.Int(3));
    a.password_hash = row.OptionalText(4);
    a.pending_password_hash = row.OptionalText(5);
    a.email_verified_at = row.OptionalInt(6);
    a.email = row.Blob(7);
    a.name = row.Blob(8);
    return a;
  }
};

// What a pending sign-up holds (pending_signups.sealed, and its code's box): the
// address, the name and the password hash, packed with NUL between them, which none of
// them can contain.
struct Identity::SignUpFields {
  std::string email;
  std::string name;
  std::optional<std::string> password_hash;

  crypto::SecretString Pack() const;
  static Result<SignUpFields> Unpack(const crypto::SecretString& packed);
};

// The code of one link request, made in the request's thread from its login cookie (the
// cookie itself goes no further): the code, its stored hash, the key of a pending
// sign-up's box and the browser's binding.
struct Identity::CodeSeed {
  std::string binding;          // LoginBinding(cookie)
  crypto::SecretString code;    // 8 characters of mail::kSignInCodeAlphabet
  crypto::Sha256Digest hash{};  // CodeHash(cookie, code)
  crypto::SecretString box_key;  // CodeBoxKey(cookie, code)
  crypto::SecretString resend_secret;  // ResendSecret(cookie)
};

namespace internal {

// Token purposes (crypto/tokens.hpp): the purpose is part of the stored hash.
inline constexpr std::string_view kSignInPurpose = "auth.signin";
inline constexpr std::string_view kSignUpPurpose = "auth.signup";
// A sign-up for an address that has no account: its subject is "<pending id>:<binding>".
inline constexpr std::string_view kNewAccountPurpose = "auth.signup.new";
inline constexpr std::string_view kSessionPurpose = "auth.session";
// The token-box purpose of a pending sign-up's copy sealed under its code.
inline constexpr std::string_view kCodeBoxPurpose = "auth.signup.code";
// ... and of its copy sealed under the login cookie alone ("Send a new link").
inline constexpr std::string_view kResendBoxPurpose = "auth.signup.resend";
inline constexpr std::string_view kEmailLookup = "email-lookup";
inline constexpr std::string_view kRateLimitKey = "rate-limit-account";
inline constexpr std::size_t kMaxUserAgent = 200;

// What a refused link or code says (the page under it offers "Send a new link").
inline constexpr std::string_view kOtherBrowserMessage =
    "This link works only in the browser where you asked for it. On that device, type the "
    "code from the email on the page that asked you to check your email. Or send a new link "
    "to sign in here.";
inline constexpr std::string_view kUsedMessage =
    "This link or code has already been used. Send a new link to sign in.";
inline constexpr std::string_view kExpiredMessage =
    "This link has expired: links and codes work for 10 minutes. Send a new link to sign in.";
inline constexpr std::string_view kWrongCodeMessage =
    "That code is not right, or it has expired. Check the code in the newest email, or send "
    "a new link.";
inline constexpr std::string_view kCodeElsewhereMessage =
    "Type the code in the browser where you asked for the email. Or send a new link to sign "
    "in here.";

// The columns AccountRow::From reads, in its order.
inline constexpr std::string_view kAccountColumns =
    "id, tenant_id, role, key_id, password_hash, pending_password_hash, email_verified_at, "
    "email, name";

// kUnauthenticated; the public message never says which check failed.
std::unexpected<Error> Unauthenticated(std::string internal,
                                       std::string public_message = "Please sign in.");
std::string Hex(std::span<const std::uint8_t> bytes);
// SHA-256(label 0x00 a [0x00 b]) for the derived values below.
crypto::Sha256Digest LabelledHash(std::string_view label, std::string_view a,
                                  std::string_view b = {});
// What a magic-link token's subject holds: the account and the hash of the login
// cookie of the browser that asked for it.
std::string LoginBinding(const crypto::SecretString& login_cookie);
// The stored form of a sign-in code: SHA-256("alcove/signin-code/v1" 0x00 cookie 0x00 code).
crypto::Sha256Digest CodeHash(const crypto::SecretString& login_cookie, std::string_view code);
// A token-shaped key (base64url of SHA-256 under another label) for the box of a pending
// sign-up that its code opens.
crypto::SecretString CodeBoxKey(const crypto::SecretString& login_cookie, std::string_view code);
// For the copy "Send a new link" opens in that browser: a secret of the cookie alone,
// base64url(SHA-256("alcove/signin-resend/v1" 0x00 cookie)), and from it one box key per
// code row, base64url(SHA-256("alcove/signin-resend-box/v1" 0x00 secret 0x00 row id)).
crypto::SecretString ResendSecret(const crypto::SecretString& login_cookie);
crypto::SecretString ResendBoxKey(const crypto::SecretString& resend_secret,
                                  std::string_view row_id);
// True iff `presented` equals `stored`, compared in constant time (a sign-in code's hash).
bool CodeHashMatches(std::span<const std::uint8_t> stored, const crypto::Sha256Digest& presented);
// The stored form of a session's device token.
crypto::Sha256Digest DeviceHash(std::string_view session_id, const crypto::SecretString& device);
store::Bytes ToBytes(std::span<const std::uint8_t> d);
// A User-Agent as the sessions list shows it: printable ASCII, at most 200 characters.
std::string DisplayUserAgent(std::string_view ua);
// UTF-8 code points of `s`, or nullopt if `s` is not valid UTF-8 or holds a control
// character.
std::optional<std::size_t> CountPrintableCodePoints(std::string_view s);

}  // namespace internal
}  // namespace alcove::identity
