// End to end in a real browser: headless Chromium, driven over W3C WebDriver by a
// chromedriver this test starts on a loopback port, walks a therapist through the pages
// of a real `alcove serve` — sign-up, the magic link from the outbox, a new client, a
// SOAP note, a summary written and reviewed, settings, the audit log, a missing page,
// sign-out — asserting what each page shows, that the browser console reports no Content
// Security Policy violation, and that axe-core (tests/e2e/package.json, injected through
// WebDriver) finds no WCAG 2.2 AA violation at the end of each step, at 1280 and 390 px.
// A PNG screenshot of each step at both widths goes to
// <build>/e2e-screenshots/sign-up-to-sign-out/.
//
// Chromium and chromedriver are Debian's `chromium` and `chromium-driver` (scripts/setup
// installs them, and axe-core with npm). Without them the test skips on a developer's
// machine and fails under CI or `make test`.

#include <gtest/gtest.h>

#include "e2e/walk.hpp"

namespace alcove::testing {
namespace {

TEST(BrowserEndToEnd, C60_SignUpToSignOutInChromiumWithNoCspViolation) {
  BrowserRig rig("sign-up-to-sign-out");
  ALCOVE_START_BROWSER_RIG(rig);
  Walk& walk = *rig.walk;
  WebDriverSession& browser = *rig.browser;
  ServerProcess& server = rig.server;
  const std::string origin = server.origin();

  const std::string name = "Dana Example";
  const std::string email = "dana.e2e@example.org";

  // 0. The front page and the security policy, signed out; sign-up is one click away.
  ASSERT_TRUE(walk.Go(origin + "/"));
  ASSERT_TRUE(walk.WaitForPage("A quiet place for your practice"));
  walk.EndStep("front-page");
  ASSERT_TRUE(walk.ClickCss("footer a[href='/security']"));
  ASSERT_TRUE(walk.WaitForPage("Security at Alcove"));
  walk.EndStep("security");

  // 1. Sign up with a name and an email, no password.
  ASSERT_TRUE(walk.ClickCss("nav.site-nav a[href='/signup']"));
  ASSERT_TRUE(walk.SignUp(name, email));

  // 2. The magic link from the outbox: its page needs magic.js (CSP: script-src 'self')
  // to show the button, and the script drops the token from the address bar.
  const auto link = MagicLinkFor(server, email);
  ASSERT_TRUE(link.has_value()) << "no mail for " << email << " in the server's output:\n"
                                << server.Stdout();
  ASSERT_TRUE(link->starts_with(origin + "/auth/magic#token=")) << *link;
  ASSERT_TRUE(walk.Go(*link));
  ASSERT_TRUE(walk.WaitForPage("Sign in to Alcove"));
  ASSERT_TRUE(WaitUntil([&] {
    auto button = browser.Css("#magic-signin");
    return button && browser.Displayed(*button);
  })) << "the Sign in button stayed hidden: magic.js did not run";
  EXPECT_EQ(browser.Url().find("token="), std::string::npos) << browser.Url();
  walk.EndStep("magic-link");
  ASSERT_TRUE(walk.ClickCss("#magic-signin"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, " + name));
  walk.EndStep("signed-in");

  // 3. A client: the name is kept in the record, the initials shown everywhere else.
  ASSERT_TRUE(walk.ClickCss("nav.site-nav a[href='/clients']"));
  ASSERT_TRUE(walk.WaitForPage("Clients", "No clients yet."));
  ASSERT_TRUE(walk.Fill("form[action='/clients'] input[name='name']", "John Doe"));
  walk.EndStep("new-client-form");
  ASSERT_TRUE(walk.ClickCss("form[action='/clients'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("John Doe", "Client added."));
  std::string client_url = browser.Url();
  client_url = client_url.substr(0, client_url.find('?'));
  EXPECT_TRUE(client_url.starts_with(origin + "/clients/")) << client_url;
  EXPECT_NE(walk.TextOf("main").find("J.D."), std::string::npos) << walk.TextOf("main");
  walk.EndStep("client");

  // 4. A session note: typed in SOAP (drafts.js keeps it as a draft a few seconds
  // later), switched to DAP with every text kept, saved, then signed.
  ASSERT_TRUE(walk.Click("link text", "New session note"));
  ASSERT_TRUE(walk.WaitForPage("New session note · J.D."));
  EXPECT_EQ(walk.TextOf("main .current-format"), "SOAP");  // the format chosen by default
  const std::vector<std::pair<std::string, std::string>> soap = {
      {"subjective", "Reports sleeping better since the last session."},
      {"objective", "Calm, on time, good eye contact."},
      {"assessment", "Mood improving; anxiety moderate."},
      {"plan", "Continue weekly; practise the breathing exercise."},
  };
  for (const auto& [section, text] : soap) {
    ASSERT_TRUE(walk.Fill("textarea[name='section_" + section + "']", text));
  }
  EXPECT_TRUE(WaitUntil([&] {
    return walk.TextOf("main .draft-status").starts_with("Draft kept at");
  })) << "drafts.js kept no draft: " << walk.TextOf("main .draft-status");
  walk.EndStep("soap-note-form");
  ASSERT_TRUE(walk.ClickCss("button[name='switch_format'][value='dap']"));
  ASSERT_TRUE(WaitUntil([&] { return walk.TextOf("main .current-format") == "DAP"; }))
      << browser.Url() << "\n" << walk.TextOf("main");
  EXPECT_NE(walk.TextOf("textarea[name='section_data']").find(soap[0].second), std::string::npos)
      << walk.TextOf("textarea[name='section_data']");
  EXPECT_EQ(walk.TextOf("textarea[name='section_plan']"), soap[3].second);
  walk.EndStep("switched-to-dap");
  ASSERT_TRUE(walk.ClickCss("main form.note-editor button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Session note · J.D.", "Note saved."));
  const std::string with_note = walk.TextOf("main");
  for (const auto& [section, text] : soap) {
    EXPECT_NE(with_note.find(text), std::string::npos) << section << " missing:\n" << with_note;
  }
  walk.EndStep("note-saved");
  ASSERT_TRUE(walk.ClickCss("form[action$='/sign'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Session note · J.D.", "Note signed and locked."));
  walk.EndStep("note-signed");

  // 5. A summary: saved as a draft, then saved and reviewed at once.
  const std::string summary = "Eight sessions; sleep and mood improved; continuing weekly.";
  ASSERT_TRUE(walk.Go(client_url + "?tab=summaries"));
  ASSERT_TRUE(walk.WaitForPage("John Doe", "No summaries yet."));
  ASSERT_TRUE(walk.Fill("form[action$='/summaries'] textarea[name='text']", summary));
  ASSERT_TRUE(walk.ClickCss("form[action$='/summaries'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Summary · J.D.", "Status: draft"));
  EXPECT_EQ(walk.TextOf("form textarea[name='text']"), summary);
  walk.EndStep("summary-draft");
  ASSERT_TRUE(walk.ClickCss("button[name='review']"));
  ASSERT_TRUE(walk.WaitForPage("Summary · J.D.", "Summary saved and marked as reviewed."));
  ASSERT_TRUE(walk.Go(client_url + "?tab=summaries"));
  ASSERT_TRUE(walk.WaitForPage("John Doe", summary));
  const std::string summaries_xpath =
      "//h2[normalize-space()='Summaries']/following-sibling::article[1]";
  auto status = browser.Find("xpath", summaries_xpath + "//span[@class='hint']");
  ASSERT_TRUE(status) << status.error();
  EXPECT_EQ(browser.Text(*status).value_or(""), "reviewed");
  auto open = browser.Find("xpath", summaries_xpath + "//a");
  ASSERT_TRUE(open) << open.error();
  EXPECT_EQ(browser.Text(*open).value_or(""), "Open");  // no longer "Review"
  walk.EndStep("summary-reviewed");

  // Deleting asks on its own page and needs the box ticked.
  ASSERT_TRUE(walk.Go(client_url + "/delete"));
  ASSERT_TRUE(walk.WaitForPage("Delete J.D.?", "This cannot be undone."));
  ASSERT_TRUE(walk.ClickCss("input[name='confirm']"));
  walk.EndStep("delete-confirmation");
  ASSERT_TRUE(walk.ClickCss("button.danger"));
  ASSERT_TRUE(walk.WaitForPage("Clients", "Client deleted."));
  walk.EndStep("client-deleted");


  // 6. The account's own pages, from the navigation every page has, and a page that
  // does not exist: in words, with the way back.
  ASSERT_TRUE(walk.ClickCss("nav.site-nav a[href='/settings']"));
  ASSERT_TRUE(walk.WaitForPage("Settings", "(this browser)"));
  EXPECT_NE(walk.TextOf("main").find("Chrome on Linux"), std::string::npos) << walk.TextOf("main");
  walk.EndStep("settings");
  ASSERT_TRUE(walk.ClickCss("nav.site-nav a[href='/audit']"));
  ASSERT_TRUE(walk.WaitForPage("Audit log", "You signed in"));
  walk.EndStep("audit-log");
  ASSERT_TRUE(walk.Go(origin + "/no/such/page"));
  ASSERT_TRUE(walk.WaitForPage("We could not find that page"));
  walk.EndStep("not-found");

  // 7. Home, then sign out; the records are out of reach again.
  ASSERT_TRUE(walk.ClickCss("header a.brand"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, " + name));
  walk.EndStep("home");
  ASSERT_TRUE(walk.ClickCss("nav.site-nav form[action='/signout'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Sign in", "You are signed out."));
  EXPECT_TRUE(browser.Url().ends_with("/signin?signed_out=1")) << browser.Url();
  walk.EndStep("signed-out");
  ASSERT_TRUE(walk.Go(client_url));
  ASSERT_TRUE(walk.WaitForPage("Sign in"));
  EXPECT_EQ(walk.TextOf("main").find(summary), std::string::npos);
  walk.EndStep("records-need-sign-in");
}

}  // namespace
}  // namespace alcove::testing
