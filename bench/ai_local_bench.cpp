// The local AI provider (docs/performance.md § AI on this server): the real-time factor
// of PocketSphinx on a 5-minute espeak-ng recording (seconds of audio per CPU second,
// decoding included), the extractive drafter on its transcript, and the peak RSS
// (VmHWM after clear_refs) of each.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <string>

#include "../tests/support/proc_status.hpp"
#include "../tests/support/spoken_audio.hpp"
#include "ai/local.hpp"

namespace {

using namespace alcove;

constexpr const char* kParagraph =
    "we talked about the sleep diary and the evening walk. the walk helps with the worry at "
    "night. next week we will plan the weekends and look at the diary again. ";

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// About five minutes of speech (24 times the paragraph at 120 words a minute).
const std::vector<std::uint8_t>& FiveMinutes() {
  static const std::vector<std::uint8_t> wav = [] {
    std::string text;
    for (int i = 0; i < 24; ++i) {
      text += kParagraph;
    }
    const auto path = std::filesystem::temp_directory_path() / "alcove-ai-local-bench.wav";
    testing::Speak(text, path);
    auto bytes = testing::ReadBytes(path);
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + ".txt");
    return bytes;
  }();
  return wav;
}

crypto::PhiString& LastTranscript() {
  static crypto::PhiString t;
  return t;
}

void BM_LocalTranscribeFiveMinutes(benchmark::State& state) {
  auto transcriber = ai::MakeLocalTranscriber(AiConfig{});
  if (!transcriber) {
    state.SkipWithError(transcriber.error().internal.c_str());
    return;
  }
  const auto& wav = FiveMinutes();
  double audio_s = 0;
  double cpu_s = 0;
  for (auto _ : state) {
    ai::MemoryAudio audio(std::vector<std::uint8_t>(wav), "audio/wav");
    ai::CallReport report;
    testing::ResetPeakRss();
    const double start = CpuSeconds();
    auto t = (*transcriber)->Transcribe(audio, ai::CallControl{}, report);
    cpu_s += CpuSeconds() - start;
    if (!t) {
      state.SkipWithError(t.error().internal.c_str());
      return;
    }
    audio_s += static_cast<double>(t->audio_ms) / 1000;
    LastTranscript() = std::move(t->text);
  }
  state.counters["audio_s"] = audio_s / static_cast<double>(state.iterations());
  state.counters["realtime_factor"] = audio_s / cpu_s;
  state.counters["peak_rss_mb"] = static_cast<double>(testing::ProcStatusKb("VmHWM:")) / 1024;
}
BENCHMARK(BM_LocalTranscribeFiveMinutes)->Unit(benchmark::kSecond)->Iterations(1);

void BM_LocalDraftFiveMinuteTranscript(benchmark::State& state) {
  if (LastTranscript().empty()) {
    state.SkipWithError("run BM_LocalTranscribeFiveMinutes first");
    return;
  }
  auto drafter = ai::MakeLocalDrafter();
  ai::DraftRequest request{.text = &LastTranscript(),
                           .sections = {"subjective", "objective", "assessment", "plan"}};
  testing::ResetPeakRss();
  for (auto _ : state) {
    ai::CallReport report;
    auto d = drafter->MakeDraft(request, ai::CallControl{}, report);
    benchmark::DoNotOptimize(d);
  }
  state.counters["words"] = static_cast<double>(
      std::count(LastTranscript().reveal().begin(), LastTranscript().reveal().end(), ' ') + 1);
  state.counters["peak_rss_mb"] = static_cast<double>(testing::ProcStatusKb("VmHWM:")) / 1024;
}
BENCHMARK(BM_LocalDraftFiveMinuteTranscript)->Unit(benchmark::kMicrosecond);

}  // namespace
