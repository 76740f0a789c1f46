// The schedule's routes in process (issue #13): the appointments API as API.md §
// Appointments says, its errors, tenant isolation, and the pages (Today as the
// therapist's home, the week view, the time zone page) with times in words.
#include <gtest/gtest.h>

#include <regex>

#include "core/clock.hpp"
#include "core/time_text.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"

namespace alcove::web {
namespace {

using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;
using testing::TestEngine;

class ScheduleRoutesTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("sched@alcove.test", "192.0.2.31");
    today_ = FormatRfc3339(SystemClock::Instance().Now()).substr(0, 10);
  }

  std::string NewClient(AppBrowser& b, const std::string& name) {
    auto res = h_->Call(b, "POST", "/api/v1/clients", R"({"name":")" + name + R"("})");
    EXPECT_EQ(res.status, 201) << res.body;
    return JsonMember(res.body, "id");
  }

  Response Book(AppBrowser& b, const std::string& client, const std::string& starts,
                const std::string& extra = "") {
    return h_->Call(b, "POST", "/api/v1/appointments",
                    R"({"client_id":")" + client + R"(","starts_at":")" + starts +
                        R"(","minutes":50)" + extra + "}");
  }

  Response Form(AppBrowser& b, const std::string& target, const std::string& fields) {
    return h_->Call(b, "POST", target, "csrf_token=" + b.csrf + "&" + fields,
                    "application/x-www-form-urlencoded");
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  std::string today_;
};

TEST_P(ScheduleRoutesTest, CreateListChangeAndDeleteAsTheApiSays) {
  const std::string c = NewClient(a_, "Zorblatt Quixotic");
  auto res = Book(a_, c, "2026-12-01T09:00:00-08:00", R"(,"kind":"intake")");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string one = JsonMember(res.body, "id");
  EXPECT_EQ(res.body, R"({"id":")" + one + R"("})");
  res = Book(a_, c, "2026-12-02T17:00:00Z", R"(,"repeat":{"every_days":7,"count":3})");
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_TRUE(
      std::regex_match(res.body, std::regex(R"(\{"ids":\["[0-9a-f]{32}"(,"[0-9a-f]{32}"){2}\]\})")))
      << res.body;

  res =
      h_->Call(a_, "GET", "/api/v1/appointments?from=2026-12-01T00:00:00Z&to=2026-12-31T00:00:00Z");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body.find(R"([{"id":")" + one + R"(","client_id":")" + c +
                          R"(","alias":"Z.Q.","starts_at":"2026-12-01T17:00:00Z","minutes":50,)"
                          R"("kind":"intake","status":"scheduled"})"),
            0u)
      << res.body;
  EXPECT_EQ(res.body.find("Zorblatt"), std::string::npos);

  res = h_->Call(a_, "PATCH", "/api/v1/appointments/" + one, R"({"status":"attended"})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(JsonMember(res.body, "id"), one);
  res = h_->Call(a_, "GET", "/api/v1/appointments/" + one);
  EXPECT_NE(res.body.find(R"("status":"attended")"), std::string::npos) << res.body;

  res = h_->Call(a_, "DELETE", "/api/v1/appointments/" + one);
  EXPECT_EQ(res.status, 204);
  res = h_->Call(a_, "GET", "/api/v1/appointments/" + one);
  EXPECT_EQ(res.status, 404);
}

