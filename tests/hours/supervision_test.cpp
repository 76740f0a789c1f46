// Supervisors (issue #15; docs/supervisors.md) on both engines: invitations (C27), the
// PIN (C25), links ended from either side, another tenant's link, and the supervisor's
// summaries (C29), with real accounts (identity) around the hours service.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "crypto/password_hasher.hpp"
#include "hours/supervision.hpp"
#include "hours_fixture.hpp"
#include "identity/identity.hpp"
#include "mail/queue.hpp"
#include "support/app_harness.hpp"

namespace alcove::hours {
namespace {

using crypto::SecretString;
using identity::SupervisorScope;

std::string TokenIn(const mail::Message& m) {
  const auto at = m.link().find("#token=");
  return at == std::string::npos ? std::string() : m.link().substr(at + 7);
}

class SupervisionTest : public HoursFixture {
 protected:
  void SetUp() override {
    HoursFixture::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto hasher = crypto::PasswordHasher::Create();
    ASSERT_TRUE(hasher);
    hasher_ = std::move(*hasher);
    queue_ = std::make_unique<mail::Queue>(mailer_);
    identity_ = std::make_unique<identity::Identity>(
        *db_.db, *ring_, *hasher_, *log_, *queue_, clock_,
        identity::IdentityOptions{.public_origin = "https://alcove.example.org"});
    sv_ = std::make_unique<Supervision>(*db_.db, *identity_, *hasher_, *log_, *queue_, clock_,
                                        "https://alcove.example.org");
    alice_ = Therapist("alice@example.org");
    bob_ = Therapist("bob@example.org");
  }

  void TearDown() override {
    sv_.reset();
    identity_.reset();
    queue_.reset();
  }

  std::vector<mail::Message> Sent() {
    identity_->WaitIdle();
    queue_->WaitIdle();
    return mailer_.sent();
  }

  // A therapist signed up and in (a real account and tenant).
  TherapistScope Therapist(const std::string& email) {
    const SecretString cookie = identity::NewLoginCookie();
    const std::size_t before = Sent().size();
    EXPECT_TRUE(identity_->SignUp(email, "Dr Test Person", std::nullopt, cookie, kHoursCaller));
    const auto sent = Sent();
    EXPECT_EQ(sent.size(), before + 1);
    auto s = identity_->ConsumeMagicLink(SecretString(TokenIn(sent.back())),
                                         SecretString(std::string(cookie.reveal())), kHoursCaller);
    EXPECT_TRUE(s) << (s ? "" : s.error().internal);
    return *TherapistScope::From(s->principal);
  }

  // Invites `email` for `who` and returns the link id and the mailed token.
  std::pair<std::string, std::string> Invite(const TherapistScope& who, const std::string& email,
                                             const std::string& setting = "") {
    const std::size_t before = Sent().size();
    auto id = sv_->Invite(who, NewInvitation{.email = email, .name = "Sam Supervisor",
                                             .setting_id = setting},
                          kHoursCaller);
    EXPECT_TRUE(id) << (id ? "" : id.error().internal);
    const auto sent = Sent();
    EXPECT_EQ(sent.size(), before + 1);
    if (!id || sent.size() != before + 1) {
      return {};
    }
    EXPECT_EQ(sent.back().kind(), mail::MailKind::kSupervisorInvitation);
    EXPECT_EQ(sent.back().to(), email);
    return {*id, TokenIn(sent.back())};
  }

  // Accepts and returns the supervisor's scope (of the new session).
  SupervisorScope Accept(const std::string& token) {
    auto s = sv_->Accept(SecretString(std::string(token)), kHoursCaller);
    EXPECT_TRUE(s) << (s ? "" : s.error().internal);
    auto scope = SupervisorScope::From(s->principal);
    EXPECT_TRUE(scope);
    return *scope;
  }

  std::int64_t Rows(const std::string& sql) {
    auto tx = db_.db->Begin();
    EXPECT_TRUE(tx);
    auto rows = (*tx)->Query(sql, {});
    EXPECT_TRUE(rows) << (rows ? "" : rows.error().internal);
    return rows ? rows->front().Int(0) : -1;
  }

