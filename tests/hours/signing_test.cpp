// Signing links (issue #15, C27 C28 C42 C53; docs/signing.md) on both engines: the link
// mailed on submission (the link only), single use, bound to its week and to the content
// at submission, the PIN, the lock after 5 wrong PINs, the 7-day expiry, only the token's
// hash stored, returning with a comment, and the receipt of a signature.
#include <gtest/gtest.h>

#include <map>

#include "audit/checkpoint.hpp"
#include "audit/checkpoint_signer.hpp"
#include "audit/receipt.hpp"
#include "core/encoding.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/signing_key.hpp"
#include "hours/signing.hpp"
#include "hours_fixture.hpp"
#include "mail/queue.hpp"
#include "support/app_harness.hpp"

namespace alcove::hours {
namespace {

constexpr std::string_view kLinkA = "1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a";
constexpr std::string_view kAccount = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
constexpr std::string_view kEndedLink = "2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b";
// A link for one work setting, not the setting of the tests' weeks.
constexpr std::string_view kOtherSettingLink = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c";
constexpr std::string_view kOtherSetting = "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d";
const identity::Caller kSupervisorCaller{.ip = "198.51.100.7", .user_agent = "Supervisor/1.0"};

// A directory of one supervisor (link kLinkA of tenant 1001, PIN "246810", argon2id) as
// the supervision side provides it; kEndedLink is a link that was ended.
class FakeDirectory {
 public:
  explicit FakeDirectory(crypto::PasswordHasher& hasher) : hasher_(hasher) {
    pin_hash_ = *hasher_.Hash(crypto::SecretString(std::string("246810")));
  }
  SupervisorDirectory Directory() {
    return SupervisorDirectory{
        .active = [this](store::TenantId tenant,
                         std::string_view link) -> Result<ActiveSupervisor> {
          if (tenant == 1001 && link == kLinkA) {
            return Supervisor();
          }
          if (tenant == 1001 && link == kOtherSettingLink) {
            ActiveSupervisor s = Supervisor();
            s.link_id = std::string(kOtherSettingLink);
            s.setting_id = std::string(kOtherSetting);
            return s;
          }
          return Fail(ErrorCode::kNotFound, "no such link");
        },
        .list = [this](const identity::TherapistScope& who)
            -> Result<std::vector<ActiveSupervisor>> {
          if (who.tenant() == 1001) {
            return std::vector<ActiveSupervisor>{Supervisor()};
          }
          return std::vector<ActiveSupervisor>{};
        },
        .verify_pin = [this](std::string_view account,
                             const crypto::SecretString& pin) -> Result<PinCheck> {
          if (account != kAccount) {
            return Fail(ErrorCode::kNotFound, "no such supervisor");
          }
          if (!pin_set) {
            return PinCheck::kNotSet;
          }
          ALCOVE_TRY_ASSIGN(bool ok, hasher_.Verify(pin, pin_hash_));
          return ok ? PinCheck::kMatch : PinCheck::kMismatch;
        }};
  }
  static ActiveSupervisor Supervisor() {
    return ActiveSupervisor{.link_id = std::string(kLinkA),
                            .account_id = std::string(kAccount),
                            .account_tenant = 3003,
                            .email = "supervisor@example.org",
                            .name = "Dr Ada Supervisor",
                            .setting_id = ""};
  }
  bool pin_set = true;

