#include "store/blob_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "store/ids.hpp"

namespace alcove::store {
namespace {

constexpr std::string_view kTempPrefix = ".tmp-";
constexpr std::string_view kPartialPrefix = "partial-";

std::unexpected<Error> ErrnoFail(int err, std::string_view what, const std::filesystem::path& p) {
  const ErrorCode code = (err == ENOSPC || err == EDQUOT) ? ErrorCode::kResourceExhausted
                         : err == ENOENT                  ? ErrorCode::kNotFound
                                                          : ErrorCode::kInternal;
  return Fail(code, fmt::format("blob store: {} {}: {}", what, p.string(), std::strerror(err)),
              code == ErrorCode::kNotFound ? "not found" : "storage error");
}

Status SyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return ErrnoFail(errno, "open directory", dir);
  }
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    return ErrnoFail(err, "fsync directory", dir);
  }
  return {};
}

Status CheckId(std::string_view id) {
  if (!IsValidId(id)) {
    return Fail(ErrorCode::kInvalidArgument, "blob store: malformed blob id", "malformed id");
  }
  return {};
}

// Writes all of `bytes` to `fd`.
Status WriteAll(int fd, std::span<const std::uint8_t> bytes, const std::filesystem::path& p) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ErrnoFail(errno, "write", p);
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

// Up to `length` bytes at `offset` of a file of `size` bytes.
Result<Bytes> ReadRange(int fd, std::uint64_t size, std::uint64_t offset, std::size_t length) {
  if (offset > size) {
    return Fail(ErrorCode::kInvalidArgument, "blob store: read past the end of a blob",
                "range not satisfiable");
  }
  const std::uint64_t available = size - offset;
  Bytes out(static_cast<std::size_t>(std::min<std::uint64_t>(available, length)));
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n =
        ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Fail(ErrorCode::kInternal, fmt::format("blob store: read: {}", std::strerror(errno)),
                  "storage error");
    }
    if (n == 0) {
      break;  // a committed blob cannot shrink; a partial one may be truncated meanwhile
    }
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

Result<std::uint64_t> FileSize(int fd, const std::filesystem::path& p) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kInternal, "blob store: not a regular file: " + p.string(),
                "storage error");
  }
  return static_cast<std::uint64_t>(st.st_size);
}

class FileBlobWriter final : public BlobWriter {
 public:
  FileBlobWriter(std::filesystem::path dir, std::string id, std::filesystem::path temp, int fd)
      : dir_(std::move(dir)), id_(std::move(id)), temp_(std::move(temp)), fd_(fd) {}
  FileBlobWriter(const FileBlobWriter&) = delete;
  FileBlobWriter& operator=(const FileBlobWriter&) = delete;
  ~FileBlobWriter() override {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    if (!committed_) {
      ::unlink(temp_.c_str());
    }
  }

  const std::string& id() const override { return id_; }

  Status Append(std::span<const std::uint8_t> bytes) override {
    if (committed_ || failed_) {
      return Fail(ErrorCode::kFailedPrecondition, "blob store: writer is finished or spoilt");
    }
    if (auto st = WriteAll(fd_, bytes, temp_); !st) {
      failed_ = true;
      return st;
    }
    return {};
  }

  Status Commit() override {
    if (committed_ || failed_) {
      return Fail(ErrorCode::kFailedPrecondition, "blob store: writer is finished or spoilt");
    }
    failed_ = true;  // until the end: any error below spoils the writer
    if (::fsync(fd_) != 0) {
      return ErrnoFail(errno, "fsync", temp_);
    }
    if (::close(fd_) != 0) {
      fd_ = -1;
      return ErrnoFail(errno, "close", temp_);
    }
    fd_ = -1;
    const std::filesystem::path final_path = dir_ / id_;
    if (::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, final_path.c_str(), RENAME_NOREPLACE) != 0) {
      return ErrnoFail(errno, "rename into place", final_path);
    }
    committed_ = true;
    failed_ = false;
    return SyncDirectory(dir_);
  }

 private:
  std::filesystem::path dir_;
  std::string id_;
  std::filesystem::path temp_;
  int fd_;
  bool committed_ = false;
  bool failed_ = false;
};

