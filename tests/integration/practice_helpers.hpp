#pragma once

// Shared by the integration tests of practice records (practice_test.cpp,
// notes_test.cpp): a signed-in therapist with JSON, bare and form requests, and readers
// of answers and pages. One server per suite (PracticeHttps), therapists A and B.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "store/ids.hpp"
#include "support/browser.hpp"
#include "support/process.hpp"

namespace alcove::testing {

namespace json = boost::json;

using Fields = std::vector<std::pair<std::string, std::string>>;

inline constexpr auto npos = std::string::npos;
inline constexpr char kUserAgent[] = "PracticeTest/1.0";

// A signed-in therapist: a browser with a session, and the session's CSRF token.
struct Therapist {
  Browser browser;
  std::string csrf;
  std::string account_id;
  std::string email;

  HttpResult Get(const std::string& path) { return browser.Get(path); }
  // A JSON request with the CSRF header.
  HttpResult Json(const std::string& method, const std::string& path, const json::value& body) {
    return browser.SendJson(method, path, body, {"X-CSRF-Token: " + csrf});
  }
  // A request without a body (DELETE, POST .../review) with the CSRF header.
  HttpResult Bare(const std::string& method, const std::string& path) {
    return browser.Request(method, path, std::nullopt, {"X-CSRF-Token: " + csrf});
  }
  // A page's form post, with the csrf_token field.
  HttpResult Form(const std::string& path, Fields fields) {
    fields.emplace_back("csrf_token", csrf);
    return browser.PostForm(path, fields);
  }
};

// Signs a new therapist up in a new browser of `server`; nullptr (and a failure) if that
// does not work.
inline std::unique_ptr<Therapist> NewTherapist(const ServerProcess& server, Outbox& outbox,
                                        std::string_view tag) {
  auto t = std::make_unique<Therapist>(
      Therapist{Browser(server.origin(), server.certificate(), kUserAgent), "", "",
                NewTestAddress(tag)});
  if (auto r = SignUp(t->browser, outbox, t->email, "Practice Therapist"); !r) {
    ADD_FAILURE() << r.message();
    return nullptr;
  }
  const HttpResult me = t->Get("/api/v1/me");
  t->csrf = StringAt(JsonOf(me), "csrf_token");
  t->account_id = StringAt(JsonOf(me), "id");
  if (t->csrf.empty() || t->account_id.empty()) {
    ADD_FAILURE() << "GET /api/v1/me: " << me.status << " " << me.body;
    return nullptr;
  }
  return t;
}

// The "id" of a 201 answer; empty (and a failure) otherwise.
inline std::string CreatedId(const HttpResult& r, std::string_view what) {
  const std::string id = StringAt(JsonOf(r), "id");
  if (r.status != 201 || !store::IsValidId(id)) {
    ADD_FAILURE() << "creating " << what << ": " << r.status << " " << r.body;
    return {};
  }
  return id;
}

inline std::string ErrorCodeOf(const HttpResult& r) {
  const json::value v = JsonOf(r);
  return v.is_object() && v.as_object().if_contains("error") != nullptr
             ? StringAt(v.at("error"), "code")
             : std::string();
}

inline std::string ToUpper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string TitleOf(const std::string& html) {
  static const std::regex title("<title>([^<]*)</title>");
  std::smatch m;
  return std::regex_search(html, m, title) ? m[1].str() : std::string("<no title>");
}

// Every href="..." and action="..." of a page.
inline std::vector<std::string> LinksOf(const std::string& html) {
  static const std::regex link(R"re((?:href|action)="([^"]*)")re");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), link); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

// A page link or redirect that carries nothing but path words, ids and fixed words
// (a format, a tab, a restore flag, the code of a save's confirmation, the client list's
// status filter and page cursor).
inline bool IsIdOnlyLink(const std::string& link) {
  static const std::regex ok(
      R"re(^(#main|(/[a-z0-9._-]*)+(\?(format|tab|restore|done|status|cursor)=[a-z0-9_]+((&|&amp;)(tab|restore|done|cursor)=[a-z0-9_]+)*)?)$)re");
  return std::regex_match(link, ok);
}

// Member `key` of a JSON object as an integer; -1 if it is not one.
inline std::int64_t IntAt(const json::value& v, std::string_view key) {
  if (!v.is_object()) {
    return -1;
  }
  const auto* m = v.as_object().if_contains(key);
  return m != nullptr && m->is_int64() ? m->as_int64() : -1;
}

inline std::size_t ArraySize(const HttpResult& r) {
  const json::value v = JsonOf(r);
  return v.is_array() ? v.as_array().size() : static_cast<std::size_t>(-1);
}

// One server for the tests that do not stop it, with two therapists, A and B, signed in
// once for the suite (sign-ups are rate limited per address: two stay well inside).
class PracticeHttps : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<ServerProcess>();
    outbox_ = std::make_unique<Outbox>(server_->data_dir());
  }
  static void TearDownTestSuite() {
    a_.reset();
    b_.reset();
    outbox_.reset();
    server_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(server_->started()) << server_->Stderr();
    if (!a_) {
      a_ = NewTherapist(*server_, *outbox_, "practice.a");
    }
    if (!b_) {
      b_ = NewTherapist(*server_, *outbox_, "practice.b");
    }
    ASSERT_TRUE(a_ != nullptr && b_ != nullptr);
  }

  inline static std::unique_ptr<ServerProcess> server_;
  inline static std::unique_ptr<Outbox> outbox_;
  inline static std::unique_ptr<Therapist> a_;
  inline static std::unique_ptr<Therapist> b_;
};

}  // namespace alcove::testing
