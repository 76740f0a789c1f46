#pragma once

// Session recordings' entities (issue #18; docs/recordings.md): a recording of one client
// record, its participants and their documented consent, the practice's consent text and
// retention setting. Plain values; client content travels as crypto::PhiString.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "crypto/secret.hpp"

namespace alcove::recordings {

// Who is in the room: the therapist, and one or more clients (a couple, a family), each a
// client record of the same therapist.
enum class ParticipantKind { kTherapist, kClient };
std::string_view ParticipantKindName(ParticipantKind k);  // "therapist", "client"

// How a consent was documented (C05): clicked by the client in the portal, given in the
// session and recorded by the therapist, or a written form the therapist noted.
enum class ConsentMethod { kPortal, kInSession, kWritten };
std::string_view ConsentMethodName(ConsentMethod m);  // "portal", "in_session", "written"
std::optional<ConsentMethod> ConsentMethodFromName(std::string_view name);

// One documented consent: who recorded it (an account id: the therapist's, or the
// client's own in the portal), when, under which version of the practice's text, how.
struct Consent {
  ConsentMethod method = ConsentMethod::kInSession;
  std::int64_t text_version = 0;
  Micros given_at = 0;
  std::string given_by;
  std::optional<crypto::PhiString> note;  // only on GetRecording (an audited read)
};

struct Participant {
  std::string id;
  ParticipantKind kind = ParticipantKind::kTherapist;
  std::string client_id;  // a client's record; empty for the therapist
  std::string alias;      // the client's initials, or "Therapist"
  std::optional<Consent> consent;
};

// A recording's life: consent being gathered (nothing may be stored), consent complete
// (the recorder may start, an upload is taken), audio stored, and withdrawn (C04: the
// key, audio, transcript and unreviewed drafts destroyed; the row stays to say so).
enum class RecordingStatus { kAwaitingConsent, kConsented, kRecorded, kWithdrawn };
std::string_view RecordingStatusName(RecordingStatus s);
// "awaiting_consent", "consented", "recorded", "withdrawn"

struct Recording {
  std::string id;
  std::string client_id;  // the record it belongs to
  RecordingStatus status = RecordingStatus::kAwaitingConsent;
  Micros created_at = 0;
  std::vector<Participant> participants;
  std::optional<std::int64_t> audio_bytes;  // plaintext size, once stored
  std::string content_type;                 // of the audio, once stored
  std::optional<Micros> audio_stored_at;
  std::optional<Micros> audio_deleted_at;  // by retention, after transcription
  std::optional<Micros> withdrawn_at;
  std::optional<crypto::PhiString> title;  // only on GetRecording (an audited read)

  // The participants still without a documented consent (empty: all have consented).
  std::vector<const Participant*> Missing() const;
};

// A participant asked for: the therapist, or a client record (the recording's own when
// `client_id` is empty), with an optional label ("partner"), sealed.
struct NewParticipant {
  ParticipantKind kind = ParticipantKind::kTherapist;
  std::string client_id;
  std::optional<crypto::PhiString> label;
};

// The practice's consent text: versioned, every consent names the version it was given
// under. Version 1 is the built-in default (kDefaultConsentText) until the practice
// writes its own.
struct ConsentText {
  std::int64_t version = 1;
  std::string text;
  Micros created_at = 0;
};

// What the practice keeps (C04's retention, shown on the AI transparency page): audio is
// deleted after transcription unless kept for `keep_audio_days`; transcripts are kept
// until deleted or withdrawn.
struct RecordingSettings {
  std::int64_t keep_audio_days = 0;
};
inline constexpr std::int64_t kMaxKeepAudioDays = 3650;

// A recording as the client sees it in the portal: no title, no other participant's
// name; whether they consented, under which text.
struct ClientRecordingView {
  std::string recording_id;
  std::string participant_id;
  Micros created_at = 0;
  RecordingStatus status = RecordingStatus::kAwaitingConsent;
  std::optional<Consent> consent;
  std::optional<Micros> withdrawn_at;
};

// A recording's transcript (issue #19): sealed with the recording's key.
struct TranscriptRecord {
  std::string status = "none";  // "none", "pending", "done", "failed"
  std::optional<crypto::PhiString> text;
  std::optional<crypto::PhiString> segments_json;  // [{"start_ms","end_ms","text"}...]
  std::optional<Micros> requested_at;
  std::optional<Micros> completed_at;
};

// A summary drafted from a recording.
struct DraftOrigin {
  std::string summary_id;
  std::string recording_id;
  Micros recording_created_at = 0;
};

extern const std::string_view kDefaultConsentText;

}  // namespace alcove::recordings
