#pragma once

#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/encrypted_blob.hpp"
#include "crypto/key_ring.hpp"
#include "identity/principal.hpp"
#include "identity/scope.hpp"
#include "identity/unit_of_work.hpp"
#include "portal/portal.hpp"
#include "practice/practice.hpp"
#include "recordings/types.hpp"
#include "store/blob_store.hpp"
#include "store/db.hpp"
#include "store/migrations.hpp"

namespace alcove::recordings {

namespace internal {
struct Row;
}  // namespace internal

// Session recordings with documented consent (issue #18; docs/recordings.md; claims C03,
// C04, C05, C06, C20, C31, C40).
//
// - A recording belongs to one client record and lists its participants: the therapist
//   and one or more clients (couples, families), each a client record of the same
//   therapist. It has its own data key (KeyRing::CreateDek, purpose "recording", C03),
//   made with its row; its audio is a blob of the BlobStore in the chunked format.
// - Consent (C05): the practice has a versioned consent text (kDefaultConsentText is
//   version 1). Each participant's consent is documented: who recorded it, when, the
//   text version, how (portal: the client in the portal; in_session or written: the
//   therapist, with an optional sealed note). Until every participant has consented,
//   RequireConsent is ConsentMissing(): no audio is taken, the recorder does not start,
//   nothing is processed.
// - Withdrawal (C04): any participant's consent withdrawn (by the therapist, or the client
//   in the portal) destroys the recording at once: its row keeps only ids and times
//   (status withdrawn), its participants' consents go, the transcript row and every AI
//   draft not yet reviewed are deleted, reviewed summaries lose their link, all in one
//   audited transaction; then the data key is destroyed (C06's rules: no file of the
//   database keeps it) and the blob deleted. A key whose destruction failed is found by
//   Housekeeping's sweep (no recording row names it).
// - A client record deleted takes every recording it owns or is a participant of with it
//   (inside practice's deletion; keys and blobs go in the next Housekeeping).
// - Retention: the practice's RecordingSettings; Housekeeping deletes audio
//   keep_audio_days after its transcript was completed.
// - Every change is one audit event with ids only (C40): consent.given / consent.withdrawn
//   (object recording_participant, details client, recording), record.created /
//   record.deleted (object recording), record.updated (object recording_settings,
//   consent_text); a read of a recording is one record.accessed event.
// - Another tenant's recording or client, a participant of another recording, or (for a
//   client) a recording the caller does not take part in is kNotFound (C20, C31).
// Thread-safety: every method may be called from any thread.

// The schema (versions 901-999).
std::span<const store::Migration> RecordingsMigrations();

inline constexpr std::string_view kRecordingKeyPurpose = "recording";
inline constexpr std::size_t kMaxParticipants = 12;
inline constexpr std::size_t kMaxConsentTextBytes = 20000;
inline constexpr std::size_t kMaxNoteBytes = 2000;

// The error of an action refused until every participant has consented (409
// consent_missing on the web); IsConsentMissing recognises it.
std::unexpected<Error> ConsentMissing(std::size_t missing);
bool IsConsentMissing(const Error& e);
// The error of anything asked of a withdrawn recording but its listing (410 on the web).
bool IsWithdrawn(const Error& e);

class Recordings {
 public:
  // Borrows everything; all must outlive the service.
  Recordings(store::Db& db, crypto::KeyRing& keys, store::BlobStore& blobs,
             practice::Practice& practice, portal::Portal& portal, const audit::Log& log,
             const Clock& clock);

  // ---- The therapist's side ----
  // A recording of client `client_id` with its participants (at least one client; the
  // therapist at most once, each client at most once; client ids of the caller's
  // practice). kNotFound for a client not of the caller's; kInvalidArgument for a bad list.
  Result<Recording> Create(const identity::TherapistScope& who, std::string_view client_id,
                           std::optional<crypto::PhiString> title,
                           std::span<const NewParticipant> participants,
                           const identity::Caller& caller);
  // The client's recordings, newest first: ids, status, participants' aliases and consent
  // (no notes, no title: not audited), withdrawn ones included ("withdrawn on ...").
  // Every recording the client owns or takes part in.
  Result<std::vector<Recording>> ListForClient(const identity::TherapistScope& who,
                                               std::string_view client_id);
  // One recording with its title and consent notes. Audited once.
  Result<Recording> Get(const identity::TherapistScope& who, std::string_view recording_id,
                        const identity::Caller& caller);
  // One recording without content (no title, no notes; not audited).
  Result<Recording> Info(const identity::TherapistScope& who, std::string_view recording_id);
  // Documents a participant's consent given in the session or in writing (kInvalidArgument
  // for kPortal: only the client gives that, in the portal). kNotFound for a participant
  // not of this recording; kAlreadyExists when consented already; Withdrawn
  // (kFailedPrecondition) for a withdrawn recording.
  Result<Consent> DocumentConsent(const identity::TherapistScope& who,
                                  std::string_view recording_id, std::string_view participant_id,
                                  ConsentMethod method, std::optional<crypto::PhiString> note,
                                  const identity::Caller& caller);
  // A participant's consent withdrawn, as recorded by the therapist: destroys the
  // recording (above). kNotFound for a participant not of this recording;
  // kFailedPrecondition when withdrawn already.
  Status Withdraw(const identity::TherapistScope& who, std::string_view recording_id,
                  std::string_view participant_id, const identity::Caller& caller);
  // OK when every participant has consented; ConsentMissing() otherwise; kNotFound;
  // kFailedPrecondition for a withdrawn recording.
  Status RequireConsent(const identity::TherapistScope& who, std::string_view recording_id);