 private:
  crypto::PasswordHasher& hasher_;
  std::string pin_hash_;
};

class SigningTest : public HoursFixture {
 protected:
  void SetUp() override {
    HoursFixture::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    hasher_ = *crypto::PasswordHasher::Create();
    ASSERT_TRUE(crypto::CreateSigningKeyFile(keys_dir_.path() / "signing.key"));
    auto key = crypto::SigningKey::Load(keys_dir_.path() / "signing.key");
    ASSERT_TRUE(key);
    signing_key_ = std::move(*key);
    verifier_key_ = audit::VerifierKey(audit::kCheckpointKeyName, signing_key_->public_key());
    directory_ = std::make_unique<FakeDirectory>(*hasher_);
    queue_ = std::make_unique<mail::Queue>(mailer_);
    signing_ = std::make_unique<Signing>(
        *hours_, directory_->Directory(),
        SigningDeps{.db = *db_.db,
                    .log = *log_,
                    .clock = clock_,
                    .mail = *queue_,
                    .public_origin = "https://alcove.test",
                    .checkpoint = [this](std::uint64_t) { return CheckpointNow(); },
                    .verifier_key = verifier_key_,
                    .account_name = [this](std::string_view id) -> Result<std::string> {
                      if (id == a_.account_id()) {
                        return std::string("Sam Associate");
                      }
                      if (id == kAccount) {
                        return std::string("Dr Ada Supervisor");
                      }
                      return Fail(ErrorCode::kNotFound, "no such account");
                    }});
  }
  void TearDown() override {
    if (queue_) {
      queue_->WaitIdle();
    }
    HoursFixture::TearDown();
  }

  // A week of a_ with one session on `day` in the setting (made once), not submitted.
  WeeklyLog Week(Day day) {
    if (setting_.empty()) {
      setting_ = Associate(a_);
    }
    const SessionLog s = Log(a_, Session(day, 50, Category::kIndividual, setting_, "John Doe"));
    session_ids_.push_back(s.id);
    return WeekOf(a_, setting_, s.date);
  }

  // Submits `w` to the supervisor; the token of the link mailed.
  std::string Submit(const WeeklyLog& w) {
    const std::size_t before = Sent().size();
    auto done = signing_->Submit(a_, w.id, kLinkA, kHoursCaller);
    EXPECT_TRUE(done) << (done ? "" : done.error().internal);
    const auto sent = Sent();
    EXPECT_EQ(sent.size(), before + 1);
    if (sent.size() != before + 1) {
      return "";
    }
    const std::string& link = sent.back().link();
    const auto at = link.find("#token=");
    EXPECT_NE(at, std::string::npos) << link;
    return at == std::string::npos ? "" : link.substr(at + 7);
  }

  std::vector<mail::Message> Sent() {
    queue_->WaitIdle();
    return mailer_.sent();
  }

  Result<SignOutcome> SignWith(const std::string& token, const std::string& pin,
                               Decision d = Decision::kSign, const std::string& comment = "") {
    SignRequest r;
    r.decision = d;
    r.pin = crypto::SecretString(std::string(pin));
    r.comment = PhiString(std::string(comment));
    return signing_->Sign(crypto::SecretString(std::string(token)), r, kSupervisorCaller);
  }

  template <typename T>
  static std::string Refusal(const Result<T>& r) {
    if (r) {
      return "";
    }
    const auto t = SigningRefusalOf(r.error());
    return t ? std::string(*t) : "not a refusal: " + r.error().internal;
  }

  std::optional<audit::SignedCheckpoint> CheckpointNow() {
    auto tx = db_.db->Begin();
    if (!tx) {
      return std::nullopt;
    }
    auto head = audit::ReadHead(**tx);
    if (!head) {
      return std::nullopt;
    }
    const audit::Checkpoint cp{audit::LogOrigin(signing_key_->public_key()), head->size(),
                               head->root()};
    auto parsed = audit::ParseSignedCheckpoint(audit::SignCheckpoint(*signing_key_, cp));
    if (!parsed) {
      return std::nullopt;
    }
    return *parsed;
  }

