// The `openai` provider (openai.hpp; docs/ai.md § An OpenAI-compatible server).
#include "ai/openai.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <mutex>
#include <random>
#include <thread>

namespace alcove::ai {

namespace json = boost::json;

namespace {

// The largest answer read from a provider (a transcript of hours is a few MB).
constexpr std::size_t kMaxAnswerBytes = 32u << 20;
constexpr std::int64_t kMaxRetryAfterSeconds = 60;

constexpr std::string_view kBuiltInPrompt =
    "You draft a psychotherapist's session summary from a session transcript (or the "
    "therapist's note). Write in the therapist's professional voice, plainly and briefly. "
    "Use only what the text says: invent nothing, diagnose nothing, leave a section empty "
    "rather than guess. Do not repeat identifying details such as full names, addresses or "
    "dates of birth. The therapist reviews and edits the draft before it becomes part of the "
    "record.";

// Where the provider is, what to send it and how hard to try.
struct Endpoint {
  std::string base;  // https://host[:port][/prefix], without a trailing slash
  std::string host;  // host:port, for the transparency page and the audit log
  std::optional<crypto::SecretString> key;
  std::string ca_file;
  long timeout_seconds = 120;
  std::uint32_t max_retries = 3;
};

std::string HostOf(std::string_view url) {
  std::string_view rest = url.substr(std::string_view("https://").size());
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    rest = rest.substr(at + 1);
  }
  std::string host(rest);
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool bracketed = host.starts_with('[');
  const auto colon = host.rfind(':');
  if (colon == std::string::npos || (bracketed && host.back() == ']')) {
    host += ":443";
  }
  return host;
}

Result<Endpoint> EndpointFrom(const AiConfig& c, const Environment& env) {
  Endpoint e;
  if (!c.openai_url.starts_with("https://")) {
    return Fail(ErrorCode::kFailedPrecondition,
                "ai.openai_url must be an https:// URL for the openai provider");
  }
  e.base = c.openai_url;
  while (e.base.ends_with('/')) {
    e.base.pop_back();
  }
  e.host = HostOf(e.base);
  if (!c.openai_api_key_env.empty()) {
    const auto it = env.find(c.openai_api_key_env);
    if (it == env.end() || it->second.empty()) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "ai.openai_api_key_env names the environment variable " + c.openai_api_key_env +
                      ", which is not set; set it to the API key");
    }
    e.key = crypto::SecretString(std::string(it->second));
  }
  if (!c.openai_ca_file.empty()) {
    std::ifstream in(c.openai_ca_file);
    if (!in) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "ai.openai_ca_file " + c.openai_ca_file + " cannot be read");
    }
    e.ca_file = c.openai_ca_file;
  }
  e.timeout_seconds = static_cast<long>(c.openai_timeout_seconds);
  e.max_retries = c.openai_max_retries;
  return e;
}

// One answer of the provider.
struct Answer {
  long status = 0;
  std::string body;  // wiped by the caller's Wipe when it held content
  std::optional<std::int64_t> retry_after;
};

void Wipe(std::string& s) {
  crypto::SecureZero(s.data(), s.size());
  s.clear();
}

struct Transfer {
  Answer* answer = nullptr;
  const CallControl* control = nullptr;
  bool too_big = false;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t bytes = size * n;
  if (t->answer->body.size() + bytes > kMaxAnswerBytes) {
    t->too_big = true;
    return 0;
  }
  t->answer->body.append(data, bytes);
  return bytes;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string lower(line.substr(0, kName.size()));
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == kName) {
      std::int64_t v = 0;
      std::string_view value = line.substr(kName.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec == std::errc{} && p != value.data()) {
        t->answer->retry_after = std::clamp<std::int64_t>(v, 0, kMaxRetryAfterSeconds);
      }
    }
  }
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* t = static_cast<Transfer*>(user);
  return t->control != nullptr && t->control->Cancelled() ? 1 : 0;
}

// Sleeps `seconds`, waking early when the call is cancelled; false when it was.
bool Pause(double seconds, const CallControl& control) {
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  while (std::chrono::steady_clock::now() < until) {
    if (control.Cancelled()) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !control.Cancelled();
}

bool Retryable(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return true;
    default:
      return false;
  }
}

// How a request body is put on a handle (a fresh one each attempt).
using Prepare = std::function<Status(CURL*, curl_slist*&)>;

