// End to end in headless Chromium (tests/e2e/walk.hpp): questionnaires from the
// therapist's pages (issue #16; docs/measures.md § Pages) — a therapist signs in, adds a
// client, opens the client's record and its Questionnaires tab, asks for a PHQ-9 on the
// page, takes the link shown once (the readonly field; the QR code beside it), and the
// link is opened in a fresh browser (another profile: no cookie of the therapist's) at
// 390 px, as the client's phone would, and filled in there with item 9 at "Several days";
// the therapist then sees the safety flag on the Today page, on the questionnaires page
// with the trend chart, and on the client's record, and marks it reviewed. Every step ends with screenshots at 1280 and 390 px
// (<build>/e2e-screenshots/measures-walk/) and axe-core at WCAG 2.2 AA, which must find
// nothing (C60); the client's name is in no page title or address (C01).

#include <gtest/gtest.h>

#include "e2e/walk.hpp"

namespace alcove::testing {
namespace {

TEST(BrowserEndToEnd, C01_C27_C60_APhq9AssignedOnThePageFilledOnAPhoneRaisesTheFlagUntilReviewed) {
  BrowserRig rig("measures-walk");
  ALCOVE_START_BROWSER_RIG(rig);
  Walk& walk = *rig.walk;
  WebDriverSession& browser = *rig.browser;
  const ServerProcess& server = rig.server;
  const std::string origin = server.origin();

  const std::string name = "Ines Measures";
  const std::string email = "ines.measures@example.org";
  const std::string first = "Tobiah";
  const std::string last = "Wrenfield";
  const std::string alias = "T.W.";

  // 1. Sign up and sign in with the mail's one-time code.
  ASSERT_TRUE(SignUpWithCode(walk, server, name, email));
  walk.EndStep("signed-in");

  // 2. A client; the record has the Questionnaires tab and says nothing is there yet.
  ASSERT_TRUE(walk.Go(origin + "/clients"));
  ASSERT_TRUE(walk.WaitForPage("Clients"));
  ASSERT_TRUE(walk.Fill("form[action='/clients'] input[name='name']", first + " " + last));
  ASSERT_TRUE(walk.ClickCss("form[action='/clients'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage(first + " " + last, "Client added."));
  EXPECT_NE(walk.TextOf("main").find("Questionnaires"), std::string::npos);
  walk.ExpectNotShown(last, true, "client record");
  walk.EndStep("client-record");

  // 3. The Questionnaires tab: the assign form, PHQ-9 and 7 days chosen already.
  ASSERT_TRUE(walk.Click("xpath", "//nav[@aria-label='Record']//a[normalize-space()='Questionnaires']"));
  ASSERT_TRUE(walk.WaitForPage("Questionnaires", "Ask for a questionnaire"));
  const std::string client_questionnaires = browser.Url();
  walk.ExpectNotShown(last, false, "questionnaires page");
  EXPECT_NE(walk.TextOf("main").find("No results yet."), std::string::npos);
  walk.EndStep("questionnaires");

  // 4. Assign: the link shown once, with its QR code and "Open the form now".
  ASSERT_TRUE(walk.ClickCss("form[action$='/measures'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Questionnaires", "This link is shown once"));
  auto field = browser.Css("input#shown-link-url");
  ASSERT_TRUE(field.has_value()) << field.error();
  auto value = browser.Call("GET", "/element/" + *field + "/property/value");
  ASSERT_TRUE(value && value->is_string());
  const std::string link(value->as_string());
  ASSERT_TRUE(link.starts_with(origin + "/q/")) << link;
  EXPECT_TRUE(browser.Css("svg.qr[role='img']").has_value());
  EXPECT_TRUE(browser.Css("a[href^='/q/']").has_value());
  EXPECT_EQ(walk.Title().find("/q/"), std::string::npos);
  EXPECT_EQ(browser.Url().find("/q/"), std::string::npos);
  walk.EndStep("link-shown");

  // 5. Reloaded (a GET): the link is not shown again; it waits, with Cancel.
  ASSERT_TRUE(walk.Go(browser.Url()));
  ASSERT_TRUE(walk.WaitForPage("Questionnaires", "Waiting to be filled in"));
  EXPECT_EQ(walk.TextOf("main").find("This link is shown once"), std::string::npos);
  EXPECT_FALSE(browser.Css("input#shown-link-url").has_value());
  EXPECT_NE(walk.TextOf("main").find("PHQ-9, sent"), std::string::npos) << walk.TextOf("main");
  walk.EndStep("link-waiting");

  // 6. The link in a fresh browser (another profile, no session), at a phone's width.
  SecondBrowser second(rig, "measures-walk", "client");
  ASSERT_TRUE(second.error.empty()) << second.error;
  WebDriverSession& phone = *second.session;
  Walk& client = *second.walk;
  ASSERT_TRUE(client.Go(link));
  ASSERT_TRUE(WaitUntil([&] { return !client.TextOf("main").empty(); }));
  EXPECT_EQ(phone.Url().find(first), std::string::npos);
  EXPECT_EQ(client.TextOf("body").find(last), std::string::npos) << client.TextOf("body");
  EXPECT_EQ(client.TextOf("body").find(name + " · Sign out"), std::string::npos);
  ASSERT_TRUE(client.WaitForPage("Patient Health Questionnaire-9 (PHQ-9)", "Send my answers"))
      << client.TextOf("body");
  client.EndStep("form-opened");

  // 7. Filled in at 390 px: nothing for items 1-8, "Several days" for item 9, the
  // difficulty question "Somewhat difficult"; sent.
  ASSERT_TRUE(phone.SetWindowSize(390, 844).has_value());
  for (int item = 1; item <= 10; ++item) {
    const int answer = item == 9 || item == 10 ? 1 : 0;
    ASSERT_TRUE(client.ClickCss("input[name='item" + std::to_string(item) + "'][value='" +
                                std::to_string(answer) + "']"));
  }
  client.EndStep("form-filled");
  ASSERT_TRUE(phone.SetWindowSize(390, 844).has_value());
  ASSERT_TRUE(client.ClickCss("button.q-submit"));
  ASSERT_TRUE(client.WaitForPage("Thank you", "Your answers have been sent"));
  EXPECT_EQ(client.TextOf("body").find("self-harm"), std::string::npos);  // no score shown
  client.EndStep("form-sent");

  // 8. The therapist's Today page: the flag at the top, by alias, until reviewed.
  ASSERT_TRUE(walk.Go(origin + "/"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, " + name, "Needs your attention"));
  EXPECT_NE(walk.TextOf("main").find(alias + ": the PHQ-9 of"), std::string::npos)
      << walk.TextOf("main");
  EXPECT_NE(walk.TextOf("main").find("raised a flag: self-harm thoughts (item 9)."),
            std::string::npos);
  walk.ExpectNotShown(last, false, "Today with the flag");
  walk.EndStep("today-flag");

  // 9. The client's record: the banner, the summary line, the tab.
  ASSERT_TRUE(walk.Click("link text", "Open the questionnaires"));
  ASSERT_TRUE(walk.WaitForPage("Questionnaires", "Safety flag."));
  EXPECT_TRUE(browser.Css("svg.trend-chart[role='img']").has_value());
  EXPECT_TRUE(browser.Css("li.answer-flagged").has_value());
  EXPECT_NE(walk.TextOf("main").find("PHQ-9: 1, none to minimal, the first result"),
            std::string::npos)
      << walk.TextOf("main");
  walk.ExpectNotShown(last, false, "questionnaires with the flag");
  walk.EndStep("questionnaires-flag-and-chart");
  ASSERT_TRUE(walk.Click("xpath", "//nav[@aria-label='Record']//a[normalize-space()='Overview']"));
  ASSERT_TRUE(walk.WaitForPage(first + " " + last, "Safety flag."));
  EXPECT_NE(walk.TextOf("main").find("PHQ-9: 1, none to minimal, the first result"),
            std::string::npos)
      << walk.TextOf("main");
  walk.ExpectNotShown(last, true, "client record with the flag");
  walk.EndStep("client-record-flag");

  // 10. Marked as reviewed on Today: the alert is gone; the result stays.
  ASSERT_TRUE(walk.Go(origin + "/"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, " + name, "Needs your attention"));
  ASSERT_TRUE(walk.Click("xpath", "//button[normalize-space()='Mark as reviewed']"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, " + name));
  EXPECT_EQ(walk.TextOf("main").find("Needs your attention"), std::string::npos);
  walk.EndStep("today-reviewed");
  ASSERT_TRUE(walk.Go(client_questionnaires));
  ASSERT_TRUE(walk.WaitForPage("Questionnaires", "Flag: self-harm thoughts (item 9)."));
  EXPECT_EQ(walk.TextOf("main").find("Safety flag."), std::string::npos);
  walk.EndStep("questionnaires-reviewed");
}

}  // namespace
}  // namespace alcove::testing
