// End to end in a real browser: headless Chromium, driven over W3C WebDriver by a
// chromedriver this test starts on a loopback port, walks a therapist through the pages
// of a real `alcove serve` — sign-up, the magic link from the outbox, a new client, a
// SOAP note, a summary written and reviewed, settings, the audit log, a missing page,
// sign-out — asserting what each page shows, that the browser console reports no Content
// Security Policy violation, and that axe-core (tests/e2e/package.json, injected through
// WebDriver) finds no WCAG 2.2 AA violation at the end of each step, at 1280 and 390 px.
// A PNG screenshot of each step at both widths goes to <build>/e2e-screenshots/.
//
// Chromium and chromedriver are Debian's `chromium` and `chromium-driver` (scripts/setup
// installs them, and axe-core with npm). Without them the test skips on a developer's
// machine and fails under CI or `make test`.

#include <gtest/gtest.h>

#include <cctype>
#include <iostream>
#include <tuple>

#include "support/pg_test_env.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/webdriver.hpp"

namespace alcove::testing {
namespace {

// The walk through the pages: the browser, where its screenshots go, and what its
// console said so far.
class Walk {
 public:
  // `axe`: the source of axe-core, run at the end of every step.
  Walk(WebDriverSession& browser, fs::path shots, std::string axe)
      : b_(browser), shots_(std::move(shots)), axe_(std::move(axe)) {}
  Walk(const Walk&) = delete;
  Walk& operator=(const Walk&) = delete;
  // A failed walk leaves a picture of where it stopped.
  ~Walk() {
    if (::testing::Test::HasFailure()) {
      (void)SaveScreenshot(shots_ / "failure.png");
    }
  }

  ::testing::AssertionResult Go(const std::string& url) {
    if (auto st = b_.Navigate(url); !st) {
      return ::testing::AssertionFailure() << "opening " << url << ": " << st.error();
    }
    return ::testing::AssertionSuccess();
  }

  // The text of the first element matching `selector`, or the error.
  std::string TextOf(std::string_view selector) {
    auto e = b_.Css(selector);
    if (!e) {
      return "<" + e.error() + ">";
    }
    auto t = b_.Text(*e);
    return t ? *t : "<" + t.error() + ">";
  }

  // Waits until the page's main heading is `heading` and, when given, its main part
  // shows `text`.
  ::testing::AssertionResult WaitForPage(const std::string& heading, const std::string& text = "") {
    std::string h1;
    std::string main;
    const bool ok = WaitUntil([&] {
      h1 = TextOf("main h1");
      if (h1 != heading) {
        return false;
      }
      main = TextOf("main");
      return text.empty() || main.find(text) != std::string::npos;
    });
    if (ok) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "waiting for the page \"" << heading << "\"" << (text.empty() ? "" : " showing \"")
           << text << (text.empty() ? "" : "\"") << "; the browser is at " << b_.Url()
           << " showing heading \"" << h1 << "\", text:\n"
           << TextOf("main");
  }

  // Waits for an element, then types into it.
  ::testing::AssertionResult Fill(std::string_view selector, const std::string& text) {
    std::string error;
    std::optional<std::string> element;
    WaitUntil([&] {
      auto e = b_.Css(selector);
      if (e) {
        element = *e;
      } else {
        error = e.error();
      }
      return e.has_value();
    });
    if (!element) {
      return ::testing::AssertionFailure()
             << "no " << selector << " at " << b_.Url() << ": " << error;
    }
    if (auto st = b_.Type(*element, text); !st) {
      return ::testing::AssertionFailure() << "typing into " << selector << ": " << st.error();
    }
    return ::testing::AssertionSuccess();
  }

  // Waits for an element to be shown, then clicks it.
  ::testing::AssertionResult Click(std::string_view strategy, std::string_view query) {
    std::string error = "not displayed";
    std::optional<std::string> element;
    WaitUntil([&] {
      auto e = b_.Find(strategy, query);
      if (!e) {
        error = e.error();
        return false;
      }
      if (!b_.Displayed(*e)) {
        error = "not displayed";
        return false;
      }
      element = *e;
      return true;
    });
    if (!element) {
      return ::testing::AssertionFailure()
             << "no " << query << " to click at " << b_.Url() << ": " << error;
    }
    if (auto st = b_.Click(*element); !st) {
      return ::testing::AssertionFailure() << "clicking " << query << ": " << st.error();
    }
    return ::testing::AssertionSuccess();
  }
  ::testing::AssertionResult ClickCss(std::string_view selector) {
    return Click("css selector", selector);
  }

  // At each width, a 1280×900 desktop and a 390×844 phone: saves NN-<name>.png and
  // NN-<name>-390.png (NN counting the steps) and checks the page with axe-core
  // (WCAG 2.2 AA), which must find nothing. Failures are the test's.
  void CheckAtEachWidth(const std::string& name) {
    ++shot_;
    const std::string stem = (shot_ < 10 ? "0" : "") + std::to_string(shot_) + "-" + name;
    for (const auto& [width, height, suffix] :
         {std::tuple{1280, 900, ""}, std::tuple{390, 844, "-390"}}) {
      const std::string where = "step " + name + " at " + std::to_string(width) + " px";
      if (auto st = b_.SetWindowSize(width, height); !st) {
        ADD_FAILURE() << where << ": " << st.error();
        return;
      }
      if (auto st = SaveScreenshot(shots_ / (stem + suffix + ".png")); !st) {
        ADD_FAILURE() << "screenshot of " << where << ": " << st.error();
      }
      if (!axe_.empty()) {
        ExpectNoAxeViolation(where);
      }
    }
    if (auto st = b_.SetWindowSize(1280, 900); !st) {
      ADD_FAILURE() << st.error();
    }
  }

