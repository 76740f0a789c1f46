// The experience-verification summary through its route (issue #15; docs/hours-forms.md
// § The verification summary), both engines, with a fake directory of supervisors (the
// supervision side's): a two-year period of one supervisor's weeks answers a PDF whose
// text (pdftotext) holds the totals, the names, the weekly logs signed and the signature
// block, and no client alias (C50); an unknown link and another therapist's link 404
// (C20); no profile 409 no_profile; the progress page links the summary.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "hours/hours.hpp"
#include "support/app_harness.hpp"
#include "support/pdf_text.hpp"
#include "support/temp_dir.hpp"

namespace alcove::web {
namespace {

using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;

const std::string kLink = "1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b";

// The summary's text; the PDF is kept under the build directory to look at.
std::string PdfText(const std::string& pdf) {
  std::filesystem::create_directories("pdf-screenshots");
  std::ofstream(std::filesystem::path("pdf-screenshots") / "verification-route.pdf",
                std::ios::binary)
      << pdf;
  return testing::PdfText(pdf);
}

class HoursVerificationTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    directory_ = hours::SupervisorDirectory{
        .active = [this](store::TenantId tenant,
                         std::string_view link) -> Result<hours::ActiveSupervisor> {
          if (tenant != associate_tenant_ || link != kLink) {
            return Fail(ErrorCode::kNotFound, "no such link", "No such supervisor.");
          }
          return Supervisor();
        },
        .list = [this](const identity::TherapistScope& who)
            -> Result<std::vector<hours::ActiveSupervisor>> {
          if (who.tenant() != associate_tenant_) {
            return std::vector<hours::ActiveSupervisor>();
          }
          return std::vector<hours::ActiveSupervisor>{Supervisor()};
        },
        .verify_pin = [](std::string_view, const crypto::SecretString&)
            -> Result<hours::PinCheck> { return hours::PinCheck::kNotSet; }};
    auto h = AppHarness::Create(GetParam(), pg_urls(), &directory_);
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("verify.associate@alcove.test", "192.0.2.71");
    b_ = h_->SignUpTherapist("verify.other@alcove.test", "192.0.2.72");
    associate_tenant_ = h_->PrincipalOf(a_).tenant;
    for (AppBrowser* who : {&a_, &b_}) {
      auto res = h_->Call(*who, "PUT", "/api/v1/hours/profile",
                          R"({"track":"amft","degree_date":"2024-06-01","registration_number":"AMFT 98765"})");
      ASSERT_EQ(res.status, 200) << res.body;
    }
    auto res = h_->Call(a_, "POST", "/api/v1/hours/settings",
                        R"({"name":"Valley Clinic","supervisor_license":"lmft"})");
    ASSERT_EQ(res.status, 201) << res.body;
    setting_ = JsonMember(res.body, "id");
  }

  static hours::ActiveSupervisor Supervisor() {
    return hours::ActiveSupervisor{.link_id = kLink,
                                   .account_id = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
                                   .account_tenant = 999,
                                   .email = "ines@supervisors.example",
                                   .name = "Dr. Ines Ødegård"};
  }

  // Logs `minutes` of `category` on `day` (of the week starting `monday`); returns the
  // week as JSON.
  std::string LogWeek(const std::string& day, const std::string& monday, int minutes,
                      const std::string& category) {
    auto res = h_->Call(a_, "POST", "/api/v1/hours/sessions",
                        R"({"date":")" + day + R"(","minutes":)" + std::to_string(minutes) +
                            R"(,"category":")" + category +
                            R"(","client":"Johanna Doeberg","setting_id":")" + setting_ + "\"}");
    EXPECT_EQ(res.status, 201) << res.body;
    res = h_->Call(a_, "GET", "/api/v1/hours/weeks?from=" + monday + "&to=" + monday);
    EXPECT_EQ(res.status, 200) << res.body;
    return res.body;
  }
  std::string Submit(const std::string& week_json) {
    const std::string id = JsonMember(week_json.substr(1), "id");
    auto res = h_->Call(a_, "POST", "/api/v1/hours/weeks/" + id + "/submit",
                        R"({"supervisor_id":")" + kLink + "\"}");
    EXPECT_EQ(res.status, 200) << res.body;
    return res.body;
  }

  hours::SupervisorDirectory directory_;
  store::TenantId associate_tenant_ = -1;
  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  AppBrowser b_;
  std::string setting_;
};

