// The `openai` provider (docs/ai.md § An OpenAI-compatible server) against a loopback
// HTTPS server of the test's own that speaks the OpenAI API, with a certificate made for
// the test: what it receives is exactly the audio or the text handed over (C54), with the
// model and the API key as a Bearer token; a certificate the configured CA did not issue
// fails before anything is sent; 429 and 5xx are retried with backoff and Retry-After,
// timeouts too, a refusal is not; a cancelled call stops. Through the whole app on both
// engines: the server receives nothing until every participant consented (C05), then
// exactly the consented recording's audio, and the draft request carries exactly its
// transcript.
#include "ai/openai.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "ai/jobs.hpp"
#include "cli/modules.hpp"
#include "support/app_harness.hpp"
#include "support/pg_test_env.hpp"
#include "support/scripted_https_server.hpp"
#include "support/temp_dir.hpp"
#include "support/test_certificate.hpp"

namespace alcove::ai {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::AppBrowser;
using testing::AppHarness;
using testing::ErrorCodeOf;
using testing::JsonMember;
using testing::ScriptedHttpsServer;
using testing::TestEngine;

// A self-signed certificate for 127.0.0.1 (the test's CA and the server's certificate in
// one), and another that did not issue the server's.
using Certificate = testing::SelfSignedCertificate;

const Certificate& ServerCertificate() {
  static const Certificate kCert;
  return kCert;
}

const Certificate& OtherCertificate() {
  static const Certificate kCert;
  return kCert;
}

std::string Bytes(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>((i * 131 + seed) % 251);
  }
  return s;
}

// The content of part `name` of a multipart/form-data request.
std::string FormPart(const ScriptedHttpsServer::Request& r, const std::string& name) {
  const auto type = r.headers.count("content-type") ? r.headers.at("content-type") : "";
  const auto b = type.find("boundary=");
  if (b == std::string::npos) {
    return "<not multipart>";
  }
  const std::string boundary = "--" + type.substr(b + 9);
  const auto at = r.body.find("name=\"" + name + "\"");
  if (at == std::string::npos) {
    return "<no part " + name + ">";
  }
  const auto start = r.body.find("\r\n\r\n", at);
  const auto end = r.body.find("\r\n" + boundary, start);
  if (start == std::string::npos || end == std::string::npos) {
    return "<malformed>";
  }
  return r.body.substr(start + 4, end - start - 4);
}

constexpr std::string_view kTranscription =
    R"({"text":"We talked about the sleep diary. The walk helps.","duration":4.5,)"
    R"("segments":[{"start":0.0,"end":2.25,"text":" We talked about the sleep diary."},)"
    R"({"start":2.5,"end":4.5,"text":" The walk helps."}]})";

std::string ChatAnswer(const std::string& content) {
  return json::serialize(json::object{
      {"choices", json::array{json::object{
                      {"message", json::object{{"role", "assistant"}, {"content", content}}}}}}});
}

class OpenAiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ServerCertificate().ok && OtherCertificate().ok) << "openssl req failed";
    server_ =
        std::make_unique<ScriptedHttpsServer>(ServerCertificate().cert, ServerCertificate().key);
    ASSERT_TRUE(server_->started());
    config_.transcribe = "openai";
    config_.draft = "openai";
    config_.openai_url = server_->origin() + "/";
    config_.openai_api_key_env = "ALCOVE_TEST_AI_KEY";
    config_.openai_ca_file = ServerCertificate().cert.string();
    config_.openai_transcribe_model = "whisper-large-v3";
    config_.openai_draft_model = "llama-3.1-8b";
    config_.openai_timeout_seconds = 10;
    config_.openai_max_retries = 3;
    config_.vendor_name = "The practice's own GPU box";
    env_ = {{"ALCOVE_TEST_AI_KEY", "sk-test-0123456789"}};
  }

  std::unique_ptr<Transcriber> NewTranscriber() {
    auto t = MakeOpenAiTranscriber(config_, env_);
    EXPECT_TRUE(t) << t.error().internal;
    return t ? std::move(*t) : nullptr;
  }

  std::unique_ptr<Drafter> NewDrafter(const fs::path& prompts = {}) {
    auto d = MakeOpenAiDrafter(config_, env_, prompts.empty() ? temp_.path() : prompts);
    EXPECT_TRUE(d) << d.error().internal;
    return d ? std::move(*d) : nullptr;
  }

  testing::TempDir temp_;
  std::unique_ptr<ScriptedHttpsServer> server_;
  AiConfig config_;
  Environment env_;
  CallControl control_;
};

