// AI jobs (docs/ai.md § Jobs) on both engines, through the whole app in process with
// providers of the test's own that record what they are given: consent checked before a
// job is made and again before the call (C05), the call's input exactly the consented
// recording's audio and its outcome sealed with the recording's key (C54), a withdrawal
// during a running job cancelling it and leaving nothing (C04), every call audited with
// counts and no content (C40, C43), a burst answered 429 with Retry-After (C30), jobs that
// outlive their worker (durable), another therapist's jobs 404 (C20, C31), and the
// transparency page following the configuration (C54).
#include "ai/jobs.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit/query.hpp"
#include "cli/modules.hpp"
#include "support/app_harness.hpp"
#include "support/file_trace.hpp"
#include "support/pg_test_env.hpp"

namespace alcove::ai {
namespace {

namespace json = boost::json;
using testing::AppBrowser;
using testing::AppHarness;
using testing::ErrorCodeOf;
using testing::JsonMember;
using testing::TestEngine;
using web::Response;

constexpr std::string_view kSpoken =
    "marker-transcript we talked about the sleep diary. The evening walk helps. Next week we "
    "plan the weekends.";

// A transcriber that reads the whole audio as a provider would and answers kSpoken. With
// `hold`, it waits (reporting progress) until cancelled or released.
class FakeTranscriber final : public Transcriber {
 public:
  ProviderDescription Describe() const override {
    return {.job = "transcribe", .provider = "local", .engine = "fake", .sends = "nothing"};
  }
  Result<Transcript> Transcribe(AudioSource& audio, const CallControl& control,
                                CallReport& report) override {
    std::vector<std::uint8_t> all(audio.size());
    std::size_t at = 0;
    while (at < all.size()) {
      auto n = audio.ReadAt(at, std::span(all).subspan(at));
      if (!n) {
        return std::unexpected(n.error());
      }
      if (*n == 0) {
        break;
      }
      at += *n;
    }
    {
      const std::lock_guard lock(mu_);
      received_ = std::string(all.begin(), all.end());
      ++calls_;
    }
    started_ = true;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (hold_ && !release_ && std::chrono::steady_clock::now() < until) {
      control.Progress(0.5);
      if (control.Cancelled()) {
        return Fail(ErrorCode::kConflict, "cancelled");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    report.bytes_received = kSpoken.size();
    Transcript t;
    t.text = crypto::PhiString(std::string(kSpoken));
    t.segments.push_back({0, 1500, crypto::PhiString(std::string("marker-transcript we talked"))});
    t.segments.push_back(
        {1500, 4000, crypto::PhiString(std::string("about the \"sleep\" diary."))});
    return t;
  }

  std::string received() {
    const std::lock_guard lock(mu_);
    return received_;
  }
  int calls() {
    const std::lock_guard lock(mu_);
    return calls_;
  }
  std::atomic<bool> hold_{false};
  std::atomic<bool> release_{false};
  std::atomic<bool> started_{false};

 private:
  std::mutex mu_;
  std::string received_;
  int calls_ = 0;
};

class FakeDrafter final : public Drafter {
 public:
  ProviderDescription Describe() const override {
    return {.job = "draft", .provider = "local", .engine = "fake", .sends = "nothing"};
  }
  Result<Draft> MakeDraft(const DraftRequest& request, const CallControl&, CallReport&) override {
    seen_text = request.text != nullptr ? std::string(request.text->reveal()) : "";
    seen_sections = request.sections;
    Draft d;
    d.extractive = true;
    for (const auto& s : request.sections) {
      d.sections.emplace_back(s, crypto::PhiString("marker-draft " + s));
    }
    return d;
  }
  std::string seen_text;
  std::vector<std::string> seen_sections;
};

class AiJobsTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    auto t = std::make_unique<FakeTranscriber>();
    auto d = std::make_unique<FakeDrafter>();
    transcriber_ = t.get();
    drafter_ = d.get();
    providers_.transcriber = std::move(t);
    providers_.drafter = std::move(d);
    providers_.transcribe = providers_.transcriber->Describe();
    providers_.draft = providers_.drafter->Describe();
    auto h = AppHarness::Create(GetParam(), pg_urls(), nullptr, false, &providers_);
    ASSERT_TRUE(h) << h.error().internal;
    h_ = std::move(*h);
    a_ = h_->SignUpTherapist("ai-a@alcove.test", "192.0.2.81");
    b_ = h_->SignUpTherapist("ai-b@alcove.test", "192.0.2.82");
    jobs_ = cli::AiJobsOf(h_->modules());
    ASSERT_NE(jobs_, nullptr);
  }

