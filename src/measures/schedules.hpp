#pragma once

// Assignment schedules (issue #16: "now or on a schedule (every N days, or before each
// appointment of the schedule module)"; part "api"; docs/measures.md § Schedules).
//
// - A schedule is of one client and one instrument: every_n_days (N 1..365: the first
//   assignment at once, then one each N days, its link valid N days but at most the
//   default 7 days), or before_appointments (an assignment `hours_before` 1..336 hours
//   before each upcoming scheduled appointment of the client, its link valid until
//   kAfterAppointment after the appointment's start). With send_email the link is mailed
//   to the email in the client's record (C53: the link only).
// - The therapist's side takes a TherapistScope and touches only its tenant (C20: another
//   tenant's client or schedule is kNotFound); audited with ids (C40): a schedule made
//   (record.created, object measure_schedule, details client) or stopped (record.deleted).
// - Run (from the module's housekeeping, once a minute) makes what is due. Idempotent: a
//   period (the n-th span of N days, or one appointment) has a key in
//   measure_schedule_runs written in the assignment's own transaction, so it never gets
//   two assignments, also with two servers. Only the current period is made (a server
//   that was down does not catch up on missed ones); a discharged client gets nothing; an
//   appointment cancelled before its window gets nothing. A scheduled assignment is
//   audited record.created (object measure_assignment, details client and schedule, no
//   actor account: the server made it). Mailing the link opens the client's record as the
//   schedule's therapist (one audited read); a record without an address then gets the
//   assignment but no mail (logged with ids).
// Thread-safety: every method may be called from any thread.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "identity/principal.hpp"
#include "identity/scope.hpp"
#include "identity/unit_of_work.hpp"
#include "measures/measure_mail.hpp"
#include "measures/service.hpp"
#include "practice/practice.hpp"
#include "store/db.hpp"

namespace alcove::measures {

enum class ScheduleKind { kEveryNDays, kBeforeAppointments };
std::string_view ScheduleKindName(ScheduleKind k);  // "every_n_days", "before_appointments"
std::optional<ScheduleKind> ScheduleKindFromName(std::string_view name);

inline constexpr int kMaxEveryDays = 365;
inline constexpr int kMaxHoursBefore = 336;  // 14 days
// How long after the appointment's start a before-appointment link still works.
inline constexpr Micros kAfterAppointment = 12LL * 3600 * kMicrosPerSecond;

struct ScheduleSpec {
  std::string instrument_id;
  ScheduleKind kind = ScheduleKind::kEveryNDays;
  int every_days = 0;    // kEveryNDays: 1..kMaxEveryDays
  int hours_before = 0;  // kBeforeAppointments: 1..kMaxHoursBefore
  bool send_email = false;
};

struct MeasureSchedule {
  std::string id;
  std::string client_id;
  std::string instrument_id;
  ScheduleKind kind = ScheduleKind::kEveryNDays;
  std::optional<int> every_days;
  std::optional<int> hours_before;
  bool send_email = false;
  Micros created_at = 0;
  std::optional<Micros> last_assigned_at;  // the newest assignment it made
};

// An upcoming scheduled (not cancelled) appointment of a client, from the schedule
// module.
struct UpcomingAppointment {
  std::string id;
  Micros starts_at = 0;
};
// The client's scheduled appointments starting in [from, to), of the caller's tenant.
using UpcomingAppointments = std::function<Result<std::vector<UpcomingAppointment>>(
    const identity::TherapistScope&, std::string_view client_id, Micros from, Micros to)>;

class Schedules {
 public:
  // Borrows everything; all must outlive it. `upcoming` may be empty (no schedule module):
  // then before_appointments schedules are refused and never run.
  Schedules(store::Db& db, Measures& measures, practice::Practice& practice, MeasureMail& mail,
            const audit::Log& log, const Clock& clock, UpcomingAppointments upcoming);

  // kNotFound for a client not of the caller's practice; kInvalidArgument for an unknown
  // instrument, N or hours out of range, or before_appointments without a schedule module;
  // kFailedPrecondition for a discharged client, or send_email for a record without an
  // address (nothing is made then).
  Result<MeasureSchedule> Create(const identity::TherapistScope& who, std::string_view client_id,
                                 const ScheduleSpec& spec, const identity::Caller& caller);
  // The client's schedules, oldest first (not audited: no content).
  Result<std::vector<MeasureSchedule>> List(const identity::TherapistScope& who,
                                            std::string_view client_id);
  // Stops (deletes) a schedule; the assignments it made stay. kNotFound for one not of the
  // caller's tenant. Returns the schedule's client id.
  Result<std::string> Stop(const identity::TherapistScope& who, std::string_view schedule_id,
                           const identity::Caller& caller);

  // Whether before_appointments schedules can be made (a schedule module is there).
  bool HasAppointments() const { return static_cast<bool>(upcoming_); }

  // Makes every assignment due at `now` (clock time of the call); how many were made.
  // One schedule's failure is logged (ids only) and does not stop the others.
  Result<std::int64_t> Run(Micros now);
  // Run, logged: for the module's housekeeping.
  void Housekeeping(Micros now);

  // For practice's ClientExtension: the client's schedules and their keys.
  static Status DeleteClientRows(store::Transaction& tx, store::TenantId tenant,
                                 std::string_view client_id);

 private:
  // Makes the assignment of one period unless its key exists; true when made.
  Result<bool> MakeDue(const identity::TherapistScope& who, const MeasureSchedule& s,
                       const std::string& period, Micros lifetime);
  Status RunOne(const identity::TherapistScope& who, const MeasureSchedule& s, Micros now,
                std::int64_t& made);

  store::Db& db_;
  Measures& measures_;
  practice::Practice& practice_;
  MeasureMail& mail_;
  identity::UnitOfWork work_;
  const audit::Log& log_;
  const Clock& clock_;
  UpcomingAppointments upcoming_;
};

}  // namespace alcove::measures
