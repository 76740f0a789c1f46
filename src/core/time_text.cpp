#include "core/time_text.hpp"

#include <fmt/format.h>

#include <chrono>

namespace alcove {
namespace {

// Reads exactly `digits` decimal digits at `pos`; nullopt otherwise.
std::optional<int> Digits(std::string_view text, std::size_t pos, std::size_t digits) {
  if (pos + digits > text.size()) {
    return std::nullopt;
  }
  int v = 0;
  for (std::size_t i = pos; i < pos + digits; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

}  // namespace

std::string FormatRfc3339Micros(Micros t) {
  Micros secs = t / kMicrosPerSecond;
  Micros frac = t % kMicrosPerSecond;
  if (frac < 0) {
    frac += kMicrosPerSecond;
    --secs;
  }
  // By hand from the civil date: fmt's chrono formatting goes through nanoseconds and
  // wraps after the year 2262 (found by fuzz/master_keys_fuzz.cpp with created=4052-...).
  using namespace std::chrono;
  Micros days = secs / 86400;
  Micros rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const year_month_day ymd{sys_days{std::chrono::days{days}}};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     rem / 3600, rem / 60 % 60, rem % 60, frac);
}

std::optional<Micros> ParseUtcTime(std::string_view text) {
  using namespace std::chrono;
  const auto y = Digits(text, 0, 4);
  const auto mo = Digits(text, 5, 2);
  const auto d = Digits(text, 8, 2);
  if (!y || !mo || !d || text.size() < 10 || text[4] != '-' || text[7] != '-' || *y < 1970) {
    return std::nullopt;
  }
  const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)},
                           day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  Micros t = duration_cast<microseconds>(sys_days{ymd}.time_since_epoch()).count();
  if (text.size() == 10) {
    return t;
  }
  const auto h = Digits(text, 11, 2);
  const auto mi = Digits(text, 14, 2);
  const auto s = Digits(text, 17, 2);
  if (text[10] != 'T' || !h || !mi || !s || text.size() < 20 || text[13] != ':' ||
      text[16] != ':' || *h > 23 || *mi > 59 || *s > 59) {
    return std::nullopt;
  }
  t += ((Micros{*h} * 60 + *mi) * 60 + *s) * kMicrosPerSecond;
  std::size_t pos = 19;
  if (text[pos] == '.') {
    ++pos;
    Micros frac = 0;
    std::size_t n = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++n > 6) {
        return std::nullopt;
      }
      frac = frac * 10 + (text[pos] - '0');
      ++pos;
    }
    if (n == 0) {
      return std::nullopt;
    }
    for (; n < 6; ++n) {
      frac *= 10;
    }
    t += frac;
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') {
    return std::nullopt;
  }
  return t;
}

}  // namespace alcove
