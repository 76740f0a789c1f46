// Signing on the web in process (issue #15, C28 C42; docs/signing.md, docs/api.md): the
// associate's signature of a week (API and weekly logs page), its receipt checked by the
// real `alcove audit check` and by /verify, and the signing page's refusals in words.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <fstream>

#include <fmt/format.h>

#include "audit/receipt.hpp"
#include "core/encoding.hpp"
#include "hours/hours.hpp"
#include "support/app_harness.hpp"
#include "support/pdf_text.hpp"
#include "support/pg_test_env.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace alcove::web {
namespace {

namespace json = boost::json;
using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;
using testing::TestEngine;

constexpr std::string_view kSupervisorAccount = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
constexpr std::size_t npos = std::string::npos;

using testing::ErrorCodeOf;
// The answer as JSON (testing::ParseJson).
json::value Parse(const Response& res) { return testing::ParseJson(res); }

// A receipt with one byte of its event (the signed statement) flipped.
std::string Tampered(const std::string& receipt) {
  const auto at = receipt.find("event ");
  const auto end = receipt.find('\n', at);
  auto bytes = Base64Decode(receipt.substr(at + 6, end - at - 6));
  EXPECT_TRUE(bytes);
  (*bytes)[bytes->size() / 2] ^= 1;
  return receipt.substr(0, at + 6) + Base64Encode(*bytes) + receipt.substr(end);
}

std::string FormEncode(std::string_view text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

class SigningRoutesTest : public testing::EngineTest {
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
    a_ = h_->SignUpTherapist("associate@alcove.test", "192.0.2.51");
    hours_ = std::make_unique<hours::Hours>(h_->db(), h_->keys(), h_->log(),
                                            SystemClock::Instance(), hours::Lookups{});
  }

  // A submitted week of one session (2026-11-24) and its id.
  std::string SubmittedWeek() {
    auto res = h_->Call(a_, "PUT", "/api/v1/hours/profile",
                        R"({"track":"amft","degree_date":"2025-06-01"})");
    EXPECT_EQ(res.status, 200) << res.body;
    res = h_->Call(a_, "POST", "/api/v1/hours/settings", R"({"name":"Valley Clinic"})");
    setting_ = JsonMember(res.body, "id");
    res = h_->Call(a_, "POST", "/api/v1/hours/sessions",
                   R"({"date":"2026-11-24","minutes":50,"category":"individual","client":"John Doe","setting_id":")" +
                       setting_ + R"("})");
    EXPECT_EQ(res.status, 201) << res.body;
    session_ = JsonMember(res.body, "id");
    res = h_->Call(a_, "GET", "/api/v1/hours/weeks?from=2026-11-23&to=2026-11-23");
    const auto weeks = Parse(res);
    EXPECT_EQ(weeks.as_array().size(), 1u) << res.body;
    const std::string id(weeks.as_array().at(0).at("id").as_string());
    res = h_->Call(a_, "POST", "/api/v1/hours/weeks/" + id + "/submit", "");
    EXPECT_EQ(res.status, 200) << res.body;
    return id;
  }

  // Signs week `id` as the supervisor would (the service's own signing, C42).
  hours::Signature SignDirectly(const std::string& id) {
    const auto who = h_->PrincipalOf(a_);
    auto scope = identity::TherapistScope::From(who);
    EXPECT_TRUE(scope);
    const auto week = hours_->GetWeek(*scope, id);
    EXPECT_TRUE(week);
    auto sig = hours_->RecordSignature(who.tenant, id, kSupervisorAccount, week->content_sha256,
                                       identity::Caller{.ip = "198.51.100.7"});
    EXPECT_TRUE(sig) << (sig ? "" : sig.error().internal);
    return sig ? *sig : hours::Signature{};
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  std::unique_ptr<hours::Hours> hours_;
  std::string setting_;
  std::string session_;
};

