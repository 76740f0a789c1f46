// Weekly reminders (issue #15; docs/hours.md § Reminders) on both engines, with a fake
// clock and a fake directory of supervisors: a past draft week mails the associate once,
// not again within 7 days, not at all when switched off; a week submitted to a supervisor
// mails the supervisor; a week that is past only in UTC, not in the associate's zone,
// mails nobody; each mail is a fixed text with a link only (C53) and one reminder.sent
// event with ids and counts only.
#include <gtest/gtest.h>

#include <map>

#include "hours/reminders.hpp"
#include "hours_fixture.hpp"
#include "mail/queue.hpp"
#include "support/app_harness.hpp"

namespace alcove::hours {
namespace {

constexpr std::string_view kOrigin = "https://alcove.example";
constexpr Micros kDay = 86'400LL * kMicrosPerSecond;
constexpr store::TenantId kSupervisorTenant = 3003;
const std::string kSupervisorAccount = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
const std::string kLink = "1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b";

class HoursRemindersTest : public HoursFixture {
 protected:
  void SetUp() override {
    HoursFixture::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    // Accounts as identity keeps them (only id, tenant and role matter to the pass).
    auto tx = db_.db->Begin();
    ASSERT_TRUE(tx);
    const store::Value row[] = {kSupervisorTenant, clock_.Now()};
    ASSERT_TRUE((*tx)->Execute("INSERT INTO tenants (id, created_at) VALUES ($1, $2)", row));
    int n = 0;
    for (const auto& [id, tenant, role] :
         {std::tuple{a_.account_id(), a_.tenant(), "therapist"},
          std::tuple{b_.account_id(), b_.tenant(), "therapist"},
          std::tuple{kSupervisorAccount, kSupervisorTenant, "supervisor"}}) {
      const store::Value p[] = {id, tenant, std::string(role),
                                store::Bytes(32, static_cast<std::uint8_t>(++n)),
                                store::Bytes{1}, store::Bytes{1}, std::int64_t{1}, clock_.Now()};
      ASSERT_TRUE((*tx)->Execute(
          "INSERT INTO accounts (id, tenant_id, role, email_hash, email, name, key_id, "
          "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          p));
    }
    ASSERT_TRUE((*tx)->Commit());
    queue_ = std::make_unique<mail::Queue>(mailer_);
    directory_ = SupervisorDirectory{
        .active = [](store::TenantId tenant, std::string_view link) -> Result<ActiveSupervisor> {
          if (tenant != 1001 || link != kLink) {
            return Fail(ErrorCode::kNotFound, "no such link");
          }
          return ActiveSupervisor{.link_id = kLink,
                                  .account_id = kSupervisorAccount,
                                  .account_tenant = kSupervisorTenant,
                                  .email = "ines@supervisors.example",
                                  .name = "Dr. Ines Ødegård"};
        },
        .list = [](const identity::TherapistScope&) -> Result<std::vector<ActiveSupervisor>> {
          return std::vector<ActiveSupervisor>();
        },
        .verify_pin = [](std::string_view, const crypto::SecretString&) -> Result<PinCheck> {
          return PinCheck::kNotSet;
        }};
    reminders_ = std::make_unique<Reminders>(ReminderDeps{
        .db = *db_.db,
        .mail = *queue_,
        .log = *log_,
        .clock = clock_,
        .public_origin = std::string(kOrigin),
        .supervisors = directory_,
        .local_day = [this](const TherapistScope& who, Micros t) -> Result<std::string> {
          if (const auto it = offsets_.find(who.tenant()); it != offsets_.end()) {
            return DayText(std::chrono::floor<std::chrono::days>(
                std::chrono::sys_time<std::chrono::microseconds>(
                    std::chrono::microseconds(t + it->second))));
          }
          return practice_->LocalDay(who, t);
        },
        .email_of = [](const identity::Principal& p) -> Result<std::string> {
          return p.tenant == 1001 ? std::string("zoe@associates.example")
                                  : std::string("other@associates.example");
        }});
  }

  std::vector<mail::Message> Sent() {
    queue_->WaitIdle();
    return mailer_.sent();
  }
  std::int64_t ReminderEvents(store::TenantId tenant) {
    std::int64_t n = 0;
    for (const auto& e : Events(tenant)) {
      n += e.action == audit::Action::kReminderSent ? 1 : 0;
    }
    return n;
  }
  // A draft week of a_ three weeks back (the week of 9 Nov 2026).
  WeeklyLog PastDraft() {
    const std::string valley = Associate(a_);
    const SessionLog s = Log(a_, Session(Ymd(2026, 11, 10), 50, Category::kIndividual, valley));
    return WeekOf(a_, valley, s.date);
  }

  testing::RecordingMailer mailer_;
  std::unique_ptr<mail::Queue> queue_;
  SupervisorDirectory directory_;
  std::unique_ptr<Reminders> reminders_;
  std::map<store::TenantId, Micros> offsets_;  // an associate's zone, as a UTC offset
};

TEST_P(HoursRemindersTest, APastDraftWeekMailsTheAssociateOnceALinkOnlyAndAudited) {
  PastDraft();
  auto pass = reminders_->Run(clock_.Now());
  ASSERT_TRUE(pass) << pass.error().internal;
  EXPECT_EQ(pass->associates, 1);
  EXPECT_EQ(pass->supervisors, 0);
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind(), mail::MailKind::kHoursReminder);
  EXPECT_EQ(sent[0].to(), "zoe@associates.example");
  EXPECT_EQ(sent[0].link(), "https://alcove.example/hours/weeks");
  // C53: the fixed text and the link, nothing of the logs (no setting, no date, no name).
  const std::string body = sent[0].Body();
  EXPECT_EQ(body.find("Valley"), std::string::npos) << body;
  EXPECT_EQ(body.find("2026"), std::string::npos) << body;
  EXPECT_NE(body.find("https://alcove.example/hours/weeks\r\n"), std::string::npos) << body;
  // One reminder.sent event, ids and counts only.
  ASSERT_EQ(ReminderEvents(a_.tenant()), 1);
  for (const auto& e : Events(a_.tenant())) {
    if (e.action == audit::Action::kReminderSent) {
      EXPECT_EQ(e.object_id, a_.account_id());
      EXPECT_EQ(e.details.entries().at("kind"), "weeks_not_submitted");
      EXPECT_EQ(e.details.entries().at("weeks"), "1");
    }
  }
  // b_ has no profile: no mail, no event.
  EXPECT_EQ(ReminderEvents(b_.tenant()), 0);
}

TEST_P(HoursRemindersTest, ASecondPassWithinSevenDaysSendsNoneAndAfterSevenDaysOneMore) {
  PastDraft();
  ASSERT_TRUE(reminders_->Run(clock_.Now()));
  clock_.Advance(6 * kDay);
  auto again = reminders_->Run(clock_.Now());
  ASSERT_TRUE(again) << again.error().internal;
  EXPECT_EQ(again->associates, 0);
  EXPECT_EQ(Sent().size(), 1u);
  clock_.Advance(kDay);
  auto week_later = reminders_->Run(clock_.Now());
  ASSERT_TRUE(week_later) << week_later.error().internal;
  EXPECT_EQ(week_later->associates, 1);
  EXPECT_EQ(Sent().size(), 2u);
  EXPECT_EQ(ReminderEvents(a_.tenant()), 2);
}

TEST_P(HoursRemindersTest, SwitchedOffSendsNoneAndSwitchedOnAgainSends) {
  PastDraft();
  ASSERT_TRUE(*reminders_->Enabled(a_));
  ASSERT_TRUE(reminders_->SetEnabled(a_, false));
  EXPECT_FALSE(*reminders_->Enabled(a_));
  auto pass = reminders_->Run(clock_.Now());
  ASSERT_TRUE(pass) << pass.error().internal;
  EXPECT_EQ(pass->associates, 0);
  EXPECT_TRUE(Sent().empty());
  EXPECT_EQ(ReminderEvents(a_.tenant()), 0);
  ASSERT_TRUE(reminders_->SetEnabled(a_, true));
  EXPECT_EQ(reminders_->Run(clock_.Now())->associates, 1);
}

TEST_P(HoursRemindersTest, AWeekSubmittedToASupervisorMailsTheSupervisorNotTheAssociate) {
  const WeeklyLog w = PastDraft();
  ASSERT_TRUE(hours_->SubmitWeek(a_, w.id, kLink, kHoursCaller));
  auto pass = reminders_->Run(clock_.Now());
  ASSERT_TRUE(pass) << pass.error().internal;
  EXPECT_EQ(pass->associates, 0);  // nothing left unsubmitted
  EXPECT_EQ(pass->supervisors, 1);
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind(), mail::MailKind::kSigningReminder);
  EXPECT_EQ(sent[0].to(), "ines@supervisors.example");
  EXPECT_EQ(sent[0].link(), "https://alcove.example/supervisor");
  EXPECT_EQ(sent[0].Body().find("Ødegård"), std::string::npos);
  // Recorded in the supervisor's own tenant, audited there.
  EXPECT_EQ(ReminderEvents(kSupervisorTenant), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM hours_reminders WHERE tenant_id = $1 AND last_sent_at "
                  "IS NOT NULL",
                  kSupervisorTenant),
            1);
  // Within 7 days: none; the supervisor switched off: none after 7 days either.
  EXPECT_EQ(reminders_->Run(clock_.Now() + kDay)->supervisors, 0);
  const auto supervisor = *identity::SupervisorScope::From(identity::Principal{
      .account_id = kSupervisorAccount, .tenant = kSupervisorTenant,
      .role = identity::Role::kSupervisor, .session_id = "s"});
  ASSERT_TRUE(reminders_->SetEnabled(supervisor, false));
  clock_.Advance(8 * kDay);
  EXPECT_EQ(reminders_->Run(clock_.Now())->supervisors, 0);
  EXPECT_EQ(Sent().size(), 1u);
}

TEST_P(HoursRemindersTest, AWeekPastInUtcButNotInTheAssociatesZoneMailsNobody) {
  const std::string valley = Associate(a_);
  Log(a_, Session(Ymd(2026, 12, 1), 50, Category::kIndividual, valley));  // this week
  // Monday 7 Dec 2026, 03:00 UTC: the week of 30 Nov is past in UTC, but in UTC-8 it is
  // still Sunday 6 December.
  const Micros monday_3am = kNow + 4 * kDay + 15 * 3600 * kMicrosPerSecond;
  offsets_[a_.tenant()] = -8 * 3600 * kMicrosPerSecond;
  EXPECT_EQ(reminders_->Run(monday_3am)->associates, 0);
  offsets_.clear();
  EXPECT_EQ(reminders_->Run(monday_3am)->associates, 1);
}

TEST_P(HoursRemindersTest, HousekeepingRunsAPassAtMostHourly) {
  PastDraft();
  reminders_->Housekeeping(clock_.Now());
  EXPECT_EQ(Sent().size(), 1u);
  // Another account's week waiting: a pass within the hour does not see it.
  ASSERT_TRUE(hours_->SetProfile(
      b_, Profile{.track = Track::kAmft, .degree_date = Ymd(2025, 6, 1)}, kHoursCaller));
  const std::string other = Setting(b_, "Harbor");
  Log(b_, Session(Ymd(2026, 11, 10), 50, Category::kIndividual, other));
  reminders_->Housekeeping(clock_.Now() + 59 * 60 * kMicrosPerSecond);
  EXPECT_EQ(Sent().size(), 1u);
  reminders_->Housekeeping(clock_.Now() + 61 * 60 * kMicrosPerSecond);
  EXPECT_EQ(Sent().size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Engines, HoursRemindersTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::hours
