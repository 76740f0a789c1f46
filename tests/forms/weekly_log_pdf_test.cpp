// The weekly log as PDF (issue #15; docs/hours-forms.md): what poppler's pdftotext reads
// out of it — the layout's form number, the columns, the totals, each signature block and
// a Unicode name exactly — and a page rendered by pdftoppm into build/pdf-screenshots/
// (to look at).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "forms/weekly_log_pdf.hpp"

namespace alcove::forms {
namespace {

namespace fs = std::filesystem;

const fs::path kOut = "pdf-screenshots";
constexpr Micros kSignedAt = 1'793'000'000LL * kMicrosPerSecond;  // 26 Oct 2026, 07:33 UTC
const std::string kHashA(64, 'a');
const std::string kHashB = "b" + std::string(63, '0');

hours::Day D(int y, unsigned m, unsigned d) {
  return hours::Day(std::chrono::year_month_day(std::chrono::year(y), std::chrono::month(m),
                                                std::chrono::day(d)));
}

hours::WeekTotals Totals(std::int64_t direct, std::int64_t cfc, std::int64_t ind,
                         std::int64_t group, std::int64_t other) {
  hours::WeekTotals t;
  t.direct = direct;
  t.cfc = cfc;
  t.supervision_individual_triadic = ind;
  t.supervision_group = group;
  t.nonclinical = ind + group + other;
  t.total = t.direct + t.nonclinical;
  t.by_category[static_cast<int>(hours::Category::kIndividual)] = direct - cfc;
  t.by_category[static_cast<int>(hours::Category::kCouplesFamilyChildren)] = cfc;
  return t;
}

WeeklyLogForm Form(hours::Track track, int weeks) {
  WeeklyLogForm f{.track = track,
                  .associate_name = "Zoë Łukasz-Nguyễn",
                  .registration_number = "AMFT 123456",
                  .supervisor_name = "Dr. Ines Ødegård",
                  .setting_name = "Valley Clinic"};
  for (int i = 0; i < weeks; ++i) {
    WeekLine w{.week_start = D(2026, 9, 7) + std::chrono::days(7 * i),
               .status = hours::WeekStatus::kDraft,
               .totals = Totals(750, 150, 60, 120, 90)};
    if (i == 0) {  // signed, unchanged
      w.status = hours::WeekStatus::kSigned;
      w.signature = SignatureBlock{.signed_ = true,
                                   .signer = "Dr. Ines Ødegård",
                                   .signed_at = kSignedAt,
                                   .signed_sha256 = kHashA,
                                   .content_sha256 = kHashA,
                                   .matches = true,
                                   .verify_url = "https://alcove.example/verify"};
    } else if (i == 1) {  // signed, then amended
      w.status = hours::WeekStatus::kSigned;
      w.signature = SignatureBlock{.signed_ = true,
                                   .signer = "Dr. Ines Ødegård",
                                   .signed_at = kSignedAt,
                                   .signed_sha256 = kHashA,
                                   .content_sha256 = kHashB,
                                   .matches = false,
                                   .verify_url = "https://alcove.example/verify"};
    } else if (i == 2) {
      w.status = hours::WeekStatus::kSubmitted;
    }
    f.weeks.push_back(w);
  }
  return f;
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

TEST(WeeklyLogPdf, TheAmftLogHoldsTheLayoutTheColumnsTheTotalsAndAUnicodeNameExactly) {
  auto pdf = RenderWeeklyLog(Form(hours::Track::kAmft, 10));
  ASSERT_TRUE(pdf) << pdf.error().internal;
  ASSERT_TRUE(pdf->starts_with("%PDF-"));
  const std::string text = TextOf(*pdf, "weekly-log-amft");
  ASSERT_FALSE(text.empty()) << "pdftotext (poppler-utils) is needed";
  EXPECT_TRUE(Has(text, "Zoë Łukasz-Nguyễn")) << text;
  EXPECT_TRUE(Has(text, "Dr. Ines Ødegård")) << text;
  EXPECT_TRUE(Has(text, "in the layout of Board of Behavioral Sciences form 37A-525")) << text;
  EXPECT_TRUE(Has(text, "not the Board's form")) << text;
  EXPECT_TRUE(Has(text, "Direct clinical counseling")) << text;
  EXPECT_TRUE(Has(text, "7 Sep 2026")) << text;
  // 750 direct minutes are 12.5 hours; 150 CFC 2.5; nonclinical 270 = 4.5; total 17.
  EXPECT_TRUE(Has(text, "12.5")) << text;
  EXPECT_TRUE(Has(text, "2.5")) << text;
  EXPECT_TRUE(Has(text, "4.5")) << text;
  EXPECT_TRUE(Has(text, "17")) << text;
  EXPECT_TRUE(Has(text, "Signed electronically by Dr. Ines Ødegård")) << text;
  EXPECT_TRUE(Has(text, "2026-10-26T")) << text;
  EXPECT_TRUE(Has(text, "The log is unchanged since it was signed.")) << text;
  EXPECT_TRUE(Has(text, "Changed after signing")) << text;
  EXPECT_TRUE(Has(text, "aaaaaaaaaaaaaaaa")) << text;  // the signed content hash
  EXPECT_TRUE(Has(text, "now:")) << text;  // and, amended, the content's now
  EXPECT_TRUE(Has(text, "b000000000000000")) << text;
  EXPECT_TRUE(Has(text, "waiting for the supervisor's signature")) << text;
  EXPECT_TRUE(Has(text, "Not signed yet")) << text;
  EXPECT_TRUE(Has(text, "Page 2 of 2")) << text;  // eight weeks a page
  EXPECT_TRUE(fs::exists(kOut / "weekly-log-amft-1.png") || fs::exists(kOut / "weekly-log-amft-01.png"));
}

TEST(WeeklyLogPdf, TheAswLogFollows37A638AndApccSaysWhichLayoutItUses) {
  auto asw = RenderWeeklyLog(Form(hours::Track::kAsw, 3));
  ASSERT_TRUE(asw) << asw.error().internal;
  const std::string a = TextOf(*asw, "weekly-log-asw");
  EXPECT_TRUE(Has(a, "form 37A-638")) << a;
  EXPECT_TRUE(Has(a, "Associate Clinical Social Worker")) << a;
  EXPECT_TRUE(Has(a, "Clinical psychosocial diagnosis")) << a;
  EXPECT_FALSE(Has(a, "37A-525")) << a;
  auto apcc = RenderWeeklyLog(Form(hours::Track::kApcc, 1));
  ASSERT_TRUE(apcc) << apcc.error().internal;
  const std::string p = TextOf(*apcc, "weekly-log-apcc");
  EXPECT_TRUE(Has(p, "37A-525")) << p;
  EXPECT_TRUE(Has(p, "APCC form")) << p;
}

TEST(WeeklyLogPdf, NoWeeksOrTooManyWeeksAreRefusedInWords) {
  auto none = RenderWeeklyLog(Form(hours::Track::kAmft, 0));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(none.error().public_message, "There are no weekly logs in that range.");
  auto many = RenderWeeklyLog(Form(hours::Track::kAmft, static_cast<int>(kMaxWeeksPerPdf) + 1));
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace alcove::forms
