// Small pieces every practice page uses: redirects that confirm a save, titles, times,
// lists of sections and profile fields, field errors.
#include <utility>

#include "core/clock.hpp"
#include "web/page_flash.hpp"
#include "web/practice/routes_internal.hpp"

namespace alcove::web::practice_routes {
namespace {

// What the page after a save says. Fixed words only: the code is in the URL, so no
// client content may ever be one (C50).
constexpr std::pair<std::string_view, std::string_view> kDone[] = {
    {"client_added", "Client added."},
    {"profile_saved", "Profile saved."},
    {"client_archived",
     "Client archived. Their future appointments are cancelled; you can make them active "
     "again at any time."},
    {"client_unarchived", "Client is active again."},
    {"client_deleted", "Client deleted. Their records and key are destroyed."},
    {"note_saved", "Note saved."},
    {"note_signed", "Note signed and locked."},
    {"note_voided", "Note voided. It stays in the record, struck through."},
    {"note_deleted", "Note deleted."},
    {"addendum_saved", "Addendum saved."},
    {"summary_saved", "Summary saved."},
    {"summary_reviewed", "Summary saved and marked as reviewed."},
    {"concept_saved", "Conceptualization saved as a new version."},
    {"draft_discarded", "Draft discarded."},
};

}  // namespace

Response SeeOther(std::string location) { return Response::SeeOther(std::move(location)); }

Response Saved(std::string location, std::string_view code) {
  return SavedRedirect(std::move(location), code);
}

void Flash(const Request& req, TemplateData& data) { SetFlash(req, data, kDone); }

std::string Title(std::string_view alias, std::string_view what) {
  return std::string(alias) + (what.empty() ? "" : " · " + std::string(what)) + " · Alcove";
}

std::string Capitalized(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') {
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  }
  return out;
}

TemplateData NamedTexts(const Sections& sections, bool skip_empty) {
  TemplateData out{TemplateData::type::list};
  for (const auto& [name, text] : sections) {
    if (skip_empty && text.reveal().empty()) {
      continue;
    }
    TemplateData s;
    s.set("name", name);
    s.set("label", Capitalized(name));
    s.set("text", text.reveal());
    out.push_back(s);
  }
  return out;
}

TemplateData ProfileList(const practice::ProfileFields& p) {
  TemplateData out{TemplateData::type::list};
  for (const auto& [label, field] :
       {std::pair{"Full name", &practice::ProfileFields::name},
        std::pair{"Preferred name", &practice::ProfileFields::preferred_name},
        std::pair{"Email", &practice::ProfileFields::email},
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

FormFields ValuesOfDraft(const practice::Draft& draft) {
  FormFields out;
  for (const auto& [k, v] : draft.fields) {
    out[k] = std::string(v.reveal());
  }
  return out;
}

void SetFieldErrors(TemplateData& data, const FieldErrors& errors) {
  for (const auto& [field, message] : errors) {
    data.set(field + "_error", message);
  }
  if (!errors.empty()) {
    data.set("has_field_errors", true);
  }
}

}  // namespace alcove::web::practice_routes
