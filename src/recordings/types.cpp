#include "recordings/types.hpp"

namespace alcove::recordings {

const std::string_view kDefaultConsentText =
    "Consent to record this session\n\n"
    "What is recorded: the sound of our session, from the moment your therapist starts the "
    "recorder until it is stopped. Nothing is recorded before every person in the session "
    "has agreed.\n\n"
    "Who processes it: the recording is stored encrypted, under a key of its own, on your "
    "therapist's Alcove server. Only your therapist can listen to it. If your therapist uses "
    "transcription or AI note drafting, the recording is processed only as the practice's "
    "AI page (the page /ai of this server) describes, and your therapist reviews anything drafted before it becomes part "
    "of your record.\n\n"
    "How long it is kept: the audio is deleted once it has been transcribed, unless the "
    "practice keeps it for a set number of days (the AI page says how many). A transcript "
    "is kept until it is deleted or you withdraw.\n\n"
    "How to withdraw: you may withdraw at any time, in the portal or by telling your "
    "therapist. Withdrawing destroys the recording, its transcript and any draft made from "
    "it at once; it cannot be brought back. Saying no, or withdrawing, does not change your "
    "care in any way.";

std::string_view ParticipantKindName(ParticipantKind k) {
  return k == ParticipantKind::kTherapist ? "therapist" : "client";
}

std::string_view ConsentMethodName(ConsentMethod m) {
  switch (m) {
    case ConsentMethod::kPortal:
      return "portal";
    case ConsentMethod::kInSession:
      return "in_session";
    case ConsentMethod::kWritten:
      return "written";
  }
  return "in_session";
}

std::optional<ConsentMethod> ConsentMethodFromName(std::string_view name) {
  for (const ConsentMethod m :
       {ConsentMethod::kPortal, ConsentMethod::kInSession, ConsentMethod::kWritten}) {
    if (ConsentMethodName(m) == name) {
      return m;
    }
  }
  return std::nullopt;
}

std::string_view RecordingStatusName(RecordingStatus s) {
  switch (s) {
    case RecordingStatus::kAwaitingConsent:
      return "awaiting_consent";
    case RecordingStatus::kConsented:
      return "consented";
    case RecordingStatus::kRecorded:
      return "recorded";
    case RecordingStatus::kWithdrawn:
      return "withdrawn";
  }
  return "awaiting_consent";
}

std::vector<const Participant*> Recording::Missing() const {
  std::vector<const Participant*> out;
  for (const Participant& p : participants) {
    if (!p.consent) {
      out.push_back(&p);
    }
  }
  return out;
}

}  // namespace alcove::recordings
