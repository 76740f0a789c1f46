// The summary pages: review and edit (with a kept draft), "Mark as reviewed" saving the
// edits first, new summaries from the client page.
#include <spdlog/spdlog.h>

#include "web/errors.hpp"
#include "web/practice/routes.hpp"
#include "web/practice/routes_internal.hpp"

namespace alcove::web::practice_routes {

Result<Response> PracticeRoutes::SummaryPage(Request& req, const TherapistSession& who,
                                             const std::string& summary_id,
                                             const FormFields* kept, const FieldErrors& errors,
                                             int status) {
  ALCOVE_TRY_ASSIGN(auto s, p_.GetSummary(who.scope, summary_id, CallerOf(req)));
  ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                    p_.GetClientInfo(who.scope, s.client_id));
  TemplateData data;
  data.set("csrf_token", who.csrf_token);
  data.set("id", s.id);
  data.set("client_id", s.client_id);
  data.set("alias", client.alias);
  data.set("target", "summary:" + s.id);
  data.set("text", kept != nullptr ? FormValue(*kept, "text") : std::string(s.text.reveal()));
  data.set("status", std::string(practice::SummaryStatusName(s.status)));
  if (s.status == practice::SummaryStatus::kDraft) {
    data.set("draft", true);
  }
  for (const auto& add : id_.summary_page) {
    auto more = add(who.scope, s.client_id, s.id, CallerOf(req));
    if (!more) {
      spdlog::warn("a module's addition to a summary page failed: {}", more.error().internal);
      continue;
    }
    if (!more->label.empty()) {
      data.set("origin_label", more->label);
      data.set("origin_href", more->link_href);
      data.set("origin_link", more->link_label);
      if (more->aside_text) {
        data.set("aside_heading", more->aside_heading);
        data.set("aside_text", std::string(more->aside_text->reveal()));
      }
    }
  }
  Flash(req, data);
  SetFieldErrors(data, errors);
  if (kept == nullptr) {
    ALCOVE_TRY_ASSIGN(auto offer, DraftOffer(who, s.client_id, "summary:" + s.id,
                                             "/summaries/" + s.id + "?restore=1"));
    if (offer) {
      data.set("draft_offer", *offer);
    }
  } else if (req.QueryValue("restore")) {
    data.set("restored", true);
  }
  return Response::Html(status, t_.RenderPage("summary", Title(client.alias, "Summary"), data));
}

void PracticeRoutes::AddSummaryPages(RouteKit& router) {
  router.Add("POST", "/clients/{id}/summaries",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
               ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                                 p_.GetClientInfo(who.scope, Param(req, "id")));
               std::optional<std::string> source;
               if (const std::string s = FormValue(form, "source_note_id"); !s.empty()) {
                 source = s;
               }
               auto s = p_.CreateSummary(who.scope, client.id, PhiString(FormValue(form, "text")),
                                         source, CallerOf(req));
               if (!s) {
                 if (s.error().code == ErrorCode::kInvalidArgument) {
                   return ClientPage(req, who, client.id, "summaries", s.error().public_message,
                                     &form, 400);
                 }
                 return ErrorResponse(req, &t_, s.error());
               }
               return Saved("/summaries/" + s->id, "summary_saved");
             }),
             kRecordBody);
  router.Add("GET", "/summaries/{id}",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               const std::string id = Param(req, "id");
               if (req.QueryValue("restore")) {
                 ALCOVE_TRY_ASSIGN(auto info, p_.GetSummary(who.scope, id, CallerOf(req)));
                 ALCOVE_TRY_ASSIGN(auto draft, p_.OpenDraft(who.scope, info.client_id,
                                                            "summary:" + info.id, CallerOf(req)));
                 if (draft) {
                   const FormFields kept = ValuesOfDraft(*draft);
                   return SummaryPage(req, who, id, &kept, {}, 200);
                 }
               }
               return SummaryPage(req, who, id, nullptr, {}, 200);
             }));
  // Save, or (review=1, the "Mark as reviewed" button of the same form) save then review:
  // edits are never dropped by reviewing.
  router.Add("POST", "/summaries/{id}",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
               const std::string id = Param(req, "id");
               auto s = p_.EditSummary(who.scope, id, PhiString(FormValue(form, "text")),
                                       CallerOf(req));
               if (!s) {
                 if (s.error().code != ErrorCode::kInvalidArgument) {
                   return ErrorResponse(req, &t_, s.error());
                 }
                 return SummaryPage(req, who, id, &form, {{"text", s.error().public_message}},
                                    400);
               }
               if (FormValue(form, "review") == "1") {
                 ALCOVE_TRY(p_.ReviewSummary(who.scope, s->id, CallerOf(req)));
                 return Saved("/summaries/" + s->id, "summary_reviewed");
               }
               return Saved("/summaries/" + s->id, "summary_saved");
             }),
             kRecordBody);
  router.Add("POST", "/summaries/{id}/review",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto s,
                                 p_.ReviewSummary(who.scope, Param(req, "id"), CallerOf(req)));
               return Saved("/summaries/" + s.id, "summary_reviewed");
             }),
             kRecordBody);
}

}  // namespace alcove::web::practice_routes
