// End to end in headless Chromium (tests/e2e/walk.hpp): a weekly log signed online
// (issue #15; docs/signing.md). The associate invites a supervisor, who accepts and
// chooses a PIN; the associate submits a week to them; the supervisor, signed out, opens
// the signing link of the mail (token in the fragment), is refused once for a wrong PIN,
// signs with the right one (C28); the associate sees the week signed and matching, and
// the receipt of the signature checks on /verify (C42). Every step ends with screenshots
// at 1280 and 390 px (<build>/e2e-screenshots/signing-walk/) and axe-core at WCAG 2.2 AA,
// which must find nothing (C60). Then the supervisor signs the experience-verification
// summary the associate asks for, from the mail, with the PIN.

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "e2e/associate_walk.hpp"
#include "e2e/walk.hpp"
#include "hours/types.hpp"

namespace alcove::testing {
namespace {

// The main heading of the associate's progress page (/hours).
const std::string kProgressHeading = "Hours toward licensure";

TEST(BrowserEndToEnd, C28_C42_C53_ASupervisorSignsAWeekFromTheMailWithTheirPin) {
  BrowserRig rig("signing-walk");
  ALCOVE_START_BROWSER_RIG(rig);
  Walk& walk = *rig.walk;
  WebDriverSession& browser = *rig.browser;
  const ServerProcess& server = rig.server;
  const std::string origin = server.origin();
  const std::string email = "ana.associate@example.org";
  const std::string supervisor = "sam.supervisor@example.org";

  const auto sign_out = [&] {
    ASSERT_TRUE(walk.ClickCss("nav.site-nav form[action='/signout'] button"));
    ASSERT_TRUE(walk.WaitForPage("Sign in"));
  };
  const auto sign_in_again = [&](int nth_mail) {
    ASSERT_TRUE(walk.Go(origin + "/signin"));
    ASSERT_TRUE(walk.Fill("form[action='/signin/link'] input[name='email']", email));
    ASSERT_TRUE(walk.ClickCss("form[action='/signin/link'] button[type='submit']"));
    ASSERT_TRUE(walk.WaitForPage("Check your email"));
    const auto code = SignInCodeFor(server, email, nth_mail);
    ASSERT_TRUE(code.has_value()) << server.Stdout();
    ASSERT_TRUE(walk.Fill("input#signin-code", *code));
    ASSERT_TRUE(walk.ClickCss("button#signin-code-submit"));
    ASSERT_TRUE(walk.WaitForPage("Welcome, Ana Associate"));
  };
  const auto today = hours::ParseDay(FormatRfc3339(SystemClock::Instance().Now()).substr(0, 10));
  ASSERT_TRUE(today);
  const hours::Day monday = hours::WeekStart(*today) - std::chrono::days(7);
  const hours::Day session_day = monday + std::chrono::days(1);

  // 1. The associate: sign up, a profile and a setting, one session with a client.
  ASSERT_NO_FATAL_FAILURE(StartAssociateWithASession(walk, browser, server, email, session_day));

  // 2. The invitation; then the supervisor accepts from the mail and chooses a PIN.
  ASSERT_TRUE(walk.Go(origin + "/hours/supervisors"));
  ASSERT_TRUE(walk.WaitForPage("Supervisors", "No supervisor yet."));
  ASSERT_TRUE(walk.Fill("input#supervisor-name", "Sam Supervisor"));
  ASSERT_TRUE(walk.Fill("input#supervisor-email", supervisor));
  ASSERT_TRUE(walk.ClickCss("form[action='/hours/supervisors'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Supervisors", "Invitation sent."));
  sign_out();
  const auto invitation = MailFor(server, supervisor, 0);
  ASSERT_TRUE(invitation.has_value()) << server.Stdout();
  ASSERT_TRUE(walk.Go(invitation->link));
  ASSERT_TRUE(walk.WaitForPage("Accept an invitation to supervise"));
  ASSERT_TRUE(WaitUntil([&] { return browser.Css("button#accept-button").has_value(); }));
  ASSERT_TRUE(walk.ClickCss("button#accept-button"));
  ASSERT_TRUE(walk.WaitForPage("Choose your signing PIN"));
  ASSERT_TRUE(walk.Fill("input#pin", "246810"));
  ASSERT_TRUE(walk.Fill("input#pin-again", "246810"));
  ASSERT_TRUE(walk.ClickCss("form[action='/supervisor/pin'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Your associates", "Your signing PIN is set."));
  walk.EndStep("supervisor-ready");
  sign_out();

  // 3. The associate submits the week to the supervisor.
  sign_in_again(1);
  ASSERT_TRUE(walk.Go(origin + "/hours/weeks"));
  ASSERT_TRUE(walk.WaitForPage("Weekly logs", "Draft"));
  ASSERT_TRUE(WaitUntil([&] {
    return walk.TextOf("form[action$='/submit']").find("Sam Supervisor") != std::string::npos;
  })) << "the submit form offers the supervisor";
  walk.EndStep("submit-to-supervisor");
  ASSERT_TRUE(walk.ClickCss("form[action$='/submit'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Weekly logs", "Waiting for signature"));
  walk.EndStep("submitted");
  sign_out();

  // 4. The supervisor, not signed in, opens the signing mail: the link only (C53).
  const auto signing = MailFor(server, supervisor, 1);
  ASSERT_TRUE(signing.has_value()) << server.Stdout();
  ASSERT_TRUE(signing->link.starts_with(origin + "/sign#token=")) << signing->link;
  const std::string body = Slurp(signing->file);
  for (const std::string& secret : {std::string("Ana"), std::string("Valley"),
                                    std::string("M.Q."), std::string("Mara")}) {
    EXPECT_EQ(body.find(secret), std::string::npos) << "the mail holds the link only: " << secret;
  }
  ASSERT_TRUE(walk.Go(signing->link));
  ASSERT_TRUE(walk.WaitForPage("Sign a weekly log", "asks you to sign"));
  const std::string shown = walk.TextOf("main");
  EXPECT_NE(shown.find("Ana Associate"), std::string::npos) << shown;
  for (const std::string& secret : {std::string("M.Q."), std::string("Mara"),
                                    hours::DayText(session_day)}) {
    walk.ExpectNotShown(secret, false, "the signing page (C29)");
  }
  auto href = browser.ExecuteAsync(
      "const done = arguments[arguments.length - 1]; done(window.location.href);");
  ASSERT_TRUE(href.has_value()) << href.error();
  ASSERT_TRUE(href->is_string());
  EXPECT_EQ(std::string(href->as_string()).find("token"), std::string::npos)
      << "the token leaves the address bar";
  walk.EndStep("signing-page");

  // A wrong PIN is refused in words, and the week is still there to sign.
  ASSERT_TRUE(walk.Fill("input#sign-pin", "135791"));
  ASSERT_TRUE(walk.ClickCss("button[name='decision'][value='sign']"));
  ASSERT_TRUE(WaitUntil([&] { return browser.Css("main .flash-error").has_value(); }));
  EXPECT_TRUE(browser.Css("input#sign-pin").has_value());
  walk.EndStep("wrong-pin");
  ASSERT_TRUE(walk.Fill("input#sign-pin", "246810"));
  ASSERT_TRUE(walk.ClickCss("button[name='decision'][value='sign']"));
  ASSERT_TRUE(walk.WaitForPage("Sign a weekly log", "You signed the log of Ana Associate"));
  walk.EndStep("signed");

  // The link works once (from another page: a link that differs only in its fragment
  // would not load the page again).
  ASSERT_TRUE(walk.Go(origin + "/verify"));
  ASSERT_TRUE(walk.WaitForPage("Check a signature receipt"));
  ASSERT_TRUE(walk.Go(signing->link));
  ASSERT_TRUE(WaitUntil([&] { return browser.Css("main .flash-error").has_value(); }));
  EXPECT_EQ(walk.TextOf("main").find("Sign the week"), std::string::npos);
  walk.EndStep("link-used");

  // 5. The associate sees the week signed, matching; its receipt checks on /verify.
  sign_in_again(2);
  ASSERT_TRUE(walk.Go(origin + "/hours/weeks"));
  ASSERT_TRUE(walk.WaitForPage("Weekly logs", "Signed by Sam Supervisor"));
  EXPECT_NE(walk.TextOf("main").find("Matches the week"), std::string::npos);
  walk.EndStep("associate-sees-signed");
  auto receipt = browser.ExecuteAsync(
      "const done = arguments[arguments.length - 1];"
      "const a = document.querySelector(\"a[href$='/signature/receipt']\");"
      "fetch(a.href).then(r => r.text()).then(done, e => done('error ' + e));");
  ASSERT_TRUE(receipt.has_value()) << receipt.error();
  ASSERT_TRUE(receipt->is_string());
  const std::string text(receipt->as_string());
  ASSERT_TRUE(text.starts_with("alcove-audit-receipt v1")) << text;
  ASSERT_TRUE(walk.Go(origin + "/verify"));
  ASSERT_TRUE(walk.WaitForPage("Check a signature receipt"));
  auto pasted = browser.ExecuteAsync(
      "const done = arguments[arguments.length - 1];"
      "document.getElementById('verify-receipt').value = arguments[0]; done('ok');",
      boost::json::array{boost::json::value(text)});
  ASSERT_TRUE(pasted.has_value()) << pasted.error();
  ASSERT_TRUE(walk.ClickCss("form#verify-form button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Check a signature receipt", "The receipt is valid."));
  EXPECT_NE(walk.TextOf("main").find("signature.made"), std::string::npos);
  walk.EndStep("receipt-valid");

  // 6. The experience-verification summary: the associate asks the supervisor to sign
  // it; the supervisor signs it from the mail with the PIN; the progress page says so.
  ASSERT_TRUE(walk.Go(origin + "/hours"));
  ASSERT_TRUE(walk.WaitForPage(kProgressHeading, "Ask Sam Supervisor to sign the summary"));
  ASSERT_TRUE(walk.ClickCss("form[action='/hours/verification/ask'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage(kProgressHeading, "they get a link by email"));
  walk.EndStep("summary-asked");
  sign_out();
  const auto summary_mail = MailFor(server, supervisor, 2);
  ASSERT_TRUE(summary_mail.has_value()) << server.Stdout();
  ASSERT_TRUE(summary_mail->link.starts_with(origin + "/sign/summary#token="))
      << summary_mail->link;
  const std::string summary_body = Slurp(summary_mail->file);
  for (const std::string& secret : {std::string("Ana"), std::string("M.Q."), std::string("Mara")}) {
    EXPECT_EQ(summary_body.find(secret), std::string::npos) << "the link only: " << secret;
  }
  ASSERT_TRUE(walk.Go(summary_mail->link));
  ASSERT_TRUE(walk.WaitForPage("Sign an experience verification", "asks you to sign the summary"));
  for (const std::string& secret : {std::string("M.Q."), std::string("Mara"),
                                    hours::DayText(session_day)}) {
    walk.ExpectNotShown(secret, false, "the summary signing page (C29)");
  }
  walk.EndStep("summary-signing-page");
  ASSERT_TRUE(walk.Fill("input#sign-pin", "246810"));
  ASSERT_TRUE(walk.ClickCss("button[name='decision'][value='sign']"));
  ASSERT_TRUE(walk.WaitForPage("Sign an experience verification",
                               "You signed the experience-verification summary of Ana Associate"));
  walk.EndStep("summary-signed");
  sign_in_again(3);
  ASSERT_TRUE(walk.Go(origin + "/hours"));
  ASSERT_TRUE(walk.WaitForPage(kProgressHeading, "Signed by Sam Supervisor"));
  walk.EndStep("associate-sees-summary-signed");
}

}  // namespace
}  // namespace alcove::testing
