#include "web/hours/verification.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "web/hours/page_kit.hpp"

namespace alcove::web::hours_routes {
namespace {

// ListWeeks and ListSessions answer at most three years at a time.
constexpr auto kChunk = std::chrono::days(3 * 365);

std::unexpected<Error> Bad(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "verification request malformed", std::move(message));
}

}  // namespace

Result<forms::VerificationForm> BuildVerification(hours::Hours& h,
                                                  const identity::TherapistScope& who,
                                                  const hours::ActiveSupervisor& supervisor,
                                                  const VerificationRequest& request) {
  ALCOVE_TRY_ASSIGN(const auto settings, h.ListSettings(who));  // no_profile first
  ALCOVE_TRY_ASSIGN(const auto stored, h.GetProfile(who));
  if (!stored) {
    return Fail(ErrorCode::kNotFound, "verification: no profile", "No such supervisor.");
  }
  const hours::Profile& profile = *stored;
  const hours::Day from =
      hours::WeekStart(request.from.value_or(profile.registration_date.value_or(profile.degree_date)));
  const hours::Day to = request.to.value_or(request.today);
  if (to < from) {
    return Bad("`to` must not be before `from`.");
  }
  if (to - from > kMaxVerificationRange) {
    return Bad("A summary covers at most seven years; choose a shorter period.");
  }

  std::vector<hours::WeeklyLog> weeks;
  for (hours::Day start = from; start <= to; start += kChunk + std::chrono::days(1)) {
    const hours::Day end = std::min(to, start + kChunk);
    ALCOVE_TRY_ASSIGN(auto part, h.ListWeeks(who, start, end));
    for (auto& w : part) {
      const bool submitted_to_link = w.supervisor_id == supervisor.link_id;
      const bool of_link_setting = !w.supervisor_id && !supervisor.setting_id.empty() &&
                                   w.setting_id == supervisor.setting_id;
      if (submitted_to_link || of_link_setting) {
        weeks.push_back(std::move(w));
      }
    }
  }
  if (weeks.empty()) {
    return Fail(ErrorCode::kNotFound, "verification: no weeks of the supervisor",
                "There are no weekly logs of this supervisor in that period.");
  }

  // The sessions of those weeks only (a week is one setting's).
  std::set<std::pair<std::string, hours::Day>> keys;
  for (const auto& w : weeks) {
    keys.emplace(w.setting_id, w.week_start);
  }
  const hours::Day first = weeks.front().week_start;
  const hours::Day last_day = weeks.back().week_start + std::chrono::days(6);
  std::vector<hours::SessionLog> sessions;
  for (hours::Day start = first; start <= last_day; start += kChunk + std::chrono::days(1)) {
    const hours::Day end = std::min(last_day, start + kChunk);
    ALCOVE_TRY_ASSIGN(auto part, h.ListSessions(who, start, end));
    for (auto& s : part) {
      if (keys.contains({s.setting_id, hours::WeekStart(s.date)})) {
        sessions.push_back(std::move(s));
      }
    }
  }
  std::vector<hours::SettingRef> refs;
  std::map<std::string, const hours::Setting*> by_id;
  for (const auto& s : settings) {
    refs.push_back(hours::SettingRef{.id = s.id,
                                     .name = s.name,
                                     .exempt = s.exempt,
                                     .supervisor_license = s.supervisor_license});
    by_id.emplace(s.id, &s);
  }
  const hours::Progress progress =
      hours::Evaluate(hours::RulesFor(profile.track), profile, refs, sessions, to);

  forms::VerificationForm form{.track = profile.track,
                               .associate_name = request.associate_name,
                               .registration_number = profile.registration_number,
                               .supervisor_name = supervisor.name,
                               .first_week = first,
                               .last_week = weeks.back().week_start,
                               .logged_minutes = progress.logged_minutes,
                               .credited_minutes = progress.credited_minutes,
                               .weeks_supervised = progress.weeks_supervised,
                               .weeks_individual_triadic = progress.weeks_individual_triadic,
                               .weekly_logs = static_cast<std::int64_t>(weeks.size()),
                               .prepared_at = request.now,
                               .verify_url = request.verify_url};
  std::set<std::string> names;
  std::set<hours::SupervisorLicense> licenses;
  std::int64_t by_category[hours::kCategoryCount] = {};
  for (const auto& w : weeks) {
    if (auto it = by_id.find(w.setting_id); it != by_id.end()) {
      names.insert(it->second->name);
      licenses.insert(it->second->supervisor_license);
    }
    for (int c = 0; c < hours::kCategoryCount; ++c) {
      by_category[c] += w.totals.by_category[c];
    }
    const bool is_signed = w.status == hours::WeekStatus::kSigned || w.signed_sha256.has_value();
    if (is_signed) {
      ++form.signed_logs;
      if (w.amended || w.signed_sha256 != w.content_sha256) {
        ++form.signed_changed;
      }
    }
  }
  form.settings.assign(names.begin(), names.end());
  std::string license;
  for (const auto l : licenses) {
    if (l != hours::SupervisorLicense::kUnknown) {
      license += (license.empty() ? "" : "; ") + std::string(hours_pages::LicenseWords(l));
    }
  }
  form.supervisor_license = license;
  for (const hours::Category c : hours_pages::kCategoryOrder) {
    const std::int64_t minutes = by_category[static_cast<int>(c)];
    if (minutes > 0) {
      form.categories.push_back(forms::CategoryHours{
          .label = std::string(hours_pages::CategoryWords(c)), .minutes = minutes});
    }
  }
  for (const auto& bar : progress.bars) {
    form.requirements.push_back(forms::RequirementLine{
        .label = bar.label,
        .minimum = bar.kind == hours::Requirement::Kind::kMinimum,
        .in_weeks = bar.id.ends_with("weeks"),
        .required = bar.required_minutes,
        .counted = bar.counted_minutes,
        .unconfirmed = bar.unconfirmed});
  }
  return form;
}

