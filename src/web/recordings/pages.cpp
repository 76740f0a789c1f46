// Session recordings' pages (docs/recordings.md § Pages): the therapist's Recordings tab of
// a client's record (the list, a new recording with its participants), a recording's page
// (participants and their documented consent, who is still missing, the recorder and the
// upload — web/static/recorder.js — once everyone consented, playback, withdrawal with a
// confirm step), the record's "Recording withdrawn on …" lines, and the client's consent
// pages in the portal (agree, withdraw). Titles and URLs carry ids and aliases only; the
// client's own pages name nothing of theirs in a title.
#include <fmt/format.h>

#include <charconv>

#include "core/clock.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/page_flash.hpp"
#include "web/page_words.hpp"
#include "web/portal/page_data.hpp"
#include "web/portal/routes_internal.hpp"
#include "web/recordings/routes_internal.hpp"

namespace alcove::web::recordings_routes {
namespace {

using crypto::PhiString;
using recordings::ConsentMethod;
using recordings::ParticipantKind;
using recordings::RecordingStatus;

const RouteOptions kFormBody{.max_body_bytes = 32 * 1024, .runs_inline = false};

// The client's pages name nothing of theirs (a shared phone's history).
constexpr std::string_view kClientListTitle = "Recordings · Alcove";
constexpr std::string_view kClientOneTitle = "A recording · Alcove";
constexpr std::string_view kClientWithdrawTitle = "Withdraw consent · Alcove";

// The recording's page may use the microphone; every other page denies it (C12).
constexpr std::string_view kRecorderPermissions =
    "camera=(), microphone=(self), geolocation=(), payment=(), usb=()";

constexpr std::pair<std::string_view, std::string_view> kTherapistFlash[] = {
    {"created", "Recording made. Once everyone in it has consented, you can record or upload."},
    {"consented", "Consent documented."},
    {"withdrawn",
     "Consent withdrawn. The recording, its audio, its transcript and the drafts not yet "
     "reviewed that were made from it are destroyed."},
};
constexpr std::pair<std::string_view, std::string_view> kClientFlash[] = {
    {"agreed", "Thank you. Your consent is recorded; you can withdraw it here at any time."},
    {"withdrawn",
     "Your consent is withdrawn. The recording and everything made from it are destroyed."},
};

std::string Param(const Request& req, std::string_view name) {
  return std::string(req.Param(name).value_or(""));
}

// "Wed 2 Dec 2026": the day of `t` (UTC), for "Recording withdrawn on …".
std::string Day(Micros t) { return DayInWords(FormatRfc3339(t).substr(0, 10)); }

std::string WithdrawnWords(Micros t) { return "Recording withdrawn on " + Day(t) + "."; }

std::string MethodWords(ConsentMethod m) {
  switch (m) {
    case ConsentMethod::kPortal:
      return "in the portal";
    case ConsentMethod::kInSession:
      return "in the session";
    case ConsentMethod::kWritten:
      return "in writing";
  }
  return "";
}

// Who a participant is, in the therapist's words: "you", or the client's alias.
std::string WhoWords(const recordings::Participant& p) {
  return p.kind == ParticipantKind::kTherapist ? std::string("you") : p.alias;
}

// "Still waiting for consent from: O.F. (in the portal), you", or empty.
std::string MissingWords(const recordings::Recording& r) {
  if (r.withdrawn_at) {
    return "";
  }
  std::string out;
  for (const recordings::Participant* p : r.Missing()) {
    out += (out.empty() ? "" : ", ") + WhoWords(*p) +
           (p->kind == ParticipantKind::kClient ? " (in the portal)" : "");
  }
  return out.empty() ? out : "Still waiting for consent from: " + out;
}

std::string StatusWords(const recordings::Recording& r) {
  switch (r.status) {
    case RecordingStatus::kAwaitingConsent:
      return "Waiting for consent";
    case RecordingStatus::kConsented:
      return "Everyone consented; not recorded yet";
    case RecordingStatus::kRecorded:
      return r.audio_deleted_at ? "Recorded; audio deleted after transcription" : "Recorded";
    case RecordingStatus::kWithdrawn:
      return "Withdrawn";
  }
  return "";
}

TemplateData List(std::vector<TemplateData>& items) {
  return portal_routes::TemplateList(items);
}

// The pages' parts, made for one request from the routes' members.
class Pages {
 public:
  explicit Pages(RecordingsRoutes& r) : id_(r.id_), rec_(r.rec_), p_(r.p_), t_(r.t_) {}

