#include "forms/weekly_log_pdf.hpp"

#include <fmt/format.h>

#include <chrono>
#include <algorithm>
#include <memory>
#include <vector>
#include <string_view>

#include "forms/pdf_kit.hpp"
#include "hours/words.hpp"

namespace alcove::forms {
namespace {

using pdf_kit::DrawQr;
using pdf_kit::Line;
using pdf_kit::Pen;
using pdf_kit::SignedAtWords;
using pdf_kit::TrackTitle;

// US Letter, landscape: the weeks are rows, the columns the form's.
constexpr double kPageWidth = 792;
constexpr double kPageHeight = 612;
constexpr double kMargin = 36;
constexpr double kRowHeight = 66;
constexpr double kHeadRowHeight = 40;  // the table's column heads
constexpr double kFooterHeight = 40;   // the columns' legend and the page number
constexpr double kQrSize = 40;

struct Column {
  const char* code;   // "A", "A1", ...
  const char* head;   // "Direct": the column's head
  const char* label;  // "Direct clinical counseling": the legend
  std::int64_t (*minutes)(const hours::WeekTotals&);
};

std::int64_t Direct(const hours::WeekTotals& t) { return t.direct; }
std::int64_t Cfc(const hours::WeekTotals& t) { return t.cfc; }
std::int64_t Nonclinical(const hours::WeekTotals& t) { return t.nonclinical; }
std::int64_t IndividualTriadic(const hours::WeekTotals& t) {
  return t.supervision_individual_triadic;
}
std::int64_t GroupSupervision(const hours::WeekTotals& t) { return t.supervision_group; }
std::int64_t Total(const hours::WeekTotals& t) { return t.total; }
// ASW A1, individual or group psychotherapy: the direct categories (docs/hours-rules.md:
// the 750 psychotherapy hours count couples, families and children with them).
std::int64_t Psychotherapy(const hours::WeekTotals& t) {
  using hours::Category;
  return t.by_category[static_cast<int>(Category::kIndividual)] +
         t.by_category[static_cast<int>(Category::kCouplesFamilyChildren)] +
         t.by_category[static_cast<int>(Category::kGroup)];
}

// 37A-525 (Option 1) per bbs-hours-rules.md § 5; the labels are unconfirmed against the
// Board's PDF (docs/hours-forms.md).
constexpr Column kMftColumns[] = {
    {"A", "Direct", "Direct clinical counseling", Direct},
    {"A1", "Couples, families, children", "of A, diagnosing and treating couples, families and children", Cfc},
    {"B", "Nonclinical", "Nonclinical experience (supervision included)", Nonclinical},
    {"B1", "Individual or triadic supervision", "of B, individual or triadic supervision", IndividualTriadic},
    {"B2", "Group supervision", "of B, group supervision", GroupSupervision},
    {"C", "Total", "Total (A + B)", Total},
};
// 37A-638; the meaning of its column C is unconfirmed, so it is not printed.
constexpr Column kAswColumns[] = {
    {"S1", "Individual or triadic supervision", "Supervision, individual or triadic", IndividualTriadic},
    {"S2", "Group supervision", "Supervision, group", GroupSupervision},
    {"A", "Clinical", "Clinical psychosocial diagnosis, assessment and treatment", Direct},
    {"A1", "Psycho\u00adtherapy", "of A, individual or group psychotherapy", Psychotherapy},
    {"B", "Other", "Client-centered advocacy, consultation, evaluation, research, supervision and other nonclinical experience", Nonclinical},
    {"T", "Total", "Total hours per week", Total},
};

std::span<const Column> ColumnsOf(hours::Track track) {
  if (track == hours::Track::kAsw) {
    return kAswColumns;
  }
  return kMftColumns;
}

std::string StatusWords(hours::WeekStatus s) {
  switch (s) {
    case hours::WeekStatus::kDraft:
      return "Not signed yet: not yet submitted to the supervisor.";
    case hours::WeekStatus::kSubmitted:
      return "Not signed yet: waiting for the supervisor's signature.";
    case hours::WeekStatus::kReturned:
      return "Not signed yet: returned to the associate with a comment.";
    case hours::WeekStatus::kSigned:
      return "Signed.";
  }
  return "";
}

}  // namespace

std::string_view LayoutFormOf(hours::Track track) {
  return track == hours::Track::kAsw ? "37A-638" : "37A-525";
}

Result<std::string> RenderWeeklyLog(const WeeklyLogForm& form) {
  if (form.weeks.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "weekly log pdf: no weeks",
                "There are no weekly logs in that range.");
  }
  if (form.weeks.size() > kMaxWeeksPerPdf) {
    return Fail(ErrorCode::kInvalidArgument, "weekly log pdf: too many weeks",
                "A document holds at most five years of weeks; choose a shorter range.");
  }
  pdf_kit::Document doc;
  pdf_kit::Open(doc, kPageWidth, kPageHeight, "Weekly log of experience hours");
  cairo_t* cr = doc.cr.get();
  Pen pen(cr);

  const auto columns = ColumnsOf(form.track);
  const std::string layout_form(LayoutFormOf(form.track));
  const double table_width = kPageWidth - 2 * kMargin;
  const double week_width = 80;
  const double number_width = 52;
  const double sign_x = kMargin + week_width + number_width * static_cast<double>(columns.size());
  const double sign_width = kMargin + table_width - sign_x;
  std::string legend;
  for (const Column& c : columns) {
    legend += fmt::format("{}{}: {}", legend.empty() ? "" : ". ", c.code, c.label);
  }
  legend += ". Hours in decimal hours.";

