#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

struct Request {
  std::string method;        // "GET", as sent (methods are case-sensitive)
  std::string target;        // raw request-target, never logged: queries carry tokens
  Headers headers;
  std::string body;
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
