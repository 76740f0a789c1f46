#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace alcove::testing {

struct HttpResult {
  bool ok = false;        // the exchange completed (whatever the status)
  std::string error;      // libcurl's error text when !ok
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::optional<std::string> Header(std::string_view name) const;  // case-insensitive
};

struct HttpOptions {
  std::string method = "GET";
  std::optional<std::string> body;
  std::vector<std::string> headers;   // "Name: value"
  std::filesystem::path ca_file;      // trust this certificate (the server's own)
  long tls_version = 0;               // CURL_SSLVERSION_* | CURL_SSLVERSION_MAX_*, 0: default
  long timeout_seconds = 20;
};

// One request with libcurl; the URL is sent as is (no path normalisation), redirects
// are not followed, and TLS peers are verified against `ca_file` when given.
HttpResult Fetch(const std::string& url, const HttpOptions& options = {});

// A TLS client on a raw socket (OpenSSL), for what libcurl will not do: old protocol
// versions, byte-by-byte writes, malformed request targets.
class RawTlsClient {
 public:
  // Connects to 127.0.0.1:port and handshakes with versions [min, max] (TLS1_x_VERSION).
  RawTlsClient(std::uint16_t port, int min_version, int max_version);
  ~RawTlsClient();
  RawTlsClient(const RawTlsClient&) = delete;
  RawTlsClient& operator=(const RawTlsClient&) = delete;

  bool handshake_ok() const { return handshake_ok_; }
  std::string negotiated_version() const;
  // False once the peer has closed or the write failed.
  bool Write(std::string_view bytes);
  // Reads until the peer closes or `timeout_ms` passes without data; returns all read.
  std::string ReadUntilClose(int timeout_ms);
  // True if the peer closed the connection (or reset it) within `timeout_ms`.
  bool WaitForClose(int timeout_ms);
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  void* ctx_ = nullptr;
  void* ssl_ = nullptr;
  bool handshake_ok_ = false;
  bool closed_ = false;
};

// Sends raw bytes over plain TCP to 127.0.0.1:port and returns what comes back before
// the server closes (bounded by `timeout_ms` of silence).
std::string RawPlainExchange(std::uint16_t port, std::string_view bytes, int timeout_ms = 5000);

}  // namespace alcove::testing
