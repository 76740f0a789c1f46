// What the AI jobs (issue #19; docs/ai.md) may ask of a recording: its audio for one
// transcription, its transcript stored sealed with the recording's own key, the drafts
// made from it. Every step checks consent again (C05) in its own transaction, so a
// withdrawal during a job (C04) leaves nothing behind: the job's result finds the
// recording withdrawn and is not kept.
#include <utility>

#include "crypto/field_cipher.hpp"
#include "recordings/internal.hpp"
#include "recordings/recordings.hpp"

namespace alcove::recordings {

using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;

namespace {

constexpr std::string_view kTranscriptTable = "recording_transcripts";

crypto::Place TranscriptPlace(store::TenantId tenant, std::string_view column,
                              std::string_view recording_id) {
  return {tenant, kTranscriptTable, column, recording_id};
}

// The recording may be processed: not withdrawn (Usable checked that) and every
// participant consented.
Status RequireAllConsented(const Recording& r) {
  if (const auto missing = r.Missing(); !missing.empty()) {
    return ConsentMissing(missing.size());
  }
  return {};
}

std::unexpected<Error> NoAudio(const Recording& r) {
  return Fail(ErrorCode::kNotFound, "recording without audio to process",
              r.audio_deleted_at ? "This recording's audio was deleted after transcription, as "
                                   "the practice's retention setting says."
                                 : "This recording has no audio yet: record or upload it first.");
}

}  // namespace

Result<Recordings::ProcessingAudio> Recordings::OpenForProcessing(const TherapistScope& who,
                                                                  std::string_view recording_id) {
  ALCOVE_TRY_ASSIGN(auto state, Usable(who, recording_id));
  auto& [recording, row] = state;
  ALCOVE_TRY(RequireAllConsented(recording));
  if (!row.blob) {
    return NoAudio(recording);
  }
  ALCOVE_TRY_ASSIGN(auto blob, crypto::EncryptedBlob::Open(
                                   keys_, who.tenant(), *row.key,
                                   crypto::RecordingContext(who.tenant(), recording.id), blobs_,
                                   *row.blob));
  return ProcessingAudio{std::move(blob), recording.content_type, recording.client_id};
}

Status Recordings::TranscriptRequested(const TherapistScope& who, std::string_view recording_id) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  internal::Row row;
  ALCOVE_TRY_ASSIGN(const auto recording, LoadOne(*tx, who.tenant(), recording_id, &row));
  if (recording.withdrawn_at || !row.key) {
    return internal::Withdrawn();
  }
  ALCOVE_TRY(RequireAllConsented(recording));
  if (!row.blob) {
    return NoAudio(recording);
  }
  const store::Value p[] = {recording.id, who.tenant(), clock_.Now()};
  ALCOVE_TRY_ASSIGN(const auto n,
                    tx->Execute("UPDATE recording_transcripts SET requested_at = $3, status = "
                                "CASE WHEN status = 'done' THEN 'done' ELSE 'pending' END "
                                "WHERE recording_id = $1 AND tenant_id = $2",
                                p));
  if (n == 0) {
    ALCOVE_TRY(tx->Execute("INSERT INTO recording_transcripts (recording_id, tenant_id, status, "
                           "requested_at) VALUES ($1, $2, 'pending', $3)",
                           p));
  }
  return tx->Commit();
}

Status Recordings::StoreTranscript(const TherapistScope& who, std::string_view recording_id,
                                   const crypto::PhiString& text,
                                   const crypto::PhiString& segments_json, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto state, Usable(who, recording_id));
  auto& [recording, row] = state;
  ALCOVE_TRY(RequireAllConsented(recording));
  // Sealed before the transaction (the key ring may reserve seals in its own).
  const crypto::FieldCipher cipher(keys_, *row.key);
  ALCOVE_TRY_ASSIGN(auto sealed_text,
                    cipher.Seal(text.reveal(), TranscriptPlace(who.tenant(), "text", recording.id)));
  ALCOVE_TRY_ASSIGN(auto sealed_segments,
                    cipher.Seal(segments_json.reveal(),
                                TranscriptPlace(who.tenant(), "segments", recording.id)));
  auto done = work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<int>> {
    // Consent again, in the transaction that keeps the result (C04, C05).
    internal::Row now_row;
    ALCOVE_TRY_ASSIGN(const auto now, LoadOne(tx, who.tenant(), recording_id, &now_row));
    if (now.withdrawn_at || now_row.key != row.key) {
      return internal::Withdrawn();
    }
    ALCOVE_TRY(RequireAllConsented(now));
    const store::Value p[] = {now.id, who.tenant(), std::move(sealed_text),
                              std::move(sealed_segments), clock_.Now()};
    ALCOVE_TRY_ASSIGN(const auto n,
                      tx.Execute("UPDATE recording_transcripts SET status = 'done', text = $3, "
                                 "segments = $4, completed_at = $5 WHERE recording_id = $1 AND "
                                 "tenant_id = $2",
                                 p));
    if (n == 0) {
      ALCOVE_TRY(tx.Execute("INSERT INTO recording_transcripts (recording_id, tenant_id, status, "
                            "text, segments, requested_at, completed_at) VALUES ($1, $2, 'done', "
                            "$3, $4, $5, $5)",
                            p));
    }
    return Audited<int>{0, AuditNote{audit::Action::kRecordUpdated, "recording_transcript",
                                     now.id, internal::RecordingDetails(now.client_id, now.id)}};
  });
  if (!done) {
    return std::unexpected(done.error());
  }
  return {};
}

