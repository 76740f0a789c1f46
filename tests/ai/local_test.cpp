// The local AI provider (docs/ai.md § On this server (local)) with speech made by espeak-ng
// at test time: PocketSphinx's word error rate within the documented bound, segments with
// times, every container the ffmpeg tool makes decoded through the AudioSource (no file),
// garbage refused, a call cancelled keeping nothing (C04), nothing of the content in the
// log and nothing sent off the server (C54), the extractive drafter's sections.
#include "ai/local.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/spoken_audio.hpp"
#include "support/temp_dir.hpp"

namespace alcove::ai {
namespace {

using testing::ReadBytes;
using testing::RunQuietly;
using testing::Speak;

constexpr const char* kParagraph =
    "we talked about the sleep diary and the evening walk. the walk helps with the worry at "
    "night. next week we will plan the weekends and look at the diary again.";

// Measured: 0.87 (27 of 31 words wrong) — PocketSphinx's en-US model hears espeak-ng's
// synthetic voice badly (docs/ai.md § On this server (local)). The bound catches a broken
// pipeline (silence or noise gives 1.0 or more), not a worse model.
constexpr double kMaxWordErrorRate = 0.95;

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::string w;
  for (char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '\'') {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!w.empty()) {
      out.push_back(w);
      w.clear();
    }
  }
  return out;
}

// Levenshtein distance over words, divided by the reference's length.
double WordErrorRate(const std::string& reference, const std::string& hypothesis) {
  const auto r = Words(reference);
  const auto h = Words(hypothesis);
  std::vector<std::size_t> prev(h.size() + 1);
  std::vector<std::size_t> cur(h.size() + 1);
  for (std::size_t j = 0; j <= h.size(); ++j) {
    prev[j] = j;
  }
  for (std::size_t i = 1; i <= r.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= h.size(); ++j) {
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return static_cast<double>(prev[h.size()]) / static_cast<double>(r.size());
}

class LocalProvider : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    ASSERT_TRUE(Speak(kParagraph, *dir_ / "speech.wav"));
    auto t = MakeLocalTranscriber(AiConfig{});
    ASSERT_TRUE(t) << t.error().internal;
    transcriber_ = t->release();
  }
  static void TearDownTestSuite() {
    delete transcriber_;
    delete dir_;
  }
  static std::vector<std::uint8_t> Wav() { return ReadBytes(*dir_ / "speech.wav"); }

  static testing::TempDir* dir_;
  static Transcriber* transcriber_;
};
testing::TempDir* LocalProvider::dir_ = nullptr;
Transcriber* LocalProvider::transcriber_ = nullptr;

Result<std::int64_t> DecodedMs(std::vector<std::uint8_t> bytes, std::int64_t* samples = nullptr) {
  MemoryAudio audio(std::move(bytes), "application/octet-stream");
  std::int64_t n = 0;
  auto ms = DecodeToPcm16k(
      audio,
      [&](std::span<const std::int16_t> s) -> Status {
        n += static_cast<std::int64_t>(s.size());
        return {};
      },
      CallControl{});
  if (samples != nullptr) {
    *samples = n;
  }
  return ms;
}

TEST_F(LocalProvider, C54TranscribesSpeechWithinTheWordErrorBoundAndLogsNothing) {
  MemoryAudio audio(Wav(), "audio/wav");
  CallReport report;
  ::testing::internal::CaptureStderr();
  auto t = transcriber_->Transcribe(audio, CallControl{}, report);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(t) << t.error().internal;
  const double wer = WordErrorRate(kParagraph, t->text.reveal());
  RecordProperty("word_error_rate", std::to_string(wer));
  std::cout << "word error rate " << wer << " over " << Words(kParagraph).size() << " words\n";
  EXPECT_LE(wer, kMaxWordErrorRate) << t->text.reveal();
  EXPECT_NE(t->text.reveal().find("diary"), std::string::npos) << t->text.reveal();
  EXPECT_EQ(log.find("diary"), std::string::npos) << "the log holds the content";
  EXPECT_TRUE(log.empty()) << log.size() << " bytes on stderr";
  EXPECT_EQ(report.bytes_sent, 0u);
  ASSERT_FALSE(t->segments.empty());
  std::int64_t last_end = 0;
  for (const auto& s : t->segments) {
    EXPECT_LE(last_end, s.start_ms);
    EXPECT_LT(s.start_ms, s.end_ms);
    EXPECT_LE(s.end_ms, t->audio_ms);
    last_end = s.end_ms;
  }
  EXPECT_GT(t->audio_ms, 5000);
}

