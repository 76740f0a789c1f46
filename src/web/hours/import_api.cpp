// The JSON API of the CSV import (API.md § Supervised hours; docs/api.md).
#include <boost/json.hpp>

#include "hours/csv.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/hours/routes_internal.hpp"

namespace alcove::web::hours_routes {

namespace json = boost::json;
using hours::ImportPreview;

namespace {

// The body may be the whole file; the service refuses more than kMaxImportBytes in words,
// the router anything beyond this (a little room for a mark and line ends).
const RouteOptions kCsvBody{.max_body_bytes = hours::kMaxImportBytes + 4096};

bool IsCsv(const Request& req) {
  const std::string_view type = req.headers.Get("Content-Type").value_or("");
  const std::string_view base = type.substr(0, type.find(';'));
  return EqualsIgnoreCase(base, "text/csv");
}

json::object PreviewJson(const ImportPreview& p) {
  json::array rows;
  for (const auto& r : p.rows) {
    json::object o{{"row", r.row},
                   {"date", hours::DayText(r.date)},
                   {"minutes", r.minutes},
                   {"category", hours::CategoryName(r.category)},
                   {"alias", r.alias},
                   {"setting", r.setting},
                   {"telehealth", r.telehealth},
                   {"video", r.video}};
    o["group_size"] = r.group_size ? json::value(*r.group_size) : json::value(nullptr);
    o["pre_degree"] = r.pre_degree ? json::value(*r.pre_degree) : json::value(nullptr);
    rows.push_back(std::move(o));
  }
  json::array errors;
  for (const auto& e : p.errors) {
    errors.push_back(json::object{{"row", e.row}, {"message", e.message}});
  }
  json::object mapping;
  for (const auto& [field, header] : p.mapping) {
    mapping[field] = header;
  }
  json::object out{{"id", p.id},
                   {"rows", std::move(rows)},
                   {"errors", std::move(errors)},
                   {"expires_at", FormatRfc3339(p.expires_at)},
                   {"headers", json::array(p.headers.begin(), p.headers.end())},
                   {"mapping", std::move(mapping)},
                   {"new_settings", json::array(p.new_settings.begin(), p.new_settings.end())}};
  return out;
}

// The words for fields a file lacks ("the date and the category").
std::string MissingWords(const std::vector<std::string>& missing) {
  std::string out;
  for (std::size_t i = 0; i < missing.size(); ++i) {
    const std::string& f = missing[i];
    const std::string words = f == "minutes"    ? "the length (minutes or hours)"
                              : f == "setting" ? "the work setting (or choose one for all rows)"
                                               : "the " + f;
    out += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") + words;
  }
  return out;
}

}  // namespace

hours::ColumnMapping MappingOf(const std::vector<std::pair<std::string, std::string>>& pairs) {
  hours::ColumnMapping out;
  for (const auto& [key, value] : pairs) {
    if (key.starts_with("map.") && key.size() > 4) {
      out[key.substr(4)] = value;
    }
  }
  return out;
}

void AddImportApi(RouteKit& kit, hours::Hours& h) {
  // Refusals (no_profile; week_submitted, week_signed on confirmation) answer 409.
  auto api = [](TherapistHandler f) { return ForTherapist(Refusing(std::move(f))); };
  kit.Add("POST", "/api/v1/hours/imports",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            if (!IsCsv(req)) {
              return Fail(ErrorCode::kInvalidArgument, "import body not text/csv",
                          "Send the file itself as the body, with Content-Type text/csv.");
            }
            // The file moves into a wiping wrapper: no other copy of it is made here.
            const crypto::PhiString csv(std::move(req.body));
            std::optional<std::string> setting;
            if (auto s = req.QueryValue("setting_id"); s && !s->empty()) {
              setting = std::string(*s);
            }
            ALCOVE_TRY_ASSIGN(auto preview, h.StartImport(who.scope, csv, MappingOf(req.query),
                                                          setting, CallerOf(req)));
            if (!preview.missing.empty()) {
              json::object body = PreviewJson(preview);
              body.erase("id");
              body.erase("expires_at");
              body["missing"] = json::array(preview.missing.begin(), preview.missing.end());
              body["error"] = json::object{
                  {"code", "columns_missing"},
                  {"message", "The file has no column for " + MissingWords(preview.missing) +
                                  ". Name the file's column for each with map.<field>=<header>."}};
              return JsonResponse(422, body);
            }
            return JsonResponse(201, PreviewJson(preview));
          }),
          kCsvBody);
  kit.Add("GET", "/api/v1/hours/imports/{id}",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto preview, h.GetImport(who.scope, req.Param("id").value_or("")));
            return JsonResponse(200, PreviewJson(preview));
          }));
  kit.Add("POST", "/api/v1/hours/imports/{id}/confirm",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto n, h.ConfirmImport(who.scope, req.Param("id").value_or(""),
                                                            CallerOf(req)));
            return JsonResponse(200, json::object{{"created", n}});
          }),
          RouteOptions{.max_body_bytes = 1024});
  kit.Add("DELETE", "/api/v1/hours/imports/{id}",
          api([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY(h.CancelImport(who.scope, req.Param("id").value_or(""), CallerOf(req)));
            return Response::Text(204, "");
          }));
}

}  // namespace alcove::web::hours_routes