TEST_F(OpenAiTest, C54TranscriptionSendsExactlyTheAudioWithTheModelAndTheKey) {
  const std::string audio = Bytes(300000, 7);
  server_->Push({.body = std::string(kTranscription)});
  auto t = NewTranscriber();
  ASSERT_NE(t, nullptr);
  MemoryAudio source(std::vector<std::uint8_t>(audio.begin(), audio.end()), "audio/webm");
  CallReport report;
  auto got = t->Transcribe(source, control_, report);
  ASSERT_TRUE(got) << got.error().internal;

  const auto requests = server_->requests();
  ASSERT_EQ(requests.size(), 1U);
  const auto& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/v1/audio/transcriptions");
  EXPECT_EQ(r.headers.at("authorization"), "Bearer sk-test-0123456789");
  EXPECT_EQ(FormPart(r, "file"), audio) << "the audio, byte for byte";
  EXPECT_NE(r.body.find("filename=\"audio.webm\""), std::string::npos);
  EXPECT_EQ(FormPart(r, "model"), "whisper-large-v3");
  EXPECT_EQ(FormPart(r, "response_format"), "verbose_json");

  EXPECT_EQ(got->text.reveal(), "We talked about the sleep diary. The walk helps.");
  ASSERT_EQ(got->segments.size(), 2U);
  EXPECT_EQ(got->segments[0].text.reveal(), "We talked about the sleep diary.");
  EXPECT_EQ(got->segments[0].end_ms, 2250);
  EXPECT_EQ(got->segments[1].start_ms, 2500);
  EXPECT_EQ(got->audio_ms, 4500);
  EXPECT_EQ(report.attempts, 1U);
  EXPECT_GE(report.bytes_sent, audio.size());
  EXPECT_EQ(report.bytes_received, kTranscription.size());

  const auto d = t->Describe();
  EXPECT_EQ(d.provider, "openai");
  EXPECT_TRUE(d.leaves_server);
  EXPECT_EQ(d.host, "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(d.engine, "whisper-large-v3");
  EXPECT_EQ(d.vendor, "The practice's own GPU box");
}

TEST_F(OpenAiTest, C54DraftingSendsThePromptFileAndExactlyTheText) {
  const fs::path prompts = temp_ / "prompts";
  fs::create_directories(prompts);
  std::ofstream(prompts / "draft-summary.txt") << "Our practice's own prompt: brief, plain.";
  server_->Push({.body = ChatAnswer("```json\n{\"data\":\"Slept better.\",\"assessment\":"
                                    "\"Improving.\",\"plan\":\"Keep the diary.\"}\n```")});
  auto d = NewDrafter(prompts);
  ASSERT_NE(d, nullptr);
  const crypto::PhiString text(
      std::string("We talked about the sleep \"diary\".\nThe walk helps."));
  DraftRequest request{.source = DraftRequest::Source::kTranscript,
                       .text = &text,
                       .sections = {"data", "assessment", "plan"}};
  CallReport report;
  auto got = d->MakeDraft(request, control_, report);
  ASSERT_TRUE(got) << got.error().internal;

  const auto requests = server_->requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].target, "/v1/chat/completions");
  EXPECT_EQ(requests[0].headers.at("authorization"), "Bearer sk-test-0123456789");
  const auto body = json::parse(requests[0].body).as_object();
  EXPECT_EQ(body.at("model").as_string(), "llama-3.1-8b");
  const auto& messages = body.at("messages").as_array();
  ASSERT_EQ(messages.size(), 2U);
  const std::string system(messages[0].at("content").as_string());
  EXPECT_EQ(system.rfind("Our practice's own prompt: brief, plain.", 0), 0U) << system;
  EXPECT_NE(system.find("\"data\", \"assessment\", \"plan\""), std::string::npos) << system;
  EXPECT_EQ(messages[1].at("content").as_string(), text.reveal()) << "the text, exactly";

  ASSERT_EQ(got->sections.size(), 3U);
  EXPECT_EQ(got->sections[0].first, "data");
  EXPECT_EQ(got->sections[0].second.reveal(), "Slept better.");
  EXPECT_EQ(got->sections[2].second.reveal(), "Keep the diary.");
  EXPECT_FALSE(got->extractive);
}