  std::string NewClient(const std::string& name) {
    auto res = h_->Call(a_, "POST", "/api/v1/clients", R"({"name":")" + name + R"("})");
    EXPECT_EQ(res.status, 201) << res.body;
    return JsonMember(res.body, "id");
  }

  // A recording of a new client with the therapist and the client, and the participants'
  // ids; consented (in session) and with `audio` stored unless said otherwise.
  struct Rec {
    std::string id;
    std::string client;
    std::vector<std::string> parts;
  };
  Rec NewRecording(bool consent = true, const std::string& audio = "") {
    Rec r;
    r.client = NewClient("Ada Jobs");
    auto res = h_->Call(a_, "POST", "/api/v1/clients/" + r.client + "/recordings",
                        R"({"participants":[{"kind":"therapist"},{"kind":"client"}]})");
    EXPECT_EQ(res.status, 201) << res.body;
    const auto o = json::parse(res.body).as_object();
    r.id = std::string(o.at("id").as_string());
    for (const auto& p : o.at("participants").as_array()) {
      r.parts.emplace_back(p.as_object().at("id").as_string());
    }
    if (consent) {
      for (const auto& p : r.parts) {
        res = h_->Call(a_, "POST", "/api/v1/recordings/" + r.id + "/participants/" + p + "/consent",
                       R"({"method":"in_session"})");
        EXPECT_EQ(res.status, 201) << res.body;
      }
      if (!audio.empty()) {
        res = h_->CallWith(a_, "PUT", "/api/v1/recordings/" + r.id + "/audio", audio, "audio/webm",
                           {});
        EXPECT_EQ(res.status, 200) << res.body;
      }
    }
    return r;
  }

  static std::string Audio(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) {
      s[i] = static_cast<char>((i * 131 + 7) % 251);
    }
    return s;
  }

  static std::string DetailOf(const audit::Event& e, const std::string& key) {
    const auto it = e.details.entries().find(key);
    return it == e.details.entries().end() ? std::string() : it->second;
  }

  std::vector<audit::Event> Events() {
    const auto tenant = h_->PrincipalOf(a_).tenant;
    auto tx = h_->db().Begin();
    auto events = audit::ListEvents(**tx, tenant, std::nullopt, 500);
    EXPECT_TRUE(events);
    std::vector<audit::Event> out;
    for (auto& e : *events) {
      out.push_back(std::move(e.logged.event));
    }
    return out;
  }

  std::int64_t Count(const std::string& sql, const std::string& param) {
    auto tx = h_->db().BeginTenant(h_->PrincipalOf(a_).tenant);
    EXPECT_TRUE(tx);
    const store::Value p[] = {param};
    auto rows = (*tx)->Query(sql, p);
    EXPECT_TRUE(rows) << sql;
    return rows && !rows->empty() ? rows->front().Int(0) : -1;
  }

  json::object Job(const std::string& id) {
    auto res = h_->Call(a_, "GET", "/api/v1/ai/jobs/" + id);
    EXPECT_EQ(res.status, 200) << res.body;
    return res.status == 200 ? json::parse(res.body).as_object() : json::object{};
  }

