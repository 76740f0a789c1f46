#pragma once

// Shared by the files of the hours service (profile.cpp, settings.cpp, sessions.cpp,
// weeks.cpp, summary.cpp) and the CSV import (imports.cpp); not part of its interface:
// nothing outside src/hours/ includes it.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "crypto/key_ring.hpp"
#include "hours/hours.hpp"
#include "identity/unit_of_work.hpp"
#include "store/db.hpp"

namespace alcove::hours::internal {

using identity::AuditNote;

// kNotFound "No such <what>." (another tenant's id is the same: C20).
std::unexpected<Error> NotFound(std::string_view what);
// kInvalidArgument with both messages (neither may hold client content).
std::unexpected<Error> Invalid(std::string internal, std::string public_message);
// kFailedPrecondition for one of RefusalOf's tokens: the internal message is
// "<token>: <internal>", the public one `words`.
std::unexpected<Error> Refused(std::string_view token, std::string_view internal,
                               std::string words);

// The refusal tokens (hours.hpp: RefusalOf).
inline constexpr std::string_view kNoProfile = "no_profile";
inline constexpr std::string_view kWeekSubmitted = "week_submitted";
inline constexpr std::string_view kWeekSigned = "week_signed";
inline constexpr std::string_view kWeekNotSubmitted = "week_not_submitted";
inline constexpr std::string_view kWeekChanged = "week_changed";
inline constexpr std::string_view kSettingInUse = "setting_in_use";

// The profile as stored, with the key that seals supervisors' comments.
struct StoredProfile {
  Profile profile;
  crypto::KeyId comment_key = 0;
};
// REQUIRES for every loader: `tx` from Db::BeginTenant(tenant).
Result<std::optional<StoredProfile>> LoadProfile(store::Transaction& tx, store::TenantId tenant);
// The profile, or the no_profile refusal.
Result<Profile> RequireProfile(store::Transaction& tx, store::TenantId tenant);

// Settings by name.
Result<std::vector<Setting>> LoadSettings(store::Transaction& tx, store::TenantId tenant);
Result<std::optional<Setting>> LoadSetting(store::Transaction& tx, store::TenantId tenant,
                                           std::string_view id);
std::vector<SettingRef> RefsOf(std::span<const Setting> settings);

// The rows of `table` of `tenant` that match `where` (placeholders from $2 on, for
// `params`), ordered by `order`, each made by `from`: the one shape of the service's
// list queries, with the tenant always the first condition (C20).
template <typename From>
auto SelectOfTenant(store::Transaction& tx, store::TenantId tenant, std::string_view columns,
                    std::string_view table, std::string_view where, std::string_view order,
                    std::vector<store::Value> params, From from)
    -> Result<std::vector<decltype(from(std::declval<const store::Row&>()))>> {
  std::vector<store::Value> all;
  all.reserve(params.size() + 1);
  all.emplace_back(std::in_place_type<std::int64_t>, tenant);
  for (auto& v : params) {
    all.push_back(std::move(v));
  }
  ALCOVE_TRY_ASSIGN(auto rows,
                    tx.Query(fmt::format("SELECT {} FROM {} WHERE tenant_id = $1 AND ({}) "
                                         "ORDER BY {}",
                                         columns, table, where, order),
                             all));
  std::vector<decltype(from(std::declval<const store::Row&>()))> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    out.push_back(from(r));
  }
  return out;
}

// The columns of session_logs SessionFrom reads, in order.
inline constexpr std::string_view kSessionColumns =
    "id, date, minutes, category, setting_id, pre_degree, telehealth, video, group_size, alias";
SessionLog SessionFrom(const store::Row& r);
// Session logs matching `where` (SQL over session_logs; $1 is the tenant, parameters of
// `where` from $2 on), by date then id.
Result<std::vector<SessionLog>> LoadSessions(store::Transaction& tx, store::TenantId tenant,
                                             std::string_view where,
                                             std::vector<store::Value> params);
// Those of one week (Monday `week`) in one setting.
Result<std::vector<SessionLog>> WeekSessions(store::Transaction& tx, store::TenantId tenant,
                                             std::string_view setting_id, Day week);

// A weekly log's row.
struct WeekRow {
  std::string id;
  std::string setting_id;
  Day week_start{};
  WeekStatus status = WeekStatus::kDraft;
  std::optional<Micros> submitted_at;
  std::optional<std::string> supervisor_id;
  std::optional<Micros> signed_at;
  std::optional<std::string> signed_sha256;
  bool amended = false;
  bool has_comment = false;
};
Result<std::optional<WeekRow>> LoadWeekById(store::Transaction& tx, store::TenantId tenant,
                                            std::string_view id);
