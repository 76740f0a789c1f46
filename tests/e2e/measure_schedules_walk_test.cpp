// End to end in headless Chromium (tests/e2e/walk.hpp): a therapist opens a client's
// questionnaire schedules page (issue #16, part "api"; docs/measures.md § Schedules),
// is told in words what is wrong with a bad number, adds an every-14-days PHQ-9
// schedule and stops it — plain forms, no script needed. Every step ends with
// screenshots at 1280 and 390 px (<build>/e2e-screenshots/measure-schedules-walk/) and
// axe-core at WCAG 2.2 AA, which must find nothing (C60); the page shows the alias only.

#include <gtest/gtest.h>

#include "e2e/walk.hpp"

namespace alcove::testing {
namespace {

TEST(BrowserEndToEnd, C50_C60_QuestionnaireSchedulesPageInChromium) {
  BrowserRig rig("measure-schedules-walk");
  ALCOVE_START_BROWSER_RIG(rig);
  Walk& walk = *rig.walk;
  WebDriverSession& browser = *rig.browser;
  const ServerProcess& server = rig.server;
  const std::string origin = server.origin();
  const std::string name = "Robin Therapist";
  const std::string email = "robin.schedules@example.org";

  ASSERT_TRUE(walk.Go(origin + "/signup"));
  ASSERT_TRUE(walk.SignUp(name, email));
  const auto code = SignInCodeFor(server, email);
  ASSERT_TRUE(code.has_value()) << server.Stdout();
  ASSERT_TRUE(walk.Fill("input#signin-code", *code));
  ASSERT_TRUE(walk.ClickCss("button#signin-code-submit"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, " + name));

  ASSERT_TRUE(walk.Go(origin + "/clients"));
  ASSERT_TRUE(walk.WaitForPage("Clients", "No clients yet."));
  ASSERT_TRUE(walk.Fill("form[action='/clients'] input[name='name']", "Mara Quinlan"));
  ASSERT_TRUE(walk.ClickCss("form[action='/clients'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Mara Quinlan", "Client added."));
  std::string client_url = browser.Url();
  client_url = client_url.substr(0, client_url.find('?'));

  // The page, empty.
  ASSERT_TRUE(walk.Go(client_url + "/measures/schedules"));
  ASSERT_TRUE(walk.WaitForPage("Questionnaire schedules for M.Q.", "No schedules yet"));
  walk.ExpectNotShown("Mara", false, "the schedules page");
  walk.ExpectNotShown("Quinlan", false, "the schedules page");
  walk.EndStep("schedules-empty");

  // A bad number: the page again, the message in words, what was typed kept.
  ASSERT_TRUE(walk.ClickCss("select#instrument option[value='phq-9']"));
  ASSERT_TRUE(walk.ClickCss("input#kind-days"));
  auto clear = browser.ExecuteAsync(
      "const done = arguments[arguments.length - 1];"
      "document.getElementById('every_days').value = ''; done('ok');");
  ASSERT_TRUE(clear.has_value()) << clear.error();
  ASSERT_TRUE(walk.Fill("input#every_days", "400"));
  auto novalidate = browser.ExecuteAsync(
      "const done = arguments[arguments.length - 1];"
      "document.querySelector(\"form[action$='/measures/schedules']\").noValidate = true;"
      "done('ok');");
  ASSERT_TRUE(novalidate.has_value()) << novalidate.error();
  ASSERT_TRUE(walk.ClickCss("form[action$='/measures/schedules'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Questionnaire schedules for M.Q.", "a number from 1 to 365"));
  walk.EndStep("schedules-error");

  // Every 14 days, added.
  clear = browser.ExecuteAsync(
      "const done = arguments[arguments.length - 1];"
      "document.getElementById('every_days').value = ''; done('ok');");
  ASSERT_TRUE(clear.has_value()) << clear.error();
  ASSERT_TRUE(walk.Fill("input#every_days", "14"));
  ASSERT_TRUE(walk.ClickCss("form[action$='/measures/schedules'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Questionnaire schedules for M.Q.", "Every 14 days"));
  EXPECT_NE(walk.TextOf("main table").find("PHQ-9"), std::string::npos);
  walk.EndStep("schedule-added");

  // Stopped.
  ASSERT_TRUE(walk.ClickCss("form[action$='/stop'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Questionnaire schedules for M.Q.", "No schedules yet"));
  walk.EndStep("schedule-stopped");
}

}  // namespace
}  // namespace alcove::testing
