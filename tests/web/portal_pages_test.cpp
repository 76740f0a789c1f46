// The client portal's pages (docs/portal.md § Pages) on the real app, both engines: the
// therapist's Portal tab (inviting by the record's address, the access, sharing and
// revoking one item at a time, the history), "What this client sees now" (the client's
// home by the same code, read-only), the invitation's page, and the client's portal (the
// home, one item, a questionnaire filled in signed in, sign-out), with what each role may
// not reach.
#include <gtest/gtest.h>

#include <regex>

#include "crypto/secret.hpp"
#include "measures/service.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"

namespace alcove::web {
namespace {

using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;

const identity::Caller kCaller{.ip = "192.0.2.70", .user_agent = "PortalPagesTest/1.0"};
constexpr const char* kSummaryText = "We worked on the sleep diary; Quentavia keeps it daily.";

std::string TitleOf(const std::string& html) {
  const auto a = html.find("<title>");
  const auto b = html.find("</title>");
  return a == std::string::npos || b == std::string::npos ? "" : html.substr(a + 7, b - a - 7);
}

std::size_t Count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// The text of the home's body (<div class="portal-home">…</div>), tags dropped and
// spaces squeezed: what a person reads of it.
std::string HomeText(const std::string& html) {
  const auto a = html.find(R"(<div class="portal-home">)");
  if (a == std::string::npos) {
    return "<no portal-home>";
  }
  // The body holds no nested div: its end is the first </div> after it.
  const auto b = html.find("</div>", a);
  std::string part = html.substr(a, b - a);
  part = std::regex_replace(part, std::regex("<[^>]*>"), " ");
  part = std::regex_replace(part, std::regex("\\s+"), " ");
  return part;
}

class PortalPagesTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("portal-pages@alcove.test", "192.0.2.71");
    auto made = h_->Call(a_, "POST", "/api/v1/clients",
                         R"({"name":"Quentavia Brumblethorn","email":"qb@example.net"})");
    ASSERT_EQ(made.status, 201) << made.body;
    client_ = JsonMember(made.body, "id");
    measures_ = std::make_unique<measures::Measures>(h_->db(), h_->practice(), h_->identity(),
                                                     h_->log(), SystemClock::Instance());
  }

  identity::TherapistScope Scope() { return *identity::TherapistScope::From(h_->PrincipalOf(a_)); }

  Response Form(AppBrowser& b, const std::string& target, const std::string& fields) {
    return h_->Call(b, "POST", target,
                    "csrf_token=" + b.csrf + (fields.empty() ? "" : "&" + fields),
                    "application/x-www-form-urlencoded");
  }
  Response Get(AppBrowser& b, const std::string& target) { return h_->Call(b, "GET", target); }

  std::string Reviewed(const std::string& text) {
    auto s = h_->practice().CreateSummary(Scope(), client_, crypto::PhiString(std::string(text)),
                                          std::nullopt, kCaller);
    EXPECT_TRUE(s) << s.error().internal;
    auto r = h_->practice().ReviewSummary(Scope(), s->id, kCaller);
    EXPECT_TRUE(r) << r.error().internal;
    return s->id;
  }

