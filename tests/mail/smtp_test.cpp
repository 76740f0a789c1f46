// SmtpMailer against a real SMTP server on loopback: Debian's aiosmtpd, run by
// /usr/bin/python3 with a certificate made here (claim C53; never plaintext).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "mail/mailer.hpp"
#include "support/temp_dir.hpp"
#include "support/test_certificate.hpp"

namespace alcove::mail {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kOrigin = "https://alcove.example.org";
constexpr std::string_view kLink = "https://alcove.example.org/auth/magic?t=c2VjcmV0LXRva2Vu";
constexpr std::string_view kTo = "therapist@example.org";

// Modes: starttls (STARTTLS required before MAIL), starttls-auth (and AUTH as
// alcove / s3cret-pw), smtps (TLS from the first byte), plain (no TLS offered at all).
// Each message is saved as N.eml (the raw DATA) and N.env (sender, recipients, TLS).
constexpr std::string_view kSinkPy = R"PY(
import asyncio, os, ssl, sys
from aiosmtpd.smtp import SMTP, AuthResult

mode, outdir, cert, key = sys.argv[1:5]

class Save:
    def __init__(self):
        self.n = 0
    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(outdir, str(self.n))
        tls = server.transport.get_extra_info('ssl_object') is not None
        with open(base + '.env', 'w') as f:
            f.write('from=%s\nto=%s\ntls=%s\n' % (envelope.mail_from,
                    ','.join(envelope.rcpt_tos), tls))
        with open(base + '.eml.tmp', 'wb') as f:
            f.write(envelope.original_content)
        os.rename(base + '.eml.tmp', base + '.eml')
        return '250 OK'

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b'alcove' and auth_data.password == b's3cret-pw'
    return AuthResult(success=ok, handled=False)

async def main():
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    handler = Save()
    def factory():
        if mode == 'starttls':
            return SMTP(handler, tls_context=ctx, require_starttls=True)
        if mode == 'starttls-auth':
            return SMTP(handler, tls_context=ctx, require_starttls=True, auth_required=True,
                        auth_require_tls=True, authenticator=authenticator)
        return SMTP(handler)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, '127.0.0.1', 0,
                                      ssl=ctx if mode == 'smtps' else None)
    port = server.sockets[0].getsockname()[1]
    with open(os.path.join(outdir, 'port.tmp'), 'w') as f:
        f.write(str(port))
    os.rename(os.path.join(outdir, 'port.tmp'), os.path.join(outdir, 'port'))
    await asyncio.Event().wait()

asyncio.run(main())
)PY";

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A self-signed certificate for 127.0.0.1, made once per test program.
using Certificate = testing::SelfSignedCertificate;

const Certificate& TestCertificate() {
  static const Certificate kCert;
  return kCert;
}

// The sink process; killed (SIGTERM, then reaped) when destroyed.
class Sink {
 public:
  explicit Sink(std::string_view mode) {
    const Certificate& c = TestCertificate();
    const fs::path script = dir_ / "sink.py";
    std::ofstream(script) << kSinkPy;
    fs::create_directory(out());
    const std::string log = (dir_ / "sink.log").string();
    std::vector<std::string> args{"/usr/bin/python3", script.string(), std::string(mode),
                                  out().string(),     c.cert.string(), c.key.string()};
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (auto& a : args) {
        argv.push_back(a.data());
      }
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    // Wait (bounded) for the sink to say which port it listens on.
    for (int i = 0; i < 1000 && !fs::exists(out() / "port"); ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (fs::exists(out() / "port")) {
      port_ = std::stoi(Slurp(out() / "port"));
      fs::remove(out() / "port");
    }
  }
  ~Sink() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  int port() const { return port_; }
  fs::path out() const { return dir_ / "received"; }
  std::string log() const { return Slurp(dir_ / "sink.log"); }
  std::vector<fs::path> Received() const {
    std::vector<fs::path> v;
    for (const auto& e : fs::directory_iterator(out())) {
      if (e.path().extension() == ".eml") {
        v.push_back(e.path());
      }
    }
    return v;
  }

 private:
  testing::TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

class SmtpMailerC53 : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(TestCertificate().ok) << "openssl could not make a certificate";
  }
  Result<std::unique_ptr<SmtpMailer>> Mailer(std::string url, bool trust = true,
                                             std::string user = "", std::string pw = "") {
    SmtpOptions o;
    o.url = std::move(url);
    o.username = std::move(user);
    o.password = std::move(pw);
    if (trust) {
      o.ca_file = TestCertificate().cert.string();
    }
    o.connect_timeout = std::chrono::seconds(10);
    o.total_timeout = std::chrono::seconds(20);
    return SmtpMailer::Create(std::move(o), *Sender::Parse("Alcove <no-reply@example.org>"),
                              clock_);
  }
  Message Msg() { return *Message::Make(MailKind::kSignInLink, kTo, kLink, kOrigin); }

