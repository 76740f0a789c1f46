// The client portal's JSON API in process on both engines (API.md § Client portal;
// docs/portal.md): accepting (C27, C26), sharing and revoking over HTTP (C21), no route
// for notes, drafts or conceptualizations (C22), the invitation budget (C30), ending
// access (C23), and the route matrix for a real portal client of therapist A with the ids
// of A's other clients and of therapist B (C31, C20).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cli/modules.hpp"
#include "measures/service.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"
#include "support/test_db.hpp"

namespace alcove::web {
namespace {

using identity::Role;
using testing::AppBrowser;
using testing::AppHarness;
using testing::ErrorCodeOf;
using testing::JsonMember;
using testing::TestEngine;
namespace json = boost::json;

std::string TokenIn(const std::string& link) {
  const auto at = link.find("#token=");
  return at == std::string::npos ? std::string() : link.substr(at + 7);
}

class PortalApiTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("portal-a@alcove.test", "192.0.2.61");
    b_ = h_->SignUpTherapist("portal-b@alcove.test", "192.0.2.62");
  }

  std::string NewClient(AppBrowser& b, const std::string& name, const std::string& email) {
    auto res = h_->Call(b, "POST", "/api/v1/clients",
                        R"({"name":")" + name + R"(","email":")" + email + R"("})");
    EXPECT_EQ(res.status, 201) << res.body;
    return JsonMember(res.body, "id");
  }

  // Invites the client; the invitation's token from its mail.
  std::string Invite(AppBrowser& owner, const std::string& client) {
    auto res = h_->Call(owner, "POST", "/api/v1/clients/" + client + "/portal-invite");
    EXPECT_EQ(res.status, 202) << res.body;
    const auto sent = h_->Sent();
    EXPECT_FALSE(sent.empty());
    return sent.empty() ? "" : TokenIn(sent.back().link());
  }

  // A fresh browser that accepts `token` and reads its CSRF token.
  AppBrowser Accept(const std::string& token, const std::string& ip) {
    AppBrowser c{.ip = ip, .cookies = {}, .csrf = {}};
    auto res = h_->Call(c, "POST", "/api/v1/portal/accept", R"({"token":")" + token + R"("})");
    EXPECT_EQ(res.status, 200) << res.body;
    auto me = h_->Call(c, "GET", "/api/v1/me");
    EXPECT_EQ(me.status, 200) << me.body;
    c.csrf = JsonMember(me.body, "csrf_token");
    return c;
  }

  std::string ReviewedSummary(AppBrowser& b, const std::string& client) {
    auto res = h_->Call(b, "POST", "/api/v1/clients/" + client + "/summaries",
                        R"({"text":"marker-portal-summary"})");
    EXPECT_EQ(res.status, 201) << res.body;
    const std::string id = JsonMember(res.body, "id");
    res = h_->Call(b, "POST", "/api/v1/summaries/" + id + "/review");
    EXPECT_EQ(res.status, 200) << res.body;
    return id;
  }

  Response Share(AppBrowser& b, const std::string& client, const std::string& kind,
                 const std::string& item) {
    return h_->Call(b, "POST", "/api/v1/clients/" + client + "/shares",
                    R"({"kind":")" + kind + R"(","item_id":")" + item + R"("})");
  }

  std::string Assignment(AppBrowser& b, const std::string& client) {
    auto res = h_->Call(b, "POST", "/api/v1/clients/" + client + "/assignments",
                        R"({"instrument":"phq-9"})");
    EXPECT_EQ(res.status, 201) << res.body;
    return JsonMember(res.body, "id");
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_, b_;
};

// claim: C27 C26
TEST_P(PortalApiTest, C27C26AcceptSignsTheClientInOnceThenTheSameRefusal) {
  const std::string client = NewClient(a_, "Ann Other", "ann@alcove.test");
  const std::string token = Invite(a_, client);
  AppBrowser c = Accept(token, "192.0.2.63");
  auto me = h_->Call(c, "GET", "/api/v1/me");
  EXPECT_EQ(JsonMember(me.body, "role"), "client");
  EXPECT_EQ(me.body.find("Ann"), std::string::npos);  // the account's name is the alias
  AppBrowser again{.ip = "192.0.2.64", .cookies = {}, .csrf = {}};
  auto res = h_->Call(again, "POST", "/api/v1/portal/accept", R"({"token":")" + token + R"("})");
  EXPECT_EQ(res.status, 410) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "invitation_unusable");
  res = h_->Call(again, "POST", "/api/v1/portal/accept", R"({"token":"not-a-token"})");
  EXPECT_EQ(res.status, 410) << res.body;
  res = h_->Call(a_, "GET", "/api/v1/clients/" + client + "/portal-access");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(JsonMember(res.body, "status"), "active");
}