  bool HasEvent(store::TenantId tenant, audit::Action a, std::string_view key = {},
                std::string_view value = {}) {
    for (const auto& e : Events(tenant)) {
      const auto& d = e.details.entries();
      if (e.action == a && (key.empty() || (d.contains(key) && d.find(key)->second == value))) {
        return true;
      }
    }
    return false;
  }

  std::unique_ptr<crypto::PasswordHasher> hasher_;
  testing::RecordingMailer mailer_;
  std::unique_ptr<mail::Queue> queue_;
  std::unique_ptr<identity::Identity> identity_;
  std::unique_ptr<Supervision> sv_;
  std::optional<TherapistScope> alice_, bob_;
};

TEST_P(SupervisionTest, C27InvitationIsSingleUseAndStoredOnlyAsItsHash) {
  const auto [link, token] = Invite(*alice_, "sam@example.org");
  ASSERT_EQ(token.size(), crypto::kTokenLength);  // 256 bits, base64url
  EXPECT_TRUE(Sent().back().link().starts_with("https://alcove.example.org/supervisor/accept#token="));
  // Stored as its hash only: neither in the links nor in the tokens table.
  {
    auto tx = db_.db->Begin();
    ASSERT_TRUE(tx);
    for (const char* sql : {"SELECT * FROM supervision_links", "SELECT * FROM tokens"}) {
      auto rows = (*tx)->Query(sql, {});
      ASSERT_TRUE(rows);
      for (const auto& r : *rows) {
        for (std::size_t i = 0; i < r.size(); ++i) {
          if (std::holds_alternative<std::string>(r.at(i))) {
            EXPECT_EQ(std::get<std::string>(r.at(i)).find(token), std::string::npos) << sql;
          }
        }
      }
    }
    const crypto::Sha256Digest h = crypto::TokenHash(kInvitationPurpose, SecretString(token));
    const store::Value p[] = {store::Bytes(h.begin(), h.end())};
    auto rows = (*tx)->Query("SELECT COUNT(*) FROM supervision_links WHERE invite_hash = $1", p);
    ASSERT_TRUE(rows);
    EXPECT_EQ(rows->front().Int(0), 1);
  }
  const SupervisorScope sam = Accept(token);
  EXPECT_NE(sam.tenant(), alice_->tenant()) << "a supervisor is in a tenant of its own";
  auto again = sv_->Accept(SecretString(std::string(token)), kHoursCaller);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kUnauthenticated);
  auto list = sv_->ListSupervisors(*alice_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].status, LinkStatus::kActive);
  EXPECT_EQ((*list)[0].email, "sam@example.org");
  EXPECT_TRUE(HasEvent(alice_->tenant(), audit::Action::kMagicLinkIssued, "kind",
                       "supervisor_invitation"));
  EXPECT_TRUE(HasEvent(alice_->tenant(), audit::Action::kSharingGranted));
  EXPECT_TRUE(HasEvent(sam.tenant(), audit::Action::kLoginSucceeded, "method", "invitation"));
}

TEST_P(SupervisionTest, C27InvitationExpiresAfterSevenDaysAndAReinviteSupersedesIt) {
  const auto [link, first] = Invite(*alice_, "sam@example.org");
  const auto [same, second] = Invite(*alice_, "sam@example.org");
  EXPECT_EQ(same, link) << "inviting a pending supervisor again reuses the link";
  auto old = sv_->Accept(SecretString(std::string(first)), kHoursCaller);
  ASSERT_FALSE(old) << "the earlier link no longer works";
  EXPECT_EQ(old.error().code, ErrorCode::kUnauthenticated);
  clock_.Advance(kInvitationLifetime);
  auto expired = sv_->Accept(SecretString(std::string(second)), kHoursCaller);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(expired.error().public_message, old.error().public_message) << "one same refusal";
  auto unknown = sv_->Accept(SecretString(std::string(crypto::kTokenLength, 'A')), kHoursCaller);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().public_message, old.error().public_message);
  // A new invitation works again.
  const auto [again, third] = Invite(*alice_, "sam@example.org");
  EXPECT_EQ(again, link);
  Accept(third);
}

