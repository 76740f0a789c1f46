// Black-box tests of practice records (issue #7) through the real binary over HTTPS:
// another therapist's ids answer exactly like missing ones on every route (C20); no route
// shares anything (C22); reads and exports are audited (C40); the pages work without
// scripts and put only aliases and ids in titles, links and redirects (C50); and, with
// the server stopped, the database files, the logs and the audit export hold no client
// content nor full name (C01, C43, C50), and ciphertexts moved to another place fail to
// decrypt after a restart (C02).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "store/ids.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "support/browser.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"
#include "integration/practice_helpers.hpp"

namespace alcove::testing {
namespace {

// ---------------------------------------------------------------------------------------
// C20: every route that takes an id, walked by another therapist.

enum class IdKind { kClient, kNote, kSummary };
enum class BodyKind { kNone, kJson, kForm };

struct RouteCase {
  std::string method;
  std::string path;  // "{id}" is replaced by the id under test
  IdKind id = IdKind::kClient;
  BodyKind body = BodyKind::kNone;
  json::value json_body;
  Fields form;
};

// Every route of src/web/practice/{api,pages}.cpp with an {id}, each with a body that would
// succeed for the owner (so only the id decides the answer). Destructive ones come last.
std::vector<RouteCase> IdRoutes() {
  const Fields note_form = {{"format", "soap"},
                            {"session_date", "2026-02-03"},
                            {"section_subjective", "written by the other therapist"}};
  return {
      // API
      {"GET", "/api/v1/clients/{id}", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"PATCH",
       "/api/v1/clients/{id}",
       IdKind::kClient,
       BodyKind::kJson,
       json::object{{"notes", "changed by the other therapist"}, {"status", "archived"}},
       {}},
      {"GET", "/api/v1/clients/{id}/export", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"POST",
       "/api/v1/clients/{id}/notes",
       IdKind::kClient,
       BodyKind::kJson,
       json::object{{"session_date", "2026-02-03"},
                    {"format", "soap"},
                    {"content", json::object{{"subjective", "written by the other therapist"}}}},
       {}},
      {"GET", "/api/v1/clients/{id}/notes", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"POST",
       "/api/v1/clients/{id}/summaries",
       IdKind::kClient,
       BodyKind::kJson,
       json::object{{"text", "summary by the other therapist"}},
       {}},
      {"GET", "/api/v1/clients/{id}/summaries", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"POST",
       "/api/v1/clients/{id}/conceptualizations",
       IdKind::kClient,
       BodyKind::kJson,
       json::object{{"presenting", "by the other therapist"}},
       {}},
      {"GET", "/api/v1/clients/{id}/conceptualizations", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"GET", "/api/v1/notes/{id}", IdKind::kNote, BodyKind::kNone, {}, {}},
      {"GET", "/api/v1/notes/{id}/versions", IdKind::kNote, BodyKind::kNone, {}, {}},
      {"PATCH",
       "/api/v1/notes/{id}",
       IdKind::kNote,
       BodyKind::kJson,
       json::object{{"session_date", "2026-02-04"},
                    {"content", json::object{{"subjective", "changed by the other therapist"}}}},
       {}},
      {"GET", "/api/v1/summaries/{id}", IdKind::kSummary, BodyKind::kNone, {}, {}},
      {"PATCH",
       "/api/v1/summaries/{id}",
       IdKind::kSummary,
       BodyKind::kJson,
       json::object{{"text", "changed by the other therapist"}},
       {}},
      {"POST", "/api/v1/summaries/{id}/review", IdKind::kSummary, BodyKind::kNone, {}, {}},
      // Pages
      {"GET", "/clients/{id}", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"GET", "/clients/{id}/notes/new", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"GET", "/clients/{id}/export", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"POST", "/clients/{id}/notes", IdKind::kClient, BodyKind::kForm, {}, note_form},
      {"POST",
       "/clients/{id}/summaries",
       IdKind::kClient,
       BodyKind::kForm,
       {},
       {{"text", "summary by the other therapist"}}},
      {"POST",
       "/clients/{id}/conceptualizations",
       IdKind::kClient,
       BodyKind::kForm,
       {},
       {{"section_presenting", "by the other therapist"}}},
      {"GET", "/notes/{id}/edit", IdKind::kNote, BodyKind::kNone, {}, {}},
      {"POST", "/notes/{id}", IdKind::kNote, BodyKind::kForm, {}, note_form},
      {"GET", "/summaries/{id}", IdKind::kSummary, BodyKind::kNone, {}, {}},
      {"POST",
       "/summaries/{id}",
       IdKind::kSummary,
       BodyKind::kForm,
       {},
       {{"text", "changed by the other therapist"}}},
      {"POST", "/summaries/{id}/review", IdKind::kSummary, BodyKind::kForm, {}, {}},
      // The note workspace (issue #13).
      {"PUT",
       "/api/v1/clients/{id}/draft",
       IdKind::kClient,
       BodyKind::kJson,
       json::object{{"target", "note:new"}, {"fields", json::object{{"text", "by B"}}}},
       {}},
      {"GET", "/api/v1/clients/{id}/draft", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"GET", "/api/v1/clients/{id}/drafts", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"DELETE", "/api/v1/clients/{id}/draft", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"POST",
       "/api/v1/notes/{id}/addenda",
       IdKind::kNote,
       BodyKind::kJson,
       json::object{{"text", "addendum by the other therapist"}},
       {}},
      {"GET", "/clients/{id}/edit", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"POST",
       "/clients/{id}/edit",
       IdKind::kClient,
       BodyKind::kForm,
       {},
       {{"notes", "changed by the other therapist"}}},
      {"GET", "/clients/{id}/delete", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"POST",
       "/clients/{id}/drafts/discard",
       IdKind::kClient,
       BodyKind::kForm,
       {},
       {{"target", "note:new"}}},
      {"GET", "/notes/{id}", IdKind::kNote, BodyKind::kNone, {}, {}},
      {"GET", "/notes/{id}/history", IdKind::kNote, BodyKind::kNone, {}, {}},
      {"POST",
       "/notes/{id}/addenda",
       IdKind::kNote,
       BodyKind::kForm,
       {},
       {{"addendum_text", "by the other therapist"}}},
      // Destructive, last.
      {"POST", "/clients/{id}/archive", IdKind::kClient, BodyKind::kForm, {}, {}},
      {"POST", "/clients/{id}/unarchive", IdKind::kClient, BodyKind::kForm, {}, {}},
      {"POST", "/api/v1/notes/{id}/sign", IdKind::kNote, BodyKind::kNone, {}, {}},
      {"POST", "/notes/{id}/sign", IdKind::kNote, BodyKind::kForm, {}, {}},
      {"POST",
       "/api/v1/notes/{id}/void",
       IdKind::kNote,
       BodyKind::kJson,
       json::object{{"reason", "voided by the other therapist"}},
       {}},
      {"POST", "/notes/{id}/void", IdKind::kNote, BodyKind::kForm, {}, {{"void_reason", "by B"}}},
      {"DELETE", "/api/v1/notes/{id}", IdKind::kNote, BodyKind::kNone, {}, {}},
      {"DELETE", "/api/v1/clients/{id}", IdKind::kClient, BodyKind::kNone, {}, {}},
      {"POST", "/clients/{id}/delete", IdKind::kClient, BodyKind::kForm, {}, {{"confirm", "yes"}}},
  };
}

HttpResult Call(Therapist& t, const RouteCase& rc, const std::string& id) {
  std::string path = rc.path;
  path.replace(path.find("{id}"), 4, id);
  switch (rc.body) {
    case BodyKind::kJson:
      return t.Json(rc.method, path, rc.json_body);
    case BodyKind::kForm:
      return t.Form(path, rc.form);
    case BodyKind::kNone:
      break;
  }
  if (rc.method == "GET") {
    return t.Get(path);
  }
  return t.Bare(rc.method, path);
}

// `got` is a 404 and, but for the request id, the very answer `missing` got.
::testing::AssertionResult SameAsMissing(const HttpResult& got, const HttpResult& missing) {
  if (!got.ok || !missing.ok) {
    return ::testing::AssertionFailure() << "no answer: " << got.error << " " << missing.error;
  }
  if (got.status != 404 || missing.status != 404) {
    return ::testing::AssertionFailure()
           << "status " << got.status << " (missing id: " << missing.status
           << "), body: " << got.body;
  }
  if (got.body != missing.body) {
    return ::testing::AssertionFailure() << "bodies differ:\n"
                                         << got.body << "\n---\n"
                                         << missing.body;
  }
  for (const char* header : {"Content-Type", "Location", "Set-Cookie", "Content-Length"}) {
    if (got.Header(header) != missing.Header(header)) {
      return ::testing::AssertionFailure()
             << header << " differs: " << got.Header(header).value_or("<none>") << " vs "
             << missing.Header(header).value_or("<none>");
    }
  }
  return ::testing::AssertionSuccess();
}

TEST_F(PracticeHttps, C20_EveryIdRouteAnswersAnotherTherapistExactlyLikeAMissingId) {
  Therapist& a = *a_;
  Therapist& b = *b_;

  // The table covers every route with an id in the source (a new route must join it).
  {
    std::string source;
    for (const auto& f : std::filesystem::directory_iterator(ALCOVE_SOURCE_DIR "/src/web/practice")) {
      if (f.path().extension() == ".cpp") {
        source += Slurp(f.path());
      }
    }
    ASSERT_FALSE(source.empty());
    std::set<std::pair<std::string, std::string>> in_table;
    for (const auto& rc : IdRoutes()) {
      in_table.emplace(rc.method, rc.path);
    }
    static const std::regex add(R"re("(GET|POST|PATCH|PUT|DELETE)",\s*"(/[^"]*\{id\}[^"]*)")re");
    std::size_t found = 0;
    for (auto it = std::sregex_iterator(source.begin(), source.end(), add);
         it != std::sregex_iterator(); ++it) {
      ++found;
      EXPECT_TRUE(in_table.contains({(*it)[1].str(), (*it)[2].str()}))
          << (*it)[1] << " " << (*it)[2] << " is not walked by this test";
    }
    EXPECT_EQ(found, in_table.size());
  }

  // A's records: a client with a note, a draft and a reviewed summary, a conceptualization.
  const std::string client =
      CreatedId(a.Json("POST", "/api/v1/clients",
                       json::object{{"name", "Tamsin Okonkwo"}, {"notes", "profile note of A"}}),
                "client");
  ASSERT_FALSE(client.empty());
  const std::string note = CreatedId(
      a.Json("POST", "/api/v1/clients/" + client + "/notes",
             json::object{{"session_date", "2026-01-15"},
                          {"format", "soap"},
                          {"content",
                           json::object{{"subjective", "A's subjective"}, {"plan", "A's plan"}}}}),
      "note");
  const std::string draft =
      CreatedId(a.Json("POST", "/api/v1/clients/" + client + "/summaries",
                       json::object{{"text", "A's draft summary"}, {"source_note_id", note}}),
                "summary");
  const std::string reviewed = CreatedId(a.Json("POST", "/api/v1/clients/" + client + "/summaries",
                                                json::object{{"text", "A's reviewed summary"}}),
                                         "summary");
  ASSERT_EQ(a.Bare("POST", "/api/v1/summaries/" + reviewed + "/review").status, 200);
  CreatedId(
      a.Json("POST", "/api/v1/clients/" + client + "/conceptualizations",
             json::object{{"presenting", "A's presenting"}, {"protective", "A's protective"}}),
      "conceptualization");
  ASSERT_FALSE(note.empty() || draft.empty() || reviewed.empty());
  const HttpResult note_before = a.Get("/api/v1/notes/" + note);
  ASSERT_EQ(note_before.status, 200) << note_before.body;

  auto ids_of = [&](IdKind kind) -> std::vector<std::string> {
    switch (kind) {
      case IdKind::kClient:
        return {client};
      case IdKind::kNote:
        return {note};
      case IdKind::kSummary:
        return {draft, reviewed};
    }
    return {};
  };

  // As B: A's ids answer 404, byte for byte like a random id that exists nowhere.
  std::size_t walked = 0;
  for (const auto& rc : IdRoutes()) {
    for (const auto& id : ids_of(rc.id)) {
      SCOPED_TRACE(rc.method + " " + rc.path + " with A's id");
      const HttpResult missing = Call(b, rc, store::NewId());
      const HttpResult got = Call(b, rc, id);
      EXPECT_TRUE(SameAsMissing(got, missing));
      if (rc.path.starts_with("/api/")) {
        EXPECT_EQ(ErrorCodeOf(got), "not_found");
      }
      ++walked;
    }
  }
  EXPECT_GE(walked, IdRoutes().size());

  // An id of A's inside a body: B's own client, A's note as the summary's source.
  const std::string b_client = CreatedId(
      b.Json("POST", "/api/v1/clients", json::object{{"name", "Ulrike Vance"}}), "client");
  ASSERT_FALSE(b_client.empty());
  {
    const HttpResult got = b.Json("POST", "/api/v1/clients/" + b_client + "/summaries",
                                  json::object{{"text", "B's summary"}, {"source_note_id", note}});
    const HttpResult missing =
        b.Json("POST", "/api/v1/clients/" + b_client + "/summaries",
               json::object{{"text", "B's summary"}, {"source_note_id", store::NewId()}});
    EXPECT_TRUE(SameAsMissing(got, missing)) << "source_note_id of another therapist";
  }

  // Malformed ids, even as the owner, are 404 like a missing id (never a lookup of
  // A's record under another spelling).
  const std::string upper = ToUpper(client);
  for (const auto& rc : IdRoutes()) {
    const std::string own = ids_of(rc.id).front();
    std::vector<std::string> malformed = {"..%2Fx", own + "0", own.substr(0, 31),
                                          own.substr(0, 31) + "g"};
    if (ToUpper(own) != own) {
      malformed.push_back(ToUpper(own));
    }
    const HttpResult missing = Call(a, rc, store::NewId());
    for (const auto& bad : malformed) {
      SCOPED_TRACE(rc.method + " " + rc.path + " with id " + bad);
      EXPECT_TRUE(SameAsMissing(Call(a, rc, bad), missing));
    }
  }

  // A's records are as they were.
  const HttpResult c = a.Get("/api/v1/clients/" + client);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(StringAt(JsonOf(c), "notes"), "profile note of A");
  EXPECT_EQ(StringAt(JsonOf(c), "status"), "active");
  EXPECT_EQ(StringAt(JsonOf(c), "alias"), "T.O.");
  const HttpResult note_after = a.Get("/api/v1/notes/" + note);
  ASSERT_EQ(note_after.status, 200) << note_after.body;
  EXPECT_EQ(IntAt(JsonOf(note_after), "version"), 1);
  EXPECT_EQ(JsonOf(note_after).at("content"), JsonOf(note_before).at("content"));
  EXPECT_EQ(StringAt(JsonOf(note_after), "session_date"), "2026-01-15");
  EXPECT_EQ(ArraySize(a.Get("/api/v1/notes/" + note + "/versions")), 1u);
  EXPECT_EQ(ArraySize(a.Get("/api/v1/clients/" + client + "/notes")), 1u);
  const HttpResult d = a.Get("/api/v1/summaries/" + draft);
  EXPECT_EQ(StringAt(JsonOf(d), "status"), "draft") << d.body;
  EXPECT_EQ(StringAt(JsonOf(d), "text"), "A's draft summary");
  const HttpResult r = a.Get("/api/v1/summaries/" + reviewed);
  EXPECT_EQ(StringAt(JsonOf(r), "status"), "reviewed") << r.body;
  EXPECT_EQ(StringAt(JsonOf(r), "text"), "A's reviewed summary");
  EXPECT_EQ(ArraySize(a.Get("/api/v1/clients/" + client + "/summaries")), 2u);
  EXPECT_EQ(ArraySize(a.Get("/api/v1/clients/" + client + "/conceptualizations")), 1u);

  // B holds nothing of A's: only its own client, without summaries.
  const HttpResult b_list = b.Get("/api/v1/clients");
  ASSERT_EQ(ArraySize(b_list), 1u) << b_list.body;
  EXPECT_EQ(StringAt(JsonOf(b_list).as_array().front(), "id"), b_client);
  EXPECT_EQ(ArraySize(b.Get("/api/v1/clients/" + b_client + "/summaries")), 0u);

  // And A's log about these records names nobody but A.
  for (const auto& id : {client, note, draft, reviewed}) {
    const json::value log = JsonOf(a.Get("/api/v1/audit?limit=200&object=" + id));
    ASSERT_TRUE(log.is_object() && log.at("events").is_array()) << id;
    EXPECT_FALSE(log.at("events").as_array().empty()) << id;
    for (const auto& e : log.at("events").as_array()) {
      EXPECT_EQ(StringAt(e, "actor"), "account:" + a.account_id) << json::serialize(e);
    }
  }
}

// ---------------------------------------------------------------------------------------
// C22: nothing can be shared yet, least of all a note.

TEST_F(PracticeHttps, C22_NoRouteSharesANoteOrAnythingElse) {
  Therapist& a = *a_;
  const std::string client = CreatedId(
      a.Json("POST", "/api/v1/clients", json::object{{"name", "Sigrun Haldane"}}), "client");
  ASSERT_FALSE(client.empty());
  const std::string note = CreatedId(
      a.Json("POST", "/api/v1/clients/" + client + "/notes",
             json::object{{"session_date", "2026-01-20"}, {"format", "free"}, {"content", "n"}}),
      "note");
  const std::string summary = CreatedId(
      a.Json("POST", "/api/v1/clients/" + client + "/summaries", json::object{{"text", "s"}}),
      "summary");
  ASSERT_FALSE(note.empty() || summary.empty());
  ASSERT_EQ(a.Bare("POST", "/api/v1/summaries/" + summary + "/review").status, 200);

  // Control: the probing itself reaches the router (a known route answers).
  ASSERT_EQ(a.Get("/api/v1/notes/" + note).status, 200);
  const std::vector<std::string> paths = {
      "/api/v1/notes/" + note + "/share",
      "/api/v1/notes/" + note + "/shares",
      "/api/v1/summaries/" + summary + "/share",
      "/api/v1/summaries/" + summary + "/shares",
      "/api/v1/clients/" + client + "/share",
      "/api/v1/shares",
      "/api/v1/share",
      "/api/v1/portal/shares",
      "/notes/" + note + "/share",
      "/summaries/" + summary + "/share",
      "/clients/" + client + "/share",
      "/shares",
      "/share",
  };
  for (const auto& path : paths) {
    SCOPED_TRACE(path);
    EXPECT_EQ(a.Get(path).status, 404);
    EXPECT_EQ(a.Json("POST", path, json::object{{"note_id", note}, {"summary_id", summary}}).status,
              404);
    EXPECT_EQ(a.Form(path, {{"note_id", note}}).status, 404);
  }
  // The portal's one sharing route (API.md § Client portal) takes a kind it knows and an
  // item of that kind: a note is neither (tests/web/portal_api_test.cpp has the rest).
  const std::string shares = "/api/v1/clients/" + client + "/shares";
  EXPECT_EQ(a.Json("POST", shares, json::object{{"kind", "note"}, {"item_id", note}}).status, 400);
  EXPECT_EQ(a.Json("POST", shares, json::object{{"kind", "summary"}, {"item_id", note}}).status,
            404);
  EXPECT_EQ(a.Json("POST", shares, json::object{{"kind", "summary"}, {"item_id", summary}}).status,
            201);
}

// ---------------------------------------------------------------------------------------
// C40: reads and exports leave committed audit events naming the record and its client.

TEST_F(PracticeHttps, C40_RecordReadsAndExportsAreAudited) {
  Therapist& a = *a_;
  const std::string client =
      CreatedId(a.Json("POST", "/api/v1/clients",
                       json::object{{"name", "Rosalind Pemberton"}, {"phone", "555 0100"}}),
                "client");
  ASSERT_FALSE(client.empty());
  const std::string note = CreatedId(a.Json("POST", "/api/v1/clients/" + client + "/notes",
                                            json::object{{"session_date", "2026-01-22"},
                                                         {"format", "dap"},
                                                         {"content", json::object{{"data", "d"}}}}),
                                     "note");
  const std::string summary = CreatedId(
      a.Json("POST", "/api/v1/clients/" + client + "/summaries", json::object{{"text", "s"}}),
      "summary");
  ASSERT_FALSE(note.empty() || summary.empty());

  // Events about `object` with `action` and `type`, each checked for the client id.
  auto events = [&](const std::string& object, std::string_view action, std::string_view type) {
    std::size_t n = 0;
    const HttpResult r = a.Get("/api/v1/audit?limit=200&object=" + object);
    const json::value v = JsonOf(r);
    if (r.status != 200 || !v.is_object() || !v.at("events").is_array()) {
      ADD_FAILURE() << "GET /api/v1/audit?object=" << object << ": " << r.status << " " << r.body;
      return n;
    }
    for (const auto& e : v.at("events").as_array()) {
      if (StringAt(e, "action") != action || StringAt(e, "object_type") != type) {
        continue;
      }
      ++n;
      EXPECT_EQ(StringAt(e, "object_id"), object);
      EXPECT_EQ(StringAt(e, "actor"), "account:" + a.account_id);
      EXPECT_EQ(StringAt(e.at("details"), "client"), client) << json::serialize(e);
      EXPECT_EQ(StringAt(e, "client_ip"), "127.0.0.1");
    }
    return n;
  };

  // How many events of each kind name the records now.
  struct Kind {
    std::string object;
    std::string_view action;
    std::string_view type;
  };
  const std::vector<Kind> kinds = {
      {client, "record.accessed", "client"},
      {client, "record.accessed", "client_notes"},
      {client, "record.accessed", "client_summaries"},
      {client, "record.accessed", "conceptualizations"},
      {client, "record.exported", "client"},
      {note, "record.accessed", "note"},
      {summary, "record.accessed", "summary"},
  };
  auto counts = [&] {
    std::vector<std::size_t> out;
    for (const auto& k : kinds) {
      out.push_back(events(k.object, k.action, k.type));
    }
    return out;
  };
  // Each read is its own event(s), there as soon as the answer is: `path` adds exactly
  // `added` (one count per kind above).
  auto expect_audited = [&](const std::string& path, const std::vector<std::size_t>& added) {
    SCOPED_TRACE(path);
    const std::vector<std::size_t> before = counts();
    const HttpResult r = a.Get(path);
    ASSERT_EQ(r.status, 200) << r.body;
    const std::vector<std::size_t> after = counts();
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      EXPECT_EQ(after[i], before[i] + added[i])
          << kinds[i].action << " " << kinds[i].type << " about " << kinds[i].object;
    }
  };
  expect_audited("/api/v1/clients/" + client, {1, 0, 0, 0, 0, 0, 0});
  expect_audited("/api/v1/clients/" + client + "/notes", {0, 1, 0, 0, 0, 0, 0});
  expect_audited("/api/v1/clients/" + client + "/summaries", {0, 0, 1, 0, 0, 0, 0});
  expect_audited("/api/v1/clients/" + client + "/conceptualizations", {0, 0, 0, 1, 0, 0, 0});
  expect_audited("/api/v1/notes/" + note, {0, 0, 0, 0, 0, 1, 0});
  expect_audited("/api/v1/notes/" + note + "/versions", {0, 0, 0, 0, 0, 1, 0});
  expect_audited("/api/v1/summaries/" + summary, {0, 0, 0, 0, 0, 0, 1});
  // An export is one event, naming everything it holds (issue #11: it used to add one
  // per part read as well).
  expect_audited("/api/v1/clients/" + client + "/export", {0, 0, 0, 0, 1, 0, 0});
  // A page view is one event too: the client page shows profile, notes, summaries and
  // conceptualizations in one `record.accessed` of the client.
  expect_audited("/clients/" + client, {1, 0, 0, 0, 0, 0, 0});
  expect_audited("/clients/" + client + "/export", {0, 0, 0, 0, 1, 0, 0});
  expect_audited("/notes/" + note + "/edit", {0, 0, 0, 0, 0, 1, 0});
  expect_audited("/summaries/" + summary, {0, 0, 0, 0, 0, 0, 1});

