// Recordings over HTTPS (docs/performance.md § Recordings over HTTPS): a 200 MB upload
// streamed through a streaming route into crypto::EncryptedUpload (chunked encryption,
// the blob store, fsync and rename at the end), and the same recording downloaded whole
// through web::RangedResponse (EncryptedBlob decrypting 256 KiB pieces). The server runs
// in this process (web::Server, 2 worker threads, TLS 1.3); the client is the curl
// program in a child process, so the process's peak RSS (VmHWM after clear_refs) is the
// server's own.
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "crypto/chunked.hpp"
#include "crypto/dev_certificate.hpp"
#include "crypto/encrypted_blob.hpp"
#include "../tests/support/proc_status.hpp"
#include "hours_bench_db.hpp"
#include "web/dispatcher.hpp"
#include "web/errors.hpp"
#include "web/router.hpp"
#include "web/server.hpp"
#include "web/streaming.hpp"

namespace {

using namespace alcove;

constexpr std::uint64_t kRecordingBytes = 200ull * 1000 * 1000;
constexpr store::TenantId kTenant = 1;

// PUT /up streams a whole recording in; GET /blob/<id> streams it out.
class RecordingApp final : public web::Dispatcher {
 public:
  RecordingApp(crypto::KeyRing& keys, crypto::KeyId dek, store::BlobStore& blobs)
      : keys_(keys), dek_(dek), blobs_(blobs), context_(crypto::RecordingContext(kTenant, "r")) {}

  Plan PlanFor(web::Request& r) const override {
    const bool up = r.method == "PUT" && r.target == "/up";
    return Plan{.read_body = true,
                .max_body_bytes = up ? web::kMaxStreamedBodyBytes : 0,
                .runs_inline = false,
                .streaming_body = up};
  }

  web::Response Handle(web::Request& r) const override {
    r.path = r.target;
    if (r.early_status) {
      return web::Response::Text(*r.early_status, "refused");
    }
    auto res = Route(r);
    return res ? std::move(*res) : web::ErrorResponse(r, nullptr, res.error());
  }

 private:
  Result<web::Response> Route(web::Request& r) const {
    if (r.method == "PUT" && r.path == "/up") {
      auto up = crypto::EncryptedUpload::Start(keys_, kTenant, dek_, context_, blobs_);
      if (!up) {
        return std::unexpected(up.error());
      }
      auto got = web::PipeBody(r, [&](std::span<const std::uint8_t> p) { return (*up)->Write(p); });
      if (!got) {
        return std::unexpected(got.error());
      }
      if (auto st = (*up)->Finish(); !st) {
        return std::unexpected(st.error());
      }
      return web::Response::Text(200, (*up)->blob_id());
    }
    if (r.method == "GET" && r.path.starts_with("/blob/")) {
      auto blob = crypto::EncryptedBlob::Open(keys_, kTenant, dek_, context_, blobs_,
                                              r.path.substr(6));
      if (!blob) {
        return std::unexpected(blob.error());
      }
      std::shared_ptr<crypto::EncryptedBlob> shared = std::move(*blob);
      return web::RangedResponse(r, shared->plaintext_size(), "audio/webm",
                                 [shared](std::uint64_t at, std::span<std::uint8_t> out) {
                                   return shared->ReadAt(at, out);
                                 });
    }
    return web::Response::Text(404, "no");
  }

  crypto::KeyRing& keys_;
  crypto::KeyId dek_;
  store::BlobStore& blobs_;
  std::string context_;
};

struct Rig {
  bench::HoursBenchDb base =
      bench::OpenHoursBenchDb("recording_stream_bench", *hours::ParseDay("2024-06-01"),
                              identity::Caller{.ip = "192.0.2.1", .user_agent = "bench"});
  std::unique_ptr<store::BlobStore> blobs;
  std::unique_ptr<RecordingApp> app;
  std::unique_ptr<web::Server> server;
  std::thread thread;
  std::filesystem::path input;
  std::string last_blob;

