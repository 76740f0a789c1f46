// The weekly logs: one per week and work setting, newest first, with the status in words
// (a returned week shows the supervisor's comment, which is sealed and read through
// Hours::ReturnComment), totals, checks, the "changed after signing" marker, and the
// Submit and Withdraw buttons.
#include <fmt/format.h>

#include <algorithm>

#include "web/errors.hpp"
#include "web/hours/page_kit.hpp"
#include "web/hours/pages_internal.hpp"
#include "web/page_words.hpp"

namespace alcove::web::hours_pages {

using hours::Day;
using hours::WeekStatus;

namespace {

constexpr int kWeeksPerPage = 26;

std::string_view StatusClass(WeekStatus s) {
  switch (s) {
    case WeekStatus::kDraft:
      return "draft";
    case WeekStatus::kSubmitted:
      return "submitted";
    case WeekStatus::kSigned:
      return "signed";
    case WeekStatus::kReturned:
      return "returned";
  }
  return "";
}

// Where the buttons of the page return: the same page of weeks.
std::string BackTo(const std::string& before) {
  return hours::ParseDay(before) ? "/hours/weeks?before=" + before : "/hours/weeks";
}

}  // namespace

Result<Response> HoursPages::WeeksPage(Request& req, const TherapistSession& who,
                                       const Associate& a, const std::string& error, int status) {
  // The page: kWeeksPerPage weeks ending with the week before `before` (default: the
  // weeks up to this one).
  const auto before = hours::ParseDay(req.QueryValue("before").value_or(""));
  const Day last =
      before ? hours::WeekStart(*before) - std::chrono::days(7) : hours::WeekStart(a.today);
  const Day first = last - std::chrono::days(7 * (kWeeksPerPage - 1));
  ALCOVE_TRY_ASSIGN(auto weeks, h_.ListWeeks(who.scope, first, last));
  std::stable_sort(weeks.begin(), weeks.end(),
                   [](const auto& x, const auto& y) { return x.week_start > y.week_start; });
  TemplateData d;
  d.set("csrf_token", who.csrf_token);
  Flash(req, d);
  if (!error.empty()) {
    d.set("error", error);
  }
  d.set("from", DateWords(first));
  d.set("to", DateWords(last));
  d.set("earlier", hours::DayText(first));
  if (before) {
    const Day later_before = last + std::chrono::days(7 * (kWeeksPerPage + 1));
    d.set("later", later_before > hours::WeekStart(a.today)
                       ? std::string("/hours/weeks")
                       : "/hours/weeks?before=" + hours::DayText(later_before));
    d.set("before", hours::DayText(*before));
  }
  // The supervisors a week can go to; without one the page says where to invite one.
  ALCOVE_TRY_ASSIGN(const auto supervisors, s_.Supervisors(who.scope));
  // A week goes to a supervisor of every setting or of the week's own.
  const auto options_for = [&supervisors](const std::string& setting_id) {
    std::vector<TemplateData> options;
    for (const auto& sv : supervisors) {
      if (!sv.setting_id.empty() && sv.setting_id != setting_id) {
        continue;
      }
      TemplateData o;
      o.set("id", sv.link_id);
      o.set("name", sv.name);
      options.push_back(o);
    }
    return options;
  };
  const bool has_supervisors = !supervisors.empty();
  d.set("has_supervisors", has_supervisors);
  d.set("no_supervisors", !has_supervisors);
  int drafts = 0;
  int waiting = 0;
  int returned = 0;
  int changed = 0;
  std::vector<TemplateData> rows;
  for (const auto& w : weeks) {
    TemplateData r;
    r.set("id", w.id);
    r.set("week", DateWords(w.week_start));
    r.set("week_start", hours::DayText(w.week_start));
    r.set("setting", w.setting_name);
    r.set("setting_id", w.setting_id);
    r.set("status", std::string(StatusWords(w.status)));
    r.set("status_class", std::string(StatusClass(w.status)));
    r.set("direct", HoursNumber(w.totals.direct));
    r.set("nonclinical", HoursNumber(w.totals.nonclinical));
    r.set("supervision",
          HoursNumber(w.totals.supervision_individual_triadic + w.totals.supervision_group));
    r.set("total", HoursNumber(w.totals.total));
    if (w.amended) {
      r.set("amended", true);
    }
    switch (w.status) {
      case WeekStatus::kDraft:
        ++drafts;
        r.set("can_submit", true);
        break;
      case WeekStatus::kReturned:
        ++returned;
        r.set("can_submit", true);
        break;
      case WeekStatus::kSubmitted:
        ++waiting;
        r.set("can_withdraw", true);
        break;
      case WeekStatus::kSigned:
        // Changed after signing: it goes to the supervisor again.
        if (w.amended) {
          ++changed;
          r.set("can_submit", true);
        }
        break;
    }
    auto options = options_for(w.setting_id);
    r.set("has_supervisors", !options.empty());
    r.set("supervisors", List(std::move(options)));
    // The signature (C42): who, when, and whether the week still matches what was signed.
    if (w.signed_sha256) {
      auto shown = s_.GetSignature(who.scope, w.id, false);
      if (shown) {
        TemplateData sig;
        sig.set("by", shown->supervisor_name.empty() ? std::string("your supervisor")
                                                     : shown->supervisor_name);
        sig.set("when", FullTimeInWords(shown->signature.signed_at));
        sig.set("matches", shown->signature.matches);
        sig.set("sha", shown->signature.content_sha256);
        r.set("signature", sig);
      } else if (shown.error().code != ErrorCode::kNotFound) {
        return std::unexpected(shown.error());
      }
    }
    if (w.status == WeekStatus::kReturned && w.has_comment) {
      ALCOVE_TRY_ASSIGN(auto comment, h_.ReturnComment(who.scope, w.id));
      r.set("comment", std::string(comment.reveal()));
    }
    std::vector<TemplateData> checks;
    for (const auto& c : w.checks) {
      TemplateData i;
      i.set("words", c.words);
      i.set("problem", c.level == hours::Check::Level::kProblem);
      checks.push_back(i);
    }
    r.set("has_checks", !checks.empty());
    r.set("checks", List(std::move(checks)));
    rows.push_back(r);
  }
  d.set("has_weeks", !rows.empty());
  d.set("weeks", List(std::move(rows)));
  std::vector<std::string> counts;
  if (drafts > 0) {
    counts.push_back(fmt::format("{} draft{}", drafts, drafts == 1 ? "" : "s"));
  }
  if (returned > 0) {
    counts.push_back(fmt::format("{} returned with a comment", returned));
  }
  if (changed > 0) {
    counts.push_back(fmt::format("{} changed after signing", changed));
  }
  if (waiting > 0) {
    counts.push_back(fmt::format("{} waiting for a signature", waiting));
  }
  std::string summary;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    summary += (i == 0 ? "" : i + 1 == counts.size() ? " and " : ", ") + counts[i];
  }
  if (!summary.empty()) {
    d.set("open_summary", "Open on this page: " + summary + ".");
  }
  return Page(status, "hours_weeks", "Weekly logs", "/hours/weeks", d);
}

