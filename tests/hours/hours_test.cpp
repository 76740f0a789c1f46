// The hours service (issue #14; docs/hours.md) on both engines: profile, settings and
// session logs (CRUD), names as initials only (C50), the session table's columns (C51),
// one audit event per change with ids only (C40), another tenant's ids (C20), bad input.
#include <gtest/gtest.h>

#include <set>

#include "hours/hours.hpp"
#include "hours_fixture.hpp"

namespace alcove::hours {
namespace {

using HoursTest = HoursFixture;

TEST_P(HoursTest, ProfileSettingsAndSessionsCreateReadChangeDelete) {
  // Without a profile the account has no hours: everything but the profile refuses.
  auto none = hours_->GetProfile(a_);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(RefusalIn(hours_->ListSettings(a_)), "no_profile");
  EXPECT_EQ(RefusalIn(hours_->AddSetting(a_, NewSetting{.name = "X"}, kHoursCaller)), "no_profile");
  EXPECT_EQ(RefusalIn(hours_->ListSessions(a_, Ymd(2026, 1, 1), Ymd(2026, 12, 1))), "no_profile");
  EXPECT_EQ(RefusalIn(hours_->ListWeeks(a_, Ymd(2026, 1, 1), Ymd(2026, 12, 1))), "no_profile");
  EXPECT_EQ(RefusalIn(hours_->GetSummary(a_)), "no_profile");

  const Profile profile{.track = Track::kApcc,
                        .degree_date = Ymd(2025, 5, 20),
                        .registration_date = Ymd(2025, 8, 1),
                        .registration_number = "APCC 12345",
                        .application_date = Ymd(2028, 1, 1)};
  ASSERT_TRUE(hours_->SetProfile(a_, profile, kHoursCaller));
  auto got = hours_->GetProfile(a_);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->track, Track::kApcc);
  EXPECT_EQ((*got)->degree_date, Ymd(2025, 5, 20));
  EXPECT_EQ((*got)->registration_date, Ymd(2025, 8, 1));
  EXPECT_EQ((*got)->registration_number, "APCC 12345");
  EXPECT_EQ((*got)->application_date, Ymd(2028, 1, 1));
  // A second save changes it in place (and keeps its comment key: one key).
  ASSERT_TRUE(hours_->SetProfile(
      a_, Profile{.track = Track::kAmft, .degree_date = Ymd(2025, 6, 1)}, kHoursCaller));
  EXPECT_EQ((*hours_->GetProfile(a_))->track, Track::kAmft);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM data_keys WHERE tenant_id = $1 AND purpose = "
                  "'hours-comment'",
                  a_.tenant()),
            1);

  // Settings.
  const std::string valley = Setting(a_, "Valley Clinic");
  auto hill = hours_->AddSetting(
      a_, NewSetting{.name = "Hill Agency", .exempt = true, .supervisor_license = SupervisorLicense::kLcsw},
      kHoursCaller);
  ASSERT_TRUE(hill);
  auto list = hours_->ListSettings(a_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "Hill Agency");  // by name
  EXPECT_TRUE((*list)[0].exempt);
  EXPECT_EQ((*list)[0].supervisor_license, SupervisorLicense::kLcsw);
  auto dup = hours_->AddSetting(a_, NewSetting{.name = "Valley Clinic"}, kHoursCaller);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  ASSERT_TRUE(hours_->UpdateSetting(a_, *hill, NewSetting{.name = "Hill House"}, kHoursCaller));
  EXPECT_EQ(hours_->GetSetting(a_, *hill)->name, "Hill House");
  EXPECT_FALSE(hours_->GetSetting(a_, *hill)->exempt);

  // Sessions.
  NewSession s = Session(Ymd(2026, 11, 30), 50, Category::kIndividual, valley, "Ann Bee");
  s.telehealth = true;
  const SessionLog log = Log(a_, s);
  EXPECT_EQ(log.alias, "A.B.");
  EXPECT_EQ(log.date, Ymd(2026, 11, 30));
  EXPECT_EQ(log.minutes, 50);
  EXPECT_TRUE(log.telehealth);
  EXPECT_FALSE(log.pre_degree);  // after the degree date
  const SessionLog early = Log(a_, Session(Ymd(2025, 3, 3), 60, Category::kGroup, valley));
  EXPECT_TRUE(early.pre_degree);  // derived from the degree date
  NewSession forced = Session(Ymd(2025, 3, 4), 30, Category::kIndividual, valley);
  forced.pre_degree = false;
  EXPECT_FALSE(Log(a_, forced).pre_degree);  // given: kept

  auto read = hours_->GetSession(a_, log.id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->alias, "A.B.");
  EXPECT_EQ(read->setting_id, valley);
  auto range = hours_->ListSessions(a_, Ymd(2026, 11, 1), Ymd(2026, 12, 2));
  ASSERT_TRUE(range);
  ASSERT_EQ(range->size(), 1u);
  EXPECT_EQ(range->front().id, log.id);
  EXPECT_EQ(hours_->ListSessions(a_, Ymd(2025, 1, 1), Ymd(2026, 12, 2))->size(), 3u);
  EXPECT_EQ(hours_->ListSessions(a_, Ymd(2020, 1, 1), Ymd(2026, 12, 2)).error().code,
            ErrorCode::kInvalidArgument);  // over 3 years

  SessionChange change;
  change.minutes = 45;
  change.category = Category::kSupervisionIndividual;
  change.video = true;
  change.setting_id = *hill;
  auto changed = hours_->UpdateSession(a_, log.id, change, kHoursCaller);
  ASSERT_TRUE(changed) << changed.error().internal;
  EXPECT_EQ(changed->minutes, 45);
  EXPECT_EQ(changed->category, Category::kSupervisionIndividual);
  EXPECT_TRUE(changed->video);
  EXPECT_EQ(changed->setting_id, *hill);
  EXPECT_EQ(changed->alias, "A.B.");
  EXPECT_EQ(hours_->GetSession(a_, log.id)->minutes, 45);
  // Leaving supervision drops the video flag that only fits it.
  SessionChange back;
  back.category = Category::kIndividual;
  EXPECT_FALSE(hours_->UpdateSession(a_, log.id, back, kHoursCaller)->video);

  // A setting with sessions stays; an empty one goes.
  EXPECT_EQ(RefusalIn(hours_->DeleteSetting(a_, *hill, kHoursCaller)),
            "setting_in_use");
  ASSERT_TRUE(hours_->DeleteSession(a_, log.id, false, kHoursCaller));
  EXPECT_EQ(hours_->GetSession(a_, log.id).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(hours_->DeleteSetting(a_, *hill, kHoursCaller));
  EXPECT_EQ(hours_->ListSettings(a_)->size(), 1u);

  // The summary runs the track's rules over everything.
  auto summary = hours_->GetSummary(a_);
  ASSERT_TRUE(summary) << summary.error().internal;
  EXPECT_EQ(summary->profile.track, Track::kAmft);
  EXPECT_EQ(summary->progress.logged_minutes, 90);
  EXPECT_EQ(summary->progress.rules_id, "ca-bbs/amft");
  EXPECT_FALSE(summary->progress.bars.empty());
}

