// Weekly logs: one per week (Monday) per work setting, computed from the session logs.
// draft -> submitted -> signed, or -> returned (with the supervisor's sealed comment) ->
// submitted again; a submission can be withdrawn; a signed week changes only by an
// amendment, after which its signature no longer matches its content hash.
#include <fmt/format.h>

#include <algorithm>

#include "core/encoding.hpp"
#include "crypto/field_cipher.hpp"
#include "crypto/sha.hpp"
#include "hours/hours.hpp"
#include "hours/internal.hpp"
#include "store/ids.hpp"

namespace alcove::hours {

using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;
using internal::NotFound;
using internal::Refused;
using internal::WeekRow;

namespace internal {

namespace {

constexpr std::string_view kWeekColumns =
    "id, setting_id, week_start, status, submitted_at, supervisor_id, signed_at, signed_sha256, "
    "amended, CASE WHEN comment IS NULL THEN 0 ELSE 1 END";

WeekRow WeekFrom(const store::Row& r) {
  return WeekRow{.id = r.Text(0),
                 .setting_id = r.Text(1),
                 .week_start = ParseDay(r.Text(2)).value_or(Day{}),
                 .status = WeekStatusFromName(r.Text(3)).value_or(WeekStatus::kDraft),
                 .submitted_at = r.OptionalInt(4),
                 .supervisor_id = r.OptionalText(5),
                 .signed_at = r.OptionalInt(6),
                 .signed_sha256 = r.OptionalText(7),
                 .amended = r.Int(8) != 0,
                 .has_comment = r.Int(9) != 0};
}

// "2 November 2026".
std::string DayWords(Day day) {
  static constexpr const char* kMonths[] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
  const std::chrono::year_month_day ymd(day);
  return fmt::format("{} {} {}", static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1],
                     static_cast<int>(ymd.year()));
}

void Add(WeekTotals& to, const WeekTotals& from) {
  to.direct += from.direct;
  to.cfc += from.cfc;
  to.nonclinical += from.nonclinical;
  to.supervision_individual_triadic += from.supervision_individual_triadic;
  to.supervision_group += from.supervision_group;
  to.total += from.total;
  to.supervision_units += from.supervision_units;
  to.credited += from.credited;
  for (int i = 0; i < kCategoryCount; ++i) {
    to.by_category[i] += from.by_category[i];
  }
}

}  // namespace

Result<std::optional<WeekRow>> LoadWeekById(store::Transaction& tx, store::TenantId tenant,
                                            std::string_view id) {
  if (!store::IsValidId(id)) {
    return std::nullopt;
  }
  ALCOVE_TRY_ASSIGN(auto rows, LoadWeeks(tx, tenant, "id = $2", {std::string(id)}));
  if (rows.empty()) {
    return std::nullopt;
  }
  return std::move(rows.front());
}

Result<std::vector<WeekRow>> LoadWeeks(store::Transaction& tx, store::TenantId tenant,
                                       std::string_view where, std::vector<store::Value> params) {
  return SelectOfTenant(tx, tenant, kWeekColumns, "weekly_logs", where, "week_start, id",
                        std::move(params), WeekFrom);
}

std::string ContentText(std::string_view setting_id, Day week,
                        std::span<const SessionLog> sessions) {
  std::vector<const SessionLog*> sorted;
  sorted.reserve(sessions.size());
  for (const SessionLog& s : sessions) {
    sorted.push_back(&s);
  }
  std::sort(sorted.begin(), sorted.end(), [](const SessionLog* a, const SessionLog* b) {
    return a->date != b->date ? a->date < b->date : a->id < b->id;
  });
  std::string out = fmt::format("alcove/hours/week/v1\nsetting {}\nweek {}\n", setting_id,
                                DayText(week));
  for (const SessionLog* s : sorted) {
    out += fmt::format("{} {} {} pre={} telehealth={} video={} group={} alias={}\n",
                       DayText(s->date), s->minutes, CategoryName(s->category),
                       s->pre_degree ? 1 : 0, s->telehealth ? 1 : 0, s->video ? 1 : 0,
                       s->group_size ? std::to_string(*s->group_size) : std::string("-"),
                       s->alias);
  }
  return out;
}

std::string ContentSha256(std::string_view setting_id, Day week,
                          std::span<const SessionLog> sessions) {
  const auto digest = crypto::Sha256(ContentText(setting_id, week, sessions));
  return HexEncode(digest);
}

AuditNote StatusNote(std::string_view week_id, std::string_view from, std::string_view to) {
  audit::Details d;
  (void)d.SetToken("from", from);
  (void)d.SetToken("to", to);
  return AuditNote{audit::Action::kWeeklyLogStatusChanged, "weekly_log", std::string(week_id), d};
}

Result<std::optional<AuditNote>> OpenWeek(store::Transaction& tx, store::TenantId tenant,
                                          std::string_view setting_id, Day week, bool amend,
                                          Micros now, std::string* week_id) {
  const std::string start = DayText(week);
  {
    const store::Value p[] = {store::NewId(), tenant, std::string(setting_id), start, now};
    ALCOVE_TRY(tx.Execute("INSERT INTO weekly_logs (id, tenant_id, setting_id, week_start, status, "
                          "amended, created_at, updated_at) VALUES ($1, $2, $3, $4, 'draft', 0, "
                          "$5, $5) ON CONFLICT (tenant_id, setting_id, week_start) DO NOTHING",
                          p));
  }
  ALCOVE_TRY_ASSIGN(auto rows, LoadWeeks(tx, tenant, "setting_id = $2 AND week_start = $3",
                                         {std::string(setting_id), start}));
  if (rows.empty()) {
    return Fail(ErrorCode::kInternal, "weekly log missing right after its insert");
  }
  const WeekRow& row = rows.front();
  *week_id = row.id;
  if (row.status == WeekStatus::kSubmitted) {
    return Refused(kWeekSubmitted, "week submitted",
                   fmt::format("The week of {} is submitted to your supervisor: withdraw it "
                               "first to change it.",
                               DayWords(week)));
  }
  if (row.status == WeekStatus::kSigned && !amend) {
    return Refused(kWeekSigned, "week signed",
                   fmt::format("The week of {} is signed. Changing it is an amendment: the "
                               "signature will no longer match.",
                               DayWords(week)));
  }
  // The conditional UPDATE locks the row until the commit (PostgreSQL; SQLite has one
  // writer at a time), and finds out if a submission or signature won the race.
  const bool amending = row.status == WeekStatus::kSigned && !row.amended;
  const store::Value u[] = {now,
                            tenant,
                            row.id,
                            std::string(WeekStatusName(row.status)),
                            std::int64_t{row.amended ? 1 : 0},
                            std::int64_t{row.amended || amending ? 1 : 0}};
  ALCOVE_TRY_ASSIGN(const auto n,
                    tx.Execute("UPDATE weekly_logs SET updated_at = $1, amended = $6 "
                               "WHERE tenant_id = $2 AND id = $3 AND status = $4 AND amended = $5",
                               u));
  if (n != 1) {
    return Fail(ErrorCode::kConflict, "weekly log changed meanwhile",
                "The week changed at the same time; try again.");
  }
  if (amending) {
    return std::optional<AuditNote>(StatusNote(row.id, "signed", "amended"));
  }
  return std::optional<AuditNote>();
}

Status DropEmptyDraft(store::Transaction& tx, store::TenantId tenant, std::string_view setting_id,
                      Day week) {
  const store::Value p[] = {tenant, std::string(setting_id), DayText(week),
                            DayText(week + std::chrono::days(6))};
  ALCOVE_TRY(tx.Execute("DELETE FROM weekly_logs WHERE tenant_id = $1 AND setting_id = $2 AND "
                        "week_start = $3 AND status = 'draft' AND signed_sha256 IS NULL AND "
                        "comment IS NULL AND NOT EXISTS (SELECT 1 FROM session_logs s WHERE "
                        "s.tenant_id = $1 AND s.setting_id = $2 AND s.date >= $3 AND "
                        "s.date <= $4)",
                        p));
  return {};
}

WeeklyLog AssembleWeek(const WeekRow& row, std::string_view setting_name,
                       const Progress& progress, std::span<const SessionLog> sessions) {
  WeeklyLog w{.id = row.id,
              .week_start = row.week_start,
              .setting_id = row.setting_id,
              .setting_name = std::string(setting_name),
              .status = row.status,
              .content_sha256 = ContentSha256(row.setting_id, row.week_start, sessions),
              .signed_sha256 = row.signed_sha256,
              .amended = row.amended,
              .submitted_at = row.submitted_at,
              .signed_at = row.signed_at,
              .supervisor_id = row.supervisor_id,
              .has_comment = row.has_comment};
  // The results of both phases of the week; each repeats the week-wide checks (the 40
  // hours in 7 days, the supervision credited per week), which are kept once.
  for (const WeekResult& r : progress.weeks) {
    if (r.week_start != row.week_start || r.setting_id != row.setting_id) {
      continue;
    }
    Add(w.totals, r.totals);
    for (const Check& c : r.checks) {
      const bool seen = std::any_of(w.checks.begin(), w.checks.end(), [&](const Check& k) {
        return k.id == c.id && k.words == c.words;
      });
      if (!seen) {
        w.checks.push_back(c);
      }
    }
  }
  return w;
}

}  // namespace internal

