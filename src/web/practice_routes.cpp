#include "web/practice_routes.hpp"

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/route_kit.hpp"
#include "web/templates.hpp"

namespace alcove::web {
namespace {

namespace json = boost::json;
using crypto::PhiString;
using practice::NoteFormat;
using practice::Sections;

// Notes and summaries may be long; everything else is small.
const RouteOptions kRecordBody{.max_body_bytes = 512 * 1024, .runs_inline = false};

Response SeeOther(std::string location) {
  Response res = Response::Text(303, "See " + location + "\n");
  res.headers.Set("Location", std::move(location));
  return res;
}

std::string Day(Micros t) { return FormatRfc3339(t).substr(0, 10); }

json::value Text(const std::optional<PhiString>& v) {
  return v ? json::value(json::string(v->reveal())) : json::value();
}

json::object SectionsJson(const Sections& sections) {
  json::object out;
  for (const auto& [name, text] : sections) {
    out[name] = json::string(text.reveal());
  }
  return out;
}

json::object ClientJson(const practice::ClientListItem& c) {
  json::object o{{"id", c.id},
                 {"alias", c.alias},
                 {"status", practice::StatusName(c.status)},
                 {"created_at", FormatRfc3339(c.created_at)}};
  o["last_session_date"] = c.last_session_date ? json::value(*c.last_session_date) : json::value();
  return o;
}

json::object NoteJson(const practice::Note& n) {
  return json::object{{"id", n.info.id},
                      {"client_id", n.info.client_id},
                      {"session_date", n.info.session_date},
                      {"format", practice::FormatName(n.info.format)},
                      {"version", n.info.version},
                      {"created_at", FormatRfc3339(n.info.created_at)},
                      {"updated_at", FormatRfc3339(n.info.updated_at)},
                      {"content", SectionsJson(n.content)}};
}

json::object SummaryJson(const practice::Summary& s) {
  json::object o{{"id", s.id},
                 {"client_id", s.client_id},
                 {"status", practice::SummaryStatusName(s.status)},
                 {"created_at", FormatRfc3339(s.created_at)},
                 {"updated_at", FormatRfc3339(s.updated_at)},
                 {"text", json::string(s.text.reveal())}};
  o["source_note_id"] = s.source_note_id ? json::value(*s.source_note_id) : json::value();
  o["supersedes"] = s.supersedes ? json::value(*s.supersedes) : json::value();
  o["reviewed_at"] = s.reviewed_at ? json::value(FormatRfc3339(*s.reviewed_at)) : json::value();
  return o;
}

json::object ConceptJson(const practice::Conceptualization& c) {
  json::object o{{"id", c.id},
                 {"client_id", c.client_id},
                 {"version", c.version},
                 {"created_at", FormatRfc3339(c.created_at)}};
  for (const auto& [name, text] : c.fields) {
    o[name] = json::string(text.reveal());
  }
  return o;
}

// The sections of a JSON note body: an object of section -> string, or (free format) a
// string.
Result<Sections> SectionsFromJson(const json::value* v, NoteFormat format) {
  Sections out;
  if (v == nullptr || v->is_null()) {
    return out;
  }
  if (v->is_string() && format == NoteFormat::kFree) {
    out.emplace_back("text", PhiString(std::string(v->as_string())));
    return out;
  }
  if (!v->is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "note content is not an object",
                "`content` must be an object of section names to text.");
  }
  for (const auto& [k, val] : v->as_object()) {
    if (!val.is_string()) {
      return Fail(ErrorCode::kInvalidArgument, "note section is not a string",
                  "Each section of `content` must be a string.");
    }
    out.emplace_back(std::string(k), PhiString(std::string(val.as_string())));
  }
  return out;
}

// Optional string members of a JSON object as PHI.
Result<std::optional<PhiString>> PhiMember(const json::object& o, std::string_view key) {
  ALCOVE_TRY_ASSIGN(auto v, OptionalString(o, key));
  if (!v) {
    return std::optional<PhiString>();
  }
  return std::optional<PhiString>(PhiString(std::move(*v)));
}

Result<practice::ProfileFields> ProfileFromJson(const json::object& o) {
  practice::ProfileFields p;
  for (const auto& [key, field] :
       {std::pair{"email", &practice::ProfileFields::email},
        std::pair{"phone", &practice::ProfileFields::phone},
        std::pair{"date_of_birth", &practice::ProfileFields::date_of_birth},
        std::pair{"notes", &practice::ProfileFields::notes}}) {
    ALCOVE_TRY_ASSIGN(auto v, PhiMember(o, key));
    p.*field = std::move(v);
  }
  return p;
}

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

class PracticeRoutes final : public RouteSet {
 public:
  PracticeRoutes(IdentityServices& identity, practice::Practice& practice,
                 const Templates& templates)
      : id_(identity), p_(practice), t_(templates) {}

  void Add(RouteKit& router);

 private:
  // Every records route is the therapist's alone (C31).
  static SessionRoute Api(TherapistHandler h) { return ForTherapist(std::move(h)); }
  static SessionRoute Pg(TherapistHandler h) { return ForTherapist(std::move(h)); }
  std::string Param(const Request& req, std::string_view name) {
    return std::string(req.Param(name).value_or(""));
  }

  Result<Response> ClientPage(Request& req, const TherapistSession& who,
                              const std::string& client_id, const std::string& error, int status);
  Response NoteEditor(const TherapistSession& who, const std::string& client_id,
                      const std::string& alias, NoteFormat format, const practice::Note* existing,
                      const std::string& error, int status);

