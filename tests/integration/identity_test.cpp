// Black-box tests of sign-up, sign-in and sessions (issue #6) through the real binary
// over HTTPS: magic links bound to the browser (C26, C27), device-bound sessions (C24),
// revocation (C23), passwords (C25), CSRF and same-origin writes, rate limits that do
// not reveal accounts (C30), mail without content (C53), logs and audit without content
// (C43), and the pages that work without scripts.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <latch>
#include <memory>
#include <set>
#include <thread>

#include "support/browser.hpp"
#include "support/process.hpp"

namespace alcove::testing {
namespace {

namespace json = boost::json;

constexpr auto npos = std::string::npos;

std::string Csrf(const std::string& token) { return "X-CSRF-Token: " + token; }

// The id of the session `b` is signed in with (GET /api/v1/sessions, "current").
std::string CurrentSessionId(Browser& b) {
  const json::value list = JsonOf(b.Get("/api/v1/sessions"));
  if (!list.is_array()) {
    return {};
  }
  for (const auto& s : list.as_array()) {
    if (s.is_object() && s.as_object().if_contains("current") != nullptr &&
        s.at("current") == json::value(true)) {
      return StringAt(s, "id");
    }
  }
  return {};
}

// Every audit event `b`'s account may see, newest first (at most 200).
json::array AuditEvents(Browser& b) {
  const json::value v = JsonOf(b.Get("/api/v1/audit?limit=200"));
  if (!v.is_object() || v.as_object().if_contains("events") == nullptr ||
      !v.at("events").is_array()) {
    return {};
  }
  return v.at("events").as_array();
}

std::size_t CountEvents(const json::array& events, std::string_view action,
                        std::string_view detail_key = "", std::string_view detail_value = "") {
  return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](const auto& e) {
    if (StringAt(e, "action") != action) {
      return false;
    }
    return detail_key.empty() || StringAt(e.at("details"), detail_key) == detail_value;
  }));
}

std::string ErrorCode(const HttpResult& r) {
  const json::value v = JsonOf(r);
  return v.is_object() && v.as_object().if_contains("error") != nullptr
             ? StringAt(v.at("error"), "code")
             : std::string();
}

// The value of the first hidden csrf_token field of a page.
std::string CsrfField(const std::string& html) {
  const std::string marker = R"(name="csrf_token" value=")";
  const auto at = html.find(marker);
  if (at == npos) {
    return {};
  }
  const auto start = at + marker.size();
  return html.substr(start, html.find('"', start) - start);
}

// One server for the suite: tests use different addresses, so they do not meet.
class IdentityFlows : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<ServerProcess>(ServerProcess::Options{.env = RoomyRateLimits()});
    outbox_ = std::make_unique<Outbox>(server_->data_dir());
  }
  static void TearDownTestSuite() {
    outbox_.reset();
    server_.reset();
  }
  void SetUp() override { ASSERT_TRUE(server_->started()) << server_->Stderr(); }

  static Browser NewBrowser(std::string user_agent = "IntegrationBrowser/1.0") {
    return Browser(server_->origin(), server_->certificate(), std::move(user_agent));
  }

  inline static std::unique_ptr<ServerProcess> server_;
  inline static std::unique_ptr<Outbox> outbox_;
};

// ---- C26, C27: magic links ----

// claim: C26 — single use, only in the browser that asked, and loading the link's page
// uses nothing up; C27 — 256-bit token, in the link's fragment.
TEST_F(IdentityFlows, C26_SignUpLinkWorksOnceAndOnlyInTheBrowserThatAskedForIt) {
  const std::string email = NewTestAddress("c26-once");
  Browser a = NewBrowser();
  const HttpResult signup =
      a.PostJson("/api/v1/auth/signup", json::object{{"email", email}, {"name", "Ada Lindqvist"}});
  ASSERT_EQ(signup.status, 202) << signup.body;
  EXPECT_EQ(StringAt(JsonOf(signup), "status"), "check_email");
  const auto login = a.Cookie(kLoginCookie);
  ASSERT_TRUE(login);
  auto mail = outbox_->Next(email);
  ASSERT_TRUE(mail) << "no sign-up mail within 10 s";
  EXPECT_TRUE(mail->link.starts_with(server_->origin() + "/auth/magic#token=")) << mail->link;
  EXPECT_EQ(mail->token.size(), 43u);  // base64url of 32 bytes
  const std::string token = mail->token;

  // Loading the link's page — what a browser or a mail scanner does — uses nothing up.
  const HttpResult page = a.Get("/auth/magic");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find(token), npos);

  // Another browser: one without a login cookie, one with its own (it signed up with the
  // same address: no account exists yet to ask a sign-in link for).
  Browser stranger = NewBrowser("Stranger/1.0");
  const HttpResult no_cookie = Consume(stranger, token);
  EXPECT_EQ(no_cookie.status, 401) << no_cookie.body;
  EXPECT_FALSE(stranger.Cookie(kSessionCookie));
  Browser other = NewBrowser("Other/1.0");
  std::string others_token;
  ASSERT_TRUE(RequestSignUp(other, *outbox_, email, "Someone Else", std::nullopt, &others_token));
  ASSERT_TRUE(other.Cookie(kLoginCookie));
  ASSERT_NE(*other.Cookie(kLoginCookie), *login);
  const HttpResult other_cookie = Consume(other, token);
  EXPECT_EQ(other_cookie.status, 401) << other_cookie.body;
  EXPECT_FALSE(other.Cookie(kSessionCookie));
  EXPECT_EQ(other.Get("/api/v1/me").status, 401);

  // The right browser: still works after all that.
  const HttpResult consumed = Consume(a, token);
  ASSERT_EQ(consumed.status, 200) << consumed.body;
  ASSERT_TRUE(a.Cookie(kSessionCookie));
  ASSERT_TRUE(a.Cookie(kDeviceCookie));
  EXPECT_GE(a.Cookie(kSessionCookie)->size(), 43u);
  EXPECT_FALSE(a.Cookie(kLoginCookie));  // the login cookie is spent
  const json::value me = JsonOf(a.Get("/api/v1/me"));
  EXPECT_EQ(StringAt(me, "email"), email);
  EXPECT_EQ(StringAt(me, "name"), "Ada Lindqvist");
  EXPECT_EQ(StringAt(me, "role"), "therapist");
  EXPECT_FALSE(StringAt(me, "csrf_token").empty());

  // Single use: the same browser, with its login cookie put back, is refused the second
  // time — as "used", not as "another browser".
  a.SetCookie(kLoginCookie, *login);
  const HttpResult again = Consume(a, token);
  EXPECT_EQ(again.status, 401) << again.body;
  EXPECT_EQ(ErrorCode(again), "unauthenticated");
  EXPECT_EQ(a.Get("/api/v1/me").status, 200);  // the session it made lives on
  // The sign-up chose its tenant when it was made: its link's whole story is there.
  const json::array events = AuditEvents(a);
  EXPECT_EQ(CountEvents(events, "auth.magic_link.issued"), 1u);
  EXPECT_EQ(CountEvents(events, "auth.magic_link.refused", "reason", "used"), 1u);
  EXPECT_EQ(CountEvents(events, "auth.magic_link.refused", "reason", "other_browser"), 2u);
  EXPECT_EQ(CountEvents(events, "auth.magic_link.used"), 1u);
  EXPECT_EQ(CountEvents(events, "auth.account.created"), 1u);
}

