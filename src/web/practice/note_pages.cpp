// The note pages: the editor (drafts, format switch that keeps the text, errors next to
// their fields, one note per form), a note's page (sign, addenda, void) and its history.
// No JavaScript needed; web/static/drafts.js only adds the autosave.
#include <charconv>

#include "store/ids.hpp"
#include "web/errors.hpp"
#include "web/practice/routes.hpp"
#include "web/page_words.hpp"
#include "web/practice/routes_internal.hpp"

namespace alcove::web::practice_routes {
namespace {

constexpr NoteFormat kFormats[] = {NoteFormat::kSoap, NoteFormat::kDap, NoteFormat::kBirp,
                                   NoteFormat::kFree};
// The fields of a note editor besides its sections (they go into its draft too).
constexpr std::string_view kNoteFields[] = {"format", "session_date", "session_time",
                                            "duration_minutes", "form_token"};

std::string FormatLabel(NoteFormat f) {
  switch (f) {
    case NoteFormat::kSoap:
      return "SOAP";
    case NoteFormat::kDap:
      return "DAP";
    case NoteFormat::kBirp:
      return "BIRP";
    case NoteFormat::kFree:
      break;
  }
  return "Free text";
}

NoteFormat FormatOf(const FormFields& values) {
  return practice::FormatFromName(FormValue(values, "format")).value_or(NoteFormat::kSoap);
}

Sections SectionsFrom(const FormFields& values, NoteFormat format) {
  Sections out;
  for (const auto name : practice::SectionsOf(format)) {
    out.emplace_back(std::string(name), PhiString(FormValue(values, "section_" + std::string(name))));
  }
  return out;
}

// The values the editor form posts (nothing else of the request: no token, no buttons).
FormFields EditorValues(const FormFields& form) {
  FormFields out;
  for (const auto& [k, v] : form) {
    const bool known = k.starts_with("section_") || k == "text" ||
                       std::find(std::begin(kNoteFields), std::end(kNoteFields), k) !=
                           std::end(kNoteFields);
    if (known) {
      out[k] = v;
    }
  }
  return out;
}

FormFields ValuesOf(const practice::Note& n) {
  FormFields out{{"format", std::string(practice::FormatName(n.info.format))},
                 {"session_date", n.info.session_date},
                 {"session_time", n.info.session_time},
                 {"duration_minutes",
                  n.info.duration_minutes > 0 ? std::to_string(n.info.duration_minutes) : ""}};
  for (const auto& [name, text] : n.content) {
    out["section_" + name] = std::string(text.reveal());
  }
  return out;
}

// The editor's values after switching to `to`: the text of every section is kept
// (practice::ConvertSections).
void ConvertValues(FormFields& values, NoteFormat to) {
  const NoteFormat from = FormatOf(values);
  const Sections converted = practice::ConvertSections(SectionsFrom(values, from), to);
  for (const auto name : practice::SectionsOf(from)) {
    values.erase("section_" + std::string(name));
  }
  for (const auto& [name, text] : converted) {
    values["section_" + name] = std::string(text.reveal());
  }
  values["format"] = std::string(practice::FormatName(to));
}

Sections DraftFields(const FormFields& values) {
  Sections out;
  for (const auto& [k, v] : values) {
    if (!v.empty()) {
      out.emplace_back(k, PhiString(std::string(v)));
    }
  }
  return out;
}

// The session's date, time and length from the form; the problem (with its field) if any.
std::optional<practice::FieldProblem> SessionFromForm(const FormFields& form,
                                                      practice::SessionTime* session) {
  session->date = FormValue(form, "session_date");
  session->time = FormValue(form, "session_time");
  const std::string minutes = FormValue(form, "duration_minutes");
  session->minutes = 0;
  if (!minutes.empty()) {
    const auto [end, ec] =
        std::from_chars(minutes.data(), minutes.data() + minutes.size(), session->minutes);
    if (ec != std::errc() || end != minutes.data() + minutes.size() || session->minutes < 1) {
      return practice::FieldProblem{"duration_minutes", "Enter the length in whole minutes."};
    }
  }
  return practice::CheckSessionTime(*session);
}

}  // namespace

Result<std::optional<TemplateData>> PracticeRoutes::DraftOffer(const TherapistSession& who,
                                                               const std::string& client_id,
                                                               const std::string& target,
                                                               const std::string& restore_href) {
  ALCOVE_TRY_ASSIGN(auto drafts, p_.ListDrafts(who.scope, client_id));
  ALCOVE_TRY_ASSIGN(const auto when, p_.TimeWords(who.scope));  // the therapist's zone
  for (const auto& d : drafts) {
    if (d.target == target) {
      TemplateData offer;
      offer.set("when", when(d.saved_at));
      offer.set("iso", FormatRfc3339(d.saved_at));
      offer.set("restore_href", restore_href);
      offer.set("target", target);
      offer.set("back", restore_href.substr(0, restore_href.find('?')));
      return std::optional<TemplateData>(offer);
    }
  }
  return std::optional<TemplateData>();
}

Status PracticeRoutes::RestoreDraft(Request& req, const TherapistSession& who,
                                    EditorState* st) {
  if (!req.QueryValue("restore")) {
    return {};
  }
  ALCOVE_TRY_ASSIGN(auto draft, p_.OpenDraft(who.scope, st->client_id, st->target, CallerOf(req)));
  if (draft) {
    for (auto& [k, v] : ValuesOfDraft(*draft)) {
      st->values[k] = std::move(v);
    }
    st->restored = true;
  }
  return {};
}

std::optional<Result<Response>> PracticeRoutes::SwitchFormat(const TherapistSession& who,
                                                             const FormFields& form,
                                                             EditorState* st) {
  const auto to = practice::FormatFromName(FormValue(form, "switch_format"));
  if (!to) {
    return std::nullopt;
  }
  ConvertValues(st->values, *to);
  // Kept as the draft as well (a switch is not a save); a refusal (a field over its
  // limit) shows on the save.
  (void)p_.SaveDraft(who.scope, st->client_id, st->target, DraftFields(st->values));
  st->restored = true;
  return NoteEditor(who, std::move(*st), 200);
}

Result<Response> PracticeRoutes::NoteEditor(const TherapistSession& who, EditorState st,
                                            int status) {
  const NoteFormat format = FormatOf(st.values);
  TemplateData data;
  data.set("csrf_token", who.csrf_token);
  data.set("client_id", st.client_id);
  data.set("alias", st.alias);
  data.set("action", st.action);
  data.set("target", st.target);
  data.set("format", std::string(practice::FormatName(format)));
  for (const std::string_view k : {"session_date", "session_time", "duration_minutes",
                                   "form_token"}) {
    data.set(std::string(k), FormValue(st.values, k));
  }
  if (st.version) {
    data.set("editing", true);
    data.set("version", std::to_string(*st.version));
  }
  if (!st.error.empty()) {
    data.set("error", st.error);
  }
  SetFieldErrors(data, st.field_errors);
  if (st.restored) {
    data.set("restored", true);
  } else {
    const std::string editor = st.version ? "/notes/" + st.target.substr(5) + "/edit"
                                          : "/clients/" + st.client_id + "/notes/new";
    ALCOVE_TRY_ASSIGN(auto offer, DraftOffer(who, st.client_id, st.target, editor + "?restore=1"));
    if (offer) {
      data.set("draft_offer", *offer);
    }
  }
  TemplateData formats{TemplateData::type::list};
  for (const auto f : kFormats) {
    TemplateData item;
    item.set("name", std::string(practice::FormatName(f)));
    item.set("label", FormatLabel(f));
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
    s.set("label", format == NoteFormat::kFree ? std::string("Note") : Capitalized(name));
    s.set("prompt", std::string(practice::SectionPrompt(format, name)));
    s.set("text", FormValue(st.values, "section_" + std::string(name)));
    sections.push_back(s);
  }
  data.set("sections", sections);
  return Response::Html(status, t_.RenderPage("note_edit", Title(st.alias, "Session note"), data));
}

Result<Response> PracticeRoutes::NotePage(Request& req, const TherapistSession& who,
                                          const std::string& note_id, const FormFields* kept,
                                          const FieldErrors& errors, int status) {
  ALCOVE_TRY_ASSIGN(auto note, p_.GetNote(who.scope, note_id, CallerOf(req)));
  ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                    p_.GetClientInfo(who.scope, note.info.client_id));
  ALCOVE_TRY_ASSIGN(const auto when, p_.TimeWords(who.scope));  // the therapist's zone
  const practice::NoteInfo& n = note.info;
  TemplateData data;
  data.set("csrf_token", who.csrf_token);
  data.set("id", n.id);
  data.set("client_id", n.client_id);
  data.set("alias", client.alias);
  data.set("date", DayInWords(n.session_date));
  // Only when given: an empty string is a true section in mustache ("· · minutes").
  if (!n.session_time.empty()) {
    data.set("time", ClockInWords(n.session_time));
  }
  if (n.duration_minutes > 0) {
    data.set("duration", std::to_string(n.duration_minutes));
  }
  data.set("format", FormatLabel(n.format));
  data.set("version", std::to_string(n.version));
  data.set("sections", NamedTexts(note.content, false));
  Flash(req, data);
  SetFieldErrors(data, errors);
  if (kept != nullptr) {
    data.set("addendum_text", FormValue(*kept, "addendum_text"));
    data.set("void_reason", FormValue(*kept, "void_reason"));
  }
  if (n.signed_at) {
    data.set("signed", when(*n.signed_at));
    data.set("signed_iso", FormatRfc3339(*n.signed_at));
  }
  if (n.voided_at) {
    data.set("voided", when(*n.voided_at));
    data.set("voided_iso", FormatRfc3339(*n.voided_at));
    data.set("reason", note.void_reason ? std::string(note.void_reason->reveal()) : "");
  } else {
    data.set("can_void", true);
    data.set(n.signed_at ? "can_addend" : "can_edit", true);
  }
  TemplateData addenda{TemplateData::type::list};
  for (const auto& a : note.addenda) {
    TemplateData item;
    item.set("when", when(a.created_at));
    item.set("iso", FormatRfc3339(a.created_at));
    item.set("text", a.text.reveal());
    addenda.push_back(item);
  }
  data.set("addenda", addenda);
  if (!note.addenda.empty()) {
    data.set("has_addenda", true);
  }
  return Response::Html(status, t_.RenderPage("note", Title(client.alias, "Session note"), data));
}

