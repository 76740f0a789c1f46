#include "forms/verification_pdf.hpp"

#include <fmt/format.h>

#include <chrono>

#include "core/encoding.hpp"
#include "crypto/sha.hpp"
#include "forms/pdf_kit.hpp"
#include "hours/words.hpp"

namespace alcove::forms {
namespace {

using pdf_kit::Line;
using pdf_kit::Pen;

// US Letter, portrait.
constexpr double kPageWidth = 612;
constexpr double kPageHeight = 792;
constexpr double kMargin = 42;
constexpr double kWidth = kPageWidth - 2 * kMargin;
constexpr double kBottom = kPageHeight - kMargin - 24;  // the footer below
constexpr double kQrSize = 72;
constexpr double kRow = 12;

std::string Dash(const std::string& s) { return s.empty() ? "—" : s; }

std::string Amount(const RequirementLine& r, std::int64_t n) {
  if (r.in_weeks) {
    return fmt::format("{} week{}", n, n == 1 ? "" : "s");
  }
  return hours::HoursNumber(n);
}

// Lays the summary out top to bottom, starting a page when the next block does not fit.
class Layout {
 public:
  Layout(cairo_t* cr, std::string footer) : cr_(cr), pen_(cr), footer_(std::move(footer)) {}

  Pen& pen() { return pen_; }
  double& y() { return y_; }

  // Room for `height` more points on this page, or a new page.
  void Need(double height) {
    if (y_ + height > kBottom) {
      EndPage();
      y_ = kMargin;
    }
  }
  void EndPage() {
    ++page_;
    pen_.Text(kMargin, kPageHeight - kMargin - 14, kWidth,
              fmt::format("{} Page {}.", footer_, page_), 6.5);
    cairo_show_page(cr_);
  }
  void Heading(std::string_view text) {
    Need(3 * kRow);
    y_ += 6;
    y_ += pen_.Text(kMargin, y_, kWidth, text, 10.5, true) + 2;
    Line(cr_, kMargin, y_, kMargin + kWidth, y_, 0.8);
    y_ += 3;
  }
  // A row of cells at the given x offsets (from the margin).
  void Row(std::initializer_list<std::pair<double, std::string>> cells, bool bold = false) {
    Need(kRow);
    double h = 0;
    for (const auto& [x, text] : cells) {
      h = std::max(h, pen_.Text(kMargin + x, y_, 0, text, 8, bold));
    }
    y_ += std::max(h, kRow - 2) + 1;
  }
  double Paragraph(std::string_view text, double size = 8.5, bool bold = false,
                   bool mono = false, double width = kWidth) {
    Need(kRow);
    const double h = pen_.Text(kMargin, y_, width, text, size, bold, mono);
    y_ += h + 2;
    return h;
  }

