// The one-time sign-in code beside every sign-in and sign-up link (C26, issue #13), and
// "Send a new link", on both engines.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "identity/identity_fixture.hpp"
#include "identity/internal.hpp"
#include "mail/message.hpp"

namespace alcove::identity {
namespace {

class SignInCodeTest : public IdentityTest {
 protected:
  // Asks for a sign-in link for `email` in the browser holding `cookie`: the new mail.
  mail::Message Ask(const std::string& email, const SecretString& cookie) {
    const std::size_t before = Sent().size();
    EXPECT_TRUE(identity_->RequestMagicLink(email, cookie, kCaller));
    const auto sent = Sent();
    EXPECT_EQ(sent.size(), before + 1) << "one mail";
    return sent.back();
  }

  Result<NewSession> UseCode(std::string_view code, const SecretString& cookie) {
    return identity_->ConsumeSignInCode(code, SecretString(std::string(cookie.reveal())),
                                        kCaller);
  }

  Result<NewSession> UseLink(const mail::Message& m, const SecretString& cookie) {
    return identity_->ConsumeMagicLink(SecretString(TokenOf(m)),
                                       SecretString(std::string(cookie.reveal())), kCaller);
  }

  std::int64_t Attempts() {
    auto tx = db_.db->Begin();
    EXPECT_TRUE(tx);
    auto rows = (*tx)->Query("SELECT max(attempts) FROM signin_codes");
    EXPECT_TRUE(rows) << rows.error().internal;
    return rows && !rows->empty() && !rows->front().IsNull(0) ? rows->front().Int(0) : -1;
  }

  // A wrong code (of the right shape) for `right`.
  static std::string WrongCode(const std::string& right) {
    std::string wrong = right;
    wrong[7] = wrong[7] == 'A' ? 'B' : 'A';
    return wrong;
  }

  // SweepExpired keeps codes a day past their expiry (for "Send a new link").
  bool SweepExpiredKeepsCodes() {
    const std::int64_t n = CountRows(*db_.db, "signin_codes");
    auto swept = identity_->SweepExpired();
    return swept && n > 0 && CountRows(*db_.db, "signin_codes") == n;
  }

