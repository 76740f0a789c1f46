// Weekly logs of the hours service (issue #14; docs/hours.md § Weekly logs) on both
// engines: rows made with a week's first session and gone with its last, the states
// (draft, submitted, signed, returned; withdraw; amend), the content hash, and the week
// grid all or nothing.
#include <gtest/gtest.h>

#include "core/encoding.hpp"
#include "crypto/sha.hpp"
#include "hours/hours.hpp"
#include "hours_fixture.hpp"

namespace alcove::hours {
namespace {

using HoursWeeksTest = HoursFixture;

TEST_P(HoursWeeksTest, AWeekRowComesWithItsFirstSessionAndGoesWithItsLast) {
  const std::string valley = Associate(a_);
  const std::string hill = Setting(a_, "Hill House");
  EXPECT_EQ(Weeks(a_.tenant()), 0);
  const SessionLog mon = Log(a_, Session(Ymd(2026, 11, 23), 50, Category::kIndividual, valley));
  EXPECT_EQ(Weeks(a_.tenant()), 1);
  const SessionLog sun = Log(a_, Session(Ymd(2026, 11, 29), 60, Category::kIndividual, valley));
  EXPECT_EQ(Weeks(a_.tenant()), 1) << "Monday to Sunday is one week";
  Log(a_, Session(Ymd(2026, 11, 25), 60, Category::kIndividual, hill));
  EXPECT_EQ(Weeks(a_.tenant()), 2) << "one per week per setting";

  const WeeklyLog w = WeekOf(a_, valley, Ymd(2026, 11, 25));
  EXPECT_EQ(w.week_start, Ymd(2026, 11, 23));
  EXPECT_EQ(w.setting_name, "Valley Clinic");
  EXPECT_EQ(w.status, WeekStatus::kDraft);
  EXPECT_EQ(w.totals.direct, 110);
  EXPECT_EQ(w.totals.total, 110);
  EXPECT_EQ(w.totals.by_category[static_cast<int>(Category::kIndividual)], 110);
  EXPECT_FALSE(w.signed_sha256);
  EXPECT_EQ(w.content_sha256.size(), 64u);
  // Direct hours without supervision: the engine says so in words.
  EXPECT_FALSE(w.checks.empty());
  auto listed = hours_->ListWeeks(a_, Ymd(2026, 11, 23), Ymd(2026, 11, 29));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].setting_name, "Hill House");  // by week, then setting name
  EXPECT_EQ(hours_->GetWeek(a_, w.id)->content_sha256, w.content_sha256);

  // Moving the Sunday session to the next week takes it out of this one and makes that.
  SessionChange next;
  next.date = Ymd(2026, 11, 30);
  ASSERT_TRUE(hours_->UpdateSession(a_, sun.id, next, kHoursCaller));
  EXPECT_EQ(Weeks(a_.tenant()), 3);
  EXPECT_NE(WeekOf(a_, valley, Ymd(2026, 11, 23)).content_sha256, w.content_sha256);
  // Its last session gone, a draft week goes.
  ASSERT_TRUE(hours_->DeleteSession(a_, mon.id, false, kHoursCaller));
  EXPECT_EQ(Weeks(a_.tenant()), 2);
  EXPECT_EQ(hours_->GetWeek(a_, w.id).error().code, ErrorCode::kNotFound);
  SessionChange back;
  back.setting_id = hill;
  ASSERT_TRUE(hours_->UpdateSession(a_, sun.id, back, kHoursCaller));
  EXPECT_EQ(Weeks(a_.tenant()), 2) << "Valley's week of 30 Nov went, Hill's came";
}

