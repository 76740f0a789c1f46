#include "audit/checkpoint_signer.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "audit/log.hpp"
#include "core/encoding.hpp"
#include "core/files.hpp"
#include "crypto/sha.hpp"

namespace alcove::audit {
namespace {

Status FsyncPath(const std::filesystem::path& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    return Fail(ErrorCode::kFailedPrecondition,
                "cannot fsync " + path.string() + ": " + std::strerror(errno));
  }
  return {};
}

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return Fail(ErrorCode::kFailedPrecondition, "cannot write the audit checkpoint file " +
                                                      path.string() + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

std::filesystem::path AuditDir(const std::filesystem::path& data_dir) { return data_dir / "audit"; }
std::filesystem::path SigningKeyPath(const std::filesystem::path& data_dir) {
  return AuditDir(data_dir) / "signing.key";
}
std::filesystem::path CheckpointFilePath(const std::filesystem::path& data_dir) {
  return AuditDir(data_dir) / "checkpoints";
}

Status CreateAuditFiles(const std::filesystem::path& data_dir) {
  if (auto st = CreatePrivateDirectory(AuditDir(data_dir)); !st) {
    return st;
  }
  return crypto::CreateSigningKeyFile(SigningKeyPath(data_dir));
}

std::string LogOrigin(std::span<const std::uint8_t> public_key) {
  return "alcove.audit/" + HexEncode(crypto::Sha256(public_key)).substr(0, 16);
}

std::string SignCheckpoint(const crypto::SigningKey& key, const Checkpoint& checkpoint) {
  const std::string body = CheckpointBody(checkpoint);
  const auto signature = key.Sign(body);
  return FormatSignedCheckpoint(checkpoint, kCheckpointKeyName, key.public_key(), signature);
}

bool VerifyCheckpointSignature(const SignedCheckpoint& cp, std::string_view key_name,
                               std::span<const std::uint8_t> public_key) {
  const KeyHash expected = NoteKeyHash(key_name, public_key);
  for (const auto& sig : cp.signatures) {
    if (sig.key_name == key_name && sig.key_hash == expected &&
        crypto::VerifyEd25519(public_key, AsBytes(cp.body), sig.signature)) {
      return true;
    }
  }
  return false;
}

std::filesystem::path LatestCheckpointPath(const std::filesystem::path& checkpoint_file) {
  std::filesystem::path p = checkpoint_file;
  p += ".latest";
  return p;
}

Status AppendCheckpointFile(const std::filesystem::path& path, std::string_view note) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(std::filesystem::symlink_status(path, ec));
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    return Fail(ErrorCode::kFailedPrecondition, "cannot open the audit checkpoint file " +
                                                    path.string() + ": " + std::strerror(errno));
  }
  std::string record(note);
  record += '\n';
  if (auto st = WriteAll(fd.get(), record, path); !st) {
    return st;
  }
  if (::fsync(fd.get()) != 0) {
    return Fail(ErrorCode::kFailedPrecondition, "cannot fsync the audit checkpoint file " +
                                                    path.string() + ": " + std::strerror(errno));
  }
  if (!existed) {
    return FsyncPath(path.parent_path(), O_RDONLY | O_DIRECTORY);
  }
  return {};
}

Status ReplaceCheckpointFile(const std::filesystem::path& path, std::string_view note) {
  // A name of this process and call: two writers (a server and `alcove audit prove`) never
  // share a temporary file.
  static std::atomic<std::uint64_t> counter{0};
  std::filesystem::path temp = path;
  temp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    return Fail(ErrorCode::kFailedPrecondition, "cannot create the audit checkpoint file " +
                                                    temp.string() + ": " + std::strerror(errno));
  }
  std::string record(note);
  record += '\n';
  auto st = WriteAll(fd.get(), record, temp);
  if (st && ::fsync(fd.get()) != 0) {
    st = Fail(ErrorCode::kFailedPrecondition, "cannot fsync the audit checkpoint file " +
                                                  temp.string() + ": " + std::strerror(errno));
  }
  fd = UniqueFd();  // closed before the rename
  if (st && ::rename(temp.c_str(), path.c_str()) != 0) {
    st = Fail(ErrorCode::kFailedPrecondition, "cannot rename the audit checkpoint file into " +
                                                  path.string() + ": " + std::strerror(errno));
  }
  if (!st) {
    ::unlink(temp.c_str());
    return st;
  }
  return FsyncPath(path.parent_path(), O_RDONLY | O_DIRECTORY);
}

Result<std::optional<SignedCheckpoint>> ReadLatestCheckpointFile(
    const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
    return std::optional<SignedCheckpoint>{};
  }
  auto text = ReadSmallFile(path, kMaxNoteBytes);
  if (!text) {
    return std::unexpected(text.error());
  }
  auto parsed = ParseCheckpointFile(*text);
  if (!parsed || parsed->size() != 1) {
    return Fail(ErrorCode::kInvalidArgument,
                "the audit checkpoint file " + path.string() + " is damaged: " +
                    (parsed ? "it must hold exactly one checkpoint" : parsed.error().internal));
  }
  return std::optional<SignedCheckpoint>(std::move(parsed->front()));
}

