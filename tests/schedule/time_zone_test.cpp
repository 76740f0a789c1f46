// Time zones: words on pages, local days, and the clock changes (docs/schedule.md).
#include "schedule/time_zone.hpp"

#include <gtest/gtest.h>

#include "core/time_text.hpp"

namespace alcove::schedule {
namespace {

Micros At(const char* utc) { return *ParseUtcTime(utc); }

TimeZone Zone(const char* name) {
  auto z = TimeZone::Named(name);
  EXPECT_TRUE(z) << name;
  return z ? *z : TimeZone::Utc();
}

TEST(TimeZone, TimesReadAsWordsInTheTherapistsZone) {
  const TimeZone la = Zone("America/Los_Angeles");
  EXPECT_EQ(la.Words(At("2026-12-01T17:00:00Z")), "Tue 1 Dec, 9:00 AM");
  EXPECT_EQ(la.Words(At("2026-12-01T21:30:00Z")), "Tue 1 Dec, 1:30 PM");
  EXPECT_EQ(la.Words(At("2026-12-02T07:59:00Z")), "Tue 1 Dec, 11:59 PM");
  EXPECT_EQ(la.TimeWords(At("2026-12-01T08:05:00Z")), "12:05 AM");
  EXPECT_EQ(la.LocalDate(At("2026-12-02T07:59:00Z")), "2026-12-01");
  EXPECT_EQ(la.LocalClock(At("2026-12-01T17:00:00Z")), "09:00");
  EXPECT_EQ(TimeZone::Utc().Words(At("2026-12-01T12:00:00Z")), "Tue 1 Dec, 12:00 PM");
  EXPECT_EQ(Zone("Asia/Kolkata").Words(At("2026-12-01T03:30:00Z")), "Tue 1 Dec, 9:00 AM");
}

TEST(TimeZone, UnknownNamesAreRefusedInPlainWords) {
  for (const char* bad :
       {"", "Mars/Olympus", "utc ", "../../etc/passwd", "America/Los_Angeles/x"}) {
    auto z = TimeZone::Named(bad);
    ASSERT_FALSE(z) << bad;
    EXPECT_EQ(z.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(z.error().public_message.find("America/Los_Angeles"), std::string::npos);
  }
  const auto names = TimeZone::AllNames();
  EXPECT_GT(names.size(), 300u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(TimeZone, SpringForwardSkipsAnHourAndTheDayIsShorter) {
  const TimeZone la = Zone("America/Los_Angeles");  // 2026-03-08 02:00 -> 03:00
  EXPECT_EQ(*la.FromLocal("2026-03-08", "01:59"), At("2026-03-08T09:59:00Z"));
  EXPECT_EQ(*la.FromLocal("2026-03-08", "03:00"), At("2026-03-08T10:00:00Z"));
  auto skipped = la.FromLocal("2026-03-08", "02:30");
  ASSERT_FALSE(skipped);
  EXPECT_EQ(skipped.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(la.StartOfDay("2026-03-09") - la.StartOfDay("2026-03-08"),
            23LL * 3600 * kMicrosPerSecond);
  EXPECT_EQ(la.Words(At("2026-03-08T10:00:00Z")), "Sun 8 Mar, 3:00 AM");
}

TEST(TimeZone, FallBackRepeatsAnHourAndTheFirstOneIsTaken) {
  const TimeZone la = Zone("America/Los_Angeles");  // 2026-11-01 02:00 -> 01:00
  EXPECT_EQ(*la.FromLocal("2026-11-01", "01:30"), At("2026-11-01T08:30:00Z"));  // PDT
  EXPECT_EQ(la.Words(At("2026-11-01T09:30:00Z")), "Sun 1 Nov, 1:30 AM");        // PST
  EXPECT_EQ(la.StartOfDay("2026-11-02") - la.StartOfDay("2026-11-01"),
            25LL * 3600 * kMicrosPerSecond);
}

TEST(TimeZone, TheSameLocalTimeOnLaterDaysCrossesAClockChange) {
  const TimeZone la = Zone("America/Los_Angeles");
  const Micros before = *la.FromLocal("2026-03-02", "09:00");     // PST
  EXPECT_EQ(la.LaterDay(before, 7), At("2026-03-09T16:00:00Z"));  // 9:00 PDT
  EXPECT_EQ(la.Words(la.LaterDay(before, 7)), "Mon 9 Mar, 9:00 AM");
  // A time the clocks skip moves to the change.
  const Micros early = *la.FromLocal("2026-03-01", "02:30");
  EXPECT_EQ(la.LaterDay(early, 7), At("2026-03-08T10:00:00Z"));
}

TEST(TimeZone, MidnightThatTheClocksSkipStartsTheDayAtTheChange) {
  // Santiago moves from 00:00 to 01:00 on 2026-09-06.
  const TimeZone santiago = Zone("America/Santiago");
  EXPECT_EQ(santiago.LocalClock(santiago.StartOfDay("2026-09-06")), "01:00");
  EXPECT_EQ(santiago.LocalDate(santiago.StartOfDay("2026-09-06")), "2026-09-06");
}

TEST(TimeZone, DaysAndWeeks) {
  EXPECT_EQ(AddDays("2026-12-31", 1), "2027-01-01");
  EXPECT_EQ(AddDays("2026-03-01", -1), "2026-02-28");
  EXPECT_EQ(MondayOf("2026-12-02"), "2026-11-30");
  EXPECT_EQ(MondayOf("2026-11-30"), "2026-11-30");
  EXPECT_EQ(MondayOf("2026-12-06"), "2026-11-30");
  EXPECT_TRUE(IsDay("2028-02-29"));
  EXPECT_FALSE(IsDay("2026-02-29"));
  EXPECT_FALSE(IsDay("2026-1-01"));
  EXPECT_FALSE(IsDay("tomorrow"));
}

TEST(TimeZone, Rfc3339WithAnOffsetOrZ) {
  EXPECT_EQ(ParseRfc3339("2026-12-01T09:00:00-08:00"), At("2026-12-01T17:00:00Z"));
  EXPECT_EQ(ParseRfc3339("2026-12-01T09:00:00+05:30"), At("2026-12-01T03:30:00Z"));
  EXPECT_EQ(ParseRfc3339("2026-12-01T17:00:00Z"), At("2026-12-01T17:00:00Z"));
  EXPECT_EQ(ParseRfc3339("2026-12-01T17:00:00.5Z"), At("2026-12-01T17:00:00.5Z"));
  for (const char* bad : {"2026-12-01", "2026-12-01 09:00:00Z", "2026-12-01T09:00:00+0800",
                          "2026-12-01T09:00:00+24:00", "2026-13-01T09:00:00Z", "soon"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

}  // namespace
}  // namespace alcove::schedule
