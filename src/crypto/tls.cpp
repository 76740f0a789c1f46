#include "crypto/tls.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/files.hpp"

namespace alcove::crypto {
namespace {

std::string LastOpenSslError() {
  char buf[256] = {};
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

}  // namespace

Status ConfigureTls13Server(ssl_ctx_st* ctx, const std::filesystem::path& certificate,
                            const std::filesystem::path& private_key) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(certificate, ec)) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("TLS certificate {} is missing; set tls.certificate to a PEM "
                            "certificate chain (alcove init creates a development one)",
                            certificate.string()));
  }
  if (auto st = CheckPrivateFile(private_key, "TLS private key"); !st) {
    return st;
  }
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return Fail(ErrorCode::kInternal, "cannot restrict TLS to version 1.3");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx, 0);
  if (SSL_CTX_use_certificate_chain_file(ctx, certificate.c_str()) != 1) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("cannot load TLS certificate {}: {}", certificate.string(),
                            LastOpenSslError()));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, private_key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("cannot load TLS private key {}: {}", private_key.string(),
                            LastOpenSslError()));
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("TLS private key {} does not match certificate {}",
                            private_key.string(), certificate.string()));
  }
  return {};
}

}  // namespace alcove::crypto
