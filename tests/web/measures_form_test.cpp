// The public questionnaire form /q/{token} through the whole application, in process, on
// both engines (docs/measures.md § The public form; API.md § Questionnaires): the link
// works once (C27), every unusable link answers one same page, only the link's hash is
// stored, the form is rate limited per address (C30), a submission is audited with ids
// only (C40), the form has no script and comes again with the answers kept, and the
// token never reaches the log.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "audit/log.hpp"
#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "crypto/tokens.hpp"
#include "measures/service.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"

namespace alcove::web {
namespace {

using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;
using testing::TestEngine;

constexpr std::size_t npos = std::string::npos;
constexpr std::string_view kForm = "application/x-www-form-urlencoded";
const identity::Caller kCaller{.ip = "192.0.2.1", .user_agent = "MeasuresFormTest/1.0"};

std::size_t Count(const std::string& text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// A form body of PHQ-9 answers in item order; -1 leaves the item out.
std::string Phq9Body(const std::vector<int>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] < 0) {
      continue;
    }
    out += fmt::format("{}item{}={}", out.empty() ? "" : "&", i + 1, values[i]);
  }
  return out;
}

// Captures what spdlog writes while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
    spdlog::set_level(spdlog::level::trace);
  }
  ~LogCapture() {
    spdlog::set_default_logger(previous_);
    spdlog::set_level(spdlog::level::info);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

class MeasuresFormTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("owner@alcove.test", "192.0.2.1");
    ASSERT_FALSE(a_.csrf.empty());
    auto res = h_->Call(a_, "POST", "/api/v1/clients", R"({"name":"Quentin Marker"})");
    ASSERT_EQ(res.status, 201) << res.body;
    client_ = JsonMember(res.body, "id");
    auto scope = identity::TherapistScope::From(h_->PrincipalOf(a_));
    ASSERT_TRUE(scope);
    scope_ = std::make_unique<identity::TherapistScope>(*scope);
    // A service on the app's parts (it holds no state of its own), to make assignments
    // until the assignments API exists; with a clock of its own for expired links.
    m_ = std::make_unique<measures::Measures>(h_->db(), h_->practice(), h_->identity(),
                                              h_->log(), SystemClock::Instance());
  }

  // A new link's path ("/q/TOKEN") for `instrument`.
  std::string Assign(std::string_view instrument = "phq-9",
                     std::optional<Micros> lifetime = std::nullopt) {
    auto a = m_->Assign(*scope_, client_, instrument, lifetime, kCaller);
    EXPECT_TRUE(a) << a.error().internal;
    if (!a) {
      return "/q/none";
    }
    last_assignment_ = a->id;
    return a->link.reveal();
  }

  // A link that expired an hour ago: assigned two hours back with the shortest lifetime.
  std::string AssignExpired() {
    const FakeClock past(SystemClock::Instance().Now() - 2 * measures::kMinLinkLifetime);
    measures::Measures then(h_->db(), h_->practice(), h_->identity(), h_->log(), past);
    auto a = then.Assign(*scope_, client_, "phq-9", measures::kMinLinkLifetime, kCaller);
    EXPECT_TRUE(a) << a.error().internal;
    return a ? a->link.reveal() : "/q/none";
  }

  // A fresh address per step: the form's budget is per address (C30).
  AppBrowser Visitor() {
    return AppBrowser{.ip = fmt::format("198.51.100.{}", ++visitors_), .cookies = {}, .csrf = {}};
  }

  Response Get(const std::string& link) {
    AppBrowser b = Visitor();
    return h_->Call(b, "GET", link);
  }
  Response Post(const std::string& link, const std::string& body) {
    AppBrowser b = Visitor();
    return h_->Call(b, "POST", link, body, std::string(kForm), false);
  }

  std::vector<audit::Event> Events() {
    auto tx = h_->db().Begin();
    EXPECT_TRUE(tx);
    auto events = audit::ListEvents(**tx, scope_->tenant(), std::nullopt, 500);
    EXPECT_TRUE(events);
    std::vector<audit::Event> out;
    if (events) {
      for (auto& e : *events) {
        out.push_back(std::move(e.logged.event));
      }
    }
    return out;
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  std::string client_;
  std::string last_assignment_;
  std::unique_ptr<identity::TherapistScope> scope_;
  std::unique_ptr<measures::Measures> m_;
  int visitors_ = 0;
};