TEST_F(OpenAiTest, WithoutAPromptFileTheBuiltInPromptIsSentAndPlainTextLandsInTheFirstSection) {
  server_->Push({.body = ChatAnswer("Slept better; keep the diary.")});
  auto d = NewDrafter(temp_ / "no-prompts-here");
  ASSERT_NE(d, nullptr);
  const crypto::PhiString text(std::string("We talked about sleep."));
  CallReport report;
  auto got = d->MakeDraft({.text = &text, .sections = {"subjective", "plan"}}, control_, report);
  ASSERT_TRUE(got) << got.error().internal;
  const auto body = json::parse(server_->requests().at(0).body);
  const std::string system(body.at("messages").at(0).at("content").as_string());
  EXPECT_EQ(system.rfind(std::string(BuiltInDraftPrompt()), 0), 0U);
  ASSERT_EQ(got->sections.size(), 2U);
  EXPECT_EQ(got->sections[0].second.reveal(), "Slept better; keep the diary.");
  EXPECT_EQ(got->sections[1].second.reveal(), "");
}

TEST_F(OpenAiTest, ACertificateTheConfiguredCaDidNotIssueFailsAndNothingIsSent) {
  server_->set_fallback({.body = std::string(kTranscription)});
  config_.openai_ca_file = OtherCertificate().cert.string();
  auto t = NewTranscriber();
  ASSERT_NE(t, nullptr);
  MemoryAudio source(std::vector<std::uint8_t>(1000, 1), "audio/wav");
  CallReport report;
  auto got = t->Transcribe(source, control_, report);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(got.error().internal.find("TLS verification"), std::string::npos)
      << got.error().internal;
  EXPECT_EQ(report.attempts, 1U) << "a certificate that does not verify is not retried";
  EXPECT_GE(server_->connections(), 1);
  EXPECT_TRUE(server_->requests().empty()) << "no request reached the server";

  // The system's CAs do not trust the test's certificate either.
  config_.openai_ca_file.clear();
  t = NewTranscriber();
  got = t->Transcribe(source, control_, report);
  ASSERT_FALSE(got);
  EXPECT_TRUE(server_->requests().empty());
}

TEST_F(OpenAiTest, BusyAndFailingAnswersAreRetriedWithBackoffAndRetryAfterThenTheSameAudio) {
  const std::string audio = Bytes(50000, 3);
  server_->Push({.status = 503, .body = "{}"});
  server_->Push({.status = 429, .body = "{}", .retry_after = 1});
  server_->Push({.body = std::string(kTranscription)});
  auto t = NewTranscriber();
  ASSERT_NE(t, nullptr);
  MemoryAudio source(std::vector<std::uint8_t>(audio.begin(), audio.end()), "audio/ogg");
  CallReport report;
  const auto start = std::chrono::steady_clock::now();
  auto got = t->Transcribe(source, control_, report);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(got) << got.error().internal;
  EXPECT_EQ(report.attempts, 3U);
  const auto requests = server_->requests();
  ASSERT_EQ(requests.size(), 3U);
  for (const auto& r : requests) {
    EXPECT_EQ(FormPart(r, "file"), audio) << "each try sends the audio from its start";
  }
  // Not a speed assertion: the Retry-After of 1 s was waited, not skipped.
  EXPECT_GE(took, std::chrono::milliseconds(1000));
}

TEST_F(OpenAiTest, AServerThatKeepsFailingIsTriedMaxRetriesTimesMoreThenReportedUnavailable) {
  config_.openai_max_retries = 2;
  server_->set_fallback({.status = 500, .body = R"({"error":"down"})"});
  auto t = NewTranscriber();
  ASSERT_NE(t, nullptr);
  MemoryAudio source(std::vector<std::uint8_t>(2000, 9), "audio/wav");
  CallReport report;
  auto got = t->Transcribe(source, control_, report);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(got.error().internal.find("after 3 attempt(s): HTTP 500"), std::string::npos)
      << got.error().internal;
  EXPECT_EQ(server_->requests().size(), 3U);
}

TEST_F(OpenAiTest, ASlowServerTimesOutAndIsRetried) {
  config_.openai_timeout_seconds = 1;
  config_.openai_max_retries = 1;
  server_->set_fallback({.body = std::string(kTranscription), .delay_ms = 2500});
  auto t = NewTranscriber();
  ASSERT_NE(t, nullptr);
  MemoryAudio source(std::vector<std::uint8_t>(2000, 9), "audio/wav");
  CallReport report;
  auto got = t->Transcribe(source, control_, report);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(got.error().internal.find("Timeout"), std::string::npos) << got.error().internal;
  EXPECT_EQ(report.attempts, 2U);
  EXPECT_EQ(server_->requests().size(), 2U);
}

