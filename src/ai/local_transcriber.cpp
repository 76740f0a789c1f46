// The local transcriber (ai/local.hpp): DecodeToPcm16k feeds PocketSphinx (Debian 12's
// 0.8+5prealpha) in 20 ms blocks; its voice activity detector ends an utterance after
// half a second of silence, and each utterance's words (ps_seg_iter, fillers dropped)
// become segments, split again at pauses inside it. Times: an utterance's frames are
// counted from the point the detector's buffered lead-in begins, so its offset in the
// audio is where speech was detected less that lead-in.
//
// PocketSphinx logs every hypothesis at INFO level: its log is switched off for the
// process (err_set_callback) before any decoder is made. A decoder is not thread-safe
// and takes a while to load, so decoders are pooled: a call borrows an idle one or makes
// one (ai.workers calls may run at once).
#include <fmt/format.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>

#include <array>
#include <cstdarg>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "ai/local.hpp"

namespace alcove::ai {
namespace {

constexpr std::size_t kBlockSamples = 320;    // 20 ms at 16 kHz
constexpr std::int64_t kPauseSplitsMs = 300;  // a pause this long inside an utterance

void Quiet(void* /*user_data*/, err_lvl_t /*level*/, const char* /*fmt*/, ...) {}

struct PsFree {
  void operator()(ps_decoder_t* ps) const { ps_free(ps); }
};
using Decoder = std::unique_ptr<ps_decoder_t, PsFree>;

struct ModelFiles {
  std::string hmm;
  std::string lm;
  std::string dict;
};

Result<ModelFiles> FindModel(const AiConfig& config) {
  const std::filesystem::path dir =
      config.local_model_dir.empty() ? ALCOVE_POCKETSPHINX_MODEL_DIR : config.local_model_dir;
  ModelFiles m{(dir / "en-us").string(), (dir / "en-us.lm.bin").string(),
               (dir / "cmudict-en-us.dict").string()};
  std::error_code ec;
  if (!std::filesystem::is_regular_file(dir / "en-us" / "mdef", ec) ||
      !std::filesystem::is_regular_file(m.lm, ec) ||
      !std::filesystem::is_regular_file(m.dict, ec)) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("ai.local_model_dir: {} holds no PocketSphinx en-US model "
                            "(en-us/mdef, en-us.lm.bin, cmudict-en-us.dict; Debian's "
                            "pocketsphinx-en-us)",
                            dir.string()));
  }
  return m;
}

// One word of an utterance: its frames and where its text is in the utterance's text.
struct Word {
  int first_frame = 0;
  int last_frame = 0;
  std::size_t at = 0;
  std::size_t size = 0;
};

// The dictionary word without its alternative-pronunciation mark ("read(2)" -> "read");
// empty for fillers ("<s>", "<sil>", "[NOISE]", "++UH++").
std::string_view Spoken(const char* word) {
  std::string_view w = word != nullptr ? word : "";
  if (w.empty() || w.front() == '<' || w.front() == '[' || w.front() == '+') {
    return {};
  }
  if (const auto paren = w.find('('); paren != std::string_view::npos && paren > 0) {
    w = w.substr(0, paren);
  }
  return w;
}

// Appends the finished utterance's words to `out` as segments, split at pauses of
// kPauseSplitsMs or more. `offset_ms`: where the utterance's frame 0 is in the audio.
void CollectUtterance(ps_decoder_t* ps, std::int64_t offset_ms, std::int64_t frame_ms,
                      std::int64_t audio_ms, std::vector<Segment>& out) {
  // Two passes, so the utterance's text is one allocation of the right size (no unwiped
  // copies left by growth).
  std::size_t chars = 0;
  std::size_t count = 0;
  for (ps_seg_t* s = ps_seg_iter(ps); s != nullptr; s = ps_seg_next(s)) {
    if (const auto w = Spoken(ps_seg_word(s)); !w.empty()) {
      chars += w.size() + 1;
      ++count;
    }
  }
  if (count == 0) {
    return;
  }
  std::string text;
  text.reserve(chars);
  std::vector<Word> words;
  words.reserve(count);
  for (ps_seg_t* s = ps_seg_iter(ps); s != nullptr; s = ps_seg_next(s)) {
    const auto w = Spoken(ps_seg_word(s));
    if (w.empty()) {
      continue;
    }
    Word word;
    ps_seg_frames(s, &word.first_frame, &word.last_frame);
    if (!text.empty()) {
      text += ' ';
    }
    word.at = text.size();
    word.size = w.size();
    text += w;
    words.push_back(word);
  }
  const auto ms = [&](int frame) {
    return std::clamp<std::int64_t>(offset_ms + frame * frame_ms, 0, audio_ms);
  };
  std::size_t first = 0;
  for (std::size_t i = 1; i <= words.size(); ++i) {
    const bool last = i == words.size();
    if (!last && (words[i].first_frame - words[i - 1].last_frame) * frame_ms < kPauseSplitsMs) {
      continue;
    }
    const Word& a = words[first];
    const Word& b = words[i - 1];
    out.push_back(Segment{.start_ms = ms(a.first_frame),
                          .end_ms = ms(b.last_frame + 1),
                          .text = crypto::PhiString(text.substr(a.at, b.at + b.size - a.at))});
    first = i;
  }
  crypto::SecureZero(text.data(), text.capacity());
}

class LocalTranscriber final : public Transcriber {
 public:
  explicit LocalTranscriber(ModelFiles model) : model_(std::move(model)) {}

  ProviderDescription Describe() const override {
    return {.job = "transcribe",
            .provider = "local",
            .engine = "PocketSphinx (en-US model)",
            .leaves_server = false,
            .host = "",
            .sends = "nothing (on this server)"};
  }

