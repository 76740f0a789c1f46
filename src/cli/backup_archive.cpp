#include "cli/backup_archive.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>

#include "store/ids.hpp"

namespace alcove::cli {
namespace {

constexpr std::size_t kChunk = 1 << 20;
constexpr std::size_t kHeaderSize = 8 + 1 + 8;
constexpr std::uint8_t kKindFile = 1;
constexpr std::uint8_t kKindEnd = 0;

void PutBe(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

std::uint64_t GetBe(std::span<const std::uint8_t> in) {
  std::uint64_t v = 0;
  for (std::uint8_t b : in) {
    v = (v << 8) | b;
  }
  return v;
}

bool IsEntryName(std::string_view name) {
  return std::find(std::begin(kBackupEntryNames), std::end(kBackupEntryNames), name) !=
             std::end(kBackupEntryNames) ||
         IsBackupBlobEntry(name);
}

}  // namespace

bool IsBackupBlobEntry(std::string_view name) {
  return name.starts_with(kBackupBlobPrefix) &&
         store::IsValidId(name.substr(kBackupBlobPrefix.size()));
}

std::vector<std::string> BackupReader::BlobEntries() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) {
    if (IsBackupBlobEntry(e.name)) {
      out.push_back(e.name);
    }
  }
  return out;
}

// ---- Writer ----

Result<std::unique_ptr<BackupWriter>> BackupWriter::Create(const std::filesystem::path& path,
                                                           Micros created_at) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    return Fail(errno == EEXIST ? ErrorCode::kAlreadyExists : ErrorCode::kFailedPrecondition,
                fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
  }
  if (::fchmod(fd.get(), 0600) != 0) {  // whatever the umask did
    ::unlink(path.c_str());
    return Fail(ErrorCode::kFailedPrecondition, fmt::format("cannot chmod {}", path.string()));
  }
  auto w = std::unique_ptr<BackupWriter>(new BackupWriter(path, std::move(fd)));
  std::string header(kBackupMagic);
  header.push_back(static_cast<char>(kBackupFormatVersion));
  PutBe(header, static_cast<std::uint64_t>(created_at), 8);
  if (auto st = w->Write(header); !st) {
    return std::unexpected(st.error());
  }
  return w;
}

BackupWriter::~BackupWriter() {
  if (!finished_) {
    fd_ = UniqueFd();
    ::unlink(path_.c_str());
  }
}

Status BackupWriter::Write(std::string_view bytes) {
  hash_.Update(bytes);
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("cannot write {}: {}", path_.string(), std::strerror(errno)));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Status BackupWriter::EntryHeader(std::string_view name, std::uint64_t size) {
  if (!IsEntryName(name) || std::find(names_.begin(), names_.end(), name) != names_.end()) {
    return Fail(ErrorCode::kInternal, fmt::format("backup entry {} is not allowed here", name));
  }
  names_.emplace_back(name);
  std::string head;
  head.push_back(static_cast<char>(kKindFile));
  PutBe(head, name.size(), 2);
  head.append(name);
  PutBe(head, size, 8);
  return Write(head);
}

Status BackupWriter::AddText(std::string_view name, std::string_view content) {
  if (auto st = EntryHeader(name, content.size()); !st) {
    return st;
  }
  return Write(content);
}

Status BackupWriter::AddSecret(std::string_view name, const crypto::SecretString& content) {
  return AddText(name, content.reveal());
}