namespace {

// The weekly logs of `rows`, assembled from the tenant's sessions and settings.
Result<std::vector<WeeklyLog>> Assemble(store::Transaction& tx, store::TenantId tenant,
                                        const std::vector<WeekRow>& rows, Day today) {
  ALCOVE_TRY_ASSIGN(const Profile profile, internal::RequireProfile(tx, tenant));
  ALCOVE_TRY_ASSIGN(const auto settings, internal::LoadSettings(tx, tenant));
  ALCOVE_TRY_ASSIGN(const auto sessions, internal::LoadSessions(tx, tenant, "1 = 1", {}));
  const Progress progress = internal::EvaluateAll(profile, settings, sessions, today);
  std::map<std::string, std::string, std::less<>> names;
  for (const Setting& s : settings) {
    names.emplace(s.id, s.name);
  }
  std::vector<WeeklyLog> out;
  out.reserve(rows.size());
  for (const WeekRow& row : rows) {
    std::vector<SessionLog> mine;
    for (const SessionLog& s : sessions) {
      if (s.setting_id == row.setting_id && WeekStart(s.date) == row.week_start) {
        mine.push_back(s);
      }
    }
    out.push_back(internal::AssembleWeek(row, names[row.setting_id], progress, mine));
  }
  std::stable_sort(out.begin(), out.end(), [](const WeeklyLog& a, const WeeklyLog& b) {
    return a.week_start != b.week_start ? a.week_start < b.week_start
                                        : a.setting_name < b.setting_name;
  });
  return out;
}

}  // namespace

