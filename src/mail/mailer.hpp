#pragma once

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "mail/message.hpp"

namespace alcove::mail {

// Sends a Message (claim C53: links only). A seam (STYLE.md 7): OutboxMailer in
// development, SmtpMailer in production, fakes in tests.
// Errors never contain the body or the link (nor the recipient, for SmtpMailer).
// Thread-safety: implementations here may be called from several threads at once.
class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual Status Send(const Message& message) = 0;
};

// Development: writes each message as RFC 5322 text (CRLF line endings) to
// DIR/outbox/<UTC time>-<random>.eml with mode 0600 — written to a temporary name in the
// same directory, fsynced and renamed, so a reader never sees half a message — and
// prints one line to `console`:
//   mail (<kind>) for <recipient> written to outbox/<file>: <link>
// The outbox directory is created 0700 if missing; an existing one that group or others
// can access is refused (kFailedPrecondition, saying which chmod fixes it).
class OutboxMailer final : public Mailer {
 public:
  // Borrows `clock` and `console`; both must outlive the mailer.
  OutboxMailer(std::filesystem::path data_dir, Sender from, const Clock& clock,
               std::ostream& console);
  Status Send(const Message& message) override;
  std::filesystem::path outbox() const { return outbox_; }

 private:
  std::filesystem::path outbox_;
  Sender from_;
  const Clock& clock_;
  std::ostream& console_;
};

struct SmtpOptions {
  std::string url;       // smtps://host[:port] (implicit TLS) or smtp://host[:port] (STARTTLS)
  std::string username;  // empty: no authentication
  std::string password;  // from the environment, never from the config file
  std::string ca_file;   // empty: the system's trust store
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds total_timeout{30};
};

// Production: libcurl. smtps:// connects with TLS; smtp:// must upgrade with STARTTLS
// (CURLUSESSL_ALL: a server that does not offer it is refused before anything is sent —
// never plaintext). TLS 1.2 or newer, the peer certificate and host name verified.
// Errors: kUnavailable with curl's error name and the server's reply code only.
class SmtpMailer final : public Mailer {
 public:
  // kInvalidArgument for a URL that is not smtps:// or smtp://.
  static Result<std::unique_ptr<SmtpMailer>> Create(SmtpOptions options, Sender from,
                                                    const Clock& clock);
  Status Send(const Message& message) override;

 private:
  struct Checked {
    explicit Checked() = default;
  };

 public:
  // Only Create can make the tag: use Create.
  SmtpMailer(Checked, SmtpOptions options, Sender from, const Clock& clock)
      : options_(std::move(options)), from_(std::move(from)), clock_(clock) {}

 private:
  SmtpOptions options_;
  Sender from_;
  const Clock& clock_;
};

// The mailer that config.mail names: "outbox" → OutboxMailer(config.data_dir) printing to
// stdout; "smtp" → SmtpMailer with mail.smtp_url and mail.smtp_username, the password
// read from the variable of `env` named by mail.smtp_password_env.
// Errors (kFailedPrecondition, naming the setting): an unusable mail.from; an unknown
// mode; smtp without smtp_url; smtp_username without smtp_password_env; a password
// variable that is missing or empty.
Result<std::unique_ptr<Mailer>> MakeMailer(const Config& config, const Environment& env,
                                           const Clock& clock);

}  // namespace alcove::mail