Status BackupWriter::AddFile(std::string_view name, const std::filesystem::path& source) {
  UniqueFd in(::open(source.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!in.valid() || ::fstat(in.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Fail(
        ErrorCode::kFailedPrecondition,
        fmt::format("cannot read {} (missing, a link or not a regular file)", source.string()));
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (auto s = EntryHeader(name, size); !s) {
    return s;
  }
  std::vector<char> buf(kChunk);
  std::uint64_t left = size;
  while (left > 0) {
    const ssize_t n = ::read(in.get(), buf.data(), std::min<std::uint64_t>(left, buf.size()));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return Fail(
          ErrorCode::kFailedPrecondition,
          fmt::format("{} changed or could not be read while it was copied", source.string()));
    }
    if (auto s = Write({buf.data(), static_cast<std::size_t>(n)}); !s) {
      return s;
    }
    left -= static_cast<std::uint64_t>(n);
  }
  return {};
}

Status BackupWriter::Finish() {
  if (auto st = Write(std::string(1, static_cast<char>(kKindEnd))); !st) {
    return st;
  }
  const crypto::Sha256Digest digest = hash_.Finish();
  std::string_view tail(reinterpret_cast<const char*>(digest.data()), digest.size());
  while (!tail.empty()) {
    const ssize_t n = ::write(fd_.get(), tail.data(), tail.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return Fail(ErrorCode::kFailedPrecondition, fmt::format("cannot write {}", path_.string()));
    }
    tail.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd_.get()) != 0) {
    return Fail(ErrorCode::kFailedPrecondition, fmt::format("cannot fsync {}", path_.string()));
  }
  finished_ = true;
  fd_ = UniqueFd();
  return {};
}

// ---- Reader ----

Status BackupReader::ReadAt(std::uint64_t offset, std::span<std::uint8_t> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n =
        ::pread(fd_.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("cannot read {} (truncated?)", path_.string()));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Result<std::unique_ptr<BackupReader>> BackupReader::Open(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    return Fail(
        errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kFailedPrecondition,
        fmt::format("cannot open the backup file {}: {}", path.string(), std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{} is not a regular file", path.string()));
  }
  auto r = std::unique_ptr<BackupReader>(new BackupReader(path, std::move(fd)));
  const auto size = static_cast<std::uint64_t>(st.st_size);
  auto bad = [&](std::string_view why) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{} is not a usable Alcove backup: {}", path.string(), why));
  };
  if (size < kHeaderSize + 1 + crypto::kSha256Size) {
    return bad("it is too short (truncated?)");
  }
  std::array<std::uint8_t, kHeaderSize> header{};
  if (auto s = r->ReadAt(0, header); !s) {
    return std::unexpected(s.error());
  }
  if (std::memcmp(header.data(), kBackupMagic.data(), kBackupMagic.size()) != 0) {
    return bad("it does not start like a backup made by `alcove backup`");
  }
  if (header[8] != kBackupFormatVersion) {
    return bad(fmt::format("it has format version {}; this alcove reads version {}", header[8],
                           kBackupFormatVersion));
  }
  // The checksum first: nothing below trusts a byte it does not cover.
  const std::uint64_t body = size - crypto::kSha256Size;
  {
    crypto::Sha256Hasher hasher;
    std::vector<std::uint8_t> buf(kChunk);
    for (std::uint64_t at = 0; at < body;) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), body - at));
      if (auto s = r->ReadAt(at, {buf.data(), n}); !s) {
        return std::unexpected(s.error());
      }
      hasher.Update(std::span<const std::uint8_t>(buf.data(), n));
      at += n;
    }
    std::array<std::uint8_t, crypto::kSha256Size> stored{};
    if (auto s = r->ReadAt(body, stored); !s) {
      return std::unexpected(s.error());
    }
    const auto digest = hasher.Finish();
    if (std::memcmp(digest.data(), stored.data(), stored.size()) != 0) {
      return bad(
          "its SHA-256 checksum does not match its contents (the file is damaged or "
          "truncated)");
    }
  }
  r->created_at_ = static_cast<Micros>(GetBe(std::span(header).subspan(9, 8)));
  std::uint64_t pos = kHeaderSize;
  for (;;) {
    if (pos >= body) {
      return bad("the list of entries has no end");
    }
    std::array<std::uint8_t, 1> kind{};
    if (auto s = r->ReadAt(pos, kind); !s) {
      return std::unexpected(s.error());
    }
    ++pos;
    if (kind[0] == kKindEnd) {
      break;
    }
    if (kind[0] != kKindFile || body - pos < 2) {
      return bad("an entry of an unknown kind");
    }
    std::array<std::uint8_t, 2> len{};
    if (auto s = r->ReadAt(pos, len); !s) {
      return std::unexpected(s.error());
    }
    pos += 2;
    const std::uint64_t name_len = GetBe(len);
    if (name_len == 0 || name_len > 255 || body - pos < name_len + 8) {
      return bad("an entry name is cut off");
    }
    std::string name(static_cast<std::size_t>(name_len), '\0');
    if (auto s = r->ReadAt(pos, {reinterpret_cast<std::uint8_t*>(name.data()), name.size()}); !s) {
      return std::unexpected(s.error());
    }
    pos += name_len;
    if (!IsEntryName(name) || r->Find(name) != nullptr) {
      return bad("an entry that a backup may not hold, or one that appears twice");
    }
    std::array<std::uint8_t, 8> sz{};
    if (auto s = r->ReadAt(pos, sz); !s) {
      return std::unexpected(s.error());
    }
    pos += 8;
    const std::uint64_t entry_size = GetBe(sz);
    if (entry_size > body - pos) {
      return bad(fmt::format("entry {} runs past the end of the file", name));
    }
    r->entries_.push_back(Entry{std::move(name), pos, entry_size});
    pos += entry_size;
  }
  if (pos != body) {
    return bad("bytes follow the end of the entries");
  }
  return r;
}