// claim: C21
TEST_P(PortalApiTest, C21ShareIsVisibleOnTheNextRequestAndRevokeIs404OnTheNext) {
  const std::string client = NewClient(a_, "Ann Other", "ann@alcove.test");
  AppBrowser c = Accept(Invite(a_, client), "192.0.2.63");
  auto res = h_->Call(c, "GET", "/api/v1/portal/items");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, "[]");
  const std::string summary = ReviewedSummary(a_, client);
  res = Share(a_, client, "summary", summary);
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string share = JsonMember(res.body, "id");
  res = h_->Call(c, "GET", "/api/v1/portal/items");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find(share), std::string::npos);
  EXPECT_EQ(res.body.find("marker-portal-summary"), std::string::npos);  // lists: no content
  res = h_->Call(c, "GET", "/api/v1/portal/items/" + share);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(JsonMember(res.body, "text"), "marker-portal-summary");
  res = h_->Call(a_, "DELETE", "/api/v1/shares/" + share);
  ASSERT_EQ(res.status, 204) << res.body;
  res = h_->Call(c, "GET", "/api/v1/portal/items/" + share);
  EXPECT_EQ(res.status, 404) << res.body;
  res = h_->Call(c, "GET", "/api/v1/portal");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body.find(share), std::string::npos);
  res = h_->Call(a_, "GET", "/api/v1/clients/" + client + "/shares");
  ASSERT_EQ(res.status, 200) << res.body;
  const auto history = json::parse(res.body).as_array();
  ASSERT_EQ(history.size(), 1U);
  EXPECT_TRUE(history[0].as_object().at("revoked_at").is_string());
  EXPECT_TRUE(history[0].as_object().at("shared_at").is_string());
  EXPECT_TRUE(history[0].as_object().at("first_opened_at").is_string());
  EXPECT_EQ(h_->Call(a_, "DELETE", "/api/v1/shares/" + share).status, 404);
  // The audit page says it in words (the harness lends no aliases to it).
  res = h_->Call(a_, "GET", "/audit");
  ASSERT_EQ(res.status, 200);
  for (const char* words :
       {"You shared a summary with a deleted client",
        "You stopped sharing a summary with a deleted client",
        "A deleted client opened an item shared in their portal",
        "A deleted client opened their portal", "You invited a deleted client to the portal",
        "A deleted client accepted the invitation to the portal"}) {
    EXPECT_NE(res.body.find(words), std::string::npos) << words;
  }
  EXPECT_EQ(res.body.find("portal_"), std::string::npos);
  EXPECT_EQ(res.body.find("Ann"), std::string::npos);
}

// claim: C22
TEST_P(PortalApiTest, C22NoRouteAcceptsANoteADraftOrAConceptualization) {
  const std::string client = NewClient(a_, "Ann Other", "ann@alcove.test");
  auto res = h_->Call(a_, "POST", "/api/v1/clients/" + client + "/notes",
                      R"({"session_date":"2026-11-21","format":"free","content":{"text":"x"}})");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string note = JsonMember(res.body, "id");
  res = h_->Call(a_, "POST", "/api/v1/clients/" + client + "/summaries", R"({"text":"draft"})");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string draft = JsonMember(res.body, "id");
  res = h_->Call(a_, "POST", "/api/v1/clients/" + client + "/conceptualizations",
                 R"({"presenting":"x","predisposing":"x","precipitating":"x",)"
                 R"("perpetuating":"x","protective":"x"})");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string concept_ = JsonMember(res.body, "id");
  for (const std::string kind : {"note", "draft", "conceptualization", "recording", ""}) {
    res = Share(a_, client, kind, note);
    EXPECT_EQ(res.status, 400) << kind << ": " << res.body;
  }
  EXPECT_EQ(Share(a_, client, "summary", draft).status, 422);  // not reviewed
  for (const std::string& id : {note, concept_}) {
    for (const std::string kind : {"summary", "result", "trend"}) {
      EXPECT_EQ(Share(a_, client, kind, id).status, 404) << kind;
    }
  }
  res = h_->Call(a_, "POST", "/api/v1/clients/" + client + "/shares",
                 R"({"kind":"summary","item_id":")" + draft + R"(","note_id":")" + note + "\"}");
  EXPECT_EQ(res.status, 400) << res.body;
  res = h_->Call(a_, "GET", "/api/v1/clients/" + client + "/shares");
  EXPECT_EQ(res.body, "[]");
  // No route of the portal takes any of them. The portal's recording pages are
  // the client's consent and withdrawal (C05, C04): they name a recording, and
  // none of them serves its audio or its transcript.
  const std::set<std::string> consent_routes = {"/portal/recordings", "/portal/recordings/{id}",
                                                "/portal/recordings/{id}/consent",
                                                "/portal/recordings/{id}/withdraw"};
  for (const auto& route : h_->app().router().routes()) {
    if (route.pattern.find("portal") != std::string::npos ||
        route.pattern.find("share") != std::string::npos) {
      for (const char* word : {"notes", "drafts", "conceptualizations", "audio", "transcript"}) {
        EXPECT_EQ(route.pattern.find(word), std::string::npos) << route.pattern;
      }
      if (route.pattern.find("recordings") != std::string::npos) {
        EXPECT_TRUE(consent_routes.contains(route.pattern)) << route.pattern;
      }
    }
  }
}

