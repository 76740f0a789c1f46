// Assignment schedules (schedules.hpp; docs/measures.md § Schedules).
#include "measures/schedules.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "measures/instruments.hpp"
#include "store/ids.hpp"

namespace alcove::measures {
namespace {

using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;

constexpr Micros kDay = 24LL * 3600 * kMicrosPerSecond;
constexpr Micros kHour = 3600LL * kMicrosPerSecond;
// Who asks when the server makes an assignment on a schedule (audit events' caller).
const Caller kServer{.ip = "", .user_agent = "alcove housekeeping", .known_browser = ""};

std::unexpected<Error> NoSuchSchedule() {
  return Fail(ErrorCode::kNotFound, "no such measure schedule",
              "There is no such questionnaire schedule.");
}

constexpr std::string_view kColumns =
    "s.id, s.client_id, s.instrument_id, s.kind, s.every_days, s.hours_before, s.send_email, "
    "s.created_at, (SELECT max(r.created_at) FROM measure_schedule_runs r WHERE "
    "r.schedule_id = s.id)";

MeasureSchedule FromRow(const store::Row& r) {
  MeasureSchedule s;
  s.id = r.Text(0);
  s.client_id = r.Text(1);
  s.instrument_id = r.Text(2);
  s.kind = ScheduleKindFromName(r.Text(3)).value_or(ScheduleKind::kEveryNDays);
  if (auto n = r.OptionalInt(4)) {
    s.every_days = static_cast<int>(*n);
  }
  if (auto h = r.OptionalInt(5)) {
    s.hours_before = static_cast<int>(*h);
  }
  s.send_email = r.Int(6) == 1;
  s.created_at = r.Int(7);
  s.last_assigned_at = r.OptionalInt(8);
  return s;
}

}  // namespace

std::string_view ScheduleKindName(ScheduleKind k) {
  return k == ScheduleKind::kBeforeAppointments ? "before_appointments" : "every_n_days";
}

std::optional<ScheduleKind> ScheduleKindFromName(std::string_view name) {
  if (name == "every_n_days") {
    return ScheduleKind::kEveryNDays;
  }
  if (name == "before_appointments") {
    return ScheduleKind::kBeforeAppointments;
  }
  return std::nullopt;
}

Schedules::Schedules(store::Db& db, Measures& measures, practice::Practice& practice,
                     MeasureMail& mail, const audit::Log& log, const Clock& clock,
                     UpcomingAppointments upcoming)
    : db_(db),
      measures_(measures),
      practice_(practice),
      mail_(mail),
      work_(db, log, clock),
      log_(log),
      clock_(clock),
      upcoming_(std::move(upcoming)) {}

Result<MeasureSchedule> Schedules::Create(const TherapistScope& who, std::string_view client_id,
                                          const ScheduleSpec& spec, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  const Instrument* instrument = FindInstrument(spec.instrument_id);
  if (instrument == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "unknown instrument",
                "Choose one of the questionnaires offered.");
  }
  MeasureSchedule s{.id = store::NewId(),
                    .client_id = client.id,
                    .instrument_id = instrument->id,
                    .kind = spec.kind,
                    .every_days = std::nullopt,
                    .hours_before = std::nullopt,
                    .send_email = spec.send_email,
                    .created_at = 0,
                    .last_assigned_at = std::nullopt};
  if (spec.kind == ScheduleKind::kEveryNDays) {
    if (spec.every_days < 1 || spec.every_days > kMaxEveryDays) {
      return Fail(ErrorCode::kInvalidArgument, "schedule days out of range",
                  "Every how many days: a number from 1 to 365.");
    }
    s.every_days = spec.every_days;
  } else {
    if (!upcoming_) {
      return Fail(ErrorCode::kInvalidArgument, "no schedule module",
                  "Questionnaires before appointments need the schedule.");
    }
    if (spec.hours_before < 1 || spec.hours_before > kMaxHoursBefore) {
      return Fail(ErrorCode::kInvalidArgument, "schedule hours out of range",
                  "How many hours before each appointment: a number from 1 to 336 (14 days).");
    }
    s.hours_before = spec.hours_before;
  }
  if (client.status != practice::ClientStatus::kActive) {
    return Fail(ErrorCode::kFailedPrecondition, "client discharged",
                "This client is discharged: questionnaires go to current clients only.");
  }
  if (spec.send_email) {
    ALCOVE_TRY(mail_.ClientAddress(who, client.id, caller));  // refused without one
  }
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<MeasureSchedule>> {
    s.created_at = clock_.Now();
    const store::Value params[] = {
        s.id,
        who.tenant(),
        s.client_id,
        s.instrument_id,
        std::string(ScheduleKindName(s.kind)),
        s.every_days ? store::Value(std::int64_t{*s.every_days}) : store::Value(store::Null{}),
        s.hours_before ? store::Value(std::int64_t{*s.hours_before}) : store::Value(store::Null{}),
        std::int64_t{s.send_email ? 1 : 0},
        who.account_id(),
        s.created_at};
    ALCOVE_TRY_ASSIGN(
        const auto n,
        tx.Execute("INSERT INTO measure_schedules (id, tenant_id, client_id, "
                   "instrument_id, kind, every_days, hours_before, send_email, "
                   "created_by, created_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, "
                   "$10 WHERE EXISTS (SELECT 1 FROM clients WHERE id = $3 AND "
                   "tenant_id = $2)",
                   params));
    if (n != 1) {
      return Fail(ErrorCode::kNotFound, "client deleted meanwhile", "There is no such client.");
    }
    AuditNote note{audit::Action::kRecordCreated, "measure_schedule", s.id,
                   identity::ClientDetails(s.client_id)};
    return Audited<MeasureSchedule>{s, std::move(note)};
  });
}