// POSTs to base + path, retrying timeouts, lost connections, 429 and 5xx with exponential
// backoff (Retry-After honoured), at most max_retries times. A 2xx answer is returned;
// errors name no content.
Result<Answer> Post(const Endpoint& e, std::string_view path, const Prepare& prepare,
                    const CallControl& control, CallReport& report) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::mt19937 jitter(std::random_device{}());
  const std::string url = e.base + std::string(path);
  report.attempts = 0;
  for (std::uint32_t attempt = 0;; ++attempt) {
    ++report.attempts;
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), &curl_easy_cleanup);
    if (!h) {
      return Fail(ErrorCode::kInternal, "curl_easy_init failed");
    }
    Answer answer;
    Transfer t{.answer = &answer, .control = &control};
    curl_slist* headers = nullptr;
    std::string auth;
    if (e.key) {
      auth = "Authorization: Bearer " + e.key->reveal();
      headers = curl_slist_append(headers, auth.c_str());
    }
    headers = curl_slist_append(headers, "Expect:");
    CURL* c = h.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!e.ca_file.empty()) {
      curl_easy_setopt(c, CURLOPT_CAINFO, e.ca_file.c_str());
    }
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, std::min(e.timeout_seconds, 30L));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, e.timeout_seconds);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    Status prepared = prepare(c, headers);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    CURLcode code = CURLE_OK;
    if (prepared) {
      code = curl_easy_perform(c);
    }
    curl_slist_free_all(headers);
    Wipe(auth);
    if (!prepared) {
      return std::unexpected(prepared.error());
    }
    curl_off_t up = 0;
    curl_off_t down = 0;
    curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &up);
    curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &down);
    report.bytes_sent += static_cast<std::uint64_t>(up);
    report.bytes_received += static_cast<std::uint64_t>(down);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
    if (code == CURLE_ABORTED_BY_CALLBACK || control.Cancelled()) {
      Wipe(answer.body);
      return Fail(ErrorCode::kConflict, "cancelled");
    }
    if (t.too_big) {
      Wipe(answer.body);
      return Fail(ErrorCode::kInternal, "the AI provider's answer is larger than 32 MiB");
    }
    if (code == CURLE_OK && answer.status >= 200 && answer.status < 300) {
      return answer;
    }
    const bool retry =
        code == CURLE_OK ? (answer.status == 429 || answer.status >= 500) : Retryable(code);
    const std::string what =
        code == CURLE_OK
            ? fmt::format("HTTP {}", answer.status)
            : fmt::format("{} (curl {})", curl_easy_strerror(code), static_cast<int>(code));
    Wipe(answer.body);
    if (!retry || attempt >= e.max_retries) {
      if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CONNECT_ERROR ||
          code == CURLE_SSL_CACERT_BADFILE) {
        return Fail(ErrorCode::kUnavailable,
                    fmt::format("the AI provider at {} failed TLS verification: {}", e.host, what));
      }
      if (code == CURLE_OK && (answer.status == 401 || answer.status == 403)) {
        return Fail(ErrorCode::kFailedPrecondition,
                    fmt::format("the AI provider at {} refused the API key ({})", e.host, what));
      }
      if (code == CURLE_OK && answer.status >= 400 && answer.status < 500 && answer.status != 429) {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("the AI provider at {} refused the request ({})", e.host, what));
      }
      return Fail(ErrorCode::kUnavailable,
                  fmt::format("the AI provider at {} did not answer after {} attempt(s): {}",
                              e.host, report.attempts, what));
    }
    double wait =
        0.5 * std::pow(2.0, attempt) * std::uniform_real_distribution<double>(0.75, 1.25)(jitter);
    if (answer.retry_after) {
      wait = static_cast<double>(*answer.retry_after);
    }
    if (!Pause(std::min(wait, static_cast<double>(kMaxRetryAfterSeconds)), control)) {
      return Fail(ErrorCode::kConflict, "cancelled");
    }
  }
}

std::string FileExtension(std::string_view type) {
  if (type.find("webm") != std::string_view::npos) return "webm";
  if (type.find("ogg") != std::string_view::npos) return "ogg";
  if (type.find("mp4") != std::string_view::npos || type.find("m4a") != std::string_view::npos)
    return "m4a";
  if (type.find("mpeg") != std::string_view::npos) return "mp3";
  if (type.find("wav") != std::string_view::npos) return "wav";
  if (type.find("flac") != std::string_view::npos) return "flac";
  if (type.find("aac") != std::string_view::npos) return "aac";
  return "webm";
}

// The audio part of the form, read from the source as curl sends it.
struct AudioReader {
  AudioSource* audio = nullptr;
  std::uint64_t offset = 0;
  bool failed = false;
};

std::size_t ReadAudio(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* r = static_cast<AudioReader*>(user);
  auto got =
      r->audio->ReadAt(r->offset, std::span(reinterpret_cast<std::uint8_t*>(buffer), size * n));
  if (!got) {
    r->failed = true;
    return CURL_READFUNC_ABORT;
  }
  r->offset += *got;
  return *got;
}

