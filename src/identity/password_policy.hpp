#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/secret.hpp"

namespace alcove::identity {

// The password policy for therapist accounts (issue #6; the hashing of the accepted
// password is claim C25, crypto/password_hasher.hpp). It follows NIST SP 800-63B
// §5.1.1.2: a minimum length, any printable Unicode allowed, no composition rules
// ("one digit, one symbol"), and a check against a deny-list of common and
// easily guessed values.
//
// A new password is refused (kInvalidArgument) when it
//   - is longer than crypto::kMaxPasswordBytes bytes (the hasher would refuse it);
//   - is not valid UTF-8 (RFC 3629: no overlong forms, surrogates or values past U+10FFFF);
//   - contains a control character (Unicode category Cc: C0 including NUL and tab,
//     DEL, C1);
//   - has fewer than kMinPasswordCodePoints Unicode code points (not bytes: "é" is one);
//   - equals, ignoring ASCII case, an entry of the built-in list of very common
//     passwords (CommonPasswords());
//   - is one character, or a group of at most four characters, repeated
//     ("aaaaaaaaaaaa", "abababababab");
//   - is a run of consecutive characters of the alphabet, the digits or a keyboard row,
//     forwards or backwards, wrapping around ("abcdefghijkl", "123456789012",
//     "qwertyuiopas", "lkjhgfdsapoi");
//   - equals, ignoring ASCII case, `email` or its local part (before the last '@').
// The password is not Unicode-normalised: the code points are counted as typed, and the
// hasher hashes the bytes as given.
//
// Each error's public message tells a person what to change ("Use at least 12
// characters.", "This password is too common; choose another."). Neither message ever
// contains the password or the email address. The check makes no copy of the password
// except a code-point buffer that it wipes before returning.
//
// Thread-safety: a pure function; call it from any thread.

inline constexpr std::size_t kMinPasswordCodePoints = 12;

// Checks a new password for the account whose email address is `email` (may be empty:
// then no email comparison is made).
Status CheckNewPassword(const crypto::Secret<std::string>& password, std::string_view email);

// The built-in deny-list: lower-case printable ASCII, each entry at least
// kMinPasswordCodePoints long, sorted by byte value and without duplicates (the check
// binary-searches it). Exposed so a test can hold the list to those properties.
std::span<const std::string_view> CommonPasswords();

}  // namespace alcove::identity
