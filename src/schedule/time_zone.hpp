#pragma once

// The therapist's time zone and the words pages show times in (docs/schedule.md).
//
// libstdc++ 12 (Debian 12's GCC) has no std::chrono::tzdb / zoned_time, so zones come
// from Howard Hinnant's date library (Debian's libhowardhinnant-date-dev, built with
// USE_OS_TZDB: it reads the system's tzdata in /usr/share/zoneinfo). It is the library
// std::chrono's time zones were standardized from; moving to <chrono> later is a rename.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace date {
class time_zone;
}

namespace alcove::schedule {

// An IANA time zone ("America/Los_Angeles", "Europe/Berlin", "UTC"). Copyable, cheap;
// thread-safe (the zone database is read once and never changes).
class TimeZone {
 public:
  // kInvalidArgument for a name the zone database does not know.
  static Result<TimeZone> Named(std::string_view name);
  static TimeZone Utc();
  // Every zone name of the database, sorted (for the settings page).
  static std::vector<std::string> AllNames();

  const std::string& name() const { return name_; }

  // "Tue 1 Dec, 9:00 AM", local to this zone.
  std::string Words(Micros t) const;
  // "Tue 1 Dec"
  std::string DayWords(Micros t) const;
  // "9:00 AM"
  std::string TimeWords(Micros t) const;
  // "2026-12-01" and "09:00" (form values), local to this zone.
  std::string LocalDate(Micros t) const;
  std::string LocalClock(Micros t) const;

  // The same local time of day `days` later (a time the clocks skip that day moves to
  // the change).
  Micros LaterDay(Micros t, int days) const;
  // The first instant of local day `date` ("YYYY-MM-DD", a real date).
  Micros StartOfDay(std::string_view date) const;
  // The instant of local `date` at `clock` ("HH:MM"). kInvalidArgument for malformed
  // text or a time the clocks skip that day; a time that happens twice (clocks going
  // back) is its first occurrence.
  Result<Micros> FromLocal(std::string_view date, std::string_view clock) const;

 private:
  TimeZone(const date::time_zone* zone, std::string name) : zone_(zone), name_(std::move(name)) {}
  const date::time_zone* zone_;
  std::string name_;
};

// Whether `text` is a real date "YYYY-MM-DD" (from 1970 on).
bool IsDay(std::string_view text);
// "YYYY-MM-DD" `days` after `date` (a real date); negative goes back.
std::string AddDays(std::string_view date, int days);
// The Monday of the week holding `date` (a real date).
std::string MondayOf(std::string_view date);

// An RFC 3339 time with seconds and "Z" or an offset ("2026-12-01T09:00:00-08:00", an
// optional fraction), or nullopt.
std::optional<Micros> ParseRfc3339(std::string_view text);

}  // namespace alcove::schedule