  Rig() {
    blobs = OrDie(store::OpenFileBlobStore(base.dir / "blobs"), "blob store");
    const auto dek = OrDie(base.ring->CreateDek(kTenant, "recording"), "dek");
    app = std::make_unique<RecordingApp>(*base.ring, dek, *blobs);
    if (!crypto::CreateDevelopmentCertificate(base.dir / "cert.pem", base.dir / "key.pem")) {
      bench::DieOfBench("recording_stream_bench", "certificate");
    }
    web::ServerOptions options;
    options.https_port = 0;
    options.http_port = 0;
    options.certificate = base.dir / "cert.pem";
    options.private_key = base.dir / "key.pem";
    server = OrDie(web::Server::Create(options), "server");
    thread = std::thread([this] { server->Run(*app, *app); });
    // The input a client would send: 200 MB of a recording-like pattern, on disk.
    input = base.dir / "input.bin";
    std::ofstream out(input, std::ios::binary);
    std::string piece(1 << 20, '\0');
    for (std::size_t i = 0; i < piece.size(); ++i) {
      piece[i] = static_cast<char>((i * 131 + i / 977) & 0xff);
    }
    for (std::uint64_t n = 0; n < kRecordingBytes; n += piece.size()) {
      out.write(piece.data(),
                static_cast<std::streamsize>(std::min<std::uint64_t>(piece.size(), kRecordingBytes - n)));
    }
  }
  ~Rig() {
    server->Stop();
    thread.join();
  }

  template <typename T>
  static T OrDie(Result<T> r, const char* what) {
    if (!r) {
      bench::DieOfBench("recording_stream_bench", std::string(what) + ": " + r.error().internal);
    }
    return std::move(*r);
  }

  std::string Url(std::string_view path) const {
    return fmt::format("https://localhost:{}{}", server->https_port(), path);
  }

  // Runs curl; returns its stdout.
  static std::string Curl(const std::string& args) {
    const std::string cmd = "curl -sS --fail --tlsv1.3 " + args;
    std::FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) {
      bench::DieOfBench("recording_stream_bench", "cannot run curl");
    }
    std::string out;
    char buf[4096];
    while (const std::size_t n = std::fread(buf, 1, sizeof buf, p)) {
      out.append(buf, n);
    }
    if (::pclose(p) != 0) {
      bench::DieOfBench("recording_stream_bench", "curl failed: " + cmd);
    }
    return out;
  }
};

Rig& TheRig() {
  static Rig rig;
  return rig;
}

void BM_RecordingUploadHttps200MB(benchmark::State& state) {
  Rig& rig = TheRig();
  long growth = 0;
  for (auto _ : state) {
    alcove::testing::ResetPeakRss();
    const long before = alcove::testing::ProcStatusKb("VmRSS:");
    const std::string previous = rig.last_blob;
    rig.last_blob = Rig::Curl(fmt::format("--cacert {} -T {} {}", (rig.base.dir / "cert.pem").string(),
                                          rig.input.string(), rig.Url("/up")));
    growth = std::max(growth, alcove::testing::ProcStatusKb("VmHWM:") - before);
    if (!previous.empty()) {
      (void)rig.blobs->Delete(previous);  // one 200 MB blob on disk at a time
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kRecordingBytes));
  state.counters["server_peak_rss_growth_KiB"] = static_cast<double>(growth);
}
BENCHMARK(BM_RecordingUploadHttps200MB)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_RecordingDownloadHttps200MB(benchmark::State& state) {
  Rig& rig = TheRig();
  if (rig.last_blob.empty()) {
    rig.last_blob = Rig::Curl(fmt::format("--cacert {} -T {} {}", (rig.base.dir / "cert.pem").string(),
                                          rig.input.string(), rig.Url("/up")));
  }
  long growth = 0;
  for (auto _ : state) {
    alcove::testing::ResetPeakRss();
    const long before = alcove::testing::ProcStatusKb("VmRSS:");
    const std::string size = Rig::Curl(fmt::format("--cacert {} -o /dev/null -w %{{size_download}} {}",
                                                   (rig.base.dir / "cert.pem").string(),
                                                   rig.Url("/blob/" + rig.last_blob)));
    if (std::stoull(size) != kRecordingBytes) {
      bench::DieOfBench("recording_stream_bench", "short download: " + size);
    }
    growth = std::max(growth, alcove::testing::ProcStatusKb("VmHWM:") - before);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kRecordingBytes));
  state.counters["server_peak_rss_growth_KiB"] = static_cast<double>(growth);
}
BENCHMARK(BM_RecordingDownloadHttps200MB)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
