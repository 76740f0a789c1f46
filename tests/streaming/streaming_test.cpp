// Streaming request bodies, the resumable encrypted upload and range reads (C03;
// docs/recordings.md § Storage and streaming), end to end over HTTPS: an in-process
// web::Server with a small dispatcher whose routes do what the recordings module's do
// (EncryptedUpload for PATCH, EncryptedBlob + RangedResponse for GET), so the server's
// memory and file-system behaviour can be measured from inside the process.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "crypto/chunked.hpp"
#include "crypto/dev_certificate.hpp"
#include "crypto/encrypted_blob.hpp"
#include "crypto/key_ring_test_env.hpp"
#include "store/blob_store.hpp"
#include "support/app_harness.hpp"
#include "support/file_trace.hpp"
#include "support/https_client.hpp"
#include "support/proc_status.hpp"
#include "support/temp_dir.hpp"
#include "web/dispatcher.hpp"
#include "web/errors.hpp"
#include "web/router.hpp"
#include "web/server.hpp"
#include "web/streaming.hpp"

extern char** environ;

namespace alcove::web {
namespace {

using alcove::testing::RawTlsClient;

constexpr store::TenantId kTenant = 7;
constexpr std::size_t kSmallLimit = 1024 * 1024;

// The input: 32-byte lines "sample 000000042 of a recording\n", so any run of it that
// reached the disk would show " of a recording".
constexpr std::string_view kMarker = " of a recording\n";
void FillInput(std::uint64_t offset, std::span<char> out) {
  for (std::size_t i = 0; i < out.size();) {
    const std::uint64_t pos = offset + i;
    const std::string line = fmt::format("sample {:09} of a recording\n", pos / 32);
    const std::size_t from = static_cast<std::size_t>(pos % 32);
    const std::size_t n = std::min(out.size() - i, line.size() - from);
    std::memcpy(out.data() + i, line.data() + from, n);
    i += n;
  }
}
std::string Input(std::uint64_t offset, std::size_t n) {
  std::string s(n, '\0');
  FillInput(offset, s);
  return s;
}

// The routes a recordings module would have, on the public crypto/web interfaces.
class UploadApp final : public Dispatcher {
 public:
  UploadApp(crypto::KeyRing& keys, crypto::KeyId dek, store::BlobStore& blobs)
      : keys_(keys), dek_(dek), blobs_(blobs),
        context_(crypto::RecordingContext(kTenant, "rec-1")) {}

  Plan PlanFor(Request& r) const override {
    Plan plan{.read_body = true, .max_body_bytes = kSmallLimit, .runs_inline = false};
    if (r.method == "PATCH" && r.target.starts_with("/api/uploads/")) {
      plan.streaming_body = true;
      plan.max_body_bytes = kMaxStreamedBodyBytes;
    } else if (r.method == "PUT" && r.target == "/api/small") {
      plan.streaming_body = true;
    }
    return plan;
  }

  Response Handle(Request& r) const override {
    r.path = r.target.substr(0, r.target.find('?'));
    if (r.early_status) {
      Response res = Response::Text(*r.early_status, std::string(ReasonPhrase(*r.early_status)));
      res.close = true;
      return res;
    }
    auto res = Route(r);
    return res ? std::move(*res) : ErrorResponse(r, nullptr, res.error());
  }

  mutable std::atomic<int> small_answers{0};
  mutable std::atomic<int> upload_errors{0};

