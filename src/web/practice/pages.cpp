// The pages of practice records: no JavaScript needed; URLs and titles carry ids and
// aliases only.
#include <boost/json.hpp>

#include <algorithm>

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

constexpr std::size_t kClientsPerPage = 25;  // rows of one page of the client list

practice::ProfileFields ProfileFromForm(const FormFields& f) {
  practice::ProfileFields p;
  for (const auto& [key, field] :
       {std::pair{"preferred_name", &practice::ProfileFields::preferred_name},
        std::pair{"email", &practice::ProfileFields::email},
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

// The form field a refused profile change is about, from the internal messages of
// practice/clients.cpp and alias.cpp (never client content); "" when none is named.
std::string ProfileField(const Error& e) {
  const std::string_view m = e.internal;
  if (m.starts_with("client name")) {
    return "name";
  }
  if (m.starts_with("preferred name")) {
    return "preferred_name";
  }
  if (m.starts_with("date_of_birth")) {
    return "date_of_birth";
  }
  for (const std::string_view f : {"full_name", "email", "phone", "date_of_birth", "notes"}) {
    if (m == "profile field " + std::string(f) + " not acceptable") {
      return f == "full_name" ? "name" : std::string(f);
    }
  }
  return "";
}

// The refusal of a profile form: next to its field, or above the form.
void SetProfileError(TemplateData& data, const Error* error) {
  if (error == nullptr) {
    return;
  }
  if (const std::string field = ProfileField(*error); !field.empty()) {
    SetFieldErrors(data, {{field, error->public_message}});
  } else {
    data.set("error", error->public_message);
  }
}

constexpr std::string_view kTabs[] = {"overview", "notes", "summaries", "conceptualization"};

std::string NoteStatus(const practice::NoteInfo& n) {
  if (n.voided_at) {
    return "voided";
  }
  return n.signed_at ? "signed" : "not signed";
}

}  // namespace

Result<Response> PracticeRoutes::ClientPage(Request& req, const TherapistSession& who,
                                            const std::string& client_id, std::string_view tab,
                                            const std::string& error, const FormFields* kept,
                                            int status) {
  if (std::find(std::begin(kTabs), std::end(kTabs), tab) == std::end(kTabs)) {
    tab = "overview";
  }
  // One read, one audit event naming everything the page shows (C40).
  ALCOVE_TRY_ASSIGN(auto overview, p_.GetClientOverview(who.scope, client_id, 100, CallerOf(req)));
  ALCOVE_TRY_ASSIGN(auto drafts, p_.ListDrafts(who.scope, client_id));
  const practice::ClientRecord& record = overview.record;
  TemplateData data;
  data.set("csrf_token", who.csrf_token);
  data.set("id", record.client.id);
  data.set("alias", record.client.alias);
  // Inside the record the client has their name: the one they go by, else the full one.
  const auto& p = record.profile;
  const auto* shown = p.preferred_name && !p.preferred_name->reveal().empty() ? &p.preferred_name
                      : p.name && !p.name->reveal().empty()                   ? &p.name
                                                                              : nullptr;
  data.set("heading", shown != nullptr ? std::string((*shown)->reveal()) : record.client.alias);
  if (shown != nullptr) {
    data.set("show_alias", true);
  }
  data.set("status", std::string(practice::StatusName(record.client.status)));
  if (record.client.status == practice::ClientStatus::kArchived) {
    data.set("archived", true);
  }
  Flash(req, data);
  if (!error.empty()) {
    data.set("error", error);
  }
  TemplateData tabs{TemplateData::type::list};
  for (const auto t : kTabs) {
    TemplateData item;
    item.set("name", std::string(t));
    item.set("label", Capitalized(t));
    item.set("href", "/clients/" + record.client.id + "?tab=" + std::string(t));
    if (t == tab) {
      item.set("current", true);
    }
    tabs.push_back(item);
  }
  // What modules add (measures: the questionnaires' lines, a raised flag, their tab).
  TemplateData module_alerts{TemplateData::type::list};
  TemplateData module_parts{TemplateData::type::list};
  for (const ClientPageAddition& a :
       ClientPageAdditionsFor(id_, who.scope, record.client.id, CallerOf(req))) {
    for (const std::string& text : a.alerts) {
      TemplateData item;
      item.set("text", text);
      item.set("href", a.tab_href);
      module_alerts.push_back(item);
    }
    if (!a.tab_href.empty()) {
      TemplateData item;
      item.set("label", a.tab_label);
      item.set("href", a.tab_href);
      tabs.push_back(item);
    }
    if (!a.heading.empty()) {
      TemplateData part;
      part.set("heading", a.heading);
      part.set("href", a.tab_href);
      part.set("label", a.tab_label);
      TemplateData lines{TemplateData::type::list};
      for (const std::string& line : a.lines) {
        lines.push_back(TemplateData(line));
      }
      part.set("lines", lines);
      part.set("empty", a.lines.empty());
      module_parts.push_back(part);
    }
  }
  data.set("module_alerts", module_alerts);
  data.set("module_parts", module_parts);
  data.set("tabs", tabs);
  data.set("tab_" + std::string(tab), true);
  data.set("profile", ProfileList(record.profile));
  ALCOVE_TRY_ASSIGN(const auto when, p_.TimeWords(who.scope));  // the therapist's zone
  TemplateData draft_list{TemplateData::type::list};
  for (const auto& d : drafts) {
    TemplateData item;
    const bool note = d.target.starts_with("note:");
    const std::string ref = d.target.substr(d.target.find(':') + 1);
    item.set("what", note ? (ref == "new" ? "A new session note" : "Changes to a session note")
                          : (ref == "new" ? "A new summary" : "Changes to a summary"));
    item.set("when", when(d.saved_at));
    item.set("iso", FormatRfc3339(d.saved_at));
    item.set("href", note ? (ref == "new" ? "/clients/" + record.client.id + "/notes/new"
                                          : "/notes/" + ref + "/edit") +
                                "?restore=1"
                          : (ref == "new" ? "/clients/" + record.client.id + "?tab=summaries&restore=1"
                                          : "/summaries/" + ref + "?restore=1"));
    draft_list.push_back(item);
  }
  data.set("drafts", draft_list);
  TemplateData note_list{TemplateData::type::list};
  for (const auto& n : overview.notes) {
    TemplateData item;
    item.set("id", n.info.id);
    item.set("date", DayInWords(n.info.session_date));
    item.set("time", ClockInWords(n.info.session_time));
    if (n.info.duration_minutes > 0) {  // an empty string would show " min"
      item.set("duration", std::to_string(n.info.duration_minutes));
    }
    item.set("format", Capitalized(practice::FormatName(n.info.format)));
    item.set("state", NoteStatus(n.info));
    if (n.info.voided_at) {
      item.set("voided", true);
    }
    note_list.push_back(item);
  }
  data.set("notes", note_list);
  if (!overview.notes.empty()) {
    const practice::NoteInfo& last = overview.notes.front().info;
    TemplateData item;
    item.set("id", last.id);
    item.set("date", DayInWords(last.session_date));
    item.set("state", NoteStatus(last));
    data.set("last_note", item);
    data.set("has_notes", true);
  }
  if (!drafts.empty()) {
    data.set("has_drafts", true);
  }
  TemplateData summary_list{TemplateData::type::list};
  for (const auto& s : overview.summaries) {
    TemplateData item;
    item.set("id", s.id);
    item.set("text", s.text.reveal());
    item.set("status", std::string(practice::SummaryStatusName(s.status)));
    item.set("date", when(s.created_at));
    if (s.status == practice::SummaryStatus::kDraft) {
      item.set("draft", true);
    }
    summary_list.push_back(item);
  }
  data.set("summaries", summary_list);
  data.set("new_summary", kept != nullptr ? FormValue(*kept, "text") : "");
  TemplateData concept_fields{TemplateData::type::list};
  const auto& concepts = overview.conceptualizations;
  const practice::Conceptualization* latest = concepts.empty() ? nullptr : &concepts.front();
  for (std::size_t i = 0; i < std::size(practice::kConceptualizationFields); ++i) {
    TemplateData f;
    const std::string name(practice::kConceptualizationFields[i]);
    f.set("name", name);
    f.set("label", Capitalized(name));
    f.set("text", kept != nullptr    ? FormValue(*kept, "section_" + name)
                  : latest != nullptr ? std::string(latest->fields[i].second.reveal())
                                      : "");
    concept_fields.push_back(f);
  }
  data.set("concept", concept_fields);
  if (latest != nullptr) {
    data.set("concept_version", std::to_string(latest->version));
  }
  return Response::Html(status, t_.RenderPage("client", Title(record.client.alias, ""), data));
}

Result<Response> PracticeRoutes::ClientList(Request& req, const TherapistSession& who,
                                            const FormFields* kept, const Error* error,
                                            int status, const ClientListView& view) {
  ALCOVE_TRY_ASSIGN(auto query, ClientQueryFrom(view.q, view.status, std::nullopt, view.cursor));
  query.match_names = view.searched;  // names only from a POSTed form, never from a URL
  query.limit = kClientsPerPage;
  ALCOVE_TRY_ASSIGN(const practice::ClientPage page, p_.SearchClients(who.scope, query));
  ALCOVE_TRY_ASSIGN(const practice::PracticeSettings settings, p_.GetSettings(who.scope));
  ALCOVE_TRY_ASSIGN(const auto words, p_.TimeWords(who.scope));
  TemplateData data;
  data.set("csrf_token", who.csrf_token);
  Flash(req, data);
  if (settings.initials_only) {
    data.set("initials_only", true);
  }
  data.set("q", view.q);
  data.set("status", view.status);
  TemplateData filters{TemplateData::type::list};
  for (const auto& [value, label] : {std::pair{"all", "All"}, std::pair{"active", "Active"},
                                     std::pair{"archived", "Archived"}}) {
    TemplateData f;
    f.set("value", value);
    f.set("label", label);
    if (view.status == value) {
      f.set("current", true);
    }
    filters.push_back(f);
  }
  data.set("filters", filters);
  TemplateData items{TemplateData::type::list};
  for (const auto& c : page.clients) {
    TemplateData item;
    item.set("id", c.id);
    item.set("alias", c.alias);  // outside the record: the alias only (C50)
    item.set("last", c.last_session_date ? DayInWords(*c.last_session_date) : "—");
    item.set("next", c.next_appointment ? words(*c.next_appointment) : "—");
    if (c.status == practice::ClientStatus::kArchived) {
      item.set("archived", true);
    }
    items.push_back(item);
  }
  data.set("clients", items);
  if (page.clients.empty()) {
    data.set(view.searched || view.status != "all" || !view.cursor.empty() ? "none_found" : "empty",
             true);
  }
  if (page.next_after) {
    data.set("next_cursor", *page.next_after);
  }
  if (view.searched) {
    data.set("searched", true);
  }
  if (!view.cursor.empty()) {
    data.set("paged", true);
  }
  SetProfileError(data, error);
  for (const std::string_view k :
       {"name", "preferred_name", "email", "phone", "date_of_birth", "notes"}) {
    data.set("new_" + std::string(k), kept != nullptr ? FormValue(*kept, k) : "");
  }
  return Response::Html(status, t_.RenderPage("clients", "Clients · Alcove", data));
}

Result<Response> PracticeRoutes::ProfileEditor(Request& req, const TherapistSession& who,
                                               const std::string& client_id,
                                               const FormFields* kept, const Error* error,
                                               int status) {
  ALCOVE_TRY_ASSIGN(auto record, p_.GetClient(who.scope, client_id, CallerOf(req)));
  ALCOVE_TRY_ASSIGN(const practice::PracticeSettings settings, p_.GetSettings(who.scope));
  TemplateData data;
  data.set("csrf_token", who.csrf_token);
  data.set("id", record.client.id);
  data.set("alias", record.client.alias);
  if (settings.initials_only) {
    data.set("initials_only", true);
  }
  SetProfileError(data, error);
  const auto& p = record.profile;
  for (const auto& [key, field] :
       {std::pair{"name", &practice::ProfileFields::name},
        std::pair{"preferred_name", &practice::ProfileFields::preferred_name},
        std::pair{"email", &practice::ProfileFields::email},
        std::pair{"phone", &practice::ProfileFields::phone},
        std::pair{"date_of_birth", &practice::ProfileFields::date_of_birth},
        std::pair{"notes", &practice::ProfileFields::notes}}) {
    const auto& v = p.*field;
    data.set(key, kept != nullptr ? FormValue(*kept, key)
                  : v           ? std::string(v->reveal())
                                : std::string());
  }
  return Response::Html(status,
                        t_.RenderPage("client_edit", Title(record.client.alias, "Profile"), data));
}

Result<Response> PracticeRoutes::DeletePage(const TherapistSession& who,
                                            const std::string& client_id,
                                            const std::string& error, int status) {
  ALCOVE_TRY_ASSIGN(const practice::ClientListItem client, p_.GetClientInfo(who.scope, client_id));
  TemplateData data;
  data.set("csrf_token", who.csrf_token);
  data.set("id", client.id);
  data.set("alias", client.alias);
  if (client.status == practice::ClientStatus::kActive) {
    data.set("active", true);
  }
  if (!error.empty()) {
    data.set("confirm_error", error);
  }
  return Response::Html(status,
                        t_.RenderPage("client_delete", Title(client.alias, "Delete"), data));
}

void PracticeRoutes::AddPages(RouteKit& router) {
  // ---- Pages (no JavaScript needed; URLs and titles carry ids and aliases only) ----
  router.Add("GET", "/clients", Pg([this](Request& req, const TherapistSession& who) {
               // The filter and the page only: a search text comes by POST (C50).
               const ClientListView view{
                   .status = std::string(req.QueryValue("status").value_or("all")),
                   .cursor = std::string(req.QueryValue("cursor").value_or(""))};
               return ClientList(req, who, nullptr, nullptr, 200, view);
             }));
  router.Add(
      "POST", "/clients/search",
      Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
        const ClientListView view{.q = FormValue(form, "q"),
                            .status = FormValue(form, "status").empty() ? "all"
                                                                        : FormValue(form, "status"),
                            .cursor = FormValue(form, "cursor"),
                            .searched = true};
        return ClientList(req, who, nullptr, nullptr, 200, view);
      }),
      kRecordBody);
  router.Add(
      "POST", "/clients", Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
        auto c = p_.CreateClient(who.scope, PhiString(FormValue(form, "name")),
                                 ProfileFromForm(form), CallerOf(req));
        if (!c) {
          if (c.error().code != ErrorCode::kInvalidArgument) {
            return ErrorResponse(req, &t_, c.error());
          }
          return ClientList(req, who, &form, &c.error(), 400);
        }
        return Saved("/clients/" + c->id, "client_added");
      }),
      kRecordBody);
  router.Add("GET", "/clients/{id}",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               const std::string id = Param(req, "id");
               const std::string tab(req.QueryValue("tab").value_or("overview"));
               // The kept draft of a new summary, into its form.
               if (tab == "summaries" && req.QueryValue("restore")) {
                 ALCOVE_TRY_ASSIGN(auto draft,
                                   p_.OpenDraft(who.scope, id, "summary:new", CallerOf(req)));
                 if (draft) {
                   const FormFields kept = ValuesOfDraft(*draft);
                   return ClientPage(req, who, id, tab, "", &kept, 200);
                 }
               }
               return ClientPage(req, who, id, tab, "", nullptr, 200);
             }));
  router.Add("GET", "/clients/{id}/edit",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               return ProfileEditor(req, who, Param(req, "id"), nullptr, nullptr, 200);
             }));
  router.Add(
      "POST", "/clients/{id}/edit",
      Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
        ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                          p_.GetClientInfo(who.scope, Param(req, "id")));
        // An empty name field changes nothing (in initials-only mode none is shown).
        const PhiString name(FormValue(form, "name"));
        auto done = p_.UpdateClient(who.scope, client.id,
                                    name.reveal().empty() ? nullptr : &name, ProfileFromForm(form),
                                    std::nullopt, CallerOf(req));
        if (!done) {
          if (done.error().code != ErrorCode::kInvalidArgument) {
            return ErrorResponse(req, &t_, done.error());
          }
          return ProfileEditor(req, who, client.id, &form, &done.error(), 400);
        }
        return Saved("/clients/" + client.id, "profile_saved");
      }),
      kRecordBody);
  // Archive first: the record stays, the client leaves the active list.
  auto set_status = [this](practice::ClientStatus status, std::string_view code) {
    return Pg([this, status, code](Request& req, const TherapistSession& who) -> Result<Response> {
      const std::string id = Param(req, "id");
      ALCOVE_TRY(p_.UpdateClient(who.scope, id, nullptr, {}, status, CallerOf(req)));
      return Saved("/clients/" + id, code);
    });
  };
  router.Add("POST", "/clients/{id}/archive",
             set_status(practice::ClientStatus::kArchived, "client_archived"));
  router.Add("POST", "/clients/{id}/unarchive",
             set_status(practice::ClientStatus::kActive, "client_unarchived"));
  // Deleting asks on a page of its own, says what goes and that it cannot be undone.
  router.Add("GET", "/clients/{id}/delete",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               return DeletePage(who, Param(req, "id"), "", 200);
             }));
  router.Add("POST", "/clients/{id}/delete",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
               ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                                 p_.GetClientInfo(who.scope, Param(req, "id")));
               if (FormValue(form, "confirm") != "yes") {
                 return DeletePage(who, client.id,
                                   "Tick the box to confirm that everything of this client goes.",
                                   400);
               }
               ALCOVE_TRY(p_.DeleteClient(who.scope, client.id, CallerOf(req)));
               return Saved("/clients", "client_deleted");
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
                   return ClientPage(req, who, id, "conceptualization", c.error().public_message,
                                     &form, 400);
                 }
                 return ErrorResponse(req, &t_, c.error());
               }
               return Saved("/clients/" + id + "?tab=conceptualization", "concept_saved");
             }),
             kRecordBody);
  router.Add("GET", "/clients/{id}/export",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto e,
                                 p_.ExportClient(who.scope, Param(req, "id"), CallerOf(req)));
               TemplateData data;
               data.set("alias", e.record.client.alias);
               ALCOVE_TRY_ASSIGN(const auto when, p_.TimeWords(who.scope));
               data.set("exported", when(id_.clock.Now()));
               data.set("status", std::string(practice::StatusName(e.record.client.status)));
               data.set("profile", ProfileList(e.record.profile));
               TemplateData notes{TemplateData::type::list};
               for (const auto& n : e.notes) {
                 TemplateData item;
                 item.set("date", DayInWords(n.info.session_date));
                 item.set("format", std::string(practice::FormatName(n.info.format)));
                 item.set("sections", NamedTexts(n.content, false));
                 notes.push_back(item);
               }
               data.set("notes", notes);
               TemplateData summaries{TemplateData::type::list};
               for (const auto& s : e.summaries) {
                 TemplateData item;
                 item.set("date", when(s.created_at));
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
