#include "web/framing.hpp"

#include <cstddef>

namespace alcove::web {
namespace {

std::size_t Count(const Headers& headers, std::string_view name) {
  std::size_t n = 0;
  for (const auto& [k, v] : headers.all()) {
    n += EqualsIgnoreCase(k, name) ? 1 : 0;
  }
  return n;
}

std::string_view TrimOws(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
    v.remove_prefix(1);
  }
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) {
    v.remove_suffix(1);
  }
  return v;
}

bool AllDigits(std::string_view v) {
  if (v.empty()) {
    return false;
  }
  for (const char c : v) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string_view> FramingProblem(const Headers& headers, unsigned http_version) {
  const std::size_t te = Count(headers, "Transfer-Encoding");
  const std::size_t cl = Count(headers, "Content-Length");
  if (te > 1 || cl > 1) {
    return "The request repeats a framing header.";
  }
  if (te == 1 && cl == 1) {
    return "The request has both Transfer-Encoding and Content-Length.";
  }
  if (te == 1 && !EqualsIgnoreCase(TrimOws(*headers.Get("Transfer-Encoding")), "chunked")) {
    return "The only transfer coding accepted is chunked.";
  }
  if (cl == 1 && !AllDigits(TrimOws(*headers.Get("Content-Length")))) {
    return "Content-Length must be a number.";
  }
  if (http_version >= 11 && Count(headers, "Host") != 1) {
    return "An HTTP/1.1 request needs exactly one Host header.";
  }
  return std::nullopt;
}

}  // namespace alcove::web
