// Fuzzes the client-name parser (practice/alias.cpp, claim C50) and the UTF-8 decoder
// under it (core/utf8.cpp): a therapist types any bytes as a client's name, and only the
// initials may come out — valid UTF-8, short, ending in '.', and errors that never repeat
// the name.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/utf8.hpp"
#include "crypto/secret.hpp"
#include "practice/alias.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  // The decoder: valid input re-encodes to itself, code point by code point.
  if (alcove::IsValidUtf8(text)) {
    std::string again;
    for (std::size_t i = 0; i < text.size();) {
      const auto cp = alcove::DecodeUtf8At(text, i);
      if (!cp || cp->length == 0 || cp->length > 4) {
        std::abort();
      }
      alcove::AppendUtf8(cp->value, again);
      i += cp->length;
    }
    if (again != text) {
      std::abort();
    }
  }

  const auto alias = alcove::practice::InitialsOf(alcove::crypto::PhiString(std::string(text)));
  if (!alias) {
    // Both messages are fixed: nothing of the name can be in them.
    static const alcove::Error kFixed =
        alcove::practice::InitialsOf(alcove::crypto::PhiString(std::string())).error();
    if (alias.error().internal != kFixed.internal ||
        alias.error().public_message != kFixed.public_message) {
      std::abort();
    }
    return 0;
  }
  // At most two initials, each a code point (upper-cased: the length may change) plus
  // combining marks from the name, and a '.' after each.
  if (alias->empty() || alias->back() != '.' || !alcove::IsValidUtf8(*alias) ||
      alias->size() > text.size() + 8 || text.size() > 200) {
    std::abort();
  }
  return 0;
}