class FileBlobReader final : public BlobReader {
 public:
  FileBlobReader(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  FileBlobReader(const FileBlobReader&) = delete;
  FileBlobReader& operator=(const FileBlobReader&) = delete;
  ~FileBlobReader() override { ::close(fd_); }

  std::uint64_t size() const override { return size_; }

  Result<Bytes> Read(std::uint64_t offset, std::size_t length) const override {
    return ReadRange(fd_, size_, offset, length);
  }

 private:
  int fd_;
  std::uint64_t size_;
};

// An in-progress blob: the file `partial-<id>`, locked by this writer (flock) so that
// no second writer appends to it.
class FilePartialBlob final : public PartialBlob {
 public:
  FilePartialBlob(std::filesystem::path dir, std::string id, int fd, std::uint64_t size)
      : dir_(std::move(dir)), id_(std::move(id)), path_(dir_ / PartialName(id_)), fd_(fd),
        size_(size) {}
  FilePartialBlob(const FilePartialBlob&) = delete;
  FilePartialBlob& operator=(const FilePartialBlob&) = delete;
  ~FilePartialBlob() override {
    if (fd_ >= 0) {
      ::close(fd_);  // releases the lock; the file stays for a later OpenPartial
    }
  }

  static std::string PartialName(std::string_view id) {
    return std::string(kPartialPrefix) + std::string(id);
  }

  const std::string& id() const override { return id_; }
  std::uint64_t size() const override { return size_; }

  Status Append(std::span<const std::uint8_t> bytes) override {
    if (auto st = Usable(); !st) {
      return st;
    }
    if (auto st = WriteAll(fd_, bytes, path_); !st) {
      failed_ = true;
      return st;
    }
    size_ += bytes.size();
    return {};
  }

  Result<Bytes> Read(std::uint64_t offset, std::size_t length) const override {
    return ReadRange(fd_, size_, offset, length);
  }

  Status Truncate(std::uint64_t size) override {
    if (auto st = Usable(); !st) {
      return st;
    }
    if (size > size_) {
      return Fail(ErrorCode::kInvalidArgument, "blob store: truncate past the end",
                  "range not satisfiable");
    }
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0 ||
        ::lseek(fd_, static_cast<off_t>(size), SEEK_SET) < 0) {
      failed_ = true;
      return ErrnoFail(errno, "truncate", path_);
    }
    size_ = size;
    return {};
  }

  Status Sync() override {
    if (auto st = Usable(); !st) {
      return st;
    }
    if (::fdatasync(fd_) != 0) {
      failed_ = true;
      return ErrnoFail(errno, "fsync", path_);
    }
    return {};
  }

  Status Commit() override {
    if (auto st = Usable(); !st) {
      return st;
    }
    failed_ = true;  // until the end: any error below spoils the writer
    if (::fsync(fd_) != 0) {
      return ErrnoFail(errno, "fsync", path_);
    }
    const std::filesystem::path final_path = dir_ / id_;
    if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, final_path.c_str(), RENAME_NOREPLACE) != 0) {
      return ErrnoFail(errno, "rename into place", final_path);
    }
    ::close(fd_);
    fd_ = -1;
    committed_ = true;
    failed_ = false;
    return SyncDirectory(dir_);
  }

 private:
  Status Usable() const {
    if (committed_ || failed_) {
      return Fail(ErrorCode::kFailedPrecondition, "blob store: writer is finished or spoilt");
    }
    return {};
  }

  std::filesystem::path dir_;
  std::string id_;
  std::filesystem::path path_;
  int fd_;
  std::uint64_t size_;
  bool committed_ = false;
  bool failed_ = false;
};

