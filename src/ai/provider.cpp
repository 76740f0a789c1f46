#include "ai/provider.hpp"

#include <algorithm>
#include <cstring>

#include "ai/local.hpp"
#include "ai/openai.hpp"

namespace alcove::ai {

MemoryAudio::MemoryAudio(std::vector<std::uint8_t> bytes, std::string content_type)
    : bytes_(std::move(bytes)), content_type_(std::move(content_type)) {}

std::uint64_t MemoryAudio::size() const { return bytes_.size(); }

Result<std::size_t> MemoryAudio::ReadAt(std::uint64_t offset, std::span<std::uint8_t> out) {
  const auto& bytes = bytes_.reveal();
  if (offset >= bytes.size()) {
    return std::size_t{0};
  }
  const std::size_t n = std::min<std::uint64_t>(out.size(), bytes.size() - offset);
  std::memcpy(out.data(), bytes.data() + offset, n);
  return n;
}

std::string MemoryAudio::content_type() const { return content_type_; }

namespace {

ProviderDescription Off(std::string job) {
  ProviderDescription d;
  d.job = std::move(job);
  d.provider = "off";
  d.sends = "nothing";
  return d;
}

}  // namespace

Result<Providers> MakeProviders(const Config& config, const Environment& env) {
  Providers out;
  const AiConfig& ai = config.ai;
  if (ai.transcribe == "local") {
    auto t = MakeLocalTranscriber(ai);
    if (!t) {
      return std::unexpected(t.error());
    }
    out.transcriber = std::move(*t);
  } else if (ai.transcribe == "openai") {
    auto t = MakeOpenAiTranscriber(ai, env);
    if (!t) {
      return std::unexpected(t.error());
    }
    out.transcriber = std::move(*t);
  }
  if (ai.draft == "local") {
    out.drafter = MakeLocalDrafter();
  } else if (ai.draft == "openai") {
    auto d = MakeOpenAiDrafter(ai, env);
    if (!d) {
      return std::unexpected(d.error());
    }
    out.drafter = std::move(*d);
  }
  out.transcribe = out.transcriber ? out.transcriber->Describe() : Off("transcribe");
  out.draft = out.drafter ? out.drafter->Describe() : Off("draft");
  return out;
}

}  // namespace alcove::ai
