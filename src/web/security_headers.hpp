#pragma once

#include "web/http.hpp"

namespace alcove::web {

// Sets the response header set of STACK-NOTES.md on `response` (C12, C60): HSTS for
// two years with includeSubDomains and preload, a CSP with default-src 'none' and
// no inline script, frame and sniffing protection, no referrer, COOP/COEP/CORP, and
// a Permissions-Policy that denies powerful features. A response without its own
// Cache-Control gets no-store. Never removes a header the handler set, except that
// it overrides any of these security headers.
void ApplySecurityHeaders(Response& response);

inline constexpr std::string_view kHsts = "max-age=63072000; includeSubDomains; preload";
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; media-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'";
inline constexpr std::string_view kPermissionsPolicy =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

}  // namespace alcove::web