  // A 404 for another therapist is not an event in A's log.
  const std::size_t before = events(client, "record.accessed", "client");
  ASSERT_EQ(b_->Get("/api/v1/clients/" + client).status, 404);
  EXPECT_EQ(events(client, "record.accessed", "client"), before);
}

// ---------------------------------------------------------------------------------------
// The pages, without scripts: titles, links and redirects carry aliases and ids only.

TEST_F(PracticeHttps, C50_PagesWorkWithoutScriptsAndShowOnlyAliasesAndIds) {
  Therapist& a = *a_;
  const std::string name = "Xanthippe Mulroney";
  const std::vector<std::string> content = {"PAGE-EMAIL-quokka@example.org",
                                            "PAGE-PROFILE-quokka",
                                            "PAGE-SUBJ-quokka",
                                            "PAGE-OBJ-quokka",
                                            "PAGE-ASSESS-quokka",
                                            "PAGE-PLAN-quokka",
                                            "PAGE-EDITED-quokka",
                                            "PAGE-SUMMARY-quokka",
                                            "PAGE-SUMMARY2-quokka",
                                            "PAGE-CONCEPT-quokka"};
  std::vector<std::string> pages;      // every HTML page seen
  std::vector<std::string> locations;  // every redirect

  auto see_other = [&](const HttpResult& r) {
    EXPECT_EQ(r.status, 303) << r.body;
    const std::string loc = r.Header("Location").value_or("");
    locations.push_back(loc);
    return loc;
  };
  auto page = [&](const std::string& path) {
    const HttpResult r = a.Get(path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    EXPECT_NE(r.Header("Content-Type").value_or("").find("text/html"), npos) << path;
    pages.push_back(r.body);
    return r.body;
  };

  // The client's own record pages may show the name; no other page may.
  std::vector<std::string> record_pages;
  auto record_page = [&](const std::string& path) {
    const std::string html = page(path);
    pages.pop_back();
    record_pages.push_back(html);
    return html;
  };

  page("/clients");
  const std::string to_client =
      see_other(a.Form("/clients", {{"name", name}, {"email", content[0]}, {"notes", content[1]}}));
  static const std::regex client_url("^/clients/([0-9a-f]{32})\\?done=client_added$");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(to_client, m, client_url)) << to_client;
  const std::string id = m[1].str();
  EXPECT_NE(record_page(to_client).find("Client added."), npos);

  const std::string list = page("/clients");
  EXPECT_NE(list.find(">X.M.<"), npos) << list;
  EXPECT_NE(list.find("href=\"/clients/" + id + "\""), npos);

  const std::string editor = page("/clients/" + id + "/notes/new?format=soap");
  EXPECT_EQ(TitleOf(editor), "X.M. · Session note · Alcove");
  EXPECT_NE(editor.find("action=\"/clients/" + id + "/notes\""), npos);
  const std::string to_note = see_other(a.Form("/clients/" + id + "/notes",
                                               {{"format", "soap"},
                                                {"session_date", "2026-03-04"},
                                                {"section_subjective", content[2]},
                                                {"section_objective", content[3]},
                                                {"section_assessment", content[4]},
                                                {"section_plan", content[5]}}));
  static const std::regex note_url("^/notes/([0-9a-f]{32})\\?done=note_saved$");
  ASSERT_TRUE(std::regex_match(to_note, m, note_url)) << to_note;
  const std::string note = m[1].str();
  std::string note_page = page(to_note);
  EXPECT_NE(note_page.find("Note saved."), npos);
  for (std::size_t i = 2; i <= 5; ++i) {
    EXPECT_NE(note_page.find(content[i]), npos) << content[i];
  }
  EXPECT_NE(note_page.find("href=\"/notes/" + note + "/edit\""), npos);

  std::string client_page = record_page("/clients/" + id);
  EXPECT_EQ(TitleOf(client_page), "X.M. · Alcove");
  EXPECT_NE(client_page.find(name), npos) << "the record shows the name";
  EXPECT_NE(client_page.find(content[1]), npos);
  const std::string notes_tab = record_page("/clients/" + id + "?tab=notes");
  EXPECT_NE(notes_tab.find("href=\"/notes/" + note + "\""), npos) << notes_tab;
  EXPECT_EQ(notes_tab.find(content[2]), npos) << "the notes tab lists notes, collapsed";

  const std::string edit = page("/notes/" + note + "/edit");
  EXPECT_NE(edit.find(content[2]), npos);
  EXPECT_NE(edit.find("action=\"/notes/" + note + "\""), npos);
  EXPECT_EQ(see_other(a.Form("/notes/" + note, {{"format", "soap"},
                                                {"session_date", "2026-03-05"},
                                                {"section_subjective", content[6]},
                                                {"section_plan", content[5]}})),
            "/notes/" + note + "?done=note_saved");
  note_page = page("/notes/" + note);
  EXPECT_NE(note_page.find(content[6]), npos);
  EXPECT_NE(note_page.find("version 2"), npos);
  EXPECT_NE(note_page.find("Thu 5 Mar 2026"), npos);  // the session date, in words

  const std::string to_summary =
      see_other(a.Form("/clients/" + id + "/summaries", {{"text", content[7]}}));
  static const std::regex summary_url("^/summaries/([0-9a-f]{32})\\?done=summary_saved$");
  ASSERT_TRUE(std::regex_match(to_summary, m, summary_url)) << to_summary;
  const std::string summary = m[1].str();
  std::string summary_page = page(to_summary);
  EXPECT_EQ(TitleOf(summary_page), "X.M. · Summary · Alcove");
  EXPECT_NE(summary_page.find(content[7]), npos);
  EXPECT_NE(summary_page.find("Status: draft"), npos);
  EXPECT_EQ(see_other(a.Form("/summaries/" + summary, {{"text", content[8]}})), to_summary);
  summary_page = page(to_summary);
  EXPECT_NE(summary_page.find(content[8]), npos);
  EXPECT_EQ(see_other(a.Form("/summaries/" + summary + "/review", {})),
            "/summaries/" + summary + "?done=summary_reviewed");
  summary_page = page("/summaries/" + summary);
  EXPECT_NE(summary_page.find("Status: reviewed"), npos);
  EXPECT_EQ(StringAt(JsonOf(a.Get("/api/v1/summaries/" + summary)), "status"), "reviewed");

  EXPECT_EQ(see_other(a.Form("/clients/" + id + "/conceptualizations",
                             {{"section_presenting", content[9]}})),
            "/clients/" + id + "?tab=conceptualization&done=concept_saved");
  const std::string concept_tab = record_page("/clients/" + id + "?tab=conceptualization");
  EXPECT_NE(concept_tab.find(content[9]), npos);
  EXPECT_NE(concept_tab.find("version 1"), npos);

  const std::string exported = record_page("/clients/" + id + "/export");
  EXPECT_EQ(TitleOf(exported), "X.M. · Export · Alcove");
  for (const auto& c : {content[5], content[6], content[8], content[9]}) {
    EXPECT_NE(exported.find(c), npos) << c;
  }

  // No page needs a script (scripts only from /static improve them; none inline); no
  // title, link or redirect holds the name or any content; only the record shows the name.
  static const std::regex script_tag("<script[^>]*>");
  pages.insert(pages.end(), record_pages.begin(), record_pages.end());
  for (const auto& html : pages) {
    for (auto it = std::sregex_iterator(html.begin(), html.end(), script_tag);
         it != std::sregex_iterator(); ++it) {
      EXPECT_NE(it->str().find("src=\"/static/"), npos) << "inline script: " << it->str();
    }
    const std::string title = TitleOf(html);
    EXPECT_EQ(title.find("Xanthippe"), npos) << title;
    EXPECT_EQ(title.find("Mulroney"), npos) << title;
    for (const auto& c : content) {
      EXPECT_EQ(title.find(c), npos) << title;
    }
    for (const auto& link : LinksOf(html)) {
      EXPECT_TRUE(IsIdOnlyLink(link)) << link;
    }
  }
  pages.resize(pages.size() - record_pages.size());
  for (const auto& html : pages) {
    EXPECT_EQ(html.find("Xanthippe"), npos) << TitleOf(html);
    EXPECT_EQ(html.find("Mulroney"), npos) << TitleOf(html);
  }
  for (const auto& loc : locations) {
    EXPECT_TRUE(IsIdOnlyLink(loc)) << loc;
  }
  EXPECT_GE(locations.size(), 7u);

  // Deleting by form asks first, then goes back to the list, and the client is gone.
  const std::string confirm = page("/clients/" + id + "/delete");
  EXPECT_NE(confirm.find("cannot be undone"), npos);
  EXPECT_EQ(a.Form("/clients/" + id + "/delete", {}).status, 400) << "not confirmed";
  EXPECT_EQ(a.Get("/clients/" + id).status, 200);
  EXPECT_EQ(see_other(a.Form("/clients/" + id + "/delete", {{"confirm", "yes"}})),
            "/clients?done=client_deleted");
  EXPECT_EQ(a.Get("/clients/" + id).status, 404);
  EXPECT_EQ(a.Get("/clients").body.find("/clients/" + id + "\""), npos);
}

// ---------------------------------------------------------------------------------------
// At rest: tests that stop their server to look at its files.

// C01, C43, C50: content with markers goes in through the API and the pages, comes back
// out through the API, and is nowhere in the SQLite files, the logs or the audit export.
TEST(PracticeAtRest, C01_C43_C50_NoContentOrNameInDatabaseFilesLogsOrAuditExport) {
  ServerProcess server;
  ASSERT_TRUE(server.started()) << server.Stderr();
  Outbox outbox(server.data_dir());
  auto t = NewTherapist(server, outbox, "practice.rest");
  ASSERT_NE(t, nullptr);

  std::vector<std::string> markers;
  auto marker = [&] {
    markers.push_back("MARKER-" + std::to_string(markers.size() + 1) + "-xyzzy");
    return markers.back();
  };
  auto text = [&] { return "Said " + marker() + " about the week"; };
  const std::vector<std::string> name_parts = {"Zorblatt", "Quixotic", "Wobblethorpe",
                                               "Ignatius", "Quenby",   "Ostrogoth"};
  const std::string dob = "1913-02-27";
  std::string returned;  // everything the API gave back
  auto keep = [&](const HttpResult& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    returned += r.body;
  };

  // Client 1 by the API, renamed later; client 2 by the page form.
  const std::string c1 = CreatedId(t->Json("POST", "/api/v1/clients",
                                           json::object{{"name", "Zorblatt Quixotic"},
                                                        {"email", marker() + "@example.org"},
                                                        {"phone", marker()},
                                                        {"date_of_birth", dob},
                                                        {"notes", text()}}),
                                   "client");
  ASSERT_FALSE(c1.empty());
  {
    const HttpResult r = t->Get("/api/v1/clients/" + c1);
    keep(r);  // before the phone is changed
    EXPECT_EQ(StringAt(JsonOf(r), "alias"), "Z.Q.");
  }
  const HttpResult renamed =
      t->Json("PATCH", "/api/v1/clients/" + c1,
              json::object{{"name", "Wobblethorpe Ignatius"}, {"phone", marker()}});
  EXPECT_EQ(renamed.status, 200) << renamed.body;
  const HttpResult form = t->Form(
      "/clients",
      {{"name", "Quenby Ostrogoth"}, {"email", marker() + "@example.org"}, {"notes", text()}});
  ASSERT_EQ(form.status, 303) << form.body;
  const std::string to_c2 = form.Header("Location").value_or("");
  ASSERT_TRUE(to_c2.starts_with("/clients/")) << to_c2;
  const std::string c2 =
      to_c2.substr(std::string_view("/clients/").size(), 32);  // then ?done=client_added
  ASSERT_TRUE(store::IsValidId(c2)) << c2;

  // Notes in every format, one edited (two versions), one by the page form.
  const std::string n1 =
      CreatedId(t->Json("POST", "/api/v1/clients/" + c1 + "/notes",
                        json::object{{"session_date", "2026-01-05"},
                                     {"format", "soap"},
                                     {"content", json::object{{"subjective", text()},
                                                              {"objective", text()},
                                                              {"assessment", text()},
                                                              {"plan", text()}}}}),
                "note");
  const HttpResult edited =
      t->Json("PATCH", "/api/v1/notes/" + n1,
              json::object{{"content", json::object{{"subjective", text()}, {"plan", text()}}}});
  EXPECT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(IntAt(JsonOf(edited), "version"), 2);
  CreatedId(
      t->Json(
          "POST", "/api/v1/clients/" + c1 + "/notes",
          json::object{{"session_date", "2026-01-12"},
                       {"format", "dap"},
                       {"content",
                        json::object{{"data", text()}, {"assessment", text()}, {"plan", text()}}}}),
      "note");
  CreatedId(t->Json("POST", "/api/v1/clients/" + c1 + "/notes",
                    json::object{{"session_date", "2026-01-19"},
                                 {"format", "birp"},
                                 {"content", json::object{{"behavior", text()},
                                                          {"intervention", text()},
                                                          {"response", text()},
                                                          {"plan", text()}}}}),
            "note");
  CreatedId(t->Json("POST", "/api/v1/clients/" + c2 + "/notes",
                    json::object{
                        {"session_date", "2026-01-26"}, {"format", "free"}, {"content", text()}}),
            "note");
  EXPECT_EQ(t->Form("/clients/" + c2 + "/notes", {{"format", "soap"},
                                                  {"session_date", "2026-02-02"},
                                                  {"section_subjective", text()},
                                                  {"section_plan", text()}})
                .status,
            303);

  // Summaries: a draft edited, reviewed, then revised (a new draft).
  const std::string s1 = CreatedId(t->Json("POST", "/api/v1/clients/" + c1 + "/summaries",
                                           json::object{{"text", text()}, {"source_note_id", n1}}),
                                   "summary");
  ASSERT_FALSE(s1.empty());
  keep(t->Get("/api/v1/summaries/" + s1));  // before the draft is edited in place
  EXPECT_EQ(t->Json("PATCH", "/api/v1/summaries/" + s1, json::object{{"text", text()}}).status,
            200);
  EXPECT_EQ(t->Bare("POST", "/api/v1/summaries/" + s1 + "/review").status, 200);
  EXPECT_EQ(t->Json("PATCH", "/api/v1/summaries/" + s1, json::object{{"text", text()}}).status,
            200);
  EXPECT_EQ(t->Form("/clients/" + c2 + "/summaries", {{"text", text()}}).status, 303);

  // Conceptualizations: two versions by the API, one by the page form.
  for (int v = 0; v < 2; ++v) {
    CreatedId(t->Json("POST", "/api/v1/clients/" + c1 + "/conceptualizations",
                      json::object{{"presenting", text()},
                                   {"predisposing", text()},
                                   {"precipitating", text()},
                                   {"perpetuating", text()},
                                   {"protective", text()}}),
              "conceptualization");
  }
  EXPECT_EQ(
      t->Form("/clients/" + c2 + "/conceptualizations", {{"section_protective", text()}}).status,
      303);

  // The note workspace: a draft as drafts.js keeps it, a signed note with an addendum,
  // a voided note with its reason.
  ASSERT_EQ(t->Json("PUT", "/api/v1/clients/" + c2 + "/draft",
                    json::object{{"target", "note:new"},
                                 {"fields", json::object{{"section_subjective", text()},
                                                         {"section_plan", text()}}}})
                .status,
            200);
  keep(t->Get("/api/v1/clients/" + c2 + "/draft?target=note:new"));
  {
    const std::string signed_note = CreatedId(
        t->Json("POST", "/api/v1/clients/" + c2 + "/notes",
                json::object{{"session_date", "2026-01-09"}, {"format", "free"}, {"content", text()}}),
        "note");
    EXPECT_EQ(t->Bare("POST", "/api/v1/notes/" + signed_note + "/sign").status, 200);
    EXPECT_EQ(t->Json("POST", "/api/v1/notes/" + signed_note + "/addenda",
                      json::object{{"text", text()}})
                  .status,
              201);
    EXPECT_EQ(t->Json("POST", "/api/v1/notes/" + signed_note + "/void",
                      json::object{{"reason", text()}})
                  .status,
              200);
    keep(t->Get("/api/v1/notes/" + signed_note));
  }

  // Every marker went in: the API gives each back.
  for (const auto& c : {c1, c2}) {
    keep(t->Get("/api/v1/clients/" + c));
    keep(t->Get("/api/v1/clients/" + c + "/export"));
  }
  keep(t->Get("/api/v1/notes/" + n1 + "/versions"));
  keep(t->Get("/api/v1/clients/" + c1 + "/summaries"));
  for (const auto& mk : markers) {
    EXPECT_NE(returned.find(mk), npos) << mk << " was not stored";
  }
  EXPECT_NE(returned.find(dob), npos);
  EXPECT_NE(returned.find("\"W.I.\""), npos);
  EXPECT_NE(returned.find("\"Q.O.\""), npos);
  ASSERT_GE(markers.size(), 30u);

  // The audit API shows no content either.
  const HttpResult audit = t->Get("/api/v1/audit?limit=200");
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find(c1), npos);

