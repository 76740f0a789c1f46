// End to end in a real browser: headless Chromium, driven over W3C WebDriver by a
// chromedriver this test starts on a loopback port, walks a therapist through the pages
// of a real `alcove serve` — sign-up, the magic link from the outbox, a new client, a
// SOAP note, a summary written and reviewed, sign-out — asserting what each page shows
// and that the browser console reports no Content Security Policy violation. A PNG
// screenshot of each step goes to <build>/e2e-screenshots/.
//
// Chromium and chromedriver are Debian's `chromium` and `chromium-driver` (scripts/setup
// installs them). Without them the test skips on a developer's machine and fails under
// CI or `make test`.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <expected>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/encoding.hpp"
#include "support/https_client.hpp"
#include "support/pg_test_env.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

namespace alcove::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

// Every wait of one step (a page to load, an element to appear, a process to start or
// stop) gives up after this long: a broken page fails the test, it never hangs it.
constexpr auto kStepBound = std::chrono::seconds(20);
constexpr auto kPollInterval = std::chrono::milliseconds(100);

// Calls `ready` until it returns true or the step's bound passes; returns its last answer.
template <typename F>
bool WaitUntil(F&& ready) {
  const auto deadline = SteadyClock::now() + kStepBound;
  while (true) {
    if (ready()) {
      return true;
    }
    if (SteadyClock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The first executable named `name` among `candidates`, then along PATH.
std::optional<fs::path> FindProgram(std::string_view name, std::vector<fs::path> candidates) {
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::string_view rest(path);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const std::string_view dir = rest.substr(0, colon);
      if (!dir.empty()) {
        candidates.push_back(fs::path(dir) / name);
      }
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
  }
  for (const auto& c : candidates) {
    if (::access(c.c_str(), X_OK) == 0 && fs::is_regular_file(c)) {
      return c;
    }
  }
  return std::nullopt;
}

// chromedriver, started in a process group of its own (the browsers it launches join
// it), with its output in a file. Stopping it ends the whole group, so no Chromium
// outlives the test even when the test stops half-way.
class ChromeDriver {
 public:
  ChromeDriver(const fs::path& program, const fs::path& log) : log_(log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    // Port 0: chromedriver picks a free loopback port and prints it.
    std::vector<std::string> args = {program.string(), "--port=0"};
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, program.c_str(), &fa, &attr, argv.data(), environ) != 0) {
      pid_ = -1;
    }
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    if (pid_ < 0) {
      return;
    }
    const std::regex started(R"(started successfully on port (\d+))");
    WaitUntil([&] {
      std::smatch m;
      const std::string out = Slurp(log_);
      if (std::regex_search(out, m, started)) {
        port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
        return true;
      }
      siginfo_t info{};
      return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
             info.si_pid == pid_;
    });
  }
  ChromeDriver(const ChromeDriver&) = delete;
  ChromeDriver& operator=(const ChromeDriver&) = delete;
  ~ChromeDriver() { Stop(); }

  // 0 if it did not start.
  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string output() const { return Slurp(log_); }

  // SIGTERM, a bounded wait, then SIGKILL to whatever is left of the group. The group
  // leader is reaped last, so its id (the group's) cannot be reused in between.
  void Stop() {
    if (pid_ < 0) {
      return;
    }
    ::kill(pid_, SIGTERM);
    WaitUntil([&] {
      siginfo_t info{};
      return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
             info.si_pid == pid_;
    });
    ::kill(-pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

struct LogEntry {
  std::string level;
  std::string source;
  std::string message;
};

// A CSP violation as Chromium reports it in the console ("Refused to load ... because it
// violates the following Content Security Policy directive ...", source "security").
bool IsCspViolation(const LogEntry& e) {
  return e.source == "security" || e.message.find("Content Security Policy") != std::string::npos ||
         e.message.find("Refused to") != std::string::npos;
}

// One WebDriver session (one browser) over chromedriver's HTTP API. Each call is bounded
// by kStepBound; failures come back as text naming the command and WebDriver's error.
class WebDriverSession {
 public:
  WebDriverSession(std::string driver_url, const fs::path& chromium, const fs::path& profile)
      : driver_(std::move(driver_url)) {
    json::array args = {"--headless=new",
                        // The browser runs as root in CI containers, where Chromium's
                        // sandbox cannot start; the pages are our own, on loopback.
                        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        // The server's certificate is the self-signed development one.
                        "--ignore-certificate-errors", "--no-proxy-server",
                        "--disable-background-networking", "--no-first-run",
                        "--window-size=1280,1400", "--user-data-dir=" + profile.string()};
    const json::object caps = {
        {"browserName", "chrome"},
        {"acceptInsecureCerts", true},
        {"pageLoadStrategy", "normal"},
        {"timeouts", json::object{{"pageLoad", 20000}, {"script", 20000}, {"implicit", 0}}},
        {"goog:loggingPrefs", json::object{{"browser", "ALL"}}},
        {"goog:chromeOptions", json::object{{"binary", chromium.string()}, {"args", args}}},
    };
    auto created = Raw("POST", "/session",
                       json::object{{"capabilities", json::object{{"alwaysMatch", caps}}}});
    if (!created) {
      error_ = created.error();
      return;
    }
    if (const auto* v = created->if_object(); v != nullptr && v->contains("sessionId")) {
      id_ = json::value_to<std::string>(v->at("sessionId"));
    } else {
      error_ = "new session: no sessionId in " + json::serialize(*created);
    }
  }
  WebDriverSession(const WebDriverSession&) = delete;
  WebDriverSession& operator=(const WebDriverSession&) = delete;
  ~WebDriverSession() {
    if (!id_.empty()) {
      (void)Raw("DELETE", "/session/" + id_, std::nullopt);
    }
  }

  bool started() const { return !id_.empty(); }
  const std::string& error() const { return error_; }

  std::expected<json::value, std::string> Call(const std::string& method, const std::string& path,
                                               std::optional<json::value> body = json::object{}) {
    if (method == "GET") {
      body.reset();
    }
    return Raw(method, "/session/" + id_ + path, std::move(body));
  }

  std::expected<void, std::string> Navigate(const std::string& url) {
    auto r = Call("POST", "/url", json::object{{"url", url}});
    if (!r) {
      return std::unexpected(r.error());
    }
    return {};
  }

  std::string Url() {
    auto r = Call("GET", "/url");
    return r && r->is_string() ? std::string(r->as_string()) : std::string();
  }

  // The element's id, or the error (e.g. "no such element").
  std::expected<std::string, std::string> Find(std::string_view strategy, std::string_view query) {
    auto r = Call("POST", "/element", json::object{{"using", strategy}, {"value", query}});
    if (!r) {
      return std::unexpected(r.error());
    }
    // The reply is {"element-6066-...": id}: the one member's value.
    if (const auto* o = r->if_object();
        o != nullptr && o->size() == 1 && o->begin()->value().is_string()) {
      return std::string(o->begin()->value().as_string());
    }
    return std::unexpected("find: unexpected reply " + json::serialize(*r));
  }
  std::expected<std::string, std::string> Css(std::string_view selector) {
    return Find("css selector", selector);
  }

  std::expected<std::string, std::string> Text(const std::string& element) {
    auto r = Call("GET", "/element/" + element + "/text");
    if (!r) {
      return std::unexpected(r.error());
    }
    return r->is_string() ? std::string(r->as_string()) : std::string();
  }
  bool Displayed(const std::string& element) {
    auto r = Call("GET", "/element/" + element + "/displayed");
    return r && r->is_bool() && r->as_bool();
  }
  std::expected<void, std::string> Click(const std::string& element) {
    auto r = Call("POST", "/element/" + element + "/click");
    if (!r) {
      return std::unexpected(r.error());
    }
    return {};
  }
  std::expected<void, std::string> Type(const std::string& element, const std::string& text) {
    auto r = Call("POST", "/element/" + element + "/value", json::object{{"text", text}});
    if (!r) {
      return std::unexpected(r.error());
    }
    return {};
  }

  // Resizes the browser window (CSS pixels).
  std::expected<void, std::string> SetWindowSize(int width, int height) {
    auto r = Call("POST", "/window/rect", json::object{{"width", width}, {"height", height}});
    if (!r) {
      return std::unexpected(r.error());
    }
    return {};
  }

  // The PNG of the viewport.
  std::expected<std::vector<std::uint8_t>, std::string> Screenshot() {
    auto r = Call("GET", "/screenshot");
    if (!r) {
      return std::unexpected(r.error());
    }
    if (!r->is_string()) {
      return std::unexpected("screenshot: not a string");
    }
    auto png = Base64Decode(r->as_string());
    if (!png) {
      return std::unexpected("screenshot: not base64");
    }
    return std::move(*png);
  }

  // The browser console's entries since the last call (chromedriver's log extension).
  std::expected<std::vector<LogEntry>, std::string> DrainConsole() {
    auto r = Call("POST", "/se/log", json::object{{"type", "browser"}});
    if (!r) {
      return std::unexpected(r.error());
    }
    std::vector<LogEntry> out;
    if (const auto* entries = r->if_array(); entries != nullptr) {
      for (const auto& e : *entries) {
        const auto* o = e.if_object();
        if (o == nullptr) {
          continue;
        }
        auto field = [&](std::string_view key) {
          const auto* v = o->if_contains(key);
          return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
        };
        out.push_back({field("level"), field("source"), field("message")});
      }
    }
    return out;
  }

 private:
  std::expected<json::value, std::string> Raw(const std::string& method, const std::string& path,
                                              std::optional<json::value> body) {
    HttpOptions o;
    o.method = method;
    o.timeout_seconds = kStepBound.count();
    if (body) {
      o.body = json::serialize(*body);
      o.headers.push_back("Content-Type: application/json; charset=utf-8");
    }
    const HttpResult r = Fetch(driver_ + path, o);
    const std::string what = method + " " + path;
    if (!r.ok) {
      return std::unexpected(what + ": " + r.error);
    }
    json::value reply;
    try {
      reply = json::parse(r.body);
    } catch (const std::exception&) {
      return std::unexpected(what + ": HTTP " + std::to_string(r.status) + ", not JSON");
    }
    const auto* o_reply = reply.if_object();
    const json::value* value = o_reply != nullptr ? o_reply->if_contains("value") : nullptr;
    if (value == nullptr) {
      return std::unexpected(what + ": no value in reply");
    }
    if (r.status != 200) {
      std::string err = what + ": HTTP " + std::to_string(r.status);
      if (const auto* v = value->if_object(); v != nullptr) {
        for (const auto* key : {"error", "message"}) {
          if (const auto* s = v->if_contains(key); s != nullptr && s->is_string()) {
            err += std::string(": ") + std::string(s->as_string()).substr(0, 300);
          }
        }
      }
      return std::unexpected(err);
    }
    return *value;
  }

  std::string driver_;
  std::string id_;
  std::string error_;
};

// The walk through the pages: the browser, where its screenshots go, and what its
// console said so far.
class Walk {
 public:
  Walk(WebDriverSession& browser, fs::path shots) : b_(browser), shots_(std::move(shots)) {}
  Walk(const Walk&) = delete;
  Walk& operator=(const Walk&) = delete;
  // A failed walk leaves a picture of where it stopped.
  ~Walk() {
    if (::testing::Test::HasFailure()) {
      (void)SaveScreenshot("failure");
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

  // Saves NN-<name>.png at 1280 px and NN-<name>-390.png at a phone's 390 px, NN counting
  // the steps.
  std::expected<void, std::string> SaveScreenshot(const std::string& name) {
    ++shot_;
    const std::string stem = (shot_ < 10 ? "0" : "") + std::to_string(shot_) + "-" + name;
    for (const auto& [width, height, suffix] :
         {std::tuple{1280, 1400, ""}, std::tuple{390, 844, "-390"}}) {
      if (auto st = b_.SetWindowSize(width, height); !st) {
        return st;
      }
      auto png = b_.Screenshot();
      if (!png) {
        return std::unexpected(png.error());
      }
      const fs::path file = shots_ / (stem + suffix + ".png");
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(png->data()),
                static_cast<std::streamsize>(png->size()));
      if (!out.good()) {
        return std::unexpected("writing " + file.string());
      }
    }
    return b_.SetWindowSize(1280, 1400);
  }

  // The end of a step: a screenshot NN-<name>.png, and the console must show no CSP
  // violation since the previous step.
  void EndStep(const std::string& name) {
    if (auto st = SaveScreenshot(name); !st) {
      ADD_FAILURE() << "screenshot of step " << name << ": " << st.error();
    }
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
  Walk walk(browser, shots);
  const std::string origin = server.origin();

  const std::string name = "Dana Example";
  const std::string email = "dana.e2e@example.org";

  // 1. Sign up with a name and an email, no password.
  ASSERT_TRUE(walk.Go(origin + "/signup"));
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
  ASSERT_TRUE(walk.ClickCss("main a[href='/clients']"));
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

  // 6. Home, then sign out; the records are out of reach again.
  ASSERT_TRUE(walk.ClickCss("header a.brand"));
  ASSERT_TRUE(walk.WaitForPage("Welcome, " + name));
  walk.EndStep("home");
  ASSERT_TRUE(walk.ClickCss("form[action='/signout'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Sign in"));
  EXPECT_TRUE(browser.Url().ends_with("/signin")) << browser.Url();
  walk.EndStep("signed-out");
  ASSERT_TRUE(walk.Go(client_url));
  ASSERT_TRUE(walk.WaitForPage("Sign in"));
  EXPECT_EQ(walk.TextOf("main").find(summary), std::string::npos);
  walk.EndStep("records-need-sign-in");
}

}  // namespace
}  // namespace alcove::testing
