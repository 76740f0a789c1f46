#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace alcove {

// Byte/text encodings. Decoders return nullopt on any malformed input (wrong
// alphabet, wrong length, non-canonical padding); they never throw.

// The value of one hex digit (either case), or -1.
int HexDigitValue(char c);

std::string HexEncode(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> HexDecode(std::string_view text);

// RFC 4648 §4, with padding.
std::string Base64Encode(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> Base64Decode(std::string_view text);

// RFC 4648 §5, without padding (tokens, ids in URLs).
std::string Base64UrlEncode(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> Base64UrlDecode(std::string_view text);

inline std::span<const std::uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// `s` without leading and trailing spaces and tabs.
std::string_view TrimSpaces(std::string_view s);

}  // namespace alcove
