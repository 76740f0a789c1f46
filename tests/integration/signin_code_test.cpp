// Sign-in from any device (C26, issue #13) through the real binary over HTTPS: the one-time
// code of the mail (read from the development outbox) typed in the browser that asked,
// "Send a new link" after a failed link or code, the pages around them, and their rate
// limits (C30).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/browser.hpp"
#include "support/process.hpp"

namespace alcove::testing {
namespace {

namespace json = boost::json;

constexpr auto npos = std::string::npos;

std::string ErrorMessage(const HttpResult& r) {
  const json::value v = JsonOf(r);
  return v.is_object() && v.as_object().if_contains("error") != nullptr
             ? StringAt(v.at("error"), "message")
             : std::string();
}

// A code of the right shape that is not `code`.
std::string WrongCode(std::string code) {
  code[7] = code[7] == 'A' ? 'B' : 'A';
  return code;
}

class CodeFlows : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<ServerProcess>(ServerProcess::Options{.env = RoomyRateLimits()});
    outbox_ = std::make_unique<Outbox>(server_->data_dir());
  }
  static void TearDownTestSuite() {
    outbox_.reset();
    server_.reset();
  }
  void SetUp() override { ASSERT_TRUE(server_->started()) << server_->Stderr(); }
  static Browser NewBrowser(std::string user_agent = "CodeBrowser/1.0") {
    return Browser(server_->origin(), server_->certificate(), std::move(user_agent));
  }
  // An account for `email` (signed up and confirmed in a browser of its own).
  static void Account(const std::string& email) {
    Browser b = NewBrowser();
    ASSERT_TRUE(SignUp(b, *outbox_, email, "Code Tester"));
  }

  inline static std::unique_ptr<ServerProcess> server_;
  inline static std::unique_ptr<Outbox> outbox_;
};

// claim: C26 — the mail's code signs in only in the browser that asked; the link opened on
// the phone says, in plain words, to type the code there; the pages work without scripts.
TEST_F(CodeFlows, C26_TheCodeFromTheMailSignsInTheBrowserThatAskedNotThePhone) {
  const std::string email = NewTestAddress("c26-code");
  Account(email);
  Browser desk = NewBrowser("DeskBrowser/1.0");
  const HttpResult asked = desk.PostForm("/signin/link", {{"email", email}});
  ASSERT_EQ(asked.status, 303) << asked.body;
  EXPECT_EQ(asked.Header("Location"), "/check-email");
  const HttpResult page = desk.Get("/check-email");
  ASSERT_EQ(page.status, 200);
  for (const char* markup : {R"(id="signin-code")", R"(autocomplete="one-time-code")",
                             R"(inputmode="text")", R"(id="signin-code-submit")",
                             R"(action="/auth/code")", R"(id="resend-link")"}) {
    EXPECT_NE(page.body.find(markup), npos) << markup;
  }
  auto mail = outbox_->Next(email);
  ASSERT_TRUE(mail) << "no sign-in mail within 10 s";
  ASSERT_EQ(mail->code.size(), 8u) << mail->text;
  EXPECT_NE(mail->text.find("10 minutes"), npos);

  // The phone: the link is refused with the way forward, and so is the code.
  Browser phone = NewBrowser("PhoneBrowser/1.0");
  const HttpResult link_on_phone = Consume(phone, mail->token);
  EXPECT_EQ(link_on_phone.status, 401);
  EXPECT_NE(ErrorMessage(link_on_phone).find("type the code from the email"), npos)
      << link_on_phone.body;
  const HttpResult code_on_phone = phone.PostForm("/auth/code", {{"code", mail->code}});
  EXPECT_EQ(code_on_phone.status, 401);
  EXPECT_NE(code_on_phone.body.find("Type the code in the browser where you asked"), npos)
      << code_on_phone.body;
  EXPECT_FALSE(phone.Cookie(kSessionCookie));

  // The desk: the code, typed in lower case with its hyphen, signs in.
  std::string typed = mail->code.substr(0, 4) + "-" + mail->code.substr(4);
  for (char& c : typed) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const HttpResult in = desk.PostForm("/auth/code", {{"code", typed}});
  ASSERT_EQ(in.status, 303) << in.body;
  EXPECT_EQ(in.Header("Location"), "/");
  ASSERT_TRUE(desk.Cookie(kSessionCookie));
  EXPECT_FALSE(desk.Cookie(kLoginCookie)) << "the login cookie is spent";
  EXPECT_EQ(StringAt(JsonOf(desk.Get("/api/v1/me")), "email"), email);
}

