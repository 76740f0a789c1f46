#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace alcove::web {

// A parsed request-target (RFC 9112 origin-form: "/path?query").
struct Target {
  std::vector<std::string> segments;  // percent-decoded; "/a/b%2Fc" -> {"a", "b/c"}
  std::vector<std::pair<std::string, std::string>> query;  // decoded; '+' is a space
  std::string path;  // decoded segments joined with '/', with a leading '/'
};

// Parses an origin-form target. Refuses (kInvalidArgument) what no legitimate client
// sends and what path handling must never see: anything not starting with '/', a
// fragment, bad percent-escapes, decoded NUL or control bytes, and dot-segments
// ("." or "..", also as %2e%2e), so later code never has to normalise a path.
Result<Target> ParseTarget(std::string_view raw);

// Parses "a=1&b=x+y" (a query string, or an application/x-www-form-urlencoded body):
// pairs in order, '+' decoded as a space. kInvalidArgument for bad escapes or NUL.
Result<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view text);

// Decodes %XX escapes (and '+' as space when `plus_is_space`); nullopt if malformed.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace alcove::web
