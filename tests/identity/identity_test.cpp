// Accounts, magic links, passwords and sessions (issue #6) on both engines: SQLite, and
// PostgreSQL as the app role the server uses. Claims C23, C24, C25, C26, C27.
#include "identity/identity.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "identity/identity_fixture.hpp"

namespace alcove::identity {
namespace {

// ---- C26: magic links ----------------------------------------------------------------

TEST_P(IdentityTest, C26SignUpMailsALinkWithTheTokenInTheFragmentAndItSignsIn) {
  const SecretString cookie = NewLoginCookie();
  const std::string token = SignUp("New.Therapist@Example.org", cookie, "a long passphrase here");
  ASSERT_EQ(token.size(), crypto::kTokenLength);
  const auto sent = Sent();
  EXPECT_EQ(sent.back().kind(), mail::MailKind::kSignUpConfirmation);
  EXPECT_EQ(sent.back().to(), "new.therapist@example.org");
  EXPECT_TRUE(sent.back().link().starts_with("https://alcove.example.org/auth/magic#token="));

  auto session = identity_->ConsumeMagicLink(SecretString(token), SecretString(cookie.reveal()),
                                             kCaller);
  ASSERT_TRUE(session) << session.error().internal;
  auto who = Auth(*session);
  ASSERT_TRUE(who) << who.error().internal;
  EXPECT_EQ(who->role, Role::kTherapist);
  auto profile = identity_->GetProfile(*who);
  ASSERT_TRUE(profile) << profile.error().internal;
  EXPECT_EQ(profile->email, "new.therapist@example.org");
  EXPECT_EQ(profile->name, "Dr Test Person");
  EXPECT_TRUE(profile->has_password);  // chosen at sign-up, confirmed by its own link
  EXPECT_TRUE(Has(who->tenant, audit::Action::kAccountCreated));
  EXPECT_TRUE(Has(who->tenant, audit::Action::kMagicLinkIssued));
  EXPECT_TRUE(Has(who->tenant, audit::Action::kMagicLinkUsed));
  EXPECT_TRUE(Has(who->tenant, audit::Action::kLoginSucceeded));
}

TEST_P(IdentityTest, C26LinkIsSingleUse) {
  const SecretString cookie = NewLoginCookie();
  const std::string token = SignUp("once@example.org", cookie);
  ASSERT_TRUE(identity_->ConsumeMagicLink(SecretString(token), SecretString(cookie.reveal()),
                                          kCaller));
  auto again = identity_->ConsumeMagicLink(SecretString(token), SecretString(cookie.reveal()),
                                           kCaller);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kUnauthenticated);
}

// Issue #12: a sign-in link mailed before a logout, a "sign out everywhere" or a password
// change dies with them.
TEST_P(IdentityTest, OutstandingSignInLinksDieOnLogoutRevokeOthersAndPasswordChange) {
  const NewSession owner = SignedUp("links@example.org");
  auto ask = [&] {
    const SecretString cookie = NewLoginCookie();
    const std::size_t before = Sent().size();
    EXPECT_TRUE(identity_->RequestMagicLink("links@example.org", cookie, kCaller));
    const auto sent = Sent();
    EXPECT_EQ(sent.size(), before + 1);
    return std::pair{TokenOf(sent.back()), std::string(cookie.reveal())};
  };
  auto still_works = [&](const std::pair<std::string, std::string>& link) {
    return identity_
        ->ConsumeMagicLink(SecretString(std::string(link.first)),
                           SecretString(std::string(link.second)), kCaller)
        .has_value();
  };
  // Control: a link outlives nothing else.
  EXPECT_TRUE(still_works(ask()));

  auto link = ask();
  ASSERT_TRUE(identity_->RevokeOtherSessions(*Auth(owner), kCaller));
  EXPECT_FALSE(still_works(link)) << "sign out everywhere else";

  link = ask();
  ASSERT_TRUE(identity_->ChangePassword(*Auth(owner), std::nullopt,
                                        SecretString(std::string("a long new passphrase 41")),
                                        kCaller));
  EXPECT_FALSE(still_works(link)) << "password change";

  link = ask();
  ASSERT_TRUE(identity_->Logout(*Auth(owner), kCaller));
  EXPECT_FALSE(still_works(link)) << "logout";
}

// The mail says how long the link works, and that is its lifetime.
TEST_P(IdentityTest, TheMailSaysTheLinksTrueLifetime) {
  (void)SignedUp("lifetime@example.org");
  const auto sent = Sent();
  ASSERT_FALSE(sent.empty());
  EXPECT_NE(sent.back().Body().find("within 10 minutes"), std::string::npos);
  EXPECT_EQ(identity_->options().magic_link_ttl, 10 * kMinute);
  EXPECT_EQ(mail::kSignInLinkMinutes, 10);
}

TEST_P(IdentityTest, C26LinkWorksOnlyInTheBrowserThatAskedForIt) {
  const SecretString cookie = NewLoginCookie();
  const std::string token = SignUp("browser@example.org", cookie);
  // No login cookie, and another browser's cookie: refused, and the link is not spent.
  auto none = identity_->ConsumeMagicLink(SecretString(token), std::nullopt, kOtherCaller);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kUnauthenticated);
  auto other = identity_->ConsumeMagicLink(SecretString(token), NewLoginCookie(), kOtherCaller);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kUnauthenticated);
  auto session = identity_->ConsumeMagicLink(SecretString(token), SecretString(cookie.reveal()),
                                             kCaller);
  ASSERT_TRUE(session) << session.error().internal;
  EXPECT_TRUE(Has(session->principal.tenant, audit::Action::kMagicLinkRefused));
}