  Providers providers_;
  FakeTranscriber* transcriber_ = nullptr;
  FakeDrafter* drafter_ = nullptr;
  std::unique_ptr<AppHarness> h_;
  AppBrowser a_, b_;
  Jobs* jobs_ = nullptr;
};

TEST_P(AiJobsTest, C05NoJobAndNoCallUntilEveryParticipantConsented) {
  Rec r = NewRecording(/*consent=*/false);
  auto res = h_->Call(a_, "POST", "/api/v1/recordings/" + r.id + "/transcribe");
  EXPECT_EQ(res.status, 409) << res.body;
  EXPECT_EQ(ErrorCodeOf(res), "consent_missing");
  EXPECT_EQ(Count("SELECT count(*) FROM ai_jobs WHERE recording_id = $1", r.id), 0);
  EXPECT_FALSE(jobs_->RunNext());
  EXPECT_EQ(transcriber_->calls(), 0);

  // Consent given, audio stored, a job queued — then one consent withdrawn before the
  // worker reaches it: the recording is gone, the job is cancelled, nothing is called.
  Rec s = NewRecording(true, Audio(40000));
  res = h_->Call(a_, "POST", "/api/v1/recordings/" + s.id + "/transcribe");
  ASSERT_EQ(res.status, 202) << res.body;
  const auto job = json::parse(res.body).at("job").as_object();
  EXPECT_EQ(job.at("status").as_string(), "queued");
  res = h_->Call(a_, "DELETE",
                 "/api/v1/recordings/" + s.id + "/participants/" + s.parts[1] + "/consent");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_TRUE(jobs_->RunNext());
  EXPECT_EQ(transcriber_->calls(), 0);
  const auto after = Job(std::string(job.at("id").as_string()));
  EXPECT_EQ(after.at("status").as_string(), "cancelled");
  EXPECT_EQ(after.at("outcome").as_string(), "withdrawn");
}

TEST_P(AiJobsTest, C54TranscribedFromTheExactAudioSealedAndDraftedIntoASummaryDraft) {
  const std::string audio = Audio(70000);
  Rec r = NewRecording(true, audio);
  auto res = h_->Call(a_, "POST", "/api/v1/recordings/" + r.id + "/transcribe");
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_NE(res.headers.Get("Location").value_or("").find("/api/v1/ai/jobs/"), std::string::npos);
  const std::string job_id(json::parse(res.body).at("job").at("id").as_string());
  // Asking again while it is queued gives the same job.
  res = h_->Call(a_, "POST", "/api/v1/recordings/" + r.id + "/transcribe");
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(json::parse(res.body).at("job").at("id").as_string(), job_id);
  res = h_->Call(a_, "GET", "/api/v1/recordings/" + r.id + "/transcript");
  EXPECT_EQ(JsonMember(res.body, "status"), "pending");

  ASSERT_TRUE(jobs_->RunNext());
  EXPECT_FALSE(jobs_->RunNext()) << "one job, run once";
  EXPECT_EQ(transcriber_->received(), audio) << "the provider reads the consented audio exactly";
  auto job = Job(job_id);
  EXPECT_EQ(job.at("status").as_string(), "done");
  EXPECT_EQ(job.at("progress").as_double(), 1.0);

  res = h_->Call(a_, "GET", "/api/v1/recordings/" + r.id + "/transcript");
  ASSERT_EQ(res.status, 200) << res.body;
  const auto t = json::parse(res.body).as_object();
  EXPECT_EQ(t.at("status").as_string(), "done");
  EXPECT_EQ(t.at("text").as_string(), kSpoken);
  ASSERT_EQ(t.at("segments").as_array().size(), 2U);
  EXPECT_EQ(t.at("segments").at(1).at("text").as_string(), "about the \"sleep\" diary.");
  EXPECT_EQ(t.at("segments").at(1).at("end_ms").as_int64(), 4000);

  // At rest the transcript is ciphertext under the recording's key (C54, C03).
  {
    auto tx = h_->db().BeginTenant(h_->PrincipalOf(a_).tenant);
    const store::Value p[] = {r.id};
    auto rows =
        (*tx)->Query("SELECT text, segments FROM recording_transcripts WHERE recording_id = $1", p);
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1U);
    for (int c = 0; c < 2; ++c) {
      const auto& b = rows->front().Blob(c);
      EXPECT_EQ(std::string(b.begin(), b.end()).find("marker-transcript"), std::string::npos);
    }
  }

