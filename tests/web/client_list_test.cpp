// The client list page (issue #13): a name search that is POSTed (the typed name is never
// in a URL, a Location or the page title, C50), aliases only in the rows, the status
// filter and the pages as GET links with no name in them.
#include <gtest/gtest.h>

#include <regex>

#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"

namespace alcove::web {
namespace {

using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;
using testing::TestEngine;

class ClientListTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("list@alcove.test", "192.0.2.41");
  }

  std::string NewClient(const std::string& name) {
    auto res = h_->Call(a_, "POST", "/api/v1/clients", R"({"name":")" + name + R"("})");
    EXPECT_EQ(res.status, 201) << res.body;
    return JsonMember(res.body, "id");
  }

  Response Search(const std::string& fields) {
    return h_->Call(a_, "POST", "/clients/search", "csrf_token=" + a_.csrf + "&" + fields,
                    "application/x-www-form-urlencoded");
  }

  static std::string TitleOf(const std::string& html) {
    const auto open = html.find("<title>");
    return open == std::string::npos
               ? ""
               : html.substr(open, html.find("</title>", open) - open);
  }

  // Every href and form action of a page: what ends up in URLs and the history.
  static std::string UrlsOf(const std::string& html) {
    std::string out;
    static const std::regex url(R"re((?:href|action)="([^"]*)")re");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), url);
         it != std::sregex_iterator(); ++it) {
      out += (*it)[1].str() + "\n";
    }
    return out;
  }

  static std::size_t Count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
      ++n;
    }
    return n;
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
};

TEST_P(ClientListTest, C50ANameSearchIsPostedFindsTheClientAndKeepsTheNameOutOfUrlsAndTitle) {
  const std::string zeph = NewClient("Zephyrine Albright");
  const std::string bob = NewClient("Bob Carter");

  const Response list = h_->Call(a_, "GET", "/clients");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find(R"(<form id="client-search")"), std::string::npos);
  EXPECT_NE(list.body.find(R"(method="post" action="/clients/search")"), std::string::npos);
  EXPECT_NE(list.body.find("Find a client"), std::string::npos);
  EXPECT_NE(list.body.find(R"(name="csrf_token" value=")" + a_.csrf), std::string::npos);
  EXPECT_NE(list.body.find(R"(<table class="stack-table">)"), std::string::npos);
  EXPECT_NE(list.body.find(R"(data-label="Next appointment")"), std::string::npos);

  const Response found = Search("q=zephyr");
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_FALSE(found.headers.Has("Location"));
  EXPECT_NE(found.body.find(R"(href="/clients/)" + zeph + R"(">Z.A.</a>)"), std::string::npos);
  EXPECT_EQ(found.body.find("/clients/" + bob), std::string::npos);
  // The typed text stays in its field, once, and nowhere else; the full name never shows.
  EXPECT_NE(found.body.find(R"(name="q" value="zephyr")"), std::string::npos);
  EXPECT_EQ(Count(found.body, "zephyr"), 1U) << found.body;
  EXPECT_EQ(found.body.find("Albright"), std::string::npos);
  EXPECT_EQ(found.body.find("Zephyrine"), std::string::npos);
  EXPECT_EQ(TitleOf(found.body).find("zephyr"), std::string::npos);
  EXPECT_EQ(UrlsOf(found.body).find("zephyr"), std::string::npos) << UrlsOf(found.body);

  // Aliases match too; a name in a URL is not searched at all (C50).
  EXPECT_NE(Search("q=b.c").body.find("/clients/" + bob), std::string::npos);
  const Response by_url = h_->Call(a_, "GET", "/clients?q=zephyr");
  ASSERT_EQ(by_url.status, 200);
  EXPECT_NE(by_url.body.find("/clients/" + bob), std::string::npos);
  EXPECT_EQ(by_url.body.find(R"(value="zephyr")"), std::string::npos);

  // Nothing found says so in plain words; a search without its CSRF token is refused.
  EXPECT_NE(Search("q=nobody").body.find("No client matches."), std::string::npos);
  EXPECT_EQ(h_->Call(a_, "POST", "/clients/search", "q=zephyr",
                     "application/x-www-form-urlencoded")
                .status,
            403);
}

TEST_P(ClientListTest, TheStatusFilterAndThePagesAreGetLinksWithoutNames) {
  const std::string kept = NewClient("Anna Active");
  const std::string gone = NewClient("Arthur Archived");
  ASSERT_EQ(h_->Call(a_, "POST", "/api/v1/clients/" + gone + "/archive").status, 200);

  const Response all = h_->Call(a_, "GET", "/clients");
  EXPECT_NE(all.body.find("/clients/" + kept), std::string::npos);
  EXPECT_NE(all.body.find("/clients/" + gone), std::string::npos);
  EXPECT_NE(all.body.find(R"(href="/clients?status=archived")"), std::string::npos);
  const Response archived = h_->Call(a_, "GET", "/clients?status=archived");
  EXPECT_EQ(archived.body.find("/clients/" + kept), std::string::npos);
  EXPECT_NE(archived.body.find("/clients/" + gone), std::string::npos);
  EXPECT_NE(archived.body.find(R"(aria-current="page">Archived)"), std::string::npos);
  const Response active = h_->Call(a_, "GET", "/clients?status=active");
  EXPECT_NE(active.body.find("/clients/" + kept), std::string::npos);
  EXPECT_EQ(active.body.find("/clients/" + gone), std::string::npos);
  // The search keeps the filter: an archived client is not among the active ones.
  EXPECT_EQ(Search("status=active&q=arthur").body.find("/clients/" + gone), std::string::npos);
  EXPECT_NE(Search("status=archived&q=arthur").body.find("/clients/" + gone),
            std::string::npos);
  EXPECT_EQ(h_->Call(a_, "GET", "/clients?status=gone").status, 400);

  // 25 to a page: the 26th to 28th are on the second, reached by a link with a cursor only.
  for (int i = 0; i < 26; ++i) {
    NewClient("Zed Number");
  }
  const Response first = h_->Call(a_, "GET", "/clients");
  static const std::regex next(R"re(href="(/clients\?status=all&amp;cursor=([^"]+))">Next page)re");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(first.body, m, next)) << first.body;
  EXPECT_EQ(m[1].str().find("Zed"), std::string::npos);
  const Response second = h_->Call(a_, "GET", "/clients?status=all&cursor=" + m[2].str());
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(Count(second.body, R"(<td data-label="Client">)"), 3U);
  EXPECT_EQ(second.body.find("Next page"), std::string::npos);
  EXPECT_NE(second.body.find("First page"), std::string::npos);
  // A search's next page is a form again, the text in its body.
  const Response zeds = Search("q=zed");
  EXPECT_NE(zeds.body.find(R"(name="cursor" value=")"), std::string::npos);
  EXPECT_EQ(UrlsOf(zeds.body).find("zed"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Engines, ClientListTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
