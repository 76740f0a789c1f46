#include "mail/message.hpp"

#include <fmt/format.h>
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <ctime>
#include <stdexcept>
#include <vector>

namespace alcove::mail {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 5322 atext.
bool IsAtext(char c) {
  return IsAlnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool IsDotAtom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') {
    return false;
  }
  char prev = 0;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') {
        return false;
      }
    } else if (!IsAtext(c)) {
      return false;
    }
    prev = c;
  }
  return true;
}

bool IsDomain(std::string_view d) {
  if (d.empty() || d.size() > 253) {
    return false;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = d.find('.', start);
    const std::string_view label =
        d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!IsAlnum(c) && c != '-') {
        return false;
      }
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    start = dot + 1;
  }
}

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

bool IsLinkChar(char c) {
  return IsAlnum(c) || std::string_view("-._~/?=&%+:@!$'()*,;").find(c) != std::string_view::npos;
}

// https://host[:port] with a host of domain labels (or an IPv4 literal, which IsDomain
// also accepts) and no path, user info or trailing slash.
bool IsHttpsOrigin(std::string_view origin) {
  constexpr std::string_view kScheme = "https://";
  if (!origin.starts_with(kScheme)) {
    return false;
  }
  std::string_view rest = origin.substr(kScheme.size());
  std::string_view host = rest;
  if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    const std::string_view port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5) {
      return false;
    }
    for (char c : port) {
      if (c < '0' || c > '9') {
        return false;
      }
    }
  }
  return IsDomain(host);
}

struct KindText {
  std::string_view name;
  std::string_view subject;
  std::string_view before;  // lines before the link
  std::string_view after;   // lines after the link
};

static_assert(kSignInLinkMinutes == 10, "the sign-in and sign-up texts say 10 minutes");

// Fixed per kind. ASCII only, CRLF line endings, no line longer than 78 characters.
const KindText& TextOf(MailKind kind) {
  static const KindText kSignIn{
      "sign-in link", "Your Alcove sign-in link",
      "Someone asked to sign in to Alcove with this address.\r\n"
      "To sign in, open this link within 10 minutes, in the browser where you asked:\r\n",
      "If you did not ask to sign in, you can ignore this message.\r\n"};
  static const KindText kSignUp{
      "sign-up confirmation", "Confirm your Alcove account",
      "Someone created an Alcove account with this address.\r\n"
      "To confirm it, open this link within 10 minutes, in the browser where you\r\n"
      "signed up:\r\n",
      "If this was not you, ignore this message and no account will be created.\r\n"};
  static const KindText kPortal{
      "portal invitation", "Your invitation to a secure Alcove portal",
      "You have been invited to a secure portal on Alcove.\r\n"
      "Open this link to accept the invitation:\r\n",
      "If you did not expect this invitation, you can ignore this message.\r\n"};
  static const KindText kQuestionnaire{
      "questionnaire link", "A questionnaire is waiting for you on Alcove",
      "A questionnaire is waiting for you on Alcove.\r\n"
      "Open this link to fill it in:\r\n",
      "If you did not expect this message, you can ignore it.\r\n"};
  static const KindText kSupervisor{
      "supervisor signing link", "A weekly log is waiting for your signature on Alcove",
      "A weekly log is waiting for your signature as supervisor on Alcove.\r\n"
      "Open this link to review and sign it:\r\n",
      "If you did not expect this message, you can ignore it.\r\n"};
  static const KindText kInvitation{
      "supervisor invitation", "You are invited to supervise on Alcove",
      "An associate on Alcove asks you to be their supervisor and sign their weekly\r\n"
      "logs of supervised hours. Open this link to accept (it works for 7 days):\r\n",
      "If you did not expect this message, you can ignore it.\r\n"};
  static const KindText kPinReset{
      "signing PIN reset", "Set a new signing PIN on Alcove",
      "You asked to set a new signing PIN on Alcove.\r\n"
      "Open this link to choose one (it works for 30 minutes):\r\n",
      "If you did not ask for this, ignore this message: your PIN stays as it is.\r\n"};
  static const KindText kHoursReminder{
      "hours reminder", "Weekly logs to submit on Alcove",
      "Some of your past weeks of supervised hours are not yet submitted to a\r\n"
      "supervisor. Open this link to review them:\r\n",
      "You can switch these reminders off on the same page.\r\n"};
  static const KindText kSigningReminder{
      "signing reminder", "Weekly logs waiting for your signature on Alcove",
      "Weekly logs of your associates are waiting for your signature on Alcove.\r\n"
      "Open this link to see them (the signing links are in the mails you had):\r\n",
      "You can switch these reminders off on the same page.\r\n"};
  static const KindText kSummarySigning{
      "summary signing link", "An experience verification is waiting for your signature",
      "An associate on Alcove asks you, as their supervisor, to sign the summary of\r\n"
      "the hours they gained under you. Open this link to review and sign it\r\n"
      "(it works for 7 days):\r\n",
      "If you did not expect this message, you can ignore it.\r\n"};
  // Says only that an answer needs attention: which client, instrument or answer is
  // behind the link (the client's questionnaires page, after sign-in).
  static const KindText kMeasureFlag{
      "questionnaire flag", "A questionnaire answer needs your attention on Alcove",
      "A questionnaire answer on Alcove needs your attention.\r\n"
      "Sign in and open this link to see it:\r\n",
      "You get this message whenever an answer raises a safety flag.\r\n"};
  switch (kind) {
    case MailKind::kSummarySigningLink:
      return kSummarySigning;
    case MailKind::kMeasureFlag:
      return kMeasureFlag;
    case MailKind::kSupervisorInvitation:
      return kInvitation;
    case MailKind::kSupervisorPinReset:
      return kPinReset;
    case MailKind::kHoursReminder:
      return kHoursReminder;
    case MailKind::kSigningReminder:
      return kSigningReminder;
    case MailKind::kSignInLink:
      return kSignIn;
    case MailKind::kSignUpConfirmation:
      return kSignUp;
    case MailKind::kPortalInvitation:
      return kPortal;
    case MailKind::kQuestionnaireLink:
      return kQuestionnaire;
    case MailKind::kSupervisorSigningLink:
      return kSupervisor;
  }
  throw std::logic_error("unknown MailKind");
}

}  // namespace

