#include "practice/alias.hpp"

#include <optional>
#include <vector>

#include "core/utf8.hpp"

namespace alcove::practice {
namespace {

bool IsSpace(char32_t cp) {
  return cp == ' ' || cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x202F || cp == 0x205F;
}

bool IsCombining(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
         (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
         (cp >= 0xFE20 && cp <= 0xFE2F);
}

// Not a letter of any script: ASCII and Latin-1 punctuation, digits and symbols, general
// punctuation, and the like. Everything else counts as a letter (we cannot classify every
// script without a Unicode database; an odd initial is harmless).
bool IsNonLetter(char32_t cp) {
  if (cp < 0x80) {
    return !((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z'));
  }
  return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
         (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF20) || IsCombining(cp);
}

// Simple upper-casing for Latin-1, Latin Extended-A, Greek and Cyrillic.
char32_t Upper(char32_t cp) {
  if (cp >= 'a' && cp <= 'z') {
    return cp - 0x20;
  }
  if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) {
    return cp - 0x20;
  }
  if (cp >= 0x100 && cp <= 0x17F && cp != 0x131 && cp != 0x138 && cp != 0x149 && cp != 0x17F) {
    // Latin Extended-A pairs: even upper, odd lower (with a shift between U+0139 and U+0148
    // and between U+0179 and U+017E).
    const bool shifted = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    const bool lower = shifted ? (cp % 2 == 0) : (cp % 2 == 1);
    return lower ? cp - 1 : cp;
  }
  if (cp >= 0x3B1 && cp <= 0x3C9 && cp != 0x3C2) {
    return cp - 0x20;
  }
  if (cp >= 0x430 && cp <= 0x44F) {
    return cp - 0x20;
  }
  if (cp >= 0x450 && cp <= 0x45F) {
    return cp - 0x50;
  }
  return cp;
}

}  // namespace

Result<std::string> InitialsOf(const crypto::PhiString& name) {
  const std::string_view s = name.reveal();
  auto bad = [] {
    return Fail(ErrorCode::kInvalidArgument, "client name unusable for initials",
                "Enter the client's name in letters (shorten a very long one); only its "
                "initials are kept.");
  };
  if (s.size() > 200) {
    return bad();
  }
  // One initial per word: the first letter of the word's first part.
  std::vector<std::string> initials;
  bool at_word_start = true;
  for (std::size_t i = 0; i < s.size();) {
    auto cp = DecodeUtf8At(s, i);
    if (!cp || cp->value < 0x20 || (cp->value >= 0x7F && cp->value < 0xA0)) {
      return bad();
    }
    if (IsSpace(cp->value)) {
      at_word_start = true;
      i += cp->length;
      continue;
    }
    if (at_word_start) {
      if (IsNonLetter(cp->value)) {
        // Skip leading punctuation or digits of a word ("(Jo)", "'Ana").
        if (cp->value == '-' || cp->value == '\'' || cp->value == '"' || cp->value == '(' ||
            cp->value == 0x2018 || cp->value == 0x201C) {
          i += cp->length;
          continue;
        }
        at_word_start = false;
        i += cp->length;
        continue;
      }
      std::string initial;
      AppendUtf8(Upper(cp->value), initial);
      std::size_t j = i + cp->length;
      while (j < s.size()) {
        auto next = DecodeUtf8At(s, j);
        if (!next) {
          return bad();
        }
        if (!IsCombining(next->value)) {
          break;
        }
        AppendUtf8(next->value, initial);
        j += next->length;
      }
      initials.push_back(std::move(initial));
      at_word_start = false;
      i = j;
      continue;
    }
    i += cp->length;
  }
  if (initials.empty()) {
    return bad();
  }
  std::string alias = initials.front() + ".";
  if (initials.size() > 1) {
    alias += initials.back() + ".";
  }
  return alias;
}

std::string DisplayAlias(std::string_view initials, std::int64_t ordinal) {
  std::string out(initials);
  if (ordinal > 1) {
    out += " \xC2\xB7 " + std::to_string(ordinal);
  }
  return out;
}

}  // namespace alcove::practice
