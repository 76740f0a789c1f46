// The one layout of every page (docs/design.md): the same navigation for each kind of
// viewer on every page type, rendered through the real application (AppHarness, in
// process), and error pages in plain words with the next step.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/app_harness.hpp"
#include "web/errors.hpp"
#include "web/templates.hpp"

namespace alcove::web {
namespace {

using identity::Role;
using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;
using testing::TestEngine;

// The site navigation of a page ("" when it has none).
std::string NavOf(const std::string& html) {
  const auto open = html.find("<nav class=\"site-nav\"");
  if (open == std::string::npos) {
    return "";
  }
  return html.substr(open, html.find("</nav>", open) - open);
}

bool Has(std::string_view text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

// The <main> part of a page as it shows, without the closed disclosure of a server
// fault's reference (random hex digits, which may spell anything).
std::string MainOf(const std::string& html) {
  const auto open = html.find("<main");
  if (open == std::string::npos) {
    return "";
  }
  std::string main = html.substr(open, html.find("</main>") - open);
  if (const auto d = main.find("<details class=\"reference\">"); d != std::string::npos) {
    main.erase(d, main.find("</details>", d) - d);
  }
  return main;
}

const std::vector<std::string> kTherapistItems = {"/", "/clients", "/schedule", "/audit",
                                                  "/settings"};

class PagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = AppHarness::Create(TestEngine::kSqlite, nullptr);
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("pages@alcove.test", "192.0.2.7");
    ASSERT_FALSE(a_.csrf.empty());
  }

