// The associate's hours pages in process (issue #14; docs/hours.md § Pages), on both
// engines: a therapist without a licensure profile is sent to the setup and sees the
// entry points on Settings and Today but no "Hours" item; the setup, settings, sessions,
// week grid, weekly logs and progress pages render, their forms post, and refusals show
// next to their fields with what was typed kept; a typed client name is shown back only
// as initials, and no name reaches a title or an address (C50); a signed week changes
// only when the amendment is ticked; another tenant's ids answer 404 (C20).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>
#include <regex>

#include "core/clock.hpp"
#include "core/time_text.hpp"
#include "hours/hours.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"

namespace alcove::web {
namespace {

using testing::AppBrowser;
using testing::AppHarness;
using testing::TestEngine;

std::string Enc(std::string_view s) {
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

bool Has(std::string_view text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

std::string TitleOf(const std::string& html) {
  const auto open = html.find("<title>");
  const auto close = html.find("</title>");
  return open == std::string::npos ? "" : html.substr(open + 7, close - open - 7);
}

std::string NavOf(const std::string& html) {
  const auto open = html.find("<nav class=\"site-nav\"");
  return open == std::string::npos ? "" : html.substr(open, html.find("</nav>", open) - open);
}

// Every id the page links to with `prefix` ("/hours/sessions/"), in order.
std::vector<std::string> IdsAfter(const std::string& html, const std::string& prefix) {
  std::vector<std::string> out;
  const std::regex id(std::regex_replace(prefix, std::regex(R"([/.])"), R"(\$&)") +
                      "([0-9a-f]{32})");
  for (std::sregex_iterator it(html.begin(), html.end(), id), end; it != end; ++it) {
    if (std::find(out.begin(), out.end(), (*it)[1]) == out.end()) {
      out.push_back((*it)[1]);
    }
  }
  return out;
}

class HoursPagesTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("associate@alcove.test", "192.0.2.41");
    const auto today = hours::ParseDay(FormatRfc3339(SystemClock::Instance().Now()).substr(0, 10));
    ASSERT_TRUE(today);
    today_ = *today;
    // A week that has passed entirely: every day of it may hold hours.
    week_ = hours::WeekStart(today_) - std::chrono::days(14);
  }

  Response Form(AppBrowser& b, const std::string& target, const std::string& fields) {
    return h_->Call(b, "POST", target, "csrf_token=" + b.csrf + "&" + fields,
                    "application/x-www-form-urlencoded");
  }

  std::string Day(int offset) { return hours::DayText(week_ + std::chrono::days(offset)); }

  // A profile (AMFT) and one setting; the setting's id.
  std::string SetUpAssociate(AppBrowser& b) {
    auto res = Form(b, "/hours/setup",
                    "track=amft&degree_date=2024-06-15&registration_date=2024-08-01&"
                    "registration_number=AMFT+123456&application_date=");
    EXPECT_EQ(res.status, 303) << res.body;
    res = Form(b, "/hours/settings", "name=Valley+Clinic&supervisor_license=lmft");
    EXPECT_EQ(res.status, 303) << res.body;
    res = h_->Call(b, "GET", "/hours/setup");
    const auto ids = IdsAfter(res.body, "/hours/settings/");
    EXPECT_EQ(ids.size(), 1u) << res.body;
    return ids.empty() ? "" : ids.front();
  }

  Response AddSession(AppBrowser& b, const std::string& setting, const std::string& extra) {
    return Form(b, "/hours/sessions",
                "date=" + Day(1) + "&length=50&unit=minutes&category=individual&setting_id=" +
                    setting + "&phase=auto&" + extra);
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  hours::Day today_{};
  hours::Day week_{};
};

TEST_P(HoursPagesTest, ATherapistWithoutAProfileIsSentToTheSetupAndSeesOnlyTheEntryPoints) {
  for (const char* page : {"/hours", "/hours/sessions", "/hours/week", "/hours/weeks"}) {
    const Response res = h_->Call(a_, "GET", page);
    EXPECT_EQ(res.status, 303) << page;
    EXPECT_EQ(res.headers.Get("Location").value_or(""), "/hours/setup") << page;
  }
  // The page of one object: there is none of theirs, like another tenant's (C20).
  EXPECT_EQ(h_->Call(a_, "GET", "/hours/sessions/0123456789abcdef0123456789abcdef").status, 404);
  auto res = Form(a_, "/hours/week", "start=" + Day(0));
  EXPECT_EQ(res.status, 303);
  res = h_->Call(a_, "GET", "/hours/setup");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(TitleOf(res.body), "Set up hours tracking · Alcove");
  EXPECT_TRUE(Has(res.body, "Associate Marriage and Family Therapist"));
  EXPECT_TRUE(Has(res.body, "Associate Professional Clinical Counselor"));
  EXPECT_TRUE(Has(res.body, "Associate Clinical Social Worker"));
  EXPECT_TRUE(Has(res.body, "6 years")) << "the planned application date explains the window";
  for (const char* page : {"/", "/settings", "/clients"}) {
    res = h_->Call(a_, "GET", page);
    EXPECT_FALSE(Has(NavOf(res.body), "/hours")) << page;
  }
  res = h_->Call(a_, "GET", "/settings");
  EXPECT_TRUE(Has(res.body,
                  "Gathering hours toward licensure? <a href=\"/hours/setup\">Set up "
                  "hours tracking</a>"))
      << res.body;
  res = h_->Call(a_, "GET", "/");
  EXPECT_TRUE(Has(res.body, "Set up hours tracking"));
}

TEST_P(HoursPagesTest, TheSetupShowsErrorsNextToTheirFieldsAndKeepsWhatWasTyped) {
  auto res = Form(a_, "/hours/setup",
                  "track=amft&degree_date=2024-02-30&registration_number=" + Enc("AMFT#12") +
                      "&application_date=2020-01-01");
  ASSERT_EQ(res.status, 400);
  EXPECT_TRUE(Has(res.body, R"(id="degree_date" name="degree_date" required value="2024-02-30" )"
                            R"(aria-invalid="true" aria-describedby="degree_date-error")"))
      << res.body;
  EXPECT_TRUE(Has(res.body, R"(<p class="field-error" id="degree_date-error">)"));
  EXPECT_TRUE(Has(res.body, R"(<p class="field-error" id="registration_number-error">)"));
  EXPECT_TRUE(Has(res.body, R"(value="AMFT#12")"));
  // The service's own check of the dates' order, next to its field.
  res = Form(a_, "/hours/setup", "track=apcc&degree_date=2024-06-15&registration_date=2024-01-01");
  ASSERT_EQ(res.status, 400);
  EXPECT_TRUE(Has(res.body, R"(<p class="field-error" id="registration_date-error">The )"
                            R"(registration date cannot be before the degree date.</p>)"))
      << res.body;
  EXPECT_TRUE(Has(res.body, R"(value="apcc" required checked)"));
  res = h_->Call(a_, "GET", "/hours");
  EXPECT_EQ(res.status, 303) << "nothing was saved";

  const std::string setting = SetUpAssociate(a_);
  ASSERT_FALSE(setting.empty());
  res = h_->Call(a_, "GET", "/hours/setup?done=profile_saved");
  EXPECT_EQ(TitleOf(res.body), "Licensure profile · Alcove");
  EXPECT_TRUE(Has(res.body, "Valley Clinic"));
  EXPECT_TRUE(Has(res.body, "LMFT (Licensed Marriage and Family Therapist)"));
  EXPECT_TRUE(Has(NavOf(res.body), R"(href="/hours" aria-current="true">Hours</a>)"))
      << NavOf(res.body);
  // A setting with no name; then renamed, made exempt, and deleted.
  res = Form(a_, "/hours/settings", "name=+&supervisor_license=lmft");
  ASSERT_EQ(res.status, 400);
  EXPECT_TRUE(Has(res.body, R"(id="new-setting-name-error">Enter the name of the place)"));
  res = h_->Call(a_, "GET", "/hours/settings/" + setting);
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(TitleOf(res.body), "Work setting · Alcove");
  res = Form(a_, "/hours/settings/" + setting,
             "name=Hillside+School&exempt=yes&supervisor_license=lcsw");
  EXPECT_EQ(res.status, 303);
  res = h_->Call(a_, "GET", "/hours/setup");
  EXPECT_TRUE(Has(res.body, "Hillside School"));
  EXPECT_TRUE(Has(res.body, ">Exempt<"));
  res = h_->Call(a_, "GET", "/");
  EXPECT_TRUE(
      Has(res.body, R"(Supervised hours: <a href="/hours/week">type this week’s hours</a>)"));
  EXPECT_FALSE(Has(res.body, "Set up hours tracking"));
  res = h_->Call(a_, "GET", "/settings");
  EXPECT_TRUE(Has(res.body, "You track supervised hours as an AMFT."));
  EXPECT_FALSE(Has(res.body, "Set up hours tracking"));
  res = Form(a_, "/hours/settings/" + setting, "action=delete");
  EXPECT_EQ(res.status, 303);
  res = h_->Call(a_, "GET", "/hours/setup");
  EXPECT_FALSE(Has(res.body, "Hillside School"));
}

TEST_P(HoursPagesTest, C50ASessionWithATypedNameShowsOnlyInitialsAndNoNameInTitlesOrAddresses) {
  const std::string setting = SetUpAssociate(a_);
  // A refused form shows the initials back, never the name.
  auto res = AddSession(a_, setting, "client_name=Zorblatt+Quixotic&length=abc");
  ASSERT_EQ(res.status, 400);
  EXPECT_FALSE(Has(res.body, "Zorblatt"));
  EXPECT_FALSE(Has(res.body, "Quixotic"));
  EXPECT_TRUE(Has(res.body, R"(name="client_name" autocomplete="off" value="Z.Q.")")) << res.body;
  EXPECT_TRUE(Has(res.body, R"(id="length-error">Enter the length in whole minutes)"));
  res = AddSession(a_, setting, "client_name=Zorblatt+Quixotic&telehealth=yes");
  ASSERT_EQ(res.status, 303) << res.body;
  const std::string location(res.headers.Get("Location").value_or(""));
  EXPECT_EQ(location, "/hours/sessions?week=" + Day(0) + "&done=session_added");
  res = h_->Call(a_, "GET", location);
  ASSERT_EQ(res.status, 200);
  EXPECT_TRUE(Has(res.body, "Session logged."));
  EXPECT_TRUE(Has(res.body, ">Z.Q.<"));
  EXPECT_TRUE(Has(res.body, "telehealth"));
  EXPECT_FALSE(Has(res.body, "Zorblatt"));
  EXPECT_FALSE(Has(TitleOf(res.body), "Z.Q."));
  const auto ids = IdsAfter(res.body, "/hours/sessions/");
  ASSERT_EQ(ids.size(), 1u);
  // A picked client: its alias is copied.
  auto made = h_->Call(a_, "POST", "/api/v1/clients", R"({"name":"Mara Quinlan"})");
  ASSERT_EQ(made.status, 201);
  const std::string client = testing::JsonMember(made.body, "id");
  res = AddSession(a_, setting, "client_id=" + client);
  ASSERT_EQ(res.status, 303) << res.body;
  res = AddSession(a_, setting, "client_id=" + client + "&client_name=Mara");
  ASSERT_EQ(res.status, 400);
  EXPECT_TRUE(Has(res.body, "Type a name or pick a client, not both."));
  // Edit: the page and its form; a new typed name becomes initials.
  res = h_->Call(a_, "GET", "/hours/sessions/" + ids[0]);
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(TitleOf(res.body), "Edit session · Alcove");
  EXPECT_TRUE(Has(res.body, R"(value="Z.Q.")"));
  res = Form(a_, "/hours/sessions/" + ids[0],
             "date=" + Day(2) +
                 "&length=1%3A30&unit=hours&category=couples_family_children&"
                 "setting_id=" +
                 setting + "&phase=auto&client_name=Ada+Lovelace");
  ASSERT_EQ(res.status, 303) << res.body;
  res = h_->Call(a_, "GET", "/hours/sessions?week=" + Day(0));
  EXPECT_TRUE(Has(res.body, ">A.L.<"));
  EXPECT_TRUE(Has(res.body, "1 hour 30 minutes"));
  EXPECT_TRUE(Has(res.body, "Couples, families and children"));
  EXPECT_TRUE(Has(res.body, ">M.Q.<"));
  EXPECT_FALSE(Has(res.body, "Lovelace"));
  // Delete after its confirmation page.
  res = h_->Call(a_, "GET", "/hours/sessions/" + ids[0] + "/delete");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(TitleOf(res.body), "Delete session · Alcove");
  res = Form(a_, "/hours/sessions/" + ids[0] + "/delete", "");
  EXPECT_EQ(res.status, 303);
  res = h_->Call(a_, "GET", "/hours/sessions?week=" + Day(0));
  EXPECT_FALSE(Has(res.body, ">A.L.<"));
  EXPECT_EQ(IdsAfter(res.body, "/hours/sessions/").size(), 1u);
}

TEST_P(HoursPagesTest, TheWeekGridLogsAWholeWeekAllOrNothingAndNamesTheCellInWords) {
  const std::string setting = SetUpAssociate(a_);
  auto res = h_->Call(a_, "GET", "/hours/week?start=" + Day(3) + "&setting=" + setting);
  ASSERT_EQ(res.status, 200);
  EXPECT_TRUE(Has(res.body, "<h1>Week grid, week of "));
  EXPECT_TRUE(Has(res.body, R"(for="h_group_1">Tuesday, group therapy, hours</label>)"));
  const std::string base = "start=" + Day(0) + "&setting_id=" + setting;
  res = Form(a_, "/hours/week",
             base + "&h_individual_0=5&h_group_1=abc&h_supervision_individual_2=1%3A00");
  ASSERT_EQ(res.status, 400);
  EXPECT_TRUE(Has(res.body, "Tuesday, group therapy: &apos;abc&apos; is not a number of hours."))
      << res.body;
  EXPECT_TRUE(
      Has(res.body, R"(value="abc" aria-invalid="true" aria-describedby="h_group_1-error")"));
  EXPECT_TRUE(Has(res.body, R"(name="h_individual_0" value="5")")) << "what was typed stays";
  res = h_->Call(a_, "GET", "/hours/sessions?week=" + Day(0));
  EXPECT_TRUE(Has(res.body, "Nothing logged this week.")) << "nothing half-written";
  // Group supervision needs its size.
  res = Form(a_, "/hours/week", base + "&h_supervision_group_3=2");
  ASSERT_EQ(res.status, 400);
  EXPECT_TRUE(Has(res.body, "Group supervision: enter how many supervisees"));
  res = Form(a_, "/hours/week",
             base +
                 "&h_individual_0=5&h_individual_1=4.5&h_group_1=1.5&"
                 "h_supervision_individual_2=1%3A00&video_supervision_individual=yes&"
                 "h_supervision_group_3=2&group_size=6&h_notes_reports_4=2");
  ASSERT_EQ(res.status, 303) << res.body;
  res = h_->Call(a_, "GET", std::string(res.headers.Get("Location").value_or("")));
  EXPECT_TRUE(Has(res.body, "The week’s hours are logged."));
  EXPECT_EQ(IdsAfter(res.body, "/hours/sessions/").size(), 6u);
  EXPECT_TRUE(Has(res.body, "16 hours logged this week, 11 of them direct clinical.")) << res.body;
  EXPECT_TRUE(Has(res.body, "by video"));
  EXPECT_TRUE(Has(res.body, "group of 6"));
  // The progress page shows it: bars, the chart with its table, the week and its checks.
  res = h_->Call(a_, "GET", "/hours");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(TitleOf(res.body), "Hours · Alcove");
  EXPECT_TRUE(Has(res.body, "<progress "));
  EXPECT_TRUE(Has(res.body, "of 3,000 hours")) << res.body;
  EXPECT_TRUE(Has(res.body, "of 104 weeks"));
  EXPECT_TRUE(Has(res.body, R"(<svg class="hours-chart" role="img")"));
  EXPECT_TRUE(Has(res.body, "<summary>The same numbers as a table</summary>"));
  EXPECT_TRUE(Has(res.body, "<span class=\"badge badge-unconfirmed\">Unconfirmed</span> means"));
  EXPECT_TRUE(Has(res.body, "At most 6 hours of supervision count each week."));
  EXPECT_TRUE(Has(res.body, "href=\"/hours/sessions?week=" + Day(0) + "\""));
}

TEST_P(HoursPagesTest, WeeklyLogsSubmitWithdrawAndASignedWeekChangesOnlyAsAnAmendment) {
  const std::string setting = SetUpAssociate(a_);
  auto res = AddSession(a_, setting, "");
  ASSERT_EQ(res.status, 303) << res.body;
  res = h_->Call(a_, "GET", "/hours/weeks");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(TitleOf(res.body), "Weekly logs · Alcove");
  EXPECT_TRUE(Has(res.body, ">Draft<"));
  const auto weeks = IdsAfter(res.body, "/hours/weeks/");
  ASSERT_EQ(weeks.size(), 1u) << res.body;
  const std::string week = weeks.front();
  res = Form(a_, "/hours/weeks/" + week + "/submit", "");
  ASSERT_EQ(res.status, 303) << res.body;
  res = h_->Call(a_, "GET", std::string(res.headers.Get("Location").value_or("")));
  EXPECT_TRUE(Has(res.body, "Week submitted for your supervisor’s signature."));
  EXPECT_TRUE(Has(res.body, ">Waiting for signature<"));
  EXPECT_TRUE(Has(res.body, "/hours/weeks/" + week + "/withdraw"));
  // A submitted week cannot change: the edit page says so and offers no form.
  res = h_->Call(a_, "GET", "/hours/sessions?week=" + Day(0));
  const std::string session = IdsAfter(res.body, "/hours/sessions/").front();
  res = h_->Call(a_, "GET", "/hours/sessions/" + session);
  EXPECT_TRUE(Has(res.body, "waiting for your supervisor’s signature, so it cannot change"));
  EXPECT_FALSE(Has(res.body, "action=\"/hours/sessions/" + session + "\""));
  res = Form(a_, "/hours/weeks/" + week + "/withdraw", "");
  ASSERT_EQ(res.status, 303);
  res = h_->Call(a_, "GET", "/hours/weeks");
  EXPECT_TRUE(Has(res.body, ">Draft<"));
  res = Form(a_, "/hours/weeks/" + week + "/withdraw", "");
  EXPECT_EQ(res.status, 409);
  EXPECT_TRUE(Has(res.body, "This week is not submitted, so there is nothing to withdraw."));

  // The supervisor's side (issue #15) signs it: submitted, then signed at its content.
  ASSERT_EQ(Form(a_, "/hours/weeks/" + week + "/submit", "").status, 303);
  hours::Hours service(h_->db(), h_->keys(), h_->log(), SystemClock::Instance(), {});
  const auto who = identity::TherapistScope::From(h_->PrincipalOf(a_));
  ASSERT_TRUE(who);
  auto log = service.GetWeek(*who, week);
  ASSERT_TRUE(log) << log.error().internal;
  {
    auto tx = h_->db().BeginTenant(who->tenant());
    ASSERT_TRUE(tx);
    ASSERT_TRUE(hours::Hours::MarkSigned(**tx, who->tenant(), week, log->content_sha256,
                                         SystemClock::Instance().Now()));
    ASSERT_TRUE((*tx)->Commit());
  }
  res = h_->Call(a_, "GET", "/hours/sessions/" + session);
  EXPECT_TRUE(Has(res.body,
                  "Saving a change amends the signed week: the signature will no "
                  "longer match"))
      << res.body;
  const std::string change = "date=" + Day(1) + "&length=55&unit=minutes&category=individual&" +
                             "setting_id=" + setting + "&phase=auto&client_name=";
  res = Form(a_, "/hours/sessions/" + session, change);
  ASSERT_EQ(res.status, 400);
  EXPECT_TRUE(Has(res.body, R"(id="amend-error">Tick this box)"));
  res = h_->Call(a_, "GET", "/hours/sessions?week=" + Day(0));
  EXPECT_TRUE(Has(res.body, "50 minutes")) << "unchanged";
  res = Form(a_, "/hours/sessions/" + session, change + "&amend=yes");
  ASSERT_EQ(res.status, 303) << res.body;
  res = h_->Call(a_, "GET", "/hours/weeks");
  EXPECT_TRUE(Has(res.body, "Changed after signing"));
  EXPECT_TRUE(Has(res.body, "/hours/weeks/" + week + "/submit")) << "it can go back to sign";
  res = h_->Call(a_, "GET", "/hours/sessions?week=" + Day(0));
  EXPECT_TRUE(Has(res.body, "55 minutes"));

  // Returned with a comment: the weekly logs show it (sealed, read by ReturnComment).
  ASSERT_EQ(Form(a_, "/hours/weeks/" + week + "/submit", "").status, 303);
  log = service.GetWeek(*who, week);
  ASSERT_TRUE(log);
  auto sealed = service.SealComment(who->tenant(), week,
                                    crypto::PhiString("Please log the group hours separately."));
  ASSERT_TRUE(sealed) << sealed.error().internal;
  {
    auto tx = h_->db().BeginTenant(who->tenant());
    ASSERT_TRUE(tx);
    ASSERT_TRUE(hours::Hours::MarkReturned(**tx, who->tenant(), week, log->content_sha256, *sealed,
                                           SystemClock::Instance().Now()));
    ASSERT_TRUE((*tx)->Commit());
  }
  res = h_->Call(a_, "GET", "/hours/weeks");
  EXPECT_TRUE(Has(res.body, ">Returned with a comment<"));
  EXPECT_TRUE(Has(res.body, "Please log the group hours separately."));
}

TEST_P(HoursPagesTest, C20AnotherTenantsIdsAnswerNotFound) {
  const std::string setting = SetUpAssociate(a_);
  ASSERT_EQ(AddSession(a_, setting, "").status, 303);
  auto res = h_->Call(a_, "GET", "/hours/sessions?week=" + Day(0));
  const std::string session = IdsAfter(res.body, "/hours/sessions/").front();
  res = h_->Call(a_, "GET", "/hours/weeks");
  const std::string week = IdsAfter(res.body, "/hours/weeks/").front();

  AppBrowser b = h_->SignUpTherapist("other@alcove.test", "192.0.2.42");
  const std::string own = SetUpAssociate(b);
  ASSERT_FALSE(own.empty());
  for (const std::string& page :
       {"/hours/sessions/" + session, "/hours/sessions/" + session + "/delete",
        "/hours/settings/" + setting}) {
    EXPECT_EQ(h_->Call(b, "GET", page).status, 404) << page;
  }
  for (const auto& [target, fields] : std::vector<std::pair<std::string, std::string>>{
           {"/hours/sessions/" + session, "date=" + Day(1) +
                                              "&length=5&category=individual&"
                                              "setting_id=" +
                                              own},
           {"/hours/sessions/" + session + "/delete", ""},
           {"/hours/settings/" + setting, "action=delete"},
           {"/hours/weeks/" + week + "/submit", ""},
           {"/hours/weeks/" + week + "/withdraw", ""},
           {"/hours/sessions",
            "date=" + Day(1) + "&length=5&category=individual&setting_id=" + setting}}) {
    const Response r = Form(b, target, fields);
    EXPECT_TRUE(r.status == 404 || r.status == 400) << target << ": " << r.status;
    EXPECT_NE(r.status / 100, 3) << target << " changed something";
  }
  // A's session and week are untouched.
  res = h_->Call(a_, "GET", "/hours/sessions?week=" + Day(0));
  EXPECT_EQ(IdsAfter(res.body, "/hours/sessions/").size(), 1u);
  res = h_->Call(a_, "GET", "/hours/weeks");
  EXPECT_TRUE(Has(res.body, ">Draft<"));
}

INSTANTIATE_TEST_SUITE_P(Engines, HoursPagesTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
