#include "crypto/key_file_lines.hpp"

namespace alcove::crypto {

Status ForEachKeyFileLine(std::string_view text, std::string_view header,
                          const std::function<Status(std::size_t)>& on_bad_header,
                          const std::function<Status(std::size_t, std::string_view)>& on_line) {
  bool header_seen = false;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (!header_seen) {
      if (line != header) {
        return on_bad_header(line_no);
      }
      header_seen = true;
      continue;
    }
    if (auto st = on_line(line_no, line); !st) {
      return st;
    }
  }
  return {};
}

}  // namespace alcove::crypto
