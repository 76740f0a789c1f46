// Fuzzes the id parser (store/ids.cpp): ids arrive in URLs and name blob files, so an
// accepted id must be exactly 32 lowercase hex digits — never a path piece.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/ids.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = alcove::store::ParseId(text);
  if (parsed.has_value() != alcove::store::IsValidId(text)) {
    std::abort();
  }
  if (!parsed) {
    // The error never echoes the input: it is the same whatever was sent.
    static const std::string kMessage = alcove::store::ParseId("").error().internal;
    if (parsed.error().internal != kMessage) {
      std::abort();
    }
    return 0;
  }
  if (parsed->size() != alcove::store::kIdLength) {
    std::abort();
  }
  for (char c : *parsed) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      std::abort();
    }
  }
  return 0;
}
