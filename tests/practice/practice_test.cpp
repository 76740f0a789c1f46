// Practice records (issue #7) on both engines: SQLite, and PostgreSQL as the app role.
// Claims C01, C02, C06, C20, C22, C40, C50.
#include "practice/practice.hpp"

#include <gtest/gtest.h>

#include <set>

#include <cstdio>
#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>

#include "audit/log.hpp"
#include "cli/database.hpp"
#include "core/clock.hpp"
#include "crypto/key_ring.hpp"
#include "crypto/master_key_file.hpp"
#include "practice/alias.hpp"
#include "practice/shareable.hpp"
#include "store/postgres/postgres_db.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "support/pg_test_env.hpp"
#include "support/temp_dir.hpp"
#include "support/test_db.hpp"
#include "practice/practice_fixture.hpp"

namespace alcove::practice {
namespace {

using crypto::PhiString;
using identity::Caller;
using identity::Principal;
using identity::TherapistScope;
using testing::TestEngine;


// ---- C50: initials -----------------------------------------------------------------------

std::string Initials(const std::string& name) {
  auto r = InitialsOf(PhiString(std::string(name)));
  return r ? *r : "<error>";
}

TEST(ClientAliasC50, NamesBecomeInitials) {
  EXPECT_EQ(Initials("John Doe"), "J.D.");
  EXPECT_EQ(Initials("Mary-Jane van der Berg"), "M.B.");
  EXPECT_EQ(Initials("Cher"), "C.");
  EXPECT_EQ(Initials("  john   ronald reuel   tolkien "), "J.T.");
  EXPECT_EQ(Initials("O'Brien Sean"), "O.S.");
  EXPECT_EQ(Initials("\"Jo\" Smith"), "J.S.");
  EXPECT_EQ(Initials("émile zola"), "\xC3\x89.Z.");                 // É.Z.
  EXPECT_EQ(Initials("E\xCC\x81mile Zola"), "E\xCC\x81.Z.");        // combining acute kept
  EXPECT_EQ(Initials("łukasz żak"), "\xC5\x81.\xC5\xBB.");          // Ł.Ż.
  EXPECT_EQ(Initials("αλέξης παππάς"), "\xCE\x91.\xCE\xA0.");       // Α.Π.
  EXPECT_EQ(Initials("иван петров"), "\xD0\x98.\xD0\x9F.");         // И.П.
  EXPECT_EQ(Initials("山田 太郎"), "\xE5\xB1\xB1.\xE5\xA4\xAA.");    // 山.太.
}

TEST(ClientAliasC50, UnusableNamesAreRefusedWithoutEchoingThem) {
  for (const std::string& bad : {std::string(""), std::string("   "), std::string("12 34"),
                                std::string("Jo\x01hn"), std::string("J\xC3"),
                                std::string("\xED\xA0\x80 x"), std::string(201, 'a')}) {
    auto r = InitialsOf(PhiString(std::string(bad)));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  auto r = InitialsOf(PhiString(std::string("Secretname\x01")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().internal.find("Secretname"), std::string::npos);
  EXPECT_EQ(r.error().public_message.find("Secretname"), std::string::npos);
}

TEST(ClientAliasC50, SharedInitialsAreNumbered) {
  EXPECT_EQ(DisplayAlias("J.D.", 1), "J.D.");
  EXPECT_EQ(DisplayAlias("J.D.", 2), "J.D. \xC2\xB7 2");
}

// ---- C22: only reviewed summaries can become shareable -------------------------------------

template <typename T>
concept Shareable = requires(const T& t) { ShareableItem::FromSummary(t); };

TEST(ShareableC22, RawNotesCannotBeSharedAtAll) {
  static_assert(Shareable<Summary>);
  static_assert(!Shareable<Note>, "a raw note must not compile into a shareable item");
  static_assert(!Shareable<NoteInfo>);
  static_assert(!std::is_constructible_v<ShareableItem, Note>);
  Summary s;
  s.id = "a";
  s.status = SummaryStatus::kDraft;
  auto draft = ShareableItem::FromSummary(s);
  ASSERT_FALSE(draft);
  EXPECT_EQ(draft.error().code, ErrorCode::kFailedPrecondition);
  s.status = SummaryStatus::kReviewed;
  EXPECT_TRUE(ShareableItem::FromSummary(s));
}

// ---- The service on both engines -------------------------------------------------------------

TEST_P(PracticeTest, C01C50ContentIsSealedAndTheNameIsNeverInTheClear) {
  ProfileFields p;
  p.email = PhiString(std::string("marker-email-zq1@example.org"));
  p.phone = PhiString(std::string("marker-phone-zq2"));
  p.date_of_birth = PhiString(std::string("1971-02-03"));
  p.notes = PhiString(std::string("marker-profile-zq3"));
  auto c = practice_->CreateClient(a_, PhiString(std::string("Zorblatt Quixotic")), std::move(p),
                                   kCaller);
  ASSERT_TRUE(c) << c.error().internal;
  EXPECT_EQ(c->alias, "Z.Q.");
  auto note = practice_->CreateNote(a_, c->id, "2026-11-21", NoteFormat::kSoap,
                                    Soap("marker-subjective-zq4", "marker-objective-zq5",
                                         "marker-assessment-zq6", "marker-plan-zq7"),
                                    kCaller);
  ASSERT_TRUE(note);
  ASSERT_TRUE(practice_->UpdateNote(a_, note->id, std::nullopt, Soap("marker-second-zq8"),
                                    kCaller));
  auto s = practice_->CreateSummary(a_, c->id, PhiString(std::string("marker-summary-zq9")),
                                    note->id, kCaller);
  ASSERT_TRUE(s);
  Sections five;
  for (const auto name : kConceptualizationFields) {
    five.emplace_back(std::string(name), PhiString("marker-" + std::string(name) + "-zq10"));
  }
  ASSERT_TRUE(practice_->CreateConceptualization(a_, c->id, std::move(five), kCaller));

  // Everything reads back (so the scan below would find it were it in the clear) ...
  auto exported = practice_->ExportClient(a_, c->id, kCaller);
  ASSERT_TRUE(exported) << exported.error().internal;
  EXPECT_EQ(exported->record.profile.phone->reveal(), "marker-phone-zq2");
  EXPECT_EQ(exported->notes.front().content.front().second.reveal(), "marker-second-zq8");
  EXPECT_EQ(exported->summaries.front().text.reveal(), "marker-summary-zq9");

  // ... but the database holds none of it, nor the name.
  const std::string bytes = DatabaseBytes();
  ASSERT_FALSE(bytes.empty());
  for (const std::string marker :
       {"marker-email-zq1", "marker-phone-zq2", "1971-02-03", "marker-profile-zq3",
        "marker-subjective-zq4", "marker-objective-zq5", "marker-assessment-zq6",
        "marker-plan-zq7", "marker-second-zq8", "marker-summary-zq9", "zq10", "Zorblatt",
        "Quixotic"}) {
    EXPECT_EQ(bytes.find(marker), std::string::npos) << marker << " is stored in the clear";
  }
  EXPECT_NE(bytes.find("Z.Q."), std::string::npos) << "the scan sees the alias (self-check)";
}

TEST_P(PracticeTest, C02ACiphertextMovedToAnotherRowDoesNotOpen) {
  const std::string x = NewClient(a_, "Xavier Xu", "x-private-notes");
  const std::string y = NewClient(a_, "Yvonne Yu", "y-private-notes");
  const std::string nx = NewNote(a_, x, "note of x");
  const std::string ny = NewNote(a_, y, "note of y");
  const std::string ny2 = NewNote(a_, y, "second note of y");
  {
    auto tx = db_.db->BeginTenant(a_.tenant());
    ASSERT_TRUE(tx);
    // x's note content into y's note, y's first note content into its second note, and
    // x's profile notes into y's.
    const store::Value p1[] = {nx, ny};
    ASSERT_TRUE((*tx)->Execute(
        "UPDATE note_versions SET content = (SELECT content FROM note_versions WHERE note_id = $1) "
        "WHERE note_id = $2",
        p1));
    const store::Value p2[] = {ny, ny2};
    ASSERT_TRUE((*tx)->Execute(
        "UPDATE note_versions SET content = (SELECT content FROM note_versions WHERE note_id = $1) "
        "WHERE note_id = $2",
        p2));
    const store::Value p3[] = {x, y};
    ASSERT_TRUE((*tx)->Execute(
        "UPDATE clients SET notes = (SELECT notes FROM clients WHERE id = $1) WHERE id = $2", p3));
    ASSERT_TRUE((*tx)->Commit());
  }
  for (const auto& id : {ny, ny2}) {
    auto n = practice_->GetNote(a_, id, kCaller);
    ASSERT_FALSE(n) << "a moved ciphertext opened";
    EXPECT_EQ(n.error().public_message, "decryption failed");
  }
  EXPECT_FALSE(practice_->ListNotes(a_, y, 10, kCaller));
  EXPECT_FALSE(practice_->GetClient(a_, y, kCaller));
  EXPECT_TRUE(practice_->GetNote(a_, nx, kCaller)) << "the original still opens";
  EXPECT_TRUE(practice_->GetClient(a_, x, kCaller));
}

TEST_P(PracticeTest, C06DeletingAClientDestroysItsKey) {
  const std::string id = NewClient(a_, "Dora Delete", "to be shredded");
  NewNote(a_, id, "shredded note");
  std::int64_t key_id = 0;
  {
    auto tx = db_.db->BeginTenant(a_.tenant());
    ASSERT_TRUE(tx);
    const store::Value p[] = {id};
    auto rows = (*tx)->Query("SELECT key_id FROM clients WHERE id = $1", p);
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1u);
    key_id = rows->front().Int(0);
  }
  auto key_rows = [&] {
    auto tx = db_.db->Begin();
    EXPECT_TRUE(tx);
    const store::Value p[] = {key_id};
    auto rows = (*tx)->Query("SELECT COUNT(*) FROM data_keys WHERE key_id = $1", p);
    EXPECT_TRUE(rows) << rows.error().internal;
    return rows ? rows->front().Int(0) : -1;
  };
  EXPECT_GE(key_rows(), 1);
  ASSERT_TRUE(practice_->DeleteClient(a_, id, kCaller));
  EXPECT_EQ(key_rows(), 0) << "the client's data key is still in the database";
  auto gone = practice_->GetClient(a_, id, kCaller);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  bool audited = false;
  for (const auto& e : Events(a_.tenant())) {
    audited = audited || (e.logged.event.action == audit::Action::kRecordDeleted &&
                          e.logged.event.object_id == id);
  }
  EXPECT_TRUE(audited) << "the deletion's audit event remains";
}

// The database copy is a copy of the SQLite files; on PostgreSQL the live part of C06
// (the key is gone) is C06DeletingAClientDestroysItsKey.
class PracticeSqliteFileTest : public PracticeTest {};

TEST_P(PracticeSqliteFileTest, C06ACopyTakenBeforeDeletionIsUnreadableAfterRotationAndRetirement) {
  const std::string id = NewClient(a_, "Copy Kept", "in the old copy");
  const std::string note = NewNote(a_, id, "old copy note");
  // A copy of the database as it is now (a backup someone kept).
  testing::TempDir copy_dir;
  const auto copy_path = copy_dir / "copy.db";
  // No writes run now, so the database file and its WAL together are a consistent copy.
  for (const char* suffix : {"", "-wal"}) {
    std::filesystem::path from = db_.sqlite_path;
    from += suffix;
    std::filesystem::path to = copy_path;
    to += suffix;
    if (std::filesystem::exists(from)) {
      std::filesystem::copy_file(from, to);
    }
  }
  ASSERT_TRUE(std::filesystem::exists(copy_path));
  ASSERT_TRUE(practice_->DeleteClient(a_, id, kCaller));
  // Rotate the master key; once the copy is older than every backup kept, retire the
  // old version.
  auto report = crypto::RotateMasterKey(*db_.db, key_file());
  ASSERT_TRUE(report) << report.error().internal;
  ASSERT_FALSE(report->replaced.empty());
  auto retired = crypto::RetireMasterKeys(*db_.db, key_file(),
                                          SystemClock::Instance().Now() + 1, /*apply=*/true);
  ASSERT_TRUE(retired) << retired.error().internal;
  ASSERT_EQ(retired->retire, report->replaced);
  // The copy, with the current key ring: the client's data key is wrapped by a retired
  // master key, so nothing of the client opens.
  auto copy_db = store::OpenSqlite(copy_path);
  ASSERT_TRUE(copy_db) << copy_db.error().internal;
  auto copy_ring = crypto::KeyRing::OpenWithKeyFile(**copy_db, key_file(), clock_);
  ASSERT_TRUE(copy_ring);
  audit::Log copy_log((*copy_db)->engine());
  Practice copy_practice(**copy_db, **copy_ring, copy_log, clock_);
  EXPECT_FALSE(copy_practice.GetClient(a_, id, kCaller));
  EXPECT_FALSE(copy_practice.GetNote(a_, note, kCaller));
}

TEST_P(PracticeTest, C20AnotherTenantsIdsAnswerNotFoundAndChangeNothing) {
  const std::string client = NewClient(a_, "Alice Able", "a's notes");
  const std::string note = NewNote(a_, client, "a's note");
  auto summary = practice_->CreateSummary(a_, client, PhiString(std::string("a's summary")),
                                          std::nullopt, kCaller);
  ASSERT_TRUE(summary);
  const std::string missing = "00000000000000000000000000000000";
  auto expect_not_found = [](const auto& r, const char* what) {
    ASSERT_FALSE(r) << what;
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << what;
  };
  for (const std::string& id : {client, missing}) {
    expect_not_found(practice_->GetClient(b_, id, kCaller), "GetClient");
    expect_not_found(practice_->UpdateClient(b_, id, nullptr, {}, ClientStatus::kArchived, kCaller),
                     "UpdateClient");
    expect_not_found(practice_->DeleteClient(b_, id, kCaller), "DeleteClient");
    expect_not_found(practice_->ExportClient(b_, id, kCaller), "ExportClient");
    expect_not_found(practice_->ListNotes(b_, id, 10, kCaller), "ListNotes");
    expect_not_found(practice_->CreateNote(b_, id, "2026-11-20", NoteFormat::kFree, {}, kCaller),
                     "CreateNote");
    expect_not_found(practice_->ListSummaries(b_, id, kCaller), "ListSummaries");
    expect_not_found(
        practice_->CreateSummary(b_, id, PhiString(std::string("x")), std::nullopt, kCaller),
        "CreateSummary");
    expect_not_found(practice_->ListConceptualizations(b_, id, kCaller), "ListConceptualizations");
    expect_not_found(practice_->CreateConceptualization(b_, id, {}, kCaller),
                     "CreateConceptualization");
  }
  for (const std::string& id : {note, missing}) {
    expect_not_found(practice_->GetNote(b_, id, kCaller), "GetNote");
    expect_not_found(practice_->NoteHistory(b_, id, kCaller), "NoteHistory");
    expect_not_found(practice_->UpdateNote(b_, id, std::nullopt, {}, kCaller), "UpdateNote");
    expect_not_found(practice_->DeleteNote(b_, id, kCaller), "DeleteNote");
  }
  for (const std::string& id : {summary->id, missing}) {
    expect_not_found(practice_->GetSummary(b_, id, kCaller), "GetSummary");
    expect_not_found(practice_->EditSummary(b_, id, PhiString(std::string("x")), kCaller),
                     "EditSummary");
    expect_not_found(practice_->ReviewSummary(b_, id, kCaller), "ReviewSummary");
  }
  // A summary of B's own may not point at A's note.
  const std::string b_client = NewClient(b_, "Bob Baker");
  expect_not_found(practice_->CreateSummary(b_, b_client, PhiString(std::string("x")), note,
                                            kCaller),
                   "CreateSummary with another tenant's note");
  auto list = practice_->ListClients(b_);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 1u);
  // A's data is as it was.
  auto a_client = practice_->GetClient(a_, client, kCaller);
  ASSERT_TRUE(a_client);
  EXPECT_EQ(a_client->client.status, ClientStatus::kActive);
  auto a_note = practice_->GetNote(a_, note, kCaller);
  ASSERT_TRUE(a_note);
  EXPECT_EQ(a_note->info.version, 1);
  auto a_summary = practice_->GetSummary(a_, summary->id, kCaller);
  ASSERT_TRUE(a_summary);
  EXPECT_EQ(a_summary->status, SummaryStatus::kDraft);
}

TEST_P(PracticeTest, C40EveryReadOfContentIsAuditedBeforeItIsReturned) {
  const std::string client = NewClient(a_, "Read Me");
  const std::string note = NewNote(a_, client, "read note");
  auto summary = practice_->CreateSummary(a_, client, PhiString(std::string("read summary")),
                                          std::nullopt, kCaller);
  ASSERT_TRUE(summary);
  const std::size_t before = Events(a_.tenant()).size();
  ASSERT_TRUE(practice_->GetClient(a_, client, kCaller));
  ASSERT_TRUE(practice_->GetNote(a_, note, kCaller));
  ASSERT_TRUE(practice_->GetSummary(a_, summary->id, kCaller));
  ASSERT_TRUE(practice_->ListNotes(a_, client, 20, kCaller));
  ASSERT_TRUE(practice_->ExportClient(a_, client, kCaller));
  const auto events = Events(a_.tenant());
  ASSERT_GE(events.size(), before + 5);
  auto seen = [&](audit::Action action, const std::string& object) {
    return std::any_of(events.begin(), events.end(), [&](const auto& e) {
      return e.logged.event.action == action && e.logged.event.object_id == object &&
             e.logged.event.details.entries().at("client") == client;
    });
  };
  EXPECT_TRUE(seen(audit::Action::kRecordAccessed, client));
  EXPECT_TRUE(seen(audit::Action::kRecordAccessed, note));
  EXPECT_TRUE(seen(audit::Action::kRecordAccessed, summary->id));
  EXPECT_TRUE(seen(audit::Action::kRecordExported, client));
  EXPECT_EQ(events.front().logged.event.action, audit::Action::kRecordExported)
      << "the export's event is the last one written";
}

TEST_P(PracticeTest, NotesKeepEveryVersion) {
  const std::string client = NewClient(a_, "Version Person");
  const std::string note = NewNote(a_, client, "first words");
  auto v2 = practice_->UpdateNote(a_, note, std::string("2026-11-22"), Soap("second words"),
                                  kCaller);
  ASSERT_TRUE(v2) << v2.error().internal;
  EXPECT_EQ(v2->version, 2);
  auto history = practice_->NoteHistory(a_, note, kCaller);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ(history->at(0).content.front().second.reveal(), "first words");
  EXPECT_EQ(history->at(0).info.session_date, "2026-11-20");
  EXPECT_EQ(history->at(1).content.front().second.reveal(), "second words");
  auto current = practice_->GetNote(a_, note, kCaller);
  ASSERT_TRUE(current);
  EXPECT_EQ(current->info.session_date, "2026-11-22");
  // Bad input is refused with a reason, nothing half-written.
  Sections unknown;
  unknown.emplace_back("feelings", PhiString(std::string("x")));
  auto bad = practice_->UpdateNote(a_, note, std::nullopt, std::move(unknown), kCaller);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(practice_->CreateNote(a_, client, "2026-02-30", NoteFormat::kSoap, {}, kCaller));
  auto again = practice_->NoteHistory(a_, note, kCaller);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->size(), 2u);
}

TEST_P(PracticeTest, ReviewedSummariesAreFrozenAndEditingMakesANewDraft) {
  const std::string client = NewClient(a_, "Sam Summary");
  auto draft = practice_->CreateSummary(a_, client, PhiString(std::string("draft one")),
                                        std::nullopt, kCaller);
  ASSERT_TRUE(draft);
  auto edited = practice_->EditSummary(a_, draft->id, PhiString(std::string("draft two")),
                                       kCaller);
  ASSERT_TRUE(edited);
  EXPECT_EQ(edited->id, draft->id) << "a draft is edited in place";
  auto reviewed = practice_->ReviewSummary(a_, draft->id, kCaller);
  ASSERT_TRUE(reviewed);
  EXPECT_EQ(reviewed->status, SummaryStatus::kReviewed);
  auto revision = practice_->EditSummary(a_, draft->id, PhiString(std::string("draft three")),
                                         kCaller);
  ASSERT_TRUE(revision);
  EXPECT_NE(revision->id, draft->id);
  EXPECT_EQ(revision->status, SummaryStatus::kDraft);
  EXPECT_EQ(revision->supersedes, draft->id);
  auto frozen = practice_->GetSummary(a_, draft->id, kCaller);
  ASSERT_TRUE(frozen);
  EXPECT_EQ(frozen->text.reveal(), "draft two");
  EXPECT_EQ(frozen->status, SummaryStatus::kReviewed);
}

TEST_P(PracticeTest, SharedInitialsGetNumbersAndTheListShowsLastSessions) {
  const std::string j1 = NewClient(a_, "John Doe");
  const std::string j2 = NewClient(a_, "Jane Dunn");
  NewNote(a_, j1, "x");
  auto list = practice_->ListClients(a_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ(list->at(0).alias, "J.D.");
  EXPECT_EQ(list->at(0).last_session_date, "2026-11-20");
  EXPECT_EQ(list->at(1).alias, "J.D. \xC2\xB7 2");
  EXPECT_FALSE(list->at(1).last_session_date);
}

// ---- Names (issue #13): kept sealed in the record, initials outside it (C01, C50) ----

// claim: C01, C50 — the full and preferred name are kept, sealed with the client's key;
// they read back inside the record only, and the list and the page carry the alias.
TEST_P(PracticeTest, C01C50NamesAreKeptSealedAndOnlyTheRecordShowsThem) {
  ProfileFields p;
  p.preferred_name = PhiString(std::string("Billie Zephyrine"));
  auto c = practice_->CreateClient(a_, PhiString(std::string("Wilhelmina Quartzfeld")),
                                   std::move(p), kCaller);
  ASSERT_TRUE(c) << c.error().internal;
  EXPECT_EQ(c->alias, "W.Q.");
  auto record = practice_->GetClient(a_, c->id, kCaller);
  ASSERT_TRUE(record) << record.error().internal;
  ASSERT_TRUE(record->profile.name);
  EXPECT_EQ(record->profile.name->reveal(), "Wilhelmina Quartzfeld");
  EXPECT_EQ(record->profile.preferred_name->reveal(), "Billie Zephyrine");
  auto list = practice_->ListClients(a_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().alias, "W.Q.");
  // A new name moves the initials and replaces the kept name.
  const PhiString renamed(std::string("Wilhelmina Ambervale"));
  ASSERT_TRUE(practice_->UpdateClient(a_, c->id, &renamed, {}, std::nullopt, kCaller));
  auto after = practice_->GetClient(a_, c->id, kCaller);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->client.alias, "W.A.");
  EXPECT_EQ(after->profile.name->reveal(), "Wilhelmina Ambervale");
  const std::string bytes = DatabaseBytes();
  for (const std::string marker : {"Wilhelmina", "Quartzfeld", "Ambervale", "Zephyrine"}) {
    EXPECT_EQ(bytes.find(marker), std::string::npos) << marker << " is stored in the clear";
  }
}

// claim: C50 — initials-only mode keeps no name: new clients get none, and turning it on
// removes the names already kept (audited).
TEST_P(PracticeTest, C50InitialsOnlyModeKeepsNoNameAndRemovesThoseKept) {
  ProfileFields p;
  p.preferred_name = PhiString(std::string("Kept Preferredname"));
  auto before = practice_->CreateClient(a_, PhiString(std::string("Kept Beforehand")),
                                        std::move(p), kCaller);
  ASSERT_TRUE(before);
  ASSERT_TRUE(practice_->GetClient(a_, before->id, kCaller)->profile.name);
  EXPECT_FALSE(practice_->GetSettings(a_)->initials_only);
  ASSERT_TRUE(practice_->SetSettings(a_, {.initials_only = true}, kCaller));
  EXPECT_TRUE(practice_->GetSettings(a_)->initials_only);
  EXPECT_FALSE(practice_->GetSettings(b_)->initials_only) << "a setting of one practice only";
  auto cleared = practice_->GetClient(a_, before->id, kCaller);
  ASSERT_TRUE(cleared);
  EXPECT_FALSE(cleared->profile.name);
  EXPECT_FALSE(cleared->profile.preferred_name);
  EXPECT_EQ(cleared->client.alias, "K.B.");

  ProfileFields q;
  q.preferred_name = PhiString(std::string("Never Keptpreferred"));
  auto later = practice_->CreateClient(a_, PhiString(std::string("Nameless Laterclient")),
                                       std::move(q), kCaller);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->alias, "N.L.");
  auto record = practice_->GetClient(a_, later->id, kCaller);
  ASSERT_TRUE(record);
  EXPECT_FALSE(record->profile.name);
  EXPECT_FALSE(record->profile.preferred_name);
  const std::string bytes = DatabaseBytes();
  for (const std::string marker : {"Beforehand", "Preferredname", "Laterclient", "Keptpreferred"}) {
    EXPECT_EQ(bytes.find(marker), std::string::npos) << marker;
  }
  bool audited = false;
  for (const auto& e : Events(a_.tenant())) {
    audited = audited || e.logged.event.object_type == "practice_settings";
  }
  EXPECT_TRUE(audited);
}

