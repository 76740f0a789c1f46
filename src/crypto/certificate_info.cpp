#include "crypto/certificate_info.hpp"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <memory>

#include "crypto/openssl_ptr.hpp"

namespace alcove::crypto {

namespace {

using X509Ptr = std::unique_ptr<X509, OpenSslFree<X509_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree<BIO_free>>;

std::string NameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    return {};
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

Micros TimeOf(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return 0;
  }
  return static_cast<Micros>(timegm(&tm)) * 1'000'000;
}

bool Loopback(const std::string& name) {
  return name == "localhost" || name.ends_with(".localhost") || name == "127.0.0.1" ||
         name == "::1" || name.starts_with("127.");
}

}  // namespace

Result<CertificateInfo> ReadCertificateInfo(const std::filesystem::path& pem) {
  std::unique_ptr<std::FILE, decltype(&std::fclose)> f(std::fopen(pem.c_str(), "rb"), &std::fclose);
  if (!f) {
    return Fail(ErrorCode::kNotFound, "the TLS certificate " + pem.string() + " cannot be opened");
  }
  X509Ptr cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return Fail(ErrorCode::kInvalidArgument,
                "the TLS certificate " + pem.string() + " holds no PEM certificate");
  }
  CertificateInfo info;
  info.subject = NameText(X509_get_subject_name(cert.get()));
  info.issuer = NameText(X509_get_issuer_name(cert.get()));
  info.not_before = TimeOf(X509_get0_notBefore(cert.get()));
  info.not_after = TimeOf(X509_get0_notAfter(cert.get()));
  // Self-signed: its issuer is its subject and its own key verifies its signature.
  if (X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0) {
    EVP_PKEY* key = X509_get0_pubkey(cert.get());
    info.self_signed = key != nullptr && X509_verify(cert.get(), key) == 1;
  }
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, i);
      if (n->type == GEN_DNS) {
        const auto* s = n->d.dNSName;
        info.names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                static_cast<std::size_t>(ASN1_STRING_length(s)));
      } else if (n->type == GEN_IPADD) {
        const auto* s = n->d.iPAddress;
        char text[INET6_ADDRSTRLEN] = {};
        const int len = ASN1_STRING_length(s);
        const int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
        if (family != 0 &&
            inet_ntop(family, ASN1_STRING_get0_data(s), text, sizeof text) != nullptr) {
          info.names.emplace_back(text);
        }
      }
    }
    GENERAL_NAMES_free(sans);
  }
  bool only_loopback = !info.names.empty();
  for (const auto& n : info.names) {
    only_loopback &= Loopback(n);
  }
  info.development = info.self_signed && only_loopback;
  return info;
}

}  // namespace alcove::crypto
