// The JSON API of supervised hours in process (issue #14; API.md § Supervised hours,
// docs/api.md): the routes as documented, 409 with the refusal's code (no_profile,
// week_submitted, week_signed), 404 for another therapist's ids on every id route (C20),
// 400 naming the member, and no name in any answer (C50).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "hours/hours.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"

namespace alcove::web {
namespace {

namespace json = boost::json;
using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;
using testing::TestEngine;

using testing::ErrorCodeOf;
// The answer as JSON (testing::ParseJson).
json::value Parse(const Response& res) { return testing::ParseJson(res); }

class HoursApiTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("associate@alcove.test", "192.0.2.51");
  }

  // A profile and a work setting; the setting's id.
  std::string Associate(AppBrowser& b) {
    auto res = h_->Call(b, "PUT", "/api/v1/hours/profile",
                        R"({"track":"amft","degree_date":"2025-06-01"})");
    EXPECT_EQ(res.status, 200) << res.body;
    res = h_->Call(b, "POST", "/api/v1/hours/settings", R"({"name":"Valley Clinic"})");
    EXPECT_EQ(res.status, 201) << res.body;
    return JsonMember(res.body, "id");
  }

  Response LogSession(AppBrowser& b, const std::string& setting, const std::string& date,
                      const std::string& extra = "") {
    return h_->Call(b, "POST", "/api/v1/hours/sessions",
                    R"({"date":")" + date + R"(","minutes":50,"category":"individual",)"
                    R"("setting_id":")" + setting + "\"" + extra + "}");
  }

  // The weekly log of the week holding `date`.
  json::object Week(AppBrowser& b, const std::string& date) {
    const auto res = h_->Call(b, "GET", "/api/v1/hours/weeks?from=2026-01-01&to=2026-12-31");
    EXPECT_EQ(res.status, 200) << res.body;
    const json::value all = Parse(res);
    for (const auto& w : all.as_array()) {
      const std::string start(w.at("week_start").as_string());
      if (start <= date && date < std::string(hours::DayText(*hours::ParseDay(start) +
                                                             std::chrono::days(7)))) {
        return w.as_object();
      }
    }
    ADD_FAILURE() << "no week holds " << date << ": " << res.body;
    return {};
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
};

TEST_P(HoursApiTest, ProfileSettingsSessionsWeeksAndSummaryAsTheApiSays) {
  auto res = h_->Call(a_, "GET", "/api/v1/hours/profile");
  EXPECT_EQ(res.status, 404) << res.body;
  res = h_->Call(a_, "PUT", "/api/v1/hours/profile",
                 R"({"track":"asw","degree_date":"2025-06-01","registration_date":"2025-07-01",)"
                 R"("registration_number":"ASW 123"})");
  ASSERT_EQ(res.status, 200) << res.body;
  res = h_->Call(a_, "GET", "/api/v1/hours/profile");
  EXPECT_EQ(res.body,
            R"({"track":"asw","degree_date":"2025-06-01","registration_date":"2025-07-01",)"
            R"("registration_number":"ASW 123","application_date":null})");

  res = h_->Call(a_, "POST", "/api/v1/hours/settings",
                 R"({"name":"Valley Clinic","exempt":true,"supervisor_license":"lcsw"})");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string valley = JsonMember(res.body, "id");
  EXPECT_EQ(res.body, R"({"id":")" + valley +
                          R"(","name":"Valley Clinic","exempt":true,"supervisor_license":"lcsw"})");
  res = h_->Call(a_, "PATCH", "/api/v1/hours/settings/" + valley, R"({"exempt":false})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find(R"("name":"Valley Clinic","exempt":false)"), std::string::npos);
  res = h_->Call(a_, "GET", "/api/v1/hours/settings");
  EXPECT_EQ(Parse(res).as_array().size(), 1u);

  res = LogSession(a_, valley, "2026-11-24", R"(,"client":"Johanna Doeberg","telehealth":true)");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string session = JsonMember(res.body, "id");
  EXPECT_EQ(res.body, R"({"id":")" + session +
                          R"(","date":"2026-11-24","minutes":50,"category":"individual",)"
                          R"("alias":"J.D.","setting_id":")" +
                          valley +
                          R"(","pre_degree":false,"telehealth":true,"video":false,"group_size":null})");
  res = h_->Call(a_, "GET", "/api/v1/hours/sessions?from=2026-11-01&to=2026-11-30");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Parse(res).as_array().size(), 1u);
  EXPECT_EQ(res.body.find("Doeberg"), std::string::npos);
  res = h_->Call(a_, "PATCH", "/api/v1/hours/sessions/" + session,
                 R"({"minutes":45,"category":"supervision_group","group_size":6,"video":true})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find(R"("minutes":45,"category":"supervision_group")"), std::string::npos);
  EXPECT_NE(res.body.find(R"("video":true,"group_size":6})"), std::string::npos);
  res = h_->Call(a_, "GET", "/api/v1/hours/sessions/" + session);
  EXPECT_EQ(JsonMember(res.body, "category"), "supervision_group");

  // The week grid in one request.
  res = h_->Call(a_, "POST", "/api/v1/hours/sessions",
                 R"({"sessions":[{"date":"2026-11-25","minutes":60,"category":"individual",)"
                 R"("setting_id":")" + valley + R"(","client":"Ann Bee"},)"
                 R"({"date":"2026-11-26","minutes":60,"category":"workshop","setting_id":")" +
                     valley + R"("}]})");
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(Parse(res).at("sessions").as_array().size(), 2u);

  json::object week = Week(a_, "2026-11-24");
  EXPECT_EQ(week.at("status"), "draft");
  EXPECT_EQ(week.at("setting_name"), "Valley Clinic");
  EXPECT_EQ(week.at("totals").at("direct_minutes"), 60);
  EXPECT_EQ(week.at("content_sha256").as_string().size(), 64u);
  EXPECT_TRUE(week.at("signed_sha256").is_null());
  const std::string week_id(week.at("id").as_string());
  res = h_->Call(a_, "GET", "/api/v1/hours/weeks/" + week_id);
  ASSERT_EQ(res.status, 200) << res.body;
  res = h_->Call(a_, "POST", "/api/v1/hours/weeks/" + week_id + "/submit", "");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(JsonMember(res.body, "status"), "submitted");
  res = h_->Call(a_, "POST", "/api/v1/hours/weeks/" + week_id + "/withdraw", "");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(JsonMember(res.body, "status"), "draft");

  res = h_->Call(a_, "GET", "/api/v1/hours/summary");
  ASSERT_EQ(res.status, 200) << res.body;
  const auto summary = Parse(res);
  EXPECT_EQ(summary.at("rules").at("id"), "ca-bbs/asw");
  EXPECT_EQ(summary.at("logged_minutes"), 165);
  EXPECT_FALSE(summary.at("bars").as_array().empty());

  res = h_->Call(a_, "DELETE", "/api/v1/hours/sessions/" + session);
  EXPECT_EQ(res.status, 204) << res.body;
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/hours/sessions/" + session).status, 404);
  // A setting in use stays.
  res = h_->Call(a_, "DELETE", "/api/v1/hours/settings/" + valley);
  EXPECT_EQ(res.status, 409) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "setting_in_use");
}

