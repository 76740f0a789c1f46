// End to end in headless Chromium (tests/e2e/walk.hpp): a new therapist starts tracking
// supervised hours, as issue #14 asks — signs up, finds "Set up hours tracking" on the
// Today page, sets up an AMFT profile and a work setting, types a past week into the
// week grid (a cell that is not a number is named in words, and nothing is logged until
// it is fixed; a profile error shows by its field), logs one session with a client's full name and
// sees only the initials (C50), reads the progress page (bars, the weekly chart and its table) and
// submits the week on the weekly logs. Every step ends with screenshots at 1280 and 390 px
// (<build>/e2e-screenshots/hours-walk/) and axe-core at WCAG 2.2 AA, which must find
// nothing (C60); the client's name is in no page, title or address.

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "core/time_text.hpp"
#include "e2e/walk.hpp"
#include "hours/types.hpp"

namespace alcove::testing {
namespace {

TEST(BrowserEndToEnd, C50_C60_AssociateHoursWalkInChromium) {
  BrowserRig rig("hours-walk");
  ALCOVE_START_BROWSER_RIG(rig);
  Walk& walk = *rig.walk;
  WebDriverSession& browser = *rig.browser;
  const ServerProcess& server = rig.server;
  const std::string origin = server.origin();

  const std::string name = "Alex Associate";
  const std::string email = "alex.hours@example.org";
  const std::string first = "Mara";
  const std::string last = "Quinlan";
  const auto no_name = [&](const std::string& where) {
    walk.ExpectNotShown(first, false, where);
    walk.ExpectNotShown(last, false, where);
  };
  // A week that has passed (every day of it may hold hours), in the server's UTC days.
  const auto today = hours::ParseDay(FormatRfc3339(SystemClock::Instance().Now()).substr(0, 10));
  ASSERT_TRUE(today);
  const hours::Day monday = hours::WeekStart(*today) - std::chrono::days(14);
  const std::string week = hours::DayText(monday);
  const auto set_value = [&](const std::string& id, const std::string& value) {
    auto r = browser.ExecuteAsync(
        "const done = arguments[arguments.length - 1];"
        "document.getElementById('" +
        id + "').value = '" + value + "'; done('ok');");
    ASSERT_TRUE(r.has_value()) << r.error();
  };

  // 1. Sign up with the mail's one-time code; Today offers hours tracking calmly.
  ASSERT_TRUE(walk.Go(origin + "/signup"));
  ASSERT_TRUE(walk.SignUp(name, email));
  const auto code = SignInCodeFor(server, email);
  ASSERT_TRUE(code.has_value()) << server.Stdout();
  ASSERT_TRUE(walk.Fill("input#signin-code", *code));
  ASSERT_TRUE(walk.ClickCss("button#signin-code-submit"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, " + name, "Gathering hours toward licensure?"));
  EXPECT_FALSE(browser.Css("nav.site-nav a[href='/hours']").has_value())
      << "no Hours item before a profile";
  walk.EndStep("today-offers-hours");

  // 2. The setup: AMFT, the degree and registration; errors would show by their fields.
  ASSERT_TRUE(walk.Click("link text", "Set up hours tracking"));
  ASSERT_TRUE(walk.WaitForPage("Set up hours tracking", "Associate Marriage and Family Therapist"));
  ASSERT_TRUE(walk.ClickCss("input[name='track'][value='amft']"));
  set_value("degree_date", "2024-06-15");
  set_value("registration_date", "2024-01-08");  // before the degree: refused
  ASSERT_TRUE(walk.Fill("input#registration_number", "AMFT 123456"));
  walk.EndStep("setup-profile");
  ASSERT_TRUE(walk.ClickCss("form[action='/hours/setup'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Set up hours tracking",
                               "The registration date cannot be before the degree date."));
  EXPECT_EQ(walk.TextOf("p#registration_date-error"),
            "The registration date cannot be before the degree date.");
  walk.EndStep("setup-error-by-its-field");
  set_value("registration_date", "2024-08-01");
  ASSERT_TRUE(walk.ClickCss("form[action='/hours/setup'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Licensure profile", "Your licensure profile is saved."));
  ASSERT_TRUE(browser.Css("nav.site-nav a[href='/hours']").has_value()) << "Hours in the menu";
  walk.EndStep("profile-saved");

  // 3. A work setting.
  ASSERT_TRUE(walk.Fill("input#new-setting-name", "Valley Clinic"));
  ASSERT_TRUE(walk.ClickCss("select#new-setting-license option[value='lmft']"));
  walk.EndStep("new-setting");
  ASSERT_TRUE(walk.ClickCss("form[action='/hours/settings'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Licensure profile", "Work setting added."));
  EXPECT_NE(walk.TextOf("main").find("Valley Clinic"), std::string::npos);
  walk.EndStep("setting-added");
  ASSERT_TRUE(walk.ClickCss("main a[href^='/hours/settings/']"));
  ASSERT_TRUE(walk.WaitForPage("Work setting", "Edit Valley Clinic"));
  walk.EndStep("setting-page");

  // 4. The week grid: a cell that is not a number is named in words; nothing is logged.
  ASSERT_TRUE(walk.Go(origin + "/hours/week?start=" + week));
  ASSERT_TRUE(WaitUntil([&] { return browser.Css("input#h_individual_0").has_value(); }));
  const std::string heading = walk.TextOf("main h1");
  ASSERT_TRUE(heading.starts_with("Week grid, week of ")) << heading;
  const std::string of_week = heading.substr(heading.find("week of ") + 8);
  ASSERT_TRUE(walk.Fill("input#h_individual_0", "5"));
  ASSERT_TRUE(walk.Fill("input#h_individual_1", "4.5"));
  ASSERT_TRUE(walk.Fill("input#h_group_1", "abc"));
  ASSERT_TRUE(walk.Fill("input#h_supervision_individual_2", "1:30"));
  ASSERT_TRUE(walk.ClickCss("input[name='video_supervision_individual']"));
  ASSERT_TRUE(walk.Fill("input#h_notes_reports_3", "2"));
  walk.EndStep("week-grid-typed");
  ASSERT_TRUE(walk.ClickCss("form[method='post'][action='/hours/week'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage(heading, "Tuesday, group therapy: 'abc' is not a number of hours."));
  walk.EndStep("week-grid-error");
  auto cleared = browser.ExecuteAsync(
      "const done = arguments[arguments.length - 1];"
      "document.getElementById('h_group_1').value = '';"
      "done('ok');");
  ASSERT_TRUE(cleared.has_value()) << cleared.error();
  ASSERT_TRUE(walk.Fill("input#h_group_1", "1.5"));
  ASSERT_TRUE(walk.ClickCss("form[method='post'][action='/hours/week'] button[type='submit']"));
  const std::string sessions = "Sessions, week of " + of_week;
  ASSERT_TRUE(walk.WaitForPage(sessions, "The week’s hours are logged."));
  EXPECT_NE(walk.TextOf("main").find("14.5 hours logged this week, 11 of them direct clinical."),
            std::string::npos)
      << walk.TextOf("main");
  walk.EndStep("week-logged");

  // 5. One session with a client's full name: only the initials are kept and shown.
  set_value("date", hours::DayText(monday + std::chrono::days(4)));
  set_value("length", "");
  ASSERT_TRUE(walk.Fill("input#length", "50"));
  ASSERT_TRUE(walk.ClickCss("select#category option[value='couples_family_children']"));
  ASSERT_TRUE(walk.Fill("input#client_name", first + " " + last));
  walk.EndStep("session-with-a-name");
  ASSERT_TRUE(walk.ClickCss("form[action='/hours/sessions'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage(sessions, "Session logged."));
  EXPECT_NE(walk.TextOf("main table").find("M.Q."), std::string::npos) << walk.TextOf("main");
  no_name("sessions after logging with a name");
  walk.EndStep("session-logged");
  // Its edit page shows the initials only; its delete page asks first.
  ASSERT_TRUE(walk.Click("xpath",
                         "//tr[td[normalize-space()='M.Q.']]//a[starts-with(normalize-"
                         "space(), 'Edit')]"));
  ASSERT_TRUE(walk.WaitForPage("Edit session", "Only the initials are kept"));
  no_name("edit session");
  walk.EndStep("session-edit");
  ASSERT_TRUE(walk.Click("link text", "Delete this session"));
  ASSERT_TRUE(walk.WaitForPage("Delete this session?", "M.Q."));
  walk.EndStep("session-delete-asks");
  ASSERT_TRUE(walk.Click("link text", "Back to the week"));
  ASSERT_TRUE(walk.WaitForPage(sessions));

  // 6. The progress page: bars, the chart and its table, the weeks with their checks.
  ASSERT_TRUE(walk.Go(origin + "/hours"));
  ASSERT_TRUE(walk.WaitForPage("Hours toward licensure", "of 3,000 hours"));
  ASSERT_TRUE(browser.Css("svg.hours-chart[role='img']").has_value());
  no_name("progress");
  walk.EndStep("progress");
  const auto scroll_to = [&](const std::string& selector) {
    auto r = browser.ExecuteAsync(
        "const done = arguments[arguments.length - 1];"
        "document.querySelector(\"" +
        selector + "\").scrollIntoView(); done('ok');");
    ASSERT_TRUE(r.has_value()) << r.error();
  };
  ASSERT_TRUE(walk.ClickCss("details.chart-table summary"));
  scroll_to("#chart-heading");
  walk.EndStep("progress-chart-table");
  scroll_to("#weeks-heading");
  walk.EndStep("progress-weeks");

  // 7. The weekly logs: the week is a draft; submitted, it waits for a signature.
  ASSERT_TRUE(walk.Click("link text", "Weekly logs"));
  ASSERT_TRUE(walk.WaitForPage("Weekly logs", "Draft"));
  no_name("weekly logs");
  walk.EndStep("weekly-logs");
  ASSERT_TRUE(walk.ClickCss("form[action$='/submit'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Weekly logs", "Waiting for signature"));
  EXPECT_NE(walk.TextOf("main").find("Week submitted for your supervisor’s signature."),
            std::string::npos);
  walk.EndStep("week-submitted");
}

}  // namespace
}  // namespace alcove::testing
