// The CSV import's pages (docs/hours-import.md): the upload form (a file picker that
// web/static/hours-import.js sends to the API, and a text area that works without any
// script), the column-mapping form when the file's headers are not recognised, the
// preview with each row's problem next to it, and confirm / cancel. Titles are fixed
// words: nothing of the file is ever in one, nor in a URL.
#include <fmt/format.h>

#include "hours/csv.hpp"
#include "web/body.hpp"
#include "web/errors.hpp"
#include "web/hours/routes_internal.hpp"

namespace alcove::web::hours_routes {

using hours::ImportPreview;

namespace {

// A pasted file arrives form-encoded: up to three bytes a character.
const RouteOptions kPasteBody{.max_body_bytes = 3 * hours::kMaxImportBytes + 16 * 1024};
const RouteOptions kButtonBody{.max_body_bytes = 4 * 1024};
// The preview lists at most this many rows (every error is listed).
constexpr std::size_t kShownRows = 500;

std::string CategoryWords(hours::Category c) {
  switch (c) {
    case hours::Category::kIndividual:
      return "Individual";
    case hours::Category::kCouplesFamilyChildren:
      return "Couples, families, children";
    case hours::Category::kGroup:
      return "Group";
    case hours::Category::kSupervisionIndividual:
      return "Individual supervision";
    case hours::Category::kSupervisionTriadic:
      return "Triadic supervision";
    case hours::Category::kSupervisionGroup:
      return "Group supervision";
    case hours::Category::kTesting:
      return "Testing";
    case hours::Category::kNotesReports:
      return "Notes and reports";
    case hours::Category::kAdvocacy:
      return "Client-centered advocacy";
    case hours::Category::kWorkshop:
      return "Workshop or training";
    case hours::Category::kOtherNonclinical:
      return "Other nonclinical";
  }
  return "";
}

std::string LengthWords(std::int64_t minutes) {
  if (minutes < 60) {
    return fmt::format("{} min", minutes);
  }
  return minutes % 60 == 0 ? fmt::format("{} h", minutes / 60)
                           : fmt::format("{} h {} min", minutes / 60, minutes % 60);
}

std::string Plural(std::int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string FieldWords(std::string_view field) {
  for (const auto& f : hours::ImportFields()) {
    if (f.name == field) {
      return std::string(f.label);
    }
  }
  return std::string(field);
}

// What the upload page shows: the form as sent (the pasted text kept), the message, and
// the mapping form once the file's headers are known.
struct UploadState {
  std::string csv;
  std::string setting_id;
  std::string error;           // next to the text area
  std::vector<std::string> headers;
  hours::ColumnMapping mapping;
  std::vector<std::string> missing;
  std::string flash;           // after a confirmation or a cancellation
};

class ImportPages {
 public:
  ImportPages(hours::Hours& h, const Templates& t, const Clock& clock)
      : h_(h), t_(t), clock_(clock) {}

  Result<Response> Upload(const TherapistSession& who, const UploadState& s, int status) {
    TemplateData d;
    d.set("csrf_token", who.csrf_token);
    d.set("csv", s.csv);
    d.set("max_rows", "50,000");
    if (!s.error.empty()) {
      d.set("error", s.error);
    }
    if (!s.flash.empty()) {
      d.set("flash", s.flash);
    }
    ALCOVE_TRY_ASSIGN(const auto settings, h_.ListSettings(who.scope));
    TemplateData options = TemplateData::type::list;
    for (const auto& setting : settings) {
      TemplateData o;
      o.set("id", setting.id);
      o.set("name", setting.name);
      if (setting.id == s.setting_id) {
        o.set("selected", true);
      }
      options.push_back(o);
    }
    d.set("settings", options);
    if (!s.headers.empty()) {
      TemplateData fields = TemplateData::type::list;
      for (const auto& f : hours::ImportFields()) {
        const std::string name(f.name);
        const auto chosen = s.mapping.find(name);
        TemplateData field;
        field.set("name", name);
        field.set("label", std::string(f.label));
        const bool is_missing =
            std::find(s.missing.begin(), s.missing.end(), name) != s.missing.end();
        if (is_missing) {
          field.set("missing", true);
        }
        TemplateData choices = TemplateData::type::list;
        for (const auto& h : s.headers) {
          TemplateData c;
          c.set("header", h);
          if (chosen != s.mapping.end() && chosen->second == h) {
            c.set("selected", true);
          }
          choices.push_back(c);
        }
        field.set("choices", choices);
        if (chosen != s.mapping.end() && chosen->second == hours::kNoColumn) {
          field.set("none_selected", true);
        }
        fields.push_back(field);
      }
      d.set("mapping", fields);
      d.set("has_mapping", true);
      std::string words;
      for (std::size_t i = 0; i < s.missing.size(); ++i) {
        words += (i == 0 ? "" : i + 1 == s.missing.size() ? " and " : ", ") +
                 FieldWords(s.missing[i]);
      }
      d.set("missing_words", words);
    }
    d.set("hours_tabs", HoursTabs(t_, "/hours/import"));
    return Response::Html(status, t_.RenderPage("hours_import", "Import hours \xC2\xB7 Alcove", d));
  }

  Result<Response> Preview(const TherapistSession& who, const ImportPreview& p) {
    TemplateData d;
    d.set("csrf_token", who.csrf_token);
    d.set("id", p.id);
    d.set("row_count", Plural(static_cast<std::int64_t>(p.rows.size()), "row", "rows"));
    d.set("session_count",
          Plural(static_cast<std::int64_t>(p.rows.size()), "session", "sessions"));
    const Micros left = std::max<Micros>(p.expires_at - clock_.Now(), 0);
    const std::int64_t minutes = (left + 60 * kMicrosPerSecond - 1) / (60 * kMicrosPerSecond);
    d.set("expires_words", "in " + Plural(minutes, "minute", "minutes"));
    if (!p.errors.empty()) {
      d.set("error_count",
            Plural(static_cast<std::int64_t>(p.errors.size()), "row has", "rows have"));
    } else if (!p.rows.empty()) {
      d.set("can_confirm", true);
    }
    if (!p.new_settings.empty()) {
      TemplateData names = TemplateData::type::list;
      for (const auto& n : p.new_settings) {
        names.push_back(TemplateData("name", n));
      }
      d.set("new_settings", names);
      d.set("has_new_settings", true);
    }
    // Rows and errors by row number, each error next to its row.
    TemplateData lines = TemplateData::type::list;
    std::size_t r = 0;
    std::size_t e = 0;
    std::size_t shown = 0;
    while ((r < p.rows.size() && shown < kShownRows) || e < p.errors.size()) {
      const bool take_error =
          e < p.errors.size() && (r >= p.rows.size() || shown >= kShownRows ||
                                  p.errors[e].row < p.rows[r].row);
      TemplateData line;
      if (take_error) {
        line.set("row", std::to_string(p.errors[e].row));
        line.set("problem", p.errors[e].message);
        ++e;
      } else {
        const auto& row = p.rows[r++];
        ++shown;
        line.set("row", std::to_string(row.row));
        line.set("date", hours::DayText(row.date));
        line.set("length", LengthWords(row.minutes));
        line.set("category", CategoryWords(row.category));
        line.set("alias", row.alias.empty() ? std::string("—") : row.alias);
        std::string setting = row.setting;
        if (setting.empty()) {
          setting = "(default)";
        }
        line.set("setting", setting);
        std::string notes;
        if (row.telehealth) {
          notes += "Telehealth";
        }
        if (row.video) {
          notes += (notes.empty() ? "" : ", ") + std::string("By video");
        }
        if (row.group_size) {
          notes += (notes.empty() ? "" : ", ") + fmt::format("{} in the group", *row.group_size);
        }
        if (row.pre_degree) {
          notes += (notes.empty() ? "" : ", ") +
                   std::string(*row.pre_degree ? "pre-degree" : "post-degree");
        }
        line.set("notes", notes);
      }
      lines.push_back(line);
    }
    d.set("lines", lines);
    if (p.rows.size() > kShownRows) {
      d.set("more", fmt::format("The first {} of {} rows are shown; all of them are imported.",
                                kShownRows, p.rows.size()));
    }
    d.set("hours_tabs", HoursTabs(t_, "/hours/import"));
    return Response::Html(200, t_.RenderPage("hours_import_preview", "Check the import \xC2\xB7 Alcove", d));
  }

  hours::Hours& h_;
  const Templates& t_;
  const Clock& clock_;
};

}  // namespace

void AddImportPages(RouteKit& kit, hours::Hours& h, const Templates& templates,
                    const Clock& clock) {
  auto pages = std::make_shared<ImportPages>(h, templates, clock);
  // Refusals (no profile yet, a week closed since the preview) answer 409 as a page.
  auto page = [&templates](TherapistHandler f) {
    return ForTherapist(Refusing(std::move(f), &templates));
  };
  kit.Add("GET", "/hours/import",
          page([pages](Request& req, const TherapistSession& who) -> Result<Response> {
            UploadState s;
            if (auto n = req.QueryValue("imported"); n && !n->empty() &&
                n->find_first_not_of("0123456789") == std::string_view::npos) {
              s.flash = "Imported " + std::string(*n) + (*n == "1" ? " session." : " sessions.");
            } else if (req.QueryValue("cancelled")) {
              s.flash = "The import was cancelled; nothing of it was kept.";
            }
            return pages->Upload(who, s, 200);
          }));
  kit.Add("POST", "/hours/import",
          page([pages, &h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
            req.body.clear();
            UploadState s;
            s.setting_id = FormValue(fields, "setting_id");
            std::vector<std::pair<std::string, std::string>> pairs(fields.begin(), fields.end());
            s.mapping = MappingOf(pairs);
            auto csv_field = fields.find("csv");
            crypto::PhiString csv(csv_field == fields.end() ? std::string()
                                                            : std::move(csv_field->second));
            auto preview = h.StartImport(
                who.scope, csv, s.mapping,
                s.setting_id.empty() ? std::nullopt : std::optional<std::string>(s.setting_id),
                CallerOf(req));
            if (!preview) {
              if (preview.error().code != ErrorCode::kInvalidArgument &&
                  preview.error().code != ErrorCode::kNotFound) {
                return std::unexpected(preview.error());
              }
              // The text area keeps what was pasted (the page goes only to its author).
              s.csv = csv.reveal();
              s.error = preview.error().code == ErrorCode::kNotFound
                            ? "Choose one of your work settings."
                            : preview.error().public_message;
              return pages->Upload(who, s, 400);
            }
            if (!preview->missing.empty()) {
              s.csv = csv.reveal();
              s.headers = preview->headers;
              for (const auto& [field, header] : preview->mapping) {
                s.mapping.try_emplace(field, header);
              }
              s.missing = preview->missing;
              return pages->Upload(who, s, 422);
            }
            return Response::SeeOther("/hours/import/" + preview->id);
          }),
          kPasteBody);
  kit.Add("GET", "/hours/import/{id}",
          page([pages, &h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto preview, h.GetImport(who.scope, req.Param("id").value_or("")));
            return pages->Preview(who, preview);
          }));
  kit.Add("POST", "/hours/import/{id}/confirm",
          page([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(const auto n,
                              h.ConfirmImport(who.scope, req.Param("id").value_or(""),
                                              CallerOf(req)));
            return Response::SeeOther("/hours/import?imported=" + std::to_string(n));
          }),
          kButtonBody);
  kit.Add("POST", "/hours/import/{id}/cancel",
          page([&h](Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY(h.CancelImport(who.scope, req.Param("id").value_or(""), CallerOf(req)));
            return Response::SeeOther("/hours/import?cancelled=1");
          }),
          kButtonBody);
}

}  // namespace alcove::web::hours_routes
