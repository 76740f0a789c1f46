// One AI job's run (job_steps.hpp): claim → consent → the call → keep or drop → the end,
// audited.
#include "ai/job_steps.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "crypto/secret.hpp"

namespace alcove::ai {

using identity::Audited;
using identity::AuditNote;
using identity::TherapistScope;

namespace {

// The recording's audio as the providers read it: decrypted chunk by chunk on demand
// (crypto::EncryptedBlob), never whole and never in a file (C54).
class BlobAudio final : public AudioSource {
 public:
  BlobAudio(recordings::Recordings::ProcessingAudio audio) : audio_(std::move(audio)) {}
  std::uint64_t size() const override { return audio_.blob->plaintext_size(); }
  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> out) override {
    return audio_.blob->ReadAt(offset, out);
  }
  std::string content_type() const override { return audio_.content_type; }

 private:
  recordings::Recordings::ProcessingAudio audio_;
};

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string DateOf(Micros t) {
  const std::time_t secs = static_cast<std::time_t>(t / kMicrosPerSecond);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  static constexpr const char* kMonths[] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
  return fmt::format("{} {} {}", tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900);
}

// What a failed call is called in the job's outcome (a code; no content).
std::string OutcomeOf(const Error& e) {
  if (recordings::IsConsentMissing(e)) {
    return "consent_missing";
  }
  if (recordings::IsWithdrawn(e)) {
    return "withdrawn";
  }
  switch (e.code) {
    case ErrorCode::kConflict:
      return "cancelled";
    case ErrorCode::kUnavailable:
    case ErrorCode::kResourceExhausted:
      return "provider_unavailable";
    case ErrorCode::kInvalidArgument:
      return "audio_unreadable";
    case ErrorCode::kNotFound:
      return "no_audio";
    case ErrorCode::kFailedPrecondition:
      return "not_ready";
    default:
      return "internal";
  }
}

// `text` as client content; the local's bytes (a short string's inline buffer) wiped.
crypto::PhiString AsPhi(std::string& text) {
  crypto::PhiString out(std::move(text));
  crypto::SecureZero(text.data(), text.capacity());
  return out;
}

bool IsCancelOutcome(std::string_view outcome) {
  return outcome == "consent_missing" || outcome == "withdrawn" || outcome == "cancelled";
}

}  // namespace

crypto::PhiString SegmentsJson(const std::vector<Segment>& segments) {
  std::size_t need = 2;
  for (const auto& s : segments) {
    need += 64 + 2 * s.text.size();
  }
  std::string text;
  text.reserve(need);  // one allocation: no unwiped copy is left behind by growth
  text += '[';
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& s = segments[i];
    text += fmt::format("{}{{\"start_ms\":{},\"end_ms\":{},\"text\":", i ? "," : "", s.start_ms,
                        s.end_ms);
    AppendJsonString(text, s.text.reveal());
    text += '}';
  }
  text += ']';
  return AsPhi(text);
}

crypto::PhiString DraftText(const Draft& draft, Micros recording_created_at) {
  std::size_t need = 400;
  for (const auto& [name, body] : draft.sections) {
    need += name.size() + body.size() + 4;
  }
  std::string text;
  text.reserve(need);
  text += fmt::format("AI-drafted from the recording of {}", DateOf(recording_created_at));
  text += draft.extractive
              ? " (an extractive draft: sentences taken from the transcript on this server, "
                "not written by a model). Review it before it becomes part of the record.\n"
              : ". Review it before it becomes part of the record.\n";
  for (const auto& [name, body] : draft.sections) {
    text += '\n';
    if (draft.sections.size() > 1 || name != "text") {
      std::string heading = name;
      if (!heading.empty()) {
        heading[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(heading[0])));
      }
      text += heading;
      text += '\n';
    }
    text += body.reveal();
    text += '\n';
  }
  return AsPhi(text);
}

