#include "web/static_files.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "core/files.hpp"

namespace alcove::web {
namespace {

bool IsPlainName(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.size() > 255) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
  });
}

Response NotFound() { return Response::Text(404, "Not Found\n"); }

}  // namespace

std::string_view ContentTypeFor(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".csv", "text/csv; charset=utf-8"},  // the hours import template
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
  };
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) {
    return {};
  }
  const auto ext = name.substr(dot);
  for (const auto& [e, type] : kTypes) {
    if (e == ext) {
      return type;
    }
  }
  return {};
}

StaticFiles::StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

Response StaticFiles::Serve(const Request& request, std::string_view relative) const {
  std::vector<std::string_view> parts;
  while (true) {
    const auto slash = relative.find('/');
    const auto part = relative.substr(0, slash);
    if (!IsPlainName(part)) {
      return NotFound();
    }
    parts.push_back(part);
    if (slash == std::string_view::npos) {
      break;
    }
    relative = relative.substr(slash + 1);
  }
  const std::string_view type = ContentTypeFor(parts.back());
  if (type.empty()) {
    return NotFound();
  }

  UniqueFd dir(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) {
    return NotFound();
  }
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    const std::string name(parts[i]);
    UniqueFd sub(::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (sub.get() < 0) {
      return NotFound();
    }
    dir = std::move(sub);
  }
  const std::string file_name(parts.back());
  UniqueFd file(::openat(dir.get(), file_name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  struct stat st {};
  if (file.get() < 0 || ::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::size_t>(st.st_size) > kMaxFileBytes) {
    return NotFound();
  }
  const std::string etag = fmt::format("\"{:x}-{:x}\"", static_cast<unsigned long long>(st.st_size),
                                       static_cast<unsigned long long>(st.st_mtim.tv_sec) *
                                               1'000'000'000ULL +
                                           static_cast<unsigned long long>(st.st_mtim.tv_nsec));
  Response r;
  r.headers.Set("ETag", etag);
  r.headers.Set("Cache-Control", "no-cache");
  if (const auto inm = request.headers.Get("If-None-Match"); inm && *inm == etag) {
    r.status = 304;
    return r;
  }
  std::string body(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < body.size()) {
    const ssize_t n = ::read(file.get(), body.data() + done, body.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return NotFound();
    }
    done += static_cast<std::size_t>(n);
  }
  r.status = 200;
  r.headers.Set("Content-Type", std::string(type));
  r.body = std::move(body);
  return r;
}

}  // namespace alcove::web
