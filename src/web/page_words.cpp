#include "web/page_words.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <utility>

namespace alcove::web {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr std::array<std::string_view, 12> kMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 7> kWeekdays = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

struct Civil {
  sys_days day;
  int minutes;  // since midnight
};

Civil CivilOf(Micros t) {
  const std::chrono::sys_time<std::chrono::microseconds> tp{std::chrono::microseconds(t)};
  const sys_days day = std::chrono::floor<days>(tp);
  const auto since = std::chrono::duration_cast<std::chrono::minutes>(tp - day);
  return Civil{day, static_cast<int>(since.count())};
}

bool Contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

}  // namespace

std::string TimeInWords(Micros t, Micros now, std::string_view zone) {
  (void)zone;  // only UTC is known (see the header); the shown name says which it is
  const std::string_view shown = kDefaultZone;
  const Civil when = CivilOf(t);
  const Civil today = CivilOf(now);
  const std::string clock =
      fmt::format("{:02}:{:02} {}", when.minutes / 60, when.minutes % 60, shown);
  const auto apart = (when.day - today.day).count();
  if (apart == 0) {
    return "Today at " + clock;
  }
  if (apart == -1) {
    return "Yesterday at " + clock;
  }
  if (apart == 1) {
    return "Tomorrow at " + clock;
  }
  const year_month_day ymd(when.day);
  const year_month_day now_ymd(today.day);
  const auto month = kMonths[static_cast<unsigned>(ymd.month()) - 1];
  const auto day = static_cast<unsigned>(ymd.day());
  if (ymd.year() == now_ymd.year()) {
    const auto weekday = kWeekdays[std::chrono::weekday(when.day).c_encoding()];
    return fmt::format("{} {} {} at {}", weekday, day, month, clock);
  }
  return fmt::format("{} {} {} at {}", day, month, static_cast<int>(ymd.year()), clock);
}

std::string FullTimeInWords(Micros t, std::string_view zone) {
  (void)zone;  // as TimeInWords
  const Civil when = CivilOf(t);
  const year_month_day ymd(when.day);
  return fmt::format("{} {} {} {} at {:02}:{:02} {}",
                     kWeekdays[std::chrono::weekday(when.day).c_encoding()],
                     static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                     static_cast<int>(ymd.year()), when.minutes / 60, when.minutes % 60,
                     kDefaultZone);
}

std::string BrowserInWords(std::string_view ua) {
  // Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
  constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kBrowsers = {{
      {"Edg", "Edge"},
      {"OPR/", "Opera"},
      {"SamsungBrowser", "Samsung Internet"},
      {"Firefox/", "Firefox"},
      {"FxiOS", "Firefox"},
      {"CriOS", "Chrome"},
      {"Chrome/", "Chrome"},
      {"Chromium/", "Chromium"},
      {"Safari/", "Safari"},
  }};
  constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kSystems = {{
      {"iPhone", "iPhone"},
      {"iPad", "iPad"},
      {"Android", "Android"},
      {"CrOS", "ChromeOS"},
      {"Windows", "Windows"},
      {"Macintosh", "Mac"},
      {"Mac OS X", "Mac"},
      {"Linux", "Linux"},
  }};
  std::string_view browser;
  for (const auto& [marker, name] : kBrowsers) {
    if (Contains(ua, marker)) {
      browser = name;
      break;
    }
  }
  std::string_view system;
  for (const auto& [marker, name] : kSystems) {
    if (Contains(ua, marker)) {
      system = name;
      break;
    }
  }
  if (browser.empty() && system.empty()) {
    return "Unknown browser";
  }
  if (system.empty()) {
    return std::string(browser);
  }
  return fmt::format("{} on {}", browser.empty() ? "A browser" : browser, system);
}

namespace {

// The digits of `text` from `at`, `n` of them, or -1.
int Digits(std::string_view text, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') {
      return -1;
    }
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

}  // namespace

std::string DayInWords(std::string_view date) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const int y = Digits(date, 0, 4);
  const int m = Digits(date, 5, 2);
  const int d = Digits(date, 8, 2);
  if (date.size() != 10 || date[4] != '-' || date[7] != '-' || y < 0 || m < 1 || d < 1) {
    return std::string(date);
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y),
                                        std::chrono::month(static_cast<unsigned>(m)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) {
    return std::string(date);
  }
  const std::chrono::weekday wd{std::chrono::sys_days(ymd)};
  return fmt::format("{} {} {} {}", kDays[wd.c_encoding()], d, kMonths[m - 1], y);
}

std::string ClockInWords(std::string_view clock) {
  const int h = Digits(clock, 0, 2);
  const int m = Digits(clock, 3, 2);
  if (clock.size() != 5 || clock[2] != ':' || h < 0 || h > 23 || m < 0 || m > 59) {
    return std::string(clock);
  }
  return fmt::format("{}:{:02} {}", h % 12 == 0 ? 12 : h % 12, m, h < 12 ? "AM" : "PM");
}

}  // namespace alcove::web