Result<std::optional<SignedCheckpoint>> ReadLastCheckpoint(const std::filesystem::path& path,
                                                           std::size_t* bytes_read) {
  if (bytes_read != nullptr) {
    *bytes_read = 0;
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) {
      return std::optional<SignedCheckpoint>{};
    }
    return Fail(ErrorCode::kFailedPrecondition, "cannot open the audit checkpoint file " +
                                                    path.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the audit checkpoint file " + path.string() + " is not a readable file");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) {
    return std::optional<SignedCheckpoint>{};
  }
  auto damaged = [&](const std::string& what) {
    return Fail(ErrorCode::kInvalidArgument,
                "the audit checkpoint file " + path.string() + " is damaged: " + what);
  };
  // Each note is "<body>\n\n<signature lines>\n" and a blank line: the file ends in "\n\n",
  // the one before is the last note's own blank line, and the one before that ends the
  // note before it (or the last note starts the file).
  std::size_t window = std::min<std::size_t>(size, 4096);
  for (;;) {
    std::string text(window, '\0');
    std::size_t done = 0;
    while (done < window) {
      const ssize_t n = ::pread(fd.get(), text.data() + done, window - done,
                                static_cast<off_t>(size - window + done));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return Fail(
            ErrorCode::kFailedPrecondition,
            "cannot read the audit checkpoint file " + path.string() + ": " + std::strerror(errno));
      }
      done += static_cast<std::size_t>(n);
    }
    if (bytes_read != nullptr) {
      *bytes_read += window;
    }
    if (!text.ends_with("\n\n") || text.size() < 4) {
      return damaged("the last note is incomplete");
    }
    if (const auto start = LastNoteStart(text, window == size)) {
      auto cp =
          ParseSignedCheckpoint(std::string_view(text).substr(*start, text.size() - 1 - *start));
      if (!cp) {
        return damaged("the last note: " + cp.error().internal);
      }
      return std::optional<SignedCheckpoint>(std::move(*cp));
    }
    if (window == size || window >= kMaxNoteBytes) {
      return damaged("the last note is malformed or longer than 64 KiB");
    }
    window = std::min({size, window * 4, kMaxNoteBytes});
  }
}

Result<std::unique_ptr<CheckpointFileReader>> CheckpointFileReader::Open(
    const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT) {
    return Fail(ErrorCode::kFailedPrecondition, "cannot open the audit checkpoint file " +
                                                    path.string() + ": " + std::strerror(errno));
  }
  return std::unique_ptr<CheckpointFileReader>(new CheckpointFileReader(path, fd));
}

CheckpointFileReader::~CheckpointFileReader() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

Result<std::optional<SignedCheckpoint>> CheckpointFileReader::Next() {
  constexpr std::size_t kChunk = 64 * 1024;
  auto damaged = [&](const std::string& what) {
    return Fail(ErrorCode::kInvalidArgument, "the audit checkpoint file " + path_.string() +
                                                 " is damaged: malformed " + "checkpoint: note " +
                                                 std::to_string(notes_ + 1) + " " + what);
  };
  for (;;) {
    const std::string_view rest = std::string_view(buffer_).substr(pos_);
    if (const auto length = FirstNoteLength(rest)) {
      auto cp = ParseSignedCheckpoint(rest.substr(0, *length));
      if (!cp) {
        return damaged("is malformed: " + cp.error().internal);
      }
      pos_ += *length + 1;
      ++notes_;
      return std::optional<SignedCheckpoint>(std::move(*cp));
    }
    if (rest.size() > kMaxNoteBytes) {
      return damaged("is longer than 64 KiB");
    }
    if (eof_ || fd_ < 0) {
      if (!rest.empty()) {
        return damaged("is incomplete");
      }
      return std::optional<SignedCheckpoint>{};
    }
    buffer_.erase(0, pos_);
    pos_ = 0;
    const std::size_t old = buffer_.size();
    buffer_.resize(old + kChunk);
    ssize_t n = 0;
    do {
      n = ::read(fd_, buffer_.data() + old, kChunk);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      buffer_.resize(old);
      return Fail(ErrorCode::kFailedPrecondition, "cannot read the audit checkpoint file " +
                                                      path_.string() + ": " + std::strerror(errno));
    }
    buffer_.resize(old + static_cast<std::size_t>(n));
    bytes_read_ += static_cast<std::size_t>(n);
    eof_ = n == 0;
  }
}

Result<std::vector<SignedCheckpoint>> ReadCheckpointFile(const std::filesystem::path& path) {
  auto reader = CheckpointFileReader::Open(path);
  if (!reader) {
    return std::unexpected(reader.error());
  }
  std::vector<SignedCheckpoint> out;
  for (;;) {
    auto next = (*reader)->Next();
    if (!next) {
      return std::unexpected(next.error());
    }
    if (!*next) {
      return out;
    }
    out.push_back(std::move(**next));
  }
}

}  // namespace alcove::audit