TEST_P(HoursWeeksTest, DraftSubmittedWithdrawnAndASubmittedWeekRefusesChanges) {
  const std::string valley = Associate(a_);
  const SessionLog s = Log(a_, Session(Ymd(2026, 11, 24), 50, Category::kIndividual, valley));
  WeeklyLog w = WeekOf(a_, valley, s.date);
  const std::string supervisor(32, 'c');
  auto submitted = hours_->SubmitWeek(a_, w.id, supervisor, kHoursCaller);
  ASSERT_TRUE(submitted) << submitted.error().internal;
  EXPECT_EQ(submitted->status, WeekStatus::kSubmitted);
  EXPECT_EQ(submitted->supervisor_id, supervisor);
  EXPECT_EQ(submitted->submitted_at, clock_.Now());
  EXPECT_EQ(RefusalIn(hours_->SubmitWeek(a_, w.id, std::nullopt, kHoursCaller)), "week_submitted");

  // Nothing of a submitted week changes, amendment or not.
  SessionChange c;
  c.minutes = 40;
  c.amend = true;
  EXPECT_EQ(RefusalIn(hours_->UpdateSession(a_, s.id, c, kHoursCaller)), "week_submitted");
  EXPECT_EQ(RefusalIn(hours_->AddSession(
                a_, Session(Ymd(2026, 11, 25), 50, Category::kIndividual, valley), kHoursCaller)),
            "week_submitted");
  auto del = hours_->DeleteSession(a_, s.id, true, kHoursCaller);
  ASSERT_FALSE(del);
  EXPECT_EQ(RefusalOf(del.error()), "week_submitted");
  EXPECT_NE(del.error().public_message.find("withdraw it first"), std::string::npos);
  EXPECT_NE(del.error().public_message.find("23 November 2026"), std::string::npos);
  // Nor can a session move into it.
  const SessionLog other = Log(a_, Session(Ymd(2026, 11, 17), 50, Category::kIndividual, valley));
  SessionChange into;
  into.date = Ymd(2026, 11, 26);
  EXPECT_EQ(RefusalIn(hours_->UpdateSession(a_, other.id, into, kHoursCaller)), "week_submitted");
  EXPECT_EQ(hours_->GetSession(a_, other.id)->date, Ymd(2026, 11, 17));
  EXPECT_EQ(Sessions(a_.tenant()), 2);

  // Withdrawn, it is a draft again and takes changes.
  auto withdrawn = hours_->WithdrawWeek(a_, w.id, kHoursCaller);
  ASSERT_TRUE(withdrawn);
  EXPECT_EQ(withdrawn->status, WeekStatus::kDraft);
  EXPECT_EQ(RefusalIn(hours_->WithdrawWeek(a_, w.id, kHoursCaller)), "week_not_submitted");
  c.amend = false;
  EXPECT_EQ(hours_->UpdateSession(a_, s.id, c, kHoursCaller)->minutes, 40);
}