TEST_P(IdentityTest, C26LinkExpiresAfterTenMinutes) {
  SignedUp("expiry@example.org");
  const SecretString cookie = NewLoginCookie();
  ASSERT_TRUE(identity_->RequestMagicLink("expiry@example.org", cookie, kCaller));
  const std::string late = TokenOf(Sent().back());
  ASSERT_TRUE(identity_->RequestMagicLink("expiry@example.org", cookie, kCaller));
  const std::string in_time = TokenOf(Sent().back());

  clock_.Advance(10 * kMinute - 1);
  EXPECT_TRUE(identity_->ConsumeMagicLink(SecretString(in_time), SecretString(cookie.reveal()),
                                          kCaller));
  clock_.Advance(1);
  auto expired = identity_->ConsumeMagicLink(SecretString(late), SecretString(cookie.reveal()),
                                             kCaller);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
}

TEST_P(IdentityTest, C26HundredConcurrentRedemptionsGiveExactlyOneSession) {
  const SecretString cookie = NewLoginCookie();
  const std::string token = SignUp("race@example.org", cookie);
  constexpr int kThreads = 100;
  std::atomic<int> wins{0};
  std::atomic<int> refusals{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      auto s = identity_->ConsumeMagicLink(SecretString(token), SecretString(cookie.reveal()),
                                           kCaller);
      if (s) {
        ++wins;
      } else if (s.error().code == ErrorCode::kUnauthenticated) {
        ++refusals;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(refusals.load(), kThreads - 1);
}

TEST_P(IdentityTest, UnknownAddressesGetNoMailAndTheSameAnswer) {
  SignedUp("known@example.org");
  const std::size_t before = Sent().size();
  EXPECT_TRUE(identity_->RequestMagicLink("unknown@example.org", NewLoginCookie(), kCaller));
  EXPECT_EQ(Sent().size(), before);
  EXPECT_TRUE(identity_->RequestMagicLink("known@example.org", NewLoginCookie(), kCaller));
  EXPECT_EQ(Sent().size(), before + 1);
  // Signing up with a known address mails a sign-in link, creates nothing.
  EXPECT_TRUE(identity_->SignUp("KNOWN@example.org", "Someone Else", std::nullopt,
                                NewLoginCookie(), kCaller));
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), before + 2);
  EXPECT_EQ(sent.back().kind(), mail::MailKind::kSignInLink);
}

TEST_P(IdentityTest, C25APasswordChosenBySomeoneElseAtSignUpNeverBecomesUsable) {
  // A squatter signs up with the victim's address and a password of their choosing.
  const SecretString squatter = NewLoginCookie();
  SignUp("victim@example.org", squatter, "squatters secret pass");
  // The victim signs up with a link of their own (no account exists to ask a sign-in
  // link for): the address is verified ...
  const SecretString victim = NewLoginCookie();
  const std::string token = SignUp("victim@example.org", victim);
  auto session = identity_->ConsumeMagicLink(SecretString(token), SecretString(victim.reveal()),
                                             kCaller);
  ASSERT_TRUE(session);
  // ... and the squatter's password does not sign in.
  auto in = identity_->SignInWithPassword("victim@example.org",
                                          SecretString("squatters secret pass"), kOtherCaller);
  ASSERT_FALSE(in);
  EXPECT_EQ(in.error().code, ErrorCode::kUnauthenticated);
}

