#pragma once

// AI providers (issue #19; docs/ai.md): the two jobs Alcove gives to a model —
// transcribe a recording's audio, and draft a summary from a transcript or a note — and
// the providers that do them: `local` (on this server: FFmpeg's libraries decode, PocketSphinx
// transcribes, an extractive drafter drafts) and `openai` (any OpenAI-compatible server
// over HTTPS). A provider knows nothing of tenants, records or keys: the job runner
// (ai/jobs.hpp) checks consent, decrypts for the call and seals what comes back (C54).
//
// Content crosses this interface only as crypto::PhiString (wiped when it goes) or through
// an AudioSource that decrypts on demand; a provider keeps no copy after it returns and
// writes nothing to a file (C54). Errors name no content: kUnavailable for a provider that
// is down or timed out (the job may retry), kInvalidArgument for audio it cannot decode,
// kResourceExhausted when the provider refused for load (429), kInternal otherwise.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "crypto/secret.hpp"

namespace alcove::ai {

// The audio of one recording, read on demand (the job wraps crypto::EncryptedBlob, so
// plaintext exists only in the buffers a provider passes in). Random access: containers
// such as MP4 keep their index at the end.
class AudioSource {
 public:
  virtual ~AudioSource() = default;
  // Plaintext length in bytes.
  virtual std::uint64_t size() const = 0;
  // Copies up to out.size() bytes from `offset`; returns how many (0 at the end).
  virtual Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> out) = 0;
  // The type the audio was uploaded with ("audio/webm", "audio/wav", ...; may be
  // "application/octet-stream": providers sniff the bytes).
  virtual std::string content_type() const = 0;
};

// Audio held in memory, for tests and benchmarks (the bytes are wiped with it).
class MemoryAudio final : public AudioSource {
 public:
  MemoryAudio(std::vector<std::uint8_t> bytes, std::string content_type);
  std::uint64_t size() const override;
  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> out) override;
  std::string content_type() const override;

 private:
  crypto::Phi<std::vector<std::uint8_t>> bytes_;
  std::string content_type_;
};

// One stretch of speech, in milliseconds from the start of the audio.
struct Segment {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  crypto::PhiString text;
};

struct Transcript {
  crypto::PhiString text;  // the whole text, segments joined with spaces
  std::vector<Segment> segments;
  std::int64_t audio_ms = 0;  // length of the audio decoded (0: unknown)
};

// What to draft from, and into which sections.
struct DraftRequest {
  enum class Source { kTranscript, kNote };
  Source source = Source::kTranscript;
  const crypto::PhiString* text = nullptr;  // the transcript's or the note's text
  std::vector<std::string> sections;        // the note format's sections, in order
                                            // (e.g. subjective, objective, assessment, plan);
                                            // empty: one free-text section
};

struct Draft {
  // Section name -> text, in the request's order (one entry "text" for free text).
  std::vector<std::pair<std::string, crypto::PhiString>> sections;
  // True for the local drafter: sentences picked from the source, not written by a model.
  // The summary is labelled so ("extractive draft").
  bool extractive = false;
};

// Counts for the audit event of a call (C40, C43: numbers and names, no content).
struct CallReport {
  std::uint64_t bytes_sent = 0;      // to the provider (0 for local)
  std::uint64_t bytes_received = 0;  // from it
  std::uint32_t attempts = 1;        // tries, retries included
};

// Lets a long call report progress and stop early. `cancelled` is polled between pieces
// of work (a withdrawal during a job sets it, C04); a cancelled call returns kConflict
// with internal message "cancelled" and keeps nothing.
struct CallControl {
  std::function<void(double fraction)> progress;  // 0..1, may be empty
  const std::atomic<bool>* cancelled = nullptr;   // may be null
  bool Cancelled() const { return cancelled != nullptr && cancelled->load(); }
  void Progress(double fraction) const {
    if (progress) {
      progress(fraction);
    }
  }
};

// What a provider is, for the audit log and the transparency page (C54): generated from
// the running configuration, never written by hand.
struct ProviderDescription {
  std::string job;       // "transcribe" or "draft"
  std::string provider;  // "local", "openai" or "off"
  std::string engine;    // e.g. "PocketSphinx (en-US model)", "extractive (no model)",
                         // or the configured model name ("whisper-1")
  bool leaves_server = false;
  std::string host;              // where data goes when it leaves ("api.example.com:443"), else ""
  std::string sends;             // "the recording's audio" / "the transcript's text" / "nothing"
  std::string vendor;            // who runs the host (ai.vendor_name); "" is "not stated"
  std::string vendor_retention;  // the operator's settings; "" is shown as "not stated"
  std::string vendor_training;
};

class Transcriber {
 public:
  virtual ~Transcriber() = default;
  virtual ProviderDescription Describe() const = 0;
  virtual Result<Transcript> Transcribe(AudioSource& audio, const CallControl& control,
                                        CallReport& report) = 0;
};

class Drafter {
 public:
  virtual ~Drafter() = default;
  virtual ProviderDescription Describe() const = 0;
  virtual Result<Draft> MakeDraft(const DraftRequest& request, const CallControl& control,
                                  CallReport& report) = 0;
};

// The providers the configuration names (ai.transcribe, ai.draft; "off" gives nullptr and
// a description saying so). Fails with kFailedPrecondition naming the setting when a
// provider cannot start (a missing model, an API key variable that is not set).
struct Providers {
  std::unique_ptr<Transcriber> transcriber;  // null when ai.transcribe = "off"
  std::unique_ptr<Drafter> drafter;          // null when ai.draft = "off"
  ProviderDescription transcribe;
  ProviderDescription draft;
};
Result<Providers> MakeProviders(const Config& config, const Environment& env);

}  // namespace alcove::ai
