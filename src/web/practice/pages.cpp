// The pages of practice records: no JavaScript needed; URLs and titles carry ids and
// aliases only.
#include <boost/json.hpp>

#include "core/clock.hpp"
#include "web/errors.hpp"
#include "web/page_words.hpp"
#include "web/practice/json.hpp"
#include "web/practice/routes.hpp"
#include "web/practice/routes_internal.hpp"

namespace alcove::web::practice_routes {

namespace json = boost::json;
using namespace practice_json;  // NOLINT: this module's JSON shapes

namespace {

// The profile fields that hold something, as a template list of {label, value}.
TemplateData ProfileList(const practice::ProfileFields& p) {
  TemplateData out{TemplateData::type::list};
  for (const auto& [label, field] :
       {std::pair{"Email", &practice::ProfileFields::email},
        std::pair{"Phone", &practice::ProfileFields::phone},
        std::pair{"Date of birth", &practice::ProfileFields::date_of_birth},
        std::pair{"Notes", &practice::ProfileFields::notes}}) {
    const auto& v = p.*field;
    if (v && !v->reveal().empty()) {
      TemplateData item;
      item.set("label", label);
      item.set("value", v->reveal());
      out.push_back(item);
    }
  }
  return out;
}

// Sections (or the five Ps) as a template list of {name, text}; `skip_empty` leaves out
// sections with no text.
TemplateData NamedTexts(const Sections& sections, bool skip_empty) {
  TemplateData out{TemplateData::type::list};
  for (const auto& [name, text] : sections) {
    if (skip_empty && text.reveal().empty()) {
      continue;
    }
    TemplateData s;
    s.set("name", name);
    s.set("text", text.reveal());
    out.push_back(s);
  }
  return out;
}

Response SeeOther(std::string location) {
  Response res = Response::Text(303, "See " + location + "\n");
  res.headers.Set("Location", std::move(location));
  return res;
}

std::string Day(Micros t) { return FormatRfc3339(t).substr(0, 10); }

practice::ProfileFields ProfileFromForm(const FormFields& f) {
  practice::ProfileFields p;
  for (const auto& [key, field] :
       {std::pair{"email", &practice::ProfileFields::email},
        std::pair{"phone", &practice::ProfileFields::phone},
        std::pair{"date_of_birth", &practice::ProfileFields::date_of_birth},
        std::pair{"notes", &practice::ProfileFields::notes}}) {
    if (f.contains(key)) {
      p.*field = PhiString(FormValue(f, key));
    }
  }
  return p;
}

Sections SectionsFromForm(const FormFields& f, std::span<const std::string_view> names) {
  Sections out;
  for (const auto name : names) {
    const std::string key = "section_" + std::string(name);
    if (f.contains(key)) {
      out.emplace_back(std::string(name), PhiString(FormValue(f, key)));
    }
  }
  return out;
}

std::string Title(std::string_view alias, std::string_view what) {
  return std::string(alias) + (what.empty() ? "" : " · " + std::string(what)) + " · Alcove";
}

}  // namespace

Result<Response> PracticeRoutes::ClientPage(Request& req, const TherapistSession& who,
                                            const std::string& client_id, const std::string& error,
                                            int status) {
  // One read, one audit event naming everything the page shows (C40).
  ALCOVE_TRY_ASSIGN(auto overview, p_.GetClientOverview(who.scope, client_id, 20, CallerOf(req)));
  const practice::ClientRecord* record = &overview.record;
  const auto* notes = &overview.notes;
  const auto* summaries = &overview.summaries;
  const auto* concepts = &overview.conceptualizations;
  TemplateData data;
  data.set("csrf_token", who.csrf_token);
  data.set("id", record->client.id);
  data.set("alias", record->client.alias);
  data.set("status", std::string(practice::StatusName(record->client.status)));
  if (!error.empty()) {
    data.set("error", error);
  }
  data.set("profile", ProfileList(record->profile));
  TemplateData note_list{TemplateData::type::list};
  for (const auto& n : *notes) {
    TemplateData item;
    item.set("id", n.info.id);
    item.set("date", n.info.session_date);
    item.set("format", std::string(practice::FormatName(n.info.format)));
    item.set("version", std::to_string(n.info.version));
    item.set("sections", NamedTexts(n.content, true));
    note_list.push_back(item);
  }
  data.set("notes", note_list);
  TemplateData summary_list{TemplateData::type::list};
  for (const auto& s : *summaries) {
    TemplateData item;
    item.set("id", s.id);
    item.set("text", s.text.reveal());
    item.set("status", std::string(practice::SummaryStatusName(s.status)));
    item.set("date", Day(s.created_at));
    if (s.status == practice::SummaryStatus::kDraft) {
      item.set("draft", true);
    }
    summary_list.push_back(item);
  }
  data.set("summaries", summary_list);
  TemplateData concept_fields{TemplateData::type::list};
  const practice::Conceptualization* latest = concepts->empty() ? nullptr : &concepts->front();
  for (std::size_t i = 0; i < std::size(practice::kConceptualizationFields); ++i) {
    TemplateData f;
    const std::string name(practice::kConceptualizationFields[i]);
    f.set("name", name);
    f.set("label", std::string(1, static_cast<char>(name[0] - 'a' + 'A')) + name.substr(1));
    f.set("text", latest != nullptr ? std::string(latest->fields[i].second.reveal()) : "");
    concept_fields.push_back(f);
  }
  data.set("concept", concept_fields);
  if (latest != nullptr) {
    data.set("concept_version", std::to_string(latest->version));
  }
  return Response::Html(status, t_.RenderPage("client", Title(record->client.alias, ""), data));
}

Response PracticeRoutes::NoteEditor(const TherapistSession& who, const std::string& client_id,
                                    const std::string& alias, NoteFormat format,
                                    const practice::Note* existing, const std::string& error,
                                    int status) {
  TemplateData data;
  data.set("csrf_token", who.csrf_token);
  data.set("client_id", client_id);
  data.set("alias", alias);
  data.set("format", std::string(practice::FormatName(format)));
  data.set("action", existing != nullptr ? "/notes/" + existing->info.id
                                         : "/clients/" + client_id + "/notes");
  data.set("date", existing != nullptr ? existing->info.session_date : Day(id_.clock.Now()));
  if (existing != nullptr) {
    data.set("editing", true);
    data.set("version", std::to_string(existing->info.version));
  }
  if (!error.empty()) {
    data.set("error", error);
  }
  TemplateData formats{TemplateData::type::list};
  for (const auto f : {NoteFormat::kSoap, NoteFormat::kDap, NoteFormat::kBirp, NoteFormat::kFree}) {
    TemplateData item;
    item.set("name", std::string(practice::FormatName(f)));
    if (f == format) {
      item.set("selected", true);
    }
    formats.push_back(item);
  }
  data.set("formats", formats);
  TemplateData sections{TemplateData::type::list};
  for (const auto name : practice::SectionsOf(format)) {
    TemplateData s;
    s.set("name", std::string(name));
    s.set("label",
          std::string(1, static_cast<char>(name[0] - 'a' + 'A')) + std::string(name.substr(1)));
    std::string text;
    if (existing != nullptr) {
      for (const auto& [n, t] : existing->content) {
        if (n == name) {
          text = t.reveal();
        }
      }
    }
    s.set("text", text);
    sections.push_back(s);
  }
  data.set("sections", sections);
  return Response::Html(status, t_.RenderPage("note_edit", Title(alias, "Session note"), data));
}

void PracticeRoutes::AddPages(RouteKit& router) {
  // ---- Pages (no JavaScript needed; URLs and titles carry ids and aliases only) ----
  router.Add("GET", "/clients",
             Pg([this](Request&, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto list, p_.ListClients(who.scope));
               ALCOVE_TRY_ASSIGN(const auto words, p_.TimeWords(who.scope));
               TemplateData data;
               data.set("csrf_token", who.csrf_token);
               TemplateData items{TemplateData::type::list};
               for (const auto& c : list) {
                 TemplateData item;
                 item.set("id", c.id);
                 item.set("alias", c.alias);
                 item.set("last", c.last_session_date.value_or("—"));
                 item.set("next", c.next_appointment ? words(*c.next_appointment) : "—");
                 if (c.status == practice::ClientStatus::kArchived) {
                   item.set("archived", true);
                 }
                 items.push_back(item);
               }
               data.set("clients", items);
               if (list.empty()) {
                 data.set("empty", true);
               }
               return Response::Html(200, t_.RenderPage("clients", "Clients · Alcove", data));
             }));
  router.Add(
      "POST", "/clients", Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
        ALCOVE_TRY_ASSIGN(auto c, p_.CreateClient(who.scope, PhiString(FormValue(form, "name")),
                                                  ProfileFromForm(form), CallerOf(req)));
        return SeeOther("/clients/" + c.id);
      }),
      kRecordBody);
  router.Add("GET", "/clients/{id}",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               return ClientPage(req, who, Param(req, "id"), "", 200);
             }));
  router.Add("POST", "/clients/{id}/delete",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY(p_.DeleteClient(who.scope, Param(req, "id"), CallerOf(req)));
               return SeeOther("/clients");
             }),
             kRecordBody);
  router.Add(
      "GET", "/clients/{id}/notes/new",
      Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
        const std::string id = Param(req, "id");
        ALCOVE_TRY_ASSIGN(const practice::ClientListItem client, p_.GetClientInfo(who.scope, id));
        const auto format = practice::FormatFromName(req.QueryValue("format").value_or("soap"))
                                .value_or(NoteFormat::kSoap);
        return NoteEditor(who, client.id, client.alias, format, nullptr, "", 200);
      }));
  router.Add("POST", "/clients/{id}/notes",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
               const std::string id = Param(req, "id");
               const auto format =
                   practice::FormatFromName(FormValue(form, "format")).value_or(NoteFormat::kFree);
               auto note = p_.CreateNote(who.scope, id, FormValue(form, "session_date"), format,
                                         SectionsFromForm(form, practice::SectionsOf(format)),
                                         CallerOf(req));
               if (!note) {
                 if (note.error().code == ErrorCode::kInvalidArgument) {
                   ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                                     p_.GetClientInfo(who.scope, id));
                   return NoteEditor(who, id, client.alias, format, nullptr,
                                     note.error().public_message, 400);
                 }
                 return ErrorResponse(req, &t_, note.error());
               }
               return SeeOther("/clients/" + id);
             }),
             kRecordBody);
  router.Add("GET", "/notes/{id}/edit",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto note, p_.GetNote(who.scope, Param(req, "id"), CallerOf(req)));
               ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                                 p_.GetClientInfo(who.scope, note.info.client_id));
               return NoteEditor(who, note.info.client_id, client.alias, note.info.format, &note,
                                 "", 200);
             }));
  router.Add(
      "POST", "/notes/{id}",
      Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
        const auto format =
            practice::FormatFromName(FormValue(form, "format")).value_or(NoteFormat::kFree);
        ALCOVE_TRY_ASSIGN(
            auto note,
            p_.UpdateNote(who.scope, Param(req, "id"), FormValue(form, "session_date"),
                          SectionsFromForm(form, practice::SectionsOf(format)), CallerOf(req)));
        return SeeOther("/clients/" + note.client_id);
      }),
      kRecordBody);
  router.Add("POST", "/clients/{id}/summaries",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
               const std::string id = Param(req, "id");
               std::optional<std::string> source;
               if (const std::string s = FormValue(form, "source_note_id"); !s.empty()) {
                 source = s;
               }
               auto s = p_.CreateSummary(who.scope, id, PhiString(FormValue(form, "text")), source,
                                         CallerOf(req));
               if (!s) {
                 if (s.error().code == ErrorCode::kInvalidArgument) {
                   return ClientPage(req, who, id, s.error().public_message, 400);
                 }
                 return ErrorResponse(req, &t_, s.error());
               }
               return SeeOther("/summaries/" + s->id);
             }),
             kRecordBody);
  router.Add("GET", "/summaries/{id}",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto s, p_.GetSummary(who.scope, Param(req, "id"), CallerOf(req)));
               ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                                 p_.GetClientInfo(who.scope, s.client_id));
               const std::string& alias = client.alias;
               TemplateData data;
               data.set("csrf_token", who.csrf_token);
               data.set("id", s.id);
               data.set("client_id", s.client_id);
               data.set("alias", alias);
               data.set("text", s.text.reveal());
               data.set("status", std::string(practice::SummaryStatusName(s.status)));
               if (s.status == practice::SummaryStatus::kDraft) {
                 data.set("draft", true);
               }
               return Response::Html(200, t_.RenderPage("summary", Title(alias, "Summary"), data));
             }));
  router.Add("POST", "/summaries/{id}",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
               ALCOVE_TRY_ASSIGN(auto s,
                                 p_.EditSummary(who.scope, Param(req, "id"),
                                                PhiString(FormValue(form, "text")), CallerOf(req)));
               return SeeOther("/summaries/" + s.id);
             }),
             kRecordBody);
  router.Add("POST", "/summaries/{id}/review",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto s,
                                 p_.ReviewSummary(who.scope, Param(req, "id"), CallerOf(req)));
               return SeeOther("/clients/" + s.client_id);
             }),
             kRecordBody);
  router.Add("POST", "/clients/{id}/conceptualizations",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
               const std::string id = Param(req, "id");
               auto c = p_.CreateConceptualization(
                   who.scope, id, SectionsFromForm(form, practice::kConceptualizationFields),
                   CallerOf(req));
               if (!c) {
                 if (c.error().code == ErrorCode::kInvalidArgument) {
                   return ClientPage(req, who, id, c.error().public_message, 400);
                 }
                 return ErrorResponse(req, &t_, c.error());
               }
               return SeeOther("/clients/" + id);
             }),
             kRecordBody);
  router.Add("GET", "/clients/{id}/export",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto e,
                                 p_.ExportClient(who.scope, Param(req, "id"), CallerOf(req)));
               TemplateData data;
               data.set("alias", e.record.client.alias);
               data.set("exported", FullTimeInWords(id_.clock.Now()));
               data.set("status", std::string(practice::StatusName(e.record.client.status)));
               data.set("profile", ProfileList(e.record.profile));
               TemplateData notes{TemplateData::type::list};
               for (const auto& n : e.notes) {
                 TemplateData item;
                 item.set("date", n.info.session_date);
                 item.set("format", std::string(practice::FormatName(n.info.format)));
                 item.set("sections", NamedTexts(n.content, false));
                 notes.push_back(item);
               }
               data.set("notes", notes);
               TemplateData summaries{TemplateData::type::list};
               for (const auto& s : e.summaries) {
                 TemplateData item;
                 item.set("date", Day(s.created_at));
                 item.set("status", std::string(practice::SummaryStatusName(s.status)));
                 item.set("text", s.text.reveal());
                 summaries.push_back(item);
               }
               data.set("summaries", summaries);
               TemplateData concepts{TemplateData::type::list};
               for (const auto& c : e.conceptualizations) {
                 TemplateData item;
                 item.set("version", std::to_string(c.version));
                 item.set("fields", NamedTexts(c.fields, false));
                 concepts.push_back(item);
               }
               data.set("concepts", concepts);
               return Response::Html(
                   200, t_.RenderPage("export", Title(e.record.client.alias, "Export"), data));
             }));
}

}  // namespace alcove::web::practice_routes
