#include "web/cookies.hpp"

#include "core/encoding.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace alcove::web {
namespace {

bool IsBase64UrlChars(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
  });
}


}  // namespace

void SetCookie(Response& response, std::string_view name, std::string_view value,
               std::optional<std::chrono::seconds> max_age) {
  if (!name.starts_with("__Host-") || !IsBase64UrlChars(name.substr(7)) || name.size() == 7) {
    throw std::invalid_argument("cookie names must be __Host- prefixed tokens");
  }
  if (!IsBase64UrlChars(value)) {
    throw std::invalid_argument("cookie values must be base64url");
  }
  std::string header = fmt::format("{}={}; Path=/; Secure; HttpOnly; SameSite=Strict", name, value);
  if (max_age) {
    header += fmt::format("; Max-Age={}", max_age->count());
  }
  response.headers.Add("Set-Cookie", std::move(header));
}

bool IsStrictCookie(std::string_view v) {
  const auto eq = v.find('=');
  if (!v.starts_with("__Host-") || eq == std::string_view::npos) {
    return false;
  }
  bool path = false;
  bool secure = false;
  bool http_only = false;
  bool same_site = false;
  std::string_view rest = v.substr(v.find(';') == std::string_view::npos ? v.size() : v.find(';'));
  while (!rest.empty()) {
    rest.remove_prefix(1);  // ';'
    const auto next = rest.find(';');
    const std::string_view attr = TrimSpaces(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next);
    if (attr == "Path=/") {
      path = true;
    } else if (EqualsIgnoreCase(attr, "Secure")) {
      secure = true;
    } else if (EqualsIgnoreCase(attr, "HttpOnly")) {
      http_only = true;
    } else if (EqualsIgnoreCase(attr, "SameSite=Strict")) {
      same_site = true;
    } else if (attr.size() >= 7 && EqualsIgnoreCase(attr.substr(0, 7), "Domain=")) {
      return false;
    }
  }
  return path && secure && http_only && same_site;
}

std::optional<std::string> GetCookie(const Request& request, std::string_view name) {
  std::optional<std::string> found;
  int count = 0;
  for (const auto& [k, v] : request.headers.all()) {
    if (!EqualsIgnoreCase(k, "Cookie")) {
      continue;
    }
    std::string_view rest(v);
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      const std::string_view pair = TrimSpaces(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
        found = std::string(pair.substr(eq + 1));
        ++count;
      }
    }
  }
  if (count != 1) {
    return std::nullopt;
  }
  return found;
}

}  // namespace alcove::web
