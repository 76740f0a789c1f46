#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <vector>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "web/dispatcher.hpp"

namespace alcove::web {

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t https_port = 8443;  // 0: any free port (see https_port())
  std::uint16_t http_port = 8080;
  std::size_t max_connections = 1024;  // both listeners together
  // Per client address (IPv6 by /64: AddressGroup), for each listener (C14).
  std::size_t max_connections_per_address = 64;
  std::size_t max_redirect_connections_per_address = 8;
  // Peers exempt from the per-address budgets: trusted reverse proxies, which carry many
  // clients' connections (canonical address text).
  std::vector<std::string> budget_exempt;
  std::size_t max_header_bytes = 16 * 1024;
  // Bodies being read at once, all connections together (C14): a body is reserved at its
  // declared length (chunked: its route's limit) before any byte is read; past this the
  // request gets 503 with Retry-After and its connection closes.
  std::size_t max_body_memory_bytes = 64 * 1024 * 1024;
  std::chrono::seconds header_timeout{10};  // TLS handshake, and the whole request head
  std::chrono::seconds body_timeout{30};    // the whole body; also each response write
  std::chrono::seconds idle_timeout{60};    // waiting for the next request
  std::chrono::seconds shutdown_grace{10};
  unsigned io_threads = 1;
  unsigned worker_threads = 2;
  std::filesystem::path certificate;
  std::filesystem::path private_key;
};

// The HTTPS listener (TLS 1.3 only) and the plain-HTTP listener, on Boost.Beast and
// Asio coroutines. Every request, including ones that fail before they are fully read
// (400, 408, 413, 431), is answered by a Dispatcher, so all answers share one
// middleware chain. Handlers run on a worker pool unless their route runs inline.
//
// Slow clients: a new connection must complete its TLS handshake and its first request
// head within header_timeout of being accepted (a socket that sends nothing is closed
// then, not after idle_timeout); each later head within header_timeout, each body within
// body_timeout; an idle kept-alive connection is closed after idle_timeout. Past
// max_connections, or past a client address's own budget on that listener, new
// connections are closed at once; refusals are logged at most once per 10 s, counted.
//
// Thread-safety: Stop() may be called from any thread; everything else from one.
class Server {
 public:
  // Binds both listeners and loads the TLS certificate and key; serves nothing yet.
  static Result<std::unique_ptr<Server>> Create(const ServerOptions& options);
  ~Server();

  std::uint16_t https_port() const;
  std::uint16_t http_port() const;

  // Serves until SIGTERM, SIGINT or Stop(): then stops accepting, lets in-flight
  // requests finish (at most shutdown_grace), closes idle connections and returns.
  void Run(const Dispatcher& app, const Dispatcher& redirect);
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace alcove::web