TEST_P(SupervisionTest, AnAddressWithAnAccountOfAnotherRoleCannotBeASupervisor) {
  auto id = sv_->Invite(*alice_, NewInvitation{.email = "bob@example.org", .name = "Bob"},
                        kHoursCaller);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, ErrorCode::kFailedPrecondition);
  auto bad = sv_->Invite(*alice_, NewInvitation{.email = "not an address", .name = "X"},
                         kHoursCaller);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  // A setting of another tenant is not found.
  const std::string bobs = Associate(*bob_);
  auto other = sv_->Invite(*alice_, NewInvitation{.email = "sam@example.org", .name = "Sam",
                                                  .setting_id = bobs},
                           kHoursCaller);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Sent().size(), 2u) << "only the two sign-up mails";
}

TEST_P(SupervisionTest, OneSupervisorSupervisesManyAssociatesInOneAccount) {
  const auto [a_link, a_token] = Invite(*alice_, "sam@example.org");
  const auto [b_link, b_token] = Invite(*bob_, "sam@example.org");
  const SupervisorScope s1 = Accept(a_token);
  const SupervisorScope s2 = Accept(b_token);
  EXPECT_EQ(s1.account_id(), s2.account_id());
  EXPECT_EQ(s1.tenant(), s2.tenant());
  auto list = sv_->ListAssociates(s1);
  ASSERT_TRUE(list) << list.error().internal;
  EXPECT_EQ(list->size(), 2u);
}

