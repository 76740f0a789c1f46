// Weekly logs as PDF (issue #15; docs/hours-forms.md): one week, or the weeks of one
// work setting in a range, in the layout of the Board's weekly log (forms/).
#include <fmt/format.h>

#include <chrono>

#include "forms/verification_pdf.hpp"
#include "forms/weekly_log_pdf.hpp"
#include "store/ids.hpp"
#include "web/hours/json.hpp"
#include "web/hours/routes_internal.hpp"
#include "web/hours/verification.hpp"

namespace alcove::web::hours_routes {
namespace {

// Rendering is blocking work: it runs on the worker pool (runs_inline false).
const RouteOptions kPdfRoute{.max_body_bytes = 0, .runs_inline = false};
constexpr auto kMaxRange = std::chrono::days(3 * 366);  // as ListWeeks

std::unexpected<Error> Bad(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "hours pdf request malformed", std::move(message));
}

forms::WeekLine LineOf(const hours::WeeklyLog& w, const std::string& verify_url) {
  forms::WeekLine line{.week_start = w.week_start, .status = w.status, .totals = w.totals};
  forms::SignatureBlock& s = line.signature;
  s.signed_ = w.status == hours::WeekStatus::kSigned || w.signed_sha256.has_value();
  s.signed_at = w.signed_at;
  s.signed_sha256 = w.signed_sha256.value_or("");
  s.content_sha256 = w.content_sha256;
  s.matches = s.signed_ && !w.amended && s.signed_sha256 == w.content_sha256;
  s.verify_url = verify_url;
  return line;
}

// Pre-degree when the whole week lies before the degree date (the Board wants separate
// logs for pre- and post-degree hours).
bool PreDegree(const hours::Profile& p, hours::Day week) {
  return week + std::chrono::days(7) <= p.degree_date;
}

Response PdfResponse(std::string bytes, const std::string& file_name) {
  Response res = Response::Text(200, std::move(bytes), "application/pdf");
  res.headers.Set("Content-Disposition", "attachment; filename=\"" + file_name + "\"");
  res.headers.Set("Cache-Control", "no-store");
  return res;
}

}  // namespace

