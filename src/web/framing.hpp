#pragma once

#include <optional>
#include <string_view>

#include "web/http.hpp"

namespace alcove::web {

// Message framing checks of a request head (RFC 9112 §6, §3.2) that the connection layer
// applies before reading any body, because a disagreement between us and a proxy in
// front of us about where a request ends is request smuggling:
//   - Transfer-Encoding must be exactly "chunked" (the only coding we accept, and it is
//     final), sent once;
//   - Content-Length must be one run of digits, sent once (not a list, not repeated);
//   - not both Transfer-Encoding and Content-Length;
//   - an HTTP/1.1 request carries exactly one Host.
// Returns a short public reason when the head must get 400 and the connection close;
// nullopt when it is acceptable. `http_version` is 10 or 11.
std::optional<std::string_view> FramingProblem(const Headers& headers, unsigned http_version);

}  // namespace alcove::web
