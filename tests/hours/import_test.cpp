// The CSV import of supervised hours (issue #14; docs/hours-import.md) on both engines:
// staging sealed under a key of its own (C52), expiry at 15 minutes by the read-time
// check and by the sweeper, confirmation in one transaction, cancellation, another
// tenant's import (C20), start and completion audited with counts only (C40), names as
// initials only (C50).
#include <gtest/gtest.h>

#include <filesystem>

#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "hours/hours.hpp"
#include "hours_fixture.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace alcove::hours {
namespace {

using crypto::PhiString;
using identity::Caller;
using identity::Principal;
using identity::TherapistScope;
using testing::TestEngine;

const Caller kCaller{.ip = "192.0.2.30", .user_agent = "ImportTest/1.0"};
constexpr Micros kMinute = 60 * kMicrosPerSecond;

Day D(int y, unsigned m, unsigned d) { return Ymd(y, m, d); }

// Two clients' names, a new work setting, and days found nowhere else in the database.
const std::string kFile =
    "Session Date,Duration (min),Type,Client,Site\r\n"
    "2026-03-02,50,Individual,Xylophon Wurzelbaum,Quarzwerk Clinic\r\n"
    "03/03/2026,1:30,Group Supervision,,Quarzwerk Clinic\r\n"
    "2026-03-04,45,Couples/Family,\"Wurzelbaum, Yolanda\",\r\n";

class ImportTest : public HoursFixture {
 protected:
  void SetUp() override {
    HoursFixture::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    valley_ = Associate(a_);
    ASSERT_TRUE(hours_->SetProfile(
        b_, Profile{.track = Track::kAmft, .degree_date = Ymd(2025, 6, 1)}, kCaller));
  }

  ImportPreview Start(const std::string& csv, const ColumnMapping& mapping = {},
                      std::optional<std::string> setting = std::nullopt,
                      const TherapistScope* who = nullptr) {
    auto p = hours_->StartImport(who != nullptr ? *who : a_, PhiString(std::string(csv)),
                                 mapping, setting.value_or(valley_), kCaller);
    EXPECT_TRUE(p) << (p ? "" : p.error().internal + " / " + p.error().public_message);
    return p ? std::move(*p) : ImportPreview{};
  }

  std::int64_t Staged(store::TenantId tenant) {
    return Count("SELECT COUNT(*) FROM hours_imports WHERE tenant_id = $1", tenant);
  }
  std::int64_t ImportKeys(store::TenantId tenant) {
    return Count("SELECT COUNT(*) FROM data_keys WHERE tenant_id = $1 AND purpose = "
                 "'hours-import'",
                 tenant);
  }

  std::vector<audit::Event> EventsOf(store::TenantId tenant, audit::Action action) {
    std::vector<audit::Event> out;
    for (const auto& e : StoredEvents(tenant)) {
      if (e.logged.event.action == action) {
        out.push_back(e.logged.event);
      }
    }
    return out;
  }

  std::string valley_;
};

TEST_P(ImportTest, C40C50StartStagesAPreviewAuditedWithCountsOnly) {
  const ImportPreview p = Start(kFile);
  ASSERT_EQ(p.id.size(), 32u);
  EXPECT_TRUE(p.missing.empty());
  ASSERT_EQ(p.rows.size(), 3u);
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.rows[0].alias, "X.W.");
  EXPECT_EQ(p.rows[0].setting, "Quarzwerk Clinic");
  EXPECT_EQ(p.rows[1].minutes, 90);
  EXPECT_EQ(p.rows[2].alias, "W.Y.");
  EXPECT_EQ(p.rows[2].setting, "");  // the default setting
  EXPECT_EQ(p.new_settings, std::vector<std::string>{"Quarzwerk Clinic"});
  EXPECT_EQ(p.expires_at, clock_.Now() + 15 * kMinute);
  EXPECT_EQ(p.mapping.at("setting"), "Site");
  EXPECT_EQ(Staged(a_.tenant()), 1);
  EXPECT_EQ(ImportKeys(a_.tenant()), 1);