  Result<Response> Tab(Request& req, const TherapistSession& who, const std::string& client_id,
                       const std::string& error, const FormFields* kept, int status);
  Result<Response> RecordingPage(Request& req, const TherapistSession& who,
                                 const std::string& recording_id, const std::string& error,
                                 int status);
  Result<Response> WithdrawPage(const TherapistSession& who, const std::string& recording_id,
                                const std::string& participant_id);
  Result<Response> ClientList(Request& req, const identity::ClientScope& who);
  Result<Response> ClientOne(Request& req, const identity::ClientScope& who,
                             const SignedIn& signed_in, const std::string& recording_id,
                             const std::string& error, int status);
  Result<Response> ClientWithdrawPage(const identity::ClientScope& who, const SignedIn& signed_in,
                                      const std::string& recording_id);
  // A refusal on a page: 409/410 in words, others as themselves.
  Result<Response> Refused(const Request& req, const Error& e) { return Refusal(req, &t_, e); }

 private:
  IdentityServices& id_;
  recordings::Recordings& rec_;
  practice::Practice& p_;
  const Templates& t_;
};

// ---- The therapist's Recordings tab ----

Result<Response> Pages::Tab(Request& req, const TherapistSession& who,
                            const std::string& client_id, const std::string& error,
                            const FormFields* kept, int status) {
  ALCOVE_TRY_ASSIGN(const auto client, p_.GetClientInfo(who.scope, client_id));  // 404 first
  ALCOVE_TRY_ASSIGN(const auto list, rec_.ListForClient(who.scope, client.id));
  ALCOVE_TRY_ASSIGN(const auto others, p_.ListClients(who.scope));
  ALCOVE_TRY_ASSIGN(const auto when, p_.TimeWords(who.scope));
  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  d.set("id", client.id);
  d.set("alias", client.alias);
  SetFlash(req, d, kTherapistFlash);
  if (!error.empty()) {
    d.set("error", error);
  }
  std::vector<TemplateData> rows;
  for (const auto& r : list) {
    TemplateData row;
    row.set("rid", r.id);
    row.set("when", when(r.created_at));
    std::string people;
    for (const auto& p : r.participants) {
      people += (people.empty() ? "" : ", ") + WhoWords(p);
    }
    row.set("people", people);
    if (r.withdrawn_at) {
      row.set("withdrawn", WithdrawnWords(*r.withdrawn_at));
    } else {
      row.set("status", StatusWords(r));
      row.set("missing", MissingWords(r));
    }
    rows.push_back(row);
  }
  d.set("has_recordings", !rows.empty());
  d.set("recordings", List(rows));
  // The form: the therapist, this client, other clients of the caller's (couples, families).
  auto value = [&](const std::string& key, const std::string& fallback) {
    return kept != nullptr ? FormValue(*kept, key) : fallback;
  };
  d.set("title", value("title", ""));
  d.set("label", value("label_" + client.id, ""));
  d.set("therapist_checked", kept == nullptr || FormValue(*kept, "therapist") == "1");
  std::vector<TemplateData> choices;
  for (const auto& c : others) {
    if (c.id == client.id || c.status != practice::ClientStatus::kActive) {
      continue;
    }
    TemplateData o;
    o.set("cid", c.id);
    o.set("calias", c.alias);
    o.set("checked", kept != nullptr && FormValue(*kept, "with_" + c.id) == "1");
    o.set("clabel", value("label_" + c.id, ""));
    choices.push_back(o);
  }
  d.set("has_others", !choices.empty());
  d.set("others", List(choices));
  return Response::Html(status,
                        t_.RenderPage("recordings", client.alias + " · Recordings · Alcove", d));
}

// ---- One recording ----

Result<Response> Pages::RecordingPage(Request& req, const TherapistSession& who,
                                      const std::string& recording_id, const std::string& error,
                                      int status) {
  ALCOVE_TRY_ASSIGN(const auto r, rec_.Get(who.scope, recording_id, CallerOf(req)));
  ALCOVE_TRY_ASSIGN(const auto client, p_.GetClientInfo(who.scope, r.client_id));
  ALCOVE_TRY_ASSIGN(const auto when, p_.TimeWords(who.scope));
  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  d.set("rid", r.id);
  d.set("id", client.id);
  d.set("alias", client.alias);
  d.set("created", when(r.created_at));
  if (r.title && !r.title->reveal().empty()) {
    d.set("title", r.title->reveal());
  }
  SetFlash(req, d, kTherapistFlash);
  if (!error.empty()) {
    d.set("error", error);
  }
  if (r.withdrawn_at) {
    d.set("withdrawn", WithdrawnWords(*r.withdrawn_at));
    return Response::Html(status,
                          t_.RenderPage("recording", client.alias + " · Recording · Alcove", d));
  }
  ALCOVE_TRY_ASSIGN(const auto text, rec_.CurrentConsentText(who.scope));
  d.set("status", StatusWords(r));
  d.set("text_version", std::to_string(text.version));
  d.set("consent_text", text.text);
  std::vector<TemplateData> parts;
  for (const auto& p : r.participants) {
    TemplateData row;
    row.set("pid", p.id);
    const bool therapist = p.kind == ParticipantKind::kTherapist;
    row.set("who", therapist ? std::string("You (the therapist)") : p.alias);
    row.set("form_id", therapist ? std::string("therapist") : p.id);
    row.set("withdraw_label", therapist ? std::string("Withdraw your consent…")
                                        : "Withdraw " + p.alias + "’s consent…");
    row.set("document_label",
            therapist ? std::string("Document your consent") : "Document the consent of " + p.alias);
    if (p.consent) {
      row.set("consented", true);
      row.set("consent_words",
              fmt::format("Consented {} {}, under version {} of the consent text.",
                          MethodWords(p.consent->method), when(p.consent->given_at),
                          p.consent->text_version));
      if (p.consent->note && !p.consent->note->reveal().empty()) {
        row.set("note", p.consent->note->reveal());
      }
    } else {
      row.set("consent_words", therapist ? std::string("Not documented yet.")
                                         : std::string("Not yet: the client can agree in the "
                                                       "portal, or you document it here."));
    }
    parts.push_back(row);
  }
  d.set("participants", List(parts));
  const std::string missing = MissingWords(r);
  if (!missing.empty()) {
    d.set("missing", missing);
  }
  const bool stored = r.status == RecordingStatus::kRecorded && !r.audio_deleted_at;
  d.set("can_record", r.status == RecordingStatus::kConsented);
  d.set("waiting", r.status == RecordingStatus::kAwaitingConsent);
  d.set("stored", stored);
  if (r.audio_deleted_at) {
    d.set("audio_deleted", "The audio was deleted " + when(*r.audio_deleted_at) +
                               ", after transcription, as the practice keeps it.");
  }
  if (r.audio_bytes) {
    d.set("audio_size", fmt::format("{:.1f} MB", static_cast<double>(*r.audio_bytes) / 1e6));
  }
  Response res =
      Response::Html(status, t_.RenderPage("recording", client.alias + " · Recording · Alcove", d));
  if (r.status == RecordingStatus::kConsented) {
    res.headers.Set("Permissions-Policy", std::string(kRecorderPermissions));
  }
  return res;
}

Result<Response> Pages::WithdrawPage(const TherapistSession& who, const std::string& recording_id,
                                     const std::string& participant_id) {
  ALCOVE_TRY_ASSIGN(const auto r, rec_.Info(who.scope, recording_id));
  const auto it = std::ranges::find(r.participants, participant_id, &recordings::Participant::id);
  if (it == r.participants.end()) {
    return Fail(ErrorCode::kNotFound, "no such participant of the recording",
                "There is no such participant.");
  }
  if (r.withdrawn_at) {  // its page says so
    return Response::SeeOther("/recordings/" + r.id);
  }
  ALCOVE_TRY_ASSIGN(const auto client, p_.GetClientInfo(who.scope, r.client_id));
  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  d.set("rid", r.id);
  d.set("pid", it->id);
  d.set("alias", client.alias);
  d.set("who", it->kind == ParticipantKind::kTherapist ? std::string("your own") : it->alias + "’s");
  return Response::Html(
      200, t_.RenderPage("recording_withdraw", client.alias + " · Withdraw consent · Alcove", d));
}

// ---- The client's consent pages in the portal ----

Result<Response> Pages::ClientList(Request& req, const identity::ClientScope& who) {
  ALCOVE_TRY_ASSIGN(const auto list, rec_.ForClient(who));
  const auto when = portal_routes::PortalTimeWords(id_.clock.Now());
  std::vector<TemplateData> waiting;
  std::vector<TemplateData> agreed;
  std::vector<TemplateData> withdrawn;
  for (const auto& v : list) {
    TemplateData row;
    row.set("rid", v.recording_id);
    row.set("when", when(v.created_at));
    if (v.withdrawn_at) {
      row.set("words", WithdrawnWords(*v.withdrawn_at));
      withdrawn.push_back(row);
    } else if (v.consent) {
      row.set("words", "You agreed " + when(v.consent->given_at) + ".");
      agreed.push_back(row);
    } else {
      waiting.push_back(row);
    }
  }
  TemplateData d;
  SetFlash(req, d, kClientFlash);
  d.set("has_waiting", !waiting.empty());
  d.set("waiting", List(waiting));
  d.set("has_agreed", !agreed.empty());
  d.set("agreed", List(agreed));
  d.set("has_withdrawn", !withdrawn.empty());
  d.set("withdrawn", List(withdrawn));
  d.set("none", list.empty());
  return Response::Html(200, t_.RenderPage("portal_recordings", kClientListTitle, d));
}

Result<Response> Pages::ClientOne(Request& req, const identity::ClientScope& who,
                                  const SignedIn& signed_in, const std::string& recording_id,
                                  const std::string& error, int status) {
  ALCOVE_TRY_ASSIGN(const auto asked, rec_.ConsentRequest(who, recording_id));
  const auto& [view, text] = asked;
  const auto when = portal_routes::PortalTimeWords(id_.clock.Now());
  TemplateData d;
  d.set("csrf_token", signed_in.csrf_token);
  d.set("rid", view.recording_id);
  d.set("when", when(view.created_at));
  SetFlash(req, d, kClientFlash);
  if (!error.empty()) {
    d.set("error", error);
  }
  if (view.withdrawn_at) {
    d.set("withdrawn", WithdrawnWords(*view.withdrawn_at));
  } else if (view.consent) {
    d.set("agreed", fmt::format("You agreed {}, to version {} of the consent text.",
                                when(view.consent->given_at), view.consent->text_version));
  } else {
    d.set("asking", true);
  }
  d.set("text_version", std::to_string(text.version));
  d.set("consent_text", text.text);
  return Response::Html(status, t_.RenderPage("portal_recording", kClientOneTitle, d));
}

Result<Response> Pages::ClientWithdrawPage(const identity::ClientScope& who,
                                           const SignedIn& signed_in,
                                           const std::string& recording_id) {
  ALCOVE_TRY_ASSIGN(const auto asked, rec_.ConsentRequest(who, recording_id));
  if (asked.first.withdrawn_at) {  // its page says so
    return Response::SeeOther("/portal/recordings/" + asked.first.recording_id);
  }
  TemplateData d;
  d.set("csrf_token", signed_in.csrf_token);
  d.set("rid", asked.first.recording_id);
  return Response::Html(200, t_.RenderPage("portal_recording_withdraw", kClientWithdrawTitle, d));
}

// The participants asked for in the new-recording form: the therapist (therapist=1), this
// client (always, label_<id>), and each other client checked (with_<id>=1, label_<id>).
std::vector<recordings::NewParticipant> FormParticipants(const FormFields& form,
                                                         const std::string& client_id) {
  std::vector<recordings::NewParticipant> out;
  if (FormValue(form, "therapist") == "1") {
    out.push_back({.kind = ParticipantKind::kTherapist, .client_id = {}, .label = std::nullopt});
  }
  auto label = [&](const std::string& id) -> std::optional<PhiString> {
    std::string l = FormValue(form, "label_" + id);
    return l.empty() ? std::nullopt : std::optional<PhiString>(PhiString(std::move(l)));
  };
  out.push_back({.kind = ParticipantKind::kClient, .client_id = client_id, .label = label(client_id)});
  for (const auto& [key, v] : form) {
    if (key.starts_with("with_") && v == "1" && key.substr(5) != client_id) {
      const std::string other = key.substr(5);
      out.push_back({.kind = ParticipantKind::kClient, .client_id = other, .label = label(other)});
    }
  }
  return out;
}

}  // namespace

void RecordingsRoutes::AddPages(RouteKit& kit) {
  // The client's record: the tab, and a line per withdrawn recording.
  id_.client_page.push_back([this](const identity::TherapistScope& who, std::string_view client_id,
                                   const identity::Caller&) -> Result<ClientPageAddition> {
    ALCOVE_TRY_ASSIGN(const auto list, rec_.ListForClient(who, client_id));
    ClientPageAddition out{.alerts = {},
                           .lines = {},
                           .heading = "Recordings",
                           .tab_label = "Recordings",
                           .tab_href = "/clients/" + std::string(client_id) + "/recordings"};
    const auto waiting = std::ranges::count_if(list, [](const recordings::Recording& r) {
      return r.status == RecordingStatus::kAwaitingConsent;
    });
    const auto live = std::ranges::count_if(
        list, [](const recordings::Recording& r) { return !r.withdrawn_at; });
    if (live > 0) {
      out.lines.push_back(fmt::format("{} recording{}{}.", live, live == 1 ? "" : "s",
                                      waiting == 0 ? std::string()
                                                   : fmt::format(", {} waiting for consent",
                                                                 waiting)));
    }
    for (const auto& r : list) {
      if (r.withdrawn_at) {
        out.lines.push_back(WithdrawnWords(*r.withdrawn_at));
      }
    }
    return out;
  });

  // The client's portal home: recordings waiting for their consent.
  id_.client_home.push_back(
      [this](const identity::ClientScope& who) -> Result<std::vector<PageEntry>> {
        ALCOVE_TRY_ASSIGN(const auto list, rec_.ForClient(who));
        if (list.empty()) {
          return std::vector<PageEntry>{};
        }
        const auto waiting = std::ranges::count_if(list, [](const auto& v) {
          return !v.withdrawn_at && !v.consent;
        });
        return std::vector<PageEntry>{PageEntry{
            .heading = "Session recordings",
            .lead = waiting == 0
                        ? std::string("Your consent to recordings of your sessions, and how to "
                                      "withdraw it.")
                        : fmt::format("Your therapist asks your consent to record {} session{}. "
                                      "Saying no changes nothing about your care.",
                                      waiting == 1 ? "a" : std::to_string(waiting),
                                      waiting == 1 ? "" : "s"),
            .href = "/portal/recordings",
            .label = waiting == 0 ? "Your recordings" : "Read and decide"}};
      });

  // ---- The therapist's side ----
  kit.Add("GET", "/clients/{id}/recordings",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            return Pages(*this).Tab(req, who, Param(req, "id"), "", nullptr, 200);
          }));

  kit.Add("POST", "/clients/{id}/recordings",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto client, p_.GetClientInfo(who.scope, Param(req, "id")));
            ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
            std::string title = FormValue(form, "title");
            std::optional<PhiString> sealed;
            if (!title.empty()) {
              sealed = PhiString(std::move(title));
            }
            const auto parts = FormParticipants(form, client.id);
            auto made = rec_.Create(who.scope, client.id, std::move(sealed), parts, CallerOf(req));
            if (!made) {
              if (made.error().code == ErrorCode::kInvalidArgument ||
                  made.error().code == ErrorCode::kNotFound) {
                // A partner's record gone meanwhile is words here, not the page's 404.
                return Pages(*this).Tab(req, who, client.id, made.error().public_message, &form,
                                        made.error().code == ErrorCode::kNotFound ? 404 : 400);
              }
              return std::unexpected(made.error());
            }
            return SavedRedirect("/recordings/" + made->id, "created");
          }),
          kFormBody);

  kit.Add("GET", "/recordings/{id}",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            return Pages(*this).RecordingPage(req, who, Param(req, "id"), "", 200);
          }));

  kit.Add("POST", "/recordings/{id}/participants/{pid}/consent",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            const std::string id = Param(req, "id");
            ALCOVE_TRY(rec_.Info(who.scope, id));  // 404 whatever the body says
            ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
            const auto method = recordings::ConsentMethodFromName(FormValue(form, "method"));
            if (!method || *method == ConsentMethod::kPortal) {
              return Pages(*this).RecordingPage(
                  req, who, id,
                  "Say how consent was given: in the session, or on a signed form.", 400);
            }
            std::optional<PhiString> note;
            if (std::string n = FormValue(form, "note"); !n.empty()) {
              note = PhiString(std::move(n));
            }
            auto done = rec_.DocumentConsent(who.scope, id, Param(req, "pid"), *method,
                                             std::move(note), CallerOf(req));
            if (!done) {
              const ErrorCode code = done.error().code;
              if (code == ErrorCode::kAlreadyExists || code == ErrorCode::kInvalidArgument) {
                return Pages(*this).RecordingPage(req, who, id, done.error().public_message,
                                                  code == ErrorCode::kAlreadyExists ? 409 : 400);
              }
              return Pages(*this).Refused(req, done.error());
            }
            return SavedRedirect("/recordings/" + id, "consented");
          }),
          kFormBody);

  kit.Add("GET", "/recordings/{id}/participants/{pid}/withdraw",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            auto page = Pages(*this).WithdrawPage(who, Param(req, "id"), Param(req, "pid"));
            if (!page) {
              return Pages(*this).Refused(req, page.error());
            }
            return page;
          }));

  kit.Add("POST", "/recordings/{id}/participants/{pid}/withdraw",
          ForTherapist([this](Request& req, const TherapistSession& who) -> Result<Response> {
            const std::string id = Param(req, "id");
            if (auto st = rec_.Withdraw(who.scope, id, Param(req, "pid"), CallerOf(req)); !st) {
              return Pages(*this).Refused(req, st.error());
            }
            return SavedRedirect("/recordings/" + id, "withdrawn");
          }),
          kFormBody);

  // ---- The client in the portal: only recordings they take part in (C31) ----
  kit.Add("GET", "/portal/recordings",
          portal_routes::ForClient([this](Request& req, const identity::ClientScope& who,
                                          const SignedIn&) -> Result<Response> {
            return Pages(*this).ClientList(req, who);
          }));

  kit.Add("GET", "/portal/recordings/{id}",
          portal_routes::ForClient([this](Request& req, const identity::ClientScope& who,
                                          const SignedIn& signed_in) -> Result<Response> {
            return Pages(*this).ClientOne(req, who, signed_in, Param(req, "id"), "", 200);
          }));

  kit.Add("POST", "/portal/recordings/{id}/consent",
          portal_routes::ForClient([this](Request& req, const identity::ClientScope& who,
                                          const SignedIn& signed_in) -> Result<Response> {
            const std::string id = Param(req, "id");
            ALCOVE_TRY(rec_.ConsentRequest(who, id));  // 404 whatever the body says
            ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
            std::int64_t version = 0;
            const std::string v = FormValue(form, "text_version");
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
            if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
              return Pages(*this).ClientOne(req, who, signed_in, id,
                                            "Read the consent text below, then agree.", 400);
            }
            auto done = rec_.ClientConsent(who, id, version, CallerOf(req));
            if (!done) {
              const ErrorCode code = done.error().code;
              if (code == ErrorCode::kConflict || code == ErrorCode::kAlreadyExists) {
                return Pages(*this).ClientOne(req, who, signed_in, id,
                                              done.error().public_message, 409);
              }
              return Pages(*this).Refused(req, done.error());
            }
            return SavedRedirect("/portal/recordings/" + id, "agreed");
          }),
          kFormBody);

  kit.Add("GET", "/portal/recordings/{id}/withdraw",
          portal_routes::ForClient([this](Request& req, const identity::ClientScope& who,
                                          const SignedIn& signed_in) -> Result<Response> {
            auto page = Pages(*this).ClientWithdrawPage(who, signed_in, Param(req, "id"));
            if (!page) {
              return Pages(*this).Refused(req, page.error());
            }
            return page;
          }));

  kit.Add("POST", "/portal/recordings/{id}/withdraw",
          portal_routes::ForClient([this](Request& req, const identity::ClientScope& who,
                                          const SignedIn&) -> Result<Response> {
            if (auto st = rec_.ClientWithdraw(who, Param(req, "id"), CallerOf(req)); !st) {
              return Pages(*this).Refused(req, st.error());
            }
            return SavedRedirect("/portal/recordings", "withdrawn");
          }),
          kFormBody);
}

}  // namespace alcove::web::recordings_routes
