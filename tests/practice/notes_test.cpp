// The note workspace (issue #13) on both engines: drafts (sealed, C01), one note per form,
// session time and length, sign and lock, addenda, void, history, format switches.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "practice/practice_fixture.hpp"

namespace alcove::practice {
namespace {

// The error code of a result, nullopt when it succeeded.
template <typename R>
std::optional<ErrorCode> CodeOf(const R& r) {
  return r ? std::nullopt : std::optional<ErrorCode>(r.error().code);
}

class NoteWorkspaceTest : public PracticeTest {
 protected:
  Sections Fields(std::initializer_list<std::pair<const char*, const char*>> fields) {
    Sections out;
    for (const auto& [k, v] : fields) {
      out.emplace_back(k, PhiString(std::string(v)));
    }
    return out;
  }

  std::int64_t Count(const std::string& table) {
    auto tx = db_.db->BeginTenant(a_.tenant());
    EXPECT_TRUE(tx);
    auto rows = (*tx)->Query("SELECT COUNT(*) FROM " + table, {});
    EXPECT_TRUE(rows);
    return rows ? rows->front().Int(0) : -1;
  }

  bool Audited(audit::Action action, const std::string& type, const std::string& id) {
    for (const auto& e : Events(a_.tenant())) {
      if (e.logged.event.action == action && e.logged.event.object_type == type &&
          e.logged.event.object_id == id) {
        return true;
      }
    }
    return false;
  }
};

TEST_P(NoteWorkspaceTest, C01DraftsAreSealedKeptPerTargetAndGoneWhenTheNoteIsSaved) {
  const std::string c = NewClient(a_, "Drafty Person");
  ASSERT_TRUE(practice_->SaveDraft(
      a_, c, "note:new",
      Fields({{"format", "soap"}, {"session_date", "2026-11-30"},
              {"section_subjective", "marker-draft-dq1"}})));
  // A second save replaces the first: one draft per (therapist, client, target).
  ASSERT_TRUE(practice_->SaveDraft(
      a_, c, "note:new",
      Fields({{"format", "soap"}, {"session_date", "2026-11-30"},
              {"section_subjective", "marker-draft-dq2"}})));
  EXPECT_EQ(Count("drafts"), 1);
  const auto events_before = Events(a_.tenant()).size();
  auto listed = practice_->ListDrafts(a_, c);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().target, "note:new");
  EXPECT_TRUE(listed->front().fields.empty()) << "a list holds no content";
  EXPECT_EQ(Events(a_.tenant()).size(), events_before) << "saving and listing drafts is no event";

