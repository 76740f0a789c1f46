// Supervisors over HTTP (issue #15; API.md § Supervisors; docs/supervisors.md), in
// process on both engines: invitation and acceptance, the PIN's answers (C25), ending a
// link from either side, and C29 — a supervisor calling every route of the app never
// receives a client's alias, a session's id or a session's day.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"
#include "web/router.hpp"

namespace alcove::web {
namespace {

using identity::Role;
using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;

std::string TokenOf(const mail::Message& m) {
  const auto at = m.link().find("#token=");
  return at == std::string::npos ? std::string() : m.link().substr(at + 7);
}

class SupervisorRoutesTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("associate@alcove.test", "192.0.2.1");
    auto res = h_->Call(a_, "PUT", "/api/v1/hours/profile",
                        R"({"track":"amft","degree_date":"2025-06-01"})");
    ASSERT_EQ(res.status, 200) << res.body;
    res = h_->Call(a_, "POST", "/api/v1/hours/settings", R"({"name":"Valley Clinic"})");
    ASSERT_EQ(res.status, 201) << res.body;
    setting_ = JsonMember(res.body, "id");
  }

  // Invites `email` as A; returns the link id and the mailed token.
  std::pair<std::string, std::string> Invite(const std::string& email) {
    const std::size_t before = h_->Sent().size();
    auto res = h_->Call(a_, "POST", "/api/v1/hours/supervisors",
                        R"({"email":")" + email + R"(","name":"Sam Supervisor"})");
    EXPECT_EQ(res.status, 201) << res.body;
    const auto sent = h_->Sent();
    EXPECT_EQ(sent.size(), before + 1);
    return {JsonMember(res.body, "id"), sent.empty() ? "" : TokenOf(sent.back())};
  }

  AppBrowser Accept(const std::string& token, const std::string& ip) {
    AppBrowser b{.ip = ip, .cookies = {}, .csrf = {}};
    auto res = h_->Call(b, "POST", "/api/v1/supervisor/accept", R"({"token":")" + token + R"("})");
    EXPECT_EQ(res.status, 200) << res.body;
    res = h_->Call(b, "GET", "/api/v1/me");
    EXPECT_EQ(res.status, 200) << res.body;
    EXPECT_NE(res.body.find("\"role\":\"supervisor\""), std::string::npos) << res.body;
    b.csrf = JsonMember(res.body, "csrf_token");
    return b;
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  std::string setting_;
};

TEST_P(SupervisorRoutesTest, C27InviteAcceptOnceThenTheSameRefusal) {
  const auto [link, token] = Invite("sam@alcove.test");
  ASSERT_FALSE(link.empty());
  const auto mail = h_->Sent().back();
  EXPECT_EQ(mail.link(), "https://alcove.test/supervisor/accept#token=" + token);
  AppBrowser sam = Accept(token, "192.0.2.5");
  EXPECT_NE(h_->PrincipalOf(sam).tenant, h_->PrincipalOf(a_).tenant);
  AppBrowser other{.ip = "192.0.2.6", .cookies = {}, .csrf = {}};
  auto again = h_->Call(other, "POST", "/api/v1/supervisor/accept",
                        R"({"token":")" + token + R"("})");
  EXPECT_EQ(again.status, 410) << again.body;
  EXPECT_NE(again.body.find("invitation_unusable"), std::string::npos);
  auto unknown = h_->Call(other, "POST", "/api/v1/supervisor/accept",
                          R"({"token":")" + std::string(43, 'A') + R"("})");
  EXPECT_EQ(unknown.status, 410);
  EXPECT_EQ(JsonMember(unknown.body, "message"), JsonMember(again.body, "message"));
  // The page says so in words.
  auto page = h_->Call(other, "POST", "/supervisor/accept", "token=" + token,
                       "application/x-www-form-urlencoded");
  EXPECT_EQ(page.status, 410);
  EXPECT_NE(page.body.find("cannot be used"), std::string::npos);
  EXPECT_EQ(h_->Call(other, "GET", "/supervisor/accept").status, 200);
  // The associate's list.
  auto list = h_->Call(a_, "GET", "/api/v1/hours/supervisors");
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find("\"status\":\"active\""), std::string::npos) << list.body;
  EXPECT_NE(list.body.find("sam@alcove.test"), std::string::npos);
  // The associate's audit page words the invitation and the acceptance (C40, ids only).
  auto audit = h_->Call(a_, "GET", "/audit");
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("invited a supervisor"), std::string::npos);
  EXPECT_NE(audit.body.find("A supervisor accepted your invitation"), std::string::npos);
  EXPECT_EQ(audit.body.find("sam@alcove.test"), std::string::npos);
  // A bad address is a 400 in words.
  auto bad = h_->Call(a_, "POST", "/api/v1/hours/supervisors",
                      R"({"email":"nope","name":"X"})");
  EXPECT_EQ(bad.status, 400) << bad.body;
}

