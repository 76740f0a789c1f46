#include "forms/pdf_kit.hpp"

#include <cairo-pdf.h>
#include <fmt/format.h>
#include <qrencode.h>

#include <chrono>

#include "core/time_text.hpp"
#include "hours/words.hpp"

namespace alcove::forms::pdf_kit {
namespace {

struct FontDeleter {
  void operator()(PangoFontDescription* f) const { pango_font_description_free(f); }
};
struct QrDeleter {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

}  // namespace

double Pen::Text(double x, double y, double width, std::string_view text, double size, bool bold,
                 bool mono) {
  std::unique_ptr<PangoFontDescription, FontDeleter> font(pango_font_description_from_string(
      fmt::format("{} {}{}", mono ? "DejaVu Sans Mono" : "DejaVu Sans", bold ? "Bold " : "", size)
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

void Line(cairo_t* cr, double x0, double y0, double x1, double y1, double width) {
  cairo_set_line_width(cr, width);
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
  cairo_stroke(cr);
}

bool DrawQr(cairo_t* cr, double x, double y, double size, const std::string& url) {
  std::unique_ptr<QRcode, QrDeleter> qr(QRcode_encodeString8bit(url.c_str(), 0, QR_ECLEVEL_M));
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

void Open(Document& doc, double width, double height, const char* title) {
  doc.surface.reset(cairo_pdf_surface_create_for_stream(Append, &doc.bytes, width, height));
  cairo_pdf_surface_set_metadata(doc.surface.get(), CAIRO_PDF_METADATA_TITLE, title);
  cairo_pdf_surface_set_metadata(doc.surface.get(), CAIRO_PDF_METADATA_CREATOR, "Alcove");
  doc.cr.reset(cairo_create(doc.surface.get()));
}

Status Finish(Document& doc, std::string_view what) {
  doc.cr.reset();
  cairo_surface_finish(doc.surface.get());
  if (const cairo_status_t st = cairo_surface_status(doc.surface.get());
      st != CAIRO_STATUS_SUCCESS) {
    return Fail(ErrorCode::kInternal,
                fmt::format("{}: cairo failed: {}", what, cairo_status_to_string(st)));
  }
  return {};
}

std::string SignedAtWords(Micros t) {
  const auto tp = std::chrono::sys_time<std::chrono::microseconds>(std::chrono::microseconds(t));
  const auto day = std::chrono::floor<std::chrono::days>(tp);
  const std::chrono::hh_mm_ss hms(std::chrono::floor<std::chrono::seconds>(tp - day));
  const std::string iso = FormatRfc3339Micros(t).substr(0, 19) + "Z";
  return fmt::format("{} at {:02}:{:02} UTC ({})", hours::DayWords(day), hms.hours().count(),
                     hms.minutes().count(), iso);
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

}  // namespace alcove::forms::pdf_kit