  // A verified account for `email`, and a browser that has never signed in.
  void Account(const std::string& email) { (void)SignedUp(email); }
};

TEST_P(SignInCodeTest, C26TheMailCarriesACodeThatSignsInInTheBrowserThatAsked) {
  Account("code.signin@example.org");
  const SecretString cookie = NewLoginCookie();
  const mail::Message m = Ask("code.signin@example.org", cookie);
  ASSERT_EQ(m.code().size(), 8u);
  EXPECT_TRUE(mail::IsSignInCode(m.code()));
  for (const char c : std::string_view("01OIL")) {
    EXPECT_EQ(m.code().find(c), std::string::npos) << "an ambiguous character";
  }
  const std::string shown = m.code().substr(0, 4) + "-" + m.code().substr(4);
  EXPECT_NE(m.Body().find("\r\n" + shown + "\r\n"), std::string::npos) << m.Body();
  EXPECT_NE(m.Body().find("10 minutes"), std::string::npos);

  // Typed as people type it: lower case, with the hyphen or spaces.
  std::string typed;
  for (const char c : shown) {
    typed.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  auto s = UseCode(" " + typed + " ", cookie);
  ASSERT_TRUE(s) << s.error().internal;
  auto who = Auth(*s);
  ASSERT_TRUE(who);
  EXPECT_EQ(identity_->GetProfile(*who)->email, "code.signin@example.org");
  EXPECT_FALSE(s->known_browser.empty());
  EXPECT_TRUE(Has(who->tenant, audit::Action::kMagicLinkUsed));
}

TEST_P(SignInCodeTest, C26TheCodeIsSingleUseAndUsingItEndsTheLink) {
  Account("code.once@example.org");
  const SecretString cookie = NewLoginCookie();
  const mail::Message m = Ask("code.once@example.org", cookie);
  ASSERT_TRUE(UseCode(m.code(), cookie));
  auto again = UseCode(m.code(), cookie);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kUnauthenticated);
  auto link = UseLink(m, cookie);
  ASSERT_FALSE(link);
  EXPECT_EQ(link.error().code, ErrorCode::kUnauthenticated);
}

TEST_P(SignInCodeTest, C26UsingTheLinkEndsTheCode) {
  Account("code.link@example.org");
  const SecretString cookie = NewLoginCookie();
  const mail::Message m = Ask("code.link@example.org", cookie);
  ASSERT_TRUE(UseLink(m, cookie));
  auto code = UseCode(m.code(), cookie);
  ASSERT_FALSE(code);
  EXPECT_EQ(code.error().code, ErrorCode::kUnauthenticated);
}

TEST_P(SignInCodeTest, C26TheCodeExpiresAfterTenMinutes) {
  Account("code.expiry@example.org");
  const SecretString cookie = NewLoginCookie();
  const mail::Message early = Ask("code.expiry@example.org", cookie);
  clock_.Advance(10 * kMinute - kMicrosPerSecond);
  EXPECT_TRUE(UseCode(early.code(), cookie)) << "still good at 9:59";

  const mail::Message late = Ask("code.expiry@example.org", cookie);
  clock_.Advance(10 * kMinute);
  auto s = UseCode(late.code(), cookie);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnauthenticated);
}

TEST_P(SignInCodeTest, C26TheCodeWorksOnlyInTheBrowserThatAsked) {
  Account("code.browser@example.org");
  const SecretString cookie = NewLoginCookie();
  const mail::Message m = Ask("code.browser@example.org", cookie);
  for (int i = 0; i < 8; ++i) {  // more than the tries a code has: none is spent here
    auto other = identity_->ConsumeSignInCode(m.code(), NewLoginCookie(), kOtherCaller);
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, ErrorCode::kUnauthenticated);
  }
  auto none = identity_->ConsumeSignInCode(m.code(), std::nullopt, kOtherCaller);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(Attempts(), 0);
  EXPECT_TRUE(UseCode(m.code(), cookie));
}