TEST_P(ScheduleRoutesTest, BadRequestsGetA400WithAPlainMessage) {
  const std::string c = NewClient(a_, "Ann Bee");
  struct Case {
    std::string body;
    std::string words;
  };
  const std::string id = R"("client_id":")" + c + R"(",)";
  for (
      const Case& k : std::vector<Case>{
          {"{" + id + R"("starts_at":"tomorrow","minutes":50})", "RFC 3339"},
          {"{" + id + R"("starts_at":"2026-12-01T09:00:00Z"})", "`minutes` is required"},
          {"{" + id + R"("starts_at":"2026-12-01T09:00:00Z","minutes":"50"})", "`minutes` must"},
          {"{" + id + R"("starts_at":"2026-12-01T09:00:00Z","minutes":3})", "5 to 600 minutes"},
          {"{" + id + R"("starts_at":"2026-12-01T09:00:00Z","minutes":50,"kind":"party"})",
           "`kind` must"},
          {"{" + id + R"("starts_at":"2026-12-01T09:00:00Z","minutes":50,"room":"2"})",
           "Unknown member"},
          {"{" + id + R"("starts_at":"2026-12-01T09:00:00Z","minutes":50,"repeat":{"count":3}})",
           "`every_days`"},
          {"{" + id +
               R"("starts_at":"2026-12-01T09:00:00Z","minutes":50,"repeat":{"every_days":7,"count":500}})",
           "2 to 104"},
          {R"({"starts_at":"2026-12-01T09:00:00Z","minutes":50})", "client_id"},
          {"[1]", "JSON object"},
      }) {
    const auto res = h_->Call(a_, "POST", "/api/v1/appointments", k.body);
    EXPECT_EQ(res.status, 400) << k.body << " -> " << res.body;
    EXPECT_NE(res.body.find(k.words), std::string::npos) << k.body << " -> " << res.body;
  }
  auto res = Book(a_, c, "2026-12-01T09:00:00Z");
  const std::string appt = JsonMember(res.body, "id");
  for (const std::string& body : {std::string("{}"), std::string(R"({"status":"gone"})"),
                                  std::string(R"({"series":"all","minutes":30})")}) {
    res = h_->Call(a_, "PATCH", "/api/v1/appointments/" + appt, body);
    EXPECT_EQ(res.status, 400) << body << " -> " << res.body;
  }
  res = h_->Call(a_, "GET", "/api/v1/appointments?from=2026-12-01T00:00:00Z");
  EXPECT_EQ(res.status, 400) << res.body;
  res = h_->Call(a_, "GET", "/api/v1/appointments?from=2026-12-01&to=2028-12-01");
  EXPECT_EQ(res.status, 400) << res.body;
  res = h_->Call(a_, "PUT", "/api/v1/schedule/settings", R"({"time_zone":"Mars/Olympus"})");
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_NE(res.body.find("America/Los_Angeles"), std::string::npos) << res.body;
  res = h_->Call(a_, "DELETE", "/api/v1/appointments/" + appt + "?series=everything");
  EXPECT_EQ(res.status, 400) << res.body;
}

TEST_P(ScheduleRoutesTest, C20AnotherTherapistGets404AndBooksNoneOfTheClients) {
  const std::string c = NewClient(a_, "Ann Bee");
  const std::string appt = JsonMember(Book(a_, c, "2026-12-01T09:00:00Z").body, "id");
  AppBrowser other = h_->SignUpTherapist("other-sched@alcove.test", "192.0.2.32");
  EXPECT_EQ(Book(other, c, "2026-12-01T09:00:00Z").status, 404);
  EXPECT_EQ(h_->Call(other, "GET", "/api/v1/appointments/" + appt).status, 404);
  EXPECT_EQ(h_->Call(other, "PATCH", "/api/v1/appointments/" + appt, R"({"minutes":30})").status,
            404);
  EXPECT_EQ(h_->Call(other, "DELETE", "/api/v1/appointments/" + appt).status, 404);
  EXPECT_EQ(Form(other, "/schedule/appointments/" + appt, "action=cancel").status, 404);
  auto res = h_->Call(other, "GET",
                      "/api/v1/appointments?from=2026-11-01T00:00:00Z&to=2026-12-31T00:00:00Z");
  EXPECT_EQ(res.body, "[]");
  res = h_->Call(a_, "GET", "/api/v1/appointments/" + appt);
  EXPECT_NE(res.body.find(R"("minutes":50,)"), std::string::npos) << res.body;
}

