#include "web/hours/chart.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "web/hours/page_kit.hpp"

namespace alcove::web::hours_pages {
namespace {

// The drawing's own units (the SVG scales to the page's width).
constexpr double kWidth = 640;
constexpr double kHeight = 280;
constexpr double kLeft = 44;
constexpr double kRight = 24;
constexpr double kTop = 28;
constexpr double kBottom = 36;
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr double kPlotHeight = kHeight - kTop - kBottom;
constexpr std::int64_t kLimitHours = 40;  // the weekly limit drawn (rules: 40 in 7 days)

// "2 Nov" (the axis has no room for the weekday).
std::string AxisDay(hours::Day day) {
  const std::string s = DayShort(day);  // "Mon 2 Nov"
  return s.substr(s.find(' ') + 1);
}

}  // namespace

std::string WeeklyChartSvg(std::span<const ChartWeek> weeks, std::string_view id) {
  std::int64_t most = 0;
  for (const auto& w : weeks) {
    most = std::max(most, w.direct_minutes + w.nonclinical_minutes);
  }
  // The scale: at least the 40-hour limit, rounded up to ten hours.
  const std::int64_t top_hours = std::max(kLimitHours, (most + 599) / 600 * 10);
  const std::int64_t grid_step = top_hours > 80 ? 20 : 10;
  const auto y_of = [&](double minutes) {
    return kTop + kPlotHeight - minutes / 60.0 / static_cast<double>(top_hours) * kPlotHeight;
  };
  const std::size_t n = std::max<std::size_t>(weeks.size(), 1);
  const double slot = kPlotWidth / static_cast<double>(n);

  std::string title = "Hours per week";
  if (!weeks.empty()) {
    title += fmt::format(", weeks of {} to {}", DateWords(weeks.front().week_start),
                         DateWords(weeks.back().week_start));
  }
  std::string svg = fmt::format(
      R"(<svg class="hours-chart" role="img" aria-labelledby="{0}-title {0}-desc" )"
      R"(viewBox="0 0 {1} {2}" xmlns="http://www.w3.org/2000/svg">)"
      "\n<title id=\"{0}-title\">{3}</title>\n"
      "<desc id=\"{0}-desc\">Direct clinical hours with nonclinical hours stacked above them, "
      "for each of {4} weeks. The dashed line marks {5} hours. The table below the chart has "
      "the same numbers.</desc>\n",
      id, kWidth, kHeight, title, weeks.size(), kLimitHours);

  // Grid lines and the hour labels.
  for (std::int64_t h = 0; h <= top_hours; h += grid_step) {
    const double y = y_of(static_cast<double>(h * 60));
    svg +=
        fmt::format(R"(<line class="chart-grid" x1="{0}" x2="{1}" y1="{2:.1f}" y2="{2:.1f}"/>)"
                    R"(<text class="chart-label" x="{3}" y="{4:.1f}" text-anchor="end">{5}</text>)"
                    "\n",
                    kLeft, kWidth - kRight, y, kLeft - 6, y + 4, h);
  }

  // The bars: direct at the bottom, nonclinical above.
  const std::size_t label_every = (weeks.size() + 5) / 6;
  for (std::size_t i = 0; i < weeks.size(); ++i) {
    const ChartWeek& w = weeks[i];
    const double x = kLeft + static_cast<double>(i) * slot + slot * 0.15;
    const double bw = slot * 0.7;
    const double base = y_of(0);
    const double direct_top = y_of(static_cast<double>(w.direct_minutes));
    const double all_top = y_of(static_cast<double>(w.direct_minutes + w.nonclinical_minutes));
    svg += fmt::format("<g><title>Week of {}: {} direct, {} nonclinical hours</title>",
                       DateWords(w.week_start), HoursNumber(w.direct_minutes),
                       HoursNumber(w.nonclinical_minutes));
    if (w.direct_minutes > 0) {
      svg += fmt::format(
          R"(<rect class="chart-direct" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"/>)", x,
          direct_top, bw, base - direct_top);
    }
    if (w.nonclinical_minutes > 0) {
      svg += fmt::format(
          R"(<rect class="chart-nonclinical" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"/>)",
          x, all_top, bw, direct_top - all_top);
    }
    svg += "</g>\n";
    if (label_every > 0 && (i % label_every == 0)) {
      svg += fmt::format(
          R"(<text class="chart-label" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)"
          "\n",
          x + bw / 2, kHeight - kBottom + 20, AxisDay(w.week_start));
    }
  }

  // The weekly limit, over the bars.
  const double limit_y = y_of(static_cast<double>(kLimitHours * 60));
  svg += fmt::format(
      R"(<line class="chart-limit" x1="{0}" x2="{1}" y1="{2:.1f}" y2="{2:.1f}" stroke-dasharray="6 4"/>)"
      R"(<text class="chart-label" x="{1}" y="{3:.1f}" text-anchor="end">{4}-hour limit</text>)"
      "\n",
      kLeft, kWidth - kRight, limit_y, limit_y - 5, kLimitHours);
  svg += fmt::format(R"(<line class="chart-axis" x1="{0}" x2="{1}" y1="{2:.1f}" y2="{2:.1f}"/>)",
                     kLeft, kWidth - kRight, y_of(0));
  svg += "\n</svg>";
  return svg;
}

}  // namespace alcove::web::hours_pages