  // Opened, it is the last save; opening is a read of content, audited.
  auto open = practice_->OpenDraft(a_, c, "note:new", kCaller);
  ASSERT_TRUE(open) << open.error().internal;
  ASSERT_TRUE(*open);
  bool found = false;
  for (const auto& [k, v] : (*open)->fields) {
    found = found || (k == "section_subjective" && v.reveal() == "marker-draft-dq2");
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(Audited(audit::Action::kRecordAccessed, "draft", c));

  // Sealed: in no database file (nor the WAL), nor in any audit event.
  const std::string bytes = DatabaseBytes();
  for (const std::string marker : {"marker-draft-dq1", "marker-draft-dq2"}) {
    EXPECT_EQ(bytes.find(marker), std::string::npos) << marker << " is stored in the clear";
  }

  // Another tenant sees nothing and cannot write one for this client.
  auto other = practice_->OpenDraft(b_, c, "note:new", kCaller);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
  auto other_save = practice_->SaveDraft(b_, c, "note:new", Fields({{"text", "x"}}));
  ASSERT_FALSE(other_save);
  EXPECT_EQ(other_save.error().code, ErrorCode::kNotFound);

  // Saving the note removes its draft in the same transaction.
  ASSERT_TRUE(practice_->CreateNote(
      a_, c, practice::NewNote{.session = {.date = "2026-11-30"}, .format = NoteFormat::kSoap,
                     .content = Soap("saved")},
      kCaller));
  EXPECT_EQ(Count("drafts"), 0);
  auto gone = practice_->OpenDraft(a_, c, "note:new", kCaller);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
}

TEST_P(NoteWorkspaceTest, DraftsRefuseWhatNoEditorSendsAndGoWithTheClient) {
  const std::string c = NewClient(a_, "Drafty Two");
  const std::string n = NewNote(a_, c, "a note");
  for (const std::string bad : {"", "note:", "note:old", "summary:xyz", "other:new"}) {
    auto r = practice_->SaveDraft(a_, c, bad, Fields({{"text", "x"}}));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  auto unknown = practice_->SaveDraft(a_, c, "note:new", Fields({{"csrf_token", "x"}}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  // A draft for a note of another client of the same therapist: not found.
  const std::string d = NewClient(a_, "Other Client");
  auto wrong = practice_->SaveDraft(a_, d, "note:" + n, Fields({{"text", "x"}}));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(practice_->SaveDraft(a_, c, "note:" + n, Fields({{"section_plan", "p"}})));
  ASSERT_TRUE(practice_->SaveDraft(a_, c, "summary:new", Fields({{"text", "s"}})));
  ASSERT_TRUE(practice_->DiscardDraft(a_, c, "summary:new"));
  EXPECT_EQ(Count("drafts"), 1);
  ASSERT_TRUE(practice_->DeleteClient(a_, c, kCaller));
  EXPECT_EQ(Count("drafts"), 0) << "deleting the client deletes its drafts";
}

TEST_P(NoteWorkspaceTest, ADoubleSubmitOfOneFormMakesOneNote) {
  const std::string c = NewClient(a_, "Double Click");
  auto form = [&](std::string token) {
    return practice::NewNote{.session = {.date = "2026-11-30", .time = "09:30", .minutes = 50},
                             .format = NoteFormat::kSoap,
                             .content = Soap("once"),
                             .form_token = std::move(token)};
  };
  const std::string token(32, 'a');
  auto first = practice_->CreateNote(a_, c, form(token), kCaller);
  ASSERT_TRUE(first) << first.error().internal;
  auto second = practice_->CreateNote(a_, c, form(token), kCaller);
  ASSERT_TRUE(second) << second.error().internal;
  EXPECT_EQ(second->id, first->id);
  EXPECT_EQ(Count("notes"), 1);
  std::size_t created = 0;
  for (const auto& e : Events(a_.tenant())) {
    created += e.logged.event.action == audit::Action::kRecordCreated &&
               e.logged.event.object_type == "note";
  }
  EXPECT_EQ(created, 1u) << "one note, one event";
  // Another form (another token) makes another note; a token that is not one is refused.
  auto third = practice_->CreateNote(a_, c, form(std::string(32, 'b')), kCaller);
  ASSERT_TRUE(third);
  EXPECT_NE(third->id, first->id);
  EXPECT_FALSE(practice_->CreateNote(a_, c, form("not-a-token"), kCaller));
}

TEST_P(NoteWorkspaceTest, SessionTimeAndLengthAreKeptAndChecked) {
  const std::string c = NewClient(a_, "Timed Session");
  auto n = practice_->CreateNote(
      a_, c,
      practice::NewNote{.session = {.date = "2026-11-30", .time = "14:05", .minutes = 45},
              .format = NoteFormat::kDap,
              .content = {}},
      kCaller);
  ASSERT_TRUE(n) << n.error().internal;
  auto got = practice_->GetNote(a_, n->id, kCaller);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->info.session_time, "14:05");
  EXPECT_EQ(got->info.duration_minutes, 45);
  ASSERT_TRUE(practice_->UpdateNote(
      a_, n->id, NoteEdit{.session_time = "", .duration_minutes = 60, .content = {}}, kCaller));
  got = practice_->GetNote(a_, n->id, kCaller);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->info.session_time, "");
  EXPECT_EQ(got->info.duration_minutes, 60);
  // Changing only the session keeps the text.
  ASSERT_TRUE(practice_->UpdateNote(a_, n->id, std::nullopt, Sections{}, kCaller));
  Sections dap;
  dap.emplace_back("data", PhiString(std::string("kept text")));
  ASSERT_TRUE(practice_->UpdateNote(a_, n->id, NoteEdit{.content = std::move(dap)}, kCaller));
  ASSERT_TRUE(practice_->UpdateNote(
      a_, n->id, NoteEdit{.session_date = "2026-12-01", .keep_content = true}, kCaller));
  got = practice_->GetNote(a_, n->id, kCaller);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->info.session_date, "2026-12-01");
  EXPECT_EQ(got->content.front().second.reveal(), "kept text");
  for (const SessionTime& bad : {SessionTime{.date = "2026-13-01"},
                                 SessionTime{.date = "2026-11-30", .time = "24:00"},
                                 SessionTime{.date = "2026-11-30", .time = "9:30"},
                                 SessionTime{.date = "2026-11-30", .time = "09:60"},
                                 SessionTime{.date = "2026-11-30", .minutes = 1441},
                                 SessionTime{.date = "2026-11-30", .minutes = -5}}) {
    auto r = practice_->CreateNote(a_, c, practice::NewNote{.session = bad, .format = NoteFormat::kFree},
                                   kCaller);
    ASSERT_FALSE(r) << bad.date << " " << bad.time << " " << bad.minutes;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(CheckSessionTime({.date = "2026-11-30", .time = "07:45"}), std::nullopt);
  EXPECT_EQ(CheckSessionTime({.date = "2026-11-30", .time = "7:45"})->field, "session_time");
  EXPECT_EQ(CheckSessionTime({.date = "x"})->field, "session_date");
}

TEST_P(NoteWorkspaceTest, ASignedNoteIsLockedAndChangesOnlyByAnAddendum) {
  const std::string c = NewClient(a_, "Signed Sealed");
  const std::string n = NewNote(a_, c, "before signing");
  auto early = practice_->AddAddendum(a_, n, PhiString(std::string("too early")), kCaller);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kFailedPrecondition);
  auto signed_note = practice_->SignNote(a_, n, kCaller);
  ASSERT_TRUE(signed_note) << signed_note.error().internal;
  ASSERT_TRUE(signed_note->signed_at);
  EXPECT_TRUE(Audited(audit::Action::kSignatureMade, "note", n));
  auto again = practice_->SignNote(a_, n, kCaller);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->signed_at, signed_note->signed_at) << "signing twice changes nothing";

