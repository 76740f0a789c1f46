#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "web/http.hpp"

namespace alcove::web {

class Templates;

// The one place that maps error codes to HTTP statuses.
int HttpStatusFor(ErrorCode code);

// Builds the answer for an error: for API paths (/api/...) the JSON body
// {"error":{"code":"...","message":"..."}}; for pages, a readable HTML page rendered
// with `templates` (or plain text if there are none). `message` is public: it must
// never hold client content.
Response ErrorResponse(const Request& request, const Templates* templates, int status,
                       std::string_view code, std::string_view message);

// The same for an Error value. 4xx: its public message (or the code's). 5xx: only the
// code's generic message and the request id (ServerFaultMessage); the internal message
// is logged with the request id and route pattern, never sent.
Response ErrorResponse(const Request& request, const Templates* templates, const Error& error);

// "Something went wrong on our side. If this keeps happening, tell the operator request
// id <id>." — the whole public text of a server fault.
std::string ServerFaultMessage(ErrorCode code, std::string_view request_id);

// 429 with `Retry-After: retry_after_seconds` (at least 1), whose page and JSON message
// say how long to wait in words ("Wait 40 seconds, then try again.": WaitInWords).
Response RateLimitedResponse(const Request& request, const Templates* templates,
                             std::int64_t retry_after_seconds);
std::string WaitInWords(std::int64_t seconds);

// The error code name for a status we answer without an ErrorCode (404, 405, ...).
std::string_view CodeForStatus(int status);

}  // namespace alcove::web
