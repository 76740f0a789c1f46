// Appointments: create (one or a series), list, change, delete.
#include <fmt/format.h>

#include <chrono>

#include "practice/alias.hpp"
#include "schedule/internal.hpp"
#include "schedule/schedule.hpp"
#include "store/ids.hpp"

namespace alcove::schedule {

using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;
using internal::NotFound;
using internal::Rows;

namespace {

constexpr Micros kDay = 24LL * 3600 * kMicrosPerSecond;
// Appointments are between 2000-01-01 and 2100-01-01 (UTC).
constexpr Micros kEarliest = 946'684'800LL * kMicrosPerSecond;
constexpr Micros kLatest = 4'102'444'800LL * kMicrosPerSecond;

std::unexpected<Error> Refused(const Schedule::FieldError& e) {
  return Fail(ErrorCode::kInvalidArgument, "appointment " + e.field + " out of range", e.message);
}

std::optional<Schedule::FieldError> CheckMinutes(std::int64_t minutes) {
  if (minutes < kMinMinutes || minutes > kMaxMinutes) {
    return Schedule::FieldError{"minutes", "The length must be from 5 to 600 minutes."};
  }
  return std::nullopt;
}

std::optional<Schedule::FieldError> CheckStart(Micros t) {
  if (t < kEarliest || t >= kLatest) {
    return Schedule::FieldError{"starts_at", "The start must be a time between 2000 and 2099."};
  }
  return std::nullopt;
}

audit::Details Details(std::string_view client_id, std::int64_t count,
                       const std::optional<std::string>& series) {
  audit::Details d = identity::ClientDetails(client_id);
  (void)d.SetInt("count", count);
  if (series) {
    (void)d.SetToken("series", *series);
  }
  return d;
}

}  // namespace

namespace internal {

std::unexpected<Error> NotFound(std::string_view what) {
  return Fail(ErrorCode::kNotFound, fmt::format("no such {} in this tenant", what),
              fmt::format("No such {}.", what));
}

Result<std::vector<Appointment>> Rows(store::Transaction& tx, store::TenantId tenant,
                                      std::string_view where, std::vector<store::Value> params) {
  params.insert(params.begin(), tenant);
  ALCOVE_TRY_ASSIGN(
      auto rows,
      tx.Query(fmt::format("SELECT a.id, a.client_id, c.initials, c.ordinal, a.series_id, "
                           "a.starts_at, a.minutes, a.kind, a.status FROM appointments a "
                           "JOIN clients c ON c.id = a.client_id AND c.tenant_id = a.tenant_id "
                           "WHERE a.tenant_id = $1 AND ({}) ORDER BY a.starts_at, a.id",
                           where),
               params));
  std::vector<Appointment> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    out.push_back(
        Appointment{.id = r.Text(0),
                    .client_id = r.Text(1),
                    .alias = practice::DisplayAlias(r.Text(2), r.Int(3)),
                    .series_id = r.IsNull(4) ? std::nullopt : std::optional<std::string>(r.Text(4)),
                    .starts_at = r.Int(5),
                    .minutes = r.Int(6),
                    .kind = KindFromName(r.Text(7)).value_or(Kind::kOther),
                    .status = StatusFromName(r.Text(8)).value_or(AppointmentStatus::kScheduled)});
  }
  return out;
}

}  // namespace internal

Schedule::Schedule(store::Db& db, const audit::Log& log, const Clock& clock)
    : db_(db), work_(db, log, clock), clock_(clock) {}

std::optional<Schedule::FieldError> Schedule::Check(const NewAppointment& a) {
  if (!store::IsValidId(a.client_id)) {
    return FieldError{"client_id", "Choose a client."};
  }
  if (auto e = CheckStart(a.starts_at)) {
    return e;
  }
  if (auto e = CheckMinutes(a.minutes)) {
    return e;
  }
  if (a.every_days < 0 || a.every_days > kMaxEveryDays) {
    return FieldError{"every_days", "Repeat every 1 to 365 days (7 for weekly)."};
  }
  if (a.every_days == 0 && a.count != 1) {
    return FieldError{"every_days", "Say how many days apart the appointments repeat."};
  }
  if (a.count < 1 || a.count > kMaxOccurrences) {
    return FieldError{"count", "A repeating appointment has 2 to 104 occurrences."};
  }
  if (a.every_days > 0 && a.count < 2) {
    return FieldError{"count", "A repeating appointment has 2 to 104 occurrences."};
  }
  if (auto e = CheckStart(a.starts_at + (a.count - 1) * a.every_days * kDay)) {
    return FieldError{"count", "The last occurrence must be before 2100."};
  }
  return std::nullopt;
}

std::optional<Schedule::FieldError> Schedule::Check(const Change& c) {
  if (c.starts_at) {
    if (auto e = CheckStart(*c.starts_at)) {
      return e;
    }
  }
  if (c.minutes) {
    return CheckMinutes(*c.minutes);
  }
  return std::nullopt;
}

