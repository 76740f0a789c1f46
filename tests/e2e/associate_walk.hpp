#pragma once

// The start the supervision and signing walks share (supervisor_walk_test.cpp,
// signing_walk_test.cpp): an associate, "Ana Associate" at `email`, signs up with the
// code of the outbox mail, sets up an AMFT profile and the work setting "Valley Clinic",
// and logs one 50-minute session with the client "Mara Quinlan" on `session_day`. Call it
// inside ASSERT_NO_FATAL_FAILURE.

#include <gtest/gtest.h>

#include <string>

#include "e2e/walk.hpp"
#include "hours/types.hpp"

namespace alcove::testing {

// Sets the value of the input `id` as a script would (date and number inputs).
inline void SetInputValue(WebDriverSession& browser, const std::string& id,
                          const std::string& value) {
  auto r = browser.ExecuteAsync(
      "const done = arguments[arguments.length - 1];"
      "document.getElementById('" +
      id + "').value = '" + value + "'; done('ok');");
  ASSERT_TRUE(r.has_value()) << r.error();
}

inline void StartAssociateWithASession(Walk& walk, WebDriverSession& browser,
                                       const ServerProcess& server, const std::string& email,
                                       hours::Day session_day) {
  const std::string origin = server.origin();
  ASSERT_TRUE(walk.Go(origin + "/signup"));
  ASSERT_TRUE(walk.SignUp("Ana Associate", email));
  const auto code = SignInCodeFor(server, email);
  ASSERT_TRUE(code.has_value()) << server.Stdout();
  ASSERT_TRUE(walk.Fill("input#signin-code", *code));
  ASSERT_TRUE(walk.ClickCss("button#signin-code-submit"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, Ana Associate"));
  ASSERT_TRUE(walk.Go(origin + "/hours/setup"));
  ASSERT_TRUE(walk.WaitForPage("Set up hours tracking"));
  ASSERT_TRUE(walk.ClickCss("input[name='track'][value='amft']"));
  ASSERT_NO_FATAL_FAILURE(SetInputValue(browser, "degree_date", "2024-06-15"));
  ASSERT_TRUE(walk.ClickCss("form[action='/hours/setup'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Licensure profile", "Your licensure profile is saved."));
  ASSERT_TRUE(walk.Fill("input#new-setting-name", "Valley Clinic"));
  ASSERT_TRUE(walk.ClickCss("form[action='/hours/settings'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Licensure profile", "Work setting added."));
  ASSERT_TRUE(
      walk.Go(origin + "/hours/sessions?week=" + hours::DayText(hours::WeekStart(session_day))));
  ASSERT_TRUE(WaitUntil([&] { return browser.Css("input#client_name").has_value(); }));
  ASSERT_NO_FATAL_FAILURE(SetInputValue(browser, "date", hours::DayText(session_day)));
  ASSERT_NO_FATAL_FAILURE(SetInputValue(browser, "length", ""));
  ASSERT_TRUE(walk.Fill("input#length", "50"));
  ASSERT_TRUE(walk.Fill("input#client_name", "Mara Quinlan"));
  ASSERT_TRUE(walk.ClickCss("form[action='/hours/sessions'] button[type='submit']"));
  ASSERT_TRUE(WaitUntil(
      [&] { return walk.TextOf("main").find("Session logged.") != std::string::npos; }));
}

}  // namespace alcove::testing