// ---- C25: passwords --------------------------------------------------------------------

TEST_P(IdentityTest, C25PasswordSignInChecksArgon2idHashAndWrongOnesFail) {
  SignedUp("pw@example.org", "horse battery staple 9");
  {
    auto tx = db_.db->Begin();
    ASSERT_TRUE(tx);
    auto rows = (*tx)->Query("SELECT password_hash FROM accounts");
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_TRUE(rows->front().Text(0).starts_with("$argon2id$v=19$m=19456,t=3,p=1$"));
  }
  auto wrong = identity_->SignInWithPassword("pw@example.org", SecretString("horse battery staple 8"),
                                             kCaller);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  auto unknown = identity_->SignInWithPassword("nobody@example.org",
                                               SecretString("horse battery staple 9"), kCaller);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().public_message, wrong.error().public_message);
  auto right = identity_->SignInWithPassword(" PW@example.org ",
                                             SecretString("horse battery staple 9"), kCaller);
  ASSERT_TRUE(right) << right.error().internal;
  EXPECT_TRUE(Auth(*right));
  EXPECT_TRUE(Has(right->principal.tenant, audit::Action::kLoginFailed));
}

TEST_P(IdentityTest, C25ChangingThePasswordNeedsTheCurrentOneAndEndsOtherSessions) {
  NewSession first = SignedUp("change@example.org", "first passphrase 123");
  auto second = identity_->SignInWithPassword("change@example.org",
                                              SecretString("first passphrase 123"), kCaller);
  ASSERT_TRUE(second);
  const Principal me = *Auth(first);

  auto weak = identity_->ChangePassword(me, SecretString("first passphrase 123"),
                                        SecretString("short"), kCaller);
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().code, ErrorCode::kInvalidArgument);
  auto bad_current = identity_->ChangePassword(me, SecretString("not the password!"),
                                               SecretString("second passphrase 456"), kCaller);
  ASSERT_FALSE(bad_current);
  EXPECT_EQ(bad_current.error().code, ErrorCode::kUnauthenticated);
  ASSERT_TRUE(identity_->ChangePassword(me, SecretString("first passphrase 123"),
                                        SecretString("second passphrase 456"), kCaller));
  EXPECT_TRUE(Auth(first)) << "the session that changed it stays";
  EXPECT_FALSE(Auth(*second)) << "every other session ends";
  EXPECT_FALSE(identity_->SignInWithPassword("change@example.org",
                                             SecretString("first passphrase 123"), kCaller));
  EXPECT_TRUE(identity_->SignInWithPassword("change@example.org",
                                            SecretString("second passphrase 456"), kCaller));
  EXPECT_TRUE(Has(me.tenant, audit::Action::kPasswordChanged));
}

// ---- C23: expiry and revocation ---------------------------------------------------------

TEST_P(IdentityTest, C23SessionsEndAfterThirtyIdleMinutes) {
  NewSession s = SignedUp("idle@example.org");
  clock_.Advance(29 * kMinute);
  ASSERT_TRUE(Auth(s)) << "used within 30 minutes: alive, and the idle clock restarts";
  clock_.Advance(29 * kMinute);
  ASSERT_TRUE(Auth(s));
  clock_.Advance(30 * kMinute);
  auto dead = Auth(s);
  ASSERT_FALSE(dead);
  EXPECT_EQ(dead.error().code, ErrorCode::kUnauthenticated);
}

TEST_P(IdentityTest, C23SessionsEndAfterTwelveHoursHoweverActive) {
  NewSession s = SignedUp("absolute@example.org");
  for (int i = 0; i < 35; ++i) {  // every 20 minutes for 11 h 40 min
    clock_.Advance(20 * kMinute);
    ASSERT_TRUE(Auth(s)) << "at step " << i;
  }
  clock_.Advance(20 * kMinute);  // 12 h
  EXPECT_FALSE(Auth(s));
}

