#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/error.hpp"
#include "web/http.hpp"

namespace alcove::web {

// Reading request bodies and writing JSON answers, for handlers. Every failure is
// kInvalidArgument with a public message that says what was expected and never repeats
// what was sent.

// The body as a JSON object. Needs Content-Type application/json.
Result<boost::json::object> JsonObjectBody(const Request& request);

// A string member: nullopt when absent or null; kInvalidArgument naming `key` when it
// has another type.
Result<std::optional<std::string>> OptionalString(const boost::json::object& object,
                                                  std::string_view key);
// The same, but absence is kInvalidArgument too.
Result<std::string> RequiredString(const boost::json::object& object, std::string_view key);

// An application/x-www-form-urlencoded body as name -> value (a repeated name keeps its
// last value). Needs that Content-Type.
using FormFields = std::map<std::string, std::string, std::less<>>;
Result<FormFields> FormBody(const Request& request);

// `fields[key]`, or "" when absent.
std::string FormValue(const FormFields& fields, std::string_view key);

// A JSON answer.
Response JsonResponse(int status, const boost::json::value& value);

}  // namespace alcove::web