void PracticeRoutes::AddNotePages(RouteKit& router) {
  router.Add(
      "GET", "/clients/{id}/notes/new",
      Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                          p_.GetClientInfo(who.scope, Param(req, "id")));
        // ?appointment= from the schedule: the session's date, time (local) and length,
        // when it is an appointment of this client; anything else is ignored.
        EditorState st{.client_id = client.id,
                       .alias = client.alias,
                       .target = "note:new",
                       .action = "/clients/" + client.id + "/notes"};
        ALCOVE_TRY(RestoreDraft(req, who, &st));
        if (!st.restored) {
          const auto format = practice::FormatFromName(req.QueryValue("format").value_or("soap"))
                                  .value_or(NoteFormat::kSoap);
          st.values["format"] = std::string(practice::FormatName(format));
          ALCOVE_TRY_ASSIGN(st.values["session_date"], p_.LocalDay(who.scope, id_.clock.Now()));
          if (const auto appointment = req.QueryValue("appointment")) {
            ALCOVE_TRY_ASSIGN(const auto session,
                              p_.SessionOfAppointment(who.scope, client.id, *appointment));
            if (session) {
              st.values["session_date"] = session->date;
              st.values["session_time"] = session->time;
              st.values["duration_minutes"] = std::to_string(session->minutes);
            }
          }
        }
        if (FormValue(st.values, "form_token").empty()) {
          st.values["form_token"] = store::NewId();
        }
        return NoteEditor(who, std::move(st), 200);
      }));
  router.Add(
      "POST", "/clients/{id}/notes",
      Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
        ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                          p_.GetClientInfo(who.scope, Param(req, "id")));
        EditorState st{.client_id = client.id,
                       .alias = client.alias,
                       .target = "note:new",
                       .action = "/clients/" + client.id + "/notes",
                       .values = EditorValues(form)};
        if (auto switched = SwitchFormat(who, form, &st)) {
          return std::move(*switched);
        }
        practice::SessionTime session;
        if (auto problem = SessionFromForm(form, &session)) {
          st.field_errors[problem->field] = problem->message;
          return NoteEditor(who, std::move(st), 400);
        }
        const NoteFormat format = FormatOf(st.values);
        auto note = p_.CreateNote(who.scope, client.id,
                                  practice::NewNote{.session = session,
                                                    .format = format,
                                                    .content = SectionsFrom(st.values, format),
                                                    .form_token = FormValue(form, "form_token")},
                                  CallerOf(req));
        if (!note) {
          if (note.error().code != ErrorCode::kInvalidArgument) {
            return ErrorResponse(req, &t_, note.error());
          }
          st.error = note.error().public_message;
          return NoteEditor(who, std::move(st), 400);
        }
        return Saved("/notes/" + note->id, "note_saved");
      }),
      kRecordBody);
  router.Add("GET", "/notes/{id}",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               return NotePage(req, who, Param(req, "id"), nullptr, {}, 200);
             }));
  router.Add(
      "GET", "/notes/{id}/edit",
      Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto note, p_.GetNote(who.scope, Param(req, "id"), CallerOf(req)));
        if (note.info.signed_at || note.info.voided_at) {
          return SeeOther("/notes/" + note.info.id);  // locked: the note page says why
        }
        ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                          p_.GetClientInfo(who.scope, note.info.client_id));
        EditorState st{.client_id = client.id,
                       .alias = client.alias,
                       .target = "note:" + note.info.id,
                       .action = "/notes/" + note.info.id,
                       .version = note.info.version,
                       .values = ValuesOf(note)};
        ALCOVE_TRY(RestoreDraft(req, who, &st));
        return NoteEditor(who, std::move(st), 200);
      }));
  router.Add(
      "POST", "/notes/{id}",
      Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
        ALCOVE_TRY_ASSIGN(const practice::NoteInfo info, p_.GetNoteInfo(who.scope, Param(req, "id")));
        ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                          p_.GetClientInfo(who.scope, info.client_id));
        EditorState st{.client_id = client.id,
                       .alias = client.alias,
                       .target = "note:" + info.id,
                       .action = "/notes/" + info.id,
                       .version = info.version,
                       .values = EditorValues(form)};
        if (auto switched = SwitchFormat(who, form, &st)) {
          return std::move(*switched);
        }
        practice::SessionTime session;
        if (auto problem = SessionFromForm(form, &session)) {
          st.field_errors[problem->field] = problem->message;
          return NoteEditor(who, std::move(st), 400);
        }
        const NoteFormat format = FormatOf(st.values);
        auto note = p_.UpdateNote(who.scope, info.id,
                                  practice::NoteEdit{.session_date = session.date,
                                                     .session_time = session.time,
                                                     .duration_minutes = session.minutes,
                                                     .format = format,
                                                     .content = SectionsFrom(st.values, format)},
                                  CallerOf(req));
        if (!note) {
          if (note.error().code != ErrorCode::kInvalidArgument &&
              note.error().code != ErrorCode::kFailedPrecondition &&
              note.error().code != ErrorCode::kConflict) {
            return ErrorResponse(req, &t_, note.error());
          }
          st.error = note.error().public_message;
          return NoteEditor(who, std::move(st), HttpStatusFor(note.error().code));
        }
        return Saved("/notes/" + info.id, "note_saved");
      }),
      kRecordBody);
  router.Add("POST", "/notes/{id}/sign",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto n, p_.SignNote(who.scope, Param(req, "id"), CallerOf(req)));
               return Saved("/notes/" + n.id, "note_signed");
             }));
  // The addendum and void forms: a refused one shows the note again, the text kept.
  auto note_text = [this](bool addendum) {
    return Pg([this, addendum](Request& req, const TherapistSession& who) -> Result<Response> {
      const std::string field = addendum ? "addendum_text" : "void_reason";
      ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
      ALCOVE_TRY_ASSIGN(const practice::NoteInfo info, p_.GetNoteInfo(who.scope, Param(req, "id")));
      const PhiString text(FormValue(form, field));
      Status done;
      if (addendum) {
        if (auto a = p_.AddAddendum(who.scope, info.id, text, CallerOf(req)); !a) {
          done = std::unexpected(a.error());
        }
      } else {
        done = p_.VoidNote(who.scope, info.id, text, CallerOf(req));
      }
      if (!done) {
        if (done.error().code != ErrorCode::kInvalidArgument) {
          return ErrorResponse(req, &t_, done.error());
        }
        return NotePage(req, who, info.id, &form, {{field, done.error().public_message}}, 400);
      }
      return Saved("/notes/" + info.id, addendum ? "addendum_saved" : "note_voided");
    });
  };
  router.Add("POST", "/notes/{id}/addenda", note_text(true), kRecordBody);
  router.Add("POST", "/notes/{id}/void", note_text(false), kRecordBody);
  router.Add("GET", "/notes/{id}/history",
             Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
               ALCOVE_TRY_ASSIGN(auto versions,
                                 p_.NoteHistory(who.scope, Param(req, "id"), CallerOf(req)));
               ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                                 p_.GetClientInfo(who.scope, versions.front().info.client_id));
               ALCOVE_TRY_ASSIGN(const auto when, p_.TimeWords(who.scope));
               TemplateData data;
               data.set("id", versions.front().info.id);
               data.set("client_id", client.id);
               data.set("alias", client.alias);
               TemplateData list{TemplateData::type::list};
               // Newest first: the current version heads the page.
               for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
                 TemplateData v;
                 v.set("version", std::to_string(it->info.version));
                 v.set("date", DayInWords(it->info.session_date));
                 v.set("saved", when(it->info.updated_at));
                 v.set("iso", FormatRfc3339(it->info.updated_at));
                 v.set("sections", NamedTexts(it->content, true));
                 list.push_back(v);
               }
               data.set("versions", list);
               return Response::Html(
                   200, t_.RenderPage("note_history", Title(client.alias, "Note history"), data));
             }));
  router.Add(
      "POST", "/clients/{id}/drafts/discard",
      Pg([this](Request& req, const TherapistSession& who) -> Result<Response> {
        ALCOVE_TRY_ASSIGN(auto form, FormBody(req));
        ALCOVE_TRY_ASSIGN(const practice::ClientListItem client,
                          p_.GetClientInfo(who.scope, Param(req, "id")));
        ALCOVE_TRY(p_.DiscardDraft(who.scope, client.id, FormValue(form, "target")));
        // Back to the editor the offer was on (a path of ours only), else the client.
        std::string back = FormValue(form, "back");
        const bool ours = (back.starts_with("/clients/") || back.starts_with("/notes/") ||
                           back.starts_with("/summaries/")) &&
                          back.find_first_of("?#\\") == std::string::npos;
        return Saved(ours ? back : "/clients/" + client.id, "draft_discarded");
      }));
}

}  // namespace alcove::web::practice_routes
