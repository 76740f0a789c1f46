#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/https_client.hpp"

namespace alcove::testing {

// A browser's cookie jar over Fetch, for black-box tests of sign-in and sessions: it
// keeps what Set-Cookie headers set (name=value; Max-Age=0 or an empty value deletes),
// and sends them back in a Cookie header. Attributes other than Max-Age are ignored:
// every cookie of one jar goes to the one origin it talks to. Several jars are several
// browsers; copying a Browser copies its cookies (the same browser profile, twice).
//
// Thread-safety: none; give each thread its own Browser (copies are independent).
class Browser {
 public:
  // Talks to `origin` ("https://localhost:PORT"), trusting `ca_file`. Every request
  // carries `User-Agent: <user_agent>` unless it is empty.
  Browser(std::string origin, std::filesystem::path ca_file, std::string user_agent = "");

  // A request to origin + path, with the jar's cookies and `headers` ("Name: value").
  HttpResult Request(const std::string& method, const std::string& path,
                     std::optional<std::string> body = std::nullopt,
                     std::vector<std::string> headers = {});
  HttpResult Get(const std::string& path, std::vector<std::string> headers = {});
  // A JSON body (Content-Type: application/json).
  HttpResult SendJson(const std::string& method, const std::string& path,
                      const boost::json::value& body, std::vector<std::string> headers = {});
  HttpResult PostJson(const std::string& path, const boost::json::value& body,
                      std::vector<std::string> headers = {}) {
    return SendJson("POST", path, body, std::move(headers));
  }
  // A form post (application/x-www-form-urlencoded).
  HttpResult PostForm(const std::string& path,
                      const std::vector<std::pair<std::string, std::string>>& fields,
                      std::vector<std::string> headers = {});

  std::optional<std::string> Cookie(const std::string& name) const;
  void SetCookie(const std::string& name, const std::string& value) { cookies_[name] = value; }
  void DeleteCookie(const std::string& name) { cookies_.erase(name); }
  const std::map<std::string, std::string>& cookies() const { return cookies_; }
  void set_cookies(std::map<std::string, std::string> cookies) { cookies_ = std::move(cookies); }

  const std::string& origin() const { return origin_; }

 private:
  void Absorb(const HttpResult& result);

  std::string origin_;
  std::filesystem::path ca_file_;
  std::string user_agent_;
  std::map<std::string, std::string> cookies_;
};

// application/x-www-form-urlencoded encoding of `fields`.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

// The body parsed as JSON; null if it is not JSON.
boost::json::value JsonOf(const HttpResult& result);

// The development mail outbox of a data directory (DIR/outbox/*.eml), read as a test
// reads a mailbox: each mail is handed out once.
class Outbox {
 public:
  struct Mail {
    std::filesystem::path file;
    std::string text;   // the whole RFC 5322 message
    std::string link;   // the line starting with https://, empty if none
    std::string token;  // what follows "#token=" in the link, empty if none
    std::string code;   // the one-time code (a line "ABCD-EFGH"), empty if none
  };

  explicit Outbox(std::filesystem::path data_dir) : dir_(std::move(data_dir) / "outbox") {}

  // The oldest mail to `address` not handed out before, waiting for it up to `wait_ms`
  // (mail is sent in the background); nullopt if none arrives in time.
  std::optional<Mail> Next(std::string_view address, int wait_ms = 10000);
  // Every mail file in the outbox now (handed out or not).
  std::vector<Mail> All() const;

 private:
  std::filesystem::path dir_;
  std::set<std::filesystem::path> taken_;
};

// The cookies of docs/api.md § Authentication.
inline constexpr char kSessionCookie[] = "__Host-alcove_session";
inline constexpr char kDeviceCookie[] = "__Host-alcove_device";
inline constexpr char kLoginCookie[] = "__Host-alcove_login";

// Steps of the JSON sign-in flows, for tests that need a signed-in browser. A failure
// carries the server's answer.
//
// POST /api/v1/auth/signup from `b`; `token` gets the token of the link mailed for it.
::testing::AssertionResult RequestSignUp(Browser& b, Outbox& outbox, const std::string& email,
                                         const std::string& name,
                                         const std::optional<std::string>& password,
                                         std::string* token);
// POST /api/v1/auth/magic-link from `b`; `token` gets the token of the link mailed.
::testing::AssertionResult RequestLink(Browser& b, Outbox& outbox, const std::string& email,
                                       std::string* token);
// POST /api/v1/auth/magic-link/consume from `b`.
HttpResult Consume(Browser& b, const std::string& token);
// POST /api/v1/auth/code from `b`: the one-time code of a mail (C26).
HttpResult UseCode(Browser& b, const std::string& code);
// Sign-up and its link, in `b`: a new account, signed in.
::testing::AssertionResult SignUp(Browser& b, Outbox& outbox, const std::string& email,
                                  const std::string& name,
                                  const std::optional<std::string>& password = std::nullopt);
// A sign-in link asked for and used in `b`.
::testing::AssertionResult SignInByLink(Browser& b, Outbox& outbox, const std::string& email);
// The csrf_token of GET /api/v1/me; empty when `b` is not signed in.
std::string CsrfToken(Browser& b);
// Rate limits far above what a test does, so that only the rate-limit tests (which
// configure their own server) meet them: environment variables for the child server.
std::map<std::string, std::string> RoomyRateLimits();
// "<tag>.<n>@example.org", a new address each call in this test process.
std::string NewTestAddress(std::string_view tag);

// The string member `key` of a JSON object; empty if there is none.
std::string StringAt(const boost::json::value& v, std::string_view key);

}  // namespace alcove::testing
