// The password policy for therapist accounts (issue #6: at least 12 characters, common
// passwords refused). This is the policy half of issue #6; the hashing of an accepted
// password is claim C25 (tests/crypto/password_hasher_test.cpp), not tested here.
#include "identity/password_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "crypto/password_hasher.hpp"

namespace alcove::identity {
namespace {

constexpr std::string_view kTooShort = "Use at least 12 characters.";
constexpr std::string_view kTooLong = "That password is too long; use a shorter one.";
constexpr std::string_view kNotUtf8 = "This password is not valid text (UTF-8); type it again.";
constexpr std::string_view kControl =
    "Passwords cannot contain control characters such as tabs or line breaks.";
constexpr std::string_view kCommon = "This password is too common; choose another.";
constexpr std::string_view kRepeated =
    "This password repeats one character or a short group of characters; choose another.";
constexpr std::string_view kRun =
    "This password is a run of consecutive letters, digits or keys; choose another.";
constexpr std::string_view kEmail =
    "Do not use your email address, or the part before the @, as your password.";

Status Check(std::string password, std::string_view email = {}) {
  return CheckNewPassword(crypto::Secret<std::string>(std::move(password)), email);
}

// Refused with `public_message`, and neither message repeats the password or the email.
void ExpectRefused(const std::string& password, std::string_view public_message,
                   std::string_view email = {}) {
  SCOPED_TRACE(testing::Message() << "password " << testing::PrintToString(password));
  const Status status = Check(password, email);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().public_message, public_message);
  for (const std::string& message : {status.error().public_message, status.error().internal}) {
    if (!password.empty()) {
      EXPECT_EQ(message.find(password), std::string::npos) << message;
    }
    if (!email.empty()) {
      EXPECT_EQ(message.find(email), std::string::npos) << message;
    }
  }
}

void ExpectAccepted(std::string password, std::string_view email = {}) {
  const Status status = Check(std::move(password), email);
  EXPECT_TRUE(status) << status.error().internal;
}

std::string RandomPrintable(std::size_t length, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> printable(0x21, 0x7E);
  std::string s(length, ' ');
  for (char& c : s) {
    c = static_cast<char>(printable(rng));
  }
  return s;
}

TEST(PasswordPolicy, CommonListIsSortedLowerCaseAndUnique) {
  const auto list = CommonPasswords();
  EXPECT_GE(list.size(), 100u);
  EXPECT_LE(list.size(), 200u);
  EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
  EXPECT_EQ(std::adjacent_find(list.begin(), list.end()), list.end());
  for (std::string_view entry : list) {
    EXPECT_GE(entry.size(), kMinPasswordCodePoints) << entry;
    for (char c : entry) {
      EXPECT_TRUE(c >= 0x21 && c <= 0x7E) << entry;
      EXPECT_FALSE(c >= 'A' && c <= 'Z') << entry;
    }
  }
}

TEST(PasswordPolicy, EveryCommonPasswordIsRefusedInAnyAsciiCase) {
  for (std::string_view entry : CommonPasswords()) {
    ExpectRefused(std::string(entry), kCommon);
    std::string upper(entry);
    std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) {
      return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    });
    ExpectRefused(upper, kCommon);
  }
  ExpectRefused("PassWordPassWord", kCommon);
  ExpectRefused("Administrator", kCommon);
  ExpectRefused("iLoveYou1234", kCommon);
}

TEST(PasswordPolicy, NearMissesOfCommonPasswordsAreNotOnTheList) {
  // The list is an exact-match deny-list, not a pattern filter.
  ExpectAccepted("passwordpassword-mauve");
  ExpectAccepted("administrat0r");
}

TEST(PasswordPolicy, ElevenCodePointsAreRefusedTwelveAccepted) {
  ExpectRefused("vtq8-mzr2-k", kTooShort);
  ExpectAccepted("vtq8-mzr2-kp");
  ExpectRefused("", kTooShort);
}

TEST(PasswordPolicy, LengthCountsCodePointsNotBytes) {
  // 11 code points, 22 bytes: too short although it has more than 12 bytes.
  const std::string eleven_e_acute = "ééééééééééé";
  ASSERT_EQ(eleven_e_acute.size(), 22u);
  ExpectRefused(eleven_e_acute, kTooShort);

  // Two-byte letters: 11 refused, 12 accepted.
  ExpectRefused("čřžýáíéůúďť", kTooShort);
  ExpectAccepted("čřžýáíéůúďťň");
  // Four-byte characters: 11 (44 bytes) refused, 12 accepted.
  ExpectRefused("🦊🐙🌵🍋🎈🚲📚🔑🌙🍄🎻", kTooShort);
  ExpectAccepted("🦊🐙🌵🍋🎈🚲📚🔑🌙🍄🎻🧭");
  // Three-byte characters.
  ExpectRefused("月光石橋風鈴夏祭り花火", kTooShort);
  ExpectAccepted("月光石橋風鈴夏祭り花火大");
}

TEST(PasswordPolicy, AtMostTheHasherLimitOfBytes) {
  ExpectAccepted(RandomPrintable(crypto::kMaxPasswordBytes, 1));
  ExpectRefused(RandomPrintable(crypto::kMaxPasswordBytes + 1, 2), kTooLong);
}

