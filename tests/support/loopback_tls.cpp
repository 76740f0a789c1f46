#include "support/loopback_tls.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace alcove::testing {

LoopbackTlsListener OpenLoopbackTls(const std::filesystem::path& certificate,
                                    const std::filesystem::path& key) {
  LoopbackTlsListener l;
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    return l;
  }
  l.ctx = ctx;
  if (SSL_CTX_use_certificate_chain_file(ctx, certificate.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return l;
  }
  l.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (l.fd < 0 || ::bind(l.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(l.fd, 16) != 0 ||
      ::getsockname(l.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return l;
  }
  l.port = ntohs(addr.sin_port);
  return l;
}

void CloseLoopbackTls(LoopbackTlsListener& l) {
  if (l.fd >= 0) {
    ::close(l.fd);
    l.fd = -1;
  }
  if (l.ctx != nullptr) {
    SSL_CTX_free(static_cast<SSL_CTX*>(l.ctx));
    l.ctx = nullptr;
  }
  l.port = 0;
}

}  // namespace alcove::testing
