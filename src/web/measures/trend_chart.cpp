#include "web/measures/trend_chart.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace alcove::web::measures_routes {
namespace {

// The drawing's own units; the SVG scales to the page's width. 400 wide keeps 13-unit
// text at 11 px or more on a 390 px phone (a content width of about 350 px).
constexpr double kWidth = 400;
constexpr double kHeight = 260;
constexpr double kLeft = 34;
constexpr double kRight = 12;
constexpr double kTop = 12;
constexpr double kBottom = 30;
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr double kPlotHeight = kHeight - kTop - kBottom;
constexpr double kTextHeight = 15;  // a band shorter than this gets no label inside

// Text for an SVG: the instrument's words are fixed, but escape them all the same.
std::string Escaped(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string TrendChartSvg(const measures::Scale& scale, std::span<const TrendPoint> points,
                          std::string_view id, std::string_view title) {
  const double lo = scale.min;
  const double hi = std::max(scale.max, scale.min + 1);
  const auto y_of = [&](double v) { return kTop + kPlotHeight - (v - lo) / (hi - lo) * kPlotHeight; };
  const std::size_t n = points.size();
  const auto x_of = [&](std::size_t i) {
    return n <= 1 ? kLeft + kPlotWidth / 2
                  : kLeft + 8 + static_cast<double>(i) / static_cast<double>(n - 1) * (kPlotWidth - 16);
  };

  std::string desc;
  if (points.empty()) {
    desc = "No results yet.";
  } else {
    desc = fmt::format("{} result{} from {} to {}: first {} ({}), latest {} ({}). ", n,
                       n == 1 ? "" : "s", points.front().day, points.back().day,
                       points.front().value, points.front().band, points.back().value,
                       points.back().band);
  }
  desc += fmt::format("The scale runs from {} to {}; the shaded bands are its ranges", scale.min,
                      scale.max);
  for (std::size_t b = 0; b < scale.bands.size(); ++b) {
    desc += fmt::format("{} {} to {} {}", b == 0 ? ":" : ",", scale.bands[b].min,
                        scale.bands[b].max, scale.bands[b].words);
  }
  desc += ". The table below the chart has the same numbers.";

  std::string svg = fmt::format(
      R"(<svg class="trend-chart" role="img" aria-labelledby="{0}-title {0}-desc" )"
      R"(viewBox="0 0 {1} {2}" xmlns="http://www.w3.org/2000/svg">)"
      "\n<title id=\"{0}-title\">{3}</title>\n<desc id=\"{0}-desc\">{4}</desc>\n",
      id, kWidth, kHeight, Escaped(title), Escaped(desc));

  // The bands, lowest first, each with its words inside where they fit, and the score at
  // its lower edge on the axis.
  for (std::size_t b = 0; b < scale.bands.size(); ++b) {
    const measures::Band& band = scale.bands[b];
    // A band covers its scores' whole units: from min - 0.5 to max + 0.5, within the scale.
    const double top = y_of(std::min<double>(band.max + 0.5, hi));
    const double bottom = y_of(std::max<double>(band.min - 0.5, lo));
    svg += fmt::format(
        R"(<rect class="band band-{}" x="{}" y="{:.1f}" width="{}" height="{:.1f}"/>)", b % 5,
        kLeft, top, kPlotWidth, bottom - top);
    if (bottom - top >= kTextHeight) {
      svg += fmt::format(R"(<text class="band-label" x="{}" y="{:.1f}">{}</text>)", kLeft + 6,
                         top + 13, Escaped(band.words));
    }
    svg += fmt::format(
        R"(<text class="chart-label" x="{}" y="{:.1f}" text-anchor="end">{}</text>)"
        "\n",
        kLeft - 5, std::min(y_of(band.min) + 4, kTop + kPlotHeight + 4), band.min);
  }
  svg += fmt::format(
      R"(<text class="chart-label" x="{}" y="{:.1f}" text-anchor="end">{}</text>)"
      "\n",
      kLeft - 5, y_of(scale.max) + 4, scale.max);

  // The line, then the points over it, each with its words.
  if (n > 1) {
    std::string path;
    for (std::size_t i = 0; i < n; ++i) {
      path += fmt::format("{}{:.1f},{:.1f}", i == 0 ? "" : " ", x_of(i),
                          y_of(points[i].value));
    }
    svg += fmt::format(R"(<polyline class="trend-line" points="{}"/>)"
                       "\n",
                       path);
  }
  const double radius = n > 60 ? 2.5 : 4.5;
  for (std::size_t i = 0; i < n; ++i) {
    svg += fmt::format(
        R"(<circle class="trend-point" cx="{:.1f}" cy="{:.1f}" r="{}"><title>{}: {} ({})</title></circle>)"
        "\n",
        x_of(i), y_of(points[i].value), radius, Escaped(points[i].day), points[i].value,
        Escaped(points[i].band));
  }

  // The x axis: the first and the latest day, and one between when there is room.
  svg += fmt::format(R"(<line class="chart-axis" x1="{0}" x2="{1}" y1="{2:.1f}" y2="{2:.1f}"/>)"
                     "\n",
                     kLeft, kWidth - kRight, kTop + kPlotHeight);
  const double label_y = kHeight - 10;
  if (n == 1) {
    svg += fmt::format(R"(<text class="chart-label" x="{:.1f}" y="{}" text-anchor="middle">{}</text>)",
                       x_of(0), label_y, Escaped(points[0].day));
  } else if (n > 1) {
    svg += fmt::format(R"(<text class="chart-label" x="{:.1f}" y="{}" text-anchor="start">{}</text>)",
                       x_of(0) - 8, label_y, Escaped(points.front().day));
    svg += fmt::format(R"(<text class="chart-label" x="{:.1f}" y="{}" text-anchor="end">{}</text>)",
                       x_of(n - 1) + 8, label_y, Escaped(points.back().day));
    if (n >= 5) {
      svg += fmt::format(
          R"(<text class="chart-label" x="{:.1f}" y="{}" text-anchor="middle">{}</text>)",
          x_of(n / 2), label_y, Escaped(points[n / 2].day));
    }
  }
  svg += "\n</svg>";
  return svg;
}

}  // namespace alcove::web::measures_routes
