// The schedule service (issue #13) on both engines: SQLite, and PostgreSQL as the app
// role. Claims C01, C20, C40, C50.
#include "schedule/schedule.hpp"

#include <gtest/gtest.h>

#include "audit/log.hpp"
#include "audit/query.hpp"
#include "cli/database.hpp"
#include "core/time_text.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "practice/practice.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"
#include "support/test_db.hpp"

namespace alcove::schedule {
namespace {

using crypto::PhiString;
using identity::Caller;
using identity::Principal;
using identity::TherapistScope;
using testing::TestEngine;

const Caller kCaller{.ip = "192.0.2.20", .user_agent = "TestBrowser/1.0"};
constexpr Micros kHour = 3600 * kMicrosPerSecond;
constexpr Micros kDay = 24 * kHour;

Micros At(const char* utc) { return *ParseUtcTime(utc); }

TherapistScope Therapist(store::TenantId tenant, const char* account) {
  return *TherapistScope::From(Principal{.account_id = account,
                                         .tenant = tenant,
                                         .role = identity::Role::kTherapist,
                                         .session_id = "s"});
}

class ScheduleTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto db = testing::OpenTestDb(GetParam(), cli::AllMigrations(), pg_urls());
    ASSERT_TRUE(db) << db.error().internal;
    db_ = std::move(*db);
    const auto key_file = keys_dir_ / "master.key";
    ASSERT_TRUE(crypto::CreateMasterKeyFile(key_file));
    auto ring = crypto::KeyRing::OpenWithKeyFile(*db_.db, key_file, clock_);
    ASSERT_TRUE(ring) << ring.error().internal;
    ring_ = std::move(*ring);
    log_ = std::make_unique<audit::Log>(db_.db->engine());
    practice_ = std::make_unique<practice::Practice>(*db_.db, *ring_, *log_, clock_);
    schedule_ = std::make_unique<Schedule>(*db_.db, *log_, clock_);
    // As cli's ScheduleModule wires them.
    practice_->AddExtension(
        practice::ClientExtension{.delete_rows = &Schedule::DeleteClientRows,
                                  .archive_rows = &Schedule::CancelFutureOfClient,
                                  .next_appointments = [this](const TherapistScope& w) {
                                    return schedule_->NextAppointments(w);
                                  }});
    for (const store::TenantId tenant : {a_.tenant(), b_.tenant()}) {
      auto tx = db_.db->Begin();
      ASSERT_TRUE(tx);
      const store::Value p[] = {tenant, clock_.Now()};
      ASSERT_TRUE((*tx)->Execute("INSERT INTO tenants (id, created_at) VALUES ($1, $2)", p));
      ASSERT_TRUE((*tx)->Commit());
    }
    client_ = NewClient(a_, "Zorblatt Quixotic");
  }

  std::string NewClient(const TherapistScope& who, const char* name) {
    auto c = practice_->CreateClient(who, PhiString(std::string(name)), {}, kCaller);
    EXPECT_TRUE(c) << (c ? "" : c.error().internal);
    return c ? c->id : "";
  }

  std::vector<std::string> Make(const NewAppointment& a, const TherapistScope* who = nullptr) {
    auto ids = schedule_->Create(who != nullptr ? *who : a_, a, kCaller);
    EXPECT_TRUE(ids) << (ids ? "" : ids.error().internal);
    return ids ? *ids : std::vector<std::string>{};
  }

  NewAppointment At9(Micros start, std::int64_t every = 0, std::int64_t count = 1) {
    return NewAppointment{.client_id = client_,
                          .starts_at = start,
                          .minutes = 50,
                          .kind = Kind::kSession,
                          .every_days = every,
                          .count = count};
  }

  std::vector<Appointment> All() {
    auto l = schedule_->List(a_, At("2026-01-01T00:00:00Z"), At("2027-02-01T00:00:00Z"));
    EXPECT_TRUE(l) << (l ? "" : l.error().internal);
    return l ? *l : std::vector<Appointment>{};
  }

  std::vector<audit::StoredEvent> Events(store::TenantId tenant) {
    auto tx = db_.db->Begin();
    EXPECT_TRUE(tx);
    auto events = audit::ListEvents(**tx, tenant, std::nullopt, 500);
    EXPECT_TRUE(events);
    return events ? std::move(*events) : std::vector<audit::StoredEvent>{};
  }

