#include "ai/provider.hpp"

#include "ai/local.hpp"
#include "ai/openai.hpp"

namespace alcove::ai {

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
    auto d = MakeOpenAiDrafter(ai, env, config.InDataDir(ai.prompts_dir));
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