TEST_P(SupervisorRoutesTest, C25PinAnswers) {
  const auto [link, token] = Invite("sam@alcove.test");
  AppBrowser sam = Accept(token, "192.0.2.5");
  EXPECT_EQ(h_->Call(sam, "PUT", "/api/v1/supervisor/pin", R"({"pin":"12345"})").status, 400);
  EXPECT_EQ(h_->Call(sam, "PUT", "/api/v1/supervisor/pin", R"({"pin":"1234567890123"})").status,
            400);
  EXPECT_EQ(h_->Call(sam, "PUT", "/api/v1/supervisor/pin", R"({"pin":"abcdef"})").status, 400);
  EXPECT_EQ(h_->Call(sam, "PUT", "/api/v1/supervisor/pin", R"({"pin":"246810"})").status, 204);
  // Forgot it: a reset link by mail lets a new one be set.
  const std::size_t before = h_->Sent().size();
  EXPECT_EQ(h_->Call(sam, "POST", "/api/v1/supervisor/pin/reset", "").status, 202);
  const auto sent = h_->Sent();
  ASSERT_EQ(sent.size(), before + 1);
  EXPECT_EQ(sent.back().kind(), mail::MailKind::kSupervisorPinReset);
  const std::string reset = TokenOf(sent.back());
  auto res = h_->Call(sam, "PUT", "/api/v1/supervisor/pin",
                      R"({"pin":"13579135","reset_token":")" + reset + R"("})");
  EXPECT_EQ(res.status, 204) << res.body;
  res = h_->Call(sam, "PUT", "/api/v1/supervisor/pin",
                 R"({"pin":"13579135","reset_token":")" + reset + R"("})");
  EXPECT_EQ(res.status, 410) << res.body;
  // A therapist or a client cannot set one.
  EXPECT_EQ(h_->Call(a_, "PUT", "/api/v1/supervisor/pin", R"({"pin":"246810"})").status, 403);
  // The pages.
  EXPECT_EQ(h_->Call(sam, "GET", "/supervisor/pin").status, 200);
  res = h_->Call(sam, "POST", "/supervisor/pin",
                 "csrf_token=" + sam.csrf + "&pin=111111&pin_again=222222",
                 "application/x-www-form-urlencoded", false);
  EXPECT_EQ(res.status, 400) << res.body;
}

TEST_P(SupervisorRoutesTest, EndingFromEitherSideRemovesAccessOnTheNextRequest) {
  const auto [link, token] = Invite("sam@alcove.test");
  AppBrowser sam = Accept(token, "192.0.2.5");
  EXPECT_EQ(h_->Call(sam, "GET", "/api/v1/supervisor/associates/" + link).status, 200);
  EXPECT_EQ(h_->Call(sam, "GET", "/supervisor/associates/" + link).status, 200);
  EXPECT_EQ(h_->Call(a_, "DELETE", "/api/v1/hours/supervisors/" + link).status, 204);
  EXPECT_EQ(h_->Call(sam, "GET", "/api/v1/supervisor/associates/" + link).status, 404);
  EXPECT_EQ(h_->Call(sam, "GET", "/api/v1/supervisor/associates").body, "[]");
  // Invited again and accepted; now the supervisor ends it.
  const auto [link2, token2] = Invite("sam@alcove.test");
  ASSERT_NE(link2, link);
  AppBrowser sam2 = Accept(token2, "192.0.2.5");
  EXPECT_EQ(h_->Call(sam2, "GET", "/api/v1/supervisor/associates/" + link2).status, 200);
  EXPECT_EQ(h_->Call(sam2, "DELETE", "/api/v1/supervisor/associates/" + link2).status, 204);
  EXPECT_EQ(h_->Call(sam2, "GET", "/api/v1/supervisor/associates/" + link2).status, 404);
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/hours/supervisors").body, "[]");
  EXPECT_EQ(h_->Call(a_, "DELETE", "/api/v1/hours/supervisors/" + link2).status, 404);
  // Another therapist's id is not found.
  AppBrowser other = h_->SignUpTherapist("other@alcove.test", "192.0.2.2");
  EXPECT_EQ(h_->Call(other, "DELETE", "/api/v1/hours/supervisors/" + link).status, 404);
}