TEST_P(HoursWeeksTest, ASignedWeekChangesOnlyByAmendmentAndItsSignatureThenNoLongerMatches) {
  const std::string valley = Associate(a_);
  const SessionLog s = Log(a_, Session(Ymd(2026, 11, 24), 50, Category::kIndividual, valley));
  WeeklyLog w = WeekOf(a_, valley, s.date);
  // Only a submitted week is signed, and only as it was shown.
  EXPECT_EQ(RefusalIn(Sign(a_, w)),
            "week_not_submitted");
  ASSERT_TRUE(hours_->SubmitWeek(a_, w.id, std::nullopt, kHoursCaller));
  WeeklyLog stale = w;
  stale.content_sha256 = std::string(64, '0');
  EXPECT_EQ(RefusalIn(Sign(a_, stale)),
            "week_changed");
  ASSERT_TRUE(Sign(a_, w));
  w = *hours_->GetWeek(a_, w.id);
  EXPECT_EQ(w.status, WeekStatus::kSigned);
  EXPECT_EQ(w.signed_sha256, w.content_sha256);
  EXPECT_EQ(w.signed_at, clock_.Now());
  EXPECT_FALSE(w.amended);
  // Unchanged since signing: nothing to submit.
  EXPECT_EQ(RefusalIn(hours_->SubmitWeek(a_, w.id, std::nullopt, kHoursCaller)), "week_signed");

  SessionChange c;
  c.minutes = 45;
  auto refused = hours_->UpdateSession(a_, s.id, c, kHoursCaller);
  EXPECT_EQ(RefusalIn(refused), "week_signed");
  EXPECT_NE(refused.error().public_message.find("amendment"), std::string::npos);
  EXPECT_EQ(RefusalIn(hours_->AddSession(
                a_, Session(Ymd(2026, 11, 25), 50, Category::kIndividual, valley), kHoursCaller)),
            "week_signed");
  EXPECT_EQ(hours_->GetSession(a_, s.id)->minutes, 50);

  const auto events = Events(a_.tenant()).size();
  c.amend = true;
  ASSERT_TRUE(hours_->UpdateSession(a_, s.id, c, kHoursCaller));
  const auto after = Events(a_.tenant());
  ASSERT_EQ(after.size(), events + 2);  // the edit and the amendment
  EXPECT_EQ(after[0].action, audit::Action::kWeeklyLogStatusChanged);
  EXPECT_EQ(after[0].object_id, w.id);
  EXPECT_EQ(after[0].details.entries().at("from"), "signed");
  EXPECT_EQ(after[0].details.entries().at("to"), "amended");
  EXPECT_EQ(after[1].action, audit::Action::kSessionLogEdited);
  const WeeklyLog amended = *hours_->GetWeek(a_, w.id);
  EXPECT_EQ(amended.status, WeekStatus::kSigned);
  EXPECT_TRUE(amended.amended);
  EXPECT_EQ(amended.signed_sha256, w.content_sha256);
  EXPECT_NE(amended.content_sha256, *amended.signed_sha256);
  // A second amendment is one more edit; the week was amended already.
  NewSession more = Session(Ymd(2026, 11, 25), 30, Category::kIndividual, valley);
  more.amend = true;
  Log(a_, more);
  EXPECT_EQ(Events(a_.tenant()).size(), events + 3);
  // Amended, it goes to the supervisor again; signed anew, it matches again.
  auto again = hours_->SubmitWeek(a_, w.id, std::nullopt, kHoursCaller);
  ASSERT_TRUE(again) << again.error().internal;
  EXPECT_EQ(again->status, WeekStatus::kSubmitted);
  ASSERT_TRUE(Sign(a_, *again));
  const WeeklyLog resigned = *hours_->GetWeek(a_, w.id);
  EXPECT_FALSE(resigned.amended);
  EXPECT_EQ(resigned.signed_sha256, resigned.content_sha256);
  // Deleting from a signed week is an amendment too; the row stays, however empty.
  ASSERT_TRUE(hours_->DeleteSession(a_, s.id, true, kHoursCaller));
  const auto rest = hours_->ListSessions(a_, Ymd(2026, 11, 23), Ymd(2026, 11, 29));
  ASSERT_TRUE(rest);
  for (const auto& l : *rest) {
    ASSERT_TRUE(hours_->DeleteSession(a_, l.id, true, kHoursCaller));
  }
  EXPECT_TRUE(hours_->GetWeek(a_, w.id)->amended);
}

TEST_P(HoursWeeksTest, AReturnedWeekKeepsItsSealedCommentIsEditableAndIsSubmittedAgain) {
  const std::string valley = Associate(a_);
  const SessionLog s = Log(a_, Session(Ymd(2026, 11, 24), 50, Category::kIndividual, valley));
  WeeklyLog w = WeekOf(a_, valley, s.date);
  EXPECT_EQ(hours_->ReturnComment(a_, w.id).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(hours_->SubmitWeek(a_, w.id, std::nullopt, kHoursCaller));
  const std::string comment = "Please add the supervision hour of Tuesday (Quixotic-marker)";
  ASSERT_TRUE(Return(a_, w, comment));
  w = *hours_->GetWeek(a_, w.id);
  EXPECT_EQ(w.status, WeekStatus::kReturned);
  EXPECT_TRUE(w.has_comment);
  auto read = hours_->ReturnComment(a_, w.id);
  ASSERT_TRUE(read) << read.error().internal;
  EXPECT_EQ(read->reveal(), comment);
  // Sealed: not in the database's bytes.
  {
    auto tx = db_.db->BeginTenant(a_.tenant());
    ASSERT_TRUE(tx);
    const store::Value p[] = {a_.tenant(), w.id};
    auto rows = (*tx)->Query("SELECT comment FROM weekly_logs WHERE tenant_id = $1 AND id = $2", p);
    ASSERT_TRUE(rows);
    const auto& bytes = rows->front().Blob(0);
    EXPECT_EQ(std::string(bytes.begin(), bytes.end()).find("Quixotic"), std::string::npos);
  }
  // Returned: editable without amendment, then submitted again.
  NewSession sup = Session(Ymd(2026, 11, 24), 60, Category::kSupervisionIndividual, valley);
  Log(a_, sup);
  SessionChange c;
  c.minutes = 55;
  ASSERT_TRUE(hours_->UpdateSession(a_, s.id, c, kHoursCaller));
  auto again = hours_->SubmitWeek(a_, w.id, std::nullopt, kHoursCaller);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, WeekStatus::kSubmitted);
  EXPECT_EQ(Events(a_.tenant()).front().details.entries().at("from"), "returned");
}