  const auto started = EventsOf(a_.tenant(), audit::Action::kCsvImportStarted);
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0].object_type, "csv_import");
  EXPECT_EQ(started[0].object_id, p.id);
  const auto& d = started[0].details.entries();
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.at("rows"), "3");
  EXPECT_EQ(d.at("errors"), "0");
  EXPECT_EQ(d.at("new_settings"), "1");

  // Read back through the key: the same preview.
  auto again = hours_->GetImport(a_, p.id);
  ASSERT_TRUE(again) << again.error().internal;
  ASSERT_EQ(again->rows.size(), 3u);
  EXPECT_EQ(again->rows[2].alias, "W.Y.");
  EXPECT_EQ(again->new_settings, p.new_settings);
  EXPECT_EQ(again->headers, p.headers);
  EXPECT_EQ(again->expires_at, p.expires_at);
}

TEST_P(ImportTest, C52StagedRowsAreUnreadableInTheDatabase) {
  const ImportPreview p = Start(kFile);
  ASSERT_FALSE(p.id.empty());
  // The staged column as the database hands it out: nothing of the file in clear.
  {
    auto tx = db_.db->BeginTenant(a_.tenant());
    ASSERT_TRUE(tx);
    const store::Value q[] = {a_.tenant()};
    auto rows = (*tx)->Query("SELECT sealed FROM hours_imports WHERE tenant_id = $1", q);
    ASSERT_TRUE(rows && rows->size() == 1);
    const std::string sealed(rows->front().Blob(0).begin(), rows->front().Blob(0).end());
    for (const char* clear : {"2026-03-02", "X.W.", "W.Y.", "Quarzwerk", "Session Date"}) {
      EXPECT_EQ(sealed.find(clear), std::string::npos) << clear;
    }
  }
  if (GetParam() != TestEngine::kSqlite) {
    return;  // the rest copies the database's files
  }
  // A copy of the database files taken while the import is staged...
  const auto files = testing::ReadDatabaseFiles(db_.sqlite_path);
  ASSERT_FALSE(files.names.empty());
  for (const char* clear : {"Xylophon", "Wurzelbaum", "Yolanda", "Quarzwerk", "X.W.", "W.Y.",
                            "2026-03-02", "2026-03-04"}) {
    EXPECT_FALSE(files.Contains(clear)) << clear;
  }
  testing::TempDir copy;
  for (const char* suffix : {"", "-wal"}) {
    std::filesystem::path from = db_.sqlite_path;
    from += suffix;
    std::filesystem::path to = copy.path() / store::kSqliteFileName;
    to += suffix;
    if (std::filesystem::exists(from)) {
      std::filesystem::copy_file(from, to);
    }
  }
  auto copied = store::OpenSqlite(copy.path() / store::kSqliteFileName);
  ASSERT_TRUE(copied) << copied.error().internal;
  // ...does not open without the key ring's master key: another master key opens nothing,
  const auto other_key = copy.path() / "other.key";
  ASSERT_TRUE(crypto::CreateMasterKeyFile(other_key));
  {
    auto ring = crypto::KeyRing::OpenWithKeyFile(**copied, other_key, clock_);
    ASSERT_TRUE(ring);
    Hours thief(**copied, **ring, *log_, clock_, Lookups{});
    auto opened = thief.GetImport(a_, p.id);
    ASSERT_FALSE(opened.has_value());
    EXPECT_NE(opened.error().code, ErrorCode::kNotFound);  // there, but sealed
  }
  // ...while the right one does (so the refusal above is the key's doing).
  auto ring = crypto::KeyRing::OpenWithKeyFile(**copied, key_file_, clock_);
  ASSERT_TRUE(ring);
  Hours owner(**copied, **ring, *log_, clock_, Lookups{});
  auto opened = owner.GetImport(a_, p.id);
  ASSERT_TRUE(opened) << opened.error().internal;
  EXPECT_EQ(opened->rows.size(), 3u);
}

TEST_P(ImportTest, C52ExpiresAtFifteenMinutesAtReadTimeAndTheKeyGoes) {
  const ImportPreview p = Start(kFile);
  ASSERT_FALSE(p.id.empty());
  clock_.Advance(15 * kMinute - 1);
  ASSERT_TRUE(hours_->GetImport(a_, p.id));
  clock_.Advance(1);  // created_at + 15 minutes <= now
  auto gone = hours_->GetImport(a_, p.id);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Staged(a_.tenant()), 0);      // deleted at read time,
  EXPECT_EQ(ImportKeys(a_.tenant()), 0);  // its key destroyed
  auto confirmed = hours_->ConfirmImport(a_, p.id, kCaller);
  ASSERT_FALSE(confirmed.has_value());
  EXPECT_EQ(confirmed.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Sessions(a_.tenant()), 0);
}