TEST(PasswordPolicy, InvalidUtf8IsRefused) {
  const std::string good = "lantern-quartz-";
  for (const std::string bad : {
           "\x80",              // a continuation byte alone
           "\xC3",              // a lead byte at the end
           "\xE2\x82",          // a three-byte sequence cut short
           "\xC3\x28",          // a lead byte followed by ASCII
           "\xC0\xAF",          // overlong '/'
           "\xE0\x80\xAF",      // overlong '/' in three bytes
           "\xF0\x80\x80\xAF",  // overlong '/' in four bytes
           "\xED\xA0\x80",      // a UTF-16 surrogate (U+D800)
           "\xF4\x90\x80\x80",  // U+110000, past the last code point
           "\xF5\x80\x80\x80",  // a byte that never occurs
           "\xFF",
       }) {
    ExpectRefused(good + bad + "x", kNotUtf8);
    ExpectRefused(bad + good, kNotUtf8);
    ExpectRefused(good + bad, kNotUtf8);
  }
  // The edges of the valid ranges are accepted.
  ExpectAccepted(good + "\xC2\xA0");          // U+00A0
  ExpectAccepted(good + "\xEF\xBF\xBD");      // U+FFFD
  ExpectAccepted(good + "\xF4\x8F\xBF\xBF");  // U+10FFFF
}

TEST(PasswordPolicy, ControlCharactersAreRefused) {
  const std::string good = "maple-quartz-drift";
  for (const std::string& control : {
           std::string(1, '\0'), std::string("\x01"), std::string("\t"), std::string("\n"),
           std::string("\r"), std::string("\x1B"), std::string("\x1F"),
           std::string("\x7F"),      // DEL
           std::string("\xC2\x80"),  // U+0080, C1
           std::string("\xC2\x85"),  // U+0085, next line
           std::string("\xC2\x9F"),  // U+009F, C1
       }) {
    ExpectRefused(good + control, kControl);
    ExpectRefused(control + good, kControl);
    ExpectRefused("maple-" + control + "quartz-drift", kControl);
  }
  // Spaces are not controls.
  ExpectAccepted("  maple quartz drift  ");
}

TEST(PasswordPolicy, OneRepeatedCharacterIsRefused) {
  ExpectRefused("aaaaaaaaaaaa", kRepeated);
  ExpectRefused("aAaAaAaAaAaA", kRepeated);
  ExpectRefused(std::string(40, 'z'), kRepeated);
  ExpectRefused("            ", kRepeated);
  ExpectRefused("éééééééééééé", kRepeated);
  ExpectRefused("🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑", kRepeated);
}

TEST(PasswordPolicy, AShortRepeatedGroupIsRefused) {
  ExpectRefused("k9k9k9k9k9k9", kRepeated);
  ExpectRefused("k9$k9$k9$k9$", kRepeated);
  ExpectRefused("k9$mk9$mk9$mk9$m", kRepeated);
  ExpectRefused("k9$mk9$mk9$mk", kRepeated);  // need not end on a whole group
  // A group of five repeated is past the rule (and not obviously weak to a person).
  ExpectAccepted("k9$m2k9$m2k9$m2");
}

TEST(PasswordPolicy, RunsOfConsecutiveCharactersAreRefused) {
  ExpectRefused("123456789012", kRun);  // digits, wrapping 9 -> 0
  ExpectRefused("1234567890123456789", kRun);
  ExpectRefused("210987654321", kRun);  // backwards
  ExpectRefused("abcdefghijkl", kRun);
  ExpectRefused("ABCDEFGHIJKL", kRun);
  ExpectRefused("xyzabcdefghi", kRun);  // wrapping z -> a
  ExpectRefused("onmlkjihgfed", kRun);
  ExpectRefused("qwertyuiopas", kRun);  // QWERTY, top row into the middle row
  ExpectRefused("QwErTyUiOpAs", kRun);
  ExpectRefused("lkjhgfdsapoi", kRun);  // QWERTY backwards
  ExpectRefused("poiuytrewqlk", kRun);  // rows right to left
  ExpectRefused("gfdsamnbvcxz", kRun);
  ExpectRefused("asdfghjklzxcvbnm", kRun);
  ExpectRefused("qwertzuiopas", kRun);  // QWERTZ
  ExpectRefused("azertyuiopqs", kRun);  // AZERTY
  // One step out of the run and it is not a run (this one is merely weak).
  ExpectAccepted("123456789013");
}

TEST(PasswordPolicy, TheEmailAddressOrItsLocalPartIsRefused) {
  const std::string_view email = "dr.jane.smith@example.org";
  ExpectRefused("dr.jane.smith@example.org", kEmail, email);
  ExpectRefused("Dr.Jane.Smith@Example.ORG", kEmail, email);
  ExpectRefused("dr.jane.smith", kEmail, email);
  ExpectRefused("DR.JANE.SMITH", kEmail, email);
  // Only equality is refused.
  ExpectAccepted("dr.jane.smith!", email);
  ExpectAccepted("dr.jane.smith@example.org.", email);
  // Without an email address there is nothing to compare.
  ExpectAccepted("dr.jane.smith");
  ExpectAccepted("dr.jane.smith@example.org");
  // The local part is what precedes the last '@'.
  ExpectRefused("\"a@b\".therapist", kEmail, "\"a@b\".therapist@example.org");
}

TEST(PasswordPolicy, LongRandomLookingPassphrasesAreAccepted) {
  ExpectAccepted("maple-quartz-lantern-47-drift");
  ExpectAccepted("Tangerine orbit, velvet 1987 sparrow!");
  ExpectAccepted("correct horse battery staple");  // spaces: not the listed entry
  ExpectAccepted("Brötchen über Öresund – 7 Möwen");
  ExpectAccepted(RandomPrintable(64, 7), "dr.jane.smith@example.org");
}

}  // namespace
}  // namespace alcove::identity
