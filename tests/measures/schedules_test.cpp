// Part "api" of the measures on both engines, with a fake clock: assignment schedules
// (docs/measures.md § Schedules: due, not due, idempotent also with two servers, a
// discharged client stops, a cancelled appointment gets nothing, bad input, another
// tenant's ids) and the safety flag mail (§ Safety flag mail: once, link only, C53).
#include "measures/schedules.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audit/log.hpp"
#include "cli/database.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "crypto/password_hasher.hpp"
#include "identity/identity.hpp"
#include "mail/queue.hpp"
#include "measures/measure_mail.hpp"
#include "measures_test_util.hpp"
#include "practice/practice.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"
#include "support/test_db.hpp"

namespace alcove::measures {
namespace {

using crypto::PhiString;
using crypto::SecretString;
using identity::Caller;
using identity::TherapistScope;
using test::A;
using testing::TestEngine;

const Caller kCaller{.ip = "192.0.2.71", .user_agent = "SchedulesTest/1.0"};
constexpr Micros kHour = 3600LL * kMicrosPerSecond;
constexpr Micros kDay = 24 * kHour;
constexpr char kOrigin[] = "https://alcove.example.org";

// A schedule module's appointments, as the test books and cancels them.
struct FakeAppointment {
  std::string id;
  std::string client_id;
  Micros starts_at = 0;
  bool cancelled = false;
};

class MeasureSchedulesTest : public testing::EngineTest {
 protected:
  static constexpr Micros kNow = 1'796'212'800LL * kMicrosPerSecond;  // 2 Dec 2026 noon UTC

  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto db = testing::OpenTestDb(GetParam(), cli::AllMigrations(), pg_urls());
    ASSERT_TRUE(db) << db.error().internal;
    db_ = std::move(*db);
    const auto key_file = keys_dir_.path() / "master.key";
    ASSERT_TRUE(crypto::CreateMasterKeyFile(key_file));
    auto ring = crypto::KeyRing::OpenWithKeyFile(*db_.db, key_file, clock_);
    ASSERT_TRUE(ring) << ring.error().internal;
    ring_ = std::move(*ring);
    log_ = std::make_unique<audit::Log>(db_.db->engine());
    auto hasher = crypto::PasswordHasher::Create();
    ASSERT_TRUE(hasher);
    hasher_ = std::move(*hasher);
    queue_ = std::make_unique<mail::Queue>(mailer_);
    identity_ =
        std::make_unique<identity::Identity>(*db_.db, *ring_, *hasher_, *log_, *queue_, clock_,
                                             identity::IdentityOptions{.public_origin = kOrigin});
    practice_ = std::make_unique<practice::Practice>(*db_.db, *ring_, *log_, clock_);
    for (auto rows : {&Measures::DeleteClientRows, &Schedules::DeleteClientRows}) {
      practice_->AddExtension(practice::ClientExtension{.delete_rows = rows,
                                                        .archive_rows = {},
                                                        .next_appointments = {},
                                                        .time_words = {},
                                                        .local_day = {},
                                                        .session_of = {}});
    }
    m_ = std::make_unique<Measures>(*db_.db, *practice_, *identity_, *log_, clock_);
    mail_ = std::make_unique<MeasureMail>(*practice_, *identity_, *queue_, kOrigin);
    m_->SetFlagNotice(mail_->FlagNotice());
    s_ = MakeSchedules();
    alice_ = Therapist("alice@example.org", "Dr Alice Quorn");
    bob_ = Therapist("bob@example.org", "Dr Bob Test");
    mails_before_ = Sent().size();
  }

  void TearDown() override {
    s_.reset();
    m_.reset();
    identity_.reset();
    queue_.reset();
  }

  // A second server's service on the same database.
  std::unique_ptr<Schedules> MakeSchedules() {
    return std::make_unique<Schedules>(
        *db_.db, *m_, *practice_, *mail_, *log_, clock_,
        [this](const TherapistScope&, std::string_view client, Micros from,
               Micros to) -> Result<std::vector<UpcomingAppointment>> {
          std::vector<UpcomingAppointment> out;
          for (const auto& a : appointments_) {
            if (a.client_id == client && !a.cancelled && a.starts_at >= from && a.starts_at < to) {
              out.push_back(UpcomingAppointment{.id = a.id, .starts_at = a.starts_at});
            }
          }
          return out;
        });
  }