TEST_P(HoursWeeksTest, TheContentHashIsSha256OverTheDocumentedText) {
  const std::string valley = Associate(a_);
  NewSession b = Session(Ymd(2026, 11, 25), 90, Category::kSupervisionGroup, valley);
  b.group_size = 6;
  b.video = true;
  const SessionLog second = Log(a_, b);
  NewSession a = Session(Ymd(2026, 11, 24), 50, Category::kIndividual, valley, "Ann Bee");
  a.telehealth = true;
  const SessionLog first = Log(a_, a);
  const std::string text = "alcove/hours/week/v1\n"
                           "setting " + valley + "\n"
                           "week 2026-11-23\n"
                           "2026-11-24 50 individual pre=0 telehealth=1 video=0 group=- alias=A.B.\n"
                           "2026-11-25 90 supervision_group pre=0 telehealth=0 video=1 group=6 "
                           "alias=\n";
  const WeeklyLog w = WeekOf(a_, valley, first.date);
  EXPECT_EQ(w.content_sha256, HexEncode(crypto::Sha256(text)));
  // Every field counts.
  SessionChange c;
  c.telehealth = false;
  ASSERT_TRUE(hours_->UpdateSession(a_, first.id, c, kHoursCaller));
  EXPECT_NE(WeekOf(a_, valley, first.date).content_sha256, w.content_sha256);
  c.telehealth = true;
  ASSERT_TRUE(hours_->UpdateSession(a_, first.id, c, kHoursCaller));
  EXPECT_EQ(WeekOf(a_, valley, first.date).content_sha256, w.content_sha256);
  (void)second;
}

TEST_P(HoursWeeksTest, AWeekGridIsAllOrNothing) {
  const std::string valley = Associate(a_);
  const SessionLog s = Log(a_, Session(Ymd(2026, 11, 17), 50, Category::kIndividual, valley));
  ASSERT_TRUE(hours_->SubmitWeek(a_, WeekOf(a_, valley, s.date).id, std::nullopt, kHoursCaller));
  const auto sessions = Sessions(a_.tenant());
  const auto weeks = Weeks(a_.tenant());
  const auto events = Events(a_.tenant()).size();
  // A bad third cell: nothing of the first two.
  {
    std::vector<NewSession> grid;
    grid.push_back(Session(Ymd(2026, 11, 23), 50, Category::kIndividual, valley, "Ann Bee"));
    grid.push_back(Session(Ymd(2026, 11, 24), 50, Category::kIndividual, valley));
    grid.push_back(Session(Ymd(2026, 11, 25), 5000, Category::kIndividual, valley));
    auto r = hours_->AddSessions(a_, grid, kHoursCaller);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_TRUE(r.error().public_message.starts_with("Session 3: ")) << r.error().public_message;
  }
  // A cell in a submitted week, after two that went in: rolled back with them.
  {
    std::vector<NewSession> grid;
    grid.push_back(Session(Ymd(2026, 11, 30), 50, Category::kIndividual, valley));
    grid.push_back(Session(Ymd(2026, 11, 10), 50, Category::kIndividual, valley));
    grid.push_back(Session(Ymd(2026, 11, 18), 50, Category::kIndividual, valley));
    EXPECT_EQ(RefusalIn(hours_->AddSessions(a_, grid, kHoursCaller)), "week_submitted");
  }
  EXPECT_EQ(Sessions(a_.tenant()), sessions);
  EXPECT_EQ(Weeks(a_.tenant()), weeks) << "no week row was left behind";
  EXPECT_EQ(Events(a_.tenant()).size(), events);
  // A good grid goes in whole.
  std::vector<NewSession> grid;
  for (unsigned d = 23; d <= 29; ++d) {
    grid.push_back(Session(Ymd(2026, 11, d), 60, Category::kIndividual, valley));
  }
  auto logs = hours_->AddSessions(a_, grid, kHoursCaller);
  ASSERT_TRUE(logs) << logs.error().internal;
  EXPECT_EQ(logs->size(), 7u);
  EXPECT_EQ(Sessions(a_.tenant()), sessions + 7);
  EXPECT_EQ(WeekOf(a_, valley, Ymd(2026, 11, 23)).totals.direct, 7 * 60);
}

INSTANTIATE_TEST_SUITE_P(Engines, HoursWeeksTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::hours