  auto edit = practice_->UpdateNote(a_, n, std::nullopt, Soap("changed"), kCaller);
  ASSERT_FALSE(edit);
  EXPECT_EQ(edit.error().code, ErrorCode::kFailedPrecondition);
  auto del = practice_->DeleteNote(a_, n, kCaller);
  ASSERT_FALSE(del);
  EXPECT_EQ(del.error().code, ErrorCode::kFailedPrecondition);

  auto add = practice_->AddAddendum(a_, n, PhiString(std::string("marker-addendum-aq1")), kCaller);
  ASSERT_TRUE(add) << add.error().internal;
  EXPECT_TRUE(Audited(audit::Action::kRecordCreated, "note_addendum", add->id));
  EXPECT_FALSE(practice_->AddAddendum(a_, n, PhiString(std::string("   ")), kCaller));
  auto got = practice_->GetNote(a_, n, kCaller);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->content.front().second.reveal(), "before signing");
  ASSERT_EQ(got->addenda.size(), 1u);
  EXPECT_EQ(got->addenda.front().text.reveal(), "marker-addendum-aq1");
  EXPECT_EQ(DatabaseBytes().find("marker-addendum-aq1"), std::string::npos)
      << "the addendum is stored in the clear";
  // Another tenant: not found, nothing signed or added.
  for (const std::optional<ErrorCode> r : {CodeOf(practice_->SignNote(b_, n, kCaller)),
                 CodeOf(practice_->AddAddendum(b_, n, PhiString(std::string("x")), kCaller)),
                 CodeOf(practice_->VoidNote(b_, n, PhiString(std::string("x")), kCaller))}) {
    EXPECT_EQ(r, ErrorCode::kNotFound);
  }
}

