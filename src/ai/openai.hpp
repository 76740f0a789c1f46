#pragma once

// The `openai` provider (docs/ai.md § An OpenAI-compatible server): any server that speaks
// the OpenAI API — a whisper.cpp or llama.cpp server, Ollama, vLLM, or a vendor under a BAA.
// - Transcription: POST {openai_url}/v1/audio/transcriptions, multipart/form-data with
//   the audio streamed from the AudioSource (never a file), model
//   ai.openai_transcribe_model, response_format verbose_json (segments with times).
// - Drafting: POST {openai_url}/v1/chat/completions with the prompt file
//   (ai.prompts_dir/draft-summary.txt, or the built-in prompt) and the text.
// - libcurl over HTTPS only, the peer and host verified (ai.openai_ca_file or the system's
//   CAs), the API key from the environment variable ai.openai_api_key_env as a Bearer
//   token (never logged), a time limit per request, retries after timeouts, 429 and 5xx
//   with exponential backoff (Retry-After honoured), ai.openai_max_retries at most.

#include <filesystem>
#include <memory>
#include <string_view>

#include "ai/provider.hpp"

namespace alcove::ai {

// kFailedPrecondition when ai.openai_api_key_env names a variable that is not set, or
// the CA file cannot be read.
Result<std::unique_ptr<Transcriber>> MakeOpenAiTranscriber(const AiConfig& config,
                                                           const Environment& env);
// The prompt is read once, from `prompts_dir`/draft-summary.txt when that file holds one.
Result<std::unique_ptr<Drafter>> MakeOpenAiDrafter(const AiConfig& config, const Environment& env,
                                                   const std::filesystem::path& prompts_dir);

// The built-in drafting prompt (used when the prompts directory has none), for the
// transparency page and `alcove init`, which writes it to DATA_DIR/prompts.
std::string_view BuiltInDraftPrompt();

}  // namespace alcove::ai
