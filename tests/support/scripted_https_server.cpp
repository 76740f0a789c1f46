#include "support/scripted_https_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "support/loopback_tls.hpp"

namespace alcove::testing {
namespace {

SSL_CTX* Ctx(void* p) { return static_cast<SSL_CTX*>(p); }

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.erase(s.begin());
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

std::string Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

}  // namespace

ScriptedHttpsServer::ScriptedHttpsServer(const std::filesystem::path& certificate,
                                         const std::filesystem::path& key) {
  // A client that gave up (a timeout under test) closes its end: writing to it must fail,
  // not kill the test program.
  ::signal(SIGPIPE, SIG_IGN);
  LoopbackTlsListener l = OpenLoopbackTls(certificate, key);
  ctx_ = l.ctx;
  listener_ = l.fd;
  if (l.port == 0) {
    return;
  }
  port_ = l.port;
  thread_ = std::thread([this] { Serve(); });
}

ScriptedHttpsServer::~ScriptedHttpsServer() {
  stopping_.store(true);
  if (thread_.joinable()) {
    thread_.join();
  }
  for (auto& t : handlers_) {
    t.join();
  }
  LoopbackTlsListener l{.ctx = ctx_, .fd = listener_, .port = port_};
  CloseLoopbackTls(l);
}

void ScriptedHttpsServer::Push(Reply reply) {
  std::lock_guard lock(mu_);
  script_.push_back(std::move(reply));
}

void ScriptedHttpsServer::set_fallback(Reply reply) {
  std::lock_guard lock(mu_);
  fallback_ = std::move(reply);
}

std::vector<ScriptedHttpsServer::Request> ScriptedHttpsServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

ScriptedHttpsServer::Reply ScriptedHttpsServer::Next() {
  std::lock_guard lock(mu_);
  if (script_.empty()) {
    return fallback_;
  }
  Reply r = std::move(script_.front());
  script_.pop_front();
  return r;
}

void ScriptedHttpsServer::Serve() {
  while (!stopping_.load()) {
    pollfd p{.fd = listener_, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 50) <= 0) {
      continue;  // look at stopping_ again
    }
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      std::lock_guard lock(mu_);
      handlers_.emplace_back([this, fd] {
        Handle(fd);
        ::close(fd);
      });
    }
  }
}

void ScriptedHttpsServer::Handle(int fd) {
  timeval tv{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  SSL* ssl = SSL_new(Ctx(ctx_));
  SSL_set_fd(ssl, fd);
  ++connections_;
  if (SSL_accept(ssl) != 1) {
    SSL_free(ssl);
    return;
  }
  std::string in;
  char buf[16384];
  std::size_t header_end = std::string::npos;
  std::size_t want = 0;
  Request request;
  for (;;) {
    if (header_end == std::string::npos) {
      header_end = in.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const std::string head = in.substr(0, header_end);
        std::size_t line_end = head.find("\r\n");
        const std::string first = head.substr(0, line_end);
        const auto sp1 = first.find(' ');
        const auto sp2 = first.find(' ', sp1 + 1);
        request.method = first.substr(0, sp1);
        request.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
        while (line_end != std::string::npos && line_end < head.size()) {
          const std::size_t start = line_end + 2;
          line_end = head.find("\r\n", start);
          const std::string line = head.substr(start, line_end - start);
          const auto colon = line.find(':');
          if (colon != std::string::npos) {
            request.headers[Lower(line.substr(0, colon))] = Trim(line.substr(colon + 1));
          }
        }
        if (const auto it = request.headers.find("content-length"); it != request.headers.end()) {
          want = std::stoul(it->second);
        }
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
  request.body = in.substr(header_end + 4, want);
  {
    std::lock_guard lock(mu_);
    requests_.push_back(std::move(request));
  }
  const Reply reply = Next();
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(reply.delay_ms);
  while (std::chrono::steady_clock::now() < until && !stopping_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + Reason(reply.status) +
                    "\r\nContent-Type: " + reply.content_type +
                    "\r\nContent-Length: " + std::to_string(reply.body.size()) + "\r\n";
  if (reply.retry_after) {
    out += "Retry-After: " + std::to_string(*reply.retry_after) + "\r\n";
  }
  out += "Connection: close\r\n\r\n" + reply.body;
  SSL_write(ssl, out.data(), static_cast<int>(out.size()));
  SSL_shutdown(ssl);
  SSL_free(ssl);
}

}  // namespace alcove::testing
