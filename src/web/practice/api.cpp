// The JSON API of practice records (API.md § Clients and records).
#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "web/errors.hpp"
#include "web/practice/json.hpp"
#include "web/practice/routes.hpp"
#include "web/practice/routes_internal.hpp"

namespace alcove::web::practice_routes {

namespace json = boost::json;
using namespace practice_json;  // NOLINT: this module's JSON shapes

namespace {

// "duration_minutes": a whole number (null or absent: not given).
Result<std::optional<std::int64_t>> OptionalMinutes(const json::object& body) {
  const auto* v = body.if_contains("duration_minutes");
  if (v == nullptr || v->is_null()) {
    return std::optional<std::int64_t>();
  }
  if (!v->is_int64()) {
    return Fail(ErrorCode::kInvalidArgument, "duration_minutes not a number",
                "`duration_minutes` must be a whole number of minutes.");
  }
  return std::optional<std::int64_t>(v->as_int64());
}

}  // namespace

void PracticeRoutes::AddApi(RouteKit& router) {
  // ---- JSON API (API.md § Clients and records) ----
  router.Add("POST", "/api/v1/clients",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
               auto name = RequiredString(body, "name");
               auto profile = ProfileFromJson(body);
               if (!name || !profile) {
                 return ErrorResponse(req, &t_, !name ? name.error() : profile.error());
               }
               ALCOVE_TRY_ASSIGN(auto c, p_.CreateClient(who.scope, PhiString(std::move(*name)),
                                                         std::move(*profile), CallerOf(req)));
               return JsonResponse(201, json::object{{"id", c.id}, {"alias", c.alias}});
             }),
             kRecordBody);
  router.Add("GET", "/api/v1/clients",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               // Without a search or page parameter: every client, as an array (as before).
               const bool paged = req.QueryValue("q") || req.QueryValue("status") ||
                                  req.QueryValue("limit") || req.QueryValue("cursor");
               if (paged) {
                 ALCOVE_TRY_ASSIGN(
                     auto query,
                     ClientQueryFrom(std::string(req.QueryValue("q").value_or("")),
                                     req.QueryValue("status"), req.QueryValue("limit"),
                                     std::string(req.QueryValue("cursor").value_or(""))));
                 // A name in a URL would be client content in one (proxy logs, history):
                 // here `q` matches aliases; names are searched by POST .../search.
                 query.match_names = false;
                 ALCOVE_TRY_ASSIGN(auto page, p_.SearchClients(who.scope, query));
                 return JsonResponse(200, ClientPageJson(page));
               }
               ALCOVE_TRY_ASSIGN(auto list, p_.ListClients(who.scope));
               json::array out;
               for (const auto& c : list) {
                 out.push_back(ClientListJson(c));
               }
               return JsonResponse(200, out);
             }));
  // The same search with the text in the body, so that no name is ever in a URL.
  router.Add("POST", "/api/v1/clients/search",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
               ALCOVE_TRY_ASSIGN(auto q, OptionalString(body, "q"));
               ALCOVE_TRY_ASSIGN(auto status, OptionalString(body, "status"));
               ALCOVE_TRY_ASSIGN(auto cursor, OptionalString(body, "cursor"));
               std::optional<std::string> limit;
               if (const auto* l = body.if_contains("limit")) {
                 if (!l->is_int64()) {
                   return ErrorResponse(req, &t_, 400, "invalid_argument",
                                        "`limit` must be a number from 1 to 200.");
                 }
                 limit = std::to_string(l->as_int64());
               }
               ALCOVE_TRY_ASSIGN(
                   auto query,
                   ClientQueryFrom(q.value_or(""),
                                   status ? std::optional<std::string_view>(*status) : std::nullopt,
                                   limit ? std::optional<std::string_view>(*limit) : std::nullopt,
                                   cursor.value_or("")));
               ALCOVE_TRY_ASSIGN(auto page, p_.SearchClients(who.scope, query));
               return JsonResponse(200, ClientPageJson(page));
             }),
             kRecordBody);
  for (const auto& [verb, status] :
       {std::pair{"archive", practice::ClientStatus::kArchived},
        std::pair{"unarchive", practice::ClientStatus::kActive}}) {
    router.Add("POST", fmt::format("/api/v1/clients/{{id}}/{}", verb),
               Api([this, status](Request& req, const TherapistSession& who) -> Result<Response> {
                 ALCOVE_TRY(p_.UpdateClient(who.scope, Param(req, "id"), nullptr, {}, status,
                                            CallerOf(req)));
                 return JsonResponse(200, json::object{{"status", practice::StatusName(status)}});
               }));
  }
  router.Add("GET", "/api/v1/practice/settings",
             Api([this](Request&, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto s, p_.GetSettings(who.scope));
               return JsonResponse(200, json::object{{"initials_only", s.initials_only}});
             }));
  router.Add("PUT", "/api/v1/practice/settings",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
               const auto* v = body.if_contains("initials_only");
               if (v == nullptr || !v->is_bool()) {
                 return ErrorResponse(req, &t_, 400, "invalid_argument",
                                      "`initials_only` must be true or false.");
               }
               ALCOVE_TRY(p_.SetSettings(who.scope, {.initials_only = v->as_bool()},
                                         CallerOf(req)));
               return JsonResponse(200, json::object{{"initials_only", v->as_bool()}});
             }),
             kRecordBody);
  router.Add("GET", "/api/v1/clients/{id}",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto r, p_.GetClient(who.scope, Param(req, "id"), CallerOf(req)));
               json::object o = ClientJson(r.client);
               if (r.profile.name) {
                 o["name"] = Text(r.profile.name);
               }
               o["preferred_name"] = Text(r.profile.preferred_name);
               o["email"] = Text(r.profile.email);
               o["phone"] = Text(r.profile.phone);
               o["date_of_birth"] = Text(r.profile.date_of_birth);
               o["notes"] = Text(r.profile.notes);
               return JsonResponse(200, o);
             }));
  router.Add(
      "PATCH", "/api/v1/clients/{id}",
      Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
        auto name = OptionalString(body, "name");
        auto status = OptionalString(body, "status");
        auto profile = ProfileFromJson(body);
        if (!name || !status || !profile) {
          return ErrorResponse(req, &t_,
                               !name ? name.error() : (!status ? status.error() : profile.error()));
        }
        std::optional<practice::ClientStatus> st;
        if (*status) {
          st = practice::StatusFromName(**status);
          if (!st) {
            return ErrorResponse(req, &t_, 400, "invalid_argument",
                                 "`status` must be \"active\" or \"archived\".");
          }
        }
        std::optional<PhiString> new_name;
        if (*name) {
          new_name.emplace(std::move(**name));
        }
        ALCOVE_TRY(p_.UpdateClient(who.scope, Param(req, "id"), new_name ? &*new_name : nullptr,
                                   std::move(*profile), st, CallerOf(req)));
        return JsonResponse(200, json::object{{"status", "updated"}});
      }),
      kRecordBody);
  router.Add("DELETE", "/api/v1/clients/{id}",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY(p_.DeleteClient(who.scope, Param(req, "id"), CallerOf(req)));
               return Response::Text(204, "");
             }));
  router.Add(
      "GET", "/api/v1/clients/{id}/export",
      Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto e, p_.ExportClient(who.scope, Param(req, "id"), CallerOf(req)));
        json::object client = ClientJson(e.record.client);
        if (e.record.profile.name) {
          client["name"] = Text(e.record.profile.name);
        }
        client["preferred_name"] = Text(e.record.profile.preferred_name);
        client["email"] = Text(e.record.profile.email);
        client["phone"] = Text(e.record.profile.phone);
        client["date_of_birth"] = Text(e.record.profile.date_of_birth);
        client["notes"] = Text(e.record.profile.notes);
        json::array notes;
        for (const auto& n : e.notes) {
          notes.push_back(NoteJson(n));
        }
        json::array summaries;
        for (const auto& s : e.summaries) {
          summaries.push_back(SummaryJson(s));
        }
        json::array concepts;
        for (const auto& c : e.conceptualizations) {
          concepts.push_back(ConceptJson(c));
        }
        Response res =
            JsonResponse(200, json::object{{"format", "alcove-client-export/v1"},
                                           {"exported_at", FormatRfc3339(id_.clock.Now())},
                                           {"client", std::move(client)},
                                           {"notes", std::move(notes)},
                                           {"summaries", std::move(summaries)},
                                           {"conceptualizations", std::move(concepts)}});
        res.headers.Set("Content-Disposition", "attachment; filename=\"client-export.json\"");
        return res;
      }));
  router.Add(
      "POST", "/api/v1/clients/{id}/notes",
      Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
        auto date = RequiredString(body, "session_date");
        auto format_name = RequiredString(body, "format");
        if (!date || !format_name) {
          return ErrorResponse(req, &t_, !date ? date.error() : format_name.error());
        }
        const auto format = practice::FormatFromName(*format_name);
        if (!format) {
          return ErrorResponse(req, &t_, 400, "invalid_argument",
                               "`format` must be soap, dap, birp or free.");
        }
        ALCOVE_TRY_ASSIGN(auto sections, SectionsFromJson(body.if_contains("content"), *format));
        ALCOVE_TRY_ASSIGN(auto time, OptionalString(body, "session_time"));
        ALCOVE_TRY_ASSIGN(auto minutes, OptionalMinutes(body));
        ALCOVE_TRY_ASSIGN(auto token, OptionalString(body, "form_token"));
        ALCOVE_TRY_ASSIGN(
            auto note,
            p_.CreateNote(who.scope, Param(req, "id"),
                          practice::NewNote{.session = {.date = std::move(*date),
                                                        .time = time.value_or(""),
                                                        .minutes = minutes.value_or(0)},
                                            .format = *format,
                                            .content = std::move(sections),
                                            .form_token = token.value_or("")},
                          CallerOf(req)));
        return JsonResponse(201, json::object{{"id", note.id}, {"version", note.version}});
      }),
      kRecordBody);
  router.Add("GET", "/api/v1/clients/{id}/notes",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               std::size_t limit = 50;
               if (auto l = req.QueryValue("limit")) {
                 const int n = std::atoi(std::string(*l).c_str());
                 if (n < 1 || static_cast<std::size_t>(n) > practice::kMaxNotesListed) {
                   return ErrorResponse(req, &t_, 400, "invalid_argument",
                                        fmt::format("`limit` must be a number from 1 to {}.",
                                                    practice::kMaxNotesListed));
                 }
                 limit = static_cast<std::size_t>(n);
               }
               ALCOVE_TRY_ASSIGN(auto notes,
                                 p_.ListNotes(who.scope, Param(req, "id"), limit, CallerOf(req)));
               json::array out;
               for (const auto& n : notes) {
                 out.push_back(NoteJson(n));
               }
               return JsonResponse(200, out);
             }));
  router.Add("GET", "/api/v1/notes/{id}",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto n, p_.GetNote(who.scope, Param(req, "id"), CallerOf(req)));
               return JsonResponse(200, NoteJson(n));
             }));
  router.Add("GET", "/api/v1/notes/{id}/versions",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto h,
                                 p_.NoteHistory(who.scope, Param(req, "id"), CallerOf(req)));
               json::array out;
               for (const auto& n : h) {
                 out.push_back(NoteJson(n));
               }
               return JsonResponse(200, out);
             }));
  router.Add("PATCH", "/api/v1/notes/{id}",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
               ALCOVE_TRY_ASSIGN(auto date, OptionalString(body, "session_date"));
               // The note's own format decides how `content` reads (a string only for free
               // notes); its metadata is not content, so this look-up is not a read to audit.
               const std::string id = Param(req, "id");
               const json::value* content = body.if_contains("content");
               Sections sections;
               // Without `content` the new version keeps the text (only the session changes).
               const bool keep = content == nullptr || content->is_null();
               if (!keep) {
                 ALCOVE_TRY_ASSIGN(const practice::NoteInfo info, p_.GetNoteInfo(who.scope, id));
                 ALCOVE_TRY_ASSIGN(auto s, SectionsFromJson(content, info.format));
                 sections = std::move(s);
               }
               ALCOVE_TRY_ASSIGN(auto time, OptionalString(body, "session_time"));
               ALCOVE_TRY_ASSIGN(auto minutes, OptionalMinutes(body));
               ALCOVE_TRY_ASSIGN(
                   auto note,
                   p_.UpdateNote(who.scope, id,
                                 practice::NoteEdit{.session_date = std::move(date),
                                                    .session_time = std::move(time),
                                                    .duration_minutes = minutes,
                                                    .content = std::move(sections),
                                                    .keep_content = keep},
                                 CallerOf(req)));
               return JsonResponse(200, json::object{{"id", note.id}, {"version", note.version}});
             }),
             kRecordBody);
  router.Add("DELETE", "/api/v1/notes/{id}",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY(p_.DeleteNote(who.scope, Param(req, "id"), CallerOf(req)));
               return Response::Text(204, "");
             }));
  router.Add("POST", "/api/v1/clients/{id}/summaries",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
               auto text = RequiredString(body, "text");
               auto source = OptionalString(body, "source_note_id");
               if (!text || !source) {
                 return ErrorResponse(req, &t_, !text ? text.error() : source.error());
               }
               ALCOVE_TRY_ASSIGN(auto s, p_.CreateSummary(who.scope, Param(req, "id"),
                                                          PhiString(std::move(*text)),
                                                          std::move(*source), CallerOf(req)));
               return JsonResponse(201, json::object{{"id", s.id}, {"status", "draft"}});
             }),
             kRecordBody);
  router.Add("GET", "/api/v1/clients/{id}/summaries",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto list,
                                 p_.ListSummaries(who.scope, Param(req, "id"), CallerOf(req)));
               json::array out;
               for (const auto& s : list) {
                 out.push_back(SummaryJson(s));
               }
               return JsonResponse(200, out);
             }));
  router.Add("GET", "/api/v1/summaries/{id}",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto s, p_.GetSummary(who.scope, Param(req, "id"), CallerOf(req)));
               return JsonResponse(200, SummaryJson(s));
             }));
  router.Add("PATCH", "/api/v1/summaries/{id}",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
               ALCOVE_TRY_ASSIGN(auto text, RequiredString(body, "text"));
               ALCOVE_TRY_ASSIGN(auto s, p_.EditSummary(who.scope, Param(req, "id"),
                                                        PhiString(std::move(text)), CallerOf(req)));
               return JsonResponse(200, SummaryJson(s));
             }),
             kRecordBody);
  router.Add("POST", "/api/v1/summaries/{id}/review",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto s,
                                 p_.ReviewSummary(who.scope, Param(req, "id"), CallerOf(req)));
               return JsonResponse(200, json::object{{"id", s.id}, {"status", "reviewed"}});
             }));
  router.Add("POST", "/api/v1/clients/{id}/conceptualizations",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
               Sections fields;
               for (const auto name : practice::kConceptualizationFields) {
                 ALCOVE_TRY_ASSIGN(auto v, OptionalString(body, name));
                 if (v) {
                   fields.emplace_back(std::string(name), PhiString(std::move(*v)));
                 }
               }
               ALCOVE_TRY_ASSIGN(auto c,
                                 p_.CreateConceptualization(who.scope, Param(req, "id"),
                                                            std::move(fields), CallerOf(req)));
               return JsonResponse(201, json::object{{"id", c.id}, {"version", c.version}});
             }),
             kRecordBody);
  router.Add("GET", "/api/v1/clients/{id}/conceptualizations",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto list, p_.ListConceptualizations(who.scope, Param(req, "id"),
                                                                      CallerOf(req)));
               json::array out;
               for (const auto& c : list) {
                 out.push_back(ConceptJson(c));
               }
               return JsonResponse(200, out);
             }));
}

}  // namespace alcove::web::practice_routes

namespace alcove::web {

std::unique_ptr<RouteSet> AddPracticeRoutes(RouteKit& router, IdentityServices& identity,
                                            practice::Practice& practice,
                                            const Templates& templates) {
  auto routes = std::make_unique<practice_routes::PracticeRoutes>(identity, practice, templates);
  identity.therapist_time_words = [&practice](const identity::TherapistScope& who) {
    return practice.TimeWords(who);
  };
  routes->AddApi(router);
  routes->AddPages(router);
  routes->AddNotePages(router);
  routes->AddSummaryPages(router);
  routes->AddNoteApi(router);
  return routes;
}

}  // namespace alcove::web