  // A PHQ-9 assigned on the page and filled in on the public side.
  void SubmitPhq9(const std::vector<std::uint8_t>& values) {
    auto res = Form(a_, "/clients/" + client_ + "/measures", "instrument=phq-9&lifetime_hours=168");
    ASSERT_EQ(res.status, 200) << res.body;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        res.body, m, std::regex(R"re(value="https://alcove\.test/q/([A-Za-z0-9_-]+)")re")));
    auto done =
        measures_->Submit(crypto::SecretString(m[1].str()), measures::Answers(values), kCaller);
    ASSERT_TRUE(done) << done.error().internal;
  }

  // Invites the client on the tab; the token of the mailed link.
  std::string Invite() {
    const std::size_t before = h_->Sent().size();
    auto res = Form(a_, "/clients/" + client_ + "/portal/invite", "");
    EXPECT_EQ(res.status, 303) << res.body;
    EXPECT_EQ(res.headers.Get("Location").value_or(""),
              "/clients/" + client_ + "/portal?done=invited");
    const auto sent = h_->Sent();
    EXPECT_EQ(sent.size(), before + 1);
    if (sent.size() != before + 1) {
      return "";
    }
    const std::string link = sent.back().link();
    const auto at = link.find("/portal/accept#token=");
    EXPECT_NE(at, std::string::npos) << link;
    return at == std::string::npos ? "" : link.substr(at + 21);
  }

  // The client's browser, signed in by accepting the invitation on its page.
  AppBrowser Accept(const std::string& token) {
    AppBrowser c{.ip = "192.0.2.72", .cookies = {}, .csrf = {}};
    auto res = h_->Call(c, "POST", "/portal/accept", "token=" + token,
                        "application/x-www-form-urlencoded", false);
    EXPECT_EQ(res.status, 303) << res.body;
    EXPECT_EQ(res.headers.Get("Location").value_or(""), "/portal?done=welcome");
    res = h_->Call(c, "GET", "/api/v1/me");
    EXPECT_EQ(res.status, 200) << res.body;
    c.csrf = JsonMember(res.body, "csrf_token");
    return c;
  }

  // Shares on the tab; the share's id from the history.
  std::string Share(const std::string& kind, const std::string& item) {
    auto res =
        Form(a_, "/clients/" + client_ + "/portal/shares", "kind=" + kind + "&item_id=" + item);
    EXPECT_EQ(res.status, 303) << res.body;
    auto list = h_->Call(a_, "GET", "/api/v1/clients/" + client_ + "/shares");
    EXPECT_EQ(list.status, 200) << list.body;
    const auto json = testing::ParseJson(list);
    for (const auto& s : json.is_array() ? json.as_array() : boost::json::array{}) {
      const auto& o = s.as_object();
      if (o.at("kind").as_string() == kind && o.at("item_id").as_string() == item &&
          o.at("revoked_at").is_null()) {
        return std::string(o.at("id").as_string());
      }
    }
    ADD_FAILURE() << "no live share of " << kind << " " << item << ": " << list.body;
    return "";
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  std::string client_;
  std::unique_ptr<measures::Measures> measures_;
};

TEST_P(PortalPagesTest, C27C53TheTabInvitesByTheRecordsAddressWithALinkOnlyMail) {
  auto page = Get(a_, "/clients/" + client_ + "/portal");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("Not invited"), std::string::npos);
  EXPECT_NE(page.body.find(R"(action="/clients/)" + client_ + R"(/portal/invite")"),
            std::string::npos);
  EXPECT_EQ(TitleOf(page.body), "Q.B. · Client portal · Alcove");
  EXPECT_EQ(page.body.find("Brumblethorn"), std::string::npos);
  // The record's page has the tab and a line.
  auto record = Get(a_, "/clients/" + client_);
  ASSERT_EQ(record.status, 200);
  EXPECT_NE(record.body.find(R"(href="/clients/)" + client_ + R"(/portal")"), std::string::npos);
  EXPECT_NE(record.body.find("Not invited. The client has no access to the portal."),
            std::string::npos);

  // Before any invitation the preview shows the empty home, and says the client cannot
  // open it.
  auto preview = Get(a_, "/clients/" + client_ + "/portal-view");
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_NE(preview.body.find("Not invited: the client cannot open the portal now."),
            std::string::npos);
  EXPECT_NE(preview.body.find("Nothing is shared with you yet."), std::string::npos);

  const std::string token = Invite();
  ASSERT_FALSE(token.empty());
  const auto mail = h_->Sent().back();
  EXPECT_EQ(mail.kind(), mail::MailKind::kPortalInvitation);
  EXPECT_EQ(mail.to(), "qb@example.net");
  const std::string text = mail.Body() + std::string(mail.subject());
  for (const char* content : {"Quentavia", "Brumblethorn", "Q.B."}) {
    EXPECT_EQ(text.find(content), std::string::npos) << content;
  }
  page = Get(a_, "/clients/" + client_ + "/portal?done=invited");
  EXPECT_NE(page.body.find("Invitation sent"), std::string::npos);
  EXPECT_NE(page.body.find("Not accepted yet."), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("Send a new invitation"), std::string::npos);
  EXPECT_NE(page.body.find("Cancel the invitation"), std::string::npos);

  // A record without an address: the page says why, and nothing is mailed.
  auto other = h_->Call(a_, "POST", "/api/v1/clients", R"({"name":"Noaddress Person"})");
  const std::string no_mail = JsonMember(other.body, "id");
  const std::size_t before = h_->Sent().size();
  auto refused = Form(a_, "/clients/" + no_mail + "/portal/invite", "");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find(R"(role="alert")"), std::string::npos);
  EXPECT_EQ(h_->Sent().size(), before);
}

