// What the hours pages show and read (src/web/hours/page_kit.hpp, chart.hpp): hours as
// people type them into the week grid and the session form, numbers and days in words,
// and the weekly chart's SVG (an image with a title and a description, bars in
// proportion, no inline style).
#include <gtest/gtest.h>

#include <regex>
#include <vector>

#include "web/hours/chart.hpp"
#include "web/hours/page_kit.hpp"

namespace alcove::web::hours_pages {
namespace {

hours::Day D(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days(std::chrono::year(y) / m / d);
}

TEST(HoursPageKit, ParsesHoursAsPeopleTypeThem) {
  EXPECT_EQ(ParseHours("1.5"), 90);
  EXPECT_EQ(ParseHours("1,5"), 90);
  EXPECT_EQ(ParseHours(".5"), 30);
  EXPECT_EQ(ParseHours(" 2 "), 120);
  EXPECT_EQ(ParseHours("1:30"), 90);
  EXPECT_EQ(ParseHours(":45"), 45);
  EXPECT_EQ(ParseHours("0:05"), 5);
  EXPECT_EQ(ParseHours("1.33"), 80);  // rounded to the minute
  EXPECT_EQ(ParseHours("0"), 0);
  EXPECT_EQ(ParseHours("24"), 1440);
  for (const char* bad : {"", " ", "abc", "1.5h", "1:5", "1:60", "-1", "1.2.3", ".", "1,000",
                          "1.255", "1 30", "١"}) {
    EXPECT_EQ(ParseHours(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(HoursPageKit, ParsesWholeMinutesOnly) {
  EXPECT_EQ(ParseMinutes("50"), 50);
  EXPECT_EQ(ParseMinutes(" 50 "), 50);
  for (const char* bad : {"", "5.5", "fifty", "-5", "1234567"}) {
    EXPECT_EQ(ParseMinutes(bad), std::nullopt) << bad;
  }
}

TEST(HoursPageKit, ShowsHoursAndLengthsInWords) {
  EXPECT_EQ(HoursNumber(0), "0");
  EXPECT_EQ(HoursNumber(90), "1.5");
  EXPECT_EQ(HoursNumber(50), "0.83");
  EXPECT_EQ(HoursNumber(20), "0.33");
  EXPECT_EQ(HoursNumber(59 * 60 + 59), "59.98");
  EXPECT_EQ(HoursNumber(1), "0.02");
  EXPECT_EQ(HoursNumber(1750 * 60), "1,750");
  EXPECT_EQ(HoursNumber(3000 * 60 + 15), "3,000.25");
  EXPECT_EQ(LengthWords(50), "50 minutes");
  EXPECT_EQ(LengthWords(1), "1 minute");
  EXPECT_EQ(LengthWords(60), "1 hour");
  EXPECT_EQ(LengthWords(90), "1 hour 30 minutes");
  EXPECT_EQ(LengthWords(12 * 60), "12 hours");
  EXPECT_EQ(LengthWords(0), "0 minutes");
}

TEST(HoursPageKit, DaysAndNamesInWords) {
  EXPECT_EQ(DayLong(D(2026, 11, 30)), "Monday 30 November 2026");
  EXPECT_EQ(DayShort(D(2026, 12, 6)), "Sun 6 Dec");
  EXPECT_EQ(DateWords(D(2026, 1, 2)), "2 January 2026");
  EXPECT_EQ(WeekdayName(1), "Tuesday");
  EXPECT_EQ(WeekdayName(7), "");
  EXPECT_EQ(TrackFull(hours::Track::kApcc), "Associate Professional Clinical Counselor");
  EXPECT_EQ(StatusWords(hours::WeekStatus::kSubmitted), "Waiting for signature");
  EXPECT_EQ(StatusWords(hours::WeekStatus::kReturned), "Returned with a comment");
  // Every category has words, and the order lists each one once.
  std::vector<hours::Category> seen(std::begin(kCategoryOrder), std::end(kCategoryOrder));
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(hours::kCategoryCount));
  for (const auto c : kCategoryOrder) {
    EXPECT_FALSE(CategoryWords(c).empty());
    EXPECT_EQ(std::count(seen.begin(), seen.end(), c), 1);
  }
  EXPECT_TRUE(IsDirect(hours::Category::kGroup));
  EXPECT_FALSE(IsDirect(hours::Category::kSupervisionGroup));
}

TEST(HoursChart, IsAnImageWithATitleDescriptionAndProportionalBars) {
  const std::vector<ChartWeek> weeks = {
      {D(2026, 11, 16), 10 * 60, 2 * 60},
      {D(2026, 11, 23), 0, 0},
      {D(2026, 11, 30), 20 * 60, 0},
  };
  const std::string svg = WeeklyChartSvg(weeks, "c");
  EXPECT_NE(svg.find(R"(role="img" aria-labelledby="c-title c-desc")"), std::string::npos) << svg;
  EXPECT_NE(svg.find(R"(<title id="c-title">Hours per week, weeks of 16 November 2026 to )"
                     R"(30 November 2026</title>)"),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find("<desc id=\"c-desc\">"), std::string::npos);
  EXPECT_EQ(svg.find("style"), std::string::npos) << "no inline style (CSP)";
  // Bars: heights in proportion (the scale is 40 hours over 228 units).
  std::regex bar(R"re(<rect class="chart-(direct|nonclinical)" x="[0-9.]+" y="[0-9.]+" )re"
                 R"re(width="[0-9.]+" height="([0-9.]+)"/>)re");
  std::vector<std::pair<std::string, double>> bars;
  for (std::sregex_iterator it(svg.begin(), svg.end(), bar), end; it != end; ++it) {
    bars.emplace_back((*it)[1], std::stod((*it)[2]));
  }
  ASSERT_EQ(bars.size(), 3u) << svg;  // the empty week draws nothing
  EXPECT_EQ(bars[0].first, "direct");
  EXPECT_EQ(bars[1].first, "nonclinical");
  EXPECT_NEAR(bars[0].second / bars[1].second, 5.0, 0.05);
  EXPECT_NEAR(bars[2].second / bars[0].second, 2.0, 0.02);
  // Each week says its numbers to a pointer, and the limit is drawn.
  EXPECT_NE(svg.find("<title>Week of 16 November 2026: 10 direct, 2 nonclinical hours</title>"),
            std::string::npos);
  EXPECT_NE(svg.find("40-hour limit"), std::string::npos);
}

TEST(HoursChart, ScalesAboveTheLimitWhenAWeekHasMore) {
  const std::vector<ChartWeek> weeks = {{D(2026, 11, 30), 45 * 60, 10 * 60}};
  const std::string svg = WeeklyChartSvg(weeks, "c");
  // 55 hours: the scale goes to 60, labelled every 10 hours.
  EXPECT_NE(svg.find(">60</text>"), std::string::npos) << svg;
  EXPECT_EQ(svg.find(">70</text>"), std::string::npos) << svg;
}

}  // namespace
}  // namespace alcove::web::hours_pages
