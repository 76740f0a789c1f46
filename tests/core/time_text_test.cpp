#include "core/time_text.hpp"

#include <gtest/gtest.h>

namespace alcove {
namespace {

TEST(TimeText, ReadsDaysTimesAndFractionsInUtc) {
  EXPECT_EQ(ParseUtcTime("1970-01-01"), Micros{0});
  EXPECT_EQ(ParseUtcTime("2026-11-23"), Micros{1'795'392'000} * kMicrosPerSecond);
  EXPECT_EQ(ParseUtcTime("2026-11-23T09:30:00Z"),
            (Micros{1'795'392'000} + 9 * 3600 + 30 * 60) * kMicrosPerSecond);
  EXPECT_EQ(ParseUtcTime("2026-11-23T09:30:00.5Z"),
            (Micros{1'795'392'000} + 9 * 3600 + 30 * 60) * kMicrosPerSecond + 500'000);
  EXPECT_EQ(ParseUtcTime("2026-11-23T09:30:00.000001Z"),
            (Micros{1'795'392'000} + 9 * 3600 + 30 * 60) * kMicrosPerSecond + 1);
}

TEST(TimeText, RefusesEverythingElse) {
  for (const char* bad :
       {"", "2026", "2026-11", "2026-13-01", "2026-02-30", "1969-12-31", "2026-11-23T",
        "2026-11-23 09:30:00Z", "2026-11-23T09:30:00", "2026-11-23T09:30:00+01:00",
        "2026-11-23T24:00:00Z", "2026-11-23T09:60:00Z", "2026-11-23T09:30:00.Z",
        "2026-11-23T09:30:00.1234567Z", "2026-11-23T09:30:00ZZ", "last tuesday", "2026-1-23"}) {
    EXPECT_FALSE(ParseUtcTime(bad).has_value()) << bad;
  }
}

TEST(TimeText, MicrosecondTextReadsBackExactly) {
  for (Micros t :
       {Micros{0}, Micros{1}, Micros{1'795'392'000'123'456}, Micros{4'102'444'799'999'999}}) {
    const std::string text = FormatRfc3339Micros(t);
    EXPECT_EQ(text.size(), 27u) << text;
    EXPECT_EQ(ParseUtcTime(text), t) << text;
  }
  EXPECT_EQ(FormatRfc3339Micros(1'795'392'000'000'001), "2026-11-23T00:00:00.000001Z");
}

// Found by fuzz/master_keys_fuzz.cpp: a key file dated after 2262 (where nanoseconds
// since 1970 overflow) read back as another date.
TEST(TimeText, DatesFarAheadReadBackExactly) {
  for (const std::string text : {"4052-11-02T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z",
                                 "2262-04-12T00:00:00.000000Z"}) {
    const auto t = ParseUtcTime(text);
    ASSERT_TRUE(t) << text;
    EXPECT_EQ(FormatRfc3339Micros(*t), text);
  }
}

}  // namespace
}  // namespace alcove