  std::vector<std::string> forbidden = markers;
  forbidden.push_back(dob);
  forbidden.push_back("Zorblatt Quixotic");
  forbidden.push_back("Wobblethorpe Ignatius");
  forbidden.push_back("Quenby Ostrogoth");
  forbidden.insert(forbidden.end(), name_parts.begin(), name_parts.end());
  auto expect_clean = [&](std::string_view what, const std::string& haystack) {
    for (const auto& f : forbidden) {
      EXPECT_EQ(haystack.find(f), npos) << what << " holds " << f;
    }
  };
  expect_clean("GET /api/v1/audit", audit.body);

  // The database files while the server runs (the WAL holds the recent pages) ...
  const auto db_path = server.data_dir() / "alcove.db";
  {
    const DatabaseFiles files = ReadDatabaseFiles(db_path);
    ASSERT_FALSE(files.contents.empty());
    EXPECT_NE(std::find(files.names.begin(), files.names.end(), "alcove.db-wal"),
              files.names.end());
    EXPECT_TRUE(files.Contains(c1)) << "the scan does not see the records";
    for (const auto& f : forbidden) {
      EXPECT_FALSE(files.Contains(f)) << "a database file of the running server holds " << f;
    }
  }

  // ... and after a clean stop.
  ASSERT_EQ(server.Stop(), 0);
  {
    const DatabaseFiles files = ReadDatabaseFiles(db_path);
    ASSERT_FALSE(files.contents.empty());
    EXPECT_TRUE(files.Contains(c1)) << "the scan does not see the records";
    for (const auto& f : forbidden) {
      EXPECT_FALSE(files.Contains(f)) << "a database file holds " << f;
    }
  }