  std::unique_ptr<crypto::PasswordHasher> hasher_;
  std::unique_ptr<FakeDirectory> directory_;
  testing::RecordingMailer mailer_;
  std::unique_ptr<mail::Queue> queue_;
  std::unique_ptr<Signing> signing_;
  std::unique_ptr<crypto::SigningKey> signing_key_;
  std::string verifier_key_;
  std::string setting_;
  std::vector<std::string> session_ids_;
};

TEST_P(SigningTest, C53SubmittingMailsTheSupervisorTheLinkOnly) {
  const WeeklyLog w = Week(Ymd(2026, 11, 24));
  const std::string token = Submit(w);
  ASSERT_EQ(token.size(), crypto::kTokenLength);  // 256 bits (C27)
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind(), mail::MailKind::kSupervisorSigningLink);
  EXPECT_EQ(sent[0].to(), "supervisor@example.org");
  EXPECT_EQ(sent[0].link(), "https://alcove.test/sign#token=" + token);
  EXPECT_TRUE(sent[0].code().empty());
  const std::string body = sent[0].Body();
  for (const std::string_view secret : {"J.D.", "John", "Doe", "Sam Associate", "Valley"}) {
    EXPECT_EQ(body.find(secret), std::string::npos) << secret;
    EXPECT_EQ(std::string(sent[0].subject()).find(secret), std::string::npos) << secret;
  }
  EXPECT_EQ(hours_->GetWeek(a_, w.id)->status, WeekStatus::kSubmitted);
  EXPECT_EQ(hours_->GetWeek(a_, w.id)->supervisor_id, std::string(kLinkA));
}

TEST_P(SigningTest, C27OnlyTheTokensHashIsStored) {
  const WeeklyLog w = Week(Ymd(2026, 11, 24));
  const std::string token = Submit(w);
  ASSERT_FALSE(token.empty());
  // Every text and blob of every row of the tables that hold the link.
  for (const std::string table : {"tokens", "signing_links", "weekly_logs"}) {
    // The tenant's tables as the tenant (row-level security on PostgreSQL).
    auto tx = table == "tokens" ? db_.db->Begin() : db_.db->BeginTenant(a_.tenant());
    ASSERT_TRUE(tx);
    auto rows = (*tx)->Query("SELECT * FROM " + table, {});
    ASSERT_TRUE(rows) << rows.error().internal;
    ASSERT_FALSE(rows->empty()) << table;
    for (const auto& r : *rows) {
      for (std::size_t i = 0; i < r.size(); ++i) {
        if (const auto* t = std::get_if<std::string>(&r.at(i))) {
          EXPECT_EQ(t->find(token), std::string::npos) << table;
        }
        if (const auto* b = std::get_if<store::Bytes>(&r.at(i))) {
          const std::string s(b->begin(), b->end());
          EXPECT_EQ(s.find(token), std::string::npos) << table;
        }
      }
    }
  }
  // The hash is there, under the signing purpose.
  const auto hash = crypto::TokenHash(kSigningPurpose, crypto::SecretString(std::string(token)));
  auto tx = db_.db->Begin();
  ASSERT_TRUE(tx);
  const store::Value p[] = {store::Bytes(hash.begin(), hash.end())};
  auto rows = (*tx)->Query("SELECT purpose, single_use, expires_at - created_at FROM tokens "
                           "WHERE hash = $1",
                           p);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().Text(0), kSigningPurpose);
  EXPECT_EQ(rows->front().Int(1), 1);
  EXPECT_EQ(rows->front().Int(2), kSigningLinkLifetime);
}

