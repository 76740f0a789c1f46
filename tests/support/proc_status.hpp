#pragma once

// Memory figures of this process from /proc/self/status, for tests and benchmarks that
// bound what a request may hold (C03). Header-only: the benchmarks include it too.
#include <fstream>
#include <string>
#include <string_view>

namespace alcove::testing {

// A "Field:   123 kB" line of /proc/self/status in KiB ("VmRSS:", "VmHWM:"); -1 if absent.
inline long ProcStatusKb(std::string_view field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field)) {
      return std::stol(line.substr(field.size() + 1));
    }
  }
  return -1;
}

// Resets the peak (VmHWM) to the current RSS, so a later VmHWM is the peak since now.
inline void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

}  // namespace alcove::testing
