#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "identity/principal.hpp"
#include "identity/scope.hpp"
#include "identity/unit_of_work.hpp"
#include "schedule/time_zone.hpp"
#include "schedule/types.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::schedule {

// The schedule (issue #13; docs/schedule.md): appointments of a therapist's clients,
// one-off or repeating, the therapist's time zone, and the Today page.
//
// - Every method takes the caller's TherapistScope and touches only its tenant
//   (Db::BeginTenant + tenant_id in the SQL); another tenant's id is kNotFound (C20).
// - An appointment names its client by id; outside the record only the alias (C50). It
//   holds no free text, so nothing is sealed; audit events hold ids and counts (C40).
// - A client's appointments go with the client: practice's DeleteClient runs
//   DeleteClientRows in its own transaction (and the foreign key cascades as well).
// - Times are UTC microseconds; the time zone only turns them into words and local days.
// Thread-safety: every method may be called from any thread.

// The schema (versions 501-599).
std::span<const store::Migration> ScheduleMigrations();

class Schedule {
 public:
  // Borrows everything; all must outlive the service.
  Schedule(store::Db& db, const audit::Log& log, const Clock& clock);

  // The ids of the new rows (one per occurrence), in time order. kNotFound for a client
  // not of this tenant; kInvalidArgument for values out of range.
  Result<std::vector<std::string>> Create(const identity::TherapistScope& who,
                                          const NewAppointment& a, const identity::Caller& caller);
  // Appointments starting in [from, to), by time. kInvalidArgument for an empty range or
  // one longer than kMaxListSpan.
  Result<std::vector<Appointment>> List(const identity::TherapistScope& who, Micros from,
                                        Micros to);
  Result<Appointment> Get(const identity::TherapistScope& who, std::string_view id);
  // How many appointments changed (1, or the rest of the series).
  Result<std::int64_t> Update(const identity::TherapistScope& who, std::string_view id,
                              const Change& change, const identity::Caller& caller);
  // Deletes one appointment, or it and the later ones of its series; how many went.
  Result<std::int64_t> Delete(const identity::TherapistScope& who, std::string_view id,
                              bool rest_of_series, const identity::Caller& caller);

  // The therapist's time zone (UTC until set) and whether it was set.
  Result<std::pair<TimeZone, bool>> Zone(const identity::TherapistScope& who);
  // kInvalidArgument for a name the zone database does not know. Audited.
  Status SetZone(const identity::TherapistScope& who, std::string_view name,
                 const identity::Caller& caller);

  // The Today page's contents at the clock's now, in the therapist's time zone.
  Result<TodayView> Today(const identity::TherapistScope& who);
  // The next scheduled appointment of every client that has one (client id -> start),
  // in one query for a whole client list.
  Result<std::map<std::string, Micros>> NextAppointments(const identity::TherapistScope& who);

  // Deletes every appointment of a client, inside the caller's (practice's) transaction.
  static Status DeleteClientRows(store::Transaction& tx, store::TenantId tenant,
                                 std::string_view client_id);
  // practice::ClientExtension::archive_rows: a discharged client's scheduled appointments
  // from `now` on become cancelled (the rows stay, with status cancelled).
  static Result<std::int64_t> CancelFutureOfClient(store::Transaction& tx,
                                                   store::TenantId tenant,
                                                   std::string_view client_id, Micros now);

  // Checks of the values of a new appointment or a change, each naming its field
  // ("minutes", "every_days", "count", "starts_at") with a message in plain words.
  struct FieldError {
    std::string field;
    std::string message;
  };
  static std::optional<FieldError> Check(const NewAppointment& a);
  static std::optional<FieldError> Check(const Change& c);

 private:
  Result<std::vector<Appointment>> Query(const identity::TherapistScope& who,
                                         std::string_view where, std::vector<store::Value> params);

  store::Db& db_;
  identity::UnitOfWork work_;
  const Clock& clock_;
};

}  // namespace alcove::schedule