TEST_P(IdentityTest, C23RevocationTakesEffectOnTheNextRequest) {
  NewSession a = SignedUp("revoke@example.org", "revocation pass 1234");
  auto b = identity_->SignInWithPassword("revoke@example.org", SecretString("revocation pass 1234"),
                                         kCaller);
  auto c = identity_->SignInWithPassword("revoke@example.org", SecretString("revocation pass 1234"),
                                         kCaller);
  ASSERT_TRUE(b && c);
  const Principal me = *Auth(a);
  auto list = identity_->ListSessions(me);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 3u);
  EXPECT_EQ(std::count_if(list->begin(), list->end(), [](const auto& x) { return x.current; }), 1);

  ASSERT_TRUE(identity_->RevokeSession(me, b->principal.session_id, kCaller));
  EXPECT_FALSE(Auth(*b));
  EXPECT_TRUE(Auth(*c));
  auto others = identity_->RevokeOtherSessions(me, kCaller);
  ASSERT_TRUE(others);
  EXPECT_EQ(*others, 1);
  EXPECT_FALSE(Auth(*c));
  ASSERT_TRUE(identity_->Logout(me, kCaller));
  EXPECT_FALSE(Auth(a));
  EXPECT_TRUE(Has(me.tenant, audit::Action::kSessionRevoked));
  EXPECT_TRUE(Has(me.tenant, audit::Action::kLogout));
}

TEST_P(IdentityTest, C20AnotherAccountsSessionCannotBeRevoked) {
  NewSession mine = SignedUp("mine@example.org");
  NewSession theirs = SignedUp("theirs@example.org");
  auto st = identity_->RevokeSession(*Auth(mine), theirs.principal.session_id, kCaller);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(Auth(theirs));
}

// ---- C24: device binding -------------------------------------------------------------------

TEST_P(IdentityTest, C24ASessionTokenWithoutItsDeviceTokenIsRefusedAndTheSessionDies) {
  NewSession s = SignedUp("device@example.org");
  auto other = identity_->Authenticate(SecretString(s.session_token.reveal()), NewLoginCookie(),
                                       kOtherCaller);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(Auth(s)) << "the session is revoked, also for its own browser";
  EXPECT_TRUE(Has(s.principal.tenant, audit::Action::kSessionDeviceMismatch));

  NewSession t = SignedUp("device2@example.org");
  EXPECT_FALSE(identity_->Authenticate(SecretString(t.session_token.reveal()), std::nullopt,
                                       kOtherCaller));
  EXPECT_FALSE(Auth(t));
}

TEST(CsrfTokens, AreDerivedFromTheSessionAndCheckedExactly) {
  const SecretString a = NewLoginCookie();
  const SecretString b = NewLoginCookie();
  const std::string csrf = CsrfTokenFor(a);
  EXPECT_EQ(csrf.size(), 43u);
  EXPECT_NE(csrf, a.reveal());
  EXPECT_TRUE(CheckCsrfToken(a, csrf));
  EXPECT_FALSE(CheckCsrfToken(b, csrf));
  EXPECT_FALSE(CheckCsrfToken(a, ""));
  EXPECT_FALSE(CheckCsrfToken(a, csrf.substr(1)));
}

// ---- C27: nothing stored but hashes --------------------------------------------------------

TEST_P(IdentityTest, C27TokensAndAddressesAreNotStoredInTheClear) {
  const SecretString cookie = NewLoginCookie();
  const std::string link_token = SignUp("Stored.Nowhere@example.org", cookie, "plain pass phrase 77");
  auto s = identity_->ConsumeMagicLink(SecretString(link_token), SecretString(cookie.reveal()),
                                       kCaller);
  ASSERT_TRUE(s);
  const std::string pending = [&] {
    EXPECT_TRUE(identity_->RequestMagicLink("stored.nowhere@example.org", cookie, kCaller));
    return TokenOf(Sent().back());
  }();
  EXPECT_NE(pending, link_token);
  const std::vector<std::string> secrets = {link_token,           pending,
                                            s->session_token.reveal(), s->device_token.reveal(),
                                            cookie.reveal(),      "stored.nowhere@example.org",
                                            "Dr Test Person",     "plain pass phrase 77",
                                            CsrfTokenFor(s->session_token)};
  ExpectNotStored(secrets);
}

// ---- Sign-up squatting (issue #12) and known browsers (C32) ----------------------------

