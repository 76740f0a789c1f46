// AI jobs (jobs.hpp): asking, claiming, running, cancelling.
#include "ai/jobs.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <utility>

#include "ai/job_steps.hpp"
#include "store/ids.hpp"

namespace alcove::ai {

using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;

std::string_view JobKindName(JobKind k) { return k == JobKind::kTranscribe ? "transcribe" : "draft"; }

std::string_view JobStatusName(JobStatus s) {
  switch (s) {
    case JobStatus::kQueued:
      return "queued";
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kDone:
      return "done";
    case JobStatus::kFailed:
      return "failed";
    case JobStatus::kCancelled:
      return "cancelled";
  }
  return "failed";
}

namespace {

constexpr std::string_view kJobColumns =
    "id, kind, status, recording_id, client_id, progress, provider, outcome, summary_id, "
    "attempts, created_at, started_at, finished_at, note_format";

JobStatus StatusFromName(std::string_view s) {
  for (const auto st : {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kDone,
                        JobStatus::kFailed, JobStatus::kCancelled}) {
    if (JobStatusName(st) == s) {
      return st;
    }
  }
  return JobStatus::kFailed;
}

Job JobFromRow(const store::Row& r) {
  Job j;
  j.id = r.Text(0);
  j.kind = r.Text(1) == "draft" ? JobKind::kDraft : JobKind::kTranscribe;
  j.status = StatusFromName(r.Text(2));
  j.recording_id = r.Text(3);
  j.client_id = r.Text(4);
  j.progress = static_cast<double>(r.Int(5)) / 1000.0;
  j.provider = r.Text(6);
  j.outcome = r.Text(7);
  j.summary_id = r.OptionalText(8);
  j.attempts = r.Int(9);
  j.created_at = r.Int(10);
  j.started_at = r.OptionalInt(11);
  j.finished_at = r.OptionalInt(12);
  j.note_format = r.Text(13);
  return j;
}

std::unexpected<Error> JobNotFound() {
  return Fail(ErrorCode::kNotFound, "no such AI job", "There is no such job.");
}

bool Active(JobStatus s) { return s == JobStatus::kQueued || s == JobStatus::kRunning; }

}  // namespace

Result<std::vector<Job>> LoadJobs(store::Transaction& tx, store::TenantId tenant,
                                  std::string_view where, std::string_view id) {
  const store::Value p[] = {tenant, std::string(id)};
  ALCOVE_TRY_ASSIGN(auto rows,
                    tx.Query(fmt::format("SELECT {} FROM ai_jobs WHERE tenant_id = $1 AND {} = $2 "
                                         "ORDER BY created_at DESC, id",
                                         kJobColumns, where),
                             p));
  std::vector<Job> out;
  for (const auto& r : rows) {
    out.push_back(JobFromRow(r));
  }
  return out;
}

Jobs::Jobs(store::Db& db, recordings::Recordings& recordings, practice::Practice& practice,
           const Providers& providers, const audit::Log& log, const Clock& clock)
    : db_(db),
      recordings_(recordings),
      practice_(practice),
      providers_(providers),
      clock_(clock),
      work_(db, log, clock) {}

Jobs::~Jobs() { Stop(); }

Result<Job> Jobs::RequestTranscription(const TherapistScope& who, std::string_view recording_id,
                                       const Caller& caller) {
  return Request(who, recording_id, JobKind::kTranscribe, practice::NoteFormat::kFree, caller);
}

Result<Job> Jobs::RequestDraft(const TherapistScope& who, std::string_view recording_id,
                               practice::NoteFormat format, const Caller& caller) {
  return Request(who, recording_id, JobKind::kDraft, format, caller);
}

Result<Job> Jobs::Request(const TherapistScope& who, std::string_view recording_id, JobKind kind,
                          practice::NoteFormat format, const Caller& caller) {
  const ProviderDescription& provider =
      kind == JobKind::kTranscribe ? providers_.transcribe : providers_.draft;
  const bool configured = kind == JobKind::kTranscribe ? providers_.transcriber != nullptr
                                                       : providers_.drafter != nullptr;
  // Consent first (C05): a refused request says so whatever the configuration.
  ALCOVE_TRY(recordings_.RequireConsent(who, recording_id));
  if (!configured) {
    return Fail(ErrorCode::kUnavailable, "AI job asked for while its provider is off",
                kind == JobKind::kTranscribe
                    ? "Transcription is not available on this server: it is turned off "
                      "(ai.transcribe = \"off\"). Nothing was sent anywhere."
                    : "Drafting is not available on this server: it is turned off "
                      "(ai.draft = \"off\"). Nothing was sent anywhere.");
  }
  if (kind == JobKind::kTranscribe) {
    ALCOVE_TRY(recordings_.TranscriptRequested(who, recording_id));
  }
  const std::string id = store::NewId();
  auto made = work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<Job>> {
    ALCOVE_TRY_ASSIGN(auto existing, LoadJobs(tx, who.tenant(), "recording_id", recording_id));
    for (auto& j : existing) {
      if (j.kind == kind && Active(j.status)) {
        std::string existing_id = j.id;
        return Audited<Job>{std::move(j), AuditNote{audit::Action::kRecordAccessed, "ai_job",
                                                    std::move(existing_id), {}}};
      }
    }
    const store::Value rp[] = {std::string(recording_id), who.tenant()};
    ALCOVE_TRY_ASSIGN(auto rec, tx.Query("SELECT client_id FROM recordings WHERE id = $1 AND "
                                         "tenant_id = $2 AND withdrawn_at IS NULL",
                                         rp));
    if (rec.empty()) {
      return JobNotFound();
    }
    const std::string client_id = rec.front().Text(0);
    if (kind == JobKind::kDraft) {
      ALCOVE_TRY_ASSIGN(auto t, tx.Query("SELECT 1 FROM recording_transcripts WHERE "
                                         "recording_id = $1 AND tenant_id = $2 AND status = "
                                         "'done'",
                                         rp));
      if (t.empty()) {
        return Fail(ErrorCode::kFailedPrecondition, "draft asked for without a transcript",
                    "This recording has no transcript yet: transcribe it first.");
      }
    }
    const Micros now = clock_.Now();
    const store::Value p[] = {id,         who.tenant(), who.account_id(),
                              std::string(recording_id), client_id,
                              std::string(JobKindName(kind)), provider.provider, now,
                              std::string(practice::FormatName(format))};
    ALCOVE_TRY(tx.Execute("INSERT INTO ai_jobs (id, tenant_id, therapist_id, recording_id, "
                          "client_id, kind, status, provider, created_at, note_format) VALUES "
                          "($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9)",
                          p));
    const store::Value q[] = {id, who.tenant(), now};
    ALCOVE_TRY(tx.Execute(
        "INSERT INTO ai_job_queue (job_id, tenant_id, queued_at) VALUES ($1, $2, $3)", q));
    ALCOVE_TRY_ASSIGN(auto jobs, LoadJobs(tx, who.tenant(), "id", id));
    audit::Details d;
    (void)d.SetToken("recording", recording_id);
    (void)d.SetToken("kind", JobKindName(kind));
    (void)d.SetToken("provider", provider.provider);
    return Audited<Job>{std::move(jobs.front()),
                        AuditNote{audit::Action::kRecordCreated, "ai_job", id, std::move(d)}};
  });
  if (made) {
    Wake();
  }
  return made;
}