TEST_P(ImportTest, C52TheSweeperDestroysExpiredImportsKeysFirst) {
  const ImportPreview old_a = Start(kFile);
  ASSERT_FALSE(old_a.id.empty());
  clock_.Advance(10 * kMinute);
  const ImportPreview young = Start(kFile);
  clock_.Advance(5 * kMinute);  // the first is 15 minutes old, the second 5
  auto swept = hours_->SweepImports(clock_.Now());
  ASSERT_TRUE(swept) << swept.error().internal;
  EXPECT_EQ(*swept, 1);
  EXPECT_EQ(Staged(a_.tenant()), 1);
  EXPECT_EQ(ImportKeys(a_.tenant()), 1);
  EXPECT_FALSE(hours_->GetImport(a_, old_a.id).has_value());
  EXPECT_TRUE(hours_->GetImport(a_, young.id).has_value());
  clock_.Advance(10 * kMinute);
  swept = hours_->SweepImports(clock_.Now());
  ASSERT_TRUE(swept);
  EXPECT_EQ(*swept, 1);
  EXPECT_EQ(Staged(a_.tenant()), 0);
  EXPECT_EQ(ImportKeys(a_.tenant()), 0);
}

TEST_P(ImportTest, TheSweeperDestroysImportKeysLeftWithoutARow) {
  // A key made for a staging write that never happened (a crash between the two).
  ASSERT_TRUE(ring_->CreateDek(a_.tenant(), "hours-import"));
  ASSERT_TRUE(ring_->CreateDek(a_.tenant(), "client"));  // not the sweeper's
  clock_.Advance(15 * kMinute);
  ASSERT_TRUE(hours_->SweepImports(clock_.Now()));
  EXPECT_EQ(ImportKeys(a_.tenant()), 1);  // younger than the lifetime and its margin
  clock_.Advance(2 * kMinute);
  ASSERT_TRUE(hours_->SweepImports(clock_.Now()));
  EXPECT_EQ(ImportKeys(a_.tenant()), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM data_keys WHERE tenant_id = $1 AND purpose = 'client'",
                  a_.tenant()),
            1);
}

TEST_P(ImportTest, C40ConfirmCreatesEverySessionAndSettingInOneTransaction) {
  const ImportPreview p = Start(kFile);
  ASSERT_FALSE(p.id.empty());
  auto created = hours_->ConfirmImport(a_, p.id, kCaller);
  ASSERT_TRUE(created) << created.error().internal << " / " << created.error().public_message;
  EXPECT_EQ(*created, 3);
  EXPECT_EQ(Staged(a_.tenant()), 0);
  EXPECT_EQ(ImportKeys(a_.tenant()), 0);  // destroyed after the commit
  auto settings = hours_->ListSettings(a_);
  ASSERT_TRUE(settings);
  ASSERT_EQ(settings->size(), 2u);
  const auto sessions = hours_->ListSessions(a_, D(2026, 3, 1), D(2026, 3, 31));
  ASSERT_TRUE(sessions);
  ASSERT_EQ(sessions->size(), 3u);
  EXPECT_EQ((*sessions)[0].alias, "X.W.");
  EXPECT_EQ((*sessions)[0].minutes, 50);
  EXPECT_EQ((*sessions)[1].category, Category::kSupervisionGroup);
  EXPECT_EQ((*sessions)[2].alias, "W.Y.");
  EXPECT_EQ((*sessions)[2].setting_id, valley_);
  EXPECT_NE((*sessions)[0].setting_id, valley_);  // Quarzwerk Clinic, new
  EXPECT_FALSE((*sessions)[0].pre_degree);        // after the degree date

  const auto completed = EventsOf(a_.tenant(), audit::Action::kCsvImportCompleted);
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].object_id, p.id);
  EXPECT_EQ(completed[0].details.entries().at("outcome"), "confirmed");
  EXPECT_EQ(completed[0].details.entries().at("created"), "3");
  EXPECT_EQ(completed[0].details.entries().at("new_settings"), "1");
  EXPECT_EQ(EventsOf(a_.tenant(), audit::Action::kSessionLogCreated).size(), 3u);
  // A second confirmation finds nothing.
  auto twice = hours_->ConfirmImport(a_, p.id, kCaller);
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Sessions(a_.tenant()), 3);

  if (GetParam() == TestEngine::kSqlite) {
    const auto files = testing::ReadDatabaseFiles(db_.sqlite_path);
    for (const char* name : {"Xylophon", "Wurzelbaum", "Yolanda"}) {
      EXPECT_FALSE(files.Contains(name)) << name;  // C50: initials only, everywhere
    }
    EXPECT_TRUE(files.Contains("Quarzwerk Clinic"));  // the scan sees the new rows
  }
}