TEST_P(SigningRoutesTest, C42TheSignatureShowsIpTimeHashAndMatchesUntilAnAmendment) {
  const std::string id = SubmittedWeek();
  auto res = h_->Call(a_, "GET", "/api/v1/hours/weeks/" + id + "/signature");
  EXPECT_EQ(res.status, 404) << res.body;  // not signed yet
  const hours::Signature sig = SignDirectly(id);

  res = h_->Call(a_, "GET", "/api/v1/hours/weeks/" + id + "/signature");
  ASSERT_EQ(res.status, 200) << res.body;
  const auto v = Parse(res);
  EXPECT_EQ(v.at("ip").as_string(), "198.51.100.7");
  EXPECT_EQ(v.at("content_sha256").as_string(), sig.content_sha256);
  EXPECT_EQ(v.at("signed_at").as_string(), FormatRfc3339(sig.signed_at));
  EXPECT_TRUE(v.at("matches").as_bool());
  EXPECT_TRUE(v.at("supervisor").is_object());
  EXPECT_EQ(v.at("receipt").at("format").as_string(), "alcove-audit-receipt v1");
  EXPECT_EQ(v.at("receipt").at("event_id").as_string(), sig.event_id);
  EXPECT_TRUE(v.at("receipt").at("text").as_string().starts_with("alcove-audit-receipt v1"));
  auto page = h_->Call(a_, "GET", "/hours/weeks?before=2026-12-07");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Matches the week"), npos);
  EXPECT_NE(page.body.find("/api/v1/hours/weeks/" + id + "/signature/receipt"), npos);

  // The amendment: the signature stays as signed and no longer matches, on both.
  res = h_->Call(a_, "PATCH", "/api/v1/hours/sessions/" + session_,
                 R"({"minutes":45,"amend":true})");
  ASSERT_EQ(res.status, 200) << res.body;
  res = h_->Call(a_, "GET", "/api/v1/hours/weeks/" + id + "/signature");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_FALSE(Parse(res).at("matches").as_bool());
  EXPECT_EQ(Parse(res).at("content_sha256").as_string(), sig.content_sha256);
  page = h_->Call(a_, "GET", "/hours/weeks?before=2026-12-07");
  EXPECT_NE(page.body.find("Changed after signing — no longer matches"), npos);
  EXPECT_EQ(page.body.find("Matches the week"), npos);

  // Another therapist: 404.
  AppBrowser other = h_->SignUpTherapist("other@alcove.test", "192.0.2.52");
  EXPECT_EQ(h_->Call(other, "GET", "/api/v1/hours/weeks/" + id + "/signature").status, 404);
  EXPECT_EQ(h_->Call(other, "GET", "/api/v1/hours/weeks/" + id + "/signature/receipt").status,
            404);
}

