// The therapist's note workspace (issue #13) through the real binary over HTTPS: drafts
// kept when the session ends and offered after signing in again, editors that keep every
// value on an error or a format switch, one note per form, sign / addendum / void /
// history, "Mark as reviewed" that saves first, profile editing, archive and a deletion
// that asks first. Status codes, CSRF and another therapist's ids on the new routes.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "integration/practice_helpers.hpp"

namespace alcove::testing {
namespace {

class NotesHttps : public PracticeHttps {
 protected:
  // A new client of `t` (by the API); its id.
  static std::string NewClient(Therapist& t, const std::string& name) {
    return CreatedId(t.Json("POST", "/api/v1/clients", json::object{{"name", name}}), "client");
  }
  // The id in a redirect to /notes/<id>?done=...
  static std::string NoteOf(const HttpResult& r) {
    static const std::regex note_url("^/notes/([0-9a-f]{32})\\?done=note_saved$");
    std::smatch m;
    const std::string loc = r.Header("Location").value_or("");
    EXPECT_EQ(r.status, 303) << r.body;
    return std::regex_match(loc, m, note_url) ? m[1].str() : std::string();
  }
  // The value of the hidden input `name` of a page.
  static std::string HiddenValue(const std::string& html, const std::string& name) {
    const std::regex input("name=\"" + name + "\" value=\"([^\"]*)\"");
    std::smatch m;
    return std::regex_search(html, m, input) ? m[1].str() : std::string();
  }
};

TEST_F(NotesHttps, DraftRoutesAnswerWithTheRightStatusAndOnlyToTheirOwner) {
  Therapist& a = *a_;
  const std::string client = NewClient(a, "Dorothea Draftsworth");
  ASSERT_FALSE(client.empty());
  const std::string path = "/api/v1/clients/" + client + "/draft";
  const json::object draft{{"target", "note:new"},
                           {"fields", json::object{{"section_plan", "DRAFT-PLAN-wombat"}}}};
  EXPECT_EQ(a.Json("PUT", path, draft).status, 200);
  const HttpResult got = a.Get(path + "?target=note:new");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_NE(got.body.find("DRAFT-PLAN-wombat"), npos);
  const HttpResult list = a.Get("/api/v1/clients/" + client + "/drafts");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find("DRAFT-PLAN-wombat"), npos) << "the list holds no content";
  EXPECT_EQ(ArraySize(list), 1u);

  // No CSRF header: 403; no session: 401; a target or field no editor has: 400.
  EXPECT_EQ(a.browser.SendJson("PUT", path, draft, {}).status, 403);
  Browser anonymous(server_->origin(), server_->certificate(), kUserAgent);
  EXPECT_EQ(anonymous.SendJson("PUT", path, draft, {}).status, 401);
  EXPECT_EQ(a.Json("PUT", path, json::object{{"target", "x:new"}, {"fields", json::object{}}})
                .status,
            400);
  EXPECT_EQ(a.Json("PUT", path,
                   json::object{{"target", "note:new"}, {"fields", json::object{{"csrf", "x"}}}})
                .status,
            400);
  // Another therapist: 404 on every draft route, and nothing of A's changes.
  Therapist& b = *b_;
  EXPECT_EQ(b.Json("PUT", path, draft).status, 404);
  EXPECT_EQ(b.Get(path + "?target=note:new").status, 404);
  EXPECT_EQ(b.Bare("DELETE", path + "?target=note:new").status, 404);
  EXPECT_EQ(b.Get("/api/v1/clients/" + client + "/drafts").status, 404);
  EXPECT_EQ(a.Get(path + "?target=note:new").status, 200);