  // The call is one ai.used event with counts only (C40, C43).
  int used = 0;
  for (const auto& e : Events()) {
    if (e.action == audit::Action::kAiUsed) {
      ++used;
      EXPECT_EQ(e.object_id, r.id);
      EXPECT_EQ(DetailOf(e, "job"), job_id);
      EXPECT_EQ(DetailOf(e, "provider"), "local");
      EXPECT_EQ(DetailOf(e, "outcome"), "done");
      EXPECT_EQ(DetailOf(e, "bytes_received"), std::to_string(kSpoken.size()));
    }
    for (const auto& [k, v] : e.details.entries()) {
      EXPECT_EQ(v.find("marker"), std::string::npos) << k;
    }
  }
  EXPECT_EQ(used, 1);

  // A draft in the DAP format, from the transcript, lands among the summaries as a draft.
  res =
      h_->Call(a_, "POST", "/api/v1/recordings/" + r.id + "/draft-summary", R"({"format":"dap"})");
  ASSERT_EQ(res.status, 202) << res.body;
  const std::string draft_job(json::parse(res.body).at("job").at("id").as_string());
  ASSERT_TRUE(jobs_->RunNext());
  EXPECT_EQ(drafter_->seen_text, kSpoken);
  EXPECT_EQ(drafter_->seen_sections, (std::vector<std::string>{"data", "assessment", "plan"}));
  job = Job(draft_job);
  ASSERT_EQ(job.at("status").as_string(), "done") << json::serialize(job);
  const std::string summary(job.at("summary_id").as_string());
  res = h_->Call(a_, "GET", "/api/v1/summaries/" + summary);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(JsonMember(res.body, "status"), "draft");
  const std::string text(json::parse(res.body).at("text").as_string());
  EXPECT_EQ(text.rfind("AI-drafted from the recording of ", 0), 0U) << text;
  EXPECT_NE(text.find("extractive draft"), std::string::npos);
  EXPECT_NE(text.find("Assessment\nmarker-draft assessment"), std::string::npos) << text;

  // Its page says where it came from and shows the transcript beside it.
  res = h_->Call(a_, "GET", "/summaries/" + summary);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("id=\"summary-origin\">AI-drafted from the recording of"),
            std::string::npos);
  EXPECT_NE(res.body.find("id=\"summary-transcript\">marker-transcript we talked"),
            std::string::npos);

  // Withdrawal afterwards: the transcript and the unreviewed draft go (C04).
  res = h_->Call(a_, "DELETE",
                 "/api/v1/recordings/" + r.id + "/participants/" + r.parts[0] + "/consent");
  ASSERT_EQ(res.status, 200) << res.body;
  res = h_->Call(a_, "GET", "/api/v1/summaries/" + summary);
  EXPECT_EQ(res.status, 404) << res.body;
  res = h_->Call(a_, "GET", "/api/v1/recordings/" + r.id + "/transcript");
  EXPECT_EQ(res.status, 410) << res.body;
}