  testing::TestDb db_;
  testing::TempDir keys_dir_;
  FakeClock clock_{At("2026-12-01T12:00:00Z")};
  std::unique_ptr<crypto::KeyRing> ring_;
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<practice::Practice> practice_;
  std::unique_ptr<Schedule> schedule_;
  const TherapistScope a_ = Therapist(1001, "0123456789abcdef0123456789abcdef");
  const TherapistScope b_ = Therapist(2002, "fedcba9876543210fedcba9876543210");
  std::string client_;
};

TEST_P(ScheduleTest, OneAppointmentIsListedWithTheAliasAndAudited) {
  const auto ids = Make(At9(At("2026-12-02T17:00:00Z")));
  ASSERT_EQ(ids.size(), 1u);
  const auto list = All();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, ids[0]);
  EXPECT_EQ(list[0].alias, "Z.Q.");
  EXPECT_EQ(list[0].client_id, client_);
  EXPECT_EQ(list[0].minutes, 50);
  EXPECT_EQ(list[0].status, AppointmentStatus::kScheduled);
  EXPECT_FALSE(list[0].series_id);
  const auto events = Events(a_.tenant());
  ASSERT_FALSE(events.empty());
  bool found = false;
  for (const auto& s : events) {
    if (s.logged.event.object_type == "appointment") {
      found = true;
      EXPECT_EQ(s.logged.event.action, audit::Action::kRecordCreated);
      EXPECT_EQ(s.logged.event.object_id, ids[0]);
      EXPECT_EQ(s.logged.event.details.entries().at("client"), client_);
    }
  }
  EXPECT_TRUE(found);
}

TEST_P(ScheduleTest, AWeeklySeriesKeepsItsLocalTimeAcrossTheClockChange) {
  ASSERT_TRUE(schedule_->SetZone(a_, "America/Los_Angeles", kCaller));
  // Mondays 9:00 from 2026-10-26 (PDT) to after 2026-11-01 (PST).
  const auto ids = Make(At9(At("2026-10-26T16:00:00Z"), 7, 3));
  ASSERT_EQ(ids.size(), 3u);
  const auto list = All();
  ASSERT_EQ(list.size(), 3u);
  const TimeZone la = *TimeZone::Named("America/Los_Angeles");
  for (const auto& a : list) {
    EXPECT_EQ(la.LocalClock(a.starts_at), "09:00");
    EXPECT_EQ(a.series_id, list[0].series_id);
  }
  EXPECT_TRUE(list[0].series_id);
  EXPECT_EQ(list[1].starts_at, At("2026-11-02T17:00:00Z"));
  EXPECT_EQ(list[2].starts_at - list[1].starts_at, 7 * kDay);
}

TEST_P(ScheduleTest, CancellingTheRestOfASeriesLeavesTheEarlierOnes) {
  const auto ids = Make(At9(At("2026-12-02T17:00:00Z"), 14, 4));
  ASSERT_EQ(ids.size(), 4u);
  auto n = schedule_->Update(
      a_, ids[2], Change{.status = AppointmentStatus::kCancelled, .rest_of_series = true}, kCaller);
  ASSERT_TRUE(n) << n.error().internal;
  EXPECT_EQ(*n, 2);
  const auto list = All();
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].status, AppointmentStatus::kScheduled);
  EXPECT_EQ(list[1].status, AppointmentStatus::kScheduled);
  EXPECT_EQ(list[2].status, AppointmentStatus::kCancelled);
  EXPECT_EQ(list[3].status, AppointmentStatus::kCancelled);
  // One of them alone.
  ASSERT_TRUE(
      schedule_->Update(a_, ids[0], Change{.status = AppointmentStatus::kCancelled}, kCaller));
  EXPECT_EQ(All()[1].status, AppointmentStatus::kScheduled);
}

TEST_P(ScheduleTest, RescheduleMovesOneOrTheRestByTheSameAmount) {
  const auto ids = Make(At9(At("2026-12-02T17:00:00Z"), 7, 3));
  ASSERT_TRUE(schedule_->Update(
      a_, ids[0], Change{.starts_at = At("2026-12-02T18:00:00Z"), .minutes = 30}, kCaller));
  auto first = schedule_->Get(a_, ids[0]);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->starts_at, At("2026-12-02T18:00:00Z"));
  EXPECT_EQ(first->minutes, 30);
  EXPECT_EQ(schedule_->Get(a_, ids[1])->starts_at, At("2026-12-09T17:00:00Z"));
  auto n = schedule_->Update(
      a_, ids[1],
      Change{.starts_at = At("2026-12-10T17:00:00Z"), .kind = Kind::kOther, .rest_of_series = true},
      kCaller);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(schedule_->Get(a_, ids[2])->starts_at, At("2026-12-17T17:00:00Z"));
  EXPECT_EQ(schedule_->Get(a_, ids[2])->kind, Kind::kOther);
  EXPECT_EQ(schedule_->Get(a_, ids[0])->kind, Kind::kSession);
}