TEST_P(SigningTest, C28TheLinkShowsItsWeeksTotalsAndSignsOnce) {
  const WeeklyLog w = Week(Ymd(2026, 11, 24));
  const std::string token = Submit(w);
  auto view = signing_->View(crypto::SecretString(std::string(token)));
  ASSERT_TRUE(view) << view.error().internal;
  EXPECT_EQ(view->week_id, w.id);
  EXPECT_EQ(view->week_start, Ymd(2026, 11, 23));
  EXPECT_EQ(view->setting_name, "Valley Clinic");
  EXPECT_EQ(view->associate_name, "Sam Associate");
  EXPECT_EQ(view->supervisor_name, "Dr Ada Supervisor");
  EXPECT_EQ(view->totals.total, w.totals.total);
  EXPECT_EQ(view->tries_left, kMaxWrongPins);

  auto signed_ = SignWith(token, "246810");
  ASSERT_TRUE(signed_) << signed_.error().internal;
  EXPECT_EQ(signed_->kind, SignOutcome::Kind::kSigned);
  ASSERT_TRUE(signed_->signature);
  EXPECT_EQ(hours_->GetWeek(a_, w.id)->status, WeekStatus::kSigned);
  // C42: the supervisor's account, the connection's IP, the time and the hash.
  auto shown = signing_->GetSignature(a_, w.id);
  ASSERT_TRUE(shown) << shown.error().internal;
  EXPECT_EQ(shown->signature.supervisor_id, kAccount);
  EXPECT_EQ(shown->signature.ip, "198.51.100.7");
  EXPECT_EQ(shown->signature.signed_at, clock_.Now());
  EXPECT_EQ(shown->signature.content_sha256, w.content_sha256);
  EXPECT_TRUE(shown->signature.matches);
  EXPECT_EQ(shown->supervisor_name, "Dr Ada Supervisor");

  // Single use: the same link again, to view or to sign, is gone.
  EXPECT_EQ(Refusal(SignWith(token, "246810")), "link_gone");
  EXPECT_EQ(Refusal(signing_->View(crypto::SecretString(std::string(token)))), "link_gone");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM weekly_log_signatures WHERE tenant_id = $1", a_.tenant()),
            1);
}

TEST_P(SigningTest, C28ALinkIsBoundToItsWeek) {
  const WeeklyLog wa = Week(Ymd(2026, 11, 24));
  const WeeklyLog wb = Week(Ymd(2026, 11, 17));
  const std::string ta = Submit(wa);
  const std::string tb = Submit(wb);
  // A's link names A and signs A only.
  SignRequest r;
  r.pin = crypto::SecretString(std::string("246810"));
  r.week_id = wb.id;
  EXPECT_EQ(Refusal(signing_->Sign(crypto::SecretString(std::string(ta)), r, kSupervisorCaller)),
            "other_week");
  EXPECT_EQ(hours_->GetWeek(a_, wb.id)->status, WeekStatus::kSubmitted);
  ASSERT_TRUE(SignWith(ta, "246810"));
  EXPECT_EQ(hours_->GetWeek(a_, wa.id)->status, WeekStatus::kSigned);
  EXPECT_EQ(hours_->GetWeek(a_, wb.id)->status, WeekStatus::kSubmitted);
  EXPECT_EQ(signing_->View(crypto::SecretString(std::string(tb)))->week_id, wb.id);
  // A token of another purpose, or made up, is no signing link.
  EXPECT_EQ(Refusal(SignWith(std::string(43, 'A'), "246810")), "link_gone");
  EXPECT_EQ(Refusal(SignWith("short", "246810")), "link_gone");
}

TEST_P(SigningTest, C28ThePinIsRequiredAndFiveWrongPinsLockTheLinkUntilResubmitted) {
  const WeeklyLog w = Week(Ymd(2026, 11, 24));
  const std::string token = Submit(w);
  EXPECT_EQ(SignWith(token, "").error().code, ErrorCode::kInvalidArgument);
  for (int i = 1; i <= 4; ++i) {
    auto wrong = SignWith(token, "111111");
    ASSERT_TRUE(wrong) << wrong.error().internal;
    EXPECT_EQ(wrong->kind, SignOutcome::Kind::kWrongPin);
    EXPECT_EQ(wrong->tries_left, kMaxWrongPins - i);
  }
  EXPECT_EQ(hours_->GetWeek(a_, w.id)->status, WeekStatus::kSubmitted);
  const auto events_before = Events(a_.tenant()).size();
  EXPECT_EQ(Refusal(SignWith(token, "222222")), "link_locked");  // the 5th
  const auto events = Events(a_.tenant());
  ASSERT_EQ(events.size(), events_before + 1);
  EXPECT_EQ(events.front().action, audit::Action::kMagicLinkRefused);  // audited
  EXPECT_EQ(events.front().object_type, "signing_link");
  EXPECT_EQ(events.front().details.entries().at("reason"), "locked");
  EXPECT_EQ(events.front().actor.text(), "account:" + std::string(kAccount));
  EXPECT_EQ(events.front().details.entries().at("week"), w.id);
  // Locked: the right PIN does not help now.
  EXPECT_EQ(Refusal(SignWith(token, "246810")), "link_locked");
  EXPECT_EQ(Refusal(signing_->View(crypto::SecretString(std::string(token)))), "link_locked");
  EXPECT_EQ(hours_->GetWeek(a_, w.id)->status, WeekStatus::kSubmitted);

  // The associate withdraws and submits again: a new link that works; the old stays dead.
  ASSERT_TRUE(signing_->Withdraw(a_, w.id, kHoursCaller));
  const std::string fresh = Submit(*hours_->GetWeek(a_, w.id));
  ASSERT_NE(fresh, token);
  EXPECT_EQ(Refusal(SignWith(token, "246810")), "link_gone");
  auto ok = SignWith(fresh, "246810");
  ASSERT_TRUE(ok) << ok.error().internal;
  EXPECT_EQ(ok->kind, SignOutcome::Kind::kSigned);
}