TEST_P(SigningRoutesTest, C42TheReceiptPassesAlcoveAuditCheckAndFailsWhenOneByteChanges) {
  const std::string id = SubmittedWeek();
  const hours::Signature sig = SignDirectly(id);
  auto res = h_->Call(a_, "GET", "/api/v1/hours/weeks/" + id + "/signature/receipt");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.headers.Get("Content-Disposition").value_or("").find("attachment"), npos);
  const std::string receipt = res.body;
  ASSERT_NE(receipt.find("alcove-audit-receipt v1"), npos);

  testing::TempDir tmp;
  const auto file = tmp / "receipt.txt";
  std::ofstream(file) << receipt;
  const auto ok = testing::RunAlcove({"audit", "check", file.string(), "--key", h_->verifier_key()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("signature.made"), npos) << ok.out;
  std::ofstream(file, std::ios::trunc) << Tampered(receipt);
  const auto bad =
      testing::RunAlcove({"audit", "check", file.string(), "--key", h_->verifier_key()});
  EXPECT_EQ(bad.exit_code, 1) << bad.out;

  // /verify says so too, in words and in JSON.
  AppBrowser anyone{.ip = "203.0.113.9"};
  auto page = h_->Call(anyone, "POST", "/verify", "receipt=" + FormEncode(receipt),
                       "application/x-www-form-urlencoded");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("The receipt is valid"), npos);
  EXPECT_NE(page.body.find(id), npos);
  EXPECT_NE(page.body.find(sig.content_sha256), npos);
  EXPECT_NE(page.body.find(std::string(kSupervisorAccount)), npos);
  // Pasted into the form, the receipt comes back with CRLF line breaks: still valid.
  std::string crlf;
  for (char c : receipt) {
    if (c == '\n') {
      crlf += '\r';
    }
    crlf += c;
  }
  page = h_->Call(anyone, "POST", "/verify", "receipt=" + FormEncode(crlf),
                  "application/x-www-form-urlencoded");
  EXPECT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("The receipt is valid"), npos);
  page = h_->Call(anyone, "POST", "/verify", "receipt=" + FormEncode(Tampered(receipt)),
                  "application/x-www-form-urlencoded");
  EXPECT_EQ(page.status, 422);
  EXPECT_NE(page.body.find("The receipt is not valid"), npos);
  page = h_->Call(anyone, "POST", "/verify", "receipt=nonsense", "application/x-www-form-urlencoded");
  EXPECT_EQ(page.status, 422);
  EXPECT_EQ(h_->Call(anyone, "GET", "/verify").status, 200);

  json::object body{{"receipt", receipt}};
  res = h_->Call(anyone, "POST", "/api/v1/verify", json::serialize(body));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_TRUE(Parse(res).at("valid").as_bool());
  EXPECT_EQ(Parse(res).at("event").at("week_id").as_string(), id);
  body["receipt"] = Tampered(receipt);
  res = h_->Call(anyone, "POST", "/api/v1/verify", json::serialize(body));
  EXPECT_FALSE(Parse(res).at("valid").as_bool());
}

TEST_P(SigningRoutesTest, C28AnUnknownSigningLinkIsRefusedWithWordsOnWhatToDo) {
  AppBrowser anyone{.ip = "203.0.113.10"};
  auto page = h_->Call(anyone, "GET", "/sign");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("/static/sign.js"), npos);
  page = h_->Call(anyone, "POST", "/sign", "token=" + std::string(43, 'A'),
                  "application/x-www-form-urlencoded");
  EXPECT_EQ(page.status, 410);
  EXPECT_NE(page.body.find("Ask the associate to submit the week again"), npos);
  auto res = h_->Call(anyone, "POST", "/api/v1/sign",
                      R"({"token":")" + std::string(43, 'A') +
                          R"(","pin":"246810","decision":"sign"})");
  EXPECT_EQ(res.status, 410) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "link_gone");
  res = h_->Call(anyone, "POST", "/api/v1/sign",
                 R"({"token":"x","pin":"246810","decision":"maybe"})");
  EXPECT_EQ(res.status, 400) << res.body;
}

TEST_P(SigningRoutesTest, SubmittingToAnUnknownSupervisorIsNotFoundInWords) {
  const std::string id = SubmittedWeek();
  auto res = h_->Call(a_, "POST", "/api/v1/hours/weeks/" + id + "/withdraw", "");
  ASSERT_EQ(res.status, 200) << res.body;
  res = h_->Call(a_, "POST", "/api/v1/hours/weeks/" + id + "/submit",
                 R"({"supervisor_id":"2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b"})");
  EXPECT_EQ(res.status, 404) << res.body;
  EXPECT_NE(res.body.find("No such supervisor"), npos) << res.body;
}

