// End to end in headless Chromium (tests/e2e/walk.hpp): an associate invites a
// supervisor (issue #15; docs/supervisors.md) — the supervisor opens the invitation from
// the outbox, accepts, chooses a signing PIN (C25) and sees the associate's summary:
// totals and weeks, never the client's initials or a session's day (C29). Every step
// ends with screenshots at 1280 and 390 px (<build>/e2e-screenshots/supervisor-walk/)
// and axe-core at WCAG 2.2 AA, which must find nothing (C60).

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "e2e/associate_walk.hpp"
#include "e2e/walk.hpp"
#include "hours/types.hpp"

namespace alcove::testing {
namespace {

TEST(BrowserEndToEnd, C25_C27_C29_SupervisorAcceptsAndSeesAggregatesOnly) {
  BrowserRig rig("supervisor-walk");
  ALCOVE_START_BROWSER_RIG(rig);
  Walk& walk = *rig.walk;
  WebDriverSession& browser = *rig.browser;
  const ServerProcess& server = rig.server;
  const std::string origin = server.origin();
  const std::string email = "ana.associate@example.org";
  const std::string supervisor = "sam.supervisor@example.org";

  const auto today = hours::ParseDay(FormatRfc3339(SystemClock::Instance().Now()).substr(0, 10));
  ASSERT_TRUE(today);
  const hours::Day monday = hours::WeekStart(*today) - std::chrono::days(14);
  const hours::Day session_day = monday + std::chrono::days(2);

  // 1. The associate: sign up, a profile and a setting, one session with a client.
  ASSERT_NO_FATAL_FAILURE(StartAssociateWithASession(walk, browser, server, email, session_day));
  walk.EndStep("associate-logged-a-session");
  ASSERT_TRUE(walk.Go(origin + "/hours/weeks"));
  ASSERT_TRUE(walk.WaitForPage("Weekly logs", "Draft"));
  ASSERT_TRUE(walk.ClickCss("form[action$='/submit'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Weekly logs", "Waiting for signature"));

  // 2. The invitation, from the Supervisors tab.
  ASSERT_TRUE(walk.Click("link text", "Supervisors"));
  ASSERT_TRUE(walk.WaitForPage("Supervisors", "No supervisor yet."));
  ASSERT_TRUE(walk.Fill("input#supervisor-name", "Sam Supervisor"));
  ASSERT_TRUE(walk.Fill("input#supervisor-email", supervisor));
  walk.EndStep("invite-form");
  ASSERT_TRUE(walk.ClickCss("form[action='/hours/supervisors'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Supervisors", "Invitation sent."));
  EXPECT_NE(walk.TextOf("main table").find("Invited, not accepted yet"), std::string::npos);
  walk.EndStep("invited");
  ASSERT_TRUE(walk.ClickCss("nav.site-nav form[action='/signout'] button"));
  ASSERT_TRUE(walk.WaitForPage("Sign in"));

  // 3. The supervisor opens the mail's link (token in the fragment) and accepts.
  const auto mail = MailFor(server, supervisor);
  ASSERT_TRUE(mail.has_value()) << server.Stdout();
  ASSERT_TRUE(mail->link.starts_with(origin + "/supervisor/accept#token=")) << mail->link;
  const std::string body = Slurp(mail->file);
  EXPECT_EQ(body.find("Ana"), std::string::npos) << "the mail holds the link only (C53)";
  ASSERT_TRUE(walk.Go(mail->link));
  ASSERT_TRUE(walk.WaitForPage("Accept an invitation to supervise"));
  ASSERT_TRUE(WaitUntil([&] { return browser.Css("button#accept-button").has_value() &&
                                     walk.TextOf("button#accept-button") == "Accept and sign in"; }));
  auto href = browser.ExecuteAsync(
      "const done = arguments[arguments.length - 1]; done(window.location.href);");
  ASSERT_TRUE(href.has_value()) << href.error();
  ASSERT_TRUE(href->is_string());
  EXPECT_EQ(std::string(href->as_string()).find("token"), std::string::npos)
      << "the token leaves the address bar";
  walk.EndStep("accept-page");
  ASSERT_TRUE(walk.ClickCss("button#accept-button"));

  // 4. The PIN: two that differ are refused in words; then it is set.
  ASSERT_TRUE(walk.WaitForPage("Choose your signing PIN"));
  walk.EndStep("choose-pin");
  ASSERT_TRUE(walk.Fill("input#pin", "246810"));
  ASSERT_TRUE(walk.Fill("input#pin-again", "246811"));
  ASSERT_TRUE(walk.ClickCss("form[action='/supervisor/pin'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Choose your signing PIN", "The two PINs are not the same."));
  walk.EndStep("pins-differ");
  ASSERT_TRUE(walk.Fill("input#pin", "246810"));
  ASSERT_TRUE(walk.Fill("input#pin-again", "246810"));
  ASSERT_TRUE(walk.ClickCss("form[action='/supervisor/pin'] button[type='submit']"));

  // 5. The associates: the summary, the week — no initials, no day of a session.
  ASSERT_TRUE(walk.WaitForPage("Your associates", "Your signing PIN is set."));
  EXPECT_NE(walk.TextOf("main table").find("Ana Associate"), std::string::npos);
  walk.EndStep("associates");
  ASSERT_TRUE(walk.Click("link text", "Ana Associate"));
  ASSERT_TRUE(walk.WaitForPage("Ana Associate", "hours credited"));
  const std::string main = walk.TextOf("main");
  EXPECT_NE(main.find("Valley Clinic"), std::string::npos) << main;
  EXPECT_NE(main.find("Waiting for signature"), std::string::npos) << main;
  for (const std::string& secret : {std::string("M.Q."), std::string("Mara"),
                                    std::string("Quinlan"), hours::DayText(session_day)}) {
    walk.ExpectNotShown(secret, false, "the associate's summary");
  }
  walk.EndStep("associate-summary");
  ASSERT_TRUE(walk.Go(origin + "/"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, Sam Supervisor"));
  walk.EndStep("supervisor-home");
}

}  // namespace
}  // namespace alcove::testing