Status Recordings::TranscriptFailed(const TherapistScope& who, std::string_view recording_id) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  const store::Value p[] = {std::string(recording_id), who.tenant(), clock_.Now()};
  ALCOVE_TRY(tx->Execute("UPDATE recording_transcripts SET status = 'failed', text = NULL, "
                         "segments = NULL, completed_at = $3 WHERE recording_id = $1 AND "
                         "tenant_id = $2 AND status = 'pending'",
                         p));
  return tx->Commit();
}

Result<TranscriptRecord> Recordings::GetTranscript(const TherapistScope& who,
                                                   std::string_view recording_id,
                                                   const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto state, Usable(who, recording_id));
  auto& [recording, row] = state;
  TranscriptRecord out;
  std::optional<store::Bytes> text;
  std::optional<store::Bytes> segments;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    const store::Value p[] = {recording.id, who.tenant()};
    ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT status, text, segments, requested_at, "
                                           "completed_at FROM recording_transcripts WHERE "
                                           "recording_id = $1 AND tenant_id = $2",
                                           p));
    if (rows.empty()) {
      return out;
    }
    const auto& r = rows.front();
    out.status = r.Text(0);
    text = r.OptionalBlob(1);
    segments = r.OptionalBlob(2);
    out.requested_at = r.Int(3);
    out.completed_at = r.OptionalInt(4);
  }
  if (!text) {
    return out;
  }
  const crypto::FieldCipher cipher(keys_, *row.key);
  ALCOVE_TRY_ASSIGN(out.text, cipher.Open(*text, TranscriptPlace(who.tenant(), "text", recording.id)));
  if (segments) {
    ALCOVE_TRY_ASSIGN(out.segments_json,
                      cipher.Open(*segments, TranscriptPlace(who.tenant(), "segments", recording.id)));
  }
  ALCOVE_TRY(work_.Read(who, caller,
                        AuditNote{audit::Action::kRecordAccessed, "recording_transcript",
                                  recording.id,
                                  internal::RecordingDetails(recording.client_id, recording.id)}));
  return out;
}

Result<crypto::PhiString> Recordings::TranscriptForDrafting(const TherapistScope& who,
                                                            std::string_view recording_id) {
  ALCOVE_TRY_ASSIGN(auto state, Usable(who, recording_id));
  auto& [recording, row] = state;
  ALCOVE_TRY(RequireAllConsented(recording));
  std::optional<store::Bytes> text;
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    const store::Value p[] = {recording.id, who.tenant()};
    ALCOVE_TRY_ASSIGN(auto rows, tx->Query("SELECT text FROM recording_transcripts WHERE "
                                           "recording_id = $1 AND tenant_id = $2 AND status = "
                                           "'done' AND text IS NOT NULL",
                                           p));
    if (!rows.empty()) {
      text = rows.front().Blob(0);
    }
  }
  if (!text) {
    return Fail(ErrorCode::kFailedPrecondition, "no finished transcript to draft from",
                "This recording has no transcript yet: transcribe it first.");
  }
  const crypto::FieldCipher cipher(keys_, *row.key);
  return cipher.Open(*text, TranscriptPlace(who.tenant(), "text", recording.id));
}

Result<practice::Summary> Recordings::AddDraftSummary(const TherapistScope& who,
                                                      std::string_view recording_id,
                                                      const crypto::PhiString& text,
                                                      const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto state, Usable(who, recording_id));
  const Recording& recording = state.first;
  // The summary and its link in one transaction, which checks consent once more: a
  // withdrawal meanwhile keeps no draft (C04).
  return practice_.CreateModuleSummary(
      who, recording.client_id, text,
      [&](store::Transaction& tx, const practice::Summary& made) -> Status {
        ALCOVE_TRY_ASSIGN(const auto now, LoadOne(tx, who.tenant(), recording_id));
        if (now.withdrawn_at) {
          return internal::Withdrawn();
        }
        ALCOVE_TRY(RequireAllConsented(now));
        const store::Value p[] = {who.tenant(), now.id, made.id};
        ALCOVE_TRY(tx.Execute("INSERT INTO recording_summaries (tenant_id, recording_id, "
                              "summary_id) VALUES ($1, $2, $3)",
                              p));
        return {};
      },
      caller);
}

Result<std::vector<DraftOrigin>> Recordings::DraftOrigins(const TherapistScope& who,
                                                          std::string_view client_id) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  const store::Value p[] = {std::string(client_id), who.tenant()};
  ALCOVE_TRY_ASSIGN(auto rows,
                    tx->Query("SELECT l.summary_id, r.id, r.created_at FROM recording_summaries l "
                              "JOIN recordings r ON r.id = l.recording_id AND r.tenant_id = "
                              "l.tenant_id JOIN summaries s ON s.id = l.summary_id AND "
                              "s.tenant_id = l.tenant_id WHERE s.client_id = $1 AND l.tenant_id "
                              "= $2 ORDER BY r.created_at",
                              p));
  std::vector<DraftOrigin> out;
  for (const auto& r : rows) {
    out.push_back({r.Text(0), r.Text(1), r.Int(2)});
  }
  return out;
}

}  // namespace alcove::recordings