TEST_P(HoursApiTest, WithoutAProfileEveryRouteButTheProfileAnswers409NoProfile) {
  const std::string some(32, 'a');
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/v1/hours/settings"},
           {"GET", "/api/v1/hours/sessions?from=2026-11-01&to=2026-11-30"},
           {"GET", "/api/v1/hours/weeks?from=2026-11-01&to=2026-11-30"},
           {"GET", "/api/v1/hours/summary"}}) {
    const auto res = h_->Call(a_, method, target);
    EXPECT_EQ(res.status, 409) << target << ": " << res.body;
    EXPECT_EQ(ErrorCodeOf(res), "no_profile") << target;
    EXPECT_NE(res.body.find("licensure profile"), std::string::npos) << res.body;
  }
  auto res = h_->Call(a_, "POST", "/api/v1/hours/settings", R"({"name":"Valley Clinic"})");
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(ErrorCodeOf(res), "no_profile");
  res = h_->Call(a_, "POST", "/api/v1/hours/sessions",
                 R"({"date":"2026-11-24","minutes":50,"category":"individual","setting_id":")" +
                     some + "\"}");
  EXPECT_EQ(res.status, 409) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "no_profile");
  // An id names nothing without a profile: 404, as for another therapist's.
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/hours/sessions/" + some).status, 404);
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/hours/weeks/" + some).status, 404);
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/hours/profile").status, 404);
}

