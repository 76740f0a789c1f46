// Signing the experience-verification summary (issue #15, C28 C42 C53; docs/signing.md §
// The verification summary), both engines, with a real supervisor (an invitation accepted
// through the harness) and signed checkpoints: the associate asks, the supervisor gets the
// link only by mail, opens the summary (aggregates only, C29), signs with their PIN; the
// signature has its receipt, the PDF carries it, and a change of the hours afterwards
// shows it as no longer matching and refuses the old link.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/app_harness.hpp"
#include "support/pdf_text.hpp"
#include "support/pg_test_env.hpp"

namespace alcove::web {
namespace {

namespace json = boost::json;
using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;
using testing::TestEngine;

constexpr std::size_t npos = std::string::npos;
const std::string kForm = "application/x-www-form-urlencoded";

using testing::ErrorCodeOf;
// The answer as JSON (testing::ParseJson).
json::value Parse(const Response& res) { return testing::ParseJson(res); }

class SummarySigningTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls(), /*supervisors=*/nullptr,
                                /*sign_checkpoints=*/true);
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("summary.associate@alcove.test", "192.0.2.61");
    sup_ = h_->AddMember(a_, identity::Role::kSupervisor, "summary.supervisor@alcove.test",
                         "198.51.100.30");
    auto res = h_->Call(sup_, "PUT", "/api/v1/supervisor/pin", R"({"pin":"135790"})");
    ASSERT_EQ(res.status, 204) << res.body;
    res = h_->Call(a_, "GET", "/api/v1/hours/supervisors");
    ASSERT_EQ(res.status, 200) << res.body;
    link_ = std::string(Parse(res).as_array().at(0).at("id").as_string());
    res = h_->Call(
        a_, "PUT", "/api/v1/hours/profile",
        R"({"track":"amft","degree_date":"2025-06-01","registration_number":"AMFT 55555"})");
    ASSERT_EQ(res.status, 200) << res.body;
    res = h_->Call(a_, "POST", "/api/v1/hours/settings", R"({"name":"Valley Clinic"})");
    ASSERT_EQ(res.status, 201) << res.body;
    setting_ = JsonMember(res.body, "id");
  }

  // Logs a session on `day` (of the week starting `monday`) and submits the week to the
  // supervisor; returns the week's id.
  std::string SubmittedWeek(const std::string& day, const std::string& monday) {
    auto res = h_->Call(
        a_, "POST", "/api/v1/hours/sessions",
        R"({"date":")" + day +
            R"(","minutes":50,"category":"individual","client":"Johanna Doeberg","setting_id":")" +
            setting_ + R"("})");
    EXPECT_EQ(res.status, 201) << res.body;
    session_ = JsonMember(res.body, "id");
    res = h_->Call(a_, "GET", "/api/v1/hours/weeks?from=" + monday + "&to=" + monday);
    const std::string id(Parse(res).as_array().at(0).at("id").as_string());
    res = h_->Call(a_, "POST", "/api/v1/hours/weeks/" + id + "/submit",
                   R"({"supervisor_id":")" + link_ + R"("})");
    EXPECT_EQ(res.status, 200) << res.body;
    return id;
  }

  // Asks for the summary's signature; returns the mailed token.
  std::string Ask() {
    const std::size_t before = h_->Sent().size();
    auto res = h_->Call(a_, "POST", "/api/v1/hours/verification/signing-requests",
                        R"({"supervisor_id":")" + link_ + R"("})");
    EXPECT_EQ(res.status, 201) << res.body;
    if (res.status != 201) {
      return "";
    }
    EXPECT_EQ(Parse(res).at("status").as_string(), "waiting");
    const auto sent = h_->Sent();
    EXPECT_EQ(sent.size(), before + 1);
    EXPECT_EQ(sent.back().kind(), mail::MailKind::kSummarySigningLink);
    EXPECT_EQ(sent.back().to(), "summary.supervisor@alcove.test");
    const std::string mailed = sent.back().link();
    EXPECT_EQ(mailed.rfind("https://alcove.test/sign/summary#token=", 0), 0u) << mailed;
    // C53: the link only; nothing of a client.
    EXPECT_EQ(sent.back().Body().find("J.D."), npos);
    EXPECT_EQ(sent.back().Body().find("Johanna"), npos);
    return mailed.substr(mailed.find("#token=") + 7);
  }

  json::value Signatures() {
    auto res = h_->Call(a_, "GET", "/api/v1/hours/verification/signatures?supervisor_id=" + link_);
    EXPECT_EQ(res.status, 200) << res.body;
    return Parse(res);
  }

  std::string Pdf() {
    auto res = h_->Call(a_, "GET", "/api/v1/hours/verification/pdf?supervisor_id=" + link_);
    EXPECT_EQ(res.status, 200) << res.body;
    // One line: pdftotext breaks the PDF's lines where the layout does.
    std::string text = testing::PdfText(res.body);
    for (char& c : text) {
      if (c == '\n') {
        c = ' ';
      }
    }
    return text;
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  AppBrowser sup_;
  std::string link_;
  std::string setting_;
  std::string session_;
};