  // The send failed without a trace of the message in the sink or in the error.
  void ExpectRefused(const Sink& sink, const Status& st) {
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(st.error().internal.find("c2VjcmV0"), std::string::npos) << st.error().internal;
    EXPECT_EQ(st.error().internal.find("https://"), std::string::npos) << st.error().internal;
    EXPECT_EQ(st.error().internal.find("therapist"), std::string::npos) << st.error().internal;
    EXPECT_EQ(st.error().public_message.find("https://"), std::string::npos);
    EXPECT_TRUE(sink.Received().empty());
  }

  FakeClock clock_{1'795'426'200LL * kMicrosPerSecond};
};

// claim: C53
TEST_F(SmtpMailerC53, StartTlsSinkReceivesExactlyTheLinkOnlyMessage) {
  Sink sink("starttls");
  ASSERT_GT(sink.port(), 0) << sink.log();
  auto mailer = Mailer("smtp://127.0.0.1:" + std::to_string(sink.port()));
  ASSERT_TRUE(mailer);
  const Message m = Msg();
  auto st = (*mailer)->Send(m);
  ASSERT_TRUE(st) << st.error().internal << "\n" << sink.log();

  const auto received = sink.Received();
  ASSERT_EQ(received.size(), 1u);
  const std::string text = Slurp(received[0]);
  const auto split = text.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos) << text;
  const std::string head = text.substr(0, split + 2);
  EXPECT_EQ(text.substr(split + 4), m.Body());  // exactly the fixed text and the link
  EXPECT_TRUE(
      head.starts_with("From: \"Alcove\" <no-reply@example.org>\r\n"
                       "To: therapist@example.org\r\n"
                       "Subject: Your Alcove sign-in link\r\n"
                       "Date: Mon, 23 Nov 2026 09:30:00 +0000\r\n"
                       "Message-ID: <"))
      << head;
  EXPECT_TRUE(
      head.ends_with("MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: 7bit\r\n"))
      << head;
  // The link is the only URL in the whole message.
  EXPECT_EQ(text.find("https://"), text.rfind("https://"));
  EXPECT_EQ(Slurp(sink.out() / "1.env"),
            "from=no-reply@example.org\nto=therapist@example.org\ntls=True\n");
}

// claim: C53
TEST_F(SmtpMailerC53, ImplicitTlsSinkReceivesTheMessage) {
  Sink sink("smtps");
  ASSERT_GT(sink.port(), 0) << sink.log();
  auto mailer = Mailer("smtps://127.0.0.1:" + std::to_string(sink.port()));
  ASSERT_TRUE(mailer);
  auto st = (*mailer)->Send(Msg());
  ASSERT_TRUE(st) << st.error().internal << "\n" << sink.log();
  ASSERT_EQ(sink.Received().size(), 1u);
  EXPECT_NE(Slurp(sink.out() / "1.env").find("tls=True"), std::string::npos);
}

// claim: C53
TEST_F(SmtpMailerC53, SinkWithoutTlsIsRefusedBeforeAnythingIsSent) {
  Sink sink("plain");
  ASSERT_GT(sink.port(), 0) << sink.log();
  const std::string port = std::to_string(sink.port());
  auto starttls = Mailer("smtp://127.0.0.1:" + port);
  ASSERT_TRUE(starttls);
  ExpectRefused(sink, (*starttls)->Send(Msg()));
  auto implicit = Mailer("smtps://127.0.0.1:" + port);
  ASSERT_TRUE(implicit);
  ExpectRefused(sink, (*implicit)->Send(Msg()));
}

// claim: C53
TEST_F(SmtpMailerC53, UntrustedCertificateIsRefused) {
  Sink sink("starttls");
  ASSERT_GT(sink.port(), 0) << sink.log();
  auto mailer = Mailer("smtp://127.0.0.1:" + std::to_string(sink.port()), /*trust=*/false);
  ASSERT_TRUE(mailer);
  ExpectRefused(sink, (*mailer)->Send(Msg()));
}

// claim: C53
TEST_F(SmtpMailerC53, AuthenticatesAfterStartTlsAndReportsABadPasswordWithoutContent) {
  Sink sink("starttls-auth");
  ASSERT_GT(sink.port(), 0) << sink.log();
  const std::string url = "smtp://127.0.0.1:" + std::to_string(sink.port());
  auto wrong = Mailer(url, true, "alcove", "wrong-pw");
  ASSERT_TRUE(wrong);
  ExpectRefused(sink, (*wrong)->Send(Msg()));
  auto right = Mailer(url, true, "alcove", "s3cret-pw");
  ASSERT_TRUE(right);
  auto st = (*right)->Send(Msg());
  ASSERT_TRUE(st) << st.error().internal << "\n" << sink.log();
  EXPECT_EQ(sink.Received().size(), 1u);
}

TEST(SmtpMailer, RefusesUrlsThatAreNotSmtp) {
  FakeClock clock(0);
  for (const char* url : {"http://mail.example.org", "smtp://", "smtps://", "",
                          "smtp://mail.example.org\r\nRCPT TO:<x@y.org>", "ftp://h"}) {
    SmtpOptions o;
    o.url = url;
    EXPECT_FALSE(SmtpMailer::Create(o, *Sender::Parse("a@example.org"), clock)) << url;
  }
}

}  // namespace
}  // namespace alcove::mail