// claim: C26 — the API route: a wrong code is refused, five wrong tries kill the code, and
// the link of the same mail signs in once; using the code ends the link.
TEST_F(CodeFlows, C26_ApiCodeFiveWrongTriesKillItAndUsingTheCodeEndsTheLink) {
  const std::string email = NewTestAddress("c26-api");
  Account(email);
  Browser a = NewBrowser();
  std::string token;
  ASSERT_TRUE(RequestLink(a, *outbox_, email, &token));
  // RequestLink took the mail; ask for another to read its code.
  ASSERT_EQ(a.PostJson("/api/v1/auth/magic-link", json::object{{"email", email}}).status, 202);
  auto mail = outbox_->Next(email);
  ASSERT_TRUE(mail);
  const HttpResult malformed = UseCode(a, "ABC");
  EXPECT_EQ(malformed.status, 400) << malformed.body;
  for (int i = 0; i < 5; ++i) {
    const HttpResult wrong = UseCode(a, WrongCode(mail->code));
    ASSERT_EQ(wrong.status, 401) << wrong.body;
  }
  EXPECT_EQ(UseCode(a, mail->code).status, 401) << "dead after five wrong tries";
  EXPECT_FALSE(a.Cookie(kSessionCookie));

  // The first mail's code still has its tries; using it ends its link.
  ASSERT_EQ(a.PostJson("/api/v1/auth/magic-link", json::object{{"email", email}}).status, 202);
  auto third = outbox_->Next(email);
  ASSERT_TRUE(third);
  const auto login = a.Cookie(kLoginCookie);
  ASSERT_TRUE(login);
  const HttpResult in = UseCode(a, third->code);
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(StringAt(JsonOf(in), "status"), "signed_in");
  a.SetCookie(kLoginCookie, *login);
  EXPECT_EQ(Consume(a, third->token).status, 401) << "the code ended the link";
  EXPECT_EQ(Consume(a, token).status, 200) << "another mail's link is its own";
}

// claim: C26 — a failed link offers "Send a new link" (for the same address, bound to this
// browser); the paste form is a fallback behind a disclosure.
TEST_F(CodeFlows, C26_AFailedLinkOffersSendANewLinkForTheSameAddress) {
  const std::string email = NewTestAddress("c26-resend");
  Account(email);
  Browser desk = NewBrowser();
  ASSERT_EQ(desk.PostForm("/signin/link", {{"email", email}}).status, 303);
  auto mail = outbox_->Next(email);
  ASSERT_TRUE(mail);

  Browser phone = NewBrowser("PhoneBrowser/1.0");
  const HttpResult magic = phone.Get("/auth/magic");
  ASSERT_EQ(magic.status, 200);
  const auto details = magic.body.find("<details>");
  ASSERT_NE(details, npos);
  EXPECT_GT(magic.body.find(R"(id="magic-token")"), details) << "the paste form is behind it";
  // Pasting the whole link, on the phone: refused, with "Send a new link" for this link.
  const HttpResult refused = phone.PostForm("/auth/magic", {{"token", mail->link}});
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("Send a new link"), npos);
  EXPECT_NE(refused.body.find(R"(value=")" + mail->token + R"(")"), npos);
  EXPECT_EQ(refused.body.find(email), npos) << "the page never shows the address";
  const HttpResult resent =
      phone.PostForm("/auth/resend", {{"token", mail->token}});
  ASSERT_EQ(resent.status, 303) << resent.body;
  EXPECT_EQ(resent.Header("Location"), "/check-email");
  auto again = outbox_->Next(email);
  ASSERT_TRUE(again) << "a new mail to the same address";
  const HttpResult in = phone.PostForm("/auth/code", {{"code", again->code}});
  ASSERT_EQ(in.status, 303) << in.body;
  EXPECT_EQ(StringAt(JsonOf(phone.Get("/api/v1/me")), "email"), email);

  // From the check-email page, without a token: this browser's last request again.
  ASSERT_EQ(desk.PostForm("/auth/code", {{"code", WrongCode(mail->code)}}).status, 401);
  const HttpResult from_page = desk.PostForm("/auth/resend", {});
  ASSERT_EQ(from_page.status, 303) << from_page.body;
  auto third = outbox_->Next(email);
  ASSERT_TRUE(third);
  EXPECT_EQ(UseCode(desk, third->code).status, 200);

  // A browser that never asked: the same answer, and nothing is sent.
  Browser stranger = NewBrowser();
  const HttpResult nothing = stranger.PostJson("/api/v1/auth/resend", json::object{});
  EXPECT_EQ(nothing.status, 202) << nothing.body;
  EXPECT_EQ(StringAt(JsonOf(nothing), "status"), "check_email");
}

