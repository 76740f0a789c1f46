#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace alcove::web {

// Our own small HTTP types. Handlers, middleware and tests see only these; Beast and
// Asio stay inside server.cpp (compile time, and one place that touches the wire).

// Header names compare case-insensitively; order and repeats are kept.
class Headers {
 public:
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  // Replaces every header called `name` by one with `value`.
  void Set(std::string_view name, std::string value);
  void Add(std::string_view name, std::string value);
  void Remove(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& all() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// The parsed target and the matched route of a request (router.hpp), worked out once.
struct Routing;

// Who a page is shown to, for the layout's navigation (web/page_nav.hpp). Set by the
// route facade once it knows the session; `role` empty: a visitor who is not signed in.
struct ViewerLink {
  std::string href;     // "/hours"
  std::string label;    // "Hours"
  std::string section;  // a path whose pages belong to the item ("/hours"); may be empty
};
struct Viewer {
  std::string role;        // "therapist", "supervisor", "client"
  std::string csrf_token;  // for the sign-out form
  // The items modules add to a therapist's navigation (IdentityServices::therapist_links),
  // asked only when a page is rendered; empty: none.
  std::function<std::vector<ViewerLink>()> more_items;
};

// The body of a request to a streaming route (RouteOptions::streaming_body), read while
// the handler runs instead of before it: the connection reads the next piece from the
// socket only when the handler asks for it (backpressure), so memory holds one piece
// (at most kStreamPieceBytes) whatever the body's size. The first Read also sends
// "100 Continue" to a client that asked for it, so a handler that refuses before reading
// (409, 404) costs the client no upload.
// When Read fails the connection answers for it — 413 past the route's limit, 408 when
// the client stalls past body_timeout, 400 for broken chunked framing, nothing when the
// client has gone — and the handler's own answer is discarded: the handler returns the
// error and must have committed nothing. A handler that answers without reading the whole
// body gets its answer sent and the connection closed.
// Thread-safety: one thread at a time (the handler's).
inline constexpr std::size_t kStreamPieceBytes = 256 * 1024;
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Copies the next bytes of the body into `out`; returns how many (1..out.size()), or 0
  // once the whole body was read. Blocks until bytes arrive. Errors (the public messages
  // say what happened, never any content): kResourceExhausted past the route's limit,
  // kUnavailable when the client stalled or went away, kInvalidArgument for malformed
  // framing. After an error every call fails the same way.
  virtual Result<std::size_t> Read(std::span<std::uint8_t> out) = 0;
  // The declared Content-Length; nullopt for a chunked body.
  virtual std::optional<std::uint64_t> declared_length() const = 0;
  // Bytes handed to the handler so far.
  virtual std::uint64_t bytes_read() const = 0;
};

// A response body made piece by piece while it is sent (range reads of a recording): the
// connection asks for the next piece only after the previous one was written, and asks
// on the worker pool (a piece may need file I/O and decryption), so memory holds one
// piece whatever the body's size. Thread-safety: called by one thread at a time.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // The exact number of bytes Next will produce in all (the Content-Length).
  virtual std::uint64_t size() const = 0;
  // Copies the next bytes into `out` (out.size() <= kStreamPieceBytes); returns how many,
  // 0 only after size() bytes. An error after the head was sent can only cut the response
  // short: the connection closes, so the client sees a truncated body, never a wrong one.
  virtual Result<std::size_t> Next(std::span<std::uint8_t> out) = 0;
};

struct Request {
  std::string method;        // "GET", as sent (methods are case-sensitive)
  std::string target;        // raw request-target, never logged: queries carry tokens
  Headers headers;
  std::string body;
  // Streaming routes only (RouteOptions::streaming_body): the body, read while the
  // handler runs; `body` stays empty. Null for every other route.
  std::shared_ptr<BodyStream> body_stream;
  std::string remote_address;

  // Set by the connection when it could not read a whole request: 400, 408, 413 or
  // 431. Such a request still passes through the middleware chain, so its answer
  // carries the same headers and log line as every other.
  std::optional<int> early_status;

  // Filled in by the chain.
  std::string request_id;
  std::string route;  // the matched route pattern, for logs ("-" when none matched)
  std::vector<std::pair<std::string, std::string>> path_params;
  std::vector<std::pair<std::string, std::string>> query;
  std::string path;   // decoded path, segments joined by '/'
  // Set by the application's PlanFor (the head alone decides how to read the body) and
  // used again by its router: each request is parsed and matched once.
  std::shared_ptr<Routing> routing;
  // Set by the route facade (nullopt: nobody looked, e.g. an answer made before routing).
  std::optional<Viewer> viewer;

  std::optional<std::string_view> Param(std::string_view name) const;
  std::optional<std::string_view> QueryValue(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the body is streamed from it instead (`body` must be empty) and
  // Content-Length is stream->size(); a HEAD answer sends the head only.
  std::shared_ptr<BodySource> stream;
  // Close the connection after this response (e.g. after an error mid-request).
  bool close = false;

  static Response Text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  static Response Html(int status, std::string body);
  static Response Json(int status, std::string body);
  // 303 See Other to `location` (after a form post).
  static Response SeeOther(std::string location);
};

// "Not Found" for 404, and so on; "Unknown" for codes we never send.
std::string_view ReasonPhrase(int status);

}  // namespace alcove::web