// C29: sessions with distinctive aliases, a submitted week; then a supervisor session
// calls every route of the app and no answer names an alias, a session or its day.
TEST_P(SupervisorRoutesTest, C29ASupervisorNeverReceivesAliasesSessionIdsOrSessionDays) {
  std::vector<std::string> session_ids;
  for (const auto& [date, client] : std::vector<std::pair<std::string, std::string>>{
           {"2026-11-24", "Quentin Zephyrine"}, {"2026-11-26", "Xanthe Yarborough"}}) {
    auto res = h_->Call(a_, "POST", "/api/v1/hours/sessions",
                        R"({"date":")" + date +
                            R"(","minutes":50,"category":"individual","setting_id":")" +
                            setting_ + R"(","client":")" + client + R"("})");
    ASSERT_EQ(res.status, 201) << res.body;
    session_ids.push_back(JsonMember(res.body, "id"));
    EXPECT_NE(res.body.find(".\""), std::string::npos);
  }
  auto res = h_->Call(a_, "GET", "/api/v1/hours/weeks?from=2026-11-23&to=2026-11-23");
  const std::string week = JsonMember(res.body, "id");
  const auto [link, token] = Invite("sam@alcove.test");
  AppBrowser sam = Accept(token, "192.0.2.5");
  res = h_->Call(a_, "POST", "/api/v1/hours/weeks/" + week + "/submit",
                 R"({"supervisor_id":")" + link + R"("})");
  ASSERT_EQ(res.status, 200) << res.body;
  // The supervisor sees the week and its totals.
  res = h_->Call(sam, "GET", "/api/v1/supervisor/associates");
  ASSERT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("\"week_start\":\"2026-11-23\""), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("\"individual\":100"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("\"waiting\":true"), std::string::npos) << res.body;
  res = h_->Call(sam, "GET", "/supervisor");
  EXPECT_NE(res.body.find("/supervisor/associates/" + link), std::string::npos);

  std::vector<std::string> forbidden = {"Q.Z.", "X.Y.", "Quentin", "Xanthe", "2026-11-24",
                                        "2026-11-26", "24 November", "26 November", "24 Nov",
                                        "26 Nov", week, setting_};
  for (const auto& id : session_ids) {
    forbidden.push_back(id);
  }
  int called = 0;
  for (const auto& route : h_->app().router().routes()) {
    std::string target;
    for (const auto& seg : route.segments) {
      target += "/";
      if (seg.kind == Route::Kind::kLiteral) {
        target += seg.text;
      } else if (route.pattern.starts_with("/api/v1/supervisor/associates/") ||
                 route.pattern.starts_with("/supervisor/associates/")) {
        target += route.method == "GET" ? link : "x";  // read, but end nothing
      } else if (route.pattern.find("/sessions/") != std::string::npos) {
        target += session_ids.front();
      } else if (route.pattern.find("/weeks/") != std::string::npos) {
        target += week;
      } else if (route.pattern.find("/settings/") != std::string::npos) {
        target += setting_;
      } else {
        target += "x";
      }
    }
    if (route.pattern == "/api/v1/auth/logout" || route.pattern == "/signout" ||
        route.pattern.find("revoke") != std::string::npos) {
      continue;  // would end the supervisor's session
    }
    const bool api = route.pattern.starts_with("/api/");
    const std::string body = route.method == "GET" ? "" : (api ? "{}" : "csrf_token=" + sam.csrf);
    const Response r = h_->Call(sam, route.method, target, body,
                                api ? "application/json" : "application/x-www-form-urlencoded");
    const std::string seen = r.body + std::string(r.headers.Get("Location").value_or(""));
    for (const auto& f : forbidden) {
      EXPECT_EQ(seen.find(f), std::string::npos)
          << route.method << " " << route.pattern << " shows " << f << ":\n" << r.body;
    }
    ++called;
  }
  EXPECT_GT(called, 100);
  // Still linked and signed in after all that.
  EXPECT_EQ(h_->Call(sam, "GET", "/api/v1/supervisor/associates/" + link).status, 200);
}

// The matrix's supervisor is a real one now; every route for other roles refuses it, and
// the supervisor's routes refuse therapists and clients (C31).
TEST_P(SupervisorRoutesTest, C31SupervisorRoutesAreForSupervisorsOnly) {
  AppBrowser sam = h_->AddMember(a_, Role::kSupervisor, "sam@alcove.test", "192.0.2.5");
  AppBrowser client = h_->AddMember(a_, Role::kClient, "client@alcove.test", "192.0.2.7");
  int supervisor_routes = 0;
  for (const auto& route : h_->app().router().routes()) {
    if (route.options.audience.kind() != Audience::Kind::kRoles) {
      continue;
    }
    const bool for_supervisor = route.options.audience.Allows(Role::kSupervisor);
    const bool own_account = route.options.audience.Allows(Role::kTherapist) &&
                             route.options.audience.Allows(Role::kClient);
    if (own_account) {
      continue;  // sessions, settings, sign-out: every role's own
    }
    if (for_supervisor) {
      ++supervisor_routes;
      EXPECT_FALSE(route.options.audience.Allows(Role::kTherapist)) << route.pattern;
      EXPECT_FALSE(route.options.audience.Allows(Role::kClient)) << route.pattern;
      for (AppBrowser* b : {&a_, &client}) {
        EXPECT_EQ(h_->Call(*b, route.method, route.pattern, "").status, 403) << route.pattern;
      }
    } else {
      EXPECT_EQ(h_->Call(sam, route.method, route.pattern, "").status, 403) << route.pattern;
    }
  }
  EXPECT_GE(supervisor_routes, 10);
}

INSTANTIATE_TEST_SUITE_P(Engines, SupervisorRoutesTest,
                         ::testing::Values(testing::TestEngine::kSqlite,
                                           testing::TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == testing::TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
