#include "core/files.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace alcove {
namespace {

std::string Errno() { return std::strerror(errno); }

Status CheckOwnerAndMode(const std::filesystem::path& path, std::string_view what, bool dir) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("{} {} is missing ({})", what, path.string(), Errno()));
  }
  if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("{} {} must be a {} (not a link or anything else)", what,
                            path.string(), dir ? "directory" : "regular file"));
  }
  if (st.st_uid != ::geteuid()) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("{} {} must be owned by the user running alcove (uid {}); fix: "
                            "chown {} {}",
                            what, path.string(), ::geteuid(), ::geteuid(), path.string()));
  }
  if ((st.st_mode & 077) != 0) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("{} {} is accessible by other users (mode {:04o}); fix: chmod {} {}",
                            what, path.string(), st.st_mode & 07777, dir ? "700" : "600",
                            path.string()));
  }
  return {};
}

}  // namespace

void UniqueFd::Reset() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Status CreatePrivateDirectory(const std::filesystem::path& dir, mode_t mode) {
  if (::mkdir(dir.c_str(), mode) != 0) {
    if (errno == EEXIST) {
      return Fail(ErrorCode::kAlreadyExists, fmt::format("{} already exists", dir.string()));
    }
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("cannot create {}: {}", dir.string(), Errno()));
  }
  // mkdir applies the umask; set the mode we promised.
  if (::chmod(dir.c_str(), mode) != 0) {
    return Fail(ErrorCode::kInternal, fmt::format("chmod {}: {}", dir.string(), Errno()));
  }
  return {};
}

Status WriteNewFile(const std::filesystem::path& path, std::string_view content, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (fd.get() < 0) {
    if (errno == EEXIST) {
      return Fail(ErrorCode::kAlreadyExists, fmt::format("{} already exists", path.string()));
    }
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("cannot create {}: {}", path.string(), Errno()));
  }
  auto fail = [&](std::string what) -> Status {
    ::unlink(path.c_str());
    return Fail(ErrorCode::kInternal, fmt::format("{} {}: {}", what, path.string(), Errno()));
  };
  if (::fchmod(fd.get(), mode) != 0) {
    return fail("chmod");
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    return fail("fsync");
  }
  return {};
}

Result<std::string> ReadSmallFile(const std::filesystem::path& path, std::size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return Fail(ErrorCode::kNotFound, fmt::format("cannot open {}: {}", path.string(), Errno()));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("{} is not a regular file", path.string()));
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    return Fail(ErrorCode::kResourceExhausted,
                fmt::format("{} is larger than {} bytes", path.string(), max_bytes));
  }
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return Fail(ErrorCode::kInternal, fmt::format("read {}: {}", path.string(), Errno()));
    }
    done += static_cast<std::size_t>(n);
  }
  return out;
}

Status CheckPrivateFile(const std::filesystem::path& path, std::string_view what) {
  return CheckOwnerAndMode(path, what, false);
}

Status CheckPrivateDirectory(const std::filesystem::path& dir, std::string_view what) {
  return CheckOwnerAndMode(dir, what, true);
}

}  // namespace alcove