  // ---- Audio (C03: docs/recordings.md § Storage and streaming) ----
  // The upload of the recording's audio, to continue at plaintext `offset`: 0 starts it
  // (dropping an unfinished earlier one), any other offset resumes the one in progress
  // (the caller checks stored_offset() == offset: else 409 upload_offset_mismatch).
  // ConsentMissing() until every participant consented (C05: nothing is stored);
  // Withdrawn; kAlreadyExists when the audio is stored already; kNotFound.
  Result<std::unique_ptr<crypto::EncryptedUpload>> OpenUpload(const identity::TherapistScope& who,
                                                              std::string_view recording_id,
                                                              std::uint64_t offset);
  // Where the upload in progress stands (0 when none). kNotFound; Withdrawn.
  Result<std::uint64_t> UploadOffset(const identity::TherapistScope& who,
                                     std::string_view recording_id);
  // Seals the last chunk and makes the upload the recording's audio (audited
  // record.updated, object recording, details bytes). Withdrawn (and the blob deleted)
  // when consent was withdrawn meanwhile.
  Status CompleteUpload(const identity::TherapistScope& who, std::string_view recording_id,
                        crypto::EncryptedUpload& upload, std::string_view content_type,
                        const identity::Caller& caller);
  // The stored audio for playback (Range reads) and its content type. Audited once
  // (record.accessed, object recording_audio). kNotFound without audio; Withdrawn.
  Result<std::pair<std::unique_ptr<crypto::EncryptedBlob>, std::string>> OpenAudio(
      const identity::TherapistScope& who, std::string_view recording_id,
      const identity::Caller& caller);

  // ---- Processing: the AI jobs' side (issue #19; docs/ai.md) ----
  // Nothing is processed until every participant has consented (C05), and a withdrawal
  // meanwhile leaves nothing (C04): each of these checks both in its own transaction.
  struct ProcessingAudio {
    std::unique_ptr<crypto::EncryptedBlob> blob;  // decrypts on demand (C54)
    std::string content_type;
    std::string client_id;
  };
  // The audio for a transcription: ConsentMissing(), Withdrawn, kNotFound without audio
  // (never stored, or deleted by retention). Not audited: the job's ai.used event is.
  Result<ProcessingAudio> OpenForProcessing(const identity::TherapistScope& who,
                                            std::string_view recording_id);
  // A transcription asked for: the transcript row is pending (a done one stays done until
  // the new one is stored). ConsentMissing(); Withdrawn; kNotFound without audio.
  Status TranscriptRequested(const identity::TherapistScope& who, std::string_view recording_id);
  // Stores the transcript sealed with the recording's own key (C03, C54): its text and its
  // segments (JSON), status done, audited (record.updated, object recording_transcript).
  // Withdrawn or ConsentMissing() when that changed during the job: nothing is kept.
  Status StoreTranscript(const identity::TherapistScope& who, std::string_view recording_id,
                         const crypto::PhiString& text, const crypto::PhiString& segments_json,
                         const identity::Caller& caller);
  // The transcription failed (status failed; the text of an earlier one is dropped).
  Status TranscriptFailed(const identity::TherapistScope& who, std::string_view recording_id);
  // The transcript: status "none", "pending", "done" or "failed"; text and segments when
  // done. Audited once when it holds text (record.accessed, object recording_transcript).
  Result<TranscriptRecord> GetTranscript(const identity::TherapistScope& who,
                                         std::string_view recording_id,
                                         const identity::Caller& caller);
  // The transcript's text for a drafting job: ConsentMissing(), Withdrawn,
  // kFailedPrecondition without a finished transcript. Not audited (ai.used is).
  Result<crypto::PhiString> TranscriptForDrafting(const identity::TherapistScope& who,
                                                  std::string_view recording_id);
  // An AI draft from the recording lands among its client's summaries, linked to it (so
  // that a withdrawal deletes it while it is a draft, C04). Withdrawn or ConsentMissing()
  // when that changed: the draft is deleted again.
  Result<practice::Summary> AddDraftSummary(const identity::TherapistScope& who,
                                            std::string_view recording_id,
                                            const crypto::PhiString& text,
                                            const identity::Caller& caller);
  // The summaries of the client drafted from a recording: summary id -> the recording's
  // id and the time it was made (for "AI-drafted from the recording of ...").
  Result<std::vector<DraftOrigin>> DraftOrigins(const identity::TherapistScope& who,
                                                std::string_view client_id);

