#pragma once

// W3C WebDriver for the browser tests (tests/e2e): a chromedriver process of its own and
// one browser session over its HTTP API, every call bounded; axe-core run in the page.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <expected>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/encoding.hpp"
#include "support/https_client.hpp"

extern char** environ;

namespace alcove::testing {

namespace fs = std::filesystem;
namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

// Every wait of one step (a page to load, an element to appear, a process to start or
// stop) gives up after this long: a broken page fails the test, it never hangs it.
constexpr auto kStepBound = std::chrono::seconds(20);
constexpr auto kPollInterval = std::chrono::milliseconds(100);

// Calls `ready` until it returns true or `bound` (the step's, unless a longer job is
// waited for) passes; returns its last answer.
template <typename F>
bool WaitUntil(F&& ready, SteadyClock::duration bound = kStepBound) {
  const auto deadline = SteadyClock::now() + bound;
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

inline std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The first executable named `name` among `candidates`, then along PATH.
inline std::optional<fs::path> FindProgram(std::string_view name,
                                           std::vector<fs::path> candidates) {
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
inline bool IsCspViolation(const LogEntry& e) {
  return e.source == "security" || e.message.find("Content Security Policy") != std::string::npos ||
         e.message.find("Refused to") != std::string::npos;
}

// One WebDriver session (one browser) over chromedriver's HTTP API. Each call is bounded
// by kStepBound; failures come back as text naming the command and WebDriver's error.
class WebDriverSession {
 public:
  // `extra_args`: more Chromium switches (a fake microphone, say).
  WebDriverSession(std::string driver_url, const fs::path& chromium, const fs::path& profile,
                   const std::vector<std::string>& extra_args = {})
      : driver_(std::move(driver_url)) {
    json::array args = {"--headless=new",
                        // The browser runs as root in CI containers, where Chromium's
                        // sandbox cannot start; the pages are our own, on loopback.
                        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        // The server's certificate is the self-signed development one.
                        "--ignore-certificate-errors", "--no-proxy-server",
                        "--disable-background-networking", "--no-first-run",
                        "--window-size=1280,1400", "--user-data-dir=" + profile.string()};
    for (const auto& a : extra_args) {
      args.push_back(json::value(a));
    }
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

  // Runs `script` as the body of an async function in the page (WebDriver's Execute
  // Async Script): the script calls its last argument with the result.
  // Deletes the cookie `name` of the current page's site (e.g. to end a session the way
  // its expiry does).
  std::expected<void, std::string> DeleteCookie(const std::string& name) {
    auto r = Call("DELETE", "/cookie/" + name, std::nullopt);
    if (!r) {
      return std::unexpected(r.error());
    }
    return {};
  }

  std::expected<json::value, std::string> ExecuteAsync(const std::string& script,
                                                       json::array args = {}) {
    return Call("POST", "/execute/async",
                json::object{{"script", script}, {"args", std::move(args)}});
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

// One rule axe-core found broken on a page, with the CSS selectors of where.
struct AxeViolation {
  std::string rule;    // "color-contrast"
  std::string impact;  // "minor" … "critical"
  std::string help;    // axe's one-line description
  std::vector<std::string> targets;
};

// The WCAG 2.2 level AA rules (axe-core's tags for levels A and AA of 2.0, 2.1 and 2.2).
inline constexpr const char* kWcag22AaTags[] = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                "wcag22aa"};

// axe.min.js of the browser tests' npm packages (tests/e2e/package.json; scripts/setup
// installs it), read at test time; nullopt if it is not installed.
inline std::optional<std::string> AxeSource() {
  const fs::path file = fs::path(ALCOVE_SOURCE_DIR) / "tests/e2e/node_modules/axe-core/axe.min.js";
  if (!fs::is_regular_file(file)) {
    return std::nullopt;
  }
  return Slurp(file);
}

// Runs axe-core on the page the browser shows, at WCAG 2.2 AA: its violations. The
// library goes in as part of the script itself (the page's CSP allows no eval, and
// WebDriver's scripts are not the page's).
inline std::expected<std::vector<AxeViolation>, std::string> RunAxe(WebDriverSession& browser,
                                                                    const std::string& axe) {
  json::array tags;
  for (const char* t : kWcag22AaTags) {
    tags.push_back(json::string(t));
  }
  const std::string script = axe + R"JS(
;const tags = arguments[0];
const done = arguments[arguments.length - 1];
window.axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(r => done(JSON.stringify(r.violations.map(v => ({
    rule: v.id, impact: v.impact || '', help: v.help,
    targets: v.nodes.map(n => n.target.join(' '))})))))
  .catch(e => done('axe failed: ' + e));
)JS";
  json::array args;
  args.push_back(std::move(tags));
  auto r = browser.ExecuteAsync(script, std::move(args));
  if (!r) {
    return std::unexpected(r.error());
  }
  if (!r->is_string() || !r->as_string().starts_with("[")) {
    return std::unexpected("axe: " +
                           (r->is_string() ? std::string(r->as_string()) : json::serialize(*r)));
  }
  std::vector<AxeViolation> out;
  const json::value parsed = json::parse(r->as_string());
  for (const auto& v : parsed.as_array()) {
    const auto& o = v.as_object();
    AxeViolation violation{.rule = json::value_to<std::string>(o.at("rule")),
                           .impact = json::value_to<std::string>(o.at("impact")),
                           .help = json::value_to<std::string>(o.at("help")),
                           .targets = {}};
    for (const auto& t : o.at("targets").as_array()) {
      violation.targets.push_back(json::value_to<std::string>(t));
    }
    out.push_back(std::move(violation));
  }
  return out;
}

}  // namespace alcove::testing