  const std::string err = server.Stderr();
  const std::string out = server.Stdout();
  EXPECT_NE(err.find("access "), npos) << "the log holds no access lines: the scan is hollow";
  expect_clean("the server's log (stderr)", err);
  expect_clean("the server's stdout", out);

  const CommandResult exported =
      RunAlcove({"audit", "export", "--data-dir", server.data_dir().string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find(c1), npos) << "the export names no event about the client";
  EXPECT_NE(exported.out.find(n1), npos);
  expect_clean("alcove audit export", exported.out);
  expect_clean("alcove audit export (stderr)", exported.err);
}

// C02: with the server stopped, ciphertexts are copied to other places — another row of
// the same client (same key), another column of the same row, another client, another
// therapist's client — and a server restarted on those files refuses to open them,
// without ever answering the moved plaintext. Untouched records still open.
TEST(PracticeAtRest, C02_CiphertextMovedToAnotherPlaceFailsToDecrypt) {
  auto first = std::make_unique<ServerProcess>();
  ASSERT_TRUE(first->started()) << first->Stderr();
  Outbox outbox(first->data_dir());
  auto a = NewTherapist(*first, outbox, "practice.c02a");
  auto b = NewTherapist(*first, outbox, "practice.c02b");
  ASSERT_TRUE(a != nullptr && b != nullptr);

  const std::string x_email = "C02-X-EMAIL-secret@example.org";
  const std::string x_note1 = "C02-X-NOTE-ONE-secret";
  const std::string x_summary1 = "C02-X-SUMMARY-ONE-secret";
  const std::string x = CreatedId(
      a->Json(
          "POST", "/api/v1/clients",
          json::object{{"name", "Xavier Client"}, {"email", x_email}, {"phone", "C02-X-PHONE"}}),
      "client");
  const std::string y = CreatedId(
      a->Json("POST", "/api/v1/clients",
              json::object{{"name", "Yolanda Client"}, {"email", "C02-Y-EMAIL@example.org"}}),
      "client");
  const std::string w = CreatedId(
      a->Json("POST", "/api/v1/clients",
              json::object{{"name", "Wilma Control"}, {"email", "C02-W-EMAIL@example.org"}}),
      "client");
  const std::string z =
      CreatedId(b->Json("POST", "/api/v1/clients",
                        json::object{{"name", "Zeno Other"}, {"email", "C02-Z-EMAIL@example.org"}}),
                "client");
  ASSERT_FALSE(x.empty() || y.empty() || w.empty() || z.empty());
  auto free_note = [](const std::string& t) {
    return json::object{{"session_date", "2026-01-08"}, {"format", "free"}, {"content", t}};
  };
  const std::string xn1 =
      CreatedId(a->Json("POST", "/api/v1/clients/" + x + "/notes", free_note(x_note1)), "note");
  const std::string xn2 = CreatedId(
      a->Json("POST", "/api/v1/clients/" + x + "/notes", free_note("C02-X-NOTE-TWO")), "note");
  const std::string yn = CreatedId(
      a->Json("POST", "/api/v1/clients/" + y + "/notes", free_note("C02-Y-NOTE")), "note");
  const std::string zn = CreatedId(
      b->Json("POST", "/api/v1/clients/" + z + "/notes", free_note("C02-Z-NOTE")), "note");
  const std::string xs1 = CreatedId(
      a->Json("POST", "/api/v1/clients/" + x + "/summaries", json::object{{"text", x_summary1}}),
      "summary");
  const std::string xs2 = CreatedId(a->Json("POST", "/api/v1/clients/" + x + "/summaries",
                                            json::object{{"text", "C02-X-SUMMARY-TWO"}}),
                                    "summary");
  ASSERT_FALSE(xn1.empty() || xn2.empty() || yn.empty() || zn.empty() || xs1.empty() ||
               xs2.empty());
  // Before the move, everything opens.
  for (const auto& path : {"/api/v1/notes/" + xn2, "/api/v1/notes/" + yn, "/api/v1/clients/" + x,
                           "/api/v1/clients/" + y, "/api/v1/summaries/" + xs2}) {
    ASSERT_EQ(a->Get(path).status, 200) << path;
  }
  ASSERT_EQ(b->Get("/api/v1/clients/" + z).status, 200);
  ASSERT_EQ(b->Get("/api/v1/notes/" + zn).status, 200);
  ASSERT_EQ(first->Stop(), 0);

  // Move ciphertexts with the server stopped.
  {
    auto db = store::OpenSqlite(first->data_dir() / "alcove.db");
    ASSERT_TRUE(db) << db.error().internal;
    auto tx = (*db)->Begin();
    ASSERT_TRUE(tx) << tx.error().internal;
    auto move = [&](std::string_view sql, std::string from, std::string to) {
      const store::Value params[] = {std::move(from), std::move(to)};
      auto n = (*tx)->Execute(sql, params);
      ASSERT_TRUE(n) << sql << ": " << n.error().internal;
      EXPECT_EQ(*n, 1) << sql;
    };
    constexpr std::string_view kNote =
        "UPDATE note_versions SET content = (SELECT content FROM note_versions WHERE note_id = $1 "
        "AND version = 1) WHERE note_id = $2 AND version = 1";
    move(kNote, xn1, xn2);  // another row, the same client and key
    move(kNote, xn1, yn);   // another client of the same therapist
    move(kNote, xn1, zn);   // another therapist's client
    constexpr std::string_view kEmail =
        "UPDATE clients SET email = (SELECT email FROM clients WHERE id = $1) WHERE id = $2";
    move(kEmail, x, y);  // another client
    move(kEmail, x, z);  // another therapist's client
    move("UPDATE clients SET phone = (SELECT email FROM clients WHERE id = $1) WHERE id = $2", x,
         x);  // another column of the same row
    move("UPDATE summaries SET text = (SELECT text FROM summaries WHERE id = $1) WHERE id = $2",
         xs1, xs2);  // another row, the same client and key
    ASSERT_TRUE((*tx)->Commit());
  }

  // A server on a copy of those files.
  const std::filesystem::path old_dir = first->data_dir();
  ServerProcess second(ServerProcess::Options{
      .env = {}, .extra_args = {}, .prepare = [&](const std::filesystem::path& dir) {
        std::filesystem::remove_all(dir);
        std::filesystem::copy(old_dir, dir, std::filesystem::copy_options::recursive);
      }});
  ASSERT_TRUE(second.started()) << second.Stderr();
  // The same browsers (their sessions live in the database), talking to the new server.
  Browser a2(second.origin(), second.certificate(), kUserAgent);
  a2.set_cookies(a->browser.cookies());
  Browser b2(second.origin(), second.certificate(), kUserAgent);
  b2.set_cookies(b->browser.cookies());

  // Control: what was not moved still opens, with its content.
  const HttpResult n1 = a2.Get("/api/v1/notes/" + xn1);
  ASSERT_EQ(n1.status, 200) << n1.body;
  EXPECT_NE(n1.body.find(x_note1), npos);
  const HttpResult s1 = a2.Get("/api/v1/summaries/" + xs1);
  EXPECT_EQ(s1.status, 200) << s1.body;
  EXPECT_NE(s1.body.find(x_summary1), npos);
  const HttpResult wc = a2.Get("/api/v1/clients/" + w);
  EXPECT_EQ(wc.status, 200) << wc.body;
  EXPECT_NE(wc.body.find("C02-W-EMAIL"), npos);

  // Every moved ciphertext fails to open: an error, never the plaintext of its origin.
  const std::vector<std::pair<Browser*, std::string>> moved = {
      {&a2, "/api/v1/notes/" + xn2},
      {&a2, "/api/v1/notes/" + xn2 + "/versions"},
      {&a2, "/api/v1/clients/" + x + "/notes"},
      {&a2, "/api/v1/notes/" + yn},
      {&a2, "/api/v1/clients/" + y + "/notes"},
      {&a2, "/api/v1/clients/" + y},
      {&a2, "/api/v1/clients/" + y + "/export"},
      {&a2, "/api/v1/clients/" + x},
      {&a2, "/api/v1/summaries/" + xs2},
      {&a2, "/api/v1/clients/" + x + "/summaries"},
      {&a2, "/clients/" + y},
      {&a2, "/clients/" + x},
      {&b2, "/api/v1/notes/" + zn},
      {&b2, "/api/v1/clients/" + z},
      {&b2, "/api/v1/clients/" + z + "/export"},
  };
  for (const auto& [browser, path] : moved) {
    SCOPED_TRACE(path);
    const HttpResult r = browser->Get(path);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_GE(r.status, 400) << r.body;
    if (path.starts_with("/api/")) {
      EXPECT_FALSE(ErrorCodeOf(r).empty()) << r.body;
    }
    for (const auto& secret : {x_email, x_note1, x_summary1}) {
      EXPECT_EQ(r.body.find(secret), npos) << r.body;
    }
  }
  ASSERT_EQ(second.Stop(), 0);
  for (const auto& secret : {x_email, x_note1, x_summary1}) {
    EXPECT_EQ(second.Stderr().find(secret), npos);
  }
}

}  // namespace
}  // namespace alcove::testing

