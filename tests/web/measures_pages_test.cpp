// The therapist's questionnaire pages (docs/measures.md § Pages, § The safety flag) on the
// real app, both engines: the page, assigning with the link shown once, cancelling, the
// trend chart with its bands and the table of the same numbers, the answers, the safety
// flag on the Today and client pages until reviewed, tenants, titles.
#include <gtest/gtest.h>

#include <regex>

#include "core/clock.hpp"
#include "measures/service.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"

namespace alcove::web {
namespace {

using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;
using testing::TestEngine;

const identity::Caller kCaller{.ip = "192.0.2.90", .user_agent = "MeasuresPagesTest/1.0"};

class MeasuresPagesTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("mpages@alcove.test", "192.0.2.91");
    client_ = NewClient(a_, "Quillon Vexwhistle");
    // The public side, on the same parts as the app's (the form's routes are another
    // part's): a service of our own submits what a client would.
    measures_ = std::make_unique<measures::Measures>(h_->db(), h_->practice(), h_->identity(),
                                                     h_->log(), SystemClock::Instance());
  }

  std::string NewClient(AppBrowser& b, const std::string& name) {
    auto res = h_->Call(b, "POST", "/api/v1/clients", R"({"name":")" + name + R"("})");
    EXPECT_EQ(res.status, 201) << res.body;
    return JsonMember(res.body, "id");
  }

  Response Form(AppBrowser& b, const std::string& target, const std::string& fields) {
    return h_->Call(b, "POST", target, "csrf_token=" + b.csrf + "&" + fields,
                    "application/x-www-form-urlencoded");
  }