class FileBlobStore final : public BlobStore {
 public:
  explicit FileBlobStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  Result<std::unique_ptr<BlobWriter>> Create() override {
    std::string id = NewId();
    std::filesystem::path temp = dir_ / (std::string(kTempPrefix) + NewId());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      return ErrnoFail(errno, "create", temp);
    }
    return std::make_unique<FileBlobWriter>(dir_, std::move(id), std::move(temp), fd);
  }

  Result<std::unique_ptr<BlobReader>> Open(std::string_view id) override {
    if (auto st = CheckId(id); !st) {
      return std::unexpected(st.error());
    }
    return OpenReader(dir_ / std::string(id));
  }

  Status Delete(std::string_view id) override {
    if (auto st = CheckId(id); !st) {
      return st;
    }
    const std::filesystem::path p = dir_ / std::string(id);
    if (::unlink(p.c_str()) != 0) {
      return ErrnoFail(errno, "unlink", p);
    }
    return SyncDirectory(dir_);
  }

  Result<std::unique_ptr<PartialBlob>> CreatePartial() override {
    std::string id = NewId();
    const std::filesystem::path p = dir_ / FilePartialBlob::PartialName(id);
    const int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      return ErrnoFail(errno, "create", p);
    }
    ::flock(fd, LOCK_EX | LOCK_NB);  // a new file: nobody else can hold it
    if (auto st = SyncDirectory(dir_); !st) {
      ::close(fd);
      ::unlink(p.c_str());
      return std::unexpected(st.error());
    }
    return std::make_unique<FilePartialBlob>(dir_, std::move(id), fd, 0);
  }

  Result<std::unique_ptr<PartialBlob>> OpenPartial(std::string_view id) override {
    if (auto st = CheckId(id); !st) {
      return std::unexpected(st.error());
    }
    const std::filesystem::path p = dir_ / FilePartialBlob::PartialName(id);
    const int fd = ::open(p.c_str(), O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      return ErrnoFail(errno, "open", p);
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return Fail(ErrorCode::kConflict, "blob store: the upload is being written elsewhere",
                    "this upload is in progress on another connection");
      }
      return ErrnoFail(err, "lock", p);
    }
    auto size = FileSize(fd, p);
    if (!size) {
      ::close(fd);
      return std::unexpected(size.error());
    }
    return std::make_unique<FilePartialBlob>(dir_, std::string(id), fd, *size);
  }

  Result<std::unique_ptr<BlobReader>> ReadPartial(std::string_view id) override {
    if (auto st = CheckId(id); !st) {
      return std::unexpected(st.error());
    }
    return OpenReader(dir_ / FilePartialBlob::PartialName(id));
  }

  Status DeletePartial(std::string_view id) override {
    if (auto st = CheckId(id); !st) {
      return st;
    }
    const std::filesystem::path p = dir_ / FilePartialBlob::PartialName(id);
    if (::unlink(p.c_str()) != 0) {
      return ErrnoFail(errno, "unlink", p);
    }
    return SyncDirectory(dir_);
  }

 private:
  static Result<std::unique_ptr<BlobReader>> OpenReader(const std::filesystem::path& p) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      return ErrnoFail(errno, "open", p);
    }
    auto size = FileSize(fd, p);
    if (!size) {
      ::close(fd);
      return std::unexpected(size.error());
    }
    return std::make_unique<FileBlobReader>(fd, *size);
  }

  std::filesystem::path dir_;
};

}  // namespace

Result<std::unique_ptr<BlobStore>> OpenFileBlobStore(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoFail(errno, "create directory", dir);
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(std::filesystem::symlink_status(dir, ec))) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("blob store: {} is not a directory", dir.string()),
                "storage unavailable");
  }
  // Temporary files are the remains of writes that never committed.
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(kTempPrefix)) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
  if (ec) {
    return Fail(ErrorCode::kInternal,
                fmt::format("blob store: cannot list {}: {}", dir.string(), ec.message()),
                "storage unavailable");
  }
  return std::make_unique<FileBlobStore>(dir);
}

}  // namespace alcove::store