// The whole flow with a real supervisor (hours::Supervision): invited, accepted, PIN set;
// the week submitted to them; the mailed link opened on /sign, a wrong PIN, then signed.
TEST_P(SigningRoutesTest, C28C42C53ASupervisorSignsFromTheMailedLinkWithTheirPin) {
  AppBrowser sup = h_->AddMember(a_, identity::Role::kSupervisor, "supervisor@alcove.test",
                                 "198.51.100.20");
  auto res = h_->Call(sup, "PUT", "/api/v1/supervisor/pin", R"({"pin":"246810"})");
  ASSERT_EQ(res.status, 204) << res.body;
  res = h_->Call(a_, "GET", "/api/v1/hours/supervisors");
  ASSERT_EQ(res.status, 200) << res.body;
  const std::string link(Parse(res).as_array().at(0).at("id").as_string());

  const std::string id = SubmittedWeek();  // marked submitted without a supervisor
  res = h_->Call(a_, "POST", "/api/v1/hours/weeks/" + id + "/withdraw", "");
  ASSERT_EQ(res.status, 200) << res.body;
  const std::size_t before = h_->Sent().size();
  res = h_->Call(a_, "POST", "/api/v1/hours/weeks/" + id + "/submit",
                 R"({"supervisor_id":")" + link + R"("})");
  ASSERT_EQ(res.status, 200) << res.body;
  const auto sent = h_->Sent();
  ASSERT_EQ(sent.size(), before + 1);
  EXPECT_EQ(sent.back().kind(), mail::MailKind::kSupervisorSigningLink);
  EXPECT_EQ(sent.back().to(), "supervisor@alcove.test");
  const std::string mailed = sent.back().link();
  ASSERT_EQ(mailed.rfind("https://alcove.test/sign#token=", 0), 0u) << mailed;
  const std::string token = mailed.substr(mailed.find("#token=") + 7);
  EXPECT_EQ(sent.back().Body().find("J.D."), npos);  // C53: the link only

  // The page: the week's totals, the associate, no alias or session (C29).
  AppBrowser phone{.ip = "198.51.100.21"};
  auto page = h_->Call(phone, "POST", "/sign", "token=" + token,
                       "application/x-www-form-urlencoded");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("Dr Test Person"), npos);
  EXPECT_NE(page.body.find("Individual"), npos);
  EXPECT_NE(page.body.find("Valley Clinic"), npos);
  EXPECT_EQ(page.body.find("J.D."), npos);
  EXPECT_EQ(page.body.find(session_), npos);
  EXPECT_EQ(page.body.find("24 November"), npos);  // no date finer than the week

  res = h_->Call(phone, "POST", "/api/v1/sign",
                 R"({"token":")" + token + R"(","pin":"111111","decision":"sign"})");
  EXPECT_EQ(res.status, 401) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "wrong_pin");
  EXPECT_EQ(Parse(res).at("tries_left").as_int64(), 4);
  page = h_->Call(phone, "POST", "/sign",
                  "token=" + token + "&week_id=" + id + "&pin=246810&decision=sign",
                  "application/x-www-form-urlencoded");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("You signed"), npos);

  res = h_->Call(a_, "GET", "/api/v1/hours/weeks/" + id + "/signature");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Parse(res).at("ip").as_string(), "198.51.100.21");
  EXPECT_TRUE(Parse(res).at("matches").as_bool());
  EXPECT_EQ(Parse(res).at("supervisor").at("name").as_string(), "Member Person");
  // The week's PDF carries the signature block with the supervisor's name.
  res = h_->Call(a_, "GET", "/api/v1/hours/weeks/" + id + "/pdf");
  ASSERT_EQ(res.status, 200) << res.body;
  const std::string pdf_text = testing::PdfText(res.body);
  ASSERT_FALSE(pdf_text.empty()) << "pdftotext (poppler-utils) is needed";
  EXPECT_NE(pdf_text.find("Member Person"), npos) << pdf_text;
  // Used: the same link again is gone.
  res = h_->Call(phone, "POST", "/api/v1/sign",
                 R"({"token":")" + token + R"(","pin":"246810","decision":"sign"})");
  EXPECT_EQ(res.status, 410) << res.body;
  page = h_->Call(phone, "POST", "/sign", "token=" + token, "application/x-www-form-urlencoded");
  EXPECT_EQ(page.status, 410);
}

INSTANTIATE_TEST_SUITE_P(Engines, SigningRoutesTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