Result<std::vector<WeeklyLog>> Hours::ListWeeks(const TherapistScope& who, Day from, Day to) {
  if (to < from || (to - from).count() > 3 * 366) {
    return internal::Invalid("week list range empty or too long",
                             "`to` must not be before `from`, and a list may cover at most 3 "
                             "years.");
  }
  ALCOVE_TRY_ASSIGN(const Day today, Today(who));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY(internal::RequireProfile(*tx, who.tenant()));
  ALCOVE_TRY_ASSIGN(auto rows, internal::LoadWeeks(*tx, who.tenant(),
                                                   "week_start >= $2 AND week_start <= $3",
                                                   {DayText(from), DayText(to)}));
  return Assemble(*tx, who.tenant(), rows, today);
}

Result<WeeklyLog> Hours::GetWeek(const TherapistScope& who, std::string_view id) {
  ALCOVE_TRY_ASSIGN(const Day today, Today(who));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto row, internal::LoadWeekById(*tx, who.tenant(), id));
  if (!row) {
    return NotFound("weekly log");
  }
  ALCOVE_TRY_ASSIGN(auto weeks, Assemble(*tx, who.tenant(), {*row}, today));
  return std::move(weeks.front());
}

Result<WeeklyLog> Hours::WeekForSigning(store::TenantId tenant, std::string_view id) {
  const Day today = std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::microseconds>(std::chrono::microseconds(clock_.Now())));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
  ALCOVE_TRY_ASSIGN(auto row, internal::LoadWeekById(*tx, tenant, id));
  if (!row) {
    return NotFound("weekly log");
  }
  ALCOVE_TRY_ASSIGN(auto weeks, Assemble(*tx, tenant, {*row}, today));
  return std::move(weeks.front());
}

