#include "crypto/master_key_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <unistd.h>

#include <charconv>
#include <string>
#include <string_view>

#include "core/encoding.hpp"
#include "core/files.hpp"
#include "core/time_text.hpp"
#include "crypto/key_file_lines.hpp"
#include "crypto/random.hpp"

namespace alcove::crypto {
namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::string_view kHeader = "alcove-master-keys v1";
constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

// Wipes a std::string that held key material before it is freed.
struct WipeOnExit {
  std::string& s;
  ~WipeOnExit() { sodium_memzero(s.data(), s.size()); }
};

Status FsyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(ErrorCode::kInternal, fmt::format("cannot open directory {}", dir.string()));
  }
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) {
    return Fail(ErrorCode::kInternal, fmt::format("fsync of directory {} failed", dir.string()));
  }
  return {};
}

}  // namespace

Status CreateMasterKeyFile(const std::filesystem::path& path) {
  EnsureSodium();
  std::uint8_t key[kKeyBytes];
  RandomBytes(key);
  std::string content = fmt::format(
      "# Alcove master keys. Secret: keep this file at mode 0600 and back it up apart from\n"
      "# the database. Losing it makes every encrypted record unreadable.\n"
      "{}\nkey 1 {} created={}\n",
      kHeader, Base64Encode(key), FormatRfc3339Micros(SystemClock::Instance().Now()));
  WipeOnExit wipe{content};
  sodium_memzero(key, sizeof key);
  return WriteNewFile(path, content, 0600);
}

Result<std::vector<std::uint32_t>> CheckMasterKeyFile(const std::filesystem::path& path) {
  auto keys = MasterKeys::Load(path);
  if (!keys) {
    return std::unexpected(keys.error());
  }
  return keys->versions();
}

Result<MasterKeys> MasterKeys::Parse(std::string_view text, std::string_view what) {
  auto malformed = [&](std::size_t line_no, std::string_view why) {
    return Fail(ErrorCode::kFailedPrecondition, fmt::format("{} line {}: {}", what, line_no, why));
  };
  MasterKeys out;
  auto st = ForEachKeyFileLine(
      text, kHeader,
      [&](std::size_t line_no) {
        return malformed(line_no, fmt::format("expected `{}`", kHeader));
      },
      [&](std::size_t line_no, std::string_view line) -> Status {
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
          return malformed(line_no, "the version must be a positive whole number below 2^32");
        }
        std::string_view rest = line.substr(sp + 1);
        const auto key_end = rest.find(' ');
        const std::string_view key_text = rest.substr(0, key_end);
        rest = key_end == std::string_view::npos ? std::string_view() : rest.substr(key_end + 1);
        // Optional attributes after the key: created=<time> and replaced=<time>, once each.
        Dates dates;
        while (!rest.empty()) {
          const auto end = rest.find(' ');
          const std::string_view attr = rest.substr(0, end);
          rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
          const auto eq = attr.find('=');
          const std::string_view name = attr.substr(0, eq);
          std::optional<Micros>* slot = name == "created"    ? &dates.created
                                        : name == "replaced" ? &dates.replaced
                                                             : nullptr;
          if (eq == std::string_view::npos || slot == nullptr || slot->has_value()) {
            return malformed(line_no,
                             "after the key only `created=<time>` and `replaced=<time>` may "
                             "follow, each once");
          }
          *slot = ParseUtcTime(attr.substr(eq + 1));
          if (!slot->has_value()) {
            return malformed(line_no, fmt::format("{} is not a UTC time like "
                                                  "2026-11-23T09:30:00.000000Z",
                                                  name));
          }
        }
        auto key = Base64Decode(key_text);
        const bool ok = key.has_value() && key->size() == kKeyBytes;
        SecureBuffer bytes;
        if (ok) {
          bytes = SecureBuffer::CopyOf(*key);
        }
        if (key) {
          sodium_memzero(key->data(), key->size());
        }
        if (!ok) {
          return malformed(line_no, "the key must be 32 bytes in base64");
        }
        if (out.keys_.contains(version)) {
          return malformed(line_no, fmt::format("version {} appears twice", version));
        }
        out.dates_[version] = dates;
        out.keys_.emplace(version, std::move(bytes));
        return {};
      });
  if (!st) {
    return std::unexpected(st.error());
  }
  if (out.keys_.empty()) {
    return Fail(ErrorCode::kFailedPrecondition, fmt::format("{} holds no key", what));
  }
  return out;
}

Result<MasterKeys> MasterKeys::ParseEnvironmentValue(std::string_view value) {
  constexpr std::string_view kWhat = "ALCOVE_MASTER_KEY";
  if (value.find('\n') != std::string_view::npos || value.starts_with(kHeader)) {
    return Parse(value, kWhat);
  }
  auto key = Base64Decode(value);
  const bool ok = key.has_value() && key->size() == kKeyBytes;
  MasterKeys out;
  if (ok) {
    out.keys_.emplace(1u, SecureBuffer::CopyOf(*key));
    out.dates_[1u] = Dates{};
  }
  if (key) {
    sodium_memzero(key->data(), key->size());
  }
  if (!ok) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("{} must hold the master key file format or the base64 of one "
                            "32-byte key",
                            kWhat));
  }
  return out;
}

