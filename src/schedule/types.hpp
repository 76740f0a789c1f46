#pragma once

// The entities of the schedule (appointments, the time zone setting, the Today page) as
// the service hands them out. An appointment holds no free text: a client (by id; its
// alias outside the record), a time, a length, a kind and a status. Nothing of it is
// client content to seal (docs/schedule.md).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace alcove::schedule {

enum class Kind { kSession, kIntake, kOther };
std::string_view KindName(Kind kind);  // "session", "intake", "other"
std::optional<Kind> KindFromName(std::string_view name);

enum class AppointmentStatus { kScheduled, kAttended, kNoShow, kCancelled };
std::string_view StatusName(
    AppointmentStatus status);  // "scheduled", "attended", "no_show", "cancelled"
std::optional<AppointmentStatus> StatusFromName(std::string_view name);

struct Appointment {
  std::string id;
  std::string client_id;
  std::string alias;                     // the client's alias ("J.D."), never a name (C50)
  std::optional<std::string> series_id;  // shared by the occurrences of a repeating one
  Micros starts_at = 0;
  std::int64_t minutes = 50;
  Kind kind = Kind::kSession;
  AppointmentStatus status = AppointmentStatus::kScheduled;
};

// A new appointment; with `every_days` > 0, `count` occurrences that many days apart
// (7: weekly), one row each, sharing a series id.
struct NewAppointment {
  std::string client_id;
  Micros starts_at = 0;
  std::int64_t minutes = 50;
  Kind kind = Kind::kSession;
  std::int64_t every_days = 0;
  std::int64_t count = 1;
};

// A change; nullopt leaves a field alone. With `rest_of_series`, the change applies to
// this occurrence and every later one of its series: a new start moves each of them by
// the same amount.
struct Change {
  std::optional<Micros> starts_at;
  std::optional<std::int64_t> minutes;
  std::optional<Kind> kind;
  std::optional<AppointmentStatus> status;
  bool rest_of_series = false;
};

// Limits (checked by the service; the pages name the field).
inline constexpr std::int64_t kMinMinutes = 5;
inline constexpr std::int64_t kMaxMinutes = 600;
inline constexpr std::int64_t kMaxEveryDays = 365;
inline constexpr std::int64_t kMaxOccurrences = 104;
inline constexpr Micros kMaxListSpan = 400LL * 24 * 3600 * kMicrosPerSecond;

// A draft summary waiting for the therapist's review.
struct WaitingSummary {
  std::string id;
  std::string client_id;
  std::string alias;
  Micros created_at = 0;
};

// What the Today page shows (Schedule::Today).
struct TodayView {
  std::string date;                    // today, local "YYYY-MM-DD"
  std::vector<Appointment> today;      // today's, by time (cancelled ones included)
  std::vector<Appointment> unwritten;  // attended in the last 14 days, no note that day
  std::vector<WaitingSummary> summaries;
  bool has_clients = false;
  bool has_appointments = false;
  bool time_zone_set = false;
};
inline constexpr int kUnwrittenDays = 14;

}  // namespace alcove::schedule