// A sign-up with someone else's address creates no account and stores nothing readable;
// the sign-up whose link is used makes the account with its own name and password.
TEST_P(IdentityTest, SignUpSquattingCreatesNothingAndTheConfirmedSignUpWins) {
  const std::string address = "vera.victim@example.org";
  const std::string squatter_password = "mallory chose this passphrase";
  const SecretString squatter = NewLoginCookie();
  std::optional<SecretString> spw;
  spw.emplace(squatter_password);
  ASSERT_TRUE(identity_->SignUp(address, "Mallory Squatter", spw, squatter, kOtherCaller));
  const std::string squatters_link = TokenOf(Sent().back());  // in Vera's mailbox
  EXPECT_EQ(CountRows(*db_.db, "accounts"), 0);
  EXPECT_EQ(CountRows(*db_.db, "tenants"), 0);
  EXPECT_EQ(CountRows(*db_.db, "pending_signups"), 1);
  // Nothing is there to sign in to or to block an invitation with.
  const std::size_t before = Sent().size();
  EXPECT_TRUE(identity_->RequestMagicLink(address, squatter, kOtherCaller));
  EXPECT_EQ(Sent().size(), before) << "no account: no sign-in link";
  // What waits is sealed under the link: neither the name, the address nor the password
  // is in the database's files.
  if (GetParam() == TestEngine::kSqlite) {
    const auto files = testing::ReadDatabaseFiles(db_.sqlite_path);
    for (const std::string& secret :
         {address, std::string("Mallory Squatter"), squatter_password}) {
      EXPECT_FALSE(files.Contains(secret)) << "a pending sign-up's field, in clear";
    }
  }

  // Vera signs up herself and uses her own link.
  const SecretString vera = NewLoginCookie();
  const std::string veras_link = SignUp(address, vera, "vera's own long passphrase");
  EXPECT_EQ(CountRows(*db_.db, "pending_signups"), 2);
  auto session =
      identity_->ConsumeMagicLink(SecretString(veras_link), SecretString(vera.reveal()), kCaller);
  ASSERT_TRUE(session) << session.error().internal;
  auto profile = identity_->GetProfile(session->principal);
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->name, "Dr Test Person");
  EXPECT_TRUE(profile->has_password);
  EXPECT_EQ(CountRows(*db_.db, "accounts"), 1);
  EXPECT_TRUE(identity_->SignInWithPassword(address, SecretString("vera's own long passphrase"),
                                            kCaller));
  auto squatter_in =
      identity_->SignInWithPassword(address, SecretString(squatter_password), kOtherCaller);
  ASSERT_FALSE(squatter_in);
  EXPECT_EQ(squatter_in.error().code, ErrorCode::kUnauthenticated);

  // The squatter's link works only in the squatter's browser, which never saw the mail;
  // in Vera's it is refused.
  auto elsewhere = identity_->ConsumeMagicLink(SecretString(squatters_link),
                                               SecretString(vera.reveal()), kCaller);
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().code, ErrorCode::kUnauthenticated);
  // Had the squatter's browser got the mail too, the link signs in to Vera's account and
  // changes neither its name nor its password.
  auto late = identity_->ConsumeMagicLink(SecretString(squatters_link),
                                          SecretString(squatter.reveal()), kOtherCaller);
  ASSERT_TRUE(late) << late.error().internal;
  EXPECT_EQ(late->principal.account_id, session->principal.account_id);
  EXPECT_EQ(identity_->GetProfile(late->principal)->name, "Dr Test Person");
  EXPECT_FALSE(identity_->SignInWithPassword(address, SecretString(squatter_password), kCaller));
  EXPECT_EQ(CountRows(*db_.db, "accounts"), 1);
  EXPECT_EQ(CountRows(*db_.db, "pending_signups"), 0);
}

TEST_P(IdentityTest, PendingSignUpsExpireWithTheirLinkAndAreSwept) {
  const SecretString cookie = NewLoginCookie();
  const std::string token = SignUp("late.comer@example.org", cookie, "a pass phrase of mine");
  clock_.Advance(10 * kMinute);
  auto late = identity_->ConsumeMagicLink(SecretString(token), SecretString(cookie.reveal()),
                                          kCaller);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(CountRows(*db_.db, "accounts"), 0);
  auto swept = identity_->SweepExpired();
  ASSERT_TRUE(swept) << swept.error().internal;
  EXPECT_EQ(CountRows(*db_.db, "pending_signups"), 0);
  EXPECT_EQ(CountRows(*db_.db, "tokens"), 0);
}