  TherapistScope Therapist(const std::string& email, const std::string& name) {
    const SecretString cookie = identity::NewLoginCookie();
    EXPECT_TRUE(identity_->SignUp(email, name, std::nullopt, cookie, kCaller));
    identity_->WaitIdle();
    const auto sent = Sent();
    EXPECT_FALSE(sent.empty());
    const auto at = sent.back().link().find("#token=");
    auto s = identity_->ConsumeMagicLink(SecretString(sent.back().link().substr(at + 7)),
                                         SecretString(std::string(cookie.reveal())), kCaller);
    EXPECT_TRUE(s) << (s ? "" : s.error().internal);
    return *TherapistScope::From(s->principal);
  }

  std::string NewClient(const TherapistScope& who, const char* name, const char* email = "") {
    practice::ProfileFields profile;
    if (*email != '\0') {
      profile.email = PhiString(std::string(email));
    }
    auto c =
        practice_->CreateClient(who, PhiString(std::string(name)), std::move(profile), kCaller);
    EXPECT_TRUE(c) << (c ? "" : c.error().internal);
    return c ? c->id : "";
  }

  MeasureSchedule Create(const TherapistScope& who, const std::string& client,
                         const ScheduleSpec& spec) {
    auto s = s_->Create(who, client, spec, kCaller);
    EXPECT_TRUE(s) << (s ? "" : s.error().internal);
    return s ? *s : MeasureSchedule{};
  }

  std::int64_t Run() {
    auto n = s_->Run(clock_.Now());
    EXPECT_TRUE(n) << (n ? "" : n.error().internal);
    return n ? *n : -1;
  }

  std::vector<Assignment> Assignments(const TherapistScope& who, const std::string& client) {
    auto list = m_->ListAssignments(who, client);
    EXPECT_TRUE(list) << (list ? "" : list.error().internal);
    return list ? *list : std::vector<Assignment>{};
  }

  std::vector<mail::Message> Sent() {
    queue_->WaitIdle();
    return mailer_.sent();
  }
  // The mail sent since SetUp.
  std::vector<mail::Message> NewMail() {
    auto all = Sent();
    return {all.begin() + static_cast<std::ptrdiff_t>(mails_before_), all.end()};
  }

  std::vector<audit::Event> Events(store::TenantId tenant) {
    auto tx = db_.db->Begin();
    EXPECT_TRUE(tx);
    auto events = audit::ListEvents(**tx, tenant, std::nullopt, 500);
    EXPECT_TRUE(events);
    std::vector<audit::Event> out;
    for (auto& e : *events) {
      out.push_back(std::move(e.logged.event));
    }
    return out;
  }

  testing::TestDb db_;
  testing::TempDir keys_dir_;
  FakeClock clock_{kNow};
  std::unique_ptr<crypto::KeyRing> ring_;
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<crypto::PasswordHasher> hasher_;
  testing::RecordingMailer mailer_;
  std::unique_ptr<mail::Queue> queue_;
  std::unique_ptr<identity::Identity> identity_;
  std::unique_ptr<practice::Practice> practice_;
  std::unique_ptr<Measures> m_;
  std::unique_ptr<MeasureMail> mail_;
  std::unique_ptr<Schedules> s_;
  std::vector<FakeAppointment> appointments_;
  std::optional<TherapistScope> alice_, bob_;
  std::size_t mails_before_ = 0;
};

const ScheduleSpec kWeekly{.instrument_id = "phq-9",
                           .kind = ScheduleKind::kEveryNDays,
                           .every_days = 7,
                           .hours_before = 0,
                           .send_email = false};

TEST_P(MeasureSchedulesTest, EveryNDaysIsDueAtOnceThenOncePerPeriod) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  const MeasureSchedule s = Create(*alice_, c, kWeekly);
  EXPECT_EQ(s.every_days, 7);
  EXPECT_FALSE(s.hours_before);
  EXPECT_EQ(Run(), 1) << "the first one at once";
  EXPECT_EQ(Run(), 0) << "not twice in one period";
  clock_.Advance(6 * kDay);
  EXPECT_EQ(Run(), 0) << "not due before the 7 days";
  clock_.Advance(kDay);
  EXPECT_EQ(Run(), 1) << "due on the 7th day";
  EXPECT_EQ(Run(), 0);
  const auto list = Assignments(*alice_, c);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].instrument_id, "phq-9");
  EXPECT_EQ(list[0].expires_at, kNow + 7 * kDay + kDefaultLinkLifetime);
  auto schedules = s_->List(*alice_, c);
  ASSERT_TRUE(schedules);
  ASSERT_EQ(schedules->size(), 1u);
  EXPECT_EQ((*schedules)[0].last_assigned_at, kNow + 7 * kDay);
  // A server down for three weeks makes only the current period's, not the missed ones.
  clock_.Advance(21 * kDay);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(Assignments(*alice_, c).size(), 3u);
  EXPECT_TRUE(NewMail().empty()) << "no send_email, no mail";
}

