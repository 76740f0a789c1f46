// The client portal's pages (PortalRoutes::AddPages; docs/portal.md § Pages). Titles and URLs carry
// ids and the alias only; the client's own pages name nothing of theirs in a title (a shared
// phone's history). The client's home and the therapist's "What this client sees now" are
// rendered by one function (HomeBody) from the one view struct the service makes for both.
#include <fmt/format.h>

#include <map>
#include <set>

#include "measures/instruments.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/measures/form_view.hpp"
#include "web/page_flash.hpp"
#include "web/portal/page_data.hpp"
#include "web/portal/routes_internal.hpp"

namespace alcove::web::portal_routes {
namespace {

using portal::AccessStatus;
using portal::ShareKind;

const RouteOptions kFormBody{.max_body_bytes = 16 * 1024, .runs_inline = false};
const RouteOptions kAcceptBody{
    .max_body_bytes = 4 * 1024, .runs_inline = false, .audience = {}, .rate_class = "consume"};
// The questionnaire form: item1..itemN of a few bytes each.
const RouteOptions kQuestionnaireBody{.max_body_bytes = 8 * 1024, .runs_inline = false};

// Titles: the client's pages name nothing of theirs; the therapist's carry the alias.
constexpr std::string_view kHomeTitle = "Your portal · Alcove";
constexpr std::string_view kItemTitle = "Shared with you · Alcove";
constexpr std::string_view kQuestionnaireTitle = "Questionnaire · Alcove";
constexpr std::string_view kQuestionnaireErrorTitle = "Error: Questionnaire · Alcove";
constexpr std::string_view kAcceptTitle = "Your therapist’s portal · Alcove";

constexpr std::pair<std::string_view, std::string_view> kTherapistFlash[] = {
    {"invited",
     "Invitation sent to the email address in the client’s profile. The email holds only a "
     "link; it works once, for 7 days."},
    {"ended", "Portal access ended. The client is signed out and can no longer sign in."},
    {"shared", "Shared. The client sees it from their next page."},
    {"revoked", "No longer shared. It is gone from the client’s next page."},
};
constexpr std::pair<std::string_view, std::string_view> kClientFlash[] = {
    {"welcome", "Welcome. You are signed in to your therapist’s portal."},
    {"sent", "Thank you. Your answers have been sent."},
};

std::string Param(const Request& req, std::string_view name) {
  return std::string(req.Param(name).value_or(""));
}

// The access in words, for the therapist: a short label and a sentence.
std::pair<std::string, std::string> AccessWords(const portal::Access& a, const WhenFn& when) {
  switch (a.status) {
    case AccessStatus::kNone:
      return {"Not invited", "The client has no access to the portal."};
    case AccessStatus::kInvited:
      return {"Invited",
              fmt::format("Invited {}; the invitation works until {}. Not accepted yet.",
                          a.invited_at ? when(*a.invited_at) : "",
                          a.invitation_expires_at ? when(*a.invitation_expires_at) : "")};
    case AccessStatus::kActive:
      return {"Using the portal", fmt::format("Accepted the invitation {}.",
                                              a.accepted_at ? when(*a.accepted_at) : "")};
    case AccessStatus::kEnded:
      return {"Access ended",
              fmt::format("Access ended {}. Inviting again gives the client a new invitation.",
                          a.ended_at ? when(*a.ended_at) : "")};
  }
  return {"", ""};
}

// The pages' parts, made for one request from the routes' members.
class Pages {
 public:
  explicit Pages(PortalRoutes& r) : id_(r.id_), portal_(r.portal_), p_(r.p_), m_(r.m_), t_(r.t_) {}

  WhenFn When() const { return PortalTimeWords(id_.clock.Now()); }
  // The home's body, for the client and for the preview alike.
  std::string HomeBody(const portal::PortalView& view, const HomeLinks& links) const {
    return t_.Render("portal_home_body", HomeBodyData(view, When(), links));
  }
  std::string ItemBody(const portal::PortalItem& item) const {
    return t_.Render("portal_item_body", ItemBodyData(item, When()));
  }