  EXPECT_EQ(a.Bare("DELETE", path + "?target=note:new").status, 204);
  EXPECT_EQ(a.Get(path + "?target=note:new").status, 404);
}

TEST_F(NotesHttps, C01_ADraftKeptWhenTheSessionEndsIsOfferedAfterSigningInAgain) {
  auto t = NewTherapist(*server_, *outbox_, "notes.expiry");
  ASSERT_TRUE(t != nullptr);
  const std::string client = NewClient(*t, "Evangeline Expiry");
  ASSERT_FALSE(client.empty());
  const std::string editor = t->Get("/clients/" + client + "/notes/new").body;
  const std::string token = HiddenValue(editor, "form_token");
  ASSERT_TRUE(store::IsValidId(token)) << editor;
  EXPECT_NE(editor.find("data-draft-target=\"note:new\""), npos);
  // What drafts.js sends a few seconds after typing.
  ASSERT_EQ(t->Json("PUT", "/api/v1/clients/" + client + "/draft",
                    json::object{{"target", "note:new"},
                                 {"fields", json::object{{"format", "soap"},
                                                         {"session_date", "2026-11-30"},
                                                         {"session_time", "09:42"},
                                                         {"form_token", token},
                                                         {"section_subjective",
                                                          "EXPIRED-SUBJ-numbat"}}}})
                .status,
            200);

  // The session ends (revoked from a new sign-in); the old page's next save answers 401.
  Therapist again{Browser(server_->origin(), server_->certificate(), kUserAgent), "", "",
                  t->email};
  ASSERT_TRUE(SignInByLink(again.browser, *outbox_, t->email));
  again.csrf = CsrfToken(again.browser);
  const json::value sessions = JsonOf(again.Get("/api/v1/sessions"));
  ASSERT_TRUE(sessions.is_array());
  for (const auto& s : sessions.as_array()) {
    if (!s.at("current").as_bool()) {
      ASSERT_EQ(again.Bare("DELETE", "/api/v1/sessions/" + StringAt(s, "id")).status, 204);
    }
  }
  EXPECT_EQ(t->Json("PUT", "/api/v1/clients/" + client + "/draft",
                    json::object{{"target", "note:new"}, {"fields", json::object{}}})
                .status,
            401);

  // Signed in again: the client's page and the editor offer the draft; restoring fills
  // the form with it; saving makes the note and removes the draft.
  const std::string overview = again.Get("/clients/" + client).body;
  EXPECT_NE(overview.find("A new session note, kept"), npos) << overview;
  EXPECT_EQ(overview.find("EXPIRED-SUBJ-numbat"), npos) << "an offer shows no content";
  const std::string offered = again.Get("/clients/" + client + "/notes/new").body;
  EXPECT_NE(offered.find("A draft from"), npos) << offered;
  EXPECT_NE(offered.find("href=\"/clients/" + client + "/notes/new?restore=1\""), npos);
  const std::string restored = again.Get("/clients/" + client + "/notes/new?restore=1").body;
  EXPECT_NE(restored.find(">EXPIRED-SUBJ-numbat</textarea>"), npos) << restored;
  EXPECT_NE(restored.find("value=\"09:42\""), npos);
  EXPECT_EQ(HiddenValue(restored, "form_token"), token) << "the draft keeps its form's token";
  const std::string note = NoteOf(again.Form("/clients/" + client + "/notes",
                                             {{"format", "soap"},
                                              {"session_date", "2026-11-30"},
                                              {"session_time", "09:42"},
                                              {"form_token", token},
                                              {"section_subjective", "EXPIRED-SUBJ-numbat"}}));
  ASSERT_FALSE(note.empty());
  EXPECT_EQ(again.Get("/api/v1/clients/" + client + "/draft?target=note:new").status, 404);
  EXPECT_EQ(again.Get("/clients/" + client + "/notes/new").body.find("A draft from"), npos);
  // The draft's save and its removal are no audit events; opening it was one (a read).
  const json::value log = JsonOf(again.Get("/api/v1/audit?limit=200&object=" + client));
  ASSERT_TRUE(log.is_object()) << json::serialize(log);
  bool draft_read = false;
  for (const auto& e : log.at("events").as_array()) {
    draft_read = draft_read || StringAt(e, "object_type") == "draft";
    EXPECT_EQ(json::serialize(e).find("numbat"), npos);
  }
  EXPECT_TRUE(draft_read);
}

TEST_F(NotesHttps, TheEditorKeepsEveryValueOnAnErrorOrAFormatSwitchAndMakesOneNotePerForm) {
  Therapist& a = *a_;
  const std::string client = NewClient(a, "Ferdinand Formsworth");
  ASSERT_FALSE(client.empty());
  const std::string token = HiddenValue(a.Get("/clients/" + client + "/notes/new").body,
                                        "form_token");
  Fields form = {{"format", "soap"},          {"session_date", "2026-11-30"},
                 {"session_time", "25:00"},   {"duration_minutes", "50"},
                 {"form_token", token},       {"section_subjective", "KEEP-SUBJ-quoll"},
                 {"section_plan", "KEEP-PLAN-quoll"}};
  // A wrong time: 400, the error next to its field, everything typed still there.
  const HttpResult refused = a.Form("/clients/" + client + "/notes", form);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("id=\"session_time-error\""), npos) << refused.body;
  EXPECT_NE(refused.body.find("aria-describedby=\"session_time-error\""), npos);
  for (const std::string kept : {">KEEP-SUBJ-quoll</textarea>", ">KEEP-PLAN-quoll</textarea>",
                                 "value=\"25:00\"", "value=\"50\"", "value=\"2026-11-30\""}) {
    EXPECT_NE(refused.body.find(kept), npos) << kept;
  }
  // Switching to DAP: nothing saved, every text kept (subjective under its own heading).
  form[2].second = "10:15";
  Fields to_dap = form;
  to_dap.emplace_back("switch_format", "dap");
  const HttpResult switched = a.Form("/clients/" + client + "/notes", to_dap);
  ASSERT_EQ(switched.status, 200) << switched.body;
  EXPECT_NE(switched.body.find("name=\"section_data\" rows=\"6\">Subjective:\nKEEP-SUBJ-quoll"),
            npos)
      << switched.body;
  EXPECT_NE(switched.body.find(">KEEP-PLAN-quoll</textarea>"), npos);
  EXPECT_NE(switched.body.find("name=\"format\" value=\"dap\""), npos);
  EXPECT_EQ(ArraySize(a.Get("/api/v1/clients/" + client + "/notes")), 0u);
  // The same form sent twice: one note.
  const std::string first = NoteOf(a.Form("/clients/" + client + "/notes", form));
  const std::string second = NoteOf(a.Form("/clients/" + client + "/notes", form));
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first, second);
  EXPECT_EQ(ArraySize(a.Get("/api/v1/clients/" + client + "/notes")), 1u);
  const json::value note = JsonOf(a.Get("/api/v1/notes/" + first));
  EXPECT_EQ(StringAt(note, "session_time"), "10:15");
  EXPECT_EQ(IntAt(note, "duration_minutes"), 50);
  EXPECT_NE(a.Get("/notes/" + first + "?done=note_saved").body.find("Note saved."), npos);
}