TEST_P(ScheduleRoutesTest, TodayIsTheTherapistsHomeWithFirstStepsThenSessionsInWords) {
  auto home = h_->Call(a_, "GET", "/");
  ASSERT_EQ(home.status, 200);
  EXPECT_NE(home.body.find("First steps"), std::string::npos);
  EXPECT_NE(home.body.find("href=\"/schedule/time-zone\""), std::string::npos);
  EXPECT_NE(home.body.find("Nothing scheduled today"), std::string::npos);

  const std::string c = NewClient(a_, "Zorblatt Quixotic");
  auto res = Form(a_, "/schedule/time-zone", "time_zone=Asia%2FKolkata");
  ASSERT_EQ(res.status, 303) << res.body;
  // 00:01 local today (Kolkata is UTC+5:30): today whatever the time of day.
  const Micros now = SystemClock::Instance().Now();
  const Micros kolkata = now + (5 * 60 + 30) * 60 * kMicrosPerSecond;
  const std::string local_today = FormatRfc3339(kolkata).substr(0, 10);
  res = Book(a_, c, local_today + "T00:01:00+05:30");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string appt = JsonMember(res.body, "id");
  home = h_->Call(a_, "GET", "/");
  ASSERT_EQ(home.status, 200);
  EXPECT_EQ(home.body.find("First steps"), std::string::npos) << home.body;
  EXPECT_NE(home.body.find("12:01 AM"), std::string::npos) << home.body;
  EXPECT_NE(home.body.find("Z.Q."), std::string::npos);
  EXPECT_NE(home.body.find("href=\"/clients/" + c + "/notes/new?appointment=" + appt + "\""),
            std::string::npos);
  EXPECT_EQ(home.body.find("Zorblatt"), std::string::npos);
  EXPECT_FALSE(std::regex_search(home.body, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d)")))
      << "an ISO time on the page";
  EXPECT_NE(home.body.find("href=\"/clients\""), std::string::npos);  // the links home had

  // Attended, no note yet: "Notes to write" (once it is in the past).
  res = Form(a_, "/schedule/appointments/" + appt, "action=attended&back=today");
  ASSERT_EQ(res.status, 303);
  EXPECT_EQ(res.headers.Get("Location").value_or(""), "/");
  home = h_->Call(a_, "GET", "/");
  EXPECT_NE(home.body.find("Attended"), std::string::npos);
  EXPECT_NE(home.body.find("Notes to write"), std::string::npos) << home.body;
}

TEST_P(ScheduleRoutesTest, WeekViewFormErrorsAreNextToTheFieldAndKeepTheValues) {
  const std::string c = NewClient(a_, "Ann Bee");
  auto res = Form(a_, "/schedule/appointments",
                  "client_id=" + c + "&date=2026-12-02&time=25:00&minutes=abc&kind=intake" +
                      "&repeat=days&every_days=10&count=1&week=2026-11-30");
  ASSERT_EQ(res.status, 400) << res.body;
  EXPECT_NE(res.body.find("id=\"time-error\""), std::string::npos);
  EXPECT_NE(res.body.find("id=\"minutes-error\""), std::string::npos);
  EXPECT_NE(res.body.find("value=\"abc\""), std::string::npos);  // kept
  EXPECT_NE(res.body.find("value=\"10\""), std::string::npos);
  EXPECT_NE(res.body.find("value=\"intake\" selected"), std::string::npos);
  EXPECT_NE(res.body.find("value=\"" + c + "\" selected"), std::string::npos);
  res = Form(a_, "/schedule/appointments",
             "client_id=" + c + "&date=2026-12-02&time=09:00&minutes=50&kind=session" +
                 "&repeat=days&every_days=10&count=1");
  ASSERT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("id=\"count-error\""), std::string::npos);

  res = Form(a_, "/schedule/appointments",
             "client_id=" + c + "&date=2026-12-02&time=09:00&minutes=50&kind=session" +
                 "&repeat=weekly&count=2");
  ASSERT_EQ(res.status, 303) << res.body;
  EXPECT_EQ(res.headers.Get("Location").value_or(""), "/schedule?week=2026-11-30");
  auto week = h_->Call(a_, "GET", "/schedule?week=2026-12-03");
  ASSERT_EQ(week.status, 200);
  EXPECT_NE(week.body.find("Week of Mon 30 Nov"), std::string::npos) << week.body;
  EXPECT_NE(week.body.find("Wed 2 Dec"), std::string::npos);
  EXPECT_NE(week.body.find("9:00 AM"), std::string::npos);
  EXPECT_NE(week.body.find("Cancel this and later"), std::string::npos);
  EXPECT_NE(week.body.find("/schedule?week=2026-12-07"), std::string::npos);
  EXPECT_NE(week.body.find("/schedule?week=2026-11-23"), std::string::npos);

  auto list = h_->Call(a_, "GET", "/api/v1/appointments?from=2026-11-30&to=2026-12-14");
  const std::string appt = JsonMember(list.body, "id");
  res = Form(a_, "/schedule/appointments/" + appt,
             "action=reschedule&date=2026-12-04&time=02:00&minutes=900&back=2026-11-30");
  ASSERT_EQ(res.status, 400) << res.body;
  EXPECT_NE(res.body.find("id=\"r-minutes-" + appt + "-error\""), std::string::npos);
  EXPECT_NE(res.body.find("value=\"900\""), std::string::npos);
  res = Form(a_, "/schedule/appointments/" + appt,
             "action=reschedule&date=2026-12-04&time=14:30&minutes=45&back=2026-11-30");
  ASSERT_EQ(res.status, 303) << res.body;
  res = h_->Call(a_, "GET", "/api/v1/appointments/" + appt);
  EXPECT_NE(res.body.find(R"("starts_at":"2026-12-04T14:30:00Z","minutes":45)"), std::string::npos)
      << res.body;
  // Without the CSRF token: refused, nothing changes.
  res = h_->Call(a_, "POST", "/schedule/appointments/" + appt, "action=cancel",
                 "application/x-www-form-urlencoded", false);
  EXPECT_EQ(res.status, 403);
  res = h_->Call(a_, "GET", "/api/v1/appointments/" + appt);
  EXPECT_NE(res.body.find(R"("status":"scheduled")"), std::string::npos) << res.body;
}

