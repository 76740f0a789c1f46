// The operator commands as an operator runs them: `alcove init` and the checks
// `alcove serve` makes before it starts, and a clean stop.
#include <csignal>
#include <fstream>
#include <thread>
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "support/https_client.hpp"
#include "support/process.hpp"

namespace alcove::testing {
namespace {

mode_t ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST(Init, CreatesAPrivateDataDirectory) {
  TempDir tmp;
  const auto dir = tmp / "data";
  const auto r = RunAlcove({"init", "--data-dir", dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ModeOf(dir), 0700u);
  EXPECT_EQ(ModeOf(dir / "master.key"), 0600u);
  EXPECT_EQ(ModeOf(dir / "tls/key.pem"), 0600u);
  EXPECT_EQ(ModeOf(dir / "alcove.toml"), 0600u);
  EXPECT_TRUE(std::filesystem::exists(dir / "tls/cert.pem"));
  // The master key file holds one 256-bit key in the documented format.
  std::ifstream key(dir / "master.key");
  std::string line;
  std::string key_base64;
  bool header = false;
  int keys = 0;
  while (std::getline(key, line)) {
    if (line == "alcove-master-keys v1") {
      header = true;
    } else if (line.starts_with("key 1 ")) {
      ++keys;
      // `key 1 <base64 of 32 bytes> created=<time>` (docs/data-directory.md)
      key_base64 = line.substr(6, line.find(' ', 6) - 6);
      EXPECT_EQ(key_base64.size(), 44u);  // base64 of 32 bytes
      EXPECT_NE(line.find(" created=20"), std::string::npos) << "the creation time";
    }
  }
  EXPECT_TRUE(header);
  EXPECT_EQ(keys, 1);
  // Nothing secret is printed.
  ASSERT_FALSE(key_base64.empty());
  EXPECT_EQ(r.out.find(key_base64), std::string::npos);
  EXPECT_EQ(r.err.find(key_base64), std::string::npos);
}

TEST(Init, TwiceOnTheSameDirectoryRefusesAndChangesNothing) {
  TempDir tmp;
  const auto dir = tmp / "data";
  ASSERT_EQ(RunAlcove({"init", "--data-dir", dir.string()}).exit_code, 0);
  std::ifstream before_in(dir / "master.key");
  const std::string before((std::istreambuf_iterator<char>(before_in)), {});
  const auto again = RunAlcove({"init", "--data-dir", dir.string()});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  std::ifstream after_in(dir / "master.key");
  const std::string after((std::istreambuf_iterator<char>(after_in)), {});
  EXPECT_EQ(before, after);
}

TEST(Init, CertificateIsEcdsaP256ForLocalhostAndNotACa) {
  TempDir tmp;
  ASSERT_EQ(RunAlcove({"init", "--data-dir", (tmp / "d").string()}).exit_code, 0);
  FILE* f = std::fopen((tmp / "d/tls/cert.pem").c_str(), "r");
  ASSERT_NE(f, nullptr);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  ASSERT_NE(cert, nullptr);
  EVP_PKEY* key = X509_get0_pubkey(cert);
  char group[64] = {};
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(key, group, sizeof group, &len), 1);
  EXPECT_STREQ(group, "prime256v1");
  EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ca(cert), 0);
  X509_free(cert);
}

TEST(Serve, RefusesAMasterKeyFileOthersCanRead) {
  ServerProcess server({.prepare = [](const std::filesystem::path& d) {
    std::filesystem::permissions(d / "master.key", std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);
  }});
  EXPECT_FALSE(server.started());
  EXPECT_NE(server.Stop(), 0);
  EXPECT_NE(server.Stderr().find("chmod 600"), std::string::npos) << server.Stderr();
}

TEST(Serve, RefusesAGroupReadableTlsKey) {
  ServerProcess server({.prepare = [](const std::filesystem::path& d) {
    std::filesystem::permissions(d / "tls/key.pem", std::filesystem::perms::group_read,
                                 std::filesystem::perm_options::add);
  }});
  EXPECT_FALSE(server.started());
  EXPECT_NE(server.Stderr().find("TLS private key"), std::string::npos) << server.Stderr();
}

TEST(Serve, RefusesAMissingCertificateAndSaysWhatToSet) {
  ServerProcess server({.prepare = [](const std::filesystem::path& d) {
    std::filesystem::remove(d / "tls/cert.pem");
  }});
  EXPECT_FALSE(server.started());
  EXPECT_NE(server.Stderr().find("tls.certificate"), std::string::npos) << server.Stderr();
}

TEST(Serve, RefusesAnUnknownConfigKeyAndNamesIt) {
  ServerProcess server({.prepare = [](const std::filesystem::path& d) {
    std::ifstream in(d / "alcove.toml");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text.replace(text.find("[mail]"), 6, "[mail]\nsmpt_url = \"x\"");
    std::ofstream(d / "alcove.toml") << text;
  }});
  EXPECT_FALSE(server.started());
  EXPECT_NE(server.Stderr().find("mail.smpt_url"), std::string::npos) << server.Stderr();
}

TEST(Serve, RefusesAnUnknownAlcoveVariable) {
  ServerProcess server({.env = {{"ALCOVE_SERVER_PROT", "1"}}});
  EXPECT_FALSE(server.started());
  EXPECT_NE(server.Stderr().find("ALCOVE_SERVER_PROT"), std::string::npos);
}

TEST(Serve, RefusesAnUnreadableDataDirectory) {
  ServerProcess server({.prepare = [](const std::filesystem::path& d) {
    std::filesystem::permissions(d, std::filesystem::perms::group_read |
                                        std::filesystem::perms::group_exec,
                                 std::filesystem::perm_options::add);
  }});
  EXPECT_FALSE(server.started());
  EXPECT_NE(server.Stderr().find("chmod 700"), std::string::npos) << server.Stderr();
}

TEST(Serve, FlagsOverrideEnvironmentWhichOverridesTheFile) {
  // The file says 127.0.0.1; the environment says ::1; the flag says 127.0.0.1 again.
  ServerProcess server({.env = {{"ALCOVE_SERVER_BIND", "::1"}},
                        .extra_args = {"--bind", "127.0.0.1"}});
  ASSERT_TRUE(server.started()) << server.Stderr();
  EXPECT_EQ(Fetch(server.origin() + "/healthz", {.ca_file = server.certificate()}).status, 200);
}

TEST(Serve, SigtermStopsCleanlyWithExitZeroEvenWithIdleConnections) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  RawTlsClient idle(server.https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(idle.handshake_ok());
  ASSERT_TRUE(idle.Write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  EXPECT_NE(idle.ReadUntilClose(500).find("200 OK"), std::string::npos);
  EXPECT_EQ(server.Stop(), 0);
  EXPECT_NE(server.Stderr().find("stopped"), std::string::npos);
  EXPECT_TRUE(idle.WaitForClose(5000));
}

// claim: C07
TEST(Serve, C07_StartsOnADataDirectoryWhoseKeysWereRotated) {
  ServerProcess server({.prepare = [](const std::filesystem::path& d) {
    const auto r = RunAlcove({"keys", "rotate", "--data-dir", d.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }});
  ASSERT_TRUE(server.started()) << server.Stderr();
  EXPECT_EQ(Fetch(server.origin() + "/healthz", {.ca_file = server.certificate()}).status, 200);
}

TEST(Serve, SigtermLetsARequestInFlightFinishThenExitsZero) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  RawTlsClient client(server.https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(client.handshake_ok());
  // Half a request: the head and part of the body.
  ASSERT_TRUE(client.Write("POST /nope HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n12345"));
  // Give the server time to read the head (ordering, not a timing assertion), then stop it.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  server.Signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(client.Write("67890"));
  const std::string answer = client.ReadUntilClose(10000);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 404 ")) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  EXPECT_EQ(server.Stop(), 0);
  // Once stopping, no new connection is accepted.
  RawTlsClient late(server.https_port(), TLS1_3_VERSION, TLS1_3_VERSION);
  EXPECT_FALSE(late.handshake_ok());
}

}  // namespace
}  // namespace alcove::testing
