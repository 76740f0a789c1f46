#pragma once

// The progress page's weekly chart (docs/hours.md § Pages): hours per week as a
// server-rendered SVG, stacked direct clinical and nonclinical, with the 40-hour weekly
// limit drawn. The SVG is an image with a title and a description (role="img"); the
// page shows the same numbers in a table (the chart's alternative). Colours come from
// app.css classes (no inline style: CSP).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "hours/types.hpp"

namespace alcove::web::hours_pages {

struct ChartWeek {
  hours::Day week_start{};
  std::int64_t direct_minutes = 0;
  std::int64_t nonclinical_minutes = 0;
};

// `weeks` in order, oldest first (every week, empty ones too). `id` prefixes the ids of
// the title and description (aria-labelledby). Only fixed words and numbers go in.
std::string WeeklyChartSvg(std::span<const ChartWeek> weeks, std::string_view id);

}  // namespace alcove::web::hours_pages