  std::expected<void, std::string> SaveScreenshot(const fs::path& file) {
    auto png = b_.Screenshot();
    if (!png) {
      return std::unexpected(png.error());
    }
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(png->data()),
              static_cast<std::streamsize>(png->size()));
    if (!out.good()) {
      return std::unexpected("writing " + file.string());
    }
    return {};
  }

  // Every violation: its rule, impact and where (the selectors axe names).
  void ExpectNoAxeViolation(const std::string& where) {
    auto violations = RunAxe(b_, axe_);
    if (!violations) {
      ADD_FAILURE() << where << ": axe-core did not run: " << violations.error();
      return;
    }
    for (const AxeViolation& v : *violations) {
      std::string targets;
      for (const auto& t : v.targets) {
        targets += "\n    at " + t;
      }
      ADD_FAILURE() << where << " (" << b_.Url() << "): accessibility rule " << v.rule << " ["
                    << v.impact << "]: " << v.help << targets;
    }
  }

  // The end of a step: screenshots and axe-core at both widths, and the console must
  // show no CSP violation since the previous step.
  void EndStep(const std::string& name) {
    CheckAtEachWidth(name);
    auto entries = b_.DrainConsole();
    ASSERT_TRUE(entries.has_value()) << "reading the browser console: " << entries.error();
    for (const auto& e : *entries) {
      EXPECT_FALSE(IsCspViolation(e))
          << "step " << name << ": the console reports a CSP violation [" << e.level << "/"
          << e.source << "] " << e.message;
      if (e.level == "SEVERE" || e.level == "WARNING") {
        std::cout << "[console, step " << name << "] " << e.level << " " << e.source << ": "
                  << e.message << "\n";
      }
    }
  }

 private:
  WebDriverSession& b_;
  fs::path shots_;
  std::string axe_;
  int shot_ = 0;
};

// The magic link the outbox mailer printed for `email`, waiting (bounded) for it.
std::optional<std::string> MagicLinkFor(const ServerProcess& server, const std::string& email) {
  const std::string marker = " for " + email + " written to outbox/";
  std::optional<std::string> link;
  WaitUntil([&] {
    const std::string out = server.Stdout();
    const auto at = out.find(marker);
    if (at == std::string::npos) {
      return false;
    }
    const auto eol = out.find('\n', at);
    if (eol == std::string::npos) {
      return false;
    }
    const std::string line = out.substr(at + marker.size(), eol - at - marker.size());
    const auto sep = line.find(": ");
    if (sep == std::string::npos) {
      return false;
    }
    // The mail itself is in the outbox under the printed name.
    if (!fs::exists(server.data_dir() / "outbox" / line.substr(0, sep))) {
      return false;
    }
    link = line.substr(sep + 2);
    return true;
  });
  return link;
}

constexpr const char* kBrowserMissing =
    "Chromium or chromedriver not found: install Debian's `chromium` and `chromium-driver` "
    "(scripts/setup does)";
constexpr const char* kAxeMissing =
    "axe-core not found in tests/e2e/node_modules: run scripts/setup (npm ci in tests/e2e)";

TEST(BrowserEndToEnd, C60_SignUpToSignOutInChromiumWithNoCspViolation) {
  const auto chromium = FindProgram("chromium", {"/usr/bin/chromium"});
  const auto chromedriver = FindProgram("chromedriver", {"/usr/bin/chromedriver"});
  if (!chromium || !chromedriver) {
    // Under CI and `make test` a missing browser is a failure, as a missing PostgreSQL is.
    if (PgRequired()) {
      FAIL() << kBrowserMissing;
    }
    GTEST_SKIP() << kBrowserMissing;
  }
  const auto axe = AxeSource();
  if (!axe) {
    if (PgRequired()) {
      FAIL() << kAxeMissing;
    }
    GTEST_SKIP() << kAxeMissing;
  }

  const fs::path shots = fs::path(ALCOVE_BINARY).parent_path() / "e2e-screenshots";
  std::error_code ec;
  fs::remove_all(shots, ec);
  fs::create_directories(shots);

  ServerProcess server;
  ASSERT_TRUE(server.started()) << server.Stderr();

  TempDir temp;  // outlives the driver: Chromium's profile and chromedriver's log
  fs::create_directories(temp / "profile");
  ChromeDriver driver(*chromedriver, temp / "chromedriver.log");
  ASSERT_NE(driver.port(), 0) << "chromedriver did not start:\n" << driver.output();
  WebDriverSession browser(driver.url(), *chromium, temp / "profile");
  ASSERT_TRUE(browser.started()) << browser.error() << "\n" << driver.output();
  Walk walk(browser, shots, *axe);
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
  ASSERT_TRUE(walk.WaitForPage("Create your Alcove account"));
  ASSERT_TRUE(walk.Fill("form[action='/signup'] input[name='name']", name));
  ASSERT_TRUE(walk.Fill("form[action='/signup'] input[name='email']", email));
  walk.EndStep("signup-form");
  ASSERT_TRUE(walk.ClickCss("form[action='/signup'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Check your email"));
  walk.EndStep("check-email");

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
