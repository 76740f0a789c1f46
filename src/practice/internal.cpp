#include "practice/internal.hpp"

#include <fmt/format.h>

#include "core/utf8.hpp"

namespace alcove::practice::internal {
namespace {

void PutU32(std::string& out, std::size_t n) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
}

}  // namespace

using crypto::PhiString;

std::unexpected<Error> NotFound(std::string_view what) {
  return Fail(ErrorCode::kNotFound, fmt::format("no such {} in this tenant", what),
              fmt::format("No such {}.", what));
}

std::unexpected<Error> Invalid(std::string internal, std::string public_message) {
  return Fail(ErrorCode::kInvalidArgument, std::move(internal), std::move(public_message));
}

// Text a person typed: valid UTF-8, at most `max` bytes, no control characters except
// (when `multiline`) tab, line feed and carriage return.
bool IsAcceptableText(std::string_view text, std::size_t max, bool multiline) {
  if (text.size() > max || !IsValidUtf8(text)) {
    return false;
  }
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      if (!(multiline && (c == '\n' || c == '\r' || c == '\t'))) {
        return false;
      }
    }
  }
  return true;
}

// "YYYY-MM-DD", years 1900-2199, a day that exists.
bool IsDate(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') {
    return false;
  }
  for (const std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (d[i] < '0' || d[i] > '9') {
      return false;
    }
  }
  const int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
  const int m = (d[5] - '0') * 10 + (d[6] - '0');
  const int day = (d[8] - '0') * 10 + (d[9] - '0');
  if (y < 1900 || y > 2199 || m < 1 || m > 12 || day < 1) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return day <= kDays[m - 1] + ((m == 2 && leap) ? 1 : 0);
}

// Sections as sealed bytes: u32 count, then per section u32 name length, name, u32 text
// length, text (big-endian lengths).
PhiString EncodeSections(const Sections& sections) {
  std::string out;
  std::size_t total = 4;
  for (const auto& [name, text] : sections) {
    total += 8 + name.size() + text.reveal().size();
  }
  out.reserve(total);  // one allocation: no copy of the content is left behind
  PutU32(out, sections.size());
  for (const auto& [name, text] : sections) {
    PutU32(out, name.size());
    out += name;
    PutU32(out, text.reveal().size());
    out += text.reveal();
  }
  return PhiString(std::move(out));
}

Result<Sections> DecodeSections(const PhiString& bytes) {
  const std::string_view s = bytes.reveal();
  std::size_t pos = 0;
  auto u32 = [&](std::size_t& out) {
    if (s.size() - pos < 4) {
      return false;
    }
    out = 0;
    for (int i = 0; i < 4; ++i) {
      out = (out << 8) | static_cast<unsigned char>(s[pos++]);
    }
    return true;
  };
  auto bad = [] { return Fail(ErrorCode::kInternal, "sealed sections do not decode"); };
  std::size_t count = 0;
  if (!u32(count) || count > 16) {
    return bad();
  }
  Sections out;
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t n = 0;
    if (!u32(n) || s.size() - pos < n) {
      return bad();
    }
    std::string name(s.substr(pos, n));
    pos += n;
    if (!u32(n) || s.size() - pos < n) {
      return bad();
    }
    out.emplace_back(std::move(name), PhiString(std::string(s.substr(pos, n))));
    pos += n;
  }
  if (pos != s.size()) {
    return bad();
  }
  return out;
}

// `content` checked against `names`: unknown or repeated sections are refused, missing
// ones become empty, the result is in the names' order.
Result<Sections> Normalize(Sections content, std::span<const std::string_view> names,
                           std::string_view what) {
  Sections out;
  for (const auto name : names) {
    out.emplace_back(std::string(name), PhiString(std::string()));
  }
  std::vector<bool> seen(names.size(), false);
  for (auto& [name, text] : content) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      return Invalid(fmt::format("unknown {} section", what),
                     fmt::format("Unknown {} section; expected {}.", what, fmt::join(names, ", ")));
    }
    const auto idx = static_cast<std::size_t>(it - names.begin());
    if (seen[idx]) {
      return Invalid(fmt::format("repeated {} section", what),
                     fmt::format("A {} section appears twice.", what));
    }
    seen[idx] = true;
    if (!IsAcceptableText(text.reveal(), kMaxSectionBytes, true)) {
      return Invalid(fmt::format("{} section not acceptable text", what),
                     fmt::format("Each {} section may be at most about 10,000 words long.", what));
    }
    out[idx].second = std::move(text);
  }
  return out;
}

std::optional<std::string> OptText(const store::Row& row, std::size_t i) {
  return row.IsNull(i) ? std::nullopt : std::optional<std::string>(row.Text(i));
}

}  // namespace alcove::practice::internal
