// Weekly logs as PDF through the routes (issue #15; docs/hours-forms.md), both engines:
// one week and a setting's range answer application/pdf as attachments whose text (read
// by poppler's pdftotext) holds the week's totals and no client alias (C50); another
// therapist's week and setting answer 404 (C20); bad ranges 400 in words.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "support/app_harness.hpp"
#include "support/pdf_text.hpp"
#include "support/temp_dir.hpp"

namespace alcove::web {
namespace {

using testing::AppBrowser;
using testing::AppHarness;
using testing::JsonMember;

using testing::PdfText;

class HoursPdfTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto h = AppHarness::Create(GetParam(), pg_urls());
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("pdf.associate@alcove.test", "192.0.2.61");
    b_ = h_->SignUpTherapist("pdf.other@alcove.test", "192.0.2.62");
    for (AppBrowser* who : {&a_, &b_}) {
      auto res = h_->Call(*who, "PUT", "/api/v1/hours/profile",
                          R"({"track":"amft","degree_date":"2025-06-01","registration_number":"AMFT 98765"})");
      ASSERT_EQ(res.status, 200) << res.body;
    }
    auto res = h_->Call(a_, "POST", "/api/v1/hours/settings", R"({"name":"Valley Clinic"})");
    ASSERT_EQ(res.status, 201) << res.body;
    setting_ = JsonMember(res.body, "id");
    for (const char* day : {"2026-09-08", "2026-09-09"}) {
      res = h_->Call(a_, "POST", "/api/v1/hours/sessions",
                     std::string(R"({"date":")") + day +
                         R"(","minutes":90,"category":"individual","client":"Johanna Doeberg","setting_id":")" +
                         setting_ + "\"}");
      ASSERT_EQ(res.status, 201) << res.body;
    }
    res = h_->Call(a_, "GET", "/api/v1/hours/weeks?from=2026-09-07&to=2026-09-07");
    ASSERT_EQ(res.status, 200) << res.body;
    week_ = JsonMember(res.body.substr(1), "id");
    ASSERT_EQ(week_.size(), 32u) << res.body;
  }

  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  AppBrowser b_;
  std::string setting_;
  std::string week_;
};

TEST_P(HoursPdfTest, C50AWeekAndARangeAreAttachmentsWithTheTotalsAndNoAlias) {
  const Response one = h_->Call(a_, "GET", "/api/v1/hours/weeks/" + week_ + "/pdf");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.headers.Get("Content-Type"), "application/pdf");
  EXPECT_EQ(one.headers.Get("Content-Disposition"),
            "attachment; filename=\"weekly-log-2026-09-07.pdf\"");
  ASSERT_TRUE(one.body.starts_with("%PDF-"));
  const std::string text = PdfText(one.body);
  EXPECT_NE(text.find("37A-525"), std::string::npos) << text;
  EXPECT_NE(text.find("AMFT 98765"), std::string::npos) << text;
  EXPECT_NE(text.find("Valley Clinic"), std::string::npos) << text;
  EXPECT_NE(text.find("7 Sep 2026"), std::string::npos) << text;
  EXPECT_NE(text.find("Not signed yet"), std::string::npos) << text;
  EXPECT_NE(text.find(" 3 "), std::string::npos) << text;  // 180 direct minutes: 3 hours
  EXPECT_EQ(text.find("J.D."), std::string::npos) << text;  // no alias, no name
  EXPECT_EQ(text.find("Johanna"), std::string::npos) << text;

  const Response range = h_->Call(
      a_, "GET", "/api/v1/hours/weeks/pdf?from=2026-09-01&to=2026-09-30&setting_id=" + setting_);
  ASSERT_EQ(range.status, 200) << range.body;
  EXPECT_EQ(range.headers.Get("Content-Disposition"),
            "attachment; filename=\"weekly-logs-2026-08-31-to-2026-09-30.pdf\"");
  EXPECT_NE(PdfText(range.body).find("7 Sep 2026"), std::string::npos);

  // The weekly logs page offers the week's PDF.
  const Response page = h_->Call(a_, "GET", "/hours/weeks?before=2026-09-14");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("href=\"/api/v1/hours/weeks/" + week_ + "/pdf\""), std::string::npos);
}

TEST_P(HoursPdfTest, C20AnotherTherapistsWeekAndSettingAreNotFoundAndBadRangesAreWords) {
  EXPECT_EQ(h_->Call(b_, "GET", "/api/v1/hours/weeks/" + week_ + "/pdf").status, 404);
  EXPECT_EQ(h_->Call(b_, "GET",
                     "/api/v1/hours/weeks/pdf?from=2026-09-01&to=2026-09-30&setting_id=" + setting_)
                .status,
            404);
  const Response no_setting =
      h_->Call(a_, "GET", "/api/v1/hours/weeks/pdf?from=2026-09-01&to=2026-09-30");
  EXPECT_EQ(no_setting.status, 400);
  EXPECT_NE(no_setting.body.find("setting_id"), std::string::npos) << no_setting.body;
  EXPECT_EQ(h_->Call(a_, "GET",
                     "/api/v1/hours/weeks/pdf?from=2020-01-01&to=2026-09-30&setting_id=" + setting_)
                .status,
            400);
  EXPECT_EQ(h_->Call(a_, "GET",
                     "/api/v1/hours/weeks/pdf?from=2026-10-01&to=2026-09-30&setting_id=" + setting_)
                .status,
            400);
  const Response empty = h_->Call(
      a_, "GET", "/api/v1/hours/weeks/pdf?from=2026-01-01&to=2026-01-31&setting_id=" + setting_);
  EXPECT_EQ(empty.status, 404);
}

INSTANTIATE_TEST_SUITE_P(Engines, HoursPdfTest,
                         ::testing::Values(testing::TestEngine::kSqlite,
                                           testing::TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == testing::TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::web