TEST_P(PracticeTest, SearchFindsClientsByAliasNameOrPreferredNameFiltersAndPages) {
  const std::string ada = NewClient(a_, "Ada Lovelace");
  ProfileFields p;
  p.preferred_name = PhiString(std::string("Gracie"));
  auto grace = practice_->CreateClient(a_, PhiString(std::string("Grace Hopper")), std::move(p),
                                       kCaller);
  ASSERT_TRUE(grace);
  const std::string alan = NewClient(a_, "Alan Turing");
  const std::string anna = NewClient(a_, "Anna Lindqvist");
  const std::string edsger = NewClient(a_, "Edsger Dijkstra");
  (void)NewClient(b_, "Ada Lamarr");  // another practice: never found

  auto search = [&](std::string text, std::optional<ClientStatus> status = std::nullopt,
                    std::size_t limit = 50, std::string after = "") {
    auto page = practice_->SearchClients(a_, ClientQuery{std::move(text), status, limit,
                                                         std::move(after)});
    EXPECT_TRUE(page) << (page ? "" : page.error().internal);
    std::vector<std::string> ids;
    for (const auto& c : page->clients) {
      ids.push_back(c.id);
    }
    return std::pair{ids, page->next_after};
  };
  EXPECT_EQ(search("lovelace").first, std::vector<std::string>{ada});
  EXPECT_EQ(search("LOVE").first, std::vector<std::string>{ada});
  EXPECT_EQ(search("gracie").first, std::vector<std::string>{grace->id});
  EXPECT_EQ(search("G.H.").first, std::vector<std::string>{grace->id});
  EXPECT_EQ(search("gh").first, std::vector<std::string>{grace->id});
  // "A.L." is Ada Lovelace and Anna Lindqvist (alias order: A.L., A.L. · 2), not b_'s Ada.
  EXPECT_EQ(search("a.l.").first, (std::vector<std::string>{ada, anna}));
  EXPECT_TRUE(search("nobody at all").first.empty());
  // Where the text came in a URL, names are not matched (C50); aliases are.
  ClientQuery by_url{"lovelace", std::nullopt, 50, ""};
  by_url.match_names = false;
  EXPECT_TRUE(practice_->SearchClients(a_, by_url)->clients.empty());
  by_url.text = "a.l";
  EXPECT_EQ(practice_->SearchClients(a_, by_url)->clients.size(), 2u);
  EXPECT_EQ(search("").first.size(), 5u);

  ASSERT_TRUE(practice_->UpdateClient(a_, edsger, nullptr, {}, ClientStatus::kArchived, kCaller));
  EXPECT_EQ(search("", ClientStatus::kArchived).first, std::vector<std::string>{edsger});
  EXPECT_EQ(search("", ClientStatus::kActive).first.size(), 4u);

  // Pages of two: every client once, in alias order, then no next page.
  std::vector<std::string> walked;
  std::string after;
  for (int i = 0; i < 4; ++i) {
    auto [ids, next] = search("", std::nullopt, 2, after);
    walked.insert(walked.end(), ids.begin(), ids.end());
    if (!next) {
      break;
    }
    after = *next;
  }
  EXPECT_EQ(walked.size(), 5u);
  EXPECT_EQ(std::set<std::string>(walked.begin(), walked.end()).size(), 5u);
  EXPECT_EQ(walked.front(), ada);  // A.L. first
  EXPECT_EQ(walked.back(), grace->id);  // G.H. last

  for (const ClientQuery& bad : {ClientQuery{"", std::nullopt, 0, ""},
                                 ClientQuery{"", std::nullopt, 201, ""},
                                 ClientQuery{"", std::nullopt, 10, "not-an-id"},
                                 ClientQuery{"", std::nullopt, 10, std::string(32, 'f')}}) {
    auto r = practice_->SearchClients(a_, bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

INSTANTIATE_TEST_SUITE_P(Sqlite, PracticeSqliteFileTest, ::testing::Values(TestEngine::kSqlite),
                         [](const auto&) { return std::string("sqlite"); });

INSTANTIATE_TEST_SUITE_P(Engines, PracticeTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& param_info) {
                           return param_info.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::practice