// claim: C30
TEST_P(PortalApiTest, C30InvitationsAreRateLimitedPerTherapistWithRetryAfter) {
  const std::string client = NewClient(a_, "Ann Other", "ann@alcove.test");
  int sent = 0;
  Response res;
  for (int i = 0; i < 40; ++i) {
    res = h_->Call(a_, "POST", "/api/v1/clients/" + client + "/portal-invite");
    if (res.status != 202) {
      break;
    }
    ++sent;
  }
  EXPECT_EQ(res.status, 429) << res.body;
  EXPECT_TRUE(res.headers.Has("Retry-After"));
  EXPECT_EQ(ErrorCodeOf(res), "rate_limited");
  EXPECT_EQ(sent, 10);  // the class's burst (docs/rate-limits.md)
  // Another therapist's budget is their own.
  const std::string other = NewClient(b_, "Cat Other", "cat@alcove.test");
  EXPECT_EQ(h_->Call(b_, "POST", "/api/v1/clients/" + other + "/portal-invite").status, 202);
}

// claim: C23
TEST_P(PortalApiTest, C23EndingAccessEndsTheClientsSessionOnItsNextRequest) {
  const std::string client = NewClient(a_, "Ann Other", "ann@alcove.test");
  AppBrowser c = Accept(Invite(a_, client), "192.0.2.63");
  ASSERT_EQ(h_->Call(c, "GET", "/api/v1/portal").status, 200);
  auto res = h_->Call(a_, "DELETE", "/api/v1/clients/" + client + "/portal-access");
  ASSERT_EQ(res.status, 204) << res.body;
  EXPECT_EQ(h_->Call(c, "GET", "/api/v1/portal").status, 401);
  EXPECT_EQ(h_->Call(a_, "DELETE", "/api/v1/clients/" + client + "/portal-access").status, 404);
  res = h_->Call(a_, "GET", "/api/v1/clients/" + client + "/portal-access");
  EXPECT_EQ(JsonMember(res.body, "status"), "ended");
}

TEST_P(PortalApiTest, WhatThisClientSeesNowAndSignedInQuestionnaires) {
  const std::string client = NewClient(a_, "Ann Other", "ann@alcove.test");
  AppBrowser c = Accept(Invite(a_, client), "192.0.2.63");
  ASSERT_EQ(Share(a_, client, "summary", ReviewedSummary(a_, client)).status, 201);
  const std::string assignment = Assignment(a_, client);
  auto mine = h_->Call(c, "GET", "/api/v1/portal");
  auto seen = h_->Call(a_, "GET", "/api/v1/clients/" + client + "/portal-view");
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(seen.status, 200) << seen.body;
  auto m = json::parse(mine.body).as_object();
  auto s = json::parse(seen.body).as_object();
  EXPECT_FALSE(m.at("read_only").as_bool());
  EXPECT_TRUE(s.at("read_only").as_bool());
  m.erase("read_only");
  s.erase("read_only");
  EXPECT_EQ(json::serialize(m), json::serialize(s));
  auto res = h_->Call(c, "GET", "/api/v1/portal/assignments");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find(assignment), std::string::npos);
  res = h_->Call(c, "POST", "/api/v1/portal/assignments/" + assignment, R"({"answers":[1,1]})");
  EXPECT_EQ(res.status, 400) << res.body;
  res = h_->Call(c, "POST", "/api/v1/portal/assignments/" + assignment,
                 R"({"answers":[1,1,1,1,1,1,1,1,1,null]})");
  ASSERT_EQ(res.status, 201) << res.body;
  res = h_->Call(a_, "GET", "/api/v1/clients/" + client + "/results");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find(JsonMember(res.body, "id")), std::string::npos);
  EXPECT_EQ(json::parse(res.body).as_array().size(), 1U);
  EXPECT_EQ(h_->Call(c, "GET", "/api/v1/portal/assignments").body, "[]");
}