  // Assigns through the page; the token of the link it shows.
  std::string AssignToken(const std::string& instrument = "phq-9") {
    auto res = Form(a_, "/clients/" + client_ + "/measures",
                    "instrument=" + instrument + "&lifetime_hours=168");
    EXPECT_EQ(res.status, 200) << res.body;
    std::smatch m;
    EXPECT_TRUE(std::regex_search(
        res.body, m, std::regex(R"re(value="https://alcove\.test/q/([A-Za-z0-9_-]+)")re")))
        << res.body;
    return m.size() > 1 ? m[1].str() : "";
  }

  // A PHQ-9 filled in with `values` (nine items, then the difficulty question).
  void SubmitPhq9(const std::vector<std::uint8_t>& values) {
    const std::string token = AssignToken();
    auto done = measures_->Submit(crypto::SecretString(token), measures::Answers(values), kCaller);
    ASSERT_TRUE(done) << done.error().internal;
  }

  std::string Page() {
    auto res = h_->Call(a_, "GET", "/clients/" + client_ + "/measures");
    EXPECT_EQ(res.status, 200) << res.body;
    return res.body;
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  std::string client_;
  std::unique_ptr<measures::Measures> measures_;
};

std::string TitleOf(const std::string& html) {
  const auto a = html.find("<title>");
  const auto b = html.find("</title>");
  return a == std::string::npos || b == std::string::npos ? "" : html.substr(a, b - a);
}

std::size_t Count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) {
    ++n;
  }
  return n;
}

TEST_P(MeasuresPagesTest, ThePageRendersWithTheAssignFormAndNoNameInTheTitle) {
  const std::string page = Page();
  EXPECT_NE(page.find("Ask for a questionnaire"), std::string::npos);
  EXPECT_NE(page.find(R"(<option value="phq-9" selected>)"), std::string::npos) << page;
  EXPECT_NE(page.find(R"(<option value="gad-7">)"), std::string::npos);
  EXPECT_NE(page.find(R"(<option value="168" selected>7 days</option>)"), std::string::npos);
  EXPECT_NE(page.find(R"(<option value="1">1 hour</option>)"), std::string::npos);
  EXPECT_NE(page.find(R"(<option value="720">30 days</option>)"), std::string::npos);
  EXPECT_NE(page.find("/clients/" + client_ + "/measures/schedules"), std::string::npos);
  EXPECT_NE(page.find("No results yet."), std::string::npos);
  const std::string title = TitleOf(page);
  EXPECT_NE(title.find("Q.V. · Questionnaires"), std::string::npos) << title;
  EXPECT_EQ(title.find("Quillon"), std::string::npos);
  EXPECT_EQ(title.find("Vexwhistle"), std::string::npos);
  EXPECT_EQ(page.find("Vexwhistle"), std::string::npos);  // the alias is enough here
}

TEST_P(MeasuresPagesTest, C27AssigningShowsTheLinkOnceWithItsQrCodeAndAReloadDoesNot) {
  auto res = Form(a_, "/clients/" + client_ + "/measures", "instrument=gad-7&lifetime_hours=24");
  ASSERT_EQ(res.status, 200) << res.body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      res.body, m, std::regex(R"re(<input id="shown-link-url" type="text" readonly value="https://alcove\.test(/q/[A-Za-z0-9_-]{20,})")re")))
      << res.body;
  const std::string path = m[1].str();
  EXPECT_NE(res.body.find(R"(<svg class="qr" role="img" aria-label="QR code of the link")"),
            std::string::npos);
  EXPECT_NE(res.body.find(R"(href=")" + path + R"(")"), std::string::npos);
  EXPECT_NE(res.body.find("Open the form now, with the client"), std::string::npos);
  EXPECT_NE(res.body.find("The GAD-7 link"), std::string::npos);
  EXPECT_EQ(TitleOf(res.body).find(path), std::string::npos);
  // Waiting, with its Cancel; the link itself is not on the page any more.
  const std::string page = Page();
  EXPECT_EQ(page.find(path), std::string::npos);
  EXPECT_EQ(page.find("shown-link-url"), std::string::npos);
  EXPECT_EQ(page.find(R"(class="qr")"), std::string::npos);
  EXPECT_NE(page.find("GAD-7, sent"), std::string::npos) << page;
  EXPECT_NE(page.find("/cancel"), std::string::npos);
}

// claim: C53 — the page's "Also email the link" mails the link alone to the record's
// address; a record without one says so and nothing is made.
TEST_P(MeasuresPagesTest, C53ThePageMailsTheLinkOnlyWhenAskedAndNeedsAnAddress) {
  const std::size_t before = h_->Sent().size();
  auto res = Form(a_, "/clients/" + client_ + "/measures",
                  "instrument=phq-9&lifetime_hours=168&send_email=on");
  EXPECT_EQ(res.status, 422) << res.body;
  EXPECT_NE(res.body.find("no email address"), std::string::npos) << res.body;
  EXPECT_EQ(res.body.find("shown-link-url"), std::string::npos);
  EXPECT_EQ(h_->Sent().size(), before);
  auto none = measures_->ListAssignments(*identity::TherapistScope::From(h_->PrincipalOf(a_)),
                                         client_);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  auto made = h_->Call(a_, "POST", "/api/v1/clients",
                       R"({"name":"Zorblatt Quixotic","email":"zq@example.net"})");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string mailed_client = JsonMember(made.body, "id");
  res = Form(a_, "/clients/" + mailed_client + "/measures",
             "instrument=gad-7&lifetime_hours=24&send_email=on");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("also emailed to the client"), std::string::npos);
  const auto sent = h_->Sent();
  ASSERT_EQ(sent.size(), before + 1);
  EXPECT_EQ(sent.back().kind(), mail::MailKind::kQuestionnaireLink);
  EXPECT_EQ(sent.back().to(), "zq@example.net");
  EXPECT_NE(res.body.find(R"(value=")" + sent.back().link() + R"(")"), std::string::npos);
  const std::string text = sent.back().Body() + std::string(sent.back().subject());
  for (const char* content : {"Zorblatt", "Z.Q.", "GAD", "gad"}) {
    EXPECT_EQ(text.find(content), std::string::npos) << content;
  }
  // Without the box, no mail.
  res = Form(a_, "/clients/" + mailed_client + "/measures", "instrument=phq-9&lifetime_hours=24");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(h_->Sent().size(), before + 1);
  EXPECT_EQ(res.body.find("also emailed to the client"), std::string::npos);
}

TEST_P(MeasuresPagesTest, RefusedFormsSayWhyInWords) {
  auto res = Form(a_, "/clients/" + client_ + "/measures", "instrument=bdi-ii&lifetime_hours=168");
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("Choose one of the questionnaires offered."), std::string::npos);
  EXPECT_EQ(res.body.find("shown-link-url"), std::string::npos);
  res = Form(a_, "/clients/" + client_ + "/measures", "instrument=phq-9&lifetime_hours=5000");
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("Choose how long the link lasts."), std::string::npos);
  auto list = measures_->ListAssignments(*identity::TherapistScope::From(h_->PrincipalOf(a_)),
                                         client_);
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());  // nothing half made
}

