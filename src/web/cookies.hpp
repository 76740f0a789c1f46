#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "web/http.hpp"

namespace alcove::web {

// Adds a Set-Cookie header. Every cookie Alcove sets is `__Host-` prefixed, Secure,
// HttpOnly, SameSite=Strict and Path=/ (no Domain). `name` must start with "__Host-"
// and `value` may only hold base64url characters: anything else is a programmer
// error (std::invalid_argument). With no max_age the cookie lasts for the browser
// session; a zero max_age deletes it.
void SetCookie(Response& response, std::string_view name, std::string_view value,
               std::optional<std::chrono::seconds> max_age = std::nullopt);

// True if a Set-Cookie header value has every attribute above; the chain drops (and
// logs) any cookie that does not, so no code path can send a weaker one.
bool IsStrictCookie(std::string_view set_cookie_value);

// The value of cookie `name` in the request's Cookie header(s), if present once.
// A cookie sent twice (a sign of cookie tossing) counts as absent.
std::optional<std::string> GetCookie(const Request& request, std::string_view name);

}  // namespace alcove::web