void AddPdfRoutes(RouteKit& kit, IdentityServices& identity, hours::Hours& h,
                  const hours::SupervisorDirectory& supervisors, hours::Signing& signing,
                  hours::SummarySigning& summaries) {
  // A signed week's line names who signed it (the latest signature's supervisor), and
  // the form names the supervisor of its last signed week.
  auto signed_line = [&signing](const TherapistSession& who, const hours::WeeklyLog& w,
                                const std::string& verify_url,
                                forms::WeeklyLogForm& form) -> Status {
    forms::WeekLine line = LineOf(w, verify_url);
    if (line.signature.signed_) {
      ALCOVE_TRY_ASSIGN(auto shown, signing.GetSignature(who.scope, w.id, /*with_receipt=*/false));
      line.signature.signer = shown.supervisor_name;
      form.supervisor_name = shown.supervisor_name;
    }
    form.weeks.push_back(std::move(line));
    return {};
  };
  const std::string verify_url = identity.identity.options().public_origin + "/verify";
  auto form_of = [&identity, &h](const TherapistSession& who,
                                 const hours::WeeklyLog& first) -> Result<forms::WeeklyLogForm> {
    ALCOVE_TRY_ASSIGN(auto profile, h.GetProfile(who.scope));
    if (!profile) {
      return Fail(ErrorCode::kNotFound, "hours pdf: no profile", "No such weekly log.");
    }
    ALCOVE_TRY_ASSIGN(auto account, identity.identity.GetProfile(who.scope.principal()));
    return forms::WeeklyLogForm{.track = profile->track,
                                .associate_name = account.name,
                                .registration_number = profile->registration_number,
                                .setting_name = first.setting_name,
                                .pre_degree = PreDegree(*profile, first.week_start)};
  };

  kit.Add("GET", "/api/v1/hours/weeks/{id}/pdf",
          ForTherapist(Refusing([&h, form_of, signed_line, verify_url](
                                    Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto week,
                              h.GetWeek(who.scope, std::string(req.Param("id").value_or(""))));
            ALCOVE_TRY_ASSIGN(auto form, form_of(who, week));
            ALCOVE_TRY(signed_line(who, week, verify_url, form));
            ALCOVE_TRY_ASSIGN(auto pdf, forms::RenderWeeklyLog(form));
            return PdfResponse(std::move(pdf),
                               "weekly-log-" + hours::DayText(week.week_start) + ".pdf");
          })),
          kPdfRoute);

  kit.Add("GET", "/api/v1/hours/weeks/pdf",
          ForTherapist(Refusing([&h, form_of, signed_line, verify_url](
                                    Request& req, const TherapistSession& who) -> Result<Response> {
            ALCOVE_TRY_ASSIGN(auto from, hours_json::DayParam(req.QueryValue("from"), "from"));
            ALCOVE_TRY_ASSIGN(auto to, hours_json::DayParam(req.QueryValue("to"), "to"));
            const std::string setting(req.QueryValue("setting_id").value_or(""));
            if (setting.empty()) {
              return Bad("Say which work setting: `setting_id` (each setting has its own log).");
            }
            if (to < from) {
              return Bad("`to` must not be before `from`.");
            }
            if (to - from > kMaxRange) {
              return Bad("A document holds at most three years of weeks; choose a shorter range.");
            }
            ALCOVE_TRY(h.GetSetting(who.scope, setting));  // another tenant's: 404
            ALCOVE_TRY_ASSIGN(auto weeks, h.ListWeeks(who.scope, hours::WeekStart(from), to));
            std::erase_if(weeks, [&](const hours::WeeklyLog& w) { return w.setting_id != setting; });
            if (weeks.empty()) {
              return Fail(ErrorCode::kNotFound, "hours pdf: no weeks in range",
                          "There are no weekly logs of that setting in that range.");
            }
            ALCOVE_TRY_ASSIGN(auto form, form_of(who, weeks.front()));
            for (const auto& w : weeks) {
              ALCOVE_TRY(signed_line(who, w, verify_url, form));
            }
            ALCOVE_TRY_ASSIGN(auto pdf, forms::RenderWeeklyLog(form));
            return PdfResponse(std::move(pdf), fmt::format("weekly-logs-{}-to-{}.pdf",
                                                           hours::DayText(hours::WeekStart(from)),
                                                           hours::DayText(to)));
          })),
          kPdfRoute);

  // The experience-verification summary of one supervisor link (docs/hours-forms.md),
  // with the supervisor's signature when one signed exactly this content.
  kit.Add("GET", "/api/v1/hours/verification/pdf",
          ForTherapist(Refusing([&h, &identity, &supervisors, &summaries, verify_url](
                                    Request& req, const TherapistSession& who)
                                    -> Result<Response> {
            const std::string link(req.QueryValue("supervisor_id").value_or(""));
            std::optional<hours::Day> from;
            std::optional<hours::Day> to;
            for (const auto& [key, out] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
              if (const auto text = req.QueryValue(key); text && !text->empty()) {
                ALCOVE_TRY_ASSIGN(*out, hours_json::DayParam(text, key));
              }
            }
            ALCOVE_TRY(h.ListSettings(who.scope));  // no profile: 409 no_profile
            if (link.empty()) {
              return Bad("Say which supervisor: `supervisor_id`, the link's id.");
            }
            if (!store::IsValidId(link)) {
              return Fail(ErrorCode::kNotFound, "verification: not an id", "No such supervisor.");
            }
            ALCOVE_TRY_ASSIGN(const auto supervisor, supervisors.active(who.scope.tenant(), link));
            ALCOVE_TRY_ASSIGN(auto summary,
                              BuildSummary(h, identity.identity, who.scope, supervisor, from, to,
                                           identity.clock.Now(), verify_url));
            ALCOVE_TRY(NoteSignature(summary, summaries, who.scope, supervisor.link_id));
            ALCOVE_TRY_ASSIGN(auto pdf, forms::RenderVerification(summary.form));
            return PdfResponse(std::move(pdf),
                               fmt::format("experience-verification-{}-to-{}.pdf",
                                           hours::DayText(summary.form.first_week),
                                           hours::DayText(summary.form.last_week)));
          })),
          kPdfRoute);
}

}  // namespace alcove::web::hours_routes
