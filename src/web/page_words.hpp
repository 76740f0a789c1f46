#pragma once

#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace alcove::web {

// What pages show instead of machine text (docs/design.md § Words on screen).

// The zone pages show times in until an account has its own time zone setting.
inline constexpr std::string_view kDefaultZone = "UTC";

// `t` in words for a person, relative to `now`, in the time zone `zone`, whose name is
// always shown:
//   "Today at 14:05 UTC", "Yesterday at 09:12 UTC", "Tomorrow at 08:00 UTC",
//   "Monday 23 November at 14:05 UTC" (this year), "23 November 2025 at 14:05 UTC".
// The one place pages format times: a zone other than UTC is not known yet (no zone
// database in this build), and is shown in UTC, named "UTC", until one is wired here.
// A therapist's pages use their zone instead (web::PageTimeWords, Practice::TimeWords).
std::string TimeInWords(Micros t, Micros now, std::string_view zone = kDefaultZone);

// `t` in words without reference to today, for what is printed or kept:
// "Wednesday 2 December 2026 at 14:05 UTC".
std::string FullTimeInWords(Micros t, std::string_view zone = kDefaultZone);

// A local day "2026-12-02" (a session date) as people read it: "Wed 2 Dec 2026";
// anything that is not such a date comes back as it is.
std::string DayInWords(std::string_view date);

// A local clock time "23:30" as people read it: "11:30 PM"; anything that is not such a
// time comes back as it is.
std::string ClockInWords(std::string_view clock);

// The browser and system a User-Agent names, for people: "Chrome on Linux",
// "Safari on iPhone", "Firefox on Windows", "A browser on Android", else
// "Unknown browser". Never the raw string (it is noise, and can be anything).
std::string BrowserInWords(std::string_view user_agent);

}  // namespace alcove::web