// Two servers' housekeeping on one database, at the same time (four passes each): the
// period's key makes one assignment.
TEST_P(MeasureSchedulesTest, TwoServersMakeOneAssignmentPerPeriod) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  Create(*alice_, c, kWeekly);
  auto other = MakeSchedules();
  std::atomic<std::int64_t> made{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto n = (i % 2 == 0 ? *s_ : *other).Run(kNow);
      if (n) {
        made += *n;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(made.load(), 1);
  EXPECT_EQ(Assignments(*alice_, c).size(), 1u);
  EXPECT_EQ(Run(), 0);
}

TEST_P(MeasureSchedulesTest, BeforeAppointmentsIsDueInItsWindowOncePerAppointment) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  const std::string d = NewClient(*alice_, "Dora Else");
  appointments_ = {{.id = std::string(32, 'a'), .client_id = c, .starts_at = kNow + 30 * kHour},
                   {.id = std::string(32, 'b'), .client_id = d, .starts_at = kNow + 2 * kHour},
                   {.id = std::string(32, 'c'),
                    .client_id = c,
                    .starts_at = kNow + 3 * kHour,
                    .cancelled = true}};
  Create(*alice_, c,
         ScheduleSpec{.instrument_id = "gad-7",
                      .kind = ScheduleKind::kBeforeAppointments,
                      .every_days = 0,
                      .hours_before = 24,
                      .send_email = false});
  EXPECT_EQ(Run(), 0) << "the appointment is 30 hours away; the cancelled one gets nothing; "
                         "another client's is not this schedule's";
  clock_.Advance(6 * kHour + kMicrosPerSecond);
  EXPECT_EQ(Run(), 1) << "24 hours before";
  EXPECT_EQ(Run(), 0) << "once per appointment";
  const auto list = Assignments(*alice_, c);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].instrument_id, "gad-7");
  EXPECT_EQ(list[0].expires_at, kNow + 30 * kHour + kAfterAppointment)
      << "valid until 12 hours after the appointment";
  EXPECT_TRUE(Assignments(*alice_, d).empty());
  // Cancelled before its window: nothing.
  appointments_.push_back(
      {.id = std::string(32, 'e'), .client_id = c, .starts_at = kNow + 40 * kHour});
  appointments_.back().cancelled = true;
  clock_.Advance(20 * kHour);
  EXPECT_EQ(Run(), 0);
}

TEST_P(MeasureSchedulesTest, DischargedClientGetsNothingAndDeletionRemovesSchedules) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  Create(*alice_, c, kWeekly);
  ASSERT_TRUE(
      practice_->UpdateClient(*alice_, c, nullptr, {}, practice::ClientStatus::kArchived, kCaller));
  EXPECT_EQ(Run(), 0);
  EXPECT_TRUE(Assignments(*alice_, c).empty());
  auto again = s_->Create(*alice_, c, kWeekly, kCaller);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);

  const std::string d = NewClient(*alice_, "Dora Else");
  Create(*alice_, d, kWeekly);
  EXPECT_EQ(Run(), 1);
  ASSERT_TRUE(practice_->DeleteClient(*alice_, d, kCaller));
  auto tx = db_.db->BeginTenant(alice_->tenant());
  ASSERT_TRUE(tx);
  const store::Value p[] = {d};
  auto rows = (*tx)->Query(
      "SELECT (SELECT count(*) FROM measure_schedules WHERE client_id = $1) "
      "+ (SELECT count(*) FROM measure_schedule_runs WHERE client_id = $1)",
      p);
  ASSERT_TRUE(rows) << rows.error().internal;
  EXPECT_EQ(rows->front().Int(0), 0);
}

