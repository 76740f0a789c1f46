// The experience-verification summary as PDF (issue #15; docs/hours-forms.md § The
// verification summary): what poppler's pdftotext reads out of it — the names exactly,
// the totals against the requirements, the weekly logs signed and changed, the signature
// block with the content hash and the verify address — and its first page rendered by
// pdftoppm into build/pdf-screenshots/ (to look at).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "forms/verification_pdf.hpp"

namespace alcove::forms {
namespace {

namespace fs = std::filesystem;

const fs::path kOut = "pdf-screenshots";
constexpr Micros kPreparedAt = 1'793'000'000LL * kMicrosPerSecond;  // 26 Oct 2026, 07:33 UTC

hours::Day D(int y, unsigned m, unsigned d) {
  return hours::Day(std::chrono::year_month_day(std::chrono::year(y), std::chrono::month(m),
                                                std::chrono::day(d)));
}

VerificationForm Form() {
  return VerificationForm{
      .track = hours::Track::kAmft,
      .associate_name = "Zoë Ñúñez-Łukasz",
      .registration_number = "AMFT 123456",
      .supervisor_name = "Dr. Ines Ødegård",
      .supervisor_license = "LMFT",
      .settings = {"Harbor Family Services", "Valley Clinic"},
      .first_week = D(2024, 11, 4),
      .last_week = D(2026, 10, 26),
      .categories = {{"Individual therapy", 75'000}, {"Couples, families and children", 30'000},
                     {"Individual supervision", 6'240}},
      .logged_minutes = 111'240,
      .credited_minutes = 105'000,
      .requirements = {{.label = "Total hours", .required = 180'000, .counted = 105'000},
                       {.label = "Direct clinical counseling", .required = 105'000, .counted = 105'000},
                       {.label = "Nonclinical", .minimum = false, .required = 75'000, .counted = 6'240},
                       {.label = "Supervised weeks", .in_weeks = true, .required = 104, .counted = 100,
                        .unconfirmed = true}},
      .weeks_supervised = 100,
      .weeks_individual_triadic = 90,
      .weekly_logs = 104,
      .signed_logs = 101,
      .signed_changed = 2,
      .prepared_at = kPreparedAt,
      .verify_url = "https://alcove.example/verify"};
}

std::string Run(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) {
    return out;
  }
  std::array<char, 4096> buf{};
  while (const std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe.get())) {
    out.append(buf.data(), n);
  }
  return out;
}

// Writes the PDF, renders its first page as a PNG to look at, returns its text.
std::string TextOf(const std::string& pdf, const std::string& name) {
  fs::create_directories(kOut);
  const fs::path file = kOut / (name + ".pdf");
  std::ofstream(file, std::ios::binary) << pdf;
  Run("pdftoppm -png -r 80 -f 1 -l 1 '" + file.string() + "' '" + (kOut / name).string() + "'");
  return Run("pdftotext -layout '" + file.string() + "' -");
}

bool Has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

TEST(VerificationPdf, HoldsTheNamesTheTotalsTheWeeksAndTheSignatureBlock) {
  const VerificationForm form = Form();
  auto pdf = RenderVerification(form);
  ASSERT_TRUE(pdf) << pdf.error().internal;
  ASSERT_TRUE(pdf->starts_with("%PDF-"));
  const std::string text = TextOf(*pdf, "verification-amft");
  ASSERT_FALSE(text.empty()) << "pdftotext (poppler-utils) is needed";
  EXPECT_TRUE(Has(text, "Experience verification summary")) << text;
  EXPECT_TRUE(Has(text, "Zoë Ñúñez-Łukasz")) << text;
  EXPECT_TRUE(Has(text, "Dr. Ines Ødegård")) << text;
  EXPECT_TRUE(Has(text, "AMFT 123456")) << text;
  EXPECT_TRUE(Has(text, "LMFT")) << text;
  EXPECT_TRUE(Has(text, "Harbor Family Services; Valley Clinic")) << text;
  EXPECT_TRUE(Has(text, "form 37A-301")) << text;
  EXPECT_TRUE(Has(text, "week of 4 Nov 2024 to week of 26 Oct 2026")) << text;
  // 75,000 minutes are 1,250 hours; 111,240 logged are 1,854; 105,000 credited 1,750.
  EXPECT_TRUE(Has(text, "1,250")) << text;
  EXPECT_TRUE(Has(text, "1,854")) << text;
  EXPECT_TRUE(Has(text, "1,750")) << text;
  EXPECT_TRUE(Has(text, "at least 3,000")) << text;
  EXPECT_TRUE(Has(text, "at most 1,250")) << text;
  EXPECT_TRUE(Has(text, "at least 104 weeks")) << text;
  EXPECT_TRUE(Has(text, "unconfirmed")) << text;
  EXPECT_TRUE(Has(text, "Weeks of supervision")) << text;
  EXPECT_TRUE(Has(text, "101")) << text;
  EXPECT_TRUE(Has(text, "2 signed weekly logs were changed after signing")) << text;
  // The signature block.
  EXPECT_TRUE(Has(text, "Not signed yet: to be signed electronically by Dr. Ines Ødegård")) << text;
  EXPECT_TRUE(Has(text, "2026-10-26T07:33:20Z")) << text;
  EXPECT_TRUE(Has(text, "Content SHA-256 of this summary")) << text;
  EXPECT_TRUE(Has(text, ContentSha256(form))) << text;
  EXPECT_TRUE(Has(text, "https://alcove.example/verify")) << text;
  EXPECT_TRUE(fs::exists(kOut / "verification-amft-1.png"));
}

TEST(VerificationPdf, ASignedSummarySaysWhoSignedAndWhen) {
  VerificationForm form = Form();
  form.track = hours::Track::kAsw;
  form.signed_at = kPreparedAt + 3600 * kMicrosPerSecond;
  auto pdf = RenderVerification(form);
  ASSERT_TRUE(pdf) << pdf.error().internal;
  const std::string text = TextOf(*pdf, "verification-asw-signed");
  EXPECT_TRUE(Has(text, "Signed electronically by Dr. Ines Ødegård on 26 Oct 2026 at 08:33"))
      << text;
  EXPECT_TRUE(Has(text, "(2026-10-26T08:33:20Z)")) << text;
  EXPECT_TRUE(Has(text, "form 37A-201")) << text;
  EXPECT_TRUE(Has(text, "Associate Clinical Social Worker")) << text;
}

TEST(VerificationPdf, TheContentHashCoversWhatTheSummaryStatesButNotWhenItWasPrepared) {
  const VerificationForm form = Form();
  const std::string hash = ContentSha256(form);
  EXPECT_EQ(hash.size(), 64u);
  VerificationForm later = form;
  later.prepared_at += 86'400LL * kMicrosPerSecond;
  EXPECT_EQ(ContentSha256(later), hash);
  VerificationForm changed = form;
  changed.signed_changed = 3;
  EXPECT_NE(ContentSha256(changed), hash);
  VerificationForm renamed = form;
  renamed.supervisor_name = "Dr. Ines Odegard";
  EXPECT_NE(ContentSha256(renamed), hash);
  EXPECT_TRUE(CanonicalContent(form).starts_with("alcove-verification-summary v1\n"));
  EXPECT_NE(CanonicalContent(form).find("associate=Zoë Ñúñez-Łukasz\n"), std::string::npos);
}

TEST(VerificationPdf, AReversedPeriodIsRefusedInWords) {
  VerificationForm form = Form();
  form.last_week = D(2024, 10, 28);
  auto pdf = RenderVerification(form);
  ASSERT_FALSE(pdf);
  EXPECT_EQ(pdf.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(pdf.error().public_message, "The period's last week is before its first.");
}

}  // namespace
}  // namespace alcove::forms