Result<BuiltSummary> BuildSummary(hours::Hours& h, identity::Identity& identity,
                                  const identity::TherapistScope& who,
                                  const hours::ActiveSupervisor& supervisor,
                                  std::optional<hours::Day> from, std::optional<hours::Day> to,
                                  Micros now, std::string verify_url) {
  ALCOVE_TRY(h.ListSettings(who));  // no_profile first
  ALCOVE_TRY_ASSIGN(const auto stored, h.GetProfile(who));
  if (!stored) {
    return Fail(ErrorCode::kNotFound, "verification: no profile", "No such supervisor.");
  }
  const hours::Day today = std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::microseconds>(std::chrono::microseconds(now)));
  VerificationRequest request{.today = today, .now = now, .verify_url = std::move(verify_url)};
  request.from = hours::WeekStart(
      from.value_or(stored->registration_date.value_or(stored->degree_date)));
  request.to = to.value_or(today);
  ALCOVE_TRY_ASSIGN(const auto account, identity.AccountById(who.account_id()));
  request.associate_name = account.name;
  ALCOVE_TRY_ASSIGN(auto form, BuildVerification(h, who, supervisor, request));
  std::string sha = forms::ContentSha256(form);
  return BuiltSummary{.form = std::move(form),
                      .content_sha256 = std::move(sha),
                      .period = {.from = *request.from, .to = *request.to}};
}

Status NoteSignature(BuiltSummary& summary, hours::SummarySigning& signing,
                     const identity::TherapistScope& who, std::string_view supervisor_link_id) {
  ALCOVE_TRY_ASSIGN(const auto requests, signing.List(who, supervisor_link_id));
  for (const auto& r : requests) {  // newest first
    if (!r.signed_at) {
      continue;
    }
    if (r.content_sha256 == summary.content_sha256) {
      summary.form.signed_at = r.signed_at;
      summary.form.signature_event_id = r.event_id;
      summary.form.stale_signed_at.reset();
      return {};
    }
    if (!summary.form.stale_signed_at) {
      summary.form.stale_signed_at = r.signed_at;
    }
  }
  return {};
}

}  // namespace alcove::web::hours_routes