TEST_P(PortalPagesTest, C27TheAcceptPageTakesTheTokenFromTheFragmentAndAUsedLinkIsRefused) {
  AppBrowser visitor{.ip = "192.0.2.73", .cookies = {}, .csrf = {}};
  auto page = Get(visitor, "/portal/accept");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("data-fragment-token"), std::string::npos);
  EXPECT_NE(page.body.find(R"(<script src="/static/fragment-token.js">)"), std::string::npos);
  EXPECT_NE(page.body.find("<noscript>"), std::string::npos);
  EXPECT_NE(page.body.find("Paste the link instead"), std::string::npos);

  const std::string token = Invite();
  AppBrowser client = Accept(token);
  auto home = Get(client, "/portal?done=welcome");
  ASSERT_EQ(home.status, 200) << home.body;
  EXPECT_NE(home.body.find("Welcome. You are signed in"), std::string::npos);
  // The link works once; a pasted whole link and a wrong one are refused in words.
  AppBrowser again{.ip = "192.0.2.74", .cookies = {}, .csrf = {}};
  auto used = h_->Call(again, "POST", "/portal/accept",
                       "token=https%3A%2F%2Falcove.test%2Fportal%2Faccept%23token%3D" + token,
                       "application/x-www-form-urlencoded", false);
  EXPECT_EQ(used.status, 410) << used.body;
  EXPECT_NE(used.body.find(R"(role="alert")"), std::string::npos);
  EXPECT_TRUE(again.cookies.empty() || !again.cookies.contains("__Host-alcove_session"));
  auto wrong = h_->Call(again, "POST", "/portal/accept", "token=nonsense",
                        "application/x-www-form-urlencoded", false);
  EXPECT_EQ(wrong.status, 410);
  // The tab says the client uses the portal now.
  auto tab = Get(a_, "/clients/" + client_ + "/portal");
  EXPECT_NE(tab.body.find("Using the portal"), std::string::npos);
  EXPECT_NE(tab.body.find("End portal access"), std::string::npos);
}

