#include "hours/words.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>

namespace alcove::hours {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kWeekdays = {"Mon", "Tue", "Wed", "Thu",
                                                       "Fri", "Sat", "Sun"};

std::string Grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace

std::string DecimalText(double value) {
  const double rounded = std::round(value * 100) / 100;
  const double whole = std::trunc(rounded);
  std::string out = Grouped(static_cast<std::int64_t>(whole));
  const auto hundredths = static_cast<int>(std::lround(std::fabs(rounded - whole) * 100));
  if (hundredths == 0) {
    return rounded < 0 && whole == 0 ? "-0" : out;
  }
  std::string frac = fmt::format("{:02d}", hundredths);
  if (frac.back() == '0') {
    frac.pop_back();
  }
  if (rounded < 0 && whole == 0) {
    out = "-0";
  }
  return out + "." + frac;
}

std::string HoursNumber(std::int64_t minutes) {
  if (minutes % 60 == 0) {
    return Grouped(minutes / 60);
  }
  return DecimalText(static_cast<double>(minutes) / 60.0);
}

std::string HoursWords(std::int64_t minutes, std::string_view adjective) {
  std::string out = HoursNumber(minutes);
  out += ' ';
  if (!adjective.empty()) {
    out += adjective;
    out += ' ';
  }
  out += minutes == 60 ? "hour" : "hours";
  return out;
}

std::string DayWords(Day day) {
  const std::chrono::year_month_day ymd(day);
  return fmt::format("{} {} {}", static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()));
}

std::string WeekdayWords(Day day) {
  const unsigned wd = std::chrono::weekday(day).iso_encoding() - 1;
  return fmt::format("{} {}", kWeekdays[wd], DayWords(day));
}

}  // namespace alcove::hours
