// C32 through the real binary: a flood of sign-in attempts against an account, from many
// addresses, does not stop its owner signing in from a browser they used before (known-
// browser cookies, OWASP "Slow Down Online Guessing Attacks with Device Cookies"); only
// failed password attempts count against an account; and link mail to an address stays
// bounded however many ask. Default rate limits; the server believes X-Forwarded-For
// from loopback, so each request can come from its own address.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/browser.hpp"
#include "support/process.hpp"

namespace alcove::testing {
namespace {

namespace json = boost::json;

constexpr char kKnownBrowserCookie[] = "__Host-alcove_known";

std::vector<std::string> From(const std::string& address) {
  return {"X-Forwarded-For: " + address};
}

class Lockout : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<ServerProcess>(
        ServerProcess::Options{.env = {{"ALCOVE_SERVER_TRUSTED_PROXIES", "127.0.0.1"}}});
    outbox_ = std::make_unique<Outbox>(server_->data_dir());
  }
  static void TearDownTestSuite() {
    outbox_.reset();
    server_.reset();
  }
  void SetUp() override { ASSERT_TRUE(server_->started()) << server_->Stderr(); }
  static Browser NewBrowser(std::string agent = "LockoutBrowser/1.0") {
    return Browser(server_->origin(), server_->certificate(), std::move(agent));
  }
  static HttpResult Password(Browser& b, const std::string& email, const std::string& password,
                             const std::string& address) {
    return b.PostJson("/api/v1/auth/password",
                      json::object{{"email", email}, {"password", password}}, From(address));
  }
  static std::size_t MailsTo(const std::string& email) {
    std::size_t n = 0;
    for (const auto& m : outbox_->All()) {
      n += m.text.find(email) != std::string::npos ? 1 : 0;
    }
    return n;
  }
  inline static std::unique_ptr<ServerProcess> server_;
  inline static std::unique_ptr<Outbox> outbox_;
};

// claim: C32 — twenty wrong passwords and ten link requests from four addresses spend the
// account's budget for unknown browsers (an unknown browser with the right password is
// refused, and at most the burst of link mails goes out), yet the owner's browser signs
// in with its password and by link, even from one of the flooding addresses.
TEST_F(Lockout, C32_AFloodAgainstAnAccountDoesNotStopItsOwnersKnownBrowser) {
  const std::string email = "c32-owner@example.org";
  const std::string password = "juniper harbour lantern 5150";
  Browser owner = NewBrowser("OwnersBrowser/1.0");
  ASSERT_TRUE(SignUp(owner, *outbox_, email, "Olga Owner", password));
  const auto known = owner.Cookie(kKnownBrowserCookie);
  ASSERT_TRUE(known) << "signing in sets the known-browser cookie";
  ASSERT_EQ(owner.PostJson("/api/v1/auth/logout", json::object{},
                           {"X-CSRF-Token: " + CsrfToken(owner)})
                .status,
            204);
  EXPECT_EQ(owner.Cookie(kKnownBrowserCookie), known) << "kept across signing out";
  EXPECT_FALSE(owner.Cookie(kSessionCookie));

  // The flood: wrong passwords from two addresses, link requests from two more.
  int password_refused = 0;
  for (const char* address : {"198.51.100.1", "198.51.100.2"}) {
    for (int i = 0; i < 10; ++i) {
      Browser attacker = NewBrowser("Attacker/1.0");
      const HttpResult r = Password(attacker, email, "guess number " + std::to_string(i), address);
      ASSERT_TRUE(r.status == 401 || r.status == 429) << r.status << " " << r.body;
      password_refused += r.status == 429 ? 1 : 0;
    }
  }
  EXPECT_GT(password_refused, 0) << "the account's budget for unknown browsers is spent";
  const std::size_t mails_before_flood = MailsTo(email);
  int links_refused = 0;
  for (const char* address : {"198.51.100.3", "198.51.100.4"}) {
    for (int i = 0; i < 5; ++i) {
      Browser attacker = NewBrowser("Attacker/1.0");
      const HttpResult r = attacker.PostJson("/api/v1/auth/magic-link",
                                             json::object{{"email", email}}, From(address));
      ASSERT_TRUE(r.status == 202 || r.status == 429) << r.status << " " << r.body;
      links_refused += r.status == 429 ? 1 : 0;
    }
  }
  EXPECT_GT(links_refused, 0);
  // An unknown browser, from an address that did nothing, with the right password: the
  // budget for unknown browsers is spent, so it waits too.
  Browser stranger = NewBrowser();
  EXPECT_EQ(Password(stranger, email, password, "203.0.113.200").status, 429);

  // The owner's known browser, from an address whose own budget the flood spent.
  const HttpResult in = Password(owner, email, password, "198.51.100.1");
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(JsonOf(owner.Get("/api/v1/me")).at("email"), json::value(email));
  ASSERT_EQ(owner.PostJson("/api/v1/auth/logout", json::object{},
                           {"X-CSRF-Token: " + CsrfToken(owner)})
                .status,
            204);
  // And by link: the request is served and the mail goes out, however many the flood
  // asked for.
  const HttpResult ask =
      owner.PostJson("/api/v1/auth/magic-link", json::object{{"email", email}}, From("198.51.100.3"));
  ASSERT_EQ(ask.status, 202) << ask.body;
  // The flood's links are bound to the attackers' browsers; the owner's own works.
  bool signed_in = false;
  while (auto next = outbox_->Next(email, 5000)) {
    if (Consume(owner, next->token).status == 200) {
      signed_in = true;
      break;
    }
  }
  EXPECT_TRUE(signed_in) << "the owner's link arrived and signed in";
  // The inbox got at most the burst (3) of the flood's requests, the sign-up's budget
  // included.
  EXPECT_LE(MailsTo(email) - mails_before_flood, 3u);
}