 private:
  Result<Response> Route(Request& r) const {
    constexpr std::string_view kUploads = "/api/uploads/";
    constexpr std::string_view kBlobs = "/api/blobs/";
    if (r.method == "POST" && r.path == "/api/uploads") {
      auto up = crypto::EncryptedUpload::Start(keys_, kTenant, dek_, context_, blobs_);
      if (!up) {
        return std::unexpected(up.error());
      }
      Response res = Response::Json(201, fmt::format(R"({{"id":"{}"}})", (*up)->blob_id()));
      SetUploadState(res, 0, false);
      return res;
    }
    if (r.path.starts_with(kUploads) && r.method == "HEAD") {
      auto at = crypto::EncryptedUpload::StoredOffset(keys_, kTenant, dek_, context_, blobs_,
                                                      r.path.substr(kUploads.size()));
      if (!at) {
        return std::unexpected(at.error());
      }
      Response res = Response::Text(200, "");
      SetUploadState(res, *at, false);
      return res;
    }
    if (r.path.starts_with(kUploads) && r.method == "PATCH") {
      auto pos = ParseUploadPosition(r);
      if (!pos) {
        return std::unexpected(pos.error());
      }
      auto up = crypto::EncryptedUpload::Resume(keys_, kTenant, dek_, context_, blobs_,
                                                r.path.substr(kUploads.size()));
      if (!up) {
        return std::unexpected(up.error());
      }
      if (pos->offset != (*up)->stored_offset()) {
        return UploadOffsetMismatch(r, (*up)->stored_offset());
      }
      auto got = PipeBody(r, [&](std::span<const std::uint8_t> piece) {
        return (*up)->Write(piece);
      });
      if (!got) {
        ++upload_errors;
        return std::unexpected(got.error());  // the upload pauses at its last whole chunk
      }
      if (pos->complete) {
        if (auto st = (*up)->Finish(); !st) {
          return std::unexpected(st.error());
        }
      } else if (auto st = (*up)->Pause(); !st) {
        return std::unexpected(st.error());
      }
      Response res = Response::Json(200, fmt::format(R"({{"bytes":{}}})", (*up)->offset()));
      SetUploadState(res, (*up)->stored_offset(), pos->complete);
      return res;
    }
    if (r.path.starts_with(kBlobs) && (r.method == "GET" || r.method == "HEAD")) {
      auto blob = crypto::EncryptedBlob::Open(keys_, kTenant, dek_, context_, blobs_,
                                              r.path.substr(kBlobs.size()));
      if (!blob) {
        return std::unexpected(blob.error());
      }
      std::shared_ptr<crypto::EncryptedBlob> shared = std::move(*blob);
      const std::uint64_t size = shared->plaintext_size();
      return RangedResponse(r, size, "audio/webm",
                            [shared](std::uint64_t offset, std::span<std::uint8_t> out) {
                              return shared->ReadAt(offset, out);
                            });
    }
    if (r.path == "/api/small" && r.method == "PUT") {
      auto got = PipeBody(r, [](std::span<const std::uint8_t>) -> Status { return {}; });
      if (!got) {
        return std::unexpected(got.error());
      }
      ++small_answers;
      return Response::Json(200, fmt::format(R"({{"bytes":{}}})", *got));
    }
    return Response::Text(404, "not found");
  }

