#include "mail/mailer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <ctime>
#include <iostream>
#include <ostream>
#include <system_error>

#include "core/files.hpp"

namespace alcove::mail {
namespace {

// "20261123T105902Z".
std::string FileTime(Micros t) {
  const std::time_t secs = static_cast<std::time_t>(t / kMicrosPerSecond);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf, n);
}

Status EnsureOutbox(const std::filesystem::path& outbox) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(outbox, ec))) {
    if (auto st = CreatePrivateDirectory(outbox, 0700);
        !st && st.error().code != ErrorCode::kAlreadyExists) {
      return st;
    }
  }
  return CheckPrivateDirectory(outbox, "the mail outbox");
}

void SyncDirectory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.valid()) {
    ::fsync(fd.get());
  }
}

}  // namespace

OutboxMailer::OutboxMailer(std::filesystem::path data_dir, Sender from, const Clock& clock,
                           std::ostream& console)
    : outbox_(std::move(data_dir) / "outbox"),
      from_(std::move(from)),
      clock_(clock),
      console_(console) {}

Status OutboxMailer::Send(const Message& message) {
  if (auto st = EnsureOutbox(outbox_); !st) {
    return st;
  }
  const Micros now = clock_.Now();
  auto text = RenderRfc5322(message, from_, now, RandomToken(16));
  if (!text) {
    return std::unexpected(text.error());
  }
  const std::string name = fmt::format("{}-{}.eml", FileTime(now), RandomToken(8));
  const std::filesystem::path temp = outbox_ / fmt::format(".tmp-{}", RandomToken(8));
  if (auto st = WriteNewFile(temp, *text, 0600); !st) {
    return Fail(st.error().code,
                fmt::format("{} mail: writing the outbox: {}", MailKindName(message.kind()),
                            st.error().internal),
                "The mail could not be written.");
  }
  std::error_code ec;
  std::filesystem::rename(temp, outbox_ / name, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    return Fail(ErrorCode::kInternal,
                fmt::format("{} mail: renaming into {}: {}", MailKindName(message.kind()),
                            outbox_.string(), ec.message()),
                "The mail could not be written.");
  }
  SyncDirectory(outbox_);
  console_ << fmt::format("mail ({}) for {} written to outbox/{}: {}\n",
                          MailKindName(message.kind()), message.to(), name, message.link())
           << std::flush;
  return {};
}

Result<std::unique_ptr<Mailer>> MakeMailer(const Config& config, const Environment& env,
                                           const Clock& clock) {
  auto from = Sender::Parse(config.mail.from);
  if (!from) {
    return Fail(ErrorCode::kFailedPrecondition, from.error().internal);
  }
  if (config.mail.mode == "outbox") {
    return std::make_unique<OutboxMailer>(config.data_dir, std::move(*from), clock, std::cout);
  }
  if (config.mail.mode != "smtp") {
    return Fail(
        ErrorCode::kFailedPrecondition,
        fmt::format("mail.mode must be \"outbox\" or \"smtp\", not `{}`", config.mail.mode));
  }
  SmtpOptions options;
  options.url = config.mail.smtp_url;
  options.username = config.mail.smtp_username;
  if (!options.username.empty() && config.mail.smtp_password_env.empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                "mail.smtp_username is set but mail.smtp_password_env is not: name the "
                "environment variable that holds the SMTP password");
  }
  if (!config.mail.smtp_password_env.empty()) {
    const auto it = env.find(config.mail.smtp_password_env);
    if (it == env.end() || it->second.empty()) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("mail.smtp_password_env names `{}`, but that environment "
                              "variable is missing or empty",
                              config.mail.smtp_password_env));
    }
    options.password = it->second;
  }
  auto smtp = SmtpMailer::Create(std::move(options), std::move(*from), clock);
  if (!smtp) {
    return Fail(ErrorCode::kFailedPrecondition, smtp.error().internal);
  }
  return std::unique_ptr<Mailer>(std::move(*smtp));
}

}  // namespace alcove::mail
