// Messages carry a fixed text and one link, and nothing else can get in (claim C53).
#include "mail/message.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <type_traits>

#include "crypto/secret.hpp"

namespace alcove::mail {
namespace {

constexpr std::string_view kOrigin = "https://alcove.example.org";
constexpr std::string_view kLink = "https://alcove.example.org/auth/magic?t=abc123_-XYZ";
constexpr std::string_view kTo = "therapist@example.org";

constexpr MailKind kAllKinds[] = {MailKind::kSignInLink, MailKind::kSignUpConfirmation,
                                  MailKind::kPortalInvitation, MailKind::kQuestionnaireLink,
                                  MailKind::kSupervisorSigningLink,
                                  MailKind::kSupervisorInvitation, MailKind::kSupervisorPinReset,
                                  MailKind::kHoursReminder, MailKind::kSigningReminder,
                                  MailKind::kMeasureFlag, MailKind::kSummarySigningLink};

template <typename To, typename Link>
concept CanMake = requires(To to, Link link) {
  Message::Make(MailKind::kSignInLink, to, link, std::string_view());
};
template <typename Origin>
concept CanMakeWithOrigin = requires(Origin origin) {
  Message::Make(MailKind::kSignInLink, kTo, kLink, origin);
};
template <typename Extra>
concept CanMakeWithCode = requires(Extra text) {
  Message::Make(MailKind::kSignInLink, kTo, kLink, kOrigin, text);
};

// claim: C53
TEST(MessageC53, ClientContentDoesNotCompileAsAnyArgument) {
  // The requires-expressions can fail: plain strings are accepted...
  static_assert(CanMake<std::string, std::string>);
  static_assert(CanMake<const std::string&, std::string_view>);
  // ...client content is not, as recipient or as link...
  static_assert(!CanMake<crypto::PhiString, std::string>);
  static_assert(!CanMake<const crypto::PhiString&, std::string>);
  static_assert(!CanMake<std::string, crypto::PhiString>);
  static_assert(!CanMake<std::string, const crypto::PhiString&>);
  // ...nor as the origin or the sign-in code (whose text Make checks: CodeIsTheOnly...).
  static_assert(CanMakeWithOrigin<std::string>);
  static_assert(!CanMakeWithOrigin<crypto::PhiString>);
  static_assert(CanMakeWithCode<std::string>);
  static_assert(!CanMakeWithCode<crypto::PhiString>);
  // No public constructor: Make is the only way in.
  static_assert(!std::is_constructible_v<Message, MailKind, std::string, std::string>);
  static_assert(!std::is_default_constructible_v<Message>);
  SUCCEED();
}

// claim: C53
TEST(MessageC53, BodyIsTheFixedTextWithTheLinkAloneOnItsLine) {
  for (MailKind kind : kAllKinds) {
    auto a = Message::Make(kind, kTo, kLink, kOrigin);
    auto b = Message::Make(kind, "client@example.net",
                           "https://alcove.example.org/portal/invite/zzz", kOrigin);
    ASSERT_TRUE(a) << a.error().internal;
    ASSERT_TRUE(b) << b.error().internal;
    const std::string body = a->Body();
    // The link appears once, as a whole line.
    const std::string line = "\r\n" + std::string(kLink) + "\r\n";
    ASSERT_NE(body.find(line), std::string::npos) << MailKindName(kind);
    EXPECT_EQ(body.find(kLink), body.rfind(kLink));
    // Nothing else varies: with the link taken out, two messages to different people
    // with different links have the same body.
    std::string rest_a = body;
    rest_a.erase(body.find(kLink), kLink.size());
    std::string rest_b = b->Body();
    rest_b.erase(rest_b.find("https://alcove.example.org/portal/invite/zzz"),
                 std::string_view("https://alcove.example.org/portal/invite/zzz").size());
    EXPECT_EQ(rest_a, rest_b) << MailKindName(kind);
    EXPECT_EQ(body.find(kTo), std::string::npos);
    EXPECT_EQ(a->subject(), b->subject());
  }
}

// claim: C53, C26 — the fifth parameter takes a sign-in code and nothing else: 8
// characters of the code alphabet, only in sign-in and sign-up mail, alone on its line.
TEST(MessageC53, TheSignInCodeIsTheOnlyExtraAndHoldsNothingElse) {
  auto m = Message::Make(MailKind::kSignInLink, kTo, kLink, kOrigin, "ABCD2345");
  ASSERT_TRUE(m) << m.error().internal;
  EXPECT_EQ(m->code(), "ABCD2345");
  EXPECT_NE(m->Body().find("\r\nABCD-2345\r\n"), std::string::npos) << m->Body();
  EXPECT_NE(m->Body().find("10 minutes"), std::string::npos);
  ASSERT_TRUE(Message::Make(MailKind::kSignUpConfirmation, kTo, kLink, kOrigin, "ZZZZ9999"));
  for (const std::string_view bad :
       {"Anna Smi", "ABCD234", "ABCD23456", "abcd2345", "ABCD-234", "ABCD2340", "ABCDOIL1",
        "ABCD\r\nBc"}) {
    auto r = Message::Make(MailKind::kSignInLink, kTo, kLink, kOrigin, bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  for (const MailKind kind : {MailKind::kPortalInvitation, MailKind::kQuestionnaireLink,
                              MailKind::kSupervisorSigningLink, MailKind::kSupervisorInvitation,
                              MailKind::kSupervisorPinReset, MailKind::kHoursReminder,
                              MailKind::kSigningReminder, MailKind::kMeasureFlag,
                              MailKind::kSummarySigningLink}) {
    EXPECT_FALSE(Message::Make(kind, kTo, kLink, kOrigin, "ABCD2345")) << MailKindName(kind);
  }
  EXPECT_TRUE(IsSignInCode("23456789"));
  EXPECT_FALSE(IsSignInCode(""));
}

// claim: C53
TEST(MessageC53, EveryKindHasItsOwnSubjectAndName) {
  std::set<std::string_view> subjects;
  std::set<std::string_view> names;
  for (MailKind kind : kAllKinds) {
    auto m = Message::Make(kind, kTo, kLink, kOrigin);
    ASSERT_TRUE(m);
    subjects.insert(m->subject());
    names.insert(MailKindName(kind));
  }
  EXPECT_EQ(subjects.size(), std::size(kAllKinds));
  EXPECT_EQ(names.size(), std::size(kAllKinds));
}

// claim: C53
TEST(MessageC53, LinksOffTheConfiguredHttpsOriginAreRefused) {
  for (std::string_view link : {
           "http://alcove.example.org/auth/magic?t=1",         // not https
           "https://evil.example.com/auth/magic?t=1",          // another origin
           "https://alcove.example.org.evil.com/x",            // origin as a prefix
           "https://alcove.example.org@evil.com/x",            // user info trick
           "https://alcove.example.org:8443/x",                // another port
           "https://alcove.example.org",                       // no path
           "https://alcove.example.org/",                      // no path either
           "HTTPS://alcove.example.org/x",                     // not the configured text
           "javascript:alert(1)",                              //
           "https://alcove.example.org/x\r\nBcc: a@evil.com",  // line break
           "https://alcove.example.org/x\n",                   //
           "https://alcove.example.org/a b",                   // space
           "https://alcove.example.org/a<b>",                  // markup
           "https://alcove.example.org/a#b#c",                 // two fragments
           "https://alcove.example.org/a#b c",                 // space in the fragment
           "https://alcove.example.org/caf\xc3\xa9",           // non-ASCII
       }) {
    auto m = Message::Make(MailKind::kSignInLink, kTo, link, kOrigin);
    ASSERT_FALSE(m) << link;
    EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(m.error().internal.find("evil"), std::string::npos) << m.error().internal;
  }
  const std::string too_long = std::string(kOrigin) + "/" + std::string(kMaxLinkLength, 'a');
  EXPECT_FALSE(Message::Make(MailKind::kSignInLink, kTo, too_long, kOrigin));
  // The origin itself must be https.
  EXPECT_FALSE(Message::Make(MailKind::kSignInLink, kTo, "http://alcove.example.org/x",
                             "http://alcove.example.org"));
  EXPECT_TRUE(Message::Make(MailKind::kSignInLink, kTo, "https://localhost:8443/auth/m?t=1",
                            "https://localhost:8443"));
  // A fragment is allowed: sign-in links carry their token there (C26).
  EXPECT_TRUE(Message::Make(MailKind::kSignInLink, kTo,
                            "https://alcove.example.org/auth/magic#token=abc-_1",
                            "https://alcove.example.org"));
}

// claim: C53
TEST(MessageC53, HeaderInjectionThroughTheRecipientIsRefused) {
  for (std::string_view to :
       {"a@example.org\r\nBcc: victim@example.com", "a@example.org\nBcc: x@y.org",
        "a@example.org\r", "\"a b\"@example.org", "a@example.org>, b@evil.com",
        "Name <a@example.org>", "a@[127.0.0.1]", "a@-example.org", "a@example..org",
        ".a@example.org", "a..b@example.org", "a@", "@example.org", "a", "",
        "caf\xc3\xa9@example.org", "a b@example.org", "a@exa_mple.org"}) {
    auto m = Message::Make(MailKind::kSignInLink, to, kLink, kOrigin);
    ASSERT_FALSE(m) << to;
    EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(m.error().internal.find("example"), std::string::npos) << m.error().internal;
  }
  EXPECT_FALSE(IsAcceptableAddress(std::string(65, 'a') + "@example.org"));
  EXPECT_TRUE(IsAcceptableAddress(std::string(64, 'a') + "@example.org"));
  EXPECT_TRUE(IsAcceptableAddress("first.last+tag@mail.example.co.uk"));
}

// claim: C53
TEST(MessageC53, HeaderInjectionThroughTheSenderIsRefused) {
  for (std::string_view from :
       {"Alcove <a@example.org>\r\nBcc: x@evil.com", "Al\"cove <a@example.org>",
        "Alcove <a@example.org", "Alcove\n <a@example.org>", "a@example.org\r\n", "<>",
        "Alcove <a@example.org> x", "Caf\xc3\xa9 <a@example.org>"}) {
    EXPECT_FALSE(Sender::Parse(from)) << from;
  }
  auto plain = Sender::Parse("no-reply@example.org");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->HeaderValue(), "no-reply@example.org");
  auto named = Sender::Parse("Alcove Practice <no-reply@example.org>");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->address(), "no-reply@example.org");
  EXPECT_EQ(named->HeaderValue(), "\"Alcove Practice\" <no-reply@example.org>");
}

// claim: C53
TEST(MessageC53, RendersRfc5322WithCrlfAndTheFixedHeaders) {
  auto m = Message::Make(MailKind::kQuestionnaireLink, kTo, kLink, kOrigin);
  ASSERT_TRUE(m);
  auto from = Sender::Parse("Alcove <no-reply@alcove.example.org>");
  ASSERT_TRUE(from);
  // 2026-11-23T09:30:00Z
  const Micros date = 1'795'426'200LL * kMicrosPerSecond;
  auto text = RenderRfc5322(*m, *from, date, "0123456789abcdef");
  ASSERT_TRUE(text) << text.error().internal;
  // Every line ends in CRLF; no bare CR or LF.
  for (std::size_t i = 0; i < text->size(); ++i) {
    if ((*text)[i] == '\n') {
      ASSERT_GT(i, 0u);
      EXPECT_EQ((*text)[i - 1], '\r') << i;
    }
    if ((*text)[i] == '\r') {
      ASSERT_LT(i + 1, text->size());
      EXPECT_EQ((*text)[i + 1], '\n') << i;
    }
  }
  const auto split = text->find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos);
  const std::string head = text->substr(0, split + 2);
  const std::string body = text->substr(split + 4);
  EXPECT_EQ(head,
            "From: \"Alcove\" <no-reply@alcove.example.org>\r\n"
            "To: therapist@example.org\r\n"
            "Subject: A questionnaire is waiting for you on Alcove\r\n"
            "Date: Mon, 23 Nov 2026 09:30:00 +0000\r\n"
            "Message-ID: <0123456789abcdef@alcove.example.org>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 7bit\r\n");
  EXPECT_EQ(body, m->Body());
  for (char c : *text) {
    EXPECT_LT(static_cast<unsigned char>(c), 0x80u);  // 7bit is truthful
  }
  EXPECT_FALSE(RenderRfc5322(*m, *from, date, "abc\r\nBcc: x"));
}

TEST(Message, RandomTokensAreHexAndDiffer) {
  const std::string a = RandomToken(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, RandomToken(16));
}

}  // namespace
}  // namespace alcove::mail