TEST_P(ScheduleRoutesTest, ClientListShowsTheNextAppointmentInLocalWords) {
  const std::string c = NewClient(a_, "Ann Bee");
  NewClient(a_, "Cid Dee");
  ASSERT_EQ(
      h_->Call(a_, "PUT", "/api/v1/schedule/settings", R"({"time_zone":"America/Los_Angeles"})")
          .status,
      200);
  ASSERT_EQ(Book(a_, c, "2099-12-01T17:00:00Z").status, 201);
  auto page = h_->Call(a_, "GET", "/clients");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Tue 1 Dec, 9:00 AM"), std::string::npos) << page.body;
  // The audit page says it in words (the harness lends no aliases to it).
  auto audit = h_->Call(a_, "GET", "/audit");
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("You booked an appointment with "), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("You changed your time zone"), std::string::npos);
  EXPECT_EQ(audit.body.find("schedule_settings"), std::string::npos);
  auto api = h_->Call(a_, "GET", "/api/v1/clients");
  EXPECT_NE(api.body.find(R"("next_appointment":"2099-12-01T17:00:00Z")"), std::string::npos)
      << api.body;
  EXPECT_NE(api.body.find(R"("next_appointment":null)"), std::string::npos) << api.body;
  api = h_->Call(a_, "GET", "/api/v1/clients?q=A.B.");
  EXPECT_NE(api.body.find(R"("next_appointment":"2099-12-01T17:00:00Z")"), std::string::npos)
      << api.body;
}

TEST_P(ScheduleRoutesTest, ANewNoteFromAnAppointmentHasItsLocalDateTimeAndLength) {
  const std::string c = NewClient(a_, "Ann Bee");
  const std::string other_client = NewClient(a_, "Cid Dee");
  ASSERT_EQ(
      h_->Call(a_, "PUT", "/api/v1/schedule/settings", R"({"time_zone":"Asia/Kolkata"})").status,
      200);
  // 20:00 UTC on 15 June is 01:30 on 16 June in Kolkata (UTC+5:30).
  const std::string appt = JsonMember(
      Book(a_, c, "2026-06-15T20:00:00Z", R"(,"kind":"intake")").body, "id");
  ASSERT_FALSE(appt.empty());
  auto editor = [&](const std::string& client, const std::string& appointment) {
    auto res = h_->Call(a_, "GET", "/clients/" + client + "/notes/new?appointment=" + appointment);
    EXPECT_EQ(res.status, 200) << res.body;
    return res.body;
  };
  const std::string page = editor(c, appt);
  EXPECT_NE(page.find(R"(name="session_date" value="2026-06-16")"), std::string::npos) << page;
  EXPECT_NE(page.find(R"(name="session_time" value="01:30")"), std::string::npos) << page;
  EXPECT_NE(page.find(R"(name="duration_minutes" value="50")"), std::string::npos) << page;

  // Another client's, another tenant's or no appointment at all: the editor as without it.
  AppBrowser other = h_->SignUpTherapist("other-note@alcove.test", "192.0.2.33");
  const std::string theirs_client = NewClient(other, "Eve Eff");
  const std::string theirs =
      JsonMember(Book(other, theirs_client, "2026-12-01T20:00:00Z").body, "id");
  ASSERT_FALSE(theirs.empty());
  for (const std::string& body :
       {editor(other_client, appt), editor(c, theirs), editor(c, "nonsense")}) {
    EXPECT_EQ(body.find("2026-06-16"), std::string::npos);
    EXPECT_NE(body.find(R"(name="session_time" value="")"), std::string::npos);
    EXPECT_NE(body.find(R"(name="duration_minutes" value="")"), std::string::npos);
  }
}

