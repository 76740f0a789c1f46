#pragma once

#include <filesystem>

#include "core/error.hpp"

namespace alcove::crypto {

// Creates a self-signed ECDSA P-256 certificate for `localhost`, 127.0.0.1 and ::1
// (an end-entity certificate: CA:FALSE, serverAuth), valid for `days` from now, with
// OpenSSL's API. Writes the certificate (PEM, 0644) and its private key (PKCS#8 PEM,
// 0600). Fails with kAlreadyExists if either file exists; leaves neither on failure.
Status CreateDevelopmentCertificate(const std::filesystem::path& cert_path,
                                    const std::filesystem::path& key_path, int days = 365);

}  // namespace alcove::crypto