int SeekAudio(void* user, curl_off_t offset, int origin) {
  auto* r = static_cast<AudioReader*>(user);
  if (origin != SEEK_SET || offset < 0) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  r->offset = static_cast<std::uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

Result<json::value> ParseAnswer(std::string& body, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  Wipe(body);
  if (ec) {
    return Fail(ErrorCode::kUnavailable,
                fmt::format("the AI provider's {} answer is not JSON", what));
  }
  return v;
}

class OpenAiTranscriber final : public Transcriber {
 public:
  OpenAiTranscriber(Endpoint e, const AiConfig& c)
      : e_(std::move(e)), model_(c.openai_transcribe_model), c_(c) {}

  ProviderDescription Describe() const override {
    return {.job = "transcribe",
            .provider = "openai",
            .engine = model_,
            .leaves_server = true,
            .host = e_.host,
            .sends = "the recording's audio",
            .vendor = c_.vendor_name,
            .vendor_retention = c_.vendor_retention,
            .vendor_training = c_.vendor_training};
  }

  Result<Transcript> Transcribe(AudioSource& audio, const CallControl& control,
                                CallReport& report) override {
    AudioReader reader{.audio = &audio};
    const std::string filename = "audio." + FileExtension(audio.content_type());
    const std::string type = audio.content_type();
    curl_mime* mime = nullptr;
    auto prepare = [&](CURL* c, curl_slist*&) -> Status {
      if (mime != nullptr) {
        curl_mime_free(mime);
      }
      reader.offset = 0;
      mime = curl_mime_init(c);
      curl_mimepart* part = curl_mime_addpart(mime);
      curl_mime_name(part, "file");
      curl_mime_filename(part, filename.c_str());
      curl_mime_type(part, type.empty() ? "application/octet-stream" : type.c_str());
      curl_mime_data_cb(part, static_cast<curl_off_t>(audio.size()), &ReadAudio, &SeekAudio,
                        nullptr, &reader);
      part = curl_mime_addpart(mime);
      curl_mime_name(part, "model");
      curl_mime_data(part, model_.c_str(), CURL_ZERO_TERMINATED);
      part = curl_mime_addpart(mime);
      curl_mime_name(part, "response_format");
      curl_mime_data(part, "verbose_json", CURL_ZERO_TERMINATED);
      curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
      return {};
    };
    control.Progress(0.05);
    auto answer = Post(e_, "/v1/audio/transcriptions", prepare, control, report);
    if (mime != nullptr) {
      curl_mime_free(mime);
    }
    if (reader.failed) {
      return Fail(ErrorCode::kInternal, "the recording's audio could not be read for the call");
    }
    if (!answer) {
      return std::unexpected(answer.error());
    }
    ALCOVE_TRY_ASSIGN(auto v, ParseAnswer(answer->body, "transcription"));
    const auto* o = v.if_object();
    const auto* text = o != nullptr ? o->if_contains("text") : nullptr;
    if (text == nullptr || !text->is_string()) {
      return Fail(ErrorCode::kUnavailable, "the AI provider's transcription has no `text`");
    }
    Transcript t;
    t.text = crypto::PhiString(std::string(text->as_string()));
    if (const auto* segs = o->if_contains("segments"); segs != nullptr && segs->is_array()) {
      for (const auto& s : segs->as_array()) {
        const auto* so = s.if_object();
        if (so == nullptr) {
          continue;
        }
        auto seconds = [&](std::string_view k) -> std::int64_t {
          const auto* x = so->if_contains(k);
          if (x == nullptr || !x->is_number()) {
            return 0;
          }
          return static_cast<std::int64_t>(std::llround(x->to_number<double>() * 1000.0));
        };
        const auto* st = so->if_contains("text");
        std::string words = st != nullptr && st->is_string() ? std::string(st->as_string()) : "";
        while (!words.empty() && words.front() == ' ') {
          words.erase(words.begin());
        }
        t.segments.push_back(
            {seconds("start"), seconds("end"), crypto::PhiString(std::move(words))});
      }
    }
    if (const auto* d = o->if_contains("duration"); d != nullptr && d->is_number()) {
      t.audio_ms = static_cast<std::int64_t>(std::llround(d->to_number<double>() * 1000.0));
    }
    control.Progress(1.0);
    return t;
  }

 private:
  Endpoint e_;
  std::string model_;
  AiConfig c_;
};

class OpenAiDrafter final : public Drafter {
 public:
  OpenAiDrafter(Endpoint e, const AiConfig& c, std::string prompt)
      : e_(std::move(e)), c_(c), prompt_(std::move(prompt)) {}

  ProviderDescription Describe() const override {
    return {.job = "draft",
            .provider = "openai",
            .engine = c_.openai_draft_model,
            .leaves_server = true,
            .host = e_.host,
            .sends = "the transcript's text",
            .vendor = c_.vendor_name,
            .vendor_retention = c_.vendor_retention,
            .vendor_training = c_.vendor_training};
  }

  Result<Draft> MakeDraft(const DraftRequest& request, const CallControl& control,
                          CallReport& report) override {
    if (request.text == nullptr || request.text->empty()) {
      return Fail(ErrorCode::kInvalidArgument, "nothing to draft from");
    }
    std::vector<std::string> sections = request.sections;
    if (sections.empty()) {
      sections.push_back("text");
    }
    std::string keys;
    for (const auto& s : sections) {
      keys += (keys.empty() ? "\"" : ", \"") + s + "\"";
    }
    const std::string system =
        prompt_ + "\n\nAnswer with one JSON object whose keys are exactly " + keys +
        ", each a string (empty when the text says nothing for it), and nothing else.";
    json::object body{
        {"model", c_.openai_draft_model},
        {"temperature", 0.2},
        {"messages",
         json::array{json::object{{"role", "system"}, {"content", system}},
                     json::object{{"role", "user"}, {"content", request.text->reveal()}}}}};
    std::string payload = json::serialize(body);
    body = {};
    auto prepare = [&](CURL* c, curl_slist*& headers) -> Status {
      headers = curl_slist_append(headers, "Content-Type: application/json");
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
      return {};
    };
    control.Progress(0.1);
    auto answer = Post(e_, "/v1/chat/completions", prepare, control, report);
    Wipe(payload);
    if (!answer) {
      return std::unexpected(answer.error());
    }
    ALCOVE_TRY_ASSIGN(auto v, ParseAnswer(answer->body, "chat"));
    const json::value* content = nullptr;
    if (const auto* o = v.if_object()) {
      if (const auto* choices = o->if_contains("choices");
          choices != nullptr && choices->is_array() && !choices->as_array().empty()) {
        if (const auto* m = choices->as_array().front().as_object().if_contains("message")) {
          content = m->is_object() ? m->as_object().if_contains("content") : nullptr;
        }
      }
    }
    if (content == nullptr || !content->is_string()) {
      return Fail(ErrorCode::kUnavailable, "the AI provider's chat answer has no message content");
    }
    std::string text(content->as_string());
    Draft d;
    boost::system::error_code ec;
    // Models often fence JSON in ```json ... ```: take the outermost object.
    const auto open = text.find('{');
    const auto close = text.rfind('}');
    json::value parsed;
    if (open != std::string::npos && close != std::string::npos && close > open) {
      parsed = json::parse(std::string_view(text).substr(open, close - open + 1), ec);
    }
    if (!ec && parsed.is_object()) {
      for (const auto& s : sections) {
        const auto* x = parsed.as_object().if_contains(s);
        d.sections.emplace_back(
            s,
            crypto::PhiString(x != nullptr && x->is_string() ? std::string(x->as_string()) : ""));
      }
    } else {
      // Plain text: all of it under the first section.
      d.sections.emplace_back(sections.front(), crypto::PhiString(std::string(text)));
      for (std::size_t i = 1; i < sections.size(); ++i) {
        d.sections.emplace_back(sections[i], crypto::PhiString(std::string()));
      }
    }
    Wipe(text);
    control.Progress(1.0);
    return d;
  }

 private:
  Endpoint e_;
  AiConfig c_;
  std::string prompt_;
};

}  // namespace

std::string_view BuiltInDraftPrompt() { return kBuiltInPrompt; }

Result<std::unique_ptr<Transcriber>> MakeOpenAiTranscriber(const AiConfig& config,
                                                           const Environment& env) {
  ALCOVE_TRY_ASSIGN(auto e, EndpointFrom(config, env));
  return std::unique_ptr<Transcriber>(std::make_unique<OpenAiTranscriber>(std::move(e), config));
}

Result<std::unique_ptr<Drafter>> MakeOpenAiDrafter(const AiConfig& config, const Environment& env,
                                                   const std::filesystem::path& prompts_dir) {
  ALCOVE_TRY_ASSIGN(auto e, EndpointFrom(config, env));
  std::string prompt(kBuiltInPrompt);
  const auto file = prompts_dir / "draft-summary.txt";
  if (std::ifstream in(file); in) {
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (!text.empty()) {
      prompt = std::move(text);
    }
  }
  return std::unique_ptr<Drafter>(
      std::make_unique<OpenAiDrafter>(std::move(e), config, std::move(prompt)));
}

}  // namespace alcove::ai