// A new note's session date is the therapist's today, not the UTC day: a zone whose day
// differs from UTC's right now (Pago Pago, UTC-11, before 11:00 UTC; else Kiritimati,
// UTC+14), neither with daylight saving.
TEST_P(ScheduleRoutesTest, ANewNoteIsDatedTheTherapistsLocalToday) {
  const std::string c = NewClient(a_, "Ann Bee");
  const Micros now = SystemClock::Instance().Now();
  const std::int64_t utc_hour = (now / 3'600'000'000) % 24;
  const bool west = utc_hour < 11;
  const std::string zone = west ? "Pacific/Pago_Pago" : "Pacific/Kiritimati";
  const std::int64_t offset = (west ? -11 : 14) * std::int64_t{3'600'000'000};
  ASSERT_EQ(h_->Call(a_, "PUT", "/api/v1/schedule/settings",
                     R"({"time_zone":")" + zone + R"("})")
                .status,
            200);
  auto res = h_->Call(a_, "GET", "/clients/" + c + "/notes/new");
  ASSERT_EQ(res.status, 200) << res.body;
  auto dated = [&](Micros t) {
    const std::string day = FormatRfc3339(t + offset).substr(0, 10);
    return res.body.find(R"(name="session_date" value=")" + day + "\"") != std::string::npos;
  };
  // The days differ, so the UTC day would fail the test.
  ASSERT_NE(FormatRfc3339(now + offset).substr(0, 10), FormatRfc3339(now).substr(0, 10));
  EXPECT_TRUE(dated(now) || dated(SystemClock::Instance().Now()))
      << zone << ": " << res.body;
}

// "h:MM AM" of `t` in Kolkata (UTC+5:30, no daylight saving), as TimeZone::Words ends.
std::string KolkataClock(Micros t) {
  const std::int64_t minutes = (t / 60'000'000 + 5 * 60 + 30) % (24 * 60);
  const std::int64_t hour = minutes / 60;
  return std::to_string(hour % 12 == 0 ? 12 : hour % 12) + ":" +
         (minutes % 60 < 10 ? "0" : "") + std::to_string(minutes % 60) +
         (hour < 12 ? " AM" : " PM");
}

TEST_P(ScheduleRoutesTest, EveryTimeOnATherapistsPagesIsInTheirZone) {
  // Before a zone is set: UTC, and the words say so.
  auto settings = h_->Call(a_, "GET", "/settings");
  ASSERT_EQ(settings.status, 200);
  EXPECT_NE(settings.body.find(" UTC</td>"), std::string::npos) << settings.body;
  ASSERT_EQ(
      h_->Call(a_, "PUT", "/api/v1/schedule/settings", R"({"time_zone":"Asia/Kolkata"})").status,
      200);
  const std::string c = NewClient(a_, "Ann Bee");
  const Micros before = SystemClock::Instance().Now();
  auto res = h_->Call(a_, "POST", "/api/v1/clients/" + c + "/notes",
                      R"({"session_date":"2026-11-21","format":"soap","content":{"subjective":"x"}})");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string note = JsonMember(res.body, "id");
  const std::vector<std::string> targets = {"/notes/" + note + "/history", "/audit", "/settings"};
  std::vector<std::string> pages;
  for (const auto& target : targets) {
    res = h_->Call(a_, "GET", target);
    ASSERT_EQ(res.status, 200) << target;
    pages.push_back(res.body);
  }
  const Micros after = SystemClock::Instance().Now();
  for (std::size_t i = 0; i < pages.size(); ++i) {
    EXPECT_EQ(pages[i].find(" UTC"), std::string::npos) << targets[i];
    EXPECT_TRUE(std::regex_search(pages[i], std::regex(R"(\d{1,2}:\d{2} (AM|PM))")))
        << targets[i];
  }
  // The note just saved and the event it made carry the time as it is in Kolkata now.
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(pages[i].find(KolkataClock(before)) != std::string::npos ||
                pages[i].find(KolkataClock(after)) != std::string::npos)
        << targets[i] << " " << KolkataClock(before);
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, ScheduleRoutesTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