TEST_P(ScheduleTest, MovingTheRestOfASeriesAcrossTheClockChangeKeepsTheNewLocalTime) {
  ASSERT_TRUE(schedule_->SetZone(a_, "America/Los_Angeles", kCaller));
  // Mondays 9:00 from 2026-10-19 (PDT); the third and fourth fall after the change (PST).
  const auto ids = Make(At9(At("2026-10-19T16:00:00Z"), 7, 4));
  ASSERT_EQ(ids.size(), 4u);
  // The second (26 Oct, PDT) and the rest move a week and a day on, to Tuesdays 10:00:
  // 3 Nov 10:00 PST is 18:00Z. The move itself crosses the change.
  auto n = schedule_->Update(
      a_, ids[1], Change{.starts_at = At("2026-11-03T18:00:00Z"), .rest_of_series = true},
      kCaller);
  ASSERT_TRUE(n) << n.error().internal;
  EXPECT_EQ(*n, 3);
  const TimeZone la = *TimeZone::Named("America/Los_Angeles");
  EXPECT_EQ(la.LocalClock(schedule_->Get(a_, ids[0])->starts_at), "09:00");
  for (std::size_t i = 1; i < ids.size(); ++i) {
    const Micros t = schedule_->Get(a_, ids[i])->starts_at;
    EXPECT_EQ(la.LocalClock(t), "10:00") << i;
    EXPECT_EQ(la.DayWords(t).substr(0, 3), "Tue") << i;
  }
  // Shifting by the move's length of time would put them at 11:00 local.
  EXPECT_EQ(schedule_->Get(a_, ids[2])->starts_at, At("2026-11-10T18:00:00Z"));
}

TEST_P(ScheduleTest, DeleteOneOrTheRest) {
  const auto ids = Make(At9(At("2026-12-02T17:00:00Z"), 7, 3));
  auto n = schedule_->Delete(a_, ids[1], true, kCaller);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2);
  ASSERT_EQ(All().size(), 1u);
  ASSERT_TRUE(schedule_->Delete(a_, ids[0], false, kCaller));
  EXPECT_TRUE(All().empty());
  auto again = schedule_->Delete(a_, ids[0], false, kCaller);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TEST_P(ScheduleTest, ValuesOutOfRangeAreRefusedNamingTheField) {
  struct Case {
    NewAppointment a;
    const char* field;
  };
  const Micros t = At("2026-12-02T17:00:00Z");
  for (const Case& c :
       {Case{At9(t), ""}, Case{NewAppointment{.client_id = "nope", .starts_at = t}, "client_id"},
        Case{NewAppointment{.client_id = client_, .starts_at = t, .minutes = 4}, "minutes"},
        Case{NewAppointment{.client_id = client_, .starts_at = t, .minutes = 601}, "minutes"},
        Case{NewAppointment{.client_id = client_, .starts_at = 0}, "starts_at"},
        Case{At9(t, 0, 3), "every_days"}, Case{At9(t, 366, 2), "every_days"},
        Case{At9(t, 7, 1), "count"}, Case{At9(t, 7, 105), "count"},
        Case{At9(At("2099-06-01T00:00:00Z"), 30, 20), "count"}}) {
    const auto e = Schedule::Check(c.a);
    if (std::string(c.field).empty()) {
      EXPECT_FALSE(e);
      continue;
    }
    ASSERT_TRUE(e) << c.field;
    EXPECT_EQ(e->field, c.field);
    auto made = schedule_->Create(a_, c.a, kCaller);
    ASSERT_FALSE(made);
    EXPECT_EQ(made.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(All().empty());
  auto range = schedule_->List(a_, t, t);
  ASSERT_FALSE(range);
  EXPECT_EQ(range.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(schedule_->SetZone(a_, "Mars/Olympus", kCaller));
}

TEST_P(ScheduleTest, C20AnotherTenantsAppointmentsAndClientsAreNotFound) {
  const auto ids = Make(At9(At("2026-12-02T17:00:00Z")));
  auto get = schedule_->Get(b_, ids[0]);
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().code, ErrorCode::kNotFound);
  auto upd = schedule_->Update(b_, ids[0], Change{.status = AppointmentStatus::kAttended}, kCaller);
  ASSERT_FALSE(upd);
  EXPECT_EQ(upd.error().code, ErrorCode::kNotFound);
  auto del = schedule_->Delete(b_, ids[0], false, kCaller);
  ASSERT_FALSE(del);
  EXPECT_EQ(del.error().code, ErrorCode::kNotFound);
  // b may not book a's client either.
  NewAppointment theirs = At9(At("2026-12-02T17:00:00Z"));
  auto made = schedule_->Create(b_, theirs, kCaller);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, ErrorCode::kNotFound);
  auto list = schedule_->List(b_, At("2026-01-01T00:00:00Z"), At("2027-01-01T00:00:00Z"));
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
  EXPECT_EQ(schedule_->Get(a_, ids[0])->status, AppointmentStatus::kScheduled);
}

TEST_P(ScheduleTest, DeletingAClientDeletesItsAppointmentsInTheSameTransaction) {
  const std::string other = NewClient(a_, "Other Person");
  Make(At9(At("2026-12-02T17:00:00Z"), 7, 3));
  NewAppointment theirs = At9(At("2026-12-03T17:00:00Z"));
  theirs.client_id = other;
  Make(theirs);
  ASSERT_EQ(All().size(), 4u);
  ASSERT_TRUE(practice_->DeleteClient(a_, client_, kCaller));
  const auto left = All();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].client_id, other);
  auto tx = db_.db->BeginTenant(a_.tenant());
  ASSERT_TRUE(tx);
  const store::Value p[] = {a_.tenant(), client_};
  auto rows = (*tx)->Query(
      "SELECT COUNT(*) FROM appointments WHERE tenant_id = $1 AND "
      "client_id = $2",
      p);
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->front().Int(0), 0);
}