// claim: C26 — "Send a new link" right after signing up mails the sign-up again (its code
// makes the account), the way a therapist whose first mail went astray would do it.
TEST_F(CodeFlows, C26_SendANewLinkAfterSigningUpMailsTheSignUpAgain) {
  const std::string email = NewTestAddress("c26-signup-again");
  Browser p = NewBrowser();
  ASSERT_EQ(p.PostForm("/signup", {{"email", email}, {"name", "Nora Again"}}).status, 303);
  ASSERT_TRUE(outbox_->Next(email));  // the first mail, "lost"
  const HttpResult again = p.PostForm("/auth/resend", {});
  ASSERT_EQ(again.status, 303) << again.body;
  EXPECT_EQ(again.Header("Location"), "/check-email");
  auto mail = outbox_->Next(email);
  ASSERT_TRUE(mail) << "no second mail within 10 s";
  ASSERT_EQ(p.PostForm("/auth/code", {{"code", mail->code}}).status, 303);
  const json::value me = JsonOf(p.Get("/api/v1/me"));
  EXPECT_EQ(StringAt(me, "email"), email);
  EXPECT_EQ(StringAt(me, "name"), "Nora Again");
}

// ---- C30: rate limits ----

class CodeRateLimits : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Per IP: four code tries an hour; per address: two link mails an hour.
    server_ = std::make_unique<ServerProcess>(ServerProcess::Options{
        .env = {{"ALCOVE_RATE_LIMITS_CONSUME", "4 per 1h burst 4"},
                {"ALCOVE_RATE_LIMITS_MAGIC_LINK", "2 per 1h burst 2"},
                {"ALCOVE_RATE_LIMITS_SIGN_IN", "100000 per 1h burst 100000"}}});
    outbox_ = std::make_unique<Outbox>(server_->data_dir());
  }
  static void TearDownTestSuite() {
    outbox_.reset();
    server_.reset();
  }
  void SetUp() override { ASSERT_TRUE(server_->started()) << server_->Stderr(); }
  static Browser NewBrowser() {
    return Browser(server_->origin(), server_->certificate(), "CodeRateBrowser/1.0");
  }
  inline static std::unique_ptr<ServerProcess> server_;
  inline static std::unique_ptr<Outbox> outbox_;
};

// claim: C30 — code tries are limited per IP with 429 and Retry-After (on top of the five
// tries of each code), and "Send a new link" spends the address's mail budget.
TEST_F(CodeRateLimits, C30_CodeTriesAndNewLinksAreRateLimited) {
  // The address's two mails an hour: its sign-up's and one link, asked for from a browser
  // it never signed in with; "Send a new link" there then sends nothing more.
  const std::string email = NewTestAddress("c30-resend");
  Browser owner = NewBrowser();
  ASSERT_TRUE(SignUp(owner, *outbox_, email, "Rita Resend"));  // one try of "consume"
  Browser c = NewBrowser();
  ASSERT_EQ(c.PostJson("/api/v1/auth/magic-link", json::object{{"email", email}}).status, 202);
  ASSERT_TRUE(outbox_->Next(email));
  const HttpResult resent = c.PostForm("/auth/resend", {});
  EXPECT_EQ(resent.status, 303) << "the same answer: the budget is spent out of sight";
  EXPECT_FALSE(outbox_->Next(email, 3000)) << "over the address's budget";

  // Code tries from one address: at most the budget, then 429 with Retry-After.
  Browser a = NewBrowser();
  int refused = 0;
  HttpResult last;
  for (int i = 0; i < 10; ++i) {
    last = UseCode(a, "ABCD-EFGH");
    if (last.status != 401) {
      break;
    }
    ++refused;
  }
  EXPECT_EQ(last.status, 429) << last.body;
  EXPECT_LE(refused, 3);
  EXPECT_TRUE(last.Header("Retry-After"));
  EXPECT_EQ(StringAt(JsonOf(last).at("error"), "code"), "rate_limited");
}

}  // namespace
}  // namespace alcove::testing
