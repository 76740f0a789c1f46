// Black-box tests of the server's defences against slow, large and path-escaping
// requests, and of its connection cap.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "support/https_client.hpp"
#include "support/process.hpp"

namespace alcove::testing {
namespace {

TEST(Limits, SlowHeaderSenderIsCutOffWith408) {
  ServerProcess server({.env = {{"ALCOVE_SERVER_HEADER_TIMEOUT_SECONDS", "1"}}});
  ASSERT_TRUE(server.started()) << server.Stderr();
  RawTlsClient client(server.https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(client.handshake_ok());
  ASSERT_TRUE(client.Write("GET / HTTP/1.1\r\nHost: localhost\r\n"));
  // Trickle a header one byte at a time; a well-behaved server gives up long before
  // the 600 bytes (60 s at this pace) are through.
  const std::string header = "X-Slow: " + std::string(590, 'a') + "\r\n";
  std::string answer;
  for (char c : header) {
    if (!client.Write(std::string(1, c))) {
      break;
    }
    answer += client.ReadUntilClose(100);
    if (client.closed()) {
      break;
    }
  }
  EXPECT_TRUE(client.closed());
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408 ")) << answer;
  EXPECT_NE(answer.find("Strict-Transport-Security:"), std::string::npos);
  EXPECT_NE(server.StderrOnceItHas("status=408").find("status=408"), std::string::npos)
      << server.Stderr();
}

TEST(Limits, IdleKeptAliveConnectionIsClosed) {
  ServerProcess server({.env = {{"ALCOVE_SERVER_IDLE_TIMEOUT_SECONDS", "1"}}});
  ASSERT_TRUE(server.started()) << server.Stderr();
  RawTlsClient client(server.https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(client.handshake_ok());
  ASSERT_TRUE(client.Write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  // The answer arrives, then the connection is closed once idle (bounded wait).
  const std::string got = client.ReadUntilClose(15000);
  EXPECT_NE(got.find("HTTP/1.1 200 OK"), std::string::npos) << got;
  EXPECT_TRUE(client.WaitForClose(15000));
}

TEST(Limits, OversizedDeclaredBodyIsRefusedBeforeItIsRead) {
  ServerProcess server({.env = {{"ALCOVE_SERVER_MAX_BODY_BYTES", "1024"}}});
  ASSERT_TRUE(server.started());
  RawTlsClient client(server.https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(client.handshake_ok());
  ASSERT_TRUE(client.Write(
      "POST /api/v1/sessions/revoke-others HTTP/1.1\r\nHost: localhost\r\n"
      "Content-Length: 1000000000\r\n\r\n"));
  const std::string got = client.ReadUntilClose(15000);
  EXPECT_TRUE(got.starts_with("HTTP/1.1 413 ")) << got;
}

TEST(Limits, ChunkedBodyOverTheLimitGets413) {
  ServerProcess server({.env = {{"ALCOVE_SERVER_MAX_BODY_BYTES", "1024"}}});
  ASSERT_TRUE(server.started());
  RawTlsClient client(server.https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(client.handshake_ok());
  // A route that takes a body and has the server's default limit.
  std::string req =
      "POST /api/v1/sessions/revoke-others HTTP/1.1\r\nHost: localhost\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) {
    req += "400\r\n" + std::string(1024, 'x') + "\r\n";
  }
  req += "0\r\n\r\n";
  client.Write(req);
  const std::string got = client.ReadUntilClose(15000);
  EXPECT_TRUE(got.starts_with("HTTP/1.1 413 ")) << got.substr(0, 200);
}

TEST(Limits, ConnectionsBeyondTheCapAreClosed) {
  ServerProcess server({.env = {{"ALCOVE_SERVER_MAX_CONNECTIONS", "2"}}});
  ASSERT_TRUE(server.started());
  auto a = std::make_unique<RawTlsClient>(server.https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  auto b = std::make_unique<RawTlsClient>(server.https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(a->handshake_ok());
  ASSERT_TRUE(b->handshake_ok());
  RawTlsClient c(server.https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  EXPECT_FALSE(c.handshake_ok());
  EXPECT_NE(server.StderrOnceItHas("over a limit (server 2").find("over a limit (server 2"),
            std::string::npos);
  // Once one leaves, a new connection is served again (the count is released).
  a.reset();
  bool served = false;
  for (int attempt = 0; attempt < 100 && !served; ++attempt) {
    const auto r = Fetch(server.origin() + "/healthz", {.ca_file = server.certificate()});
    served = r.ok && r.status == 200;
    if (!served) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  EXPECT_TRUE(served);
}

// A copy of web/ with a secret file next to static/, so escaping static/ by one level
// would find it.
class StaticEscapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto src = std::filesystem::path(ALCOVE_SOURCE_DIR) / "web";
    std::filesystem::copy(src, web_ / "web", std::filesystem::copy_options::recursive);
    std::ofstream(web_ / "web/secret.txt") << "TOPSECRET-OUTSIDE-STATIC";
    std::ofstream(web_ / "web/templates/secret.css") << "TOPSECRET-IN-TEMPLATES";
    std::filesystem::create_symlink(web_ / "web/secret.txt", web_ / "web/static/link.txt");
    server_ = std::make_unique<ServerProcess>(
        ServerProcess::Options{.env = {{"ALCOVE_SERVER_WEB_DIR", (web_ / "web").string()}}});
    ASSERT_TRUE(server_->started()) << server_->Stderr();
  }
  TempDir web_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(StaticEscapeTest, NoPathLeavesTheStaticFolder) {
  const char* targets[] = {
      "/static/../secret.txt",          "/static/%2e%2e/secret.txt",
      "/static/%2E%2E/secret.txt",      "/static/.%2e/secret.txt",
      "/static/..%2fsecret.txt",        "/static/..%2Fsecret.txt",
      "/static/%2e%2e%2fsecret.txt",    "/static/..%5csecret.txt",
      "/static/../templates/secret.css", "/static/%2e%2e/templates/secret.css",
      "/static/link.txt",               "/static/secret.txt%00.css",
      "/static/app.css%00/../../secret.txt", "/static//etc/passwd",
      "/static/%2fetc%2fpasswd",        "/static/....//secret.txt",
  };
  for (const char* t : targets) {
    RawTlsClient client(server_->https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
    ASSERT_TRUE(client.handshake_ok());
    client.Write(std::string("GET ") + t + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    const std::string got = client.ReadUntilClose(10000);
    EXPECT_EQ(got.find("TOPSECRET"), std::string::npos) << t;
    EXPECT_EQ(got.find("root:"), std::string::npos) << t;
    EXPECT_FALSE(got.starts_with("HTTP/1.1 200")) << t << "\n" << got.substr(0, 100);
  }
  // A raw NUL byte in the request line is refused by the parser.
  RawTlsClient client(server_->https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  client.Write(std::string("GET /static/app.css\0../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n", 55));
  const std::string got = client.ReadUntilClose(10000);
  EXPECT_EQ(got.find("TOPSECRET"), std::string::npos);
  EXPECT_TRUE(got.starts_with("HTTP/1.1 400")) << got.substr(0, 100);
  // The legitimate file is still there.
  const auto css = Fetch(server_->origin() + "/static/app.css", {.ca_file = server_->certificate()});
  EXPECT_EQ(css.status, 200);
}

}  // namespace
}  // namespace alcove::testing

namespace alcove::testing {
namespace {

// A plain TCP socket to 127.0.0.1:port from `source` (another loopback address stands
// for another client); -1 if it cannot connect.
int ConnectFrom(const char* source, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True once the server has closed `fd` (a read returns 0 or an error), within `ms`.
bool ClosedWithin(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) {
    return false;
  }
  char c = 0;
  return ::recv(fd, &c, 1, 0) <= 0;
}

// C14: idle sockets (no TLS, no bytes) from one address take only that address's budget
// on each listener; past it they are closed at once, a client from another address is
// served meanwhile, and the refusals are logged as a count, not a line each.
TEST(Limits, C14_IdleSocketsFromOneAddressDoNotTakeTheServer) {
  ServerProcess server({.env = {{"ALCOVE_SERVER_MAX_CONNECTIONS_PER_ADDRESS", "5"},
                                {"ALCOVE_SERVER_MAX_REDIRECT_CONNECTIONS_PER_ADDRESS", "3"}}});
  ASSERT_TRUE(server.started()) << server.Stderr();
  std::vector<int> kept;
  std::vector<int> refused;
  for (const auto& [port, cap] :
       {std::pair{server.https_port(), 5}, std::pair{server.http_port(), 3}}) {
    for (int i = 0; i < 40; ++i) {
      const int fd = ConnectFrom("127.0.0.2", port);
      ASSERT_GE(fd, 0) << "connect from 127.0.0.2";
      (i < cap ? kept : refused).push_back(fd);
    }
  }
  for (const int fd : refused) {
    EXPECT_TRUE(ClosedWithin(fd, 5000)) << "a socket over the address's budget stays open";
  }
  for (const int fd : kept) {
    EXPECT_FALSE(ClosedWithin(fd, 50)) << "a socket within the budget was closed at once";
  }
  // Another client is served while the first address holds its whole budget.
  const auto ok = Fetch(server.origin() + "/healthz", {.ca_file = server.certificate()});
  EXPECT_EQ(ok.status, 200) << ok.error;
  const std::string log = server.StderrOnceItHas("new connection(s) over a limit");
  EXPECT_NE(log.find("over a limit"), std::string::npos) << log;
  std::size_t lines = 0;
  for (auto at = log.find("over a limit"); at != std::string::npos;
       at = log.find("over a limit", at + 1)) {
    ++lines;
  }
  EXPECT_LT(lines, 10u) << "one line per refusal";
  for (const int fd : kept) {
    ::close(fd);
  }
  for (const int fd : refused) {
    ::close(fd);
  }
}

// C14: a connection that sends nothing is closed within the head timeout (here 2 s),
// on both listeners, instead of waiting the 60 s idle timeout for its first byte.
TEST(Limits, C14_ASilentConnectionIsClosedWithinTheHeadTimeout) {
  ServerProcess server({.env = {{"ALCOVE_SERVER_HEADER_TIMEOUT_SECONDS", "2"}}});
  ASSERT_TRUE(server.started()) << server.Stderr();
  for (const std::uint16_t port : {server.https_port(), server.http_port()}) {
    const int fd = ConnectFrom("127.0.0.3", port);
    ASSERT_GE(fd, 0);
    EXPECT_FALSE(ClosedWithin(fd, 1000)) << "closed before the timeout";
    EXPECT_TRUE(ClosedWithin(fd, 10000)) << "still open long after the head timeout";
    ::close(fd);
  }
  // After the handshake too: TLS done, then silence.
  RawTlsClient client(server.https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(client.handshake_ok());
  EXPECT_TRUE(client.WaitForClose(10000)) << "a handshake without a request stays open";
}

}  // namespace
}  // namespace alcove::testing

namespace alcove::testing {
namespace {

std::size_t PeakRssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmHWM:")) {
      return std::stoul(line.substr(6));
    }
  }
  return 0;
}

// C14: bodies in flight share one server-wide budget. With 1 MiB for all of them, two
// 400 kB bodies being sent slowly take 800 kB; a third request is refused at once with
// 503 and Retry-After, and once the first two are done a new one is read again.
TEST(Limits, C14_BodiesInFlightShareOneBudget) {
  ServerProcess server({.env = {{"ALCOVE_SERVER_MAX_BODY_MEMORY_BYTES", "1048576"}}});
  ASSERT_TRUE(server.started()) << server.Stderr();
  const std::string head =
      "POST /api/v1/clients HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nContent-Length: 400000\r\n";
  // Two bodies on their way: each asks "Expect: 100-continue", and the server says
  // "continue" only once it has reserved the body's share of the budget.
  std::vector<std::unique_ptr<RawTlsClient>> slow;
  for (int i = 0; i < 2; ++i) {
    slow.push_back(std::make_unique<RawTlsClient>(server.https_port(), TLS1_3_VERSION,
                                                  TLS1_3_VERSION));
    ASSERT_TRUE(slow.back()->handshake_ok());
    ASSERT_TRUE(slow.back()->Write(head + "Expect: 100-continue\r\n\r\n"));
    const std::string cont = slow.back()->ReadUntilClose(1000);
    ASSERT_TRUE(cont.starts_with("HTTP/1.1 100 ")) << cont;
  }
  // 800 kB reserved: a third 400 kB body does not fit and is refused at once.
  RawTlsClient third(server.https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(third.handshake_ok());
  ASSERT_TRUE(third.Write(head + "\r\n"));
  const std::string refused = third.ReadUntilClose(1000);
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503 ")) << refused.substr(0, 200);
  EXPECT_NE(refused.find("Retry-After:"), std::string::npos);
  // The first two finish (no session: 401 after the body is read) and free the budget.
  for (auto& c : slow) {
    ASSERT_TRUE(c->Write(std::string(400000, ' ')));
    EXPECT_TRUE(c->ReadUntilClose(5000).starts_with("HTTP/1.1 401 "));
  }
  slow.clear();
  RawTlsClient again(server.https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(again.handshake_ok());
  ASSERT_TRUE(again.Write(head + "\r\n" + std::string(400000, ' ')));
  EXPECT_TRUE(again.ReadUntilClose(5000).starts_with("HTTP/1.1 401 "));
}

// C14: many large bodies sent to routes that take none are never read, so the server's
// memory stays bounded (peak RSS, measured).
TEST(Limits, C14_ManyLargeBodiesToUnknownRoutesKeepMemoryBounded) {
  ServerProcess server({.env = {{"ALCOVE_SERVER_MAX_CONNECTIONS_PER_ADDRESS", "300"}}});
  ASSERT_TRUE(server.started()) << server.Stderr();
  const std::size_t before = PeakRssKb(server.pid());
  std::vector<std::unique_ptr<RawTlsClient>> clients;
  const std::string body(1024 * 1024, 'x');
  for (int i = 0; i < 150; ++i) {
    clients.push_back(std::make_unique<RawTlsClient>(server.https_port(), TLS1_3_VERSION,
                                                     TLS1_3_VERSION));
    ASSERT_TRUE(clients.back()->handshake_ok());
    (void)clients.back()->Write("POST /no/such/route/" + std::to_string(i) +
                                " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1048576\r\n\r\n" +
                                body);
  }
  for (auto& c : clients) {
    EXPECT_TRUE(c->ReadUntilClose(5000).starts_with("HTTP/1.1 404 "));
  }
  const std::size_t peak = PeakRssKb(server.pid());
  // 150 bodies of 1 MiB read would be 150 MiB; unread, the server grows by a few MiB.
  EXPECT_LT(peak, before + 40 * 1024) << "peak RSS " << peak << " kB (was " << before << ")";
}

}  // namespace
}  // namespace alcove::testing

namespace alcove::testing {
namespace {

// Behind a reverse proxy (server.trusted_proxies): the per-IP sign-in budget is the
// client's, named by the proxy's X-Forwarded-For; from a peer that is not trusted, the
// header is ignored and every request counts against the peer.
TEST(Limits, TrustedProxiesForwardedForNamesTheClient) {
  for (const bool trusted : {true, false}) {
    std::map<std::string, std::string> env = {
        {"ALCOVE_RATE_LIMITS_SIGN_IN", "2 per 1h burst 2"},
        {"ALCOVE_RATE_LIMITS_MAGIC_LINK", "100000 per 1h burst 100000"}};
    if (trusted) {
      env["ALCOVE_SERVER_TRUSTED_PROXIES"] = "127.0.0.1";
    }
    ServerProcess server({.env = env});
    ASSERT_TRUE(server.started()) << server.Stderr();
    auto ask = [&](const std::string& client) {
      return Fetch(server.origin() + "/api/v1/auth/magic-link",
                   {.method = "POST",
                    .body = R"({"email":"proxy@example.org"})",
                    .headers = {"Content-Type: application/json",
                                "X-Forwarded-For: 198.51.100.77, " + client},
                    .ca_file = server.certificate()});
    };
    EXPECT_EQ(ask("203.0.113.1").status, 202);
    EXPECT_EQ(ask("203.0.113.1").status, 202);
    EXPECT_EQ(ask("203.0.113.1").status, 429) << "the burst of 2 is spent";
    EXPECT_EQ(ask("203.0.113.2").status, trusted ? 202 : 429)
        << (trusted ? "another client behind the proxy has its own budget"
                    : "an untrusted peer's header names no one");
  }
}

}  // namespace
}  // namespace alcove::testing
