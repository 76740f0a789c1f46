// The time zone setting and the Today page.
#include <set>

#include "practice/alias.hpp"
#include "schedule/internal.hpp"
#include "schedule/schedule.hpp"

namespace alcove::schedule {

using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;

Result<std::pair<TimeZone, bool>> Schedule::Zone(const TherapistScope& who) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  const store::Value p[] = {who.tenant()};
  ALCOVE_TRY_ASSIGN(auto rows,
                    tx->Query("SELECT time_zone FROM schedule_settings WHERE tenant_id = $1", p));
  if (rows.empty()) {
    return std::pair{TimeZone::Utc(), false};
  }
  // A zone the database no longer knows (renamed upstream) reads as UTC, still "set".
  auto zone = TimeZone::Named(rows.front().Text(0));
  return std::pair{zone ? std::move(*zone) : TimeZone::Utc(), true};
}

Status Schedule::SetZone(const TherapistScope& who, std::string_view name, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const TimeZone zone, TimeZone::Named(name));
  ALCOVE_TRY(
      work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<std::monostate>> {
        const store::Value p[] = {who.tenant(), zone.name(), clock_.Now()};
        ALCOVE_TRY(
            tx.Execute("INSERT INTO schedule_settings (tenant_id, time_zone, updated_at) "
                       "VALUES ($1, $2, $3) ON CONFLICT (tenant_id) DO UPDATE SET "
                       "time_zone = excluded.time_zone, updated_at = excluded.updated_at",
                       p));
        return Audited<std::monostate>{
            std::monostate{},
            AuditNote{audit::Action::kRecordUpdated, "schedule_settings", "", {}}};
      }));
  return {};
}

Result<TodayView> Schedule::Today(const TherapistScope& who) {
  ALCOVE_TRY_ASSIGN(auto zone, Zone(who));
  const TimeZone& tz = zone.first;
  const Micros now = clock_.Now();
  TodayView view;
  view.time_zone_set = zone.second;
  view.date = tz.LocalDate(now);
  const std::string first_day = AddDays(view.date, -kUnwrittenDays);
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(
      view.today, internal::Rows(*tx, who.tenant(), "a.starts_at >= $2 AND a.starts_at < $3",
                                 {tz.StartOfDay(view.date), tz.StartOfDay(AddDays(view.date, 1))}));
  ALCOVE_TRY_ASSIGN(
      auto attended,
      internal::Rows(*tx, who.tenant(),
                     "a.status = 'attended' AND a.starts_at >= $2 AND a.starts_at < $3",
                     {tz.StartOfDay(first_day), now}));
  // Notes are dated by their session's day: an attended appointment with no note of its
  // client on its local day is one still to write.
  const store::Value nq[] = {who.tenant(), first_day};
  ALCOVE_TRY_ASSIGN(auto notes, tx->Query("SELECT DISTINCT client_id, session_date FROM notes "
                                          "WHERE tenant_id = $1 AND session_date >= $2",
                                          nq));
  std::set<std::pair<std::string, std::string>> written;
  for (const auto& r : notes) {
    written.emplace(r.Text(0), r.Text(1));
  }
  for (auto& a : attended) {
    if (!written.contains({a.client_id, tz.LocalDate(a.starts_at)})) {
      view.unwritten.push_back(std::move(a));
    }
  }
  const store::Value sq[] = {who.tenant()};
  ALCOVE_TRY_ASSIGN(
      auto drafts,
      tx->Query("SELECT s.id, s.client_id, c.initials, c.ordinal, s.created_at FROM summaries s "
                "JOIN clients c ON c.id = s.client_id AND c.tenant_id = s.tenant_id "
                "WHERE s.tenant_id = $1 AND s.status = 'draft' ORDER BY s.created_at, s.id "
                "LIMIT 50",
                sq));
  for (const auto& r : drafts) {
    view.summaries.push_back(WaitingSummary{.id = r.Text(0),
                                            .client_id = r.Text(1),
                                            .alias = practice::DisplayAlias(r.Text(2), r.Int(3)),
                                            .created_at = r.Int(4)});
  }
  ALCOVE_TRY_ASSIGN(auto counts,
                    tx->Query("SELECT (SELECT COUNT(*) FROM clients WHERE tenant_id = $1), "
                              "(SELECT COUNT(*) FROM appointments WHERE tenant_id = $1)",
                              sq));
  view.has_clients = counts.front().Int(0) > 0;
  view.has_appointments = counts.front().Int(1) > 0;
  return view;
}

}  // namespace alcove::schedule
