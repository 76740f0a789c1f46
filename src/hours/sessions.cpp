// Session logs: create (one, or a week grid all or nothing), list, read, change, delete.
// A log holds the client's alias only (C50, C51); each change is one audit event with ids
// (C40), and its weekly log is opened (created, refused or amended) in the same
// transaction.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/utf8.hpp"
#include "crypto/secret.hpp"
#include "hours/hours.hpp"
#include "hours/internal.hpp"
#include "practice/alias.hpp"
#include "store/ids.hpp"

namespace alcove::hours {

using identity::AuditedEach;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;
using internal::Invalid;
using internal::NotFound;

namespace {

constexpr Day kEarliestSession = std::chrono::sys_days(std::chrono::year(2000) / 1 / 1);
// ListSessions covers at most about three years.
constexpr int kMaxListDays = 3 * 366;

std::int64_t Flag(bool b) { return b ? 1 : 0; }

audit::Details SessionDetails(std::string_view setting_id, std::string_view week_id) {
  audit::Details d;
  (void)d.SetToken("setting", setting_id);
  (void)d.SetToken("weekly_log", week_id);
  return d;
}

// The combining marks practice::InitialsOf keeps after an initial's letter.
bool IsCombiningMark(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
         (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
         (cp >= 0xFE20 && cp <= 0xFE2F);
}

std::unexpected<Error> Refuse(const FieldError& e, std::string_view prefix) {
  return Invalid(fmt::format("session {} out of range", e.field),
                 std::string(prefix) + e.message);
}

}  // namespace

namespace internal {

Result<std::string> AliasOfTyped(const crypto::PhiString& name) {
  const std::string_view typed = name.reveal();
  if (std::all_of(typed.begin(), typed.end(), [](char c) { return c == ' ' || c == '\t'; })) {
    return std::string();
  }
  // Typed initials ("J.D.") would be one word to InitialsOf: its dots are read as word
  // breaks. The scratch copy is wiped once it is wrapped.
  std::string spaced(typed);
  std::replace(spaced.begin(), spaced.end(), '.', ' ');
  const crypto::PhiString wrapped(spaced);
  crypto::SecureZero(spaced.data(), spaced.size());
  ALCOVE_TRY_ASSIGN(auto alias, practice::InitialsOf(wrapped));
  if (!IsAliasShape(alias)) {
    return Fail(ErrorCode::kInternal, "initials of a typed name have an unexpected shape");
  }
  return alias;
}

bool IsAliasShape(std::string_view alias) {
  if (alias.empty()) {
    return true;
  }
  if (alias.size() > 24) {
    return false;
  }
  std::string_view initials = alias;
  if (const auto dot = alias.find(" \xC2\xB7 "); dot != std::string_view::npos) {
    const std::string_view ordinal = alias.substr(dot + 4);
    if (ordinal.empty() || ordinal.size() > 6 || ordinal.front() == '0' ||
        !std::all_of(ordinal.begin(), ordinal.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    initials = alias.substr(0, dot);
  }
  // One or two initials, each a letter (any script, not ASCII punctuation or a digit)
  // and at most two combining marks, then ".".
  int count = 0;
  std::size_t i = 0;
  while (i < initials.size()) {
    const auto first = DecodeUtf8At(initials, i);
    if (!first) {
      return false;
    }
    const char32_t c = first->value;
    if (c < 0x80 && !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
      return false;
    }
    if ((c >= 0x80 && c <= 0xBF) || (c >= 0x2000 && c <= 0x2BFF) || IsCombiningMark(c)) {
      return false;
    }
    i += first->length;
    int marks = 0;
    while (i < initials.size() && initials[i] != '.') {
      const auto mark = DecodeUtf8At(initials, i);
      if (!mark || !IsCombiningMark(mark->value) || ++marks > 2) {
        return false;
      }
      i += mark->length;
    }
    if (i >= initials.size() || initials[i] != '.') {
      return false;
    }
    ++i;
    ++count;
  }
  return count >= 1 && count <= 2;
}

SessionLog SessionFrom(const store::Row& r) {
  SessionLog s;
  s.id = r.Text(0);
  s.date = ParseDay(r.Text(1)).value_or(Day{});
  s.minutes = r.Int(2);
  s.category = CategoryFromName(r.Text(3)).value_or(Category::kOtherNonclinical);
  s.setting_id = r.Text(4);
  s.pre_degree = r.Int(5) != 0;
  s.telehealth = r.Int(6) != 0;
  s.video = r.Int(7) != 0;
  if (!r.IsNull(8)) {
    s.group_size = static_cast<int>(r.Int(8));
  }
  s.alias = r.Text(9);
  return s;
}

Result<std::vector<SessionLog>> LoadSessions(store::Transaction& tx, store::TenantId tenant,
                                             std::string_view where,
                                             std::vector<store::Value> params) {
  return SelectOfTenant(tx, tenant, kSessionColumns, "session_logs", where, "date, id",
                        std::move(params), SessionFrom);
}

Result<std::vector<SessionLog>> WeekSessions(store::Transaction& tx, store::TenantId tenant,
                                             std::string_view setting_id, Day week) {
  return LoadSessions(tx, tenant, "setting_id = $2 AND date >= $3 AND date <= $4",
                      {std::string(setting_id), DayText(week), DayText(week + std::chrono::days(6))});
}

Result<InsertedSessions> InsertSessions(store::Transaction& tx, store::TenantId tenant,
                                        std::span<const NewSession> sessions,
                                        const std::map<std::string, std::string>& picked,
                                        Day today, Micros now) {
  if (sessions.empty()) {
    return Invalid("no session to log", "There is no session to log.");
  }
  ALCOVE_TRY_ASSIGN(const Profile profile, RequireProfile(tx, tenant));
  // Everything is checked before the first row is written.
  struct Ready {
    SessionLog log;
    bool amend = false;
  };
  std::vector<Ready> ready;
  ready.reserve(sessions.size());
  std::set<std::string, std::less<>> settings_seen;
  for (std::size_t n = 0; n < sessions.size(); ++n) {
    const NewSession& s = sessions[n];
    const std::string prefix = sessions.size() > 1 ? fmt::format("Session {}: ", n + 1) : "";
    if (auto e = Hours::CheckSession(s, today)) {
      return Refuse(*e, prefix);
    }
    if (!settings_seen.contains(s.setting_id)) {
      ALCOVE_TRY_ASSIGN(auto setting, LoadSetting(tx, tenant, s.setting_id));
      if (!setting) {
        return NotFound("work setting");
      }
      settings_seen.insert(s.setting_id);
    }
    std::string alias;
    if (!s.client_id.empty()) {
      const auto it = picked.find(s.client_id);
      if (it == picked.end()) {
        return NotFound("client");
      }
      alias = it->second;
    } else {
      auto typed = AliasOfTyped(s.client_name);
      if (!typed) {
        typed.error().public_message = prefix + typed.error().public_message;
        return std::unexpected(typed.error());
      }
      alias = std::move(*typed);
    }
    if (!IsAliasShape(alias)) {
      return Fail(ErrorCode::kInternal, "a client alias has an unexpected shape");
    }
    ready.push_back(Ready{.log = SessionLog{.id = store::NewId(),
                                            .date = s.date,
                                            .minutes = s.minutes,
                                            .category = s.category,
                                            .setting_id = s.setting_id,
                                            .pre_degree =
                                                s.pre_degree.value_or(s.date < profile.degree_date),
                                            .telehealth = s.telehealth,
                                            .video = s.video,
                                            .group_size = s.group_size,
                                            .alias = std::move(alias)},
                          .amend = s.amend});
  }
  InsertedSessions out;
  std::vector<AuditNote> amendments;
  for (Ready& r : ready) {
    const SessionLog& log = r.log;
    std::string week_id;
    ALCOVE_TRY_ASSIGN(auto amended, OpenWeek(tx, tenant, log.setting_id, WeekStart(log.date),
                                             r.amend, now, &week_id));
    if (amended) {
      amendments.push_back(std::move(*amended));
    }
    const store::Value p[] = {log.id,
                              tenant,
                              log.setting_id,
                              DayText(log.date),
                              log.minutes,
                              std::string(CategoryName(log.category)),
                              Flag(log.video),
                              log.group_size ? store::Value(std::int64_t{*log.group_size})
                                             : store::Value(store::Null{}),
                              Flag(log.telehealth),
                              Flag(log.pre_degree),
                              log.alias,
                              now};
    ALCOVE_TRY(tx.Execute("INSERT INTO session_logs (id, tenant_id, setting_id, date, minutes, "
                          "category, video, group_size, telehealth, pre_degree, alias, "
                          "created_at, updated_at) VALUES "
                          "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
                          p));
    out.notes.push_back(AuditNote{audit::Action::kSessionLogCreated, "session_log", log.id,
                                  SessionDetails(log.setting_id, week_id)});
    out.rows.push_back(std::move(r.log));
  }
  for (auto& a : amendments) {
    out.notes.push_back(std::move(a));
  }
  return out;
}

}  // namespace internal

std::optional<FieldError> Hours::CheckSession(const NewSession& s, Day today) {
  if (s.date < kEarliestSession) {
    return FieldError{"date", "The date must be in 2000 or later."};
  }
  if (s.date > today) {
    return FieldError{"date", "The date cannot be after today."};
  }
  if (s.minutes < kMinSessionMinutes || s.minutes > kMaxSessionMinutes) {
    return FieldError{"minutes", "The length must be from 1 to 1,440 minutes (24 hours)."};
  }
  if (s.setting_id.empty()) {
    return FieldError{"setting_id", "Choose a work setting."};
  }
  if (s.group_size && s.category != Category::kSupervisionGroup) {
    return FieldError{"group_size", "A group size is only for group supervision."};
  }
  if (s.group_size && (*s.group_size < 1 || *s.group_size > kMaxGroupSize)) {
    return FieldError{"group_size", "The group size must be from 1 to 99 supervisees."};
  }
  if (s.video && !IsSupervision(s.category)) {
    return FieldError{"video", "Video is only for supervision."};
  }
  if (!s.client_name.empty() && !s.client_id.empty()) {
    return FieldError{"client", "Type the client's initials or pick a client, not both."};
  }
  return std::nullopt;
}

Result<SessionLog> Hours::AddSession(const TherapistScope& who, const NewSession& s,
                                     const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto rows, AddSessions(who, std::span<const NewSession>(&s, 1), caller));
  return std::move(rows.front());
}

Result<std::vector<SessionLog>> Hours::AddSessions(const TherapistScope& who,
                                                   std::span<const NewSession> sessions,
                                                   const Caller& caller) {
  // Other modules' lookups and today, before the write transaction.
  ALCOVE_TRY_ASSIGN(const Day today, Today(who));
  ALCOVE_TRY_ASSIGN(const auto picked, PickedAliases(who, sessions));
  return work_.WriteEach(
      who, caller, [&](store::Transaction& tx) -> Result<AuditedEach<std::vector<SessionLog>>> {
        ALCOVE_TRY_ASSIGN(auto done, internal::InsertSessions(tx, who.tenant(), sessions, picked,
                                                              today, clock_.Now()));
        return AuditedEach<std::vector<SessionLog>>{std::move(done.rows), std::move(done.notes)};
      });
}

Result<std::vector<SessionLog>> Hours::ListSessions(const TherapistScope& who, Day from, Day to) {
  if (to < from || (to - from).count() > kMaxListDays) {
    return Invalid("session list range empty or too long",
                   "`to` must not be before `from`, and a list may cover at most 3 years.");
  }
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY(internal::RequireProfile(*tx, who.tenant()));
  return internal::LoadSessions(*tx, who.tenant(), "date >= $2 AND date <= $3",
                                {DayText(from), DayText(to)});
}

Result<SessionLog> Hours::GetSession(const TherapistScope& who, std::string_view id) {
  if (!store::IsValidId(id)) {
    return NotFound("session log");
  }
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto rows, internal::LoadSessions(*tx, who.tenant(), "id = $2",
                                                      {std::string(id)}));
  if (rows.empty()) {
    return NotFound("session log");
  }
  return std::move(rows.front());
}

Result<SessionLog> Hours::UpdateSession(const TherapistScope& who, std::string_view id,
                                        const SessionChange& change, const Caller& caller) {
  if (!store::IsValidId(id)) {
    return NotFound("session log");
  }
  if (change.client_name && change.client_id && !change.client_name->empty() &&
      !change.client_id->empty()) {
    return Refuse(FieldError{"client", "Type the client's initials or pick a client, not both."},
                  "");
  }
  ALCOVE_TRY_ASSIGN(const Day today, Today(who));
  // The new alias, if the client changes: a typed name's initials, a picked client's
  // alias (looked up before the write transaction), or none when either is cleared.
  std::optional<std::string> alias;
  if (change.client_name && !change.client_name->empty()) {
    ALCOVE_TRY_ASSIGN(alias, internal::AliasOfTyped(*change.client_name));
  } else if (change.client_id && !change.client_id->empty()) {
    NewSession pick;
    pick.client_id = *change.client_id;
    ALCOVE_TRY_ASSIGN(auto picked, PickedAliases(who, std::span<const NewSession>(&pick, 1)));
    alias = picked.at(*change.client_id);
  } else if (change.client_name || change.client_id) {
    alias = "";
  }
  return work_.WriteEach(
      who, caller, [&](store::Transaction& tx) -> Result<AuditedEach<SessionLog>> {
        ALCOVE_TRY_ASSIGN(auto found,
                          internal::LoadSessions(tx, who.tenant(), "id = $2", {std::string(id)}));
        if (found.empty()) {
          return NotFound("session log");
        }
        const SessionLog before = found.front();
        ALCOVE_TRY_ASSIGN(const Profile profile, internal::RequireProfile(tx, who.tenant()));
        SessionLog after = before;
        after.date = change.date.value_or(before.date);
        after.minutes = change.minutes.value_or(before.minutes);
        after.category = change.category.value_or(before.category);
        after.setting_id = change.setting_id.value_or(before.setting_id);
        after.telehealth = change.telehealth.value_or(before.telehealth);
        // A value that only fits the old category goes with it unless it is given anew.
        after.video = change.video.value_or(IsSupervision(after.category) && before.video);
        after.group_size = change.group_size.value_or(
            after.category == Category::kSupervisionGroup ? before.group_size : std::nullopt);
        // A new date derives the phase anew unless the change says it.
        after.pre_degree = change.pre_degree.value_or(
            change.date ? after.date < profile.degree_date : before.pre_degree);
        if (alias) {
          after.alias = *alias;
        }
        NewSession check;
        check.date = after.date;
        check.minutes = after.minutes;
        check.category = after.category;
        check.setting_id = after.setting_id;
        check.video = after.video;
        check.group_size = after.group_size;
        // An old date stays acceptable: only a changed one is checked against today.
        if (auto e = CheckSession(check, change.date ? today : std::max(today, before.date))) {
          return Refuse(*e, "");
        }
        if (after.setting_id != before.setting_id) {
          ALCOVE_TRY_ASSIGN(auto setting, internal::LoadSetting(tx, who.tenant(), after.setting_id));
          if (!setting) {
            return NotFound("work setting");
          }
        }
        if (!internal::IsAliasShape(after.alias)) {
          return Fail(ErrorCode::kInternal, "a client alias has an unexpected shape");
        }
        const Micros now = clock_.Now();
        std::vector<AuditNote> notes;
        std::string old_week;
        std::string new_week;
        const Day from_week = WeekStart(before.date);
        const Day to_week = WeekStart(after.date);
        ALCOVE_TRY_ASSIGN(auto amended_old,
                          internal::OpenWeek(tx, who.tenant(), before.setting_id, from_week,
                                             change.amend, now, &old_week));
        const bool moved = after.setting_id != before.setting_id || to_week != from_week;
        std::optional<AuditNote> amended_new;
        if (moved) {
          ALCOVE_TRY_ASSIGN(amended_new, internal::OpenWeek(tx, who.tenant(), after.setting_id,
                                                            to_week, change.amend, now, &new_week));
        } else {
          new_week = old_week;
        }
        const store::Value p[] = {who.tenant(),
                                  after.id,
                                  after.setting_id,
                                  DayText(after.date),
                                  after.minutes,
                                  std::string(CategoryName(after.category)),
                                  Flag(after.video),
                                  after.group_size ? store::Value(std::int64_t{*after.group_size})
                                                   : store::Value(store::Null{}),
                                  Flag(after.telehealth),
                                  Flag(after.pre_degree),
                                  after.alias,
                                  now};
        ALCOVE_TRY(tx.Execute("UPDATE session_logs SET setting_id = $3, date = $4, minutes = $5, "
                              "category = $6, video = $7, group_size = $8, telehealth = $9, "
                              "pre_degree = $10, alias = $11, updated_at = $12 "
                              "WHERE tenant_id = $1 AND id = $2",
                              p));
        if (moved) {
          ALCOVE_TRY(internal::DropEmptyDraft(tx, who.tenant(), before.setting_id, from_week));
        }
        audit::Details d = SessionDetails(after.setting_id, new_week);
        if (moved) {
          (void)d.SetToken("from_weekly_log", old_week);
        }
        notes.push_back(AuditNote{audit::Action::kSessionLogEdited, "session_log", after.id, d});
        for (auto* a : {&amended_old, &amended_new}) {
          if (*a) {
            notes.push_back(std::move(**a));
          }
        }
        return AuditedEach<SessionLog>{after, std::move(notes)};
      });
}

Status Hours::DeleteSession(const TherapistScope& who, std::string_view id, bool amend,
                            const Caller& caller) {
  if (!store::IsValidId(id)) {
    return NotFound("session log");
  }
  ALCOVE_TRY(work_.WriteEach(who, caller, [&](store::Transaction& tx) -> Result<AuditedEach<bool>> {
    ALCOVE_TRY_ASSIGN(auto found,
                      internal::LoadSessions(tx, who.tenant(), "id = $2", {std::string(id)}));
    if (found.empty()) {
      return NotFound("session log");
    }
    const SessionLog& s = found.front();
    const Day week = WeekStart(s.date);
    std::string week_id;
    ALCOVE_TRY_ASSIGN(auto amended, internal::OpenWeek(tx, who.tenant(), s.setting_id, week, amend,
                                                       clock_.Now(), &week_id));
    const store::Value p[] = {who.tenant(), s.id};
    ALCOVE_TRY(tx.Execute("DELETE FROM session_logs WHERE tenant_id = $1 AND id = $2", p));
    ALCOVE_TRY(internal::DropEmptyDraft(tx, who.tenant(), s.setting_id, week));
    std::vector<AuditNote> notes = {AuditNote{audit::Action::kSessionLogDeleted, "session_log",
                                              s.id, SessionDetails(s.setting_id, week_id)}};
    if (amended) {
      notes.push_back(std::move(*amended));
    }
    return AuditedEach<bool>{true, std::move(notes)};
  }));
  return {};
}

}  // namespace alcove::hours
