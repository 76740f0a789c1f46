// End to end in headless Chromium (tests/e2e/walk.hpp): the client portal (issue #17;
// docs/portal.md). A therapist signs in, adds a client with an email address, writes and
// reviews a summary, asks for a PHQ-9, and invites the client from the record's Portal
// tab. The client opens the mailed link (the outbox) in a browser of their own at a
// phone's width, accepts (the token in the fragment, C27), lands on their portal, fills
// in the PHQ-9 signed in. The therapist shares the reviewed summary and the PHQ-9 trend;
// the client sees both and opens them; "What this client sees now" shows the therapist the
// same home; the therapist stops sharing the summary, and the client's next page load no
// longer has it, nor the page they had open (C21); the history keeps both. Every step
// ends with screenshots at 1280 and 390 px (<build>/e2e-screenshots/portal-walk/, the
// client's under client/) and axe-core at WCAG 2.2 AA, which must find nothing; the
// client's name is in no page title or address (C01).

#include <gtest/gtest.h>

#include "e2e/walk.hpp"

namespace alcove::testing {
namespace {

TEST(BrowserEndToEnd, C21_C26_C27_InvitedClientSeesSharedItemsAndARevokedOneIsGoneOnTheNextLoad) {
  BrowserRig rig("portal-walk");
  ALCOVE_START_BROWSER_RIG(rig);
  Walk& walk = *rig.walk;
  WebDriverSession& browser = *rig.browser;
  const ServerProcess& server = rig.server;
  const std::string origin = server.origin();

  const std::string name = "Pia Portal";
  const std::string email = "pia.portal@example.org";
  const std::string first = "Odalys";
  const std::string last = "Fenwickham";
  const std::string client_email = "odalys.f@example.net";
  const std::string summary_text =
      "We looked at the sleep diary together. Keep the evening walk; next time we plan the "
      "weekends.";

  // 1. The therapist signs up and in with the mail's one-time code.
  ASSERT_TRUE(SignUpWithCode(walk, server, name, email));

  // 2. A client, with the email address the invitation goes to.
  ASSERT_TRUE(walk.Go(origin + "/clients"));
  ASSERT_TRUE(walk.WaitForPage("Clients"));
  ASSERT_TRUE(walk.Fill("form[action='/clients'] input[name='name']", first + " " + last));
  ASSERT_TRUE(walk.ClickCss("form[action='/clients'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage(first + " " + last, "Client added."));
  const std::string record = browser.Url().substr(0, browser.Url().find('?'));
  ASSERT_TRUE(walk.Click("link text", "Edit profile"));
  ASSERT_TRUE(walk.Fill("input[name='email']", client_email));
  ASSERT_TRUE(walk.Click("xpath", "//button[normalize-space()='Save profile']"));
  ASSERT_TRUE(walk.WaitForPage(first + " " + last, client_email));
  EXPECT_NE(walk.TextOf("main").find("Not invited."), std::string::npos) << walk.TextOf("main");
  walk.ExpectNotShown(last, true, "client record");
  walk.EndStep("client-record");

  // 3. A summary, reviewed (only a reviewed one can be shared, C22).
  ASSERT_TRUE(walk.Go(record + "?tab=summaries"));
  ASSERT_TRUE(walk.Fill("form[action$='/summaries'] textarea[name='text']", summary_text));
  ASSERT_TRUE(walk.ClickCss("form[action$='/summaries'] button[type='submit']"));
  ASSERT_TRUE(walk.ClickCss("button[name='review']"));
  ASSERT_TRUE(walk.WaitForPage("Summary · O.F.", "reviewed"));

  // 4. A PHQ-9 asked for (the client fills it in from the portal).
  ASSERT_TRUE(walk.Go(record + "/measures"));
  ASSERT_TRUE(walk.WaitForPage("Questionnaires", "Ask for a questionnaire"));
  ASSERT_TRUE(walk.ClickCss("form[action$='/measures'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Questionnaires", "This link is shown once"));

  // 5. The Portal tab: invite by the record's address.
  ASSERT_TRUE(walk.Go(record));
  ASSERT_TRUE(walk.Click("xpath", "//nav[@aria-label='Record']//a[normalize-space()='Portal']"));
  ASSERT_TRUE(walk.WaitForPage("Client portal", "Not invited"));
  walk.ExpectNotShown(last, false, "portal tab");
  walk.EndStep("portal-tab");
  ASSERT_TRUE(walk.ClickCss("button#portal-invite"));
  ASSERT_TRUE(walk.WaitForPage("Client portal", "Invitation sent"));
  EXPECT_NE(walk.TextOf("#portal-access-status").find("Not accepted yet."), std::string::npos);
  const std::string tab = browser.Url().substr(0, browser.Url().find('?'));
  walk.EndStep("invited");

  // 6. The mail (the outbox) holds the link only; the client opens it on their phone.
  const auto mail = MailFor(server, client_email);
  ASSERT_TRUE(mail.has_value()) << server.Stdout();
  ASSERT_TRUE(mail->link.starts_with(origin + "/portal/accept#token=")) << mail->link;
  const std::string mailed = Slurp(mail->file);
  for (const std::string& secret : {first, last, std::string("O.F."), summary_text}) {
    EXPECT_EQ(mailed.find(secret), std::string::npos) << "the mail names " << secret;
  }
  SecondBrowser second(rig, "portal-walk", "client");
  ASSERT_TRUE(second.error.empty()) << second.error;
  WebDriverSession& phone = *second.session;
  Walk& client = *second.walk;
  ASSERT_TRUE(client.Go(mail->link));
  ASSERT_TRUE(client.WaitForPage("Your therapist’s portal"));
  ASSERT_TRUE(WaitUntil([&] {
    auto b = phone.Css("button#accept-button");
    return b.has_value() && phone.Displayed(*b);
  }));
  EXPECT_EQ(phone.Url().find("token"), std::string::npos) << "the token leaves the address bar";
  client.EndStep("accept-page");
  ASSERT_TRUE(client.ClickCss("button#accept-button"));

  // 7. Signed in (C26: no password; a session of this browser): the calm home.
  ASSERT_TRUE(client.WaitForPage("Your portal", "Welcome. You are signed in"));
  EXPECT_NE(client.TextOf("main").find("Nothing is shared with you yet."), std::string::npos);
  EXPECT_NE(client.TextOf("main").find("(this browser)"), std::string::npos);
  client.ExpectNotShown(last, false, "client's home");
  client.EndStep("portal-home-empty");

  // 8. The PHQ-9, filled in signed in with the public form's questions.
  ASSERT_TRUE(client.Click("link text", "Fill in the PHQ-9"));
  ASSERT_TRUE(client.WaitForPage("Patient Health Questionnaire-9 (PHQ-9)", "Send my answers"));
  EXPECT_EQ(client.Title(), "Questionnaire · Alcove");
  const int answers[] = {2, 1, 2, 1, 1, 0, 1, 0, 0, 1};
  for (int item = 1; item <= 10; ++item) {
    ASSERT_TRUE(client.ClickCss("input[name='item" + std::to_string(item) + "'][value='" +
                                std::to_string(answers[item - 1]) + "']"));
  }
  client.EndStep("questionnaire-filled");
  ASSERT_TRUE(phone.SetWindowSize(390, 844).has_value());
  ASSERT_TRUE(client.ClickCss("button.q-submit"));
  ASSERT_TRUE(client.WaitForPage("Your portal", "Your answers have been sent."));
  EXPECT_NE(client.TextOf("main").find("None right now."), std::string::npos);
  client.EndStep("questionnaire-sent");

  // 9. The therapist shares the reviewed summary and the PHQ-9 trend.
  ASSERT_TRUE(walk.Go(tab));
  ASSERT_TRUE(walk.WaitForPage("Client portal", "Using the portal"));
  ASSERT_TRUE(walk.ClickCss("li.share-row[data-kind='summary'] button"));
  ASSERT_TRUE(walk.WaitForPage("Client portal", "Shared. The client sees it"));
  ASSERT_TRUE(walk.ClickCss("li.share-row[data-kind='trend'][data-item='phq-9'] button"));
  ASSERT_TRUE(walk.WaitForPage("Client portal", "Shared. The client sees it"));
  EXPECT_NE(walk.TextOf("main").find("PHQ-9 over time"), std::string::npos);
  walk.ExpectNotShown(last, false, "portal tab, shared");
  walk.EndStep("shared-two");
  ASSERT_TRUE(
      browser
          .ExecuteAsync("const done = arguments[arguments.length - 1]; "
                        "document.querySelector('ul.share-list').scrollIntoView(); done(0);")
          .has_value());
  walk.EndStep("share-list");

  // 10. The client's next page load has both, newest first, new.
  ASSERT_TRUE(client.Go(origin + "/portal"));
  ASSERT_TRUE(client.WaitForPage("Your portal", "Shared with you"));
  ASSERT_TRUE(phone.Css("li.portal-item[data-kind='summary']").has_value());
  ASSERT_TRUE(phone.Css("li.portal-item[data-kind='trend']").has_value());
  EXPECT_EQ(client.TextOf("ul.portal-items li.portal-item"), client.TextOf("li[data-kind='trend']"))
      << "the newest first";
  client.EndStep("portal-home-shared");
  ASSERT_TRUE(client.ClickCss("li.portal-item[data-kind='summary'] a"));
  ASSERT_TRUE(client.WaitForPage("A summary from your therapist", "sleep diary"));
  const std::string summary_page = phone.Url();
  EXPECT_EQ(client.Title(), "Shared with you · Alcove");
  client.ExpectNotShown(last, false, "shared summary");
  client.EndStep("shared-summary");
  ASSERT_TRUE(client.Go(origin + "/portal"));
  ASSERT_TRUE(client.ClickCss("li.portal-item[data-kind='trend'] a"));
  ASSERT_TRUE(client.WaitForPage("PHQ-9 over time", "as a table"));
  EXPECT_TRUE(phone.Css("svg.trend-chart[role='img']").has_value());
  client.EndStep("shared-trend");
  ASSERT_TRUE(client.Go(origin + "/portal"));
  ASSERT_TRUE(client.WaitForPage("Your portal", "Opened"));
  const std::string client_home = client.TextOf("div.portal-home");

  // 11. "What this client sees now": the same home, framed as a read-only preview.
  ASSERT_TRUE(walk.Go(tab));
  ASSERT_TRUE(walk.Click(
      "xpath", "//nav[@aria-label='Record']//a[normalize-space()='What this client sees now']"));
  ASSERT_TRUE(walk.WaitForPage("What this client sees now", "A preview, read-only."));
  EXPECT_EQ(walk.TextOf("div.portal-home"), client_home);
  walk.ExpectNotShown(last, false, "preview");
  walk.EndStep("what-this-client-sees-now");

  // 12. The therapist stops sharing the summary.
  ASSERT_TRUE(walk.Go(tab));
  ASSERT_TRUE(walk.WaitForPage("Client portal", "Sharing history"));
  ASSERT_TRUE(walk.ClickCss("li.share-row[data-kind='summary'] button"));
  ASSERT_TRUE(walk.WaitForPage("Client portal", "No longer shared."));
  EXPECT_NE(walk.TextOf("table.share-history").find("Still shared"), std::string::npos);
  walk.EndStep("revoked");
  ASSERT_TRUE(
      browser
          .ExecuteAsync("const done = arguments[arguments.length - 1]; "
                        "document.querySelector('table.share-history').scrollIntoView(); done(0);")
          .has_value());
  walk.EndStep("sharing-history");

  // 13. The client's next page load no longer shows it; the page they had open is gone.
  ASSERT_TRUE(client.Go(origin + "/portal"));
  ASSERT_TRUE(client.WaitForPage("Your portal", "Shared with you"));
  EXPECT_FALSE(phone.Css("li.portal-item[data-kind='summary']").has_value());
  EXPECT_TRUE(phone.Css("li.portal-item[data-kind='trend']").has_value());
  EXPECT_EQ(client.TextOf("main").find("summary from your therapist"), std::string::npos);
  client.EndStep("portal-home-after-revoke");
  ASSERT_TRUE(client.Go(summary_page));
  ASSERT_TRUE(
      WaitUntil([&] { return client.TextOf("main h1") != "A summary from your therapist"; }));
  EXPECT_EQ(client.TextOf("main").find("sleep diary"), std::string::npos) << client.TextOf("main");
  client.EndStep("revoked-summary-gone");

  // 14. And the preview matches the client's home again.
  ASSERT_TRUE(client.Go(origin + "/portal"));
  ASSERT_TRUE(client.WaitForPage("Your portal", "Shared with you"));
  const std::string after = client.TextOf("div.portal-home");
  ASSERT_TRUE(walk.Go(tab.substr(0, tab.rfind('/')) + "/portal-view"));
  ASSERT_TRUE(walk.WaitForPage("What this client sees now", "A preview, read-only."));
  EXPECT_EQ(walk.TextOf("div.portal-home"), after);
  walk.EndStep("preview-after-revoke");
}

}  // namespace
}  // namespace alcove::testing
