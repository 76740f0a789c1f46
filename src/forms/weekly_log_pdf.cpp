#include "forms/weekly_log_pdf.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fmt/format.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include <chrono>
#include <algorithm>
#include <memory>
#include <vector>
#include <string_view>

#include "core/time_text.hpp"
#include "hours/words.hpp"

namespace alcove::forms {
namespace {

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

std::string TrackTitle(hours::Track track) {
  switch (track) {
    case hours::Track::kAmft:
      return "Associate Marriage and Family Therapist (AMFT)";
    case hours::Track::kApcc:
      return "Associate Professional Clinical Counselor (APCC)";
    case hours::Track::kAsw:
      return "Associate Clinical Social Worker (ASW)";
  }
  return "";
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

// "3 Nov 2025 at 14:05 UTC (2025-11-03T14:05:00Z)".
std::string SignedAtWords(Micros t) {
  const auto tp = std::chrono::sys_time<std::chrono::microseconds>(std::chrono::microseconds(t));
  const auto day = std::chrono::floor<std::chrono::days>(tp);
  const std::chrono::hh_mm_ss hms(std::chrono::floor<std::chrono::seconds>(tp - day));
  const std::string iso = FormatRfc3339Micros(t).substr(0, 19) + "Z";
  return fmt::format("{} at {:02}:{:02} UTC ({})", hours::DayWords(day), hms.hours().count(),
                     hms.minutes().count(), iso);
}

struct CairoDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct GObjectDeleter {
  void operator()(void* p) const { g_object_unref(p); }
};
struct FontDeleter {
  void operator()(PangoFontDescription* f) const { pango_font_description_free(f); }
};
struct QrDeleter {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

// Draws text: `width` wraps it (0: one line), `size` in points; returns its height.
class Pen {
 public:
  explicit Pen(cairo_t* cr) : cr_(cr), layout_(pango_cairo_create_layout(cr)) {}

  double Text(double x, double y, double width, std::string_view text, double size,
              bool bold = false, bool mono = false) {
    std::unique_ptr<PangoFontDescription, FontDeleter> font(pango_font_description_from_string(
        fmt::format("{} {}{}", mono ? "DejaVu Sans Mono" : "DejaVu Sans", bold ? "Bold " : "",
                    size)
            .c_str()));
    auto* layout = static_cast<PangoLayout*>(layout_.get());
    pango_layout_set_font_description(layout, font.get());
    pango_layout_set_width(layout, width > 0 ? static_cast<int>(width * PANGO_SCALE) : -1);
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
    cairo_move_to(cr_, x, y);
    pango_cairo_show_layout(cr_, layout);
    int w = 0;
    int h = 0;
    pango_layout_get_size(layout, &w, &h);
    return static_cast<double>(h) / PANGO_SCALE;
  }

 private:
  cairo_t* cr_;
  std::unique_ptr<void, GObjectDeleter> layout_;
};

void Line(cairo_t* cr, double x0, double y0, double x1, double y1, double width = 0.6) {
  cairo_set_line_width(cr, width);
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
  cairo_stroke(cr);
}

// The QR code of `url` as filled squares in a `size` square at (x, y). False when the
// URL does not fit a QR code.
bool DrawQr(cairo_t* cr, double x, double y, double size, const std::string& url) {
  std::unique_ptr<QRcode, QrDeleter> qr(
      QRcode_encodeString8bit(url.c_str(), 0, QR_ECLEVEL_M));
  if (!qr) {
    return false;
  }
  const int n = qr->width;
  const double cell = size / (n + 8);  // the standard's quiet zone: four modules a side
  for (int row = 0; row < n; ++row) {
    for (int col = 0; col < n; ++col) {
      if ((qr->data[row * n + col] & 1) != 0) {
        cairo_rectangle(cr, x + (col + 4) * cell, y + (row + 4) * cell, cell, cell);
      }
    }
  }
  cairo_fill(cr);
  return true;
}

cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
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
  std::string out;
  std::unique_ptr<cairo_surface_t, CairoDeleter> surface(
      cairo_pdf_surface_create_for_stream(Append, &out, kPageWidth, kPageHeight));
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE,
                                 "Weekly log of experience hours");
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "Alcove");
  std::unique_ptr<cairo_t, CairoDeleter> owner(cairo_create(surface.get()));
  cairo_t* cr = owner.get();
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
  owner.reset();
  cairo_surface_finish(surface.get());
  if (const cairo_status_t st = cairo_surface_status(surface.get()); st != CAIRO_STATUS_SUCCESS) {
    return Fail(ErrorCode::kInternal,
                fmt::format("weekly log pdf: cairo failed: {}", cairo_status_to_string(st)));
  }
  return out;
}

}  // namespace alcove::forms
