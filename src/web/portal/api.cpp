// The client portal's JSON API (API.md § Client portal; docs/api.md; docs/portal.md § API):
// invitations and access, accepting, shares and their history, "what this client sees
// now", and the client's own items and questionnaires.
#include <boost/json.hpp>

#include "core/clock.hpp"
#include "measures/instruments.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/portal/routes_internal.hpp"

namespace alcove::web::portal_routes {

namespace json = boost::json;
using crypto::SecretString;

namespace {

const RouteOptions kSmallBody{.max_body_bytes = 16 * 1024, .runs_inline = false};
const RouteOptions kAcceptBody{
    .max_body_bytes = 4 * 1024, .runs_inline = false, .audience = {}, .rate_class = "consume"};

std::string Id(const Request& req, std::string_view name = "id") {
  return std::string(req.Param(name).value_or(""));
}

std::unexpected<Error> Bad(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "portal request malformed", std::move(message));
}

// C22: a kind that is not one of the three shareable ones, in words. A note, a draft or a
// conceptualization has no kind here, so it cannot be named.
Result<portal::ShareKind> KindMember(const json::object& body) {
  ALCOVE_TRY_ASSIGN(const auto kind, OptionalString(body, "kind"));
  const auto k = kind ? portal::ShareKindFromName(*kind) : std::nullopt;
  if (!k) {
    return Bad(
        "`kind` must be \"summary\" (a reviewed summary), \"result\" (a questionnaire "
        "result) or \"trend\" (a questionnaire's results over time, `item_id` the "
        "questionnaire's id). Notes, drafts and case conceptualizations cannot be shared.");
  }
  return *k;
}

json::object AccessJson(const portal::Access& a) {
  json::object o{{"client_id", a.client_id}, {"status", portal::AccessStatusName(a.status)}};
  auto put = [&o](std::string_view key, const std::optional<Micros>& t) {
    if (t) {
      o[key] = FormatRfc3339(*t);
    }
  };
  put("invited_at", a.invited_at);
  put("invitation_expires_at", a.invitation_expires_at);
  put("accepted_at", a.accepted_at);
  put("ended_at", a.ended_at);
  return o;
}

json::object ShareJson(const portal::ShareRecord& s) {
  json::object o{{"id", s.id},
                 {"client_id", s.client_id},
                 {"kind", portal::ShareKindName(s.kind)},
                 {"item_id", s.item_id},
                 {"shared_at", FormatRfc3339(s.shared_at)},
                 {"shared_by", s.shared_by},
                 {"revoked_at", nullptr},
                 {"first_opened_at", nullptr}};
  if (s.revoked_at) {
    o["revoked_at"] = FormatRfc3339(*s.revoked_at);
  }
  if (s.revoked_by) {
    o["revoked_by"] = *s.revoked_by;
  }
  if (s.first_opened_at) {
    o["first_opened_at"] = FormatRfc3339(*s.first_opened_at);
  }
  return o;
}

// An item; with its content where the service filled it (one item, not the lists).
json::object ItemJson(const portal::PortalItem& item) {
  json::object o{{"id", item.id},
                 {"kind", portal::ShareKindName(item.kind)},
                 {"title", item.title},
                 {"shared_at", FormatRfc3339(item.shared_at)},
                 {"opened", item.opened()}};
  if (item.first_opened_at) {
    o["first_opened_at"] = FormatRfc3339(*item.first_opened_at);
  }
  if (!item.instrument_id.empty()) {
    o["instrument"] = item.instrument_id;
    o["instrument_title"] = item.instrument_title;
  }
  if (item.text) {
    o["text"] = item.text->reveal();
  }
  if (item.reviewed_at) {
    o["reviewed_at"] = FormatRfc3339(*item.reviewed_at);
  }
  if (item.submitted_at) {
    o["submitted_at"] = FormatRfc3339(*item.submitted_at);
  }
  if (item.kind == portal::ShareKind::kResult && item.submitted_at) {
    json::array scales;
    for (const auto& s : item.scales) {
      scales.push_back(json::object{{"scale", s.scale_id},
                                    {"label", s.label},
                                    {"value", s.value},
                                    {"min", s.min},
                                    {"max", s.max},
                                    {"band", s.band}});
    }
    o["scales"] = std::move(scales);
  }
  if (item.kind == portal::ShareKind::kTrend && !item.trend.empty()) {
    json::array series;
    for (const auto& t : item.trend) {
      json::array points;
      for (const auto& p : t.points) {
        points.push_back(
            json::object{{"submitted_at", FormatRfc3339(p.submitted_at)}, {"value", p.value}});
      }
      series.push_back(json::object{{"scale", t.scale_id},
                                    {"label", t.label},
                                    {"min", t.min},
                                    {"max", t.max},
                                    {"points", std::move(points)}});
    }
    o["trend"] = std::move(series);
  }
  return o;
}

json::array QuestionnairesJson(const std::vector<portal::PendingQuestionnaire>& list) {
  json::array out;
  for (const auto& q : list) {
    out.push_back(json::object{{"assignment_id", q.assignment_id},
                               {"instrument", q.instrument_id},
                               {"title", q.title},
                               {"items", q.items},
                               {"assigned_at", FormatRfc3339(q.assigned_at)},
                               {"expires_at", FormatRfc3339(q.expires_at)}});
  }
  return out;
}

json::object ViewJson(const portal::PortalView& v) {
  json::array items;
  for (const auto& i : v.items) {
    items.push_back(ItemJson(i));
  }
  return json::object{{"practice_name", v.practice_name},
                      {"read_only", v.read_only},
                      {"items", std::move(items)},
                      {"questionnaires", QuestionnairesJson(v.questionnaires)}};
}

// {"answers": [value or null, ...]}, one per item of `in`, as the form's values.
Result<measures::Answers> AnswersMember(const json::object& body, const measures::Instrument& in) {
  const auto* v = body.if_contains("answers");
  if (v == nullptr || !v->is_array() || v->as_array().size() != in.items.size()) {
    return Bad("`answers` must be an array with one value (or null) per question: " +
               std::to_string(in.items.size()) + " of them.");
  }
  std::vector<std::uint8_t> out;
  out.reserve(in.items.size());
  for (const auto& a : v->as_array()) {
    if (a.is_null()) {
      out.push_back(measures::kNoAnswer);
      continue;
    }
    if (!a.is_int64() || a.as_int64() < 0 || a.as_int64() >= measures::kNoAnswer) {
      return Bad("Each answer must be the value of one of the question's options, or null.");
    }
    out.push_back(static_cast<std::uint8_t>(a.as_int64()));
  }
  return measures::Answers(std::move(out));
}

}  // namespace

