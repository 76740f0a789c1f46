#pragma once

// What `alcove doctor` says of the server's TLS certificate (docs/operations.md § Posture):
// read from the PEM file with OpenSSL; only public data.

#include <filesystem>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace alcove::crypto {

struct CertificateInfo {
  std::string subject;  // "CN=localhost"
  std::string issuer;
  std::vector<std::string> names;  // subjectAltName DNS names and IP addresses
  bool self_signed = false;        // issued by itself (its own key verifies it)
  bool development = false;        // self-signed for localhost / loopback only
  Micros not_before = 0;
  Micros not_after = 0;
};

// kNotFound when the file is missing, kInvalidArgument when it holds no PEM certificate.
Result<CertificateInfo> ReadCertificateInfo(const std::filesystem::path& pem);

}  // namespace alcove::crypto