TEST_P(HoursVerificationTest, ATwoYearSummaryHoldsTheTotalsTheNamesTheSignedLogsAndTheSignatureBlock) {
  // Two years apart: the week of 2 Dec 2024 and the week of 2 Nov 2026 (the latter with
  // individual supervision too), and one week never submitted (not this supervisor's).
  Submit(LogWeek("2024-12-03", "2024-12-02", 600, "individual"));
  LogWeek("2026-11-03", "2026-11-02", 60, "supervision_individual");
  const std::string late = Submit(LogWeek("2026-11-04", "2026-11-02", 300, "couples_family_children"));
  LogWeek("2025-06-10", "2025-06-09", 120, "individual");  // a draft of no supervisor
  // The supervisor signs the late week (the signing side's transaction, as it will run).
  {
    auto tx = h_->db().BeginTenant(associate_tenant_);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(hours::Hours::MarkSigned(**tx, associate_tenant_, JsonMember(late, "id"),
                                         JsonMember(late, "content_sha256"), 1'793'000'000LL *
                                                                                 kMicrosPerSecond));
    ASSERT_TRUE((*tx)->Commit());
  }
  const Response res = h_->Call(
      a_, "GET", "/api/v1/hours/verification/pdf?supervisor_id=" + kLink + "&from=2024-12-01&to=2026-11-30");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.headers.Get("Content-Type"), "application/pdf");
  EXPECT_EQ(res.headers.Get("Content-Disposition"),
            "attachment; filename=\"experience-verification-2024-12-02-to-2026-11-02.pdf\"");
  EXPECT_EQ(res.headers.Get("Cache-Control"), "no-store");
  const std::string text = PdfText(res.body);
  ASSERT_FALSE(text.empty()) << "pdftotext (poppler-utils) is needed";
  EXPECT_NE(text.find("Dr Test Person"), std::string::npos) << text;
  EXPECT_NE(text.find("Dr. Ines Ødegård"), std::string::npos) << text;
  EXPECT_NE(text.find("AMFT 98765"), std::string::npos) << text;
  EXPECT_NE(text.find("Valley Clinic"), std::string::npos) << text;
  EXPECT_NE(text.find("LMFT"), std::string::npos) << text;
  EXPECT_NE(text.find("week of 2 Dec 2024 to week of 2 Nov 2026"), std::string::npos) << text;
  // 600 + 60 + 300 minutes logged: 16 hours; the draft's 2 hours are not the supervisor's.
  EXPECT_NE(text.find("Total logged"), std::string::npos) << text;
  EXPECT_NE(text.find(" 16\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Weekly logs in the period"), std::string::npos) << text;
  EXPECT_NE(text.find("at least 3,000"), std::string::npos) << text;  // the AMFT total
  EXPECT_NE(text.find("Content SHA-256 of this summary"), std::string::npos) << text;
  EXPECT_NE(text.find("https://"), std::string::npos) << text;
  EXPECT_NE(text.find("/verify"), std::string::npos) << text;
  EXPECT_EQ(text.find("J.D."), std::string::npos) << text;  // C50: no alias, no name
  EXPECT_EQ(text.find("Johanna"), std::string::npos) << text;
  // Two weeks of this supervisor, one signed: the counts as rows.
  const auto row = [&](const std::string& label) {
    const auto at = text.find(label);
    return at == std::string::npos ? std::string() : text.substr(at, text.find('\n', at) - at);
  };
  EXPECT_TRUE(row("Weekly logs in the period").ends_with(" 2")) << row("Weekly logs in the period");
  EXPECT_TRUE(row("Signed by the supervisor").ends_with(" 1")) << row("Signed by the supervisor");

  // The default period (the registration: from the degree date to today) finds them too.
  const Response whole =
      h_->Call(a_, "GET", "/api/v1/hours/verification/pdf?supervisor_id=" + kLink);
  EXPECT_EQ(whole.status, 200) << whole.body;

  // The progress page links the summary of each supervisor.
  const Response page = h_->Call(a_, "GET", "/hours");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("href=\"/api/v1/hours/verification/pdf?supervisor_id=" + kLink + "\""),
            std::string::npos);
}

