// The AI jobs' tables (ai/jobs.hpp). ai_jobs is tenant data (row-level security); it holds
// ids, statuses and counts, never content. ai_job_queue holds only a job's id, its tenant
// and its claim, so that the workers of every server can find work across tenants, as the
// key ring's data_keys is read for housekeeping.
#include "ai/jobs.hpp"
#include "store/schema.hpp"

namespace alcove::ai {

namespace {

constexpr std::string_view kTables =
    "CREATE TABLE ai_jobs ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " therapist_id TEXT NOT NULL,"
    " recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,"
    " client_id TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('transcribe', 'draft')),"
    " status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', "
    "'cancelled')),"
    " provider TEXT NOT NULL,"
    " note_format TEXT NOT NULL DEFAULT 'soap',"
    " progress {int} NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1000),"
    " outcome TEXT NOT NULL DEFAULT '',"
    " summary_id TEXT,"
    " attempts {int} NOT NULL DEFAULT 0,"
    " created_at {int} NOT NULL,"
    " started_at {int},"
    " finished_at {int}"
    "){strict};"
    "CREATE INDEX ai_jobs_by_recording ON ai_jobs (tenant_id, recording_id, created_at);"
    "CREATE TABLE ai_job_queue ("
    " job_id TEXT PRIMARY KEY REFERENCES ai_jobs (id) ON DELETE CASCADE,"
    " tenant_id {int} NOT NULL,"
    " queued_at {int} NOT NULL,"
    " heartbeat_at {int}"
    "){strict};"
    "CREATE INDEX ai_job_queue_by_age ON ai_job_queue (queued_at)";

}  // namespace

std::span<const store::Migration> AiMigrations() {
  static const store::MigrationSet set =
      store::MigrationSet().Add(1001, "ai_jobs", kTables, {"ai_jobs"});
  return set.migrations();
}

}  // namespace alcove::ai