// claim: C32 — only failed attempts count: an owner who signs in with the right password
// again and again, from new browsers, is never refused; wrong ones still are.
TEST_F(Lockout, C32_OnlyFailedPasswordAttemptsCountAgainstAnAccount) {
  const std::string email = "c32-often@example.org";
  const std::string password = "copper meadow falcon 2468";
  Browser first = NewBrowser();
  ASSERT_TRUE(SignUp(first, *outbox_, email, "Otto Often", password));
  for (int i = 0; i < 12; ++i) {
    Browser b = NewBrowser();
    const HttpResult r = Password(b, email, password, "203.0.113." + std::to_string(10 + i));
    ASSERT_EQ(r.status, 200) << "sign-in " << i << ": " << r.body;
  }
  int refused = 0;
  for (int i = 0; i < 8; ++i) {
    Browser b = NewBrowser();
    const HttpResult r = Password(b, email, "wrong " + std::to_string(i),
                                  "203.0.113." + std::to_string(40 + i));
    refused += r.status == 429 ? 1 : 0;
  }
  EXPECT_EQ(refused, 3) << "the burst of 5 wrong attempts, then 429";
}

// claim: C32 — a known-browser cookie that was altered is no cookie at all: the request
// is limited like any unknown browser's.
TEST_F(Lockout, C32_AnAlteredKnownBrowserCookieGetsNoBudgetOfItsOwn) {
  const std::string email = "c32-forged@example.org";
  const std::string password = "saddle orchard comet 1357";
  Browser owner = NewBrowser();
  ASSERT_TRUE(SignUp(owner, *outbox_, email, "Fay Forged", password));
  auto cookie = owner.Cookie(kKnownBrowserCookie);
  ASSERT_TRUE(cookie);
  for (int i = 0; i < 6; ++i) {
    Browser attacker = NewBrowser();
    (void)Password(attacker, email, "wrong " + std::to_string(i), "198.51.100.50");
  }
  Browser forger = NewBrowser();
  std::string forged = *cookie;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  forger.SetCookie(kKnownBrowserCookie, forged);
  EXPECT_EQ(Password(forger, email, password, "198.51.100.51").status, 429);
  Browser real = NewBrowser();
  real.SetCookie(kKnownBrowserCookie, *cookie);
  EXPECT_EQ(Password(real, email, password, "198.51.100.51").status, 200);
}

// claim: C32 — known-browser cookies cannot be chained into fresh budgets: from one
// address, sign-ins that alternate between two accounts of the attacker's own (each
// carrying the other's newest cookie) get at most the address's budget plus one budget
// per account, however many cookies they collect.
TEST(LockoutChains, C32_SigningInAgainAndAgainMintsNoFreshBudgets) {
  ServerProcess server({.env = {{"ALCOVE_SERVER_TRUSTED_PROXIES", "127.0.0.1"},
                                {"ALCOVE_RATE_LIMITS_SIGN_IN", "3 per 1h burst 3"},
                                {"ALCOVE_RATE_LIMITS_PASSWORD", "100000 per 1h burst 100000"},
                                {"ALCOVE_RATE_LIMITS_MAGIC_LINK", "100000 per 1h burst 100000"},
                                {"ALCOVE_RATE_LIMITS_CONSUME", "100000 per 1h burst 100000"}}});
  ASSERT_TRUE(server.started()) << server.Stderr();
  Outbox outbox(server.data_dir());
  const std::string password = "chain letter mint 4242";
  const std::vector<std::string> accounts = {"c32-chain-x@example.org", "c32-chain-y@example.org"};
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    // Each sign-up from its own address (the per-address budget is small here).
    Browser b(server.origin(), server.certificate());
    const std::string from = "203.0.113." + std::to_string(100 + i);
    ASSERT_EQ(b.PostJson("/api/v1/auth/signup",
                         json::object{{"email", accounts[i]}, {"name", "Chain Person"},
                                      {"password", password}},
                         From(from))
                  .status,
              202);
    auto mail = outbox.Next(accounts[i]);
    ASSERT_TRUE(mail);
    ASSERT_EQ(b.PostJson("/api/v1/auth/magic-link/consume", json::object{{"token", mail->token}},
                         From(from))
                  .status,
              200);
  }
  // From one address: alternate sign-ins, each with the cookie the previous one set.
  Browser attacker(server.origin(), server.certificate());
  int allowed = 0;
  for (int i = 0; i < 24; ++i) {
    const HttpResult r = attacker.PostJson(
        "/api/v1/auth/password",
        json::object{{"email", accounts[static_cast<std::size_t>(i) % 2]}, {"password", password}},
        From("198.51.100.200"));
    ASSERT_TRUE(r.status == 200 || r.status == 429) << r.status << " " << r.body;
    allowed += r.status == 200 ? 1 : 0;
  }
  // The address's burst (3, the first sign-in carries no cookie) plus each account's
  // known-browser burst (3 + 3); a budget per cookie would allow all 24.
  EXPECT_LE(allowed, 9);
  EXPECT_GE(allowed, 3);
}

}  // namespace
}  // namespace alcove::testing
