// The schedule schema (versions 501-599): tenant tables, row-level security on PostgreSQL.
#include "store/schema.hpp"

#include "schedule/schedule.hpp"

namespace alcove::schedule {
namespace {

// No column holds client content: ids, times, lengths, kinds, statuses, a zone name.
constexpr std::string_view kAppointments =
    "CREATE TABLE appointments ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " series_id TEXT CHECK (series_id IS NULL OR length(series_id) = 32),"
    " starts_at {int} NOT NULL,"
    " minutes {int} NOT NULL CHECK (minutes BETWEEN 5 AND 600),"
    " kind TEXT NOT NULL CHECK (kind IN ('session', 'intake', 'other')),"
    " status TEXT NOT NULL CHECK (status IN ('scheduled', 'attended', 'no_show', 'cancelled')),"
    " created_at {int} NOT NULL,"
    " updated_at {int} NOT NULL"
    "){strict};"
    "CREATE INDEX appointments_by_time ON appointments (tenant_id, starts_at);"
    "CREATE INDEX appointments_by_client ON appointments (tenant_id, client_id, starts_at);"
    "CREATE INDEX appointments_by_series ON appointments (tenant_id, series_id, starts_at);"
    "CREATE TABLE schedule_settings ("
    " tenant_id {int} PRIMARY KEY,"
    " time_zone TEXT NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),"
    " updated_at {int} NOT NULL"
    "){strict}";

}  // namespace

std::span<const store::Migration> ScheduleMigrations() {
  static const store::MigrationSet set = store::MigrationSet().Add(
      501, "schedule_appointments", kAppointments, {"appointments", "schedule_settings"});
  return set.migrations();
}

}  // namespace alcove::schedule