Result<WeeklyLog> Hours::SubmitWeek(const TherapistScope& who, std::string_view id,
                                    std::optional<std::string> supervisor_id,
                                    const Caller& caller) {
  if (supervisor_id && !store::IsValidId(*supervisor_id)) {
    return NotFound("supervisor");
  }
  ALCOVE_TRY(work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<bool>> {
    ALCOVE_TRY_ASSIGN(auto row, internal::LoadWeekById(tx, who.tenant(), id));
    if (!row) {
      return NotFound("weekly log");
    }
    if (row->status == WeekStatus::kSubmitted) {
      return Refused(internal::kWeekSubmitted, "week submitted already",
                     "This week is submitted already.");
    }
    // A signed week goes to its supervisor again only after an amendment.
    if (row->status == WeekStatus::kSigned && !row->amended) {
      return Refused(internal::kWeekSigned, "signed week not amended",
                     "This week is signed and unchanged since: there is nothing to submit.");
    }
    const store::Value p[] = {who.tenant(),
                              row->id,
                              std::string(WeekStatusName(row->status)),
                              clock_.Now(),
                              supervisor_id ? store::Value(*supervisor_id)
                                            : store::Value(store::Null{})};
    ALCOVE_TRY_ASSIGN(const auto n,
                      tx.Execute("UPDATE weekly_logs SET status = 'submitted', submitted_at = $4, "
                                 "supervisor_id = $5, updated_at = $4 WHERE tenant_id = $1 AND "
                                 "id = $2 AND status = $3",
                                 p));
    if (n != 1) {
      return Fail(ErrorCode::kConflict, "weekly log changed meanwhile",
                  "The week changed at the same time; try again.");
    }
    return Audited<bool>{true,
                         internal::StatusNote(row->id, WeekStatusName(row->status), "submitted")};
  }));
  return GetWeek(who, id);
}

Result<WeeklyLog> Hours::WithdrawWeek(const TherapistScope& who, std::string_view id,
                                      const Caller& caller) {
  ALCOVE_TRY(work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<bool>> {
    ALCOVE_TRY_ASSIGN(auto row, internal::LoadWeekById(tx, who.tenant(), id));
    if (!row) {
      return NotFound("weekly log");
    }
    if (row->status != WeekStatus::kSubmitted) {
      return Refused(internal::kWeekNotSubmitted, "withdrawing a week not submitted",
                     "This week is not submitted, so there is nothing to withdraw.");
    }
    const store::Value p[] = {who.tenant(), row->id, clock_.Now()};
    ALCOVE_TRY_ASSIGN(const auto n,
                      tx.Execute("UPDATE weekly_logs SET status = 'draft', updated_at = $3 "
                                 "WHERE tenant_id = $1 AND id = $2 AND status = 'submitted'",
                                 p));
    if (n != 1) {
      return Fail(ErrorCode::kConflict, "weekly log changed meanwhile",
                  "The week changed at the same time; try again.");
    }
    return Audited<bool>{true, internal::StatusNote(row->id, "submitted", "draft")};
  }));
  return GetWeek(who, id);
}