void HoursPages::AddWeeksPages(RouteKit& kit) {
  kit.Add("GET", "/hours/weeks",
          ForAssociate([this](Request& req, const TherapistSession& who, const Associate& a) {
            return WeeksPage(req, who, a, "", 200);
          }));
  for (const std::string action : {"submit", "withdraw"}) {
    kit.Add("POST", "/hours/weeks/{id}/" + action,
            ForAssociate(
                [this, action](Request& req, const TherapistSession& who,
                               const Associate& a) -> Result<Response> {
                  ALCOVE_TRY_ASSIGN(auto fields, FormBody(req));
                  const std::string id(req.Param("id").value_or(""));
                  // To the supervisor picked (a signing link is mailed), or, for an
                  // associate with none yet, only marked submitted.
                  const std::string supervisor = FormValue(fields, "supervisor_id");
                  auto done = action == "withdraw"
                                  ? s_.Withdraw(who.scope, id, CallerOf(req))
                              : supervisor.empty()
                                  ? h_.SubmitWeek(who.scope, id, std::nullopt, CallerOf(req))
                                  : s_.Submit(who.scope, id, supervisor, CallerOf(req));
                  if (done) {
                    return Saved(BackTo(FormValue(fields, "before")),
                                 action == "submit" ? "week_submitted" : "week_withdrawn");
                  }
                  if (done.error().code != ErrorCode::kFailedPrecondition) {
                    return std::unexpected(done.error());  // 404 for another tenant's week
                  }
                  return WeeksPage(req, who, a, done.error().public_message, 409);
                },
                true),
            kFormBody);
  }
}

}  // namespace alcove::web::hours_pages