TEST_P(MeasuresPagesTest, CancelStopsTheLinkAndTheListSaysSo) {
  const std::string token = AssignToken();
  auto list = measures_->ListAssignments(*identity::TherapistScope::From(h_->PrincipalOf(a_)),
                                         client_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  const std::string id = list->front().id;
  auto res = Form(a_, "/clients/" + client_ + "/measures/assignments/" + id + "/cancel", "");
  ASSERT_EQ(res.status, 303) << res.body;
  EXPECT_EQ(res.headers.Get("Location").value_or(""), "/clients/" + client_ + "/measures");
  const std::string page = Page();
  EXPECT_NE(page.find("No link is waiting."), std::string::npos);
  EXPECT_NE(page.find("PHQ-9, sent"), std::string::npos);
  EXPECT_NE(page.find("Cancelled"), std::string::npos);
  EXPECT_FALSE(measures_->OpenLink(crypto::SecretString(token)));
  // Twice: refused in words.
  res = Form(a_, "/clients/" + client_ + "/measures/assignments/" + id + "/cancel", "");
  EXPECT_EQ(res.status, 409);
  EXPECT_NE(res.body.find("This questionnaire was cancelled already."), std::string::npos);
}

TEST_P(MeasuresPagesTest, TheTrendHasBandsPointsAndATableOfTheSameNumbersAndTheAnswers) {
  SubmitPhq9({2, 2, 2, 2, 2, 2, 2, 2, 0, 1});  // 16, moderately severe
  SubmitPhq9({1, 1, 1, 1, 1, 1, 2, 2, 0, 1});  // 10, moderate: 6 lower (meaningful)
  SubmitPhq9({1, 1, 1, 1, 1, 0, 0, 0, 0, 0});  // 5, mild: a response (>= 50 % below 16)
  const std::string page = Page();
  // The chart: an image with its title and description, the PHQ-9's five bands, a line
  // through three points.
  EXPECT_NE(page.find(R"(<svg class="trend-chart" role="img" aria-labelledby="trend-phq-9-total-title trend-phq-9-total-desc")"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find(R"(<title id="trend-phq-9-total-title">PHQ-9 total score</title>)"),
            std::string::npos);
  EXPECT_NE(page.find("3 results from"), std::string::npos);
  EXPECT_EQ(Count(page, R"(<rect class="band band-)"), 5u);
  for (const char* words : {"none to minimal", "mild", "moderate", "moderately severe", "severe"}) {
    EXPECT_NE(page.find(std::string(">") + words + "</text>"), std::string::npos) << words;
  }
  EXPECT_EQ(Count(page, R"(<circle class="trend-point")"), 3u);
  EXPECT_EQ(Count(page, R"(<polyline class="trend-line")"), 1u);
  // The table: the same numbers, bands and change in words.
  const std::regex row(R"re(<td data-label="Score">(\d+)</td><td data-label="Band">([a-z ]+)</td>)re");
  std::vector<std::pair<std::string, std::string>> rows;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), row); it != std::sregex_iterator();
       ++it) {
    rows.emplace_back((*it)[1].str(), (*it)[2].str());
  }
  const std::vector<std::pair<std::string, std::string>> want = {
      {"16", "moderately severe"}, {"10", "moderate"}, {"5", "mild"}};
  EXPECT_EQ(rows, want);
  EXPECT_NE(page.find("6 points lower than the first result (a meaningful change)"),
            std::string::npos);
  EXPECT_NE(page.find(": 16 (moderately severe)</title>"), std::string::npos);  // a point's words
  // The summary in words, with the response.
  EXPECT_NE(page.find("PHQ-9: 5, mild, 11 points lower than the first (a meaningful change), a "
                      "response (50 % or more below the first)"),
            std::string::npos)
      << page;
  // Every result with its answers: the item's words and the option's.
  EXPECT_NE(page.find("Little interest or pleasure in doing things"), std::string::npos);
  EXPECT_NE(page.find("<strong>More than half the days</strong>"), std::string::npos);
  EXPECT_NE(page.find("<strong>Somewhat difficult</strong>"), std::string::npos) << page;
}