TEST_P(SigningTest, C28ASupervisorWithoutAPinIsToldToSetOne) {
  const WeeklyLog w = Week(Ymd(2026, 11, 24));
  const std::string token = Submit(w);
  directory_->pin_set = false;
  auto r = SignWith(token, "246810");
  EXPECT_EQ(Refusal(r), "pin_not_set");
  EXPECT_NE(r.error().public_message.find("/supervisor/pin"), std::string::npos);
  directory_->pin_set = true;
  EXPECT_TRUE(SignWith(token, "246810"));
}

TEST_P(SigningTest, C28TheLinkExpiresAfterSevenDays) {
  const WeeklyLog w = Week(Ymd(2026, 11, 24));
  const std::string token = Submit(w);
  clock_.Advance(kSigningLinkLifetime - kMicrosPerSecond);
  EXPECT_TRUE(signing_->View(crypto::SecretString(std::string(token))));
  clock_.Advance(kMicrosPerSecond);
  EXPECT_EQ(Refusal(signing_->View(crypto::SecretString(std::string(token)))), "link_gone");
  EXPECT_EQ(Refusal(SignWith(token, "246810")), "link_gone");
  EXPECT_EQ(hours_->GetWeek(a_, w.id)->status, WeekStatus::kSubmitted);
}

TEST_P(SigningTest, C28ALogChangedAfterSubmissionRefusesTheOldLink) {
  const WeeklyLog w = Week(Ymd(2026, 11, 24));
  const std::string token = Submit(w);
  // The week changes behind the link's back: withdrawn, edited and submitted again
  // without a new link (straight through the hours service).
  ASSERT_TRUE(hours_->WithdrawWeek(a_, w.id, kHoursCaller));
  SessionChange c;
  c.minutes = 30;
  ASSERT_TRUE(hours_->UpdateSession(a_, session_ids_.front(), c, kHoursCaller));
  ASSERT_TRUE(hours_->SubmitWeek(a_, w.id, std::string(kLinkA), kHoursCaller));
  EXPECT_EQ(Refusal(signing_->View(crypto::SecretString(std::string(token)))), "week_changed");
  EXPECT_EQ(Refusal(SignWith(token, "246810")), "week_changed");
  EXPECT_EQ(hours_->GetWeek(a_, w.id)->status, WeekStatus::kSubmitted);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM weekly_log_signatures WHERE tenant_id = $1", a_.tenant()),
            0);
}

TEST_P(SigningTest, WithdrawingEndsTheLink) {
  const WeeklyLog w = Week(Ymd(2026, 11, 24));
  const std::string token = Submit(w);
  ASSERT_TRUE(signing_->Withdraw(a_, w.id, kHoursCaller));
  EXPECT_EQ(Refusal(signing_->View(crypto::SecretString(std::string(token)))), "link_gone");
}

