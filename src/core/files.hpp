#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "core/error.hpp"

namespace alcove {

// Owns a file descriptor and closes it. Move-only.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = other.fd_;
      other.fd_ = -1;
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  void Reset();
  int fd_;
};

// Creates `dir` with `mode`; fails with kAlreadyExists if anything is there.
Status CreatePrivateDirectory(const std::filesystem::path& dir, mode_t mode = 0700);

// Writes `content` to a new file created with exactly `mode` (O_EXCL, O_NOFOLLOW),
// then fsyncs it. Fails with kAlreadyExists if the path exists; on any other
// failure no file is left behind.
Status WriteNewFile(const std::filesystem::path& path, std::string_view content, mode_t mode);

// Reads a whole regular file of at most `max_bytes`.
Result<std::string> ReadSmallFile(const std::filesystem::path& path, std::size_t max_bytes);

// Succeeds if `path` is a regular file (not a link) owned by this user that neither
// group nor others can read or write. The error says which chmod/chown fixes it.
Status CheckPrivateFile(const std::filesystem::path& path, std::string_view what);

// Same for a directory: no access for group or others.
Status CheckPrivateDirectory(const std::filesystem::path& dir, std::string_view what);

}  // namespace alcove
