// A recording's audio (recordings.hpp; docs/recordings.md § Audio): the resumable
// encrypted upload, only once every participant consented (C05), and playback. The key
// stays in crypto/ (EncryptedUpload, EncryptedBlob take its id, C03).
#include <spdlog/spdlog.h>

#include <utility>

#include "crypto/chunked.hpp"
#include "recordings/internal.hpp"
#include "recordings/recordings.hpp"

namespace alcove::recordings {

using identity::Audited;
using identity::AuditNote;
using identity::Caller;
using identity::TherapistScope;

Result<std::pair<Recording, internal::Row>> Recordings::Usable(const TherapistScope& who,
                                                            std::string_view recording_id) {
  ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
  std::pair<Recording, internal::Row> s;
  ALCOVE_TRY_ASSIGN(s.first, LoadOne(*tx, who.tenant(), recording_id, &s.second));
  if (s.first.withdrawn_at || !s.second.key) {
    return internal::Withdrawn();
  }
  return s;
}

Result<std::unique_ptr<crypto::EncryptedUpload>> Recordings::OpenUpload(
    const TherapistScope& who, std::string_view recording_id, std::uint64_t offset) {
  ALCOVE_TRY_ASSIGN(auto state, Usable(who, recording_id));
  auto& [recording, row] = state;
  if (const auto missing = recording.Missing(); !missing.empty()) {
    return ConsentMissing(missing.size());  // C05: not a byte is stored
  }
  if (row.blob || recording.audio_stored_at) {
    return Fail(ErrorCode::kAlreadyExists, "recording audio stored already",
                "This recording's audio is stored already. Make a new recording for another "
                "session.");
  }
  const std::string context = crypto::RecordingContext(who.tenant(), recording.id);
  if (offset > 0 && row.upload) {
    return crypto::EncryptedUpload::Resume(keys_, who.tenant(), *row.key, context, blobs_,
                                           *row.upload);
  }
  if (offset > 0) {
    return Fail(ErrorCode::kFailedPrecondition, "no upload in progress to resume",
                "There is no upload in progress: start again from the beginning.");
  }
  // From the beginning: a fresh upload; an unfinished earlier one goes.
  ALCOVE_TRY_ASSIGN(auto upload,
                    crypto::EncryptedUpload::Start(keys_, who.tenant(), *row.key, context, blobs_));
  {
    ALCOVE_TRY_ASSIGN(auto tx, db_.BeginTenant(who.tenant()));
    const store::Value p[] = {upload->blob_id(), recording.id, who.tenant()};
    ALCOVE_TRY_ASSIGN(const auto n,
                      tx->Execute("UPDATE recordings SET upload_id = $1 WHERE id = $2 AND "
                                  "tenant_id = $3 AND withdrawn_at IS NULL AND blob_id IS NULL",
                                  p));
    if (n != 1) {
      (void)blobs_.DeletePartial(upload->blob_id());
      return internal::Withdrawn();
    }
    ALCOVE_TRY(tx->Commit());
  }
  if (row.upload) {
    (void)blobs_.DeletePartial(*row.upload);
  }
  return upload;
}

Result<std::uint64_t> Recordings::UploadOffset(const TherapistScope& who,
                                               std::string_view recording_id) {
  ALCOVE_TRY_ASSIGN(auto state, Usable(who, recording_id));
  auto& [recording, row] = state;
  if (!row.upload) {
    return recording.audio_bytes ? static_cast<std::uint64_t>(*recording.audio_bytes) : 0;
  }
  auto at = crypto::EncryptedUpload::StoredOffset(
      keys_, who.tenant(), *row.key, crypto::RecordingContext(who.tenant(), recording.id),
      blobs_, *row.upload);
  if (!at && at.error().code == ErrorCode::kNotFound) {
    return std::uint64_t{0};
  }
  return at;
}

Status Recordings::CompleteUpload(const TherapistScope& who, std::string_view recording_id,
                                  crypto::EncryptedUpload& upload, std::string_view content_type,
                                  const Caller& caller) {
  ALCOVE_TRY(upload.Finish());
  const auto bytes = static_cast<std::int64_t>(upload.offset());
  auto done = work_.Write(who, caller, [&](store::Transaction& tx) -> Result<Audited<int>> {
    const store::Value p[] = {upload.blob_id(), bytes,         std::string(content_type),
                              clock_.Now(),     std::string(recording_id), who.tenant()};
    ALCOVE_TRY_ASSIGN(const auto n,
                      tx.Execute("UPDATE recordings SET blob_id = $1, upload_id = NULL, "
                                 "audio_bytes = $2, content_type = $3, audio_stored_at = $4 "
                                 "WHERE id = $5 AND tenant_id = $6 AND upload_id = $1 AND "
                                 "withdrawn_at IS NULL",
                                 p));
    if (n != 1) {
      return internal::Withdrawn();
    }
    ALCOVE_TRY_ASSIGN(const auto r, LoadOne(tx, who.tenant(), recording_id));
    audit::Details d = internal::RecordingDetails(r.client_id, r.id);
    (void)d.SetInt("bytes", bytes);
    return Audited<int>{0, AuditNote{audit::Action::kRecordUpdated, "recording", r.id,
                                     std::move(d)}};
  });
  if (!done) {
    // Withdrawn (or replaced) meanwhile: the audio must not stay.
    if (auto st = blobs_.Delete(upload.blob_id()); !st) {
      spdlog::error("an upload finished after its recording was withdrawn was not deleted: {}",
                    st.error().internal);
    }
    return std::unexpected(done.error());
  }
  return {};
}

Result<std::pair<std::unique_ptr<crypto::EncryptedBlob>, std::string>> Recordings::OpenAudio(
    const TherapistScope& who, std::string_view recording_id, const Caller& caller) {
  ALCOVE_TRY_ASSIGN(auto state, Usable(who, recording_id));
  auto& [recording, row] = state;
  if (!row.blob) {
    return Fail(ErrorCode::kNotFound, "recording without audio",
                recording.audio_deleted_at
                    ? "This recording's audio was deleted after transcription, as the "
                      "practice's retention setting says."
                    : "This recording has no audio yet.");
  }
  ALCOVE_TRY_ASSIGN(auto blob, crypto::EncryptedBlob::Open(
                                   keys_, who.tenant(), *row.key,
                                   crypto::RecordingContext(who.tenant(), recording.id), blobs_,
                                   *row.blob));
  ALCOVE_TRY(work_.Read(who, caller,
                        AuditNote{audit::Action::kRecordAccessed, "recording_audio",
                                  recording.id,
                                  internal::RecordingDetails(recording.client_id,
                                                             recording.id)}));
  return std::pair(std::move(blob), recording.content_type);
}

}  // namespace alcove::recordings
