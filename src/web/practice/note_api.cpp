// The JSON API of the note workspace (docs/api.md § Notes and drafts): sign, addenda,
// void, and drafts (what drafts.js autosaves).
#include <boost/json.hpp>

#include "core/clock.hpp"
#include "web/errors.hpp"
#include "web/practice/json.hpp"
#include "web/practice/routes.hpp"
#include "web/practice/routes_internal.hpp"

namespace alcove::web::practice_routes {

namespace json = boost::json;

namespace {

// {"target", "fields": {name: string}}: the fields as a draft.
Result<Sections> DraftFieldsFromJson(const json::object& body) {
  const auto* fields = body.if_contains("fields");
  if (fields == nullptr || !fields->is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "draft fields missing",
                "`fields` must be an object of field names and texts.");
  }
  Sections out;
  for (const auto& [k, v] : fields->as_object()) {
    if (!v.is_string()) {
      return Fail(ErrorCode::kInvalidArgument, "draft field not a string",
                  "Each draft field must be a string.");
    }
    out.emplace_back(std::string(k), PhiString(std::string(v.as_string())));
  }
  return out;
}

}  // namespace

void PracticeRoutes::AddNoteApi(RouteKit& router) {
  router.Add("POST", "/api/v1/notes/{id}/sign",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto n, p_.SignNote(who.scope, Param(req, "id"), CallerOf(req)));
               return JsonResponse(200, json::object{{"id", n.id},
                                                     {"signed_at", FormatRfc3339(*n.signed_at)}});
             }));
  router.Add("POST", "/api/v1/notes/{id}/addenda",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(const practice::NoteInfo info,
                                 p_.GetNoteInfo(who.scope, Param(req, "id")));
               ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
               ALCOVE_TRY_ASSIGN(auto text, RequiredString(body, "text"));
               ALCOVE_TRY_ASSIGN(auto a, p_.AddAddendum(who.scope, info.id,
                                                        PhiString(std::move(text)), CallerOf(req)));
               return JsonResponse(201, json::object{{"id", a.id},
                                                     {"created_at", FormatRfc3339(a.created_at)}});
             }),
             kRecordBody);
  router.Add("POST", "/api/v1/notes/{id}/void",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(const practice::NoteInfo info,
                                 p_.GetNoteInfo(who.scope, Param(req, "id")));
               ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
               ALCOVE_TRY_ASSIGN(auto reason, RequiredString(body, "reason"));
               ALCOVE_TRY(p_.VoidNote(who.scope, info.id, PhiString(std::move(reason)),
                                      CallerOf(req)));
               return JsonResponse(200, json::object{{"id", info.id}, {"status", "voided"}});
             }),
             kRecordBody);
  // Drafts: the client first (another tenant's answers 404 before the body is read).
  router.Add("PUT", "/api/v1/clients/{id}/draft",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                                 p_.GetClientInfo(who.scope, Param(req, "id")));
               ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
               ALCOVE_TRY_ASSIGN(auto target, RequiredString(body, "target"));
               ALCOVE_TRY_ASSIGN(auto fields, DraftFieldsFromJson(body));
               ALCOVE_TRY(p_.SaveDraft(who.scope, client.id, target, std::move(fields)));
               return JsonResponse(200, json::object{{"target", target},
                                                     {"saved_at", FormatRfc3339(id_.clock.Now())}});
             }),
             kRecordBody);
  router.Add("GET", "/api/v1/clients/{id}/draft",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                                 p_.GetClientInfo(who.scope, Param(req, "id")));
               const std::string target(req.QueryValue("target").value_or(""));
               ALCOVE_TRY_ASSIGN(auto draft,
                                 p_.OpenDraft(who.scope, client.id, target, CallerOf(req)));
               if (!draft) {
                 return ErrorResponse(req, &t_, 404, "not_found", "No draft for this editor.");
               }
               return JsonResponse(200, json::object{{"target", draft->target},
                                                     {"saved_at", FormatRfc3339(draft->saved_at)},
                                                     {"fields", practice_json::SectionsJson(
                                                                    draft->fields)}});
             }));
  router.Add("DELETE", "/api/v1/clients/{id}/draft",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                                 p_.GetClientInfo(who.scope, Param(req, "id")));
               ALCOVE_TRY(p_.DiscardDraft(who.scope, client.id,
                                          std::string(req.QueryValue("target").value_or(""))));
               return Response::Text(204, "");
             }));
  router.Add("GET", "/api/v1/clients/{id}/drafts",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto drafts, p_.ListDrafts(who.scope, Param(req, "id")));
               json::array out;
               for (const auto& d : drafts) {
                 out.push_back(json::object{{"target", d.target},
                                            {"saved_at", FormatRfc3339(d.saved_at)}});
               }
               return JsonResponse(200, out);
             }));
}

}  // namespace alcove::web::practice_routes