Result<MasterKeys> MasterKeys::Load(const std::filesystem::path& path) {
  if (auto st = CheckPrivateFile(path, "master key file"); !st) {
    return std::unexpected(st.error());
  }
  auto text = ReadSmallFile(path, kMaxKeyFileBytes);
  if (!text) {
    return std::unexpected(text.error());
  }
  WipeOnExit wipe{*text};
  return Parse(*text, fmt::format("master key file {}", path.string()));
}

std::vector<std::uint32_t> MasterKeys::versions() const {
  std::vector<std::uint32_t> out;
  out.reserve(keys_.size());
  for (const auto& [v, _] : keys_) {
    out.push_back(v);
  }
  return out;
}

std::uint32_t MasterKeys::newest() const { return keys_.empty() ? 0 : keys_.rbegin()->first; }

std::span<const std::uint8_t> MasterKeys::Key(std::uint32_t version) const {
  const auto it = keys_.find(version);
  if (it == keys_.end()) {
    return {};
  }
  return it->second.span();
}

std::optional<Micros> MasterKeys::Created(std::uint32_t version) const {
  const auto it = dates_.find(version);
  return it == dates_.end() ? std::nullopt : it->second.created;
}

std::optional<Micros> MasterKeys::Replaced(std::uint32_t version) const {
  const auto it = dates_.find(version);
  return it == dates_.end() ? std::nullopt : it->second.replaced;
}

Status MasterKeys::AddRandom(std::uint32_t version, Micros created) {
  if (version == 0 || keys_.contains(version)) {
    return Fail(ErrorCode::kAlreadyExists,
                fmt::format("master key version {} exists or is not valid", version));
  }
  SecureBuffer key(kKeyBytes);
  RandomBytes(key.span());
  keys_.emplace(version, std::move(key));
  dates_[version] = Dates{created, std::nullopt};
  return {};
}

void MasterKeys::MarkReplaced(std::uint32_t version, Micros when) {
  const auto it = dates_.find(version);
  if (it != dates_.end() && !it->second.replaced) {
    it->second.replaced = when;
  }
}

void MasterKeys::Remove(std::uint32_t version) {
  keys_.erase(version);  // the SecureBuffer wipes itself
  dates_.erase(version);
}

std::string MasterKeys::Serialize() const {
  std::string out =
      "# Alcove master keys. Secret: keep this file at mode 0600 and back it up apart from\n"
      "# the database. Losing it makes every encrypted record unreadable.\n"
      "# `alcove keys rotate` adds a version and re-wraps the data keys under it; older\n"
      "# versions stay until `alcove keys retire` removes them (docs/backups.md).\n";
  out.append(kHeader).push_back('\n');
  for (const auto& [version, key] : keys_) {
    std::string b64 = Base64Encode(key.span());
    out += fmt::format("key {} ", version);
    out += b64;
    const auto& dates = dates_.at(version);
    if (dates.created) {
      out += " created=" + FormatRfc3339Micros(*dates.created);
    }
    if (dates.replaced) {
      out += " replaced=" + FormatRfc3339Micros(*dates.replaced);
    }
    out.push_back('\n');
    sodium_memzero(b64.data(), b64.size());
  }
  return out;
}

Status WriteMasterKeyFile(const std::filesystem::path& path, const MasterKeys& keys) {
  std::string content = keys.Serialize();
  WipeOnExit wipe{content};
  auto temp = path;
  temp += ".tmp-" + RandomHex(8);
  if (auto st = WriteNewFile(temp, content, 0600); !st) {
    return st;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return Fail(ErrorCode::kInternal,
                fmt::format("cannot rename {} to {}", temp.string(), path.string()));
  }
  return FsyncDirectory(path.parent_path());
}

Result<std::uint32_t> AddMasterKeyVersion(const std::filesystem::path& path) {
  auto keys = MasterKeys::Load(path);
  if (!keys) {
    return std::unexpected(keys.error());
  }
  const std::uint32_t next = keys->newest() + 1;
  if (next == 0) {
    return Fail(ErrorCode::kFailedPrecondition, "master key versions are exhausted");
  }
  if (auto st = keys->AddRandom(next, SystemClock::Instance().Now()); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = WriteMasterKeyFile(path, *keys); !st) {
    return std::unexpected(st.error());
  }
  return next;
}

Status InstallMasterKeyFile(const std::filesystem::path& from, const std::filesystem::path& to) {
  auto keys = MasterKeys::Load(from);
  if (!keys) {
    return std::unexpected(keys.error());
  }
  std::string content = keys->Serialize();
  WipeOnExit wipe{content};
  return WriteNewFile(to, content, 0600);
}

Result<std::vector<MasterKeyVersionDates>> DescribeMasterKeyFile(
    const std::filesystem::path& path) {
  ALCOVE_TRY_ASSIGN(const MasterKeys keys, MasterKeys::Load(path));
  std::vector<MasterKeyVersionDates> out;
  for (const std::uint32_t v : keys.versions()) {
    out.push_back({.version = v, .created = keys.Created(v), .replaced = keys.Replaced(v)});
  }
  return out;
}

}  // namespace alcove::crypto