TEST_F(OpenAiTest, ARefusalIsNotRetriedAndNamesNoContent) {
  const crypto::PhiString text(std::string("marker-content of the session"));
  server_->Push({.status = 401, .body = R"({"error":"bad key"})"});
  auto d = NewDrafter();
  ASSERT_NE(d, nullptr);
  CallReport report;
  auto got = d->MakeDraft({.text = &text}, control_, report);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(got.error().internal.find("refused the API key"), std::string::npos);
  EXPECT_EQ(server_->requests().size(), 1U);

  server_->Push({.status = 400, .body = R"({"error":"marker-content"})"});
  got = d->MakeDraft({.text = &text}, control_, report);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(server_->requests().size(), 2U);
  EXPECT_EQ(got.error().internal.find("marker"), std::string::npos) << got.error().internal;
  EXPECT_EQ(got.error().public_message.find("marker"), std::string::npos);
}

TEST_F(OpenAiTest, ACancelledCallStopsDuringItsBackoff) {
  server_->set_fallback({.status = 503, .body = "{}", .retry_after = 30});
  auto t = NewTranscriber();
  ASSERT_NE(t, nullptr);
  MemoryAudio source(std::vector<std::uint8_t>(2000, 9), "audio/wav");
  std::atomic<bool> cancelled{false};
  CallControl control{.progress = {}, .cancelled = &cancelled};
  std::thread canceller([&] {
    while (server_->requests().empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancelled.store(true);
  });
  CallReport report;
  auto got = t->Transcribe(source, control, report);
  canceller.join();
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kConflict);
  EXPECT_EQ(got.error().internal, "cancelled");
  EXPECT_EQ(server_->requests().size(), 1U) << "no try after the cancel";
}

TEST_F(OpenAiTest, AConfigurationThatCannotWorkIsRefusedAtStartWithWhatToChange) {
  Environment no_key;
  auto t = MakeOpenAiTranscriber(config_, no_key);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(t.error().internal.find("ALCOVE_TEST_AI_KEY"), std::string::npos);
  EXPECT_EQ(t.error().internal.find("sk-test"), std::string::npos);

  AiConfig plain = config_;
  plain.openai_url = "http://127.0.0.1:8080";
  EXPECT_FALSE(MakeOpenAiTranscriber(plain, env_));
  EXPECT_FALSE(MakeOpenAiDrafter(plain, env_, temp_.path()));

  AiConfig no_ca = config_;
  no_ca.openai_ca_file = (temp_ / "missing.pem").string();
  auto d = MakeOpenAiDrafter(no_ca, env_, temp_.path());
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().internal.find("missing.pem"), std::string::npos);
}

// Through the whole app: jobs give the provider the consented recording and its transcript.
class OpenAiJobsTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    ASSERT_TRUE(ServerCertificate().ok);
    server_ =
        std::make_unique<ScriptedHttpsServer>(ServerCertificate().cert, ServerCertificate().key);
    ASSERT_TRUE(server_->started());
    AiConfig c;
    c.transcribe = "openai";
    c.draft = "openai";
    c.openai_url = server_->origin();
    c.openai_ca_file = ServerCertificate().cert.string();
    c.openai_draft_model = "llama-3.1-8b";
    auto t = MakeOpenAiTranscriber(c, {});
    auto d = MakeOpenAiDrafter(c, {}, temp_.path());
    ASSERT_TRUE(t && d);
    providers_.transcriber = std::move(*t);
    providers_.drafter = std::move(*d);
    providers_.transcribe = providers_.transcriber->Describe();
    providers_.draft = providers_.drafter->Describe();
    auto h = AppHarness::Create(GetParam(), pg_urls(), nullptr, false, &providers_);
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("openai-a@alcove.test", "192.0.2.91");
    jobs_ = cli::AiJobsOf(h_->modules());
    ASSERT_NE(jobs_, nullptr);
  }

  testing::TempDir temp_;
  std::unique_ptr<ScriptedHttpsServer> server_;
  Providers providers_;
  std::unique_ptr<AppHarness> h_;
  AppBrowser a_;
  Jobs* jobs_ = nullptr;
};

