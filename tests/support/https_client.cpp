#include "support/https_client.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "web/http.hpp"

namespace alcove::testing {
namespace {

// A test that writes to a connection the server has closed must see an error, not be
// killed by SIGPIPE.
const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (line.starts_with("HTTP/")) {
    headers->clear();  // a new response (e.g. after 100 Continue)
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    headers->emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * n;
}

int Connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool Readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

}  // namespace

std::optional<std::string> HttpResult::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (web::EqualsIgnoreCase(k, name)) {
      return v;
    }
  }
  return std::nullopt;
}

HttpResult Fetch(const std::string& url, const HttpOptions& o) {
  HttpResult r;
  CURL* curl = curl_easy_init();
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_slist* headers = nullptr;
  for (const auto& h : o.headers) {
    headers = curl_slist_append(headers, h.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, o.method.c_str());
  if (o.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  }
  if (o.body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, o.body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(o.body->size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, o.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  if (!o.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, o.ca_file.c_str());
  }
  if (o.tls_version != 0) {
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, o.tls_version);
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode rc = curl_easy_perform(curl);
  r.ok = rc == CURLE_OK;
  if (!r.ok) {
    r.error = std::string(curl_easy_strerror(rc)) + ": " + errbuf;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return r;
}

RawTlsClient::RawTlsClient(std::uint16_t port, int min_version, int max_version) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ctx_ = ctx;
  // Old versions are disabled at the default security level; allow offering them, so
  // that the server, not our client, is what refuses them.
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_min_proto_version(ctx, min_version);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  fd_ = Connect(port);
  if (fd_ < 0) {
    closed_ = true;
    return;
  }
  SSL* ssl = SSL_new(ctx);
  ssl_ = ssl;
  SSL_set_fd(ssl, fd_);
  // SSL_set_tlsext_host_name is a macro with an old-style cast; call what it expands to.
  static char kHost[] = "localhost";
  SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, kHost);
  handshake_ok_ = SSL_connect(ssl) == 1;
  ERR_clear_error();
  if (!handshake_ok_) {
    closed_ = true;
  }
}

RawTlsClient::~RawTlsClient() {
  if (ssl_ != nullptr) {
    SSL_free(static_cast<SSL*>(ssl_));
  }
  if (ctx_ != nullptr) {
    SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  }
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

std::string RawTlsClient::negotiated_version() const {
  return ssl_ != nullptr ? SSL_get_version(static_cast<SSL*>(ssl_)) : "";
}

bool RawTlsClient::Write(std::string_view bytes) {
  if (closed_ || !handshake_ok_) {
    return false;
  }
  if (SSL_write(static_cast<SSL*>(ssl_), bytes.data(), static_cast<int>(bytes.size())) <= 0) {
    ERR_clear_error();
    closed_ = true;
    return false;
  }
  return true;
}

std::string RawTlsClient::ReadUntilClose(int timeout_ms) {
  std::string out;
  auto* ssl = static_cast<SSL*>(ssl_);
  while (!closed_ && handshake_ok_) {
    if (SSL_pending(ssl) == 0 && !Readable(fd_, timeout_ms)) {
      break;
    }
    char buf[4096];
    const int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0) {
      const int e = SSL_get_error(ssl, n);
      ERR_clear_error();
      if (e == SSL_ERROR_WANT_READ) {
        continue;  // e.g. a post-handshake message without application data
      }
      closed_ = true;
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

bool RawTlsClient::WaitForClose(int timeout_ms) {
  ReadUntilClose(timeout_ms);
  return closed_;
}

std::string RawPlainExchange(std::uint16_t port, std::string_view bytes, int timeout_ms) {
  const int fd = Connect(port);
  if (fd < 0) {
    return {};
  }
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string out;
  while (Readable(fd, timeout_ms)) {
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace alcove::testing
