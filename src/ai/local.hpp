#pragma once

// The `local` provider (docs/ai.md § On this server): nothing leaves the server.
// - Decoding: FFmpeg's libraries read the audio through an AVIOContext over the
//   AudioSource (no file, no copy of the whole audio), decode any container browsers and
//   recorders make (WebM/Opus, Ogg, WAV, MP3, M4A/AAC, FLAC) and resample it to 16 kHz
//   mono signed 16-bit, handed on in pieces.
// - Transcription: PocketSphinx (Debian's pocketsphinx-en-us model), utterance by
//   utterance, with the segments' times.
// - Drafting without a model: the source's key sentences under the format's sections,
//   labelled as an extractive draft.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "ai/provider.hpp"

namespace alcove::ai {

// Decodes `audio` and calls `sink` with 16 kHz mono S16 samples, piece by piece (each
// piece's memory is wiped after the call). kInvalidArgument: not audio this build can
// decode (the message names the container or codec, no content). `control` is polled
// between pieces. Returns the decoded length in milliseconds.
using PcmSink = std::function<Status(std::span<const std::int16_t> samples)>;
Result<std::int64_t> DecodeToPcm16k(AudioSource& audio, const PcmSink& sink,
                                    const CallControl& control);

// kFailedPrecondition (naming ai.local_model_dir) when the model files are missing.
Result<std::unique_ptr<Transcriber>> MakeLocalTranscriber(const AiConfig& config);
std::unique_ptr<Drafter> MakeLocalDrafter();

}  // namespace alcove::ai