TEST_P(MeasuresPagesTest, TheSafetyFlagIsOnTodayAndTheClientPageUntilReviewed) {
  SubmitPhq9({0, 0, 0, 0, 0, 0, 0, 0, 1, 0});  // total 1, item 9 = 1: flagged all the same
  // Today: an alert with the alias only, a link to the questionnaires, the review form.
  auto today = h_->Call(a_, "GET", "/");
  ASSERT_EQ(today.status, 200);
  EXPECT_NE(today.body.find("Needs your attention"), std::string::npos) << today.body;
  EXPECT_NE(today.body.find("Q.V.: the PHQ-9 of"), std::string::npos);
  EXPECT_NE(today.body.find("raised a flag: self-harm thoughts (item 9)."), std::string::npos);
  EXPECT_EQ(today.body.find("Quillon"), std::string::npos);
  EXPECT_NE(today.body.find("/clients/" + client_ + "/measures#results"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(today.body, m,
                                std::regex(R"re(action="/measures/results/([0-9a-f]{32})/review")re")));
  const std::string result = m[1].str();
  // The client's record: the banner, the summary line, the tab.
  auto record = h_->Call(a_, "GET", "/clients/" + client_);
  ASSERT_EQ(record.status, 200);
  EXPECT_NE(record.body.find("<strong>Safety flag.</strong> The PHQ-9 of"), std::string::npos)
      << record.body;
  EXPECT_NE(record.body.find("PHQ-9: 1, none to minimal, the first result — "), std::string::npos);
  EXPECT_NE(record.body.find(R"(<a href="/clients/)" + client_ + R"(/measures">Questionnaires</a>)"),
            std::string::npos);
  EXPECT_EQ(TitleOf(record.body).find("flag"), std::string::npos);
  // The questionnaires page: the banner and the flagged answer highlighted.
  std::string page = Page();
  EXPECT_NE(page.find("<strong>Safety flag.</strong>"), std::string::npos);
  EXPECT_NE(page.find(R"(<li class="answer-flagged">)"), std::string::npos);
  EXPECT_NE(page.find("<strong>Flag:</strong> self-harm thoughts (item 9)."), std::string::npos);

  // Reviewed from Today: gone from Today and the record's banner; the result stays.
  auto res = Form(a_, "/measures/results/" + result + "/review", "back=today");
  ASSERT_EQ(res.status, 303) << res.body;
  EXPECT_EQ(res.headers.Get("Location").value_or(""), "/");
  today = h_->Call(a_, "GET", "/");
  EXPECT_EQ(today.body.find("raised a flag"), std::string::npos);
  EXPECT_EQ(today.body.find("Needs your attention"), std::string::npos);
  record = h_->Call(a_, "GET", "/clients/" + client_);
  EXPECT_EQ(record.body.find("Safety flag."), std::string::npos);
  EXPECT_NE(record.body.find("PHQ-9: 1, none to minimal"), std::string::npos);
  page = Page();
  EXPECT_EQ(page.find("<strong>Safety flag.</strong>"), std::string::npos);
  EXPECT_NE(page.find("<strong>Flag:</strong> self-harm thoughts (item 9)."), std::string::npos);
  // Twice is no error: it is reviewed, as asked.
  res = Form(a_, "/measures/results/" + result + "/review", "client=" + client_);
  EXPECT_EQ(res.status, 303);
  EXPECT_EQ(res.headers.Get("Location").value_or(""), "/clients/" + client_ + "/measures#results");
}

TEST_P(MeasuresPagesTest, AResultWithoutAFlagIsALineOnTodayUntilReviewed) {
  SubmitPhq9({1, 1, 0, 0, 0, 0, 0, 0, 0, 0});
  auto today = h_->Call(a_, "GET", "/");
  EXPECT_NE(today.body.find("New questionnaire results"), std::string::npos);
  EXPECT_NE(today.body.find("Q.V. filled in the PHQ-9"), std::string::npos);
  EXPECT_EQ(today.body.find("Needs your attention"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(today.body, m,
                                std::regex(R"re(action="/measures/results/([0-9a-f]{32})/review")re")));
  ASSERT_EQ(Form(a_, "/measures/results/" + m[1].str() + "/review", "back=today").status, 303);
  today = h_->Call(a_, "GET", "/");
  EXPECT_EQ(today.body.find("New questionnaire results"), std::string::npos);
}

TEST_P(MeasuresPagesTest, C20AnotherTherapistsClientAndResultAreNotFound) {
  SubmitPhq9({0, 0, 0, 0, 0, 0, 0, 0, 2, 0});
  auto today = h_->Call(a_, "GET", "/");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(today.body, m,
                                std::regex(R"re(action="/measures/results/([0-9a-f]{32})/review")re")));
  const std::string result = m[1].str();
  AppBrowser other = h_->SignUpTherapist("mpages-other@alcove.test", "192.0.2.92");
  EXPECT_EQ(h_->Call(other, "GET", "/clients/" + client_ + "/measures").status, 404);
  EXPECT_EQ(Form(other, "/clients/" + client_ + "/measures", "instrument=phq-9&lifetime_hours=168")
                .status,
            404);
  EXPECT_EQ(Form(other, "/measures/results/" + result + "/review", "back=today").status, 404);
  EXPECT_EQ(Form(other, "/clients/" + client_ + "/measures/assignments/" + result + "/cancel", "")
                .status,
            404);
  // Nothing of the first therapist's on the other's Today page; the flag still stands.
  auto theirs = h_->Call(other, "GET", "/");
  EXPECT_EQ(theirs.body.find("raised a flag"), std::string::npos);
  today = h_->Call(a_, "GET", "/");
  EXPECT_NE(today.body.find("raised a flag"), std::string::npos);
}

TEST_P(MeasuresPagesTest, TheLatestTwentyResultsShowTheirAnswersAndTheTablesHaveEveryOne) {
  for (int i = 0; i < 22; ++i) {
    SubmitPhq9({static_cast<std::uint8_t>(i % 4), 0, 0, 0, 0, 0, 0, 0, 0, 0});
  }
  // Reviewed, so that only the latest twenty are listed with their answers.
  auto scope = identity::TherapistScope::From(h_->PrincipalOf(a_));
  ASSERT_TRUE(scope);
  auto ids = measures_->UnreviewedIds(*scope, client_);
  ASSERT_TRUE(ids);
  ASSERT_EQ(ids->size(), 22u);
  for (const auto& id : *ids) {
    ASSERT_TRUE(measures_->MarkReviewed(*scope, id, kCaller));
  }
  std::string page = Page();
  EXPECT_EQ(Count(page, R"(<td data-label="Score">)"), 22u);
  EXPECT_EQ(Count(page, R"(<circle class="trend-point")"), 22u);
  EXPECT_EQ(Count(page, R"(<ol class="answers">)"), 20u);
  EXPECT_NE(page.find("2 older ones are in the tables above."), std::string::npos);
  auto all = h_->Call(a_, "GET", "/clients/" + client_ + "/measures?all=1");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(Count(all.body, R"(<ol class="answers">)"), 22u);
  EXPECT_EQ(all.body.find("older ones"), std::string::npos);
}

TEST_P(MeasuresPagesTest, MoreNewResultsThanTodayReadsAreSaidSoAtTheTop) {
  auto scope = identity::TherapistScope::From(h_->PrincipalOf(a_));
  ASSERT_TRUE(scope);
  for (int i = 0; i < 101; ++i) {
    auto a = measures_->Assign(*scope, client_, "phq-2", std::nullopt, kCaller);
    ASSERT_TRUE(a);
    ASSERT_TRUE(measures_->Submit(crypto::SecretString(std::string(a->link.reveal()).substr(3)),
                                  measures::Answers(std::vector<std::uint8_t>{0, 1}), kCaller));
  }
  auto today = h_->Call(a_, "GET", "/");
  ASSERT_EQ(today.status, 200);
  EXPECT_NE(today.body.find("There are more than 100 new questionnaire results"),
            std::string::npos);
  EXPECT_EQ(Count(today.body, "Q.V. filled in the PHQ-2"), 100u);
}

// The benchmark's client (docs/performance.md): 200 results, one page with every one in
// the chart and the table and the 20 latest with their answers.
TEST_P(MeasuresPagesTest, TwoHundredResultsMakeOnePageWithEveryScoreAndTheLatestAnswers) {
  auto scope = identity::TherapistScope::From(h_->PrincipalOf(a_));
  ASSERT_TRUE(scope);
  for (int i = 0; i < 200; ++i) {
    auto a = measures_->Assign(*scope, client_, "phq-9", std::nullopt, kCaller);
    ASSERT_TRUE(a);
    std::vector<std::uint8_t> v(10, static_cast<std::uint8_t>(i % 4));
    v[8] = 0;
    ASSERT_TRUE(measures_->Submit(crypto::SecretString(std::string(a->link.reveal()).substr(3)),
                                  measures::Answers(v), kCaller));
  }
  auto ids = measures_->UnreviewedIds(*scope, client_);
  ASSERT_TRUE(ids);
  for (const auto& id : *ids) {
    ASSERT_TRUE(measures_->MarkReviewed(*scope, id, kCaller));
  }
  for (int round = 0; round < 3; ++round) {  // the log's access lines time each
    const std::string page = Page();
    EXPECT_EQ(Count(page, R"(<td data-label="Score">)"), 200u);
    EXPECT_EQ(Count(page, R"(<circle class="trend-point")"), 200u);
    EXPECT_EQ(Count(page, R"(<ol class="answers">)"), 20u);
  }
}

// New results past the 20 latest are listed to be marked reviewed, without their answers
// (a link to them), except a flagged one, whose answers are always there.
TEST_P(MeasuresPagesTest, NewResultsPastTheLatestTwentyAreListedWithoutTheirAnswers) {
  auto scope = identity::TherapistScope::From(h_->PrincipalOf(a_));
  ASSERT_TRUE(scope);
  for (int i = 0; i < 30; ++i) {
    auto a = measures_->Assign(*scope, client_, "phq-9", std::nullopt, kCaller);
    ASSERT_TRUE(a);
    std::vector<std::uint8_t> v(10, 1);
    v[8] = i == 0 ? 1 : 0;  // the oldest raises the item-9 flag
    ASSERT_TRUE(measures_->Submit(crypto::SecretString(std::string(a->link.reveal()).substr(3)),
                                  measures::Answers(v), kCaller));
  }
  const std::string page = Page();
  // Each of the 30, and the flag box at the top for the flagged one.
  EXPECT_EQ(Count(page, R"(>Mark as reviewed</button>)"), 31u);
  EXPECT_EQ(Count(page, R"(<ol class="answers">)"), 21u);  // the 20 latest and the flagged one
  EXPECT_EQ(Count(page, R"(>Show its answers</a>)"), 9u);
  const std::string all = h_->Call(a_, "GET", "/clients/" + client_ + "/measures?all=1").body;
  EXPECT_EQ(Count(all, R"(<ol class="answers">)"), 30u);
  EXPECT_EQ(Count(all, R"(>Show its answers</a>)"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Engines, MeasuresPagesTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