std::string_view MailKindName(MailKind kind) { return TextOf(kind).name; }

bool IsSignInCode(std::string_view code) {
  return code.size() == kSignInCodeLength &&
         code.find_first_not_of(kSignInCodeAlphabet) == std::string_view::npos;
}

bool IsAcceptableAddress(std::string_view address) {
  if (address.size() > 254) {
    return false;
  }
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) {
    return false;
  }
  const std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  return local.size() <= 64 && IsDotAtom(local) && IsDomain(domain);
}

Result<Sender> Sender::Parse(std::string_view from) {
  auto bad = [] {
    return Fail(ErrorCode::kInvalidArgument,
                "mail.from must be an address (no-reply@example.org) or "
                "`Name <no-reply@example.org>` with a printable ASCII name");
  };
  if (HasLineBreak(from)) {
    return bad();
  }
  const auto open = from.find('<');
  if (open == std::string_view::npos) {
    if (!IsAcceptableAddress(from)) {
      return bad();
    }
    return Sender("", std::string(from));
  }
  if (from.back() != '>' || open + 2 > from.size()) {
    return bad();
  }
  const std::string_view address = from.substr(open + 1, from.size() - open - 2);
  std::string_view display = from.substr(0, open);
  while (!display.empty() && display.back() == ' ') {
    display.remove_suffix(1);
  }
  for (char c : display) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>') {
      return bad();
    }
  }
  if (!IsAcceptableAddress(address)) {
    return bad();
  }
  return Sender(std::string(display), std::string(address));
}

std::string Sender::HeaderValue() const {
  if (display_.empty()) {
    return address_;
  }
  return fmt::format("\"{}\" <{}>", display_, address_);
}