// claim: C05
TEST_P(OpenAiJobsTest, C05TheProviderReceivesNothingUntilConsentThenExactlyTheRecording) {
  auto res = h_->Call(a_, "POST", "/api/v1/clients", R"({"name":"Ada Outside"})");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string client = JsonMember(res.body, "id");
  res = h_->Call(a_, "POST", "/api/v1/clients/" + client + "/recordings",
                 R"({"participants":[{"kind":"therapist"},{"kind":"client"}]})");
  ASSERT_EQ(res.status, 201) << res.body;
  const auto o = json::parse(res.body).as_object();
  const std::string rec(o.at("id").as_string());
  std::vector<std::string> parts;
  for (const auto& p : o.at("participants").as_array()) {
    parts.emplace_back(p.at("id").as_string());
  }
  ASSERT_EQ(parts.size(), 2U);

  // One consent of two: no upload, no job, nothing sent.
  res = h_->Call(a_, "POST", "/api/v1/recordings/" + rec + "/participants/" + parts[0] + "/consent",
                 R"({"method":"in_session"})");
  ASSERT_EQ(res.status, 201) << res.body;
  res = h_->Call(a_, "POST", "/api/v1/recordings/" + rec + "/transcribe");
  EXPECT_EQ(res.status, 409) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "consent_missing");
  EXPECT_FALSE(jobs_->RunNext());
  EXPECT_EQ(server_->connections(), 0) << "not even a connection";

  res = h_->Call(a_, "POST", "/api/v1/recordings/" + rec + "/participants/" + parts[1] + "/consent",
                 R"({"method":"in_session"})");
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string audio = Bytes(120000, 11);
  res = h_->CallWith(a_, "PUT", "/api/v1/recordings/" + rec + "/audio", audio, "audio/webm", {});
  ASSERT_EQ(res.status, 200) << res.body;
  server_->Push({.body = std::string(kTranscription)});
  res = h_->Call(a_, "POST", "/api/v1/recordings/" + rec + "/transcribe");
  ASSERT_EQ(res.status, 202) << res.body;
  ASSERT_TRUE(jobs_->RunNext());
  auto requests = server_->requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(FormPart(requests[0], "file"), audio) << "exactly the consented recording's audio";
  EXPECT_EQ(requests[0].headers.count("authorization"), 0U) << "no key configured, none sent";
  res = h_->Call(a_, "GET", "/api/v1/recordings/" + rec + "/transcript");
  ASSERT_EQ(res.status, 200) << res.body;
  const std::string transcript(json::parse(res.body).at("text").as_string());
  EXPECT_EQ(transcript, "We talked about the sleep diary. The walk helps.");

  server_->Push({.body = ChatAnswer(R"({"text":"Sleep is better with the diary."})")});
  res =
      h_->Call(a_, "POST", "/api/v1/recordings/" + rec + "/draft-summary", R"({"format":"free"})");
  ASSERT_EQ(res.status, 202) << res.body;
  const std::string job(json::parse(res.body).at("job").at("id").as_string());
  ASSERT_TRUE(jobs_->RunNext());
  requests = server_->requests();
  ASSERT_EQ(requests.size(), 2U);
  const auto body = json::parse(requests[1].body);
  EXPECT_EQ(body.at("messages").at(1).at("content").as_string(), transcript)
      << "exactly the transcript";
  res = h_->Call(a_, "GET", "/api/v1/ai/jobs/" + job);
  ASSERT_EQ(res.status, 200) << res.body;
  const std::string summary(json::parse(res.body).at("summary_id").as_string());
  res = h_->Call(a_, "GET", "/api/v1/summaries/" + summary);
  ASSERT_EQ(res.status, 200) << res.body;
  const std::string text(json::parse(res.body).at("text").as_string());
  EXPECT_NE(text.find("Sleep is better with the diary."), std::string::npos) << text;
  EXPECT_EQ(text.find("extractive draft"), std::string::npos) << "written by a model";

  // The transparency page names the host the data went to.
  AppBrowser anyone{.ip = "203.0.113.11", .cookies = {}, .csrf = {}};
  res = h_->Call(anyone, "GET", "/api/v1/ai/transparency");
  EXPECT_EQ(json::parse(res.body).at("jobs").at(0).at("host").as_string(),
            "127.0.0.1:" + std::to_string(server_->port()));
}

INSTANTIATE_TEST_SUITE_P(Engines, OpenAiJobsTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace alcove::ai