  // The therapist's navigation: every item, and the sign-out form with the session's
  // CSRF token; `current` is the item marked aria-current ("" for none).
  void ExpectTherapistNav(const std::string& target, const std::string& current,
                          const std::string& kind) {
    const Response res = h_->Call(a_, "GET", target);
    const std::string nav = NavOf(res.body);
    ASSERT_FALSE(nav.empty()) << target << " (" << res.status << ") has no navigation";
    for (const std::string& href : kTherapistItems) {
      EXPECT_TRUE(Has(nav, "href=\"" + href + "\"")) << target << " lacks " << href;
    }
    EXPECT_TRUE(Has(nav, "action=\"/signout\"")) << target;
    EXPECT_TRUE(Has(nav, "value=\"" + a_.csrf + "\"")) << target << ": sign-out needs the token";
    EXPECT_FALSE(Has(nav, "href=\"/signin\"")) << target;
    if (current.empty()) {
      EXPECT_FALSE(Has(nav, "aria-current")) << target;
    } else {
      EXPECT_TRUE(Has(nav, "href=\"" + current + "\" aria-current=\"" + kind + "\"")) << nav;
    }
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
};

TEST_F(PagesTest, EveryPageOfATherapistHasTheSameNavigationWithTheCurrentItemMarked) {
  auto res = h_->Call(a_, "POST", "/api/v1/clients", R"({"name":"Nora Navtest"})");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string client = JsonMember(res.body, "id");
  res = h_->Call(a_, "POST", "/api/v1/clients/" + client + "/notes",
                 R"({"session_date":"2026-11-20","format":"soap","content":{"subjective":"s"}})");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string note = JsonMember(res.body, "id");
  res = h_->Call(a_, "POST", "/api/v1/clients/" + client + "/summaries", R"({"text":"t"})");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string summary = JsonMember(res.body, "id");

  ExpectTherapistNav("/", "/", "page");
  ExpectTherapistNav("/clients", "/clients", "page");
  ExpectTherapistNav("/clients/" + client, "/clients", "true");
  ExpectTherapistNav("/clients/" + client + "/notes/new", "/clients", "true");
  ExpectTherapistNav("/notes/" + note + "/edit", "/clients", "true");
  ExpectTherapistNav("/summaries/" + summary, "/clients", "true");
  ExpectTherapistNav("/clients/" + client + "/export", "/clients", "true");
  ExpectTherapistNav("/settings", "/settings", "page");
  ExpectTherapistNav("/audit", "/audit", "page");
  // Open pages and error pages made by a handler know the viewer too.
  ExpectTherapistNav("/security", "", "");
  ExpectTherapistNav("/signin", "", "");
  ExpectTherapistNav("/clients/AAAAAAAAAAAAAAAAAAAAAA", "/clients", "true");  // 404
}

TEST_F(PagesTest, SignedOutVisitorsSeeSignInAndSignUp) {
  AppBrowser visitor{.ip = "192.0.2.8", .cookies = {}, .csrf = {}};
  for (const char* target :
       {"/", "/signin", "/signup", "/check-email", "/security", "/no/such/page"}) {
    const Response res = h_->Call(visitor, "GET", target);
    const std::string nav = NavOf(res.body);
    ASSERT_FALSE(nav.empty()) << target << " has no navigation";
    EXPECT_TRUE(Has(nav, "href=\"/signin\"")) << target;
    EXPECT_TRUE(Has(nav, "href=\"/signup\"")) << target;
    EXPECT_FALSE(Has(nav, "/clients")) << target;
    EXPECT_FALSE(Has(nav, "/signout")) << target;
  }
  EXPECT_TRUE(Has(NavOf(h_->Call(visitor, "GET", "/signin").body),
                  "href=\"/signin\" aria-current=\"page\""));
}

TEST_F(PagesTest, OtherRolesSeeOnlyWhatTheirRoutesAllow) {
  for (const Role role : {Role::kSupervisor, Role::kClient}) {
    AppBrowser member = h_->AddMember(a_, role, std::string(identity::RoleName(role)) +
                                                    "@pages.alcove.test",
                                      "192.0.2.9");
    for (const char* target : {"/", "/settings", "/clients"}) {
      const Response res = h_->Call(member, "GET", target);
      const std::string nav = NavOf(res.body);
      ASSERT_FALSE(nav.empty()) << target;
      EXPECT_TRUE(Has(nav, "href=\"/settings\"")) << target;
      EXPECT_TRUE(Has(nav, "action=\"/signout\"")) << target;
      for (const std::string hidden : {"/clients", "/audit", "/schedule"}) {
        EXPECT_FALSE(Has(nav, "href=\"" + hidden + "\"")) << target << " offers " << hidden;
      }
    }
  }
}

TEST_F(PagesTest, AnUnknownAddressKnowsWhoIsLooking) {
  // Routed to the facade's not-found page, which looks the session up like any page.
  const Response res = h_->Call(a_, "GET", "/no/such/page");
  EXPECT_EQ(res.status, 404);
  const std::string nav = NavOf(res.body);
  for (const std::string& href : kTherapistItems) {
    EXPECT_TRUE(Has(nav, "href=\"" + href + "\"")) << nav;
  }
  EXPECT_FALSE(Has(nav, "href=\"/signin\"")) << nav;
}

TEST_F(PagesTest, AnswersMadeBeforeRoutingOfferTheWayHome) {
  // A 405 is answered without looking the session up: the navigation leads home, where
  // the whole menu is, and offers no sign-in to the signed in.
  const Response res = h_->Call(a_, "DELETE", "/settings");
  EXPECT_EQ(res.status, 405);
  const std::string nav = NavOf(res.body);
  EXPECT_TRUE(Has(nav, "href=\"/\"")) << nav;
  EXPECT_FALSE(Has(nav, "href=\"/signin\"")) << nav;
  EXPECT_FALSE(Has(nav, "href=\"/clients\"")) << nav;
}

// What an error page must never show: status jargon and machine words.
void ExpectPlainWords(const Response& res, const std::string& what) {
  EXPECT_TRUE(Has(res.headers.Get("Content-Type").value_or(""), "text/html")) << what;
  const std::string main = MainOf(res.body);
  ASSERT_FALSE(main.empty()) << what << ": " << res.body;
  const std::string status = std::to_string(res.status);
  const std::vector<std::string> jargon_words = {std::string(ReasonPhrase(res.status)),
                                                 "Error " + status,
                                                 status,
                                                 "bytes",
                                                 "request id",
                                                 "Content-Type",
                                                 "JSON",
                                                 "HTTP",
                                                 "TLS"};
  for (const std::string& jargon : jargon_words) {
    EXPECT_FALSE(Has(main, jargon)) << what << " shows \"" << jargon << "\":\n" << main;
  }
  EXPECT_TRUE(Has(main, "<h1")) << what;
  EXPECT_TRUE(Has(main, "<a class=\"btn btn-primary\" href=\"/")) << what << ": no way on";
  EXPECT_FALSE(NavOf(res.body).empty()) << what << ": no navigation";
}

TEST_F(PagesTest, ErrorPagesOfTheRealServerSpeakPlainWordsWithTheNextStep) {
  AppBrowser visitor{.ip = "192.0.2.10", .cookies = {}, .csrf = {}};
  ExpectPlainWords(h_->Call(visitor, "GET", "/no/such/page"), "404 (no route)");
  ExpectPlainWords(h_->Call(a_, "GET", "/clients/AAAAAAAAAAAAAAAAAAAAAA"), "404 (no client)");
  AppBrowser supervisor = h_->AddMember(a_, Role::kSupervisor, "sup@pages.alcove.test", "192.0.2.11");
  ExpectPlainWords(h_->Call(supervisor, "GET", "/clients"), "403 (role)");
  const Response csrf = h_->Call(a_, "POST", "/clients", "name=X", "application/x-www-form-urlencoded",
                                 /*csrf=*/false);
  EXPECT_EQ(csrf.status, 403);
  ExpectPlainWords(csrf, "403 (form expired)");
  EXPECT_TRUE(Has(MainOf(csrf.body), "This form has expired")) << csrf.body;
  ExpectPlainWords(h_->Call(a_, "DELETE", "/settings"), "405");

  Request big;
  big.method = "POST";
  big.target = "/clients";
  big.early_status = 413;
  const Response too_big = h_->app().Handle(big);
  EXPECT_EQ(too_big.status, 413);
  ExpectPlainWords(too_big, "413");
  EXPECT_TRUE(Has(MainOf(too_big.body), "larger than this page accepts")) << too_big.body;

  h_->faults().FailStatement(1, ErrorCode::kInternal);
  const Response fault = h_->Call(a_, "GET", "/clients");
  h_->faults().FailStatement(0);
  EXPECT_EQ(fault.status, 500);
  ExpectPlainWords(fault, "500");
  // The reference for whoever runs the server is behind a disclosure, not in the text.
  const std::string id(fault.headers.Get("X-Request-Id").value_or("?"));
  EXPECT_TRUE(Has(fault.body, "<details class=\"reference\">")) << fault.body;
  EXPECT_TRUE(Has(fault.body, id)) << fault.body;
}

TEST(ErrorPages, EveryStatusHasAHeadingInWordsWhileTheApiKeepsItsJson) {
  auto templates = Templates::Load(std::filesystem::path(ALCOVE_SOURCE_DIR) / "web/templates");
  ASSERT_TRUE(templates) << templates.error().internal;
  Request page;
  page.path = "/clients";
  for (const int status : {400, 401, 403, 404, 405, 408, 409, 413, 422, 429, 431, 500, 503}) {
    const std::string code(CodeForStatus(status));
    const Response res = ErrorResponse(page, templates->get(), status, code,
                                       "The request body is larger than 200 bytes (HTTP).");
    EXPECT_EQ(res.status, status);
    const std::string main = MainOf(res.body);
    const std::string what = "status " + std::to_string(status);
    for (const std::string& jargon : std::vector<std::string>{
             std::string(ReasonPhrase(status)), "Error " + std::to_string(status)}) {
      EXPECT_FALSE(Has(main, jargon)) << what << " shows \"" << jargon << "\"";
    }
    EXPECT_TRUE(Has(main, "<h1 id=\"error-heading\">")) << what;
    EXPECT_TRUE(Has(main, "class=\"btn btn-primary\" href=\"/")) << what;
    EXPECT_FALSE(Has(res.body, "<title>" + std::string(ReasonPhrase(status)))) << what;
    // Limits, routing and faults speak of requests: the page says it in its own words.
    if (status == 400 || status == 405 || status == 408 || status == 413 || status == 431 ||
        status >= 500) {
      EXPECT_FALSE(Has(main, "bytes")) << what << ":\n" << main;
    }
  }
  Request api;
  api.path = "/api/v1/clients";
  const Response json = ErrorResponse(api, templates->get(), 413, "payload_too_large",
                                      "The request body is larger than this address accepts.");
  EXPECT_EQ(json.body,
            R"({"error":{"code":"payload_too_large","message":"The request body is larger than this address accepts."}})");
}

// C30: a throttled page tells the person how long Retry-After asks them to wait.
TEST(ErrorPages, C30TheTooManyTriesPageSaysHowLongToWait) {
  auto templates = Templates::Load(std::filesystem::path(ALCOVE_SOURCE_DIR) / "web/templates");
  ASSERT_TRUE(templates) << templates.error().internal;
  Request page;
  page.path = "/signin";
  const Response res = RateLimitedResponse(page, templates->get(), 300);
  EXPECT_EQ(res.status, 429);
  EXPECT_EQ(res.headers.Get("Retry-After"), "300");
  EXPECT_TRUE(Has(MainOf(res.body), "Wait 5 minutes, then try again.")) << res.body;
  EXPECT_FALSE(Has(res.body, "Wait a minute")) << res.body;
}

}  // namespace
}  // namespace alcove::web