TEST_P(MeasureSchedulesTest, StopEndsTheScheduleAndIsAuditedWithIds) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  const MeasureSchedule s = Create(*alice_, c, kWeekly);
  EXPECT_EQ(Run(), 1);
  auto stopped = s_->Stop(*alice_, s.id, kCaller);
  ASSERT_TRUE(stopped) << stopped.error().internal;
  EXPECT_EQ(*stopped, c);
  clock_.Advance(7 * kDay);
  EXPECT_EQ(Run(), 0);
  EXPECT_EQ(Assignments(*alice_, c).size(), 1u) << "what it made stays";
  auto list = s_->List(*alice_, c);
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
  bool created = false, deleted = false, made = false;
  for (const auto& e : Events(alice_->tenant())) {
    std::string details;
    for (const auto& [k, v] : e.details.entries()) {
      details += k + "=" + v + ";";
    }
    EXPECT_EQ(details.find("Quentin"), std::string::npos);
    if (e.object_type == "measure_schedule" && e.object_id == s.id) {
      created |= e.action == audit::Action::kRecordCreated;
      deleted |= e.action == audit::Action::kRecordDeleted;
    }
    if (e.object_type == "measure_assignment" && details.find(s.id) != std::string::npos) {
      made = e.action == audit::Action::kRecordCreated && e.actor == audit::Actor::System();
    }
  }
  EXPECT_TRUE(created && deleted && made);
}

TEST_P(MeasureSchedulesTest, C20BadInputAndAnotherTenantsIdsAreRefused) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  auto code = [&](const TherapistScope& who, const std::string& client, ScheduleSpec spec) {
    auto s = s_->Create(who, client, spec, kCaller);
    return s ? ErrorCode::kInternal : s.error().code;
  };
  ScheduleSpec bad = kWeekly;
  bad.instrument_id = "phq-10";
  EXPECT_EQ(code(*alice_, c, bad), ErrorCode::kInvalidArgument);
  for (int days : {0, 366}) {
    bad = kWeekly;
    bad.every_days = days;
    EXPECT_EQ(code(*alice_, c, bad), ErrorCode::kInvalidArgument) << days;
  }
  for (int hours : {0, 337}) {
    bad = ScheduleSpec{.instrument_id = "phq-9",
                       .kind = ScheduleKind::kBeforeAppointments,
                       .every_days = 0,
                       .hours_before = hours,
                       .send_email = false};
    EXPECT_EQ(code(*alice_, c, bad), ErrorCode::kInvalidArgument) << hours;
  }
  EXPECT_EQ(code(*bob_, c, kWeekly), ErrorCode::kNotFound) << "another tenant's client";
  const MeasureSchedule s = Create(*alice_, c, kWeekly);
  auto stop = s_->Stop(*bob_, s.id, kCaller);
  ASSERT_FALSE(stop);
  EXPECT_EQ(stop.error().code, ErrorCode::kNotFound);
  auto list = s_->List(*bob_, c);
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(s_->Stop(*alice_, "not-an-id", kCaller));
  // send_email for a record without an address: nothing is made.
  ScheduleSpec mailed = kWeekly;
  mailed.send_email = true;
  const std::string quiet = NewClient(*alice_, "Nora Nomail");
  EXPECT_EQ(code(*alice_, quiet, mailed), ErrorCode::kFailedPrecondition);
  auto none = s_->List(*alice_, quiet);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