TEST_P(SummarySigningTest, C28C42C53ASupervisorSignsTheSummaryFromTheMailedLinkWithTheirPin) {
  SubmittedWeek("2026-11-24", "2026-11-23");
  std::string pdf = Pdf();
  ASSERT_FALSE(pdf.empty()) << "pdftotext (poppler-utils) is needed";
  EXPECT_NE(pdf.find("Not signed yet"), npos) << pdf;
  const std::string token = Ask();
  ASSERT_FALSE(token.empty());

  // The page: the summary's totals, names and counts; no alias, session or day (C29).
  AppBrowser phone{.ip = "198.51.100.31"};
  auto page = h_->Call(phone, "POST", "/sign/summary", "token=" + token, kForm);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("Dr Test Person"), npos);
  EXPECT_NE(page.body.find("Valley Clinic"), npos);
  EXPECT_NE(page.body.find("AMFT 55555"), npos);
  EXPECT_NE(page.body.find("Individual"), npos);
  EXPECT_EQ(page.body.find("J.D."), npos);
  EXPECT_EQ(page.body.find(session_), npos);
  EXPECT_EQ(page.body.find("24 November"), npos);
  EXPECT_EQ(page.body.find("<title>Sign an experience verification · Alcove</title>") == npos,
            false);

  auto res = h_->Call(phone, "POST", "/api/v1/sign/summary",
                      R"({"token":")" + token + R"(","pin":"000000"})");
  EXPECT_EQ(res.status, 401) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "wrong_pin");
  EXPECT_EQ(Parse(res).at("tries_left").as_int64(), 4);
  page = h_->Call(phone, "POST", "/sign/summary", "token=" + token + "&pin=135790&decision=sign",
                  kForm);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("You signed"), npos) << page.body;

  // C42: who (the account), from where, when, what (the hash), with its receipt.
  auto list = Signatures();
  ASSERT_EQ(list.as_array().size(), 1u);
  const auto& sig = list.as_array().at(0);
  EXPECT_EQ(sig.at("status").as_string(), "signed");
  EXPECT_EQ(sig.at("ip").as_string(), "198.51.100.31");
  EXPECT_TRUE(sig.at("matches").as_bool());
  ASSERT_TRUE(sig.at("receipt").is_object()) << json::serialize(sig);
  const std::string receipt(sig.at("receipt").at("text").as_string());
  json::object body{{"receipt", receipt}};
  res = h_->Call(phone, "POST", "/api/v1/verify", json::serialize(body));
  ASSERT_EQ(res.status, 200) << res.body;
  const auto facts = Parse(res);
  EXPECT_TRUE(facts.at("valid").as_bool()) << res.body;
  EXPECT_EQ(facts.at("event").at("action").as_string(), "signature.made");
  EXPECT_EQ(facts.at("event").at("summary_id").as_string(), sig.at("id").as_string());
  EXPECT_EQ(facts.at("event").at("content_sha256").as_string(),
            sig.at("content_sha256").as_string());
  res = h_->Call(a_, "GET",
                 "/api/v1/hours/verification/signatures/" + std::string(sig.at("id").as_string()) +
                     "/receipt");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, receipt);

  // The PDF carries the signature.
  pdf = Pdf();
  EXPECT_NE(pdf.find("Signed electronically by Member Person"), npos) << pdf;
  EXPECT_EQ(pdf.find("Not signed yet"), npos) << pdf;
  EXPECT_NE(pdf.find(std::string(sig.at("content_sha256").as_string()).substr(0, 32)), npos) << pdf;

  // Used: the link is gone.
  res = h_->Call(phone, "POST", "/api/v1/sign/summary",
                 R"({"token":")" + token + R"(","pin":"135790"})");
  EXPECT_EQ(res.status, 410) << res.body;

  // Hours added afterwards: the signature no longer matches, everywhere it is shown.
  SubmittedWeek("2026-11-17", "2026-11-16");
  list = Signatures();
  EXPECT_FALSE(list.as_array().at(0).at("matches").as_bool());
  pdf = Pdf();
  EXPECT_NE(pdf.find("Not signed yet"), npos) << pdf;
  EXPECT_NE(pdf.find("no longer matches"), npos) << pdf;
}