bool JobRunner::Run() {
  // 1. The job, now running (one attempt more). One that has ended meanwhile (cancelled
  // while queued) is left alone.
  Job job;
  std::string therapist;
  {
    auto tx = db.BeginTenant(tenant);
    if (!tx) {
      return true;
    }
    auto jobs = LoadJobs(**tx, tenant, "id", job_id);
    if (!jobs || jobs->empty() ||
        (jobs->front().status != JobStatus::kQueued && jobs->front().status != JobStatus::kRunning)) {
      return false;
    }
    job = std::move(jobs->front());
    const store::Value p[] = {job_id, tenant};
    auto who = (*tx)->Query("SELECT therapist_id FROM ai_jobs WHERE id = $1 AND tenant_id = $2", p);
    if (!who || who->empty()) {
      return false;
    }
    therapist = who->front().Text(0);
    const store::Value u[] = {job_id, tenant, clock.Now()};
    if (!(*tx)->Execute("UPDATE ai_jobs SET status = 'running', attempts = attempts + 1, "
                        "started_at = $3 WHERE id = $1 AND tenant_id = $2",
                        u) ||
        !(*tx)->Commit()) {
      return true;
    }
  }
  auto scope = TherapistScope::From(
      identity::Principal{.account_id = therapist, .tenant = tenant, .role = identity::Role::kTherapist});
  if (!scope) {
    return false;
  }
  const TherapistScope& who = *scope;

  std::string outcome;  // empty: done
  std::optional<std::string> summary_id;
  CallReport report;
  bool called = false;
  std::atomic<bool> cancelled{false};
  std::string cancel_reason;
  Micros last_beat = clock.Now();

  // Every kHeartbeatEvery: the claim kept, the progress shown, and whether the job may go
  // on — cancelled by the therapist, consent withdrawn (C04, C05), the server stopping.
  auto beat = [&](double fraction) {
    const Micros now = clock.Now();
    if (now - last_beat < kHeartbeatEvery && !stop) {
      return;
    }
    last_beat = now;
    if (stop) {
      cancel_reason = "shutdown";
      cancelled = true;
      return;
    }
    if (auto tx = db.Begin()) {
      const store::Value p[] = {now, job_id};
      if ((*tx)->Execute("UPDATE ai_job_queue SET heartbeat_at = $1 WHERE job_id = $2", p)) {
        (void)(*tx)->Commit();
      }
    }
    if (auto tx = db.BeginTenant(tenant)) {
      const auto permille = static_cast<std::int64_t>(std::clamp(fraction, 0.0, 1.0) * 1000);
      const store::Value p[] = {job_id, tenant, permille};
      (void)(*tx)->Execute("UPDATE ai_jobs SET progress = $3 WHERE id = $1 AND tenant_id = $2", p);
      auto st = (*tx)->Query("SELECT status FROM ai_jobs WHERE id = $1 AND tenant_id = $2",
                             std::span(p, 2));
      (void)(*tx)->Commit();
      if (st && !st->empty() && st->front().Text(0) == "cancelled") {
        cancel_reason = "cancelled";
        cancelled = true;
        return;
      }
    }
    if (auto ok = recordings.RequireConsent(who, job.recording_id); !ok) {
      cancel_reason = OutcomeOf(ok.error());
      cancelled = true;
    }
  };
  const CallControl control{.progress = beat, .cancelled = &cancelled};

  // A job that took its server down kMaxAttempts times is not tried again.
  if (job.attempts >= kMaxAttempts) {
    outcome = "too_many_attempts";
  }

  // 2. The call, consent checked again right before it (C05).
  if (!outcome.empty()) {
    spdlog::warn("AI job {}: not tried again after {} attempts", job_id, job.attempts);
  } else if (job.kind == JobKind::kTranscribe) {
    auto audio = recordings.OpenForProcessing(who, job.recording_id);
    if (!audio) {
      outcome = OutcomeOf(audio.error());
    } else {
      BlobAudio source(std::move(*audio));
      called = true;
      auto transcript = providers.transcriber->Transcribe(source, control, report);
      if (cancelled) {
        outcome = cancel_reason;
      } else if (!transcript) {
        outcome = OutcomeOf(transcript.error());
        spdlog::warn("AI job {}: transcription failed: {}", job_id, transcript.error().internal);
      } else {
        const auto segments = SegmentsJson(transcript->segments);
        if (auto kept = recordings.StoreTranscript(who, job.recording_id, transcript->text,
                                                   segments, identity::Caller{});
            !kept) {
          outcome = OutcomeOf(kept.error());
        }
      }
    }
    if (!outcome.empty() && !IsCancelOutcome(outcome) && outcome != "shutdown") {
      (void)recordings.TranscriptFailed(who, job.recording_id);
    }
  } else {
    auto text = recordings.TranscriptForDrafting(who, job.recording_id);
    auto info = recordings.Info(who, job.recording_id);
    if (!text) {
      outcome = OutcomeOf(text.error());
    } else if (!info) {
      outcome = OutcomeOf(info.error());
    } else {
      const auto format = practice::FormatFromName(job.note_format).value_or(practice::NoteFormat::kSoap);
      DraftRequest request{.source = DraftRequest::Source::kTranscript, .text = &*text, .sections = {}};
      if (format != practice::NoteFormat::kFree) {
        for (const auto s : practice::SectionsOf(format)) {
          request.sections.emplace_back(s);
        }
      }
      called = true;
      auto draft = providers.drafter->MakeDraft(request, control, report);
      if (cancelled) {
        outcome = cancel_reason;
      } else if (!draft) {
        outcome = OutcomeOf(draft.error());
        spdlog::warn("AI job {}: drafting failed: {}", job_id, draft.error().internal);
      } else {
        auto made = recordings.AddDraftSummary(who, job.recording_id,
                                               DraftText(*draft, info->created_at),
                                               identity::Caller{});
        if (!made) {
          outcome = OutcomeOf(made.error());
        } else {
          summary_id = made->id;
        }
      }
    }
  }
  if (outcome == "shutdown") {
    // Run again after the restart: back to queued, nothing kept.
    if (auto tx = db.BeginTenant(tenant)) {
      const store::Value p[] = {job_id, tenant};
      if ((*tx)->Execute("UPDATE ai_jobs SET status = 'queued', progress = 0 WHERE id = $1 AND "
                         "tenant_id = $2 AND status = 'running'",
                         p)) {
        (void)(*tx)->Commit();
      }
    }
    return true;
  }

  // 3. The end, audited: ai.used when a provider was called (C40: counts, no content).
  const std::string status =
      outcome.empty() ? "done" : (IsCancelOutcome(outcome) ? "cancelled" : "failed");
  const ProviderDescription& provider =
      job.kind == JobKind::kTranscribe ? providers.transcribe : providers.draft;
  auto ended = work.Write(who, identity::Caller{},
                          [&](store::Transaction& tx) -> Result<Audited<int>> {
    const store::Value p[] = {job_id,
                              tenant,
                              status,
                              outcome.empty() ? std::string("done") : outcome,
                              clock.Now(),
                              summary_id ? store::Value(*summary_id) : store::Value(store::Null{})};
    // A job the therapist cancelled meanwhile stays cancelled.
    ALCOVE_TRY(tx.Execute("UPDATE ai_jobs SET status = CASE WHEN status = 'cancelled' THEN "
                          "'cancelled' ELSE $3 END, outcome = CASE WHEN status = 'cancelled' "
                          "THEN outcome ELSE $4 END, progress = CASE WHEN $3 = 'done' THEN 1000 "
                          "ELSE progress END, finished_at = $5, summary_id = $6 WHERE id = $1 AND "
                          "tenant_id = $2",
                          p));
    audit::Details d;
    (void)d.SetToken("job", job_id);
    (void)d.SetToken("kind", JobKindName(job.kind));
    (void)d.SetToken("provider", provider.provider);
    (void)d.SetToken("outcome", outcome.empty() ? "done" : outcome);
    (void)d.SetInt("leaves_server", provider.leaves_server ? 1 : 0);
    if (called) {
      (void)d.SetInt("bytes_sent", static_cast<std::int64_t>(report.bytes_sent));
      (void)d.SetInt("bytes_received", static_cast<std::int64_t>(report.bytes_received));
      (void)d.SetInt("attempts", report.attempts);
    }
    return Audited<int>{0, AuditNote{called ? audit::Action::kAiUsed : audit::Action::kRecordUpdated,
                                     called ? "recording" : "ai_job",
                                     called ? job.recording_id : job_id, std::move(d)}};
  });
  if (!ended) {
    spdlog::warn("AI job {}: its end was not recorded: {}", job_id, ended.error().internal);
    return true;
  }
  return false;
}

}  // namespace alcove::ai