// Weekly logs with `where` (SQL over weekly_logs; $1 the tenant, then `params`).
Result<std::vector<WeekRow>> LoadWeeks(store::Transaction& tx, store::TenantId tenant,
                                       std::string_view where, std::vector<store::Value> params);

// The canonical text of a week's content and its SHA-256 (docs/hours.md § Content hash):
//   "alcove/hours/week/v1\n" "setting " id "\n" "week " YYYY-MM-DD "\n"
// then per session, by date then id:
//   date " " minutes " " category " pre=" 0|1 " telehealth=" 0|1 " video=" 0|1
//   " group=" n|"-" " alias=" alias "\n"
std::string ContentText(std::string_view setting_id, Day week,
                        std::span<const SessionLog> sessions);
std::string ContentSha256(std::string_view setting_id, Day week,
                          std::span<const SessionLog> sessions);

// Makes the weekly log of (setting, week) ready to take a change: creates it as a draft
// if it does not exist; refuses a submitted week (week_submitted) and a signed one unless
// `amend` (week_signed); with `amend` on a signed week marks it amended and returns the
// note of that status change (weekly_log.status_changed, from signed to amended) the
// first time. Locks the row for the rest of `tx` (a conditional UPDATE), so a submission
// racing the change waits for it or wins. `week_id` receives the log's id.
Result<std::optional<AuditNote>> OpenWeek(store::Transaction& tx, store::TenantId tenant,
                                          std::string_view setting_id, Day week, bool amend,
                                          Micros now, std::string* week_id);
// Deletes the weekly log of (setting, week) if it is a draft that holds no session and
// was never signed or returned (its row goes with its last session).
Status DropEmptyDraft(store::Transaction& tx, store::TenantId tenant, std::string_view setting_id,
                      Day week);

// A weekly_log.status_changed note: {"from": ..., "to": ...}.
AuditNote StatusNote(std::string_view week_id, std::string_view from, std::string_view to);

// The batch insert of session logs, for AddSession(s) and the CSV import's confirmation.
//
// Contract: `tx` is a transaction of Db::BeginTenant(tenant) that the caller commits
// after appending `notes` (UnitOfWork::WriteEach). Inside it, InsertSessions
//   - loads the profile (the no_profile refusal without one) and derives each session's
//     pre-degree phase from the degree date unless the session gives it;
//   - checks every session (Hours::CheckSession, and no date after `today`), prefixing
//     the public message with "Session N: " when there are several, and that each
//     setting is the tenant's (kNotFound "work setting");
//   - turns each typed name into initials (AliasOfTyped) and takes each picked client's
//     alias from `picked` (client id -> alias, resolved by the caller BEFORE the
//     transaction through Lookups::alias_of: no other module's lookup runs inside it; a
//     client id missing from `picked` is kNotFound "client");
//   - opens each session's weekly log (OpenWeek: created as a draft with its first
//     session; week_submitted / week_signed refusals unless the session's `amend`);
//   - inserts the rows.
// It returns the rows (in the order given) and the notes: one session_log.created per
// session, then any weekly_log.status_changed of an amendment. On any error the caller
// must not commit (the error is returned before anything else is written, or the
// transaction is spoilt): all or nothing. No key-ring call and no lookup of another
// module runs inside it.
struct InsertedSessions {
  std::vector<SessionLog> rows;
  std::vector<AuditNote> notes;
};
Result<InsertedSessions> InsertSessions(store::Transaction& tx, store::TenantId tenant,
                                        std::span<const NewSession> sessions,
                                        const std::map<std::string, std::string>& picked,
                                        Day today, Micros now);

// The alias of a typed client name: a full name or initials ("Johanna Doeberg", "J.D.",
// "J. D.") becomes initials ("J.D."); empty stays empty. The dots of typed initials are
// read as word breaks before practice::InitialsOf runs, so "J.D." stays "J.D.".
Result<std::string> AliasOfTyped(const crypto::PhiString& name);
// An alias of the shape the table accepts: empty, or one or two initials each followed
// by "." (a letter and its combining marks), optionally " · N" (practice's alias of a
// second client with the same initials).
bool IsAliasShape(std::string_view alias);

// The engine's results for the weeks of `sessions` (all of the tenant's) at `today`.
Progress EvaluateAll(const Profile& profile, std::span<const Setting> settings,
                     std::span<const SessionLog> sessions, Day today);
// The weekly log of `row`: totals and checks from `progress` (the engine's results for
// its week and setting: both phases summed, checks of the week across settings too),
// and the content hash over `sessions` (those of its week and setting).
WeeklyLog AssembleWeek(const WeekRow& row, std::string_view setting_name,
                       const Progress& progress, std::span<const SessionLog> sessions);

}  // namespace alcove::hours::internal
