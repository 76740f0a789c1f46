#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/secret.hpp"

namespace alcove::practice {

// Client aliases (claim C50): a client's full name is turned into initials before
// anything is stored, and only the initials are kept. The rule (docs/practice.md):
//
// - the name is split into words at white space; hyphens split a word into parts;
// - the alias is the initial of the first word, then — if there are more words — the
//   initial of the last word, each followed by '.': "John Doe" -> "J.D.",
//   "Mary-Jane van der Berg" -> "M.B.", "Cher" -> "C.";
// - a word's initial is its first character: one code point plus any combining marks
//   that follow it (so "E\u0301mile" keeps its accent), upper-cased for Latin, Greek and
//   Cyrillic letters with a simple case mapping; other scripts keep the character
//   ("山田 太郎" -> "山.太.");
// - a word that starts with a character that is not a letter of some script (digits,
//   punctuation such as quotes or brackets) is skipped.
//
// Errors (kInvalidArgument; the message never repeats the name): a name that is not
// valid UTF-8, holds control characters, is longer than 200 bytes, or yields no initial.
Result<std::string> InitialsOf(const crypto::PhiString& name);

// How the client list shows an alias: "J.D." for the first client with those initials,
// "J.D. · 2" for the second, and so on.
std::string DisplayAlias(std::string_view initials, std::int64_t ordinal);

}  // namespace alcove::practice