TEST_P(AiJobsTest, C04WithdrawalDuringARunningJobCancelsItAndLeavesNothing) {
  Rec r = NewRecording(true, Audio(30000));
  auto res = h_->Call(a_, "POST", "/api/v1/recordings/" + r.id + "/transcribe");
  ASSERT_EQ(res.status, 202) << res.body;
  const std::string job_id(json::parse(res.body).at("job").at("id").as_string());
  transcriber_->hold_ = true;
  std::thread worker([&] { jobs_->RunNext(); });
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!transcriber_->started_ && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(transcriber_->started_);
  EXPECT_EQ(Job(job_id).at("status").as_string(), "running");
  res = h_->Call(a_, "DELETE",
                 "/api/v1/recordings/" + r.id + "/participants/" + r.parts[1] + "/consent");
  ASSERT_EQ(res.status, 200) << res.body;
  worker.join();  // the provider was stopped at the job's next heartbeat, not released
  EXPECT_FALSE(transcriber_->release_);
  const auto job = Job(job_id);
  EXPECT_EQ(job.at("status").as_string(), "cancelled");
  EXPECT_EQ(job.at("outcome").as_string(), "withdrawn");
  EXPECT_EQ(Count("SELECT count(*) FROM recording_transcripts WHERE recording_id = $1", r.id), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM recording_summaries WHERE recording_id = $1", r.id), 0);
}

TEST_P(AiJobsTest, TheTherapistCancelsAQueuedJobAndItNeverRuns) {
  Rec r = NewRecording(true, Audio(20000));
  auto res = h_->Call(a_, "POST", "/api/v1/recordings/" + r.id + "/transcribe");
  ASSERT_EQ(res.status, 202) << res.body;
  const std::string job_id(json::parse(res.body).at("job").at("id").as_string());
  res = h_->Call(b_, "DELETE", "/api/v1/ai/jobs/" + job_id);
  EXPECT_EQ(res.status, 404) << "another therapist's job (C20)";
  res = h_->Call(a_, "DELETE", "/api/v1/ai/jobs/" + job_id);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(JsonMember(res.body, "status"), "cancelled");
  EXPECT_TRUE(jobs_->RunNext());
  EXPECT_EQ(transcriber_->calls(), 0);
  res = h_->Call(a_, "DELETE", "/api/v1/ai/jobs/" + job_id);
  EXPECT_EQ(res.status, 422) << "ended already";
}

TEST_P(AiJobsTest, AJobWhoseWorkerStoppedIsClaimedAgain) {
  Rec r = NewRecording(true, Audio(20000));
  auto res = h_->Call(a_, "POST", "/api/v1/recordings/" + r.id + "/transcribe");
  ASSERT_EQ(res.status, 202) << res.body;
  const std::string job_id(json::parse(res.body).at("job").at("id").as_string());
  // A server claimed it and died: running, its heartbeat three minutes old.
  {
    auto tx = h_->db().Begin();
    const store::Value p[] = {job_id, SystemClock::Instance().Now() - 3 * 60 * kMicrosPerSecond};
    ASSERT_TRUE((*tx)->Execute("UPDATE ai_job_queue SET heartbeat_at = $2 WHERE job_id = $1", p));
    ASSERT_TRUE((*tx)->Commit());
  }
  {
    auto tx = h_->db().BeginTenant(h_->PrincipalOf(a_).tenant);
    const store::Value p[] = {job_id};
    ASSERT_TRUE(
        (*tx)->Execute("UPDATE ai_jobs SET status = 'running', attempts = 1 WHERE id = $1", p));
    ASSERT_TRUE((*tx)->Commit());
  }
  ASSERT_TRUE(jobs_->RunNext());
  const auto job = Job(job_id);
  EXPECT_EQ(job.at("status").as_string(), "done");
  EXPECT_EQ(job.at("attempts").as_int64(), 2);
  EXPECT_EQ(transcriber_->calls(), 1);
}

TEST_P(AiJobsTest, AJobThatKeepsKillingItsWorkerIsNotTriedAgain) {
  Rec r = NewRecording(true, Audio(20000));
  auto res = h_->Call(a_, "POST", "/api/v1/recordings/" + r.id + "/transcribe");
  ASSERT_EQ(res.status, 202) << res.body;
  const std::string job_id(json::parse(res.body).at("job").at("id").as_string());
  {
    auto tx = h_->db().BeginTenant(h_->PrincipalOf(a_).tenant);
    const store::Value p[] = {job_id, kMaxAttempts};
    ASSERT_TRUE((*tx)->Execute("UPDATE ai_jobs SET attempts = $2 WHERE id = $1", p));
    ASSERT_TRUE((*tx)->Commit());
  }
  ASSERT_TRUE(jobs_->RunNext());
  const auto job = Job(job_id);
  EXPECT_EQ(job.at("status").as_string(), "failed");
  EXPECT_EQ(job.at("outcome").as_string(), "too_many_attempts");
  EXPECT_EQ(transcriber_->calls(), 0);
  EXPECT_FALSE(jobs_->RunNext()) << "off the queue";
}

TEST_P(AiJobsTest, C20C31AnotherTherapistsRecordingAndJobsAre404) {
  Rec r = NewRecording(true, Audio(20000));
  auto res = h_->Call(a_, "POST", "/api/v1/recordings/" + r.id + "/transcribe");
  ASSERT_EQ(res.status, 202) << res.body;
  const std::string job_id(json::parse(res.body).at("job").at("id").as_string());
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/api/v1/recordings/" + r.id + "/transcribe"},
           {"POST", "/api/v1/recordings/" + r.id + "/draft-summary"},
           {"GET", "/api/v1/recordings/" + r.id + "/transcript"},
           {"GET", "/api/v1/recordings/" + r.id + "/ai-jobs"},
           {"GET", "/api/v1/ai/jobs/" + job_id}}) {
    res = h_->Call(b_, method, path);
    EXPECT_EQ(res.status, 404) << method << " " << path << ": " << res.body;
  }
  res = h_->Call(a_, "GET", "/api/v1/recordings/" + r.id + "/ai-jobs");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::parse(res.body).at("jobs").as_array().size(), 1U);
}