TEST_P(PortalPagesTest, C21ASharedItemIsOnTheNextPageAndRevokedItIsGoneEvenFromAnOpenPage) {
  const std::string summary = Reviewed(kSummaryText);
  SubmitPhq9({2, 2, 1, 1, 1, 1, 1, 0, 0, 1});
  SubmitPhq9({1, 1, 1, 0, 0, 1, 0, 0, 0, 1});
  AppBrowser client = Accept(Invite());
  auto home = Get(client, "/portal");
  ASSERT_EQ(home.status, 200) << home.body;
  EXPECT_NE(home.body.find("Nothing is shared with you yet."), std::string::npos);

  const std::string s1 = Share("summary", summary);
  const std::string s2 = Share("trend", "phq-9");
  home = Get(client, "/portal");
  ASSERT_EQ(home.status, 200);
  EXPECT_EQ(TitleOf(home.body), "Your portal · Alcove");
  // Newest first, both new.
  const auto at_trend = home.body.find(R"(href="/portal/items/)" + s2 + R"(")");
  const auto at_summary = home.body.find(R"(href="/portal/items/)" + s1 + R"(")");
  ASSERT_NE(at_trend, std::string::npos) << home.body;
  ASSERT_NE(at_summary, std::string::npos);
  EXPECT_LT(at_trend, at_summary);
  EXPECT_EQ(Count(home.body, "badge-unconfirmed\">New"), 2u);
  EXPECT_EQ(home.body.find(kSummaryText), std::string::npos);  // content on its page only

  // The summary's page: its text; opened from now on.
  auto item = Get(client, "/portal/items/" + s1);
  ASSERT_EQ(item.status, 200) << item.body;
  EXPECT_NE(item.body.find("We worked on the sleep diary"), std::string::npos);
  EXPECT_EQ(TitleOf(item.body), "Shared with you · Alcove");
  auto trend = Get(client, "/portal/items/" + s2);
  ASSERT_EQ(trend.status, 200);
  EXPECT_NE(trend.body.find(R"(<svg class="trend-chart" role="img")"), std::string::npos);
  EXPECT_NE(trend.body.find("PHQ-9 total score as a table"), std::string::npos) << trend.body;
  home = Get(client, "/portal");
  EXPECT_EQ(Count(home.body, "portal-opened\">Opened"), 2u);

  // Revoked on the tab: gone from the next page, and the page already open is 404.
  auto res = Form(a_, "/clients/" + client_ + "/portal/shares/" + s1 + "/revoke", "");
  ASSERT_EQ(res.status, 303) << res.body;
  home = Get(client, "/portal");
  EXPECT_EQ(home.body.find("/portal/items/" + s1), std::string::npos);
  EXPECT_NE(home.body.find("/portal/items/" + s2), std::string::npos);
  item = Get(client, "/portal/items/" + s1);
  EXPECT_EQ(item.status, 404);
  EXPECT_EQ(item.body.find("sleep diary"), std::string::npos);

  // The history keeps both, with when each was shared and stopped.
  auto tab = Get(a_, "/clients/" + client_ + "/portal?done=revoked");
  EXPECT_NE(tab.body.find("No longer shared."), std::string::npos);
  EXPECT_EQ(Count(tab.body, "<th scope=\"row\" data-label=\"What\">"), 2u) << tab.body;
  EXPECT_EQ(Count(tab.body, "Still shared"), 1u);
  EXPECT_NE(tab.body.find("PHQ-9 over time"), std::string::npos);
  // The summary can be shared again (a new share; the old one stays in the history).
  Share("summary", summary);
  tab = Get(a_, "/clients/" + client_ + "/portal");
  EXPECT_EQ(Count(tab.body, "<th scope=\"row\" data-label=\"What\">"), 3u);
}

TEST_P(PortalPagesTest, C21WhatThisClientSeesNowIsTheClientsHomeReadOnly) {
  const std::string summary = Reviewed(kSummaryText);
  SubmitPhq9({1, 1, 1, 1, 1, 1, 1, 0, 0, 1});
  AppBrowser client = Accept(Invite());
  const std::string s1 = Share("summary", summary);
  Share("trend", "phq-9");
  // A questionnaire waiting for the client.
  auto res = Form(a_, "/clients/" + client_ + "/measures", "instrument=gad-7&lifetime_hours=168");
  ASSERT_EQ(res.status, 200);

  auto preview = Get(a_, "/clients/" + client_ + "/portal-view");
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_NE(preview.body.find("A preview, read-only."), std::string::npos);
  EXPECT_EQ(TitleOf(preview.body), "Q.B. · What this client sees now · Alcove");
  auto home = Get(client, "/portal");
  ASSERT_EQ(home.status, 200);
  EXPECT_EQ(HomeText(preview.body), HomeText(home.body));
  EXPECT_NE(HomeText(home.body).find("Fill in the GAD-7"), std::string::npos)
      << HomeText(home.body);
  // Read-only: no form to fill in, links to the preview's own item pages.
  EXPECT_EQ(preview.body.find("/portal/questionnaires/"), std::string::npos);
  EXPECT_NE(preview.body.find(R"(aria-disabled="true">Fill in the GAD-7)"), std::string::npos);
  const std::string item_href = "/clients/" + client_ + "/portal-view/items/" + s1;
  EXPECT_NE(preview.body.find(item_href), std::string::npos);
  auto item = Get(a_, item_href);
  ASSERT_EQ(item.status, 200) << item.body;
  EXPECT_NE(item.body.find("We worked on the sleep diary"), std::string::npos);
  // The therapist's look marks nothing as opened.
  home = Get(client, "/portal");
  EXPECT_EQ(Count(home.body, "portal-opened\">Opened"), 0u);
  // A result shared too: its scores with their range, on both sides alike.
  std::smatch m;
  const std::string tab = Get(a_, "/clients/" + client_ + "/portal").body;
  ASSERT_TRUE(
      std::regex_search(tab, m, std::regex(R"re(data-kind="result" data-item="([0-9a-f]+)")re")))
      << tab;
  const std::string s3 = Share("result", m[1].str());
  auto result = Get(client, "/portal/items/" + s3);
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_NE(result.body.find("on a scale from 0 to 27"), std::string::npos) << result.body;
  EXPECT_NE(result.body.find("PHQ-9 total score"), std::string::npos);
  EXPECT_EQ(HomeText(Get(a_, "/clients/" + client_ + "/portal-view").body),
            HomeText(Get(client, "/portal").body));
}

