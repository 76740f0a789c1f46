#include "core/clock.hpp"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace alcove {

Micros SystemClock::Now() const {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

std::string FormatRfc3339(Micros t) {
  const std::chrono::sys_seconds secs{std::chrono::seconds{t / kMicrosPerSecond}};
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", secs);
}

}  // namespace alcove
