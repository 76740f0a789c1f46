#pragma once

// Hours and days in the words the hours pages and the rules engine's checks use
// ("12 hours", "1.5 hours", "1 hour", "1,300 hours"; "3 Nov 2025").

#include <cstdint>
#include <string>
#include <string_view>

#include "hours/types.hpp"

namespace alcove::hours {

// Minutes as a number of hours: "12", "1.5", "0.75", "1,300", "1.67" (two decimals at most).
std::string HoursNumber(std::int64_t minutes);
// "12 hours", "1 hour"; with a word between: HoursWords(720, "direct") is "12 direct hours".
std::string HoursWords(std::int64_t minutes, std::string_view adjective = {});
// A decimal with at most two places, trailing zeros dropped: 1 -> "1", 0.75 -> "0.75".
std::string DecimalText(double value);
std::string DayWords(Day day);         // "3 Nov 2025"
std::string WeekdayWords(Day day);     // "Mon 3 Nov 2025"

}  // namespace alcove::hours