Result<std::vector<std::string>> Schedule::Create(const TherapistScope& who,
                                                  const NewAppointment& a, const Caller& caller) {
  if (auto e = Check(a)) {
    return Refused(*e);
  }
  // Each occurrence at the same local time of day in the therapist's zone (a weekly 9:00
  // stays at 9:00 across a clock change), read before the write transaction.
  ALCOVE_TRY_ASSIGN(const auto zone, Zone(who));
  std::vector<std::string> ids;
  std::vector<Micros> starts;
  for (std::int64_t i = 0; i < a.count; ++i) {
    ids.push_back(store::NewId());
    starts.push_back(zone.first.LaterDay(a.starts_at, static_cast<int>(i * a.every_days)));
  }
  const std::optional<std::string> series =
      a.count > 1 ? std::optional<std::string>(store::NewId()) : std::nullopt;
  return work_.Write(
      who, caller, [&](store::Transaction& tx) -> Result<Audited<std::vector<std::string>>> {
        const store::Value q[] = {a.client_id, who.tenant()};
        ALCOVE_TRY_ASSIGN(auto client,
                          tx.Query("SELECT id FROM clients WHERE id = $1 AND tenant_id = $2", q));
        if (client.empty()) {
          return NotFound("client");
        }
        const Micros now = clock_.Now();
        for (std::int64_t i = 0; i < a.count; ++i) {
          const store::Value p[] = {ids[i],
                                    who.tenant(),
                                    a.client_id,
                                    series ? store::Value(*series) : store::Value(store::Null{}),
                                    starts[i],
                                    a.minutes,
                                    std::string(KindName(a.kind)),
                                    now};
          ALCOVE_TRY(
              tx.Execute("INSERT INTO appointments (id, tenant_id, client_id, series_id, "
                         "starts_at, minutes, kind, status, created_at, updated_at) VALUES "
                         "($1, $2, $3, $4, $5, $6, $7, 'scheduled', $8, $8)",
                         p));
        }
        return Audited<std::vector<std::string>>{
            ids, AuditNote{audit::Action::kRecordCreated, "appointment", ids.front(),
                           Details(a.client_id, a.count, series)}};
      });
}

Result<std::vector<Appointment>> Schedule::List(const TherapistScope& who, Micros from, Micros to) {
  if (to <= from || to - from > kMaxListSpan) {
    return Fail(ErrorCode::kInvalidArgument, "appointment list range empty or too long",
                "`to` must be after `from`, at most 400 days later.");
  }
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  return Rows(*tx, who.tenant(), "a.starts_at >= $2 AND a.starts_at < $3", {from, to});
}

Result<Appointment> Schedule::Get(const TherapistScope& who, std::string_view id) {
  if (!store::IsValidId(id)) {
    return NotFound("appointment");
  }
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto rows, Rows(*tx, who.tenant(), "a.id = $2", {std::string(id)}));
  if (rows.empty()) {
    return NotFound("appointment");
  }
  return rows.front();
}

namespace {

// The rows a change or deletion of `target` touches: its own, or with `rest`, it and
// the later ones of its series. A WHERE clause over `appointments` whose parameters are
// numbered from `first`, and their values.
std::pair<std::string, std::vector<store::Value>> Targets(const Appointment& target, bool rest,
                                                          int first) {
  if (rest && target.series_id) {
    return {fmt::format("series_id = ${} AND starts_at >= ${}", first, first + 1),
            {*target.series_id, target.starts_at}};
  }
  return {fmt::format("id = ${}", first), {target.id}};
}

// Local days from `from` to `to` in `zone` (both instants; the difference of their local
// dates, whatever the clock changes between them).
int LocalDaysBetween(const TimeZone& zone, Micros from, Micros to) {
  auto day = [&](Micros t) {
    const std::string d = zone.LocalDate(t);
    auto part = [&](std::size_t at, std::size_t n) {
      return static_cast<unsigned>(std::stoi(d.substr(at, n)));
    };
    const std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(part(0, 4))),
                                          std::chrono::month(part(5, 2)),
                                          std::chrono::day(part(8, 2))};
    return std::chrono::sys_days(ymd).time_since_epoch().count();
  };
  return static_cast<int>(day(to) - day(from));
}

}  // namespace