  crypto::KeyRing& keys_;
  crypto::KeyId dek_;
  store::BlobStore& blobs_;
  std::string context_;
};

struct Answer {
  int status = 0;
  std::string head;
  std::string body;
  std::optional<std::string> Header(std::string_view name) const {
    const std::regex re(std::string("\r\n") + std::string(name) + ": ([^\r]*)\r\n",
                        std::regex::icase);
    std::smatch m;
    if (std::regex_search(head, m, re)) {
      return m[1].str();
    }
    return std::nullopt;
  }
};

Answer Parse(const std::string& raw) {
  Answer a;
  const auto end = raw.find("\r\n\r\n");
  if (!raw.starts_with("HTTP/1.1 ") || end == std::string::npos) {
    a.head = raw.substr(0, 200);
    return a;
  }
  a.status = std::stoi(raw.substr(9, 3));
  a.head = raw.substr(0, end + 2);
  a.body = raw.substr(end + 4);
  return a;
}

class StreamingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::CreateDevelopmentCertificate(dir_ / "cert.pem", dir_ / "key.pem"));
    auto dek = env_.ring().CreateDek(kTenant, "recording");
    ASSERT_TRUE(dek) << dek.error().internal;
    auto blobs = store::OpenFileBlobStore(blob_dir());
    ASSERT_TRUE(blobs);
    blobs_ = std::move(*blobs);
    app_ = std::make_unique<UploadApp>(env_.ring(), *dek, *blobs_);
    dek_ = *dek;
    ServerOptions options;
    options.https_port = 0;
    options.http_port = 0;
    options.certificate = dir_ / "cert.pem";
    options.private_key = dir_ / "key.pem";
    options.body_timeout = std::chrono::seconds(5);
    options.shutdown_grace = std::chrono::seconds(2);
    auto server = Server::Create(options);
    ASSERT_TRUE(server) << server.error().internal;
    server_ = std::move(*server);
    thread_ = std::thread([this] { server_->Run(*app_, *app_); });
  }
  void TearDown() override {
    if (server_) {
      server_->Stop();
    }
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  std::filesystem::path blob_dir() const { return dir_ / "blobs"; }
  std::uint16_t port() const { return server_->https_port(); }

  // One request on its own connection (Connection: close); `body_size` bytes of the input
  // from `input_offset` are streamed after the head, in 256 KiB writes.
  Answer Send(const std::string& head, std::uint64_t input_offset = 0,
              std::uint64_t body_size = 0) {
    RawTlsClient client(port(), TLS1_3_VERSION, TLS1_3_VERSION);
    EXPECT_TRUE(client.handshake_ok());
    EXPECT_TRUE(client.Write(head));
    std::string piece(256 * 1024, '\0');
    for (std::uint64_t sent = 0; sent < body_size;) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), body_size - sent));
      FillInput(input_offset + sent, std::span(piece).first(n));
      if (!client.Write(std::string_view(piece).substr(0, n))) {
        break;
      }
      sent += n;
    }
    return Parse(client.ReadUntilClose(60000));
  }

  std::string StartUpload() {
    const Answer a = Send("POST /api/uploads HTTP/1.1\r\nHost: localhost\r\n"
                          "Content-Length: 0\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(a.status, 201) << a.head;
    const auto v = boost::json::parse(a.body);
    return std::string(v.at("id").as_string());
  }

  Answer Patch(const std::string& id, std::uint64_t offset, std::uint64_t size, bool complete) {
    return Send(fmt::format("PATCH /api/uploads/{} HTTP/1.1\r\nHost: localhost\r\n"
                            "Content-Length: {}\r\nUpload-Offset: {}\r\nUpload-Complete: {}\r\n"
                            "Connection: close\r\n\r\n",
                            id, size, offset, complete ? "?1" : "?0"),
                offset, size);
  }

  Answer Get(const std::string& id, std::optional<std::string> range = std::nullopt) {
    return Send(fmt::format("GET /api/blobs/{} HTTP/1.1\r\nHost: localhost\r\n{}"
                            "Connection: close\r\n\r\n",
                            id, range ? "Range: " + *range + "\r\n" : std::string()));
  }

  std::string ReadFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  alcove::testing::TempDir dir_;
  crypto::testing::KeyRingTestEnv env_;
  crypto::KeyId dek_ = 0;
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<UploadApp> app_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

// C03: a 200 MB upload streams through: the server process's peak RSS grows by a small
// bounded amount (not by the body), the blob is the ciphertext of exactly the input and
// holds no run of it, and range reads of it are right.
TEST_F(StreamingTest, C03_200MBUploadKeepsMemoryBoundedAndNothingInClear) {
  constexpr std::uint64_t kSize = 200ull * 1000 * 1000;
  const std::string id = StartUpload();
  alcove::testing::ResetPeakRss();
  const long rss_before = alcove::testing::ProcStatusKb("VmRSS:");
  const Answer a = Patch(id, 0, kSize, true);
  const long peak = alcove::testing::ProcStatusKb("VmHWM:");
  ASSERT_EQ(a.status, 200) << a.head << a.body;
  EXPECT_EQ(a.Header("Upload-Offset"), std::to_string(kSize));
  EXPECT_EQ(a.Header("Upload-Complete"), "?1");
  ASSERT_GT(rss_before, 0);
  // The whole body would be 195 312 KiB; a few pieces of 256 KiB and TLS buffers remain.
  EXPECT_LT(peak - rss_before, 32 * 1024) << "peak RSS grew by " << (peak - rss_before) << " KiB";
  std::cerr << "200 MB upload: peak RSS grew by " << (peak - rss_before) << " KiB\n";

  // Only the committed blob is left, of exactly the ciphertext's size, with no run of the
  // input in it.
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(blob_dir())) {
    names.push_back(e.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{id});
  EXPECT_EQ(std::filesystem::file_size(blob_dir() / id), crypto::ChunkedCiphertextSize(kSize));
  {
    std::ifstream in(blob_dir() / id, std::ios::binary);
    std::string window(1 << 20, '\0');
    std::string carry;
    bool found = false;
    while (in && !found) {
      in.read(window.data(), static_cast<std::streamsize>(window.size()));
      const std::string part = carry + window.substr(0, static_cast<std::size_t>(in.gcount()));
      found = part.find(kMarker) != std::string::npos || part.find("sample 0") != std::string::npos;
      carry = part.substr(part.size() - std::min<std::size_t>(part.size(), 16));
    }
    EXPECT_FALSE(found) << "plaintext in the blob";
  }

  // Range reads over HTTPS: 206 with the right bytes, across chunk boundaries and at the end.
  for (const auto& [first, last] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{
           {0, 99}, {16380, 16390}, {123456789, 123456789 + 70000}, {kSize - 10, kSize - 1}}) {
    const Answer r = Get(id, fmt::format("bytes={}-{}", first, last));
    ASSERT_EQ(r.status, 206) << r.head;
    EXPECT_EQ(r.Header("Content-Range"), fmt::format("bytes {}-{}/{}", first, last, kSize));
    EXPECT_EQ(r.Header("Accept-Ranges"), "bytes");
    EXPECT_EQ(r.body, Input(first, static_cast<std::size_t>(last - first + 1)));
  }
  const Answer suffix = Get(id, "bytes=-5");
  EXPECT_EQ(suffix.status, 206);
  EXPECT_EQ(suffix.body, Input(kSize - 5, 5));
  const Answer past = Get(id, fmt::format("bytes={}-", kSize));
  EXPECT_EQ(past.status, 416);
  EXPECT_EQ(past.Header("Content-Range"), fmt::format("bytes */{}", kSize));
}

// C03: while an upload is received and committed, the server creates no file but the
// blob's own (strace of this process: every open for writing, creat, rename and link).
TEST_F(StreamingTest, C03_UploadCreatesNoFileButTheBlob) {
  const std::string id = StartUpload();
  testing::FileWriteTrace trace;
  ASSERT_TRUE(trace.Start(dir_.path())) << "strace could not attach (ptrace not permitted?)";

  constexpr std::uint64_t kSize = 8 * 1024 * 1024 + 12345;
  const Answer a = Patch(id, 0, kSize, true);
  EXPECT_EQ(a.status, 200) << a.head;
  // Every file opened for writing, created, renamed or linked.
  const std::vector<std::string> written = trace.Stop();
  const std::string& text = trace.log();
  const std::string partial = (blob_dir() / ("partial-" + id)).string();
  const std::string blob = (blob_dir() / id).string();
  for (const std::string& p : written) {
    EXPECT_TRUE(p == partial || p == blob) << "the upload wrote " << p << "\n" << text;
  }
  EXPECT_NE(std::find(written.begin(), written.end(), blob), written.end()) << text;
}

// C03: a connection cut mid-upload reaches the handler as an error (nothing committed);
// the upload resumes at its last whole 16 KiB chunk, a wrong offset gets 409 with the
// right one, and the finished blob reads back whole.
TEST_F(StreamingTest, C03_UploadResumesAfterACutConnection) {
  constexpr std::uint64_t kTotal = 1024 * 1024 + 5000;
  constexpr std::size_t kSentBeforeCut = 300 * 1024;
  const std::string id = StartUpload();
  {
    RawTlsClient client(port(), TLS1_3_VERSION, TLS1_3_VERSION);
    ASSERT_TRUE(client.handshake_ok());
    ASSERT_TRUE(client.Write(fmt::format(
        "PATCH /api/uploads/{} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n"
        "Upload-Offset: 0\r\nUpload-Complete: ?1\r\n\r\n",
        id, kTotal)));
    ASSERT_TRUE(client.Write(Input(0, kSentBeforeCut)));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }  // the connection is cut (no close_notify)
  constexpr std::uint64_t kResumeAt = kSentBeforeCut / crypto::kChunkSize * crypto::kChunkSize;
  std::optional<std::string> offset;
  for (int i = 0; i < 100 && offset != std::to_string(kResumeAt); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    offset = Send(fmt::format("HEAD /api/uploads/{} HTTP/1.1\r\nHost: localhost\r\n"
                              "Connection: close\r\n\r\n",
                              id))
                 .Header("Upload-Offset");
  }
  EXPECT_EQ(offset, std::to_string(kResumeAt));
  EXPECT_EQ(app_->upload_errors.load(), 1);
  EXPECT_TRUE(std::filesystem::exists(blob_dir() / ("partial-" + id)));
  EXPECT_FALSE(std::filesystem::exists(blob_dir() / id)) << "committed after a cut";

  const Answer wrong = Patch(id, 0, 100, false);
  EXPECT_EQ(wrong.status, 409) << wrong.head;
  EXPECT_EQ(wrong.Header("Upload-Offset"), std::to_string(kResumeAt));
  EXPECT_NE(wrong.body.find("upload_offset_mismatch"), std::string::npos);

  // The rest in two pieces: one not ending on a chunk (its tail is resent), then the end.
  const Answer middle = Patch(id, kResumeAt, 100'000, false);
  ASSERT_EQ(middle.status, 200) << middle.head;
  const std::uint64_t at = std::stoull(middle.Header("Upload-Offset").value_or("0"));
  EXPECT_EQ(at, (kResumeAt + 100'000) / crypto::kChunkSize * crypto::kChunkSize);
  const Answer last = Patch(id, at, kTotal - at, true);
  ASSERT_EQ(last.status, 200) << last.head;
  EXPECT_EQ(last.Header("Upload-Offset"), std::to_string(kTotal));

  const Answer whole = Get(id);
  ASSERT_EQ(whole.status, 200) << whole.head;
  EXPECT_EQ(whole.Header("Content-Length"), std::to_string(kTotal));
  EXPECT_TRUE(whole.body == Input(0, kTotal)) << "the resumed upload reads back differently";
  EXPECT_FALSE(std::filesystem::exists(blob_dir() / ("partial-" + id)));
}

// C03: a blob that was truncated, extended, had chunks swapped, or got a chunk of another
// recording is refused — never served as if it were the recording.
TEST_F(StreamingTest, C03_TruncatedOrSplicedBlobIsRefused) {
  constexpr std::uint64_t kSize = 5 * crypto::kChunkSize + 777;
  const std::string id = StartUpload();
  ASSERT_EQ(Patch(id, 0, kSize, true).status, 200);
  const std::string good = ReadFile(blob_dir() / id);
  const std::string context = crypto::RecordingContext(kTenant, "rec-1");

  // Another recording under the same key: its chunk 1 spliced into ours.
  auto other = crypto::EncryptedUpload::Start(env_.ring(), kTenant, dek_,
                                              crypto::RecordingContext(kTenant, "rec-2"), *blobs_);
  ASSERT_TRUE(other);
  const std::string other_id = (*other)->blob_id();
  ASSERT_TRUE((*other)->Write(std::span(reinterpret_cast<const std::uint8_t*>(good.data()), kSize)));
  ASSERT_TRUE((*other)->Finish());
  const std::string foreign = ReadFile(blob_dir() / other_id);

  auto chunk_at = [](std::size_t k) { return crypto::kChunkedHeaderSize + k * crypto::kSealedChunkSize; };
  auto store_copy = [&](const std::string& bytes) {
    auto w = blobs_->Create();
    EXPECT_TRUE(w);
    EXPECT_TRUE((*w)->Append(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size())));
    EXPECT_TRUE((*w)->Commit());
    return (*w)->id();
  };
  auto open = [&](const std::string& blob_id) {
    return crypto::EncryptedBlob::Open(env_.ring(), kTenant, dek_, context, *blobs_, blob_id);
  };
  ASSERT_TRUE(open(store_copy(good)));  // an exact copy opens

  // Truncated at a chunk boundary (the last chunk gone), by one byte, and extended.
  for (const std::string& bad : {good.substr(0, chunk_at(5)), good.substr(0, good.size() - 1),
                                 good + std::string(crypto::kSealedChunkSize, 'x')}) {
    const std::string bad_id = store_copy(bad);
    auto r = open(bad_id);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    const Answer a = Get(bad_id);
    EXPECT_NE(a.status, 200);
    EXPECT_EQ(a.body.find("sample 0"), std::string::npos);
  }
  // Chunks 1 and 2 swapped; chunk 1 of the other recording: the header and the final
  // chunk still check out, the chunk itself does not.
  std::string swapped = good;
  swapped.replace(chunk_at(1), crypto::kSealedChunkSize, good.substr(chunk_at(2), crypto::kSealedChunkSize));
  swapped.replace(chunk_at(2), crypto::kSealedChunkSize, good.substr(chunk_at(1), crypto::kSealedChunkSize));
  std::string spliced = good;
  spliced.replace(chunk_at(1), crypto::kSealedChunkSize, foreign.substr(chunk_at(1), crypto::kSealedChunkSize));
  for (const std::string& bad : {swapped, spliced}) {
    auto r = open(store_copy(bad));
    ASSERT_TRUE(r);
    std::vector<std::uint8_t> out(100);
    EXPECT_TRUE((*r)->ReadAt(0, out));  // chunk 0 is intact
    auto read = (*r)->ReadAt(crypto::kChunkSize + 10, out);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, ErrorCode::kInvalidArgument);
  }
  // The same blob under another recording's context, or another tenant: refused.
  EXPECT_FALSE(crypto::EncryptedBlob::Open(env_.ring(), kTenant, dek_,
                                           crypto::RecordingContext(kTenant, "rec-2"), *blobs_, id));
  EXPECT_FALSE(crypto::EncryptedBlob::Open(env_.ring(), kTenant + 1, dek_, context, *blobs_, id));
}

// C03: past a streaming route's limit the answer is 413 — declared (before the handler)
// and chunked (while streaming; the handler's own answer is discarded).
TEST_F(StreamingTest, C03_StreamedBodyPastItsLimitGets413) {
  const Answer declared = Send(fmt::format("PUT /api/small HTTP/1.1\r\nHost: localhost\r\n"
                                           "Content-Length: {}\r\nConnection: close\r\n\r\n",
                                           2 * kSmallLimit));
  EXPECT_EQ(declared.status, 413) << declared.head;

  RawTlsClient client(port(), TLS1_3_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(client.handshake_ok());
  std::string req = "PUT /api/small HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) {
    req += "10000\r\n" + std::string(0x10000, 'x') + "\r\n";  // 40 x 64 KiB > 1 MiB
  }
  req += "0\r\n\r\n";
  client.Write(req);
  const Answer chunked = Parse(client.ReadUntilClose(15000));
  EXPECT_EQ(chunked.status, 413) << chunked.head;
  EXPECT_EQ(app_->small_answers.load(), 0);

  // Within the limit, chunked or not, the handler reads it all.
  const Answer fine = Send("PUT /api/small HTTP/1.1\r\nHost: localhost\r\nContent-Length: 300000\r\n"
                           "Connection: close\r\n\r\n", 0, 300000);
  EXPECT_EQ(fine.status, 200) << fine.head;
  EXPECT_EQ(fine.body, R"({"bytes":300000})");
}

// C03: a paused upload keeps only whole chunks; Resume drops a torn tail (bytes past the
// last chunk, a last chunk that does not authenticate), refuses another key, context or
// tenant, and a second writer; once the DEK is destroyed nothing opens.
TEST_F(StreamingTest, C03_ResumeKeepsOnlyWholeChunksThatAuthenticate) {
  const std::string context = crypto::RecordingContext(kTenant, "rec-1");
  auto bytes = [](const std::string& s) {
    return std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  std::string id;
  {
    auto up = crypto::EncryptedUpload::Start(env_.ring(), kTenant, dek_, context, *blobs_);
    ASSERT_TRUE(up);
    id = (*up)->blob_id();
    ASSERT_TRUE((*up)->Write(bytes(Input(0, 3 * crypto::kChunkSize + 100))));
    EXPECT_EQ((*up)->offset(), 3 * crypto::kChunkSize + 100);
    EXPECT_EQ((*up)->stored_offset(), 3 * crypto::kChunkSize);
    auto busy = crypto::EncryptedUpload::Resume(env_.ring(), kTenant, dek_, context, *blobs_, id);
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().code, ErrorCode::kConflict);
  }  // destroyed unfinished: paused at 3 whole chunks
  const auto partial = blob_dir() / ("partial-" + id);
  EXPECT_EQ(std::filesystem::file_size(partial),
            crypto::kChunkedHeaderSize + 3 * crypto::kSealedChunkSize);
  EXPECT_EQ(ReadFile(partial).find("sample 0"), std::string::npos);

  // A crash mid-write: half a chunk of junk after the whole ones, and the third chunk torn.
  {
    std::fstream f(partial, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(crypto::kChunkedHeaderSize + 2 * crypto::kSealedChunkSize + 5));
    f.write("torn", 4);
    f.seekp(0, std::ios::end);
    const std::string junk(8000, 'j');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto offset = crypto::EncryptedUpload::StoredOffset(env_.ring(), kTenant, dek_, context, *blobs_, id);
  ASSERT_TRUE(offset);
  EXPECT_EQ(*offset, 2 * crypto::kChunkSize);
  for (const auto& [tenant, ctx] : std::vector<std::pair<store::TenantId, std::string>>{
           {kTenant, crypto::RecordingContext(kTenant, "rec-2")}, {kTenant + 1, context}}) {
    auto wrong = crypto::EncryptedUpload::Resume(env_.ring(), tenant, dek_, ctx, *blobs_, id);
    ASSERT_FALSE(wrong);
    EXPECT_TRUE(wrong.error().code == ErrorCode::kInvalidArgument ||
                wrong.error().code == ErrorCode::kNotFound);
  }
  {
    auto up = crypto::EncryptedUpload::Resume(env_.ring(), kTenant, dek_, context, *blobs_, id);
    ASSERT_TRUE(up) << up.error().internal;
    EXPECT_EQ((*up)->stored_offset(), 2 * crypto::kChunkSize);
    ASSERT_TRUE((*up)->Write(bytes(Input(2 * crypto::kChunkSize, 50'000))));
    ASSERT_TRUE((*up)->Finish());
    EXPECT_FALSE((*up)->Write(bytes(std::string("x"))));
  }
  auto blob = crypto::EncryptedBlob::Open(env_.ring(), kTenant, dek_, context, *blobs_, id);
  ASSERT_TRUE(blob);
  EXPECT_EQ((*blob)->plaintext_size(), 2 * crypto::kChunkSize + 50'000);
  std::string back(static_cast<std::size_t>((*blob)->plaintext_size()), '\0');
  auto got = (*blob)->ReadAt(0, std::span(reinterpret_cast<std::uint8_t*>(back.data()), back.size()));
  ASSERT_TRUE(got);
  EXPECT_TRUE(back == Input(0, back.size()));

  ASSERT_TRUE(env_.ring().DestroyDek(kTenant, dek_));
  auto gone = crypto::EncryptedBlob::Open(env_.ring(), kTenant, dek_, context, *blobs_, id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

// The application plans a streaming route's body as streamed, with the streaming limit
// unless the route names one; other routes keep reading whole bodies; a streaming route
// cannot run inline.
TEST(StreamingPlan, AppPlansStreamingRoutesAndRouterRefusesInlineOnes) {
  auto h = alcove::testing::AppHarness::Create(alcove::testing::TestEngine::kSqlite, nullptr);
  ASSERT_TRUE(h) << h.error().internal;
  Router& router = (*h)->app().router();
  const Handler ok = [](Request&) { return Response::Text(200, "ok"); };
  router.Add("PUT", "/api/streamed", ok,
             {.streaming_body = true, .audience = Audience::Public()});
  router.Add("PUT", "/api/streamed-small", ok,
             {.max_body_bytes = 4096, .streaming_body = true, .audience = Audience::Public()});
  router.Add("PUT", "/api/whole", ok, {.audience = Audience::Public()});
  auto plan = [&](std::string target) {
    Request req;
    req.method = "PUT";
    req.target = std::move(target);
    return (*h)->app().PlanFor(req);
  };
  EXPECT_TRUE(plan("/api/streamed").streaming_body);
  EXPECT_EQ(plan("/api/streamed").max_body_bytes, kMaxStreamedBodyBytes);
  EXPECT_TRUE(plan("/api/streamed-small").streaming_body);
  EXPECT_EQ(plan("/api/streamed-small").max_body_bytes, 4096u);
  EXPECT_FALSE(plan("/api/whole").streaming_body);
  EXPECT_THROW(router.Add("PUT", "/api/inline", ok,
                          {.streaming_body = true, .runs_inline = true,
                           .audience = Audience::Public()}),
               std::invalid_argument);
}

TEST(StreamingHeaders, RangeParsing) {
  using K = RangeRequest::Kind;
  EXPECT_EQ(ParseRange(std::nullopt, 100).kind, K::kWhole);
  auto r = ParseRange("bytes=10-19", 100);
  EXPECT_EQ(r.kind, K::kPartial);
  EXPECT_EQ(r.range.first, 10u);
  EXPECT_EQ(r.range.last, 19u);
  r = ParseRange("bytes=90-", 100);
  EXPECT_EQ(r.range.last, 99u);
  r = ParseRange("bytes=50-500", 100);
  EXPECT_EQ(r.range.last, 99u);
  r = ParseRange("bytes=-30", 100);
  EXPECT_EQ(r.range.first, 70u);
  r = ParseRange("bytes=-300", 100);
  EXPECT_EQ(r.range.first, 0u);
  EXPECT_EQ(ParseRange("bytes=100-", 100).kind, K::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=-0", 100).kind, K::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=0-1,5-6", 100).kind, K::kWhole);
  EXPECT_EQ(ParseRange("items=0-1", 100).kind, K::kWhole);
  EXPECT_EQ(ParseRange("bytes=9-3", 100).kind, K::kWhole);
  EXPECT_EQ(ParseRange("bytes=x-3", 100).kind, K::kWhole);
}

TEST(StreamingHeaders, UploadPositionParsing) {
  auto with = [](std::vector<std::pair<std::string, std::string>> headers) {
    Request r;
    for (auto& [n, v] : headers) {
      r.headers.Add(n, v);
    }
    return ParseUploadPosition(r);
  };
  auto p = with({});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->offset, 0u);
  EXPECT_TRUE(p->complete);
  p = with({{"Upload-Offset", "32768"}});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->offset, 32768u);
  EXPECT_FALSE(p->complete);
  p = with({{"Upload-Offset", "16384"}, {"Upload-Complete", "?1"}});
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->complete);
  p = with({{"Content-Range", "bytes 100-199/200"}});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->offset, 100u);
  EXPECT_TRUE(p->complete);
  p = with({{"Content-Range", "bytes 100-199/*"}});
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->complete);
  for (const auto& bad : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"Upload-Offset", "-1"}},
           {{"Upload-Offset", "12a"}},
           {{"Upload-Complete", "yes"}},
           {{"Content-Range", "bytes 5-1/10"}},
           {{"Content-Range", "bytes 0-10/10"}},
           {{"Content-Range", "0-1/10"}},
           {{"Upload-Offset", "3"}, {"Content-Range", "bytes 4-5/10"}}}) {
    auto q = with(bad);
    ASSERT_FALSE(q) << bad[0].first << ": " << bad[0].second;
    EXPECT_EQ(q.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace alcove::web