Result<std::vector<MeasureSchedule>> Schedules::List(const TherapistScope& who,
                                                     std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(const auto client, practice_.GetClientInfo(who, client_id));
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  const store::Value params[] = {client.id, who.tenant()};
  ALCOVE_TRY_ASSIGN(auto rows, tx->Query(fmt::format("SELECT {} FROM measure_schedules s WHERE "
                                                     "s.client_id = $1 AND s.tenant_id = $2 "
                                                     "ORDER BY s.created_at, s.id",
                                                     kColumns),
                                         params));
  std::vector<MeasureSchedule> out;
  for (const store::Row& r : rows) {
    out.push_back(FromRow(r));
  }
  return out;
}

Result<std::string> Schedules::Stop(const TherapistScope& who, std::string_view schedule_id,
                                    const Caller& caller) {
  if (!store::IsValidId(schedule_id)) {
    return NoSuchSchedule();
  }
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<std::string>> {
    const store::Value params[] = {std::string(schedule_id), who.tenant()};
    ALCOVE_TRY_ASSIGN(auto rows, tx.Query("SELECT client_id FROM measure_schedules WHERE id = "
                                          "$1 AND tenant_id = $2",
                                          params));
    if (rows.empty()) {
      return NoSuchSchedule();
    }
    std::string client = rows.front().Text(0);
    ALCOVE_TRY(tx.Execute(
        "DELETE FROM measure_schedule_runs WHERE schedule_id = $1 AND tenant_id = $2", params));
    ALCOVE_TRY(
        tx.Execute("DELETE FROM measure_schedules WHERE id = $1 AND tenant_id = $2", params));
    AuditNote note{audit::Action::kRecordDeleted, "measure_schedule", std::string(schedule_id),
                   identity::ClientDetails(client)};
    return Audited<std::string>{std::move(client), std::move(note)};
  });
}

Result<bool> Schedules::MakeDue(const TherapistScope& who, const MeasureSchedule& s,
                                const std::string& period, Micros lifetime) {
  std::optional<NewAssignment> made;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    // Still there, still active, the schedule not stopped meanwhile.
    const store::Value check[] = {s.id, who.tenant()};
    ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT 1 FROM measure_schedules m JOIN clients c ON "
                                           "c.id = m.client_id AND c.tenant_id = m.tenant_id "
                                           "WHERE m.id = $1 AND m.tenant_id = $2 AND "
                                           "c.status = 'active'",
                                           check));
    if (rows.empty()) {
      return false;
    }
    ALCOVE_TRY_ASSIGN(auto a,
                      measures_.InsertAssignment(*tx, who.tenant(), s.client_id, s.instrument_id,
                                                 who.account_id(), lifetime));
    const Micros now = clock_.Now();
    const store::Value key[] = {s.id, period, who.tenant(), s.client_id, a.id, now};
    ALCOVE_TRY_ASSIGN(const auto n,
                      tx->Execute("INSERT INTO measure_schedule_runs (schedule_id, period, "
                                  "tenant_id, client_id, assignment_id, created_at) VALUES ($1, "
                                  "$2, $3, $4, $5, $6) ON CONFLICT (schedule_id, period) DO "
                                  "NOTHING",
                                  key));
    if (n != 1) {
      return false;  // made already (here or by another server): rolls back
    }
    audit::Event e = identity::EventFor(now, audit::Action::kRecordCreated, who.tenant(),
                                        std::nullopt, kServer, "measure_assignment", a.id);
    e.details = identity::ClientDetails(s.client_id);
    ALCOVE_TRY(e.details.SetToken("schedule", s.id));
    ALCOVE_TRY(log_.Append(*tx, e));
    ALCOVE_TRY(tx->Commit());
    made = std::move(a);
  }
  if (s.send_email) {
    auto address = mail_.ClientAddress(who, s.client_id, kServer);
    if (!address) {
      spdlog::warn("scheduled questionnaire {} of schedule {} not mailed: {}", made->id, s.id,
                   address.error().internal);
      return true;
    }
    if (auto sent = mail_.SendLink(*address, made->link); !sent) {
      spdlog::warn("scheduled questionnaire {} of schedule {} not mailed: {}", made->id, s.id,
                   sent.error().internal);
    }
  }
  return true;
}