const BackupReader::Entry* BackupReader::Find(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.name == name) {
      return &e;
    }
  }
  return nullptr;
}

bool BackupReader::Has(std::string_view name) const { return Find(name) != nullptr; }

Status BackupReader::ExtractTo(std::string_view name, const std::filesystem::path& dest,
                               mode_t mode) const {
  const Entry* e = Find(name);
  if (e == nullptr) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("the backup {} holds no {}", path_.string(), name));
  }
  UniqueFd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!out.valid()) {
    return Fail(errno == EEXIST ? ErrorCode::kAlreadyExists : ErrorCode::kFailedPrecondition,
                fmt::format("cannot create {}: {}", dest.string(), std::strerror(errno)));
  }
  if (::fchmod(out.get(), mode) != 0) {
    return Fail(ErrorCode::kFailedPrecondition, fmt::format("cannot chmod {}", dest.string()));
  }
  std::vector<std::uint8_t> buf(kChunk);
  for (std::uint64_t at = 0; at < e->size;) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), e->size - at));
    if (auto s = ReadAt(e->offset + at, {buf.data(), n}); !s) {
      return s;
    }
    for (std::size_t w = 0; w < n;) {
      const ssize_t k = ::write(out.get(), buf.data() + w, n - w);
      if (k < 0 && errno == EINTR) {
        continue;
      }
      if (k <= 0) {
        return Fail(ErrorCode::kFailedPrecondition,
                    fmt::format("cannot write {}: {}", dest.string(), std::strerror(errno)));
      }
      w += static_cast<std::size_t>(k);
    }
    at += n;
  }
  if (::fsync(out.get()) != 0) {
    return Fail(ErrorCode::kFailedPrecondition, fmt::format("cannot fsync {}", dest.string()));
  }
  return {};
}

Result<std::string> BackupReader::ReadSmall(std::string_view name, std::size_t max_bytes) const {
  const Entry* e = Find(name);
  if (e == nullptr) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("the backup {} holds no {}", path_.string(), name));
  }
  if (e->size > max_bytes) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("entry {} of the backup {} is too large", name, path_.string()));
  }
  std::string out(static_cast<std::size_t>(e->size), '\0');
  if (auto s = ReadAt(e->offset, {reinterpret_cast<std::uint8_t*>(out.data()), out.size()}); !s) {
    return std::unexpected(s.error());
  }
  return out;
}

Result<crypto::SecretString> BackupReader::ReadSecret(std::string_view name,
                                                      std::size_t max_bytes) const {
  auto text = ReadSmall(name, max_bytes);
  if (!text) {
    return std::unexpected(text.error());
  }
  return crypto::SecretString(std::move(*text));
}

}  // namespace alcove::cli