TEST_P(SigningTest, UnknownOrEndedSupervisorLinksAreNotFound) {
  const WeeklyLog w = Week(Ymd(2026, 11, 24));
  EXPECT_EQ(signing_->Submit(a_, w.id, kEndedLink, kHoursCaller).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(signing_->Submit(a_, w.id, "not an id", kHoursCaller).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(signing_->Submit(a_, w.id, kOtherSettingLink, kHoursCaller).error().code,
            ErrorCode::kNotFound);  // the supervisor of another work setting
  EXPECT_EQ(hours_->GetWeek(a_, w.id)->status, WeekStatus::kDraft);
  EXPECT_TRUE(Sent().empty());
  // Another tenant's week is not found, whatever the link.
  EXPECT_EQ(signing_->Submit(b_, w.id, kLinkA, kHoursCaller).error().code, ErrorCode::kNotFound);
}

TEST_P(SigningTest, ReturningSealsTheCommentAndUsesTheLink) {
  const WeeklyLog w = Week(Ymd(2026, 11, 24));
  const std::string token = Submit(w);
  auto r = SignWith(token, "246810", Decision::kReturn, "Please split the group session.");
  ASSERT_TRUE(r) << r.error().internal;
  EXPECT_EQ(r->kind, SignOutcome::Kind::kReturned);
  const WeeklyLog back = *hours_->GetWeek(a_, w.id);
  EXPECT_EQ(back.status, WeekStatus::kReturned);
  EXPECT_EQ(hours_->ReturnComment(a_, w.id)->reveal(), "Please split the group session.");
  const auto events = Events(a_.tenant());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().action, audit::Action::kWeeklyLogStatusChanged);
  EXPECT_EQ(events.front().actor.text(), "account:" + std::string(kAccount));
  EXPECT_EQ(events.front().details.entries().at("to"), "returned");
  EXPECT_EQ(Refusal(SignWith(token, "246810")), "link_gone");
  // The returned week goes again, with a new link.
  EXPECT_FALSE(Submit(back).empty());
}

TEST_P(SigningTest, C42AnAmendmentFlipsMatchesAndTheReceiptChecks) {
  const WeeklyLog w = Week(Ymd(2026, 11, 24));
  const std::string token = Submit(w);
  auto s = SignWith(token, "246810");
  ASSERT_TRUE(s) << s.error().internal;
  auto shown = signing_->GetSignature(a_, w.id);
  ASSERT_TRUE(shown);
  ASSERT_TRUE(shown->receipt);
  auto parsed = audit::ParseReceipt(*shown->receipt);
  ASSERT_TRUE(parsed);
  auto check = audit::CheckReceipt(*parsed, verifier_key_);
  ASSERT_TRUE(check) << check.error().internal;
  EXPECT_EQ(check->event_id, s->signature->event_id);
  EXPECT_EQ(check->action, "signature.made");
  const ReceiptFacts facts = signing_->CheckReceiptText(*shown->receipt);
  EXPECT_TRUE(facts.valid) << facts.problem;
  EXPECT_EQ(facts.week_id, w.id);
  EXPECT_EQ(facts.supervisor_id, kAccount);
  EXPECT_EQ(facts.content_sha256, w.content_sha256);
  auto tampered = *parsed;
  tampered.event[tampered.event.size() / 2] ^= 1;
  EXPECT_FALSE(signing_->CheckReceiptText(audit::FormatReceipt(tampered)).valid);

  SessionChange c;
  c.minutes = 45;
  c.amend = true;
  ASSERT_TRUE(hours_->UpdateSession(a_, session_ids_.front(), c, kHoursCaller));
  auto after = signing_->GetSignature(a_, w.id);
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->signature.matches);
  EXPECT_EQ(after->signature.content_sha256, w.content_sha256);  // as signed
  // Another tenant's week: not found.
  EXPECT_EQ(signing_->GetSignature(b_, w.id).error().code, ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Engines, SigningTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::hours