 private:
  cairo_t* cr_;
  Pen pen_;
  std::string footer_;
  double y_ = kMargin;
  int page_ = 0;
};

}  // namespace

std::string_view VerificationFormOf(hours::Track track) {
  switch (track) {
    case hours::Track::kAmft:
      return "37A-301";
    case hours::Track::kApcc:
      return "37A-675";
    case hours::Track::kAsw:
      return "37A-201";
  }
  return "";
}

std::string CanonicalContent(const VerificationForm& f) {
  std::string out = "alcove-verification-summary v1\n";
  auto add = [&out](std::string_view key, const std::string& value) {
    out += fmt::format("{}={}\n", key, value);
  };
  add("track", std::string(hours::TrackName(f.track)));
  add("associate", f.associate_name);
  add("registration_number", f.registration_number);
  add("supervisor", f.supervisor_name);
  add("supervisor_license", f.supervisor_license);
  for (const auto& s : f.settings) {
    add("setting", s);
  }
  add("first_week", hours::DayText(f.first_week));
  add("last_week", hours::DayText(f.last_week));
  for (const auto& c : f.categories) {
    add("minutes." + c.label, std::to_string(c.minutes));
  }
  add("logged_minutes", std::to_string(f.logged_minutes));
  add("credited_minutes", std::to_string(f.credited_minutes));
  for (const auto& r : f.requirements) {
    add("requirement." + r.label,
        fmt::format("{} {} {} {}", r.minimum ? "min" : "max", r.in_weeks ? "weeks" : "minutes",
                    r.required, r.counted));
  }
  add("weeks_supervised", std::to_string(f.weeks_supervised));
  add("weeks_individual_triadic", std::to_string(f.weeks_individual_triadic));
  add("weekly_logs", std::to_string(f.weekly_logs));
  add("signed_logs", std::to_string(f.signed_logs));
  add("signed_changed", std::to_string(f.signed_changed));
  return out;
}

std::string ContentSha256(const VerificationForm& form) {
  const auto digest = crypto::Sha256(CanonicalContent(form));
  return HexEncode(digest);
}

Result<std::string> RenderVerification(const VerificationForm& f) {
  if (f.last_week < f.first_week) {
    return Fail(ErrorCode::kInvalidArgument, "verification pdf: period reversed",
                "The period's last week is before its first.");
  }
  const std::string form_number(VerificationFormOf(f.track));
  const std::string sha = ContentSha256(f);
  pdf_kit::Document doc;
  pdf_kit::Open(doc, kPageWidth, kPageHeight, "Experience verification summary");
  Layout l(doc.cr.get(),
           fmt::format("Prepared by Alcove for the associate's records; a summary for Board "
                       "form {}, not the form itself.",
                       form_number));
  cairo_set_source_rgb(doc.cr.get(), 0.1, 0.1, 0.1);
  Pen& pen = l.pen();

  l.y() += pen.Text(kMargin, l.y(), kWidth, "Experience verification summary", 15, true);
  l.y() += pen.Text(kMargin, l.y(), kWidth, pdf_kit::TrackTitle(f.track), 10, true) + 2;
  l.Paragraph(fmt::format(
                  "A summary of the supervised experience gained under one supervisor, for the "
                  "Board of Behavioral Sciences' Experience Verification (form {}{}). Prepared "
                  "by Alcove in the layout of a summary: it is not the Board's form. Hours are "
                  "decimal hours.",
                  form_number,
                  f.track == hours::Track::kApcc ? ", APCC; the number as bbs-hours-rules.md cites it"
                                                  : ""),
              7.5);

  l.Heading("Associate and supervisor");
  constexpr double kValueX = 150;
  l.Row({{0, "Associate"}, {kValueX, Dash(f.associate_name)}});
  l.Row({{0, "Registration number"}, {kValueX, Dash(f.registration_number)}});
  l.Row({{0, "Supervisor"}, {kValueX, Dash(f.supervisor_name)}});
  l.Row({{0, "Supervisor's licence"}, {kValueX, Dash(f.supervisor_license)}});
  std::string settings;
  for (const auto& s : f.settings) {
    settings += (settings.empty() ? "" : "; ") + s;
  }
  l.Row({{0, f.settings.size() > 1 ? "Work settings" : "Work setting"}, {kValueX, Dash(settings)}});
  l.Row({{0, "Period"},
         {kValueX, fmt::format("week of {} to week of {}", hours::DayWords(f.first_week),
                               hours::DayWords(f.last_week))}});

  l.Heading("Hours by category");
  constexpr double kNumberX = 330;
  l.Row({{0, "Category"}, {kNumberX, "Hours logged"}}, true);
  for (const auto& c : f.categories) {
    l.Row({{0, c.label}, {kNumberX, hours::HoursNumber(c.minutes)}});
  }
  l.Row({{0, "Total logged"}, {kNumberX, hours::HoursNumber(f.logged_minutes)}}, true);
  l.Row({{0, "Total that counts toward licensure"}, {kNumberX, hours::HoursNumber(f.credited_minutes)}},
        true);

  l.Heading("Against the track's requirements");
  constexpr double kRequiredX = 280;
  constexpr double kCountedX = 400;
  l.Row({{0, "Requirement"}, {kRequiredX, "Required"}, {kCountedX, "This supervisor"}}, true);
  bool any_unconfirmed = false;
  for (const auto& r : f.requirements) {
    any_unconfirmed = any_unconfirmed || r.unconfirmed;
    l.Row({{0, r.label + (r.unconfirmed ? " *" : "")},
           {kRequiredX, (r.minimum ? "at least " : "at most ") + Amount(r, r.required)},
           {kCountedX, Amount(r, r.counted)}});
  }
  if (any_unconfirmed) {
    l.Paragraph("* The number is unconfirmed against the Board's primary sources.", 7);
  }

  l.Heading("Weeks and weekly logs");
  l.Row({{0, "Weeks of supervision"}, {kNumberX, std::to_string(f.weeks_supervised)}});
  l.Row({{0, "Weeks with individual or triadic supervision"},
         {kNumberX, std::to_string(f.weeks_individual_triadic)}});
  l.Row({{0, "Weekly logs in the period"}, {kNumberX, std::to_string(f.weekly_logs)}});
  l.Row({{0, "Signed by the supervisor"}, {kNumberX, std::to_string(f.signed_logs)}});
  l.Row({{0, "Signed, then changed (no longer matching)"},
         {kNumberX, std::to_string(f.signed_changed)}},
        f.signed_changed > 0);
  if (f.signed_changed > 0) {
    l.Paragraph(fmt::format("{} signed weekly log{} changed after signing: {} signature{} no "
                            "longer match{} the log.",
                            f.signed_changed, f.signed_changed == 1 ? " was" : "s were",
                            f.signed_changed == 1 ? "its" : "their",
                            f.signed_changed == 1 ? "" : "s", f.signed_changed == 1 ? "es" : ""),
                8, true);
  }

  // The signature block: who, when, the content hash, the QR code to /verify.
  l.Need(kQrSize + 60);  // the heading and the block on one page
  l.Heading("Electronic signature");
  const double top = l.y();
  const double text_width = kWidth - kQrSize - 16;
  std::string who =
      f.signed_at
          ? fmt::format("Signed electronically by {} on {}.", Dash(f.supervisor_name),
                        pdf_kit::SignedAtWords(*f.signed_at))
          : fmt::format("Not signed yet: to be signed electronically by {}, the supervisor (the "
                        "associate may not sign for the supervisor).",
                        Dash(f.supervisor_name));
  if (!f.signed_at && f.stale_signed_at) {
    who += fmt::format(" The signature of {} no longer matches: the hours changed after it was "
                       "signed.",
                       pdf_kit::SignedAtWords(*f.stale_signed_at));
  }
  double y = top;
  y += pen.Text(kMargin, y, text_width, who, 8.5, true) + 3;
  y += pen.Text(kMargin, y, text_width,
                fmt::format("Summary prepared on {}.", pdf_kit::SignedAtWords(f.prepared_at)),
                8) + 3;
  y += pen.Text(kMargin, y, text_width, "Content SHA-256 of this summary:", 8) + 1;
  y += pen.Text(kMargin, y, text_width, sha, 7.5, false, true) + 3;
  if (!f.signature_event_id.empty()) {
    y += pen.Text(kMargin, y, text_width,
                  fmt::format("The signature is audit event {}; its receipt proves it.",
                              f.signature_event_id),
                  7.5) + 2;
  }
  y += pen.Text(kMargin, y, text_width,
                "Each signature, with its receipt, is checked at the verify page:", 7.5);
  if (!f.verify_url.empty()) {
    y += pen.Text(kMargin, y, 0, f.verify_url, 7.5, false, true);
    pdf_kit::DrawQr(doc.cr.get(), kMargin + kWidth - kQrSize, top, kQrSize, f.verify_url);
  }
  l.y() = std::max(y, top + kQrSize + 12);
  l.EndPage();
  ALCOVE_TRY(pdf_kit::Finish(doc, "verification pdf"));
  return std::move(doc.bytes);
}

}  // namespace alcove::forms