TEST_P(PortalPagesTest, C22OnlyReviewedSummariesResultsAndTrendsAreOffered) {
  const std::string reviewed = Reviewed("Reviewed words.");
  auto draft = h_->practice().CreateSummary(
      Scope(), client_, crypto::PhiString(std::string("Draft words.")), std::nullopt, kCaller);
  ASSERT_TRUE(draft);
  auto note =
      h_->Call(a_, "POST", "/api/v1/clients/" + client_ + "/notes",
               R"({"session_date":"2026-11-20","format":"soap","content":{"subjective":"s"}})");
  ASSERT_EQ(note.status, 201) << note.body;
  const std::string note_id = JsonMember(note.body, "id");
  auto tab = Get(a_, "/clients/" + client_ + "/portal");
  EXPECT_NE(tab.body.find(R"(value=")" + reviewed + R"(")"), std::string::npos);
  EXPECT_EQ(tab.body.find(draft->id), std::string::npos);
  EXPECT_NE(tab.body.find("No questionnaire results yet."), std::string::npos);
  // The reviewed summary's page leads to the tab; the draft's does not.
  const std::string to_tab = R"(href="/clients/)" + client_ + R"(/portal")";
  EXPECT_NE(Get(a_, "/summaries/" + reviewed).body.find(to_tab), std::string::npos);
  EXPECT_EQ(Get(a_, "/summaries/" + draft->id).body.find(to_tab), std::string::npos);
  // A draft, a note, a kind that does not exist: refused, nothing shared.
  for (const std::string& fields :
       {"kind=summary&item_id=" + draft->id, "kind=summary&item_id=" + note_id,
        "kind=note&item_id=" + note_id, std::string("kind=conceptualization&item_id=x")}) {
    auto res = Form(a_, "/clients/" + client_ + "/portal/shares", fields);
    EXPECT_GE(res.status, 400) << fields;
    EXPECT_LT(res.status, 500) << fields << res.body;
  }
  auto list = h_->Call(a_, "GET", "/api/v1/clients/" + client_ + "/shares");
  EXPECT_EQ(list.body, "[]");
}

TEST_P(PortalPagesTest, C23EndingAccessSignsTheClientOutAtOnce) {
  AppBrowser client = Accept(Invite());
  ASSERT_EQ(Get(client, "/portal").status, 200);
  auto res = Form(a_, "/clients/" + client_ + "/portal/end", "");
  ASSERT_EQ(res.status, 303) << res.body;
  auto after = Get(client, "/portal");
  EXPECT_EQ(after.status, 303);
  EXPECT_TRUE(after.headers.Get("Location").value_or("").starts_with("/signin"));
  auto tab = Get(a_, "/clients/" + client_ + "/portal?done=ended");
  EXPECT_NE(tab.body.find("Portal access ended."), std::string::npos);
  EXPECT_NE(tab.body.find("Access ended"), std::string::npos);
  EXPECT_NE(tab.body.find("Invite to the portal"), std::string::npos);
}

