#pragma once

#include <filesystem>
#include <string_view>

#include "web/http.hpp"

namespace alcove::web {

// Serves files below one folder (web/static). A file is served only if every path
// segment is a plain name ([A-Za-z0-9_-] with inner dots, no leading dot) and each
// component is opened relative to its parent with O_NOFOLLOW, so no `..`, encoded
// `..`, NUL, absolute path or symbolic link can reach outside the folder. Only known
// file types are served, with their Content-Type; the rest is 404. Responses carry an
// ETag and `Cache-Control: no-cache`, and answer If-None-Match with 304.
// Thread-safety: Serve may be called from any thread.
class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  // `relative` is the part of the decoded path below the folder ("css/app.css").
  Response Serve(const Request& request, std::string_view relative) const;

  static constexpr std::size_t kMaxFileBytes = 8 * 1024 * 1024;

 private:
  std::filesystem::path root_;
};

// The Content-Type for a file name's extension, or empty if we do not serve it.
std::string_view ContentTypeFor(std::string_view file_name);

}  // namespace alcove::web