namespace {

// The submitted week `week_id` of `tenant`, unchanged since the supervisor saw it.
Result<WeekRow> SubmittedAndUnchanged(store::Transaction& tx, store::TenantId tenant,
                                      std::string_view week_id, std::string_view expected) {
  ALCOVE_TRY_ASSIGN(auto row, internal::LoadWeekById(tx, tenant, week_id));
  if (!row) {
    return NotFound("weekly log");
  }
  if (row->status != WeekStatus::kSubmitted) {
    return Refused(internal::kWeekNotSubmitted, "week not submitted",
                   "This week is not waiting for a signature.");
  }
  ALCOVE_TRY_ASSIGN(auto sessions,
                    internal::WeekSessions(tx, tenant, row->setting_id, row->week_start));
  if (internal::ContentSha256(row->setting_id, row->week_start, sessions) != expected) {
    return Refused(internal::kWeekChanged, "week content differs from what was shown",
                   "This week changed since it was shown: open it again.");
  }
  return std::move(*row);
}

}  // namespace

Status Hours::MarkSigned(store::Transaction& tx, store::TenantId tenant, std::string_view week_id,
                         std::string_view expected_sha256, Micros at) {
  ALCOVE_TRY_ASSIGN(auto row, SubmittedAndUnchanged(tx, tenant, week_id, expected_sha256));
  const store::Value p[] = {tenant, row.id, at, std::string(expected_sha256)};
  ALCOVE_TRY(tx.Execute("UPDATE weekly_logs SET status = 'signed', signed_at = $3, "
                        "signed_sha256 = $4, amended = 0, updated_at = $3 "
                        "WHERE tenant_id = $1 AND id = $2 AND status = 'submitted'",
                        p));
  return {};
}

Status Hours::MarkReturned(store::Transaction& tx, store::TenantId tenant,
                           std::string_view week_id, std::string_view expected_sha256,
                           std::span<const std::uint8_t> sealed_comment, Micros at) {
  ALCOVE_TRY_ASSIGN(auto row, SubmittedAndUnchanged(tx, tenant, week_id, expected_sha256));
  const store::Value p[] = {tenant, row.id, at,
                            store::Bytes(sealed_comment.begin(), sealed_comment.end())};
  ALCOVE_TRY(tx.Execute("UPDATE weekly_logs SET status = 'returned', returned_at = $3, "
                        "comment = $4, updated_at = $3 "
                        "WHERE tenant_id = $1 AND id = $2 AND status = 'submitted'",
                        p));
  return {};
}

namespace {

crypto::Place CommentPlace(store::TenantId tenant, std::string_view week_id) {
  return crypto::Place{
      .tenant = tenant, .table = "weekly_logs", .column = "comment", .row_id = week_id};
}

}  // namespace

Result<std::vector<std::uint8_t>> Hours::SealComment(store::TenantId tenant,
                                                     std::string_view week_id,
                                                     const crypto::PhiString& comment) {
  if (!store::IsValidId(week_id)) {
    return NotFound("weekly log");
  }
  crypto::KeyId key = 0;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(tenant));
    ALCOVE_TRY_ASSIGN(auto stored, internal::LoadProfile(*tx, tenant));
    if (!stored) {
      return NotFound("licensure profile");
    }
    key = stored->comment_key;
  }  // the key ring reads the database itself: no transaction is open here
  return crypto::FieldCipher(keys_, key).Seal(comment.reveal(), CommentPlace(tenant, week_id));
}

Result<crypto::PhiString> Hours::ReturnComment(const TherapistScope& who,
                                               std::string_view week_id) {
  crypto::KeyId key = 0;
  store::Bytes sealed;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    ALCOVE_TRY_ASSIGN(auto row, internal::LoadWeekById(*tx, who.tenant(), week_id));
    if (!row || !row->has_comment) {
      return NotFound("comment");
    }
    ALCOVE_TRY_ASSIGN(auto stored, internal::LoadProfile(*tx, who.tenant()));
    if (!stored) {
      return NotFound("comment");
    }
    key = stored->comment_key;
    const store::Value p[] = {who.tenant(), std::string(week_id)};
    ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT comment FROM weekly_logs WHERE tenant_id = $1 "
                                           "AND id = $2",
                                           p));
    if (rows.empty() || rows.front().IsNull(0)) {
      return NotFound("comment");
    }
    sealed = rows.front().Blob(0);
  }
  return crypto::FieldCipher(keys_, key).Open(sealed, CommentPlace(who.tenant(), week_id));
}

}  // namespace alcove::hours