TEST_P(HoursApiTest, SubmittedAndSignedWeeksAnswer409AndAnAmendmentGoesThrough) {
  const std::string valley = Associate(a_);
  auto res = LogSession(a_, valley, "2026-11-24");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string session = JsonMember(res.body, "id");
  const std::string week_id(Week(a_, "2026-11-24").at("id").as_string());
  // A supervisor id that names none of the associate's supervisors is not found
  // (docs/signing.md); without one the week is marked submitted only.
  EXPECT_EQ(h_->Call(a_, "POST", "/api/v1/hours/weeks/" + week_id + "/submit",
                     R"({"supervisor_id":")" + std::string(32, 'c') + "\"}")
                .status,
            404);
  ASSERT_EQ(h_->Call(a_, "POST", "/api/v1/hours/weeks/" + week_id + "/submit", "").status, 200);
  res = h_->Call(a_, "PATCH", "/api/v1/hours/sessions/" + session, R"({"minutes":40})");
  EXPECT_EQ(res.status, 409) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "week_submitted");
  EXPECT_NE(res.body.find("withdraw it first"), std::string::npos);
  res = LogSession(a_, valley, "2026-11-25");
  EXPECT_EQ(ErrorCodeOf(res), "week_submitted");

  // The supervisor signs (issue #15's transaction).
  {
    const auto tenant = h_->PrincipalOf(a_).tenant;
    const std::string sha(Week(a_, "2026-11-24").at("content_sha256").as_string());
    auto tx = h_->db().BeginTenant(tenant);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(hours::Hours::MarkSigned(**tx, tenant, week_id, sha, 1));
    ASSERT_TRUE((*tx)->Commit());
  }
  res = h_->Call(a_, "PATCH", "/api/v1/hours/sessions/" + session, R"({"minutes":40})");
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(ErrorCodeOf(res), "week_signed");
  res = h_->Call(a_, "DELETE", "/api/v1/hours/sessions/" + session);
  EXPECT_EQ(ErrorCodeOf(res), "week_signed");
  res = h_->Call(a_, "PATCH", "/api/v1/hours/sessions/" + session,
                 R"({"minutes":40,"amend":true})");
  ASSERT_EQ(res.status, 200) << res.body;
  json::object week = Week(a_, "2026-11-24");
  EXPECT_EQ(week.at("status"), "signed");
  EXPECT_EQ(week.at("amended"), true);
  EXPECT_EQ(week.at("signature_matches"), false);
  res = LogSession(a_, valley, "2026-11-25", R"(,"amend":true)");
  EXPECT_EQ(res.status, 201) << res.body;
  res = h_->Call(a_, "DELETE", "/api/v1/hours/sessions/" + session + "?amend=true");
  EXPECT_EQ(res.status, 204) << res.body;
  res = h_->Call(a_, "DELETE", "/api/v1/hours/sessions/" + session + "?amend=maybe");
  EXPECT_EQ(res.status, 404) << "gone already, whatever the query";
}

// C20: every hours route that takes an id, as another therapist (with a profile of its
// own) with A's ids: 404 exactly as for a missing id, and nothing changes.
TEST_P(HoursApiTest, C20AnotherTherapistGets404OnEveryHoursIdRoute) {
  const std::string valley = Associate(a_);
  auto res = LogSession(a_, valley, "2026-11-24", R"(,"client":"Johanna Doeberg")");
  ASSERT_EQ(res.status, 201);
  const std::string session = JsonMember(res.body, "id");
  const std::string week(Week(a_, "2026-11-24").at("id").as_string());
  AppBrowser b = h_->SignUpTherapist("other-associate@alcove.test", "192.0.2.52");
  Associate(b);
  const auto before = h_->Call(a_, "GET", "/api/v1/hours/weeks/" + week).body;
  int walked = 0;
  for (const auto& route : h_->app().router().routes()) {
    if (!route.pattern.starts_with("/api/v1/hours/") || route.pattern.find('{') == std::string::npos ||
        route.pattern.starts_with("/api/v1/hours/imports")) {
      continue;
    }
    std::string target = route.pattern;
    const std::string id = target.find("/settings/") != std::string::npos ? valley
                           : target.find("/sessions/") != std::string::npos ? session
                                                                             : week;
    target.replace(target.find("{id}"), 4, id);
    const std::string body = route.method == "GET" || route.method == "DELETE"
                                 ? ""
                                 : R"({"minutes":10,"name":"Mine","amend":true})";
    const auto theirs = h_->Call(b, route.method, target, body);
    EXPECT_EQ(theirs.status, 404) << route.method << " " << route.pattern << ": " << theirs.body;
    std::string missing = route.pattern;
    missing.replace(missing.find("{id}"), 4, std::string(32, 'e'));
    const auto none = h_->Call(b, route.method, missing, body);
    EXPECT_EQ(theirs.body, none.body) << route.pattern << ": another's id answers as a missing one";
    EXPECT_EQ(theirs.body.find("J.D."), std::string::npos);
    ++walked;
  }
  EXPECT_GE(walked, 8);
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/hours/weeks/" + week).body, before);
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/hours/sessions/" + session).status, 200);
  EXPECT_TRUE(Parse(h_->Call(b, "GET", "/api/v1/hours/sessions?from=2026-01-01&to=2026-12-31"))
                  .as_array()
                  .empty());
}