TEST_F(LocalProvider, SegmentsFollowAPauseInTheSpeech) {
  // The paragraph, 3 s of silence, the paragraph again.
  const auto wav = *dir_ / "speech.wav";
  const auto out = *dir_ / "pause.wav";
  ASSERT_TRUE(RunQuietly("ffmpeg -y -i '" + wav.string() +
                         "' -f lavfi -t 3 -i anullsrc=r=22050:cl=mono -i '" + wav.string() +
                         "' -filter_complex concat=n=3:v=0:a=1 '" + out.string() + "'"));
  auto first_ms = DecodedMs(Wav());
  ASSERT_TRUE(first_ms);
  MemoryAudio audio(ReadBytes(out), "audio/wav");
  CallReport report;
  auto t = transcriber_->Transcribe(audio, CallControl{}, report);
  ASSERT_TRUE(t) << t.error().internal;
  // Some segment ends before the pause is half over and the next begins after it.
  bool found = false;
  for (std::size_t i = 1; i < t->segments.size(); ++i) {
    const auto& a = t->segments[i - 1];
    const auto& b = t->segments[i];
    if (a.end_ms <= *first_ms + 1500 && b.start_ms >= *first_ms + 1500) {
      found = true;
      EXPECT_LE(a.end_ms, *first_ms + 800);
      EXPECT_GE(b.start_ms, *first_ms + 2200);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(LocalProvider, EveryContainerTheFfmpegToolMakesDecodesTo16kMono) {
  std::int64_t wav_samples = 0;
  auto wav_ms = DecodedMs(Wav(), &wav_samples);
  ASSERT_TRUE(wav_ms) << wav_ms.error().internal;
  EXPECT_NEAR(static_cast<double>(wav_samples), static_cast<double>(*wav_ms) * 16, 16);
  const std::vector<std::pair<std::string, std::string>> formats = {
      {"webm", "-c:a libopus"},
      {"ogg", "-c:a libopus"},
      {"oga", "-c:a libvorbis -f ogg"},
      {"mp3", "-c:a libmp3lame"},
      {"m4a", "-c:a aac"},
      {"flac", "-c:a flac"},
      {"48k.wav", "-ar 48000 -ac 2 -c:a pcm_s16le"}};
  for (const auto& [ext, args] : formats) {
    const auto out = *dir_ / ("container." + ext);
    ASSERT_TRUE(RunQuietly("ffmpeg -y -i '" + (*dir_ / "speech.wav").string() + "' " + args + " '" +
                           out.string() + "'"))
        << ext;
    auto ms = DecodedMs(ReadBytes(out));
    ASSERT_TRUE(ms) << ext << ": " << ms.error().internal;
    EXPECT_NEAR(static_cast<double>(*ms), static_cast<double>(*wav_ms), 120) << ext;
  }
}

TEST_F(LocalProvider, GarbageIsRefusedAsInvalidArgument) {
  std::mt19937 rng(7);
  std::vector<std::uint8_t> noise(50000);
  for (auto& b : noise) {
    b = static_cast<std::uint8_t>(rng());
  }
  auto truncated = Wav();
  truncated.resize(40);
  const std::string text = "this is not audio at all, just words";
  for (auto bytes : {noise, truncated, std::vector<std::uint8_t>(text.begin(), text.end()),
                     std::vector<std::uint8_t>{}}) {
    auto ms = DecodedMs(bytes);
    ASSERT_FALSE(ms);
    EXPECT_EQ(ms.error().code, ErrorCode::kInvalidArgument) << ms.error().internal;
    EXPECT_EQ(ms.error().internal.find("words"), std::string::npos);
  }
}

TEST_F(LocalProvider, C04ACancelledTranscriptionStopsAndKeepsNothing) {
  MemoryAudio audio(Wav(), "audio/wav");
  std::atomic<bool> cancel{false};
  double seen = 0;
  CallControl control{.progress =
                          [&](double f) {
                            seen = f;
                            if (f > 0.3) {
                              cancel = true;
                            }
                          },
                      .cancelled = &cancel};
  CallReport report;
  auto t = transcriber_->Transcribe(audio, control, report);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kConflict);
  EXPECT_EQ(t.error().internal, "cancelled");
  EXPECT_LT(seen, 0.9);
  // The decoder it used is fine for the next call.
  MemoryAudio again(Wav(), "audio/wav");
  auto ok = transcriber_->Transcribe(again, CallControl{}, report);
  ASSERT_TRUE(ok) << ok.error().internal;
  EXPECT_LE(WordErrorRate(kParagraph, ok->text.reveal()), kMaxWordErrorRate);
}

TEST_F(LocalProvider, C54DescribesItselfAsOnThisServer) {
  const auto d = transcriber_->Describe();
  EXPECT_EQ(d.provider, "local");
  EXPECT_EQ(d.job, "transcribe");
  EXPECT_FALSE(d.leaves_server);
  EXPECT_EQ(d.sends, "nothing (on this server)");
  const auto dd = MakeLocalDrafter()->Describe();
  EXPECT_EQ(dd.provider, "local");
  EXPECT_EQ(dd.job, "draft");
  EXPECT_FALSE(dd.leaves_server);
  EXPECT_EQ(dd.engine, "extractive (no model)");
}

TEST(LocalTranscriber, AMissingModelFailsNamingTheSetting) {
  testing::TempDir empty;
  AiConfig config;
  config.local_model_dir = empty.path().string();
  auto t = MakeLocalTranscriber(config);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(t.error().internal.find("ai.local_model_dir"), std::string::npos);
}

Result<Draft> DraftOf(const std::string& text, std::vector<std::string> sections) {
  crypto::PhiString source{std::string(text)};
  DraftRequest request{
      .source = DraftRequest::Source::kNote, .text = &source, .sections = std::move(sections)};
  CallReport report;
  return MakeLocalDrafter()->MakeDraft(request, CallControl{}, report);
}

TEST(LocalDrafter, KeySentencesGoIntoTheSectionsInTheirOrderLabelledExtractive) {
  const std::string text =
      "The client reported poor sleep this week. Sleep was worse on work nights. Okay. "
      "We reviewed the sleep diary together. The weather was nice. "
      "The client seemed tired but engaged. Mood was low in the mornings. "
      "We agreed to keep the sleep diary and try an evening walk. Next session in two weeks.";
  auto d = DraftOf(text, {"subjective", "objective", "assessment", "plan"});
  ASSERT_TRUE(d) << d.error().internal;
  EXPECT_TRUE(d->extractive);
  ASSERT_EQ(d->sections.size(), 4u);
  EXPECT_EQ(d->sections[0].first, "subjective");
  EXPECT_EQ(d->sections[3].first, "plan");
  std::size_t at = 0;
  for (const auto& [name, body] : d->sections) {
    ASSERT_FALSE(body.empty()) << name;
    const auto pos = text.find(body.reveal().substr(0, 20));
    ASSERT_NE(pos, std::string::npos) << name << ": not the source's own words";
    EXPECT_GE(pos, at) << name << ": out of order";
    at = pos;
  }
  EXPECT_NE(d->sections[0].second.reveal().find("sleep"), std::string::npos);
  EXPECT_NE(d->sections[3].second.reveal().find("sleep diary"), std::string::npos);
}

TEST(LocalDrafter, AnUnpunctuatedTranscriptIsCutIntoRunsAndOneFreeTextSection) {
  std::string text;
  for (int i = 0; i < 30; ++i) {
    text += "we talked about the sleep diary and the walk in the evening ";
  }
  auto d = DraftOf(text, {});
  ASSERT_TRUE(d) << d.error().internal;
  ASSERT_EQ(d->sections.size(), 1u);
  EXPECT_EQ(d->sections[0].first, "text");
  EXPECT_FALSE(d->sections[0].second.empty());
  EXPECT_LT(d->sections[0].second.size(), text.size() / 3);
}

TEST(LocalDrafter, EmptyTextIsRefusedAndACancelledCallDraftsNothing) {
  auto d = DraftOf("  \n ", {"summary"});
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument);
  crypto::PhiString source{std::string("The client slept well.")};
  DraftRequest request{.text = &source};
  std::atomic<bool> cancel{true};
  CallReport report;
  auto c = MakeLocalDrafter()->MakeDraft(request, CallControl{.cancelled = &cancel}, report);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kConflict);
}

}  // namespace
}  // namespace alcove::ai