namespace alcove::testing {
namespace {

// C06 through the WAL (issue #12): when the deletion of a client answers, no file of the
// data directory holds its wrapped data key or its sealed notes any more — not the
// database, not its write-ahead log — and the same after SIGKILL right after the answer.
TEST(PracticeAtRest, C06_NoFileHoldsTheKeyOrTheCiphertextOnceADeletionAnswers) {
  ServerProcess server;
  ASSERT_TRUE(server.started()) << server.Stderr();
  Outbox outbox(server.data_dir());
  auto a = NewTherapist(server, outbox, "practice.c06wal");
  ASSERT_TRUE(a != nullptr);
  const std::string client =
      CreatedId(a->Json("POST", "/api/v1/clients", json::object{{"name", "Walter Shred"}}),
                "client");
  const std::string note = CreatedId(
      a->Json("POST", "/api/v1/clients/" + client + "/notes",
              json::object{{"session_date", "2026-11-30"},
                           {"format", "free"},
                           {"content", "c06 wal marker " + std::string(200, 'w')}}),
      "note");
  ASSERT_FALSE(client.empty() || note.empty());
  const auto db_path = server.data_dir() / "alcove.db";
  store::Bytes wrapped;
  store::Bytes sealed;
  {
    auto db = store::OpenSqlite(db_path);
    ASSERT_TRUE(db) << db.error().internal;
    auto tx = (*db)->Begin();
    ASSERT_TRUE(tx);
    const store::Value id[] = {client};
    auto key = (*tx)->Query("SELECT key_id FROM clients WHERE id = $1", id);
    ASSERT_TRUE(key && key->size() == 1);
    const store::Value family[] = {key->front().Int(0)};
    auto w = (*tx)->Query("SELECT wrapped FROM data_keys WHERE family = $1", family);
    ASSERT_TRUE(w && !w->empty());
    wrapped = w->front().Blob(0);
    const store::Value nid[] = {note};
    auto c = (*tx)->Query("SELECT content FROM note_versions WHERE note_id = $1", nid);
    ASSERT_TRUE(c && !c->empty());
    sealed = c->front().Blob(0);
  }
  ASSERT_GE(wrapped.size(), 32u);
  ASSERT_GE(sealed.size(), 200u);
  EXPECT_TRUE(ReadDatabaseFiles(db_path).Contains(wrapped)) << "the scan cannot see the key";
  EXPECT_TRUE(ReadDatabaseFiles(db_path).Contains(sealed)) << "the scan cannot see the note";

  ASSERT_EQ(a->Bare("DELETE", "/api/v1/clients/" + client).status, 204);
  auto expect_gone = [&](std::string_view when) {
    const DatabaseFiles files = ReadDatabaseFiles(db_path);
    ASSERT_FALSE(files.contents.empty());
    EXPECT_FALSE(files.Contains(wrapped)) << when << ": a database file holds the wrapped key";
    EXPECT_FALSE(files.Contains(sealed)) << when << ": a database file holds the sealed note";
  };
  expect_gone("right after the answer");
  server.Signal(SIGKILL);
  (void)server.Stop();  // reaps the killed process (its exit code is the signal's)
  expect_gone("after SIGKILL");
}

}  // namespace
}  // namespace alcove::testing
