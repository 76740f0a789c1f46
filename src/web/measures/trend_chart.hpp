#pragma once

// A scale's trend on the questionnaires page (docs/measures.md § Pages): the scores of
// one scale over time as a server-rendered SVG, the scale's bands as backgrounds, the
// results as points joined by a line. An image with a title and a description
// (role="img", aria-labelledby); the page shows the same numbers in a table (the chart's
// alternative). Colours come from app.css classes (no inline style: CSP). Drawn for a
// 390 px phone: the text keeps 11 px or more at that width.

#include <span>
#include <string>
#include <string_view>

#include "measures/types.hpp"

namespace alcove::web::measures_routes {

struct TrendPoint {
  std::string day;  // "Tue 1 Dec": the x axis' label and the point's title
  int value = 0;
  std::string band;  // the band's words
};

// `points` oldest first. `id` prefixes the ids of the title and description; `title`
// names the instrument and scale ("PHQ-9 total score"). Only the instrument's fixed words,
// days and numbers go in: the page is the therapist's, under the client's record.
std::string TrendChartSvg(const measures::Scale& scale, std::span<const TrendPoint> points,
                          std::string_view id, std::string_view title);

}  // namespace alcove::web::measures_routes