TEST_P(IdentityTest, TwoConfirmedSignUpsOfOneAddressMakeOneAccount) {
  const SecretString first = NewLoginCookie();
  const SecretString second = NewLoginCookie();
  const std::string a = SignUp("twice@example.org", first);
  const std::string b = SignUp("twice@example.org", second);
  auto sa = identity_->ConsumeMagicLink(SecretString(a), SecretString(first.reveal()), kCaller);
  auto sb = identity_->ConsumeMagicLink(SecretString(b), SecretString(second.reveal()), kCaller);
  ASSERT_TRUE(sa) << sa.error().internal;
  ASSERT_TRUE(sb) << sb.error().internal;
  EXPECT_EQ(sa->principal.account_id, sb->principal.account_id);
  EXPECT_EQ(CountRows(*db_.db, "accounts"), 1);
  EXPECT_EQ(CountRows(*db_.db, "tenants"), 1);
}

// claim: C32 — the cookie names the account's budget key, keeps its nonce across
// sign-ins of that account, and is refused when altered, expired or for another account.
TEST_P(IdentityTest, C32KnownBrowserCookiesAreSignedBoundToTheAccountAndKeepTheirNonce) {
  NewSession first = SignedUp("known.browser@example.org", "known browser pass phrase");
  ASSERT_FALSE(first.known_browser.empty());
  auto known = identity_->CheckKnownBrowser(first.known_browser.reveal());
  ASSERT_TRUE(known) << known.error().internal;
  ASSERT_TRUE(*known);
  EXPECT_EQ((*known)->account_key, *identity_->AccountRateKey("known.browser@example.org"));
  EXPECT_TRUE((*known)->budget_key.starts_with("browser:"));

  // Signing in again from that browser keeps the budget; a new browser gets its own.
  Caller again = kCaller;
  again.known_browser = first.known_browser.reveal();
  auto second = identity_->SignInWithPassword("known.browser@example.org",
                                              SecretString("known browser pass phrase"), again);
  ASSERT_TRUE(second);
  EXPECT_EQ((*identity_->CheckKnownBrowser(second->known_browser.reveal()))->budget_key,
            (*known)->budget_key);
  auto fresh = identity_->SignInWithPassword("known.browser@example.org",
                                             SecretString("known browser pass phrase"), kCaller);
  ASSERT_TRUE(fresh);
  EXPECT_NE((*identity_->CheckKnownBrowser(fresh->known_browser.reveal()))->budget_key,
            (*known)->budget_key);
  // Another account's sign-in from this browser does not inherit the nonce.
  NewSession other = SignedUp("someone.else@example.org");
  Caller carried = kCaller;
  carried.known_browser = first.known_browser.reveal();
  auto other_again = identity_->SignInWithPassword("someone.else@example.org",
                                                   SecretString("wrong"), carried);
  EXPECT_FALSE(other_again);
  auto other_known = identity_->CheckKnownBrowser(other.known_browser.reveal());
  ASSERT_TRUE(other_known && *other_known);
  EXPECT_NE((*other_known)->budget_key, (*known)->budget_key);
  EXPECT_NE((*other_known)->account_key, (*known)->account_key);

  // Altered in any character, or truncated: not a known browser.
  const std::string value = first.known_browser.reveal();
  for (std::size_t i = 0; i < value.size(); i += 7) {
    std::string altered = value;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    auto r = identity_->CheckKnownBrowser(altered);
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r) << "altered at " << i;
  }
  EXPECT_FALSE(*identity_->CheckKnownBrowser(value.substr(0, value.size() - 1)));
  EXPECT_FALSE(*identity_->CheckKnownBrowser(""));
  // It lives 180 days.
  clock_.Advance(kKnownBrowserLifetime - kMinute);
  EXPECT_TRUE(*identity_->CheckKnownBrowser(value));
  clock_.Advance(kMinute);
  EXPECT_FALSE(*identity_->CheckKnownBrowser(value));
}

INSTANTIATE_TEST_SUITE_P(Engines, IdentityTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& param_info) {
                           return param_info.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::identity