Status Schedules::RunOne(const TherapistScope& who, const MeasureSchedule& s, Micros now,
                         std::int64_t& made) {
  if (s.kind == ScheduleKind::kEveryNDays) {
    const Micros span = static_cast<Micros>(s.every_days.value_or(1)) * kDay;
    const Micros index = std::max<Micros>(0, (now - s.created_at) / span);
    ALCOVE_TRY_ASSIGN(const bool one, MakeDue(who, s, fmt::format("d{}", index),
                                              std::min(span, kDefaultLinkLifetime)));
    made += one ? 1 : 0;
    return {};
  }
  if (!upcoming_) {
    return {};
  }
  const Micros window = static_cast<Micros>(s.hours_before.value_or(1)) * kHour;
  ALCOVE_TRY_ASSIGN(const auto appointments, upcoming_(who, s.client_id, now, now + window));
  for (const UpcomingAppointment& a : appointments) {
    const Micros lifetime =
        std::clamp(a.starts_at + kAfterAppointment - now, kMinLinkLifetime, kMaxLinkLifetime);
    ALCOVE_TRY_ASSIGN(const bool one, MakeDue(who, s, "a" + a.id, lifetime));
    made += one ? 1 : 0;
  }
  return {};
}

Result<std::int64_t> Schedules::Run(Micros now) {
  // The therapists (identity's table, no row-level security), then each one's schedules.
  std::vector<identity::Principal> therapists;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.Begin());
    ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT id, tenant_id FROM accounts WHERE "
                                           "role = 'therapist' ORDER BY tenant_id, id",
                                           {}));
    for (const auto& r : rows) {
      therapists.push_back(identity::Principal{
          .account_id = r.Text(0), .tenant = r.Int(1), .role = identity::Role::kTherapist});
    }
  }
  std::int64_t made = 0;
  for (const identity::Principal& p : therapists) {
    ALCOVE_TRY_ASSIGN(const auto who, TherapistScope::From(p));
    std::vector<MeasureSchedule> list;
    {
      ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(p.tenant));
      const store::Value params[] = {p.tenant, p.account_id};
      ALCOVE_TRY_ASSIGN(auto rows,
                        tx->Query(fmt::format("SELECT {} FROM measure_schedules s JOIN clients "
                                              "c ON c.id = s.client_id AND c.tenant_id = "
                                              "s.tenant_id WHERE s.tenant_id = $1 AND "
                                              "s.created_by = $2 AND c.status = 'active' "
                                              "ORDER BY s.created_at, s.id",
                                              kColumns),
                                  params));
      for (const store::Row& r : rows) {
        list.push_back(FromRow(r));
      }
    }
    for (const MeasureSchedule& s : list) {
      if (auto st = RunOne(who, s, now, made); !st) {
        spdlog::warn("questionnaire schedule {} of tenant {} did not run: {}", s.id, p.tenant,
                     st.error().internal);
      }
    }
  }
  return made;
}

void Schedules::Housekeeping(Micros now) {
  if (auto n = Run(now); !n) {
    spdlog::warn("questionnaire schedules did not run: {}", n.error().internal);
  } else if (*n > 0) {
    spdlog::info("made {} scheduled questionnaire assignment(s)", *n);
  }
}

Status Schedules::DeleteClientRows(store::Transaction& tx, store::TenantId tenant,
                                   std::string_view client_id) {
  const store::Value params[] = {std::string(client_id), tenant};
  ALCOVE_TRY(tx.Execute("DELETE FROM measure_schedule_runs WHERE client_id = $1 AND tenant_id = $2",
                        params));
  ALCOVE_TRY(
      tx.Execute("DELETE FROM measure_schedules WHERE client_id = $1 AND tenant_id = $2", params));
  return {};
}

}  // namespace alcove::measures
