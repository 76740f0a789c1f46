// The walk of the browser tests (browser_test.cpp, workspace_walk_test.cpp): a headless
// Chromium driven over WebDriver through a real `alcove serve`, each step ending with
// screenshots at 1280 and 390 px and axe-core (WCAG 2.2 AA), which must find nothing.
#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <regex>
#include <tuple>

#include "support/pg_test_env.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/webdriver.hpp"

namespace alcove::testing {

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

  // From the sign-up page to "Check your email", ending the steps "signup-form" and
  // "check-email".
  ::testing::AssertionResult SignUp(const std::string& name, const std::string& email) {
    if (auto r = WaitForPage("Create your Alcove account"); !r) {
      return r;
    }
    if (auto r = Fill("form[action='/signup'] input[name='name']", name); !r) {
      return r;
    }
    if (auto r = Fill("form[action='/signup'] input[name='email']", email); !r) {
      return r;
    }
    EndStep("signup-form");
    if (auto r = ClickCss("form[action='/signup'] button[type='submit']"); !r) {
      return r;
    }
    if (auto r = WaitForPage("Check your email"); !r) {
      return r;
    }
    EndStep("check-email");
    return ::testing::AssertionSuccess();
  }

  // The page's <title>.
  std::string Title() {
    auto r = b_.Call("GET", "/title");
    return r && r->is_string() ? std::string(r->as_string()) : std::string();
  }