  Result<Response> TherapistPage(Request& req, const TherapistSession& who,
                                 const std::string& client_id, const std::string& error,
                                 int status);
  Result<Response> PreviewPage(const TherapistSession& who, const std::string& client_id,
                               const Request& req, const std::string& share_id);
  Response AcceptPage(const std::string& error, int status) const;
  // Who asks, in the form's words: the therapist's name (the portal's view has it).
  Result<std::string> PracticeName(const identity::ClientScope& who,
                                   const identity::Caller& caller) {
    ALCOVE_TRY_ASSIGN(const auto view, portal_.Home(who, caller));
    return view.practice_name;
  }
  Result<Response> QuestionnairePage(const identity::ClientScope& who, const SignedIn& signed_in,
                                     const identity::Caller& caller, const std::string& assignment,
                                     const measures_routes::FormAnswers* given,
                                     const std::string& error, int status);

 private:
  IdentityServices& id_;
  portal::Portal& portal_;
  practice::Practice& p_;
  measures::Measures& m_;
  const Templates& t_;
};

// ---- The therapist's Portal tab of a client's record ----

Result<Response> Pages::TherapistPage(Request& req, const TherapistSession& who,
                                      const std::string& client_id, const std::string& error,
                                      int status) {
  ALCOVE_TRY_ASSIGN(const auto client, p_.GetClientInfo(who.scope, client_id));  // 404 first
  ALCOVE_TRY_ASSIGN(const auto access, portal_.GetAccess(who.scope, client.id));
  ALCOVE_TRY_ASSIGN(const auto history, portal_.ShareHistory(who.scope, client.id));
  ALCOVE_TRY_ASSIGN(const auto summaries, p_.ListSummaries(who.scope, client.id, CallerOf(req)));
  std::vector<measures::MeasureResult> results;
  ALCOVE_TRY_ASSIGN(const auto count, m_.CountResults(who.scope, client.id));
  if (count > 0) {  // without results nothing is read, nothing audited
    ALCOVE_TRY_ASSIGN(results, m_.ListResults(who.scope, client.id, CallerOf(req)));
  }
  ALCOVE_TRY_ASSIGN(const auto when, p_.TimeWords(who.scope));

  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  d.set("id", client.id);
  d.set("alias", client.alias);
  SetFlash(req, d, kTherapistFlash);
  if (!error.empty()) {
    d.set("error", error);
  }
  const auto [label, words] = AccessWords(access, when);
  d.set("access_label", label);
  d.set("access_words", words);
  const bool active = access.status == AccessStatus::kActive;
  const bool invited = access.status == AccessStatus::kInvited;
  d.set("active", active);
  d.set("invited", invited);
  d.set("can_invite", !active);
  d.set("invite_label",
        invited ? std::string("Send a new invitation") : std::string("Invite to the portal"));
  d.set("can_end", active || invited);
  d.set("end_label",
        active ? std::string("End portal access") : std::string("Cancel the invitation"));

  // The live share of each item, and the words naming each item (for the history too).
  std::map<std::pair<ShareKind, std::string>, const portal::ShareRecord*> live;
  for (const auto& s : history) {
    if (!s.revoked_at) {
      live.emplace(std::pair{s.kind, s.item_id}, &s);
    }
  }
  std::map<std::pair<ShareKind, std::string>, std::string> names;
  auto row = [&](ShareKind kind, const std::string& item_id, const std::string& what,
                 const std::string& detail) {
    names[{kind, item_id}] = what;
    TemplateData r;
    r.set("kind", std::string(portal::ShareKindName(kind)));
    r.set("item_id", item_id);
    r.set("what", what);
    if (!detail.empty()) {
      r.set("detail", detail);
    }
    if (const auto it = live.find({kind, item_id}); it != live.end()) {
      r.set("share_id", it->second->id);
      r.set("shared_at", when(it->second->shared_at));
      if (it->second->first_opened_at) {
        r.set("opened_at", when(*it->second->first_opened_at));
      }
    }
    return r;
  };
  std::vector<TemplateData> summary_rows;
  for (const practice::Summary& s : summaries) {
    if (s.status != practice::SummaryStatus::kReviewed || !s.reviewed_at) {
      continue;  // C22: only reviewed summaries are offered
    }
    const std::string& text = s.text.reveal();
    std::string excerpt = text.substr(0, std::min<std::size_t>(text.size(), 90));
    if (excerpt.size() < text.size()) {
      excerpt += "…";
    }
    summary_rows.push_back(
        row(ShareKind::kSummary, s.id, "Summary reviewed " + when(*s.reviewed_at), excerpt));
  }
  std::vector<TemplateData> trend_rows;
  std::vector<TemplateData> result_rows;
  std::set<std::string> instruments_seen;
  std::map<std::string, int> per_instrument;
  for (const auto& r : results) {
    ++per_instrument[r.instrument_id];
  }
  for (auto it = results.rbegin(); it != results.rend(); ++it) {  // newest first
    const measures::Instrument* in = measures::FindInstrument(it->instrument_id);
    const std::string name = in != nullptr ? in->short_title : it->instrument_id;
    std::string scores;
    for (const auto& sc : it->score.scales) {
      scores +=
          (scores.empty() ? "" : "; ") + fmt::format("{} {}, {}", sc.label, sc.value, sc.band);
    }
    result_rows.push_back(
        row(ShareKind::kResult, it->id, name + " of " + when(it->submitted_at), scores));
    if (instruments_seen.insert(it->instrument_id).second) {
      const int n = per_instrument[it->instrument_id];
      trend_rows.push_back(row(ShareKind::kTrend, it->instrument_id, name + " over time",
                               fmt::format("{} result{} so far", n, n == 1 ? "" : "s")));
    }
  }
  std::vector<TemplateData> groups;
  auto group = [&](const char* heading, const char* empty, std::vector<TemplateData>& items) {
    TemplateData g;
    g.set("heading", heading);
    g.set("empty", empty);
    g.set("has_items", !items.empty());
    g.set("items", TemplateList(items));
    groups.push_back(g);
  };
  group("Reviewed summaries",
        "No reviewed summary yet. A summary can be shared once you have reviewed it on the "
        "Summaries tab.",
        summary_rows);
  group("Questionnaire trends", "No questionnaire results yet.", trend_rows);
  group("Questionnaire results", "No questionnaire results yet.", result_rows);
  d.set("groups", TemplateList(groups));

  std::vector<TemplateData> rows;
  for (const auto& s : history) {
    TemplateData h;
    const auto name = names.find({s.kind, s.item_id});
    h.set("what",
          name != names.end() ? name->second : KindWords(s.kind) + " (no longer in the record)");
    h.set("shared_at", when(s.shared_at));
    if (s.revoked_at) {
      h.set("revoked_at", when(*s.revoked_at));
    }
    if (s.first_opened_at) {
      h.set("opened_at", when(*s.first_opened_at));
    }
    rows.push_back(h);
  }
  d.set("has_history", !rows.empty());
  d.set("history", TemplateList(rows));
  return Response::Html(
      status, t_.RenderPage("portal_client", client.alias + " · Client portal · Alcove", d));
}

// ---- "What this client sees now": the home (or one item) as the client sees it ----

Result<Response> Pages::PreviewPage(const TherapistSession& who, const std::string& client_id,
                                    const Request& req, const std::string& share_id) {
  ALCOVE_TRY_ASSIGN(const auto client, p_.GetClientInfo(who.scope, client_id));  // 404 first
  ALCOVE_TRY_ASSIGN(const auto access, portal_.GetAccess(who.scope, client.id));
  ALCOVE_TRY_ASSIGN(const auto view, portal_.PortalViewFor(who.scope, client.id, CallerOf(req)));
  TemplateData d;
  d.set("id", client.id);
  d.set("alias", client.alias);
  const bool active = access.status == AccessStatus::kActive;
  d.set("active", active);
  if (!active) {
    ALCOVE_TRY_ASSIGN(const auto when, p_.TimeWords(who.scope));
    d.set("access_words",
          AccessWords(access, when).first + ": the client cannot open the portal now.");
  }
  if (share_id.empty()) {
    d.set("frame_label", "The client’s page “Your portal”");
    d.set("frame_title", "Your portal");
    d.set("body", HomeBody(view, PreviewLinks(client.id)));
  } else {
    ALCOVE_TRY_ASSIGN(const auto item,
                      portal_.ItemFor(who.scope, client.id, share_id, CallerOf(req)));
    d.set("frame_label", "The client’s page of one shared item");
    d.set("frame_title", item.title.empty() ? KindWords(item.kind) : item.title);
    d.set("back_href", "/clients/" + client.id + "/portal-view");
    d.set("body", ItemBody(item));
  }
  return Response::Html(
      200,
      t_.RenderPage("portal_preview", client.alias + " · What this client sees now · Alcove", d));
}

// ---- The invitation's page ----

Response Pages::AcceptPage(const std::string& error, int status) const {
  TemplateData d;
  if (!error.empty()) {
    d.set("error", error);
  }
  return Response::Html(status, t_.RenderPage("portal_accept", kAcceptTitle, d));
}

// ---- The client's questionnaire, signed in (the public form's rendering) ----

Result<Response> Pages::QuestionnairePage(const identity::ClientScope& who,
                                          const SignedIn& signed_in, const identity::Caller& caller,
                                          const std::string& assignment,
                                          const measures_routes::FormAnswers* given,
                                          const std::string& error, int status) {
  ALCOVE_TRY_ASSIGN(const measures::Instrument* in, portal_.OpenQuestionnaire(who, assignment));
  ALCOVE_TRY_ASSIGN(const auto practice, PracticeName(who, caller));
  TemplateData d = measures_routes::FormData(*in, practice, given, error, signed_in.csrf_token);
  d.set("back_href", "/portal");
  return Response::Html(
      status,
      t_.RenderPage(
          "q_form",
          given != nullptr || !error.empty() ? kQuestionnaireErrorTitle : kQuestionnaireTitle, d));
}

}  // namespace

void PortalRoutes::AddPages(RouteKit& kit) {
  // The client's record page: the access and what is shared, in a line; the Portal tab.
  id_.client_page.push_back([this](const identity::TherapistScope& who, std::string_view client_id,
                                   const identity::Caller&) -> Result<ClientPageAddition> {
    ALCOVE_TRY_ASSIGN(const auto access, portal_.GetAccess(who, client_id));
    ALCOVE_TRY_ASSIGN(const auto history, portal_.ShareHistory(who, client_id));
    ALCOVE_TRY_ASSIGN(const auto when, p_.TimeWords(who));
    const auto live =
        std::ranges::count_if(history, [](const portal::ShareRecord& s) { return !s.revoked_at; });
    const auto [label, words] = AccessWords(access, when);
    ClientPageAddition out{.alerts = {},
                           .lines = {label + ". " + words},
                           .heading = "Client portal",
                           .tab_label = "Portal",
                           .tab_href = "/clients/" + std::string(client_id) + "/portal"};
    if (access.status != AccessStatus::kNone) {
      out.lines.push_back(live == 0
                              ? std::string("Nothing shared now.")
                              : fmt::format("{} item{} shared now.", live, live == 1 ? "" : "s"));
    }
    return out;
  });

  // ---- The therapist's side ----
  kit.Add("GET", "/clients/{id}/portal",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            return Pages(*this).TherapistPage(req, who, Param(req, "id"), "", 200);
          }));

  kit.Add("POST", "/clients/{id}/portal/invite",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            const std::string client_id = Param(req, "id");
            ALCOVE_TRY_ASSIGN(const auto client, p_.GetClientInfo(who.scope, client_id));  // 404
            if (auto limited = ThrottleInvite(req, who.scope, &t_)) {
              return *limited;
            }
            auto done = portal_.Invite(who.scope, client.id, CallerOf(req));
            if (!done) {
              const ErrorCode code = done.error().code;
              if (code == ErrorCode::kFailedPrecondition || code == ErrorCode::kAlreadyExists) {
                return Pages(*this).TherapistPage(req, who, client.id, done.error().public_message,
                                                  code == ErrorCode::kAlreadyExists ? 409 : 422);
              }
              return std::unexpected(done.error());
            }
            return SavedRedirect("/clients/" + client.id + "/portal", "invited");
          }),
          kFormBody);

  kit.Add("POST", "/clients/{id}/portal/end",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            const std::string client_id = Param(req, "id");
            ALCOVE_TRY(portal_.EndAccess(who.scope, client_id, CallerOf(req)));
            return SavedRedirect("/clients/" + client_id + "/portal", "ended");
          }),
          kFormBody);

  kit.Add(
      "POST", "/clients/{id}/portal/shares",
      ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
        const std::string client_id = Param(req, "id");
        ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
        const auto kind = portal::ShareKindFromName(FormValue(fields, "kind"));
        if (!kind) {
          return Pages(*this).TherapistPage(req, who, client_id,
                                            "Only a reviewed summary, a questionnaire result or a "
                                            "questionnaire’s trend can be shared.",
                                            400);
        }
        auto shared =
            portal_.Share(who.scope, client_id, *kind, FormValue(fields, "item_id"), CallerOf(req));
        // Shared meanwhile (another tab, a second click): it is shared, as asked.
        if (!shared && shared.error().code != ErrorCode::kAlreadyExists) {
          if (shared.error().code == ErrorCode::kFailedPrecondition ||
              shared.error().code == ErrorCode::kInvalidArgument) {
            return Pages(*this).TherapistPage(req, who, client_id, shared.error().public_message,
                                              409);
          }
          return std::unexpected(shared.error());
        }
        return SavedRedirect("/clients/" + client_id + "/portal", "shared");
      }),
      kFormBody);

  kit.Add("POST", "/clients/{id}/portal/shares/{share}/revoke",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            const std::string client_id = Param(req, "id");
            const std::string share_id = Param(req, "share");
            // The share must be one of this client's (the URL names both).
            ALCOVE_TRY_ASSIGN(const auto history, portal_.ShareHistory(who.scope, client_id));
            const auto it = std::ranges::find_if(
                history, [&](const portal::ShareRecord& s) { return s.id == share_id; });
            if (it == history.end()) {
              return Fail(ErrorCode::kNotFound, "no such share of the client",
                          "There is no such shared item.");
            }
            if (!it->revoked_at) {  // revoked meanwhile: it is revoked, as asked
              ALCOVE_TRY(portal_.Revoke(who.scope, share_id, CallerOf(req)));
            }
            return SavedRedirect("/clients/" + client_id + "/portal", "revoked");
          }),
          kFormBody);

  kit.Add("GET", "/clients/{id}/portal-view",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            return Pages(*this).PreviewPage(who, Param(req, "id"), req, "");
          }));
  kit.Add("GET", "/clients/{id}/portal-view/items/{share}",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            return Pages(*this).PreviewPage(who, Param(req, "id"), req, Param(req, "share"));
          }));

  // ---- Accepting the invitation: open to the holder of its token (in the fragment) ----
  kit.Add("GET", "/portal/accept",
          ForTokenHolders(std::string(kAcceptAudience), [this](Request&) -> Result<Response> {
            return Pages(*this).AcceptPage("", 200);
          }));
  kit.Add("POST", "/portal/accept",
          ForTokenHolders(std::string(kAcceptAudience),
                          [this](Request& req) -> Result<Response> {
                            auto form = FormBody(req);
                            if (!form) {
                              return Pages(*this).AcceptPage(form.error().public_message, 400);
                            }
                            std::string token = FormValue(*form, "token");
                            if (const auto at = token.find("#token="); at != std::string::npos) {
                              token = token.substr(at + 7);  // the whole link, pasted
                            }
                            auto session = portal_.Accept(crypto::SecretString(std::move(token)),
                                                          CallerOf(req));
                            if (!session) {
                              if (session.error().code == ErrorCode::kUnauthenticated) {
                                return Pages(*this).AcceptPage(session.error().public_message, 410);
                              }
                              return std::unexpected(session.error());
                            }
                            Response res = SavedRedirect("/portal", "welcome");
                            SetSession(res, *session);
                            return res;
                          }),
          kAcceptBody);

  // ---- The client's portal ----
  kit.Add("GET", "/portal",
          ForClient([this](Request& req, const identity::ClientScope& who,
                           const SignedIn& signed_in) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto view, portal_.Home(who, CallerOf(req)));
            ALCOVE_TRY_ASSIGN(const auto sessions, id_.identity.ListSessions(signed_in.principal));
            TemplateData d = SessionsData(sessions, Pages(*this).When());
            d.set("csrf_token", signed_in.csrf_token);
            d.set("practice", view.practice_name);
            SetFlash(req, d, kClientFlash);
            d.set("body", Pages(*this).HomeBody(view, ClientLinks()));
            // What other modules ask of the client (recordings: consent), each a part.
            std::vector<TemplateData> parts;
            for (const PageEntry& e : ClientHomeFor(id_, who)) {
              TemplateData part;
              part.set("heading", e.heading);
              part.set("lead", e.lead);
              part.set("href", e.href);
              part.set("label", e.label);
              parts.push_back(part);
            }
            d.set("parts", TemplateList(parts));
            return Response::Html(200, t_.RenderPage("portal_home", kHomeTitle, d));
          }));

  kit.Add("GET", "/portal/items/{id}",
          ForClient([this](Request& req, const identity::ClientScope& who,
                           const SignedIn&) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto item,
                              portal_.GetItem(who, Param(req, "id"), CallerOf(req)));
            TemplateData d;
            d.set("title", item.title.empty() ? KindWords(item.kind) : item.title);
            d.set("body", Pages(*this).ItemBody(item));
            return Response::Html(200, t_.RenderPage("portal_item", kItemTitle, d));
          }));

  // A questionnaire waiting for the client: the public form's questions, signed in.
  kit.Add("GET", "/portal/questionnaires/{id}",
          ForClient([this](Request& req, const identity::ClientScope& who,
                           const SignedIn& signed_in) -> Result<Response> {
            return Pages(*this).QuestionnairePage(who, signed_in, CallerOf(req), Param(req, "id"),
                                                  nullptr, "", 200);
          }));
  kit.Add("POST", "/portal/questionnaires/{id}",
          ForClient([this](Request& req, const identity::ClientScope& who,
                           const SignedIn& signed_in) -> Result<Response> {
            const std::string assignment = Param(req, "id");
            ALCOVE_TRY_ASSIGN(const measures::Instrument* in,
                              portal_.OpenQuestionnaire(who, assignment));
            ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
            const auto given = measures_routes::ReadAnswers(*in, fields);
            if (!given.ok) {
              return Pages(*this).QuestionnairePage(who, signed_in, CallerOf(req), assignment,
                                                    &given, "", 422);
            }
            auto id = portal_.SubmitQuestionnaire(
                who, assignment, measures::Answers(std::vector<std::uint8_t>(given.values)),
                CallerOf(req));
            if (!id) {
              if (id.error().code == ErrorCode::kInvalidArgument) {
                return Pages(*this).QuestionnairePage(who, signed_in, CallerOf(req), assignment,
                                                      &given, id.error().public_message, 422);
              }
              return std::unexpected(id.error());
            }
            return SavedRedirect("/portal", "sent");
          }),
          kQuestionnaireBody);
}

}  // namespace alcove::web::portal_routes