TEST_P(AiJobsTest, C30ABurstOfJobRequestsIsAnswered429WithRetryAfter) {
  Rec r = NewRecording(true, Audio(20000));
  int accepted = 0;
  Response last;
  for (int i = 0; i < 40; ++i) {
    last = h_->Call(a_, "POST", "/api/v1/recordings/" + r.id + "/transcribe");
    if (last.status != 202) {
      break;
    }
    ++accepted;
  }
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, 40);
  EXPECT_EQ(last.status, 429) << last.body;
  EXPECT_TRUE(last.headers.Get("Retry-After").has_value());
  // The budget is the therapist's: another therapist is not held back.
  auto res = h_->Call(b_, "POST", "/api/v1/recordings/" + r.id + "/transcribe");
  EXPECT_EQ(res.status, 404) << res.body;
}

TEST_P(AiJobsTest, C54TheTransparencyPageIsMadeFromTheRunningProviders) {
  auto page = h_->Call(a_, "GET", "/ai");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Nothing leaves this server"), std::string::npos);
  EXPECT_NE(page.body.find("Deleted once it has been transcribed."), std::string::npos)
      << "the signed-in therapist's practice keeps no audio (default 0 days)";
  auto res = h_->Call(a_, "PUT", "/api/v1/recording-settings", R"({"keep_audio_days":14})");
  ASSERT_EQ(res.status, 200) << res.body;
  page = h_->Call(a_, "GET", "/ai");
  EXPECT_NE(page.body.find("Kept for 14 days after it has been transcribed"), std::string::npos);
  res = h_->Call(a_, "GET", "/api/v1/ai/transparency");
  ASSERT_EQ(res.status, 200) << res.body;
  const auto o = json::parse(res.body).as_object();
  EXPECT_EQ(o.at("jobs").at(0).at("provider").as_string(), "local");
  EXPECT_FALSE(o.at("jobs").at(0).at("leaves_server").as_bool());
  EXPECT_EQ(o.at("retention").at("keep_audio_days").as_int64(), 14);
  // Anyone may read it (a client is sent there by the consent text); without a session
  // the practice's own setting is not shown.
  AppBrowser anyone{.ip = "203.0.113.9", .cookies = {}, .csrf = {}};
  res = h_->Call(anyone, "GET", "/api/v1/ai/transparency");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_TRUE(json::parse(res.body).at("retention").at("keep_audio_days").is_null());
}