  const std::string first_year = fmt::format(
      "{}", static_cast<int>(std::chrono::year_month_day(form.weeks.front().week_start).year()));
  const std::string last_year = fmt::format(
      "{}", static_cast<int>(std::chrono::year_month_day(form.weeks.back().week_start).year()));
  const std::string header = fmt::format(
      "Associate: {}    Registration number: {}\nSupervisor: {}    Work setting: {}\n"
      "Year: {}    Hours: {}",
      form.associate_name.empty() ? "—" : form.associate_name,
      form.registration_number.empty() ? "—" : form.registration_number,
      form.supervisor_name.empty() ? "—" : form.supervisor_name, form.setting_name,
      first_year == last_year ? first_year : first_year + "–" + last_year,
      form.pre_degree ? "pre-degree (kept apart from post-degree hours)"
                      : "post-degree (kept apart from pre-degree hours)");
  const std::string note = fmt::format(
      "Prepared by Alcove in the layout of Board of Behavioral Sciences form {}{}. This is a "
      "record kept by the associate, not the Board's form.",
      layout_form,
      form.track == hours::Track::kApcc
          ? " (the MFT form's layout: the number of the APCC form is not confirmed)"
          : "");

  std::size_t next = 0;
  int pages = 0;
  // Two passes: the first counts the pages (the header's height decides the rows a page
  // holds), the second draws them with "Page N of M".
  for (int pass = 0; pass < 2; ++pass) {
    next = 0;
    int page = 0;
    while (next < form.weeks.size()) {
      ++page;
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      const bool draw = pass == 1;
      if (!draw) {
        cairo_push_group(cr);  // measured, then thrown away
      }
      double y = kMargin;
      y += pen.Text(kMargin, y, table_width, "Weekly log of experience hours", 14, true);
      y += pen.Text(kMargin, y, table_width, TrackTitle(form.track), 10, true);
      y += 2 + pen.Text(kMargin, y + 2, table_width, note, 7.5);
      y += 6 + pen.Text(kMargin, y + 6, table_width, header, 9);
      double ty = y + 10;
      const double top = ty;
      Line(cr, kMargin, ty, kMargin + table_width, ty, 1);
      pen.Text(kMargin + 3, ty + 3, week_width - 6, "Week of", 7.5, true);
      for (std::size_t i = 0; i < columns.size(); ++i) {
        const double x = kMargin + week_width + number_width * static_cast<double>(i);
        const double h = pen.Text(x + 3, ty + 3, number_width - 6, columns[i].code, 7.5, true);
        pen.Text(x + 3, ty + 3 + h, number_width - 6, columns[i].head, 5.8);
      }
      pen.Text(sign_x + 4, ty + 3, sign_width - 8, "Supervisor's electronic signature", 7.5, true);
      ty += kHeadRowHeight;
      Line(cr, kMargin, ty, kMargin + table_width, ty, 1);
      const auto fit = static_cast<std::size_t>(
          std::max(1.0, (kPageHeight - kMargin - kFooterHeight - ty) / kRowHeight));
      const std::size_t last = std::min(form.weeks.size(), next + fit);
      for (std::size_t w = next; w < last; ++w) {
        const WeekLine& week = form.weeks[w];
        pen.Text(kMargin + 3, ty + 4, week_width - 6, hours::DayWords(week.week_start), 7.5, true);
        for (std::size_t i = 0; i < columns.size(); ++i) {
          const double x = kMargin + week_width + number_width * static_cast<double>(i);
          pen.Text(x + 3, ty + 4, number_width - 6,
                   hours::HoursNumber(columns[i].minutes(week.totals)), 9);
        }
        const SignatureBlock& s = week.signature;
        if (s.signed_ && s.signed_at) {
          const double text_width = sign_width - kQrSize - 14;
          const std::string words = fmt::format(
              "Signed electronically by {} on {}.\n{}",
              s.signer.empty() ? "the supervisor" : s.signer, SignedAtWords(*s.signed_at),
              s.matches ? "The log is unchanged since it was signed."
                        : "Changed after signing: the signature no longer matches.");
          const double h = pen.Text(sign_x + 4, ty + 3, text_width, words, 5.8, !s.matches);
          pen.Text(sign_x + 4, ty + 4 + h, text_width,
                   "Content SHA-256, signed:\n" + s.signed_sha256 +
                       (s.matches ? std::string() : "\nnow:\n" + s.content_sha256),
                   4.4, false, true);
          if (!s.verify_url.empty() &&
              DrawQr(cr, sign_x + sign_width - kQrSize - 4, ty + 1, kQrSize, s.verify_url)) {
            pen.Text(sign_x + sign_width - kQrSize - 10, ty + kQrSize, kQrSize + 10,
                     s.verify_url, 4);
          }
        } else {
          pen.Text(sign_x + 4, ty + 4, sign_width - 8, StatusWords(week.status), 7.5);
        }
        ty += kRowHeight;
        Line(cr, kMargin, ty, kMargin + table_width, ty);
      }
      for (std::size_t i = 0; i <= columns.size(); ++i) {
        const double x = kMargin + week_width + number_width * static_cast<double>(i);
        Line(cr, x, top, x, ty);
      }
      Line(cr, kMargin, top, kMargin, ty);
      Line(cr, kMargin + table_width, top, kMargin + table_width, ty);
      pen.Text(kMargin, kPageHeight - kMargin - kFooterHeight + 6, table_width,
               legend + fmt::format(" Page {} of {}. The supervisor signs each week; the "
                                    "associate may not sign for the supervisor.",
                                    page, pass == 1 ? pages : 0),
               6.5);
      next = last;
      if (draw) {
        cairo_show_page(cr);
      } else {
        cairo_pattern_destroy(cairo_pop_group(cr));
      }
    }
    pages = page;
  }
  ALCOVE_TRY(pdf_kit::Finish(doc, "weekly log pdf"));
  return std::move(doc.bytes);
}

}  // namespace alcove::forms