TEST_F(NotesHttps, SignAddendumVoidAndHistoryThroughThePages) {
  Therapist& a = *a_;
  const std::string client = NewClient(a, "Gwendolyn Signwell");
  ASSERT_FALSE(client.empty());
  const std::string note = NoteOf(a.Form(
      "/clients/" + client + "/notes",
      {{"format", "free"}, {"session_date", "2026-11-29"}, {"section_text", "SIGNED-quokka"}}));
  ASSERT_FALSE(note.empty());
  EXPECT_EQ(a.browser.PostForm("/notes/" + note + "/sign", {}).status, 403) << "no CSRF token";
  const HttpResult signed_ = a.Form("/notes/" + note + "/sign", {});
  EXPECT_EQ(signed_.status, 303);
  EXPECT_EQ(signed_.Header("Location").value_or(""), "/notes/" + note + "?done=note_signed");
  std::string page = a.Get("/notes/" + note).body;
  EXPECT_NE(page.find("Signed and locked"), npos);
  EXPECT_EQ(page.find("/notes/" + note + "/edit"), npos) << "a signed note offers no edit";
  EXPECT_EQ(a.Get("/notes/" + note + "/edit").status, 303);
  const HttpResult edit = a.Form("/notes/" + note, {{"format", "free"},
                                                    {"session_date", "2026-11-29"},
                                                    {"section_text", "CHANGED"}});
  EXPECT_EQ(edit.status, 422) << edit.body;
  EXPECT_NE(edit.body.find(">CHANGED</textarea>"), npos) << "the refused text is kept";
  EXPECT_EQ(a.Bare("DELETE", "/api/v1/notes/" + note).status, 422);

  const HttpResult empty = a.Form("/notes/" + note + "/addenda", {{"addendum_text", " "}});
  EXPECT_EQ(empty.status, 400);
  EXPECT_NE(empty.body.find("id=\"addendum_text-error\""), npos);
  EXPECT_EQ(a.Form("/notes/" + note + "/addenda", {{"addendum_text", "ADDENDUM-quokka"}}).status,
            303);
  page = a.Get("/notes/" + note).body;
  EXPECT_NE(page.find("ADDENDUM-quokka"), npos);

  EXPECT_EQ(a.Form("/notes/" + note + "/void", {{"void_reason", ""}}).status, 400);
  const HttpResult voided = a.Form("/notes/" + note + "/void", {{"void_reason", "VOID-quokka"}});
  EXPECT_EQ(voided.Header("Location").value_or(""), "/notes/" + note + "?done=note_voided");
  page = a.Get("/notes/" + note).body;
  EXPECT_NE(page.find("<del"), npos);
  EXPECT_NE(page.find("VOID-quokka"), npos);
  EXPECT_NE(a.Get("/clients/" + client + "?tab=notes").body.find("class=\"voided\""), npos);
  const HttpResult history = a.Get("/notes/" + note + "/history");
  EXPECT_EQ(history.status, 200);
  EXPECT_NE(history.body.find("Version 1"), npos);
  EXPECT_NE(history.body.find("SIGNED-quokka"), npos);

  const json::value j = JsonOf(a.Get("/api/v1/notes/" + note));
  EXPECT_FALSE(StringAt(j, "signed_at").empty());
  EXPECT_FALSE(StringAt(j, "voided_at").empty());
  EXPECT_EQ(StringAt(j, "void_reason"), "VOID-quokka");
  ASSERT_TRUE(j.at("addenda").is_array());
  EXPECT_EQ(j.at("addenda").as_array().size(), 1u);
  // Audited: the signature, the addendum, the void; no event holds their text.
  const json::value log = JsonOf(a.Get("/api/v1/audit?limit=200&object=" + note));
  std::set<std::string> actions;
  for (const auto& e : log.at("events").as_array()) {
    actions.insert(StringAt(e, "action"));
    EXPECT_EQ(json::serialize(e).find("quokka"), npos);
  }
  EXPECT_TRUE(actions.contains("signature.made"));
  EXPECT_TRUE(actions.contains("record.updated"));
}

