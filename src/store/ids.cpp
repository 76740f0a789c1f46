#include "store/ids.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

#include "core/encoding.hpp"

namespace alcove::store {

std::string NewId() {
  std::array<std::uint8_t, kIdLength / 2> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t n = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      std::abort();  // no randomness: continuing would hand out guessable ids
    }
    filled += static_cast<std::size_t>(n);
  }
  return HexEncode(bytes);
}

bool IsValidId(std::string_view text) {
  if (text.size() != kIdLength) {
    return false;
  }
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

Result<std::string> ParseId(std::string_view text) {
  if (!IsValidId(text)) {
    return Fail(ErrorCode::kInvalidArgument, "malformed id", "malformed id");
  }
  return std::string(text);
}

}  // namespace alcove::store