Result<Job> Jobs::Get(const TherapistScope& who, std::string_view job_id) {
  if (!store::IsValidId(job_id)) {
    return JobNotFound();
  }
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  ALCOVE_TRY_ASSIGN(auto jobs, LoadJobs(*tx, who.tenant(), "id", job_id));
  if (jobs.empty()) {
    return JobNotFound();
  }
  return std::move(jobs.front());
}

Result<std::vector<Job>> Jobs::ForRecording(const TherapistScope& who,
                                            std::string_view recording_id) {
  ALCOVE_TRY(recordings_.Info(who, recording_id));  // another's: 404
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  return LoadJobs(*tx, who.tenant(), "recording_id", recording_id);
}

Result<Job> Jobs::Cancel(const TherapistScope& who, std::string_view job_id, const Caller& caller) {
  if (!store::IsValidId(job_id)) {
    return JobNotFound();
  }
  return work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<Job>> {
    ALCOVE_TRY_ASSIGN(auto jobs, LoadJobs(tx, who.tenant(), "id", job_id));
    if (jobs.empty()) {
      return JobNotFound();
    }
    if (!Active(jobs.front().status)) {
      return Fail(ErrorCode::kFailedPrecondition, "AI job ended already",
                  "This job has ended already.");
    }
    const store::Value p[] = {std::string(job_id), who.tenant(), clock_.Now()};
    ALCOVE_TRY(tx.Execute("UPDATE ai_jobs SET status = 'cancelled', outcome = 'cancelled', "
                          "finished_at = $3 WHERE id = $1 AND tenant_id = $2 AND status IN "
                          "('queued', 'running')",
                          p));
    ALCOVE_TRY_ASSIGN(jobs, LoadJobs(tx, who.tenant(), "id", job_id));
    audit::Details d;
    (void)d.SetToken("status", "cancelled");
    return Audited<Job>{std::move(jobs.front()),
                        AuditNote{audit::Action::kRecordUpdated, "ai_job",
                                  std::string(job_id), std::move(d)}};
  });
}

