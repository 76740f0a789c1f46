#include "web/security_headers.hpp"

namespace alcove::web {

void ApplySecurityHeaders(Response& response) {
  auto& h = response.headers;
  h.Set("Strict-Transport-Security", std::string(kHsts));
  h.Set("Content-Security-Policy", std::string(kContentSecurityPolicy));
  h.Set("X-Frame-Options", "DENY");
  h.Set("X-Content-Type-Options", "nosniff");
  h.Set("Referrer-Policy", "no-referrer");
  h.Set("Cross-Origin-Opener-Policy", "same-origin");
  h.Set("Cross-Origin-Embedder-Policy", "require-corp");
  h.Set("Cross-Origin-Resource-Policy", "same-origin");
  // A page that records may widen this (microphone=(self)); nothing else may.
  if (!h.Has("Permissions-Policy")) {
    h.Set("Permissions-Policy", std::string(kPermissionsPolicy));
  }
  if (!h.Has("Cache-Control")) {
    h.Set("Cache-Control", "no-store");
  }
}

}  // namespace alcove::web