TEST_P(SummarySigningTest, C28ALinkOfASummaryThatChangedSinceIsRefusedAndSaysWhatToDo) {
  SubmittedWeek("2026-11-24", "2026-11-23");
  const std::string token = Ask();
  ASSERT_FALSE(token.empty());
  SubmittedWeek("2026-11-17", "2026-11-16");
  AppBrowser phone{.ip = "198.51.100.32"};
  auto page = h_->Call(phone, "POST", "/sign/summary", "token=" + token, kForm);
  EXPECT_EQ(page.status, 409);
  EXPECT_NE(page.body.find("changed after they asked you to sign"), npos) << page.body;
  auto res = h_->Call(phone, "POST", "/api/v1/sign/summary",
                      R"({"token":")" + token + R"(","pin":"135790"})");
  EXPECT_EQ(res.status, 409) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "summary_changed");
  EXPECT_EQ(Signatures().as_array().at(0).at("status").as_string(), "waiting");
  // Asking again ends the old link and the new one signs.
  const std::string again = Ask();
  res = h_->Call(phone, "POST", "/api/v1/sign/summary",
                 R"({"token":")" + token + R"(","pin":"135790"})");
  EXPECT_EQ(res.status, 410) << res.body;
  res = h_->Call(phone, "POST", "/api/v1/sign/summary",
                 R"({"token":")" + again + R"(","pin":"135790"})");
  EXPECT_EQ(res.status, 200) << res.body;
  const auto list = Signatures();
  ASSERT_EQ(list.as_array().size(), 2u);
  EXPECT_EQ(list.as_array().at(0).at("status").as_string(), "signed");
  EXPECT_TRUE(list.as_array().at(0).at("matches").as_bool());
  EXPECT_EQ(list.as_array().at(1).at("status").as_string(), "ended");
}

