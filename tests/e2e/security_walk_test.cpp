// End to end in headless Chromium (tests/e2e/walk.hpp): the security page (issue #20;
// docs/security.md § The security page). Anyone reads every promise with its tests and
// their standing in this build; the operator opens the link `alcove doctor --web-link`
// printed, and the same page shows the live posture of the deployment on top. Each step
// ends with screenshots at 1280 and 390 px (<build>/e2e-screenshots/security-walk/) and
// axe-core at WCAG 2.2 AA, which must find nothing.

#include <gtest/gtest.h>

#include "e2e/walk.hpp"

namespace alcove::testing {
namespace {

TEST(BrowserEndToEnd, TheSecurityPageListsEveryPromiseAndShowsTheOperatorTheLivePosture) {
  BrowserRig rig("security-walk");
  ALCOVE_START_BROWSER_RIG(rig);
  Walk& walk = *rig.walk;
  WebDriverSession& browser = *rig.browser;
  const ServerProcess& server = rig.server;

  // 1. Anyone: the promises by section, each with its standing and its tests.
  ASSERT_TRUE(walk.Go(server.origin() + "/security"));
  ASSERT_TRUE(walk.WaitForPage("Security at Alcove", "Reporting a vulnerability"));
  EXPECT_TRUE(browser.Css("li#claim-C01").has_value());
  EXPECT_TRUE(browser.Css("li#claim-C61").has_value());
  EXPECT_FALSE(walk.TextOf("#claim-C05 .claim-standing").empty());
  EXPECT_FALSE(browser.Css("#posture-heading").has_value());
  walk.EndStep("promises");
  ASSERT_TRUE(walk.ClickCss("#claim-C05 summary"));
  ASSERT_TRUE(browser
                  .ExecuteAsync("const done = arguments[arguments.length - 1];"
                                "document.getElementById('claim-C05').scrollIntoView(); done(0);")
                  .has_value());
  EXPECT_NE(walk.TextOf("#claim-C05 .claim-tests").find("RecordingsTest."), std::string::npos)
      << walk.TextOf("#claim-C05");
  walk.EndStep("a-promise-and-its-tests");

  // 2. The operator: the link of `alcove doctor --web-link`, the token in its fragment.
  const auto doctor = RunAlcove({"doctor", "--data-dir", server.data_dir().string(), "--web-link"});
  const auto at = doctor.out.find("/security#token=");
  ASSERT_NE(at, std::string::npos) << doctor.out << doctor.err;
  const std::string token = doctor.out.substr(at + 16, 43);
  // (From another page: a change of fragment alone does not load the page again.)
  ASSERT_TRUE(walk.Go(server.origin() + "/ai"));
  ASSERT_TRUE(walk.Go(server.origin() + "/security#token=" + token));
  ASSERT_TRUE(walk.WaitForPage("Security at Alcove", "For the operator"));
  EXPECT_EQ(browser.Url().find("token"), std::string::npos) << "the token leaves the address bar";
  ASSERT_TRUE(walk.ClickCss("button#posture-show"));
  ASSERT_TRUE(walk.WaitForPage("Security at Alcove", "Live posture of this deployment"));
  EXPECT_NE(walk.TextOf("#posture").find("development certificate"), std::string::npos)
      << walk.TextOf("#posture");
  EXPECT_NE(walk.TextOf("#posture-summary").find("to fix"), std::string::npos);
  walk.EndStep("live-posture");
}

}  // namespace
}  // namespace alcove::testing
