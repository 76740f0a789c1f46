#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace alcove::testing {

// A loopback HTTPS witness for tests (docs/audit.md § Witness): POST stores the body as
// the newest checkpoint (200), GET answers it (200) or 404 when none. TLS with the given
// PEM certificate and key (e.g. the localhost certificate `alcove init` makes), on
// 127.0.0.1 and a free port. One connection at a time, one request per connection.
// Thread-safety: the accessors may be called from any thread.
class HttpsWitnessServer {
 public:
  HttpsWitnessServer(const std::filesystem::path& certificate, const std::filesystem::path& key);
  ~HttpsWitnessServer();
  HttpsWitnessServer(const HttpsWitnessServer&) = delete;
  HttpsWitnessServer& operator=(const HttpsWitnessServer&) = delete;

  bool started() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }
  std::string url() const { return "https://localhost:" + std::to_string(port_) + "/witness"; }
  std::optional<std::string> latest() const;
  int posts() const { return posts_.load(); }
  // While set, every request is answered 503.
  void set_failing(bool failing) { failing_.store(failing); }

 private:
  void Serve();
  void Handle(int fd);

  void* ctx_ = nullptr;  // SSL_CTX
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> failing_{false};
  std::atomic<int> posts_{0};
  mutable std::mutex mu_;
  std::optional<std::string> latest_;
  std::thread thread_;
};

}  // namespace alcove::testing
