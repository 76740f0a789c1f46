// HTTP framing through the real binary (issue #12; RFC 9112 §6): heads whose framing a
// proxy in front of us might read differently get 400 and a closed connection, before
// any body byte is read; HEAD answers carry no body on either listener; every 429 and
// 503 says when to come back.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <string>
#include <vector>

#include "support/https_client.hpp"
#include "support/process.hpp"

namespace alcove::testing {
namespace {

class Framing : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess(ServerProcess::Options{});
    ASSERT_TRUE(server_->started()) << server_->Stderr();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  // One exchange on a fresh TLS connection: what came back before the server closed
  // (or the wait ran out), and whether it closed.
  static std::pair<std::string, bool> Exchange(const std::string& bytes) {
    RawTlsClient client(server_->https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
    EXPECT_TRUE(client.handshake_ok());
    EXPECT_TRUE(client.Write(bytes));
    std::string got = client.ReadUntilClose(5000);
    return {got, client.closed()};
  }
  static ServerProcess* server_;
};

ServerProcess* Framing::server_ = nullptr;

TEST_F(Framing, AmbiguousFramingGets400AndTheConnectionCloses) {
  const std::vector<std::pair<std::string, std::string>> heads = {
      {"both framing headers",
       "POST /api/v1/auth/magic-link HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n"
       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"a coding that is not chunked",
       "POST /api/v1/auth/magic-link HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: "
       "gzip\r\n\r\n"},
      {"chunked that is not final",
       "POST /api/v1/auth/magic-link HTTP/1.1\r\nHost: localhost\r\n"
       "Transfer-Encoding: chunked, gzip\r\n\r\n"},
      {"two Transfer-Encoding lines",
       "POST /api/v1/auth/magic-link HTTP/1.1\r\nHost: localhost\r\n"
       "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"two Content-Length lines",
       "POST /api/v1/auth/magic-link HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n"
       "Content-Length: 2\r\n\r\n{}"},
      {"a Content-Length list",
       "POST /api/v1/auth/magic-link HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2, "
       "2\r\n\r\n{}"},
      {"HTTP/1.1 without Host", "GET /healthz HTTP/1.1\r\n\r\n"},
      {"two Host lines", "GET /healthz HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n"},
  };
  for (const auto& [what, bytes] : heads) {
    const auto [got, closed] = Exchange(bytes);
    EXPECT_TRUE(got.starts_with("HTTP/1.1 400 ")) << what << ": " << got.substr(0, 120);
    EXPECT_TRUE(closed) << what;
    EXPECT_NE(got.find("Strict-Transport-Security:"), std::string::npos) << what;
  }
  // A plain HTTP/1.0 request without Host is still fine, and so is a well-framed one.
  EXPECT_TRUE(Exchange("GET /healthz HTTP/1.0\r\n\r\n").first.starts_with("HTTP/1.1 200 "));
  EXPECT_TRUE(Exchange("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                  .first.starts_with("HTTP/1.1 200 "));
}

TEST_F(Framing, HeadAnswersCarryNoBodyOnEitherListener) {
  const auto [got, closed] =
      Exchange("HEAD /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(got.starts_with("HTTP/1.1 200 ")) << got;
  EXPECT_EQ(got.substr(got.find("\r\n\r\n") + 4), "") << "no body after the head";
  const std::string plain = RawPlainExchange(
      server_->http_port(), "HEAD /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(plain.starts_with("HTTP/1.1 301 ")) << plain;
  EXPECT_EQ(plain.substr(plain.find("\r\n\r\n") + 4), "") << "the redirect's HEAD has no body";
}

}  // namespace
}  // namespace alcove::testing

namespace alcove::testing {
namespace {

// C14: a body is read only for a route that takes one. The head announces a large body
// that never comes: a route without a body (404, 405, GET) answers at once and closes,
// instead of waiting for the body until the body timeout.
TEST_F(Framing, C14_NoBodyIsReadForARouteThatTakesNone) {
  for (const std::string& head :
       {std::string(
            "POST /no/such/route HTTP/1.1\r\nHost: localhost\r\nContent-Length: 500000\r\n\r\n"),
        std::string("POST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 500000\r\n\r\n"),
        std::string("GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 500000\r\n\r\n"),
        std::string("DELETE /api/v1/sessions/x HTTP/1.1\r\nHost: localhost\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n")}) {
    RawTlsClient client(server_->https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
    ASSERT_TRUE(client.handshake_ok());
    ASSERT_TRUE(client.Write(head));
    // Well within the 30 s body timeout: the answer does not wait for the body.
    const std::string got = client.ReadUntilClose(5000);
    EXPECT_TRUE(client.closed()) << head;
    const auto status = got.substr(0, 12);
    EXPECT_TRUE(status == "HTTP/1.1 404" || status == "HTTP/1.1 405" || status == "HTTP/1.1 200" ||
                status == "HTTP/1.1 401")
        << head << " -> " << got.substr(0, 80);
  }
}

}  // namespace
}  // namespace alcove::testing