// ---- Workers ----

std::optional<Jobs::Claimed> Jobs::Claim() {
  const Micros now = clock_.Now();
  auto tx = db_.Begin();
  if (!tx) {
    spdlog::warn("AI jobs: could not look for work: {}", tx.error().internal);
    return std::nullopt;
  }
  const store::Value p[] = {now - kStaleAfter};
  auto rows = (*tx)->Query("SELECT job_id, tenant_id FROM ai_job_queue WHERE heartbeat_at IS "
                           "NULL OR heartbeat_at < $1 ORDER BY queued_at, job_id LIMIT 1",
                           p);
  if (!rows || rows->empty()) {
    return std::nullopt;
  }
  Claimed c{rows->front().Int(1), rows->front().Text(0)};
  const store::Value u[] = {now, c.job_id, now - kStaleAfter};
  auto n = (*tx)->Execute("UPDATE ai_job_queue SET heartbeat_at = $1 WHERE job_id = $2 AND "
                          "(heartbeat_at IS NULL OR heartbeat_at < $3)",
                          u);
  if (!n || *n != 1 || !(*tx)->Commit()) {
    return std::nullopt;  // another worker won it
  }
  return c;
}

bool Jobs::RunNext() {
  auto claimed = Claim();
  if (!claimed) {
    return false;
  }
  const bool again = Run(*claimed);
  // Off the queue once it has ended; a job stopped by shutdown is claimable again at once.
  if (auto tx = db_.Begin()) {
    const store::Value p[] = {claimed->job_id};
    if ((*tx)->Execute(again ? "UPDATE ai_job_queue SET heartbeat_at = NULL WHERE job_id = $1"
                             : "DELETE FROM ai_job_queue WHERE job_id = $1",
                       p) &&
        (*tx)->Commit()) {
      return true;
    }
  }
  spdlog::warn("AI jobs: a finished job stays queued; it is looked at again after {} s",
               kStaleAfter / kMicrosPerSecond);
  return true;
}

bool Jobs::Run(const Claimed& claimed) {
  JobRunner runner{.db = db_,
                   .recordings = recordings_,
                   .providers = providers_,
                   .clock = clock_,
                   .work = work_,
                   .stop = stop_flag_,
                   .tenant = claimed.tenant,
                   .job_id = claimed.job_id};
  return runner.Run();
}

void Jobs::Wake() {
  {
    const std::lock_guard lock(mu_);
    ++requests_;
  }
  wake_.notify_one();
}

void Jobs::Start(unsigned workers) {
  stop_flag_ = false;
  {
    const std::lock_guard lock(mu_);
    stopping_ = false;
  }
  for (unsigned i = 0; i < workers; ++i) {
    workers_.emplace_back([this] {
      std::uint64_t seen = 0;
      for (;;) {
        while (!stop_flag_ && RunNext()) {
        }
        std::unique_lock lock(mu_);
        wake_.wait_for(lock, std::chrono::seconds(5),
                       [&] { return stopping_ || requests_ != seen; });
        seen = requests_;
        if (stopping_) {
          return;
        }
      }
    });
  }
}

void Jobs::Stop() {
  {
    const std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_flag_ = true;
  wake_.notify_all();
  for (auto& t : workers_) {
    t.join();
  }
  workers_.clear();
}

}  // namespace alcove::ai