TEST_P(HoursTest, ProfileValuesOutOfRangeAreRefused) {
  struct Case {
    Profile profile;
    std::string words;
  };
  std::vector<Case> cases(4);
  for (auto& c : cases) {
    c.profile.track = Track::kAmft;
    c.profile.degree_date = Ymd(2025, 6, 1);
  }
  cases[0].profile.degree_date = Ymd(2026, 12, 3);
  cases[0].words = "cannot be in the future";
  cases[1].profile.registration_date = Ymd(2025, 5, 1);
  cases[1].words = "registration date cannot be before";
  cases[2].profile.registration_number = "AMFT#1";
  cases[2].words = "registration number";
  cases[3].profile.registration_number = std::string(33, '1');
  cases[3].words = "at most 32";
  for (const auto& c : cases) {
    auto st = hours_->SetProfile(a_, c.profile, kHoursCaller);
    ASSERT_FALSE(st) << c.words;
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(st.error().public_message.find(c.words), std::string::npos)
        << st.error().public_message;
  }
  EXPECT_FALSE(hours_->GetProfile(a_)->has_value());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM data_keys WHERE tenant_id = $1", a_.tenant()), 0);
}

TEST_P(HoursTest, C50ATypedNameBecomesInitialsAndAPickedClientsAliasIsCopied) {
  const std::string valley = Associate(a_);
  const Day day = Ymd(2026, 11, 30);
  EXPECT_EQ(Log(a_, Session(day, 50, Category::kIndividual, valley, "John Doe")).alias, "J.D.");
  EXPECT_EQ(Log(a_, Session(day, 50, Category::kIndividual, valley, "Johanna Doeberg")).alias,
            "J.D.");
  EXPECT_EQ(Log(a_, Session(day, 50, Category::kIndividual, valley, "J.D.")).alias, "J.D.");
  EXPECT_EQ(Log(a_, Session(day, 50, Category::kIndividual, valley, "j. d.")).alias, "J.D.");
  EXPECT_EQ(Log(a_, Session(day, 50, Category::kIndividual, valley, "Cher")).alias, "C.");
  EXPECT_EQ(Log(a_, Session(day, 50, Category::kIndividual, valley, "Émile Zola")).alias, "É.Z.");
  EXPECT_EQ(Log(a_, Session(day, 60, Category::kSupervisionIndividual, valley)).alias, "");

  // A picked client: its alias is copied, and stays when the client is renamed.
  const std::string client = NewClient(a_, "Zorblatt Quixotic");
  NewSession pick = Session(day, 50, Category::kCouplesFamilyChildren, valley);
  pick.client_id = client;
  const SessionLog picked = Log(a_, pick);
  EXPECT_EQ(picked.alias, "Z.Q.");
  // A second client with the same initials: the practice's alias, ordinal and all.
  NewSession second = Session(day, 50, Category::kIndividual, valley);
  second.client_id = NewClient(a_, "Zed Quill");
  EXPECT_EQ(Log(a_, second).alias, "Z.Q. \xC2\xB7 2");
  const PhiString rename(std::string("Wobble Ignatius"));
  ASSERT_TRUE(practice_->UpdateClient(a_, client, &rename, {}, std::nullopt, kHoursCaller));
  EXPECT_EQ(hours_->GetSession(a_, picked.id)->alias, "Z.Q.");

  // Changing the client: a typed name, a pick, or none.
  SessionChange to_name;
  to_name.client_name = PhiString(std::string("Mary-Jane van der Berg"));
  EXPECT_EQ(hours_->UpdateSession(a_, picked.id, to_name, kHoursCaller)->alias, "M.B.");
  SessionChange to_pick;
  to_pick.client_id = client;
  EXPECT_EQ(hours_->UpdateSession(a_, picked.id, to_pick, kHoursCaller)->alias, "W.I.");
  SessionChange to_none;
  to_none.client_name = PhiString(std::string());
  EXPECT_EQ(hours_->UpdateSession(a_, picked.id, to_none, kHoursCaller)->alias, "");

  // Another tenant's client is not found; a name and a pick at once, or a name without
  // letters, are refused without repeating the name.
  NewSession foreign = Session(day, 50, Category::kIndividual, valley);
  foreign.client_id = NewClient(b_, "Other Person");
  EXPECT_EQ(hours_->AddSession(a_, foreign, kHoursCaller).error().code, ErrorCode::kNotFound);
  NewSession both = Session(day, 50, Category::kIndividual, valley, "Ann Bee");
  both.client_id = client;
  EXPECT_EQ(hours_->AddSession(a_, both, kHoursCaller).error().code, ErrorCode::kInvalidArgument);
  auto digits = hours_->AddSession(a_, Session(day, 50, Category::kIndividual, valley, "12345"),
                                   kHoursCaller);
  ASSERT_FALSE(digits);
  EXPECT_EQ(digits.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(digits.error().public_message.find("12345"), std::string::npos);

  // Whatever was typed, no column holds more than initials.
  auto tx = db_.db->BeginTenant(a_.tenant());
  ASSERT_TRUE(tx);
  const store::Value p[] = {a_.tenant()};
  auto aliases = (*tx)->Query("SELECT DISTINCT alias FROM session_logs WHERE tenant_id = $1", p);
  ASSERT_TRUE(aliases);
  std::set<std::string> found;
  for (const auto& r : *aliases) {
    found.insert(r.Text(0));
  }
  EXPECT_EQ(found, (std::set<std::string>{"", "J.D.", "C.", "É.Z.", "Z.Q. \xC2\xB7 2"}));
}

TEST_P(HoursTest, C50C51TheTableRefusesANameWhereTheAliasGoes) {
  const std::string valley = Associate(a_);
  for (const std::string alias : {"Johanna Doeberg", "Johanna", "J. Doeberg.", "JD"}) {
    auto tx = db_.db->BeginTenant(a_.tenant());
    ASSERT_TRUE(tx);
    const store::Value p[] = {std::string(32, 'a'), a_.tenant(), valley, alias};
    auto st = (*tx)->Execute(
        "INSERT INTO session_logs (id, tenant_id, setting_id, date, minutes, category, video, "
        "group_size, telehealth, pre_degree, alias, created_at, updated_at) VALUES "
        "($1, $2, $3, '2026-11-30', 50, 'individual', 0, NULL, 0, 0, $4, 1, 1)",
        p);
    EXPECT_FALSE(st) << alias << " was stored";
  }
}

// C51: the session table has the listed columns and no other, as each engine's own
// schema says.
TEST_P(HoursTest, C51SessionTableHoldsOnlyTheListedColumns) {
  auto tx = db_.db->Begin();
  ASSERT_TRUE(tx);
  auto rows = GetParam() == TestEngine::kSqlite
                  ? (*tx)->Query("SELECT name FROM pragma_table_info('session_logs')", {})
                  : (*tx)->Query("SELECT column_name FROM information_schema.columns WHERE "
                                 "table_schema = current_schema() AND table_name = 'session_logs'",
                                 {});
  ASSERT_TRUE(rows) << rows.error().internal;
  std::set<std::string> columns;
  for (const auto& r : *rows) {
    columns.insert(r.Text(0));
  }
  EXPECT_EQ(columns, (std::set<std::string>{"id", "tenant_id", "setting_id", "date", "minutes",
                                             "category", "video", "group_size", "telehealth",
                                             "pre_degree", "alias", "created_at", "updated_at"}));
}

// C40: each create, edit and delete of a session log, each status change of a weekly log
// and each change of the profile and settings is one event, with ids, tokens and counts
// only; a week grid is one event per session.
TEST_P(HoursTest, C40EachChangeIsOneEventWithIdsOnly) {
  const std::string valley = Associate(a_);
  auto before = Events(a_.tenant()).size();
  auto expect_one = [&](audit::Action action, const std::string& type, const std::string& id) {
    const auto events = Events(a_.tenant());
    ASSERT_EQ(events.size(), before + 1) << audit::ActionName(action);
    const audit::Event& e = events.front();
    EXPECT_EQ(e.action, action);
    EXPECT_EQ(e.object_type, type);
    EXPECT_EQ(e.object_id, id);
    EXPECT_EQ(e.actor.text(), "account:" + a_.account_id());
    EXPECT_EQ(e.client_ip, "192.0.2.40");
    before = events.size();
  };
  const SessionLog log =
      Log(a_, Session(Ymd(2026, 11, 30), 50, Category::kIndividual, valley, "Johanna Doeberg"));
  expect_one(audit::Action::kSessionLogCreated, "session_log", log.id);
  const WeeklyLog week = WeekOf(a_, valley, log.date);
  {
    const audit::Event e = Events(a_.tenant()).front();
    EXPECT_EQ(e.details.entries().at("setting"), valley);
    EXPECT_EQ(e.details.entries().at("weekly_log"), week.id);
    EXPECT_EQ(e.details.entries().size(), 2u);
  }
  SessionChange c;
  c.minutes = 55;
  c.client_name = PhiString(std::string("Johanna Doeberg"));
  ASSERT_TRUE(hours_->UpdateSession(a_, log.id, c, kHoursCaller));
  expect_one(audit::Action::kSessionLogEdited, "session_log", log.id);

  ASSERT_TRUE(hours_->SubmitWeek(a_, week.id, std::nullopt, kHoursCaller));
  expect_one(audit::Action::kWeeklyLogStatusChanged, "weekly_log", week.id);
  EXPECT_EQ(Events(a_.tenant()).front().details.entries(),
            (std::map<std::string, std::string, std::less<>>{{"from", "draft"},
                                                             {"to", "submitted"}}));
  ASSERT_TRUE(hours_->WithdrawWeek(a_, week.id, kHoursCaller));
  expect_one(audit::Action::kWeeklyLogStatusChanged, "weekly_log", week.id);
  EXPECT_EQ(Events(a_.tenant()).front().details.entries().at("to"), "draft");

  ASSERT_TRUE(hours_->DeleteSession(a_, log.id, false, kHoursCaller));
  expect_one(audit::Action::kSessionLogDeleted, "session_log", log.id);

  // The week grid: three sessions, three events, in one transaction.
  std::vector<NewSession> grid;
  for (unsigned d = 23; d <= 25; ++d) {
    grid.push_back(Session(Ymd(2026, 11, d), 50, Category::kIndividual, valley, "Ann Bee"));
  }
  auto logs = hours_->AddSessions(a_, grid, kHoursCaller);
  ASSERT_TRUE(logs) << logs.error().internal;
  const auto events = Events(a_.tenant());
  ASSERT_EQ(events.size(), before + 3);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i].action, audit::Action::kSessionLogCreated);
    ids.insert(events[i].object_id);
  }
  EXPECT_EQ(ids, (std::set<std::string>{(*logs)[0].id, (*logs)[1].id, (*logs)[2].id}));
  before = events.size();

  // Profile and settings.
  ASSERT_TRUE(hours_->SetProfile(
      a_, Profile{.track = Track::kAmft, .degree_date = Ymd(2025, 6, 2)}, kHoursCaller));
  expect_one(audit::Action::kRecordUpdated, "hours_profile", a_.account_id());
  const std::string hill = Setting(a_, "Hill House");
  expect_one(audit::Action::kRecordCreated, "hours_setting", hill);
  ASSERT_TRUE(hours_->UpdateSetting(a_, hill, NewSetting{.name = "Hill Home"}, kHoursCaller));
  expect_one(audit::Action::kRecordUpdated, "hours_setting", hill);
  ASSERT_TRUE(hours_->DeleteSetting(a_, hill, kHoursCaller));
  expect_one(audit::Action::kRecordDeleted, "hours_setting", hill);

  // Reads are not changes: no event.
  ASSERT_TRUE(hours_->GetSummary(a_));
  ASSERT_TRUE(hours_->ListWeeks(a_, Ymd(2026, 11, 1), Ymd(2026, 12, 1)));
  EXPECT_EQ(Events(a_.tenant()).size(), before);

  // No event holds anything of the name: every value is an id, a token or a count.
  for (const auto& e : Events(a_.tenant())) {
    for (const auto& [key, value] : e.details.entries()) {
      EXPECT_EQ(value.find("Doeberg"), std::string::npos);
      EXPECT_EQ(value.find("J.D."), std::string::npos) << "not even the alias";
    }
  }
}

