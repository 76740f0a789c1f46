// The development mailer: an outbox directory and one console line (claim C53).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "mail/mailer.hpp"
#include "support/temp_dir.hpp"

namespace alcove::mail {
namespace {

constexpr std::string_view kOrigin = "https://alcove.example.org";
constexpr std::string_view kLink = "https://alcove.example.org/auth/magic?t=Q2xpZW50";

mode_t ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

std::vector<std::filesystem::path> Files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.push_back(e.path());
  }
  return out;
}

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Sender From() { return *Sender::Parse("Alcove <no-reply@alcove.example.org>"); }

// claim: C53
TEST(OutboxMailerC53, WritesAPrivateEmlAndPrintsOnlyTheLink) {
  testing::TempDir dir;
  FakeClock clock(1'795'426'200LL * kMicrosPerSecond);
  std::ostringstream console;
  OutboxMailer mailer(dir.path(), From(), clock, console);
  auto m = Message::Make(MailKind::kSignInLink, "therapist@example.org", kLink, kOrigin);
  ASSERT_TRUE(m);
  ASSERT_TRUE(mailer.Send(*m));

  const auto outbox = dir / "outbox";
  EXPECT_EQ(ModeOf(outbox), 0700u);
  const auto files = Files(outbox);
  ASSERT_EQ(files.size(), 1u);  // no temporary file left behind
  const std::string name = files[0].filename().string();
  EXPECT_TRUE(name.starts_with("20261123T093000Z-")) << name;
  EXPECT_TRUE(name.ends_with(".eml")) << name;
  EXPECT_EQ(ModeOf(files[0]), 0600u);

  const std::string text = Slurp(files[0]);
  const auto split = text.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos);
  EXPECT_NE(text.find("To: therapist@example.org\r\n"), std::string::npos);
  EXPECT_NE(text.find("Date: Mon, 23 Nov 2026 09:30:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(text.find("Message-ID: <"), std::string::npos);
  EXPECT_EQ(text.substr(split + 4), m->Body());

  EXPECT_EQ(console.str(), "mail (sign-in link) for therapist@example.org written to outbox/" +
                               name + ": " + std::string(kLink) + "\n");

  // A second mail is a second file.
  ASSERT_TRUE(mailer.Send(*m));
  EXPECT_EQ(Files(outbox).size(), 2u);
}

TEST(OutboxMailer, RefusesAnOutboxOthersCanRead) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir / "outbox");
  std::filesystem::permissions(dir / "outbox", std::filesystem::perms(0755));
  FakeClock clock(0);
  std::ostringstream console;
  OutboxMailer mailer(dir.path(), From(), clock, console);
  auto m = Message::Make(MailKind::kSignInLink, "a@example.org", kLink, kOrigin);
  ASSERT_TRUE(m);
  auto st = mailer.Send(*m);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(st.error().internal.find("chmod"), std::string::npos) << st.error().internal;
  EXPECT_TRUE(Files(dir / "outbox").empty());
  EXPECT_TRUE(console.str().empty());
}

TEST(MakeMailer, OutboxByDefaultSmtpOnlyWithItsSettings) {
  testing::TempDir dir;
  FakeClock clock(0);
  Config config;
  config.data_dir = dir.path();
  EXPECT_TRUE(MakeMailer(config, {}, clock));

  config.mail.from = "Alcove <a@example.org>\r\nBcc: x@y.org";
  EXPECT_FALSE(MakeMailer(config, {}, clock));
  config.mail.from = "Alcove <no-reply@example.org>";

  config.mail.mode = "smtp";
  config.mail.smtp_url = "http://mail.example.org";
  auto bad_url = MakeMailer(config, {}, clock);
  ASSERT_FALSE(bad_url);
  EXPECT_NE(bad_url.error().internal.find("smtp_url"), std::string::npos);

  config.mail.smtp_url = "smtps://mail.example.org:465";
  config.mail.smtp_username = "alcove";
  auto no_env = MakeMailer(config, {}, clock);
  ASSERT_FALSE(no_env);
  EXPECT_NE(no_env.error().internal.find("smtp_password_env"), std::string::npos);

  config.mail.smtp_password_env = "ALCOVE_TEST_SMTP_PASSWORD";
  auto missing = MakeMailer(config, {}, clock);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(missing.error().internal.find("ALCOVE_TEST_SMTP_PASSWORD"), std::string::npos);
  EXPECT_FALSE(MakeMailer(config, {{"ALCOVE_TEST_SMTP_PASSWORD", ""}}, clock));
  EXPECT_TRUE(MakeMailer(config, {{"ALCOVE_TEST_SMTP_PASSWORD", "pw"}}, clock));

  config.mail.mode = "carrier-pigeon";
  EXPECT_FALSE(MakeMailer(config, {}, clock));
}

}  // namespace
}  // namespace alcove::mail
