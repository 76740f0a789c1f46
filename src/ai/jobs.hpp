#pragma once

// AI jobs (issue #19; docs/ai.md § Jobs): transcription of a recording and a summary drafted
// from its transcript, run as durable jobs in the database.
//
// - A therapist asks (RequestTranscription, RequestDraft); the job is a row of ai_jobs
//   (tenant data) and a row of ai_job_queue (ids only, no row-level security: the workers
//   of every server find work there). A job survives a restart: a claimed job whose
//   worker stopped beating its heart for kStaleAfter is claimed again (at most
//   kMaxAttempts times).
// - Before each call the job checks consent again (C05); during the call it polls, every
//   few seconds, for a cancellation (the therapist's, or a withdrawal: C04) and stops the
//   provider. A job cancelled or finding the recording withdrawn keeps nothing: the
//   recordings service refuses its result in the transaction that would keep it.
// - Decrypted only for the call (C54): the audio is decrypted piece by piece as the
//   provider reads it (recordings::ProcessingAudio), the text exists only in memory
//   (crypto::PhiString, wiped), the outcome is sealed with the recording's key.
// - Every call is one audit event, ai.used (object recording; details job, kind,
//   provider, outcome, byte counts, attempts: no content, C40 C43), in the transaction
//   that records the job's end.
// Thread-safety: every method may be called from any thread; Start/Stop from one.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "ai/provider.hpp"
#include "audit/log.hpp"
#include "core/clock.hpp"
#include "identity/scope.hpp"
#include "identity/unit_of_work.hpp"
#include "practice/types.hpp"
#include "recordings/recordings.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::ai {

// The schema (versions 1001-1099).
std::span<const store::Migration> AiMigrations();

enum class JobKind { kTranscribe, kDraft };
std::string_view JobKindName(JobKind k);  // "transcribe", "draft"

enum class JobStatus { kQueued, kRunning, kDone, kFailed, kCancelled };
std::string_view JobStatusName(JobStatus s);  // "queued", "running", "done", "failed", "cancelled"

struct Job {
  std::string id;
  JobKind kind = JobKind::kTranscribe;
  JobStatus status = JobStatus::kQueued;
  std::string recording_id;
  std::string client_id;
  double progress = 0;  // 0..1
  std::string provider;  // "local", "openai"
  std::string note_format = "soap";  // a draft's sections (practice::NoteFormat's name)
  // Why it failed or was cancelled, as a code: "consent_missing", "withdrawn",
  // "cancelled", "provider_unavailable", "audio_unreadable", "no_audio", "internal".
  std::string outcome;
  std::optional<std::string> summary_id;  // a draft job's summary
  std::int64_t attempts = 0;
  Micros created_at = 0;
  std::optional<Micros> started_at;
  std::optional<Micros> finished_at;
};

inline constexpr Micros kStaleAfter = 2 * 60 * kMicrosPerSecond;
inline constexpr std::int64_t kMaxAttempts = 3;
inline constexpr Micros kHeartbeatEvery = 2 * kMicrosPerSecond;

class Jobs {
 public:
  // Borrows everything; all must outlive the service (Stop before they go).
  Jobs(store::Db& db, recordings::Recordings& recordings, practice::Practice& practice,
       const Providers& providers, const audit::Log& log, const Clock& clock);
  ~Jobs();
  Jobs(const Jobs&) = delete;
  Jobs& operator=(const Jobs&) = delete;

  // A transcription of the recording's audio. ConsentMissing() (409, C05), Withdrawn (410),
  // kNotFound without audio or for another's recording, kUnavailable when transcription
  // is off (ai.transcribe = "off"). A job already queued or running for it is returned instead of
  // a second one.
  Result<Job> RequestTranscription(const identity::TherapistScope& who,
                                   std::string_view recording_id, const identity::Caller& caller);
  // A summary drafted from the recording's transcript (which must be done), in the
  // sections of `format`.
  Result<Job> RequestDraft(const identity::TherapistScope& who, std::string_view recording_id,
                           practice::NoteFormat format, const identity::Caller& caller);
  Result<Job> Get(const identity::TherapistScope& who, std::string_view job_id);
  // The recording's jobs, newest first.
  Result<std::vector<Job>> ForRecording(const identity::TherapistScope& who,
                                        std::string_view recording_id);
  // Cancels a queued or running job (a running one stops at its next heartbeat).
  // kFailedPrecondition when it has ended.
  Result<Job> Cancel(const identity::TherapistScope& who, std::string_view job_id,
                     const identity::Caller& caller);

  // Claims and runs the next job, if any; true when one ran. The workers call it; tests
  // call it directly.
  bool RunNext();
  // `workers` threads running RunNext, waking when a job is asked for and every few
  // seconds (a job asked for on another server). Stop waits for the running jobs to stop
  // (they are cancelled at their next heartbeat and run again after a restart).
  void Start(unsigned workers);
  void Stop();

  const Providers& providers() const { return providers_; }

 private:
  struct Claimed {
    store::TenantId tenant = 0;
    std::string job_id;
  };
  std::optional<Claimed> Claim();
  // Runs a claimed job; true when it must run again (stopped by shutdown).
  bool Run(const Claimed& claimed);
  Result<Job> Request(const identity::TherapistScope& who, std::string_view recording_id,
                      JobKind kind, practice::NoteFormat format, const identity::Caller& caller);
  void Wake();

  store::Db& db_;
  recordings::Recordings& recordings_;
  practice::Practice& practice_;
  const Providers& providers_;
  const Clock& clock_;
  identity::UnitOfWork work_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;            // guarded by mu_
  std::uint64_t requests_ = 0;       // guarded by mu_: bumped by Wake
  std::vector<std::thread> workers_;
  std::atomic<bool> stop_flag_{false};  // read by running jobs' CallControl
};

}  // namespace alcove::ai