  Result<Transcript> Transcribe(AudioSource& audio, const CallControl& control,
                                CallReport& report) override {
    report = CallReport{};
    ALCOVE_TRY_ASSIGN(Decoder ps, Borrow());
    auto result = Run(ps.get(), audio, control);
    Return(std::move(ps));
    return result;
  }

 private:
  Result<Decoder> NewDecoder() {
    cmd_ln_t* config = cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", model_.hmm.c_str(), "-lm",
                                   model_.lm.c_str(), "-dict", model_.dict.c_str(), nullptr);
    if (config == nullptr) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "ai.local_model_dir: PocketSphinx refused its "
                  "configuration");
    }
    Decoder ps(ps_init(config));
    cmd_ln_free_r(config);  // the decoder holds its own reference
    if (!ps) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "ai.local_model_dir: PocketSphinx could not load the model in " + model_.hmm);
    }
    return ps;
  }

  Result<Decoder> Borrow() {
    {
      const std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        Decoder d = std::move(idle_.back());
        idle_.pop_back();
        return d;
      }
    }
    const std::lock_guard lock(make_mu_);
    return NewDecoder();
  }

  void Return(Decoder d) {
    const std::lock_guard lock(mu_);
    idle_.push_back(std::move(d));
  }

  static Result<Transcript> Run(ps_decoder_t* ps, AudioSource& audio, const CallControl& control) {
    cmd_ln_t* config = ps_get_config(ps);
    const std::int64_t frame_ms = 1000 / std::max(1, cmd_ln_int32_r(config, "-frate"));
    const std::int64_t lead_in_ms =
        (cmd_ln_int32_r(config, "-vad_prespeech") + cmd_ln_int32_r(config, "-vad_startspeech")) *
        frame_ms;
    if (ps_start_utt(ps) < 0) {
      return Fail(ErrorCode::kInternal, "PocketSphinx: cannot start an utterance");
    }
    std::array<std::int16_t, kBlockSamples> block{};
    std::size_t filled = 0;
    std::int64_t fed = 0;  // samples given to the decoder
    bool in_speech = false;
    std::int64_t utt_offset_ms = 0;
    std::vector<Segment> segments;
    std::int64_t audio_ms_so_far = 0;
    const auto feed = [&](std::size_t n) -> Status {
      if (ps_process_raw(ps, block.data(), n, FALSE, FALSE) < 0) {
        return Fail(ErrorCode::kInternal, "PocketSphinx: decoding failed");
      }
      fed += static_cast<std::int64_t>(n);
      audio_ms_so_far = fed * 1000 / 16000;
      const bool now = ps_get_in_speech(ps) != 0;
      if (now && !in_speech) {
        utt_offset_ms = std::max<std::int64_t>(0, audio_ms_so_far - lead_in_ms);
      } else if (!now && in_speech) {
        ps_end_utt(ps);
        CollectUtterance(ps, utt_offset_ms, frame_ms, audio_ms_so_far, segments);
        if (ps_start_utt(ps) < 0) {
          return Fail(ErrorCode::kInternal, "PocketSphinx: cannot start an utterance");
        }
      }
      in_speech = now;
      return {};
    };
    const PcmSink sink = [&](std::span<const std::int16_t> samples) -> Status {
      while (!samples.empty()) {
        const std::size_t n = std::min(samples.size(), kBlockSamples - filled);
        std::copy_n(samples.begin(), n, block.begin() + static_cast<std::ptrdiff_t>(filled));
        filled += n;
        samples = samples.subspan(n);
        if (filled == kBlockSamples) {
          ALCOVE_TRY(feed(filled));
          filled = 0;
        }
      }
      return {};
    };
    auto decoded = DecodeToPcm16k(audio, sink, control);
    Status tail = decoded && filled > 0 ? feed(filled) : Status{};
    crypto::SecureZero(block.data(), sizeof(block));
    ps_end_utt(ps);
    if (!decoded) {
      return std::unexpected(decoded.error());
    }
    ALCOVE_TRY(tail);
    if (control.Cancelled()) {
      return Fail(ErrorCode::kConflict, "cancelled");
    }
    CollectUtterance(ps, utt_offset_ms, frame_ms, *decoded, segments);

    Transcript t;
    t.audio_ms = *decoded;
    std::size_t chars = 0;
    for (const auto& s : segments) {
      chars += s.text.size() + 1;
    }
    std::string text;
    text.reserve(chars);
    for (const auto& s : segments) {
      if (!text.empty()) {
        text += ' ';
      }
      text += s.text.reveal();
    }
    t.text = crypto::PhiString(std::move(text));
    crypto::SecureZero(text.data(), text.capacity());  // a short text's inline bytes
    t.segments = std::move(segments);
    control.Progress(1.0);
    return t;
  }

  ModelFiles model_;
  std::mutex mu_;
  std::vector<Decoder> idle_;
  std::mutex make_mu_;  // PocketSphinx's configuration parsing is not thread-safe
};

}  // namespace

Result<std::unique_ptr<Transcriber>> MakeLocalTranscriber(const AiConfig& config) {
  static std::once_flag quiet;
  std::call_once(quiet, [] {
    err_set_logfp(nullptr);  // the configuration dump writes to this stream directly
    err_set_callback(Quiet, nullptr);
  });
  ALCOVE_TRY_ASSIGN(auto model, FindModel(config));
  // The first decoder is made by the first transcription, not here: loading the model
  // takes a second, and a server (or a test) that never transcribes should not pay it.
  // FindModel has checked that its files are there.
  auto t = std::make_unique<LocalTranscriber>(std::move(model));
  return std::unique_ptr<Transcriber>(std::move(t));
}

}  // namespace alcove::ai
