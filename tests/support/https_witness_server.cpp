#include "support/https_witness_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "support/loopback_tls.hpp"

namespace alcove::testing {
namespace {

SSL_CTX* Ctx(void* p) { return static_cast<SSL_CTX*>(p); }

}  // namespace

HttpsWitnessServer::HttpsWitnessServer(const std::filesystem::path& certificate,
                                       const std::filesystem::path& key) {
  LoopbackTlsListener l = OpenLoopbackTls(certificate, key);
  ctx_ = l.ctx;
  listener_ = l.fd;
  if (l.port == 0) {
    return;
  }
  port_ = l.port;
  thread_ = std::thread([this] { Serve(); });
}

HttpsWitnessServer::~HttpsWitnessServer() {
  stopping_.store(true);
  if (thread_.joinable()) {
    thread_.join();
  }
  LoopbackTlsListener l{.ctx = ctx_, .fd = listener_, .port = port_};
  CloseLoopbackTls(l);
}

std::optional<std::string> HttpsWitnessServer::latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

void HttpsWitnessServer::Serve() {
  while (!stopping_.load()) {
    pollfd p{.fd = listener_, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 50) <= 0) {
      continue;  // look at stopping_ again
    }
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      Handle(fd);
      ::close(fd);
    }
  }
}

void HttpsWitnessServer::Handle(int fd) {
  timeval tv{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  SSL* ssl = SSL_new(Ctx(ctx_));
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) != 1) {
    SSL_free(ssl);
    return;
  }
  std::string in;
  char buf[4096];
  std::size_t header_end = std::string::npos;
  std::size_t want = 0;
  for (;;) {
    if (header_end == std::string::npos) {
      header_end = in.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::string lower = in.substr(0, header_end);
        for (auto& c : lower) {
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        const auto cl = lower.find("content-length:");
        want = cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 15));
      }
    }
    if (header_end != std::string::npos && in.size() >= header_end + 4 + want) {
      break;
    }
    const int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0) {
      SSL_free(ssl);
      return;
    }
    in.append(buf, static_cast<std::size_t>(n));
  }
  const bool post = in.starts_with("POST /witness ");
  const bool get = in.starts_with("GET /witness ");
  std::string status = "404 Not Found";
  std::string body;
  if (failing_.load()) {
    status = "503 Service Unavailable";
  } else if (post) {
    std::lock_guard lock(mu_);
    latest_ = in.substr(header_end + 4, want);
    ++posts_;
    status = "200 OK";
  } else if (get) {
    std::lock_guard lock(mu_);
    if (latest_) {
      status = "200 OK";
      body = *latest_;
    }
  }
  const std::string out =
      "HTTP/1.1 " + status +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  SSL_write(ssl, out.data(), static_cast<int>(out.size()));
  SSL_shutdown(ssl);
  SSL_free(ssl);
}

}  // namespace alcove::testing