void PortalRoutes::AddApi(RouteKit& kit) {
  const Templates* t = &t_;

  // ---- The therapist: access ----
  kit.Add("POST", "/api/v1/clients/{id}/portal-invite",
          ForTherapist([this, t](Request& req, const TherapistSession& who) -> Result<Response> {
            const std::string client = Id(req);
            // Another tenant's client is 404 before any budget is spent.
            ALCOVE_TRY(p_.GetClientInfo(who.scope, client));
            if (auto limited = ThrottleInvite(req, who.scope, t)) {
              return *limited;
            }
            ALCOVE_TRY(portal_.Invite(who.scope, client, CallerOf(req)));
            return JsonResponse(202, json::object{{"status", "invited"}});
          }));

  kit.Add("GET", "/api/v1/clients/{id}/portal-access",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto access, portal_.GetAccess(who.scope, Id(req)));
            return JsonResponse(200, AccessJson(access));
          }));

  kit.Add("DELETE", "/api/v1/clients/{id}/portal-access",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY(portal_.EndAccess(who.scope, Id(req), CallerOf(req)));
            return Response::Text(204, "");
          }));

  // ---- Accepting: open to the holder of the invitation's token ----
  kit.Add("POST", "/api/v1/portal/accept",
          ForTokenHolders(std::string(kAcceptAudience),
                          [this, t](Request& req) -> Result<Response> {
                            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
                            ALCOVE_TRY_ASSIGN(auto token, RequiredString(body, "token"));
                            auto session =
                                portal_.Accept(SecretString(std::move(token)), CallerOf(req));
                            if (!session) {
                              if (session.error().code == ErrorCode::kUnauthenticated) {
                                return ErrorResponse(req, t, 410, "invitation_unusable",
                                                     session.error().public_message);
                              }
                              return std::unexpected(session.error());
                            }
                            Response res = JsonResponse(200, json::object{{"status", "signed_in"}});
                            SetSession(res, *session);
                            return res;
                          }),
          kAcceptBody);

  // ---- The therapist: shares (C21, C22) ----
  kit.Add("POST", "/api/v1/clients/{id}/shares",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            const std::string client = Id(req);
            ALCOVE_TRY(p_.GetClientInfo(who.scope, client));  // 404 whatever the body says
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            for (const auto& [key, value] : body) {
              if (key != "kind" && key != "item_id") {
                return Bad("Unknown member; expected only `kind` and `item_id`.");
              }
            }
            ALCOVE_TRY_ASSIGN(const auto kind, KindMember(body));
            ALCOVE_TRY_ASSIGN(const auto item, RequiredString(body, "item_id"));
            ALCOVE_TRY_ASSIGN(auto id, portal_.Share(who.scope, client, kind, item, CallerOf(req)));
            return JsonResponse(201, json::object{{"id", id}});
          }),
          kSmallBody);

  kit.Add("DELETE", "/api/v1/shares/{id}",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY(portal_.Revoke(who.scope, Id(req), CallerOf(req)));
            return Response::Text(204, "");
          }));

  kit.Add("GET", "/api/v1/clients/{id}/shares",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto list, portal_.ShareHistory(who.scope, Id(req)));
            json::array out;
            for (const auto& s : list) {
              out.push_back(ShareJson(s));
            }
            return JsonResponse(200, out);
          }));

  // "What this client sees now": the client's view, read-only.
  kit.Add("GET", "/api/v1/clients/{id}/portal-view",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto view,
                              portal_.PortalViewFor(who.scope, Id(req), CallerOf(req)));
            return JsonResponse(200, ViewJson(view));
          }));

  kit.Add("GET", "/api/v1/clients/{id}/portal-view/items/{share}",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto item,
                              portal_.ItemFor(who.scope, Id(req), Id(req, "share"), CallerOf(req)));
            return JsonResponse(200, ItemJson(item));
          }));

  // ---- The client (C21, C31: their own record only, found from their account) ----
  kit.Add("GET", "/api/v1/portal",
          ForClient([this](Request& req, const identity::ClientScope& who,
                           const SignedIn&) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto view, portal_.Home(who, CallerOf(req)));
            return JsonResponse(200, ViewJson(view));
          }));

  kit.Add("GET", "/api/v1/portal/items",
          ForClient([this](Request& req, const identity::ClientScope& who,
                           const SignedIn&) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto view, portal_.Home(who, CallerOf(req)));
            json::array out;
            for (const auto& i : view.items) {
              out.push_back(ItemJson(i));
            }
            return JsonResponse(200, out);
          }));

  kit.Add("GET", "/api/v1/portal/items/{id}",
          ForClient([this](Request& req, const identity::ClientScope& who,
                           const SignedIn&) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto item, portal_.GetItem(who, Id(req), CallerOf(req)));
            return JsonResponse(200, ItemJson(item));
          }));

  kit.Add("GET", "/api/v1/portal/assignments",
          ForClient([this](Request&, const identity::ClientScope& who,
                           const SignedIn&) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto list, portal_.PendingQuestionnaires(who));
            return JsonResponse(200, QuestionnairesJson(list));
          }));

  kit.Add("POST", "/api/v1/portal/assignments/{id}",
          ForClient([this](Request& req, const identity::ClientScope& who,
                           const SignedIn&) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto* in, portal_.OpenQuestionnaire(who, Id(req)));
            ALCOVE_TRY_ASSIGN(auto body, JsonObjectBody(req));
            ALCOVE_TRY_ASSIGN(auto answers, AnswersMember(body, *in));
            ALCOVE_TRY_ASSIGN(auto id,
                              portal_.SubmitQuestionnaire(who, Id(req), answers, CallerOf(req)));
            return JsonResponse(201, json::object{{"id", id}});
          }),
          kSmallBody);
}

}  // namespace alcove::web::portal_routes