TEST_P(ImportTest, AFailingRowRefusesAllAndNothingIsHalfWritten) {
  const ImportPreview p = Start(kFile);
  ASSERT_FALSE(p.id.empty());
  // After the preview, the week of row 3 (Valley Clinic, week of 2 March) is submitted.
  auto first = hours_->AddSession(a_, NewSession{.date = D(2026, 3, 5),
                                                 .minutes = 60,
                                                 .category = Category::kIndividual,
                                                 .setting_id = valley_},
                                  kCaller);
  ASSERT_TRUE(first) << first.error().internal;
  auto weeks = hours_->ListWeeks(a_, D(2026, 3, 2), D(2026, 3, 2));
  ASSERT_TRUE(weeks && weeks->size() == 1);
  ASSERT_TRUE(hours_->SubmitWeek(a_, weeks->front().id, std::nullopt, kCaller));
  const auto events_before = Events(a_.tenant()).size();

  auto refused = hours_->ConfirmImport(a_, p.id, kCaller);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(RefusalOf(refused.error()), std::optional<std::string_view>("week_submitted"));
  EXPECT_EQ(Sessions(a_.tenant()), 1);  // only the one logged by hand
  auto settings = hours_->ListSettings(a_);
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->size(), 1u);  // Quarzwerk Clinic was not created
  EXPECT_EQ(Events(a_.tenant()).size(), events_before);
  EXPECT_EQ(Staged(a_.tenant()), 1);  // still staged: it can be cancelled

  // A new upload of the same file now shows the row as an error, and refuses to confirm.
  const ImportPreview again = Start(kFile);
  ASSERT_EQ(again.errors.size(), 1u);
  EXPECT_EQ(again.errors[0].message,
            "row 3: the week of 2026-03-02 at Valley Clinic is submitted to your supervisor; "
            "withdraw it first");
  EXPECT_EQ(again.rows.size(), 2u);
  auto with_errors = hours_->ConfirmImport(a_, again.id, kCaller);
  ASSERT_FALSE(with_errors.has_value());
  EXPECT_EQ(with_errors.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(with_errors.error().public_message,
            "Some rows have errors, so nothing was imported. Correct them in the file and upload "
            "it again.");
  EXPECT_EQ(Sessions(a_.tenant()), 1);
}

TEST_P(ImportTest, RowsTheServiceWouldRefuseAreErrorsOfThePreview) {
  const ImportPreview p = Start(
      "date,minutes,category,group_size,setting\n"
      "2026-12-03,50,individual,,\n"       // after today (2 December 2026)
      "1999-12-31,50,individual,,\n"       // before 2000
      "2026-05-01,50,individual,,Valley Clinic\n"
      "2026-05-01,50,individual,,valley clinic\n",  // the same setting, by its name
      {}, std::string());
  ASSERT_EQ(p.errors.size(), 2u);
  EXPECT_EQ(p.errors[0].message, "row 1: the date cannot be after today");
  EXPECT_EQ(p.errors[1].message, "row 2: the date must be in 2000 or later");
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_TRUE(p.new_settings.empty());
}

TEST_P(ImportTest, MissingColumnsStageNothingAndTheMappingReadsTheFile) {
  const std::string file = "When,Mins,What\n2026-03-02,50,Individual\n";
  const auto events_before = Events(a_.tenant()).size();
  ImportPreview p = Start(file);
  EXPECT_TRUE(p.id.empty());
  EXPECT_EQ(p.missing, (std::vector<std::string>{"date", "category"}));
  EXPECT_EQ(p.headers, (std::vector<std::string>{"When", "Mins", "What"}));
  EXPECT_EQ(Staged(a_.tenant()), 0);
  EXPECT_EQ(ImportKeys(a_.tenant()), 0);
  EXPECT_EQ(Events(a_.tenant()).size(), events_before);
  p = Start(file, {{"date", "When"}, {"category", "What"}});
  EXPECT_TRUE(p.missing.empty());
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_FALSE(p.id.empty());
}