// C54: while a job runs — the audio decrypted for the provider, the transcript sealed and
// stored — no file is written but the database's; and no file of the database holds the
// transcript's words afterwards (SQLite: the files are all there is).
TEST_P(AiJobsTest, C54AJobWritesNoFileButTheDatabaseAndItHoldsNoPlaintext) {
  // SQLite: the database's own files are the only ones written. PostgreSQL: the server's
  // files are its own; this process writes none at all.
  const bool sqlite = GetParam() == TestEngine::kSqlite;
  Rec r = NewRecording(true, Audio(60000));
  auto res = h_->Call(a_, "POST", "/api/v1/recordings/" + r.id + "/transcribe");
  ASSERT_EQ(res.status, 202) << res.body;
  testing::TempDir dir;
  testing::FileWriteTrace trace;
  ASSERT_TRUE(trace.Start(dir.path())) << "strace could not attach (ptrace not permitted?)";
  ASSERT_TRUE(jobs_->RunNext());
  const auto written = trace.Stop();
  EXPECT_EQ(transcriber_->calls(), 1);
  const std::string db = sqlite ? h_->sqlite_path().string() : std::string();
  for (const auto& p : written) {
    const bool database = sqlite && p.rfind(db, 0) == 0;  // the file, its -wal and -shm
    EXPECT_TRUE(database) << "the job wrote " << p << "\n" << trace.log();
  }
  if (sqlite) {
    for (const auto& name : {db, db + "-wal"}) {
      std::ifstream in(name, std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      EXPECT_EQ(bytes.find("marker-transcript"), std::string::npos) << name;
      EXPECT_EQ(bytes.find("sleep diary"), std::string::npos) << name;
    }
  } else {
    auto tx = h_->db().BeginTenant(h_->PrincipalOf(a_).tenant);
    ASSERT_TRUE(tx);
    const store::Value p[] = {r.id};
    auto rows = (*tx)->Query(
        "SELECT text, segments FROM recording_transcripts WHERE recording_id = $1", p);
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1U);
    for (int c = 0; c < 2; ++c) {
      const auto& b = rows->front().Blob(c);
      const std::string bytes(b.begin(), b.end());
      EXPECT_EQ(bytes.find("marker-transcript"), std::string::npos);
      EXPECT_EQ(bytes.find("sleep diary"), std::string::npos);
    }
  }
  res = h_->Call(a_, "GET", "/api/v1/recordings/" + r.id + "/transcript");
  EXPECT_EQ(JsonMember(res.body, "status"), "done");
}

INSTANTIATE_TEST_SUITE_P(Engines, AiJobsTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& p) {
                           return p.param == TestEngine::kSqlite ? "sqlite" : "postgres";
                         });

// The page with another configuration: an outside provider, named, with the vendor's
// terms as the operator wrote them and "Not stated" where they did not.
TEST(AiTransparency, C54AnOutsideProviderIsNamedWithWhereDataGoes) {
  Providers p;
  p.transcribe = {.job = "transcribe",
                  .provider = "openai",
                  .engine = "whisper-1",
                  .leaves_server = true,
                  .host = "speech.example.net:443",
                  .sends = "the recording's audio",
                  .vendor = "Example Speech, Inc. (BAA signed)",
                  .vendor_retention = "Deleted after 30 days",
                  .vendor_training = ""};
  p.draft = {.job = "draft", .provider = "off", .engine = "", .sends = "nothing"};
  auto h = AppHarness::Create(TestEngine::kSqlite, nullptr, nullptr, false, &p);
  ASSERT_TRUE(h) << h.error().internal;
  AppBrowser anyone{.ip = "203.0.113.10", .cookies = {}, .csrf = {}};
  auto page = (*h)->Call(anyone, "GET", "/ai");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("Nothing leaves this server"), std::string::npos);
  EXPECT_NE(page.body.find("speech.example.net:443"), std::string::npos);
  EXPECT_NE(page.body.find("Deleted after 30 days"), std::string::npos);
  EXPECT_NE(page.body.find("Example Speech, Inc. (BAA signed)"), std::string::npos);
  EXPECT_NE(page.body.find("Not stated"), std::string::npos);
  EXPECT_NE(page.body.find("Turned off. Nothing is processed."), std::string::npos);
  auto res = (*h)->Call(anyone, "GET", "/api/v1/ai/transparency");
  const auto o = json::parse(res.body).as_object();
  EXPECT_TRUE(o.at("jobs").at(0).at("leaves_server").as_bool());
  EXPECT_EQ(o.at("jobs").at(0).at("host").as_string(), "speech.example.net:443");
  EXPECT_TRUE(o.at("jobs").at(0).at("vendor_training").is_null());
  EXPECT_EQ(o.at("jobs").at(0).at("vendor").as_string(), "Example Speech, Inc. (BAA signed)");
  EXPECT_EQ(o.at("jobs").at(1).at("provider").as_string(), "off");
}

}  // namespace
}  // namespace alcove::ai
