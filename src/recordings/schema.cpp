// The recordings' schema (versions 901-999): tenant tables, row-level security on
// PostgreSQL.
#include "store/schema.hpp"

#include "recordings/recordings.hpp"

namespace alcove::recordings {
namespace {

// recordings: one row per recording. `title` is sealed with the client's key (C01);
// `key_id` names the recording's own data key (C03) and `blob_id` its audio, both NULL
// once withdrawn (the row then keeps ids and times only: "withdrawn on ...") and the
// blob NULL once retention deleted it. `upload_id` is the in-progress blob of an upload
// not yet complete (crypto::EncryptedUpload), which becomes `blob_id` when it completes.
// recording_participants: the therapist (client_id NULL) or a client record of the same
// tenant; the documented consent in its columns (method, text version, when, by whom, a
// sealed note), cleared on withdrawal. A client record deleted removes its recordings
// first (Recordings::DeleteClientRows), so no participant is ever left dangling.
// recording_consent_texts: the practice's versions of its consent text (not client
// content). recording_settings: the retention setting.
// recording_transcripts and recording_summaries are the AI's (issue #19): a recording's
// transcript, sealed with the recording's key, and the summaries drafted from it; a
// withdrawal deletes the transcript, the drafts not yet reviewed and every link.
constexpr std::string_view kTables =
    "CREATE TABLE recordings ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " title {bytes},"
    " key_id {int},"
    " blob_id TEXT,"
    " upload_id TEXT,"
    " audio_bytes {int},"
    " content_type TEXT,"
    " created_at {int} NOT NULL,"
    " created_by TEXT NOT NULL,"
    " audio_stored_at {int},"
    " audio_deleted_at {int},"
    " withdrawn_at {int},"
    " CHECK (withdrawn_at IS NULL OR (key_id IS NULL AND blob_id IS NULL AND upload_id IS NULL "
    "AND title IS NULL))"
    "){strict};"
    "CREATE INDEX recordings_by_client ON recordings (tenant_id, client_id, created_at);"
    "CREATE TABLE recording_participants ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 32),"
    " tenant_id {int} NOT NULL,"
    " recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,"
    " position {int} NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('therapist', 'client')),"
    " client_id TEXT REFERENCES clients (id) ON DELETE CASCADE,"
    " label {bytes},"
    " consent_method TEXT CHECK (consent_method IN ('portal', 'in_session', 'written')),"
    " consent_version {int},"
    " consented_at {int},"
    " consented_by TEXT,"
    " consent_note {bytes},"
    " CHECK ((kind = 'therapist') = (client_id IS NULL)),"
    " CHECK ((consent_method IS NULL) = (consented_at IS NULL))"
    "){strict};"
    "CREATE UNIQUE INDEX recording_participants_once ON recording_participants "
    "(recording_id, kind, client_id);"
    "CREATE INDEX recording_participants_by_client ON recording_participants "
    "(tenant_id, client_id);"
    "CREATE TABLE recording_consent_texts ("
    " tenant_id {int} NOT NULL,"
    " version {int} NOT NULL CHECK (version >= 1),"
    " text TEXT NOT NULL,"
    " created_at {int} NOT NULL,"
    " created_by TEXT,"
    " PRIMARY KEY (tenant_id, version)"
    "){strict};"
    "CREATE TABLE recording_settings ("
    " tenant_id {int} PRIMARY KEY,"
    " keep_audio_days {int} NOT NULL CHECK (keep_audio_days >= 0),"
    " updated_at {int} NOT NULL"
    "){strict};"
    "CREATE TABLE recording_transcripts ("
    " recording_id TEXT PRIMARY KEY REFERENCES recordings (id) ON DELETE CASCADE,"
    " tenant_id {int} NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),"
    " text {bytes},"
    " segments {bytes},"
    " requested_at {int} NOT NULL,"
    " completed_at {int}"
    "){strict};"
    "CREATE TABLE recording_summaries ("
    " tenant_id {int} NOT NULL,"
    " recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,"
    " summary_id TEXT NOT NULL REFERENCES summaries (id) ON DELETE CASCADE,"
    " PRIMARY KEY (recording_id, summary_id)"
    "){strict}";

}  // namespace

std::span<const store::Migration> RecordingsMigrations() {
  static const store::MigrationSet set = store::MigrationSet().Add(
      901, "recordings_consent", kTables,
      {"recordings", "recording_participants", "recording_consent_texts", "recording_settings",
       "recording_transcripts", "recording_summaries"});
  return set.migrations();
}

}  // namespace alcove::recordings