// C20: every method with another tenant's ids answers kNotFound, like a missing id, and
// changes nothing.
TEST_P(HoursTest, C20AnotherTenantsIdsAreNotFound) {
  const std::string valley = Associate(a_);
  const SessionLog log = Log(a_, Session(Ymd(2026, 11, 30), 50, Category::kIndividual, valley));
  const WeeklyLog week = WeekOf(a_, valley, log.date);
  const std::string b_setting = Associate(b_);
  const auto sessions = Sessions(a_.tenant());
  const auto events = Events(a_.tenant()).size();
  auto not_found = [](const auto& r, const char* what) {
    ASSERT_FALSE(r) << what;
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << what;
  };
  not_found(hours_->GetSetting(b_, valley), "GetSetting");
  not_found(hours_->UpdateSetting(b_, valley, NewSetting{.name = "Mine"}, kHoursCaller),
            "UpdateSetting");
  not_found(hours_->DeleteSetting(b_, valley, kHoursCaller), "DeleteSetting");
  not_found(hours_->GetSession(b_, log.id), "GetSession");
  SessionChange c;
  c.minutes = 10;
  not_found(hours_->UpdateSession(b_, log.id, c, kHoursCaller), "UpdateSession");
  not_found(hours_->DeleteSession(b_, log.id, true, kHoursCaller), "DeleteSession");
  not_found(hours_->GetWeek(b_, week.id), "GetWeek");
  not_found(hours_->SubmitWeek(b_, week.id, std::nullopt, kHoursCaller), "SubmitWeek");
  not_found(hours_->WithdrawWeek(b_, week.id, kHoursCaller), "WithdrawWeek");
  not_found(hours_->ReturnComment(b_, week.id), "ReturnComment");
  not_found(hours_->AddSession(b_, Session(Ymd(2026, 11, 30), 50, Category::kIndividual, valley),
                               kHoursCaller),
            "AddSession into A's setting");
  SessionChange move;
  move.setting_id = b_setting;
  not_found(hours_->UpdateSession(a_, log.id, move, kHoursCaller), "moving into B's setting");
  {
    auto tx = db_.db->BeginTenant(b_.tenant());
    ASSERT_TRUE(tx);
    not_found(Hours::MarkSigned(**tx, b_.tenant(), week.id, week.content_sha256, clock_.Now()),
              "MarkSigned");
  }
  // Malformed ids are the same.
  not_found(hours_->GetSession(a_, "../x"), "malformed id");
  not_found(hours_->GetWeek(a_, std::string(32, 'G')), "malformed id");
  EXPECT_TRUE(hours_->ListSessions(b_, Ymd(2026, 1, 1), Ymd(2026, 12, 2))->empty());
  EXPECT_TRUE(hours_->ListWeeks(b_, Ymd(2026, 1, 1), Ymd(2026, 12, 2))->empty());
  EXPECT_EQ(Sessions(a_.tenant()), sessions);
  EXPECT_EQ(hours_->GetSession(a_, log.id)->minutes, 50);
  EXPECT_EQ(hours_->GetWeek(a_, week.id)->status, WeekStatus::kDraft);
  EXPECT_EQ(Events(a_.tenant()).size(), events);
}