  Result<ConsentText> CurrentConsentText(const identity::TherapistScope& who);
  // A new version of the practice's consent text (1 to kMaxConsentTextBytes of UTF-8).
  Result<ConsentText> SetConsentText(const identity::TherapistScope& who, std::string_view text,
                                     const identity::Caller& caller);
  Result<RecordingSettings> GetSettings(const identity::TherapistScope& who);
  Status SetSettings(const identity::TherapistScope& who, const RecordingSettings& settings,
                     const identity::Caller& caller);

  // ---- The client's side (the portal; only recordings the caller takes part in) ----
  Result<std::vector<ClientRecordingView>> ForClient(const identity::ClientScope& who);
  // The consent text the caller is asked to agree to for one recording (the practice's
  // current version), and that recording as the client sees it.
  Result<std::pair<ClientRecordingView, ConsentText>> ConsentRequest(
      const identity::ClientScope& who, std::string_view recording_id);
  // The caller consents (method portal) under text `text_version`, which must be the
  // current one (kConflict otherwise: the text changed while they read it).
  Result<Consent> ClientConsent(const identity::ClientScope& who, std::string_view recording_id,
                                std::int64_t text_version, const identity::Caller& caller);
  // The caller withdraws: destroys the recording (above).
  Status ClientWithdraw(const identity::ClientScope& who, std::string_view recording_id,
                        const identity::Caller& caller);

  // ---- For practice's ClientExtension and the module's housekeeping ----
  // Deletes every recording the client owns or takes part in, inside DeleteClient's
  // transaction; their keys and blobs go in the next Housekeeping.
  Status DeleteClientRows(store::Transaction& tx, store::TenantId tenant,
                          std::string_view client_id);
  // Destroys keys and blobs of recordings deleted with a client and recording keys no row
  // uses (created before `now` - 10 minutes); deletes audio past its retention. Errors
  // are logged and retried next time.
  void Housekeeping(Micros now);

 private:
  // Recordings of `tenant` matching `where` ($1 is the tenant), newest first, with their
  // participants; `rows`, when given, receives what each row holds besides.
  Result<std::vector<Recording>> Load(store::Transaction& tx, store::TenantId tenant,
                                      std::string_view where, std::vector<store::Value> params,
                                      std::vector<internal::Row>* rows = nullptr);
  Result<Recording> LoadOne(store::Transaction& tx, store::TenantId tenant,
                            std::string_view recording_id, internal::Row* row = nullptr);
  // The participants' aliases from the caller's client list (one read).
  Status FillAliases(const identity::TherapistScope& who, std::span<Recording> list);
  // The recording and its row, for its audio: Withdrawn for a withdrawn one.
  Result<std::pair<Recording, internal::Row>> Usable(const identity::TherapistScope& who,
                                                     std::string_view recording_id);
  // The consent text of the practice in `tx` (writes version 1 when there is none yet).
  Result<ConsentText> ConsentTextIn(store::Transaction& tx, store::TenantId tenant);
  Result<std::optional<Consent>> Document(store::Transaction& tx, store::TenantId tenant,
                                          const Recording& r, std::string_view participant_id,
                                          const Consent& consent, const store::Bytes* note);
  // The withdrawal's rows in `tx`: returns the key and blob to destroy after the commit.
  struct Destroyed {
    std::optional<crypto::KeyId> key;
    std::optional<std::string> blob;
    std::optional<std::string> upload;
  };
  Result<Destroyed> DestroyRows(store::Transaction& tx, store::TenantId tenant,
                                std::string_view recording_id);
  // Deletes the transcript, the unreviewed AI drafts and every summary link, in `tx`.
  Status DropDerived(store::Transaction& tx, store::TenantId tenant,
                     std::string_view recording_id);
  // After the commit: key first (C06), then the blob.
  void DestroyKeyAndBlob(store::TenantId tenant, const Destroyed& d);
  Result<std::string> ClientParticipant(const identity::ClientScope& who,
                                        std::string_view recording_id, Recording& out);
  Result<std::int64_t> SweepOrphanKeys(Micros created_before);
  Result<std::int64_t> ApplyRetention(Micros now);

  store::Db& db_;
  crypto::KeyRing& keys_;
  store::BlobStore& blobs_;
  practice::Practice& practice_;
  portal::Portal& portal_;
  const Clock& clock_;
  identity::UnitOfWork work_;
  std::mutex pending_mu_;
  struct Pending {
    store::TenantId tenant = 0;
    Destroyed what;
  };
  std::vector<Pending> pending_;  // guarded by pending_mu_
};

}  // namespace alcove::recordings