TEST_P(PortalPagesTest, C31EachSideReachesOnlyItsOwnPages) {
  AppBrowser client = Accept(Invite());
  for (const std::string& target :
       {"/clients/" + client_ + "/portal", "/clients/" + client_ + "/portal-view",
        "/clients/" + client_, std::string("/")}) {
    auto res = Get(client, target);
    if (target == "/") {
      EXPECT_EQ(res.status, 200);
      EXPECT_NE(res.body.find(R"(href="/portal")"), std::string::npos);
      continue;
    }
    EXPECT_EQ(res.status, 403) << target;
  }
  EXPECT_EQ(
      Form(client, "/clients/" + client_ + "/portal/shares", "kind=trend&item_id=phq-9").status,
      403);
  for (const char* target : {"/portal", "/portal/items/x"}) {
    EXPECT_EQ(Get(a_, target).status, 403) << target;
  }
  // Another therapist's client is not found on every page of the tab.
  AppBrowser b = h_->SignUpTherapist("other-portal@alcove.test", "192.0.2.75");
  for (const std::string& target :
       {"/clients/" + client_ + "/portal", "/clients/" + client_ + "/portal-view"}) {
    EXPECT_EQ(Get(b, target).status, 404) << target;
  }
  EXPECT_EQ(Form(b, "/clients/" + client_ + "/portal/invite", "").status, 404);
  EXPECT_EQ(Form(b, "/clients/" + client_ + "/portal/end", "").status, 404);
  // The client's navigation offers their portal.
  auto home = Get(client, "/portal");
  EXPECT_NE(home.body.find(R"(<a href="/portal" aria-current="page">Your portal</a>)"),
            std::string::npos);
  EXPECT_NE(home.body.find(R"(action="/signout")"), std::string::npos);
  EXPECT_NE(home.body.find("(this browser)"), std::string::npos);
}

TEST_P(PortalPagesTest, AQuestionnaireIsFilledInSignedInWithThePublicFormsQuestions) {
  auto res = Form(a_, "/clients/" + client_ + "/measures", "instrument=phq-9&lifetime_hours=168");
  ASSERT_EQ(res.status, 200);
  AppBrowser client = Accept(Invite());
  auto home = Get(client, "/portal");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      home.body, m, std::regex(R"re(href="(/portal/questionnaires/[A-Za-z0-9_-]+)")re")))
      << home.body;
  const std::string form = m[1].str();
  auto page = Get(client, form);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(TitleOf(page.body), "Questionnaire · Alcove");
  EXPECT_NE(page.body.find(R"(name="csrf_token" value=")" + client.csrf + R"(")"),
            std::string::npos);
  EXPECT_NE(page.body.find(R"(name="item9")"), std::string::npos);
  EXPECT_NE(page.body.find("Back to your portal"), std::string::npos);
  // Missing answers: the form again with what is missing.
  auto missing = Form(client, form, "item1=1");
  EXPECT_EQ(missing.status, 422);
  EXPECT_NE(missing.body.find("Question 2 needs an answer."), std::string::npos);
  EXPECT_NE(missing.body.find(R"(value="1" checked)"), std::string::npos);
  std::string fields;
  for (int i = 1; i <= 10; ++i) {
    fields += (i == 1 ? "" : "&") + std::string("item") + std::to_string(i) + "=1";
  }
  auto sent = Form(client, form, fields);
  ASSERT_EQ(sent.status, 303) << sent.body;
  EXPECT_EQ(sent.headers.Get("Location").value_or(""), "/portal?done=sent");
  home = Get(client, "/portal?done=sent");
  EXPECT_NE(home.body.find("Your answers have been sent."), std::string::npos);
  EXPECT_EQ(home.body.find("/portal/questionnaires/"), std::string::npos);
  EXPECT_EQ(Get(client, form).status, 404);
  // The therapist has the result.
  auto tab = Get(a_, "/clients/" + client_ + "/portal");
  EXPECT_NE(tab.body.find("PHQ-9 over time"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Engines, PortalPagesTest,
                         ::testing::Values(testing::TestEngine::kSqlite,
                                           testing::TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == testing::TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
