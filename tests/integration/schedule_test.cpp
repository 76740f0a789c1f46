// The schedule through the real binary over HTTPS (issue #13): appointments by the API,
// another therapist's ids answer 404 (C20), the Today page is the therapist's home with
// times in words, anonymous callers get 401, and with the server stopped no database
// file holds the client's name (C01, C50).
#include <gtest/gtest.h>

#include <regex>

#include "support/browser.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

namespace alcove::testing {
namespace {

namespace json = boost::json;

constexpr char kUserAgent[] = "ScheduleTest/1.0";

struct Signed {
  Browser browser;
  std::string csrf;
  HttpResult Json(const std::string& method, const std::string& path, const json::value& body) {
    return browser.SendJson(method, path, body, {"X-CSRF-Token: " + csrf});
  }
  HttpResult Bare(const std::string& method, const std::string& path) {
    return browser.Request(method, path, std::nullopt, {"X-CSRF-Token: " + csrf});
  }
};

Signed SignedIn(const ServerProcess& server, Outbox& outbox, std::string_view tag) {
  Signed s{Browser(server.origin(), server.certificate(), kUserAgent), ""};
  EXPECT_TRUE(SignUp(s.browser, outbox, NewTestAddress(tag), "Schedule Therapist"));
  s.csrf = CsrfToken(s.browser);
  EXPECT_FALSE(s.csrf.empty());
  return s;
}

TEST(ScheduleHttps, C01C20C50AppointmentsThroughTheBinary) {
  ServerProcess server;
  ASSERT_TRUE(server.started()) << server.Stderr();
  Outbox outbox(server.data_dir());
  Signed a = SignedIn(server, outbox, "schedule.a");
  Signed b = SignedIn(server, outbox, "schedule.b");

  auto r = a.Json("POST", "/api/v1/clients", json::object{{"name", "Xylophon Wurzelbaum"}});
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string client = StringAt(JsonOf(r), "id");
  r = a.Json("PUT", "/api/v1/schedule/settings", json::object{{"time_zone", "Europe/Berlin"}});
  ASSERT_EQ(r.status, 200) << r.body;
  r = a.Json("POST", "/api/v1/appointments",
             json::object{{"client_id", client},
                          {"starts_at", "2026-10-19T09:00:00+02:00"},
                          {"minutes", 50},
                          {"repeat", json::object{{"every_days", 7}, {"count", 3}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  const auto ids = JsonOf(r).at("ids").as_array();
  ASSERT_EQ(ids.size(), 3u);
  const std::string first(ids[0].as_string());

  // Berlin leaves summer time on 2026-10-25: 9:00 local is 07:00Z, then 08:00Z.
  r = a.browser.Get("/api/v1/appointments?from=2026-10-19&to=2026-11-09");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("starts_at":"2026-10-19T07:00:00Z")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("starts_at":"2026-10-26T08:00:00Z")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("alias":"X.W.")"), std::string::npos);

  // C20: another therapist, and no one at all.
  EXPECT_EQ(b.browser.Get("/api/v1/appointments/" + first).status, 404);
  EXPECT_EQ(b.Json("PATCH", "/api/v1/appointments/" + first, json::object{{"minutes", 30}}).status,
            404);
  EXPECT_EQ(b.Bare("DELETE", "/api/v1/appointments/" + first).status, 404);
  Browser anonymous(server.origin(), server.certificate(), kUserAgent);
  EXPECT_EQ(anonymous.Get("/api/v1/appointments?from=2026-10-19&to=2026-11-09").status, 401);
  EXPECT_EQ(anonymous.Get("/schedule").status, 303);

  r = a.Json("PATCH", "/api/v1/appointments/" + first,
             json::object{{"status", "cancelled"}, {"series", "rest"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonOf(r).at("changed").as_int64(), 3);

  // The week and home pages, in words, without scripts.
  r = a.browser.Get("/schedule?week=2026-10-26");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Mon 26 Oct"), std::string::npos);
  EXPECT_NE(r.body.find("9:00 AM"), std::string::npos);
  EXPECT_NE(r.body.find("Cancelled"), std::string::npos);
  EXPECT_EQ(r.body.find("<script"), std::string::npos);
  r = a.browser.Get("/");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("<title>Today · Alcove</title>"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("Xylophon"), std::string::npos);
  EXPECT_EQ(a.Bare("DELETE", "/api/v1/appointments/" + first + "?series=rest").status, 204);
  r = a.browser.Get("/api/v1/appointments?from=2026-10-19&to=2026-11-09");
  EXPECT_EQ(r.body, "[]");

  // The audit page in words, with the client's alias.
  r = a.browser.Get("/audit");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("You booked 3 appointments with X.W."), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("You changed 3 appointments with X.W."), std::string::npos);
  EXPECT_NE(r.body.find("You changed your time zone"), std::string::npos);

  const auto db = server.data_dir() / "alcove.db";
  ASSERT_EQ(server.Stop(), 0) << server.Stderr();
  const auto files = ReadDatabaseFiles(db);
  ASSERT_FALSE(files.names.empty());
  EXPECT_FALSE(files.Contains("Xylophon"));
  EXPECT_FALSE(files.Contains("Wurzelbaum"));
  EXPECT_TRUE(files.Contains("Europe/Berlin"));  // the scan reads the schedule's rows
  EXPECT_EQ(server.Stderr().find("Xylophon"), std::string::npos);
}

}  // namespace
}  // namespace alcove::testing