  // C01: `secret` (a client's name) is in neither the page's title nor its address, and,
  // unless `record` (the client's own record pages), nowhere on the page.
  void ExpectNotShown(const std::string& secret, bool record, const std::string& where) {
    EXPECT_EQ(Title().find(secret), std::string::npos) << where << ": title " << Title();
    EXPECT_EQ(b_.Url().find(secret), std::string::npos) << where << ": " << b_.Url();
    if (!record) {
      const std::string page = TextOf("body");
      EXPECT_EQ(page.find(secret), std::string::npos) << where << " shows the name:\n" << page;
    }
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

// The `nth` mail (0 for the first) the outbox mailer wrote for `email`: the link it
// printed and the file in the outbox, waiting (bounded) for it.
struct OutboxMail {
  std::string link;
  fs::path file;
};
inline std::optional<OutboxMail> MailFor(const ServerProcess& server, const std::string& email,
                                         int nth = 0) {
  const std::string marker = " for " + email + " written to outbox/";
  std::optional<OutboxMail> mail;
  WaitUntil([&] {
    const std::string out = server.Stdout();
    auto at = out.find(marker);
    for (int i = 0; i < nth && at != std::string::npos; ++i) {
      at = out.find(marker, at + marker.size());
    }
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
    const fs::path file = server.data_dir() / "outbox" / line.substr(0, sep);
    if (!fs::exists(file)) {
      return false;
    }
    mail = OutboxMail{line.substr(sep + 2), file};
    return true;
  });
  return mail;
}

// The magic link of the first mail for `email`.
inline std::optional<std::string> MagicLinkFor(const ServerProcess& server,
                                               const std::string& email) {
  auto mail = MailFor(server, email);
  return mail ? std::optional(mail->link) : std::nullopt;
}

// The one-time code of the `nth` mail for `email`, as the mail shows it (ABCD-EFGH, on
// its own line of the body).
inline std::optional<std::string> SignInCodeFor(const ServerProcess& server,
                                                const std::string& email, int nth = 0) {
  auto mail = MailFor(server, email, nth);
  if (!mail) {
    return std::nullopt;
  }
  const std::string text = Slurp(mail->file);
  static const std::regex kCodeLine(R"((?:^|\n)([A-Z0-9]{4}-[A-Z0-9]{4})\r?\n)");
  std::smatch m;
  if (!std::regex_search(text, m, kCodeLine)) {
    return std::nullopt;
  }
  return m[1].str();
}

// From the sign-up page to the Today page of a new therapist `name`: Walk::SignUp, then
// the mail's one-time code (C26).
inline ::testing::AssertionResult SignUpWithCode(Walk& walk, const ServerProcess& server,
                                                 const std::string& name,
                                                 const std::string& email) {
  if (auto r = walk.Go(server.origin() + "/signup"); !r) {
    return r;
  }
  if (auto r = walk.SignUp(name, email); !r) {
    return r;
  }
  const auto code = SignInCodeFor(server, email);
  if (!code) {
    return ::testing::AssertionFailure() << "no sign-in code for " << email << ":\n"
                                         << server.Stdout();
  }
  if (auto r = walk.Fill("input#signin-code", *code); !r) {
    return r;
  }
  if (auto r = walk.ClickCss("button#signin-code-submit"); !r) {
    return r;
  }
  return walk.WaitForPage("Welcome, " + name);
}

inline constexpr const char* kBrowserMissing =
    "Chromium or chromedriver not found: install Debian's `chromium` and `chromium-driver` "
    "(scripts/setup does)";
inline constexpr const char* kAxeMissing =
    "axe-core not found in tests/e2e/node_modules: run scripts/setup (npm ci in tests/e2e)";

// How a rig starts: the server's options, and a fake microphone for the browser that
// plays `fake_microphone` (a WAV file) over and over, permission granted.
struct RigOptions {
  ServerProcess::Options server;
  fs::path fake_microphone;
};

// What a browser walk needs: the server, chromedriver, Chromium and a Walk whose
// screenshots go to <build>/e2e-screenshots/<folder>/. `skip` says why none could start
// (a missing browser or axe-core: a skip on a developer's machine, a failure under CI);
// `error` why starting failed.
struct BrowserRig {
  std::string skip;
  std::string error;
  ServerProcess server;
  TempDir temp;  // outlives the driver: Chromium's profile and chromedriver's log
  std::unique_ptr<ChromeDriver> driver;
  std::unique_ptr<WebDriverSession> browser;
  std::unique_ptr<Walk> walk;

  explicit BrowserRig(const std::string& folder, RigOptions options = {})
      : server(std::move(options.server)) {
    const auto chromium = FindProgram("chromium", {"/usr/bin/chromium"});
    const auto chromedriver = FindProgram("chromedriver", {"/usr/bin/chromedriver"});
    if (!chromium || !chromedriver) {
      skip = kBrowserMissing;
      return;
    }
    const auto axe = AxeSource();
    if (!axe) {
      skip = kAxeMissing;
      return;
    }
    const fs::path shots = fs::path(ALCOVE_BINARY).parent_path() / "e2e-screenshots" / folder;
    std::error_code ec;
    fs::remove_all(shots, ec);
    fs::create_directories(shots);
    if (!server.started()) {
      error = "the server did not start:\n" + server.Stderr();
      return;
    }
    fs::create_directories(temp / "profile");
    driver = std::make_unique<ChromeDriver>(*chromedriver, temp / "chromedriver.log");
    if (driver->port() == 0) {
      error = "chromedriver did not start:\n" + driver->output();
      return;
    }
    std::vector<std::string> args;
    if (!options.fake_microphone.empty()) {
      args = {"--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--use-file-for-fake-audio-capture=" + options.fake_microphone.string(),
              "--autoplay-policy=no-user-gesture-required"};
    }
    browser = std::make_unique<WebDriverSession>(driver->url(), *chromium, temp / "profile", args);
    if (!browser->started()) {
      error = browser->error() + "\n" + driver->output();
      return;
    }
    walk = std::make_unique<Walk>(*browser, shots, *axe);
  }
};

// Starts a BrowserRig in a test: skips (or, under CI, fails) without the browser, fails
// when it cannot start.
#define ALCOVE_START_BROWSER_RIG(rig)                \
  do {                                               \
    if (!(rig).skip.empty()) {                       \
      if (PgRequired()) {                            \
        FAIL() << (rig).skip;                        \
      }                                              \
      GTEST_SKIP() << (rig).skip;                    \
    }                                                \
    ASSERT_TRUE((rig).error.empty()) << (rig).error; \
  } while (false)

// A second browser on a rig's chromedriver (a client's phone): a Chromium profile of its
// own, so no cookie of the first browser's, at 390×844, with a Walk whose screenshots go
// to <build>/e2e-screenshots/<folder>/<sub>/. `error` says why it could not start.
struct SecondBrowser {
  TempDir profile;
  std::unique_ptr<WebDriverSession> session;
  std::unique_ptr<Walk> walk;
  std::string error;

  SecondBrowser(const BrowserRig& rig, const std::string& folder, const std::string& sub) {
    const auto chromium = FindProgram("chromium", {"/usr/bin/chromium"});
    const auto axe = AxeSource();
    if (!chromium || !axe || !rig.driver) {
      error = "no Chromium, axe-core or chromedriver";
      return;
    }
    session = std::make_unique<WebDriverSession>(rig.driver->url(), *chromium, profile.path());
    if (!session->started()) {
      error = session->error();
      return;
    }
    if (auto st = session->SetWindowSize(390, 844); !st) {
      error = st.error();
      return;
    }
    const fs::path shots = fs::path(ALCOVE_BINARY).parent_path() / "e2e-screenshots" / folder / sub;
    fs::create_directories(shots);
    walk = std::make_unique<Walk>(*session, shots, *axe);
  }
};

}  // namespace alcove::testing