// claim: C53 — the scheduled link mailed to the client is the link alone.
TEST_P(MeasureSchedulesTest, C53SendEmailMailsTheLinkOnly) {
  const std::string c = NewClient(*alice_, "Quentin Zeller", "quentin@example.net");
  ScheduleSpec mailed = kWeekly;
  mailed.send_email = true;
  Create(*alice_, c, mailed);
  EXPECT_EQ(Run(), 1);
  const auto sent = NewMail();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind(), mail::MailKind::kQuestionnaireLink);
  EXPECT_EQ(sent[0].to(), "quentin@example.net");
  EXPECT_TRUE(sent[0].link().starts_with(std::string(kOrigin) + "/q/")) << sent[0].link();
  const std::string body = sent[0].Body() + std::string(sent[0].subject());
  for (const char* content : {"Quentin", "Q.Z.", "PHQ", "phq"}) {
    EXPECT_EQ(body.find(content), std::string::npos) << content;
  }
  // The mailed link works.
  auto view = m_->OpenLink(SecretString(sent[0].link().substr(std::string(kOrigin).size() + 3)));
  ASSERT_TRUE(view) << view.error().internal;
  EXPECT_EQ(view->instrument->id, "phq-9");
}

// claim: C53 — a raised flag mails the assigning therapist once, a link to the client's
// questionnaires page and nothing of the client; no flag, no mail.
TEST_P(MeasureSchedulesTest, C53FlagMailsTheTherapistOnceWithTheLinkOnly) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  auto plain = m_->Assign(*alice_, c, "phq-9", std::nullopt, kCaller);
  auto flagged = m_->Assign(*alice_, c, "phq-9", std::nullopt, kCaller);
  ASSERT_TRUE(plain && flagged);
  ASSERT_TRUE(m_->Submit(SecretString(plain->link.reveal().substr(3)),
                         A({1, 1, 1, 1, 1, 1, 1, 1, 0, 1}), kCaller));
  EXPECT_TRUE(NewMail().empty()) << "no flag, no mail";
  ASSERT_TRUE(m_->Submit(SecretString(flagged->link.reveal().substr(3)),
                         A({3, 3, 3, 3, 3, 3, 3, 3, 2, 3}), kCaller));
  const auto sent = NewMail();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind(), mail::MailKind::kMeasureFlag);
  EXPECT_EQ(sent[0].to(), "alice@example.org");
  EXPECT_EQ(sent[0].link(), std::string(kOrigin) + "/clients/" + c + "/measures");
  // Beside the link (whose only id is the client's), nothing that varies.
  std::string body = sent[0].Body() + std::string(sent[0].subject());
  body.erase(body.find(sent[0].link()), sent[0].link().size());
  for (const char* content :
       {"Quentin", "Q.Z.", "PHQ", "self-harm", "item", "severe", "26", c.c_str()}) {
    EXPECT_EQ(body.find(content), std::string::npos) << content;
  }
  // A Submit refused (the used link again) mails nothing more.
  EXPECT_FALSE(m_->Submit(SecretString(flagged->link.reveal().substr(3)),
                          A({3, 3, 3, 3, 3, 3, 3, 3, 2, 3}), kCaller));
  EXPECT_EQ(NewMail().size(), 1u);
}

TEST_P(MeasureSchedulesTest, GetResultIsOneResultOfTheCallersTenantAudited) {
  const std::string c = NewClient(*alice_, "Quentin Zeller");
  auto a = m_->Assign(*alice_, c, "gad-7", std::nullopt, kCaller);
  ASSERT_TRUE(a);
  auto id =
      m_->Submit(SecretString(a->link.reveal().substr(3)), A({1, 2, 3, 0, 1, 2, 3, -1}), kCaller);
  ASSERT_TRUE(id);
  auto r = m_->GetResult(*alice_, *id, kCaller);
  ASSERT_TRUE(r) << r.error().internal;
  EXPECT_EQ(r->client_id, c);
  EXPECT_EQ(r->assignment_id, a->id);
  EXPECT_EQ(r->score.scales.at(0).value, 12);
  EXPECT_EQ(r->answers.reveal().size(), 8u);
  auto theirs = m_->GetResult(*bob_, *id, kCaller);
  ASSERT_FALSE(theirs);
  EXPECT_EQ(theirs.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(m_->GetResult(*alice_, "x", kCaller).error().code, ErrorCode::kNotFound);
  bool read = false;
  for (const auto& e : Events(alice_->tenant())) {
    read |= e.action == audit::Action::kRecordAccessed && e.object_type == "measure_result" &&
            e.object_id == *id;
  }
  EXPECT_TRUE(read);
}

INSTANTIATE_TEST_SUITE_P(Engines, MeasureSchedulesTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::measures