// claim: C27 — the form opens without an account, names the practice and nothing of the
// client, has no script, and takes one submission; afterwards the link is the unusable page.
TEST_P(MeasuresFormTest, C27TheFormWorksOnceWithoutSignInOrScript) {
  const std::string link = Assign();
  ASSERT_TRUE(link.starts_with("/q/"));
  const Response form = Get(link);
  ASSERT_EQ(form.status, 200) << form.body;
  EXPECT_NE(form.body.find("<h1>Patient Health Questionnaire-9 (PHQ-9)</h1>"), npos);
  EXPECT_NE(form.body.find("Dr Test Person asks you to fill in this questionnaire."), npos);
  EXPECT_NE(form.body.find("Over the last 2 weeks, how often have you been bothered"), npos);
  EXPECT_EQ(form.body.find("Quentin"), npos) << "nothing of the client";
  EXPECT_EQ(form.body.find("<script"), npos) << "no script at all";
  EXPECT_NE(form.body.find("<title>Questionnaire · Alcove</title>"), npos);
  EXPECT_EQ(form.headers.Get("Cache-Control").value_or(""), "no-store");
  EXPECT_EQ(form.headers.Get("Referrer-Policy").value_or(""), "no-referrer");
  // Ten questions, each a fieldset with its legend and four labelled radio buttons; the
  // nine scored ones required, the closing difficulty question not.
  EXPECT_EQ(Count(form.body, "<fieldset"), 10u);
  EXPECT_EQ(Count(form.body, "<legend>"), 10u);
  EXPECT_EQ(Count(form.body, "type=\"radio\""), 40u);
  EXPECT_EQ(Count(form.body, " required>"), 36u);
  EXPECT_EQ(Count(form.body, "<label class=\"q-option\" for=\"item"), 40u);
  EXPECT_NE(form.body.find("name=\"item9\" value=\"1\""), npos);
  EXPECT_NE(form.body.find("(you may leave this one out)"), npos);
  EXPECT_EQ(form.body.find("action="), npos) << "the form posts to its own address";

  const Response done = Post(link, Phq9Body({1, 0, 2, 1, 0, 0, 1, 0, 1, -1}));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_NE(done.body.find("Your answers have been sent to Dr Test Person."), npos);
  for (const std::string_view shown : {"score", "Score", "mild", "total"}) {
    EXPECT_EQ(done.body.find(shown), npos) << "the thank-you page shows " << shown;
  }
  EXPECT_EQ(done.headers.Get("Cache-Control").value_or(""), "no-store");

  // Used: the second submission and a second opening are the unusable page.
  const Response again = Post(link, Phq9Body({0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(again.status, 410);
  EXPECT_NE(again.body.find("This link no longer works"), npos);
  EXPECT_NE(again.body.find("ask your therapist for a new link"), npos);
  const Response reopened = Get(link);
  EXPECT_EQ(reopened.status, 410);
  EXPECT_EQ(reopened.body, again.body);
  auto results = m_->ListResults(*scope_, client_, kCaller);
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 1u) << "one submission stored";
  EXPECT_EQ(results->front().answers.reveal()[8], 1) << "item 9 as answered";
  EXPECT_EQ(results->front().answers.reveal()[9], measures::kNoAnswer);
  EXPECT_EQ(results->front().score.flags.size(), 1u) << "item 9 > 0 raises the flag";
}

// claim: C27 — unknown, malformed, used, expired and cancelled links, opened or
// submitted, answer one page: the same status and the same bytes.
TEST_P(MeasuresFormTest, C27UnknownUsedExpiredAndCancelledLinksAnswerOneSamePage) {
  const std::string used = Assign();
  ASSERT_EQ(Post(used, Phq9Body({0, 0, 0, 0, 0, 0, 0, 0, 0, -1})).status, 200);
  const std::string expired = AssignExpired();
  const std::string cancelled = Assign();
  ASSERT_TRUE(m_->Cancel(*scope_, last_assignment_, kCaller));
  const std::string unknown = "/q/" + crypto::RandomBase64Url(32);
  const std::vector<std::string> links = {used, expired, cancelled, unknown, "/q/x",
                                          "/q/" + std::string(200, 'A')};
  const Response first = Get(unknown);
  ASSERT_EQ(first.status, 410);
  EXPECT_NE(first.body.find("This link no longer works"), npos);
  EXPECT_NE(first.body.find("<title>Link no longer works · Alcove</title>"), npos);
  EXPECT_EQ(first.body.find("<script"), npos);
  EXPECT_EQ(first.headers.Get("Cache-Control").value_or(""), "no-store");
  EXPECT_EQ(first.headers.Get("Referrer-Policy").value_or(""), "no-referrer");
  for (const std::string& link : links) {
    const Response get = Get(link);
    EXPECT_EQ(get.status, first.status) << link;
    EXPECT_EQ(get.body, first.body) << link;
    const Response post = Post(link, Phq9Body({1, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
    EXPECT_EQ(post.status, first.status) << link;
    EXPECT_EQ(post.body, first.body) << link;
    // An incomplete submission of an unusable link is that page too, not the form.
    const Response partial = Post(link, "item1=1");
    EXPECT_EQ(partial.status, first.status) << link;
    EXPECT_EQ(partial.body, first.body) << link;
  }
  auto results = m_->ListResults(*scope_, client_, kCaller);
  ASSERT_TRUE(results);
  EXPECT_EQ(results->size(), 1u) << "only the first submission of `used` was stored";
}

// claim: C27 — the link's token is stored only as its hash: no row of the tokens table
// (nor, on SQLite, any byte of the database files) holds its text.
TEST_P(MeasuresFormTest, C27OnlyTheLinksHashIsStored) {
  const std::string link = Assign();
  const std::string token = link.substr(3);
  ASSERT_EQ(token.size(), crypto::kTokenLength);
  ASSERT_EQ(Post(link, Phq9Body({0, 1, 0, 1, 0, 1, 0, 1, 0, 2})).status, 200);
  auto tx = h_->db().Begin();
  ASSERT_TRUE(tx);
  auto rows = (*tx)->Query("SELECT * FROM tokens", {});
  ASSERT_TRUE(rows) << rows.error().internal;
  ASSERT_FALSE(rows->empty());
  for (const store::Row& row : *rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      const store::Value& v = row.at(i);
      if (const auto* s = std::get_if<std::string>(&v)) {
        EXPECT_EQ(s->find(token), npos) << "column " << i;
      } else if (const auto* b = std::get_if<store::Bytes>(&v)) {
        const std::string bytes(b->begin(), b->end());
        EXPECT_EQ(bytes.find(token), npos) << "column " << i;
      }
    }
  }
  const crypto::Sha256Digest hash = crypto::TokenHash(measures::kLinkPurpose,
                                                      crypto::SecretString(std::string(token)));
  const store::Value p[] = {store::Bytes(hash.begin(), hash.end()), last_assignment_};
  auto found = (*tx)->Query("SELECT COUNT(*) FROM tokens WHERE hash = $1 AND subject = $2", p);
  ASSERT_TRUE(found) << found.error().internal;
  EXPECT_EQ(found->front().Int(0), 1) << "the hash is a row (self-check of the scan)";
  (void)(*tx)->Commit();
  if (GetParam() == TestEngine::kSqlite) {
    const auto files = testing::ReadDatabaseFiles(h_->sqlite_path());
    EXPECT_FALSE(files.Contains(token)) << "the token is in a database file";
    EXPECT_TRUE(files.Contains(last_assignment_)) << "the scan sees the assignment";
  }
}

// claim: C30 — the form is rate limited per address, opening and submitting alike: a
// burst gets 429 with Retry-After and a readable page; another address is not held up.
TEST_P(MeasuresFormTest, C30ABurstFromOneAddressGets429WithRetryAfter) {
  const std::string link = Assign();
  AppBrowser flood = Visitor();
  int allowed = 0;
  Response limited;
  for (int i = 0; i < 100; ++i) {
    Response res = h_->Call(flood, "GET", link);
    if (res.status == 429) {
      limited = std::move(res);
      break;
    }
    ASSERT_EQ(res.status, 200) << res.body;
    ++allowed;
  }
  ASSERT_EQ(limited.status, 429) << "no limit within 100 requests";
  EXPECT_GE(allowed, 5);
  EXPECT_LE(allowed, 30);
  const std::string retry(limited.headers.Get("Retry-After").value_or(""));
  ASSERT_FALSE(retry.empty());
  EXPECT_GE(std::stoi(retry), 1);
  EXPECT_NE(limited.headers.Get("Content-Type").value_or("").find("text/html"), npos);
  EXPECT_NE(limited.body.find("then try again."), npos) << limited.body;
  EXPECT_EQ(limited.body.find("<script"), npos);
  // Submitting from that address is held up too, and stores nothing.
  const Response post =
      h_->Call(flood, "POST", link, Phq9Body({0, 0, 0, 0, 0, 0, 0, 0, 0, -1}), std::string(kForm),
               false);
  EXPECT_EQ(post.status, 429);
  EXPECT_FALSE(post.headers.Get("Retry-After").value_or("").empty());
  auto results = m_->ListResults(*scope_, client_, kCaller);
  ASSERT_TRUE(results);
  EXPECT_TRUE(results->empty());
  // Another address opens and submits.
  EXPECT_EQ(Get(link).status, 200);
  EXPECT_EQ(Post(link, Phq9Body({0, 0, 0, 0, 0, 0, 0, 0, 0, -1})).status, 200);
}

// claim: C40 — a submission through the form is one audit event of ids only, with the
// submitter's address and no account.
TEST_P(MeasuresFormTest, C40ASubmissionIsAuditedWithIdsOnly) {
  const std::string link = Assign();
  AppBrowser b = Visitor();
  const Response done =
      h_->Call(b, "POST", link, Phq9Body({3, 3, 3, 3, 3, 3, 3, 3, 3, 3}), std::string(kForm),
               false);
  ASSERT_EQ(done.status, 200) << done.body;
  auto results = m_->ListResults(*scope_, client_, kCaller);
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 1u);
  const std::string result = results->front().id;
  int submitted = 0;
  for (const audit::Event& e : Events()) {
    if (e.object_type != "measure_result") {
      continue;
    }
    ++submitted;
    EXPECT_EQ(e.action, audit::Action::kRecordCreated);
    EXPECT_EQ(e.object_id, result);
    EXPECT_EQ(e.actor.text(), "system") << "the link's holder has no account";
    EXPECT_EQ(e.client_ip, b.ip);
    const std::map<std::string, std::string, std::less<>> details = {
        {"assignment", last_assignment_}, {"client", client_}};
    EXPECT_EQ(e.details.entries(), details);
  }
  EXPECT_EQ(submitted, 1);
}

// A missing or invalid answer: the form again (422), the answers given kept, an error
// summary at the top linking to each item at fault, each marked for assistive technology;
// the link stays usable.
TEST_P(MeasuresFormTest, AMissingAnswerShowsTheFormAgainWithTheAnswersKept) {
  const std::string link = Assign();
  const Response again = Post(link, "item1=2&item2=1&item3=9&item5=0&item6=0&item7=0&item8=0"
                                    "&item9=1&item10=2&other=x");
  ASSERT_EQ(again.status, 422) << again.body;
  EXPECT_NE(again.body.find("<title>Error: Questionnaire · Alcove</title>"), npos);
  EXPECT_EQ(again.body.find("<script"), npos);
  const auto summary = again.body.find("class=\"error-summary\" role=\"alert\"");
  ASSERT_NE(summary, npos);
  EXPECT_LT(summary, again.body.find("<form")) << "the summary comes before the form";
  EXPECT_NE(again.body.find("<a href=\"#item3-0\">Question 3: choose one of the answers.</a>"),
            npos);
  EXPECT_NE(again.body.find("<a href=\"#item4-0\">Question 4 needs an answer.</a>"), npos);
  EXPECT_NE(again.body.find("id=\"q4\" aria-invalid=\"true\" aria-describedby=\"item4-error\""),
            npos);
  EXPECT_NE(again.body.find("<p class=\"field-error\" id=\"item4-error\">Question 4 needs an "
                            "answer.</p>"),
            npos);
  EXPECT_EQ(Count(again.body, "aria-invalid=\"true\""), 2u) << "items 3 and 4 only";
  // The answers given are checked again, the rest not.
  EXPECT_NE(again.body.find("id=\"item1-2\" name=\"item1\" value=\"2\" checked"), npos);
  EXPECT_NE(again.body.find("id=\"item9-1\" name=\"item9\" value=\"1\" checked"), npos);
  EXPECT_NE(again.body.find("id=\"item10-2\" name=\"item10\" value=\"2\" checked"), npos);
  EXPECT_EQ(Count(again.body, "\" checked"), 8u);
  // Nothing stored; the link still works.
  auto results = m_->ListResults(*scope_, client_, kCaller);
  ASSERT_TRUE(results);
  EXPECT_TRUE(results->empty());
  EXPECT_EQ(Post(link, Phq9Body({2, 1, 0, 0, 0, 0, 0, 0, 1, 2})).status, 200);
  // Another instrument's form has its own items (the GAD-7: seven and the difficulty).
  const Response gad = Get(Assign("gad-7"));
  ASSERT_EQ(gad.status, 200);
  EXPECT_EQ(Count(gad.body, "<fieldset"), 8u);
}

// The token in the path never reaches the log: the access log names the route's pattern,
// whatever the answer (form, thank-you, unusable, rate limited, a server fault).
TEST_P(MeasuresFormTest, TheLinksTokenNeverReachesTheLog) {
  LogCapture log;
  const std::string link = Assign();
  const std::string token = link.substr(3);
  ASSERT_EQ(Get(link).status, 200);
  ASSERT_EQ(Post(link, "item1=1").status, 422);
  ASSERT_EQ(Post(link, Phq9Body({0, 0, 0, 0, 0, 0, 0, 0, 0, -1})).status, 200);
  ASSERT_EQ(Get(link).status, 410);
  const std::string other = Assign();
  h_->faults().FailStatement(1, ErrorCode::kInternal);
  const Response fault = Post(other, Phq9Body({0, 0, 0, 0, 0, 0, 0, 0, 0, -1}));
  h_->faults().FailStatement(0);
  EXPECT_GE(fault.status, 500);
  AppBrowser flood = Visitor();
  for (int i = 0; i < 100 && h_->Call(flood, "GET", link).status != 429; ++i) {
  }
  const std::string text = log.text();
  EXPECT_NE(text.find("route=/q/{token}"), npos) << "the access log ran (self-check)";
  EXPECT_EQ(text.find(token), npos) << text;
  EXPECT_EQ(text.find(other.substr(3)), npos) << text;
}

INSTANTIATE_TEST_SUITE_P(Engines, MeasuresFormTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& param_info) {
                           return param_info.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