TEST_P(ImportTest, TheDefaultSettingIsTheTenantsOrTheOnlyOne) {
  // b's setting is not a's default: 404, as if it did not exist (C20).
  auto b_setting = hours_->AddSetting(b_, NewSetting{.name = "Elsewhere"}, kCaller);
  ASSERT_TRUE(b_setting);
  auto refused = hours_->StartImport(a_, PhiString(std::string(kFile)), {}, *b_setting, kCaller);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  // Without a default, a's only setting takes the rows without one.
  const ImportPreview p = Start(kFile, {}, std::string());
  ASSERT_EQ(p.rows.size(), 3u);
  ASSERT_TRUE(hours_->AddSetting(a_, NewSetting{.name = "Second Site"}, kCaller));
  const ImportPreview two = Start(kFile, {}, std::string());
  ASSERT_EQ(two.errors.size(), 1u);  // row 3 has no site, and there are two settings now
  EXPECT_EQ(two.errors[0].message,
            "row 3: the work setting is empty (fill it in, or choose a work setting for rows "
            "without one)");
  const ImportPreview no_column =
      Start("date,minutes,category\n2026-03-02,50,group\n", {}, std::string());
  EXPECT_EQ(no_column.missing, std::vector<std::string>{"setting"});
}

TEST_P(ImportTest, C40CancelDeletesTheImportAndDestroysItsKey) {
  const ImportPreview p = Start(kFile);
  ASSERT_FALSE(p.id.empty());
  ASSERT_TRUE(hours_->CancelImport(a_, p.id, kCaller));
  EXPECT_EQ(Staged(a_.tenant()), 0);
  EXPECT_EQ(ImportKeys(a_.tenant()), 0);
  EXPECT_FALSE(hours_->GetImport(a_, p.id).has_value());
  auto again = hours_->CancelImport(a_, p.id, kCaller);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  const auto completed = EventsOf(a_.tenant(), audit::Action::kCsvImportCompleted);
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].details.entries().at("outcome"), "cancelled");
  EXPECT_EQ(completed[0].details.entries().at("created"), "0");
  EXPECT_EQ(Sessions(a_.tenant()), 0);
}

TEST_P(ImportTest, C20AnotherTenantsImportIsNotFound) {
  const ImportPreview p = Start(kFile);
  ASSERT_FALSE(p.id.empty());
  auto get = hours_->GetImport(b_, p.id);
  ASSERT_FALSE(get.has_value());
  EXPECT_EQ(get.error().code, ErrorCode::kNotFound);
  auto missing = hours_->GetImport(b_, std::string(32, 'a'));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(get.error().public_message, missing.error().public_message);  // the same answer
  auto confirm = hours_->ConfirmImport(b_, p.id, kCaller);
  ASSERT_FALSE(confirm.has_value());
  EXPECT_EQ(confirm.error().code, ErrorCode::kNotFound);
  auto cancel = hours_->CancelImport(b_, p.id, kCaller);
  ASSERT_FALSE(cancel.has_value());
  EXPECT_EQ(cancel.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(hours_->GetImport(b_, "not-an-id").error().code, ErrorCode::kNotFound);
  // a's import is untouched by all of that.
  EXPECT_EQ(Staged(a_.tenant()), 1);
  EXPECT_TRUE(hours_->GetImport(a_, p.id).has_value());
  EXPECT_EQ(Sessions(b_.tenant()), 0);
}

TEST_P(ImportTest, WithoutAProfileThereIsNoImport) {
  const TherapistScope c = HoursTherapist(3003, "00000000000000000000000000000ccc");
  {
    auto tx = db_.db->Begin();
    ASSERT_TRUE(tx);
    const store::Value p[] = {c.tenant(), clock_.Now()};
    ASSERT_TRUE((*tx)->Execute("INSERT INTO tenants (id, created_at) VALUES ($1, $2)", p));
    ASSERT_TRUE((*tx)->Commit());
  }
  auto r = hours_->StartImport(c, PhiString(std::string(kFile)), {}, std::nullopt, kCaller);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(RefusalOf(r.error()), std::optional<std::string_view>("no_profile"));
  EXPECT_EQ(ImportKeys(c.tenant()), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, ImportTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::hours