// Discharging (archiving) a client cancels what was booked for their future, in the same
// transaction; the past and other clients' appointments stay as they were.
TEST_P(ScheduleTest, ArchivingAClientCancelsItsFutureAppointments) {
  const std::string other = NewClient(a_, "Other Person");
  const auto past = Make(At9(At("2026-11-30T17:00:00Z")));  // before the clock's now
  const auto future = Make(At9(At("2026-12-02T17:00:00Z"), 7, 3));
  NewAppointment theirs = At9(At("2026-12-03T17:00:00Z"));
  theirs.client_id = other;
  const auto others = Make(theirs);
  ASSERT_TRUE(practice_->UpdateClient(a_, client_, nullptr, {},
                                      practice::ClientStatus::kArchived, kCaller));
  EXPECT_EQ(schedule_->Get(a_, past[0])->status, AppointmentStatus::kScheduled);
  for (const auto& id : future) {
    EXPECT_EQ(schedule_->Get(a_, id)->status, AppointmentStatus::kCancelled) << id;
  }
  EXPECT_EQ(schedule_->Get(a_, others[0])->status, AppointmentStatus::kScheduled);
  // The audit event of the change counts them (ids and counts only, C40).
  bool counted = false;
  for (const auto& e : Events(a_.tenant())) {
    if (e.logged.event.object_type == "client" &&
        e.logged.event.action == audit::Action::kRecordUpdated) {
      counted = counted || e.logged.event.details.entries().contains("appointments_cancelled");
    }
  }
  EXPECT_TRUE(counted);
  // Making them active again books nothing back (the therapist books anew).
  ASSERT_TRUE(practice_->UpdateClient(a_, client_, nullptr, {}, practice::ClientStatus::kActive,
                                      kCaller));
  EXPECT_EQ(schedule_->Get(a_, future[0])->status, AppointmentStatus::kCancelled);
}

TEST_P(ScheduleTest, ClientListShowsTheNextScheduledAppointment) {
  const std::string other = NewClient(a_, "Other Person");
  Make(At9(At("2026-11-30T17:00:00Z")));  // past
  const auto ids = Make(At9(At("2026-12-03T17:00:00Z"), 7, 2));
  ASSERT_TRUE(
      schedule_->Update(a_, ids[0], Change{.status = AppointmentStatus::kCancelled}, kCaller));
  auto list = practice_->ListClients(a_);
  ASSERT_TRUE(list);
  for (const auto& c : *list) {
    if (c.id == client_) {
      EXPECT_EQ(c.next_appointment, At("2026-12-10T17:00:00Z"));
    } else {
      EXPECT_EQ(c.id, other);
      EXPECT_FALSE(c.next_appointment);
    }
  }
}