// claim: C31 C20 — a client of A, on every route, with the ids of A's other client and
// of B's client: 403 for every route not for clients, 404 for every object not theirs.
TEST_P(PortalApiTest, C31AClientOfATriesEveryRouteWithIdsOfOthers) {
  const std::string ann = NewClient(a_, "Ann Other", "ann@alcove.test");
  const std::string ben = NewClient(a_, "Ben Other", "ben@alcove.test");
  const std::string cat = NewClient(b_, "Cat Other", "cat@alcove.test");
  AppBrowser c = Accept(Invite(a_, ann), "192.0.2.63");
  auto ben_share = Share(a_, ben, "summary", ReviewedSummary(a_, ben));
  auto cat_share = Share(b_, cat, "summary", ReviewedSummary(b_, cat));
  ASSERT_EQ(ben_share.status, 201);
  ASSERT_EQ(cat_share.status, 201);
  const std::vector<std::string> others = {ben,
                                           cat,
                                           JsonMember(ben_share.body, "id"),
                                           JsonMember(cat_share.body, "id"),
                                           Assignment(a_, ben),
                                           Assignment(b_, cat)};
  int checked = 0;
  for (const auto& route : h_->app().router().routes()) {
    if (route.options.audience.kind() != Audience::Kind::kRoles) {
      continue;
    }
    bool has_id = false;
    for (const auto& seg : route.segments) {
      has_id = has_id || seg.kind != Route::Kind::kLiteral;
    }
    const bool api = route.pattern.starts_with("/api/");
    const bool for_clients = route.options.audience.Allows(Role::kClient);
    std::string type = api ? "application/json" : "application/x-www-form-urlencoded";
    std::string body;
    if (route.method != "GET" && route.method != "DELETE") {
      body = api ? R"({"answers":[0,0,0,0,0,0,0,0,0,null],"kind":"summary","item_id":"x"})"
                 : "csrf_token=" + c.csrf + "&item1=0";
    }
    if (!has_id) {
      if (!for_clients) {
        const Response res = h_->Call(c, route.method, route.pattern, body, type);
        EXPECT_EQ(res.status, 403) << route.method << " " << route.pattern << ": " << res.body;
        ++checked;
      } else if (route.method == "GET") {
        const Response res = h_->Call(c, route.method, route.pattern);
        for (const std::string& id : others) {
          EXPECT_EQ(res.body.find(id), std::string::npos) << route.pattern << " shows " << id;
        }
        for (const char* name : {"Ben", "Cat", "B.O.", "C.O."}) {
          EXPECT_EQ(res.body.find(name), std::string::npos) << route.pattern << " shows " << name;
        }
      }
      continue;
    }
    for (const std::string& id : others) {
      std::string target;
      for (const auto& seg : route.segments) {
        target += "/" + (seg.kind == Route::Kind::kLiteral ? seg.text : id);
      }
      const Response res = h_->Call(c, route.method, target, body, type);
      const int expected = for_clients ? 404 : 403;
      EXPECT_EQ(res.status, expected) << route.method << " " << target << ": " << res.body;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
  // Nothing of theirs changed.
  auto res = h_->Call(a_, "GET", "/api/v1/clients/" + ben + "/shares");
  EXPECT_EQ(json::parse(res.body).as_array().size(), 1U);
  EXPECT_TRUE(json::parse(res.body).as_array()[0].as_object().at("revoked_at").is_null());
  EXPECT_TRUE(json::parse(res.body).as_array()[0].as_object().at("first_opened_at").is_null());
}

INSTANTIATE_TEST_SUITE_P(Engines, PortalApiTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
