#pragma once

// What the PDF forms share (forms/*.cpp; not an interface): cairo and pango handles, a
// pen that lays out Unicode text with pango, lines, the QR code of a URL, the words of a
// signature time and of a track.

#include <cairo.h>
#include <pango/pangocairo.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "hours/types.hpp"

namespace alcove::forms::pdf_kit {

struct CairoDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct GObjectDeleter {
  void operator()(void* p) const { g_object_unref(p); }
};

// Draws text: `width` wraps it (0: one line), `size` in points; returns its height.
class Pen {
 public:
  explicit Pen(cairo_t* cr) : cr_(cr), layout_(pango_cairo_create_layout(cr)) {}
  double Text(double x, double y, double width, std::string_view text, double size,
              bool bold = false, bool mono = false);

 private:
  cairo_t* cr_;
  std::unique_ptr<void, GObjectDeleter> layout_;
};

void Line(cairo_t* cr, double x0, double y0, double x1, double y1, double width = 0.6);

// The QR code of `url` as filled squares in a `size` square at (x, y), with the standard's
// four-module quiet zone. False when the URL does not fit a QR code.
bool DrawQr(cairo_t* cr, double x, double y, double size, const std::string& url);

// A cairo write function appending to the std::string `closure`.
cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length);

// A PDF surface writing into a string, with its title: the surface and its context.
struct Document {
  std::string bytes;
  std::unique_ptr<cairo_surface_t, CairoDeleter> surface;
  std::unique_ptr<cairo_t, CairoDeleter> cr;
};
// Opens `doc` (which must stay where it is: cairo writes into doc.bytes).
void Open(Document& doc, double width, double height, const char* title);
// Ends the document; kInternal naming `what` when cairo failed.
Status Finish(Document& doc, std::string_view what);

// "3 Nov 2025 at 14:05 UTC (2025-11-03T14:05:00Z)".
std::string SignedAtWords(Micros t);
// "Associate Marriage and Family Therapist (AMFT)", ...
std::string TrackTitle(hours::Track track);

}  // namespace alcove::forms::pdf_kit