// claim: C26 — single use under concurrency: of 20 simultaneous uses of one link, each
// from the right browser, exactly one signs in.
TEST_F(IdentityFlows, C26_TwentyConcurrentUsesOfOneLinkSignInExactlyOnce) {
  const std::string email = NewTestAddress("c26-race");
  Browser a = NewBrowser();
  std::string token;
  ASSERT_TRUE(RequestSignUp(a, *outbox_, email, "Carla Concurrent", std::nullopt, &token));
  constexpr int kUses = 20;
  std::vector<Browser> browsers(kUses, a);  // copies: each holds the right login cookie
  std::vector<long> status(kUses, 0);
  std::latch go(kUses);
  std::vector<std::thread> threads;
  for (int i = 0; i < kUses; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      status[static_cast<std::size_t>(i)] =
          Consume(browsers[static_cast<std::size_t>(i)], token).status;
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(std::count(status.begin(), status.end(), 200L), 1);
  EXPECT_EQ(std::count(status.begin(), status.end(), 401L), kUses - 1);
  const auto winner = std::find(status.begin(), status.end(), 200L);
  ASSERT_NE(winner, status.end());
  Browser& signed_in = browsers[static_cast<std::size_t>(winner - status.begin())];
  EXPECT_EQ(signed_in.Get("/api/v1/me").status, 200);
  const json::value sessions = JsonOf(signed_in.Get("/api/v1/sessions"));
  ASSERT_TRUE(sessions.is_array());
  EXPECT_EQ(sessions.as_array().size(), 1u);
}

// ---- C24: sessions bound to the device ----

// claim: C24 — a session cookie presented without its device cookie, or with another
// browser's, is refused, and the session is ended for its owner too.
TEST_F(IdentityFlows, C24_SessionCookieInAnotherBrowserIsRefusedAndEndsTheSession) {
  const std::string email = NewTestAddress("c24");
  Browser a = NewBrowser();
  ASSERT_TRUE(SignUp(a, *outbox_, email, "Dora Device"));
  ASSERT_EQ(a.Get("/api/v1/me").status, 200);

  // The session cookie alone.
  Browser thief = NewBrowser("Thief/1.0");
  thief.SetCookie(kSessionCookie, *a.Cookie(kSessionCookie));
  EXPECT_EQ(thief.Get("/api/v1/me").status, 401);
  EXPECT_EQ(a.Get("/api/v1/me").status, 401);

  // The session cookie with a valid device cookie of another session of the account.
  Browser b = NewBrowser();
  ASSERT_TRUE(SignInByLink(b, *outbox_, email));
  Browser c = NewBrowser();
  ASSERT_TRUE(SignInByLink(c, *outbox_, email));
  Browser thief2 = NewBrowser("Thief/1.0");
  thief2.SetCookie(kSessionCookie, *b.Cookie(kSessionCookie));
  thief2.SetCookie(kDeviceCookie, *c.Cookie(kDeviceCookie));
  EXPECT_EQ(thief2.Get("/api/v1/me").status, 401);
  EXPECT_EQ(b.Get("/api/v1/me").status, 401);

  // The browser whose device cookie was borrowed keeps its own session; the account's
  // audit log names both refusals.
  ASSERT_EQ(c.Get("/api/v1/me").status, 200);
  EXPECT_EQ(CountEvents(AuditEvents(c), "auth.session.device_mismatch"), 2u);
  const json::value sessions = JsonOf(c.Get("/api/v1/sessions"));
  ASSERT_TRUE(sessions.is_array());
  EXPECT_EQ(sessions.as_array().size(), 1u);
}

// ---- C23: sessions listed and revoked, effective on the next request ----

// claim: C23 — a session ended by its owner from another browser is dead on its very
// next request; other accounts' sessions cannot be ended.
TEST_F(IdentityFlows, C23_RevokedSessionIsDeadOnItsNextRequest) {
  const std::string email = NewTestAddress("c23-revoke");
  Browser a = NewBrowser("BrowserA/1.0");
  ASSERT_TRUE(SignUp(a, *outbox_, email, "Ella Revoke"));
  Browser b = NewBrowser("BrowserB/1.0");
  ASSERT_TRUE(SignInByLink(b, *outbox_, email));
  Browser stranger = NewBrowser();
  ASSERT_TRUE(SignUp(stranger, *outbox_, NewTestAddress("c23-stranger"), "Sam Stranger"));

  const json::value list = JsonOf(a.Get("/api/v1/sessions"));
  ASSERT_TRUE(list.is_array()) << list;
  ASSERT_EQ(list.as_array().size(), 2u);
  std::set<std::string> agents;
  int current = 0;
  for (const auto& s : list.as_array()) {
    agents.insert(StringAt(s, "user_agent"));
    current += s.at("current") == json::value(true) ? 1 : 0;
  }
  EXPECT_EQ(agents, (std::set<std::string>{"BrowserA/1.0", "BrowserB/1.0"}));
  EXPECT_EQ(current, 1);

  const std::string b_id = CurrentSessionId(b);
  const std::string stranger_id = CurrentSessionId(stranger);
  ASSERT_FALSE(b_id.empty());
  ASSERT_FALSE(stranger_id.empty());
  const std::string csrf = CsrfToken(a);
  ASSERT_FALSE(csrf.empty());

  // Another account's session: not found, and untouched.
  const HttpResult foreign =
      a.Request("DELETE", "/api/v1/sessions/" + stranger_id, std::nullopt, {Csrf(csrf)});
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_EQ(stranger.Get("/api/v1/me").status, 200);

  const HttpResult revoked =
      a.Request("DELETE", "/api/v1/sessions/" + b_id, std::nullopt, {Csrf(csrf)});
  EXPECT_EQ(revoked.status, 204) << revoked.body;
  EXPECT_EQ(b.Get("/api/v1/me").status, 401);
  EXPECT_EQ(a.Get("/api/v1/me").status, 200);
  const json::value after = JsonOf(a.Get("/api/v1/sessions"));
  ASSERT_TRUE(after.is_array());
  EXPECT_EQ(after.as_array().size(), 1u);
  // Gone means gone: a second DELETE finds nothing.
  EXPECT_EQ(a.Request("DELETE", "/api/v1/sessions/" + b_id, std::nullopt, {Csrf(csrf)}).status,
            404);
}

// claim: C23 — logout ends the session on the server, not only the cookies.
TEST_F(IdentityFlows, C23_LogoutEndsTheSessionOnTheServer) {
  Browser a = NewBrowser();
  ASSERT_TRUE(SignUp(a, *outbox_, NewTestAddress("c23-logout"), "Fay Logout"));
  const auto cookies = a.cookies();
  const std::string csrf = CsrfToken(a);
  const HttpResult out = a.Request("POST", "/api/v1/auth/logout", std::nullopt, {Csrf(csrf)});
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_FALSE(a.Cookie(kSessionCookie));  // the answer cleared the cookies...
  a.set_cookies(cookies);                  // ...a browser that kept them is refused anyway
  EXPECT_EQ(a.Get("/api/v1/me").status, 401);
}

// claim: C23 — "end every other session" ends exactly the account's other sessions.
TEST_F(IdentityFlows, C23_RevokeOthersEndsEveryOtherSessionOfTheAccount) {
  const std::string email = NewTestAddress("c23-others");
  Browser a = NewBrowser();
  ASSERT_TRUE(SignUp(a, *outbox_, email, "Gus Others"));
  Browser b = NewBrowser();
  ASSERT_TRUE(SignInByLink(b, *outbox_, email));
  Browser c = NewBrowser();
  ASSERT_TRUE(SignInByLink(c, *outbox_, email));
  Browser stranger = NewBrowser();
  ASSERT_TRUE(SignUp(stranger, *outbox_, NewTestAddress("c23-others-stranger"), "Hal Stranger"));

  const HttpResult r =
      a.Request("POST", "/api/v1/sessions/revoke-others", std::nullopt, {Csrf(CsrfToken(a))});
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value body = JsonOf(r);
  ASSERT_TRUE(body.is_object()) << r.body;
  EXPECT_EQ(body.at("revoked"), json::value(2));
  EXPECT_EQ(b.Get("/api/v1/me").status, 401);
  EXPECT_EQ(c.Get("/api/v1/me").status, 401);
  EXPECT_EQ(a.Get("/api/v1/me").status, 200);
  EXPECT_EQ(stranger.Get("/api/v1/me").status, 200);
}

// ---- CSRF and same-origin writes ----

// Every state-changing request needs the session's CSRF token (header for the API, form
// field for pages); a missing, wrong or another session's token is 403 and changes
// nothing. A foreign Origin or a cross-site fetch is 403 even with the right token.
TEST_F(IdentityFlows, StateChangesWithoutTheCsrfTokenAre403AndChangeNothing) {
  const std::string email = NewTestAddress("csrf");
  Browser a = NewBrowser();
  ASSERT_TRUE(SignUp(a, *outbox_, email, "Ivy Csrf"));
  Browser b = NewBrowser();
  ASSERT_TRUE(SignInByLink(b, *outbox_, email));
  const std::string csrf = CsrfToken(a);
  const std::string b_csrf = CsrfToken(b);
  const std::string b_id = CurrentSessionId(b);
  ASSERT_FALSE(csrf.empty());
  ASSERT_FALSE(b_id.empty());
  ASSERT_NE(csrf, b_csrf);
  const json::value new_password = json::object{{"new_password", "quiet harbour lanterns 2031"}};

  const std::vector<std::vector<std::string>> bad_tokens = {
      {}, {"X-CSRF-Token;"}, {"X-CSRF-Token: wrong"}, {Csrf(b_csrf)}, {Csrf(csrf + "x")}};
  for (const auto& headers : bad_tokens) {
    const std::string what = headers.empty() ? std::string("no header") : headers.front();
    const HttpResult del = a.Request("DELETE", "/api/v1/sessions/" + b_id, std::nullopt, headers);
    EXPECT_EQ(del.status, 403) << what;
    EXPECT_EQ(ErrorCode(del), "csrf_token_invalid") << what;
    EXPECT_EQ(a.Request("POST", "/api/v1/sessions/revoke-others", std::nullopt, headers).status,
              403)
        << what;
    EXPECT_EQ(a.SendJson("PUT", "/api/v1/me/password", new_password, headers).status, 403) << what;
    EXPECT_EQ(a.Request("POST", "/api/v1/auth/logout", std::nullopt, headers).status, 403) << what;
  }
  // Pages: the form field.
  for (const std::string& field : {std::string(), std::string("wrong"), b_csrf}) {
    std::vector<std::pair<std::string, std::string>> form;
    if (!field.empty()) {
      form.emplace_back("csrf_token", field);
    }
    EXPECT_EQ(a.PostForm("/signout", form).status, 403) << field;
    auto with_password = form;
    with_password.emplace_back("new_password", "quiet harbour lanterns 2031");
    EXPECT_EQ(a.PostForm("/settings/password", with_password).status, 403) << field;
    EXPECT_EQ(a.PostForm("/settings/sessions/" + b_id + "/revoke", form).status, 403) << field;
  }
  // A header token does not stand in for the form field, nor the other way round.
  EXPECT_EQ(a.PostForm("/signout", {}, {Csrf(csrf)}).status, 403);
  EXPECT_EQ(a.Request("POST", "/api/v1/auth/logout", FormEncode({{"csrf_token", csrf}}),
                      {"Content-Type: application/x-www-form-urlencoded"})
                .status,
            403);

  // Nothing changed.
  EXPECT_EQ(b.Get("/api/v1/me").status, 200);
  const json::value me = JsonOf(a.Get("/api/v1/me"));
  ASSERT_TRUE(me.is_object());
  EXPECT_EQ(me.at("has_password"), json::value(false));
  const json::value sessions = JsonOf(a.Get("/api/v1/sessions"));
  ASSERT_TRUE(sessions.is_array());
  EXPECT_EQ(sessions.as_array().size(), 2u);

  // Another site's request is refused even with the right token.
  const HttpResult foreign = a.Request("DELETE", "/api/v1/sessions/" + b_id, std::nullopt,
                                       {Csrf(csrf), "Origin: https://evil.example"});
  EXPECT_EQ(foreign.status, 403);
  const HttpResult lookalike =
      a.Request("POST", "/api/v1/auth/logout", std::nullopt,
                {Csrf(csrf), "Origin: " + server_->origin() + ".evil.example"});
  EXPECT_EQ(lookalike.status, 403);
  const HttpResult cross_site = a.Request("POST", "/api/v1/auth/logout", std::nullopt,
                                          {Csrf(csrf), "Sec-Fetch-Site: cross-site"});
  EXPECT_EQ(cross_site.status, 403);
  const HttpResult form_foreign =
      a.PostForm("/signout", {{"csrf_token", csrf}}, {"Origin: https://evil.example"});
  EXPECT_EQ(form_foreign.status, 403);
  // Public writes too: a sign-up posted from another site.
  Browser visitor = NewBrowser();
  const HttpResult signup = visitor.PostJson(
      "/api/v1/auth/signup", json::object{{"email", NewTestAddress("csrf-foreign")}, {"name", "X"}},
      {"Origin: https://evil.example"});
  EXPECT_EQ(signup.status, 403);
  EXPECT_FALSE(visitor.Cookie(kLoginCookie));
  EXPECT_EQ(visitor
                .PostJson("/api/v1/auth/magic-link", json::object{{"email", email}},
                          {"Origin: https://evil.example"})
                .status,
            403);
  // "Origin: null" (a sandboxed frame, a data: URL) is foreign unless the browser itself
  // says the request is same-origin (what a same-origin form sends under no-referrer).
  EXPECT_EQ(a.Request("POST", "/api/v1/auth/logout", std::nullopt, {Csrf(csrf), "Origin: null"})
                .status,
            403);
  EXPECT_EQ(a.Request("POST", "/api/v1/auth/logout", std::nullopt,
                      {Csrf(csrf), "Origin: null", "Sec-Fetch-Site: cross-site"})
                .status,
            403);
  EXPECT_EQ(b.Get("/api/v1/me").status, 200);
  EXPECT_EQ(a.Get("/api/v1/me").status, 200);
  const HttpResult null_same_origin =
      visitor.PostJson("/api/v1/auth/magic-link", json::object{{"email", email}},
                       {"Origin: null", "Sec-Fetch-Site: same-origin"});
  EXPECT_EQ(null_same_origin.status, 202) << null_same_origin.body;

  // The same requests from our own origin with the right token go through.
  const HttpResult own = a.Request("DELETE", "/api/v1/sessions/" + b_id, std::nullopt,
                                   {Csrf(csrf), "Origin: " + server_->origin()});
  EXPECT_EQ(own.status, 204) << own.body;
  EXPECT_EQ(b.Get("/api/v1/me").status, 401);
}

// ---- C25: passwords ----

// claim: C25 — a password is checked against the policy, set, usable for sign-in in
// another browser; a wrong one is 401; changing it ends every other session.
TEST_F(IdentityFlows, C25_PasswordIsCheckedSetUsableAndChangingItEndsOtherSessions) {
  const std::string email = NewTestAddress("c25");
  const std::string first = "violet harbour lanterns 2031";
  const std::string second = "copper meadow kettles 5150";
  Browser a = NewBrowser();
  ASSERT_TRUE(SignUp(a, *outbox_, email, "Jon Password"));
  const std::string csrf = CsrfToken(a);
  auto put = [&](json::object body) {
    return a.SendJson("PUT", "/api/v1/me/password", body, {Csrf(csrf)});
  };

  const HttpResult short_one = put({{"new_password", "Tq7#mZ2!pLx"}});  // 11 characters
  EXPECT_EQ(short_one.status, 400) << short_one.body;
  const HttpResult common = put({{"new_password", "password1234"}});
  EXPECT_EQ(common.status, 400) << common.body;
  EXPECT_EQ(JsonOf(a.Get("/api/v1/me")).at("has_password"), json::value(false));

  const HttpResult set = put({{"new_password", first}});
  ASSERT_EQ(set.status, 204) << set.body;
  EXPECT_EQ(JsonOf(a.Get("/api/v1/me")).at("has_password"), json::value(true));

  // Sign-in with it in a new browser.
  Browser b = NewBrowser();
  const HttpResult in =
      b.PostJson("/api/v1/auth/password", json::object{{"email", email}, {"password", first}});
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_TRUE(b.Cookie(kSessionCookie));
  EXPECT_TRUE(b.Cookie(kDeviceCookie));
  EXPECT_EQ(StringAt(JsonOf(b.Get("/api/v1/me")), "email"), email);
  // Wrong password, unknown address: 401 alike, no session.
  Browser c = NewBrowser();
  const HttpResult wrong =
      c.PostJson("/api/v1/auth/password", json::object{{"email", email}, {"password", second}});
  EXPECT_EQ(wrong.status, 401);
  const HttpResult unknown =
      c.PostJson("/api/v1/auth/password",
                 json::object{{"email", NewTestAddress("c25-nobody")}, {"password", first}});
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_FALSE(c.Cookie(kSessionCookie));
  EXPECT_EQ(c.Get("/api/v1/me").status, 401);

  // A change needs the current password; failed attempts end nothing.
  EXPECT_EQ(put({{"new_password", second}}).status, 400);
  EXPECT_EQ(put({{"current_password", "not my password at all"}, {"new_password", second}}).status,
            401);
  EXPECT_EQ(b.Get("/api/v1/me").status, 200);
  const HttpResult changed = put({{"current_password", first}, {"new_password", second}});
  ASSERT_EQ(changed.status, 204) << changed.body;
  EXPECT_EQ(b.Get("/api/v1/me").status, 401);
  EXPECT_EQ(a.Get("/api/v1/me").status, 200);

  Browser d = NewBrowser();
  EXPECT_EQ(d.PostJson("/api/v1/auth/password", json::object{{"email", email}, {"password", first}})
                .status,
            401);
  EXPECT_EQ(
      d.PostJson("/api/v1/auth/password", json::object{{"email", email}, {"password", second}})
          .status,
      200);
  EXPECT_EQ(d.Get("/api/v1/me").status, 200);
}

// claim: C25 — a password given at sign-up works only once that sign-up's own link is
// used.
TEST_F(IdentityFlows, C25_PasswordGivenAtSignUpWorksOnlyAfterItsLinkIsUsed) {
  const std::string email = NewTestAddress("c25-signup");
  const std::string password = "saffron pelican voyage 7788";
  Browser a = NewBrowser();
  std::string token;
  ASSERT_TRUE(RequestSignUp(a, *outbox_, email, "Kim Early", password, &token));
  // The mail is out, so the account exists; its password does not work yet.
  Browser early = NewBrowser();
  EXPECT_EQ(
      early
          .PostJson("/api/v1/auth/password", json::object{{"email", email}, {"password", password}})
          .status,
      401);
  ASSERT_EQ(Consume(a, token).status, 200);
  EXPECT_EQ(JsonOf(a.Get("/api/v1/me")).at("has_password"), json::value(true));
  Browser later = NewBrowser();
  EXPECT_EQ(
      later
          .PostJson("/api/v1/auth/password", json::object{{"email", email}, {"password", password}})
          .status,
      200);
}

// claim: C25 — someone who signs up with another person's address cannot later sign in
// with the password they chose: the owner's own sign-in does not adopt it.
TEST_F(IdentityFlows, C25_PasswordFromSomeoneElsesSignUpNeverBecomesUsable) {
  const std::string email = NewTestAddress("c25-squat");
  const std::string squatter_password = "mallory picked this 4455";
  Browser mallory = NewBrowser("Mallory/1.0");
  std::string mallorys_token;  // mailed to the owner; Mallory never sees it
  ASSERT_TRUE(
      RequestSignUp(mallory, *outbox_, email, "Mallory", squatter_password, &mallorys_token));
  // The owner signs up in their own browser and uses their own link.
  Browser owner = NewBrowser();
  ASSERT_TRUE(SignUp(owner, *outbox_, email, "Olive Owner"));
  EXPECT_EQ(JsonOf(owner.Get("/api/v1/me")).at("has_password"), json::value(false));
  Browser attempt = NewBrowser("Mallory/1.0");
  EXPECT_EQ(attempt
                .PostJson("/api/v1/auth/password",
                          json::object{{"email", email}, {"password", squatter_password}})
                .status,
            401);
  EXPECT_FALSE(attempt.Cookie(kSessionCookie));
}

// Issue #12, sign-up squatting: a sign-up with someone else's address creates no account
// (no sign-in link can be asked for it, the address stays free), and the name and
// password of the sign-up whose link is used are the account's.
TEST_F(IdentityFlows, SignUpSquattingCreatesNoAccountAndTheConfirmedSignUpWins) {
  const std::string email = NewTestAddress("squatted");
  const std::string squatter_password = "mallory typed this 8080";
  const std::string owner_password = "vera chose her own 9191";
  Browser mallory = NewBrowser("Mallory/1.0");
  std::string mallorys_token;  // in the owner's mailbox
  ASSERT_TRUE(RequestSignUp(mallory, *outbox_, email, "Mallory Squatter", squatter_password,
                            &mallorys_token));
  // No account: a sign-in link asked for the address is not mailed.
  Browser probe = NewBrowser();
  ASSERT_EQ(probe.PostJson("/api/v1/auth/magic-link", json::object{{"email", email}}).status, 202);
  EXPECT_FALSE(outbox_->Next(email, 1500)) << "a sign-in link for an address without account";

  Browser owner = NewBrowser();
  std::string owners_token;
  ASSERT_TRUE(RequestSignUp(owner, *outbox_, email, "Vera Owner", owner_password, &owners_token));
  ASSERT_EQ(Consume(owner, owners_token).status, 200);
  const json::value me = JsonOf(owner.Get("/api/v1/me"));
  EXPECT_EQ(me.at("name"), json::value("Vera Owner"));
  EXPECT_EQ(me.at("has_password"), json::value(true));
  Browser later = NewBrowser();
  EXPECT_EQ(
      later.PostJson("/api/v1/auth/password",
                     json::object{{"email", email}, {"password", owner_password}})
          .status,
      200);
  Browser attempt = NewBrowser("Mallory/1.0");
  EXPECT_EQ(attempt
                .PostJson("/api/v1/auth/password",
                          json::object{{"email", email}, {"password", squatter_password}})
                .status,
            401);
  // Mallory's link went to the owner's mailbox but is bound to Mallory's browser: in the
  // owner's browser it is refused.
  EXPECT_EQ(Consume(owner, mallorys_token).status, 401);
}

// ---- C53: mail ----

// claim: C53 — a mail holds a fixed text and the link only: nothing the person typed
// (their name) is in it, and two sign-ups' mails differ only in address, date, id and
// link.
TEST_F(IdentityFlows, C53_MailHoldsOnlyTheLinkAndFixedText) {
  const std::string first = NewTestAddress("c53-first");
  const std::string second = NewTestAddress("c53-second");
  Browser a = NewBrowser();
  Browser b = NewBrowser();
  std::string token;
  ASSERT_TRUE(RequestSignUp(a, *outbox_, first, "Zeppelin Marker", std::nullopt, &token));
  ASSERT_EQ(Consume(a, token).status, 200);
  ASSERT_TRUE(RequestSignUp(b, *outbox_, second, "Quentin Oddfellow", std::nullopt, &token));
  Browser c = NewBrowser();
  ASSERT_TRUE(RequestLink(c, *outbox_, first, &token));  // a sign-in link for the named account

  std::vector<Outbox::Mail> mails;
  for (const auto& m : outbox_->All()) {
    if (m.text.find("To: " + first + "\r\n") != npos ||
        m.text.find("To: " + second + "\r\n") != npos) {
      mails.push_back(m);
    }
  }
  ASSERT_EQ(mails.size(), 3u);
  std::map<std::string, std::string> body_by_subject;
  for (const auto& m : mails) {
    for (const char* marker : {"Zeppelin", "Marker", "Quentin", "Oddfellow"}) {
      EXPECT_EQ(m.text.find(marker), npos) << marker << " in " << m.file << ":\n" << m.text;
    }
    struct stat st {};
    ASSERT_EQ(::stat(m.file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u) << m.file;
    // The header holds these fields and no other.
    const auto header_end = m.text.find("\r\n\r\n");
    ASSERT_NE(header_end, npos);
    std::vector<std::string> names;
    std::string subject;
    for (std::size_t pos = 0; pos < header_end;) {
      const auto eol = m.text.find("\r\n", pos);
      const std::string line = m.text.substr(pos, eol - pos);
      names.push_back(line.substr(0, line.find(':')));
      if (line.starts_with("Subject:")) {
        subject = line;
      }
      pos = eol + 2;
    }
    EXPECT_EQ(names, (std::vector<std::string>{"From", "To", "Subject", "Date", "Message-ID",
                                               "MIME-Version", "Content-Type",
                                               "Content-Transfer-Encoding"}));
    // The body is fixed text around the link and the code: the same for every mail of its
    // kind.
    ASSERT_FALSE(m.link.empty());
    std::string body = m.text.substr(header_end + 4);
    const auto link_at = body.find(m.link);
    ASSERT_NE(link_at, npos);
    body.replace(link_at, m.link.size(), "<link>");
    // ... and the one-time code, alone on its line (C26).
    ASSERT_EQ(m.code.size(), 8u) << m.text;
    const auto code_at = body.find("\r\n" + m.code.substr(0, 4) + "-" + m.code.substr(4) + "\r\n");
    ASSERT_NE(code_at, npos);
    body.replace(code_at, 11, "\r\n<code>\r\n");
    auto [it, inserted] = body_by_subject.emplace(subject, body);
    if (!inserted) {
      EXPECT_EQ(it->second, body) << subject;
    }
  }
  // Two kinds: sign-up confirmation and sign-in link.
  EXPECT_EQ(body_by_subject.size(), 2u);
}

// ---- Pages without scripts ----

// The no-script flow: sign-up form, check-email page, link page with the pasted code,
// the home page, settings (sessions, password), and sign-out.
TEST_F(IdentityFlows, PagesWorkWithoutScripts) {
  const std::string email = NewTestAddress("pages");
  Browser p = NewBrowser("PageBrowser/2.0");
  const HttpResult signup_page = p.Get("/signup");
  EXPECT_EQ(signup_page.status, 200);
  EXPECT_NE(signup_page.body.find("<form"), npos);
  const HttpResult posted = p.PostForm("/signup", {{"email", email}, {"name", "Ada Pagewright"}});
  ASSERT_EQ(posted.status, 303) << posted.body;
  EXPECT_EQ(posted.Header("Location"), "/check-email");
  EXPECT_TRUE(p.Cookie(kLoginCookie));
  EXPECT_EQ(p.Get("/check-email").status, 200);
  auto mail = outbox_->Next(email);
  ASSERT_TRUE(mail) << "no sign-up mail within 10 s";
  const HttpResult magic_page = p.Get("/auth/magic");
  EXPECT_EQ(magic_page.status, 200);
  EXPECT_NE(magic_page.body.find(R"(name="token")"), npos);
  // A wrong code: the page again, with an error, and no session.
  const HttpResult bad = p.PostForm("/auth/magic", {{"token", std::string(43, 'A')}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_FALSE(p.Cookie(kSessionCookie));
  const HttpResult in = p.PostForm("/auth/magic", {{"token", mail->token}});
  ASSERT_EQ(in.status, 303) << in.body;
  EXPECT_EQ(in.Header("Location"), "/");
  ASSERT_TRUE(p.Cookie(kSessionCookie));

  const HttpResult home = p.Get("/");
  EXPECT_EQ(home.status, 200);
  EXPECT_NE(home.body.find("Welcome, Ada Pagewright"), npos) << home.body;
  const std::string my_id = CurrentSessionId(p);
  ASSERT_FALSE(my_id.empty());
  const HttpResult settings = p.Get("/settings");
  ASSERT_EQ(settings.status, 200);
  // The browser in words, never its raw User-Agent (an unknown one here).
  EXPECT_NE(settings.body.find("Unknown browser <strong>(this browser)</strong>"), npos)
      << settings.body;
  EXPECT_EQ(settings.body.find("PageBrowser/2.0"), npos);
  EXPECT_NE(settings.body.find("/settings/sessions/" + my_id + "/revoke"), npos);
  const std::string csrf = CsrfField(settings.body);
  EXPECT_EQ(csrf, CsrfToken(p));

  // Another browser signs in by the sign-in form and is ended from the settings page.
  Browser q = NewBrowser("OtherPageBrowser/1.0");
  const HttpResult link_form = q.PostForm("/signin/link", {{"email", email}});
  ASSERT_EQ(link_form.status, 303) << link_form.body;
  EXPECT_EQ(link_form.Header("Location"), "/check-email");
  auto q_mail = outbox_->Next(email);
  ASSERT_TRUE(q_mail);
  ASSERT_EQ(q.PostForm("/auth/magic", {{"token", q_mail->token}}).status, 303);
  const std::string q_id = CurrentSessionId(q);
  ASSERT_FALSE(q_id.empty());
  EXPECT_NE(p.Get("/settings").body.find("/settings/sessions/" + q_id + "/revoke"), npos);
  const HttpResult ended =
      p.PostForm("/settings/sessions/" + q_id + "/revoke", {{"csrf_token", csrf}});
  EXPECT_EQ(ended.status, 303) << ended.body;
  EXPECT_EQ(ended.Header("Location"), "/settings");
  EXPECT_EQ(q.Get("/api/v1/me").status, 401);

  // A password from the settings form, then sign-in with it by the sign-in form.
  const HttpResult pw = p.PostForm(
      "/settings/password", {{"csrf_token", csrf}, {"new_password", "amber meadow kettles 4242"}});
  EXPECT_EQ(pw.status, 200) << pw.body;
  EXPECT_NE(pw.body.find("Your password is changed"), npos);
  Browser r = NewBrowser();
  const HttpResult pw_in =
      r.PostForm("/signin/password", {{"email", email}, {"password", "amber meadow kettles 4242"}});
  EXPECT_EQ(pw_in.status, 303) << pw_in.body;
  EXPECT_EQ(pw_in.Header("Location"), "/");
  EXPECT_NE(r.Get("/").body.find("Welcome, Ada Pagewright"), npos);

  // Sign out: 303 to the sign-in page, and the session is over on the server.
  const auto cookies = p.cookies();
  const HttpResult out = p.PostForm("/signout", {{"csrf_token", csrf}});
  EXPECT_EQ(out.status, 303) << out.body;
  EXPECT_EQ(out.Header("Location"), "/signin?signed_out=1");
  const HttpResult out_page = p.Get("/signin?signed_out=1");
  EXPECT_NE(out_page.body.find("You are signed out."), npos) << out_page.body;
  const HttpResult settings_after = p.Get("/settings");
  EXPECT_EQ(settings_after.status, 303);
  EXPECT_EQ(settings_after.Header("Location"), "/signin");
  p.set_cookies(cookies);
  EXPECT_EQ(p.Get("/api/v1/me").status, 401);
  p.set_cookies(cookies);
  const HttpResult after_end = p.Get("/settings");
  EXPECT_EQ(after_end.status, 303);
  // The cookie of an ended session: the sign-in page says why it is asked for again.
  EXPECT_EQ(after_end.Header("Location"), "/signin?ended=1");
  EXPECT_NE(p.Get("/signin?ended=1").body.find("Your session ended"), npos);
}

TEST_F(IdentityFlows, SignedOutVisitorsAreSentToSignIn) {
  Browser v = NewBrowser();
  const HttpResult settings = v.Get("/settings");
  EXPECT_EQ(settings.status, 303);
  EXPECT_EQ(settings.Header("Location"), "/signin");
  const HttpResult me = v.Get("/api/v1/me");
  EXPECT_EQ(me.status, 401);
  EXPECT_EQ(ErrorCode(me), "unauthenticated");
  EXPECT_EQ(v.Get("/signin").status, 200);
  EXPECT_EQ(v.Get("/signup").status, 200);
}

// ---- C30: rate limits that do not reveal accounts ----

// The headers of an answer as "name: value", without those that differ between any two
// answers (request id, date) and with cookie values masked; Retry-After apart.
std::vector<std::string> ComparableHeaders(const HttpResult& r) {
  std::vector<std::string> out;
  for (const auto& [name, value] : r.headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (lower == "x-request-id" || lower == "date" || lower == "retry-after") {
      continue;
    }
    if (lower == "set-cookie") {
      const auto eq = value.find('=');
      const auto semi = value.find(';');
      out.push_back(lower + ": " + value.substr(0, eq + 1) + "*" +
                    (semi == npos ? std::string() : value.substr(semi)));
      continue;
    }
    out.push_back(lower + ": " + value);
  }
  return out;
}

void ExpectAlike(const HttpResult& known, const HttpResult& unknown, std::string_view step) {
  EXPECT_EQ(known.status, unknown.status) << step;
  EXPECT_EQ(known.body, unknown.body) << step;
  EXPECT_EQ(ComparableHeaders(known), ComparableHeaders(unknown)) << step;
  EXPECT_EQ(known.Header("Retry-After").has_value(), unknown.Header("Retry-After").has_value())
      << step;
}

long RetryAfter(const HttpResult& r) {
  const auto v = r.Header("Retry-After");
  return v ? std::stol(*v) : -1;
}

class RateLimits : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Per address: two link mails and two password attempts an hour; per IP: roomy.
    server_ = std::make_unique<ServerProcess>(ServerProcess::Options{
        .env = {{"ALCOVE_RATE_LIMITS_MAGIC_LINK", "2 per 1h burst 2"},
                {"ALCOVE_RATE_LIMITS_PASSWORD", "2 per 1h burst 2"},
                {"ALCOVE_RATE_LIMITS_SIGN_IN", "100000 per 1h burst 100000"},
                {"ALCOVE_RATE_LIMITS_CONSUME", "100000 per 1h burst 100000"}}});
    outbox_ = std::make_unique<Outbox>(server_->data_dir());
  }
  static void TearDownTestSuite() {
    outbox_.reset();
    server_.reset();
  }
  void SetUp() override { ASSERT_TRUE(server_->started()) << server_->Stderr(); }
  static Browser NewBrowser() {
    return Browser(server_->origin(), server_->certificate(), "RateBrowser/1.0");
  }
  inline static std::unique_ptr<ServerProcess> server_;
  inline static std::unique_ptr<Outbox> outbox_;
};

// claim: C30 — the third link request for an address within the hour is 429 with
// Retry-After and a JSON error, and every answer is the same for an address with an
// account and one without.
TEST_F(RateLimits, C30_LinkRequestsAreLimitedAlikeForKnownAndUnknownAddresses) {
  const std::string known = "c30-known@example.org";
  const std::string unknown = "c30-unknown@example.org";
  // Each address spends one request of its budget: the sign-up of the known one, a link
  // request for the unknown one (made right after, so both budgets age alike).
  Browser k = NewBrowser();
  const HttpResult signup =
      k.PostJson("/api/v1/auth/signup", json::object{{"email", known}, {"name", "Kai Known"}});
  Browser u = NewBrowser();
  const HttpResult first_unknown =
      u.PostJson("/api/v1/auth/magic-link", json::object{{"email", unknown}});
  ASSERT_EQ(signup.status, 202) << signup.body;
  ASSERT_EQ(first_unknown.status, 202) << first_unknown.body;
  auto mail = outbox_->Next(known);
  ASSERT_TRUE(mail);
  ASSERT_EQ(Consume(k, mail->token).status, 200);  // a verified account

  for (int round = 2; round <= 3; ++round) {
    Browser kb = NewBrowser();
    Browser ub = NewBrowser();
    const HttpResult rk = kb.PostJson("/api/v1/auth/magic-link", json::object{{"email", known}});
    const HttpResult ru = ub.PostJson("/api/v1/auth/magic-link", json::object{{"email", unknown}});
    const std::string step = "request " + std::to_string(round);
    ExpectAlike(rk, ru, step);
    if (round == 2) {
      EXPECT_EQ(rk.status, 202) << rk.body;
      EXPECT_TRUE(kb.Cookie(kLoginCookie));
      EXPECT_TRUE(outbox_->Next(known)) << "the allowed request sends its mail";
    } else {
      EXPECT_EQ(rk.status, 429) << rk.body;
      EXPECT_EQ(ErrorCode(rk), "rate_limited");
      EXPECT_TRUE(rk.Header("Content-Type").value_or("").starts_with("application/json"));
      EXPECT_GE(RetryAfter(rk), 1);
      EXPECT_GE(RetryAfter(ru), 1);
      EXPECT_LE(RetryAfter(rk), 3600);
      // The value depends on when each address's budget was first used (a second or so
      // apart here), not on whether it has an account.
      EXPECT_LE(std::abs(RetryAfter(rk) - RetryAfter(ru)), 30);
      EXPECT_FALSE(kb.Cookie(kLoginCookie));
    }
  }
  // The limit is per address: another address is still served.
  Browser other = NewBrowser();
  EXPECT_EQ(
      other.PostJson("/api/v1/auth/magic-link", json::object{{"email", "c30-other@example.org"}})
          .status,
      202);
}

// claim: C30 — password attempts per address: the third within the hour is 429 (even
// with the right password), answered alike for an address with and without an account.
TEST_F(RateLimits, C30_PasswordAttemptsAreLimitedAlikeForKnownAndUnknownAddresses) {
  const std::string known = "c30-pw-known@example.org";
  const std::string unknown = "c30-pw-unknown@example.org";
  const std::string password = "granite osprey lantern 6161";
  Browser k = NewBrowser();
  ASSERT_TRUE(SignUp(k, *outbox_, known, "Pia Password", password));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    Browser kb = NewBrowser();
    Browser ub = NewBrowser();
    // The third attempt for the known address uses the right password: still refused.
    const std::string tried =
        attempt == 3 ? password : "not the password " + std::to_string(attempt);
    const HttpResult rk =
        kb.PostJson("/api/v1/auth/password", json::object{{"email", known}, {"password", tried}});
    const HttpResult ru =
        ub.PostJson("/api/v1/auth/password", json::object{{"email", unknown}, {"password", tried}});
    const std::string step = "attempt " + std::to_string(attempt);
    ExpectAlike(rk, ru, step);
    EXPECT_EQ(rk.status, attempt < 3 ? 401 : 429) << step << ": " << rk.body;
    EXPECT_FALSE(kb.Cookie(kSessionCookie)) << step;
    if (attempt == 3) {
      EXPECT_EQ(ErrorCode(rk), "rate_limited");
      EXPECT_GE(RetryAfter(rk), 1);
      EXPECT_GE(RetryAfter(ru), 1);
    }
  }
}

// ---- C43, C26: no content, and no secret, in the server's log or the audit log ----

// claim: C43 — after sign-up, sign-ins and a password change, neither the server's log
// nor the exported audit log holds the name, the address or the passwords (only ids);
// claim: C26 — nor any token or cookie value; and the audit log verifies.
TEST(IdentityLogs, C43_LogAndAuditHoldNoContentAfterASignInScript) {
  ServerProcess server({.env = RoomyRateLimits()});
  ASSERT_TRUE(server.started()) << server.Stderr();
  Outbox outbox(server.data_dir());
  auto browser = [&] { return Browser(server.origin(), server.certificate(), "LogBrowser/1.0"); };
  const std::string email = "zanzibarquill.c43@example.net";
  const std::string name = "Quokka Marmalade";
  const std::string first = "obsidian heron lantern 9301";
  const std::string second = "tangerine glacier ferry 6177";
  std::vector<std::string> secrets;  // tokens and cookie values seen on the way

  Browser a = browser();
  std::string token;
  ASSERT_TRUE(RequestSignUp(a, outbox, email, name, first, &token));
  secrets.push_back(token);
  secrets.push_back(*a.Cookie(kLoginCookie));
  Browser stranger = browser();
  EXPECT_EQ(Consume(stranger, token).status, 401);  // a refused use, audited
  ASSERT_EQ(Consume(a, token).status, 200);
  secrets.push_back(*a.Cookie(kSessionCookie));
  secrets.push_back(*a.Cookie(kDeviceCookie));
  const std::string csrf = CsrfToken(a);
  secrets.push_back(csrf);

  Browser b = browser();
  ASSERT_EQ(b.PostJson("/api/v1/auth/password", json::object{{"email", email}, {"password", first}})
                .status,
            200);
  secrets.push_back(*b.Cookie(kSessionCookie));
  Browser c = browser();
  EXPECT_EQ(c.PostJson("/api/v1/auth/password",
                       json::object{{"email", email}, {"password", "wrong " + first}})
                .status,
            401);
  EXPECT_EQ(
      a.SendJson("PUT", "/api/v1/me/password",
                 json::object{{"current_password", first}, {"new_password", second}}, {Csrf(csrf)})
          .status,
      204);
  EXPECT_EQ(b.Get("/api/v1/me").status, 401);
  Browser d = browser();
  ASSERT_TRUE(SignInByLink(d, outbox, email));
  secrets.push_back(*d.Cookie(kSessionCookie));
  // A second account by the forms, its name and address marked too.
  const std::string form_email = "yodelbrook.c43@example.net";
  Browser f = browser();
  ASSERT_EQ(f.PostForm("/signup", {{"email", form_email}, {"name", "Wombat Gazpacho"}}).status,
            303);
  auto form_mail = outbox.Next(form_email);
  ASSERT_TRUE(form_mail);
  secrets.push_back(form_mail->token);
  ASSERT_EQ(f.PostForm("/auth/magic", {{"token", form_mail->token}}).status, 303);
  const std::string d_id = CurrentSessionId(d);
  ASSERT_FALSE(d_id.empty());
  EXPECT_EQ(a.Request("DELETE", "/api/v1/sessions/" + d_id, std::nullopt, {Csrf(csrf)}).status,
            204);
  EXPECT_EQ(a.Request("POST", "/api/v1/auth/logout", std::nullopt, {Csrf(csrf)}).status, 204);

  ASSERT_EQ(server.Stop(), 0);
  const std::string log = server.Stderr();
  ASSERT_NE(log.find("route=/api/v1/auth/password"), npos) << log;  // the log has the requests

  const auto exported = RunAlcove({"audit", "export", "--data-dir", server.data_dir().string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  ASSERT_NE(exported.out.find("auth.password.changed"), npos) << exported.out;
  ASSERT_NE(exported.out.find("auth.magic_link.refused"), npos);

  const std::vector<std::string> markers = {
      "zanzibarquill", "yodelbrook", "example.net", "Quokka", "Marmalade", "Wombat",
      "Gazpacho",      "obsidian",   "tangerine",   first,    second};
  for (const auto& m : markers) {
    EXPECT_EQ(log.find(m), npos) << "server log holds " << m;
    EXPECT_EQ(exported.out.find(m), npos) << "audit export holds " << m;
    EXPECT_EQ(exported.err.find(m), npos) << "audit export's stderr holds " << m;
  }
  for (const auto& s : secrets) {
    ASSERT_GE(s.size(), 32u);
    EXPECT_EQ(log.find(s), npos) << "server log holds a token or cookie value";
    EXPECT_EQ(exported.out.find(s), npos) << "audit export holds a token or cookie value";
  }

  const auto verified = RunAlcove({"audit", "verify", "--data-dir", server.data_dir().string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("audit log OK"), npos) << verified.out;
}

}  // namespace
}  // namespace alcove::testing
