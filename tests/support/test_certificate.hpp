#pragma once

// A self-signed certificate for 127.0.0.1 made with `openssl req` at test time, for
// loopback TLS servers of the tests' own: the certificate is its own CA for the client.
#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/temp_dir.hpp"

namespace alcove::testing {

struct SelfSignedCertificate {
  TempDir dir;
  std::filesystem::path cert = dir / "cert.pem";
  std::filesystem::path key = dir / "key.pem";
  bool ok = false;
  SelfSignedCertificate() {
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
        key.string() + "' -out '" + cert.string() + "' >/dev/null 2>&1";
    ok = std::system(cmd.c_str()) == 0;
  }
};

}  // namespace alcove::testing