TEST_P(ScheduleTest, TodayShowsTodaysSessionsNotesToWriteSummariesAndFirstSteps) {
  auto fresh = schedule_->Today(b_);
  ASSERT_TRUE(fresh);
  EXPECT_FALSE(fresh->has_clients);
  EXPECT_FALSE(fresh->has_appointments);
  EXPECT_FALSE(fresh->time_zone_set);

  ASSERT_TRUE(schedule_->SetZone(a_, "America/Los_Angeles", kCaller));
  clock_.Set(At("2026-12-01T20:00:00Z"));  // Tue 1 Dec, 12:00 PM in Los Angeles
  const std::string other = NewClient(a_, "Other Person");
  // Today (local): 9:00 and 17:00 (01:00Z the next UTC day); yesterday and 20 days ago.
  const auto today9 = Make(At9(At("2026-12-01T17:00:00Z")))[0];
  const auto today17 = Make(At9(At("2026-12-02T01:00:00Z")))[0];
  const auto yesterday = Make(At9(At("2026-11-30T17:00:00Z")))[0];
  NewAppointment o = At9(At("2026-11-29T17:00:00Z"));
  o.client_id = other;
  const auto written = Make(o)[0];
  const auto old = Make(At9(At("2026-11-11T17:00:00Z")))[0];
  for (const auto& id : {yesterday, written, old}) {
    ASSERT_TRUE(schedule_->Update(a_, id, Change{.status = AppointmentStatus::kAttended}, kCaller));
  }
  practice::Sections free;
  free.emplace_back("text", PhiString(std::string("marker-note")));
  ASSERT_TRUE(practice_->CreateNote(a_, other, "2026-11-29", practice::NoteFormat::kFree,
                                    std::move(free), kCaller));
  ASSERT_TRUE(practice_->CreateSummary(a_, other, PhiString(std::string("marker-summary")),
                                       std::nullopt, kCaller));
  auto view = schedule_->Today(a_);
  ASSERT_TRUE(view) << view.error().internal;
  EXPECT_EQ(view->date, "2026-12-01");
  ASSERT_EQ(view->today.size(), 2u);
  EXPECT_EQ(view->today[0].id, today9);
  EXPECT_EQ(view->today[1].id, today17);
  ASSERT_EQ(view->unwritten.size(), 1u);
  EXPECT_EQ(view->unwritten[0].id, yesterday);
  ASSERT_EQ(view->summaries.size(), 1u);
  EXPECT_EQ(view->summaries[0].alias, "O.P.");
  EXPECT_TRUE(view->has_clients);
  EXPECT_TRUE(view->has_appointments);
  EXPECT_TRUE(view->time_zone_set);
}

TEST_P(ScheduleTest, C01C50NoNameInTheScheduleTablesOrItsAuditEvents) {
  ASSERT_TRUE(schedule_->SetZone(a_, "Europe/Berlin", kCaller));
  const auto ids = Make(At9(At("2026-12-02T17:00:00Z"), 7, 3));
  ASSERT_TRUE(
      schedule_->Update(a_, ids[1], Change{.minutes = 30, .rest_of_series = true}, kCaller));
  ASSERT_TRUE(schedule_->Delete(a_, ids[2], false, kCaller));
  auto tx = db_.db->BeginTenant(a_.tenant());
  ASSERT_TRUE(tx);
  std::string all;
  for (const char* sql : {"SELECT id, client_id, series_id, starts_at, minutes, kind, status, "
                          "created_at, updated_at FROM appointments",
                          "SELECT tenant_id, time_zone, updated_at FROM schedule_settings"}) {
    auto rows = (*tx)->Query(sql);
    ASSERT_TRUE(rows) << rows.error().internal;
    for (const auto& r : *rows) {
      for (std::size_t i = 0; i < r.size(); ++i) {
        all += r.IsNull(i)                                    ? ""
               : std::holds_alternative<std::string>(r.at(i)) ? r.Text(i)
                                                              : std::to_string(r.Int(i));
        all += '|';
      }
    }
  }
  (*tx).reset();
  EXPECT_NE(all.find(client_), std::string::npos);  // the scan saw the rows
  for (const auto& s : Events(a_.tenant())) {
    all += s.logged.event.object_type + "|" + s.logged.event.object_id + "|";
    for (const auto& [k, v] : s.logged.event.details.entries()) {
      all += k + "=" + v + "|";
    }
  }
  EXPECT_NE(all.find("appointment"), std::string::npos);
  for (const char* name : {"Zorblatt", "Quixotic", "zorblatt", "ZORBLATT"}) {
    EXPECT_EQ(all.find(name), std::string::npos) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, ScheduleTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::schedule