TEST_P(HoursTest, ValuesOutOfRangeAreRefusedNamingTheFieldAndNothingIsWritten) {
  const std::string valley = Associate(a_);
  const Day day = Ymd(2026, 11, 30);
  struct Case {
    NewSession s;
    std::string field;
    std::string words;
  };
  std::vector<Case> cases;
  cases.push_back({Session(day, 0, Category::kIndividual, valley), "minutes", "1 to 1,440"});
  cases.push_back({Session(day, 1441, Category::kIndividual, valley), "minutes", "1 to 1,440"});
  cases.push_back({Session(Ymd(2026, 12, 3), 50, Category::kIndividual, valley), "date",
                   "cannot be after today"});
  cases.push_back({Session(Ymd(1999, 12, 31), 50, Category::kIndividual, valley), "date",
                   "2000 or later"});
  cases.push_back({Session(day, 50, Category::kIndividual, ""), "setting_id", "work setting"});
  {
    NewSession g = Session(day, 50, Category::kIndividual, valley);
    g.group_size = 4;
    cases.push_back({std::move(g), "group_size", "only for group supervision"});
  }
  {
    NewSession g = Session(day, 120, Category::kSupervisionGroup, valley);
    g.group_size = 100;
    cases.push_back({std::move(g), "group_size", "1 to 99"});
  }
  {
    NewSession v = Session(day, 50, Category::kGroup, valley);
    v.video = true;
    cases.push_back({std::move(v), "video", "only for supervision"});
  }
  for (const Case& c : cases) {
    const auto e = Hours::CheckSession(c.s, Ymd(2026, 12, 2));
    ASSERT_TRUE(e) << c.field;
    EXPECT_EQ(e->field, c.field);
    auto r = hours_->AddSession(a_, c.s, kHoursCaller);
    ASSERT_FALSE(r) << c.field;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << c.field;
    EXPECT_NE(r.error().public_message.find(c.words), std::string::npos)
        << r.error().public_message;
  }
  auto unknown = hours_->AddSession(
      a_, Session(day, 50, Category::kIndividual, std::string(32, 'f')), kHoursCaller);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  // Today is fine; so is a group of 8 with its size.
  NewSession ok = Session(Ymd(2026, 12, 2), 120, Category::kSupervisionGroup, valley);
  ok.group_size = 8;
  ok.video = true;
  EXPECT_TRUE(hours_->AddSession(a_, ok, kHoursCaller));
  EXPECT_EQ(Sessions(a_.tenant()), 1);
  EXPECT_EQ(Weeks(a_.tenant()), 1);

  SessionChange bad;
  bad.minutes = 2000;
  const auto id = hours_->ListSessions(a_, Ymd(2026, 12, 2), Ymd(2026, 12, 2))->front().id;
  EXPECT_EQ(hours_->UpdateSession(a_, id, bad, kHoursCaller).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(hours_->GetSession(a_, id)->minutes, 120);
  auto setting = hours_->AddSetting(a_, NewSetting{.name = std::string(121, 'x')}, kHoursCaller);
  EXPECT_EQ(setting.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(hours_->AddSetting(a_, NewSetting{.name = "Line\nbreak"}, kHoursCaller).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(hours_->AddSetting(a_, NewSetting{.name = "   "}, kHoursCaller).error().code,
            ErrorCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Engines, HoursTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::hours
