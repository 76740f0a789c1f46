#include "web/body.hpp"

#include <boost/json.hpp>

#include "web/target.hpp"

namespace alcove::web {
namespace {

bool HasType(const Request& request, std::string_view type) {
  const auto header = request.headers.Get("Content-Type");
  if (!header) {
    return false;
  }
  std::string_view v = *header;
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.back() == ' ') {
    v.remove_suffix(1);
  }
  return EqualsIgnoreCase(v, type);
}

}  // namespace

Result<boost::json::object> JsonObjectBody(const Request& request) {
  if (!HasType(request, "application/json")) {
    return Fail(ErrorCode::kInvalidArgument, "request body is not declared as JSON",
                "Send a JSON object with Content-Type: application/json.");
  }
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(request.body, ec);
  if (ec || !value.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "request body is not a JSON object",
                "The request body must be a JSON object.");
  }
  return std::move(value.as_object());
}

Result<std::optional<std::string>> OptionalString(const boost::json::object& object,
                                                  std::string_view key) {
  const auto* v = object.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return std::optional<std::string>();
  }
  if (!v->is_string()) {
    return Fail(ErrorCode::kInvalidArgument, std::string("JSON member is not a string: ") +
                                                 std::string(key));
  }
  return std::optional<std::string>(std::string(v->as_string()));
}

Result<std::string> RequiredString(const boost::json::object& object, std::string_view key) {
  auto v = OptionalString(object, key);
  if (!v) {
    return std::unexpected(v.error());
  }
  if (!*v) {
    return Fail(ErrorCode::kInvalidArgument, std::string("missing JSON member: ") +
                                                 std::string(key));
  }
  return std::move(**v);
}

Result<FormFields> FormBody(const Request& request) {
  if (!HasType(request, "application/x-www-form-urlencoded")) {
    return Fail(ErrorCode::kInvalidArgument, "request body is not a form",
                "The form could not be read. Reload the page and try again.");
  }
  auto pairs = ParseQuery(request.body);
  if (!pairs) {
    return Fail(ErrorCode::kInvalidArgument, "malformed form body", "The form could not be read.");
  }
  FormFields out;
  for (auto& [k, v] : *pairs) {
    out[std::move(k)] = std::move(v);
  }
  return out;
}

std::string FormValue(const FormFields& fields, std::string_view key) {
  const auto it = fields.find(key);
  return it == fields.end() ? std::string() : it->second;
}

Response JsonResponse(int status, const boost::json::value& value) {
  return Response::Json(status, boost::json::serialize(value));
}

}  // namespace alcove::web
