// End to end in headless Chromium (tests/e2e/walk.hpp): a new therapist's first day, as
// issue #13 asks — sign up, the one-time code from the mail typed into the check-email
// page (C26), the time zone, a client with a full name, an appointment today from the
// week view, the Today page's "Write note", a SOAP note switched to DAP with the text
// kept, the session ending mid-note (its cookie deleted), signing in again with a code,
// the kept draft offered and restored (C50), saved, signed, the client archived, found by
// the list's search, deleted after the confirmation page, and gone from the list. Every
// step ends with screenshots at 1280 and 390 px (<build>/e2e-screenshots/workspace-walk/)
// and axe-core at WCAG 2.2 AA, which must find nothing (C60); the client's full name is
// in no page title or address, and outside the record only the alias shows (C01).

#include <gtest/gtest.h>

#include "e2e/walk.hpp"
#include "web/session_auth.hpp"

namespace alcove::testing {
namespace {

TEST(BrowserEndToEnd, C01_C26_C50_C60_NewTherapistWorkspaceWalkInChromium) {
  BrowserRig rig("workspace-walk");
  ALCOVE_START_BROWSER_RIG(rig);
  Walk& walk = *rig.walk;
  WebDriverSession& browser = *rig.browser;
  const ServerProcess& server = rig.server;
  const std::string origin = server.origin();

  const std::string name = "Robin Therapist";
  const std::string email = "robin.walk@example.org";
  const std::string first = "Mara";
  const std::string last = "Quinlan";
  const std::string alias = "M.Q.";
  // C01 outside the record: no page shows the name, no title or address holds it.
  const auto alias_only = [&](const std::string& where, bool record = false) {
    walk.ExpectNotShown(first, record, where);
    walk.ExpectNotShown(last, record, where);
  };

  // 1. Sign up; the mail's one-time code typed into the check-email page (C26).
  ASSERT_TRUE(walk.Go(origin + "/signup"));
  ASSERT_TRUE(walk.SignUp(name, email));
  const auto code = SignInCodeFor(server, email);
  ASSERT_TRUE(code.has_value()) << "no code in the mail for " << email << ":\n"
                                << server.Stdout();
  ASSERT_TRUE(walk.Fill("input#signin-code", *code));
  walk.EndStep("code-typed");
  ASSERT_TRUE(walk.ClickCss("button#signin-code-submit"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, " + name));
  walk.EndStep("signed-in-with-code");

  // 2. The time zone: UTC, so that "today" is the browser's UTC date.
  ASSERT_TRUE(walk.Go(origin + "/schedule/time-zone"));
  ASSERT_TRUE(walk.WaitForPage("Your time zone"));
  ASSERT_TRUE(walk.ClickCss("select#time_zone option[value='UTC']"));
  walk.EndStep("time-zone");
  ASSERT_TRUE(walk.ClickCss("form[action='/schedule/time-zone'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, " + name, "Done: Set your time zone"));
  walk.EndStep("time-zone-saved");

  // 3. A client with a full name: shown inside the record, the alias everywhere else.
  ASSERT_TRUE(walk.Go(origin + "/clients"));
  ASSERT_TRUE(walk.WaitForPage("Clients", "No clients yet."));
  ASSERT_TRUE(walk.Fill("form[action='/clients'] input[name='name']", first + " " + last));
  walk.EndStep("new-client");
  ASSERT_TRUE(walk.ClickCss("form[action='/clients'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage(first + " " + last, "Client added."));
  std::string client_url = browser.Url();
  client_url = client_url.substr(0, client_url.find('?'));
  alias_only("client record", true);
  walk.EndStep("client-added");

  // 4. An appointment today, late in the day, from the week view.
  ASSERT_TRUE(walk.Go(origin + "/schedule"));
  ASSERT_TRUE(WaitUntil([&] { return browser.Css("select#client_id").has_value(); }));
  alias_only("week view");
  ASSERT_TRUE(walk.Click("xpath", "//select[@id='client_id']/option[normalize-space()='" + alias +
                                      "']"));
  auto set = browser.ExecuteAsync(
      "const done = arguments[arguments.length - 1];"
      "document.getElementById('date').value = new Date().toISOString().slice(0, 10);"
      "document.getElementById('time').value = '23:30';"
      "done('ok');");
  ASSERT_TRUE(set.has_value()) << set.error();
  walk.EndStep("new-appointment");
  ASSERT_TRUE(walk.ClickCss("form[action='/schedule/appointments'] button[type='submit']"));
  ASSERT_TRUE(WaitUntil([&] { return walk.TextOf("main").find("11:30 PM") != std::string::npos; }))
      << walk.TextOf("main");
  alias_only("week view with the appointment");
  walk.EndStep("appointment-added");

  // 5. The Today page shows it, by alias, with "Write note".
  ASSERT_TRUE(walk.Go(origin + "/"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, " + name, alias));
  alias_only("Today");
  walk.EndStep("today");
  ASSERT_TRUE(walk.Click("link text", "Write note"));
  ASSERT_TRUE(walk.WaitForPage("New session note · " + alias));
  const std::string editor_url = browser.Url();
  alias_only("note editor", true);

  // 6. SOAP typed, switched to DAP with the text kept; drafts.js keeps it (C50).
  const std::vector<std::pair<std::string, std::string>> soap = {
      {"subjective", "Slept poorly after the move; worried about work."},
      {"objective", "Restless, spoke quickly, engaged throughout."},
      {"assessment", "Adjustment stress, no risk indicators."},
      {"plan", "Weekly sessions; sleep diary until next time."},
  };
  for (const auto& [section, text] : soap) {
    ASSERT_TRUE(walk.Fill("textarea[name='section_" + section + "']", text));
  }
  walk.EndStep("soap-typed");
  ASSERT_TRUE(walk.ClickCss("button[name='switch_format'][value='dap']"));
  ASSERT_TRUE(WaitUntil([&] { return walk.TextOf("main .current-format") == "DAP"; }))
      << walk.TextOf("main");
  EXPECT_NE(walk.TextOf("textarea[name='section_data']").find(soap[0].second), std::string::npos)
      << walk.TextOf("textarea[name='section_data']");
  EXPECT_EQ(walk.TextOf("textarea[name='section_plan']"), soap[3].second);
  const std::string extra = " Agreed on a bedtime routine.";
  ASSERT_TRUE(walk.Fill("textarea[name='section_plan']", extra));
  ASSERT_TRUE(WaitUntil([&] {
    return walk.TextOf("main .draft-status").starts_with("Draft kept at");
  })) << "drafts.js kept no draft: " << walk.TextOf("main .draft-status");
  walk.EndStep("dap-draft-kept");

  // 7. The session ends mid-note: saving leads to sign in; a new code signs in.
  ASSERT_TRUE(browser.DeleteCookie(std::string(web::kSessionCookie)));
  ASSERT_TRUE(walk.ClickCss("main form.note-editor button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Sign in"));
  alias_only("sign in after the session ended");
  walk.EndStep("session-ended");
  ASSERT_TRUE(walk.Fill("form[action='/signin/link'] input[name='email']", email));
  ASSERT_TRUE(walk.ClickCss("form[action='/signin/link'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Check your email"));
  const auto again = SignInCodeFor(server, email, 1);
  ASSERT_TRUE(again.has_value()) << "no second mail for " << email << ":\n" << server.Stdout();
  ASSERT_TRUE(walk.Fill("input#signin-code", *again));
  ASSERT_TRUE(walk.ClickCss("button#signin-code-submit"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, " + name));
  walk.EndStep("signed-in-again");

  // 8. The editor again: the draft is offered, restored with every word, saved, signed.
  ASSERT_TRUE(walk.Go(editor_url));
  ASSERT_TRUE(walk.WaitForPage("New session note · " + alias, "was kept"));
  walk.EndStep("draft-offered");
  ASSERT_TRUE(walk.Click("link text", "Restore the draft"));
  ASSERT_TRUE(walk.WaitForPage("New session note · " + alias, "Your text is below."));
  EXPECT_EQ(walk.TextOf("main .current-format"), "DAP");
  EXPECT_EQ(walk.TextOf("textarea[name='section_plan']"), soap[3].second + extra);
  walk.EndStep("draft-restored");
  ASSERT_TRUE(walk.ClickCss("main form.note-editor button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Session note · " + alias, "Note saved."));
  EXPECT_NE(walk.TextOf("main").find(soap[3].second + extra), std::string::npos);
  // The note came from the appointment ("Write note"): its day, local time and length,
  // in words.
  EXPECT_NE(walk.TextOf("main").find(" · 11:30 PM · 50 minutes"), std::string::npos)
      << walk.TextOf("main");
  EXPECT_EQ(walk.TextOf("main").find("23:30"), std::string::npos) << walk.TextOf("main");
  alias_only("saved note", true);
  walk.EndStep("note-saved");
  ASSERT_TRUE(walk.ClickCss("form[action$='/sign'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Session note · " + alias, "Note signed and locked."));
  walk.EndStep("note-signed");

  // 9. Archived, then found by the list's search, shown by alias.
  ASSERT_TRUE(walk.Go(client_url));
  ASSERT_TRUE(walk.ClickCss("form[action$='/archive'] button[type='submit']"));
  ASSERT_TRUE(WaitUntil([&] {
    return walk.TextOf("main").find("Archived:") != std::string::npos;
  })) << walk.TextOf("main");
  walk.EndStep("archived");
  ASSERT_TRUE(walk.Go(origin + "/clients"));
  ASSERT_TRUE(walk.WaitForPage("Clients"));
  if (browser.Css("form#client-search input[name='q']")) {
    ASSERT_TRUE(walk.Fill("form#client-search input[name='q']", first + " " + last));
    ASSERT_TRUE(walk.ClickCss("form#client-search button[type='submit']"));
  } else {
    ASSERT_TRUE(walk.Go(origin + "/clients?q=" + alias));
  }
  ASSERT_TRUE(walk.WaitForPage("Clients", alias));
  alias_only("client list search");
  walk.EndStep("search-found");

  // 10. Deleted after its confirmation page; the list no longer has it.
  ASSERT_TRUE(walk.Go(client_url + "/delete"));
  ASSERT_TRUE(walk.WaitForPage("Delete " + alias + "?", "This cannot be undone."));
  alias_only("delete confirmation");
  ASSERT_TRUE(walk.ClickCss("input[name='confirm']"));
  walk.EndStep("delete-confirmation");
  ASSERT_TRUE(walk.ClickCss("button.danger"));
  ASSERT_TRUE(walk.WaitForPage("Clients", "Client deleted."));
  EXPECT_EQ(walk.TextOf("main").find(alias), std::string::npos) << walk.TextOf("main");
  alias_only("client list after deleting");
  walk.EndStep("client-deleted");
}

}  // namespace
}  // namespace alcove::testing
