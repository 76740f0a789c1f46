#pragma once

// The listening half of the tests' own loopback TLS servers (https_witness_server,
// scripted_https_server): an OpenSSL server context with a PEM certificate and key, and a
// socket listening on 127.0.0.1 at a free port.
#include <cstdint>
#include <filesystem>

namespace alcove::testing {

struct LoopbackTlsListener {
  void* ctx = nullptr;  // SSL_CTX, owned: freed by Close
  int fd = -1;
  std::uint16_t port = 0;  // 0 when anything failed
};

// Whatever fails leaves port 0 (and what was made, for Close).
LoopbackTlsListener OpenLoopbackTls(const std::filesystem::path& certificate,
                                    const std::filesystem::path& key);
void CloseLoopbackTls(LoopbackTlsListener& listener);

}  // namespace alcove::testing
