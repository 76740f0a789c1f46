#include "crypto/master_key_file.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <sodium.h>

#include "core/encoding.hpp"
#include "core/files.hpp"
#include "crypto/random.hpp"

namespace alcove::crypto {
namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::string_view kHeader = "alcove-master-keys v1";

// Wipes a std::string that held key material before it is freed.
struct WipeOnExit {
  std::string& s;
  ~WipeOnExit() { sodium_memzero(s.data(), s.size()); }
};

}  // namespace

Status CreateMasterKeyFile(const std::filesystem::path& path) {
  EnsureSodium();
  std::uint8_t key[kKeyBytes];
  RandomBytes(key);
  std::string content = fmt::format(
      "# Alcove master keys. Secret: keep this file at mode 0600 and back it up apart from\n"
      "# the database. Losing it makes every encrypted record unreadable.\n"
      "{}\nkey 1 {}\n",
      kHeader, Base64Encode(key));
  WipeOnExit wipe{content};
  sodium_memzero(key, sizeof key);
  return WriteNewFile(path, content, 0600);
}

Result<std::vector<std::uint32_t>> CheckMasterKeyFile(const std::filesystem::path& path) {
  if (auto st = CheckPrivateFile(path, "master key file"); !st) {
    return std::unexpected(st.error());
  }
  auto text = ReadSmallFile(path, 64 * 1024);
  if (!text) {
    return std::unexpected(text.error());
  }
  WipeOnExit wipe{*text};
  auto malformed = [&](std::size_t line_no, std::string_view why) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("master key file {} line {}: {}", path.string(), line_no, why));
  };
  std::vector<std::uint32_t> versions;
  bool header_seen = false;
  std::size_t line_no = 0;
  std::string_view rest(*text);
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (!header_seen) {
      if (line != kHeader) {
        return malformed(line_no, fmt::format("expected `{}`", kHeader));
      }
      header_seen = true;
      continue;
    }
    if (!line.starts_with("key ")) {
      return malformed(line_no, "expected `key <version> <base64 key>`");
    }
    line.remove_prefix(4);
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos) {
      return malformed(line_no, "expected `key <version> <base64 key>`");
    }
    std::uint32_t version = 0;
    const auto vtext = line.substr(0, sp);
    const auto [p, ec] = std::from_chars(vtext.data(), vtext.data() + vtext.size(), version);
    if (ec != std::errc{} || p != vtext.data() + vtext.size() || version == 0) {
      return malformed(line_no, "the version must be a positive whole number");
    }
    auto key = Base64Decode(line.substr(sp + 1));
    const bool ok = key.has_value() && key->size() == kKeyBytes;
    if (key) {
      sodium_memzero(key->data(), key->size());
    }
    if (!ok) {
      return malformed(line_no, "the key must be 32 bytes in base64");
    }
    if (std::find(versions.begin(), versions.end(), version) != versions.end()) {
      return malformed(line_no, fmt::format("version {} appears twice", version));
    }
    versions.push_back(version);
  }
  if (!header_seen || versions.empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("master key file {} holds no key", path.string()));
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

}  // namespace alcove::crypto
