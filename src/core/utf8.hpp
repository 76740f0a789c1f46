#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace alcove {

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
struct CodePoint {
  char32_t value = 0;
  std::size_t length = 0;  // bytes it took
};

// The code point starting at `text[i]` (REQUIRES i < text.size()), or nullopt when the
// bytes there are not a valid UTF-8 sequence.
std::optional<CodePoint> DecodeUtf8At(std::string_view text, std::size_t i);

// True if all of `text` is valid UTF-8.
bool IsValidUtf8(std::string_view text);

// Appends the UTF-8 encoding of `cp` (REQUIRES a valid scalar value).
void AppendUtf8(char32_t cp, std::string& out);

}  // namespace alcove