TEST_F(NotesHttps, MarkAsReviewedSavesTheEditsFirst) {
  Therapist& a = *a_;
  const std::string client = NewClient(a, "Horatio Reviewson");
  ASSERT_FALSE(client.empty());
  const std::string summary =
      CreatedId(a.Json("POST", "/api/v1/clients/" + client + "/summaries",
                       json::object{{"text", "first words"}}),
                "summary");
  const HttpResult r =
      a.Form("/summaries/" + summary, {{"text", "EDITED-BEFORE-REVIEW"}, {"review", "1"}});
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.Header("Location").value_or(""), "/summaries/" + summary + "?done=summary_reviewed");
  const json::value s = JsonOf(a.Get("/api/v1/summaries/" + summary));
  EXPECT_EQ(StringAt(s, "status"), "reviewed");
  EXPECT_EQ(StringAt(s, "text"), "EDITED-BEFORE-REVIEW");
  const HttpResult too_long =
      a.Form("/summaries/" + summary, {{"text", std::string(70 * 1024, 'x')}});
  EXPECT_EQ(too_long.status, 400);
  EXPECT_NE(too_long.body.find("id=\"text-error\""), npos);
}

TEST_F(NotesHttps, ProfileEditingArchiveAndADeletionThatAsksFirst) {
  Therapist& a = *a_;
  const std::string client = NewClient(a, "Isadora Profilewick");
  ASSERT_FALSE(client.empty());
  EXPECT_NE(a.Get("/clients/" + client + "/edit").body.find("value=\"Isadora Profilewick\""),
            npos);
  const HttpResult saved = a.Form("/clients/" + client + "/edit",
                                  {{"name", "Isadora Profilewick"},
                                   {"preferred_name", "Pemberly"},
                                   {"phone", "PHONE-kiwi"}});
  EXPECT_EQ(saved.Header("Location").value_or(""), "/clients/" + client + "?done=profile_saved");
  std::string page = a.Get("/clients/" + client + "?done=profile_saved").body;
  EXPECT_NE(page.find("<h1>Pemberly</h1>"), npos) << "the preferred name heads the record";
  EXPECT_NE(page.find("Profile saved."), npos);
  EXPECT_EQ(a.Get("/clients").body.find("Pemberly"), npos) << "outside the record: the alias";
  const HttpResult bad = a.Form("/clients/" + client + "/edit",
                                {{"date_of_birth", "not a date"}, {"phone", "PHONE-kept"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("value=\"PHONE-kept\""), npos);
  EXPECT_NE(bad.body.find("id=\"date_of_birth-error\""), npos) << "the error is next to its field";
  EXPECT_NE(bad.body.find("aria-describedby=\"date_of_birth-error\""), npos);
  const HttpResult unnamed = a.Form("/clients", {{"name", "12 34"}, {"phone", "PHONE-new"}});
  EXPECT_EQ(unnamed.status, 400);
  EXPECT_NE(unnamed.body.find("id=\"new-name-error\""), npos) << unnamed.body;
  EXPECT_NE(unnamed.body.find("value=\"PHONE-new\""), npos);

  EXPECT_EQ(a.Form("/clients/" + client + "/archive", {}).status, 303);
  page = a.Get("/clients/" + client).body;
  EXPECT_NE(page.find("Make active again"), npos);
  EXPECT_EQ(a.Get("/clients/" + client + "/delete").body.find("Archive instead"), npos)
      << "an archived client is not offered archiving";
  EXPECT_EQ(a.Form("/clients/" + client + "/unarchive", {}).status, 303);
  EXPECT_EQ(StringAt(JsonOf(a.Get("/api/v1/clients/" + client)), "status"), "active");

  const std::string confirm = a.Get("/clients/" + client + "/delete").body;
  EXPECT_NE(confirm.find("cannot be undone"), npos);
  EXPECT_NE(confirm.find("Archive instead"), npos);
  const HttpResult unconfirmed = a.Form("/clients/" + client + "/delete", {});
  EXPECT_EQ(unconfirmed.status, 400);
  EXPECT_NE(unconfirmed.body.find("id=\"confirm-error\""), npos);
  EXPECT_EQ(a.Get("/api/v1/clients/" + client).status, 200) << "nothing deleted";
  const HttpResult deleted = a.Form("/clients/" + client + "/delete", {{"confirm", "yes"}});
  EXPECT_EQ(deleted.Header("Location").value_or(""), "/clients?done=client_deleted");
  EXPECT_NE(a.Get("/clients?done=client_deleted").body.find("Client deleted."), npos);
  EXPECT_EQ(a.Get("/api/v1/clients/" + client).status, 404);
}

TEST_F(NotesHttps, C50InitialsOnlyModeOffersNoPreferredNameField) {
  Therapist& b = *b_;
  ASSERT_EQ(b.Json("PUT", "/api/v1/practice/settings", json::object{{"initials_only", true}}).status,
            200);
  const std::string client = NewClient(b, "Jasper Initialson");
  ASSERT_FALSE(client.empty());
  const std::string edit = b.Get("/clients/" + client + "/edit").body;
  EXPECT_EQ(edit.find("name=\"preferred_name\""), npos);
  EXPECT_EQ(edit.find("Jasper"), npos) << "no name is kept, so none is shown";
  EXPECT_NE(edit.find("initials only"), npos);
  EXPECT_EQ(b.Get("/clients").body.find("name=\"preferred_name\""), npos);
  EXPECT_EQ(b.Json("PUT", "/api/v1/practice/settings", json::object{{"initials_only", false}})
                .status,
            200);
}

}  // namespace
}  // namespace alcove::testing
