#pragma once

#include <filesystem>

#include "core/error.hpp"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX, owned by the caller (e.g. asio::ssl::context)

namespace alcove::crypto {

// Configures a server context: TLS 1.3 only (C10), no renegotiation, no compression,
// server cipher preference, session tickets off (no long-lived ticket keys in memory),
// loads the certificate chain and the private key and checks they match. Refuses a
// key file that others can read, or a missing certificate, with a message that says
// what to fix. The key is read here and stays inside OpenSSL.
Status ConfigureTls13Server(ssl_ctx_st* ctx, const std::filesystem::path& certificate,
                            const std::filesystem::path& private_key);

}  // namespace alcove::crypto