TEST_P(HoursVerificationTest, C20AnUnknownOrAnotherTherapistsLinkIsNotFoundAndNoProfileIs409) {
  Submit(LogWeek("2026-11-04", "2026-11-02", 300, "individual"));
  EXPECT_EQ(h_->Call(b_, "GET", "/api/v1/hours/verification/pdf?supervisor_id=" + kLink).status,
            404);
  EXPECT_EQ(h_->Call(a_, "GET",
                     "/api/v1/hours/verification/pdf?supervisor_id=" + std::string(32, 'c'))
                .status,
            404);
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/hours/verification/pdf?supervisor_id=nope").status, 404);
  const Response none = h_->Call(a_, "GET", "/api/v1/hours/verification/pdf");
  EXPECT_EQ(none.status, 400);
  EXPECT_NE(none.body.find("supervisor_id"), std::string::npos) << none.body;
  const Response reversed = h_->Call(
      a_, "GET", "/api/v1/hours/verification/pdf?supervisor_id=" + kLink + "&from=2026-11-30&to=2026-01-01");
  EXPECT_EQ(reversed.status, 400);
  // b_ has no week of this supervisor... and a therapist without a profile gets 409.
  AppBrowser c = h_->SignUpTherapist("verify.noprofile@alcove.test", "192.0.2.73");
  const Response no_profile =
      h_->Call(c, "GET", "/api/v1/hours/verification/pdf?supervisor_id=" + kLink);
  EXPECT_EQ(no_profile.status, 409) << no_profile.body;
  EXPECT_NE(no_profile.body.find(R"("code":"no_profile")"), std::string::npos) << no_profile.body;
}

TEST_P(HoursVerificationTest, RemindersSwitchThroughTheApiAndTheSetupPageForm) {
  Response r = h_->Call(a_, "GET", "/api/v1/hours/reminders");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"enabled":true})");
  r = h_->Call(a_, "PUT", "/api/v1/hours/reminders", R"({"enabled":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/hours/reminders").body, R"({"enabled":false})");
  EXPECT_EQ(h_->Call(a_, "PUT", "/api/v1/hours/reminders", R"({"enabled":"yes"})").status, 400);
  // b_'s switch is b_'s own.
  EXPECT_EQ(h_->Call(b_, "GET", "/api/v1/hours/reminders").body, R"({"enabled":true})");
  // The setup page shows the switch off, and its form turns it on.
  Response page = h_->Call(a_, "GET", "/hours/setup");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("action=\"/hours/reminders\""), std::string::npos);
  EXPECT_EQ(page.body.find("name=\"enabled\" value=\"on\" checked"), std::string::npos);
  r = h_->Call(a_, "POST", "/hours/reminders", "csrf_token=" + a_.csrf + "&enabled=on",
               "application/x-www-form-urlencoded");
  EXPECT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/hours/reminders").body, R"({"enabled":true})");
  page = h_->Call(a_, "GET", "/hours/setup");
  EXPECT_NE(page.body.find("name=\"enabled\" value=\"on\" checked"), std::string::npos);
  // A therapist is not a supervisor: the supervisor's switch refuses them.
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/supervisor/reminders").status, 403);
  EXPECT_EQ(h_->Call(a_, "PUT", "/api/v1/supervisor/reminders", R"({"enabled":false})").status,
            403);
}

TEST_P(HoursVerificationTest, ASupervisorSwitchesTheirRemindersThroughTheApiAndTheForm) {
  AppBrowser sup =
      h_->AddMember(a_, identity::Role::kSupervisor, "ines@supervisors.test", "192.0.2.74");
  Response r = h_->Call(sup, "GET", "/api/v1/supervisor/reminders");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"enabled":true})");
  r = h_->Call(sup, "PUT", "/api/v1/supervisor/reminders", R"({"enabled":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(h_->Call(sup, "GET", "/api/v1/supervisor/reminders").body, R"({"enabled":false})");
  // The supervisor's home page carries the switch, unchecked now, posting to its route.
  r = h_->Call(sup, "GET", "/supervisor");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"(action="/supervisor/reminders")"), std::string::npos);
  EXPECT_EQ(r.body.find(R"(value="on" checked)"), std::string::npos);
  r = h_->Call(sup, "POST", "/supervisor/reminders", "csrf_token=" + sup.csrf + "&enabled=on",
               "application/x-www-form-urlencoded");
  EXPECT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(r.headers.Get("Location"), "/supervisor");
  EXPECT_EQ(h_->Call(sup, "GET", "/api/v1/supervisor/reminders").body, R"({"enabled":true})");
  EXPECT_NE(h_->Call(sup, "GET", "/supervisor").body.find(R"(value="on" checked)"),
            std::string::npos);
  // The associate's switch is not the supervisor's, and stays on.
  EXPECT_EQ(h_->Call(sup, "GET", "/api/v1/hours/reminders").status, 403);
  EXPECT_EQ(h_->Call(a_, "GET", "/api/v1/hours/reminders").body, R"({"enabled":true})");
}

INSTANTIATE_TEST_SUITE_P(Engines, HoursVerificationTest,
                         ::testing::Values(testing::TestEngine::kSqlite,
                                           testing::TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == testing::TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
