#include "web/page_words.hpp"

#include <gtest/gtest.h>

#include "core/time_text.hpp"

namespace alcove::web {
namespace {

Micros At(const char* text) {
  auto t = ParseUtcTime(text);
  EXPECT_TRUE(t) << text;
  return t.value_or(0);
}

TEST(PageWords, TimesAreWordsRelativeToTodayWithTheZoneNamed) {
  const Micros now = At("2026-12-02T10:00:00Z");  // a Wednesday
  EXPECT_EQ(TimeInWords(At("2026-12-02T14:05:59Z"), now), "Today at 14:05 UTC");
  EXPECT_EQ(TimeInWords(At("2026-12-02T00:00:00Z"), now), "Today at 00:00 UTC");
  EXPECT_EQ(TimeInWords(At("2026-12-01T23:59:00Z"), now), "Yesterday at 23:59 UTC");
  EXPECT_EQ(TimeInWords(At("2026-12-03T08:00:00Z"), now), "Tomorrow at 08:00 UTC");
  EXPECT_EQ(TimeInWords(At("2026-11-23T09:30:00Z"), now), "Monday 23 November at 09:30 UTC");
  EXPECT_EQ(TimeInWords(At("2025-02-28T17:45:00Z"), now), "28 February 2025 at 17:45 UTC");
  EXPECT_EQ(TimeInWords(At("2027-01-01T00:00:00Z"), now), "1 January 2027 at 00:00 UTC");
  // No ISO string on screen, whatever the time.
  EXPECT_EQ(TimeInWords(At("2026-11-23T09:30:00Z"), now).find("2026-"), std::string::npos);
}

TEST(PageWords, SessionDaysAndClockTimesAreWords) {
  EXPECT_EQ(DayInWords("2026-12-02"), "Wed 2 Dec 2026");
  EXPECT_EQ(DayInWords("2024-02-29"), "Thu 29 Feb 2024");
  EXPECT_EQ(ClockInWords("23:30"), "11:30 PM");
  EXPECT_EQ(ClockInWords("00:05"), "12:05 AM");
  EXPECT_EQ(ClockInWords("12:00"), "12:00 PM");
  // What is not a date or a time is shown as it is (never an exception on a page).
  for (const char* odd : {"", "2026-02-30", "2026-13-01", "26-12-02", "2026/12/02"}) {
    EXPECT_EQ(DayInWords(odd), odd);
  }
  for (const char* odd : {"", "24:00", "9:30", "09:60", "0930"}) {
    EXPECT_EQ(ClockInWords(odd), odd);
  }
}

TEST(PageWords, FullTimesNeedNoToday) {
  EXPECT_EQ(FullTimeInWords(At("2026-12-02T14:05:00Z")), "Wednesday 2 December 2026 at 14:05 UTC");
  EXPECT_EQ(FullTimeInWords(At("1999-12-31T23:59:00Z")), "Friday 31 December 1999 at 23:59 UTC");
}

TEST(PageWords, AZoneNotKnownYetIsShownInUtcAndSaysSo) {
  const Micros now = At("2026-12-02T10:00:00Z");
  EXPECT_EQ(TimeInWords(At("2026-12-02T14:05:00Z"), now, "Europe/Berlin"), "Today at 14:05 UTC");
  EXPECT_EQ(TimeInWords(At("2026-12-02T14:05:00Z"), now, ""), "Today at 14:05 UTC");
}

TEST(PageWords, BrowsersAreNamedNotQuoted) {
  EXPECT_EQ(BrowserInWords("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
                           "Gecko) Chrome/131.0.0.0 Safari/537.36"),
            "Chrome on Linux");
  EXPECT_EQ(BrowserInWords("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
                           "Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"),
            "Chrome on Linux");
  EXPECT_EQ(BrowserInWords("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) "
                           "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 "
                           "Safari/604.1"),
            "Safari on iPhone");
  EXPECT_EQ(BrowserInWords("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 "
                           "Firefox/133.0"),
            "Firefox on Windows");
  EXPECT_EQ(BrowserInWords("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
                           "like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"),
            "Edge on Windows");
  EXPECT_EQ(BrowserInWords("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
                           "(KHTML, like Gecko) Version/18.1 Safari/605.1.15"),
            "Safari on Mac");
  EXPECT_EQ(BrowserInWords("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36"),
            "A browser on Android");
  EXPECT_EQ(BrowserInWords("curl/8.5.0"), "Unknown browser");
  EXPECT_EQ(BrowserInWords(""), "Unknown browser");
}

}  // namespace
}  // namespace alcove::web
