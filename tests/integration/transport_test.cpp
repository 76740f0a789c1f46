// Black-box tests of the real `alcove serve` over HTTPS on loopback: transport
// security, redirects and the header set.
#include <regex>

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "support/https_client.hpp"
#include "support/process.hpp"
#include "web/security_headers.hpp"

namespace alcove::testing {
namespace {

class TransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerProcess::Options o;
    o.env = {{"ALCOVE_SERVER_MAX_BODY_BYTES", "4096"},
             {"ALCOVE_SECURITY_CONTACT", "mailto:security@alcove.example.org"}};
    server_ = new ServerProcess(o);
    ASSERT_TRUE(server_->started()) << server_->Stderr();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static HttpResult Get(const std::string& path, HttpOptions o = {}) {
    o.ca_file = server_->certificate();
    return Fetch(server_->origin() + path, o);
  }
  static ServerProcess* server_;
};

ServerProcess* TransportTest::server_ = nullptr;

// CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2 (the MAX_ macro is the version
// shifted by 16; spelled out because the enum arithmetic trips -Wconversion).
constexpr long kTls12Only = long{CURL_SSLVERSION_TLSv1_2} | (long{CURL_SSLVERSION_TLSv1_2} << 16);

void ExpectSecurityHeaders(const HttpResult& r, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.Header("Strict-Transport-Security"), std::string(web::kHsts));
  EXPECT_EQ(r.Header("Content-Security-Policy"), std::string(web::kContentSecurityPolicy));
  EXPECT_EQ(r.Header("X-Frame-Options"), "DENY");
  EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.Header("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(r.Header("Permissions-Policy"), std::string(web::kPermissionsPolicy));
  EXPECT_EQ(r.Header("Cross-Origin-Opener-Policy"), "same-origin");
  EXPECT_EQ(r.Header("Cross-Origin-Embedder-Policy"), "require-corp");
  EXPECT_EQ(r.Header("Cross-Origin-Resource-Policy"), "same-origin");
  // The CSP allows no inline script or style and no framing.
  const auto csp = r.Header("Content-Security-Policy").value_or("");
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_FALSE(r.Header("Server").has_value());
}

// claim: C10
TEST_F(TransportTest, C10_Tls13IsAcceptedAndCertificateVerifies) {
  const auto r = Get("/healthz", {.tls_version = CURL_SSLVERSION_TLSv1_3});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  RawTlsClient raw(server_->https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  EXPECT_TRUE(raw.handshake_ok());
  EXPECT_EQ(raw.negotiated_version(), "TLSv1.3");
}

// claim: C10
TEST_F(TransportTest, C10_Tls12AndOlderAreRefused) {
  for (int version : {TLS1_2_VERSION, TLS1_1_VERSION, TLS1_VERSION}) {
    RawTlsClient raw(server_->https_port(), version, version);
    EXPECT_FALSE(raw.handshake_ok()) << std::hex << version;
  }
  const auto r =
      Get("/healthz", {.tls_version = kTls12Only});
  EXPECT_FALSE(r.ok);
  // A client offering 1.2 and 1.3 gets 1.3.
  RawTlsClient both(server_->https_port(), TLS1_2_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(both.handshake_ok());
  EXPECT_EQ(both.negotiated_version(), "TLSv1.3");
}

// claim: C11
TEST_F(TransportTest, C11_PlainHttpOnlyRedirectsToTheHttpsOriginKeepingPathAndQuery) {
  const std::string http = "http://127.0.0.1:" + std::to_string(server_->http_port());
  for (const std::string method : {"GET", "POST", "PUT", "DELETE", "HEAD"}) {
    HttpOptions o{.method = method};
    if (method == "POST" || method == "PUT") {
      o.body = "name=secret";
    }
    const auto r = Fetch(http + "/api/v1/clients?limit=5&x=%20y", o);
    ASSERT_TRUE(r.ok) << method << ": " << r.error;
    EXPECT_EQ(r.status, 301) << method;
    EXPECT_EQ(r.Header("Location"), server_->origin() + "/api/v1/clients?limit=5&x=%20y")
        << method;
    EXPECT_EQ(r.body.find("secret"), std::string::npos);
  }
}

// claim: C11
TEST_F(TransportTest, C11_RedirectIgnoresTheHostHeader) {
  const std::string http = "http://127.0.0.1:" + std::to_string(server_->http_port());
  const auto r = Fetch(http + "/x", {.headers = {"Host: evil.example"}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.Header("Location"), server_->origin() + "/x");
  // Absolute-form and protocol-relative targets cannot steer the redirect elsewhere.
  const std::string raw = RawPlainExchange(
      server_->http_port(), "GET http://evil.example/x HTTP/1.1\r\nHost: evil.example\r\n\r\n");
  EXPECT_NE(raw.find("Location: " + server_->origin() + "/\r\n"), std::string::npos) << raw;
  const std::string raw2 = RawPlainExchange(server_->http_port(),
                                            "GET //evil.example/x HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_NE(raw2.find("Location: " + server_->origin() + "/\r\n"), std::string::npos) << raw2;
}

// claim: C12
TEST_F(TransportTest, C12_HstsForAtLeastAYearWithSubdomainsAndPreload) {
  const auto r = Get("/");
  ASSERT_TRUE(r.ok) << r.error;
  const std::string hsts = r.Header("Strict-Transport-Security").value_or("");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(hsts, m, std::regex(R"(max-age=(\d+))")));
  EXPECT_GE(std::stoll(m[1]), 31536000);
  EXPECT_NE(hsts.find("includeSubDomains"), std::string::npos);
  EXPECT_NE(hsts.find("preload"), std::string::npos);
}

// claim: C60
TEST_F(TransportTest, C60_FullHeaderSetOnEveryKindOfAnswer) {
  const auto ok = Get("/healthz");
  EXPECT_EQ(ok.status, 200);
  ExpectSecurityHeaders(ok, "200");
  EXPECT_EQ(ok.Header("Cache-Control"), "no-store");

  const auto page = Get("/");
  EXPECT_EQ(page.status, 200);
  ExpectSecurityHeaders(page, "200 page");

  const auto missing = Get("/no/such/page");
  EXPECT_EQ(missing.status, 404);
  ExpectSecurityHeaders(missing, "404");

  const auto wrong_method = Get("/healthz", {.method = "DELETE"});
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.Header("Allow"), "GET, HEAD");
  ExpectSecurityHeaders(wrong_method, "405");

  // A route that takes a body (a body for one that takes none is not even read: C14).
  const auto too_big =
      Get("/api/v1/sessions/revoke-others", {.method = "POST", .body = std::string(8192, 'x')});
  EXPECT_EQ(too_big.status, 413);
  ExpectSecurityHeaders(too_big, "413");

  const auto big_headers = Get("/healthz", {.headers = {"X-Big: " + std::string(20000, 'a')}});
  EXPECT_EQ(big_headers.status, 431);
  ExpectSecurityHeaders(big_headers, "431");

  const auto bad = Get("/a%zz");
  EXPECT_EQ(bad.status, 400);
  ExpectSecurityHeaders(bad, "400");

  const auto redirect =
      Fetch("http://127.0.0.1:" + std::to_string(server_->http_port()) + "/healthz");
  EXPECT_EQ(redirect.status, 301);
  ExpectSecurityHeaders(redirect, "301");

  const auto css = Get("/static/app.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.Header("Content-Type"), "text/css; charset=utf-8");
  ExpectSecurityHeaders(css, "static");

  const auto txt = Get("/.well-known/security.txt");
  ExpectSecurityHeaders(txt, "security.txt");
}

// claim: C61
TEST_F(TransportTest, C61_SecurityTxtNamesTheConfiguredContact) {
  const auto r = Get("/.well-known/security.txt");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_NE(r.body.find("Contact: mailto:security@alcove.example.org\n"), std::string::npos);
  EXPECT_NE(r.body.find("Canonical: " + server_->origin() + "/.well-known/security.txt\n"),
            std::string::npos);
  EXPECT_NE(r.body.find("Policy: " + server_->origin() + "/security\n"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.body, m,
                                std::regex(R"(Expires: (\d{4})-(\d\d)-(\d\d)T\d\d:\d\d:\d\dZ)")));
  // RFC 9116: in the future, and recommended less than a year away.
  const auto now = std::chrono::system_clock::now();
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  const auto expires = std::chrono::system_clock::from_time_t(timegm(&tm));
  EXPECT_GT(expires, now);
  EXPECT_LT(expires, now + std::chrono::days(366));
  // The policy page it points to exists.
  EXPECT_EQ(Get("/security").status, 200);
}

TEST_F(TransportTest, StaticFilesRevalidateWith304) {
  const auto first = Get("/static/app.css");
  ASSERT_EQ(first.status, 200);
  const auto etag = first.Header("ETag");
  ASSERT_TRUE(etag);
  const auto again = Get("/static/app.css", {.headers = {"If-None-Match: " + *etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  ExpectSecurityHeaders(again, "304");
}

TEST_F(TransportTest, HeadAnswersWithoutABody) {
  const auto r = Get("/", {.method = "HEAD"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(TransportTest, LandingPageIsServedInTheLayout) {
  const auto r = Get("/");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("<!doctype html>"), std::string::npos);
  EXPECT_NE(r.body.find("Alcove"), std::string::npos);
}

TEST_F(TransportTest, ApiErrorsAreJson) {
  const auto r = Get("/api/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"There is nothing at this address."}})");
}

TEST_F(TransportTest, AccessLogHasRoutePatternsButNoQueryHeadersOrBodies) {
  Get("/healthz?token=QUERYSECRET", {.headers = {"Cookie: __Host-x=COOKIESECRET"}});
  Get("/static/app.css?v=STATICSECRET");
  Get("/healthz", {.method = "POST", .body = "BODYSECRET"});
  const std::string log = server_->StderrOnceItHas("method=POST route=/healthz");
  EXPECT_NE(log.find("route=/healthz status=200"), std::string::npos) << log;
  EXPECT_NE(log.find("route=/static/{*path} status=200"), std::string::npos) << log;
  for (const char* s : {"QUERYSECRET", "COOKIESECRET", "STATICSECRET", "BODYSECRET"}) {
    EXPECT_EQ(log.find(s), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace alcove::testing
