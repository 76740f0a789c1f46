#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace alcove::testing {

// A loopback HTTPS server that answers from a script, for tests of clients that call out
// (the `openai` AI provider): each request is recorded whole and answered with the next
// reply pushed, or with the fallback when none is left. TLS with the given PEM
// certificate and key, on 127.0.0.1 and a free port; one thread per connection, one
// request per connection (Connection: close); bodies by Content-Length only.
// Thread-safety: every member may be called from any thread.
class ScriptedHttpsServer {
 public:
  struct Request {
    std::string method;
    std::string target;                          // "/v1/audio/transcriptions"
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
  };
  struct Reply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::optional<int> retry_after;  // seconds, sent as Retry-After
    int delay_ms = 0;                // waited before answering (a slow provider)
  };

  ScriptedHttpsServer(const std::filesystem::path& certificate, const std::filesystem::path& key);
  ~ScriptedHttpsServer();
  ScriptedHttpsServer(const ScriptedHttpsServer&) = delete;
  ScriptedHttpsServer& operator=(const ScriptedHttpsServer&) = delete;

  bool started() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }
  std::string origin() const { return "https://127.0.0.1:" + std::to_string(port_); }

  void Push(Reply reply);
  void set_fallback(Reply reply);
  std::vector<Request> requests() const;
  // TLS handshakes begun, whether or not a request followed (a client that refused the
  // certificate makes one and sends nothing).
  int connections() const { return connections_.load(); }

 private:
  void Serve();
  void Handle(int fd);
  Reply Next();

  void* ctx_ = nullptr;  // SSL_CTX
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::deque<Reply> script_;
  Reply fallback_{.status = 500, .body = R"({"error":"no reply scripted"})"};
  std::vector<Request> requests_;
  std::vector<std::thread> handlers_;
  std::thread thread_;
};

}  // namespace alcove::testing
