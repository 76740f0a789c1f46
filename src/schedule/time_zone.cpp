#include "schedule/time_zone.hpp"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>

#include "core/time_text.hpp"

namespace alcove::schedule {
namespace {

using std::chrono::microseconds;
using Local = date::local_time<microseconds>;

constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

date::sys_time<microseconds> Sys(Micros t) { return date::sys_time<microseconds>{microseconds{t}}; }

// Digits of `s` as a number, or -1.
int Digits(std::string_view s) {
  int n = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return -1;
    }
    n = n * 10 + (c - '0');
  }
  return s.empty() ? -1 : n;
}

std::optional<date::year_month_day> DateOf(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') {
    return std::nullopt;
  }
  const int y = Digits(d.substr(0, 4));
  const int m = Digits(d.substr(5, 2));
  const int day = Digits(d.substr(8, 2));
  if (y < 1970 || m < 0 || day < 0) {
    return std::nullopt;
  }
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                                 date::day{static_cast<unsigned>(day)}};
  return ymd.ok() ? std::optional(ymd) : std::nullopt;
}

std::string DateText(date::year_month_day ymd) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

struct Parts {
  date::year_month_day ymd;
  date::weekday wd;
  int hour;
  int minute;
};

Parts PartsOf(Local local) {
  const auto day = date::floor<date::days>(local);
  const date::hh_mm_ss hms{date::floor<std::chrono::minutes>(local - day)};
  return Parts{date::year_month_day{day}, date::weekday{day}, static_cast<int>(hms.hours().count()),
               static_cast<int>(hms.minutes().count())};
}

std::string DayText(const Parts& p) {
  return fmt::format("{} {} {}", kWeekdays[p.wd.c_encoding()], static_cast<unsigned>(p.ymd.day()),
                     kMonths[static_cast<unsigned>(p.ymd.month()) - 1]);
}

std::string ClockText(const Parts& p) {
  const int h12 = p.hour % 12 == 0 ? 12 : p.hour % 12;
  return fmt::format("{}:{:02} {}", h12, p.minute, p.hour < 12 ? "AM" : "PM");
}

}  // namespace

Result<TimeZone> TimeZone::Named(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return Fail(ErrorCode::kInvalidArgument, "time zone name empty or too long",
                "Choose a time zone such as America/Los_Angeles.");
  }
  try {
    const date::time_zone* zone = date::locate_zone(name);
    return TimeZone(zone, std::string(name));
  } catch (const std::exception&) {
    return Fail(ErrorCode::kInvalidArgument, "unknown time zone name",
                "That is not a time zone we know. Choose one such as America/Los_Angeles.");
  }
}

TimeZone TimeZone::Utc() { return *Named("UTC"); }

std::vector<std::string> TimeZone::AllNames() {
  std::vector<std::string> out;
  for (const auto& z : date::get_tzdb().zones) {
    out.emplace_back(z.name());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string TimeZone::Words(Micros t) const {
  const Parts p = PartsOf(zone_->to_local(Sys(t)));
  return DayText(p) + ", " + ClockText(p);
}

std::string TimeZone::DayWords(Micros t) const { return DayText(PartsOf(zone_->to_local(Sys(t)))); }

std::string TimeZone::TimeWords(Micros t) const {
  return ClockText(PartsOf(zone_->to_local(Sys(t))));
}

std::string TimeZone::LocalDate(Micros t) const {
  return DateText(PartsOf(zone_->to_local(Sys(t))).ymd);
}

std::string TimeZone::LocalClock(Micros t) const {
  const Parts p = PartsOf(zone_->to_local(Sys(t)));
  return fmt::format("{:02}:{:02}", p.hour, p.minute);
}

Micros TimeZone::LaterDay(Micros t, int days) const {
  const Local local = zone_->to_local(Sys(t)) + date::days{days};
  return zone_->to_sys(local, date::choose::earliest).time_since_epoch().count();
}

Micros TimeZone::StartOfDay(std::string_view d) const {
  const auto ymd =
      DateOf(d).value_or(date::year_month_day{date::year{1970}, date::January, date::day{1}});
  // A midnight the clocks skip starts the day at the change (choose::earliest does so).
  const Local local{date::local_days{ymd}};
  return zone_->to_sys(local, date::choose::earliest).time_since_epoch().count();
}

Result<Micros> TimeZone::FromLocal(std::string_view d, std::string_view clock) const {
  const auto ymd = DateOf(d);
  if (!ymd) {
    return Fail(ErrorCode::kInvalidArgument, "local date malformed",
                "Enter the date as a day like 2026-12-01.");
  }
  const int h = clock.size() == 5 && clock[2] == ':' ? Digits(clock.substr(0, 2)) : -1;
  const int m = clock.size() == 5 && clock[2] == ':' ? Digits(clock.substr(3, 2)) : -1;
  if (h < 0 || h > 23 || m < 0 || m > 59) {
    return Fail(ErrorCode::kInvalidArgument, "local time malformed",
                "Enter the time like 09:30 or 14:00.");
  }
  const Local local{date::local_days{*ymd} + std::chrono::hours{h} + std::chrono::minutes{m}};
  const auto info = zone_->get_info(date::floor<std::chrono::seconds>(local));
  if (info.result == date::local_info::nonexistent) {
    return Fail(ErrorCode::kInvalidArgument, "local time skipped by a clock change",
                "The clocks skip that time on that day; choose another time.");
  }
  return zone_->to_sys(local, date::choose::earliest).time_since_epoch().count();
}

bool IsDay(std::string_view text) { return DateOf(text).has_value(); }

std::string AddDays(std::string_view d, int days) {
  const auto ymd = DateOf(d);
  if (!ymd) {
    return std::string(d);
  }
  return DateText(date::year_month_day{date::sys_days{*ymd} + date::days{days}});
}

std::string MondayOf(std::string_view d) {
  const auto ymd = DateOf(d);
  if (!ymd) {
    return std::string(d);
  }
  const date::sys_days day{*ymd};
  const unsigned since_monday = (date::weekday{day}.c_encoding() + 6) % 7;
  return DateText(date::year_month_day{day - date::days{since_monday}});
}

std::optional<Micros> ParseRfc3339(std::string_view text) {
  if (text.size() < 20 || text.size() > 40 || text[10] != 'T') {
    return std::nullopt;
  }
  if (text.back() == 'Z' || text.back() == 'z') {
    return ParseUtcTime(std::string(text.substr(0, text.size() - 1)) + "Z");
  }
  // "...[+-]HH:MM": the UTC time of the local part minus the offset.
  const std::string_view offset = text.substr(text.size() - 6);
  if (offset[0] != '+' && offset[0] != '-') {
    return std::nullopt;
  }
  if (offset[3] != ':') {
    return std::nullopt;
  }
  const int oh = Digits(offset.substr(1, 2));
  const int om = Digits(offset.substr(4, 2));
  if (oh < 0 || oh > 23 || om < 0 || om > 59) {
    return std::nullopt;
  }
  const auto utc = ParseUtcTime(std::string(text.substr(0, text.size() - 6)) + "Z");
  if (!utc) {
    return std::nullopt;
  }
  const Micros off = (oh * 60 + om) * 60 * kMicrosPerSecond;
  return offset[0] == '+' ? *utc - off : *utc + off;
}

}  // namespace alcove::schedule