Result<Message> Message::Make(MailKind kind, std::string_view to, std::string_view link,
                              std::string_view origin, std::string_view code) {
  if (!code.empty() && (!IsSignInCode(code) || (kind != MailKind::kSignInLink &&
                                                kind != MailKind::kSignUpConfirmation))) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{} mail: the code is not a sign-in code", MailKindName(kind)));
  }
  if (!IsAcceptableAddress(to)) {
    return Fail(
        ErrorCode::kInvalidArgument,
        fmt::format("{} mail: the recipient is not an acceptable address", MailKindName(kind)),
        "That email address cannot be used.");
  }
  if (!IsHttpsOrigin(origin)) {
    return Fail(
        ErrorCode::kInvalidArgument,
        fmt::format("{} mail: the public origin is not https://host[:port]", MailKindName(kind)));
  }
  if (link.size() > kMaxLinkLength || link.size() <= origin.size() + 1 ||
      !link.starts_with(origin) || link[origin.size()] != '/') {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{} mail: the link is not an https URL with a path on the "
                            "configured origin",
                            MailKindName(kind)));
  }
  // One '#' may start a fragment: sign-in links carry their token there (C26), where
  // browsers never send it to a server.
  const std::size_t hash = link.find('#');
  if (hash != std::string_view::npos && link.find('#', hash + 1) != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{} mail: the link holds more than one '#'", MailKindName(kind)));
  }
  for (std::size_t i = 0; i < link.size(); ++i) {
    const char c = link[i];
    if (!IsLinkChar(c) && i != hash) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("{} mail: the link holds a character outside the URL-safe set",
                              MailKindName(kind)));
    }
  }
  return Message(kind, std::string(to), std::string(link), std::string(code));
}

std::string_view Message::subject() const { return TextOf(kind_).subject; }

std::string Message::Body() const {
  const KindText& t = TextOf(kind_);
  if (code_.empty()) {
    return fmt::format("{}\r\n{}\r\n\r\n{}", t.before, link_, t.after);
  }
  // The code alone on its line, split in two halves to be read and typed easily.
  return fmt::format(
      "{}\r\n{}\r\n\r\n"
      "Reading this on another device, such as your phone? Type this code\r\n"
      "in the browser where you asked instead:\r\n\r\n"
      "{}-{}\r\n\r\n"
      "The link and the code work once, for 10 minutes. Using one ends the other.\r\n"
      "{}",
      t.before, link_, std::string_view(code_).substr(0, 4), std::string_view(code_).substr(4),
      t.after);
}

std::string FormatRfc5322Date(Micros t) {
  const std::time_t secs = static_cast<std::time_t>(t / kMicrosPerSecond);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 64> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return std::string(buf.data(), n);
}

std::string RandomToken(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  std::size_t got = 0;
  while (got < raw.size()) {
    const ssize_t n = ::getrandom(raw.data() + got, raw.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::runtime_error("getrandom failed");
    }
    got += static_cast<std::size_t>(n);
  }
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : raw) {
    out += fmt::format("{:02x}", b);
  }
  return out;
}

Result<std::string> RenderRfc5322(const Message& message, const Sender& from, Micros date,
                                  std::string_view message_id) {
  const std::string_view domain =
      std::string_view(from.address()).substr(from.address().rfind('@') + 1);
  for (char c : message_id) {
    if (!IsAlnum(c)) {
      return Fail(ErrorCode::kInternal, "mail: Message-ID must be alphanumeric");
    }
  }
  const std::string from_value = from.HeaderValue();
  const std::string id_value = fmt::format("<{}@{}>", message_id, domain);
  const std::string date_value = FormatRfc5322Date(date);
  // Header injection: no value may carry a line break. Make and Sender::Parse already
  // refuse them; this check keeps it true whatever changes upstream.
  for (std::string_view v :
       {std::string_view(from_value), std::string_view(message.to()), message.subject(),
        std::string_view(id_value), std::string_view(date_value)}) {
    if (HasLineBreak(v)) {
      return Fail(ErrorCode::kInternal, "mail: a header value holds a line break");
    }
  }
  std::string out;
  out += "From: " + from_value + "\r\n";
  out += "To: " + message.to() + "\r\n";
  out += fmt::format("Subject: {}\r\n", message.subject());
  out += "Date: " + date_value + "\r\n";
  out += "Message-ID: " + id_value + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: 7bit\r\n";
  out += "\r\n";
  out += message.Body();
  return out;
}

}  // namespace alcove::mail
