#pragma once

// The practice routes' shared parts (api.cpp, pages.cpp); not an interface.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "practice/practice.hpp"
#include "web/body.hpp"
#include "web/route_kit.hpp"
#include "web/router.hpp"
#include "web/session_auth.hpp"
#include "web/templates.hpp"

namespace alcove::web::practice_routes {

using crypto::PhiString;
using practice::NoteFormat;
using practice::Sections;

// ---- Shared by the pages (page_kit.cpp) ----
Response SeeOther(std::string location);
// The redirect after a save: the next page confirms it in the words of `code` (one of
// page_kit.cpp's fixed list; never client content), e.g. Saved("/notes/x", "note_saved").
Response Saved(std::string location, std::string_view code);
// The confirmation the request's ?done= asks for, as data["flash"] (nothing if unknown).
void Flash(const Request& req, TemplateData& data);
// "Alias · what · Alcove": titles carry aliases only (C50).
std::string Title(std::string_view alias, std::string_view what);
std::string Capitalized(std::string_view name);
TemplateData NamedTexts(const Sections& sections, bool skip_empty);
TemplateData ProfileList(const practice::ProfileFields& p);
// {"errors": {field: message}} pieces: data[field + "_error"] = message.
using FieldErrors = std::map<std::string, std::string>;
// A draft's fields as form values.
FormFields ValuesOfDraft(const practice::Draft& draft);
void SetFieldErrors(TemplateData& data, const FieldErrors& errors);

// An editor's state: every value as typed (so that an error or a format switch keeps
// all of it) and what is wrong with it.
struct EditorState {
  std::string client_id;
  std::string alias;
  std::string target;  // the draft target: "note:new", "note:<id>", "summary:<id>"
  std::string action;  // where the form posts
  std::optional<std::int64_t> version;  // of the note being edited
  FormFields values;
  FieldErrors field_errors;
  std::string error;  // not tied to one field
  bool restored = false;
};

// Notes and summaries may be long; everything else is small.
inline const RouteOptions kRecordBody{.max_body_bytes = 512 * 1024, .runs_inline = false};

// Which page of the client list: a search typed in a POSTed form, the status filter and
// the cursor of GET links (a name is never in a URL, C50).
struct ClientListView {
  std::string q;               // from the POSTed search form only
  std::string status = "all";  // active, archived or all
  std::string cursor;
  bool searched = false;  // the answer to POST /clients/search
};

class PracticeRoutes final : public RouteSet {
 public:
  PracticeRoutes(IdentityServices& identity, practice::Practice& practice,
                 const Templates& templates)
      : id_(identity), p_(practice), t_(templates) {}

  // API.md § Clients and records (api.cpp) and the pages (pages.cpp).
  void AddApi(RouteKit& router);
  void AddPages(RouteKit& router);
  // Notes: editor, page, history, sign, addenda, void; drafts (note_pages.cpp, note_api.cpp).
  void AddNotePages(RouteKit& router);
  void AddNoteApi(RouteKit& router);
  void AddSummaryPages(RouteKit& router);  // summary_pages.cpp

 private:
  // Every records route is the therapist's alone (C31).
  static SessionRoute Api(TherapistHandler h) { return ForTherapist(std::move(h)); }
  static SessionRoute Pg(TherapistHandler h) { return ForTherapist(std::move(h)); }
  std::string Param(const Request& req, std::string_view name) {
    return std::string(req.Param(name).value_or(""));
  }

  // The client's page, one tab of it ("overview", "notes", "summaries",
  // "conceptualization"); `kept` holds the values of a form that failed, shown again.
  Result<Response> ClientPage(Request& req, const TherapistSession& who,
                              const std::string& client_id, std::string_view tab,
                              const std::string& error, const FormFields* kept, int status);
  // The client list with the new-client form (`kept`: its values after a refusal).
  // `error`, when given, shows next to the field it is about (or above the form).
  // `view`: which page of the list.
  Result<Response> ClientList(Request& req, const TherapistSession& who, const FormFields* kept,
                              const Error* error, int status, const ClientListView& view = {});
  Result<Response> ProfileEditor(Request& req, const TherapistSession& who,
                                 const std::string& client_id, const FormFields* kept,
                                 const Error* error, int status);
  Result<Response> DeletePage(const TherapistSession& who, const std::string& client_id,
                              const std::string& error, int status);
  // The note editor for `state`; offers the caller's draft of the target unless restored.
  Result<Response> NoteEditor(const TherapistSession& who, EditorState state, int status);
  // With ?restore=1: the caller's draft of st->target into st->values (audited read).
  Status RestoreDraft(Request& req, const TherapistSession& who, EditorState* st);
  // With switch_format=<format> in the form: the editor again in that format, every text
  // kept (and kept as the draft); nullopt for a save.
  std::optional<Result<Response>> SwitchFormat(const TherapistSession& who,
                                               const FormFields& form, EditorState* st);
  // Draft offer {when, iso, restore_href, target} when the caller has one for `target`.
  Result<std::optional<TemplateData>> DraftOffer(const TherapistSession& who,
                                                 const std::string& client_id,
                                                 const std::string& target,
                                                 const std::string& restore_href);
  // A note's own page: content, signature, addenda, void; `kept` and `errors` for the
  // addendum and void forms when one was refused.
  Result<Response> NotePage(Request& req, const TherapistSession& who,
                            const std::string& note_id, const FormFields* kept,
                            const FieldErrors& errors, int status);
  Result<Response> SummaryPage(Request& req, const TherapistSession& who,
                               const std::string& summary_id, const FormFields* kept,
                               const FieldErrors& errors, int status);

  IdentityServices& id_;
  practice::Practice& p_;
  const Templates& t_;
};

}  // namespace alcove::web::practice_routes
