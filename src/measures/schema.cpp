// The measures schema (versions 701-799): tenant tables, row-level security on PostgreSQL.
#include "store/schema.hpp"

#include "measures/service.hpp"

namespace alcove::measures {
namespace {

// measure_assignments holds no client content: ids, the instrument, times. The link's
// token is in `tokens`, as its hash only (crypto/tokens.hpp). measure_results holds the
// answers and the scores (flags included) only as field ciphertexts under the client's
// data key (C01).
constexpr std::string_view kTables =
    "CREATE TABLE measure_assignments ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " instrument_id TEXT NOT NULL CHECK (length(instrument_id) BETWEEN 1 AND 64),"
    " assigned_by TEXT NOT NULL,"
    " created_at {int} NOT NULL,"
    " expires_at {int} NOT NULL,"
    " used_at {int},"
    " cancelled_at {int}"
    "){strict};"
    "CREATE INDEX measure_assignments_by_client ON measure_assignments "
    "(tenant_id, client_id, created_at);"
    "CREATE TABLE measure_results ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " assignment_id TEXT UNIQUE,"
    " instrument_id TEXT NOT NULL CHECK (length(instrument_id) BETWEEN 1 AND 64),"
    " instrument_version {int} NOT NULL,"
    " submitted_at {int} NOT NULL,"
    " answers {bytes} NOT NULL,"
    " scores {bytes} NOT NULL"
    "){strict};"
    "CREATE INDEX measure_results_by_client ON measure_results "
    "(tenant_id, client_id, submitted_at)";

// Part "api": assignment schedules (schedules.hpp). measure_schedule_runs is the
// idempotence key: one row per schedule and period ("d<n>": the n-th span of every_days
// since the schedule began; "a<appointment id>": before that appointment), written in the
// assignment's transaction, so a period never gets two assignments (two servers
// included: the second insert of the key does nothing and its transaction rolls back).
constexpr std::string_view kSchedules =
    "CREATE TABLE measure_schedules ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " instrument_id TEXT NOT NULL CHECK (length(instrument_id) BETWEEN 1 AND 64),"
    " kind TEXT NOT NULL CHECK (kind IN ('every_n_days', 'before_appointments')),"
    " every_days {int} CHECK (every_days BETWEEN 1 AND 365),"
    " hours_before {int} CHECK (hours_before BETWEEN 1 AND 336),"
    " send_email {int} NOT NULL CHECK (send_email IN (0, 1)),"
    " created_by TEXT NOT NULL,"
    " created_at {int} NOT NULL"
    "){strict};"
    "CREATE INDEX measure_schedules_by_client ON measure_schedules (tenant_id, client_id);"
    "CREATE TABLE measure_schedule_runs ("
    " schedule_id TEXT NOT NULL REFERENCES measure_schedules (id) ON DELETE CASCADE,"
    " period TEXT NOT NULL CHECK (length(period) BETWEEN 2 AND 40),"
    " tenant_id {int} NOT NULL,"
    " client_id TEXT NOT NULL,"
    " assignment_id TEXT NOT NULL,"
    " created_at {int} NOT NULL,"
    " PRIMARY KEY (schedule_id, period)"
    "){strict};"
    "CREATE INDEX measure_schedule_runs_by_client ON measure_schedule_runs "
    "(tenant_id, client_id)";

// Part "pages": which results the therapist has reviewed (the Today page shows the others,
// a raised flag as an alert). Ids and times only: a row exists for every reviewed result,
// flagged or not, so the table tells nothing of a result's content.
constexpr std::string_view kReviews =
    "CREATE TABLE measure_reviews ("
    " result_id TEXT PRIMARY KEY REFERENCES measure_results (id) ON DELETE CASCADE,"
    " tenant_id {int} NOT NULL,"
    " reviewed_by TEXT NOT NULL,"
    " reviewed_at {int} NOT NULL"
    "){strict}";

}  // namespace

std::span<const store::Migration> MeasuresMigrations() {
  static const store::MigrationSet set = store::MigrationSet().Add(
      701, "measures_assignments_results", kTables, {"measure_assignments", "measure_results"})
      .Add(702, "measures_schedules", kSchedules,
           {"measure_schedules", "measure_schedule_runs"})
      .Add(710, "measures_reviews", kReviews, {"measure_reviews"});
  return set.migrations();
}

}  // namespace alcove::measures