TEST_P(SupervisionTest, EndingALinkFromEitherSideRemovesAccessAtOnce) {
  Associate(*alice_);
  Associate(*bob_);
  const auto [a_link, a_token] = Invite(*alice_, "sam@example.org");
  const auto [b_link, b_token] = Invite(*bob_, "sam@example.org");
  const SupervisorScope sam = Accept(a_token);
  Accept(b_token);
  ASSERT_TRUE(sv_->GetAssociate(sam, a_link));
  // The associate ends it.
  ASSERT_TRUE(sv_->EndLink(*alice_, a_link, kHoursCaller));
  EXPECT_EQ(sv_->GetAssociate(sam, a_link).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(sv_->Directory().active(alice_->tenant(), a_link).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(HasEvent(alice_->tenant(), audit::Action::kSharingRevoked, "by", "associate"));
  // The supervisor ends the other.
  ASSERT_TRUE(sv_->GetAssociate(sam, b_link));
  ASSERT_TRUE(sv_->EndLink(sam, b_link, kHoursCaller));
  EXPECT_EQ(sv_->GetAssociate(sam, b_link).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(sv_->ListAssociates(sam)->empty());
  EXPECT_TRUE(HasEvent(bob_->tenant(), audit::Action::kSharingRevoked, "by", "supervisor"));
  EXPECT_TRUE(HasEvent(sam.tenant(), audit::Action::kSharingRevoked, "by", "supervisor"));
  // Ended links are gone for both sides.
  EXPECT_EQ(sv_->EndLink(sam, b_link, kHoursCaller).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(sv_->EndLink(*bob_, b_link, kHoursCaller).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(sv_->ListSupervisors(*bob_)->empty());
}

TEST_P(SupervisionTest, C20AnotherTenantsLinkIsNotFound) {
  const auto [link, token] = Invite(*alice_, "sam@example.org");
  const SupervisorScope sam = Accept(token);
  EXPECT_EQ(sv_->EndLink(*bob_, link, kHoursCaller).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(sv_->Directory().active(bob_->tenant(), link).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(sv_->Directory().list(*bob_)->empty());
  // Another supervisor does not see Sam's associate.
  const auto [other_link, other_token] = Invite(*bob_, "pat@example.org");
  const SupervisorScope pat = Accept(other_token);
  EXPECT_EQ(sv_->GetAssociate(pat, link).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(sv_->EndLink(pat, link, kHoursCaller).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(sv_->GetAssociate(sam, link));
  auto active = sv_->Directory().active(alice_->tenant(), link);
  ASSERT_TRUE(active) << active.error().internal;
  EXPECT_EQ(active->account_id, sam.account_id());
  EXPECT_EQ(active->account_tenant, sam.tenant());
  EXPECT_EQ(active->email, "sam@example.org");
  EXPECT_EQ(active->name, "Sam Supervisor");
}

TEST_P(SupervisionTest, C25PinIsArgon2idAtOwaspParametersAndOnlyDigits) {
  const auto [link, token] = Invite(*alice_, "sam@example.org");
  const SupervisorScope sam = Accept(token);
  auto dir = sv_->Directory();
  EXPECT_EQ(*dir.verify_pin(sam.account_id(), SecretString("123456")), PinCheck::kNotSet);
  for (const char* bad : {"12345", "1234567890123", "12345a", "", "12 3456", "１２３４５６"}) {
    auto st = sv_->SetPin(sam, SecretString(bad), std::nullopt, kHoursCaller);
    ASSERT_FALSE(st) << bad;
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  ASSERT_TRUE(sv_->SetPin(sam, SecretString("123456"), std::nullopt, kHoursCaller));
  ASSERT_TRUE(*sv_->HasPin(sam));
  auto tx = db_.db->Begin();
  ASSERT_TRUE(tx);
  const store::Value p[] = {sam.account_id()};
  auto rows = (*tx)->Query("SELECT pin_hash FROM supervisor_pins WHERE account_id = $1", p);
  ASSERT_TRUE(rows);
  const std::string stored = rows->front().Text(0);
  tx->reset();
  EXPECT_TRUE(stored.starts_with("$argon2id$v=19$m=19456,t=3,p=1$")) << stored;
  EXPECT_EQ(stored.find("123456"), std::string::npos);
  EXPECT_EQ(*dir.verify_pin(sam.account_id(), SecretString("123456")), PinCheck::kMatch);
  EXPECT_EQ(*dir.verify_pin(sam.account_id(), SecretString("654321")), PinCheck::kMismatch);
  EXPECT_EQ(*dir.verify_pin(sam.account_id(), SecretString("12345")), PinCheck::kMismatch);
  EXPECT_EQ(*dir.verify_pin(std::string(32, 'f'), SecretString("123456")), PinCheck::kNotSet);
  EXPECT_TRUE(HasEvent(sam.tenant(), audit::Action::kPasswordChanged, "credential", "pin"));
}

TEST_P(SupervisionTest, C25ChangingAPinNeedsAFreshSignInOrAResetByMail) {
  const auto [link, token] = Invite(*alice_, "sam@example.org");
  const SupervisorScope sam = Accept(token);
  ASSERT_TRUE(sv_->SetPin(sam, SecretString("111111"), std::nullopt, kHoursCaller));
  // Within 10 minutes of signing in: a change is allowed.
  ASSERT_TRUE(sv_->SetPin(sam, SecretString("222222"), std::nullopt, kHoursCaller));
  clock_.Advance(kFreshSignIn);
  auto stale = sv_->SetPin(sam, SecretString("333333"), std::nullopt, kHoursCaller);
  ASSERT_FALSE(stale);
  EXPECT_TRUE(IsFreshSignInRefusal(stale.error()));
  EXPECT_EQ(*sv_->Directory().verify_pin(sam.account_id(), SecretString("222222")),
            PinCheck::kMatch);
  // Forgot the PIN: a reset link by mail (30 minutes, single use, audited).
  const std::size_t before = Sent().size();
  ASSERT_TRUE(sv_->RequestPinReset(sam, kHoursCaller));
  auto sent = Sent();
  ASSERT_EQ(sent.size(), before + 1);
  EXPECT_EQ(sent.back().kind(), mail::MailKind::kSupervisorPinReset);
  EXPECT_EQ(sent.back().to(), "sam@example.org");
  EXPECT_TRUE(sent.back().link().starts_with("https://alcove.example.org/supervisor/pin#token="));
  const std::string reset = TokenIn(sent.back());
  EXPECT_TRUE(HasEvent(sam.tenant(), audit::Action::kMagicLinkIssued, "kind", "pin_reset"));
  ASSERT_TRUE(sv_->SetPin(sam, SecretString("444444"), SecretString(std::string(reset)),
                          kHoursCaller));
  EXPECT_TRUE(HasEvent(sam.tenant(), audit::Action::kPasswordChanged, "via", "reset"));
  EXPECT_EQ(*sv_->Directory().verify_pin(sam.account_id(), SecretString("444444")),
            PinCheck::kMatch);
  auto twice = sv_->SetPin(sam, SecretString("555555"), SecretString(std::string(reset)),
                           kHoursCaller);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kUnauthenticated);
  // An expired reset link.
  ASSERT_TRUE(sv_->RequestPinReset(sam, kHoursCaller));
  const std::string late = TokenIn(Sent().back());
  clock_.Advance(kPinResetLifetime);
  auto expired = sv_->SetPin(sam, SecretString("666666"), SecretString(std::string(late)),
                             kHoursCaller);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
  // Another supervisor's reset link does not reset Sam's PIN.
  const auto [other, other_token] = Invite(*bob_, "pat@example.org");
  const SupervisorScope pat = Accept(other_token);
  ASSERT_TRUE(sv_->RequestPinReset(pat, kHoursCaller));
  auto foreign = sv_->SetPin(sam, SecretString("777777"),
                             SecretString(TokenIn(Sent().back())), kHoursCaller);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(*sv_->Directory().verify_pin(sam.account_id(), SecretString("444444")),
            PinCheck::kMatch);
}

TEST_P(SupervisionTest, VerifyPinIsBusyWhenThePoolIsFull) {
  std::promise<void> entered;
  std::promise<void> release;
  auto gate = release.get_future().share();
  auto held = crypto::PasswordHasher::Create(crypto::PasswordHasherOptions{
      .max_concurrent = 1,
      .max_wait = std::chrono::milliseconds(1),
      .on_slot_acquired = [&entered, gate] {
        entered.set_value();
        gate.wait();
      }});
  ASSERT_TRUE(held);
  Supervision sv(*db_.db, *identity_, **held, *log_, *queue_, clock_, "https://alcove.example.org");
  std::thread holder([&] { (void)(*held)->Hash(SecretString("pin-holder")); });
  entered.get_future().wait();
  // The first Hash() through the seam made the dummy hash wait too: take the slot only once.
  auto r = sv.Directory().verify_pin(std::string(32, 'a'), SecretString("123456"));
  release.set_value();
  holder.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
}

TEST_P(SupervisionTest, C29TheSupervisorGetsWeeklyTotalsOnly) {
  const std::string valley = Associate(*alice_);
  const std::string hill = Setting(*alice_, "Hill School");
  Log(*alice_, Session(Ymd(2026, 11, 24), 50, Category::kIndividual, valley, "Quentin Zephyr"));
  Log(*alice_, Session(Ymd(2026, 11, 25), 60, Category::kSupervisionIndividual, valley));
  Log(*alice_, Session(Ymd(2026, 11, 26), 45, Category::kGroup, hill, "Xavier Yblonski"));
  const WeeklyLog week = WeekOf(*alice_, valley, Ymd(2026, 11, 24));
  const auto [link, token] = Invite(*alice_, "sam@example.org", valley);
  const SupervisorScope sam = Accept(token);
  ASSERT_TRUE(hours_->SubmitWeek(*alice_, week.id, link, kHoursCaller));
  auto a = sv_->GetAssociate(sam, link);
  ASSERT_TRUE(a) << a.error().internal;
  EXPECT_EQ(a->name, "Dr Test Person");
  EXPECT_EQ(a->track, Track::kAmft);
  EXPECT_EQ(a->setting_name, "Valley Clinic");
  ASSERT_EQ(a->weeks.size(), 1u) << "the submitted week of the link's setting only";
  const SupervisedWeek& w = a->weeks.front();
  EXPECT_EQ(w.week_start, Ymd(2026, 11, 23));
  EXPECT_TRUE(w.waiting);
  EXPECT_EQ(a->waiting_weeks, 1);
  EXPECT_EQ(w.by_category[static_cast<int>(Category::kIndividual)], 50);
  EXPECT_EQ(w.by_category[static_cast<int>(Category::kSupervisionIndividual)], 60);
  EXPECT_EQ(w.total, 110);
  EXPECT_FALSE(a->bars.empty());
  EXPECT_GT(a->remaining_minutes, 0);
  // What the type allows is all there is: no alias, no session or week id anywhere.
  for (const auto& c : a->checks) {
    EXPECT_EQ(c.find("Q.Z."), std::string::npos);
  }
  for (const auto& c : w.checks) {
    EXPECT_EQ(c.find("Q.Z."), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, SupervisionTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::hours