TEST_P(NoteWorkspaceTest, AVoidedNoteStaysWithItsSealedReasonAndHistory) {
  const std::string c = NewClient(a_, "Void Mistake");
  const std::string n = NewNote(a_, c, "wrong client");
  ASSERT_TRUE(practice_->UpdateNote(a_, n, std::nullopt, Soap("still wrong"), kCaller));
  EXPECT_FALSE(practice_->VoidNote(a_, n, PhiString(std::string(" \n")), kCaller))
      << "a reason is needed";
  ASSERT_TRUE(practice_->VoidNote(a_, n, PhiString(std::string("marker-reason-vq1")), kCaller));
  bool audited = false;
  for (const auto& e : Events(a_.tenant())) {
    if (e.logged.event.action == audit::Action::kRecordUpdated && e.logged.event.object_id == n) {
      const auto& d = e.logged.event.details.entries();
      audited = audited || (d.contains("change") && d.find("change")->second == "voided");
    }
  }
  EXPECT_TRUE(audited) << "voiding is audited";
  auto got = practice_->GetNote(a_, n, kCaller);
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->info.voided_at);
  ASSERT_TRUE(got->void_reason);
  EXPECT_EQ(got->void_reason->reveal(), "marker-reason-vq1");
  auto history = practice_->NoteHistory(a_, n, kCaller);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u) << "every save is a version, kept after voiding";
  EXPECT_EQ(history->front().content.front().second.reveal(), "wrong client");
  EXPECT_EQ(history->back().content.front().second.reveal(), "still wrong");
  auto listed = practice_->ListNotes(a_, c, 10, kCaller);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u) << "a voided note stays in the record";
  EXPECT_TRUE(listed->front().info.voided_at);
  for (const std::optional<ErrorCode> code : {CodeOf(practice_->UpdateNote(a_, n, std::nullopt, Soap("x"), kCaller)),
                    CodeOf(practice_->SignNote(a_, n, kCaller)),
                    CodeOf(practice_->VoidNote(a_, n, PhiString(std::string("again")), kCaller))}) {
    EXPECT_EQ(code, ErrorCode::kFailedPrecondition);
  }
  EXPECT_EQ(DatabaseBytes().find("marker-reason-vq1"), std::string::npos)
      << "the reason is stored in the clear";
}

TEST_P(NoteWorkspaceTest, SwitchingTheFormatOfANoteKeepsItsText) {
  const std::string c = NewClient(a_, "Format Switch");
  const std::string n = NewNote(a_, c, "subjective text");
  ASSERT_TRUE(practice_->UpdateNote(
      a_, n,
      NoteEdit{.format = NoteFormat::kDap,
               .content = ConvertSections(Soap("subjective text", "", "", "the plan"),
                                          NoteFormat::kDap)},
      kCaller));
  auto got = practice_->GetNote(a_, n, kCaller);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->info.format, NoteFormat::kDap);
  EXPECT_EQ(got->content[0].second.reveal(), "Subjective:\nsubjective text");
  EXPECT_EQ(got->content[2].second.reveal(), "the plan");
}

TEST(NoteFormats, ConversionDropsNoTextAndEverySectionHasAPrompt) {
  Sections soap;
  for (const auto& [k, v] : {std::pair{"subjective", "S"}, std::pair{"objective", "O"},
                             std::pair{"assessment", "A"}, std::pair{"plan", "P"}}) {
    soap.emplace_back(k, PhiString(std::string(v)));
  }
  const Sections dap = ConvertSections(soap, NoteFormat::kDap);
  ASSERT_EQ(dap.size(), 3u);
  EXPECT_EQ(dap[0].second.reveal(), "Subjective:\nS\n\nObjective:\nO");
  EXPECT_EQ(dap[1].second.reveal(), "A");
  EXPECT_EQ(dap[2].second.reveal(), "P");
  const Sections free = ConvertSections(dap, NoteFormat::kFree);
  ASSERT_EQ(free.size(), 1u);
  for (const std::string part : {"S", "O", "A", "P"}) {
    EXPECT_NE(free[0].second.reveal().find(part), std::string::npos) << part;
  }
  // And back: the free text lands in the first section, whole.
  const Sections back = ConvertSections(free, NoteFormat::kBirp);
  EXPECT_EQ(back[0].second.reveal(), free[0].second.reveal());
  for (const auto f : {NoteFormat::kSoap, NoteFormat::kDap, NoteFormat::kBirp}) {
    for (const auto s : SectionsOf(f)) {
      EXPECT_FALSE(SectionPrompt(f, s).empty()) << FormatName(f) << " " << s;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, NoteWorkspaceTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& param_info) {
                           return param_info.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::practice