  IdentityServices& id_;
  practice::Practice& p_;
  const Templates& t_;
};

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
  TemplateData profile{TemplateData::type::list};
  for (const auto& [label, field] :
       {std::pair{"Email", &practice::ProfileFields::email},
        std::pair{"Phone", &practice::ProfileFields::phone},
        std::pair{"Date of birth", &practice::ProfileFields::date_of_birth},
        std::pair{"Notes", &practice::ProfileFields::notes}}) {
    const auto& v = record->profile.*field;
    if (v && !v->reveal().empty()) {
      TemplateData item;
      item.set("label", label);
      item.set("value", v->reveal());
      profile.push_back(item);
    }
  }
  data.set("profile", profile);
  TemplateData note_list{TemplateData::type::list};
  for (const auto& n : *notes) {
    TemplateData item;
    item.set("id", n.info.id);
    item.set("date", n.info.session_date);
    item.set("format", std::string(practice::FormatName(n.info.format)));
    item.set("version", std::to_string(n.info.version));
    TemplateData sections{TemplateData::type::list};
    for (const auto& [name, text] : n.content) {
      if (text.reveal().empty()) {
        continue;
      }
      TemplateData s;
      s.set("name", name);
      s.set("text", text.reveal());
      sections.push_back(s);
    }
    item.set("sections", sections);
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

void PracticeRoutes::Add(RouteKit& router) {
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
             Api([this](Request&, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto list, p_.ListClients(who.scope));
               json::array out;
               for (const auto& c : list) {
                 out.push_back(ClientJson(c));
               }
               return JsonResponse(200, out);
             }));
  router.Add("GET", "/api/v1/clients/{id}",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto r, p_.GetClient(who.scope, Param(req, "id"), CallerOf(req)));
               json::object o = ClientJson(r.client);
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
        ALCOVE_TRY_ASSIGN(auto note, p_.CreateNote(who.scope, Param(req, "id"), *date, *format,
                                                   std::move(sections), CallerOf(req)));
        return JsonResponse(201, json::object{{"id", note.id}, {"version", note.version}});
      }),
      kRecordBody);
  router.Add("GET", "/api/v1/clients/{id}/notes",
             Api([this](Request& req, const TherapistSession& who) -> Result<Response> {
               std::size_t limit = 50;
               if (auto l = req.QueryValue("limit")) {
                 const int n = std::atoi(std::string(*l).c_str());
                 if (n < 1 || n > 500) {
                   return ErrorResponse(req, &t_, 400, "invalid_argument",
                                        "`limit` must be a number from 1 to 500.");
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
               if (content != nullptr && !content->is_null()) {
                 ALCOVE_TRY_ASSIGN(const practice::NoteInfo info, p_.GetNoteInfo(who.scope, id));
                 ALCOVE_TRY_ASSIGN(auto s, SectionsFromJson(content, info.format));
                 sections = std::move(s);
               }
               ALCOVE_TRY_ASSIGN(auto note, p_.UpdateNote(who.scope, id, std::move(date),
                                                          std::move(sections), CallerOf(req)));
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

  // ---- Pages (no JavaScript needed; URLs and titles carry ids and aliases only) ----
  router.Add("GET", "/clients",
             Pg([this](Request&, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto list, p_.ListClients(who.scope));
               TemplateData data;
               data.set("csrf_token", who.csrf_token);
               TemplateData items{TemplateData::type::list};
               for (const auto& c : list) {
                 TemplateData item;
                 item.set("id", c.id);
                 item.set("alias", c.alias);
                 item.set("last", c.last_session_date.value_or("—"));
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
               data.set("exported", FormatRfc3339(id_.clock.Now()));
               data.set("status", std::string(practice::StatusName(e.record.client.status)));
               TemplateData profile{TemplateData::type::list};
               for (const auto& [label, field] :
                    {std::pair{"Email", &practice::ProfileFields::email},
                     std::pair{"Phone", &practice::ProfileFields::phone},
                     std::pair{"Date of birth", &practice::ProfileFields::date_of_birth},
                     std::pair{"Notes", &practice::ProfileFields::notes}}) {
                 const auto& v = e.record.profile.*field;
                 if (v && !v->reveal().empty()) {
                   TemplateData item;
                   item.set("label", label);
                   item.set("value", v->reveal());
                   profile.push_back(item);
                 }
               }
               data.set("profile", profile);
               TemplateData notes{TemplateData::type::list};
               for (const auto& n : e.notes) {
                 TemplateData item;
                 item.set("date", n.info.session_date);
                 item.set("format", std::string(practice::FormatName(n.info.format)));
                 TemplateData sections{TemplateData::type::list};
                 for (const auto& [name, text] : n.content) {
                   TemplateData s;
                   s.set("name", name);
                   s.set("text", text.reveal());
                   sections.push_back(s);
                 }
                 item.set("sections", sections);
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
                 TemplateData fields{TemplateData::type::list};
                 for (const auto& [name, text] : c.fields) {
                   TemplateData f;
                   f.set("name", name);
                   f.set("text", text.reveal());
                   fields.push_back(f);
                 }
                 item.set("fields", fields);
                 concepts.push_back(item);
               }
               data.set("concepts", concepts);
               return Response::Html(
                   200, t_.RenderPage("export", Title(e.record.client.alias, "Export"), data));
             }));
}

}  // namespace

std::unique_ptr<RouteSet> AddPracticeRoutes(RouteKit& router, IdentityServices& identity,
                                            practice::Practice& practice,
                                            const Templates& templates) {
  auto routes = std::make_unique<PracticeRoutes>(identity, practice, templates);
  routes->Add(router);
  return routes;
}

}  // namespace alcove::web