TEST_P(SignInCodeTest, C26FiveWrongTriesKillTheCode) {
  const NewSession owner = SignedUp("code.tries@example.org");
  // Four wrong tries leave the fifth, right one working.
  const SecretString first = NewLoginCookie();
  const mail::Message m1 = Ask("code.tries@example.org", first);
  for (int i = 0; i < 4; ++i) {
    ASSERT_FALSE(UseCode(WrongCode(m1.code()), first));
  }
  EXPECT_TRUE(UseCode(m1.code(), first));

  // Five wrong tries: the right code is refused, and so is every later try.
  const SecretString second = NewLoginCookie();
  const mail::Message m2 = Ask("code.tries@example.org", second);
  for (int i = 0; i < 5; ++i) {
    auto wrong = UseCode(WrongCode(m2.code()), second);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  }
  auto right = UseCode(m2.code(), second);
  ASSERT_FALSE(right);
  EXPECT_EQ(right.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(right.error().public_message, internal::kWrongCodeMessage)
      << "the same words as a wrong code";
  (void)Sent();  // the refusals are audited in the background
  EXPECT_TRUE(Has(owner.principal.tenant, audit::Action::kMagicLinkRefused));
  // The link of that mail still works: it is 256 bits, not 40.
  EXPECT_TRUE(UseLink(m2, second));
  const auto session = UseLink(m1, first);
  EXPECT_FALSE(session);
}

TEST_P(SignInCodeTest, C26ParallelTriesNeverGetMoreThanFive) {
  Account("code.parallel@example.org");
  const SecretString cookie = NewLoginCookie();
  const mail::Message m = Ask("code.parallel@example.org", cookie);
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&] {
      for (int attempt = 0; attempt < 20; ++attempt) {  // SQLite: retry a busy database
        auto r = identity_->ConsumeSignInCode(WrongCode(m.code()),
                                              SecretString(std::string(cookie.reveal())), kCaller);
        if (!r && r.error().code == ErrorCode::kUnauthenticated) {
          ++refused;
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(refused.load(), 12);
  EXPECT_EQ(Attempts(), kMaxCodeAttempts);
  EXPECT_FALSE(UseCode(m.code(), cookie));
}

// C30: a browser that asked for an address without an account meets a decoy code, so
// its tries take the same path and get the same answer as for a real one.
TEST_P(SignInCodeTest, C30CodeTriesForAnAddressWithoutAnAccountMeetADecoy) {
  Account("code.real@example.org");
  const SecretString real = NewLoginCookie();
  const mail::Message m = Ask("code.real@example.org", real);
  const SecretString nobody = NewLoginCookie();
  const std::size_t before = Sent().size();
  ASSERT_TRUE(identity_->RequestMagicLink("code.nobody@example.org", nobody, kCaller));
  EXPECT_EQ(Sent().size(), before) << "no mail";
  auto for_real = UseCode(WrongCode(m.code()), real);
  auto for_nobody = UseCode(WrongCode(m.code()), nobody);
  ASSERT_FALSE(for_real);
  ASSERT_FALSE(for_nobody);
  EXPECT_EQ(for_real.error().code, for_nobody.error().code);
  EXPECT_EQ(for_real.error().public_message, for_nobody.error().public_message);
  EXPECT_EQ(for_nobody.error().internal, "wrong sign-in code") << "the decoy was tried";
}

TEST_P(SignInCodeTest, AMalformedCodeSpendsNoTry) {
  Account("code.shape@example.org");
  const SecretString cookie = NewLoginCookie();
  const mail::Message m = Ask("code.shape@example.org", cookie);
  for (const std::string_view bad : {"", "ABC", "ABCDEFGHJ", "ABCD-EFG0", "ABCDEFGI", "ÄBCDEFGH"}) {
    auto r = UseCode(bad, cookie);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(Attempts(), 0);
  EXPECT_TRUE(UseCode(m.code(), cookie));
}

TEST_P(SignInCodeTest, C26TheCodeIsStoredOnlyAsAHashKeyedByTheBrowsersCookie) {
  Account("code.stored@example.org");
  const SecretString cookie = NewLoginCookie();
  const mail::Message m = Ask("code.stored@example.org", cookie);
  const std::string shown = m.code().substr(0, 4) + "-" + m.code().substr(4);
  ExpectNotStored({m.code(), shown, std::string(cookie.reveal())});

  auto tx = db_.db->Begin();
  ASSERT_TRUE(tx);
  auto rows = (*tx)->Query("SELECT code_hash FROM signin_codes");
  ASSERT_TRUE(rows) << rows.error().internal;
  ASSERT_FALSE(rows->empty());
  const store::Bytes& stored = rows->back().Blob(0);
  const auto keyed = internal::CodeHash(cookie, m.code());
  EXPECT_TRUE(std::equal(stored.begin(), stored.end(), keyed.begin(), keyed.end()));
  // Not a hash of the code alone, which a copy of the database could be searched for.
  const auto plain = crypto::Sha256(std::string_view(m.code()));
  EXPECT_FALSE(std::equal(stored.begin(), stored.end(), plain.begin(), plain.end()));
  const auto other = internal::CodeHash(NewLoginCookie(), m.code());
  EXPECT_FALSE(std::equal(stored.begin(), stored.end(), other.begin(), other.end()));
}

TEST(SignInCodeHashes, C26AreComparedWithTheConstantTimeCompareOverTheWholeHash) {
  const SecretString cookie = NewLoginCookie();
  const crypto::Sha256Digest right = internal::CodeHash(cookie, "ABCDEFGH");
  store::Bytes stored(right.begin(), right.end());
  EXPECT_TRUE(internal::CodeHashMatches(stored, right));
  for (const std::size_t at : {std::size_t{0}, std::size_t{16}, std::size_t{31}}) {
    store::Bytes changed = stored;
    changed[at] ^= 0x01;
    EXPECT_FALSE(internal::CodeHashMatches(changed, right)) << "byte " << at;
  }
  EXPECT_FALSE(internal::CodeHashMatches(store::Bytes(stored.begin(), stored.end() - 1), right));
  EXPECT_FALSE(internal::CodeHashMatches(store::Bytes{}, right));
}

TEST_P(SignInCodeTest, C26ASignUpsCodeMakesTheAccountWithItsNameAndPassword) {
  const SecretString cookie = NewLoginCookie();
  const std::size_t before = Sent().size();
  ASSERT_TRUE(identity_->SignUp("code.signup@example.org", "Dr Code Person",
                                SecretString(std::string("a long passphrase 2026")), cookie,
                                kCaller));
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), before + 1);
  const mail::Message m = sent.back();
  EXPECT_EQ(m.kind(), mail::MailKind::kSignUpConfirmation);
  ASSERT_TRUE(mail::IsSignInCode(m.code()));
  EXPECT_FALSE(identity_->ConsumeSignInCode(m.code(), NewLoginCookie(), kOtherCaller));
  auto s = UseCode(m.code(), cookie);
  ASSERT_TRUE(s) << s.error().internal;
  auto profile = identity_->GetProfile(*Auth(*s));
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->name, "Dr Code Person");
  EXPECT_TRUE(profile->has_password);
  EXPECT_EQ(CountRows(*db_.db, "pending_signups"), 0);
  EXPECT_FALSE(UseLink(m, cookie)) << "the code ended the link";
  ExpectNotStored({"Dr Code Person", "code.signup@example.org", m.code()});
}

TEST_P(SignInCodeTest, C26CodesDieWithASignOut) {
  const NewSession owner = SignedUp("code.logout@example.org");
  const SecretString cookie = NewLoginCookie();
  const mail::Message m = Ask("code.logout@example.org", cookie);
  ASSERT_TRUE(identity_->Logout(*Auth(owner), kCaller));
  EXPECT_FALSE(UseCode(m.code(), cookie));
}

// ---- Send a new link ----

TEST_P(SignInCodeTest, C26SendANewLinkAsksAgainForTheSameAddressBoundToThisBrowser) {
  Account("code.resend@example.org");
  const SecretString cookie = NewLoginCookie();
  const mail::Message old = Ask("code.resend@example.org", cookie);
  clock_.Advance(11 * kMinute);
  ASSERT_FALSE(UseCode(old.code(), cookie)) << "expired";
  ASSERT_TRUE(SweepExpiredKeepsCodes());

  std::vector<std::string> budgets;
  auto allow = [&budgets](const std::string& key) {
    budgets.push_back(key);
    return true;
  };
  const std::size_t before = Sent().size();
  ASSERT_TRUE(identity_->ResendLink(std::nullopt, cookie, allow, kCaller));
  auto sent = Sent();
  ASSERT_EQ(sent.size(), before + 1);
  EXPECT_EQ(sent.back().to(), "code.resend@example.org");
  EXPECT_EQ(budgets, std::vector<std::string>{*identity_->AccountRateKey("code.resend@example.org")})
      << "the per-address budget is asked";
  EXPECT_TRUE(UseCode(sent.back().code(), cookie));

  // From another browser (the phone) with the old link's token: a link for that browser.
  const SecretString phone = NewLoginCookie();
  ASSERT_TRUE(identity_->ResendLink(SecretString(TokenOf(old)), phone, allow, kOtherCaller));
  sent = Sent();
  ASSERT_EQ(sent.size(), before + 2);
  EXPECT_EQ(sent.back().to(), "code.resend@example.org");
  EXPECT_FALSE(UseCode(sent.back().code(), cookie));
  EXPECT_TRUE(UseCode(sent.back().code(), phone));
}

TEST_P(SignInCodeTest, CodesAreSweptADayPastTheirExpiry) {
  Account("code.sweep@example.org");
  (void)Ask("code.sweep@example.org", NewLoginCookie());
  clock_.Advance(11 * kMinute);
  ASSERT_TRUE(SweepExpiredKeepsCodes());
  clock_.Advance(24 * 60 * kMinute);
  ASSERT_TRUE(identity_->SweepExpired());
  EXPECT_EQ(CountRows(*db_.db, "signin_codes"), 0);
}

TEST_P(SignInCodeTest, SendANewLinkSendsNothingOverBudgetOrForABrowserThatNeverAsked) {
  Account("code.nosend@example.org");
  const SecretString cookie = NewLoginCookie();
  (void)Ask("code.nosend@example.org", cookie);
  const std::size_t before = Sent().size();
  ASSERT_TRUE(identity_->ResendLink(std::nullopt, cookie,
                                    [](const std::string&) { return false; }, kCaller));
  ASSERT_TRUE(identity_->ResendLink(std::nullopt, NewLoginCookie(),
                                    [](const std::string&) { return true; }, kCaller));
  ASSERT_TRUE(identity_->ResendLink(SecretString(NewLoginCookie().reveal()), NewLoginCookie(),
                                    [](const std::string&) { return true; }, kCaller));
  EXPECT_EQ(Sent().size(), before);
}

TEST_P(SignInCodeTest, C26SendANewLinkAfterASignUpSendsItsLinkAgainToThatBrowserOnly) {
  const SecretString cookie = NewLoginCookie();
  (void)SignUp("code.again@example.org", cookie, "signed up pass phrase 3");
  clock_.Advance(11 * kMinute);
  const auto allow = [](const std::string&) { return true; };
  const std::size_t before = Sent().size();
  ASSERT_TRUE(identity_->ResendLink(std::nullopt, NewLoginCookie(), allow, kOtherCaller));
  EXPECT_EQ(Sent().size(), before) << "another browser gets nothing";
  ASSERT_TRUE(identity_->ResendLink(std::nullopt, cookie, allow, kCaller));
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), before + 1);
  EXPECT_EQ(sent.back().to(), "code.again@example.org");
  EXPECT_EQ(sent.back().kind(), mail::MailKind::kSignUpConfirmation);
  auto s = UseCode(sent.back().code(), cookie);
  ASSERT_TRUE(s) << s.error().internal;
  auto profile = identity_->GetProfile(*Auth(*s));
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->name, "Dr Test Person");
  EXPECT_TRUE(profile->has_password);
  ExpectNotStored({"code.again@example.org", "Dr Test Person", "signed up pass phrase 3"});
}

TEST_P(SignInCodeTest, ASignUpsOwnLinkAsksForItAgainWithItsNameAndPassword) {
  const SecretString cookie = NewLoginCookie();
  const std::string token = SignUp("code.resignup@example.org", cookie, "resent pass phrase 9");
  clock_.Advance(11 * kMinute);
  const std::size_t before = Sent().size();
  ASSERT_TRUE(identity_->ResendLink(SecretString(token), cookie,
                                    [](const std::string&) { return true; }, kCaller));
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), before + 1);
  EXPECT_EQ(sent.back().kind(), mail::MailKind::kSignUpConfirmation);
  auto s = UseCode(sent.back().code(), cookie);
  ASSERT_TRUE(s) << s.error().internal;
  EXPECT_TRUE(identity_->GetProfile(*Auth(*s))->has_password);
}

INSTANTIATE_TEST_SUITE_P(Engines, SignInCodeTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& param_info) {
                           return param_info.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::identity