Result<std::int64_t> Schedule::Update(const TherapistScope& who, std::string_view id,
                                      const Change& change, const Caller& caller) {
  if (auto e = Check(change)) {
    return Refused(*e);
  }
  if (!store::IsValidId(id)) {
    return NotFound("appointment");
  }
  // Moving the rest of a series keeps each later occurrence at the new local time of day
  // on its own day (a move across a clock change stays on the hour), so the zone is read
  // before the write transaction.
  ALCOVE_TRY_ASSIGN(const auto zone, Zone(who));
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<std::int64_t>> {
    ALCOVE_TRY_ASSIGN(auto found, Rows(tx, who.tenant(), "a.id = $2", {std::string(id)}));
    if (found.empty()) {
      return NotFound("appointment");
    }
    const Appointment& target = found.front();
    auto [where, params] = Targets(target, change.rest_of_series, 7);
    Micros delta = change.starts_at ? *change.starts_at - target.starts_at : 0;
    // (id, new start) of each later occurrence when a series moves.
    std::vector<std::pair<std::string, Micros>> moved;
    if (change.starts_at && change.rest_of_series && target.series_id) {
      ALCOVE_TRY_ASSIGN(auto rest, Rows(tx, who.tenant(), "a.series_id = $2 AND a.starts_at >= $3",
                                        {*target.series_id, target.starts_at}));
      for (const Appointment& r : rest) {
        const Micros to = zone.first.LaterDay(
            *change.starts_at, LocalDaysBetween(zone.first, target.starts_at, r.starts_at));
        if (auto e = CheckStart(to)) {
          return Refused(*e);
        }
        moved.emplace_back(r.id, to);
      }
      delta = 0;  // the starts are set one by one below
    }
    std::vector<store::Value> p = {
        who.tenant(),
        delta,
        change.minutes ? store::Value(*change.minutes) : store::Null{},
        change.kind ? store::Value(std::string(KindName(*change.kind))) : store::Null{},
        change.status ? store::Value(std::string(StatusName(*change.status))) : store::Null{},
        clock_.Now()};
    for (auto& v : params) {
      p.push_back(std::move(v));
    }
    ALCOVE_TRY_ASSIGN(
        const std::int64_t n,
        tx.Execute(fmt::format("UPDATE appointments SET starts_at = starts_at + $2, "
                               "minutes = COALESCE($3, minutes), kind = COALESCE($4, kind), "
                               "status = COALESCE($5, status), updated_at = $6 "
                               "WHERE tenant_id = $1 AND {}",
                               where),
                   p));
    for (const auto& [row, to] : moved) {
      const store::Value m[] = {to, who.tenant(), row};
      ALCOVE_TRY(tx.Execute(
          "UPDATE appointments SET starts_at = $1 WHERE tenant_id = $2 AND id = $3", m));
    }
    return Audited<std::int64_t>{n,
                                 AuditNote{audit::Action::kRecordUpdated, "appointment", target.id,
                                           Details(target.client_id, n, target.series_id)}};
  });
}

Result<std::int64_t> Schedule::Delete(const TherapistScope& who, std::string_view id,
                                      bool rest_of_series, const Caller& caller) {
  if (!store::IsValidId(id)) {
    return NotFound("appointment");
  }
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<std::int64_t>> {
    ALCOVE_TRY_ASSIGN(auto found, Rows(tx, who.tenant(), "a.id = $2", {std::string(id)}));
    if (found.empty()) {
      return NotFound("appointment");
    }
    const Appointment& target = found.front();
    auto [where, params] = Targets(target, rest_of_series, 2);
    params.insert(params.begin(), who.tenant());
    ALCOVE_TRY_ASSIGN(
        const std::int64_t n,
        tx.Execute(fmt::format("DELETE FROM appointments WHERE tenant_id = $1 AND {}", where),
                   params));
    return Audited<std::int64_t>{n,
                                 AuditNote{audit::Action::kRecordDeleted, "appointment", target.id,
                                           Details(target.client_id, n, target.series_id)}};
  });
}

Result<std::map<std::string, Micros>> Schedule::NextAppointments(const TherapistScope& who) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  const store::Value p[] = {who.tenant(), clock_.Now()};
  ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT client_id, MIN(starts_at) FROM appointments "
                                         "WHERE tenant_id = $1 AND status = 'scheduled' AND "
                                         "starts_at >= $2 GROUP BY client_id",
                                         p));
  std::map<std::string, Micros> out;
  for (const auto& r : rows) {
    out.emplace(r.Text(0), r.Int(1));
  }
  return out;
}

Status Schedule::DeleteClientRows(store::Transaction& tx, store::TenantId tenant,
                                  std::string_view client_id) {
  const store::Value p[] = {std::string(client_id), tenant};
  ALCOVE_TRY(tx.Execute("DELETE FROM appointments WHERE client_id = $1 AND tenant_id = $2", p));
  return {};
}

Result<std::int64_t> Schedule::CancelFutureOfClient(store::Transaction& tx,
                                                   store::TenantId tenant,
                                                   std::string_view client_id, Micros now) {
  const store::Value p[] = {now, std::string(client_id), tenant};
  return tx.Execute(
      "UPDATE appointments SET status = 'cancelled', updated_at = $1 "
      "WHERE client_id = $2 AND tenant_id = $3 AND status = 'scheduled' AND starts_at >= $1",
      p);
}

}  // namespace alcove::schedule