TEST_P(SummarySigningTest, C28FiveWrongPinsLockTheLinkAndAnUnknownOneIsGone) {
  SubmittedWeek("2026-11-24", "2026-11-23");
  const std::string token = Ask();
  AppBrowser phone{.ip = "198.51.100.33"};
  for (int i = 0; i < 4; ++i) {
    auto res = h_->Call(phone, "POST", "/api/v1/sign/summary",
                        R"({"token":")" + token + R"(","pin":"000000"})");
    EXPECT_EQ(res.status, 401) << res.body;
  }
  auto res = h_->Call(phone, "POST", "/api/v1/sign/summary",
                      R"({"token":")" + token + R"(","pin":"000000"})");
  EXPECT_EQ(res.status, 423) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "link_locked");
  res = h_->Call(phone, "POST", "/api/v1/sign/summary",
                 R"({"token":")" + token + R"(","pin":"135790"})");
  EXPECT_EQ(res.status, 423) << res.body;
  EXPECT_EQ(Signatures().as_array().at(0).at("status").as_string(), "locked");
  // The lock is audited (ids only).
  res = h_->Call(a_, "GET", "/api/v1/audit");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("summary_signing_link"), npos);
  EXPECT_NE(res.body.find("auth.magic_link.refused"), npos);

  res = h_->Call(phone, "POST", "/api/v1/sign/summary",
                 R"({"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","pin":"135790"})");
  EXPECT_EQ(res.status, 410) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "link_gone");
  auto page = h_->Call(phone, "POST", "/sign/summary", "token=nonsense", kForm);
  EXPECT_EQ(page.status, 410);
  EXPECT_NE(page.body.find("Ask the associate to ask you again"), npos);
}

TEST_P(SummarySigningTest, C20AnotherTherapistSeesNoneOfItAndCannotAskForTheLink) {
  SubmittedWeek("2026-11-24", "2026-11-23");
  Ask();
  const std::string id(Signatures().as_array().at(0).at("id").as_string());
  AppBrowser b = h_->SignUpTherapist("summary.other@alcove.test", "192.0.2.62");
  auto res =
      h_->Call(b, "PUT", "/api/v1/hours/profile", R"({"track":"amft","degree_date":"2025-06-01"})");
  ASSERT_EQ(res.status, 200) << res.body;
  res = h_->Call(b, "GET", "/api/v1/hours/verification/signatures?supervisor_id=" + link_);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, "[]");
  EXPECT_EQ(h_->Call(b, "GET", "/api/v1/hours/verification/signatures/" + id + "/receipt").status,
            404);
  res = h_->Call(b, "POST", "/api/v1/hours/verification/signing-requests",
                 R"({"supervisor_id":")" + link_ + R"("})");
  EXPECT_EQ(res.status, 404) << res.body;
  // Bad input, in words.
  res = h_->Call(a_, "POST", "/api/v1/hours/verification/signing-requests",
                 R"({"supervisor_id":")" + link_ + R"(","colour":"red"})");
  EXPECT_EQ(res.status, 400) << res.body;
  res = h_->Call(a_, "POST", "/api/v1/hours/verification/signing-requests",
                 R"({"supervisor_id":")" + link_ + R"(","from":"2026-12-01","to":"2026-01-01"})");
  EXPECT_EQ(res.status, 400) << res.body;
  // The supervisor's session is no associate's: the associate routes refuse it (C31).
  EXPECT_EQ(
      h_->Call(sup_, "GET", "/api/v1/hours/verification/signatures?supervisor_id=" + link_).status,
      403);
}

TEST_P(SummarySigningTest, TheProgressPageAsksAndShowsWhereTheSignatureStands) {
  SubmittedWeek("2026-11-24", "2026-11-23");
  auto page = h_->Call(a_, "GET", "/hours");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("Ask Member Person to sign the summary"), npos) << page.body;
  const std::size_t before = h_->Sent().size();
  auto res = h_->Call(a_, "POST", "/hours/verification/ask",
                      "csrf_token=" + a_.csrf + "&supervisor_id=" + link_, kForm);
  ASSERT_EQ(res.status, 303) << res.body;
  EXPECT_EQ(h_->Sent().size(), before + 1);
  page = h_->Call(a_, "GET", "/hours?done=summary_asked");
  EXPECT_NE(page.body.find("they get a link by email"), npos);
  EXPECT_NE(page.body.find("waiting for the signature"), npos) << page.body;
}

INSTANTIATE_TEST_SUITE_P(Engines, SummarySigningTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