TEST_P(HoursApiTest, BadRequestsGetA400NamingTheMemberInWords) {
  const std::string valley = Associate(a_);
  const std::string s = R"("setting_id":")" + valley + R"(")";
  struct Case {
    std::string method;
    std::string target;
    std::string body;
    std::string words;
  };
  const std::vector<Case> cases = {
      {"PUT", "/api/v1/hours/profile", R"({"track":"lmft","degree_date":"2025-06-01"})",
       "`track` is required"},
      {"PUT", "/api/v1/hours/profile", R"({"track":"amft","degree_date":"June 2025"})",
       "`degree_date` must be"},
      {"PUT", "/api/v1/hours/profile", R"({"track":"amft","degree_date":"2099-01-01"})",
       "cannot be in the future"},
      {"POST", "/api/v1/hours/settings", R"({"exempt":true})", "`name` is required"},
      {"POST", "/api/v1/hours/settings", R"({"name":"X","exempt":"yes"})",
       "`exempt` must be true or false"},
      {"POST", "/api/v1/hours/sessions",
       R"({"date":"2026-11-24","minutes":50,"category":"chat",)" + s + "}", "`category` must be"},
      {"POST", "/api/v1/hours/sessions", R"({"minutes":50,"category":"individual",)" + s + "}",
       "`date` is required"},
      {"POST", "/api/v1/hours/sessions",
       R"({"date":"2026-11-24","minutes":"50","category":"individual",)" + s + "}",
       "`minutes` must be"},
      {"POST", "/api/v1/hours/sessions",
       R"({"date":"2026-11-24","minutes":0,"category":"individual",)" + s + "}",
       "1 to 1,440 minutes"},
      {"POST", "/api/v1/hours/sessions", R"({"date":"2026-11-24","minutes":50,"category":"individual"})",
       "`setting_id` is required"},
      {"POST", "/api/v1/hours/sessions",
       R"({"date":"2026-11-24","minutes":50,"category":"individual","room":4,)" + s + "}",
       "Unknown member"},
      {"POST", "/api/v1/hours/sessions",
       R"({"date":"2026-11-24","minutes":50,"category":"individual","video":true,)" + s + "}",
       "Video is only for supervision"},
      {"POST", "/api/v1/hours/sessions",
       R"({"sessions":[{"date":"2026-11-24","minutes":50,"category":"individual",)" + s +
           R"(},{"date":"2026-11-25","minutes":5000,"category":"individual",)" + s + "}]}",
       "Session 2: "},
      {"GET", "/api/v1/hours/sessions?from=2026-11-01", "", "`to` must be a date"},
      {"GET", "/api/v1/hours/weeks?from=2020-01-01&to=2026-11-01", "", "at most 3 years"},
  };
  for (const Case& c : cases) {
    const auto res = h_->Call(a_, c.method, c.target, c.body);
    EXPECT_EQ(res.status, 400) << c.body << " -> " << res.body;
    EXPECT_NE(res.body.find(c.words), std::string::npos) << c.body << " -> " << res.body;
  }
  // Nothing of the refused grid went in.
  EXPECT_TRUE(Parse(h_->Call(a_, "GET", "/api/v1/hours/sessions?from=2026-11-01&to=2026-11-30"))
                  .as_array()
                  .empty());
  const auto res = LogSession(a_, valley, "2026-11-24", R"(,"client":"12345")");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body.find("12345"), std::string::npos) << "the refusal never repeats the name";
}

// C40: the audit page tells the associate what each hours event was, in words, and no
// client (the events hold ids only).
TEST_P(HoursApiTest, C40TheAuditPageWordsHoursEvents) {
  const std::string valley = Associate(a_);
  auto res = LogSession(a_, valley, "2026-11-24", R"(,"client":"Johanna Doeberg")");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string session = JsonMember(res.body, "id");
  ASSERT_EQ(h_->Call(a_, "PATCH", "/api/v1/hours/sessions/" + session, R"({"minutes":45})").status,
            200);
  const std::string week(Week(a_, "2026-11-24").at("id").as_string());
  ASSERT_EQ(h_->Call(a_, "POST", "/api/v1/hours/weeks/" + week + "/submit").status, 200);
  ASSERT_EQ(h_->Call(a_, "POST", "/api/v1/hours/weeks/" + week + "/withdraw").status, 200);
  ASSERT_EQ(h_->Call(a_, "DELETE", "/api/v1/hours/sessions/" + session).status, 204);
  const Response page = h_->Call(a_, "GET", "/audit");
  ASSERT_EQ(page.status, 200) << page.body;
  for (const char* words :
       {"You set up hours tracking", "You added a work setting", "You logged the hours of a session",
        "You changed a logged session", "You submitted a weekly log to the supervisor",
        "You took back a submitted weekly log", "You deleted a logged session"}) {
    EXPECT_NE(page.body.find(words), std::string::npos) << words;
  }
  EXPECT_EQ(page.body.find("deleted client"), std::string::npos);
  EXPECT_EQ(page.body.find("hours_setting"), std::string::npos);
  EXPECT_EQ(page.body.find("J.D."), std::string::npos);
  EXPECT_EQ(page.body.find("Doeberg"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Engines, HoursApiTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
